"""What a client profile may hold: each field read from what a person typed, or refused.

Every function returns the value as vadesk stores it (an email address lower-cased, a phone
number in E.164, a currency upper-cased, hours as "09:00-17:00") or raises an
``InvalidInputError`` whose one line names the field and says what to give instead.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from typing import Any

from vadesk.domain.kinds import CARD_KINDS
from vadesk.domain.text import clean_text, clean_title
from vadesk.errors import InvalidInputError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS = ("email", "phone", "chat", "video")
AGREED_PERIODS = ("week", "month")
TURNAROUND_MODES = ("calendar", "working")
ROUNDINGS = (0, 1, 6, 15)
ROUNDING_SCOPES = ("entry", "day")
MAX_MINIMUM_MINUTES = 600
MAX_TURNAROUND_HOURS = 24 * 366
MAX_AGREED_MINUTES = 744 * 60
"""Every hour of a 31-day month: more than that cannot be agreed for any period."""
MAX_CONTACTS = 50
MAX_ADDRESSES = 50
MAX_ANSWER = 5000
MAX_NOTE = 2000
LARGEST_RATE_MINOR = 100_000_000
"""A million in a currency's major unit, with two decimals (as ``amounts.parse_money``)."""

_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules", "posix", "right"})
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_TIME = r"(\d{1,2})(?::?(\d{2}))?"
_RANGE = re.compile(rf"{_TIME}\s*[-–—]\s*{_TIME}")
_AGREED = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:h|hrs?|hours?)?\s*(?:/|per|a|an|each)\s*(week|wk|w|month|mo|m)",
    re.IGNORECASE,
)
_DAY_NAMES = {
    **{day: day for day in WEEKDAYS},
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}


def _shown(value: object, limit: int = 60) -> str:
    """A typed value quoted in a message: one line, no control characters, not too long."""
    text = clean_text(str(value))
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def client_name(value: str) -> str:
    name = clean_title(value, 200)
    if not name:
        raise InvalidInputError("A client needs a name.")
    return name


def short_text(value: str, field: str, limit: int) -> str:
    """One line of free text (company, role, a contact's name), at most ``limit`` characters."""
    text = clean_title(value, 10 * limit)
    if len(text) > limit:
        raise InvalidInputError(f"{field} is longer than {limit} characters; shorten it.")
    return text


def long_text(value: str, field: str, limit: int) -> str:
    """Free text over several lines (a note, an onboarding answer)."""
    text = clean_text(value, multiline=True).strip()
    if len(text) > limit:
        raise InvalidInputError(f"{field} is longer than {limit:,} characters; shorten it.")
    return text


def email_address(value: str, field: str = "Email") -> str:
    """A syntactically valid address (no DNS lookup), lower-cased so routing matches it."""
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        reason = str(error).split(". ")[0].rstrip(".")
        raise InvalidInputError(
            f"{field} {_shown(text)} is not an email address ({reason}); "
            "give one like name@example.com."
        ) from None
    return str(checked.normalized).lower()


def phone_number(value: str, field: str = "Phone", region: str | None = None) -> str:
    """A real phone number in E.164 ("+442079460958"); without ``region``, give the country code."""
    import phonenumbers

    text = value.strip()
    problem = InvalidInputError(
        f"{field} {_shown(text)} is not a phone number; give it with the country code, "
        "like +44 20 7946 0958."
    )
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise problem from None
    if not phonenumbers.is_valid_number(number):
        raise problem
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def currency_code(value: str) -> str:
    """An ISO 4217 code Babel knows ("eur" -> "EUR")."""
    code = value.strip().upper()
    if code not in _currencies():
        raise InvalidInputError(
            f"Currency {_shown(value)} is not an ISO 4217 code; give one like EUR, USD or GBP."
        )
    return code


@cache
def _zones() -> dict[str, str]:
    return {
        name.lower(): name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    }


def time_zone(value: str) -> str:
    """An IANA zone name in its proper spelling ("europe/london" -> "Europe/London"); ""
    (the VA's own zone) stays ""."""
    text = value.strip()
    if not text:
        return ""
    found = _zones().get(text.lower())
    if found is None:
        raise InvalidInputError(
            f"Time zone {_shown(text)} is not an IANA zone; give one like Europe/London or "
            "America/New_York."
        )
    return found


