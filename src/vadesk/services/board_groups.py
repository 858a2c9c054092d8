"""A lane grouped by client: the clients' priority order first, then each card's own rank.

Cards without a client come last. A card's rank is still its place within the whole lane,
so a grouped lane shows each client's cards in the order the ungrouped lane has them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from vadesk.db.models import Card, Client
from vadesk.services.ordering import ahead_of


def card_order(grouped: bool) -> tuple[Any, ...]:
    """ORDER BY terms of a lane (the query must outer-join Client on the card's client)."""
    if not grouped:
        return (Card.rank, Card.id)
    # The flag, not NULLS LAST: SQLite and PostgreSQL sort NULL at opposite ends.
    unassigned = case((Card.client_id.is_(None), 1), else_=0)
    return (unassigned, Client.rank, Client.id, Card.rank, Card.id)


def index_in_grouped_lane(
    session: Session, card_id: int, *, text: str = "", client_id: int | None = None
) -> tuple[int, int] | None:
    """(lane id, 0-based index in the grouped lane among visible cards) of a card, or None."""
    from vadesk.services.board_read import _filtered

    card = session.get(Card, card_id)
    if card is None or card.archived:
        return None
    same_group_ahead = ahead_of(card.rank, card.id)
    if card.client_id is None:
        ahead = or_(Card.client_id.is_not(None), and_(Card.client_id.is_(None), same_group_ahead))
    else:
        own = session.get(Client, card.client_id)
        assert own is not None  # a foreign key
        ahead = or_(
            and_(
                Card.client_id.is_not(None),
                or_(Client.rank < own.rank, and_(Client.rank == own.rank, Client.id < own.id)),
            ),
            and_(Card.client_id == own.id, same_group_ahead),
        )
    stmt = (
        select(func.count(Card.id))
        .outerjoin(Client, Client.id == Card.client_id)
        .where(Card.lane_id == card.lane_id, Card.archived.is_(False), ahead)
    )
    return card.lane_id, session.scalar(_filtered(stmt, text, client_id)) or 0


def client_order(session: Session) -> dict[int, int]:
    """Client id -> place in the priority order (0 = most important), archived ones too."""
    ids = session.scalars(select(Client.id).order_by(Client.rank, Client.id))
    return {client_id: place for place, client_id in enumerate(ids)}


def open_cards_by_client(session: Session) -> dict[int, int]:
    """Client id -> cards on the board outside Done (the clients screen's "Open")."""
    from vadesk.db.models import Lane

    stmt = (
        select(Card.client_id, func.count(Card.id))
        .join(Lane, Lane.id == Card.lane_id)
        .where(Card.archived.is_(False), Card.client_id.is_not(None), Lane.role != "done")
        .group_by(Card.client_id)
    )
    return {client_id: count for client_id, count in session.execute(stmt) if client_id}
