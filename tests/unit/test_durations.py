"""One way of writing durations everywhere."""

from __future__ import annotations

import pytest

from vadesk.domain.durations import hm, hms, words


@pytest.mark.parametrize(
    ("seconds", "clock", "short", "spoken"),
    [
        (0, "0:00:00", "0:00", "0m 00s"),
        (59, "0:00:59", "0:00", "0m 59s"),
        (3_600 + 5 * 60 + 9, "1:05:09", "1:05", "1h 05m"),
        (26 * 3_600, "26:00:00", "26:00", "26h 00m"),
    ],
)
def test_durations_read_the_same_on_every_screen(
    seconds: int, clock: str, short: str, spoken: str
) -> None:
    assert (hms(seconds), hm(seconds), words(seconds)) == (clock, short, spoken)


def test_a_balance_can_be_negative_but_a_running_clock_cannot() -> None:
    assert hm(-1_800) == "-0:30"
    assert hms(-5) == "0:00:00"
    assert words(-5) == "0m 00s"
