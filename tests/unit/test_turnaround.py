"""Due times as worked examples: calendar and working hours, weekends, holidays, zones, both DST
changes, and pauses that span nights and weekends.

Dates: 2026-11-27 is a Friday, 2026-11-30 a Monday. Berlin leaves summer time on 2026-10-25 and
enters it on 2026-03-29; New York enters it on 2026-03-08.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from vadesk.domain.turnaround import (
    WorkingTime,
    activity_text,
    due_after,
    due_state,
    effective_due,
    median_seconds,
    parse_days,
    parse_hours,
    shifted_due,
    waited_seconds,
    waiting_text,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
OFFICE = WorkingTime(BERLIN)  # Monday to Friday, 09:00-17:00, no holidays


def b(text: str) -> datetime:
    """A Berlin wall-clock time, e.g. "2026-11-30 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def in_zone(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# ------------------------------------------------------------------ calendar hours

CALENDAR_CASES = [
    # (created, hours, due)
    ("2026-11-30 10:00", 24, "2026-12-01 10:00"),  # a plain day
    ("2026-11-27 16:00", 48, "2026-11-29 16:00"),  # weekends count in calendar hours
    ("2026-11-30 23:30", 1, "2026-12-01 00:30"),  # past midnight
    ("2026-10-24 12:00", 24, "2026-10-25 11:00"),  # autumn: 24 real hours, one wall hour less
    ("2026-03-28 12:00", 24, "2026-03-29 13:00"),  # spring: 24 real hours, one wall hour more
    ("2026-11-30 10:00", 0, "2026-11-30 10:00"),  # "at once"
]


@pytest.mark.parametrize(("created", "hours", "due"), CALENDAR_CASES)
def test_calendar_hours_are_elapsed_hours(created: str, hours: int, due: str) -> None:
    assert due_after(b(created), hours, None) == b(due)


def test_no_hours_means_no_promise_and_no_due_time() -> None:
    assert due_after(b("2026-11-30 10:00"), None, None) is None
    assert due_after(b("2026-11-30 10:00"), None, OFFICE) is None


# ------------------------------------------------------------------ working hours

WORKING_CASES = [
    # (created, hours, due) for a Berlin VA working Monday to Friday, 09:00-17:00
    ("2026-11-30 10:00", 24, "2026-12-03 10:00"),  # 7 + 8 + 8 + 1 hours
    ("2026-11-30 10:00", 2, "2026-11-30 12:00"),  # within the day
    ("2026-11-30 10:00", 7, "2026-11-30 17:00"),  # ends at closing time, not next morning
    ("2026-11-27 16:00", 4, "2026-11-30 12:00"),  # Friday 1 h, Monday 3 h: weekend skipped
    ("2026-11-28 12:00", 8, "2026-11-30 17:00"),  # created on Saturday: starts Monday 09:00
    ("2026-12-01 07:00", 2, "2026-12-01 11:00"),  # before opening: counts from 09:00
    ("2026-12-01 20:00", 1, "2026-12-02 10:00"),  # after closing: counts from next morning
    ("2026-11-30 09:00", 40, "2026-12-04 17:00"),  # a whole working week
    ("2026-10-23 16:00", 2, "2026-10-26 10:00"),  # over the autumn DST night: wall hours kept
    ("2026-03-27 16:00", 2, "2026-03-30 10:00"),  # over the spring DST night: wall hours kept
]


@pytest.mark.parametrize(("created", "hours", "due"), WORKING_CASES)
def test_working_hours_skip_nights_and_weekends(created: str, hours: int, due: str) -> None:
    assert due_after(b(created), hours, OFFICE) == b(due)


def test_working_hours_keep_wall_clock_hours_on_both_dst_days() -> None:
    # The same 09:00-17:00 is 07:00-15:00 UTC in summer and 08:00-16:00 UTC in winter.
    assert OFFICE.window(date(2026, 10, 23)) == (
        datetime(2026, 10, 23, 7, tzinfo=UTC),
        datetime(2026, 10, 23, 15, tzinfo=UTC),
    )
    assert OFFICE.window(date(2026, 10, 26)) == (
        datetime(2026, 10, 26, 8, tzinfo=UTC),
        datetime(2026, 10, 26, 16, tzinfo=UTC),
    )
    # Created Friday 16:00 summer time, due Monday 10:00 winter time: 67 real hours later.
    due = due_after(b("2026-10-23 16:00"), 2, OFFICE)
    assert due is not None
    assert due - b("2026-10-23 16:00") == timedelta(hours=67)


