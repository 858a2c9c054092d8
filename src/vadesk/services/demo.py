"""The demo board: a VA's real-looking working day, relative to now."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from vadesk.config import Settings, data_dir
from vadesk.db.models import Card, TimeEntry
from vadesk.domain.clock import utcnow
from vadesk.services.billing import set_rules
from vadesk.services.cards import create_card
from vadesk.services.checklist import add_checklist_item
from vadesk.services.clients import ClientInput, Contact, add_client, save_client
from vadesk.services.lanes import list_lanes
from vadesk.services.timer import add_package

if TYPE_CHECKING:
    from vadesk.services.store import Store

CLIENTS = (
    ("Acme Bakery", "EUR", ("orders@acme-bakery.example", "acme@in.vadesk.example")),
    ("Bright Dental", "USD", ("office@brightdental.example",)),
    ("Cedar Law", "GBP", ("assist@cedarlaw.example",)),
    ("Delta Yoga", "EUR", ("hello@deltayoga.example",)),
)
PROFILES = (
    ClientInput(
        company="Acme Bakery Ltd",
        contacts=(
            Contact("Maria Rossi", "maria@acme-bakery.example", "+44 20 7946 0321", "owner"),
            Contact("Tom Baker", "orders@acme-bakery.example", "", "orders"),
        ),
        timezone="Europe/London",
        working_hours={"days": "mon-sat", "hours": "06:00-14:00"},
        onboarding={"Preferred communication": "Email; a call only when an order is at risk"},
        nda_signed_on="2026-03-02",
        nda_note="Signed PDF: Drive/Acme/NDA-2026.pdf",
        contract_start="2026-03-01",
    ),
    ClientInput(
        company="Bright Dental Group",
        contacts=(
            Contact("Dr. Lisa Chen", "lisa@brightdental.example", "+1 617 555 0142", "dentist"),
        ),
        timezone="America/New_York",
        working_hours={"days": "mon-fri", "hours": "08:00-18:00"},
        channel="phone",
        agreed_minutes=10 * 60,
        agreed_period="week",
        nda_signed_on="2026-05-20",
    ),
    ClientInput(
        company="Cedar Law LLP",
        contacts=(
            Contact("James Okafor", "james@cedarlaw.example", "+44 161 496 0123", "partner"),
        ),
        timezone="Europe/London",
        working_hours={"days": "mon-fri", "hours": "09:00-17:30"},
        agreed_minutes=40 * 60,
        agreed_period="month",
        nda_signed_on="2026-01-12",
        nda_note="Firm's own NDA, countersigned",
    ),
    ClientInput(
        company="Delta Yoga Studio",
        contacts=(Contact("Ana García", "hello@deltayoga.example", "+34 912 345 678", "owner"),),
        timezone="Europe/Madrid",
        working_hours={"days": "tue-sat", "hours": "10:00-19:00"},
        channel="chat",
    ),
)
"""Per client: the profile a first look at the clients screen shows."""
DEMO_RATES = ((3_500, 4_500), (4_000, 5_000), (5_500, 6_500), (3_000, 4_000))
"""Per client: hourly rate and creative rate, in minor units of its currency."""
# (lane, client index or None, kind, title, hours until due (negative = overdue) or None)
CARDS: tuple[tuple[str, int | None, str, str, float | None], ...] = (
    ("Urgent", 0, "admin", "Chase flour supplier about missing delivery", -3),
    ("Urgent", 1, "call", "Call patient list to reschedule Friday", 2),
    ("Urgent", 2, "admin", "File court form 7B before noon", -1),
    ("Urgent", 3, "creative", "Fix typo on class timetable poster", 5),
    ("High", 0, "creative", "Design Christmas stollen Instagram post", 20),
    ("High", 1, "admin", "Confirm insurance for new hygienist", 10),
    ("High", 2, "purchase", "Order toner and A4 paper", 30),
    ("High", 3, "admin", "Reply to retreat venue about deposit", 6),
    ("High", 0, "admin", "Update allergen spreadsheet", 22),
    ("High", None, "other", "Renew my own accounting software", 48),
    ("Normal", 0, "creative", "Write December newsletter", 44),
    ("Normal", 1, "creative", "Draft blog: 5 myths about whitening", 40),
    ("Normal", 2, "admin", "Book flights to Lisbon conference", 36),
    ("Normal", 2, "call", "Call accountant re Q4 VAT", 28),
    ("Normal", 3, "purchase", "Buy 20 yoga mats (compare 3 shops)", 72),
    ("Normal", 3, "admin", "Sort inbox and flag member complaints", 12),
    ("Normal", 1, "admin", "Send appointment reminders for next week", 18),
    ("Normal", 0, "other", "Tidy shared drive: recipes folder", None),
    ("Normal", 1, "purchase", "Order branded toothbrushes", 96),
    ("Normal", 2, "creative", "Edit partner headshots for website", 47),
    ("Low", 0, "other", "Research bakery POS systems", None),
    ("Low", 3, "creative", "Sketch ideas for summer retreat flyer", 160),
    ("Low", 2, "other", "Archive 2024 client folders", None),
    ("Low", 1, "admin", "Collect Google review links", 120),
    ("Low", 0, "purchase", "Gift for 10-year anniversary staff", 200),
    ("Low", None, "other", "Update my VA rate card", None),
    ("Done", 0, "admin", "Reply to wholesale enquiry", -20),
    ("Done", 1, "call", "Confirm Monday appointments", -30),
    ("Done", 2, "admin", "Prepare agenda for partner meeting", -40),
    ("Done", 3, "creative", "Post weekend class schedule", -10),
    ("Done", 0, "purchase", "Order gift boxes", -50),
    ("Done", 1, "admin", "Renew domain name", -70),
    ("Done", 2, "call", "Phone courier about lost parcel", -26),
    ("Done", 3, "admin", "Send invoices to members", -60),
    ("Done", 0, "creative", "Edit product photos: rye loaf", -33),
    ("Done", 1, "admin", "Chase unpaid invoice #1042", -80),
    ("Done", 2, "other", "Scan signed contracts", -90),
    ("Done", 3, "admin", "Update class booking page", -44),
    ("Normal", 0, "call", "Phone \x1b[31mMarco\x1b[0m about [bold]wedding cake[/bold]", 30),
    ("High", 1, "admin", "Check dentist's email for new patient forms", 14),
)


DEMO_PLAN: tuple[tuple[int, int | None, int], ...] = (
    (0, 30, 0), (4, 90, 0), (8, None, 0), (20, 300, 0), (24, 120, 0), (26, 20, 0), (10, 120, 1),
    (1, 60, 0), (5, 30, 0), (11, 180, 0), (16, 45, 1),
    (2, 45, 0), (6, 15, 0), (12, 60, 0), (13, 30, 0), (19, 240, 0),
    (3, 15, 0), (7, 20, 0), (14, 60, 1),
    (9, 30, 0),
)  # fmt: skip
"""(index into CARDS, estimate in minutes or None, week from this one) for the week plan."""


def load_demo(session: Session, *, user_id: int, now: datetime | None = None) -> None:
    """Fill an empty database with the demo clients, ~40 cards and a week of time."""
    now = now or utcnow()
    clients = [
        add_client(session, name, emails=emails, currency=currency, now=now)
        for name, currency, emails in CLIENTS
    ]
    for client_row, profile in zip(clients, PROFILES, strict=True):
        save_client(session, profile, client_row.id, now=now)
    lanes = {lane.name: lane.id for lane in list_lanes(session)}
    ids: list[int] = []
    for lane, client, kind, title, hours in CARDS:
        due = None if hours is None else now + timedelta(hours=hours)
        row = create_card(
            session,
            title,
            lane_id=lanes[lane],
            client_id=clients[client].id if client is not None else None,
            kind=kind,
            due_at=due,
            user_id=user_id,
            now=now - timedelta(hours=2),
        )
        ids.append(row.id)
        if lane == "Done" and due is not None:
            # Asked for a day before it was due; every other one finished in time, so the
            # reports' turnaround record has both (and creation comes before completion).
            finished = due - timedelta(hours=3) if len(ids) % 2 else due + timedelta(hours=5)
            session.execute(
                update(Card)
                .where(Card.id == row.id)
                .values(created_at=due - timedelta(hours=24), completed_at=min(finished, now))
            )
    first = ids[4]
    for text in ("Caption draft", "Pick photo", "Schedule for 9:00"):
        add_checklist_item(session, first, text, user_id=user_id, now=now)
    entries = []
    local_midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    for day in range(7):
        start = local_midnight - timedelta(days=day) + timedelta(hours=9)
        for slot in range(4):
            card_id = ids[(day * 4 + slot) % len(ids)]
            begin = start + timedelta(minutes=slot * 95)
            end = begin + timedelta(minutes=25 + (day * 7 + slot * 13) % 60)
            if end < now:
                entries.append(
                    {
                        "user_id": user_id,
                        "card_id": card_id,
                        "started_at": begin,
                        "ended_at": end,
                        "note": "",
                        "idle": False,
                    }
                )
    session.execute(insert(TimeEntry), entries)
    # Rates and a prepaid package, so the pane, the time sheet and reports show money.
    for client_row, (rate, creative) in zip(clients, DEMO_RATES, strict=True):
        set_rules(session, client_row.id, default_rate_minor=rate, rates={"creative": creative})
    add_package(
        session, clients[0].id, hours=10, price_minor=35_000, purchased_at=now - timedelta(days=20)
    )
    # The week plan (W): estimates, and cards planned for this week (0) and the next (1).
    monday = now.astimezone().date() - timedelta(days=now.astimezone().weekday())
    for index, estimate, week in DEMO_PLAN:
        session.execute(
            update(Card)
            .where(Card.id == ids[index])
            .values(estimate_minutes=estimate, planned_week=monday + timedelta(weeks=week))
        )


def demo_database_path() -> Path:
    """Where the demo board lives: demo.db in vadesk's data folder, beside vadesk.db."""
    return data_dir() / "demo.db"


def open_demo(settings: Settings, *, reset: bool) -> Store:
    """The demo database; ``reset`` (a --demo start of the board) begins it afresh.

    Without ``reset`` (a subcommand under --demo) it is used as it is, and only made, with
    the demo day in it, when it does not exist yet.
    """
    from vadesk.services.store import open_store

    path = demo_database_path()
    if reset:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                path.with_name(path.name + suffix).unlink()
    fresh = not path.exists()
    store = open_store(settings, f"sqlite:///{path}")
    if fresh:
        with store.write() as session:
            load_demo(session, user_id=store.user_id)
    return store
