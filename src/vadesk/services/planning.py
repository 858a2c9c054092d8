"""The week plan: per client, in the VA's priority order, the cards planned for a week with
their estimates, the hours agreed for the week (or what is left of the client's package),
the time logged so far, and the VA's capacity; and moving a card in or out of a week.

Plain data out (frozen dataclasses); the arithmetic is in vadesk.domain.planning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vadesk.config import Settings
from vadesk.db.models import Card, Client, HourPackage, Lane, TimeEntry
from vadesk.domain.clock import utcnow
from vadesk.domain.planning import (
    Load,
    Week,
    clipped_seconds,
    planned_seconds,
    week_budget_seconds,
)
from vadesk.errors import InvalidInputError
from vadesk.services.card_access import load_for_write, log_activity

CANDIDATE_LIMIT = 200
"""At most this many unplanned cards are offered to pull into a week."""


def _minutes(seconds: int) -> int:
    """Whole minutes, half up (as reports round worked time)."""
    return (seconds + 30) // 60


@dataclass(frozen=True)
class PlanCard:
    """A card as the week plan shows it."""

    id: int
    title: str
    kind: str
    lane: str
    done: bool
    estimate_minutes: int | None
    """None: no estimate (shown as "–", counted as 0)."""
    logged_seconds: int
    """Time logged on the card in the week so far."""
    planned_week: date | None
    due_at: datetime | None
    version: int
    client_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "lane": self.lane,
            "done": self.done,
            "estimate_minutes": self.estimate_minutes,
            "logged_minutes": _minutes(self.logged_seconds),
            "due": self.due_at.isoformat() if self.due_at else None,
            "planned_week": Week(self.planned_week).label if self.planned_week else None,
        }


@dataclass(frozen=True)
class Budget:
    """What a client has for the week: agreed hours, or their package."""

    source: str
    """"agreed" (hours per week or month) or "package" (prepaid hours)."""
    seconds: int
    """Agreed: this week's share. Package: what was left when the week began."""
    agreed_minutes: int | None = None
    agreed_period: str | None = None
    package_left_seconds: int | None = None
    """Package: what is left now."""

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "minutes": _minutes(self.seconds),
            "agreed_minutes": self.agreed_minutes,
            "agreed_period": self.agreed_period,
            "package_left_minutes": (
                None if self.package_left_seconds is None else _minutes(self.package_left_seconds)
            ),
        }


@dataclass(frozen=True)
class ClientPlan:
    """One client's section of the week (id None: cards without a client)."""

    id: int | None
    name: str | None
    cards: tuple[PlanCard, ...]
    planned_seconds: int
    unestimated: int
    logged_seconds: int
    """Time logged this week on any of the client's cards, planned or not."""
    budget: Budget | None

    @property
    def load(self) -> Load:
        return Load(
            self.planned_seconds,
            self.logged_seconds,
            self.budget.seconds if self.budget else None,
        )

    @property
    def over_budget(self) -> bool:
        return self.load.over

    def as_json(self) -> dict[str, Any]:
        left = self.load.left_seconds
        return {
            "id": self.id,
            "name": self.name,
            "planned_minutes": _minutes(self.planned_seconds),
            "unestimated": self.unestimated,
            "logged_minutes": _minutes(self.logged_seconds),
            "budget": self.budget.as_json() if self.budget else None,
            "left_minutes": None if left is None else _minutes(left),
            "over_budget": self.over_budget,
            "cards": [card.as_json() for card in self.cards],
        }


@dataclass(frozen=True)
class WeekPlan:
    week: Week
    timezone: str
    capacity_seconds: int
    clients: tuple[ClientPlan, ...]
    """Every active client in priority order, then cards without a client (if any);
    only the asked client with ``client_id``."""
    planned_seconds: int
    """All planned estimates of the week, every client (also under ``client_id``)."""
    unestimated: int
    logged_seconds: int
    """All time logged in the week so far."""
    is_current: bool
    """The week holding "now"."""

    @property
    def load(self) -> Load:
        return Load(self.planned_seconds, self.logged_seconds, self.capacity_seconds)

    @property
    def over_capacity(self) -> bool:
        return self.load.over

    def as_json(self) -> dict[str, Any]:
        return {
            "week": self.week.label,
            "from": self.week.monday.isoformat(),
            "to": self.week.sunday.isoformat(),
            "timezone": self.timezone,
            "capacity_minutes": _minutes(self.capacity_seconds),
            "planned_minutes": _minutes(self.planned_seconds),
            "unestimated": self.unestimated,
            "logged_minutes": _minutes(self.logged_seconds),
            "over_capacity": self.over_capacity,
            "clients": [client.as_json() for client in self.clients],
        }


