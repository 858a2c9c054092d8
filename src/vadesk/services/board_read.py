"""Reading the board: lane windows and counts, filters, card lists and searches.

``board_view.read_snapshot`` assembles what the board screen shows from these; the CLI's
``card list`` and the palette's card search read here too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from vadesk.db.models import Card, ChecklistItem, Client, Lane, TimeEntry
from vadesk.services.cards import CardRow, card_columns, card_row
from vadesk.services.ordering import ahead_of
from vadesk.services.rows import CardLine


def list_cards(
    session: Session,
    *,
    lane_id: int | None = None,
    client_id: int | None = None,
    archived: bool = False,
) -> list[CardRow]:
    """Cards in board order: lane by lane, top to bottom, with 1-based positions."""
    stmt = (
        select(*card_columns())
        .join(Lane, Lane.id == Card.lane_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(Card.archived.is_(archived))
        .order_by(Lane.position, Lane.id, Card.rank, Card.id)
    )
    if lane_id is not None:
        stmt = stmt.where(Card.lane_id == lane_id)
    result: list[CardRow] = []
    positions: dict[int, int] = {}
    for card, lane_name, client_name in session.execute(stmt):
        # Positions count every card of the lane, whatever the client filter hides.
        positions[card.lane_id] = positions.get(card.lane_id, 0) + 1
        if client_id is None or card.client_id == client_id:
            result.append(card_row(card, lane_name, client_name, positions[card.lane_id]))
    return result


def iter_card_json(
    session: Session,
    *,
    lane_id: int | None = None,
    client_id: int | None = None,
    archived: bool = False,
    limit: int | None = None,
    offset: int = 0,
    archived_clients: bool = False,
) -> Iterator[dict[str, Any]]:
    """``list_cards`` as ``CardRow.as_json()`` dicts, one at a time (services/cardlist.py)."""
    from vadesk.services.cardlist import card_json

    connection = session.connection().execution_options(yield_per=2000)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    def execute(sql: str, params: Sequence[Any]) -> Any:
        return connection.exec_driver_sql(sql.format(p=mark), tuple(params))

    return card_json(
        execute,
        lane_id=lane_id,
        client_id=client_id,
        archived=archived,
        limit=limit,
        offset=offset,
        archived_clients=archived_clients,
    )


def checklist_counts_subquery() -> Any:
    return (
        select(
            ChecklistItem.card_id.label("card_id"),
            func.count(ChecklistItem.id).label("total"),
            func.sum(case((ChecklistItem.done.is_(True), 1), else_=0)).label("done"),
        )
        .group_by(ChecklistItem.card_id)
        .subquery()
    )


def lane_window(
    session: Session,
    lane_id: int,
    offset: int,
    limit: int,
    *,
    text: str = "",
    client_id: int | None = None,
    grouped: bool = False,
) -> list[CardLine]:
    """One screenful of a lane in order, optionally filtered: what the board draws.

    ``grouped``: by client in the clients' priority order first (see board_groups).
    """
    from vadesk.services.board_groups import card_order

    counts = checklist_counts_subquery()
    stmt = (
        select(
            Card.id,
            Card.rank,
            Card.title,
            Client.name,
            Client.colour,
            Card.kind,
            Card.due_at,
            func.coalesce(counts.c.done, 0),
            func.coalesce(counts.c.total, 0),
            Card.version,
            Card.client_id,
            Card.waiting_since,
        )
        .outerjoin(Client, Client.id == Card.client_id)
        .outerjoin(counts, counts.c.card_id == Card.id)
        .where(Card.lane_id == lane_id, Card.archived.is_(False))
        .order_by(*card_order(grouped))
        .offset(offset)
        .limit(limit)
    )
    stmt = _filtered(stmt, text, client_id)
    return [CardLine(*row) for row in session.execute(stmt)]


def lane_counts(
    session: Session, *, text: str = "", client_id: int | None = None
) -> dict[int, int]:
    stmt = (
        select(Card.lane_id, func.count(Card.id))
        .outerjoin(Client, Client.id == Card.client_id)
        .where(Card.archived.is_(False))
    )
    stmt = _filtered(stmt, text, client_id).group_by(Card.lane_id)
    return {lane_id: count for lane_id, count in session.execute(stmt)}


def _filtered(stmt: Any, text: str, client_id: int | None) -> Any:
    """``stmt`` (which joins Client) narrowed to a client and a text; without a client,
    cards of archived clients are left out (they come back when the client does)."""
    if client_id is not None:
        stmt = stmt.where(Card.client_id == client_id)
    else:
        stmt = stmt.where(Client.archived.is_not(True))
    if text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = "%" + escaped + "%"
        stmt = stmt.where(
            or_(
                func.lower(Card.title).like(pattern, escape="\\"),
                func.lower(Card.description).like(pattern, escape="\\"),
                func.lower(Client.name).like(pattern, escape="\\"),
            )
        )
    return stmt


def index_in_lane(
    session: Session, card_id: int, *, text: str = "", client_id: int | None = None
) -> tuple[int, int] | None:
    """(lane id, 0-based index among the lane's visible cards) of a card, or None."""
    card = session.get(Card, card_id)
    if card is None or card.archived:
        return None
    stmt = (
        select(func.count(Card.id))
        .outerjoin(Client, Client.id == Card.client_id)
        .where(
            Card.lane_id == card.lane_id,
            Card.archived.is_(False),
            ahead_of(card.rank, card.id),
        )
    )
    return card.lane_id, session.scalar(_filtered(stmt, text, client_id)) or 0


def running_card_ids(session: Session) -> set[int]:
    return set(session.scalars(select(TimeEntry.card_id).where(TimeEntry.ended_at.is_(None))))


def overdue_count(session: Session, now: datetime) -> int:
    stmt = (
        select(func.count(Card.id))
        .join(Lane, Lane.id == Card.lane_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(Card.archived.is_(False), Card.due_at < now, Lane.role != "done")
        .where(Card.waiting_since.is_(None))  # a paused clock is not late
    )
    return session.scalar(_filtered(stmt, "", None)) or 0


def find_cards(session: Session, query: str, limit: int = 20) -> list[tuple[int, str, str]]:
    """(id, title, lane) of cards matching ``query`` in title, description or client."""
    stmt = (
        select(Card.id, Card.title, Lane.name)
        .join(Lane, Lane.id == Card.lane_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(Card.archived.is_(False))
        .order_by(Lane.position, Card.rank)
        .limit(limit)
    )
    return [(i, t, n) for i, t, n in session.execute(_filtered(stmt, query, None))]
