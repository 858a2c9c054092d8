"""Cards: create, edit, complete, archive, and read one with its checklist and activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vadesk.db.models import Card, CardActivity, ChecklistItem, Client, Lane
from vadesk.domain.clock import utcnow
from vadesk.domain.kinds import CARD_KINDS
from vadesk.domain.text import clean_text, clean_title
from vadesk.errors import InvalidInputError, NotFoundError
from vadesk.services.card_access import load_for_write, log_activity
from vadesk.services.lanes import default_lane_id, get_lane, lane_of_role
from vadesk.services.ordering import Moved, Position, edge_rank, move_card, position_in_lane
from vadesk.services.turnaround import due_for_new_card, sync_clock


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


# ---------------------------------------------------------------- reading


def card_columns() -> tuple[Any, ...]:
    """What ``card_row`` is built from: the card, its lane's name and its client's name."""
    return (Card, Lane.name, Client.name)


def card_row(card: Card, lane_name: str, client_name: str | None, position: int = 0) -> CardRow:
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


def get_card(session: Session, card_id: int, *, for_update: bool = False) -> CardRow:
    """One card; ``for_update`` locks its row (PostgreSQL) for a read-modify-write."""
    if for_update:
        load_for_write(session, card_id, None)
    row = session.execute(
        select(*card_columns())
        .join(Lane, Lane.id == Card.lane_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(Card.id == card_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"No card #{card_id}; `vadesk card list` shows the cards.")
    card, lane_name, client_name = row
    return card_row(card, lane_name, client_name, position_in_lane(session, card))


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


# ---------------------------------------------------------------- writing


def _check_kind(kind: str) -> str:
    if kind not in CARD_KINDS:
        raise InvalidInputError(f"Kind {kind!r} is not one of: {', '.join(CARD_KINDS)}.")
    return kind


def _check_due(due_at: datetime | None) -> datetime | None:
    if due_at is not None and due_at.tzinfo is None:
        raise InvalidInputError("A due time needs a timezone.")
    return due_at


def _check_client(session: Session, client_id: int) -> None:
    if session.get(Client, client_id) is None:
        raise NotFoundError(f"No client #{client_id}.")


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
    lane = get_lane(session, lane_id, lock=True)
    kind = _check_kind(kind)
    if due_at is None:
        # The client's promise for this kind, in calendar or working hours (turnaround.py).
        due_at = due_for_new_card(session, client_id, kind, now)
    card = Card(
        lane_id=lane_id,
        rank=edge_rank(session, lane_id, position, None),
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
    log_activity(session, card.id, activity, user_id, now, lane=lane_id)
    sync_clock(session, card, lane, by="lane", user_id=user_id, now=now)  # a waiting lane
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
    card = load_for_write(session, card_id, expected_version)
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
        _check_client(session, changes["client_id"])
    changed = sorted(name for name, value in changes.items() if getattr(card, name) != value)
    if not changed:
        return get_card(session, card_id)
    for name in changed:
        setattr(card, name, changes[name])
    card.updated_at = now
    session.flush()
    log_activity(session, card_id, "edited", user_id, now, fields=changed)
    return get_card(session, card_id)


def complete_card(
    session: Session,
    card_id: int,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Moved:
    from vadesk.services.timer import stop_on_card

    done = lane_of_role(session, "done")
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
    card = load_for_write(session, card_id, expected_version)
    if card.archived == archived:
        return get_card(session, card_id)
    card.archived = archived
    card.updated_at = now
    if archived:
        from vadesk.services.timer import stop_on_card

        stop_on_card(session, card_id, now=now)  # an archived card cannot be timed
    if not archived:
        # Back where it was if possible: the lane still exists (FK), at the bottom.
        card.rank = edge_rank(session, card.lane_id, "bottom", card_id)
    session.flush()
    log_activity(session, card_id, "archived" if archived else "unarchived", user_id, now)
    return get_card(session, card_id)
