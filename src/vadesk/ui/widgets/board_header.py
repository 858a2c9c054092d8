"""The board's top line: today, what is overdue, the running timer, the active filter."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from vadesk.domain.durations import hms
from vadesk.domain.text import clean_title


class BoardHeader(Widget):
    """One line; the screen sets its facts and it repaints (never re-lays out) on a change."""

    DEFAULT_CSS = "BoardHeader { height: 1; }"

    today: reactive[date | None] = reactive(None, layout=False)
    """The local date shown (None before the screen sets it)."""
    overdue: reactive[int] = reactive(0, layout=False)
    """Cards past their due time outside Done."""
    due_soon: reactive[int] = reactive(0, layout=False)
    """Cards due within the due_soon_hours setting (their clocks running)."""
    running: reactive[tuple[str, int] | None] = reactive(None, layout=False)
    """Title of the timed card and its seconds so far, or None when no timer runs."""
    filtered: reactive[str] = reactive("", layout=False)
    """What the board is filtered by (``client: Acme, text: 'x'``), empty when it is not."""

    def render(self) -> Text:
        text = Text()
        text.append(" vadesk ", "bold reverse")
        if self.today is not None:
            text.append(f"  {self.today:%a %d %b %Y}  ")
        if self.overdue:
            text.append(f" {self.overdue} overdue ", "bold white on red")
        else:
            text.append(" nothing overdue ", "green")
        if self.due_soon:
            text.append(" ")
            text.append(f" {self.due_soon} due soon ", "bold black on dark_orange")
        if self.running is not None:
            title, seconds = self.running
            text.append(f"  ⏱ {hms(seconds)} {clean_title(title)[:30]} ", "bold")
        if self.filtered:
            text.append(f"   filtered ({self.filtered}) — Esc clears", "italic")
        return text
