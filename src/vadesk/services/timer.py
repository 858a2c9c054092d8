"""Time tracking: one running timer per user, entries, totals and package balances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dateutil.tz import tzlocal
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from vadesk.db.models import Card, CardActivity, Client, TimeEntry, User
from vadesk.domain.clock import utcnow
from vadesk.domain.text import clean_text
from vadesk.errors import InvalidInputError, NotFoundError


@dataclass(frozen=True)
class EntryRow:
    id: int
    card_id: int
    card_title: str
    client_id: int | None
    client: str | None
    kind: str
    started_at: datetime
    ended_at: datetime | None
    note: str
    idle: bool
    seen_at: datetime | None = None

    def seconds(self, now: datetime) -> int:
        return int(((self.ended_at or now) - self.started_at).total_seconds())

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "card_id": self.card_id,
            "card": self.card_title,
            "client": self.client,
            "started": self.started_at.isoformat(),
            "ended": self.ended_at.isoformat() if self.ended_at else None,
            "elapsed_seconds": self.seconds(now),
            "note": self.note,
        }


def _lock_user(session: Session, user_id: int) -> None:
    """Serialise timer changes per user (PostgreSQL row lock; SQLite writes are serial)."""
    session.execute(select(User.id).where(User.id == user_id).with_for_update())


def _entry_rows(session: Session, *where: Any) -> list[EntryRow]:
    stmt = (
        select(TimeEntry, Card.title, Card.client_id, Client.name, Card.kind)
        .join(Card, Card.id == TimeEntry.card_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(*where)
        .order_by(TimeEntry.started_at, TimeEntry.id)
    )
    return [
        EntryRow(
            e.id,
            e.card_id,
            title,
            client_id,
            client,
            kind,
            e.started_at,
            e.ended_at,
            e.note,
            e.idle,
            e.seen_at,
        )
        for e, title, client_id, client, kind in session.execute(stmt)
    ]


def running(session: Session, user_id: int) -> EntryRow | None:
    rows = _entry_rows(session, TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None))
    return rows[0] if rows else None


def _log(session: Session, card_id: int, user_id: int, now: datetime, **detail: Any) -> None:
    session.add(CardActivity(card_id=card_id, user_id=user_id, at=now, kind="timer", detail=detail))


def stop(session: Session, user_id: int, *, now: datetime | None = None) -> EntryRow | None:
    """Stop the running timer (if any) at ``now``; returns the closed entry."""
    now = now or utcnow()
    _lock_user(session, user_id)
    entry = session.scalar(
        select(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None))
    )
    if entry is None:
        return None
    entry.ended_at = max(now, entry.started_at)
    entry.seen_at = None
    session.flush()
    _log(session, entry.card_id, user_id, now, action="stopped", entry=entry.id)
    return _entry_rows(session, TimeEntry.id == entry.id)[0]


def start(session: Session, user_id: int, card_id: int, *, now: datetime | None = None) -> EntryRow:
    """Start timing ``card_id``; a timer running on another card stops in the same transaction.

    Starting the card that already runs changes nothing and returns its running entry (a
    stop-and-restart would leave a 0:00 entry behind, which a minimum charge could bill).
    """
    now = now or utcnow()
    card = session.get(Card, card_id)
    if card is None or card.archived:
        raise NotFoundError(f"No card #{card_id} on the board to time.")
    _lock_user(session, user_id)
    current = running(session, user_id)
    if current is not None and current.card_id == card_id:
        return current
    stop(session, user_id, now=now)
    entry = TimeEntry(user_id=user_id, card_id=card_id, started_at=now, seen_at=now, note="")
    session.add(entry)
    session.flush()
    _log(session, card_id, user_id, now, action="started", entry=entry.id)
    return _entry_rows(session, TimeEntry.id == entry.id)[0]


def toggle(
    session: Session, user_id: int, card_id: int, *, now: datetime | None = None
) -> tuple[Literal["started", "stopped"], EntryRow]:
    """What `space` does: stop if this card's timer runs, else start it (switching)."""
    current = running(session, user_id)
    if current is not None and current.card_id == card_id:
        stopped = stop(session, user_id, now=now)
        assert stopped is not None
        return "stopped", stopped
    return "started", start(session, user_id, card_id, now=now)


