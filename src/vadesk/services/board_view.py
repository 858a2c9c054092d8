"""What the board shows, read in one session: the read model behind the board screen.

Importing this module does not import SQLAlchemy (the quick first frame builds a Snapshot
before the store opens); ``read_snapshot`` loads the services it needs when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from vadesk.services.rows import CardLine, LaneRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    grouped: bool = False
    """Lanes are grouped by client (each window then starts a row early: see read_window)."""
    client_order: dict[int, int] = field(default_factory=dict)
    """Client id -> place in the clients' priority order (read when grouped)."""
    due_soon: int = 0
    """Cards due within the due_soon_hours setting (clock running, outside Done)."""


def from_quick(quick: QuickBoard) -> Snapshot:
    """The quick first frame as a snapshot (no clients, no timer figures yet)."""
    windows = {k: Window(count, 0, lines) for k, (count, lines) in quick.windows.items()}
    return Snapshot(quick.lanes, windows, quick.running, quick.overdue, [], grouped=quick.grouped)


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
    *,
    grouped: bool = False,
) -> Snapshot:
    """Counts and visible rows of every lane (and where ``follow`` is), in one read session.

    ``windows`` maps a lane id to the (offset, limit) its view wants; a lane holding
    ``follow`` is read around that card instead. ``text``/``client_id`` filter the cards;
    ``pane_client`` picks the client whose figures the timer pane shows; ``grouped`` orders
    each lane by client in the clients' priority order.
    """
    from vadesk.services import clients, timer
    from vadesk.services.board_groups import client_order, index_in_grouped_lane
    from vadesk.services.board_read import (
        index_in_lane,
        lane_counts,
        running_card_ids,
    )
    from vadesk.services.lanes import list_lanes
    from vadesk.services.turnaround import due_counts

    with store.read() as s:
        lanes = list_lanes(s)
        counts = lane_counts(s, text=text, client_id=client_id)
        focus: tuple[int, int] | None = None
        if follow is not None:
            where = index_in_grouped_lane if grouped else index_in_lane
            focus = where(s, follow, text=text, client_id=client_id)
        result: dict[int, Window] = {}
        for lane in lanes:
            count = counts.get(lane.id, 0)
            offset, limit = windows.get(lane.id, (0, DEFAULT_ROWS))
            limit = max(limit, DEFAULT_ROWS)
            if focus is not None and focus[0] == lane.id:
                offset = max(0, focus[1] - limit // 2)
            offset = max(0, min(offset, max(0, count - limit)))
            result[lane.id] = read_window(
                s, lane.id, count, offset, limit, text=text, client_id=client_id, grouped=grouped
            )
        soon = timedelta(hours=store.settings.due_soon_hours)
        overdue, due_soon = due_counts(s, now, soon)  # one pass for both header counts
        return Snapshot(
            lanes=lanes,
            windows=result,
            running=frozenset(running_card_ids(s)),
            overdue=overdue,
            clients=clients.list_clients(s),
            figures=timer.figures(s, store.user_id, now=now, tz=zone(store), client_id=pane_client),
            figures_client=pane_client,
            follow=focus,
            grouped=grouped,
            client_order=client_order(s) if grouped else {},
            due_soon=due_soon,
        )


def read_window(
    session: Session,
    lane_id: int,
    count: int,
    offset: int,
    limit: int,
    *,
    text: str = "",
    client_id: int | None = None,
    grouped: bool = False,
) -> Window:
    """Rows ``offset`` .. ``offset + limit`` of a lane; grouped, from one row earlier.

    A grouped lane draws a client's name over the first card of each client, which it tells
    by the row above: the window brings that row along.
    """
    from vadesk.services.board_read import lane_window

    if grouped and offset > 0:
        offset, limit = offset - 1, limit + 1
    lines = lane_window(
        session, lane_id, offset, limit, text=text, client_id=client_id, grouped=grouped
    )
    return Window(count, offset, lines)
