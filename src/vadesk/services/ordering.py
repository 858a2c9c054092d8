"""Order within a lane: ranks, neighbours, positions, and moving cards.

A lane's active cards are ordered by (rank, id): equal ranks (two writers ranking at once)
fall back to the id. ``ahead_of`` and ``neighbours`` are the one place the "next to"
comparison in that order is written; moves, undo placements and positions all use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from vadesk.db.models import Card
from vadesk.domain.clock import utcnow
from vadesk.domain.ranking import rank_between, ranks_between
from vadesk.errors import InvalidInputError, NotFoundError
from vadesk.services.card_access import load_for_write, log_activity
from vadesk.services.lanes import get_lane

Position = Literal["top", "bottom"]
Direction = Literal["above", "below"]


@dataclass(frozen=True)
class Moved:
    """Where a card landed: enough for the board to follow it without a reload."""

    id: int
    lane_id: int
    lane: str
    rank: str
    version: int


@dataclass(frozen=True)
class Placement:
    """Where a card sits, by its neighbours: enough to put it back after a move."""

    lane_id: int
    above_id: int | None
    below_id: int | None


class Neighbour(NamedTuple):
    id: int
    rank: str


def ahead_of(rank: str, card_id: int) -> ColumnElement[bool]:
    """Cards above (``rank``, ``card_id``) in lane order: a lower rank, or equal and a lower id."""
    return or_(Card.rank < rank, and_(Card.rank == rank, Card.id < card_id))


def _behind(rank: str, card_id: int) -> ColumnElement[bool]:
    return or_(Card.rank > rank, and_(Card.rank == rank, Card.id > card_id))


def neighbours(
    session: Session,
    lane_id: int,
    rank: str,
    card_id: int,
    direction: Direction,
    *,
    limit: int = 1,
    exclude: int | None = None,
) -> list[Neighbour]:
    """Up to ``limit`` active cards of the lane next to (``rank``, ``card_id``), nearest first.

    ``above`` walks towards the top, ``below`` towards the bottom; ``exclude`` skips a card
    (the one being moved, when the position is another card's). Empty at the lane's edge.
    """
    if direction == "above":
        where, order = ahead_of(rank, card_id), (Card.rank.desc(), Card.id.desc())
    else:
        where, order = _behind(rank, card_id), (Card.rank.asc(), Card.id.asc())
    stmt = select(Card.id, Card.rank).where(
        Card.lane_id == lane_id, Card.archived.is_(False), where
    )
    if exclude is not None:
        stmt = stmt.where(Card.id != exclude)
    return [Neighbour(i, r) for i, r in session.execute(stmt.order_by(*order).limit(limit))]


def position_in_lane(session: Session, card: Card) -> int:
    """1-based position among the lane's cards of the same archived state."""
    ahead = session.scalar(
        select(func.count(Card.id)).where(
            Card.lane_id == card.lane_id,
            Card.archived.is_(card.archived),
            ahead_of(card.rank, card.id),
        )
    )
    return (ahead or 0) + 1


def edge_rank(session: Session, lane_id: int, position: Position, exclude: int | None) -> str:
    """A rank above the lane's first card (``top``) or below its last (``bottom``)."""
    order = (Card.rank, Card.id) if position == "top" else (Card.rank.desc(), Card.id.desc())
    stmt = select(Card.rank).where(Card.lane_id == lane_id, Card.archived.is_(False))
    if exclude is not None:
        stmt = stmt.where(Card.id != exclude)
    edge = session.scalar(stmt.order_by(*order).limit(1))
    return rank_between(None, edge) if position == "top" else rank_between(edge, None)


def _rank_next_to(
    session: Session, anchor_id: int, side: Literal["before", "after"], moving: int
) -> tuple[int, str]:
    anchor = session.get(Card, anchor_id)
    if anchor is None or anchor.archived:
        raise NotFoundError(f"No card #{anchor_id} on the board to move next to.")
    if anchor_id == moving:
        raise InvalidInputError("A card cannot be moved next to itself.")
    direction: Direction = "above" if side == "before" else "below"
    near = neighbours(session, anchor.lane_id, anchor.rank, anchor.id, direction, exclude=moving)
    if near and near[0].rank == anchor.rank:
        # Equal ranks (two writers ranked at once) leave no room between them: give the run
        # distinct ranks in its (rank, id) order first, so the card lands where it was put.
        _spread_equal_ranks(session, anchor.lane_id, anchor.rank)
        near = neighbours(
            session, anchor.lane_id, anchor.rank, anchor.id, direction, exclude=moving
        )
    other = near[0].rank if near else None
    if side == "before":
        return anchor.lane_id, rank_between(other, anchor.rank)
    return anchor.lane_id, rank_between(anchor.rank, other)


def _spread_equal_ranks(session: Session, lane_id: int, rank: str) -> None:
    run = list(
        session.scalars(
            select(Card)
            .where(Card.lane_id == lane_id, Card.archived.is_(False), Card.rank == rank)
            .order_by(Card.id)
        )
    )
    lane_cards = select(Card.rank).where(Card.lane_id == lane_id, Card.archived.is_(False))
    lower = session.scalar(lane_cards.where(Card.rank < rank).order_by(Card.rank.desc()).limit(1))
    upper = session.scalar(lane_cards.where(Card.rank > rank).order_by(Card.rank).limit(1))
    for card, fresh in zip(run, ranks_between(lower, upper, len(run)), strict=True):
        card.rank = fresh
    session.flush()


def move_card(
    session: Session,
    card_id: int,
    *,
    lane_id: int | None = None,
    position: Position | None = None,
    before_id: int | None = None,
    after_id: int | None = None,
    expected_version: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Moved:
    """Move a card to a lane (top or bottom) or next to another card. Writes one card row."""
    now = now or utcnow()
    if sum(x is not None for x in (position, before_id, after_id)) > 1:
        raise InvalidInputError("Give only one of top, bottom, before or after.")
    card = load_for_write(session, card_id, expected_version)
    from_lane = card.lane_id
    if before_id is not None or after_id is not None:
        anchor = before_id if before_id is not None else after_id
        assert anchor is not None
        anchor_lane = session.scalar(select(Card.lane_id).where(Card.id == anchor))
        if anchor_lane is None:
            raise NotFoundError(f"No card #{anchor} on the board to move next to.")
        lane = get_lane(session, anchor_lane, lock=True)
        target_lane, rank = _rank_next_to(
            session, anchor, "before" if before_id is not None else "after", card_id
        )
        if lane_id is not None and lane_id != target_lane:
            raise InvalidInputError(f"Card #{anchor} is not in that lane.")
    else:
        target_lane = lane_id if lane_id is not None else card.lane_id
        lane = get_lane(session, target_lane, lock=True)
        rank = edge_rank(session, target_lane, position or "bottom", card_id)
    card.lane_id = target_lane
    card.rank = rank
    card.updated_at = now
    if target_lane != from_lane:
        card.completed_at = now if lane.role == "done" else None
    session.flush()
    log_activity(session, card_id, "moved", user_id, now, from_lane=from_lane, to_lane=target_lane)
    if target_lane != from_lane:
        from vadesk.services.turnaround import sync_clock

        # Into or out of a waiting lane (or into Done): the turnaround clock pauses or resumes.
        if sync_clock(session, card, lane, by="lane", user_id=user_id, now=now):
            session.flush()
    return Moved(card.id, lane.id, lane.name, rank, card.version)


def move_step(
    session: Session,
    card_id: int,
    steps: int,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Moved:
    """Move a card ``steps`` places up (negative) or down within its lane."""
    card = load_for_write(session, card_id, expected_version)
    direction: Direction = "above" if steps < 0 else "below"
    passed = neighbours(session, card.lane_id, card.rank, card_id, direction, limit=abs(steps))
    if not passed:
        lane = get_lane(session, card.lane_id)
        return Moved(card.id, lane.id, lane.name, card.rank, card.version)
    # The card goes past the last card it passes: before it going up, after it going down.
    last = passed[-1].id
    return move_card(
        session,
        card_id,
        before_id=last if steps < 0 else None,
        after_id=last if steps > 0 else None,
        expected_version=expected_version,
        user_id=user_id,
        now=now,
    )


def placement_of(session: Session, card_id: int) -> Placement:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFoundError(f"No card #{card_id}.")
    above = neighbours(session, card.lane_id, card.rank, card_id, "above")
    below = neighbours(session, card.lane_id, card.rank, card_id, "below")
    return Placement(card.lane_id, above[0].id if above else None, below[0].id if below else None)


def restore_placement(
    session: Session,
    card_id: int,
    placement: Placement,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Moved:
    """Put a card back between its old neighbours, or as near as what is left allows."""

    def in_lane(other: int | None) -> bool:
        if other is None:
            return False
        row = session.execute(
            select(Card.lane_id, Card.archived).where(Card.id == other)
        ).one_or_none()
        return row is not None and row[0] == placement.lane_id and not row[1]

    if in_lane(placement.below_id):
        return move_card(session, card_id, before_id=placement.below_id, user_id=user_id, now=now)
    if in_lane(placement.above_id):
        return move_card(session, card_id, after_id=placement.above_id, user_id=user_id, now=now)
    where: Position = "top" if placement.above_id is None else "bottom"
    return move_card(
        session, card_id, lane_id=placement.lane_id, position=where, user_id=user_id, now=now
    )
