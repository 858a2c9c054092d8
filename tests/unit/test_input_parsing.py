"""Dates and amounts as people type them: what is read, and what is refused with a line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from vadesk.domain.amounts import parse_hours, parse_money
from vadesk.domain.dates import parse_when
from vadesk.errors import InvalidInputError

PARIS_WINTER = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24", datetime(2026, 11, 24, 23, 59, tzinfo=PARIS_WINTER)),
        ("2026-11-24T17:00+01:00", datetime(2026, 11, 24, 17, 0, tzinfo=PARIS_WINTER)),
        ("2026-11-24T17:00Z", datetime(2026, 11, 24, 17, 0, tzinfo=UTC)),
        ("24 Nov 2026 17:00", datetime(2026, 11, 24, 17, 0, tzinfo=PARIS_WINTER)),
        ("Nov 24 2026 5pm", datetime(2026, 11, 24, 17, 0, tzinfo=PARIS_WINTER)),
        ("Nov 24 2026", datetime(2026, 11, 24, 23, 59, tzinfo=PARIS_WINTER)),
    ],
)
def test_dates_people_type_are_read(text: str, expected: datetime) -> None:
    assert parse_when(text, tz=PARIS_WINTER) == expected


def test_empty_text_means_no_date() -> None:
    assert parse_when("  ") is None and parse_when(None) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0001-01-01", "out of range"),
        ("9999-12-31T23:59", "out of range"),
        ("1969-12-31T12:00Z", "out of range"),
        ("2026-11-24T10:00+25:00", "beyond ±14:00"),
        ("2026-11-24T10:00-15:00", "beyond ±14:00"),
        ("-1", "is not a date"),
        ("1", "is not a date"),
        ("2026", "is not a date"),
        ("1.5", "is not a date"),
        ("99999999999999999999", "is not a date"),
        ("next blursday", "is not a date"),
        ("\udcff\udcfe", "is not a date"),
        ("2026-11-24\x00", "is not a date"),
    ],
)
def test_impossible_dates_are_refused_with_a_line(text: str, problem: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_when(text, "due date", tz=UTC)
    message = str(refused.value)
    assert message.startswith("Due date ") and problem in message and "\n" not in message


def test_a_local_date_that_crosses_the_year_3000_in_utc_is_refused() -> None:
    new_york = timezone(timedelta(hours=-5))
    with pytest.raises(InvalidInputError, match="out of range"):
        parse_when("2999-12-31T23:59", tz=new_york)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("40", "EUR", 4000), ("40.5", "EUR", 4050), ("1,234.50", "USD", 123450), ("500", "JPY", 500)],
)
def test_money_is_read_exactly(text: str, currency: str, minor: int) -> None:
    assert parse_money(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("nan", "is not an amount"),
        ("inf", "is not an amount"),
        ("1e309", "is not an amount"),
        ("1e3", "is not an amount"),
        ("", "is not an amount"),
        ("-5", "cannot be negative"),
        ("1000000.01", "more than 1,000,000"),
        ("40.123", "more decimals"),
    ],
)
def test_bad_money_is_refused(text: str, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        parse_money(text, "EUR")


@pytest.mark.parametrize("text", ["nan", "1e309", "inf", "-1", "0", "0.1", "10000.5", "x"])
def test_bad_hours_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_hours(text)


def test_hours_from_a_quarter_to_ten_thousand() -> None:
    assert (parse_hours("0.25"), parse_hours("2.5"), parse_hours("10000")) == (0.25, 2.5, 10000.0)
