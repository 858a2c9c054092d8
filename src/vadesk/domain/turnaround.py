"""Turnaround promises: when a card is due, in calendar or working hours, and how waiting on
the client moves that time.

Calendar hours are elapsed hours (an hour is an hour, across a DST change too). Working hours
count only the VA's working hours on working days that are not public holidays or days off,
in the VA's time zone; a working day keeps its wall-clock hours on the days the clocks change.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from statistics import median

from vadesk.domain.durations import span

CALENDAR = "calendar"
WORKING = "working"
MODES = (CALENDAR, WORKING)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

MAX_DAYS = 3660
"""Days searched for working time before giving up (a calendar with no open day)."""


@dataclass(frozen=True)
class Turnaround:
    """The legacy admin/creative pair (client columns); ``client_turnaround`` rows replace it."""

    admin_hours: int = 24
    creative_hours: int = 48

    def hours_for(self, kind: str) -> int | None:
        return {"admin": self.admin_hours, "creative": self.creative_hours}.get(kind)


def default_due(kind: str, created_at: datetime, rule: Turnaround) -> datetime | None:
    """Due time promised for a card of ``kind`` created at ``created_at``; None if no promise."""
    hours = rule.hours_for(kind)
    return None if hours is None else created_at + timedelta(hours=hours)


@dataclass(frozen=True)
class WorkingTime:
    """The VA's working week: which days, which hours (local to ``zone``), which days closed."""

    zone: tzinfo
    days: frozenset[int] = frozenset(range(5))
    """Open weekdays, Monday = 0."""
    start: time = time(9)
    end: time = time(17)
    closed: Container[date] = field(default_factory=frozenset)
    """Public holidays and the VA's days off (a set, or a `holidays` calendar)."""

    def is_open(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.closed

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The working hours of ``day`` as UTC instants (wall-clock hours, whatever the DST)."""
        opens = datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.end, tzinfo=self.zone).astimezone(UTC)
        return opens, closes

    def _days_from(self, instant: datetime) -> Iterable[date]:
        day = instant.astimezone(self.zone).date() - timedelta(days=1)  # a window may start early
        for _ in range(MAX_DAYS):
            yield day
            day += timedelta(days=1)
        raise ValueError("No working day in ten years: check work_days, holidays and days_off.")

    def add(self, start: datetime, seconds: int) -> datetime:
        """The instant ``seconds`` of working time after ``start`` (``start`` itself for 0)."""
        if seconds <= 0:
            return start
        start = start.astimezone(UTC)
        left = timedelta(seconds=seconds)
        for day in self._days_from(start):
            if not self.is_open(day):
                continue
            opens, closes = self.window(day)
            if closes <= start:
                continue
            begin = max(opens, start)
            if left <= closes - begin:
                return begin + left
            left -= closes - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def between(self, first: datetime, last: datetime) -> int:
        """Working seconds from ``first`` to ``last`` (0 when ``last`` is not later)."""
        first, last = first.astimezone(UTC), last.astimezone(UTC)
        if last <= first:
            return 0
        total = timedelta(0)
        for day in self._days_from(first):
            opens, closes = self.window(day)
            if opens >= last:
                break
            if self.is_open(day):
                overlap = min(closes, last) - max(opens, first)
                total += max(overlap, timedelta(0))
        return int(total.total_seconds())


def parse_hours(text: str) -> tuple[time, time]:
    """``"09:00-17:00"`` -> (09:00, 17:00); ValueError with a one-line reason otherwise."""
    parts = text.replace(" ", "").split("-")
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not a range like 09:00-17:00")
    try:
        start, end = (_clock(p) for p in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not a range like 09:00-17:00") from None
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts")
    return start, end


def _clock(text: str) -> time:
    hours, _, minutes = text.partition(":")
    if not hours.isdigit() or not (minutes or "00").isdigit() or len(minutes or "00") != 2:
        raise ValueError(text)
    return time(int(hours), int(minutes or 0))


def parse_days(names: Iterable[str]) -> frozenset[int]:
    """``["mon", "tue"]`` -> {0, 1}; ValueError naming the first unknown day."""
    days: set[int] = set()
    for name in names:
        key = str(name).strip().lower()[:3]
        if key not in WEEKDAYS:
            raise ValueError(f"{name!r} is not a weekday (mon, tue, ... sun)")
        days.add(WEEKDAYS.index(key))
    if not days:
        raise ValueError("no working days")
    return frozenset(days)


def due_after(start: datetime, hours: int | None, working: WorkingTime | None) -> datetime | None:
    """When ``hours`` of turnaround from ``start`` end: calendar hours when ``working`` is None.

    None hours: no promise, no due time.
    """
    if hours is None:
        return None
    if working is None:
        return start.astimezone(UTC) + timedelta(hours=hours)  # UTC: elapsed, not wall, hours
    return working.add(start, hours * 3600)


def shifted_due(
    due: datetime, paused_at: datetime, resumed_at: datetime, working: WorkingTime | None
) -> datetime:
    """The due time after a pause: moved by the time the pause took (in working time when
    ``working`` is given), so the time left, or the time late, is what it was when it paused."""
    if resumed_at <= paused_at:
        return due
    if working is None:
        # Whole seconds, as durations are kept: the shift equals what waited_seconds adds.
        return due.astimezone(UTC) + timedelta(seconds=waited_seconds(paused_at, resumed_at))
    return working.add(due, working.between(paused_at, resumed_at))


def waited_seconds(paused_at: datetime, resumed_at: datetime) -> int:
    """Elapsed seconds of a pause (what the card's ``waited_seconds`` adds up)."""
    return max(0, int((resumed_at - paused_at).total_seconds()))


def effective_due(
    due: datetime | None,
    paused_at: datetime | None,
    now: datetime,
    working: WorkingTime | None = None,
) -> datetime | None:
    """The due time as it stands at ``now``: a paused clock has moved it by the pause so far."""
    if due is None or paused_at is None:
        return due
    return shifted_due(due, paused_at, now, working)


def due_state(
    due: datetime | None,
    now: datetime,
    soon: timedelta = timedelta(hours=24),
    paused: bool = False,
) -> str:
    """ "overdue", "today" (due within ``soon``), "later", "waiting" or "none", for colouring."""
    if paused:
        return "waiting"
    if due is None:
        return "none"
    if due < now:
        return "overdue"
    if due - now <= soon:
        return "today"
    return "later"


def waiting_text(paused_at: datetime, now: datetime) -> str:
    """How long a card has waited, short: "waiting 5m", "waiting 3h", "waiting 2d"."""
    waited = max(timedelta(0), now - paused_at)
    if waited < timedelta(hours=1):
        return f"waiting {int(waited.total_seconds() // 60)}m"
    if waited < timedelta(days=2):
        return f"waiting {int(waited.total_seconds() // 3600)}h"
    return f"waiting {waited.days}d"


def median_seconds(values: Iterable[int]) -> int | None:
    """The median of whole seconds (of the two middle ones for an even count, rounded down)."""
    ordered = list(values)
    return int(median(ordered)) if ordered else None


def activity_text(kind: str, detail: dict[str, object]) -> str | None:
    """A line for a card's activity log about its clock; None for other kinds."""
    if kind == "paused":
        if detail.get("by") == "flag":
            return "clock paused: waiting on the client"
        return "clock paused: in a waiting lane"
    if kind == "resumed":
        waited = detail.get("waited_seconds")
        after = f" after {span(waited)}" if isinstance(waited, int) else ""
        return f"clock running again{after}; the due time moved as much"
    if kind == "waiting":
        return "flagged as waiting" if detail.get("waiting") else "no longer flagged as waiting"
    return None
