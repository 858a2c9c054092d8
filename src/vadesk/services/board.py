"""Board use cases: lanes and cards. Functions take a Session and return frozen rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from vadesk.db.models import (
    Card,
    CardActivity,
    ChecklistItem,
    Client,
    Lane,
    TimeEntry,
)
from vadesk.domain.clock import utcnow
from vadesk.domain.kinds import CARD_KINDS
from vadesk.domain.ranking import rank_between
from vadesk.domain.text import clean_text, clean_title, display
from vadesk.domain.turnaround import Turnaround, default_due
from vadesk.errors import ConflictError, InvalidInputError, NotFoundError
from vadesk.services.rows import CardLine, LaneRow

Position = Literal["top", "bottom"]


@dataclass(frozen=True)
class CardRow:
    id: int
    lane_id: int
    lane: str
    position: int
    rank: str
    title: str
    description: str
    client_id: int | None
    client: str | None
    kind: str
    due_at: datetime | None
    estimate_minutes: int | None
    planned_week: date | None
    labels: tuple[str, ...]
    archived: bool
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "lane": self.lane,
            "lane_id": self.lane_id,
            "position": self.position,
            "client": self.client,
            "kind": self.kind,
            "due": self.due_at.isoformat() if self.due_at else None,
            "estimate_minutes": self.estimate_minutes,
            "labels": list(self.labels),
            "archived": self.archived,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class ChecklistRow:
    id: int
    text: str
    done: bool


@dataclass(frozen=True)
class ActivityRow:
    at: datetime
    kind: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class CardDetail:
    card: CardRow
    checklist: tuple[ChecklistRow, ...]
    activity: tuple[ActivityRow, ...]


# ---------------------------------------------------------------- lanes


def list_lanes(session: Session) -> list[LaneRow]:
    counts = dict(
        session.execute(
            select(Card.lane_id, func.count(Card.id))
            .where(Card.archived.is_(False))
            .group_by(Card.lane_id)
        ).all()
    )
    lanes = session.scalars(select(Lane).order_by(Lane.position, Lane.id)).all()
    return [LaneRow(x.id, x.name, x.position, x.role, counts.get(x.id, 0)) for x in lanes]


def lane_by_name(session: Session, name: str) -> LaneRow:
    for lane in list_lanes(session):
        if lane.name.lower() == name.strip().lower():
            return lane
    known = ", ".join(display(lane.name) for lane in list_lanes(session))  # stored text
    raise NotFoundError(f"No lane named {name!r}; lanes are: {known}.")


def _lane(session: Session, lane_id: int, *, lock: bool = False) -> Lane:
    stmt = select(Lane).where(Lane.id == lane_id)
    if lock:
        # Serialises rank computation per lane on PostgreSQL; SQLite is already serial.
        stmt = stmt.with_for_update()
    lane = session.scalar(stmt)
    if lane is None:
        raise NotFoundError(f"No lane #{lane_id}.")
    return lane


def _lane_of_role(session: Session, role: str) -> Lane | None:
    return session.scalar(select(Lane).where(Lane.role == role).order_by(Lane.position).limit(1))


def default_lane_id(session: Session) -> int:
    lane = session.scalar(select(Lane).where(func.lower(Lane.name) == "normal"))
    lane = lane or session.scalar(
        select(Lane).where(Lane.role == "normal").order_by(Lane.position).limit(1)
    )
    if lane is None:
        raise NotFoundError("The board has no lanes; add one with the command palette.")
    return lane.id


def add_lane(session: Session, name: str, position: int | None = None) -> LaneRow:
    name = clean_title(name, 100)
    if not name:
        raise InvalidInputError("A lane needs a name.")
    if session.scalar(select(Lane.id).where(func.lower(Lane.name) == name.lower())):
        raise InvalidInputError(f"A lane named {name!r} already exists.")
    count = session.scalar(select(func.count(Lane.id))) or 0
    position = count if position is None else max(0, min(position, count))
    session.execute(
        update(Lane).where(Lane.position >= position).values(position=Lane.position + 1)
    )
    lane = Lane(name=name, position=position, role="normal")
    session.add(lane)
    session.flush()
    _renumber_lanes(session)
    return next(x for x in list_lanes(session) if x.id == lane.id)


def rename_lane(session: Session, lane_id: int, name: str) -> None:
    name = clean_title(name, 100)
    if not name:
        raise InvalidInputError("A lane needs a name.")
    clash = session.scalar(
        select(Lane.id).where(func.lower(Lane.name) == name.lower(), Lane.id != lane_id)
    )
    if clash:
        raise InvalidInputError(f"A lane named {name!r} already exists.")
    _lane(session, lane_id).name = name


def move_lane(session: Session, lane_id: int, position: int) -> None:
    """Put a lane at ``position`` (0 = leftmost); the others keep their relative order."""
    lanes = list(session.scalars(select(Lane).order_by(Lane.position, Lane.id)))
    lane = next((x for x in lanes if x.id == lane_id), None)
    if lane is None:
        raise NotFoundError(f"No lane #{lane_id}.")
    lanes.remove(lane)
    lanes.insert(max(0, min(position, len(lanes))), lane)
    for index, item in enumerate(lanes):
        item.position = index


def _renumber_lanes(session: Session) -> None:
    for index, lane in enumerate(session.scalars(select(Lane).order_by(Lane.position, Lane.id))):
        lane.position = index


def remove_lane(session: Session, lane_id: int) -> None:
    """Remove an empty lane; a lane that still holds cards is refused."""
    lane = _lane(session, lane_id, lock=True)
    active = session.scalar(
        select(func.count(Card.id)).where(Card.lane_id == lane_id, Card.archived.is_(False))
    )
    if active:
        raise InvalidInputError(
            f"Lane {display(lane.name)!r} still holds {active} card(s); move or archive them first."
        )
    if (session.scalar(select(func.count(Lane.id))) or 0) <= 1:
        raise InvalidInputError("The board needs at least one lane.")
    archived = session.scalar(select(func.count(Card.id)).where(Card.lane_id == lane_id)) or 0
    if archived:
        # Archived cards keep their history: they move to another lane, still archived.
        heir = session.scalar(
            select(Lane.id).where(Lane.id != lane_id).order_by(Lane.role == "done", Lane.position)
        )
        session.execute(update(Card).where(Card.lane_id == lane_id).values(lane_id=heir))
    session.delete(lane)
    session.flush()
    _renumber_lanes(session)


# ---------------------------------------------------------------- reading cards


def _card_columns() -> tuple[Any, ...]:
    return (Card, Lane.name, Client.name)


def _card_row(card: Card, lane_name: str, client_name: str | None, position: int = 0) -> CardRow:
    return CardRow(
        id=card.id,
        lane_id=card.lane_id,
        lane=lane_name,
        position=position,
        rank=card.rank,
        title=card.title,
        description=card.description,
        client_id=card.client_id,
        client=client_name,
        kind=card.kind,
        due_at=card.due_at,
        estimate_minutes=card.estimate_minutes,
        planned_week=card.planned_week,
        labels=tuple(card.labels or ()),
        archived=card.archived,
        version=card.version,
        created_at=card.created_at,
        updated_at=card.updated_at,
        completed_at=card.completed_at,
    )


def _position_in_lane(session: Session, card: Card) -> int:
    ahead = session.scalar(
        select(func.count(Card.id)).where(
            Card.lane_id == card.lane_id,
            Card.archived.is_(card.archived),
            or_(Card.rank < card.rank, and_(Card.rank == card.rank, Card.id < card.id)),
        )
    )
    return (ahead or 0) + 1


def get_card(session: Session, card_id: int, *, for_update: bool = False) -> CardRow:
    """One card; ``for_update`` locks its row (PostgreSQL) for a read-modify-write."""
    if for_update:
        _load_for_write(session, card_id, None)
    row = session.execute(
        select(*_card_columns())
        .join(Lane, Lane.id == Card.lane_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(Card.id == card_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"No card #{card_id}; `vadesk card list` shows the cards.")
    card, lane_name, client_name = row
    return _card_row(card, lane_name, client_name, _position_in_lane(session, card))


def card_detail(session: Session, card_id: int) -> CardDetail:
    card = get_card(session, card_id)
    checklist = tuple(
        ChecklistRow(i.id, i.text, i.done)
        for i in session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.card_id == card_id)
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )
    activity = tuple(
        # Another writer may have stored any JSON here: anything but an object reads as empty.
        ActivityRow(a.at, a.kind, dict(a.detail) if isinstance(a.detail, dict) else {})
        for a in session.scalars(
            select(CardActivity)
            .where(CardActivity.card_id == card_id)
            .order_by(CardActivity.at.desc(), CardActivity.id.desc())
        )
    )
    return CardDetail(card, checklist, activity)


def list_cards(
    session: Session,
    *,
    lane_id: int | None = None,
    client_id: int | None = None,
    archived: bool = False,
) -> list[CardRow]:
    """Cards in board order: lane by lane, top to bottom, with 1-based positions."""
    stmt = (
        select(*_card_columns())
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
            result.append(_card_row(card, lane_name, client_name, positions[card.lane_id]))
    return result


def iter_card_json(
    session: Session,
    *,
    lane_id: int | None = None,
    client_id: int | None = None,
    archived: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[dict[str, Any]]:
    """``list_cards`` as ``CardRow.as_json()`` dicts, one at a time (services/cardlist.py)."""
    from vadesk.services.cardlist import card_json

    connection = session.connection().execution_options(yield_per=2000)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    def execute(sql: str, params: Sequence[Any]) -> Any:
        return connection.exec_driver_sql(sql.format(p=mark), tuple(params))

    return card_json(
        execute, lane_id=lane_id, client_id=client_id, archived=archived, limit=limit, offset=offset
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
) -> list[CardLine]:
    """One screenful of a lane in order, optionally filtered: what the board draws."""
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
        )
        .outerjoin(Client, Client.id == Card.client_id)
        .outerjoin(counts, counts.c.card_id == Card.id)
        .where(Card.lane_id == lane_id, Card.archived.is_(False))
        .order_by(Card.rank, Card.id)
        .offset(offset)
        .limit(limit)
    )
    stmt = _filtered(stmt, text, client_id)
    return [CardLine(*row) for row in session.execute(stmt)]


def lane_counts(
    session: Session, *, text: str = "", client_id: int | None = None
) -> dict[int, int]:
    stmt = select(Card.lane_id, func.count(Card.id)).where(Card.archived.is_(False))
    if text:
        stmt = stmt.outerjoin(Client, Client.id == Card.client_id)
    stmt = _filtered(stmt, text, client_id).group_by(Card.lane_id)
    return {lane_id: count for lane_id, count in session.execute(stmt)}


def _filtered(stmt: Any, text: str, client_id: int | None) -> Any:
    if client_id is not None:
        stmt = stmt.where(Card.client_id == client_id)
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
            or_(Card.rank < card.rank, and_(Card.rank == card.rank, Card.id < card.id)),
        )
    )
    return card.lane_id, session.scalar(_filtered(stmt, text, client_id)) or 0


def running_card_ids(session: Session) -> set[int]:
    return set(session.scalars(select(TimeEntry.card_id).where(TimeEntry.ended_at.is_(None))))


# ---------------------------------------------------------------- writing cards


def _log(
    session: Session, card_id: int, kind: str, user_id: int | None, now: datetime, **detail: Any
) -> None:
    session.add(CardActivity(card_id=card_id, user_id=user_id, at=now, kind=kind, detail=detail))


def _load_for_write(session: Session, card_id: int, expected_version: int | None) -> Card:
    # populate_existing: a copy already in the session may be older than the locked row.
    card = session.scalar(
        select(Card)
        .where(Card.id == card_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if card is None:
        raise NotFoundError(f"No card #{card_id}; `vadesk card list` shows the cards.")
    if expected_version is not None and card.version != expected_version:
        raise ConflictError(
            f"Card #{card_id} was changed elsewhere meanwhile; reload it and try again."
        )
    return card


def _edge_rank(session: Session, lane_id: int, position: Position, exclude: int | None) -> str:
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
    base = select(Card.rank).where(
        Card.lane_id == anchor.lane_id, Card.archived.is_(False), Card.id != moving
    )
    if side == "before":
        neighbour = session.scalar(
            base.where(
                or_(Card.rank < anchor.rank, and_(Card.rank == anchor.rank, Card.id < anchor.id))
            )
            .order_by(Card.rank.desc(), Card.id.desc())
            .limit(1)
        )
        return anchor.lane_id, rank_between(neighbour, anchor.rank)
    neighbour = session.scalar(
        base.where(
            or_(Card.rank > anchor.rank, and_(Card.rank == anchor.rank, Card.id > anchor.id))
        )
        .order_by(Card.rank, Card.id)
        .limit(1)
    )
    return anchor.lane_id, rank_between(anchor.rank, neighbour)


def _check_kind(kind: str) -> str:
    if kind not in CARD_KINDS:
        raise InvalidInputError(f"Kind {kind!r} is not one of: {', '.join(CARD_KINDS)}.")
    return kind


def _check_due(due_at: datetime | None) -> datetime | None:
    if due_at is not None and due_at.tzinfo is None:
        raise InvalidInputError("A due time needs a timezone.")
    return due_at


def _turnaround(session: Session, client_id: int | None) -> Turnaround:
    if client_id is None:
        return Turnaround()
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"No client #{client_id}.")
    return Turnaround(client.turnaround_admin_hours, client.turnaround_creative_hours)


def create_card(
    session: Session,
    title: str,
    *,
    lane_id: int | None = None,
    client_id: int | None = None,
    kind: str = "other",
    due_at: datetime | None = None,
    description: str = "",
    estimate_minutes: int | None = None,
    labels: tuple[str, ...] = (),
    position: Position = "bottom",
    message_id: str | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
    activity: str = "created",
) -> CardRow:
    now = now or utcnow()
    title = clean_title(title)
    if not title:
        raise InvalidInputError("A card needs a title.")
    lane_id = lane_id if lane_id is not None else default_lane_id(session)
    _lane(session, lane_id, lock=True)
    kind = _check_kind(kind)
    if due_at is None:
        due_at = default_due(kind, now, _turnaround(session, client_id))
    card = Card(
        lane_id=lane_id,
        rank=_edge_rank(session, lane_id, position, None),
        title=title,
        description=clean_text(description, multiline=True),
        client_id=client_id,
        kind=kind,
        due_at=_check_due(due_at),
        estimate_minutes=estimate_minutes,
        labels=[clean_title(label, 40) for label in labels],
        archived=False,
        message_id=message_id,
        created_at=now,
        updated_at=now,
    )
    session.add(card)
    session.flush()
    _log(session, card.id, activity, user_id, now, lane=lane_id)
    return get_card(session, card.id)


_EDITABLE = {
    "title",
    "description",
    "client_id",
    "kind",
    "due_at",
    "estimate_minutes",
    "planned_week",
    "labels",
}


def edit_card(
    session: Session,
    card_id: int,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> CardRow:
    """Change some fields; unknown fields are a programming error, bad values a user one."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    now = now or utcnow()
    card = _load_for_write(session, card_id, expected_version)
    if "title" in changes:
        changes["title"] = clean_title(changes["title"])
        if not changes["title"]:
            raise InvalidInputError("A card needs a title.")
    if "description" in changes:
        changes["description"] = clean_text(changes["description"], multiline=True)
    if "kind" in changes:
        _check_kind(changes["kind"])
    if "due_at" in changes:
        _check_due(changes["due_at"])
    if "labels" in changes:
        changes["labels"] = [clean_title(label, 40) for label in changes["labels"]]
    if changes.get("client_id") is not None:
        _turnaround(session, changes["client_id"])
    changed = sorted(name for name, value in changes.items() if getattr(card, name) != value)
    if not changed:
        return get_card(session, card_id)
    for name in changed:
        setattr(card, name, changes[name])
    card.updated_at = now
    session.flush()
    _log(session, card_id, "edited", user_id, now, fields=changed)
    return get_card(session, card_id)