HOLIDAY_CASES = [
    # (country, subdivision, days off, created, hours, due)
    # Christmas Day (Fri) is a public holiday in Germany; the weekend follows.
    ("DE", "", (), "2026-12-24 15:00", 4, "2026-12-28 11:00"),
    # The VA's own day off on Monday 28th pushes it one more day.
    ("DE", "", ("2026-12-28",), "2026-12-24 15:00", 4, "2026-12-29 11:00"),
    # Epiphany (Wed 6 January 2027) is a holiday in Bavaria, not in Berlin.
    ("DE", "BY", (), "2027-01-05 16:00", 2, "2027-01-07 10:00"),
    ("DE", "BE", (), "2027-01-05 16:00", 2, "2027-01-06 10:00"),
    # No country: Christmas Day is a working day.
    ("", "", (), "2026-12-24 15:00", 4, "2026-12-25 11:00"),
]


@pytest.mark.parametrize(("country", "subdiv", "off", "created", "hours", "due"), HOLIDAY_CASES)
def test_public_holidays_and_days_off_are_not_working_days(
    country: str, subdiv: str, off: tuple[str, ...], created: str, hours: int, due: str
) -> None:
    public = holidays.country_holidays(country, subdiv=subdiv or None) if country else set()
    days_off = {date.fromisoformat(d) for d in off}

    class Closed:
        def __contains__(self, day: object) -> bool:
            return day in days_off or day in public

    working = WorkingTime(BERLIN, closed=Closed())
    assert due_after(b(created), hours, working) == b(due)


ZONE_CASES = [
    # (VA's zone, created (UTC), hours, due in the VA's zone)
    (NEW_YORK, "2026-11-30 20:00", 4, "2026-12-01 11:00"),  # 15:00 in New York: 2 h left today
    (TOKYO, "2026-11-30 20:00", 4, "2026-12-01 13:00"),  # already Tuesday 05:00 in Tokyo
    (BERLIN, "2026-11-30 20:00", 4, "2026-12-01 13:00"),  # 21:00 in Berlin: tomorrow
    (NEW_YORK, "2026-03-06 20:00", 4, "2026-03-09 11:00"),  # Friday, then NY's spring change
]


@pytest.mark.parametrize(("zone", "created", "hours", "due"), ZONE_CASES)
def test_working_hours_are_in_the_vas_time_zone(
    zone: ZoneInfo, created: str, hours: int, due: str
) -> None:
    start = datetime.fromisoformat(created).replace(tzinfo=UTC)
    assert due_after(start, hours, WorkingTime(zone)) == in_zone(due, zone)


def test_other_working_days_and_hours() -> None:
    # A VA working Tuesday to Saturday, 10:00-14:00.
    working = WorkingTime(
        BERLIN, parse_days(["tue", "wed", "thu", "fri", "sat"]), time(10), time(14)
    )
    assert due_after(b("2026-11-28 13:00"), 3, working) == b("2026-12-01 12:00")  # Sat, Tue


BETWEEN_CASES = [
    # (from, to, working hours between)
    ("2026-11-30 10:00", "2026-12-01 10:00", 8),  # Monday 7 h, Tuesday 1 h
    ("2026-11-27 16:00", "2026-11-30 10:00", 2),  # over a weekend
    ("2026-11-28 10:00", "2026-11-29 20:00", 0),  # inside a weekend
    ("2026-12-01 10:00", "2026-11-30 10:00", 0),  # backwards
    ("2026-10-19 00:00", "2026-10-26 00:00", 40),  # the week of the autumn change
    ("2026-03-23 00:00", "2026-03-30 00:00", 40),  # the week of the spring change
]


