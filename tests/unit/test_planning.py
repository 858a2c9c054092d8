"""The week plan's arithmetic, as tables of worked examples (each figure worked out by hand)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vadesk.domain.planning import (
    Load,
    Week,
    clipped_seconds,
    current_week,
    parse_estimate,
    parse_week,
    planned_seconds,
    week_budget_seconds,
    working_weekdays,
)
from vadesk.errors import InvalidInputError

BERLIN = ZoneInfo("Europe/Berlin")
AUCKLAND = ZoneInfo("Pacific/Auckland")


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2026-W49", date(2026, 11, 30)),
        ("2026w49", date(2026, 11, 30)),
        (" 2026-w49 ", date(2026, 11, 30)),
        ("2026-W1", date(2025, 12, 29)),  # ISO week 1 of 2026 starts in 2025
        ("2026-W53", date(2026, 12, 28)),  # 2026 is a 53-week year
        ("2026-12-03", date(2026, 11, 30)),  # a date: the week holding it
        ("2026-11-30", date(2026, 11, 30)),
        ("2027-01-03", date(2026, 12, 28)),  # a Sunday belongs to the week before
    ],
)
def test_parse_week_reads_iso_weeks_and_dates(text: str, monday: date) -> None:
    assert parse_week(text).monday == monday


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-W53", "Week '2025-W53' does not exist: 2025 has weeks 1 to 52."),
        ("2026-W00", "Week '2026-W00' does not exist: 2026 has weeks 1 to 53."),
        ("2026-W54", "Week '2026-W54' does not exist: 2026 has weeks 1 to 53."),
        ("next", "Week 'next' is not an ISO week like 2026-W49 (or a date in it)."),
        ("2026-13-01", "Week '2026-13-01' is not an ISO week like 2026-W49 (or a date in it)."),
        ("1969-W10", "Week '1969-W10' is out of range; give a year from 1970 to 2999."),
        ("", "Week '' is not an ISO week like 2026-W49 (or a date in it)."),
    ],
)
def test_parse_week_refuses_in_one_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_week(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("monday", "label", "span"),
    [
        (date(2026, 11, 23), "2026-W48", "23–29 Nov 2026"),
        (date(2026, 11, 30), "2026-W49", "30 Nov – 6 Dec 2026"),
        (date(2025, 12, 29), "2026-W01", "29 Dec 2025 – 4 Jan 2026"),
        (date(2026, 12, 28), "2026-W53", "28 Dec 2026 – 3 Jan 2027"),
    ],
)
def test_week_label_and_span(monday: date, label: str, span: str) -> None:
    week = Week(monday)
    assert (week.label, week.span) == (label, span)
    assert parse_week(label) == week


def test_a_week_is_named_by_a_monday_only() -> None:
    with pytest.raises(ValueError):
        Week(date(2026, 12, 1))
    assert Week.of(date(2026, 12, 6)).monday == date(2026, 11, 30)
    assert Week(date(2026, 11, 30)).shifted(1).monday == date(2026, 12, 7)
    assert Week(date(2026, 11, 30)).shifted(-2).monday == date(2026, 11, 16)


@pytest.mark.parametrize(
    ("now", "zone", "monday"),
    [
        # Sunday 23:30 UTC is already Monday in Berlin.
        (datetime(2026, 11, 29, 23, 30, tzinfo=UTC), BERLIN, date(2026, 11, 30)),
        (datetime(2026, 11, 29, 22, 30, tzinfo=UTC), BERLIN, date(2026, 11, 23)),
        # Auckland is 13 hours ahead in November: Sunday 11:00 UTC is Monday there.
        (datetime(2026, 11, 29, 11, 0, tzinfo=UTC), AUCKLAND, date(2026, 11, 30)),
        (datetime(2026, 11, 29, 10, 59, tzinfo=UTC), AUCKLAND, date(2026, 11, 23)),
    ],
)
def test_current_week_is_the_vas_local_week(now: datetime, zone: ZoneInfo, monday: date) -> None:
    assert current_week(now, zone).monday == monday


@pytest.mark.parametrize(
    ("monday", "start", "end"),
    [
        # Plain week in winter: CET is UTC+1.
        (
            date(2026, 11, 30),
            datetime(2026, 11, 29, 23, 0, tzinfo=UTC),
            datetime(2026, 12, 6, 23, 0, tzinfo=UTC),
        ),
        # Summer time ends on Sunday 25 October 2026: the week is an hour longer.
        (
            date(2026, 10, 19),
            datetime(2026, 10, 18, 22, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 23, 0, tzinfo=UTC),
        ),
        # Summer time starts on Sunday 29 March 2026: the week is an hour shorter.
        (
            date(2026, 3, 23),
            datetime(2026, 3, 22, 23, 0, tzinfo=UTC),
            datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
        ),
    ],
)
def test_week_bounds_are_local_midnights(monday: date, start: datetime, end: datetime) -> None:
    assert Week(monday).bounds(BERLIN) == (start, end)


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@pytest.mark.parametrize(
    ("minutes", "period", "monday", "work_days", "seconds"),
    [
        # 10 h a week is 10 h in every week.
        (600, "week", date(2026, 11, 30), WEEKDAYS, 36_000),
        # 40 h a month; December 2026 has 23 weekdays: 5 of them = 2400*5/23 = 521.7 -> 522 min.
        (2400, "month", date(2026, 12, 7), WEEKDAYS, 522 * 60),
        # W49 spans two months: Monday 30 Nov (1 of November's 21 weekdays) and Tue-Fri in
        # December (4 of 23): 2400/21 + 2400*4/23 = 114.29 + 417.39 = 531.7 -> 532 min.
        (2400, "month", date(2026, 11, 30), WEEKDAYS, 532 * 60),
        # Across New Year: Mon-Thu 28-31 Dec (4 of 23) and Fri 1 Jan 2027 (1 of 21):
        # 600*4/23 + 600/21 = 104.35 + 28.57 = 132.9 -> 133 min.
        (600, "month", date(2026, 12, 28), WEEKDAYS, 133 * 60),
        # Half a minute rounds up: February 2026 has 20 weekdays, 10 min * 5/20 = 2.5 -> 3 min.
        (10, "month", date(2026, 2, 23), WEEKDAYS, 180),
        # Six working days: February 2026 has 24 days that are not Sundays: 1200*6/24 = 300.
        (1200, "month", date(2026, 2, 9), [*WEEKDAYS, "sat"], 300 * 60),
        # Names are read by their first three letters, whatever the case.
        (1200, "month", date(2026, 2, 9), ["Monday", "TUE", "wed", "thu", "fri", "Sat"], 18_000),
        # No working days known: every calendar day counts; November has 30: 3000*7/30 = 700.
        (3000, "month", date(2026, 11, 23), [], 700 * 60),
        # Nothing agreed: nothing.
        (0, "month", date(2026, 11, 23), WEEKDAYS, 0),
    ],
)
def test_agreed_time_for_a_week(
    minutes: int, period: str, monday: date, work_days: list[str], seconds: int
) -> None:
    assert week_budget_seconds(minutes, period, Week(monday), work_days) == seconds


def test_unknown_period_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        week_budget_seconds(60, "fortnight", Week(date(2026, 11, 30)))


def test_working_weekdays() -> None:
    assert working_weekdays(["mon", "wed"]) == {0, 2}
    assert working_weekdays(["funday"]) == set(range(7))


@pytest.mark.parametrize(
    ("planned", "logged", "limit", "over", "left"),
    [
        (3600, 0, 7200, False, 7200),
        (7200, 0, 7200, False, 7200),  # exactly the budget is not over
        (7260, 0, 7200, True, 7200),  # the plan alone is over
        (3600, 7300, 7200, True, -100),  # the time logged is over
        (99_999, 99_999, None, False, None),  # no budget: never over
        (60, 0, 0, True, 0),  # nothing left, something planned
    ],
)
def test_load_over_and_left(
    planned: int, logged: int, limit: int | None, over: bool, left: int | None
) -> None:
    load = Load(planned, logged, limit)
    assert (load.over, load.left_seconds) == (over, left)


@pytest.mark.parametrize(
    ("estimates", "seconds", "missing"),
    [
        ([], 0, 0),
        ([30, 90], 7200, 0),
        ([30, None, 90, None], 7200, 2),  # no estimate counts as 0, and is counted
        ([0], 0, 0),  # an estimate of 0 is an estimate
    ],
)
def test_planned_seconds(estimates: list[int | None], seconds: int, missing: int) -> None:
    assert planned_seconds(estimates) == (seconds, missing)


def test_clipped_seconds_counts_only_the_week_so_far() -> None:
    start = datetime(2026, 11, 30, tzinfo=UTC)
    end = start + timedelta(days=7)
    now = start + timedelta(days=2, hours=10)
    spans: list[tuple[datetime, datetime | None]] = [
        (start - timedelta(hours=1), start + timedelta(minutes=30)),  # 30 min inside
        (start + timedelta(days=1), start + timedelta(days=1, minutes=45)),  # 45 min
        (now - timedelta(minutes=20), None),  # running: up to now, 20 min
        (end - timedelta(minutes=10), end + timedelta(hours=1)),  # after now: nothing
        (start - timedelta(hours=3), start - timedelta(hours=2)),  # before: nothing
    ]
    assert clipped_seconds(spans, start, end, now) == (30 + 45 + 20) * 60


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        (" 45 ", 45),
        ("0", 0),
        ("1:30", 90),
        ("0:05", 5),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("2h", 120),
        ("2 hours", 120),
        ("2h 15m", 135),
        ("2h15m", 135),
        ("45m", 45),
        ("45 min", 45),
        ("0.1h", 6),
        ("", None),  # no estimate
        ("  ", None),
        ("-", None),
        ("–", None),  # the dash the plan shows for "no estimate"
        ("None", None),
        ("100000", 100_000),
    ],
)
def test_parse_estimate(text: str, minutes: int | None) -> None:
    assert parse_estimate(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "Estimate 'soon' is not a duration like 90, 1:30 or 1.5h."),
        ("-5", "Estimate '-5' is not a duration like 90, 1:30 or 1.5h."),
        ("1:75", "Estimate '1:75' is not a duration like 90, 1:30 or 1.5h."),
        ("h", "Estimate 'h' is not a duration like 90, 1:30 or 1.5h."),
        ("100001", "Estimate '100001' is over 100,000 minutes; give a smaller one."),
        ("2000h", "Estimate '2000h' is over 100,000 minutes; give a smaller one."),
    ],
)
def test_parse_estimate_refuses_in_one_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_estimate(text)
    assert str(caught.value) == message
