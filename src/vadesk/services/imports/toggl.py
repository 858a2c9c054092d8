"""Toggl Track time into vadesk: clients, cards and time entries of the current user.

Clients are matched by name (case-insensitively) or added. Each entry goes on the client's
card whose title is the entry's description, else on one "Imported from Toggl: PROJECT" card
per client and project (in the Done lane: it is past work). An entry already there (same
client, start, end and description) is skipped, so importing a file twice adds nothing.
Non-billable entries keep ``billable = false``: reports count their time, not their amount.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from vadesk.config import Settings
from vadesk.db.models import Card, CardActivity, Client, Lane, TimeEntry
from vadesk.domain.clock import utcnow
from vadesk.domain.imports.toggl import TogglEntry, TogglReport, parse_report
from vadesk.domain.ranking import initial_ranks
from vadesk.services.clients import add_client
from vadesk.services.imports import ImportSummary, Tally, lock_board, run_import
from vadesk.services.lanes import default_lane_id
from vadesk.services.reports import report_zone
from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)
SOURCE = "toggl"
NO_PROJECT = "no project"

Key = tuple[int | None, datetime, datetime, str]
"""What makes an entry a duplicate: client, start, end, description."""


def zone_for(settings: Settings) -> tzinfo:
    """The zone Toggl's local times are read in: the ``timezone`` setting, else the system's."""
    return report_zone(settings)[0]


def project_title(project: str) -> str:
    return f"Imported from Toggl: {project or NO_PROJECT}"


def import_toggl(
    session: Session,
    report: TogglReport,
    *,
    user_id: int,
    now: datetime | None = None,
) -> ImportSummary:
    """Write ``report``'s entries in the caller's transaction; what it did."""
    now = now or utcnow()
    lock_board(session)
    tally = Tally()
    clients = _clients(session, report, now, tally)
    client_ids = sorted({clients[e.client.lower()] for e in report.entries if e.client})
    cards = _cards(session, client_ids, any(not e.client for e in report.entries))
    existing = _existing(session, report)

    fresh: list[tuple[Key, TogglEntry]] = []
    for entry in report.entries:
        client_id = clients[entry.client.lower()] if entry.client else None
        key: Key = (client_id, entry.start, entry.end, entry.description)
        if key in existing:
            tally.add("unchanged", "entries")
            continue
        existing.add(key)
        fresh.append((key, entry))

    def card_for(client_id: int | None, entry: TogglEntry) -> int | None:
        if entry.description:
            found = cards.get((client_id, entry.description.lower()))
            if found is not None:
                return found
        return cards.get((client_id, project_title(entry.project).lower()))

    wanted = {
        (key[0], project_title(entry.project))
        for key, entry in fresh
        if card_for(key[0], entry) is None
    }
    cards.update(_project_cards(session, sorted(wanted, key=repr), user_id, now))
    tally.add("created", "cards", len(wanted))

    rows: list[dict[str, Any]] = []
    per_card: dict[int, int] = {}
    for (client_id, _, _, _), entry in fresh:
        card_id = card_for(client_id, entry)
        assert card_id is not None
        per_card[card_id] = per_card.get(card_id, 0) + 1
        rows.append(
            {
                "user_id": user_id,
                "card_id": card_id,
                "started_at": entry.start,
                "ended_at": entry.end,
                "note": entry.description,
                "idle": False,
                "billable": entry.billable,
                "source": SOURCE,
            }
        )
    if rows:
        session.execute(insert(TimeEntry), rows)
        session.execute(
            insert(CardActivity),
            [
                {
                    "card_id": card_id,
                    "user_id": user_id,
                    "at": now,
                    "kind": "timer",
                    "detail": {"action": "imported", "entries": count, "source": SOURCE},
                }
                for card_id, count in per_card.items()
            ],
        )
    tally.add("created", "entries", len(rows))
    tally.add("created", "non_billable", sum(1 for row in rows if not row["billable"]))
    session.flush()
    return ImportSummary(
        source=SOURCE,
        dry_run=False,
        client=None,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        skipped=report.problems,
        notes=report.notes,
    )


def _clients(session: Session, report: TogglReport, now: datetime, tally: Tally) -> dict[str, int]:
    """Lower-cased client name -> id, adding the clients that are missing."""
    known = {
        name.lower(): client_id
        for client_id, name in session.execute(select(Client.id, Client.name))
    }
    for entry in report.entries:
        if entry.client and entry.client.lower() not in known:
            known[entry.client.lower()] = add_client(session, entry.client, now=now).id
            tally.add("created", "clients")
    return known


def _cards(
    session: Session, client_ids: list[int], without_client: bool
) -> dict[tuple[int | None, str], int]:
    """(client id, lower-cased title) -> the oldest card with that title, for matching."""
    found: dict[tuple[int | None, str], int] = {}
    stmt = select(Card.client_id, Card.title, Card.id).order_by(Card.id.desc())
    wanted = [Card.client_id.in_(client_ids)] if client_ids else []
    if without_client:
        wanted.append(Card.client_id.is_(None))
    if not wanted:
        return found
    for client_id, title, card_id in session.execute(stmt.where(or_(*wanted))):
        found[(client_id, title.lower())] = card_id  # descending ids: the oldest wins
    return found


def _existing(session: Session, report: TogglReport) -> set[Key]:
    """Entries already stored in the file's time span, by duplicate key."""
    if not report.entries:
        return set()
    first = min(e.start for e in report.entries)
    last = max(e.start for e in report.entries)
    stmt = (
        select(Card.client_id, TimeEntry.started_at, TimeEntry.ended_at, TimeEntry.note)
        .join(Card, Card.id == TimeEntry.card_id)
        .where(TimeEntry.started_at >= first, TimeEntry.started_at <= last)
    )
    return {
        (client_id, start, end, note)
        for client_id, start, end, note in session.execute(stmt)
        if end is not None
    }