@dataclass(frozen=True)
class Moved:
    """Where a card landed: enough for the board to follow it without a reload."""

    id: int
    lane_id: int
    lane: str
    rank: str
    version: int


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
    card = _load_for_write(session, card_id, expected_version)
    from_lane = card.lane_id
    if before_id is not None or after_id is not None:
        anchor = before_id if before_id is not None else after_id
        assert anchor is not None
        anchor_lane = session.scalar(select(Card.lane_id).where(Card.id == anchor))
        if anchor_lane is None:
            raise NotFoundError(f"No card #{anchor} on the board to move next to.")
        lane = _lane(session, anchor_lane, lock=True)
        target_lane, rank = _rank_next_to(
            session, anchor, "before" if before_id is not None else "after", card_id
        )
        if lane_id is not None and lane_id != target_lane:
            raise InvalidInputError(f"Card #{anchor} is not in that lane.")
    else:
        target_lane = lane_id if lane_id is not None else card.lane_id
        lane = _lane(session, target_lane, lock=True)
        rank = _edge_rank(session, target_lane, position or "bottom", card_id)
    card.lane_id = target_lane
    card.rank = rank
    card.updated_at = now
    if target_lane != from_lane:
        card.completed_at = now if lane.role == "done" else None
    session.flush()
    _log(session, card_id, "moved", user_id, now, from_lane=from_lane, to_lane=target_lane)
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
    card = _load_for_write(session, card_id, expected_version)
    base = select(Card.id).where(
        Card.lane_id == card.lane_id, Card.archived.is_(False), Card.id != card_id
    )
    if steps < 0:
        ids = session.scalars(
            base.where(or_(Card.rank < card.rank, and_(Card.rank == card.rank, Card.id < card_id)))
            .order_by(Card.rank.desc(), Card.id.desc())
            .limit(-steps)
        ).all()
        if not ids:
            return _unmoved(session, card)
        return move_card(
            session,
            card_id,
            before_id=ids[-1],
            expected_version=expected_version,
            user_id=user_id,
            now=now,
        )
    ids = session.scalars(
        base.where(or_(Card.rank > card.rank, and_(Card.rank == card.rank, Card.id > card_id)))
        .order_by(Card.rank, Card.id)
        .limit(steps)
    ).all()
    if not ids:
        return _unmoved(session, card)
    return move_card(
        session,
        card_id,
        after_id=ids[-1],
        expected_version=expected_version,
        user_id=user_id,
        now=now,
    )


