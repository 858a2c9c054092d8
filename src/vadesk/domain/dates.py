"""Reading the dates people type: ISO first, then the common written forms."""

from __future__ import annotations

from datetime import datetime, time, tzinfo

from dateutil import parser as date_parser

from vadesk.errors import InvalidInputError


def parse_when(value: str | None, what: str = "date", tz: tzinfo | None = None) -> datetime | None:
    """An aware datetime from text; naive means local (or ``tz``), a bare date 23:59 that day.

    Accepts ISO 8601 ("2026-11-24", "2026-11-24T17:00+01:00") and written forms
    ("24 Nov 2026 17:00", "Nov 24 5pm"). Empty text means None.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
        date_only = len(text) == 10
    except ValueError:
        try:
            default = datetime.now(tz).replace(hour=23, minute=59, second=0, microsecond=0)
            parsed = date_parser.parse(text, default=default.replace(tzinfo=None))
            date_only = False
        except (ValueError, OverflowError):
            raise InvalidInputError(
                f"{what.capitalize()} {value!r} is not a date like 2026-11-24 or 2026-11-24T17:00."
            ) from None
    if date_only:
        parsed = datetime.combine(parsed.date(), time(23, 59))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz) if tz is not None else parsed.astimezone()
    return parsed


def format_local(value: datetime | None) -> str:
    """How the UI shows an instant for editing: local "YYYY-MM-DD HH:MM"."""
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M")
