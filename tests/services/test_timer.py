"""Timer services on SQLite and PostgreSQL: one running timer, crash safety, entries."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from vadesk.db.models import TimeEntry
from vadesk.errors import InvalidInputError, NotFoundError
from vadesk.services import timer
from vadesk.services.cards import create_card
from vadesk.services.store import Store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def cards(store: Store, n: int = 2) -> list[int]:
    with store.write() as s:
        return [create_card(s, f"task {i}").id for i in range(n)]


def running_count(store: Store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count(TimeEntry.id)).where(TimeEntry.ended_at.is_(None))) or 0


def test_start_switch_and_stop(store: Store) -> None:
    a, b = cards(store)
    with store.write() as s:
        timer.start(s, store.user_id, a, now=NOW)
    with store.write() as s:
        timer.start(s, store.user_id, b, now=NOW + timedelta(minutes=10))
    assert running_count(store) == 1
    with store.write() as s:
        first = timer.entries_between(s, store.user_id, NOW, NOW + timedelta(hours=1))[0]
        assert first.card_id == a and first.seconds(NOW) == 600
        stopped = timer.stop(s, store.user_id, now=NOW + timedelta(minutes=25))
    assert stopped is not None and stopped.card_id == b and stopped.seconds(NOW) == 900
    assert running_count(store) == 0


def test_toggle_on_the_running_card_stops_it(store: Store) -> None:
    (a,) = cards(store, 1)
    with store.write() as s:
        assert timer.toggle(s, store.user_id, a, now=NOW)[0] == "started"
    with store.write() as s:
        action, entry = timer.toggle(s, store.user_id, a, now=NOW + timedelta(minutes=3))
    assert action == "stopped" and entry.seconds(NOW) == 180


def test_the_database_itself_refuses_a_second_running_timer(store: Store) -> None:
    a, b = cards(store)
    with store.write() as s:
        timer.start(s, store.user_id, a, now=NOW)
    with pytest.raises(IntegrityError), store.db.engine.begin() as conn:
        conn.execute(
            TimeEntry.__table__.insert().values(
                user_id=store.user_id, card_id=b, started_at=NOW, note="", idle=False
            )
        )


def test_a_running_timer_survives_a_restart(store: Store) -> None:
    (a,) = cards(store, 1)
    with store.write() as s:
        timer.start(s, store.user_id, a, now=NOW)
    store.db.dispose()  # as if the process died: nothing in memory survives
    with store.read() as s:
        entry = timer.running(s, store.user_id)
    assert entry is not None and entry.seconds(NOW + timedelta(hours=2)) == 7200


def test_manual_entries_are_validated_and_overlaps_reported(store: Store) -> None:
    (a,) = cards(store, 1)
    with store.write() as s:
        entry, clashes = timer.add_entry(
            s, store.user_id, a, NOW - timedelta(hours=2), NOW - timedelta(hours=1), now=NOW
        )
    assert clashes == [] and entry.seconds(NOW) == 3600
    with store.write() as s:
        _, clashes = timer.add_entry(
            s, store.user_id, a, NOW - timedelta(minutes=90), NOW - timedelta(minutes=30), now=NOW
        )
    assert [c.id for c in clashes] == [entry.id]
    with pytest.raises(InvalidInputError, match="End must be after start"), store.write() as s:
        timer.add_entry(s, store.user_id, a, NOW, NOW - timedelta(minutes=1), now=NOW)
    with pytest.raises(InvalidInputError, match="future"), store.write() as s:
        timer.add_entry(s, store.user_id, a, NOW, NOW + timedelta(hours=1), now=NOW)
    with pytest.raises(NotFoundError), store.write() as s:
        timer.add_entry(s, store.user_id, 999, NOW - timedelta(hours=1), NOW, now=NOW)


def test_edit_delete_and_restore_an_entry(store: Store) -> None:
    a, b = cards(store)
    with store.write() as s:
        entry, _ = timer.add_entry(
            s, store.user_id, a, NOW - timedelta(hours=2), NOW - timedelta(hours=1), now=NOW
        )
        edited, _ = timer.edit_entry(
            s,
            store.user_id,
            entry.id,
            end_at=NOW - timedelta(minutes=30),
            card_id=b,
            note="call",
            now=NOW,
        )
    assert edited.card_id == b and edited.seconds(NOW) == 5400 and edited.note == "call"
    with store.write() as s:
        gone = timer.delete_entry(s, store.user_id, entry.id)
    with store.write() as s:
        assert timer.entries_between(s, store.user_id, NOW - timedelta(days=1), NOW) == []
        timer.restore_entry(s, store.user_id, gone)
        (back,) = timer.entries_between(s, store.user_id, NOW - timedelta(days=1), NOW)
    assert (back.card_id, back.seconds(NOW), back.note) == (b, 5400, "call")


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("keep", [(0, None)]),
        ("discard", [(0, 30), (90, None)]),
        ("split", [(0, 30), (30, 90), (90, None)]),
    ],
)
def test_absence_keep_discard_or_split(store: Store, choice: str, expected: list) -> None:  # type: ignore[type-arg]
    (a,) = cards(store, 1)
    with store.write() as s:
        timer.start(s, store.user_id, a, now=NOW)
        timer.heartbeat(s, store.user_id, NOW + timedelta(minutes=30))
    back = NOW + timedelta(minutes=90)
    with store.read() as s:
        assert timer.absence_seconds(timer.running(s, store.user_id), back, 15 * 60) == 3600
    with store.write() as s:
        timer.resolve_absence(s, store.user_id, choice, now=back)  # type: ignore[arg-type]
    with store.read() as s:
        rows = timer.entries_between(s, store.user_id, NOW, back + timedelta(hours=1))
    minutes = [
        (
            int((r.started_at - NOW).total_seconds() // 60),
            None if r.ended_at is None else int((r.ended_at - NOW).total_seconds() // 60),
        )
        for r in rows
    ]
    assert minutes == expected
    if choice == "split":
        assert [r.idle for r in rows] == [False, True, False]


def test_two_processes_racing_to_start_end_with_one_running(store: Store, db_url: str) -> None:
    ids = cards(store, 4)
    # Each process alternates between its own two cards, so every start is a switch (starting
    # the card that already runs is a no-op) and must leave exactly one entry.
    code = (
        "import sys; from vadesk.config import Settings; from vadesk.services.store import "
        "open_store; from vadesk.services import timer\n"
        "st = open_store(Settings(user='tester'), sys.argv[1])\n"
        "for i in range(40):\n"
        "    with st.write() as s: timer.start(s, st.user_id, int(sys.argv[2 + i % 2]))\n"
        "print('ok')\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, db_url, str(first), str(second)],
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for first, second in (ids[:2], ids[2:])
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out.strip() == "ok", err[-1500:]
    assert running_count(store) == 1
    with store.read() as s:
        total = s.scalar(select(func.count(TimeEntry.id))) or 0
    assert total == 80


def test_cli_timer_commands(db_url: str, tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from vadesk.cli import cli

    run = CliRunner()
    card = run.invoke(cli, ["--db", db_url, "card", "add", "Invoice run"]).stdout.strip()
    assert "no timer running" in run.invoke(cli, ["--db", db_url, "timer", "status"]).stdout
    assert json.loads(run.invoke(cli, ["--db", db_url, "timer", "status", "--json"]).stdout) is None
    assert "started" in run.invoke(cli, ["--db", db_url, "timer", "start", card]).stdout
    status = json.loads(run.invoke(cli, ["--db", db_url, "timer", "status", "--json"]).stdout)
    assert status["card_id"] == int(card) and status["card"] == "Invoice run"
    assert status["elapsed_seconds"] >= 0 and status["started"].endswith("+00:00")
    assert "stopped" in run.invoke(cli, ["--db", db_url, "timer", "stop"]).stdout
    added = run.invoke(
        cli,
        [
            "--db",
            db_url,
            "timer",
            "add",
            card,
            "--start",
            "2026-11-20T09:00+00:00",
            "--end",
            "2026-11-20T10:15+00:00",
            "--note",
            "forgot",
        ],
    )
    assert added.exit_code == 0 and added.stdout.strip().isdigit()
    bad = run.invoke(
        cli,
        [
            "--db",
            db_url,
            "timer",
            "add",
            card,
            "--start",
            "2026-11-20T10:00",
            "--end",
            "2026-11-20T09:00",
        ],
    )
    assert bad.exit_code == 1 and "End must be after start" in bad.stderr


def test_pane_figures_count_today_week_client_and_package(store: Store) -> None:
    from zoneinfo import ZoneInfo

    from vadesk.services.clients import add_client

    berlin = ZoneInfo("Europe/Berlin")
    with store.write() as s:
        acme = add_client(s, "Acme")
        mine = create_card(s, "acme task", client_id=acme.id).id
        other = create_card(s, "other task").id
        timer.add_package(s, acme.id, 2, 8000, purchased_at=NOW - timedelta(days=30))
        # Tuesday 24 Nov 2026, 11:00 Berlin. Monday 23: 1 h on Acme; today 08:00-08:30 other.
        timer.add_entry(
            s, store.user_id, mine, NOW - timedelta(days=1), NOW - timedelta(hours=23), now=NOW
        )
        timer.add_entry(
            s, store.user_id, other, NOW - timedelta(hours=2), NOW - timedelta(minutes=90), now=NOW
        )
        # Sunday 22 Nov (last week): 30 min on Acme, counts for the package only.
        timer.add_entry(
            s,
            store.user_id,
            mine,
            NOW - timedelta(days=2),
            NOW - timedelta(days=2) + timedelta(minutes=30),
            now=NOW,
        )
        timer.start(s, store.user_id, mine, now=NOW - timedelta(minutes=10))
    with store.read() as s:
        fig = timer.figures(s, store.user_id, now=NOW, tz=berlin, client_id=acme.id)
    assert fig.running is not None and fig.running.card_id == mine
    assert (fig.today, fig.week) == (40 * 60, 100 * 60)
    assert fig.month == 130 * 60  # Sunday 22 Nov is last week but this month
    assert (fig.client, fig.client_today, fig.client_week) == ("Acme", 10 * 60, 70 * 60)
    assert (fig.package_total, fig.package_left) == (7200, 7200 - 100 * 60)
    assert fig.package_level == "low"
    later = fig.at(NOW + timedelta(minutes=5))
    assert (later.today, later.client_week, later.package_left) == (
        45 * 60,
        75 * 60,
        7200 - 105 * 60,
    )


def test_week_and_day_start_at_local_midnight_across_dst() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    # Wednesday 28 Oct 2026 09:00 UTC; DST ended on Sunday 25 Oct (UTC+2 -> UTC+1).
    day, week = timer.period_starts(datetime(2026, 10, 28, 9, 0, tzinfo=UTC), berlin)
    assert day == datetime(2026, 10, 27, 23, 0, tzinfo=UTC)
    assert week == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # Monday 26 Oct 00:00 CET
    day, week = timer.period_starts(datetime(2026, 10, 26, 0, 30, tzinfo=UTC), berlin)
    assert day == week == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
