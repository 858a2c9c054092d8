"""One card, every field: a modal for a new card and for editing one."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    ListItem,
    ListView,
    OptionList,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from vadesk.domain.clock import Clock, utcnow
from vadesk.domain.dates import format_local, parse_when
from vadesk.domain.turnaround import activity_text
from vadesk.errors import ConflictError, VadeskError
from vadesk.services.cards import CardDetail, card_detail, edit_card, get_card
from vadesk.services.checklist import add_checklist_item, add_comment, set_checklist_item
from vadesk.services.clients import ClientRow
from vadesk.services.intake.attachments import AttachmentRow, list_attachments, open_attachment
from vadesk.services.store import StoreLike
from vadesk.ui.safe import display, safe_text
from vadesk.ui.typeahead import hold_keys, release_keys

KINDS = ("admin", "creative", "call", "purchase", "other")


@dataclass(frozen=True)
class CardForm:
    """What the user typed, validated."""

    title: str
    client_id: int | None
    kind: str
    due_at: datetime | None
    estimate_minutes: int | None
    description: str

    def changes_from(self, detail: CardDetail) -> dict[str, Any]:
        card = detail.card
        fields = {
            "title": self.title,
            "client_id": self.client_id,
            "kind": self.kind,
            "due_at": self.due_at,
            "estimate_minutes": self.estimate_minutes,
            "description": self.description,
        }
        changed = {k: v for k, v in fields.items() if getattr(card, k) != v}
        if "due_at" in changed and format_local(card.due_at) == format_local(self.due_at):
            # The field shows minutes; a due time with seconds (from the turnaround rule)
            # read back unchanged is not an edit.
            del changed["due_at"]
        return changed


@dataclass(frozen=True)
class Edited:
    """An edit that was saved: the board records it for undo."""

    card_id: int
    before: dict[str, Any]
    after: dict[str, Any]


class CardEditor(ModalScreen[CardForm | Edited | None]):
    """New card (returns the form) or edit (saves itself, returns what changed)."""

    CSS_PATH = "card_editor.tcss"
    SHORT = 20
    """Below this many rows the fields lose their borders, so more of them fit."""
    VERTICAL_BREAKPOINTS = [(0, "-short"), (SHORT, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="card.cancel"),
        Binding("ctrl+s", "save", "Save", id="card.save", tooltip="Save and close"),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="card.reload",
            show=False,
            tooltip="Reload the card as saved elsewhere",
        ),
        Binding(
            "ctrl+o",
            "open_attachment",
            "Open file",
            id="card.open-attachment",
            tooltip="Open the highlighted attachment with the system's program for it",
        ),
    ]

    class DetailLoaded(Message):
        def __init__(self, detail: CardDetail) -> None:
            super().__init__()
            self.detail = detail

    class AttachmentsLoaded(Message):
        def __init__(self, rows: list[AttachmentRow]) -> None:
            super().__init__()
            self.rows = rows

    class Failed(Message):
        def __init__(self, message: str, conflict: bool = False) -> None:
            super().__init__()
            self.message = message
            self.conflict = conflict

    class Saved(Message):
        def __init__(self, edited: Edited) -> None:
            super().__init__()
            self.edited = edited

    class VaultItemChosen(Message):
        """A linked vault item was picked: the app opens the vault on it (this screen does
        not import the vault's screens)."""

        def __init__(self, item_id: str, client: str | None, clients: list[ClientRow]) -> None:
            super().__init__()
            self.item_id = item_id
            self.client = client
            self.clients = clients

    def __init__(
        self,
        store: StoreLike,
        card_id: int | None,
        *,
        clients: list[ClientRow],
        default_client: int | None = None,
        clock: Clock = utcnow,
        vault_items: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.card_id = card_id
        self.vault_items = vault_items
        """(item id, name) of the card's client's vault items; None while the vault is locked."""
        self.clients = clients
        self.default_client = default_client
        self.clock = clock
        self.detail: CardDetail | None = None
        self.attachments: list[AttachmentRow] = []
        """The card's attachments, as last loaded."""
        self._pristine: tuple[object, ...] = ()
        """What the fields held when the card was shown: Esc asks before losing more."""

    def compose(self) -> ComposeResult:
        # Until the card is read its fields are not its values: say so (keys typed meanwhile
        # wait, see on_mount).
        title = "New card" if self.card_id is None else f"Card #{self.card_id} (loading…)"
        with Vertical(id="dialog"):
            yield Label(title, id="dialog-title")
            yield Static("", id="banner")
            with VerticalScroll(id="fields"):
                yield Label("Title")
                yield Input(
                    id="title",
                    placeholder="What needs doing" if self.card_id is None else "Loading…",
                )
                with Horizontal(classes="row"):
                    with Vertical():
                        yield Label("Client")
                        yield Select(
                            [(safe_text(c.name), c.id) for c in self.clients],
                            id="client",
                            prompt="(no client)",
                            value=self.default_client
                            if self.default_client is not None
                            else Select.NULL,
                        )
                    with Vertical():
                        yield Label("Kind")
                        yield Select(
                            [(k, k) for k in KINDS], id="kind", value="admin", allow_blank=False
                        )
                with Horizontal(classes="row"):
                    with Vertical():
                        yield Label("Due (empty: client's turnaround)")
                        yield Input(id="due", placeholder=self.due_example())
                    with Vertical():
                        yield Label("Estimate (minutes)")
                        yield Input(id="estimate", type="integer")
                yield Label("Description")
                yield TextArea(id="description", soft_wrap=True)
                if self.card_id is not None:
                    yield Label(
                        "Checklist — Enter adds; space ticks; delete removes", classes="section"
                    )
                    yield ListView(id="checklist")
                    yield Input(id="new-item", placeholder="Add a checklist item")
                    yield Label(
                        "Vault items (linked, then the client's) — enter opens one",
                        classes="section",
                    )
                    if self.vault_items is None:
                        yield Static(
                            "The vault is locked (v on the board unlocks it).", id="vault-note"
                        )
                    elif not self.vault_items:
                        yield Static("No vault items for this client.", id="vault-note")
                    else:
                        yield OptionList(
                            *(
                                Option(safe_text(name), id=item_id)
                                for item_id, name in self.vault_items
                            ),
                            id="vault-items",
                        )
                    # Shown once the card turns out to have attachments.
                    attachments_label = Label(
                        "Attachments — enter or ctrl+o opens one",
                        classes="section",
                        id="attachments-label",
                    )
                    attachments = OptionList(id="attachments")
                    attachments_label.display = attachments.display = False
                    yield attachments_label
                    yield attachments
                    yield Label("Comment", classes="section")
                    yield Input(id="comment", placeholder="Write a comment, Enter posts it")
                    yield Checkbox(
                        "Private (not on the portal)",
                        id="comment-private",
                        tooltip="A private note is never shown on the client's portal",
                    )
                    yield Label("Activity", classes="section")
                    yield Static(id="activity")
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#banner", Static).display = False
        self.query_one("#title", Input).focus()
        self._pristine = self._typed()
        if self.card_id is not None:
            # Keys typed before the card is shown wait: they must edit its title, not an
            # empty field the load then overwrites (or that a save writes over the card).
            hold_keys(self, "card-load")
            self.load()

    def on_unmount(self) -> None:
        release_keys(self, "card-load")
        release_keys(self, "card-save")

    def due_example(self) -> str:
        """The Due field's hint: tomorrow at five, never a time already past."""
        tomorrow = (self.clock() + timedelta(days=1)).astimezone()
        return format_local(tomorrow.replace(hour=17, minute=0, second=0, microsecond=0))

    def _typed(self) -> tuple[object, ...]:
        """Everything typed or chosen in the form (pending checklist item and comment too)."""
        values: list[object] = [field.value for field in self.query(Input)]
        values += [field.value for field in self.query(Select)]
        values += [area.text for area in self.query(TextArea)]
        return tuple(values)

    def on_resize(self, event: events.Resize) -> None:
        short = event.size.height < self.SHORT
        for widget in self.query("Input, Select, TextArea, Button"):
            widget.compact = short  # type: ignore[attr-defined]

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        from vadesk.ui.screens.pickers import keep_field_in_sight

        keep_field_in_sight(self, self.query_one("#fields", VerticalScroll), event.widget)

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="card-load", exit_on_error=False)
    def load(self) -> None:
        assert self.card_id is not None
        try:
            with self.store.read() as s:
                detail = card_detail(s, self.card_id)
            attachments = list_attachments(self.store, self.card_id)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.DetailLoaded(detail))
        self.post_message(self.AttachmentsLoaded(attachments))

    @on(DetailLoaded)
    def _loaded(self, event: DetailLoaded) -> None:
        first = self.detail is None
        self.detail = event.detail
        card = event.detail.card
        if first:
            self.query_one("#dialog-title", Label).update(f"Card #{card.id}")
            self.query_one("#title", Input).placeholder = "What needs doing"
        if first or self.query_one("#banner", Static).display:
            # Shown cleaned; saving writes the cleaned text (cleaning on edit is intended).
            self.query_one("#title", Input).value = display(card.title)
            self.query_one("#client", Select).value = (
                card.client_id if card.client_id is not None else Select.NULL
            )
            self.query_one("#kind", Select).value = card.kind
            self.query_one("#due", Input).value = format_local(card.due_at)
            self.query_one("#estimate", Input).value = (
                "" if card.estimate_minutes is None else str(card.estimate_minutes)
            )
            self.query_one("#description", TextArea).text = display(
                card.description, multiline=True
            )
            self.query_one("#banner", Static).display = False
            self._pristine = self._typed()
        checklist = self.query_one("#checklist", ListView)
        checklist.can_focus = bool(event.detail.checklist)  # nothing to tick: no tab stop
        index = checklist.index
        checklist.clear()
        for item in event.detail.checklist:
            mark = "☑" if item.done else "☐"
            row = ListItem(Label(safe_text(f"{mark} {item.text}")))
            row.item_id = item.id  # type: ignore[attr-defined]
            row.item_done = item.done  # type: ignore[attr-defined]
            checklist.append(row)
        if event.detail.checklist:
            checklist.index = min(index or 0, len(event.detail.checklist) - 1)
        lines = []
        for entry in event.detail.activity[:30]:
            when = entry.at.astimezone().strftime("%d %b %H:%M")
            what = entry.kind
            # The log is stored JSON another writer may have shaped differently: show, never fail.
            info = entry.detail if isinstance(entry.detail, dict) else {}
            if entry.kind in ("commented", "comment"):  # the board's own; portal and imports
                author = info.get("author")
                by = f" by {author} ({info.get('by') or info.get('source')})" if author else ""
                what = f"comment{by}: {info.get('text', '')}"
                if info.get("private"):
                    what = f"private note: {info.get('text', '')}"
                if info.get("via") == "email":
                    what = (
                        f"reply by email from {info.get('sender') or '?'}: {info.get('text', '')}"
                    )
            elif entry.kind == "email":
                sent = info.get("date")
                what = f"by email from {info.get('sender') or 'an unknown sender'}"
                if isinstance(sent, str):
                    with suppress(ValueError):
                        what += f", sent {format_local(datetime.fromisoformat(sent))}"
            elif entry.kind == "edited" and isinstance(info.get("fields"), list):
                what = f"edited {', '.join(map(str, info['fields']))}"
            elif entry.kind == "edited" and "checklist" in info:
                what = f"checklist item {info['checklist']}"
            elif (clock := activity_text(entry.kind, info)) is not None:
                what = clock  # paused, resumed, waiting (services/turnaround.py)
            lines.append(f"{when}  {display(what)}")
        self.query_one("#activity", Static).update(Text("\n".join(lines)))
        release_keys(self, "card-load", shown=self)

    @work(thread=True, exclusive=True, group="card-check", exit_on_error=False)
    def check_for_changes(self) -> None:
        """The board heard of a commit elsewhere: is it ours to worry about?"""
        if self.card_id is None or self.detail is None:
            return
        try:
            with self.store.read() as s:
                version = get_card(s, self.card_id).version
        except VadeskError:
            return
        if version != self.detail.card.version:
            self.app.call_from_thread(self._show_conflict)

    def _show_conflict(self) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(
            "This card was changed elsewhere. ctrl+r reloads it (your unsaved edits are dropped)."
        )
        banner.display = True

    def action_reload(self) -> None:
        if self.card_id is not None:
            self.query_one("#banner", Static).display = True  # reload replaces the fields
            self.load()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        release_keys(self, "card-load")  # the keys go to the form, where the error is
        release_keys(self, "card-save")
        if event.conflict:
            self._show_conflict()
        self.query_one("#error", Static).update(safe_text(event.message))

    # ------------------------------------------------------------ saving

    def read_form(self) -> CardForm | None:
        error = self.query_one("#error", Static)
        title = self.query_one("#title", Input).value.strip()
        if not title:
            error.update("A card needs a title.")
            self.query_one("#title", Input).focus()
            return None
        try:
            due = parse_when(self.query_one("#due", Input).value, "due date")
        except VadeskError as exc:
            error.update(Text(str(exc)))
            self.query_one("#due", Input).focus()
            return None
        estimate_text = self.query_one("#estimate", Input).value.strip()
        estimate = int(estimate_text) if estimate_text else None
        if estimate is not None and estimate < 0:
            error.update("The estimate cannot be negative.")
            return None
        client = self.query_one("#client", Select).value
        kind = self.query_one("#kind", Select).value
        return CardForm(
            title=title,
            client_id=client if isinstance(client, int) else None,
            kind=str(kind),
            due_at=due,
            estimate_minutes=estimate,
            description=self.query_one("#description", TextArea).text,
        )

    def action_save(self) -> None:
        form = self.read_form()
        if form is None:
            return
        if self.card_id is None:
            self.dismiss(form)
            return
        if self.detail is None:
            return
        changes = form.changes_from(self.detail)
        if not changes:
            self.dismiss(None)
            return
        # Keys typed after ctrl+s wait for the outcome: the board's once saved, else ours.
        hold_keys(self, "card-save")
        self.save_changes(self.detail, changes)

    @work(thread=True, exclusive=True, group="card-save", exit_on_error=False)
    def save_changes(self, detail: CardDetail, changes: dict[str, Any]) -> None:
        before = {k: getattr(detail.card, k) for k in changes}
        try:
            with self.store.write() as s:
                edit_card(
                    s,
                    detail.card.id,
                    expected_version=detail.card.version,
                    user_id=self.store.user_id,
                    **changes,
                )
        except ConflictError as error:
            self.post_message(self.Failed(str(error), conflict=True))
            return
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.Saved(Edited(detail.card.id, before, changes)))

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        self.dismiss(event.edited)
        release_keys(self, "card-save")

    def action_cancel(self) -> None:
        from vadesk.ui.screens.pickers import close_or_ask

        close_or_ask(
            self,
            changed=self._typed() != self._pristine,
            question="Discard your changes to this card?",
            detail="What you typed is not saved yet.",
        )

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#title, #due, #estimate")
    def _enter_saves(self) -> None:
        self.action_save()

    # ------------------------------------------------------------ attachments

    @on(AttachmentsLoaded)
    def _attachments_loaded(self, event: AttachmentsLoaded) -> None:
        self.attachments = event.rows
        box = self.query_one("#attachments", OptionList)
        box.clear_options()
        box.add_options([Option(safe_text(row.label), id=str(row.id)) for row in event.rows])
        for widget in (box, self.query_one("#attachments-label")):
            widget.display = bool(event.rows)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_attachment":
            return bool(self.attachments)
        return True

    def action_open_attachment(self) -> None:
        box = self.query_one("#attachments", OptionList)
        index = box.highlighted if box.highlighted is not None else 0
        if 0 <= index < len(self.attachments):
            self._open_attachment(self.attachments[index])

    @on(OptionList.OptionSelected, "#attachments")
    def _attachment_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open_attachment(self.attachments[event.option_index])

    @work(thread=True, group="card-open", exit_on_error=False)
    def _open_attachment(self, row: AttachmentRow) -> None:
        """The opener starts detached: the editor never waits for it."""
        try:
            open_attachment(self.store, row)
        except (VadeskError, OSError) as error:
            message = error.strerror if isinstance(error, OSError) else str(error)
            self.app.call_from_thread(
                self.notify, display(message or "Could not open it."), severity="error"
            )
            return
        self.app.call_from_thread(self.notify, f"Opening {display(row.name)}", timeout=2)

    @on(OptionList.OptionSelected, "#vault-items")
    def _open_vault_item(self, event: OptionList.OptionSelected) -> None:
        card = self.detail.card if self.detail else None
        client = card.client if card else None
        opened = getattr(self.app, "vault", None)
        item = opened.items.get(event.option.id) if opened is not None else None
        if item is not None:
            # A linked item may be another client's: filter by its client, so it is the
            # one selected (not the first of the card's client's).
            client = item.get("client")
        if event.option.id is not None:
            self.post_message(self.VaultItemChosen(event.option.id, client, self.clients))

    # ------------------------------------------------------------ checklist and comments

    @on(Input.Submitted, "#new-item")
    def _add_item(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text and self.card_id is not None:
            event.input.value = ""
            card_id = self.card_id
            self._write(lambda s: add_checklist_item(s, card_id, text, user_id=self.store.user_id))

    @on(Input.Submitted, "#comment")
    def _add_comment(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text and self.card_id is not None:
            event.input.value = ""
            card_id = self.card_id
            private = self.query_one("#comment-private", Checkbox).value  # as it is now
            self._write(
                lambda s: add_comment(s, card_id, text, user_id=self.store.user_id, private=private)
            )

    def on_key(self, event: Any) -> None:
        checklist = self.query_one("#checklist", ListView) if self.card_id is not None else None
        if checklist is None or not checklist.has_focus or checklist.highlighted_child is None:
            return
        item = checklist.highlighted_child
        item_id = getattr(item, "item_id", None)
        if item_id is None:
            return
        if event.key == "space":
            event.stop()
            done = not getattr(item, "item_done", False)
            self._write(
                lambda s: set_checklist_item(s, item_id, done=done, user_id=self.store.user_id)
            )
        elif event.key == "delete":
            event.stop()
            self._write(
                lambda s: set_checklist_item(s, item_id, remove=True, user_id=self.store.user_id)
            )

    @work(thread=True, group="card-write", exit_on_error=False)
    def _write(self, fn: Any) -> None:
        try:
            with self.store.write() as s:
                fn(s)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        try:
            with self.store.read() as s:
                detail = card_detail(s, self.card_id or 0)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        # Our own write moves the version on: take it, without touching unsaved fields.
        self.post_message(self.DetailLoaded(detail))
