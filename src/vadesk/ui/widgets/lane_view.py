"""A lane of cards drawn with the line API: only the visible rows cost anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from vadesk.domain.text import clean_title
from vadesk.domain.turnaround import due_state
from vadesk.services.board import CardLine

KIND_ABBREV = {"admin": "adm", "creative": "cre", "call": "call", "purchase": "buy", "other": "oth"}


def format_due(due: datetime, now: datetime) -> str:
    """Short due text: "3h late", "in 2h", "Thu 17:00"."""
    delta = due - now
    if delta <= timedelta(0):
        late = -delta
        if late < timedelta(hours=1):
            return f"{max(1, int(late.total_seconds() // 60))}m late"
        if late < timedelta(days=2):
            return f"{int(late.total_seconds() // 3600)}h late"
        return f"{late.days}d late"
    if delta < timedelta(hours=1):
        return f"in {max(1, int(delta.total_seconds() // 60))}m"
    if delta < timedelta(hours=24):
        return f"in {int(delta.total_seconds() // 3600)}h"
    return due.astimezone().strftime("%a %H:%M")


class LaneView(ScrollView, can_focus=True):
    """The cards of one lane; the screen feeds rows, the lane draws and asks for more."""

    CARD_HEIGHT = 3
    COMPONENT_CLASSES = {
        "lane-view--cursor",
        "lane-view--cursor-blurred",
        "lane-view--meta",
        "lane-view--overdue",
        "lane-view--today",
        "lane-view--running",
        "lane-view--placeholder",
    }
    DEFAULT_CSS = """
    LaneView { height: 1fr; scrollbar-size-vertical: 1; }
    """

    class WindowNeeded(Message):
        """Rows ``offset`` .. ``offset + limit`` are about to be visible but not loaded."""

        def __init__(self, lane: LaneView, offset: int, limit: int) -> None:
            super().__init__()
            self.lane = lane
            self.offset = offset
            self.limit = limit

    class Focused(Message):
        """The lane got focus (by Tab or a click)."""

        def __init__(self, lane: LaneView) -> None:
            super().__init__()
            self.lane = lane

    def __init__(self, lane_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lane_id = lane_id
        self.count = 0
        """How many cards the lane has (under the current filter)."""
        self.cursor = 0
        """Index of the selected card."""
        self.running: frozenset[int] = frozenset()
        """Cards whose timer runs: marked on the board."""
        self.now = datetime.now(UTC)
        """The instant due times are measured against (set by the screen each minute)."""
        self._rows: dict[int, CardLine] = {}
        self._asked: tuple[int, int] | None = None

    # ------------------------------------------------------------ data in

    def set_data(self, count: int, offset: int, lines: list[CardLine]) -> None:
        """Replace everything known about the lane with a fresh window of rows."""
        self.count = count
        self._rows = {offset + i: line for i, line in enumerate(lines)}
        self._asked = None
        self.cursor = max(0, min(self.cursor, count - 1))
        self.virtual_size = Size(self.size.width, count * self.CARD_HEIGHT)
        self.refresh()
        self.call_after_refresh(self.ensure_rows)

    def add_rows(self, offset: int, lines: list[CardLine]) -> None:
        for i, line in enumerate(lines):
            self._rows[offset + i] = line
        self._asked = None
        self.refresh()

    @property
    def selected(self) -> CardLine | None:
        return self._rows.get(self.cursor) if self.count else None

    def index_of(self, card_id: int) -> int | None:
        return next((i for i, line in self._rows.items() if line.id == card_id), None)

    def visible_range(self) -> tuple[int, int]:
        first = int(self.scroll_offset.y) // self.CARD_HEIGHT
        rows = max(1, self.size.height // self.CARD_HEIGHT + 2)
        return first, min(self.count, first + rows)

    def wanted_window(self) -> tuple[int, int]:
        """A window around what is visible and the cursor, a screen of margin either side."""
        first, last = self.visible_range()
        page = max(10, last - first)
        start = max(0, min(first, self.cursor) - page)
        end = min(self.count, max(last, self.cursor + 1) + page)
        return start, max(0, end - start)

    def ensure_rows(self) -> None:
        first, last = self.visible_range()
        first, last = min(first, self.cursor), max(last, min(self.count, self.cursor + 1))
        if all(i in self._rows for i in range(first, last)):
            return
        window = self.wanted_window()
        if self._asked != window:
            self._asked = window
            self.post_message(self.WindowNeeded(self, *window))

    # ------------------------------------------------------------ cursor

    def move_cursor(self, index: int) -> None:
        if not self.count:
            self.cursor = 0
            self.refresh()
            return
        self.cursor = max(0, min(index, self.count - 1))
        self.scroll_to_region(
            Region(0, self.cursor * self.CARD_HEIGHT, 1, self.CARD_HEIGHT),
            animate=False,
            immediate=True,
        )
        self.refresh()
        self.ensure_rows()

    def page_size(self) -> int:
        return max(1, self.size.height // self.CARD_HEIGHT - 1)

    # ------------------------------------------------------------ events

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.ensure_rows()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.count * self.CARD_HEIGHT)
        self.ensure_rows()

    def on_focus(self) -> None:
        self.refresh()
        self.post_message(self.Focused(self))

    def on_blur(self) -> None:
        self.refresh()

    # ------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        line_no = int(self.scroll_offset.y) + y
        index, sub = divmod(line_no, self.CARD_HEIGHT)
        if index >= self.count or sub == 2 or width <= 0:
            return Strip.blank(width, base)
        card = self._rows.get(index)
        selected = index == self.cursor
        style = base
        if selected:
            name = "lane-view--cursor" if self.has_focus else "lane-view--cursor-blurred"
            style = base + self.get_component_rich_style(name)
        if card is None:
            text = Text(
                "…" if sub == 0 else "",
                style=self.get_component_rich_style("lane-view--placeholder"),
            )
        elif sub == 0:
            text = self._title_line(card)
        else:
            text = self._meta_line(card)
        bar_colour = card.client_colour if card and card.client_colour else None
        bar = Segment("▌", Style(color=bar_colour) if bar_colour else Style(dim=True))
        text.truncate(width - 1, overflow="ellipsis")
        segments = [bar, *text.render(self.app.console)]
        strip = Strip(segments).apply_style(style)
        return strip.extend_cell_length(width, style).crop(0, width)

    def _title_line(self, card: CardLine) -> Text:
        text = Text(no_wrap=True, end="")
        if card.id in self.running:
            text.append("⏱ ", self.get_component_rich_style("lane-view--running"))
        # Stored titles are cleaned on write; clean again in case another writer was careless.
        text.append(clean_title(card.title), Style(bold=True))
        return text

    def _meta_line(self, card: CardLine) -> Text:
        meta = self.get_component_rich_style("lane-view--meta")
        text = Text(no_wrap=True, end="")
        parts: list[tuple[str, Style]] = []
        if card.client:
            parts.append((clean_title(card.client), Style(color=card.client_colour or None)))
        parts.append((KIND_ABBREV.get(card.kind, card.kind), meta))
        if card.due_at is not None:
            state = due_state(card.due_at, self.now)
            due_style = {
                "overdue": self.get_component_rich_style("lane-view--overdue"),
                "today": self.get_component_rich_style("lane-view--today"),
            }.get(state, meta)
            parts.append((format_due(card.due_at, self.now), due_style))
        if card.checklist_total:
            parts.append((f"☑{card.checklist_done}/{card.checklist_total}", meta))
        for i, (part, part_style) in enumerate(parts):
            if i:
                text.append(" · ", meta)
            text.append(part, part_style)
        return text
