"""Billed entries keep their identity: undo of a delete, and ids SQLite hands out again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from vadesk.db.models import Card, Client
from vadesk.services import billing, reports, timer
from vadesk.services.seed import seed
from vadesk.services.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NOVEMBER = reports.month_period("2026-11")


def setup(store: Store) -> tuple[int, int]:
    with store.write() as s:
        seed(s, clients=1, cards=1, user_id=store.user_id, now=NOW)
        client = s.scalar(select(Client.id))
        card = s.scalar(select(Card.id))
        assert client is not None and card is not None
        billing.set_rules(s, client, default_rate_minor=6000)
        s.execute(Card.__table__.update().values(client_id=client))
    return client, card


def add(store: Store, card: int, start: datetime, minutes: int) -> timer.EntryRow:
    with store.write() as s:
        row, _ = timer.add_entry(
            s, store.user_id, card, start, start + timedelta(minutes=minutes), now=NOW
        )
    return row


def test_undoing_the_delete_of_a_billed_entry_restores_it_as_billed(store: Store) -> None:
    client, card = setup(store)
    first = add(store, card, NOW - timedelta(days=3), 60)
    with store.write() as s:
        reports.mark_billed(s, client, NOVEMBER, "INV-1", BERLIN, now=NOW)
        deleted = timer.delete_entry(s, store.user_id, first.id)
    with store.read() as s:
        report = reports.client_report(s, client, NOVEMBER, BERLIN, now=NOW)
    assert [c.deleted for c in report.corrections] == [True]
    with store.write() as s:
        restored = timer.restore_entry(s, store.user_id, deleted)
    assert restored == first.id
    with store.read() as s:
        report = reports.client_report(s, client, NOVEMBER, BERLIN, now=NOW)
        marks = reports.billed_entries(s, [(first.id, first.started_at, first.ended_at)], BERLIN)
    assert report.corrections == ()
    assert [r.invoice for r in report.rows] == ["INV-1"]
    assert marks == {first.id: "INV-1"}


def test_restore_takes_a_new_id_when_the_old_one_was_given_out_again(store: Store) -> None:
    _, card = setup(store)
    first = add(store, card, NOW - timedelta(days=3), 60)
    with store.write() as s:
        deleted = timer.delete_entry(s, store.user_id, first.id)
    second = add(store, card, NOW - timedelta(days=2), 30)  # SQLite may reuse first.id
    with store.write() as s:
        restored = timer.restore_entry(s, store.user_id, deleted)
    with store.read() as s:
        rows = timer.entries_between(s, store.user_id, NOW - timedelta(days=7), NOW)
    assert sorted(r.id for r in rows) == sorted({second.id, restored})
    assert len(rows) == 2


def test_a_new_entry_under_a_reused_id_is_not_shown_as_billed(store: Store) -> None:
    client, card = setup(store)
    first = add(store, card, NOW - timedelta(days=3), 60)
    with store.write() as s:
        reports.mark_billed(s, client, NOVEMBER, "INV-1", BERLIN, now=NOW)
    # What SQLite does after the newest entry is deleted: the next one gets its id back.
    with store.write() as s:
        timer.edit_entry(
            s,
            store.user_id,
            first.id,
            start_at=NOW - timedelta(hours=2),
            end_at=NOW - timedelta(hours=1),
            now=NOW,
        )
    with store.read() as s:
        moved = timer.entries_between(s, store.user_id, NOW - timedelta(days=1), NOW)[0]
        marks = reports.billed_entries(s, [(moved.id, moved.started_at, moved.ended_at)], BERLIN)
        report = reports.client_report(s, client, NOVEMBER, BERLIN, now=NOW)
    assert marks == {}
    # The billed day lost its hour (a correction); the new day's hour is new time to bill.
    assert [(c.deleted, c.billed_seconds_now) for c in report.corrections] == [(True, 0)]
    assert [r.invoice for r in report.rows] == [None]