def _project_cards(
    session: Session, wanted: list[tuple[int | None, str]], user_id: int, now: datetime
) -> dict[tuple[int | None, str], int]:
    """Cards for projects' time, at the bottom of the Done lane (one flush for all of them);
    (client id, lower-cased title) -> id."""
    if not wanted:
        return {}
    lane_id = session.scalar(
        select(Lane.id).where(Lane.role == "done").order_by(Lane.position).limit(1)
    )
    done = lane_id is not None
    if lane_id is None:
        lane_id = default_lane_id(session)
    last = session.scalar(select(func.max(Card.rank)).where(Card.lane_id == lane_id))
    made = [
        Card(
            lane_id=lane_id,
            rank=rank,
            title=title,
            description="Time imported from Toggl Track.",
            client_id=client_id,
            kind="other",
            labels=["toggl"],
            archived=False,
            created_at=now,
            updated_at=now,
            completed_at=now if done else None,
        )
        for rank, (client_id, title) in zip(
            initial_ranks(len(wanted), after=last), wanted, strict=True
        )
    ]
    session.add_all(made)
    session.flush()
    session.add_all(
        CardActivity(
            card_id=card.id,
            user_id=user_id,
            at=now,
            kind="created",
            detail={"lane": lane_id, "source": SOURCE},
        )
        for card in made
    )
    return {(card.client_id, card.title.lower()): card.id for card in made}


def run_toggl(
    store: StoreLike,
    data: TogglReport | bytes,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportSummary:
    """Import a Toggl detailed report (parsed, or its bytes) in one transaction (a dry run
    rolls back). Bytes are read as local times in ``zone_for(store.settings)``."""
    report = parse_report(data, zone_for(store.settings)) if isinstance(data, bytes) else data

    def write(session: Session) -> ImportSummary:
        return import_toggl(session, report, user_id=store.user_id, now=now)

    summary = run_import(store, write, dry_run=dry_run)
    log.info("toggl import: %s created, dry run %s", summary.created, dry_run)
    return replace(summary, dry_run=dry_run)
