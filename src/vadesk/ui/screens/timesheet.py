"""The time sheet: a week of entries by day; add, edit and delete (with undo)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar

from dateutil.tz import tzlocal
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from vadesk.domain.clock import Clock, utcnow
from vadesk.domain.dates import parse_when
from vadesk.domain.durations import hm
from vadesk.domain.text import clean_title, display
from vadesk.domain.timecalc import split_by_local_day
from vadesk.errors import VadeskError
from vadesk.services import reports, timer
from vadesk.services.store import StoreLike
from vadesk.services.timer import EntryRow


def sheet_zone(store: StoreLike) -> tzinfo:
    """The one time zone of the time sheet: the ``timezone`` setting, else the system's.

    Days, week bounds, the times shown and the times typed all use it, so a day's total
    and the week it falls in never disagree.
    """
    return timer.local_zone(store.settings.timezone) or tzlocal()


def local_text(value: datetime | None, tz: tzinfo) -> str:
    """An instant as the form shows it for editing: "YYYY-MM-DD HH:MM" in ``tz``."""
    return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


class EntryForm(ModalScreen[dict[str, Any] | None]):
    """Start, end, card and note of one entry; Enter or ctrl+s saves, Esc cancels (asking
    first when something was typed)."""

    DEFAULT_CSS = """
    EntryForm { align: center middle; background: $background 60%; }
    EntryForm > Vertical { width: 60; max-width: 95%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1; }
    EntryForm VerticalScroll { height: auto; max-height: 1fr; }
    #entry-error { color: $error; height: auto; }
    #entry-buttons { height: auto; align-horizontal: right; }
    #entry-buttons Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="entry.cancel"),
        Binding("ctrl+s", "save", "Save", id="entry.save", tooltip="Save the entry"),
    ]

    def __init__(
        self,
        title: str,
        start: str,
        end: str,
        card_id: int | None,
        note: str,
        tz: tzinfo | None = None,
        *,
        unsaved: bool = False,
    ) -> None:
        super().__init__()
        self.heading, self.start, self.end, self.card_id, self.note = (
            title,
            start,
            end,
            card_id,
            note,
        )
        self.tz = tz
        """The zone typed times are in (the time sheet's); None: the system's."""
        self._pristine: tuple[str, ...] = ()
        self.unsaved = unsaved
        """The values are typed work that failed to save: Esc asks even if untouched."""

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Label(self.heading)
                yield Label("Start (local time)")
                yield Input(self.start, id="entry-start")
                yield Label("End")
                yield Input(self.end, id="entry-end")
                yield Label("Card number")
                yield Input(
                    "" if self.card_id is None else str(self.card_id),
                    id="entry-card",
                    type="integer",
                )
                yield Label("Note")
                yield Input(display(self.note), id="entry-note")  # a stored note: shown cleaned
            yield Static("", id="entry-error")
            with Horizontal(id="entry-buttons"):
                yield Button("Save (ctrl+s)", id="entry-save", variant="primary")
                yield Button("Cancel (esc)", id="entry-cancel")

    def on_mount(self) -> None:
        self.query_one("#entry-start", Input).focus()
        self._pristine = self._typed()

    def _typed(self) -> tuple[str, ...]:
        return tuple(field.value for field in self.query(Input))

    def show_error(self, message: str) -> None:
        self.query_one("#entry-error", Static).update(Text(message))

    @on(Input.Submitted)
    @on(Button.Pressed, "#entry-save")
    def action_save(self) -> None:
        try:
            start = parse_when(self.query_one("#entry-start", Input).value, "start", self.tz)
            end = parse_when(self.query_one("#entry-end", Input).value, "end", self.tz)
        except VadeskError as error:
            self.show_error(str(error))
            return
        card = self.query_one("#entry-card", Input).value.strip()
        if start is None or end is None or not card:
            self.show_error("Give a start, an end and a card number.")
            return
        self.dismiss(
            {
                "start": start,
                "end": end,
                "card_id": int(card),
                "note": self.query_one("#entry-note", Input).value,
            }
        )

    @on(Button.Pressed, "#entry-cancel")
    def action_cancel(self) -> None:
        from vadesk.ui.screens.pickers import close_or_ask

        close_or_ask(
            self,
            changed=self.unsaved or self._typed() != self._pristine,
            question="Discard this time entry's changes?",
        )


