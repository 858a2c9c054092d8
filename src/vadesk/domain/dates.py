"""Reading the dates people type: ISO first, then the common written forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, tzinfo

from dateutil import parser as date_parser

from vadesk.errors import InvalidInputError

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""No instant vadesk stores lies before this (nor at or after LATEST)."""
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
LARGEST_OFFSET = timedelta(hours=14)
"""Real zones run from UTC-12:00 to UTC+14:00; anything beyond is a typo."""
_BARE_NUMBER = re.compile(r"[+-]?[\d.,]+")


def parse_when(value: str | None, what: str = "date", tz: tzinfo | None = None) -> datetime | None:
    """An aware datetime from text; naive means local (or ``tz``), a bare date 23:59 that day.

    Accepts ISO 8601 ("2026-11-24", "2026-11-24T17:00+01:00") and written forms
    ("24 Nov 2026 17:00", "Nov 24 5pm"). Empty text means None. A bare number ("1", "-1"),
    a zone offset beyond ±14:00 and an instant outside 1970 to 2999 are refused.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    invalid = InvalidInputError(
        f"{what.capitalize()} {value!r} is not a date like 2026-11-24 or 2026-11-24T17:00."
    )
    if not text.isprintable():  # control characters, NUL: nothing a person typed as a date
        raise invalid
    try:
        parsed = datetime.fromisoformat(text)
        if len(text) == 10:  # a bare date: the end of that day
            parsed = datetime.combine(parsed.date(), time(23, 59), parsed.tzinfo)
    except ValueError:
        if _BARE_NUMBER.fullmatch(text):
            raise invalid from None
        parsed = _parse_written(text, tz, invalid)
    try:
        offset = parsed.utcoffset()
    except ValueError:  # a zone whose offset is not even a valid timedelta
        offset = LARGEST_OFFSET * 2
    if offset is not None and abs(offset) > LARGEST_OFFSET:
        raise InvalidInputError(
            f"{what.capitalize()} {value!r} has a zone offset beyond ±14:00; check the zone."
        )
    out_of_range = InvalidInputError(
        f"{what.capitalize()} {value!r} is out of range; give a date between 1970 and 2999."
    )
    try:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz) if tz is not None else parsed.astimezone()
        instant = parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        raise out_of_range from None
    if not EARLIEST <= instant < LATEST:
        raise out_of_range
    return parsed


def _parse_written(text: str, tz: tzinfo | None, invalid: InvalidInputError) -> datetime:
    """Written forms via dateutil; a missing time means 23:59, a missing minute :00."""
    today = datetime.now(tz).replace(tzinfo=None)
    early = today.replace(hour=0, minute=0, second=0, microsecond=0)
    late = today.replace(hour=23, minute=59, second=0, microsecond=0)
    try:
        # Parsing twice with different default times tells which time fields the text gave.
        first: datetime = date_parser.parse(text, default=early)
        second: datetime = date_parser.parse(text, default=late)
    except (ValueError, OverflowError, TypeError):
        raise invalid from None
    if first.hour != second.hour:  # no time given: the end of the day
        return second
    return first


def format_local(value: datetime | None) -> str:
    """How the UI shows an instant for editing: local "YYYY-MM-DD HH:MM"."""
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M")
