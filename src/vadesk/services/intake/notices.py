"""What the open board says when mail arrives: "2 new cards by email"."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import func, select

from vadesk.db.models import IntakeMessage
from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)


class EmailWatch:
    """Counts cards and replies made by email since the last look (the first look sets the
    starting point: what came before the board opened is not news)."""

    def __init__(self, store: StoreLike) -> None:
        self.store = store
        self.last_id: int | None = None
        self._lock = threading.Lock()  # two checks at once must not tell the same news twice

    def check(self) -> str | None:
        """The notice for what arrived since the last call, or None. Blocking: call it from
        a worker thread."""
        with self._lock:
            return self._check()

    def _check(self) -> str | None:
        try:
            with self.store.read() as session:
                if self.last_id is None:
                    self.last_id = session.scalar(select(func.max(IntakeMessage.id))) or 0
                    return None
                rows = session.execute(
                    select(IntakeMessage.outcome, func.count(), func.max(IntakeMessage.id))
                    .where(IntakeMessage.id > self.last_id)
                    .group_by(IntakeMessage.outcome)
                ).all()
        except Exception:  # a notice is never worth an error on the board
            log.warning("email notice: could not read", exc_info=True)
            return None
        counts = {outcome: count for outcome, count, _ in rows}
        self.last_id = max([self.last_id, *(top for _, _, top in rows if top is not None)])
        return notice(counts.get("card", 0), counts.get("comment", 0))


def notice(cards: int, replies: int) -> str | None:
    parts = []
    if cards:
        parts.append(f"{cards} new {'card' if cards == 1 else 'cards'}")
    if replies:
        parts.append(f"{replies} {'reply' if replies == 1 else 'replies'}")
    return f"{' and '.join(parts)} by email" if parts else None
