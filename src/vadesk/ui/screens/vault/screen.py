"""The vault screen: browse, filter, reveal, copy, add, edit, delete, lock."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from vadesk.domain import vault_crypto as vc
from vadesk.domain import vault_items
from vadesk.domain.passwords import totp_now, totp_seconds_left
from vadesk.domain.text import clean_title, count
from vadesk.errors import ConflictError, NotFoundError, VadeskError
from vadesk.services import vault as vaults
from vadesk.services.clients import ClientRow
from vadesk.services.store import StoreLike
from vadesk.ui.safe import display, safe_text
from vadesk.ui.screens.vault.commands import VaultCommands
from vadesk.ui.screens.vault.common import FIELDS, LABELS
from vadesk.ui.screens.vault.item_form import ItemForm
from vadesk.ui.screens.vault.keys import ChangePassphrase, RotateKey

COPYABLE = {"u": "username", "y": "password", "N": "number", "V": "cvc"}


def detail_keys(doc: dict[str, Any]) -> str:
    """The keys that do something for this item (a card has no password, a note no CVC)."""
    keys = {
        "login": ["y password", "u user"] + (["t code"] if doc.get("totp") else []),
        "card": ["N number", "V CVC"],
    }.get(str(doc.get("kind")), [])
    return " · ".join(["r reveal", *keys, "e edit", "delete removes"])


def fingerprint(value: str) -> str:
    """A short, non-reversible tag used to tell whether the clipboard still holds our copy."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


