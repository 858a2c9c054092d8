"""Report aggregation as worked examples: days, rounding, minimum, discount, packages, money."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vadesk.domain.billing import BillingRules, Package, Rounding
from vadesk.domain.report import (
    TURNAROUND_NOT_READ,
    Billed,
    Business,
    Report,
    SourceEntry,
    TurnaroundMonth,
    TurnaroundRecord,
    build_report,
    corrections_for,
)
from vadesk.domain.report_format import (
    money,
    safe_cell,
    span,
    to_csv,
    to_json,
    to_markdown,
    turnaround_lines,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """Berlin wall-clock time as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def entry(n: int, start: str, end: str | None, kind: str = "admin", card: int = 1) -> SourceEntry:
    return SourceEntry(n, card, f"card {card}", kind, "", at(start), at(end) if end else None)


def report(
    entries: list[SourceEntry],
    rules: BillingRules | None = None,
    packages: tuple[Package, ...] = (),
    first: date = date(2026, 11, 1),
    last: date = date(2026, 11, 30),
    now: datetime = NOW,
    billed: tuple[Billed, ...] = (),
) -> Report:
    return build_report(
        business=Business("VA Ltd"),
        client_id=1,
        client="Acme",
        rules=rules or BillingRules(default_rate_minor=6000),
        packages=packages,
        entries=entries,
        billed=billed,
        first_day=first,
        last_day=last,
        tz=BERLIN,
        now=now,
        timezone_name="Europe/Berlin",
    )


def test_entry_across_midnight_is_two_rows_one_per_local_day() -> None:
    r = report([entry(1, "2026-11-10T23:30", "2026-11-11T00:45")])
    assert [(row.day, row.minutes) for row in r.rows] == [
        (date(2026, 11, 10), 30),
        (date(2026, 11, 11), 45),
    ]


def test_entry_across_the_month_end_counts_only_its_days_in_the_month() -> None:
    e = entry(1, "2026-10-31T23:00", "2026-11-01T01:00")
    assert [(row.day, row.minutes) for row in report([e]).rows] == [(date(2026, 11, 1), 60)]
    october = report([e], first=date(2026, 10, 1), last=date(2026, 10, 31))
    assert [(row.day, row.minutes) for row in october.rows] == [(date(2026, 10, 31), 60)]


def test_dst_night_counts_real_minutes() -> None:
    # 25 October 2026: Berlin clocks go back at 03:00; 01:30 to 03:30 local is 3 real hours.
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 01:30 CEST
    e = SourceEntry(1, 1, "card", "admin", "", start, start + timedelta(hours=3))
    r = report([e], first=date(2026, 10, 1), last=date(2026, 10, 31))
    assert [(row.day, row.minutes) for row in r.rows] == [(date(2026, 10, 25), 180)]


@pytest.mark.parametrize(
    ("rounding", "minimum", "worked", "billed", "amount"),
    [
        # rounding minutes, scope; minimum; minutes worked per entry; billed; amount at €60/h
        (Rounding(1, "entry"), 0, [7, 7], [7, 7], 1400),
        (Rounding(15, "entry"), 0, [7, 7], [15, 15], 3000),
        (Rounding(15, "day"), 0, [7, 7], [7, 8], 1500),
        (Rounding(6, "entry"), 10, [7, 3], [12, 12], 2400),
        (Rounding(0, "entry"), 0, [7], [7], 700),
    ],
)
def test_rounding_and_minimum(
    rounding: Rounding, minimum: int, worked: list[int], billed: list[int], amount: int
) -> None:
    rules = BillingRules(default_rate_minor=6000, rounding=rounding, minimum_minutes=minimum)
    entries = [
        SourceEntry(
            i,
            1,
            "card",
            "admin",
            "",
            at("2026-11-03T09:00") + timedelta(hours=i),
            at("2026-11-03T09:00") + timedelta(hours=i, minutes=m),
        )
        for i, m in enumerate(worked, 1)
    ]
    r = report(entries, rules)
    assert [row.billed_minutes for row in r.rows] == billed
    assert r.subtotal_minor == amount
    assert r.billed_minutes == sum(billed)


