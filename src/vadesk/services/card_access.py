"""What every card write starts and ends with: the row locked and version-checked, and a line
in the card's activity log. Shared by cards, ordering and checklist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vadesk.db.models import Card, CardActivity
from vadesk.errors import ConflictError, NotFoundError


def log_activity(
    session: Session, card_id: int, kind: str, user_id: int | None, now: datetime, **detail: Any
) -> None:
    session.add(CardActivity(card_id=card_id, user_id=user_id, at=now, kind=kind, detail=detail))


def load_for_write(session: Session, card_id: int, expected_version: int | None) -> Card:
    """The card's row, locked (PostgreSQL) for a read-modify-write; a stale version is refused."""
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
