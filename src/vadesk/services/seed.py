"""Generated, realistic-looking data for trying vadesk and for benchmarks."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from vadesk.db.models import Card, CardActivity, Client, ClientTurnaround, Lane, TimeEntry
from vadesk.domain.clock import utcnow
from vadesk.domain.ranking import initial_ranks, rank_between
from vadesk.services.clients import PALETTE

COMPANIES = (
    "Acme Bakery",
    "Bright Dental",
    "Cedar Law",
    "Delta Yoga",
    "Evergreen Realty",
    "Fox & Finch Design",
    "Granite Coaching",
    "Harbor Travel",
    "Indigo Florist",
    "Juniper Consulting",
    "Kite Photography",
    "Lumen Therapy",
    "Maple Accounting",
    "Nova Fitness",
    "Orchid Events",
)
TASKS = {
    "admin": (
        "Reply to supplier about {thing}",
        "Book {thing} for next week",
        "Update {thing} spreadsheet",
        "Chase unpaid invoice for {thing}",
        "Reschedule {thing}",
        "Sort inbox and flag {thing}",
        "Renew {thing} subscription",
        "Prepare agenda for {thing}",
    ),
    "creative": (
        "Design Instagram post about {thing}",
        "Write newsletter on {thing}",
        "Draft blog article: {thing}",
        "Edit product photos for {thing}",
        "Make Canva flyer for {thing}",
    ),
    "call": ("Call {thing} to confirm details", "Phone {thing} about the quote"),
    "purchase": ("Order {thing}", "Compare prices for {thing}", "Buy gift for {thing}"),
    "other": ("Research {thing}", "Tidy shared drive folder for {thing}"),
}
THINGS = (
    "the spring campaign",
    "the team lunch",
    "Q3 taxes",
    "the new website",
    "the venue",
    "printer toner",
    "client onboarding",
    "the podcast",
    "flights to Lisbon",
    "the trade fair",
    "office plants",
    "the holiday party",
    "Google reviews",
    "the CRM",
    "payroll",
)


@dataclass(frozen=True)
class SeedResult:
    clients: int
    cards: int
    entries: int


def seed(
    session: Session,
    *,
    clients: int,
    cards: int,
    entries: int = 0,
    user_id: int,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> SeedResult:
    """Add ``clients`` clients, ``cards`` cards over the lanes and ``entries`` time entries."""
    now = now or utcnow()
    rng = rng or random.Random(42)
    existing = session.scalar(select(func.count(Client.id))) or 0
    client_ids: list[int] = []
    names = set(session.scalars(select(Client.name)))
    for i in range(clients):
        base = COMPANIES[(existing + i) % len(COMPANIES)]
        name, n = base, 2
        while name in names:
            name, n = f"{base} {n}", n + 1
        names.add(name)
        client = Client(
            name=name,
            currency=rng.choice(("EUR", "EUR", "USD", "GBP")),
            colour=PALETTE[(existing + i) % len(PALETTE)],
            default_rate_minor=rng.choice((2500, 3000, 3500, 4000)),
            created_at=now,
            rank=rank_between(session.scalar(select(func.max(Client.rank))), None),
        )
        session.add(client)
        session.flush()
        session.add_all(
            ClientTurnaround(client_id=client.id, kind=kind, hours=hours)
            for kind, hours in (("admin", 24), ("creative", 48))
        )
        client_ids.append(client.id)
    if not client_ids:
        client_ids = list(session.scalars(select(Client.id)))
    # Waiting lanes stay empty: a card there needs a paused clock (services/turnaround.py).
    lanes = list(
        session.scalars(
            select(Lane)
            .where(Lane.role != "inbox", Lane.waiting.is_(False))
            .order_by(Lane.position)
        )
    )
    per_lane: dict[int, int] = {}
    weights = [4 if lane.role == "done" else 1 for lane in lanes]
    for _ in range(cards):
        lane = rng.choices(lanes, weights)[0]
        per_lane[lane.id] = per_lane.get(lane.id, 0) + 1
    card_rows = []
    for lane in lanes:
        last = session.scalar(
            select(Card.rank).where(Card.lane_id == lane.id).order_by(Card.rank.desc()).limit(1)
        )
        for rank in initial_ranks(per_lane.get(lane.id, 0), after=last):
            kind = rng.choices(list(TASKS), (5, 3, 1, 1, 1))[0]
            created = now - timedelta(hours=rng.randint(1, 24 * 20))
            hours = {"admin": 24, "creative": 48}.get(kind, rng.choice((24, 72, 168)))
            card_rows.append(
                {
                    "lane_id": lane.id,
                    "rank": rank,
                    "title": rng.choice(TASKS[kind]).format(thing=rng.choice(THINGS)),
                    "description": "",
                    "client_id": rng.choice(client_ids) if client_ids else None,
                    "kind": kind,
                    "due_at": created + timedelta(hours=hours),
                    "labels": [],
                    "archived": False,
                    "created_at": created,
                    "updated_at": created,
                    "completed_at": now if lane.role == "done" else None,
                    "version": 1,
                }
            )
    if card_rows:
        session.execute(insert(Card), card_rows)
    new_ids = list(session.scalars(select(Card.id).order_by(Card.id.desc()).limit(len(card_rows))))
    if new_ids:
        session.execute(
            insert(CardActivity),
            [
                {
                    "card_id": cid,
                    "user_id": user_id,
                    "at": now,
                    "kind": "created",
                    "detail": {"seed": True},
                }
                for cid in new_ids
            ],
        )
    entry_rows = []
    if entries and new_ids:
        cursor = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        for _ in range(entries):
            cursor -= timedelta(minutes=rng.randint(10, 150))
            minutes = rng.randint(5, 90)
            entry_rows.append(
                {
                    "user_id": user_id,
                    "card_id": rng.choice(new_ids),
                    "started_at": cursor,
                    "ended_at": cursor + timedelta(minutes=minutes),
                    "note": "",
                    "idle": False,
                }
            )
            cursor -= timedelta(minutes=minutes)
        session.execute(insert(TimeEntry), entry_rows)
    return SeedResult(len(client_ids) if clients else 0, len(card_rows), len(entry_rows))
