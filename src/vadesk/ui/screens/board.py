"""The board: lanes side by side, driven by the keyboard, updated live."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.worker import get_current_worker

from vadesk.domain.clock import Clock, utcnow
from vadesk.domain.durations import hms
from vadesk.domain.text import clean_title, display
from vadesk.errors import VadeskError
from vadesk.services import board_steps
from vadesk.services.board_steps import Step
from vadesk.services.board_view import Snapshot, from_quick, read_snapshot, read_window, zone
from vadesk.services.rows import CardLine, LaneRow
from vadesk.services.writes import WriteQueue
from vadesk.ui import grouping
from vadesk.ui.history import Change, History
from vadesk.ui.idle import IdleWatcher
from vadesk.ui.lazy import LazyModule
from vadesk.ui.screens.board_commands import BoardCommands
from vadesk.ui.typeahead import hold_keys, release_keys
from vadesk.ui.widgets.board_header import BoardHeader
from vadesk.ui.widgets.greeting import Greeting
from vadesk.ui.widgets.lane_view import LaneView
from vadesk.ui.widgets.lanes import LaneColumn, Lanes
from vadesk.ui.widgets.timer_pane import TimerPane

if TYPE_CHECKING:
    from vadesk.services.changes import ChangeFeed
    from vadesk.services.clients import ClientRow
    from vadesk.services.intake.notices import EmailWatch
    from vadesk.services.quick import QuickBoard
    from vadesk.services.store import StoreLike
    from vadesk.services.timer import Figures

# Services pull in SQLAlchemy; they load on first use, after the first frame.
if TYPE_CHECKING:  # typed as the modules they are; loaded on first use (after the first frame)
    from vadesk.services import board_read, timer
else:
    board_read = LazyModule("vadesk.services.board_read")
    timer = LazyModule("vadesk.services.timer")

log = logging.getLogger(__name__)
NARROW_WIDTH = 60
WRITE_HOLD = 0.0
"""Seconds a write may wait for the repaint that shows it (see submit).

0: a write starts as soon as its key is read. Holding it 20 ms for the repaint kept lane
moves a little smoother (p95 ~36 ms against ~45 ms under load, both within the 50 ms
target), but a SIGKILL with keys 30 ms apart then lost up to two earlier moves; the brief
is "at most the last keystroke's write"."""


@dataclass
class Filter:
    text: str = ""
    client_id: int | None = None
    client_name: str = ""

    @property
    def active(self) -> bool:
        return bool(self.text or self.client_id is not None)


@dataclass
class Op:
    """A write the screen already shows, queued for the write queue with what to read after."""

    label: str
    step: Step
    """The write, by ids; a card step's undo is recorded (kind "do")."""
    kind: str = "do"  # do | undo | redo
    change: Change | None = None
    windows: dict[int, tuple[int, int]] = field(default_factory=dict)
    filter: tuple[str, int | None] = ("", None)
    pane_client: int | None = None
    seq: int = 0
    """The board's write sequence number once this op was queued."""
    what: str = ""
    """What the user did, for "not saved" reports (the label if empty)."""

    def describe(self) -> str:
        return self.what or self.label