def stop_on_card(session: Session, card_id: int, *, now: datetime | None = None) -> list[EntryRow]:
    """Stop every timer running on ``card_id`` (it was marked done or archived); returns them."""
    now = now or utcnow()
    users = session.scalars(
        select(TimeEntry.user_id).where(TimeEntry.card_id == card_id, TimeEntry.ended_at.is_(None))
    ).all()
    stopped = [stop(session, user, now=now) for user in users]
    return [entry for entry in stopped if entry is not None]


def heartbeat(session: Session, user_id: int, now: datetime | None = None) -> None:
    """Record that the VA is here, so a later gap can be recognised as an absence."""
    session.execute(
        update(TimeEntry)
        .where(TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None))
        .values(seen_at=now or utcnow())
    )


LONGEST_ENTRY = timedelta(days=7)
"""No closed entry may be longer; it bounds the time range queries have to scan."""


def validate_times(start_at: datetime, end_at: datetime, now: datetime) -> None:
    if start_at.tzinfo is None or end_at.tzinfo is None:
        raise InvalidInputError("Give times with a time zone.")
    if end_at <= start_at:
        raise InvalidInputError("End must be after start.")
    if end_at > now + timedelta(minutes=1):
        raise InvalidInputError("Entry ends in the future; check the end time.")
    if end_at - start_at > LONGEST_ENTRY:
        raise InvalidInputError("An entry cannot be longer than 7 days; split it up.")


def overlaps(
    session: Session, user_id: int, start_at: datetime, end_at: datetime, exclude: int | None = None
) -> list[EntryRow]:
    where = [
        TimeEntry.user_id == user_id,
        TimeEntry.started_at < end_at,
        # A lower bound on the indexed start keeps this a range scan on a long history;
        # only a still-running entry may have started earlier than that.
        or_(TimeEntry.started_at > start_at - LONGEST_ENTRY, TimeEntry.ended_at.is_(None)),
        or_(TimeEntry.ended_at.is_(None), TimeEntry.ended_at > start_at),
    ]
    if exclude is not None:
        where.append(TimeEntry.id != exclude)
    return _entry_rows(session, and_(*where))


def add_entry(
    session: Session,
    user_id: int,
    card_id: int,
    start_at: datetime,
    end_at: datetime,
    *,
    note: str = "",
    now: datetime | None = None,
) -> tuple[EntryRow, list[EntryRow]]:
    """Add a forgotten entry; returns it and the entries it overlaps (a warning, not an error)."""
    now = now or utcnow()
    validate_times(start_at, end_at, now)
    card = session.get(Card, card_id)
    if card is None:
        raise NotFoundError(f"No card #{card_id}.")
    clashes = overlaps(session, user_id, start_at, end_at)
    entry = TimeEntry(
        user_id=user_id,
        card_id=card_id,
        started_at=start_at,
        ended_at=end_at,
        note=clean_text(note, multiline=True),
    )
    session.add(entry)
    session.flush()
    _log(session, card_id, user_id, now, action="added", entry=entry.id)
    return _entry_rows(session, TimeEntry.id == entry.id)[0], clashes


