"""Per-client billing rules and invoices, computed by domain.billing from stored rows."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vadesk.db.models import Card, Client, ClientRate, HourPackage, TimeEntry
from vadesk.domain.amounts import parse_money as parse_money
from vadesk.domain.billing import KINDS, BillingRules, Entry, Invoice, Package, Rounding, invoice
from vadesk.errors import InvalidInputError, NotFoundError


def _client(session: Session, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"No client #{client_id}.")
    return client


def rules_for(session: Session, client_id: int) -> BillingRules:
    client = _client(session, client_id)
    rates = {
        kind: rate
        for kind, rate in session.execute(
            select(ClientRate.kind, ClientRate.rate_minor).where(ClientRate.client_id == client_id)
        )
    }
    return BillingRules(
        currency=client.currency,
        default_rate_minor=client.default_rate_minor,
        rates=rates,
        rounding=Rounding(client.rounding_minutes, client.rounding_scope),
        minimum_minutes=client.minimum_charge_minutes,
        discount_percent=client.discount_percent,
    )


def set_rules(
    session: Session,
    client_id: int,
    *,
    default_rate_minor: int | None = None,
    rates: dict[str, int] | None = None,
    rounding_minutes: int | None = None,
    rounding_scope: str | None = None,
    minimum_minutes: int | None = None,
    discount_percent: int | None = None,
) -> BillingRules:
    client = _client(session, client_id)
    if rounding_minutes is not None:
        if rounding_minutes not in (0, 1, 6, 15):
            raise InvalidInputError("Rounding must be 0 (none), 1, 6 or 15 minutes.")
        client.rounding_minutes = rounding_minutes
    if rounding_scope is not None:
        if rounding_scope not in ("entry", "day"):
            raise InvalidInputError("Rounding applies per 'entry' or per 'day'.")
        client.rounding_scope = rounding_scope
    if minimum_minutes is not None:
        if minimum_minutes < 0:
            raise InvalidInputError("The minimum charge cannot be negative.")
        client.minimum_charge_minutes = minimum_minutes
    if discount_percent is not None:
        if not 0 <= discount_percent <= 100:
            raise InvalidInputError("The discount must be between 0 and 100 %.")
        client.discount_percent = discount_percent
    if default_rate_minor is not None:
        client.default_rate_minor = default_rate_minor
    for kind, rate in (rates or {}).items():
        if kind not in KINDS:
            raise InvalidInputError(f"Kind {kind!r} is not one of: {', '.join(KINDS)}.")
        session.execute(
            delete(ClientRate).where(ClientRate.client_id == client_id, ClientRate.kind == kind)
        )
        session.add(ClientRate(client_id=client_id, kind=kind, rate_minor=rate))
    session.flush()
    return rules_for(session, client_id)


def packages_for(session: Session, client_id: int) -> list[Package]:
    return [
        Package(p.id, p.seconds, p.price_minor, p.purchased_at, p.expires_at)
        for p in session.scalars(
            select(HourPackage)
            .where(HourPackage.client_id == client_id)
            .order_by(HourPackage.purchased_at)
        )
    ]


def client_invoice(
    session: Session, client_id: int, start: datetime, end: datetime, tz: tzinfo, now: datetime
) -> Invoice:
    """The client's closed entries from ``start`` to ``end`` (running ones up to ``now``)."""
    rows = session.execute(
        select(
            TimeEntry.id,
            TimeEntry.started_at,
            TimeEntry.ended_at,
            Card.kind,
            Card.id,
            TimeEntry.billable,
        )
        .join(Card, Card.id == TimeEntry.card_id)
        .where(
            Card.client_id == client_id,
            TimeEntry.started_at >= start,
            TimeEntry.started_at < end,
            TimeEntry.idle.is_(False),
        )
    ).all()
    entries = [Entry(i, s, e or max(s, now), k, c, b) for i, s, e, k, c, b in rows]
    return invoice(entries, rules_for(session, client_id), packages_for(session, client_id), tz)


def package_balance(session: Session, client_id: int, now: datetime, tz: tzinfo) -> tuple[int, int]:
    """(remaining, total) seconds of the client's unexpired packages, billable time drawn down."""
    packages = [
        p for p in packages_for(session, client_id) if p.expires_at is None or p.expires_at > now
    ]
    if not packages:
        return 0, 0
    since = min(p.purchased_at for p in packages)
    bill = client_invoice(session, client_id, since, now + timedelta(seconds=1), tz, now)
    live = {p.id for p in packages}
    remaining = sum(u.remaining_seconds for u in bill.packages if u.id in live)
    return remaining, sum(p.seconds for p in packages)
