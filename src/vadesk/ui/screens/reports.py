"""The reports screen: pick a client and a month, see the totals and everyone's bars, export.

Keys: up/down pick the client, ``[``/``]`` the month, ``x`` exports (a format chooser), ``b``
marks the shown month billed under an invoice number, Esc goes back. It listens to the
change feed, so time logged in another window or by the CLI shows within a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from vadesk.domain.clock import Clock, utcnow
from vadesk.domain.durations import hm
from vadesk.errors import VadeskError
from vadesk.services import reports
from vadesk.services.store import StoreLike
from vadesk.ui.commands import Command, discovery_hits, matching_hits
from vadesk.ui.safe import display, safe_text

BAR_WIDTH = 24
EXPORT_FORMATS = (
    ("pdf", "PDF — an A4 page to attach to the invoice"),
    ("csv", "CSV — one row per entry, for a spreadsheet"),
    ("md", "Markdown"),
    ("json", "JSON"),
)


@dataclass(frozen=True)
class Snapshot:
    """What the screen shows, read in one worker."""

    figures: list[reports.ClientFigures]
    report: Any
    """The chosen client's Report for the chosen month (None without clients)."""


def bar(value: int, top: int, width: int = BAR_WIDTH) -> str:
    """A bar of eighth blocks, ``value`` out of ``top``."""
    if top <= 0 or value <= 0:
        return ""
    eighths = round(width * 8 * min(value, top) / top)
    full, part = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[part]


class FormatPicker(ModalScreen[str | None]):
    """Choose the export format; Enter writes the file, Esc cancels."""

    DEFAULT_CSS = """
    FormatPicker { align: center middle; background: $background 60%; }
    FormatPicker > Vertical { width: 56; max-width: 95%; height: auto;
        border: thick $accent; background: $surface; }
    FormatPicker OptionList { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="export.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(" Export the report as…")
            yield OptionList(*(Option(text, id=fmt) for fmt, text in EXPORT_FORMATS))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ReportCommands(Provider):
    """The reports screen's palette: "report: ..." actions."""

    def _commands(self) -> list[Command]:
        screen = self.screen
        assert isinstance(screen, ReportsScreen)
        return [
            ("report: export", screen.action_export, "Write PDF, CSV, Markdown or JSON"),
            ("report: previous month", lambda: screen.action_month(-1), "The month before"),
            ("report: next month", lambda: screen.action_month(1), "The month after"),
            ("report: mark billed", screen.action_mark_billed, "Record an invoice number"),
            ("report: back to the board", screen.action_back, "Close the reports"),
        ]

    async def discover(self) -> Hits:
        for hit in discovery_hits(self._commands()):
            yield hit

    async def search(self, query: str) -> Hits:
        for hit in matching_hits(self.matcher(query), self._commands()):
            yield hit


