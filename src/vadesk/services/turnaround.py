"""Turnaround that is honest: due times from each client's promise, clocks that pause while a
card waits on the client, and per-month on-time figures for the reports.

A card's clock is paused while it is flagged as waiting or sits in a waiting lane (not in a
done lane). ``cards.waiting_since`` holds when the current pause began; when the pause ends
the stored due time moves by the time it took (in working time for a client counted in working
hours) and ``waited_seconds`` adds its length. So the stored due time is always the promise as
it stands, and a paused card's due time keeps moving until it resumes (``effective_due``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from vadesk.config import Settings
from vadesk.db.models import Card, Client, ClientTurnaround, Lane
from vadesk.domain import turnaround as rules
from vadesk.domain.clock import utcnow
from vadesk.errors import ConfigError, InvalidInputError, NotFoundError
from vadesk.services.card_access import load_for_write, log_activity

DEFAULT_HOURS = {"admin": 24, "creative": 48}
"""The promise for a card without a client (a client's own rows say it for the client)."""


# ---------------------------------------------------------------- the VA's working time


def settings_of(session: Session) -> Settings:
    """The settings of the store that opened ``session`` (defaults when it was not a store)."""
    found = session.info.get("settings")
    return found if isinstance(found, Settings) else _DEFAULTS


_DEFAULTS = Settings()


def working_time(settings: Settings) -> rules.WorkingTime:
    """The VA's working days and hours, holidays and days off; ConfigError names a bad one."""
    return _working_time(
        settings.timezone or "",
        tuple(settings.work_days),
        settings.work_hours,
        settings.holidays_country,
        settings.holidays_subdivision,
        tuple(settings.days_off),
    )


@lru_cache(maxsize=8)
def _working_time(
    zone_name: str,
    days: tuple[str, ...],
    hours: str,
    country: str,
    subdivision: str,
    days_off: tuple[str, ...],
) -> rules.WorkingTime:
    try:
        week = rules.parse_days(days)
    except ValueError as error:
        raise ConfigError(
            f'Setting \'work_days\': {error}; list days like ["mon", "fri"].'
        ) from None
    try:
        start, end = rules.parse_hours(hours)
    except ValueError as error:
        raise ConfigError(f"Setting 'work_hours': {error}.") from None
    off: set[date] = set()
    for text in days_off:
        try:
            off.add(date.fromisoformat(str(text)))
        except ValueError:
            raise ConfigError(
                f"Setting 'days_off': {text!r} is not a date like 2026-12-24."
            ) from None
    return rules.WorkingTime(
        vas_zone(zone_name), week, start, end, _Closed(off, country, subdivision)
    )


class _Closed:
    """Days off plus the public holidays of a country (the `holidays` library, loaded lazily)."""

    def __init__(self, days_off: set[date], country: str, subdivision: str) -> None:
        self.days_off = frozenset(days_off)
        self.public: Any = None
        if country:
            import holidays

            try:
                self.public = holidays.country_holidays(country.upper(), subdiv=subdivision or None)
            except NotImplementedError:
                where = (
                    f"{country!r} with subdivision {subdivision!r}"
                    if subdivision
                    else repr(country)
                )
                raise ConfigError(
                    f"Setting 'holidays_country': no public holidays known for {where}; "
                    'use an ISO code like "DE" (and a subdivision like "BY").'
                ) from None

    def __contains__(self, day: object) -> bool:
        return day in self.days_off or (self.public is not None and day in self.public)


def vas_zone(name: str) -> tzinfo:
    """The zone named in the settings, else the system's own (with its DST rules)."""
    if name:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            raise ConfigError(
                f"Setting 'timezone': unknown time zone {name!r}; use a name like Europe/Berlin."
            ) from None
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        try:
            return ZoneInfo(env)
        except (KeyError, ValueError):
            pass
    try:
        with open("/etc/localtime", "rb") as file:
            return ZoneInfo.from_file(file)
    except OSError:
        zone = datetime.now().astimezone().tzinfo
        return zone if zone is not None else UTC


# ---------------------------------------------------------------- due times


@dataclass(frozen=True)
class Rule:
    """How a client's promise for one kind of card counts."""

    hours: int | None
    working: rules.WorkingTime | None
    """None: calendar hours."""


def rule_for(session: Session, client_id: int | None, kind: str) -> Rule:
    """The client's promise for ``kind`` (its ``client_turnaround`` row; none, no promise)."""
    if client_id is None:
        return Rule(DEFAULT_HOURS.get(kind), None)
    mode = session.scalar(select(Client.turnaround_mode).where(Client.id == client_id))
    if mode is None:
        raise NotFoundError(f"No client #{client_id}; `vadesk client list` shows the clients.")
    hours = session.scalar(
        select(ClientTurnaround.hours).where(
            ClientTurnaround.client_id == client_id, ClientTurnaround.kind == kind
        )
    )
    working = working_time(settings_of(session)) if mode == rules.WORKING else None
    return Rule(hours, working)


def working_for(session: Session, client_id: int | None) -> rules.WorkingTime | None:
    """Working time for a client counted in working hours; None for calendar hours."""
    if client_id is None:
        return None
    mode = session.scalar(select(Client.turnaround_mode).where(Client.id == client_id))
    return working_time(settings_of(session)) if mode == rules.WORKING else None


def due_for_new_card(
    session: Session, client_id: int | None, kind: str, created_at: datetime
) -> datetime | None:
    """When a card created now is due by its client's promise; None when nothing was promised."""
    rule = rule_for(session, client_id, kind)
    return rules.due_after(created_at, rule.hours, rule.working)


# ---------------------------------------------------------------- pausing the clock


@dataclass(frozen=True)
class Waiting:
    """A card's clock after a change: flagged, paused since when, and its due time."""

    card_id: int
    waiting: bool
    paused_since: datetime | None
    due_at: datetime | None
    waited_seconds: int
    version: int
    title: str


def set_waiting(
    session: Session,
    card_id: int,
    waiting: bool | None = None,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Waiting:
    """Flag a card as waiting on the client, or not (``None`` toggles); the clock follows."""
    now = now or utcnow()
    card = load_for_write(session, card_id, expected_version)
    lane = session.get(Lane, card.lane_id)
    assert lane is not None  # a foreign key
    flag = (not card.waiting) if waiting is None else waiting
    if flag != card.waiting:
        card.waiting = flag
        card.updated_at = now
        if not sync_clock(session, card, lane, by="flag", user_id=user_id, now=now):
            # In a waiting lane the clock does not change, but the flag is still history.
            log_activity(session, card.id, "waiting", user_id, now, waiting=flag)
        session.flush()
    return _waiting(card)


def sync_clock(
    session: Session,
    card: Card,
    lane: Lane,
    *,
    by: str,
    user_id: int | None,
    now: datetime,
) -> bool:
    """Pause or resume ``card``'s clock for where it now is (its lane and flag); True if the
    clock changed, with a line in its activity log. The caller holds the card's row lock."""
    if lane.role == "done" and card.waiting:
        card.waiting = False  # a finished card waits on nobody
    paused = lane.role != "done" and (card.waiting or lane.waiting)
    if paused and card.waiting_since is None:
        card.waiting_since = now
        log_activity(session, card.id, "paused", user_id, now, by=by, lane=lane.id)
        return True
    if not paused and card.waiting_since is not None:
        since = card.waiting_since
        if card.due_at is not None:
            card.due_at = rules.shifted_due(
                card.due_at, since, now, working_for(session, card.client_id)
            )
        waited = rules.waited_seconds(since, now)
        card.waited_seconds = (card.waited_seconds or 0) + waited
        card.waiting_since = None
        log_activity(
            session,
            card.id,
            "resumed",
            user_id,
            now,
            by=by,
            lane=lane.id,
            waited_seconds=waited,
            due=card.due_at.isoformat() if card.due_at else None,
        )
        return True
    return False


def set_lane_waiting(
    session: Session,
    lane_id: int,
    waiting: bool,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Mark a lane as a waiting lane, or not: its cards' clocks pause or resume with it.
    Returns how many clocks changed."""
    from vadesk.services.lanes import get_lane

    now = now or utcnow()
    in_lane = (
        select(Card.id).where(Card.lane_id == lane_id, Card.archived.is_(False)).order_by(Card.id)
    )
    # The lane's cards first, then the lane (PostgreSQL): a card being reordered within this
    # lane holds its own row and waits for the lane's; the other order would deadlock with it.
    session.scalars(in_lane.with_for_update()).all()
    lane = get_lane(session, lane_id, lock=True)
    if lane.waiting == waiting:
        return 0
    if waiting and lane.role == "done":
        raise InvalidInputError("A Done lane cannot be a waiting lane: done cards wait on nobody.")
    lane.waiting = waiting
    changed = 0
    for card_id in list(session.scalars(in_lane)):  # again: with the lane held, none can arrive
        card = load_for_write(session, card_id, None)
        if card.lane_id != lane_id or card.archived:
            continue  # moved away (or archived) while we waited for its lock
        if sync_clock(session, card, lane, by="lane", user_id=user_id, now=now):
            card.updated_at = now
            changed += 1
    session.flush()
    return changed


def _waiting(card: Card) -> Waiting:
    return Waiting(
        card.id,
        card.waiting,
        card.waiting_since,
        card.due_at,
        card.waited_seconds,
        card.version,
        card.title,
    )


def waiting_of(session: Session, card_id: int, now: datetime | None = None) -> Waiting:
    """A card's clock as it stands: a paused card's due time has moved by the pause so far."""
    card = session.get(Card, card_id)
    if card is None:
        raise NotFoundError(f"No card #{card_id}; `vadesk card list` shows the cards.")
    due = rules.effective_due(
        card.due_at, card.waiting_since, now or utcnow(), working_for(session, card.client_id)
    )
    return Waiting(
        card.id,
        card.waiting,
        card.waiting_since,
        due,
        card.waited_seconds,
        card.version,
        card.title,
    )


# ---------------------------------------------------------------- the board's due counts


def due_counts(session: Session, now: datetime, soon: timedelta) -> tuple[int, int]:
    """(overdue, due soon) among cards whose clock runs, outside Done, of clients not
    archived: one pass over the cards (the board reads it with every snapshot)."""
    now = now.astimezone(UTC)
    overdue = func.sum(case((Card.due_at < now, 1), else_=0))
    due_soon = func.sum(case((and_(Card.due_at >= now, Card.due_at <= now + soon), 1), else_=0))
    row = session.execute(
        select(func.coalesce(overdue, 0), func.coalesce(due_soon, 0))
        .join(Lane, Lane.id == Card.lane_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(
            Card.archived.is_(False),
            Lane.role != "done",
            Card.waiting_since.is_(None),
            Card.due_at.is_not(None),
            Client.archived.is_not(True),
        )
    ).one()
    return int(row[0]), int(row[1])


def due_soon_count(session: Session, now: datetime, hours: int) -> int:
    """Cards due in the next ``hours`` (the board header's "due soon")."""
    return due_counts(session, now, timedelta(hours=hours))[1]


def next_overdue(
    session: Session,
    after_card: int | None,
    now: datetime,
    *,
    text: str = "",
    client_id: int | None = None,
) -> int | None:
    """The first overdue card after ``after_card`` in board order (lane by lane, top to
    bottom), wrapping round to the first; None when nothing is overdue.

    ``text`` and ``client_id`` are the board's filters: a card they hide is skipped.
    """
    from vadesk.services.board_read import _filtered  # the board's own filter rules

    stmt = (
        select(Card.id, Lane.position, Lane.id, Card.rank)
        .join(Lane, Lane.id == Card.lane_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(
            Card.archived.is_(False),
            Lane.role != "done",
            Card.waiting_since.is_(None),
            Card.due_at < now.astimezone(UTC),
        )
        .order_by(Lane.position, Lane.id, Card.rank, Card.id)
    )
    rows = [tuple(r) for r in session.execute(_filtered(stmt, text, client_id))]
    if not rows:
        return None
    if after_card is not None:
        here = session.execute(
            select(Lane.position, Lane.id, Card.rank, Card.id)
            .join(Lane, Lane.id == Card.lane_id)
            .where(Card.id == after_card)
        ).one_or_none()
        if here is not None:
            key = tuple(here)
            for card_id, position, lane_id, rank in rows:
                if (position, lane_id, rank, card_id) > key:
                    return int(card_id)
    return int(rows[0][0])


# ---------------------------------------------------------------- per client and month


@dataclass(frozen=True)
class MonthFigures:
    """Cards a client got done in a month, against their promise."""

    client_id: int | None
    client: str | None
    month: str
    """``YYYY-MM``."""
    done: int
    on_time: int
    late: int
    no_due: int
    """Done cards that had no due time (no promise)."""
    median_seconds: int | None
    """Median time from creation to done; None when nothing was done."""

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client": self.client,
            "month": self.month,
            "done": self.done,
            "on_time": self.on_time,
            "late": self.late,
            "no_due": self.no_due,
            "median_seconds": self.median_seconds,
        }


def month_figures(
    session: Session,
    year: int,
    month: int,
    *,
    zone: tzinfo | None = None,
    client_id: int | None = None,
) -> list[MonthFigures]:
    """On time, late and the median creation-to-done time per client (in the clients' priority
    order, cards without a client last) for cards done in that month (local to ``zone``)."""
    zone = zone or vas_zone(settings_of(session).timezone or "")
    first = datetime(year, month, 1, tzinfo=zone)
    after = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    stmt = (
        select(
            Card.client_id,
            Card.created_at,
            Card.completed_at,
            Card.due_at,
            Card.waiting_since,
            Client.name,
            Client.rank,
        )
        .outerjoin(Client, Client.id == Card.client_id)
        .where(
            Card.completed_at.is_not(None),
            Card.completed_at >= first.astimezone(UTC),
            Card.completed_at < after.astimezone(UTC),
        )
    )
    if client_id is not None:
        stmt = stmt.where(Card.client_id == client_id)
    groups: dict[int | None, list[Any]] = {}
    for row in session.execute(stmt):
        groups.setdefault(row.client_id, []).append(row)
    result: list[tuple[tuple[int, str], MonthFigures]] = []
    for cid, rows in groups.items():
        working = working_for(session, cid)
        on_time = late = no_due = 0
        spans: list[int] = []
        for row in rows:
            done_at: datetime = row.completed_at
            spans.append(int((done_at - row.created_at).total_seconds()))
            due = rules.effective_due(row.due_at, row.waiting_since, done_at, working)
            if due is None:
                no_due += 1
            elif done_at <= due:
                on_time += 1
            else:
                late += 1
        name, rank = rows[0].name, rows[0].rank
        figures = MonthFigures(
            cid,
            name,
            f"{year:04d}-{month:02d}",
            len(rows),
            on_time,
            late,
            no_due,
            rules.median_seconds(spans),
        )
        result.append(((0, rank or "") if cid is not None else (1, ""), figures))
    result.sort(key=lambda item: item[0])
    return [figures for _key, figures in result]
