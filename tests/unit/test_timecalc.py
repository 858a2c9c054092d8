"""Local days and months across midnight and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from vadesk.domain.timecalc import month_start, split_by_local_day, split_by_local_month

BERLIN = ZoneInfo("Europe/Berlin")


def test_an_entry_across_midnight_counts_in_both_days() -> None:
    start = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 Berlin
    end = datetime(2026, 11, 23, 23, 45, tzinfo=UTC)  # 00:45 Berlin
    assert split_by_local_day(start, end, BERLIN) == {
        date(2026, 11, 23): 1800,
        date(2026, 11, 24): 2700,
    }


def test_dst_days_have_23_and_25_hours_and_no_hour_is_made_or_lost() -> None:
    spring = split_by_local_day(
        datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC), BERLIN
    )
    assert spring == {date(2026, 3, 29): 23 * 3600}
    autumn = split_by_local_day(
        datetime(2026, 10, 24, 22, 0, tzinfo=UTC), datetime(2026, 10, 25, 23, 0, tzinfo=UTC), BERLIN
    )
    assert autumn == {date(2026, 10, 25): 25 * 3600}


def test_an_entry_across_a_month_boundary_counts_in_both_months() -> None:
    start = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # 23:00 Berlin, 30 Nov
    end = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 Berlin, 1 Dec
    assert split_by_local_month(start, end, BERLIN) == {(2026, 11): 3600, (2026, 12): 1800}
    assert month_start(end, BERLIN) == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
