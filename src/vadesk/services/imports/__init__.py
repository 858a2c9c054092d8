"""Moving in: other tools' exports written into vadesk, each in one transaction.

The file is parsed first (``vadesk.domain.imports``); the writer then re-reads everything it
depends on inside its own write transaction, so two imports at once (or an import beside the
board) cannot duplicate anything. ``dry_run`` does all of it and rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vadesk.db.models import Lane
from vadesk.domain.imports import Problem
from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Tally:
    """Counts per kind of thing ("cards", "comments", ...) while an import runs."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def add(self, bucket: str, kind: str, n: int = 1) -> None:
        if n:
            counts: dict[str, int] = getattr(self, bucket)
            counts[kind] = counts.get(kind, 0) + n


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, dry run, would do)."""

    source: str
    dry_run: bool
    client: str | None
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    skipped: tuple[Problem, ...]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "client": self.client,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"where": p.where, "reason": p.reason} for p in self.skipped],
            "notes": list(self.notes),
        }


class _Rollback(Exception):
    def __init__(self, result: object) -> None:
        self.result = result


def lock_board(session: Session) -> None:
    """Serialise imports (and card creation) on PostgreSQL: every lane row, locked.

    Everything an import decides (which card a Trello id already has, which entries exist)
    is read after this, so a second import waits and then sees the first one's rows.
    SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    session.execute(select(Lane.id).order_by(Lane.id).with_for_update()).all()


def run_import(store: StoreLike, write: Callable[[Session], T], *, dry_run: bool) -> T:
    """``write`` in one write transaction: committed, or rolled back for a dry run.

    A unique-key clash (another writer created the same row between our read and our
    write, possible only outside the lock) is retried once: the retry finds the row.
    """
    for attempt in (1, 2):
        try:
            with store.write() as session:
                result = write(session)
                if dry_run:
                    raise _Rollback(result)
            return result
        except _Rollback as rollback:
            return rollback.result  # type: ignore[return-value]
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("import clashed with another writer; retrying once")
    raise AssertionError("unreachable")
