"""Turnaround promises: when a card is due if nobody set a due time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Turnaround:
    admin_hours: int = 24
    creative_hours: int = 48

    def hours_for(self, kind: str) -> int | None:
        return {"admin": self.admin_hours, "creative": self.creative_hours}.get(kind)


def default_due(kind: str, created_at: datetime, rule: Turnaround) -> datetime | None:
    """Due time promised for a card of ``kind`` created at ``created_at``; None if no promise."""
    hours = rule.hours_for(kind)
    return None if hours is None else created_at + timedelta(hours=hours)


def due_state(due: datetime | None, now: datetime) -> str:
    """ "overdue", "today" (within 24 h), "later" or "none", for colouring a card."""
    if due is None:
        return "none"
    if due < now:
        return "overdue"
    if due - now <= timedelta(hours=24):
        return "today"
    return "later"