class VaultScreen(Screen[None]):
    """Browse the unlocked vault: filter, reveal, copy, add, edit, delete, lock."""

    CSS_PATH = "vault.tcss"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {VaultCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Board", id="vault.back"),
        Binding("slash", "focus_filter", "Filter", id="vault.filter"),
        Binding("r", "reveal", "Reveal", id="vault.reveal", tooltip="Show or hide secret fields"),
        Binding("y", "copy('password')", "Copy password", id="vault.copy-password"),
        Binding("u", "copy('username')", "Copy user", id="vault.copy-username"),
        Binding("t", "copy('totp')", "Copy code", id="vault.copy-totp", show=False),
        Binding("N", "copy('number')", "Copy number", id="vault.copy-number", show=False),
        Binding("V", "copy('cvc')", "Copy CVC", id="vault.copy-cvc", show=False),
        Binding("a", "add('login')", "Add login", id="vault.add-login"),
        Binding("A", "add('card')", "Add card", id="vault.add-card", show=False),
        Binding("ctrl+n", "add('note')", "Add note", id="vault.add-note", show=False),
        Binding("e", "edit", "Edit", id="vault.edit", show=False),
        Binding("delete", "delete", "Delete", id="vault.delete", show=False),
        Binding("L", "lock", "Lock", id="vault.lock"),
        Binding("P", "passwd", "Passphrase", id="vault.passwd", show=False),
        Binding(
            "K",
            "rotate",
            "Rotate key",
            id="vault.rotate",
            show=False,
            tooltip="Re-encrypt every item under a new data key",
        ),
        Binding(
            "X",
            "export",
            "Export client",
            id="vault.export",
            show=False,
            tooltip="Write this client's items to an encrypted file",
        ),
        Binding("I", "import", "Import file", id="vault.import", show=False),
    ]

    class Saved(Message):
        pass

    class Failed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(
        self,
        store: StoreLike,
        clients: list[ClientRow],
        client: str | None = None,
        select: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.clients = clients
        self.client = client
        self.select = select
        """Item to highlight first (opened from a card)."""
        self.revealed = False
        self._ids: list[str] = []
        self.hidden_clients: frozenset[str] = frozenset()
        """Archived clients: their items stay out of the list until they come back."""

    @property
    def opened(self) -> vaults.OpenVault | None:
        return getattr(self.app, "vault", None)

    def compose(self) -> ComposeResult:
        yield Static(id="vault-header")
        with Horizontal(id="vault-filters"):
            yield Input(placeholder="Filter by name, URL, user or client", id="vault-filter")
            names = [c.name for c in self.clients]
            yield Select(
                [(safe_text(n), n) for n in names],
                id="vault-client",
                prompt="All clients",
                value=self.client if self.client in names else Select.NULL,
            )
        with Horizontal(id="vault-body"):
            yield OptionList(id="vault-items")
            yield Static(id="vault-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.refill()
        self.query_one("#vault-items", OptionList).focus()
        self.set_interval(1, self._tick)
        self._read_archived_clients()

    @work(thread=True, exclusive=True, group="vault-clients", exit_on_error=False)
    def _read_archived_clients(self) -> None:
        from vadesk.services.clients import archived_client_names

        with self.store.read() as s:
            hidden = archived_client_names(s)
        if hidden:
            self.app.call_from_thread(self._hide_clients, hidden)

    def _hide_clients(self, hidden: frozenset[str]) -> None:
        self.hidden_clients = hidden
        self.refill()

    def _tick(self) -> None:
        doc = self._selected_doc()
        if doc is not None and doc.get("totp"):  # the code and its countdown move on
            self.show_detail()

    def refill(self) -> None:
        opened = self.opened
        items = self.query_one("#vault-items", OptionList)
        items.clear_options()
        header = self.query_one("#vault-header", Static)
        if opened is None:
            header.update("Vault locked")
            return
        text = self.query_one("#vault-filter", Input).value
        client = self.query_one("#vault-client", Select).value
        rows = [
            (item_id, doc)
            for item_id, doc in vaults.matching(
                opened, text, client if isinstance(client, str) else None
            )
            if doc.get("client") not in self.hidden_clients
        ]
        self._ids = [item_id for item_id, _ in rows]
        for item_id, doc in rows:
            label = Text(f"{clean_title(str(doc.get('name', '')))}", style="bold")
            label.append(
                f"  {display(doc.get('kind'))} · {clean_title(str(doc.get('client') or '-'))}",
                style="dim",
            )
            items.add_option(Option(label, id=item_id))
        shown = count(len(opened.items), "item")
        if len(rows) != len(opened.items):
            shown = f"{len(rows)} of {shown}"
        header.update(Text(f" Vault — {shown} · unlocked", style="bold"))
        if rows:
            wanted = self.select if self.select in self._ids else None
            items.highlighted = self._ids.index(wanted) if wanted else 0
            self.select = None
        self.show_detail()

    def _selected_id(self) -> str | None:
        index = self.query_one("#vault-items", OptionList).highlighted
        return self._ids[index] if index is not None and index < len(self._ids) else None

    def _selected_doc(self) -> dict[str, Any] | None:
        opened, item_id = self.opened, self._selected_id()
        return opened.items.get(item_id) if opened and item_id else None

    def show_detail(self) -> None:
        doc = self._selected_doc()
        detail = self.query_one("#vault-detail", Static)
        if doc is None:
            detail.update("Nothing selected. a adds a login, A a card, ctrl+n a note.")
            return
        text = Text()
        for name in FIELDS.get(str(doc.get("kind")), ("name",)):
            value = str(doc.get(name, "") or "")
            if not value:
                continue
            shown = value
            if name in vault_items.SECRET_FIELDS and not self.revealed:
                shown = vc.mask_card_number(value) if name == "number" else "••••••••"
            if name == "totp":
                try:
                    shown = f"{totp_now(value)}  ({totp_seconds_left(secret=value)} s)"
                except VadeskError as error:
                    shown = str(error)
            label = "Code" if name == "totp" else LABELS.get(name, name.capitalize())
            text.append(f"{label.split(' (')[0]:<12}", "dim")  # the live code, not the secret
            text.append(clean_title(shown) + "\n")
        if doc.get("cards"):
            text.append(f"{'Cards':<12}", "dim")
            text.append(", ".join(f"#{display(c)}" for c in doc["cards"]) + "\n")
        if doc.get("kind") == "card" and doc.get("number"):
            ok = vc.luhn_valid(str(doc["number"]))
            text.append(f"{'Luhn':<12}", "dim")
            text.append("valid\n" if ok else "INVALID\n", "green" if ok else "red")
        text.append("\n" + detail_keys(doc), "dim")
        detail.update(text)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self.show_detail()

    @on(Input.Changed, "#vault-filter")
    @on(Select.Changed, "#vault-client")
    def _filter(self) -> None:
        self.refill()

    @on(Input.Submitted, "#vault-filter")
    def _filter_done(self) -> None:
        self.query_one("#vault-items", OptionList).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#vault-filter", Input).focus()

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self.show_detail()

    def action_copy(self, field: str) -> None:
        doc = self._selected_doc()
        if doc is None:
            return
        value = str(doc.get(field, "") or "")
        if field == "totp" and value:
            try:
                value = totp_now(value)
            except VadeskError as error:
                self.notify(str(error), severity="error")
                return
        if not value:
            self.notify(f"This item has no {field}.", severity="warning")
            return
        copy = getattr(self.app, "copy_secret", None)
        if copy is not None:
            copy(value)
        seconds = self.store.settings.clipboard_clear_seconds
        self.notify(f"Copied {field}; the clipboard is cleared in {seconds} s.", timeout=3)

    def action_back(self) -> None:
        if self.query_one("#vault-filter", Input).has_focus:
            self.query_one("#vault-items", OptionList).focus()
            return
        self.revealed = False
        self.dismiss(None)

    def action_lock(self) -> None:
        lock = getattr(self.app, "lock_vault", None)
        if lock is not None:
            lock()

    def action_add(self, kind: str) -> None:
        self.app.push_screen(
            ItemForm(kind, self.clients, {"client": self.client} if self.client else None),
            lambda doc: self._save(doc, None),
        )

    def action_edit(self) -> None:
        doc, item_id = self._selected_doc(), self._selected_id()
        if doc is not None:
            self.app.push_screen(
                ItemForm(str(doc["kind"]), self.clients, doc), lambda new: self._save(new, item_id)
            )

    def action_delete(self) -> None:
        from vadesk.ui.screens.pickers import Confirm

        item_id, opened = self._selected_id(), self.opened
        if item_id is None or opened is None:
            return
        name = clean_title(str(opened.items.get(item_id, {}).get("name", "this item")))

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(lambda s, v: vaults.delete_item(s, v, item_id))

        # A client's login is gone for good once deleted: ask first.
        self.app.push_screen(
            Confirm(f"Delete {name!r} from the vault?", "This cannot be undone."), answered
        )

    def _save(self, document: dict[str, Any] | None, item_id: str | None) -> None:
        if document is not None:
            self._write(lambda s, v: vaults.save_item(s, v, document, item_id))

    @work(thread=True, exclusive=True, group="vault-write", exit_on_error=False)
    def _write(self, fn: Any) -> None:
        opened = self.opened
        if opened is None:
            return
        try:
            with self.store.write() as s:
                fn(s, opened)
        except vaults.VaultStale as error:
            self.post_message(self.Failed(str(error)))
            self.app.call_from_thread(self.action_lock)
            return
        except VadeskError as error:
            if isinstance(error, ConflictError | NotFoundError):
                self._catch_up(opened)
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.Saved())

    def _catch_up(self, opened: vaults.OpenVault) -> None:
        """After a lost race, show what the database holds now (in this worker thread)."""
        try:
            with self.store.read() as s:
                vaults.refresh(s, opened)
        except VadeskError:
            return
        self.post_message(self.Saved())

    @on(Saved)
    def _saved(self) -> None:
        self.refill()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.notify(event.message, severity="error", timeout=8)

    def action_passwd(self) -> None:
        self.app.push_screen(ChangePassphrase(self.store))

    def action_rotate(self) -> None:
        self.app.push_screen(RotateKey(self.store))

    def _client_filter(self) -> str | None:
        value = self.query_one("#vault-client", Select).value
        return value if isinstance(value, str) else None

    def action_export(self) -> None:
        from vadesk.ui.screens.pickers import TextPrompt

        client = self._client_filter()
        if client is None:
            self.notify("Pick a client in the client filter first.", severity="warning")
            return
        default = f"{client.lower().replace(' ', '-')}-vault.vadesk"

        def with_path(path: str | None) -> None:
            if path:
                self.app.push_screen(
                    TextPrompt(
                        f"Passphrase for {path} (give it to {client} separately)", password=True
                    ),
                    lambda phrase: self._start_export(client, path, phrase),
                )

        self.app.push_screen(TextPrompt(f"Export {client}'s items to file", default), with_path)

    def _start_export(self, client: str, path: str, phrase: str | None) -> None:
        if phrase:
            self._export(client, path, vc.Secret(phrase))  # a worker's arguments are logged

    def _start_import(self, path: str, phrase: str | None) -> None:
        if phrase:
            self._import(path, vc.Secret(phrase))

    @work(thread=True, exclusive=True, group="vault-file", exit_on_error=False)
    def _export(self, client: str, path: str, phrase: vc.Secret) -> None:
        from vadesk.domain.passwords import check_strength
        from vadesk.services.files import write_private

        opened = self.opened
        if opened is None:
            return
        try:
            check_strength(phrase.text())
            data = vaults.export_client(
                opened, client, phrase, vaults.kdf_for(self.store.settings.vault_kdf)
            )
            write_private(path, data)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        except OSError as error:
            self.post_message(self.Failed(f"Cannot write {path}: {error.strerror}."))
            return
        self.app.call_from_thread(self.notify, f"Exported {client}'s items to {path}.")

    def action_import(self) -> None:
        from vadesk.ui.screens.pickers import TextPrompt

        def with_path(path: str | None) -> None:
            if path:
                self.app.push_screen(
                    TextPrompt(f"Passphrase of {path}", password=True),
                    lambda phrase: self._start_import(path, phrase),
                )

        self.app.push_screen(TextPrompt("Import items from file"), with_path)

    @work(thread=True, exclusive=True, group="vault-file", exit_on_error=False)
    def _import(self, path: str, phrase: vc.Secret) -> None:
        import os

        opened = self.opened
        if opened is None:
            return
        try:
            with open(os.path.expanduser(path), "rb") as handle:
                data = handle.read()
            with self.store.write() as s:
                added, present = vaults.import_bundle(s, opened, data, phrase)
        except (VadeskError, OSError) as error:
            self.post_message(
                self.Failed(
                    str(error)
                    if isinstance(error, VadeskError)
                    else f"Cannot read {path}: {error.strerror}."
                )
            )
            return
        self.post_message(self.Saved())
        again = f"; {present} already in the vault" if present else ""
        noun = "item" if added == 1 else "items"
        self.app.call_from_thread(self.notify, f"Imported {added} {noun}{again}.")