class BoardScreen(Screen[None]):
    """Lanes in priority order; every action is a key."""

    CSS_PATH = "board.tcss"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {BoardCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_card", "New", id="board.new-card", tooltip="New card in this lane"),
        Binding(
            "enter", "open_card", "Open", id="board.open-card", tooltip="Edit the selected card"
        ),
        Binding("d", "done", "Done", id="board.done", tooltip="Move the card to Done"),
        # The footer shows eight keys (New Open Done Filter Help Vault Timer, ^p): at 80
        # columns more would be cut. The rest are in ? and the palette.
        Binding(
            "delete",
            "archive",
            "Archive",
            id="board.archive",
            show=False,
            tooltip="Archive the card",
        ),
        Binding("slash", "filter", "Filter", id="board.filter", tooltip="Filter cards by text"),
        Binding(
            "c",
            "client_filter",
            "Client",
            id="board.client-filter",
            show=False,
            tooltip="Show one client's cards",
        ),
        Binding(
            "ctrl+z", "undo", "Undo", id="board.undo", show=False, tooltip="Undo the last change"
        ),
        Binding("ctrl+y", "redo", "Redo", id="board.redo", show=False, tooltip="Redo"),
        Binding("question_mark", "help", "Help", id="board.help", tooltip="All keys"),
        Binding("escape", "clear_filter", "Clear filter", id="board.clear-filter", show=False),
        Binding("up,k", "cursor(-1)", "Up", id="board.cursor-up", show=False),
        Binding("down,j", "cursor(1)", "Down", id="board.cursor-down", show=False),
        Binding("left,h", "lane(-1)", "Left lane", id="board.lane-left", show=False),
        Binding("right,l", "lane(1)", "Right lane", id="board.lane-right", show=False),
        Binding("home", "cursor_edge('top')", "First card", id="board.cursor-first", show=False),
        Binding("end", "cursor_edge('bottom')", "Last card", id="board.cursor-last", show=False),
        Binding("pageup", "page(-1)", "Page up", id="board.page-up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="board.page-down", show=False),
        Binding("shift+left,H", "move_lane(-1)", "Move left", id="board.move-left", show=False),
        Binding("shift+right,L", "move_lane(1)", "Move right", id="board.move-right", show=False),
        Binding("shift+up,K", "move_step(-1)", "Move up", id="board.move-up", show=False),
        Binding("shift+down,J", "move_step(1)", "Move down", id="board.move-down", show=False),
        Binding(
            "t",
            "move_top",
            "To top",
            id="board.move-top",
            show=False,
            tooltip="Move the card to the top of its lane",
        ),
        Binding(
            "T",
            "timesheet",
            "Time sheet",
            id="board.timesheet",
            show=False,
            tooltip="Entries by day and week",
        ),
        Binding(
            "R",
            "reports",
            "Reports",
            id="board.reports",
            show=False,
            tooltip="Monthly reports per client: totals, bars, export, billing",
        ),
        Binding(
            "W",
            "week_plan",
            "Week",
            id="board.week-plan",
            show=False,
            tooltip="The week plan: cards planned per client, budgets, capacity",
        ),
        Binding(
            "C",
            "clients",
            "Clients",
            id="board.clients",
            show=False,
            tooltip="Clients in priority order: add, edit, reorder, archive",
        ),
        Binding(
            "g",
            "toggle_group",
            "Group",
            id="board.group",
            show=False,
            tooltip="Group each lane by client, in the clients' priority order",
        ),
        Binding(
            "w",
            "toggle_waiting",
            "Waiting",
            id="board.waiting",
            show=False,
            tooltip="Flag the card as waiting on the client (its clock pauses), or not",
        ),
        Binding(
            "o",
            "next_overdue",
            "Next overdue",
            id="board.next-overdue",
            show=False,
            tooltip="Jump to the next overdue card",
        ),
        Binding("v", "vault", "Vault", id="board.vault", tooltip="Logins, cards and notes"),
        Binding(
            "space", "timer", "Timer", id="board.timer", tooltip="Start/stop the timer on this card"
        ),
        Binding(
            "p",
            "toggle_pane",
            "Pane",
            id="board.timer-pane",
            show=False,
            tooltip="Show or hide the timer pane",
        ),
        Binding("q", "app.quit", "Quit", id="app.quit", show=False),
    ]

    overdue: reactive[int] = reactive(0)
    """Cards past their due time outside Done."""
    narrow: reactive[bool] = reactive(False)
    """One lane at a time (terminal narrower than NARROW_WIDTH)."""

    class Loaded(Message):
        def __init__(self, snapshot: Snapshot, seq: int | None = None) -> None:
            super().__init__()
            self.snapshot = snapshot
            self.seq = seq
            """The write sequence number the snapshot reflects (None: always current)."""

    class Saved(Message):
        """Queued writes reached the database (posted from the write queue's thread)."""

        def __init__(self, done: list[tuple[Op, Change | None]], follow: int | None) -> None:
            super().__init__()
            self.done = done
            """The writes, for the undo history."""
            self.follow = follow
            """The card the cursor follows after the last of them."""

    class ReadAfterWrite(Message):
        """The snapshot read after a write was posted (or failed, or was superseded)."""

    class WriterIdle(Message):
        """The writer finished its queue."""

    class Ready(Message):
        """The board shows the store's data and follows it live (start-up is over)."""

    class WriteFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class Notice(Message):
        """Something to tell the user, from a worker thread."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    @on(Notice)
    def _notice(self, event: Notice) -> None:
        self.notify(event.text, timeout=3)

    class ExternalChange(Message):
        """Another process committed something."""

    def __init__(
        self, store: StoreLike, *, clock: Clock = utcnow, quick: QuickBoard | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self.quick = quick
        self.clock = clock
        self.lanes: list[LaneRow] = []
        self.clients: list[ClientRow] = []
        self.filter = Filter()
        self.grouped = grouping.remembered()
        """Each lane grouped by client, in the clients' priority order (``g``; remembered)."""
        self._client_order: dict[int, int] = {}
        self._resume_note: str | None = None
        self.history = History()
        self.current_lane = 0
        self.writes: WriteQueue[Op, tuple[int | None, Change | None]] = WriteQueue(
            self._write_op,
            describe=Op.describe,
            settled=self._written,
            failed=self._write_failed_in_thread,
            idle=lambda: self.post_message(self.WriterIdle()),
            name="vadesk-board-writes",
        )
        """Writes the screen already shows; the app drains it on quit, hang-up or SIGTERM."""
        self._seq = 0
        """Counts writes queued; a snapshot read before the latest one is stale on arrival."""
        self._missed_change = False
        """Another process committed while our writer was busy: reload when it is idle."""
        self._reads_after_write = 0
        """Reads of the board after our writes, started and not yet shown."""
        self._feed: ChangeFeed | None = None
        """The change feed, while it runs (the writer tells it about our own commits)."""
        self._email_watch: EmailWatch | None = None
        """Counts what mail brought since the last change, for a quiet notification."""
        self._follow_card: int | None = None
        self._binding_state: tuple[bool, ...] = ()
        self._quick_pending = False
        self._ready = False
        """The store's data is on screen (not only the quick first frame)."""
        self._waiting: list[Callable[[], object]] = []
        """Actions keyed before that, run once it is."""
        self._columns: list[LaneColumn] = []
        self._header = BoardHeader(id="board-header")
        self._pane = TimerPane(id="timer-pane")
        self._pane.locale = store.settings.locale  # amounts in the pane
        self._idle = IdleWatcher(
            clock,
            lambda: store.settings.timer_idle_minutes * 60,
            self.check_absence,
            question_open=self._absence_question_open,
        )
        self._figures_for: int | None = -1
        self._lanes_box = Lanes(id="lanes")
        self._greeting = Greeting(id="greeting")
        self._filter_box = Input(
            placeholder="Filter: title, description or client — Esc clears", id="filter"
        )

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._lanes_box
        yield self._greeting
        yield self._filter_box
        yield self._pane
        yield Footer()

    def on_mount(self) -> None:
        self._update_header()
        if self.quick is not None:
            # First frame from the quick read; the store opens once that frame is painted
            # (opening it imports SQLAlchemy, which would otherwise compete for the GIL).
            quick, self.quick = self.quick, None
            snapshot = from_quick(quick)
            self._quick_pending = True
            self.post_message(self.Loaded(snapshot))
        else:
            self._start_live()

    def _start_live(self) -> None:
        """Load from the store and start the change feed, timers and absence check."""
        start = getattr(self.store, "start", None)
        if start is not None:
            start()
        self.reload()
        self.watch_changes()
        self.set_interval(60, self._tick_minute)
        self.set_interval(1, self._tick_second)
        self._idle.attach(self)
        self.check_absence()

    def on_resize(self) -> None:
        self.narrow = self.size.width < NARROW_WIDTH

    def watch_narrow(self, narrow: bool) -> None:
        self._lanes_box.set_class(narrow, "-narrow")
        for i, column in enumerate(self._columns):
            column.display = not narrow or i == self.current_lane
        self._update_lane_headers()

    def _tick_minute(self) -> None:
        self.heartbeat()
        now = self.clock()
        for lane in self.lane_views():
            lane.set_context(lane.running, now)
        self._update_header()

    def _pane_client(self) -> int | None:
        card = self.selected
        return card.client_id if card is not None else None

    def _tick_second(self) -> None:
        now = self.clock()
        self._pane.now = now
        self._idle.poll()  # also after the machine slept: no key came meanwhile
        if self._pane.figures is not None and self._pane.figures.running is not None:
            self._update_header()
        client = self._pane_client()
        if client != self._figures_for:
            self._figures_for = client
            self._load_figures(client)

    @work(thread=True, exclusive=True, group="figures", exit_on_error=False)
    def _load_figures(self, client_id: int | None) -> None:
        try:
            with self.store.read() as s:
                figures = timer.figures(
                    s,
                    self.store.user_id,
                    now=self.clock(),
                    tz=zone(self.store),
                    client_id=client_id,
                )
        except VadeskError:
            return
        self.app.call_from_thread(self._set_figures, figures)

    def _set_figures(self, figures: Figures) -> None:
        self._pane.now = self.clock()
        self._pane.figures = figures

    def _when_ready(self, what: str, action: Callable[[], object]) -> None:
        """Run ``action`` once the store's data is on screen, saying that it will.

        The quick first frame has cards but no clients yet: an editor opened then would get
        an empty client list (and once crashed on the card's client).
        """
        self._waiting.append(action)
        hold_keys(self, "board-ready")  # what is typed next belongs to what opens then
        self.notify(f"Opening the database: {what} follows in a moment.", timeout=2)

    def action_timer(self) -> None:
        card = self.selected
        if card is None:
            return
        what = f"timer start/stop: {clean_title(card.title)}"
        self.submit(Op("timer", Step("timer", card.id), what=what))

    def action_vault(self) -> None:
        if not self._ready:
            return self._when_ready("the vault", self.action_vault)
        if getattr(self.app, "vault", None) is not None:
            self._show_vault()
        else:
            self._open_vault()

    @work(thread=True, exclusive=True, group="vault-open", exit_on_error=False)
    def _open_vault(self) -> None:
        from vadesk.services import vault as vaults

        try:
            with self.store.read() as s:
                exists = vaults.exists(s)
        except VadeskError as error:
            self.post_message(self.WriteFailed(str(error)))
            return
        self.app.call_from_thread(self._ask_passphrase, not exists)

    def _ask_passphrase(self, create: bool) -> None:
        from vadesk.ui.screens.vault import PassphraseForm

        self.app.push_screen(
            PassphraseForm(self.store, create=create),
            lambda result: self._show_vault() if result is not None else None,
        )

    def _show_vault(self) -> None:
        from vadesk.ui.screens.vault import VaultScreen

        card = self.selected
        self.app.push_screen(VaultScreen(self.store, self.clients, card.client if card else None))

    def action_timesheet(self) -> None:
        if not self._ready:
            return self._when_ready("the time sheet", self.action_timesheet)
        from vadesk.ui.screens.timesheet import TimesheetScreen

        card = self.selected

        def closed(_: object) -> None:
            self._figures_for = -1  # entries may have changed: recompute the pane
            self.reload()

        self.app.push_screen(
            TimesheetScreen(self.store, clock=self.clock, card_id=card.id if card else None), closed
        )

    def action_reports(self) -> None:
        if not self._ready:
            return self._when_ready("the reports", self.action_reports)
        from vadesk.ui.screens.reports import ReportsScreen

        card = self.selected

        def closed(_: object) -> None:
            self._figures_for = -1  # billing may have changed what the pane shows
            self.reload()

        self.app.push_screen(
            ReportsScreen(self.store, clock=self.clock, client_id=card.client_id if card else None),
            closed,
        )

    def action_week_plan(self) -> None:
        if not self._ready:
            return self._when_ready("the week plan", self.action_week_plan)
        from vadesk.ui.screens.week import WeekScreen

        card = self.selected
        self.app.push_screen(
            WeekScreen(self.store, clock=self.clock, card_id=card.id if card else None)
        )

    def action_toggle_group(self) -> None:
        self.grouped = not self.grouped
        self.notify("Lanes grouped by client" if self.grouped else "Lanes not grouped", timeout=2)
        self._remember_grouping(self.grouped)
        self.reload()

    @work(thread=True, group="preferences", exit_on_error=False)
    def _remember_grouping(self, grouped: bool) -> None:
        from vadesk.services import preferences

        try:
            preferences.update(group_by_client=grouped)
        except OSError as error:
            log.warning("could not save preferences: %s", error)
            self.post_message(self.Notice(f"Grouping not remembered: {error.strerror or error}."))

    def action_clients(self) -> None:
        if not self._ready:
            return self._when_ready("the clients", self.action_clients)
        from vadesk.ui.screens.clients import ClientsScreen

        self.app.push_screen(ClientsScreen(self.store), lambda _: self.reload())

    @on(Greeting.AddClient)
    def _add_first_client(self) -> None:
        from vadesk.ui.screens.client_form import ClientForm

        def added(profile: object) -> None:
            name = getattr(profile, "name", None)
            if name is not None:
                self.notify_when_shown(f"Added {display(name)}: n adds a card, C lists clients")
            self.reload()

        self.app.push_screen(ClientForm(self.store), added)

    def notify_when_shown(self, note: str) -> None:
        """A toast raised while a form closing over the board is still on top goes with it."""
        if self.app.screen is self:
            self.notify(note, markup=False)
        else:
            self._resume_note = note

    @on(events.ScreenResume)
    def _resumed(self) -> None:
        note, self._resume_note = self._resume_note, None
        if note:
            self.notify(note, markup=False)

    def _greet(self, snap: Snapshot) -> None:
        """A database with no clients and no cards: "Add your first client" instead."""
        empty = not snap.clients and not any(w.count for w in snap.windows.values())
        self._greeting.display = empty
        self._lanes_box.display = not empty
        if empty:
            self._greeting.focus_button()

    def action_toggle_pane(self) -> None:
        self._pane.display = not self._pane.display

    def _absence_question_open(self) -> bool:
        from vadesk.ui.screens.pickers import AbsencePrompt

        return any(isinstance(s, AbsencePrompt) for s in self.app.screen_stack)

    @work(thread=True, exclusive=True, group="absence", exit_on_error=False)
    def check_absence(self, seen: datetime | None = None) -> None:
        """Offer keep / discard / split when the running timer went unattended too long.

        ``seen``: the last key before the user went idle, recorded first (the minute's
        heartbeat may be older than that).
        """
        try:
            if seen is not None:
                with self.store.write() as s:
                    timer.heartbeat(s, self.store.user_id, seen)
            with self.store.read() as s:
                entry = timer.running(s, self.store.user_id)
        except VadeskError:
            return
        gap = timer.absence_seconds(
            entry, self.clock(), self.store.settings.timer_idle_minutes * 60
        )
        if gap and entry is not None:
            self.app.call_from_thread(self._ask_absence, entry, gap)

    def _ask_absence(self, entry: Any, gap: int) -> None:
        from vadesk.ui.screens.pickers import AbsencePrompt

        if any(isinstance(screen, AbsencePrompt) for screen in self.app.screen_stack):
            return

        def chosen(choice: str | None) -> None:
            if choice is None:
                return

            self.submit(Op(f"absence {choice}", Step("absence", 0, {"choice": choice})))

        self.app.push_screen(AbsencePrompt(clean_title(entry.card_title), gap), chosen)

    def heartbeat(self) -> None:
        figures = self._pane.figures
        seen = self._idle.last_seen()  # the last key, not the clock: idle time shows
        if figures is not None and figures.running is not None and seen is not None:
            self._heartbeat(seen)

    @work(thread=True, exclusive=True, group="heartbeat", exit_on_error=False)
    def _heartbeat(self, seen: datetime) -> None:
        try:
            with self.store.write() as s:
                timer.heartbeat(s, self.store.user_id, seen)
        except VadeskError:
            log.debug("heartbeat failed", exc_info=True)

    def watch_overdue(self) -> None:
        self._update_header()

    def _update_header(self) -> None:
        """Set the header's facts; it repaints itself when one changed."""
        header = self._header
        now = self.clock()
        header.today = now.astimezone().date()
        header.overdue = self.overdue
        figures = self._pane.figures
        run = figures.running if figures is not None else None
        header.running = (run.card_title, run.seconds(now)) if run is not None else None
        parts = []
        if self.filter.client_id is not None:
            parts.append(f"client: {display(self.filter.client_name)}")
        if self.filter.text:
            parts.append(f"text: {self.filter.text!r}")
        header.filtered = ", ".join(parts)

    # ------------------------------------------------------------ lanes and cursor

    def lane_views(self) -> list[LaneView]:
        return [column.view for column in self._columns]

    @property
    def lane_view(self) -> LaneView | None:
        views = self.lane_views()
        if not views:
            return None
        self.current_lane = max(0, min(self.current_lane, len(views) - 1))
        return views[self.current_lane]

    @property
    def selected(self) -> CardLine | None:
        view = self.lane_view
        return view.selected if view else None

    def focus_lane(self, index: int, *, take_focus: bool = True) -> None:
        views = self.lane_views()
        if not views:
            return
        self.current_lane = max(0, min(index, len(views) - 1))
        # No CSS class toggles here: restyling a column re-lays out the whole screen.
        for i, (column, view) in enumerate(zip(self._columns, views, strict=True)):
            current = i == self.current_lane
            view.set_active(current)
            column.current = current
            if self.narrow and column.display != current:
                column.display = current
        lanes = self._lanes_box
        if take_focus and self.focused is not lanes:
            lanes.focus()
        self._update_lane_headers()

    def _board_has_focus(self) -> bool:
        """True unless the user is typing somewhere (the filter box): reloads keep off it."""
        return self.focused is None or isinstance(self.focused, Lanes)

    @on(LaneView.Clicked)
    def _lane_clicked(self, event: LaneView.Clicked) -> None:
        views = self.lane_views()
        if event.lane in views:
            self.focus_lane(views.index(event.lane))
            event.lane.move_cursor(event.index)

    def _update_lane_headers(self) -> None:
        for column in self._columns:
            view = column.view
            position = view.cursor + 1 if column.current else None
            column.set_header(column.lane, view.count, self.narrow, self.filter.active, position)

    @on(LaneView.CursorMoved)
    def _cursor_moved(self, event: LaneView.CursorMoved) -> None:
        self._update_lane_headers()

    def action_cursor(self, delta: int) -> None:
        if view := self.lane_view:
            view.move_cursor(view.cursor + delta)

    def action_cursor_edge(self, edge: str) -> None:
        if view := self.lane_view:
            view.move_cursor(0 if edge == "top" else view.count - 1)

    def action_page(self, direction: int) -> None:
        if view := self.lane_view:
            view.move_cursor(view.cursor + direction * view.page_size())

    def action_lane(self, delta: int) -> None:
        views = self.lane_views()
        if not views:
            return
        old = views[self.current_lane]
        self.focus_lane(self.current_lane + delta)
        new = views[self.current_lane]
        if new is not old:
            # Keep the cursor at about the same height, as the eye expects.
            row = old.cursor - int(old.scroll_offset.y) // LaneView.CARD_HEIGHT
            new.move_cursor(int(new.scroll_offset.y) // LaneView.CARD_HEIGHT + max(0, row))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needs_card = {
            "open_card",
            "done",
            "archive",
            "move_lane",
            "move_step",
            "move_top",
            "toggle_waiting",
        }
        if action in needs_card and self.selected is None:
            return None  # shown disabled
        if action == "undo" and not self.history.can_undo:
            return None
        if action == "redo" and not self.history.can_redo:
            return None
        return not (action == "clear_filter" and not self.filter.active)

    # ------------------------------------------------------------ loading

    def reload(self, follow: int | None = None) -> None:
        """Re-read counts and the visible windows of every lane (never on a plain keystroke)."""
        if follow is not None:
            self._follow_card = follow
        elif (card := self.selected) is not None:
            self._follow_card = card.id
        windows = {view.lane_id: view.wanted_window() for view in self.lane_views()}
        self._load(windows, self._follow_card, self.filter.text, self.filter.client_id, self._seq)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(
        self,
        windows: dict[int, tuple[int, int]],
        follow: int | None,
        text: str,
        client_id: int | None,
        seq: int,
    ) -> None:
        worker = get_current_worker()
        try:
            snapshot = read_snapshot(
                self.store,
                windows,
                follow,
                text,
                client_id,
                self.clock(),
                self._pane_client(),
                grouped=self.grouped,
            )
        except VadeskError as error:
            self.post_message(self.WriteFailed(str(error)))
            return
        if not worker.is_cancelled:
            self.post_message(self.Loaded(snapshot, seq=seq))

    @on(Loaded)
    async def _apply(self, event: Loaded) -> None:
        snap = event.snapshot
        if event.seq is not None and event.seq != self._seq:
            # Read before a write the screen already shows (optimistically): applying it
            # would undo that on screen. The writer's own snapshot follows.
            return
        self.clients = snap.clients
        if [(x.id, x.name) for x in snap.lanes] != [(x.id, x.name) for x in self.lanes]:
            await self._rebuild_lanes(snap.lanes)
        self.lanes = snap.lanes
        now = self.clock()
        views = {view.lane_id: view for view in self.lane_views()}
        self._client_order = snap.client_order
        for lane_id, window in snap.windows.items():
            if view := views.get(lane_id):
                view.set_grouped(snap.grouped)
                view.set_context(snap.running, now)
                view.due_soon = self._due_soon
                view.set_data(window.count, window.offset, window.lines)
        take_focus = self._board_has_focus()
        if snap.follow is not None:
            lane_id, index = snap.follow
            ids = [view.lane_id for view in self.lane_views()]
            if lane_id in ids:
                self.focus_lane(ids.index(lane_id), take_focus=take_focus)
                views[lane_id].move_cursor(index)
        else:
            self.focus_lane(self.current_lane, take_focus=take_focus)
        self._follow_card = None
        self.overdue = snap.overdue
        self._header.due_soon = snap.due_soon
        if snap.figures is not None:
            self._pane.now = now
            self._pane.figures = snap.figures
            self._figures_for = snap.figures_client
            self._update_header()
        self._update_lane_headers()
        self._refresh_bindings_if_changed()
        if self._quick_pending:
            self._quick_pending = False
            self.call_after_refresh(self._start_live)
            return
        if not self._ready or self._greeting.display:
            self._greet(snap)
        if not self._ready:
            self._ready = True
            self.post_message(self.Ready())
            waiting, self._waiting = self._waiting, []
            for action in waiting:
                action()
            release_keys(self, "board-ready", shown=self.app.screen)
        client = self._pane_client()
        if client != self._figures_for:
            self._figures_for = client
            self._load_figures(client)

    def _refresh_bindings_if_changed(self) -> None:
        """The footer rebuilds itself on refresh_bindings: only ask when something changed."""
        state = (
            self.selected is not None,
            self.history.can_undo,
            self.history.can_redo,
            self.filter.active,
        )
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    async def _rebuild_lanes(self, lanes: list[LaneRow]) -> None:
        container = self._lanes_box
        await container.remove_children()
        self._columns = [LaneColumn(lane) for lane in lanes]
        if self._columns:
            # A class, not :last-of-type: that pseudo-class goes stale when columns are
            # hidden and shown again in the narrow layout.
            self._columns[-1].add_class("-last")
        await container.mount_all(self._columns)
        self.watch_narrow(self.narrow)
        self.focus_lane(self.current_lane)

    @on(LaneView.WindowNeeded)
    def _window_needed(self, event: LaneView.WindowNeeded) -> None:
        self._load_window(
            event.lane, event.offset, event.limit, self.filter.text, self.filter.client_id
        )

    @work(thread=True, group="window", exit_on_error=False)
    def _load_window(
        self, lane: LaneView, offset: int, limit: int, text: str, client_id: int | None
    ) -> None:
        seq, grouped, at = self._seq, self.grouped, lane.lane_id
        try:
            with self.store.read() as s:
                window = read_window(
                    s, at, 0, offset, limit, text=text, client_id=client_id, grouped=grouped
                )
        except VadeskError as error:
            self.post_message(self.WriteFailed(str(error)))
            return
        self.app.call_from_thread(self._add_rows, lane, window.offset, window.lines, seq, grouped)

    def _add_rows(
        self, lane: LaneView, offset: int, lines: list[CardLine], seq: int, grouped: bool = False
    ) -> None:
        if seq == self._seq and grouped == lane.grouped:
            lane.add_rows(offset, lines)
        else:  # rows from before a write on screen: ask again
            lane.forget_request()

    # ------------------------------------------------------------ live changes

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def watch_changes(self) -> None:
        from vadesk.services.changes import ChangeFeed

        worker = get_current_worker()
        try:
            feed = ChangeFeed(self.store)
        except Exception:
            log.warning("change feed unavailable", exc_info=True)
            return
        self._feed = feed
        from vadesk.services.intake.notices import EmailWatch

        self._email_watch = EmailWatch(self.store)
        self._email_watch.check()  # the starting point: mail from now on is news
        try:
            while not worker.is_cancelled:
                if feed.wait(0.5) and not worker.is_cancelled:
                    self.post_message(self.ExternalChange())
        finally:
            self._feed = None
            feed.close()

    @on(ExternalChange)
    def _external_change(self) -> None:
        from vadesk.ui.screens.card_editor import CardEditor

        if isinstance(self.app.screen, CardEditor):
            self.app.screen.check_for_changes()
        if (on_top := getattr(self.app.screen, "external_change", None)) is not None:
            on_top()  # e.g. the clients screen: the order may have changed elsewhere
        if self._email_watch is not None:
            self._notice_email(self._email_watch)
        if self._writing:
            # Its snapshot may have been read before this commit: reload once it is idle.
            self._missed_change = True
        else:
            self.reload()

    @work(thread=True, group="email-notice", exit_on_error=False)
    def _notice_email(self, watch: EmailWatch) -> None:
        """A quiet note when mail made cards or replies (the reload shows them)."""
        text = watch.check()
        if text:
            self.app.call_from_thread(self.notify, text, timeout=4)

    @property
    def _writing(self) -> bool:
        """Writes are queued or running, or the board is being read after them.

        Until that read is shown, the change feed's echo of our own commit must not move the
        cursor a second time, and another process's commit waits for the read to end.
        """
        return self.writes.busy or self._reads_after_write > 0

    @on(WriterIdle)
    @on(ReadAfterWrite)
    def _writer_idle(self, event: Message) -> None:
        if isinstance(event, self.ReadAfterWrite):
            self._reads_after_write -= 1
        if self._missed_change and not self._writing:
            self._missed_change = False
            self.reload()

    # ------------------------------------------------------------ writing

    def submit(self, op: Op) -> None:
        op.windows = {view.lane_id: view.wanted_window() for view in self.lane_views()}
        op.filter = (self.filter.text, self.filter.client_id)
        op.pane_client = self._pane_client()
        self._seq += 1
        op.seq = self._seq
        # The change is painted first (a write competes with the paint for the interpreter),
        # but the write waits for no more than WRITE_HOLD: it is in the database within tens
        # of milliseconds even when the screen is slow to repaint.
        self.writes.submit(op, hold=WRITE_HOLD)
        self.call_after_refresh(self.writes.release)

    def _user_id(self) -> int:
        """Asked on the write thread: in a quick start the store may still be opening."""
        return self.store.user_id

    def _write_op(self, op: Op) -> tuple[int | None, Change | None]:
        """Run one queued write in its own transaction (on the write queue's thread)."""
        feed = self._feed
        with self.store.write() as session:
            done = board_steps.apply(session, op.step, user_id=self._user_id(), now=self.clock())
            before = feed.version_now() if feed is not None else None
        # Our own commit need not come back as an "external" change (a second read of every
        # lane while the user presses the next key); the snapshot read next sees anything else.
        if feed is not None:
            feed.absorb(before)
        if op.step.action == "timer":
            action, entry = done.result
            spent = f" ({hms(entry.seconds(self.clock()))})" if action == "stopped" else ""
            self.post_message(
                self.Notice(f"Timer {action}: {clean_title(entry.card_title)}{spent}")
            )
        if op.step.action == "waiting":
            flagged, title = done.result, clean_title(done.result.title)
            if flagged.waiting:
                self.post_message(self.Notice(f"Waiting (clock paused): {title}"))
            else:
                self.post_message(self.Notice(f"No longer waiting: {title}"))
        # Undoing or redoing a change moves it between the history's stacks (see _record).
        change = Change(op.label, done.undo, done.redo) if op.kind == "do" and done.undo else None
        return done.follow, change

    def _written(self, done: list[tuple[Op, tuple[int | None, Change | None]]]) -> None:
        """The queue is empty (on its thread): tell the screen, which reads the board anew.

        The read runs on another thread, so the next key's write need not wait for it.
        """
        _, (follow, _) = done[-1]
        self.post_message(self.Saved([(op, change) for op, (_, change) in done], follow))

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        self._record(event.done)
        last = event.done[-1][0]
        self._reads_after_write += 1
        self._read_after_write(last, event.follow)

    @work(thread=True, group="after-write", exit_on_error=False)
    def _read_after_write(self, last: Op, follow: int | None) -> None:
        """Show the board as the writes left it, unless a newer write came meanwhile.

        Not exclusive: a cancelled worker may never start, and every one must post
        ReadAfterWrite (the screen counts them to know when it is idle).
        """
        text, client_id = last.filter
        try:
            if last.seq == self._seq:  # else a newer write's own read follows
                snapshot = read_snapshot(
                    self.store,
                    last.windows,
                    follow,
                    text,
                    client_id,
                    self.clock(),
                    last.pane_client,
                    grouped=self.grouped,
                )
                self.post_message(self.Loaded(snapshot, last.seq))
        except VadeskError as error:
            self.post_message(self.WriteFailed(str(error)))
        finally:
            self.post_message(self.ReadAfterWrite())

    def _write_failed_in_thread(self, op: Op, error: Exception) -> None:
        if isinstance(error, VadeskError):
            self.post_message(self.WriteFailed(str(error)))
        else:
            self.post_message(
                self.WriteFailed(f"Could not save ({op.label}): unexpected error, see the log.")
            )

    def _record(self, done: list[tuple[Op, Change | None]]) -> None:
        for op, change in done:
            if op.kind == "undo" and op.change is not None:
                self.history.undone(op.change)
            elif op.kind == "redo" and op.change is not None:
                self.history.redone(op.change)
            elif change is not None:
                self.history.record(change)

    @on(WriteFailed)
    def _write_failed(self, event: WriteFailed) -> None:
        self.notify(event.message, severity="error", timeout=8)
        self.reload()

    def _card_op(self, label: str, card: CardLine, step: Step) -> None:
        """Queue ``step`` for ``card``; the write records how to undo it."""
        self.submit(Op(label, step=step, what=f"{label}: {clean_title(card.title)}"))

    def action_move_lane(self, delta: int) -> None:
        source, card, target = self.lane_view, self.selected, self.current_lane + delta
        views = self.lane_views()
        if source is None or card is None or not 0 <= target < len(views):
            return
        dest = views[target]
        if self.grouped:  # to the top of the card's group there
            index = grouping.top_of_group(dest, card.client_id, self._client_order)
            moved = source.take(source.cursor)
            if moved is not None and index is not None:
                dest.put(index, moved)
            self.focus_lane(target)
            top = {"lane_id": self.lanes[target].id, "position": "top"}
            self._card_op("move", card, Step("move", card.id, top))
            return
        # Land at the same height in the next lane, before the card shown there, or at the end.
        index = min(
            source.cursor
            - int(source.scroll_offset.y) // LaneView.CARD_HEIGHT
            + int(dest.scroll_offset.y) // LaneView.CARD_HEIGHT,
            dest.count,
        )
        anchor = dest.row(index) if index < dest.count else None
        if anchor is not None:
            step = Step("move", card.id, {"before_id": anchor.id})
        else:
            step = Step("move", card.id, {"lane_id": self.lanes[target].id, "position": "bottom"})

        # Show the move at once; the writer's snapshot confirms it (or a failure reloads).
        moved = source.take(source.cursor)
        if moved is not None:
            dest.put(index, moved)
        self.focus_lane(target)  # after put: both lane headers show the new counts at once
        self._card_op("move", card, step)

    def action_move_step(self, delta: int) -> None:
        view, card = self.lane_view, self.selected
        if view is None or card is None:
            return
        if self.grouped:  # within the card's own client
            step = grouping.step_within_group(view, card, delta)
            if step is not None:
                target = view.cursor + (1 if delta > 0 else -1)
                moved = view.take(view.cursor)
                if moved is not None:
                    view.put(target, moved)
                self._card_op("reorder", card, step)
            else:
                edge = "first" if delta < 0 else "last"
                self.notify(f"The {edge} of this client's cards here (g ungroups the lanes)")
            return
        target = max(0, min(view.cursor + delta, view.count - 1))
        if target != view.cursor:
            moved = view.take(view.cursor)
            if moved is not None:
                view.put(target, moved)
        self._card_op("reorder", card, Step("move_step", card.id, {"steps": delta}))

    def action_move_top(self) -> None:
        view, card = self.lane_view, self.selected
        if view is None or card is None:
            return
        top = grouping.group_start(view, view.cursor, card.client_id) if self.grouped else 0
        moved = view.take(view.cursor)
        if moved is not None:
            view.put(top, moved)
        self._card_op("to top", card, Step("move", card.id, {"position": "top"}))

    def action_done(self) -> None:
        view, card = self.lane_view, self.selected
        if view is None or card is None:
            return
        card_id = card.id

        done_view = next((v for v in self.lane_views() if v.done), None)
        if done_view is not None and done_view is not view:
            moved = view.take(view.cursor)
            if moved is not None:
                order = self._client_order
                top = grouping.top_of_group(done_view, card.client_id, order) if self.grouped else 0
                if top is not None:
                    done_view.put(top, moved)
                view.move_cursor(view.cursor)  # the cursor stays in this lane
        self._card_op("done", card, Step("complete", card_id))
        self.notify(f"Done: {clean_title(card.title)}{self._timer_note(card_id)}", timeout=3)

    def action_archive(self) -> None:
        view, card = self.lane_view, self.selected
        if view is None or card is None:
            return
        card_id = card.id
        view.take(view.cursor)
        self._card_op("archive", card, Step("archive", card_id))
        self.notify(
            f"Archived: {clean_title(card.title)}{self._timer_note(card_id)}"
            " — ctrl+z brings it back",
            timeout=4,
        )

    def _timer_note(self, card_id: int) -> str:
        """Done and archive stop the card's timer (in the service): say so."""
        figures = self._pane.figures
        running = figures.running if figures is not None else None
        return "; its timer stopped" if running is not None and running.card_id == card_id else ""

    @property
    def _due_soon(self) -> timedelta:
        return timedelta(hours=self.store.settings.due_soon_hours)

    def action_toggle_waiting(self) -> None:
        """Flag the selected card as waiting on the client, or not (turnaround.set_waiting)."""
        if (card := self.selected) is not None:
            self._card_op("waiting", card, Step("waiting", card.id))

    def action_next_overdue(self) -> None:
        card = self.selected
        self._find_overdue(card.id if card else None, self.filter.text, self.filter.client_id)

    @work(thread=True, exclusive=True, group="jump", exit_on_error=False)
    def _find_overdue(self, after: int | None, text: str, client_id: int | None) -> None:
        from vadesk.services.turnaround import next_overdue

        try:
            with self.store.read() as s:
                found = next_overdue(s, after, self.clock(), text=text, client_id=client_id)
        except VadeskError as error:
            self.post_message(self.WriteFailed(str(error)))
            return
        self.app.call_from_thread(self._jump_to_overdue, found, after)

    def _jump_to_overdue(self, found: int | None, after: int | None) -> None:
        if found is None:
            self.notify("Nothing is overdue.", timeout=3)
        elif found == after:
            self.notify("This is the only overdue card.", timeout=3)
        else:
            self.reload(follow=found)

    def action_undo(self) -> None:
        self._replay("undo")

    def action_redo(self) -> None:
        self._replay("redo")

    def _replay(self, kind: str) -> None:
        undo = kind == "undo"
        change = self.history.take_undo() if undo else self.history.take_redo()
        if change is None:
            return
        step = change.undo if undo else change.redo
        self.submit(Op(f"{kind} {change.label}", kind=kind, change=change, step=step))
        self.notify(f"{'Undone' if undo else 'Redone'}: {undo_words(change.label)}", timeout=2)

    # ------------------------------------------------------------ cards: new and edit

    def action_new_card(self) -> None:
        if not self._ready:
            return self._when_ready("the new card form", self.action_new_card)
        from vadesk.ui.screens.card_editor import CardEditor, CardForm, Edited

        lane = self.lanes[self.current_lane] if self.lanes else None
        client_id = self.filter.client_id

        def created(form: CardForm | Edited | None) -> None:
            if not isinstance(form, CardForm):
                return
            fields = {
                "lane_id": lane.id if lane else None,
                "client_id": form.client_id,
                "kind": form.kind,
                "due_at": form.due_at,
                "description": form.description,
            }
            step = Step("create", 0, {"title": form.title, "fields": fields})
            self.submit(Op("new card", step=step, what=f"new card: {clean_title(form.title)}"))

        self.app.push_screen(
            CardEditor(
                self.store, None, clients=self.clients, default_client=client_id, clock=self.clock
            ),
            created,
        )

    def action_open_card(self) -> None:
        if not self._ready:
            return self._when_ready("the card", self.action_open_card)
        from vadesk.ui.screens.card_editor import CardEditor, Edited

        card = self.selected
        if card is None:
            return

        def closed(result: object) -> None:
            if isinstance(result, Edited):
                self.history.record(edit_change(result))
            self.reload(follow=card.id)

        opened = getattr(self.app, "vault", None)
        items: list[tuple[str, str]] | None = None
        if opened is not None:
            from vadesk.services.vault import for_card

            items = [(i, str(d.get("name", ""))) for i, d in for_card(opened, card.id, card.client)]
        self.app.push_screen(
            CardEditor(
                self.store, card.id, clients=self.clients, clock=self.clock, vault_items=items
            ),
            closed,
        )

    # ------------------------------------------------------------ filters

    def action_filter(self) -> None:
        box = self._filter_box
        box.display = True
        box.value = self.filter.text
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter.text = event.value.strip()
        self._update_header()
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        box = self._filter_box
        if not box.value.strip():
            box.display = False
        self.focus_lane(self.current_lane)

    def on_key(self, event: Any) -> None:
        box = self._filter_box
        if event.key == "escape" and box.has_focus:
            event.stop()
            box.value = ""
            box.display = False
            self.filter.text = ""
            self._update_header()
            self.focus_lane(self.current_lane)
            self.reload()

    def action_clear_filter(self) -> None:
        box = self._filter_box
        box.value = ""
        box.display = False
        self.filter = Filter()
        self._update_header()
        self.reload()

    def action_client_filter(self) -> None:
        if not self._ready:
            return self._when_ready("the client list", self.action_client_filter)
        from vadesk.ui.screens.pickers import ClientPicker

        def picked(choice: tuple[int, str] | None) -> None:
            if choice is None:
                return
            client_id, name = choice
            self.filter.client_id = None if client_id < 0 else client_id
            self.filter.client_name = name
            self._update_header()
            self.reload()

        self.app.push_screen(ClientPicker(self.clients, self.filter.client_id), picked)

    def set_client_filter(self, client: ClientRow | None) -> None:
        self.filter.client_id = client.id if client else None
        self.filter.client_name = client.name if client else ""
        self._update_header()
        self.reload()

    def action_help(self) -> None:
        from vadesk.ui.screens.help import HelpScreen

        active = [(key, b.binding) for key, b in self.app.active_bindings.items()]
        self.app.push_screen(HelpScreen(active))

    # ------------------------------------------------------------ lanes (palette)

    def lane_op(self, label: str, step: Step) -> None:
        """Queue a lane step from the palette (add, rename, move, remove)."""
        self.submit(Op(label, step))

    def go_to_card(self, card_id: int) -> None:
        self.reload(follow=card_id)


UNDO_WORDS = {
    "move": "card moved to another lane",
    "reorder": "card moved within its lane",
    "to top": "card moved to the top",
    "done": "card moved to Done",
    "archive": "card archived",
    "waiting": "waiting flag changed",
    "edit": "card edited",
    "new card": "new card added",
    "timer": "timer started or stopped",
}
"""What the undo and redo toasts say a change was (by its Op label)."""


def undo_words(label: str) -> str:
    return UNDO_WORDS.get(label, label)


def edit_change(edited: Any) -> Change:
    """Undo/redo for an edit saved in the card editor."""
    before, after = dict(edited.before), dict(edited.after)
    return Change(
        "edit",
        Step("edit", edited.card_id, {"fields": before}),
        Step("edit", edited.card_id, {"fields": after}),
    )
