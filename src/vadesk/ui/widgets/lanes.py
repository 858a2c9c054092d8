"""The board's lanes: one column per lane, a header line over a line-API LaneView."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget

from vadesk.domain.text import display
from vadesk.services.rows import LaneRow
from vadesk.ui.widgets.lane_view import LaneView


class Line(Widget):
    """One line of text that repaints without a layout pass (Static.update re-lays out)."""

    DEFAULT_CSS = "Line { height: 1; }"
    text: reactive[Text] = reactive(Text, layout=False)
    """What the line shows."""

    def render(self) -> Text:
        return self.text


class Lanes(Horizontal, can_focus=True):
    """Holds the board's focus; the screen's bindings act on its current lane."""


class LaneColumn(Vertical):
    """A lane's header and its cards."""

    def __init__(self, lane: LaneRow) -> None:
        super().__init__(id=f"lane-{lane.id}", classes="lane-column")
        self.lane = lane
        self.header = Line(classes="lane-header")
        self.view = LaneView(lane.id, done=lane.role == "done", id=f"lane-view-{lane.id}")
        self.current = False
        """The cursor's lane: its header is highlighted."""
        self._label: tuple[str, bool] = ("", False)
        self._header_parts = ("", "", "")
        """(before, lane name, after) of the header: a narrow column shortens the name only."""

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.view

    def set_header(
        self, lane: LaneRow, count: int, narrow: bool, filtered: bool, position: int | None = None
    ) -> None:
        """``Urgent (12)``; the cursor's lane says where it is: ``Urgent (3/12)``."""
        self.lane = lane
        where = f"{position}/{count}" if position is not None and count else f"{count}"
        name = display(lane.name)  # stored text: another tool may have written escapes
        after = f" ({where})" if not filtered else f" ({where} shown)"
        self._header_parts = ("◀ " if narrow else "", name, after + (" ▶" if narrow else ""))
        self._show_header()

    def on_resize(self) -> None:
        self._show_header()

    def _show_header(self) -> None:
        before, name, after = self._header_parts
        room = self.header.size.width - cell_len(before) - cell_len(after)
        if self.header.size.width and cell_len(name) > room:
            name = set_cell_size(name, max(room - 1, 0)) + "…" if room > 1 else ""
        label = f"{before}{name}{after}"
        key = (label, self.current)
        if key != self._label:
            self._label = key
            style = "bold reverse" if self.current else "bold"
            self.header.text = Text(label, style=style)
