"""The timer pane: what runs, for how long, today's and the week's totals, package balance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from vadesk.domain.durations import hm, hms
from vadesk.domain.text import clean_title

if TYPE_CHECKING:
    from vadesk.services.timer import Figures


class TimerPane(Widget):
    """Two lines docked under the board; the elapsed time ticks every second."""

    DEFAULT_CSS = """
    TimerPane {
        height: 2; background: $panel; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    TimerPane.-running { background: $success 25%; }
    """

    figures: reactive[Figures | None] = reactive(None, layout=False)
    """Totals as last computed by the screen (in a worker, on each change)."""
    now: reactive[datetime] = reactive(lambda: datetime.now(UTC), layout=False)
    """The current instant; the screen sets it every second."""
    locale: str = "en_US"
    """How amounts are written (the ``locale`` setting); the screen may set it."""

    def watch_figures(self, figures: Figures | None) -> None:
        self.set_class(bool(figures and figures.running), "-running")

    def render(self) -> Text:
        figures = self.figures
        if figures is None:
            return Text("Timer: loading…")
        current = figures.at(self.now) if figures.computed_at <= self.now else figures
        text = Text(no_wrap=True, overflow="ellipsis")
        if current.running is not None:
            run = current.running
            text.append("⏱ ", "bold")
            text.append(hms(run.seconds(self.now)), "bold")
            text.append(f"  {clean_title(run.card_title)}")
            if run.client:
                text.append(f" — {clean_title(run.client)}", "italic")
            text.append("   space stops", "dim")
        else:
            text.append("No timer running", "dim")
            text.append("   space starts one on the selected card", "dim")
        text.append("\n")
        text.append_text(self._totals(current))
        return text

    def _totals(self, current: Figures) -> Text:
        """Line two, fitted to the width: less useful parts go first, the package balance last.

        Each part is (drop order, text, style); 0 is never dropped.
        """
        parts: list[tuple[int, str, str]] = [
            (0, f"Today {hm(current.today)}", ""),
            (3, f" · Week {hm(current.week)}", ""),
            (4, f" · Month {hm(current.month)}", ""),
        ]
        if current.client:
            parts.append(
                (2, f"   {clean_title(current.client)}: today {hm(current.client_today)}", "")
            )
            if current.currency:
                from vadesk.domain.report_format import money  # Babel: not before the first frame

                today = money(current.client_today_minor, current.currency, self.locale)
                parts.append((6, f" {today}", ""))
            parts.append((5, f" · week {hm(current.client_week)}", ""))
            if current.currency:
                from vadesk.domain.report_format import money

                week = money(current.client_week_minor, current.currency, self.locale)
                parts.append((7, f" {week}", ""))
            if current.package_total:
                style = {"low": "bold yellow", "exhausted": "bold red"}.get(
                    current.package_level, ""
                )
                balance = f"{hm(current.package_left)} of {hm(current.package_total)} left"
                parts.append((1, "   package ", ""))
                parts.append((0, balance, style))
        width = self.content_size.width or 10_000
        for limit in (9, 5, 4, 3, 2, 1, 0):
            kept = [p for p in parts if p[0] <= limit]
            if sum(len(t) for _, t, _ in kept) <= width or limit == 0:
                break
        line = Text()
        for _, part, style in kept:
            line.append(part, style)
        return line