def test_discount_rates_per_kind_and_totals_are_sums_of_rows() -> None:
    rules = BillingRules(default_rate_minor=4000, rates={"creative": 6000}, discount_percent=15)
    r = report(
        [
            entry(1, "2026-11-03T09:00", "2026-11-03T09:50", "admin", 1),
            entry(2, "2026-11-04T09:00", "2026-11-04T09:07", "creative", 2),
            entry(3, "2026-11-05T09:00", "2026-11-05T10:00", "creative", 2),
        ],
        rules,
    )
    assert [row.amount_minor for row in r.rows] == [3333, 700, 6000]
    assert r.subtotal_minor == 10033
    assert r.discount_minor == 1505  # 15 % of 100.33 = 15.0495 -> 15.05 (half up)
    assert r.total_minor == 8528
    assert r.minutes == sum(row.minutes for row in r.rows) == 117
    assert {s.key: s.amount_minor for s in r.per_kind} == {"admin": 3333, "creative": 6700}
    assert {s.key: s.minutes for s in r.per_card} == {"#1 card 1": 50, "#2 card 2": 67}


def test_packages_oldest_first_with_expiry_and_earlier_months_drawn() -> None:
    hour = 3600
    old = Package(1, 2 * hour, 5000, at("2026-09-01T00:00"), at("2026-11-10T00:00"))
    new = Package(2, 10 * hour, 40000, at("2026-10-15T00:00"), None)
    entries = [
        entry(1, "2026-10-20T09:00", "2026-10-20T10:30"),  # October: 1.5 h from the old one
        entry(2, "2026-11-03T09:00", "2026-11-03T10:00"),  # 0.5 h old (used up), 0.5 h new
        entry(3, "2026-11-12T09:00", "2026-11-12T11:00"),  # old expired: 2 h new
    ]
    r = report(entries, BillingRules(default_rate_minor=6000), (old, new))
    assert [row.amount_minor for row in r.rows] == [0, 0]
    assert [row.package_seconds for row in r.rows] == [hour, 2 * hour]
    lines = {p.id: p for p in r.packages}
    assert (lines[1].drawn_seconds, lines[1].left_seconds, lines[1].expired) == (
        hour // 2,
        0,
        True,
    )
    assert (lines[2].drawn_seconds, lines[2].left_seconds, lines[2].expired) == (
        hour * 5 // 2,
        hour * 15 // 2,
        False,
    )


def test_running_timer_counts_to_now_and_is_marked() -> None:
    now = at("2026-11-20T10:25").astimezone(UTC)
    r = report([entry(1, "2026-11-20T10:00", None)], now=now)
    assert [(row.minutes, row.running) for row in r.rows] == [(25, True)]
    assert r.running
    assert to_json(r)["running"] is True


def test_client_without_time_gets_an_empty_report_that_says_so() -> None:
    r = report([])
    assert r.empty
    assert "No time logged for Acme" in to_markdown(r)
    assert to_json(r)["message"] == "No time logged for Acme from 2026-11-01 to 2026-11-30."
    assert to_csv(r).splitlines() == [
        "date,start,end,minutes,billed_minutes,card_id,card,kind,note,amount,currency,invoice,running"
    ]


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "shown"),
    [
        (123450, "EUR", "en_US", "€1,234.50"),
        (123450, "EUR", "de_DE", "1.234,50\xa0€"),
        (500, "JPY", "ja_JP", "￥500"),
        (999, "USD", "en_US", "$9.99"),
        (1050, "CHF", "de_CH", "CHF\xa010.50"),
    ],
)
def test_money_in_the_clients_currency_and_the_locale(
    minor: int, currency: str, locale: str, shown: str
) -> None:
    assert money(minor, currency, locale) == shown


