"""Moving cards on a board grouped by client: where they go, on screen and in the database.

A grouped lane shows each client's cards together, clients in their priority order, cards
without a client last. A card never leaves its client's group: up and down step past the
next card of the same client, and a card moved to another lane or to the top lands at the
top of its group there (its rank becomes the lane's top, which is the group's top too).
"""

from __future__ import annotations

from vadesk.services.board_steps import Step
from vadesk.services.rows import CardLine
from vadesk.ui.widgets.lane_view import LaneView

UNASSIGNED = 1 << 30
"""Where cards without a client sort: after every client."""


def group_key(client_id: int | None, order: dict[int, int]) -> int:
    if client_id is None:
        return UNASSIGNED
    return order.get(client_id, UNASSIGNED - 1)


def step_within_group(view: LaneView, card: CardLine, delta: int) -> Step | None:
    """The write for shift+up/down in a grouped lane; None at the group's edge."""
    neighbour = view.row(view.cursor + (-1 if delta < 0 else 1))
    if neighbour is None or neighbour.client_id != card.client_id:
        return None
    where = "before_id" if delta < 0 else "after_id"
    return Step("move", card.id, {where: neighbour.id})


def group_start(view: LaneView, index: int, client_id: int | None) -> int:
    """The first index of the group holding ``index`` (as far as the loaded rows tell)."""
    while index > 0:
        above = view.row(index - 1)
        if above is None or above.client_id != client_id:
            break
        index -= 1
    return index


def top_of_group(view: LaneView, client_id: int | None, order: dict[int, int]) -> int | None:
    """Where a card of ``client_id`` moved to the top of its group in ``view`` shows.

    None when the loaded rows cannot tell (the read after the write shows it).
    """
    key = group_key(client_id, order)
    previous_loaded = True
    for index in range(view.count):
        row = view.row(index)
        if row is None:
            previous_loaded = False
            continue
        if group_key(row.client_id, order) >= key:
            return index if previous_loaded else None
        previous_loaded = True
    return view.count if previous_loaded else None


def remembered() -> bool:
    """Whether the board was grouped when last used (a plain file read, no database)."""
    from vadesk.services import preferences

    return preferences.load().group_by_client
