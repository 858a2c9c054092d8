"""Durations by local day and month: midnight and DST-safe (UTC arithmetic, local boundaries)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The instant local ``day`` begins (23 or 25 hours before the next on DST days)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def split_by_local_day(start: datetime, end: datetime, tz: tzinfo) -> dict[date, int]:
    """Seconds of [start, end) in each local calendar day."""
    result: dict[date, int] = {}
    cursor = start
    while cursor < end:
        day = cursor.astimezone(tz).date()
        boundary = local_midnight(day + timedelta(days=1), tz)
        piece_end = min(end, boundary)
        result[day] = result.get(day, 0) + int((piece_end - cursor).total_seconds())
        cursor = piece_end
    return result


def split_by_local_month(start: datetime, end: datetime, tz: tzinfo) -> dict[tuple[int, int], int]:
    """Seconds of [start, end) in each local (year, month)."""
    result: dict[tuple[int, int], int] = {}
    for day, seconds in split_by_local_day(start, end, tz).items():
        key = (day.year, day.month)
        result[key] = result.get(key, 0) + seconds
    return result


def month_start(now: datetime, tz: tzinfo) -> datetime:
    local = now.astimezone(tz)
    return local_midnight(local.date().replace(day=1), tz)