def test_cells_never_start_a_formula() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+x", "-2", "@SUM", "ok")] == [
        "'=1+1",
        "'+x",
        "'-2",
        "'@SUM",
        "ok",
    ]
    e = SourceEntry(
        1, 1, "=HYPERLINK(1)", "admin", "@note", at("2026-11-03T09:00"), at("2026-11-03T09:30")
    )
    rows = list(csv.reader(io.StringIO(to_csv(report([e])))))
    assert rows[1][6] == "'=HYPERLINK(1)"
    assert rows[1][8] == "'@note"


def test_billed_rows_are_marked_and_changes_become_corrections() -> None:
    billed = Billed(
        1,
        date(2026, 11, 3),
        "INV-7",
        "admin",
        at("2026-11-03T09:00"),
        at("2026-11-03T10:00"),
        3600,
        6000,
    )
    now_entry = entry(1, "2026-11-03T09:00", "2026-11-03T09:45")
    rules = BillingRules(default_rate_minor=6000)
    r = report([now_entry], rules, billed=(billed,))
    assert r.rows[0].invoice == "INV-7"
    (edited,) = corrections_for([billed], [now_entry], rules, BERLIN, NOW)
    assert (edited.billed_seconds_before, edited.billed_seconds_now) == (3600, 2700)
    assert edited.amount_delta_minor == -1500
    assert not edited.deleted
    (deleted,) = corrections_for([billed], [], rules, BERLIN, NOW)
    assert deleted.deleted and deleted.amount_delta_minor == -6000
    unchanged = entry(1, "2026-11-03T09:00", "2026-11-03T10:00")
    assert corrections_for([billed], [unchanged], rules, BERLIN, NOW) == ()


def test_per_card_totals_follow_the_card_numbers_not_the_text() -> None:
    r = report(
        [
            entry(i, f"2026-11-0{i}T09:00", f"2026-11-0{i}T09:10", card=card)
            for i, card in enumerate((11, 5, 27, 9, 1, 18), 1)
        ]
    )
    assert [s.key.split()[0] for s in r.per_card] == ["#1", "#5", "#9", "#11", "#18", "#27"]
    per_card = to_markdown(r).split("## Per card")[1]
    assert per_card.index("| #5 card 5 |") < per_card.index("| #11 card 11 |")


def test_a_card_without_a_number_comes_after_the_numbered_ones() -> None:
    loose = SourceEntry(
        9, None, "Phone call", "call", "", at("2026-11-02T09:00"), at("2026-11-02T09:30")
    )
    r = report([loose, entry(1, "2026-11-03T09:00", "2026-11-03T09:10", card=12)])
    assert [s.key for s in r.per_card] == ["#12 card 12", "Phone call"]


NOVEMBER = TurnaroundMonth("2026-11", 4, 3, 1, 0, 2 * 86400 + 4 * 3600)


@pytest.mark.parametrize(
    ("record", "lines"),
    [
        (
            TurnaroundRecord((NOVEMBER,)),
            ["Turnaround: 3 done on time, 1 late, median 2d 4h from creation to done."],
        ),
        (
            TurnaroundRecord((TurnaroundMonth("2026-11", 3, 1, 0, 2, 45 * 60),)),
            [
                "Turnaround: 1 done on time, 0 late, 2 without a promise, "
                "median 45m from creation to done."
            ],
        ),
        (
            TurnaroundRecord((TurnaroundMonth("2026-11", 0, 0, 0, 0, None),)),
            ["Turnaround: no cards done."],
        ),
        (
            TurnaroundRecord((TurnaroundMonth("2026-10", 1, 0, 1, 0, 5 * 3600), NOVEMBER)),
            [
                "Turnaround: 3 done on time, 2 late.",
                "Turnaround 2026-10: 0 done on time, 1 late, median 5h from creation to done.",
                "Turnaround 2026-11: 3 done on time, 1 late, median 2d 4h from creation to done.",
            ],
        ),
        (TurnaroundRecord(note="not for this period"), ["not for this period"]),
    ],
)
def test_turnaround_record_in_words(record: TurnaroundRecord, lines: list[str]) -> None:
    r = replace(report([]), turnaround=record)
    assert turnaround_lines(r) == lines
    for line in lines:
        assert f"_{line}_" in to_markdown(r)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0m"),
        (59, "0m"),
        (45 * 60, "45m"),
        (3600, "1h"),
        (5.5 * 3600, "5h 30m"),
        (86400, "1d"),
        (28 * 3600, "1d 4h"),
        (-60, "0m"),
    ],
)
def test_span_of_creation_to_done(seconds: float, text: str) -> None:
    assert span(int(seconds)) == text


