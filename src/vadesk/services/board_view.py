"""What the board shows, read in one session: the read model behind the board screen.

Importing this module does not import SQLAlchemy (the quick first frame builds a Snapshot
before the store opens); ``read_snapshot`` loads the services it needs when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from vadesk.services.rows import CardLine, LaneRow

if TYPE_CHECKING:
    from vadesk.services.clients import ClientRow
    from vadesk.services.quick import QuickBoard
    from vadesk.services.store import StoreLike
    from vadesk.services.timer import Figures

DEFAULT_ROWS = 60
"""Rows read per lane at least: a screenful and some, so scrolling a little reads nothing."""


@dataclass(frozen=True)
class Window:
    """A lane's card count and the rows ``offset`` .. ``offset + len(lines)`` of it."""

    count: int
    offset: int
    lines: list[CardLine]


@dataclass(frozen=True)
class Snapshot:
    """Everything the board shows, read in one session in a worker thread."""

    lanes: list[LaneRow]
    windows: dict[int, Window]
    running: frozenset[int]
    overdue: int
    clients: list[ClientRow]
    figures: Figures | None = None
    figures_client: int | None = None
    follow: tuple[int, int] | None = None
    """(lane id, index) of the card the cursor must follow, if any."""


def from_quick(quick: QuickBoard) -> Snapshot:
    """The quick first frame as a snapshot (no clients, no timer figures yet)."""
    windows = {k: Window(count, 0, lines) for k, (count, lines) in quick.windows.items()}
    return Snapshot(quick.lanes, windows, quick.running, quick.overdue, [])


def zone(store: StoreLike) -> tzinfo | None:
    """The user's time zone for days and weeks (None: the system's)."""
    from vadesk.services import timer

    return timer.local_zone(store.settings.timezone)


def read_snapshot(
    store: StoreLike,
    windows: dict[int, tuple[int, int]],
    follow: int | None,
    text: str,
    client_id: int | None,
    now: datetime,
    pane_client: int | None = None,
) -> Snapshot:
    """Counts and visible rows of every lane (and where ``follow`` is), in one read session.

    ``windows`` maps a lane id to the (offset, limit) its view wants; a lane holding
    ``follow`` is read around that card instead. ``text``/``client_id`` filter the cards;
    ``pane_client`` picks the client whose figures the timer pane shows.
    """
    from vadesk.services import clients, timer
    from vadesk.services.board_read import (
        index_in_lane,
        lane_counts,
        lane_window,
        overdue_count,
        running_card_ids,
    )
    from vadesk.services.lanes import list_lanes

    with store.read() as s:
        lanes = list_lanes(s)
        counts = lane_counts(s, text=text, client_id=client_id)
        focus: tuple[int, int] | None = None
        if follow is not None:
            focus = index_in_lane(s, follow, text=text, client_id=client_id)
        result: dict[int, Window] = {}
        for lane in lanes:
            count = counts.get(lane.id, 0)
            offset, limit = windows.get(lane.id, (0, DEFAULT_ROWS))
            limit = max(limit, DEFAULT_ROWS)
            if focus is not None and focus[0] == lane.id:
                offset = max(0, focus[1] - limit // 2)
            offset = max(0, min(offset, max(0, count - limit)))
            lines = lane_window(s, lane.id, offset, limit, text=text, client_id=client_id)
            result[lane.id] = Window(count, offset, lines)
        return Snapshot(
            lanes=lanes,
            windows=result,
            running=frozenset(running_card_ids(s)),
            overdue=overdue_count(s, now.astimezone(UTC)),
            clients=clients.list_clients(s),
            figures=timer.figures(s, store.user_id, now=now, tz=zone(store), client_id=pane_client),
            figures_client=pane_client,
            follow=focus,
        )
