"""A card's checklist items and comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vadesk.db.models import Card, ChecklistItem
from vadesk.domain.clock import utcnow
from vadesk.domain.text import clean_text, clean_title
from vadesk.errors import InvalidInputError, NotFoundError
from vadesk.services.card_access import load_for_write, log_activity


def add_comment(
    session: Session,
    card_id: int,
    text: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
    private: bool = False,
) -> None:
    """A comment on the card; a ``private`` one is an internal note the client's portal
    never shows."""
    text = clean_text(text, multiline=True)
    if not text:
        raise InvalidInputError("A comment needs some text.")
    if session.get(Card, card_id) is None:
        raise NotFoundError(f"No card #{card_id}.")
    extra = {"private": True} if private else {}
    log_activity(session, card_id, "commented", user_id, now or utcnow(), text=text, **extra)


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
    card = load_for_write(session, card_id, None)
    last = session.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.card_id == card_id)
    )
    item = ChecklistItem(card_id=card_id, position=(last or 0) + 1, text=text, done=False)
    session.add(item)
    now = now or utcnow()
    card.updated_at = now
    session.flush()
    log_activity(session, card_id, "edited", user_id, now, checklist="added")
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
    card = load_for_write(session, item.card_id, None)
    now = now or utcnow()
    if remove:
        session.delete(item)
        what = "removed"
    else:
        item.done = bool(done)
        what = "ticked" if done else "unticked"
    card.updated_at = now
    session.flush()
    log_activity(session, card.id, "edited", user_id, now, checklist=what)