class TimesheetScreen(Screen[None]):
    """One week of the user's entries, day by day, with daily and weekly totals."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Board", id="timesheet.back"),
        Binding("a", "add", "Add entry", id="timesheet.add"),
        Binding("e", "edit", "Edit", id="timesheet.edit", tooltip="Or enter on the row"),
        Binding("delete", "delete", "Delete", id="timesheet.delete"),
        Binding("ctrl+z", "undo", "Undo delete", id="timesheet.undo"),
        Binding("left_square_bracket", "week(-1)", "Previous week", id="timesheet.prev-week"),
        Binding("right_square_bracket", "week(1)", "Next week", id="timesheet.next-week"),
    ]
    DEFAULT_CSS = """
    #sheet-title { height: 1; background: $panel; text-style: bold; text-wrap: nowrap;
        text-overflow: ellipsis; }
    #sheet { height: 1fr; }
    """
    NARROW = 60
    """Below this width only the day, the time and the card are shown."""

    class Loaded(Message):
        def __init__(
            self,
            rows: list[EntryRow],
            billed: dict[int, str] | None = None,
            amounts: dict[int, reports.EntryAmount] | None = None,
        ) -> None:
            super().__init__()
            self.rows = rows
            self.billed = billed or {}
            """Entry id -> the invoice number it was billed under."""
            self.amounts = amounts or {}
            """Entry id -> what it adds to the bill (as the client's report counts it)."""

    class Done(Message):
        def __init__(self, message: str, severity: str = "information") -> None:
            super().__init__()
            self.message = message
            self.severity = severity

    def __init__(
        self, store: StoreLike, *, clock: Clock = utcnow, card_id: int | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.card_id = card_id
        self.week = 0
        self.rows: list[EntryRow] = []
        self.deleted: list[EntryRow] = []
        self.billed: dict[int, str] = {}
        self.amounts: dict[int, reports.EntryAmount] = {}
        self.tz = sheet_zone(store)
        self._shown: tuple[bool, str] | None = None
        """(narrow, running entry's minutes) as last drawn: redraw when either changes."""

    def compose(self) -> ComposeResult:
        yield Static(id="sheet-title")
        yield DataTable(id="sheet", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.set_interval(1, self._tick)

    def _tick(self) -> None:
        """A running entry's time (and its day's and week's totals) moves on each minute."""
        if self._shown is not None and self._state() != self._shown:
            self._draw()

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None and self._state() != self._shown:
            self._draw()

    def _state(self) -> tuple[bool, str]:
        now = self.clock()
        running = next((r for r in self.rows if r.ended_at is None), None)
        return self.size.width < self.NARROW, hm(running.seconds(now)) if running else ""

    def _week_bounds(self) -> tuple[datetime, datetime]:
        _, monday = timer.period_starts(self.clock(), self.tz)
        start = monday + timedelta(weeks=self.week)
        return start, start + timedelta(weeks=1)

    @work(thread=True, exclusive=True, group="sheet", exit_on_error=False)
    def load(self) -> None:
        start, end = self._week_bounds()
        try:
            with self.store.read() as s:
                rows = timer.entries_between(s, self.store.user_id, start, end)
                billed = reports.billed_entries(
                    s, [(r.id, r.started_at, r.ended_at) for r in rows], self.tz
                )
                amounts = reports.entry_amounts(
                    s,
                    [(r.id, r.client_id, r.started_at, r.ended_at) for r in rows if r.ended_at],
                    self.tz,
                    now=self.clock(),
                )
        except VadeskError as error:
            self.post_message(self.Done(str(error), "error"))
            return
        self.post_message(self.Loaded(rows, billed, amounts))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.rows = event.rows
        self.billed, self.amounts = event.billed, event.amounts
        self._draw()

    def _draw(self) -> None:
        now, tz, rows = self.clock(), self.tz, self.rows
        self._shown = self._state()
        narrow = self._shown[0]
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        if narrow:  # 40 columns: the card stays, start/end/client/note go
            table.add_columns("Day", "Time", "Card")
        else:
            table.add_columns("Day", "Start", "End", "Time", "Card", "Client", "Note")
        # Each day's total counts only its own part of an entry that crosses midnight.
        week_start, week_end = self._week_bounds()
        day_totals: dict[str, int] = {}
        for row in rows:
            begin, end = max(row.started_at, week_start), min(row.ended_at or now, week_end)
            for day, seconds in split_by_local_day(begin, end, tz).items():
                key = day.strftime("%a %d %b")
                day_totals[key] = day_totals.get(key, 0) + seconds
        clashing = overlapping(rows, now)
        last_day: str | None = None
        for row in rows:
            local = row.started_at.astimezone(tz)
            day_label = local.strftime("%a %d %b")
            label = ""
            if day_label != last_day:
                shown_day = local.strftime("%a %d") if narrow else day_label
                label = f"{shown_day} ({hm(day_totals.get(day_label, 0))})"
            last_day = day_label
            time = Text(hm(row.seconds(now)))
            if row.id in clashing:
                mark = "⚠" if narrow else "⚠ overlap"
                time = Text(f"{hm(row.seconds(now))} {mark}", style="bold yellow")
            if row.id in self.amounts and not narrow:
                time.append(f" {self.amounts[row.id].text(self.store.settings.locale)}", "dim")
            if row.id in self.billed:
                time.append(" ✓" if narrow else f" billed {display(self.billed[row.id])}", "green")
            card = Text(f"#{row.card_id} {clean_title(row.card_title)}")
            if narrow:
                table.add_row(label, time, card, key=str(row.id))
                continue
            finish = row.ended_at.astimezone(tz).strftime("%H:%M") if row.ended_at else "running"
            table.add_row(
                label,
                local.strftime("%H:%M"),
                finish,
                time,
                card,
                Text(clean_title(row.client or "-")),
                Text(("idle · " if row.idle else "") + clean_title(row.note)),
                key=str(row.id),
            )
        total = sum(day_totals.values())
        marks = f" — {len(clashing)} overlapping" if clashing else ""
        self.query_one("#sheet-title", Static).update(
            f" Time sheet — week of {week_start.astimezone(tz):%a %d %b %Y} — {hm(total)}"
            f"{marks} — [ ] other weeks"
        )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))

    def _selected(self) -> EntryRow | None:
        table = self.query_one(DataTable)
        return (
            self.rows[table.cursor_row] if self.rows and table.cursor_row < len(self.rows) else None
        )

    def action_week(self, delta: int) -> None:
        self.week = min(0, self.week + delta)
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        now = self.clock()
        form = EntryForm(
            "Add a forgotten entry",
            local_text(now - timedelta(hours=1), self.tz),
            local_text(now, self.tz),
            self.card_id,
            "",
            self.tz,
        )
        self.app.push_screen(form, lambda data: self._save(data, "add", None))

    @on(DataTable.RowSelected)
    def _row_chosen(self) -> None:
        self.action_edit()

    def _if_billed(self, row: EntryRow, verb: str, then: Any) -> None:
        """Run ``then`` at once, or after a yes when the entry was billed already."""
        number = self.billed.get(row.id)
        if number is None:
            then()
            return
        from vadesk.ui.screens.pickers import Confirm

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(
            Confirm(
                f"Entry #{row.id} was billed under invoice {number}. {verb} it anyway?",
                "The next report of this client lists the change as a correction.",
            ),
            answered,
        )

    def action_edit(self) -> None:
        row = self._selected()
        if row is not None:
            self._if_billed(row, "Edit", lambda: self._edit(row))

    def _edit(self, row: EntryRow) -> None:
        form = EntryForm(
            f"Entry #{row.id}",
            local_text(row.started_at, self.tz),
            local_text(row.ended_at, self.tz),
            row.card_id,
            row.note,
            self.tz,
        )
        self.app.push_screen(form, lambda data: self._save(data, "edit", row.id))

    def action_delete(self) -> None:
        row = self._selected()
        if row is not None:
            self._if_billed(row, "Delete", lambda: self._write("delete", row.id, {}))

    def action_undo(self) -> None:
        if self.deleted:
            self._write("restore", None, {"row": self.deleted.pop()})

    def _save(self, data: dict[str, Any] | None, what: str, entry_id: int | None) -> None:
        self._write(what, entry_id, data)

    @work(thread=True, group="sheet-write", exit_on_error=False)
    def _write(self, what: str, entry_id: int | None, data: dict[str, Any] | None) -> None:
        if data is None:
            return
        user, now = self.store.user_id, self.clock()
        clashes: list[EntryRow] = []
        try:
            with self.store.write() as s:
                if what == "add":
                    _, clashes = timer.add_entry(
                        s,
                        user,
                        data["card_id"],
                        data["start"],
                        data["end"],
                        note=data["note"],
                        now=now,
                    )
                elif what == "edit" and entry_id is not None:
                    _, clashes = timer.edit_entry(
                        s,
                        user,
                        entry_id,
                        start_at=data["start"],
                        end_at=data["end"],
                        card_id=data["card_id"],
                        note=data["note"],
                        now=now,
                    )
                elif what == "delete" and entry_id is not None:
                    self.deleted.append(timer.delete_entry(s, user, entry_id))
                elif what == "restore":
                    timer.restore_entry(s, user, data["row"])
        except VadeskError as error:
            self.post_message(self.Done(str(error), "error"))
            if what in ("add", "edit"):
                self.app.call_from_thread(self._reopen, what, entry_id, data, str(error))
            return
        if clashes:
            names = ", ".join(f"#{c.id}" for c in clashes)
            self.post_message(self.Done(f"Saved; it overlaps entry {names}.", "warning"))
        elif what == "delete":
            self.post_message(self.Done("Entry deleted — ctrl+z brings it back."))
        self.load()

    def _reopen(self, what: str, entry_id: int | None, data: dict[str, Any], message: str) -> None:
        form = EntryForm(
            "Fix the entry",
            local_text(data["start"], self.tz),
            local_text(data["end"], self.tz),
            data["card_id"],
            data["note"],
            self.tz,
            unsaved=True,
        )
        self.app.push_screen(form, lambda again: self._save(again, what, entry_id))
        form.call_after_refresh(form.show_error, message)

    @on(Done)
    def _done(self, event: Done) -> None:
        self.notify(event.message, severity=event.severity, timeout=6)  # type: ignore[arg-type]


def overlapping(rows: list[EntryRow], now: datetime) -> set[int]:
    """Ids of the entries that share time with another one (a running one ends now)."""
    clashing: set[int] = set()
    spans = sorted((r.started_at, r.ended_at or now, r.id) for r in rows)
    reach: tuple[datetime, int] | None = None  # the latest end so far, and whose it is
    for start, end, entry_id in spans:
        if reach is not None and start < reach[0]:
            clashing.update((entry_id, reach[1]))
        if reach is None or end > reach[0]:
            reach = (end, entry_id)
    return clashing