@pytest.mark.parametrize(("first", "last", "hours"), BETWEEN_CASES)
def test_working_time_between_two_instants(first: str, last: str, hours: int) -> None:
    assert OFFICE.between(b(first), b(last)) == hours * 3600


def test_a_week_with_no_working_day_is_an_error_not_a_hang() -> None:
    everything = WorkingTime(BERLIN, closed=_Always())
    with pytest.raises(ValueError, match="No working day"):
        due_after(b("2026-11-30 10:00"), 1, everything)


class _Always:
    def __contains__(self, day: object) -> bool:
        return True


# ------------------------------------------------------------------ pauses

CALENDAR_PAUSES = [
    # (due, paused, resumed, new due): the due time moves by the real time the pause took
    ("2026-12-01 10:00", "2026-11-30 12:00", "2026-11-30 18:00", "2026-12-01 16:00"),
    # over a night
    ("2026-12-01 12:00", "2026-11-30 16:00", "2026-12-01 10:00", "2026-12-02 06:00"),
    # over a weekend: 65 hours
    ("2026-11-30 12:00", "2026-11-27 16:00", "2026-11-30 09:00", "2026-12-03 05:00"),
    # already 2 h late when it paused: still 2 h late when it resumes
    ("2026-11-27 10:00", "2026-11-27 12:00", "2026-11-27 15:00", "2026-11-27 13:00"),
    # resumed the moment it paused: nothing moves
    ("2026-12-01 10:00", "2026-11-30 12:00", "2026-11-30 12:00", "2026-12-01 10:00"),
]


@pytest.mark.parametrize(("due", "paused", "resumed", "moved"), CALENDAR_PAUSES)
def test_a_calendar_pause_moves_the_due_time_by_its_length(
    due: str, paused: str, resumed: str, moved: str
) -> None:
    assert shifted_due(b(due), b(paused), b(resumed), None) == b(moved)


WORKING_PAUSES = [
    # (due, paused, resumed, new due) in working time, Berlin, Monday to Friday 09:00-17:00
    # over a night: Monday 16-17 and Tuesday 9-10 were working hours, 2 h
    ("2026-12-01 12:00", "2026-11-30 16:00", "2026-12-01 10:00", "2026-12-01 14:00"),
    # over a weekend: only Friday 16-17 counted, 1 h
    ("2026-11-30 12:00", "2026-11-27 16:00", "2026-11-30 09:00", "2026-11-30 13:00"),
    # a pause wholly outside working hours moves nothing
    ("2026-11-30 12:00", "2026-11-28 10:00", "2026-11-29 20:00", "2026-11-30 12:00"),
    # 2 working hours late when it paused on Friday: 2 working hours late on Monday morning
    ("2026-11-27 10:00", "2026-11-27 12:00", "2026-11-30 09:00", "2026-11-27 15:00"),
    # over the autumn DST night and a weekend: Friday 16-17 and Monday 9-10
    ("2026-10-26 12:00", "2026-10-23 16:00", "2026-10-26 10:00", "2026-10-26 14:00"),
    # pushed over closing time: the rest comes the next working morning
    ("2026-11-30 16:30", "2026-11-30 10:00", "2026-11-30 11:00", "2026-12-01 09:30"),
]


@pytest.mark.parametrize(("due", "paused", "resumed", "moved"), WORKING_PAUSES)
def test_a_working_hours_pause_moves_the_due_time_by_the_working_time_it_took(
    due: str, paused: str, resumed: str, moved: str
) -> None:
    assert shifted_due(b(due), b(paused), b(resumed), OFFICE) == b(moved)
    # What was left (or late) in working time when it paused is left (or late) on resume.
    before = OFFICE.between(b(paused), b(due)) - OFFICE.between(b(due), b(paused))
    after = OFFICE.between(b(resumed), b(moved)) - OFFICE.between(b(moved), b(resumed))
    assert after == before


