"""The clients screen: every client in priority order; add, edit, reorder, archive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from vadesk.errors import VadeskError
from vadesk.services.clients import ClientProfile
from vadesk.services.store import StoreLike
from vadesk.ui.safe import display, safe_colour


@dataclass(frozen=True)
class ClientLine:
    """One row of the list: a client and how many of its cards are open."""

    profile: ClientProfile
    open_cards: int


class ClientsScreen(Screen[None]):
    """Clients, most important first: the order the board groups lanes by."""

    CSS_PATH = "clients.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Board", id="clients.back", tooltip="Back to the board"),
        Binding("n", "add", "Add", id="clients.add", tooltip="Add a client"),
        # Priority: the table's own Enter would hide this one from the footer.
        Binding(
            "enter",
            "edit",
            "Edit",
            id="clients.edit",
            tooltip="Edit the selected client",
            priority=True,
        ),
        Binding(
            "K,shift+up",  # K first: the footer shows it, and at 80 columns all keys fit
            "move(-1)",
            "Up",
            id="clients.move-up",
            tooltip="Move the client up the priority order",
        ),
        Binding(
            "J,shift+down",
            "move(1)",
            "Down",
            id="clients.move-down",
            tooltip="Move the client down the priority order",
        ),
        Binding(
            "a",
            "archive",
            "Archive",
            id="clients.archive",
            tooltip="Archive the client (hides its cards), or bring it back",
        ),
        Binding(
            "p",
            "portal",
            "Portal",
            id="clients.portal",
            tooltip="The client's portal access: invite, list, revoke",
        ),
        Binding(
            "A",
            "toggle_archived",
            "Archived",
            id="clients.show-archived",
            show=False,  # the title says so: the footer is full at 80 columns
            tooltip="Show or hide archived clients",
        ),
    ]

    show_archived: reactive[bool] = reactive(False)
    """Archived clients are listed (dimmed) too."""

    class Loaded(Message):
        def __init__(self, lines: list[ClientLine], follow: int | None) -> None:
            super().__init__()
            self.lines = lines
            self.follow = follow

    class Failed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, store: StoreLike) -> None:
        super().__init__()
        self.store = store
        self.lines: list[ClientLine] = []
        """What the table shows, in order."""
        self._loaded = False
        self._follow: int | None = None
        """A client the cursor must go to once the list that holds it is shown."""

    def compose(self) -> ComposeResult:
        yield Static("Clients — most important first · A shows archived", id="clients-title")
        table: DataTable[Text] = DataTable(id="clients", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="clients-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#clients", DataTable)
        table.add_column("", key="colour", width=2)
        table.add_column("Client", key="name")
        table.add_column("Open", key="open")  # before the company: a narrow terminal keeps it
        table.add_column("Company", key="company")
        table.focus()
        self.reload()

    # ------------------------------------------------------------ reading

    @property
    def selected(self) -> ClientLine | None:
        table = self.query_one("#clients", DataTable)
        if not self.lines or table.row_count == 0:
            return None
        index = table.cursor_row
        return self.lines[index] if 0 <= index < len(self.lines) else None

    def reload(self, follow: int | None = None) -> None:
        """Read the list again; the cursor goes to ``follow`` (else stays on its client)."""
        if follow is not None:
            self._follow = follow  # until shown: a reload meanwhile must not lose it
        elif self._follow is not None:
            follow = self._follow
        elif (line := self.selected) is not None:
            follow = line.profile.id
        self._load(follow, self.show_archived)

    def external_change(self) -> None:
        """Someone else committed (the board's change feed): show the order as it is now."""
        self.reload()

    @work(thread=True, exclusive=True, group="clients-load", exit_on_error=False)
    def _load(self, follow: int | None, archived: bool) -> None:
        from vadesk.services.board_groups import open_cards_by_client
        from vadesk.services.clients import list_profiles

        try:
            with self.store.read() as s:
                profiles = list_profiles(s, include_archived=archived)
                counts = open_cards_by_client(s)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        if get_current_worker().is_cancelled:
            return  # a newer read follows
        lines = [ClientLine(p, counts.get(p.id, 0)) for p in profiles]
        self.post_message(self.Loaded(lines, follow))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        table = self.query_one("#clients", DataTable)
        self.lines = event.lines
        table.clear()
        for line in event.lines:
            table.add_row(*self._cells(line), key=str(line.profile.id))
        ids = [line.profile.id for line in event.lines]
        if event.follow in ids:
            table.move_cursor(row=ids.index(event.follow), animate=False)
        if event.follow == self._follow:
            self._follow = None
        empty = self.query_one("#clients-empty", Static)
        empty.display = not event.lines
        empty.update("No clients yet: n adds one." if not event.lines else "")
        self._loaded = True
        self.refresh_bindings()

    @staticmethod
    def _cells(line: ClientLine) -> tuple[Text, Text, Text, Text]:
        profile = line.profile
        dim = "dim" if profile.archived else ""
        colour = safe_colour(profile.colour)
        swatch = Text("██", style=colour or "dim")
        name = display(profile.name) + (" (archived)" if profile.archived else "")
        return (
            swatch,
            Text(name, style=dim + (" bold" if not profile.archived else "")),
            Text(str(line.open_cards), style=dim, justify="right"),
            Text(display(profile.company), style=dim),
        )

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.notify(display(event.message), severity="error", timeout=8, markup=False)
        self.reload()

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "move", "archive", "portal") and self.selected is None:
            return None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        from vadesk.ui.screens.client_form import ClientForm

        def saved(profile: ClientProfile | None) -> None:
            if profile is not None:
                self.notify(f"Added {display(profile.name)}", timeout=3, markup=False)
                self.reload(follow=profile.id)

        self.app.push_screen(ClientForm(self.store), saved)

    def action_edit(self) -> None:
        from vadesk.ui.screens.client_form import ClientForm

        line = self.selected
        if line is None:
            return

        def saved(profile: ClientProfile | None) -> None:
            if profile is not None:
                self.reload(follow=profile.id)

        self.app.push_screen(ClientForm(self.store, line.profile.id), saved)

    @on(DataTable.RowSelected, "#clients")
    def _row_selected(self) -> None:
        self.action_edit()

    def action_move(self, delta: int) -> None:
        line = self.selected
        if line is None:
            return
        table = self.query_one("#clients", DataTable)
        index = table.cursor_row
        target = index + delta
        if not 0 <= target < len(self.lines):
            return
        # Shown at once; the write follows, and the read after it confirms the order.
        self.lines.insert(target, self.lines.pop(index))
        for row, shown in enumerate(self.lines[min(index, target) : max(index, target) + 1]):
            at = min(index, target) + row
            for column, cell in enumerate(self._cells(shown)):
                table.update_cell_at(Coordinate(at, column), cell)
        table.move_cursor(row=target, animate=False)
        self._write_move(line.profile.id, delta)

    @work(thread=True, group="clients-write", exit_on_error=False)
    def _write_move(self, client_id: int, delta: int) -> None:
        from vadesk.services.clients import move_client_step

        self._write(lambda s: move_client_step(s, client_id, delta), client_id)

    def action_archive(self) -> None:
        line = self.selected
        if line is None:
            return
        archive = not line.profile.archived
        name = display(line.profile.name)
        note = f"Archived {name}: its cards are hidden" if archive else f"{name} is back"
        self.notify(note, timeout=3, markup=False)
        self._write_archive(line.profile.id, archive)

    @work(thread=True, group="clients-write", exit_on_error=False)
    def _write_archive(self, client_id: int, archive: bool) -> None:
        from vadesk.services.clients import set_archived

        self._write(lambda s: set_archived(s, client_id, archive), client_id)

    def _write(self, change: Callable[[Any], object], client_id: int) -> None:
        """Run ``change(session)`` in a write transaction, then read the list again."""
        try:
            with self.store.write() as s:
                change(s)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.app.call_from_thread(self.reload, client_id)

    def action_portal(self) -> None:
        from vadesk.ui.screens.portal_access import PortalAccessScreen

        line = self.selected
        if line is not None:
            self.app.push_screen(PortalAccessScreen(self.store, line.profile.id, line.profile.name))

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived

    def watch_show_archived(self) -> None:
        if self.is_mounted:
            self.reload()