def edit_entry(
    session: Session,
    user_id: int,
    entry_id: int,
    *,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
    card_id: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> tuple[EntryRow, list[EntryRow]]:
    now = now or utcnow()
    entry = session.get(TimeEntry, entry_id)
    if entry is None or entry.user_id != user_id:
        raise NotFoundError(f"No time entry #{entry_id}.")
    new_start = start_at or entry.started_at
    new_end = end_at if end_at is not None else entry.ended_at
    if new_end is not None:
        validate_times(new_start, new_end, now)
    elif new_start > now:
        raise InvalidInputError("A running entry cannot start in the future.")
    if card_id is not None and session.get(Card, card_id) is None:
        raise NotFoundError(f"No card #{card_id}.")
    entry.started_at = new_start
    entry.ended_at = new_end
    if card_id is not None:
        entry.card_id = card_id
    if note is not None:
        entry.note = clean_text(note, multiline=True)
    session.flush()
    clashes = overlaps(session, user_id, new_start, new_end or now, exclude=entry_id)
    return _entry_rows(session, TimeEntry.id == entry_id)[0], clashes


def delete_entry(session: Session, user_id: int, entry_id: int) -> EntryRow:
    """Delete an entry; returns what it was, so the UI can undo by adding it back."""
    rows = _entry_rows(session, TimeEntry.id == entry_id, TimeEntry.user_id == user_id)
    if not rows:
        raise NotFoundError(f"No time entry #{entry_id}.")
    session.execute(delete(TimeEntry).where(TimeEntry.id == entry_id))
    return rows[0]


def restore_entry(session: Session, user_id: int, row: EntryRow) -> int:
    """Add a deleted entry back, under its old id when that is free (so an entry billed
    before it was deleted is the billed one again, not new time to bill)."""
    free = session.get(TimeEntry, row.id) is None
    entry = TimeEntry(
        id=row.id if free else None,
        user_id=user_id,
        card_id=row.card_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        note=row.note,
        idle=row.idle,
    )
    session.add(entry)
    session.flush()
    return entry.id


def entries_between(
    session: Session, user_id: int, start_at: datetime, end_at: datetime
) -> list[EntryRow]:
    """Entries overlapping [start_at, end_at), oldest first."""
    return overlaps(session, user_id, start_at, end_at)


def resolve_absence(
    session: Session,
    user_id: int,
    choice: Literal["keep", "discard", "split"],
    *,
    now: datetime | None = None,
) -> EntryRow | None:
    """After an absence: keep the time, drop it, or split it off as a separate idle entry."""
    now = now or utcnow()
    entry = session.scalar(
        select(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None))
    )
    if entry is None:
        return None
    idle_from = max(entry.seen_at or entry.started_at, entry.started_at)
    if choice == "keep" or idle_from >= now:
        entry.seen_at = now
        session.flush()
        return _entry_rows(session, TimeEntry.id == entry.id)[0]
    entry.ended_at = idle_from
    entry.seen_at = None
    session.flush()
    card_id = entry.card_id
    if idle_from <= entry.started_at:
        # Away since the timer started: no 0:00 entry before the gap (a minimum charge
        # would bill it). The entry itself is the idle time, or goes.
        if choice == "split":
            entry.ended_at, entry.idle, entry.note = now, True, "idle time (split off)"
        else:
            session.delete(entry)
        session.flush()
    elif choice == "split":
        session.add(
            TimeEntry(
                user_id=user_id,
                card_id=entry.card_id,
                started_at=idle_from,
                ended_at=now,
                note="idle time (split off)",
                idle=True,
            )
        )
    fresh = TimeEntry(user_id=user_id, card_id=card_id, started_at=now, seen_at=now, note="")
    session.add(fresh)
    session.flush()
    _log(session, card_id, user_id, now, action=f"absence {choice}", entry=fresh.id)
    return _entry_rows(session, TimeEntry.id == fresh.id)[0]


def absence_seconds(entry: EntryRow | None, now: datetime, threshold_seconds: int) -> int:
    """How long the VA was away from a running timer, if longer than the threshold."""
    if entry is None or entry.ended_at is not None:
        return 0
    gap = int((now - max(entry.seen_at or entry.started_at, entry.started_at)).total_seconds())
    return gap if gap > threshold_seconds else 0


def local_zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise InvalidInputError(
            f"Unknown time zone {name!r}; use a name like Europe/Berlin."
        ) from None


@dataclass(frozen=True)
class Figures:
    """What the timer pane shows, computed once per change (not every second)."""

    running: EntryRow | None
    today: int
    week: int
    month: int
    client: str | None
    client_today: int
    client_week: int
    package_total: int
    package_left: int
    computed_at: datetime
    currency: str = ""
    """The client's currency, when the client has a rate."""
    rate_minor: int = 0
    """Hourly rate of the running entry's kind for this client (0: none)."""
    client_today_value: int = 0
    """Seconds times hourly rate of the client's time today: the amount times 3600, exact."""
    client_week_value: int = 0

    @property
    def client_today_minor(self) -> int:
        return (self.client_today_value + 1800) // 3600

    @property
    def client_week_minor(self) -> int:
        return (self.client_week_value + 1800) // 3600

    def at(self, now: datetime) -> Figures:
        """The same figures a moment later: only the running entry has grown."""
        grow = max(0, int((now - self.computed_at).total_seconds())) if self.running else 0
        client_grow = grow if self.running and self.running.client == self.client else 0
        return Figures(
            self.running,
            self.today + grow,
            self.week + grow,
            self.month + grow,
            self.client,
            self.client_today + client_grow,
            self.client_week + client_grow,
            self.package_total,
            self.package_left - client_grow,
            now,
            self.currency,
            self.rate_minor,
            self.client_today_value + client_grow * self.rate_minor,
            self.client_week_value + client_grow * self.rate_minor,
        )

    @property
    def package_level(self) -> str:
        """none, ok, low (under 20 % left) or exhausted."""
        if self.package_total <= 0:
            return "none"
        if self.package_left <= 0:
            return "exhausted"
        return "low" if self.package_left * 5 < self.package_total else "ok"


