"""The vault screens: create, unlock, browse, reveal, copy, edit, lock."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from vadesk.domain import vault_crypto as vc
from vadesk.domain.passwords import MIN_SCORE, strength, totp_now, totp_seconds_left
from vadesk.domain.text import clean_title
from vadesk.errors import ConflictError, NotFoundError, VadeskError
from vadesk.services import vault as vaults
from vadesk.services.clients import ClientRow
from vadesk.services.store import Store
from vadesk.ui import devlog
from vadesk.ui.commands import VaultCommands
from vadesk.ui.safe import display, safe_text

devlog.install()  # before any passphrase is typed

FIELDS = vaults.FIELDS
LABELS = {
    "url": "URL",
    "totp": "TOTP secret (base32, from the site's 2FA setup)",
    "number": "Card number",
    "expiry": "Expiry (MM/YY)",
    "cvc": "CVC",
}
"""Field names as people write them; the rest are capitalised."""
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


def clear_inputs(screen: ModalScreen[Any]) -> None:
    """Empty every input of a dialog (passphrases must not outlive it)."""
    for widget in screen.query(Input):
        widget.value = ""


class SecretDialog(ModalScreen[None]):
    """A vault dialog that asks for passphrases; they are emptied however it closes."""

    CSS_PATH = "vault.tcss"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def show_error(self, message: str, focus: str) -> None:
        self.query_one("#vault-error", Static).update(Text(message))
        self.query_one(f"#{focus}", Input).focus()

    def action_cancel(self) -> None:
        clear_inputs(self)
        self.dismiss(None)


class PassphraseForm(ModalScreen[vc.Secret | None]):
    """Create (twice, with a strength meter and a warning) or unlock (once) the vault."""

    CSS_PATH = "vault.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", id="vault.unlock-cancel"),
        Binding(
            "ctrl+r",
            "reseal",
            "Check and reseal",
            id="vault.reseal",
            tooltip="List what is intact and re-sign the vault over it",
        ),
        Binding(
            "ctrl+a",
            "accept_older",
            "Accept older vault",
            id="vault.accept-older",
            tooltip="Open a vault restored from an older copy, and remember it",
        ),
    ]

    class Failed(Message):
        def __init__(self, message: str, problem: str = "") -> None:
            super().__init__()
            self.message = message
            self.problem = problem
            """'damaged' (reseal can help), 'older' (accept can help) or ''."""

    def __init__(self, store: Store, *, create: bool) -> None:
        super().__init__()
        self.store = store
        self.create = create
        self._secret: vc.Secret | None = None
        """The passphrase just tried, kept only while reseal or accept is on offer."""
        self._problem = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reseal":
            return self._problem == "damaged"
        if action == "accept_older":
            return self._problem == "older"
        return True

    def _offer(self, problem: str) -> None:
        self._problem = problem
        if not problem:
            self._secret = None
        self.refresh_bindings()

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            if self.create:
                yield Label("Create the vault", classes="title")
                yield Static(
                    "Choose a passphrase of several unrelated words. A forgotten passphrase "
                    "cannot be recovered: nobody, not even vadesk, can open the vault without it.",
                    id="warning",
                )
                yield Input(password=True, placeholder="New passphrase", id="first")
                yield Static("", id="meter")
                yield Input(password=True, placeholder="Same passphrase again", id="second")
            else:
                yield Label("Unlock the vault", classes="title")
                yield Input(password=True, placeholder="Vault passphrase", id="first")
            yield Static("", id="vault-error")

    def on_mount(self) -> None:
        self.query_one("#first", Input).focus()

    @on(Input.Changed, "#first")
    def _strength(self, event: Input.Changed) -> None:
        if self.create:
            score, advice = strength(event.value)
            bar = "█" * (score + 1) + "░" * (4 - score)
            style = "red" if score < MIN_SCORE else "green"
            self.query_one("#meter", Static).update(Text(f"{bar} {advice}", style=style))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        first = self.query_one("#first", Input)
        error = self.query_one("#vault-error", Static)
        if self.create:
            if event.input.id == "first":
                self.query_one("#second", Input).focus()
                return
            second = self.query_one("#second", Input)
            if first.value != second.value:
                error.update("The two passphrases differ; type them again.")
                first.value = second.value = ""
                first.focus()  # both again, from the first
                return
            if strength(first.value)[0] < MIN_SCORE:
                error.update("Too weak: use four or more unrelated words.")
                return
        if not first.value:
            return
        error.update("Working… (key derivation takes about a second)")
        self._offer("")
        self._run(vc.Secret(first.value))

    @work(thread=True, exclusive=True, group="vault-unlock", exit_on_error=False)
    def _run(self, secret: vc.Secret, accept_older: bool = False) -> None:
        try:
            if self.create:
                with self.store.write() as s:
                    opened = vaults.init(s, secret, vaults.kdf_for(self.store.settings.vault_kdf))
            else:
                opened = vaults.open_vault(self.store, secret, accept_older=accept_older)
        except vaults.VaultRolledBack as error:
            self._secret = secret
            self.post_message(self.Failed(str(error), "older"))
            return
        except (
            vc.ManifestMismatch,
            vc.ManifestDamaged,
            vc.ItemDamaged,
            vc.VaultDamaged,
        ) as error:
            self._secret = secret
            self.post_message(self.Failed(str(error), "damaged"))
            return
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.app.call_from_thread(self._done, opened)

    def action_accept_older(self) -> None:
        if self._problem == "older" and self._secret is not None:
            self.query_one("#vault-error", Static).update("Working…")
            secret, self._problem = self._secret, ""
            self._run(secret, accept_older=True)

    def action_reseal(self) -> None:
        if self._problem != "damaged" or self._secret is None:
            return
        secret = self._secret

        def resealed(done: bool | None) -> None:
            if done:
                self.query_one("#vault-error", Static).update("Working…")
                self._offer("")
                self._run(secret)

        self.app.push_screen(ResealScreen(self.store, secret), resealed)

    def _done(self, opened: vaults.OpenVault) -> None:
        clear_inputs(self)
        self.app.vault = opened  # type: ignore[attr-defined]
        self.dismiss(vc.Secret("unlocked"))

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        first = self.query_one("#first", Input)
        first.value = ""
        first.focus()
        hint = {
            "damaged": "\nctrl+r: see what is intact and reseal the vault over it.",
            "older": "\nctrl+a: accept this older vault (only after a deliberate restore).",
        }.get(event.problem, "")
        self.query_one("#vault-error", Static).update(Text(event.message + hint))
        self._offer(event.problem)

    def action_cancel(self) -> None:
        clear_inputs(self)
        self._offer("")
        self.dismiss(None)


class ResealScreen(ModalScreen[bool]):
    """What ``verify`` found, and the choice to re-sign the vault over what decrypts."""

    CSS_PATH = "vault.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.reseal-cancel"),
        Binding("ctrl+s", "reseal", "Reseal", id="vault.reseal-confirm"),
    ]

    class Checked(Message):
        def __init__(self, report: vaults.VerifyReport | None, message: str) -> None:
            super().__init__()
            self.report = report
            self.message = message

    def __init__(self, store: Store, secret: vc.Secret) -> None:
        super().__init__()
        self.store = store
        self.secret = secret
        self.report: vaults.VerifyReport | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            yield Label("Check and reseal the vault", classes="title")
            with VerticalScroll(id="reseal-report"):
                yield Static("Checking every item…", id="reseal-list")
            yield Static("", id="vault-error")
            with Horizontal(classes="buttons"):
                yield Button("Reseal (ctrl+s)", id="reseal", variant="warning", disabled=True)
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._verify()

    @work(thread=True, exclusive=True, group="vault-reseal", exit_on_error=False)
    def _verify(self) -> None:
        try:
            with self.store.read() as s:
                report = vaults.verify(s, self.secret)
        except VadeskError as error:
            self.post_message(self.Checked(None, str(error)))
            return
        self.post_message(self.Checked(report, ""))

    @on(Checked)
    def _checked(self, event: Checked) -> None:
        if event.report is None:
            self.query_one("#reseal-list", Static).update(Text(event.message))
            return
        self.report = report = event.report
        text = Text(f"Manifest: {report.manifest}. ")
        readable = sum(1 for c in report.items if c.decrypts)
        text.append(f"{readable} item(s) decrypt and will be kept as they are.\n")
        for check in report.problems:
            name = display(check.name)[:40] if check.name else "(cannot be read: removed)"
            text.append(f"{check.status:<12} {check.item_id[:12]}  {name}\n")
        if report.intact:
            text.append("The vault is intact; nothing to reseal.")
        self.query_one("#reseal-list", Static).update(text)
        self.query_one("#reseal", Button).disabled = report.intact

    @on(Button.Pressed, "#reseal")
    def action_reseal(self) -> None:
        if self.report is not None and not self.report.intact:
            self.query_one("#vault-error", Static).update("Working…")
            self._reseal(self.report)

    @work(thread=True, exclusive=True, group="vault-reseal", exit_on_error=False)
    def _reseal(self, report: vaults.VerifyReport) -> None:
        try:
            with self.store.write() as s:
                vaults.reseal(s, self.secret, report)
        except VadeskError as error:
            self.app.call_from_thread(
                self.query_one("#vault-error", Static).update, Text(str(error))
            )
            return
        self.app.call_from_thread(self.dismiss, True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ItemForm(ModalScreen[dict[str, Any] | None]):
    """Add or edit an item; ctrl+g fills the password with a generated one."""

    CSS_PATH = "vault.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.item-cancel"),
        Binding("ctrl+s", "save", "Save", id="vault.item-save"),
        Binding("ctrl+g", "generate", "Generate password", id="vault.generate"),
        Binding("ctrl+w", "words", "Generate passphrase", id="vault.generate-words"),
        Binding("ctrl+o", "generator", "Generator…", id="vault.generator"),
    ]

    def __init__(
        self, kind: str, clients: list[ClientRow], document: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.kind = kind
        self.clients = clients
        self.document = dict(document or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="item-dialog"):
            # A new item may come with its client filled in, never with a name.
            verb = "Edit" if self.document.get("name") else "New"
            yield Label(safe_text(f"{verb} {self.kind}"), classes="title")
            with VerticalScroll():
                yield Label("Client")
                names = [c.name for c in self.clients]
                current = self.document.get("client")
                yield Select(
                    [(safe_text(n), n) for n in names],
                    id="client",
                    prompt="(no client)",
                    value=current if current in names else Select.NULL,
                )
                for name in FIELDS[self.kind]:
                    yield Label(LABELS.get(name, name.capitalize()))
                    secret = name in vaults.SECRET_FIELDS
                    value = self.document.get(name, "")
                    # Secrets stay exact (the input masks them); the rest is shown cleaned.
                    shown = str(value) if secret else display(value, multiline="note" in name)
                    yield Input(
                        value=shown,
                        password=secret,
                        id=f"f-{name}",
                        classes=devlog.SECRET_CLASS if secret else "",
                    )
                yield Label("Linked cards (numbers, e.g. 12, 40)")
                linked = ", ".join(str(c) for c in self.document.get("cards", []))
                yield Input(value=linked, id="f-cards")
            yield Static("", id="item-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#f-name", Input).focus()
        self._pristine = self._typed()

    def _typed(self) -> tuple[object, ...]:
        client = self.query_one("#client", Select).value
        return (*(w.value for w in self.query(Input)), client)

    def action_generate(self) -> None:
        if self.kind == "login":
            field = self.query_one("#f-password", Input)
            field.value = vc.generate_password(20)
            field.password = False

    def action_words(self) -> None:
        if self.kind == "login":
            field = self.query_one("#f-password", Input)
            field.value = vc.generate_passphrase(5)
            field.password = False

    def action_generator(self) -> None:
        if self.kind != "login":
            return

        def use(value: str | None) -> None:
            if value:
                field = self.query_one("#f-password", Input)
                field.value = value
                field.password = False

        self.app.push_screen(GeneratorScreen(), use)

    def action_save(self) -> None:
        document: dict[str, Any] = {"kind": self.kind}
        client = self.query_one("#client", Select).value
        document["client"] = client if isinstance(client, str) else None
        for name in FIELDS[self.kind]:
            document[name] = self.query_one(f"#f-{name}", Input).value.strip()
        document["cards"] = self.query_one("#f-cards", Input).value
        try:
            vaults.validate(document)
        except VadeskError as error:
            self.query_one("#item-error", Static).update(Text(str(error)))
            return
        self.dismiss(document)

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self._typed() == self._pristine:
            self.dismiss(None)
            return
        from vadesk.ui.screens.pickers import Confirm

        def answered(discard: bool | None) -> None:
            if discard:
                clear_inputs(self)
                self.dismiss(None)

        self.app.push_screen(
            Confirm(f"Discard your changes to this {self.kind}?", "What you typed is not saved."),
            answered,
        )


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
        store: Store,
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
        rows = vaults.matching(opened, text, client if isinstance(client, str) else None)
        self._ids = [item_id for item_id, _ in rows]
        for item_id, doc in rows:
            label = Text(f"{clean_title(str(doc.get('name', '')))}", style="bold")
            label.append(
                f"  {display(doc.get('kind'))} · {clean_title(str(doc.get('client') or '-'))}",
                style="dim",
            )
            items.add_option(Option(label, id=item_id))
        header.update(
            Text(f" Vault — {len(rows)} of {len(opened.items)} items · unlocked", style="bold")
        )
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
            if name in vaults.SECRET_FIELDS and not self.revealed:
                shown = vc.mask_card_number(value) if name == "number" else "••••••••"
            if name == "totp":
                try:
                    shown = f"{totp_now(value)}  ({totp_seconds_left()} s)"
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
            check_strength(str(phrase.reveal()))
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
                count = vaults.import_bundle(s, opened, data, phrase)
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
        self.app.call_from_thread(self.notify, f"Imported {count} items.")


class ChangePassphrase(SecretDialog):
    """Old passphrase, new one twice; the old wrapped key is wiped from disk."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.passwd-cancel")
    ]

    class Done(Message):
        def __init__(self, message: str, ok: bool) -> None:
            super().__init__()
            self.message = message
            self.ok = ok

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            yield Label("Change the vault passphrase", classes="title")
            yield Input(password=True, placeholder="Current passphrase", id="old")
            yield Input(password=True, placeholder="New passphrase", id="new")
            yield Input(password=True, placeholder="New passphrase again", id="again")
            yield Static("", id="vault-error")

    def on_mount(self) -> None:
        self.query_one("#old", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        order = ["old", "new", "again"]
        if event.input.id != "again":
            self.query_one(f"#{order[order.index(str(event.input.id)) + 1]}", Input).focus()
            return
        old, new, again = (self.query_one(f"#{i}", Input).value for i in order)
        error = self.query_one("#vault-error", Static)
        if new != again:
            error.update("The new passphrases differ; type both again.")
            for name in ("new", "again"):
                self.query_one(f"#{name}", Input).value = ""
            self.query_one("#new", Input).focus()
            return
        if strength(new)[0] < MIN_SCORE:
            error.update("Too weak: use four or more unrelated words.")
            return
        error.update("Working…")
        self._change(vc.Secret(old), vc.Secret(new))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _change(self, old: vc.Secret, new: vc.Secret) -> None:
        try:
            with self.store.write() as s:
                vaults.change_passphrase(s, old, new, vaults.kdf_for(self.store.settings.vault_kdf))
            vaults.checkpoint(self.store)
        except VadeskError as error:
            self.post_message(self.Done(str(error), False))
            return
        self.post_message(self.Done("Passphrase changed.", True))

    @on(Done)
    def _done(self, event: Done) -> None:
        clear_inputs(self)
        if event.ok:
            self.notify(event.message)
            self.dismiss(None)
        else:
            self.show_error(event.message, "old")


class RotateKey(SecretDialog):
    """A new data key for every item (after a suspected leak of the old one)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.rotate-cancel")
    ]

    class Done(Message):
        def __init__(self, message: str, fresh: vaults.OpenVault | None) -> None:
            super().__init__()
            self.message = message
            self.fresh = fresh

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            yield Label("Rotate the vault's data key", classes="title")
            yield Static(
                "Every item is re-encrypted under a new random key; the passphrase stays "
                "the same. Do this if an old backup or the key itself may have leaked.",
                classes="hint",
            )
            yield Input(password=True, placeholder="Passphrase, to confirm", id="current")
            yield Static("", id="vault-error")

    def on_mount(self) -> None:
        self.query_one("#current", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        opened = self.app.vault  # type: ignore[attr-defined]
        if opened is None or not event.value:
            return
        self.query_one("#vault-error", Static).update("Working…")
        self._rotate(opened, vc.Secret(event.value))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _rotate(self, opened: vaults.OpenVault, secret: vc.Secret) -> None:
        try:
            with self.store.write() as s:
                kdf = vaults.kdf_for(self.store.settings.vault_kdf)
                fresh = vaults.rotate_key(s, opened, secret, kdf)
            vaults.checkpoint(self.store)  # the old wrapped key leaves the WAL too
        except VadeskError as error:
            self.post_message(self.Done(str(error), None))
            return
        count = len(fresh.items)
        self.post_message(self.Done(f"New data key: {count} item(s) re-encrypted.", fresh))

    @on(Done)
    def _done(self, event: Done) -> None:
        clear_inputs(self)
        if event.fresh is None:
            self.show_error(event.message, "current")
            return
        app: Any = self.app
        old, app.vault = app.vault, event.fresh
        if old is not None and old is not event.fresh:
            old.lock()
        self.notify(event.message)
        self.dismiss(None)


class GeneratorScreen(ModalScreen[str | None]):
    """Password generator: length and character classes, or a passphrase of words."""

    value = ""

    CSS_PATH = "vault.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.generator-cancel"),
        Binding("ctrl+r", "again", "Another", id="vault.generator-again"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            yield Label("Generate a password", classes="title")
            with Horizontal(classes="buttons"):
                yield Label("Length / words ")
                yield Input(value="20", type="integer", id="gen-length")
            with Horizontal(classes="buttons"):
                yield Checkbox("a-z", value=True, id="gen-lower")
                yield Checkbox("A-Z", value=True, id="gen-upper")
                yield Checkbox("0-9", value=True, id="gen-digits")
                yield Checkbox("!#$", value=True, id="gen-symbols")
                yield Checkbox("words", value=False, id="gen-words")
            yield Static("", id="gen-result")
            yield Static("enter uses it · ctrl+r another · esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.action_again()
        self.query_one("#gen-length", Input).focus()

    @on(Input.Changed, "#gen-length")
    @on(Checkbox.Changed)
    def action_again(self) -> None:
        result = self.query_one("#gen-result", Static)
        try:
            length = int(self.query_one("#gen-length", Input).value or 0)
            if self.query_one("#gen-words", Checkbox).value:
                self.value = vc.generate_passphrase(max(3, min(length, 12)))
            else:
                self.value = vc.generate_password(
                    max(8, min(length, 128)),
                    lower=self.query_one("#gen-lower", Checkbox).value,
                    upper=self.query_one("#gen-upper", Checkbox).value,
                    digits=self.query_one("#gen-digits", Checkbox).value,
                    symbols=self.query_one("#gen-symbols", Checkbox).value,
                )
        except ValueError as error:
            self.value = ""
            result.update(Text(f"{error}", style="red"))
            return
        _score, advice = strength(self.value)
        result.update(Text(f"{self.value}\n{advice}"))

    @on(Input.Submitted)
    def _use(self) -> None:
        self.dismiss(self.value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