def test_turnaround_json_keeps_available_and_adds_the_figures() -> None:
    one = replace(report([]), turnaround=TurnaroundRecord((NOVEMBER,)))
    assert to_json(one)["turnaround"] == {
        "available": True,
        "done": 4,
        "on_time": 3,
        "late": 1,
        "no_due": 0,
        "median_seconds": 187200,
        "months": [
            {
                "month": "2026-11",
                "done": 4,
                "on_time": 3,
                "late": 1,
                "no_due": 0,
                "median_seconds": 187200,
            }
        ],
    }
    two = replace(
        report([]),
        turnaround=TurnaroundRecord((TurnaroundMonth("2026-10", 1, 0, 1, 0, 60), NOVEMBER)),
    )
    data = to_json(two)["turnaround"]
    assert (data["done"], data["late"], data["median_seconds"]) == (5, 2, None)
    assert [m["median_seconds"] for m in data["months"]] == [60, 187200]
    nothing = replace(
        report([]), turnaround=TurnaroundRecord((TurnaroundMonth("2026-11", 0, 0, 0, 0, None),))
    )
    assert to_json(nothing)["turnaround"]["median_seconds"] is None


def test_a_report_built_without_a_record_says_so() -> None:
    r = report([])
    assert to_json(r)["turnaround"] == {"available": False, "note": TURNAROUND_NOT_READ}


def test_terminal_escapes_never_reach_csv_or_markdown() -> None:
    e = SourceEntry(
        1,
        1,
        "Logo\x1b]0;pwned\x07 v2",
        "admin",
        "ok\x1b[2J\r\nnext",
        at("2026-11-03T09:00"),
        at("2026-11-03T09:30"),
    )
    r = report([e])
    for text in (to_csv(r), to_markdown(r)):
        assert "\x1b" not in text and "\x07" not in text
    assert "Logo v2" in to_markdown(r)
    assert list(csv.reader(io.StringIO(to_csv(r))))[1][8] == "ok next"


def test_a_currency_without_minor_units() -> None:
    rules = BillingRules(currency="JPY", default_rate_minor=3000, discount_percent=5)
    r = report([entry(1, "2026-11-03T09:00", "2026-11-03T09:20")], rules)
    assert (r.subtotal_minor, r.discount_minor, r.total_minor) == (1000, 50, 950)
    assert to_json(r, "ja_JP")["totals"]["total"] == "￥950"
    assert to_csv(r).splitlines()[1].split(",")[9:11] == ["1000", "JPY"]


def test_locale_and_business_settings() -> None:
    from vadesk.config import Settings
    from vadesk.errors import ConfigError

    settings = Settings.from_mapping(
        {"locale": "de_DE", "business": {"name": "Maria", "vat_id": "IT1", "logo": "~/l.png"}}
    )
    assert (settings.locale, settings.business["vat_id"]) == ("de_DE", "IT1")
    with pytest.raises(ConfigError, match="Unknown locale 'xx_QQ'"):
        Settings.from_mapping({"locale": "xx_QQ"})
    with pytest.raises(ConfigError, match=r"Unknown \[business\] key 'phone'"):
        Settings.from_mapping({"business": {"phone": "1"}})
    with pytest.raises(ConfigError, match="wrong type"):
        Settings.from_mapping({"business": "Maria"})
