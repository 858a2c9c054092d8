"""Who is working: one row per VA name (a shared board has several)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vadesk.db.models import User
from vadesk.domain.clock import utcnow


def ensure_user(session: Session, name: str, now: datetime | None = None) -> int:
    """The id of the user called ``name``, created on first use."""
    user_id = session.scalar(select(User.id).where(User.name == name))
    if user_id is not None:
        return user_id
    user = User(name=name, created_at=now or utcnow())
    session.add(user)
    session.flush()
    return user.id