def plan_zone(settings: Settings) -> tuple[tzinfo, str]:
    """The VA's zone (the ``timezone`` setting, else the system's) and its name: the rule of
    reports.report_zone, without importing the reports (the week screen opens faster)."""
    from dateutil.tz import tzlocal

    from vadesk.services.timer import local_zone

    zone = local_zone(settings.timezone)
    if zone is not None:
        return zone, settings.timezone or ""
    local = tzlocal()
    return local, datetime.now(local).tzname() or "local time"


def _card_query() -> Any:
    return (
        select(
            Card.id,
            Card.title,
            Card.kind,
            Lane.name,
            Lane.role,
            Card.estimate_minutes,
            Card.planned_week,
            Card.due_at,
            Card.version,
            Card.client_id,
        )
        .join(Lane, Lane.id == Card.lane_id)
        .outerjoin(Client, Client.id == Card.client_id)
        .where(Card.archived.is_(False), or_(Card.client_id.is_(None), Client.archived.is_(False)))
        .order_by(Lane.position, Card.rank, Card.id)
    )


def _plan_card(row: Any, logged: dict[int, int]) -> PlanCard:
    card_id, title, kind, lane, role, estimate, planned, due, version, client_id = row
    return PlanCard(
        id=card_id,
        title=title,
        kind=kind,
        lane=lane,
        done=role == "done",
        estimate_minutes=estimate,
        logged_seconds=logged.get(card_id, 0),
        planned_week=planned,
        due_at=due,
        version=version,
        client_id=client_id,
    )


def week_plan(
    session: Session,
    week: Week,
    *,
    tz: tzinfo,
    now: datetime | None = None,
    capacity_hours: int = 30,
    work_days: Sequence[str] = ("mon", "tue", "wed", "thu", "fri"),
    client_id: int | None = None,
    timezone_name: str = "",
) -> WeekPlan:
    """The plan of ``week``; with ``client_id`` only that client's section (totals stay the
    whole week's, as capacity is the VA's)."""
    now = now or utcnow()
    start, end = week.bounds(tz)
    clients = session.execute(
        select(Client.id, Client.name, Client.agreed_minutes, Client.agreed_period)
        .where(Client.archived.is_(False))
        .order_by(Client.rank, Client.id)
    ).all()
    cards = session.execute(_card_query().where(Card.planned_week == week.monday)).all()
    spans = session.execute(
        select(TimeEntry.card_id, Card.client_id, TimeEntry.started_at, TimeEntry.ended_at)
        .join(Card, Card.id == TimeEntry.card_id)
        .where(
            TimeEntry.idle.is_(False),
            TimeEntry.started_at < min(end, now),
            or_(TimeEntry.ended_at.is_(None), TimeEntry.ended_at > start),
        )
    ).all()
    per_card: dict[int, int] = {}
    per_client: dict[int | None, int] = {}
    for card_id, owner, began, ended in spans:
        seconds = clipped_seconds([(began, ended)], start, end, now)
        per_card[card_id] = per_card.get(card_id, 0) + seconds
        per_client[owner] = per_client.get(owner, 0) + seconds
    by_client: dict[int | None, list[PlanCard]] = {}
    for row in cards:
        card = _plan_card(row, per_card)
        by_client.setdefault(card.client_id, []).append(card)

    # One query for who has a package at all, not one per client.
    with_packages = set(
        session.scalars(
            select(HourPackage.client_id).where(
                or_(HourPackage.expires_at.is_(None), HourPackage.expires_at > now)
            )
        )
    )
    sections: list[ClientPlan] = []
    for cid, name, agreed, period in clients:
        budget = _budget(
            session, cid, agreed, period, week, tz, now, work_days, cid in with_packages
        )
        sections.append(_section(cid, name, by_client.get(cid, []), per_client.get(cid, 0), budget))
    if by_client.get(None):
        sections.append(_section(None, None, by_client[None], per_client.get(None, 0), None))
    estimates = [c.estimate_minutes for cs in by_client.values() for c in cs]
    planned, missing = planned_seconds(estimates)
    shown = tuple(s for s in sections if client_id is None or s.id == client_id)
    return WeekPlan(
        week=week,
        timezone=timezone_name,
        capacity_seconds=capacity_hours * 3600,
        clients=shown,
        planned_seconds=planned,
        unestimated=missing,
        logged_seconds=sum(per_client.values()),
        is_current=start <= now < end,
    )