def _unmoved(session: Session, card: Card) -> Moved:
    lane = _lane(session, card.lane_id)
    return Moved(card.id, lane.id, lane.name, card.rank, card.version)


def complete_card(
    session: Session,
    card_id: int,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Moved:
    from vadesk.services.timer import stop_on_card

    done = _lane_of_role(session, "done")
    if done is None:
        raise NotFoundError("The board has no Done lane.")
    moved = move_card(
        session,
        card_id,
        lane_id=done.id,
        position="top",
        expected_version=expected_version,
        user_id=user_id,
        now=now,
    )
    stop_on_card(session, card_id, now=now)  # nobody works on a finished card
    return moved


def set_archived(
    session: Session,
    card_id: int,
    archived: bool,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> CardRow:
    now = now or utcnow()
    card = _load_for_write(session, card_id, expected_version)
    if card.archived == archived:
        return get_card(session, card_id)
    card.archived = archived
    card.updated_at = now
    if archived:
        from vadesk.services.timer import stop_on_card

        stop_on_card(session, card_id, now=now)  # an archived card cannot be timed
    if not archived:
        # Back where it was if possible: the lane still exists (FK), at the bottom.
        card.rank = _edge_rank(session, card.lane_id, "bottom", card_id)
    session.flush()
    _log(session, card_id, "archived" if archived else "unarchived", user_id, now)
    return get_card(session, card_id)


def add_comment(
    session: Session,
    card_id: int,
    text: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    text = clean_text(text, multiline=True)
    if not text:
        raise InvalidInputError("A comment needs some text.")
    if session.get(Card, card_id) is None:
        raise NotFoundError(f"No card #{card_id}.")
    _log(session, card_id, "commented", user_id, now or utcnow(), text=text)


def add_checklist_item(
    session: Session,
    card_id: int,
    text: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
) -> int:
    text = clean_title(text)
    if not text:
        raise InvalidInputError("A checklist item needs some text.")
    card = _load_for_write(session, card_id, None)
    last = session.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.card_id == card_id)
    )
    item = ChecklistItem(card_id=card_id, position=(last or 0) + 1, text=text, done=False)
    session.add(item)
    now = now or utcnow()
    card.updated_at = now
    session.flush()
    _log(session, card_id, "edited", user_id, now, checklist="added")
    return item.id


def set_checklist_item(
    session: Session,
    item_id: int,
    *,
    done: bool | None = None,
    remove: bool = False,
    user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    item = session.get(ChecklistItem, item_id)
    if item is None:
        raise NotFoundError(f"No checklist item #{item_id}.")
    card = _load_for_write(session, item.card_id, None)
    now = now or utcnow()
    if remove:
        session.delete(item)
        what = "removed"
    else:
        item.done = bool(done)
        what = "ticked" if done else "unticked"
    card.updated_at = now
    session.flush()
    _log(session, card.id, "edited", user_id, now, checklist=what)


@dataclass(frozen=True)
class Placement:
    """Where a card sits, by its neighbours: enough to put it back after a move."""

    lane_id: int
    above_id: int | None
    below_id: int | None


def placement_of(session: Session, card_id: int) -> Placement:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFoundError(f"No card #{card_id}.")
    base = select(Card.id).where(
        Card.lane_id == card.lane_id, Card.archived.is_(False), Card.id != card_id
    )
    above = session.scalar(
        base.where(or_(Card.rank < card.rank, and_(Card.rank == card.rank, Card.id < card_id)))
        .order_by(Card.rank.desc(), Card.id.desc())
        .limit(1)
    )
    below = session.scalar(
        base.where(or_(Card.rank > card.rank, and_(Card.rank == card.rank, Card.id > card_id)))
        .order_by(Card.rank, Card.id)
        .limit(1)
    )
    return Placement(card.lane_id, above, below)


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


def overdue_count(session: Session, now: datetime) -> int:
    stmt = (
        select(func.count(Card.id))
        .join(Lane, Lane.id == Card.lane_id)
        .where(Card.archived.is_(False), Card.due_at < now, Lane.role != "done")
    )
    return session.scalar(stmt) or 0


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
