"""Billing rules from worked examples a VA would recognise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vadesk.domain.billing import (
    BillingRules,
    Entry,
    Package,
    Rounding,
    balance_level,
    billed_seconds,
    format_money,
    invoice,
)

BERLIN = ZoneInfo("Europe/Berlin")
MON = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
ACME = BillingRules("EUR", default_rate_minor=4000, rates={"creative": 6000})


def entry(i: int, minutes: int, kind: str = "admin", start: datetime = MON, card: int = 1) -> Entry:
    begin = start + timedelta(hours=i)
    return Entry(i, begin, begin + timedelta(minutes=minutes), kind, card)


@pytest.mark.parametrize(
    ("rules", "minutes", "billed_minutes", "amount"),
    [
        # €40/h admin, to the minute: 30 min bills 30 min = €20.00.
        (ACME, [30], [30], 2000),
        # Round up to 15 min per entry: a 7-minute admin entry bills 15 min = €10.00.
        (BillingRules("EUR", 4000, rounding=Rounding(15, "entry")), [7], [15], 1000),
        # Six-minute rounding per entry: 7 and 8 minutes bill 12 + 12.
        (BillingRules("EUR", 4000, rounding=Rounding(6, "entry")), [7, 8], [12, 12], 1600),
        # ... per day: 15 raw minutes on one day bill 18, the extra on the day's last entry.
        (BillingRules("EUR", 4000, rounding=Rounding(6, "day")), [7, 8], [7, 11], 1200),
        # No rounding bills the exact seconds: 10 minutes at €40/h.
        (BillingRules("EUR", 4000, rounding=Rounding(0, "entry")), [10], [10], 667),
        # A 15-minute minimum: a 4-minute call bills 15 minutes.
        (BillingRules("EUR", 4000, minimum_minutes=15), [4, 20], [15, 20], 2333),
        # Minimum first, then rounding: 4 minutes -> 10 minimum -> 15 rounded.
        (
            BillingRules("EUR", 4000, rounding=Rounding(15, "entry"), minimum_minutes=10),
            [4],
            [15],
            1000,
        ),
    ],
)
def test_rounding_and_minimum(
    rules: BillingRules, minutes: list[int], billed_minutes: list[int], amount: int
) -> None:
    entries = [entry(i, m) for i, m in enumerate(minutes)]
    bill = invoice(entries, rules, [], BERLIN)
    assert [line.billed_seconds // 60 for line in bill.lines] == billed_minutes
    assert bill.total_minor == amount


def test_rate_per_kind_and_a_long_term_discount() -> None:
    rules = BillingRules("EUR", 4000, rates={"creative": 6000}, discount_percent=10)
    bill = invoice([entry(0, 60, "admin"), entry(2, 30, "creative", card=2)], rules, [], BERLIN)
    assert bill.per_kind == {"admin": (3600, 4000), "creative": (1800, 3000)}
    assert bill.per_card == {1: (3600, 4000), 2: (1800, 3000)}
    assert (bill.subtotal_minor, bill.discount_minor, bill.total_minor) == (7000, 700, 6300)


def test_package_covers_first_and_overflow_bills_at_the_rate() -> None:
    package = Package(1, 10 * 3600, 35000, purchased_at=MON - timedelta(days=1))
    entries = [entry(i * 3, 4 * 60) for i in range(3)]  # 12 hours worked
    bill = invoice(entries, ACME, [package], BERLIN)
    assert [line.package_seconds // 3600 for line in bill.lines] == [4, 4, 2]
    assert [line.hourly_seconds // 3600 for line in bill.lines] == [0, 0, 2]
    assert bill.total_minor == 2 * 4000
    assert bill.packages[0].remaining_seconds == 0 and bill.package_remaining == 0


def test_two_packages_are_used_oldest_first_and_an_entry_can_split() -> None:
    old = Package(1, 3600, 3500, purchased_at=MON - timedelta(days=30))
    new = Package(2, 7200, 7000, purchased_at=MON - timedelta(days=2))
    bill = invoice([entry(0, 90), entry(3, 60)], ACME, [new, old], BERLIN)
    assert [(u.id, u.used_seconds) for u in bill.packages] == [(1, 3600), (2, 5400)]
    assert bill.lines[0].package_seconds == 5400 and bill.total_minor == 0
    assert bill.package_remaining == 1800


def test_expired_or_later_packages_do_not_cover_time() -> None:
    expired = Package(
        1, 36000, 1, purchased_at=MON - timedelta(days=60), expires_at=MON - timedelta(days=1)
    )
    future = Package(2, 36000, 1, purchased_at=MON + timedelta(days=1))
    bill = invoice([entry(0, 60)], ACME, [expired, future], BERLIN)
    assert bill.lines[0].package_seconds == 0 and bill.total_minor == 4000


def test_an_entry_across_midnight_rounds_on_the_day_it_started() -> None:
    late = datetime(2026, 11, 23, 22, 50, tzinfo=UTC)  # 23:50 Berlin
    rules = BillingRules("EUR", 4000, rounding=Rounding(15, "day"))
    billed = billed_seconds([Entry(1, late, late + timedelta(minutes=20), "admin")], rules, BERLIN)
    assert billed == {1: 30 * 60}


def test_day_rounding_uses_local_days_across_dst() -> None:
    # 25 Oct 2026, Berlin falls back: 00:30 local is 22:30 UTC the day before.
    a = Entry(
        1,
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
        datetime(2026, 10, 24, 22, 37, tzinfo=UTC),
        "admin",
    )
    b = Entry(
        2,
        datetime(2026, 10, 25, 20, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 20, 8, tzinfo=UTC),
        "admin",
    )
    rules = BillingRules("EUR", 4000, rounding=Rounding(6, "day"))
    assert billed_seconds([a, b], rules, BERLIN) == {1: 7 * 60, 2: 11 * 60}  # same local day


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1250, "EUR", "€12.50"),
        (123400, "USD", "$1,234.00"),
        (500, "JPY", "¥500"),
        (-99, "GBP", "-£0.99"),
        (1250, "CHF", "CHF 12.50"),
        (1234, "KWD", "KWD 1.234"),
    ],
)
def test_format_money(minor: int, currency: str, text: str) -> None:
    assert format_money(minor, currency) == text


@pytest.mark.parametrize(
    ("remaining", "total", "level"),
    [
        (0, 0, "none"),
        (0, 3600, "exhausted"),
        (-60, 3600, "exhausted"),
        (700, 3600, "low"),
        (720, 3600, "ok"),
    ],
)
def test_balance_levels(remaining: int, total: int, level: str) -> None:
    assert balance_level(remaining, total) == level