def test_a_paused_card_is_due_later_the_longer_it_waits() -> None:
    due, paused = b("2026-12-01 12:00"), b("2026-11-30 16:00")
    assert effective_due(due, None, b("2026-12-01 10:00")) == due  # not paused
    assert effective_due(due, paused, b("2026-11-30 18:00")) == b("2026-12-01 14:00")
    assert effective_due(due, paused, b("2026-12-01 10:00"), OFFICE) == b("2026-12-01 14:00")
    assert effective_due(None, paused, b("2026-12-01 10:00")) is None


def test_waited_seconds_are_real_seconds() -> None:
    assert waited_seconds(b("2026-11-27 16:00"), b("2026-11-30 09:00")) == 65 * 3600
    assert waited_seconds(b("2026-11-30 09:00"), b("2026-11-27 16:00")) == 0


# ------------------------------------------------------------------ what the board shows

NOW = b("2026-11-30 12:00")
STATE_CASES = [
    # (due, soon hours, paused, state)
    (None, 4, False, "none"),
    ("2026-11-30 11:59", 4, False, "overdue"),
    ("2026-11-30 15:00", 4, False, "today"),  # due soon
    ("2026-11-30 16:00", 4, False, "today"),  # exactly at the edge of "soon"
    ("2026-11-30 16:01", 4, False, "later"),
    ("2026-11-30 20:00", 24, False, "today"),
    ("2026-11-30 11:00", 4, True, "waiting"),  # a waiting card is never overdue
]


@pytest.mark.parametrize(("due", "soon", "paused", "state"), STATE_CASES)
def test_due_state(due: str | None, soon: int, paused: bool, state: str) -> None:
    when = b(due) if due else None
    assert due_state(when, NOW, timedelta(hours=soon), paused) == state


WAITING_TEXTS = [
    ("2026-11-30 11:55", "waiting 5m"),
    ("2026-11-30 09:00", "waiting 3h"),
    ("2026-11-28 13:00", "waiting 47h"),
    ("2026-11-28 12:00", "waiting 2d"),
    ("2026-11-20 12:00", "waiting 10d"),
]


@pytest.mark.parametrize(("since", "text"), WAITING_TEXTS)
def test_waiting_text(since: str, text: str) -> None:
    assert waiting_text(b(since), NOW) == text


@pytest.mark.parametrize(
    ("values", "middle"), [([], None), ([5], 5), ([9, 1, 5], 5), ([1, 2, 3, 10], 2), ([3, 4], 3)]
)
def test_median_seconds(values: list[int], middle: int | None) -> None:
    assert median_seconds(values) == middle


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("09:00-17:00", (time(9), time(17))), ("8:30 - 12:15", (time(8, 30), time(12, 15)))],
)
def test_parse_hours(text: str, parsed: tuple[time, time]) -> None:
    assert parse_hours(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [("17:00-09:00", "ends before it starts"), ("9 to 5", "not a range"), ("25:00-26:00", "range")],
)
def test_parse_hours_refuses_nonsense(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(text)


def test_parse_days() -> None:
    assert parse_days(["Mon", "tuesday", "sun"]) == frozenset({0, 1, 6})
    with pytest.raises(ValueError, match="'funday' is not a weekday"):
        parse_days(["mon", "funday"])
    with pytest.raises(ValueError, match="no working days"):
        parse_days([])


@pytest.mark.parametrize(
    ("kind", "detail", "text"),
    [
        ("paused", {"by": "flag"}, "clock paused: waiting on the client"),
        ("paused", {"by": "lane"}, "clock paused: in a waiting lane"),
        (
            "resumed",
            {"waited_seconds": 65 * 3600},
            "clock running again after 2d 17h; the due time moved as much",
        ),
        (
            "resumed",
            {"waited_seconds": 3 * 3600 + 720},
            "clock running again after 3h 12m; the due time moved as much",
        ),
        ("resumed", {"waited_seconds": "?"}, "clock running again; the due time moved as much"),
        ("waiting", {"waiting": True}, "flagged as waiting"),
        ("waiting", {"waiting": False}, "no longer flagged as waiting"),
        ("moved", {}, None),
    ],
)
def test_activity_text(kind: str, detail: dict[str, object], text: str | None) -> None:
    assert activity_text(kind, detail) == text