class ReportsScreen(Screen[None]):
    """Per-client totals for a month, bars for this week and month, export and billing."""

    CSS_PATH = "reports.tcss"
    COMMANDS: ClassVar[set[Any]] = {ReportCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Board", id="reports.back", tooltip="Back to the board"),
        Binding(
            "left_square_bracket",
            "month(-1)",
            "Prev month",
            id="reports.prev-month",
            tooltip="The month before",
        ),
        Binding(
            "right_square_bracket",
            "month(1)",
            "Next month",
            id="reports.next-month",
            tooltip="The month after (up to this month)",
        ),
        Binding("x", "export", "Export", id="reports.export", tooltip="PDF, CSV, MD or JSON"),
        Binding(
            "b",
            "mark_billed",
            "Mark billed",
            id="reports.mark-billed",
            tooltip="Record this month's time under an invoice number",
        ),
    ]

    class Loaded(Message):
        def __init__(self, snapshot: Snapshot) -> None:
            super().__init__()
            self.snapshot = snapshot

    class Done(Message):
        def __init__(self, message: str, severity: str = "information") -> None:
            super().__init__()
            self.message = message
            self.severity = severity

    class ExternalChange(Message):
        """Someone committed: time may have been logged."""

    def __init__(
        self,
        store: StoreLike,
        *,
        clock: Clock = utcnow,
        client_id: int | None = None,
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.tz, self.zone_name = reports.report_zone(store.settings)
        self.client_id = client_id
        """The client whose report is shown (None: the first)."""
        self.month_offset = 0
        """0: this month, -1: last month ..."""
        self.snapshot: Snapshot | None = None
        self.export_dir = export_dir
        """Where exports go (default: vadesk-reports in the documents folder)."""
        self._listing: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static(id="reports-title")
        with Horizontal(id="reports-body"):
            yield OptionList(id="report-clients")
            with VerticalScroll(id="report-main"):
                yield Static(id="report-totals")
                yield Static(id="report-bars")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#report-clients", OptionList).focus()
        self.load()
        self.watch_changes()

    # ------------------------------------------------------------ period

    def period(self) -> reports.Period:
        local = self.clock().astimezone(self.tz).date()
        index = local.year * 12 + local.month - 1 + self.month_offset
        return reports.month_period(f"{index // 12:04d}-{index % 12 + 1:02d}")

    def action_month(self, delta: int) -> None:
        self.month_offset = min(0, self.month_offset + delta)
        self.refresh_bindings()
        self.load()

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="reports", exit_on_error=False)
    def load(self) -> None:
        worker = get_current_worker()
        now = self.clock()
        try:
            with self.store.read() as s:
                figures = reports.overview(s, now, self.tz)
                ids = [f.id for f in figures]
                chosen = self.client_id if self.client_id in ids else (ids[0] if ids else None)
                report = (
                    reports.client_report(
                        s,
                        chosen,
                        self.period(),
                        self.tz,
                        business=reports.business_from(self.store.settings),
                        timezone_name=self.zone_name,
                        now=now,
                    )
                    if chosen is not None
                    else None
                )
        except VadeskError as error:
            self.post_message(self.Done(str(error), "error"))
            return
        if not worker.is_cancelled:
            self.post_message(self.Loaded(Snapshot(figures, report)))

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def watch_changes(self) -> None:
        from vadesk.services.changes import ChangeFeed

        worker = get_current_worker()
        try:
            feed = ChangeFeed(self.store)
        except Exception:
            return
        try:
            while not worker.is_cancelled:
                if feed.wait(0.5) and not worker.is_cancelled:
                    self.post_message(self.ExternalChange())
        finally:
            feed.close()

    @on(ExternalChange)
    def _external(self) -> None:
        self.load()

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.snapshot = event.snapshot
        if event.snapshot.report is not None:
            self.client_id = event.snapshot.report.client_id
        self._draw()
        self.refresh_bindings()

    # ------------------------------------------------------------ drawing

    def _draw(self) -> None:
        snap = self.snapshot
        if snap is None:
            return
        from vadesk.domain.report_format import money, period_label, turnaround_lines

        locale = self.store.settings.locale
        options = self.query_one("#report-clients", OptionList)
        ids = [f.id for f in snap.figures]
        if ids != self._listing:
            options.clear_options()
            options.add_options([Option(safe_text(f.name), id=str(f.id)) for f in snap.figures])
            self._listing = ids
        if self.client_id in ids:
            options.highlighted = ids.index(self.client_id)
        title = self.query_one("#reports-title", Static)
        totals = self.query_one("#report-totals", Static)
        report = snap.report
        if report is None:
            title.update(" Reports")
            totals.update("No clients yet: add one with `vadesk client add NAME`.")
            self.query_one("#report-bars", Static).update("")
            return
        title.update(
            Text(f" Reports — {display(report.client)} — {period_label(report)} — [ ] months")
        )

        def m(minor: int) -> str:
            return money(minor, report.currency, locale)

        lines = Text()
        if report.empty:
            lines.append(f"No time logged for {display(report.client)} in this period.\n")
        else:
            lines.append(f"Entries: {len(report.rows)}", style="bold")
            lines.append(
                f"   worked {hm(report.minutes * 60)} h   billable "
                f"{hm(report.billed_minutes * 60)} h\n"
            )
            lines.append(f"Amount {m(report.subtotal_minor)}")
            if report.discount_minor:
                lines.append(f"   discount {report.discount_percent} % −{m(report.discount_minor)}")
            lines.append(f"   Total {m(report.total_minor)}\n", style="bold")
            for s in report.per_kind:
                lines.append(f"  {s.key:<9} {hm(s.minutes * 60):>7} h  {m(s.amount_minor)}\n")
            billed = sorted({r.invoice for r in report.rows if r.invoice})
            if billed:
                lines.append(f"Billed under {display(', '.join(billed))}\n", style="green")
            if report.running:
                lines.append("A timer is running: counted up to now.\n", style="yellow")
        for p in report.packages:
            state = " (expired)" if p.expired else ""
            lines.append(
                f"Package #{p.id}: drawn {hm(p.drawn_seconds)} h, left {hm(p.left_seconds)} h"
                f"{state}\n"
            )
        if report.corrections:
            lines.append(
                f"{len(report.corrections)} correction(s) to billed time\n", style="bold yellow"
            )
        for line in turnaround_lines(report):
            lines.append(f"{line}\n", style="" if report.turnaround.available else "dim")
        totals.update(lines)
        self.query_one("#report-bars", Static).update(self._bars(snap.figures))

    def _bars(self, figures: list[reports.ClientFigures]) -> Text:
        out = Text()
        room = self.query_one("#report-main", VerticalScroll).scrollable_content_region.width
        width = max(4, min(BAR_WIDTH, room - 30))
        for label, pick in (("This week", "week_seconds"), ("This month", "month_seconds")):
            out.append(f"\n{label}\n", style="bold")
            top = max((getattr(f, pick) for f in figures), default=0)
            for f in figures:
                seconds = getattr(f, pick)
                out.append(f"  {display(f.name)[:16]:<16} ")
                out.append(bar(seconds, top, width).ljust(width), style="cyan")
                out.append(f" {hm(seconds):>6} h\n")
        with_packages = [f for f in figures if f.package_total > 0]
        if with_packages:
            out.append("\nPackage balance\n", style="bold")
            for f in with_packages:
                style = "red" if f.package_left * 5 < f.package_total else "green"
                out.append(f"  {display(f.name)[:16]:<16} ")
                out.append(bar(f.package_left, f.package_total, width).ljust(width), style=style)
                out.append(f" {hm(f.package_left)} of {hm(f.package_total)} h\n")
        return out

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Export and billing need a report; billing needs time in it; no month after this.
        A key that cannot run now stays in the footer, dimmed (None)."""
        report = self.snapshot.report if self.snapshot is not None else None
        if action == "export":
            ok = report is not None
        elif action == "mark_billed":
            ok = report is not None and not report.empty
        elif action == "month" and parameters and parameters[0] == 1:
            ok = self.month_offset < 0
        else:
            ok = True
        return True if ok else None

    def on_resize(self) -> None:
        self.call_after_refresh(self._draw)

    @on(OptionList.OptionHighlighted, "#report-clients")
    def _client_chosen(self, event: OptionList.OptionHighlighted) -> None:
        chosen = int(event.option.id or 0)
        if chosen != self.client_id:
            self.client_id = chosen
            self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        if self.snapshot is None or self.snapshot.report is None:
            self.notify("No report to export yet.", severity="warning")
            return
        report = self.snapshot.report

        def chosen(fmt: str | None) -> None:
            self._export(report, fmt)

        self.app.push_screen(FormatPicker(), chosen)

    @work(thread=True, group="reports-export", exit_on_error=False)
    def _export(self, report: Any, fmt: str | None) -> None:
        if fmt is None:
            return
        from vadesk.services.files import write_private

        try:
            data = reports.render(report, fmt, self.store.settings.locale)
            folder = self.export_dir or reports.export_folder()
            path = write_private(folder / reports.file_name(report, fmt), data)
        except (VadeskError, OSError) as error:
            self.post_message(self.Done(f"Not exported: {error}", "error"))
            return
        self.post_message(self.Done(f"Saved {path}"))

    def action_mark_billed(self) -> None:
        if self.snapshot is None or self.snapshot.report is None:
            return
        from vadesk.ui.screens.pickers import TextPrompt

        report = self.snapshot.report
        prompt = TextPrompt(f"Invoice number for {report.client}'s time this month")

        def answered(number: str | None) -> None:
            self._bill(report.client_id, number)

        self.app.push_screen(prompt, answered)

    @work(thread=True, group="reports-bill", exit_on_error=False)
    def _bill(self, client_id: int, number: str | None) -> None:
        if not number:
            return
        try:
            with self.store.write() as s:
                row = reports.mark_billed(
                    s,
                    client_id,
                    self.period(),
                    number,
                    self.tz,
                    user_id=self.store.user_id,
                    now=self.clock(),
                )
        except VadeskError as error:
            self.post_message(self.Done(str(error), "error"))
            return
        from vadesk.domain.report_format import money

        total = money(row.total_minor, row.currency, self.store.settings.locale)
        self.post_message(
            self.Done(f"Billed under {display(row.number)}: {row.entries} entries, {total}")
        )
        self.load()

    @on(Done)
    def _done(self, event: Done) -> None:
        # Messages quote client names and invoice numbers: plain text, never markup.
        self.notify(display(event.message), severity=event.severity, timeout=6, markup=False)  # type: ignore[arg-type]