def _minutes(hour: str, minute: str | None) -> int | None:
    h, m = int(hour), int(minute or 0)
    if m > 59 or h > 24 or (h == 24 and m):
        return None
    return h * 60 + m


def hours_range(value: str, field: str = "Working hours") -> str:
    """ "9-17", "09:00-17:30", "0900-1700" (an en dash too) -> "09:00-17:00"; end after start."""
    text = value.strip()
    match = _RANGE.fullmatch(text)
    bounds = (_minutes(match[1], match[2]), _minutes(match[3], match[4])) if match else (None, None)
    start, end = bounds
    if start is None or end is None:
        raise InvalidInputError(
            f"{field} {_shown(text)} is not a range of hours; give one like 09:00-17:00."
        )
    if end <= start:
        raise InvalidInputError(
            f"{field} {_shown(text)} ends before it starts; give one like 09:00-17:00."
        )
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _day(name: str, field: str) -> str:
    day = _DAY_NAMES.get(name.strip().lower())
    if day is None:
        raise InvalidInputError(
            f"{field}: {_shown(name)} is not a day; give days like mon-fri or mon,wed,fri."
        )
    return day


def working_days(value: str | Iterable[str], field: str = "Working days") -> list[str]:
    """ "mon-fri", "Mon, Wed, Fri", ["sat", "sun"] -> the days in week order."""
    parts = re.split(r"[,\s]+", value.strip()) if isinstance(value, str) else list(value)
    days: set[str] = set()
    for part in (p for p in parts if p.strip()):
        first, dash, last = re.sub(r"[–—]", "-", part).partition("-")
        if dash:
            start, end = WEEKDAYS.index(_day(first, field)), WEEKDAYS.index(_day(last, field))
            if end < start:
                raise InvalidInputError(
                    f"{field}: {_shown(part)} runs backwards; give it like mon-fri."
                )
            days.update(WEEKDAYS[start : end + 1])
        else:
            days.add(_day(part, field))
    return [day for day in WEEKDAYS if day in days]


def working_hours(value: Mapping[str, Any]) -> dict[str, Any]:
    """{"days": "mon-fri" or a list, "hours": "9-17"} -> {"days": [...], "hours": "09:00-17:00"}.

    Either key may be missing or empty (not known); an empty mapping means nothing is known.
    """
    unknown = set(value) - {"days", "hours"}
    if unknown:
        raise InvalidInputError(
            f"Working hours have days and hours only, not {', '.join(sorted(unknown))}."
        )
    result: dict[str, Any] = {}
    days = value.get("days")
    if days:
        result["days"] = working_days(days)
    hours = value.get("hours")
    if hours and str(hours).strip():
        result["hours"] = hours_range(str(hours))
    return result


def choice(value: str, field: str, allowed: tuple[str, ...]) -> str:
    text = value.strip().lower()
    if text not in allowed:
        raise InvalidInputError(
            f"{field} {_shown(value)} is not one of: {', '.join(allowed)}; pick one."
        )
    return text


