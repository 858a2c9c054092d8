"""Board lanes: list, look up, add, rename, reorder and remove them."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vadesk.db.models import Card, Lane
from vadesk.domain.text import clean_title, display
from vadesk.errors import InvalidInputError, NotFoundError
from vadesk.services.rows import LaneRow


def list_lanes(session: Session) -> list[LaneRow]:
    counts = dict(
        session.execute(
            select(Card.lane_id, func.count(Card.id))
            .where(Card.archived.is_(False))
            .group_by(Card.lane_id)
        ).all()
    )
    lanes = session.scalars(select(Lane).order_by(Lane.position, Lane.id)).all()
    return [
        LaneRow(x.id, x.name, x.position, x.role, counts.get(x.id, 0), x.waiting) for x in lanes
    ]


def lane_by_name(session: Session, name: str) -> LaneRow:
    for lane in list_lanes(session):
        if lane.name.lower() == name.strip().lower():
            return lane
    known = ", ".join(display(lane.name) for lane in list_lanes(session))  # stored text
    raise NotFoundError(f"No lane named {name!r}; lanes are: {known}.")


def get_lane(session: Session, lane_id: int, *, lock: bool = False) -> Lane:
    """The lane's row; ``lock`` serialises rank computation per lane on PostgreSQL."""
    stmt = select(Lane).where(Lane.id == lane_id)
    if lock:
        # SQLite is already serial.
        stmt = stmt.with_for_update()
    lane = session.scalar(stmt)
    if lane is None:
        raise NotFoundError(f"No lane #{lane_id}.")
    return lane


def lane_of_role(session: Session, role: str) -> Lane | None:
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
    get_lane(session, lane_id).name = name


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
    lane = get_lane(session, lane_id, lock=True)
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
