"""A lane of cards drawn with the line API: only the visible rows cost anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from vadesk.domain.turnaround import due_state, waiting_text
from vadesk.services.rows import CardLine
from vadesk.ui.safe import display, safe_colour


def _looks(rows: dict[int, CardLine], count: int, index: int) -> object:
    """What row ``index`` draws: a card, a placeholder (not loaded) or a blank (past the end)."""
    if index >= count:
        return "blank"
    row = rows.get(index)
    return row.looks if row is not None else None


KIND_ABBREV = {"admin": "adm", "creative": "cre", "call": "call", "purchase": "buy", "other": "oth"}


def format_due(due: datetime, now: datetime) -> str:
    """Short due text: "3h late", "in 2h", "Thu 17:00"."""
    delta = due - now
    if abs(delta) < timedelta(minutes=1):
        return "due now"
    if delta < timedelta(0):
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


class LaneView(ScrollView, can_focus=False):
    """The cards of one lane; the screen feeds rows, the lane draws and asks for more.

    Lanes never take focus: the board keeps focus on one container, so switching lanes does
    not rebuild the footer (a full layout pass, ~100 ms on a slow machine).
    """

    CARD_HEIGHT = 3
    COMPONENT_CLASSES = {
        "lane-view--cursor",
        "lane-view--cursor-blurred",
        "lane-view--meta",
        "lane-view--overdue",
        "lane-view--today",
        "lane-view--waiting",
        "lane-view--running",
        "lane-view--placeholder",
        "lane-view--group",
    }
    # No scrollbar: five of them re-rendered on every lane move doubled its cost; the lane
    # header shows where the cursor is instead ("Urgent (31/1250)"). The wheel still scrolls.
    DEFAULT_CSS = """
    LaneView { height: 1fr; scrollbar-size-vertical: 0; }
    """

    class WindowNeeded(Message):
        """Rows ``offset`` .. ``offset + limit`` are about to be visible but not loaded."""

        def __init__(self, lane: LaneView, offset: int, limit: int) -> None:
            super().__init__()
            self.lane = lane
            self.offset = offset
            self.limit = limit

    class CursorMoved(Message):
        """The cursor went to another card (the lane header shows its position)."""

        def __init__(self, lane: LaneView) -> None:
            super().__init__()
            self.lane = lane

    class Clicked(Message):
        """The user clicked card ``index`` of this lane."""

        def __init__(self, lane: LaneView, index: int) -> None:
            super().__init__()
            self.lane = lane
            self.index = index

    def __init__(self, lane_id: int, *, done: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lane_id = lane_id
        self.done = done
        """A Done lane: due times no longer matter there."""
        self.count = 0
        """How many cards the lane has (under the current filter)."""
        self.cursor = 0
        """Index of the selected card."""
        self.active = False
        """The lane the cursor is in (drawn with the bright cursor)."""
        self.running: frozenset[int] = frozenset()
        """Cards whose timer runs: marked on the board (set with ``set_context``)."""
        self.now = datetime.now(UTC)
        """The instant due times are measured against (set with ``set_context``)."""
        self.due_soon = timedelta(hours=4)
        """A card due within this long is drawn as due soon (the screen sets it from the
        due_soon_hours setting)."""
        self.grouped = False
        """Cards come grouped by client: each group's first card has the client's name over
        it, on the card's blank line (drawn first instead of last, so rows keep their height)."""
        self._loaded = False
        self._rows: dict[int, CardLine] = {}
        self._asked: tuple[int, int] | None = None
        self._styles: dict[str, Style] = {}
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(512)

    # ------------------------------------------------------------ data in

    def set_context(self, running: frozenset[int], now: datetime) -> None:
        """Running timers and the time due texts count from; repaints only what they change."""
        if running != self.running:
            changed = running ^ self.running
            self.running = running
            first, last = self.visible_range()
            for index in range(first, last):
                card = self._rows.get(index)
                if card is not None and card.id in changed:
                    self.refresh_cards(index, index + 1)
        # Due texts count minutes: a new minute repaints the lane, a new second nothing.
        if now.replace(second=0, microsecond=0) != self.now.replace(second=0, microsecond=0):
            self.now = now
            self.refresh()

    def set_data(self, count: int, offset: int, lines: list[CardLine]) -> None:
        """Replace everything known about the lane with a fresh window of rows.

        Repaints only the visible cards that look different (usually none: the snapshot that
        follows our own write shows what the optimistic update already drew).
        """
        rows = {offset + i: line for i, line in enumerate(lines)}
        self._asked = None
        if not self._loaded:
            self._loaded = True
            self.count, self._rows = count, rows
            self.cursor = max(0, min(self.cursor, count - 1))
            self._set_virtual_height(count * self.CARD_HEIGHT)
            self.refresh()
            self.call_after_refresh(self.ensure_rows)
            return
        old_rows, old_count, old_cursor = self._rows, self.count, self.cursor
        self.count, self._rows = count, rows
        self.cursor = max(0, min(self.cursor, count - 1))
        self._set_virtual_height(count * self.CARD_HEIGHT)
        first = int(self.scroll_offset.y) // self.CARD_HEIGHT
        for index in range(first, first + max(1, self.size.height // self.CARD_HEIGHT + 2)):
            if _looks(old_rows, old_count, index) != _looks(rows, count, index):
                self.refresh_cards(index, index + 1)
        if old_cursor != self.cursor:
            self.refresh_cards(old_cursor, old_cursor + 1)
            self.refresh_cards(self.cursor, self.cursor + 1)
        self.call_after_refresh(self.ensure_rows)

    def refresh_cards(self, first: int, last: int | None = None) -> None:
        """Repaint cards ``first`` .. ``last`` (default: to the bottom), visible part only.

        A whole-lane refresh re-renders every line through Textual's style pipeline; a lane
        move or cursor step changes only a few.
        """
        top = int(self.scroll_offset.y)
        height = self.size.height
        start = max(first * self.CARD_HEIGHT, top)
        end = top + height if last is None else min(last * self.CARD_HEIGHT, top + height)
        if end > start:
            self.refresh_lines(start, end - start)

    def _set_virtual_height(self, height: int) -> None:
        """Grow or shrink the scroll range, skipping the screen-wide layout when possible.

        Assigning ``virtual_size`` re-lays out the whole screen (and repaints it); when the
        scrollbar neither appears nor disappears, updating the scrollbar is all it needs.
        """
        new = Size(self.size.width, height)
        if new == self.virtual_size:
            return
        view = self.size.height
        scrolling = self.show_vertical_scrollbar and self.virtual_size.height > view
        if self.is_mounted and view and scrolling and height > view:
            self.set_reactive(LaneView.virtual_size, new)
            self._scroll_update(new)
        else:
            self.virtual_size = new

    def add_rows(self, offset: int, lines: list[CardLine]) -> None:
        for i, line in enumerate(lines):
            self._rows[offset + i] = line
        self._asked = None
        self.refresh_cards(offset, offset + len(lines))

    def forget_request(self) -> None:
        """The rows asked for were discarded: ask again if they are still needed."""
        self._asked = None
        self.call_after_refresh(self.ensure_rows)

    def take(self, index: int) -> CardLine | None:
        """Remove the card at ``index`` at once (the database follows in a worker)."""
        line = self._rows.get(index)
        if line is None:
            return None
        self._rows = {
            (i if i < index else i - 1): row for i, row in self._rows.items() if i != index
        }
        self.count -= 1
        self.cursor = max(0, min(self.cursor, self.count - 1))
        self._set_virtual_height(self.count * self.CARD_HEIGHT)
        self.refresh_cards(index)
        return line

    def put(self, index: int, line: CardLine) -> None:
        """Insert a card at ``index`` at once and put the cursor on it."""
        index = max(0, min(index, self.count))
        self._rows = {(i if i < index else i + 1): row for i, row in self._rows.items()}
        self._rows[index] = line
        self.count += 1
        self._set_virtual_height(self.count * self.CARD_HEIGHT)
        self.refresh_cards(index)
        self.move_cursor(index)

    @property
    def selected(self) -> CardLine | None:
        return self._rows.get(self.cursor) if self.count else None

    def row(self, index: int) -> CardLine | None:
        """The card at ``index`` in the lane, if its row is loaded."""
        return self._rows.get(index)

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
        old, self.cursor = self.cursor, max(0, min(index, self.count - 1))
        # Scrolling repaints the whole lane by itself; otherwise two cards change at most.
        self.scroll_to_region(
            Region(0, self.cursor * self.CARD_HEIGHT, 1, self.CARD_HEIGHT),
            animate=False,
            immediate=True,
        )
        if old != self.cursor:
            self.refresh_cards(old, old + 1)
            self.refresh_cards(self.cursor, self.cursor + 1)
            self.post_message(self.CursorMoved(self))
        self.ensure_rows()

    def page_size(self) -> int:
        return max(1, self.size.height // self.CARD_HEIGHT - 1)

    # ------------------------------------------------------------ events

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.ensure_rows()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, max(0, self.count) * self.CARD_HEIGHT)
        self.ensure_rows()

    def set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self.refresh_cards(self.cursor, self.cursor + 1)

    def on_click(self, event: Any) -> None:
        index = (int(self.scroll_offset.y) + event.y) // self.CARD_HEIGHT
        if index < self.count:
            self.post_message(self.Clicked(self, index))

    # ------------------------------------------------------------ drawing

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._line_cache.clear()

    def _style(self, name: str) -> Style:
        """Component styles, computed once per style change (they cost a CSS walk each)."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style if name == "base" else self.get_component_rich_style(name)
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        # Not size.width: a vertical scrollbar covers the last column (and the "…" there).
        width = self.scrollable_content_region.width
        index, sub = divmod(int(self.scroll_offset.y) + y, self.CARD_HEIGHT)
        card = self._rows.get(index)
        group = self._group_line(index, sub, card) if self.grouped else None
        if self.grouped:
            sub = (sub + 2) % 3  # blank (or the group's name), title, meta
        selected = index == self.cursor
        # Keyed by what the line shows, not where: cards that shift up or down hit the cache.
        key = (
            sub,
            width,
            index < self.count,
            selected,
            selected and self.active,
            card.looks if card else None,
            card is not None and card.id in self.running,
            self.now,
            group,
        )
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        if group is not None:
            look = self._style("lane-view--group")
            strip = render_group_line(group, width, self._style("base"), look)
        else:
            strip = self._render_card_line(width, index, sub, card, selected)
        self._line_cache[key] = strip
        return strip

    def set_grouped(self, grouped: bool) -> None:
        if grouped != self.grouped:
            self.grouped = grouped
            self.refresh()

    def _group_line(
        self, index: int, sub: int, card: CardLine | None
    ) -> tuple[str, str | None] | None:
        """(client name, colour) when line ``sub`` of card ``index`` is its group's header."""
        if sub != 0 or card is None or index >= self.count:
            return None
        above = self._rows.get(index - 1)
        if index > 0 and (above is None or above.client_id == card.client_id):
            return None  # not loaded yet: the window that brings it repaints this line
        return (card.client or "No client", card.client_colour if card.client else None)

    def _render_card_line(
        self, width: int, index: int, sub: int, card: CardLine | None, selected: bool
    ) -> Strip:
        base = self._style("base")
        if index >= self.count or sub == 2 or width <= 0:
            return Strip.blank(width, base)
        style = base
        if selected:
            name = "lane-view--cursor" if self.active else "lane-view--cursor-blurred"
            style = base + self._style(name)
        if card is None:
            parts = [("…" if sub == 0 else "", self._style("lane-view--placeholder"))]
        elif sub == 0:
            parts = self._title_parts(card)
        else:
            parts = self._meta_parts(card)
        colour = safe_colour(card.client_colour) if card else None
        bar = Style(color=colour) if colour else Style(dim=True)
        segments = [Segment("▌", style + bar)]
        room = width - 1
        for text, part_style in parts:
            if room <= 0:
                break
            length = cell_len(text)
            if length > room:
                text = set_cell_size(text, max(0, room - 1)) + "…"
                length = room
            segments.append(Segment(text, style + part_style))
            room -= length
        return Strip(segments).extend_cell_length(width, style).crop(0, width)

    def _title_parts(self, card: CardLine) -> list[tuple[str, Style]]:
        parts: list[tuple[str, Style]] = []
        if card.id in self.running:
            parts.append(("⏱ ", self._style("lane-view--running")))
        # Stored titles are cleaned on write; clean again in case another writer was careless.
        parts.append((display(card.title), _BOLD))
        return parts

    def _meta_parts(self, card: CardLine) -> list[tuple[str, Style]]:
        meta = self._style("lane-view--meta")
        items: list[tuple[str, Style]] = []
        # Due first: on a narrow lane it is what must survive truncation.
        if card.paused_since is not None and not self.done:
            # Waiting on the client: the clock is paused, so no due text counts down.
            items.append(
                (waiting_text(card.paused_since, self.now), self._style("lane-view--waiting"))
            )
        elif card.due_at is not None and not self.done:
            state = due_state(card.due_at, self.now, self.due_soon)
            due_style = {
                "overdue": self._style("lane-view--overdue"),
                "today": self._style("lane-view--today"),
            }.get(state, meta)
            items.append((format_due(card.due_at, self.now), due_style))
        if card.client:
            items.append((display(card.client), Style(color=safe_colour(card.client_colour))))
        items.append((KIND_ABBREV.get(card.kind, card.kind), meta))
        if card.checklist_total:
            items.append((f"☑{card.checklist_done}/{card.checklist_total}", meta))
        parts: list[tuple[str, Style]] = []
        for i, item in enumerate(items):
            if i:
                parts.append((" · ", meta))
            parts.append(item)
        return parts


_BOLD = Style(bold=True)


def render_group_line(
    group: tuple[str, str | None], width: int, base: Style, style: Style
) -> Strip:
    """``── Acme Bakery ────``: a client's name over its first card in a grouped lane."""
    name, colour = group
    colour = safe_colour(colour) if colour else None
    look = base + style + (Style(color=colour) if colour else Style())
    label = f"── {display(name)} "
    if cell_len(label) > width:
        label = set_cell_size(label, max(0, width - 1)) + "…" if width > 1 else ""
    label += "─" * max(0, width - cell_len(label))
    return Strip([Segment(label, look)]).crop(0, width)
