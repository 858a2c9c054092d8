"""Billing rules per client: rates per kind, rounding, minimum charge, discount, hour packages.

Pure functions over plain values; money is integer minor units (cents) and never a float.
Decisions, each shown by a worked example in tests/unit/test_billing.py:
- the minimum charge applies per entry first, then rounding;
- "per day" rounding rounds each local day's total up and gives the extra to that day's last
  entry, so per-entry figures always add up to the day;
- packages are drawn down oldest purchase first, and cover only time worked on or after the
  purchase and before the expiry; an entry may be split across packages and the hourly rate;
- the amount of each entry is rounded half up to the minor unit; the discount is a percentage
  of the hourly-billed subtotal, rounded half up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from vadesk.domain.kinds import CARD_KINDS

KINDS = CARD_KINDS
CURRENCY_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "HUF": 2, "KWD": 3, "BHD": 3, "TND": 3}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


@dataclass(frozen=True)
class Rounding:
    minutes: int = 1
    """Round up to this many minutes: 0 (none), 1, 6 or 15."""
    scope: str = "entry"
    """Round each entry ("entry") or each local day's total ("day")."""

    def __post_init__(self) -> None:
        if self.minutes not in (0, 1, 6, 15):
            raise ValueError("rounding must be 0, 1, 6 or 15 minutes")
        if self.scope not in ("entry", "day"):
            raise ValueError("rounding scope must be 'entry' or 'day'")


@dataclass(frozen=True)
class BillingRules:
    currency: str = "EUR"
    default_rate_minor: int = 0
    """Per hour, for kinds without a rate of their own."""
    rates: Mapping[str, int] = field(default_factory=dict)
    rounding: Rounding = field(default_factory=Rounding)
    minimum_minutes: int = 0
    """Every entry bills at least this long (0: no minimum)."""
    discount_percent: int = 0

    def rate_for(self, kind: str) -> int:
        return self.rates.get(kind, self.default_rate_minor)


@dataclass(frozen=True)
class Package:
    id: int
    seconds: int
    price_minor: int
    purchased_at: datetime
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Entry:
    id: int
    start: datetime
    end: datetime
    kind: str
    card_id: int | None = None
    billable: bool = True
    """False (e.g. imported from Toggl as non-billable): its time counts, its amount is 0."""


@dataclass(frozen=True)
class Line:
    entry_id: int
    day: date
    kind: str
    card_id: int | None
    raw_seconds: int
    billed_seconds: int
    package_seconds: int
    hourly_seconds: int
    amount_minor: int


@dataclass(frozen=True)
class PackageUse:
    id: int
    total_seconds: int
    used_seconds: int
    remaining_seconds: int
    expired: bool


@dataclass(frozen=True)
class Invoice:
    currency: str
    lines: tuple[Line, ...]
    per_kind: Mapping[str, tuple[int, int]]
    """kind -> (billed seconds, amount)."""
    per_card: Mapping[int | None, tuple[int, int]]
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    packages: tuple[PackageUse, ...]

    @property
    def package_remaining(self) -> int:
        return sum(p.remaining_seconds for p in self.packages if not p.expired)


def _ceil_to(seconds: int, unit: int) -> int:
    return seconds if unit <= 0 else -(-seconds // unit) * unit


def billed_seconds(entries: Iterable[Entry], rules: BillingRules, tz: tzinfo) -> dict[int, int]:
    """Billable seconds per entry after the minimum charge and rounding."""
    unit = rules.rounding.minutes * 60
    minimum = rules.minimum_minutes * 60
    ordered = sorted(entries, key=lambda e: (e.start, e.id))
    base = {
        e.id: max(int((e.end - e.start).total_seconds()), minimum) if e.billable else 0
        for e in ordered
    }
    if rules.rounding.scope == "entry":
        return {entry_id: _ceil_to(seconds, unit) for entry_id, seconds in base.items()}
    result = dict(base)
    days: dict[date, list[Entry]] = {}
    for entry in ordered:
        if not entry.billable:
            continue
        days.setdefault(entry.start.astimezone(tz).date(), []).append(entry)
    for day_entries in days.values():
        total = sum(base[e.id] for e in day_entries)
        result[day_entries[-1].id] += _ceil_to(total, unit) - total
    return result


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def invoice(
    entries: Iterable[Entry],
    rules: BillingRules,
    packages: Iterable[Package],
    tz: tzinfo,
) -> Invoice:
    """Everything a monthly invoice needs for one client's entries."""
    ordered = sorted(entries, key=lambda e: (e.start, e.id))
    billed = billed_seconds(ordered, rules, tz)
    pkgs = sorted(packages, key=lambda p: (p.purchased_at, p.id))
    left = {p.id: p.seconds for p in pkgs}
    lines: list[Line] = []
    for entry in ordered:
        remaining = billed[entry.id]
        covered = 0
        for package in pkgs:
            if remaining <= 0:
                break
            usable = package.purchased_at <= entry.start and (
                package.expires_at is None or entry.start < package.expires_at
            )
            if usable and left[package.id] > 0:
                take = min(left[package.id], remaining)
                left[package.id] -= take
                remaining -= take
                covered += take
        amount = _half_up(Decimal(remaining * rules.rate_for(entry.kind)) / 3600)
        lines.append(
            Line(
                entry.id,
                entry.start.astimezone(tz).date(),
                entry.kind,
                entry.card_id,
                int((entry.end - entry.start).total_seconds()),
                billed[entry.id],
                covered,
                remaining,
                amount,
            )
        )
    per_kind: dict[str, tuple[int, int]] = {}
    per_card: dict[int | None, tuple[int, int]] = {}
    for line in lines:
        s, a = per_kind.get(line.kind, (0, 0))
        per_kind[line.kind] = (s + line.billed_seconds, a + line.amount_minor)
        s, a = per_card.get(line.card_id, (0, 0))
        per_card[line.card_id] = (s + line.billed_seconds, a + line.amount_minor)
    subtotal = sum(line.amount_minor for line in lines)
    discount = _half_up(Decimal(subtotal * rules.discount_percent) / 100)
    now_ref = ordered[-1].end if ordered else None
    uses = tuple(
        PackageUse(
            p.id,
            p.seconds,
            p.seconds - left[p.id],
            left[p.id],
            expired=bool(p.expires_at and now_ref and p.expires_at <= now_ref),
        )
        for p in pkgs
    )
    return Invoice(
        rules.currency,
        tuple(lines),
        per_kind,
        per_card,
        subtotal,
        discount,
        subtotal - discount,
        uses,
    )


def balance_level(remaining: int, total: int) -> str:
    """none, ok, low (under 20 % left) or exhausted."""
    if total <= 0:
        return "none"
    if remaining <= 0:
        return "exhausted"
    return "low" if remaining * 5 < total else "ok"


def format_money(minor: int, currency: str) -> str:
    """ "€12.50", "$1,234.00", "¥500", "CHF 12.50"; minus sign first."""
    exponent = CURRENCY_EXPONENTS.get(currency.upper(), 2)
    sign = "-" if minor < 0 else ""
    value = abs(minor)
    whole, frac = divmod(value, 10**exponent) if exponent else (value, 0)
    number = f"{whole:,}" + (f".{frac:0{exponent}d}" if exponent else "")
    symbol = SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency.upper()} {number}"
