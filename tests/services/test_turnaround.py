"""Turnaround on SQLite and PostgreSQL: due times on create, clocks that pause while a card
waits on the client (by flag and by lane), the board's due counts, and month figures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from vadesk.config import Settings
from vadesk.db.engine import Database
from vadesk.db.migrate import upgrade
from vadesk.db.models import Card, CardActivity, Client, ClientTurnaround, Lane
from vadesk.errors import ConfigError, InvalidInputError
from vadesk.services.cards import complete_card, create_card, get_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import lane_by_name, list_lanes
from vadesk.services.ordering import move_card
from vadesk.services.store import Store, open_store
from vadesk.services.turnaround import (
    due_counts,
    month_figures,
    next_overdue,
    set_lane_waiting,
    set_waiting,
    waiting_of,
)

BERLIN = "Europe/Berlin"
# Monday 30 November 2026, 10:00 in Berlin (09:00 UTC).
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def berlin(db_url: str) -> Iterator[Store]:
    """A store whose VA works Monday to Friday 09:00-17:00 in Berlin, with German holidays."""
    settings = Settings(user="tester", timezone=BERLIN, holidays_country="DE")
    store = open_store(settings, db_url)
    yield store
    store.close()


def client_with(store: Store, name: str, mode: str = "calendar", **hours: int | None) -> int:
    """A client counted in ``mode`` with turnaround rows for the kinds given (on top of the
    admin 24 / creative 48 every new client gets)."""
    with store.write() as s:
        client_id = add_client(s, name).id
        s.execute(update(Client).where(Client.id == client_id).values(turnaround_mode=mode))
        for kind, value in hours.items():
            row = s.scalar(
                select(ClientTurnaround).where(
                    ClientTurnaround.client_id == client_id, ClientTurnaround.kind == kind
                )
            )
            if row is None:
                s.add(ClientTurnaround(client_id=client_id, kind=kind, hours=value))
            else:
                row.hours = value
    return client_id


def lane(store: Store, name: str) -> int:
    with store.read() as s:
        return lane_by_name(s, name).id


def new_card(
    store: Store,
    title: str,
    client_id: int | None,
    kind: str,
    now: datetime,
    lane_name: str = "Normal",
) -> int:
    with store.write() as s:
        return create_card(
            s, title, client_id=client_id, kind=kind, lane_id=lane_by_name(s, lane_name).id, now=now
        ).id


def activity(store: Store, card_id: int) -> list[tuple[str, dict[str, object]]]:
    with store.read() as s:
        rows = s.execute(
            select(CardActivity.kind, CardActivity.detail)
            .where(CardActivity.card_id == card_id)
            .order_by(CardActivity.id)
        ).all()
    return [(kind, dict(detail)) for kind, detail in rows if kind not in ("created", "moved")]


# ------------------------------------------------------------------ due on create


def test_a_new_card_is_due_by_its_clients_promise_for_its_kind(store: Store) -> None:
    acme = client_with(store, "Acme", call=4, purchase=None)
    due = {}
    for kind in ("admin", "creative", "call", "purchase", "other"):
        card = new_card(store, kind, acme, kind, MONDAY)
        with store.read() as s:
            due[kind] = get_card(s, card).due_at
    assert due == {
        "admin": MONDAY + 24 * HOUR,
        "creative": MONDAY + 48 * HOUR,
        "call": MONDAY + 4 * HOUR,  # a promise configured for calls
        "purchase": None,  # explicitly no promise
        "other": None,  # no row: no promise
    }


def test_the_turnaround_table_is_the_truth_not_the_old_columns(store: Store) -> None:
    acme = client_with(store, "Acme", admin=2)
    with store.write() as s:
        # The legacy column says something else: it is not read any more.
        s.execute(update(Client).where(Client.id == acme).values(turnaround_admin_hours=99))
    card = new_card(store, "x", acme, "admin", MONDAY)
    with store.read() as s:
        assert get_card(s, card).due_at == MONDAY + 2 * HOUR


def test_a_card_without_client_gets_the_default_promise(store: Store) -> None:
    card = new_card(store, "x", None, "creative", MONDAY)
    with store.read() as s:
        assert get_card(s, card).due_at == MONDAY + 48 * HOUR


def test_a_client_counted_in_working_hours_gets_a_working_hours_due_time(berlin: Store) -> None:
    acme = client_with(berlin, "Acme", mode="working", admin=24)
    friday_4pm = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
    card = new_card(berlin, "x", acme, "admin", friday_4pm)
    with berlin.read() as s:
        due = get_card(s, card).due_at
    # Friday 1 h, Monday to Wednesday 8 h each minus 1: Wednesday 16:00 in Berlin.
    assert due == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_working_hours_skip_the_configured_countrys_holidays(berlin: Store) -> None:
    acme = client_with(berlin, "Acme", mode="working", admin=4)
    christmas_eve_3pm = datetime(2026, 12, 24, 14, 0, tzinfo=UTC)
    card = new_card(berlin, "x", acme, "admin", christmas_eve_3pm)
    with berlin.read() as s:
        # Thursday 2 h; Friday 25th is Christmas Day; Monday 28th 09:00-11:00.
        assert get_card(s, card).due_at == datetime(2026, 12, 28, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("work_hours", "17:00-09:00", "Setting 'work_hours': '17:00-09:00' ends before it starts."),
        ("work_days", ["mon", "caturday"], "Setting 'work_days': 'caturday' is not a weekday"),
        ("days_off", ["24.12.2026"], "Setting 'days_off': '24.12.2026' is not a date"),
        ("holidays_country", "ZZ", "Setting 'holidays_country': no public holidays known for 'ZZ'"),
    ],
)
def test_bad_working_time_settings_are_one_line_errors(
    db_url: str, setting: str, value: object, message: str
) -> None:
    store = open_store(Settings(user="tester", **{setting: value}), db_url)  # type: ignore[arg-type]
    try:
        acme = client_with(store, "Acme", mode="working")
        with pytest.raises(ConfigError) as raised, store.write() as s:
            create_card(s, "x", client_id=acme, kind="admin", now=MONDAY)
        assert str(raised.value).startswith(message)
        assert "\n" not in str(raised.value)
        with store.read() as s:
            assert s.scalar(select(Card.id)) is None  # nothing half-written
    finally:
        store.close()


# ------------------------------------------------------------------ pausing by flag


def test_flagging_a_card_pauses_its_clock_and_unflagging_moves_the_due_time(store: Store) -> None:
    acme = client_with(store, "Acme")
    card = new_card(store, "x", acme, "admin", MONDAY)
    with store.write() as s:
        paused = set_waiting(s, card, True, now=MONDAY + 2 * HOUR)
    assert (paused.waiting, paused.paused_since) == (True, MONDAY + 2 * HOUR)
    assert paused.due_at == MONDAY + 24 * HOUR  # stored promise unchanged while paused
    with store.read() as s:
        # ...but as it stands, it has moved by the wait so far.
        assert waiting_of(s, card, MONDAY + 5 * HOUR).due_at == MONDAY + 27 * HOUR
    with store.write() as s:
        resumed = set_waiting(s, card, False, now=MONDAY + 50 * HOUR)
    assert (resumed.waiting, resumed.paused_since) == (False, None)
    assert resumed.due_at == MONDAY + 72 * HOUR  # 24 h + 48 h waited
    assert resumed.waited_seconds == 48 * 3600
    assert activity(store, card) == [
        ("paused", {"by": "flag", "lane": lane(store, "Normal")}),
        (
            "resumed",
            {
                "by": "flag",
                "lane": lane(store, "Normal"),
                "waited_seconds": 48 * 3600,
                "due": (MONDAY + 72 * HOUR).isoformat(),
            },
        ),
    ]


def test_the_flag_toggles_and_a_second_pause_adds_up(store: Store) -> None:
    card = new_card(store, "x", None, "admin", MONDAY)
    for start, end in ((1, 2), (5, 8)):
        with store.write() as s:
            assert set_waiting(s, card, now=MONDAY + start * HOUR).waiting is True
        with store.write() as s:
            assert set_waiting(s, card, now=MONDAY + end * HOUR).waiting is False
    with store.read() as s:
        now = waiting_of(s, card, MONDAY + 9 * HOUR)
    assert now.waited_seconds == 4 * 3600
    assert now.due_at == MONDAY + 28 * HOUR


def test_a_working_hours_pause_over_the_weekend_moves_the_due_time_by_working_time(
    berlin: Store,
) -> None:
    acme = client_with(berlin, "Acme", mode="working", admin=8)
    monday_10 = MONDAY
    card = new_card(berlin, "x", acme, "admin", monday_10)  # due Tuesday 10:00 Berlin
    friday_4pm = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    next_monday_9am = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    with berlin.write() as s:
        set_waiting(s, card, True, now=datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # Mon 16:00
    with berlin.write() as s:
        resumed = set_waiting(s, card, False, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    # Paused Monday 16:00 to Tuesday 10:00 Berlin: 2 working hours, not 18.
    assert resumed.due_at == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # Tuesday 12:00 Berlin
    assert resumed.waited_seconds == 18 * 3600
    with berlin.write() as s:
        set_waiting(s, card, True, now=friday_4pm)
        s.execute(update(Card).where(Card.id == card).values(due_at=friday_4pm + 2 * HOUR))
    with berlin.write() as s:
        again = set_waiting(s, card, False, now=next_monday_9am)
    # Due 18:00 Berlin on Friday (1 working hour after 16:00 is 17:00, then 1 h Monday).
    assert again.due_at == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


# ------------------------------------------------------------------ pausing by lane


def test_the_default_board_has_a_waiting_lane_after_low(store: Store) -> None:
    with store.read() as s:
        lanes = list_lanes(s)
    names = [x.name for x in lanes]
    assert names.index("Waiting on client") == names.index("Low") + 1
    assert [x.name for x in lanes if x.waiting] == ["Waiting on client"]


def test_moving_into_a_waiting_lane_pauses_and_out_of_it_resumes(store: Store) -> None:
    card = new_card(store, "x", None, "admin", MONDAY)
    waiting, normal = lane(store, "Waiting on client"), lane(store, "Normal")
    with store.write() as s:
        move_card(s, card, lane_id=waiting, now=MONDAY + HOUR)
    with store.read() as s:
        assert waiting_of(s, card, MONDAY + 3 * HOUR).paused_since == MONDAY + HOUR
        assert due_counts(s, MONDAY + 30 * HOUR, 4 * HOUR) == (0, 0)  # a paused card is not late
    with store.write() as s:
        move_card(s, card, lane_id=normal, now=MONDAY + 25 * HOUR)
    with store.read() as s:
        card_row = get_card(s, card)
        assert card_row.due_at == MONDAY + 48 * HOUR
        assert due_counts(s, MONDAY + 45 * HOUR, 4 * HOUR) == (0, 1)
    assert [kind for kind, _ in activity(store, card)] == ["paused", "resumed"]
    assert activity(store, card)[1][1]["by"] == "lane"


def test_moving_within_waiting_lanes_or_flagging_there_keeps_the_clock_paused(
    store: Store,
) -> None:
    card = new_card(store, "x", None, "admin", MONDAY, lane_name="Waiting on client")
    with store.read() as s:
        assert waiting_of(s, card, MONDAY).paused_since == MONDAY  # created paused
    with store.write() as s:
        set_waiting(s, card, True, now=MONDAY + HOUR)
        set_waiting(s, card, False, now=MONDAY + 2 * HOUR)
    with store.read() as s:
        still = waiting_of(s, card, MONDAY + 3 * HOUR)
    assert still.paused_since == MONDAY and still.waited_seconds == 0
    assert activity(store, card) == [
        ("paused", {"by": "lane", "lane": lane(store, "Waiting on client")}),
        ("waiting", {"waiting": True}),
        ("waiting", {"waiting": False}),
    ]


def test_a_flagged_card_moved_out_of_a_waiting_lane_stays_paused(store: Store) -> None:
    card = new_card(store, "x", None, "admin", MONDAY, lane_name="Waiting on client")
    with store.write() as s:
        set_waiting(s, card, True, now=MONDAY + HOUR)
        move_card(s, card, lane_id=lane_by_name(s, "High").id, now=MONDAY + 2 * HOUR)
    with store.read() as s:
        assert waiting_of(s, card, MONDAY + 3 * HOUR).paused_since == MONDAY


def test_finishing_a_waiting_card_ends_the_wait_and_counts_it_on_time(store: Store) -> None:
    acme = client_with(store, "Acme", admin=1)
    card = new_card(store, "x", acme, "admin", MONDAY)
    with store.write() as s:
        set_waiting(s, card, True, now=MONDAY + HOUR / 2)
    with store.write() as s:
        complete_card(s, card, now=MONDAY + 10 * HOUR)
    with store.read() as s:
        done = waiting_of(s, card, MONDAY + 11 * HOUR)
        assert (done.waiting, done.paused_since) == (False, None)
        assert done.due_at == MONDAY + 10.5 * HOUR
        figures = month_figures(s, 2026, 11)
    assert [(f.client, f.done, f.on_time, f.late) for f in figures] == [("Acme", 1, 1, 0)]


# ------------------------------------------------------------------ the board


def test_overdue_and_due_soon_counts_leave_out_paused_and_done_cards(store: Store) -> None:
    late = new_card(store, "late", None, "admin", MONDAY - 30 * HOUR)
    new_card(store, "soon", None, "admin", MONDAY - 21 * HOUR)  # due in 3 h
    new_card(store, "later", None, "admin", MONDAY)
    waiting = new_card(store, "waits", None, "admin", MONDAY - 40 * HOUR)
    finished = new_card(store, "done", None, "admin", MONDAY - 40 * HOUR)
    with store.write() as s:
        set_waiting(s, waiting, True, now=MONDAY - HOUR)
        complete_card(s, finished, now=MONDAY - HOUR)
        assert due_counts(s, MONDAY, 4 * HOUR) == (1, 1)
        assert next_overdue(s, None, MONDAY) == late


def test_next_overdue_goes_in_board_order_and_wraps(store: Store) -> None:
    old = MONDAY - 48 * HOUR
    a = new_card(store, "a", None, "admin", old, lane_name="Urgent")
    fine = new_card(store, "fine", None, "admin", MONDAY, lane_name="Urgent")
    b = new_card(store, "b", None, "admin", old, lane_name="Urgent")
    c = new_card(store, "c", None, "admin", old, lane_name="Low")
    acme = client_with(store, "Acme")
    d = new_card(store, "d", acme, "admin", old, lane_name="High")
    with store.read() as s:
        order = [next_overdue(s, x, MONDAY) for x in (None, a, fine, b, d, c)]
        assert order == [a, b, b, d, c, a]
        assert next_overdue(s, a, MONDAY, client_id=acme) == d
        assert next_overdue(s, a, MONDAY, text="B") == b  # the board's text filter
        assert next_overdue(s, b, MONDAY, text="B") == b  # the only one: it stays
        assert next_overdue(s, None, MONDAY - 50 * HOUR) is None


# ------------------------------------------------------------------ month figures


def test_month_figures_per_client_in_priority_order(store: Store) -> None:
    acme = client_with(store, "Acme", admin=2)
    cedar = client_with(store, "Cedar", admin=2)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    plan = [
        # (client, kind, done after hours)
        (acme, "admin", 1),  # on time
        (acme, "admin", 3),  # late
        (acme, "admin", 10),  # late
        (acme, "other", 50),  # no promise
        (cedar, "admin", 2),  # on time (exactly at the due time)
        (None, "admin", 30),  # late (default 24 h)
    ]
    for i, (client_id, kind, after) in enumerate(plan):
        card = new_card(store, f"c{i}", client_id, kind, start + i * 24 * HOUR)
        with store.write() as s:
            complete_card(s, card, now=start + i * 24 * HOUR + after * HOUR)
    # Done in December: not November's.
    card = new_card(store, "december", acme, "admin", datetime(2026, 11, 30, 9, tzinfo=UTC))
    with store.write() as s:
        complete_card(s, card, now=datetime(2026, 12, 1, 9, tzinfo=UTC))
    with store.read() as s:
        figures = month_figures(s, 2026, 11, zone=UTC)
        only_cedar = month_figures(s, 2026, 11, zone=UTC, client_id=cedar)
    assert [f.as_json() for f in figures] == [
        {
            "client_id": acme,
            "client": "Acme",
            "month": "2026-11",
            "done": 4,
            "on_time": 1,
            "late": 2,
            "no_due": 1,
            "median_seconds": int(6.5 * 3600),  # of 1, 3, 10 and 50 hours
        },
        {
            "client_id": cedar,
            "client": "Cedar",
            "month": "2026-11",
            "done": 1,
            "on_time": 1,
            "late": 0,
            "no_due": 0,
            "median_seconds": 2 * 3600,
        },
        {
            "client_id": None,
            "client": None,
            "month": "2026-11",
            "done": 1,
            "on_time": 0,
            "late": 1,
            "no_due": 0,
            "median_seconds": 30 * 3600,
        },
    ]
    assert [f.client for f in only_cedar] == ["Cedar"]


def test_month_figures_follow_the_clients_order_and_the_vas_month(store: Store) -> None:
    acme = client_with(store, "Acme")
    cedar = client_with(store, "Cedar")
    with store.write() as s:
        # Cedar first in the VA's priority order.
        rank = s.scalar(select(Client.rank).where(Client.id == acme))
        s.execute(update(Client).where(Client.id == cedar).values(rank="0" + str(rank)))
    # Done at 23:30 UTC on 30 November: 1 December in Berlin.
    for client_id in (acme, cedar):
        card = new_card(store, "x", client_id, "admin", datetime(2026, 11, 30, 20, tzinfo=UTC))
        with store.write() as s:
            complete_card(s, card, now=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    from zoneinfo import ZoneInfo

    with store.read() as s:
        assert [f.client for f in month_figures(s, 2026, 11, zone=UTC)] == ["Cedar", "Acme"]
        assert month_figures(s, 2026, 11, zone=ZoneInfo(BERLIN)) == []
        assert [f.done for f in month_figures(s, 2026, 12, zone=ZoneInfo(BERLIN))] == [1, 1]


# ------------------------------------------------------------------ writers at once


def test_flag_and_lane_moves_from_two_writers_keep_the_clock_consistent(db_url: str) -> None:
    first = open_store(Settings(user="tester"), db_url)
    second = open_store(Settings(user="tester"), db_url)
    try:
        card = new_card(first, "x", None, "admin", MONDAY)
        waiting, normal = lane(first, "Waiting on client"), lane(first, "Normal")
        errors: list[BaseException] = []

        def flagger() -> None:
            try:
                for _ in range(40):
                    with first.write() as s:
                        set_waiting(s, card)
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        def mover() -> None:
            try:
                for i in range(40):
                    with second.write() as s:
                        move_card(s, card, lane_id=waiting if i % 2 == 0 else normal)
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=flagger), threading.Thread(target=mover)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with first.read() as s:
            row = s.get(Card, card)
            assert row is not None
            in_waiting_lane = bool(s.scalar(select(Lane.waiting).where(Lane.id == row.lane_id)))
            kinds = list(
                s.scalars(
                    select(CardActivity.kind)
                    .where(CardActivity.card_id == card)
                    .order_by(CardActivity.id)
                )
            )
            resumed = [
                d["waited_seconds"]
                for k, d in s.execute(
                    select(CardActivity.kind, CardActivity.detail).where(
                        CardActivity.card_id == card
                    )
                )
                if k == "resumed"
            ]
        # 40 toggles end unflagged and 40 moves end in Normal: the clock runs.
        assert (row.waiting, in_waiting_lane, row.waiting_since) == (False, False, None)
        # Pauses and resumes alternate, one after the other, never two of a kind in a row.
        clock = [k for k in kinds if k in ("paused", "resumed")]
        assert clock and clock == ["paused", "resumed"] * (len(clock) // 2)
        assert row.waited_seconds == sum(resumed)
        assert row.due_at == MONDAY + 24 * HOUR + timedelta(seconds=row.waited_seconds)
    finally:
        first.close()
        second.close()


def test_marking_a_lane_while_cards_move_in_and_out_keeps_every_clock_right(
    db_url: str,
) -> None:
    first = open_store(Settings(user="tester"), db_url)
    second = open_store(Settings(user="tester"), db_url)
    try:
        cards = [new_card(first, f"x{i}", None, "admin", MONDAY) for i in range(3)]
        low, normal = lane(first, "Low"), lane(first, "Normal")
        errors: list[BaseException] = []

        def marker() -> None:
            try:
                for i in range(30):
                    with first.write() as s:
                        set_lane_waiting(s, low, i % 2 == 0)
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        def mover() -> None:
            try:
                for i in range(30):
                    with second.write() as s:
                        # Into Low, out again, and reorders within Low (a lane lock too).
                        target = low if i % 5 < 3 else normal
                        move_card(s, cards[i % 3], lane_id=target, position="top")
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=marker), threading.Thread(target=mover)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with first.read() as s:
            low_waits = bool(s.scalar(select(Lane.waiting).where(Lane.id == low)))
            assert low_waits is False  # 30 marks end unmarked
            for card_id in cards:
                row = s.get(Card, card_id)
                assert row is not None
                # Wherever it ended, its clock runs: no lane it is in waits, no flag is set.
                assert row.waiting_since is None
                clock = [
                    k
                    for k in s.scalars(
                        select(CardActivity.kind)
                        .where(CardActivity.card_id == card_id)
                        .order_by(CardActivity.id)
                    )
                    if k in ("paused", "resumed")
                ]
                assert clock == ["paused", "resumed"] * (len(clock) // 2)
                assert row.due_at == MONDAY + 24 * HOUR + timedelta(seconds=row.waited_seconds)
    finally:
        first.close()
        second.close()


# ------------------------------------------------------------------ migration 0005


def _lanes_after_0005(path: Path, prepare: str) -> list[tuple[str, int, bool]]:
    db = Database(f"sqlite:///{path}")
    try:
        upgrade(db, "0004")
        with db.engine.begin() as conn:
            for statement in prepare.split(";"):
                if statement.strip():
                    conn.execute(text(statement))
        upgrade(db, "0005")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT name, position, waiting FROM lanes ORDER BY position"))
            return [(name, position, bool(waiting)) for name, position, waiting in rows]
    finally:
        db.dispose()


def test_migration_0005_puts_the_waiting_lane_after_low(tmp_path: Path) -> None:
    assert _lanes_after_0005(tmp_path / "a.db", "") == [
        ("Urgent", 0, False),
        ("High", 1, False),
        ("Normal", 2, False),
        ("Low", 3, False),
        ("Waiting on client", 4, True),
        ("Done", 5, False),
    ]


def test_migration_0005_goes_before_done_when_there_is_no_low(tmp_path: Path) -> None:
    lanes = _lanes_after_0005(
        tmp_path / "b.db",
        "DELETE FROM lanes WHERE name = 'Low'; UPDATE lanes SET position = 3 WHERE name = 'Done'",
    )
    assert [name for name, _, _ in lanes] == [
        "Urgent",
        "High",
        "Normal",
        "Waiting on client",
        "Done",
    ]


def test_migration_0005_marks_an_existing_lane_of_that_name(tmp_path: Path) -> None:
    lanes = _lanes_after_0005(
        tmp_path / "c.db",
        "INSERT INTO lanes (name, position, role, waiting) "
        "VALUES ('waiting on client', 0, 'normal', false)",
    )
    assert len(lanes) == 6
    assert [(name, waiting) for name, _, waiting in lanes if waiting] == [
        ("waiting on client", True)
    ]


# ------------------------------------------------------------------ marking a lane as waiting


def test_marking_a_lane_as_waiting_pauses_its_cards_and_unmarking_resumes_them(
    store: Store,
) -> None:
    first = new_card(store, "a", None, "admin", MONDAY, lane_name="Low")
    second = new_card(store, "b", None, "admin", MONDAY, lane_name="Low")
    low = lane(store, "Low")
    with store.write() as s:
        assert set_lane_waiting(s, low, True, now=MONDAY + HOUR) == 2
        assert set_lane_waiting(s, low, True, now=MONDAY + HOUR) == 0  # already
    with store.read() as s:
        assert [x.waiting for x in list_lanes(s) if x.id == low] == [True]
        assert waiting_of(s, first, MONDAY + 2 * HOUR).paused_since == MONDAY + HOUR
    with store.write() as s:
        assert set_lane_waiting(s, low, False, now=MONDAY + 4 * HOUR) == 2
    with store.read() as s:
        for card in (first, second):
            assert get_card(s, card).due_at == MONDAY + 27 * HOUR


def test_a_done_lane_cannot_be_a_waiting_lane(store: Store) -> None:
    with (
        pytest.raises(InvalidInputError, match="A Done lane cannot be a waiting lane"),
        store.write() as s,
    ):
        set_lane_waiting(s, lane_by_name(s, "Done").id, True)