def a_date(value: date | str | None, field: str) -> date | None:
    """An ISO date ("2026-01-15"); "" or None is no date."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            f"{field} {_shown(text)} is not a date; give one like 2026-01-15."
        ) from None
    if not 1970 <= parsed.year <= 2999:
        raise InvalidInputError(f"{field} {_shown(text)} is not between 1970 and 2999.")
    return parsed


def contract_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInputError(
            f"The contract ends ({end.isoformat()}) before it starts ({start.isoformat()}); "
            "check the dates."
        )


def agreed(value: str) -> tuple[int | None, str]:
    """ "10h/week", "40 hours per month", "2.5/w" -> (minutes, period); "" or "none" ->
    (None, "week"): nothing agreed."""
    text = value.strip()
    if text.lower() in ("", "none", "0"):
        return None, "week"
    match = _AGREED.fullmatch(text)
    if match is None:
        raise InvalidInputError(
            f"Agreed hours {_shown(text)} is not like 10h/week or 40h/month; give hours and "
            "a period."
        )
    period = "week" if match[2].lower().startswith("w") else "month"
    return agreed_minutes(round(float(match[1]) * 60)), period


def agreed_minutes(minutes: int) -> int | None:
    """Minutes agreed per period; 0 means nothing agreed."""
    if minutes < 0 or minutes > MAX_AGREED_MINUTES:
        raise InvalidInputError(
            f"Agreed hours must be between 0 and {MAX_AGREED_MINUTES // 60}; check the number."
        )
    return minutes or None


def card_kind(value: str, field: str) -> str:
    kind = value.strip().lower()
    if kind not in CARD_KINDS:
        raise InvalidInputError(
            f"{field}: {_shown(value)} is not a kind of task; give one of: {', '.join(CARD_KINDS)}."
        )
    return kind


def turnaround_hours(kind: str, hours: int | None) -> int | None:
    """Hours promised for a kind of task; None: no promise."""
    if hours is not None and not 1 <= hours <= MAX_TURNAROUND_HOURS:
        raise InvalidInputError(
            f"Turnaround for {kind} must be 1 to {MAX_TURNAROUND_HOURS} hours, or none."
        )
    return hours


def turnaround_item(text: str) -> tuple[str, int | None]:
    """ "admin=24", "call=none" -> (kind, hours or None)."""
    kind, equals, hours = text.partition("=")
    if not equals:
        raise InvalidInputError(
            f"Turnaround {_shown(text)} is not KIND=HOURS; give one like admin=24 or call=none."
        )
    kind = card_kind(kind, "Turnaround")
    value = hours.strip().lower().removesuffix("h").strip()
    if value in ("none", "-", ""):
        return kind, None
    if not value.isdigit() or len(value) > 6:
        raise InvalidInputError(
            f"Turnaround {_shown(text)} is not a whole number of hours; give one like admin=24."
        )
    return kind, turnaround_hours(kind, int(value))


def rate_minor(kind: str, minor: int) -> int:
    if not 0 <= minor <= LARGEST_RATE_MINOR:
        raise InvalidInputError(f"The {kind} rate must be between 0 and 1,000,000 an hour.")
    return minor


def rounding(minutes: int) -> int:
    if minutes not in ROUNDINGS:
        raise InvalidInputError("Rounding must be 0 (none), 1, 6 or 15 minutes.")
    return minutes


def minimum_minutes(minutes: int) -> int:
    if not 0 <= minutes <= MAX_MINIMUM_MINUTES:
        raise InvalidInputError(
            f"The minimum charge must be 0 to {MAX_MINIMUM_MINUTES} minutes per entry."
        )
    return minutes


def discount(percent: int) -> int:
    if not 0 <= percent <= 100:
        raise InvalidInputError("The discount must be between 0 and 100 %.")
    return percent


def colour(value: str) -> str:
    """A hex colour ("#4fc1ff", "#fa0"); "" lets vadesk pick one."""
    text = value.strip().lower()
    if text and not _HEX.fullmatch(text):
        raise InvalidInputError(
            f"Colour {_shown(value)} is not a colour like #4fc1ff; give a hex colour."
        )
    return text


def contact_line(text: str) -> dict[str, str]:
    """ "Ann Lee <ann@acme.example> +44 20 7946 0958 (owner)" -> name, email, phone, role.

    The email sits in <>, the role in (), a phone number is what starts with + or a digit
    after the name; every part but the name may be left out.
    """
    rest = text.strip()
    role = ""
    role_match = re.search(r"\(([^()]*)\)\s*$", rest)
    if role_match:
        role, rest = role_match[1].strip(), rest[: role_match.start()].strip()
    email = ""
    email_match = re.search(r"<([^<>]*)>", rest)
    if email_match:
        email = email_match[1].strip()
        rest = (rest[: email_match.start()] + " " + rest[email_match.end() :]).strip()
    phone = ""
    phone_match = re.search(r"(?:^|\s)(\+?\d[\d\s().-]{4,})$", rest)
    if phone_match:
        phone, rest = phone_match[1].strip(), rest[: phone_match.start()].strip()
    return {"name": rest, "email": email, "phone": phone, "role": role}
