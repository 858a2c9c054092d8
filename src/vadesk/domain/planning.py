"""The week plan's arithmetic: ISO weeks, budgets for a week, over-capacity and over-budget.

Pure: dates and plain numbers in, plain values out. Decisions, each shown by worked examples
in tests/unit/test_planning.py:
- a week is an ISO week, Monday to Sunday in the VA's zone, named like ``2026-W49``;
- hours agreed per month are prorated to a week by the VA's working days: each working day
  of a month gets an equal share of that month's hours, and a week gets the shares of its
  working days (a week across two months takes from both); public holidays and days off do
  not change the share;
- a card without an estimate counts as 0 in every sum (and is counted apart, so the plan
  can say how many are missing);
- over budget (or over capacity) means the planned estimates or the time logged exceed it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from fractions import Fraction

from vadesk.errors import InvalidInputError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, order=True)
class Week:
    """One ISO week, named by its Monday."""

    monday: date

    def __post_init__(self) -> None:
        if self.monday.weekday() != 0:
            raise ValueError(f"{self.monday} is not a Monday")

    @classmethod
    def of(cls, day: date) -> Week:
        """The week holding ``day``."""
        return cls(day - timedelta(days=day.weekday()))

    @property
    def label(self) -> str:
        """``2026-W49`` (the ISO year, which differs from the calendar year around New Year)."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    def shifted(self, weeks: int) -> Week:
        return Week(self.monday + timedelta(weeks=weeks))

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """UTC instants of local midnight starting Monday and the next Monday (DST-safe)."""
        start = datetime(self.monday.year, self.monday.month, self.monday.day, tzinfo=tz)
        after = self.monday + timedelta(days=7)
        end = datetime(after.year, after.month, after.day, tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    @property
    def span(self) -> str:
        """The days, e.g. "23-29 Nov 2026" or "30 Nov - 6 Dec 2026", with an en dash."""
        first, last = self.monday, self.sunday
        end = f"{last.day} {_MONTHS[last.month - 1]} {last.year}"
        if first.year != last.year:
            return f"{first.day} {_MONTHS[first.month - 1]} {first.year} – {end}"
        if first.month != last.month:
            return f"{first.day} {_MONTHS[first.month - 1]} – {end}"
        return f"{first.day}–{end}"


def parse_week(text: str) -> Week:
    """A week from ``2026-W49`` (or ``2026w49``), or from any ISO date in it (``2026-12-03``)."""
    value = text.strip()
    match = _WEEK.fullmatch(value)
    if match is None:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInputError(
                f"Week {text!r} is not an ISO week like 2026-W49 (or a date in it)."
            ) from None
        year = day.year
    else:
        year, number = int(match.group(1)), int(match.group(2))
    if not 1970 <= year <= 2999:
        raise InvalidInputError(f"Week {text!r} is out of range; give a year from 1970 to 2999.")
    if match is None:
        return Week.of(day)
    try:
        return Week(date.fromisocalendar(year, number, 1))
    except ValueError:
        last = date(year, 12, 28).isocalendar()[1]  # 28 December is always in the last week
        raise InvalidInputError(
            f"Week {text!r} does not exist: {year} has weeks 1 to {last}."
        ) from None


def current_week(now: datetime, tz: tzinfo) -> Week:
    """The week holding ``now`` in the zone ``tz``."""
    return Week.of(now.astimezone(tz).date())


def working_weekdays(work_days: Sequence[str]) -> frozenset[int]:
    """Weekday numbers (Monday 0) from names like "mon" or "Monday"; none known: every day."""
    days = frozenset(
        DAY_NAMES.index(name.strip().lower()[:3])
        for name in work_days
        if name.strip().lower()[:3] in DAY_NAMES
    )
    return days or frozenset(range(7))


def week_budget_seconds(
    agreed_minutes: int, period: str, week: Week, work_days: Sequence[str] = DAY_NAMES[:5]
) -> int:
    """The seconds of agreed time that fall to ``week``, to the whole minute (half up).

    ``period`` "week": all of it. "month": the shares of the week's working days in each
    month they belong to (see the module docstring).
    """
    if agreed_minutes <= 0:
        return 0
    if period == "week":
        return agreed_minutes * 60
    if period != "month":
        raise ValueError(f"unknown period {period!r}")
    weekdays = working_weekdays(work_days)
    share = Fraction(0)
    per_month: dict[tuple[int, int], int] = {}
    for day in week.days():
        if day.weekday() in weekdays:
            key = (day.year, day.month)
            per_month[key] = per_month.get(key, 0) + 1
    for (year, month), days_in_week in per_month.items():
        share += Fraction(
            agreed_minutes * days_in_week, _working_days_in_month(year, month, weekdays)
        )
    return int(share + Fraction(1, 2)) * 60


def _working_days_in_month(year: int, month: int, weekdays: frozenset[int]) -> int:
    day = date(year, month, 1)
    count = 0
    while day.month == month:
        count += day.weekday() in weekdays
        day += timedelta(days=1)
    return count


@dataclass(frozen=True)
class Load:
    """Planned estimates and logged time against a limit (a budget or the VA's capacity)."""

    planned_seconds: int
    logged_seconds: int
    limit_seconds: int | None
    """None: no limit (nothing agreed, no package): never over."""

    @property
    def over(self) -> bool:
        if self.limit_seconds is None:
            return False
        return max(self.planned_seconds, self.logged_seconds) > self.limit_seconds

    @property
    def left_seconds(self) -> int | None:
        """What the limit leaves after the time logged (negative when overspent)."""
        return None if self.limit_seconds is None else self.limit_seconds - self.logged_seconds


def planned_seconds(estimates: Sequence[int | None]) -> tuple[int, int]:
    """(seconds of the estimates, how many cards have none): a missing estimate counts 0."""
    return sum((e or 0) for e in estimates) * 60, sum(1 for e in estimates if e is None)


def clipped_seconds(
    spans: Sequence[tuple[datetime, datetime | None]], start: datetime, end: datetime, now: datetime
) -> int:
    """Seconds of the spans (a running one ends ``now``) inside [start, min(end, now))."""
    stop = min(end, now)
    total = 0
    for began, ended in spans:
        piece = int((min(ended or now, stop) - max(began, start)).total_seconds())
        if piece > 0:
            total += piece
    return total


_DURATION = re.compile(
    r"(?:(?P<hours>\d+(?:[.,]\d+)?)\s*h(?:ours?)?)?\s*(?:(?P<minutes>\d+)\s*m(?:in(?:utes?)?)?)?",
    re.IGNORECASE,
)
MAX_ESTIMATE_MINUTES = 100_000


def parse_estimate(text: str) -> int | None:
    """Minutes from "90", "1:30", "1.5h", "2h 15m", "45m"; empty text, "-" or "none": no
    estimate (None)."""
    value = text.strip()
    if value.lower() in ("", "-", "\u2013", "none"):
        return None
    invalid = InvalidInputError(f"Estimate {text!r} is not a duration like 90, 1:30 or 1.5h.")
    minutes: float
    if value.isdigit():
        minutes = int(value)
    elif re.fullmatch(r"\d+:[0-5]\d", value):
        hours, mins = value.split(":")
        minutes = int(hours) * 60 + int(mins)
    else:
        match = _DURATION.fullmatch(value)
        if match is None or not (match.group("hours") or match.group("minutes")):
            raise invalid
        hours_text = (match.group("hours") or "0").replace(",", ".")
        minutes = float(hours_text) * 60 + int(match.group("minutes") or 0)
    if minutes > MAX_ESTIMATE_MINUTES:
        raise InvalidInputError(
            f"Estimate {text!r} is over {MAX_ESTIMATE_MINUTES:,} minutes; give a smaller one."
        )
    return round(minutes)