def period_starts(now: datetime, tz: tzinfo | None) -> tuple[datetime, datetime]:
    """UTC instants of local midnight today and of Monday this week (DST-safe).

    Aware arithmetic on a zone-backed datetime is wall-clock arithmetic, so the offset of
    each midnight is the one in force then, not now.
    """
    local = now.astimezone(tz or tzlocal())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = midnight - timedelta(days=midnight.weekday())
    return midnight.astimezone(UTC), monday.astimezone(UTC)


def _clipped(rows: list[EntryRow], start_at: datetime, now: datetime) -> int:
    total = 0
    for row in rows:
        begin = max(row.started_at, start_at)
        end = row.ended_at or now
        if end > begin:
            total += int((end - begin).total_seconds())
    return total


def figures(
    session: Session,
    user_id: int,
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    client_id: int | None = None,
) -> Figures:

    now = now or utcnow()
    from vadesk.domain.timecalc import month_start

    day_start, week_start = period_starts(now, tz)
    first = month_start(now, tz or tzlocal())
    rows = overlaps(session, user_id, min(week_start, first), now + timedelta(seconds=1))
    month_rows = [r for r in rows if (r.ended_at or now) > first]
    rows = [r for r in rows if (r.ended_at or now) > week_start]
    today_rows = [r for r in rows if (r.ended_at or now) > day_start]
    client_rows = [r for r in rows if client_id is not None and r.client_id == client_id]
    client_name = (
        session.scalar(select(Client.name).where(Client.id == client_id)) if client_id else None
    )
    package_total = package_left = 0
    currency, rate, today_value, week_value = "", 0, 0, 0
    if client_id is not None:
        from vadesk.services.billing import rules_for

        rules = rules_for(session, client_id)
        if rules.default_rate_minor > 0 or any(v > 0 for v in rules.rates.values()):
            currency = rules.currency
            for r in client_rows:
                week_value += _clipped([r], week_start, now) * rules.rate_for(r.kind)
                if (r.ended_at or now) > day_start:
                    today_value += _clipped([r], day_start, now) * rules.rate_for(r.kind)
            live = running(session, user_id)
            if live is not None and live.client_id == client_id:
                rate = rules.rate_for(live.kind)
        from vadesk.services.billing import package_balance

        # Billable time (rounding, minimum) draws packages down, oldest first.
        package_left, package_total = package_balance(session, client_id, now, tz or tzlocal())
    return Figures(
        running=running(session, user_id),
        today=_clipped(today_rows, day_start, now),
        week=_clipped(rows, week_start, now),
        month=_clipped(month_rows, first, now),
        client=client_name,
        client_today=_clipped(
            [r for r in client_rows if (r.ended_at or now) > day_start], day_start, now
        ),
        client_week=_clipped(client_rows, week_start, now),
        package_total=package_total,
        package_left=package_left,
        computed_at=now,
        currency=currency,
        rate_minor=rate,
        client_today_value=today_value,
        client_week_value=week_value,
    )


def add_package(
    session: Session,
    client_id: int,
    hours: float,
    price_minor: int,
    *,
    purchased_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    from vadesk.db.models import HourPackage

    if hours <= 0:
        raise InvalidInputError("A package needs a positive number of hours.")
    if price_minor < 0:
        raise InvalidInputError("A package price cannot be negative.")
    package = HourPackage(
        client_id=client_id,
        seconds=round(hours * 3600),
        price_minor=price_minor,
        purchased_at=purchased_at or utcnow(),
        expires_at=expires_at,
        note="",
    )
    session.add(package)
    session.flush()
    return package.id