def _section(
    client_id: int | None,
    name: str | None,
    cards: list[PlanCard],
    logged: int,
    budget: Budget | None,
) -> ClientPlan:
    planned, missing = planned_seconds([c.estimate_minutes for c in cards])
    return ClientPlan(client_id, name, tuple(cards), planned, missing, logged, budget)


def _budget(
    session: Session,
    client_id: int,
    agreed: int | None,
    period: str,
    week: Week,
    tz: tzinfo,
    now: datetime,
    work_days: Sequence[str],
    has_package: bool,
) -> Budget | None:
    """Agreed hours when there are any, else the package as it stood when the week began."""
    if agreed is not None and agreed > 0:
        seconds = week_budget_seconds(agreed, period, week, work_days)
        return Budget("agreed", seconds, agreed_minutes=agreed, agreed_period=period)
    if not has_package:
        return None
    from vadesk.services.billing import client_invoice, packages_for

    packages = [
        p for p in packages_for(session, client_id) if p.expires_at is None or p.expires_at > now
    ]
    if not packages:
        return None
    since = min(p.purchased_at for p in packages)
    bill = client_invoice(session, client_id, since, now + timedelta(seconds=1), tz, now)
    live = {p.id for p in packages}
    left_now = sum(u.remaining_seconds for u in bill.packages if u.id in live)
    # What the week's (and any later) time drew from the packages was there when it began.
    drawn_since = sum(line.package_seconds for line in bill.lines if line.day >= week.monday)
    return Budget("package", left_now + drawn_since, package_left_seconds=left_now)


def unplanned_cards(
    session: Session,
    client_id: int | None,
    week: Week,
    *,
    limit: int = CANDIDATE_LIMIT,
) -> list[PlanCard]:
    """Open cards of the client (None: without a client) to pull into ``week``: unplanned
    ones, and those planned for an earlier week and not done (carried over)."""
    owner = Card.client_id.is_(None) if client_id is None else Card.client_id == client_id
    rows = session.execute(
        _card_query()
        .where(
            owner,
            Lane.role != "done",
            or_(Card.planned_week.is_(None), Card.planned_week < week.monday),
        )
        .limit(limit)
    ).all()
    return [_plan_card(row, {}) for row in rows]


def plan_card(
    session: Session,
    card_id: int,
    week: Week | None,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> PlanCard:
    """Plan the card for ``week`` (None: unplanned). One card row written, its version
    checked and the row re-read under a lock, and a "planned" line in its activity log."""
    now = now or utcnow()
    card = load_for_write(session, card_id, expected_version)
    if card.archived:
        raise InvalidInputError(f"Card #{card_id} is archived; restore it before planning it.")
    target = week.monday if week is not None else None
    if card.planned_week != target:
        was = card.planned_week
        card.planned_week = target
        card.updated_at = now
        session.flush()
        log_activity(
            session,
            card_id,
            "planned",
            user_id,
            now,
            week=week.label if week is not None else None,
            was=Week(was).label if was is not None else None,
        )
    row = session.execute(
        select(
            Card.id,
            Card.title,
            Card.kind,
            Lane.name,
            Lane.role,
            Card.estimate_minutes,
            Card.planned_week,
            Card.due_at,
            Card.version,
            Card.client_id,
        )
        .join(Lane, Lane.id == Card.lane_id)
        .where(Card.id == card_id)
    ).one()
    return _plan_card(row, {})


def settings_plan(
    session: Session,
    settings: Settings,
    week: Week,
    *,
    now: datetime | None = None,
    client_id: int | None = None,
) -> WeekPlan:
    """``week_plan`` with the VA's zone, capacity and working days from the settings."""
    tz, name = plan_zone(settings)
    return week_plan(
        session,
        week,
        tz=tz,
        now=now,
        capacity_hours=settings.weekly_capacity_hours,
        work_days=settings.work_days,
        client_id=client_id,
        timezone_name=name,
    )
