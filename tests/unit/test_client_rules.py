"""Reading client profile fields as people type them: worked examples and one-line refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from vadesk.domain import client_rules as rules
from vadesk.errors import InvalidInputError


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ann@acme.example", "ann@acme.example"),
        ("  Ann.Lee@Acme.Example ", "ann.lee@acme.example"),
        ("va+acme@in.example.com", "va+acme@in.example.com"),
    ],
)
def test_email_addresses_are_kept_lower_cased(typed: str, stored: str) -> None:
    assert rules.email_address(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+49 30 1234567", "+49301234567"),
    ],
)
def test_phone_numbers_are_stored_in_e164(typed: str, stored: str) -> None:
    assert rules.phone_number(typed) == stored


def test_a_national_phone_number_needs_its_region() -> None:
    assert rules.phone_number("020 7946 0958", region="GB") == "+442079460958"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9-17", "09:00-17:00"),
        ("09:00-17:30", "09:00-17:30"),
        ("0830-1700", "08:30-17:00"),
        ("9:00 – 13:00", "09:00-13:00"),
        ("00:00-24:00", "00:00-24:00"),
    ],
)
def test_hours_ranges(typed: str, stored: str) -> None:
    assert rules.hours_range(typed) == stored


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        ("mon-fri", ["mon", "tue", "wed", "thu", "fri"]),
        ("Monday, Wed  sat", ["mon", "wed", "sat"]),
        (["sun", "mon"], ["mon", "sun"]),
        ("tue-thu,sun", ["tue", "wed", "thu", "sun"]),
        ("", []),
    ],
)
def test_working_days_come_back_in_week_order(typed: str | list[str], days: list[str]) -> None:
    assert rules.working_days(typed) == days


def test_working_hours_normalise_days_and_hours_and_leave_out_what_is_unknown() -> None:
    assert rules.working_hours({"days": "mon-wed", "hours": "8-12"}) == {
        "days": ["mon", "tue", "wed"],
        "hours": "08:00-12:00",
    }
    assert rules.working_hours({"days": "", "hours": " "}) == {}


@pytest.mark.parametrize(
    ("typed", "agreed"),
    [
        ("10h/week", (600, "week")),
        ("40 hours per month", (2400, "month")),
        ("2.5/w", (150, "week")),
        ("12 h a month", (720, "month")),
        ("none", (None, "week")),
        ("", (None, "week")),
    ],
)
def test_agreed_hours(typed: str, agreed: tuple[int | None, str]) -> None:
    assert rules.agreed(typed) == agreed


@pytest.mark.parametrize(
    ("typed", "item"),
    [
        ("admin=24", ("admin", 24)),
        ("Creative = 48h", ("creative", 48)),
        ("call=none", ("call", None)),
    ],
)
def test_turnaround_items(typed: str, item: tuple[str, int | None]) -> None:
    assert rules.turnaround_item(typed) == item


def test_contact_lines_split_into_name_email_phone_and_role() -> None:
    assert rules.contact_line("Ann Lee <ann@acme.example> +44 20 7946 0958 (owner)") == {
        "name": "Ann Lee",
        "email": "ann@acme.example",
        "phone": "+44 20 7946 0958",
        "role": "owner",
    }
    assert rules.contact_line("Bo (bookkeeper)") == {
        "name": "Bo",
        "email": "",
        "phone": "",
        "role": "bookkeeper",
    }


def test_other_fields_are_normalised() -> None:
    assert rules.time_zone("europe/london") == "Europe/London"
    assert rules.time_zone("  ") == ""
    assert rules.currency_code(" usd") == "USD"
    assert rules.colour("#4FC1FF") == "#4fc1ff"
    assert rules.a_date("2026-01-15", "NDA signed on") == date(2026, 1, 15)
    assert rules.a_date("", "NDA signed on") is None
    assert rules.choice(" Video ", "Channel", rules.CHANNELS) == "video"


REFUSALS: list[tuple[Callable[..., Any], tuple[Any, ...], str]] = [
    (
        rules.email_address,
        ("ann.acme.example", "Contact 1's email"),
        "Contact 1's email 'ann.acme.example' is not an email address",
    ),
    (rules.email_address, ("ann@acme", "Intake address"), "give one like name@example.com"),
    (
        rules.phone_number,
        ("020 7946 0958",),
        "Phone '020 7946 0958' is not a phone number; give it with the country code",
    ),
    (rules.phone_number, ("+1 555",), "is not a phone number"),
    (rules.currency_code, ("EURO",), "Currency 'EURO' is not an ISO 4217 code"),
    (rules.currency_code, ("ABC",), "is not an ISO 4217 code"),
    (rules.time_zone, ("Mars/Olympus",), "Time zone 'Mars/Olympus' is not an IANA zone"),
    (rules.time_zone, ("localtime",), "is not an IANA zone"),
    (rules.time_zone, ("../../etc/passwd",), "is not an IANA zone"),
    (rules.hours_range, ("17-9",), "Working hours '17-9' ends before it starts"),
    (rules.hours_range, ("9am to 5pm",), "is not a range of hours; give one like 09:00-17:00"),
    (rules.hours_range, ("09:75-17:00",), "is not a range of hours"),
    (rules.hours_range, ("25-26",), "is not a range of hours"),
    (rules.working_days, ("fri-mon",), "'fri-mon' runs backwards"),
    (rules.working_days, ("mon,funday",), "'funday' is not a day"),
    (rules.agreed, ("lots",), "Agreed hours 'lots' is not like 10h/week"),
    (rules.agreed, ("10h/year",), "is not like 10h/week"),
    (rules.agreed, ("9999h/week",), "Agreed hours must be between 0 and 744"),
    (rules.a_date, ("2026-02-30", "Contract end"), "Contract end '2026-02-30' is not a date"),
    (rules.a_date, ("0900-01-01", "NDA signed on"), "is not between 1970 and 2999"),
    (
        rules.choice,
        ("fax", "Channel", rules.CHANNELS),
        "Channel 'fax' is not one of: email, phone, chat, video",
    ),
    (rules.turnaround_item, ("admin",), "is not KIND=HOURS"),
    (rules.turnaround_item, ("meeting=4",), "'meeting' is not a kind of task"),
    (rules.turnaround_item, ("admin=-4",), "is not a whole number of hours"),
    (rules.turnaround_item, ("admin=0",), "Turnaround for admin must be 1 to"),
    (rules.colour, ("blue-ish",), "Colour 'blue-ish' is not a colour like #4fc1ff"),
    (rules.rounding, (5,), "Rounding must be 0 (none), 1, 6 or 15 minutes"),
    (rules.minimum_minutes, (601,), "The minimum charge must be 0 to 600 minutes"),
    (rules.discount, (101,), "The discount must be between 0 and 100 %"),
    (rules.client_name, ("  \x1b[31m ",), "A client needs a name"),
]


@pytest.mark.parametrize(("check", "args", "message"), REFUSALS)
def test_a_bad_value_is_refused_with_one_line_naming_the_field(
    check: Callable[..., Any], args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        check(*args)
    text = str(refused.value)
    assert message in text
    assert "\n" not in text


def test_a_refusal_quotes_hostile_text_without_its_escapes() -> None:
    with pytest.raises(InvalidInputError) as refused:
        rules.time_zone("Europe/\x1b[2JLondon")
    assert "\x1b" not in str(refused.value)
