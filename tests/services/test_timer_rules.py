"""Timer rules that guard the bill: no empty entries, no timer left on a finished card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from vadesk.db.models import TimeEntry
from vadesk.services import timer
from vadesk.services.cards import (
    card_detail,
    complete_card,
    create_card,
    edit_card,
    get_card,
    set_archived,
)
from vadesk.services.store import Store

NOW = datetime(2026, 11, 24, 10, 0, 17, tzinfo=UTC)


def entry_count(store: Store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count(TimeEntry.id))) or 0


def test_starting_the_card_that_already_runs_changes_nothing(store: Store) -> None:
    with store.write() as s:
        card = create_card(s, "call the bank").id
        first = timer.start(s, store.user_id, card, now=NOW)
    with store.write() as s:
        again = timer.start(s, store.user_id, card, now=NOW + timedelta(minutes=5))
    assert again.id == first.id and again.ended_at is None
    assert again.started_at == NOW
    assert entry_count(store) == 1  # no 0:00 entry left behind


def test_marking_the_timed_card_done_stops_its_timer(store: Store) -> None:
    with store.write() as s:
        card = create_card(s, "book flights").id
        other = create_card(s, "order toner").id
        timer.start(s, store.user_id, card, now=NOW)
    with store.write() as s:
        complete_card(s, other, user_id=store.user_id, now=NOW + timedelta(minutes=3))
        assert timer.running(s, store.user_id) is not None  # another card: still running
        complete_card(s, card, user_id=store.user_id, now=NOW + timedelta(minutes=20))
    with store.read() as s:
        assert timer.running(s, store.user_id) is None
        (entry,) = timer.entries_between(s, store.user_id, NOW, NOW + timedelta(hours=1))
    assert entry.card_id == card and entry.seconds(NOW) == 20 * 60


def test_archiving_the_timed_card_stops_its_timer(store: Store) -> None:
    with store.write() as s:
        card = create_card(s, "newsletter").id
        timer.start(s, store.user_id, card, now=NOW)
    with store.write() as s:
        set_archived(s, card, True, user_id=store.user_id, now=NOW + timedelta(minutes=7))
    with store.read() as s:
        assert timer.running(s, store.user_id) is None
        (entry,) = timer.entries_between(s, store.user_id, NOW, NOW + timedelta(hours=1))
    assert entry.seconds(NOW) == 7 * 60


def test_editing_the_title_logs_only_the_title(store: Store) -> None:
    # The due time comes from the turnaround rule, with seconds; it must not count as edited.
    with store.write() as s:
        card = create_card(s, "draft post", kind="admin", now=NOW).id
    with store.write() as s:
        before = get_card(s, card)
        edit_card(
            s,
            card,
            user_id=store.user_id,
            now=NOW + timedelta(minutes=1),
            title="draft the post",
            due_at=before.due_at,
            kind=before.kind,
        )
    with store.read() as s:
        detail = card_detail(s, card)
    edits = [a.detail["fields"] for a in detail.activity if a.kind == "edited"]
    assert edits == [["title"]]
    assert detail.card.due_at == NOW + timedelta(hours=24)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("split", [(True, 0, 30), (False, 30, None)]), ("discard", [(False, 30, None)])],
)
def test_an_absence_from_the_very_start_leaves_no_empty_entry(
    store: Store, choice: str, expected: list[tuple[bool, int, int | None]]
) -> None:
    with store.write() as s:
        card = create_card(s, "inbox zero").id
        timer.start(s, store.user_id, card, now=NOW)  # and walked away at once
    back = NOW + timedelta(minutes=30)
    with store.write() as s:
        timer.resolve_absence(s, store.user_id, choice, now=back)  # type: ignore[arg-type]
    with store.read() as s:
        rows = timer.entries_between(s, store.user_id, NOW, back + timedelta(hours=1))
    minutes = [
        (
            r.idle,
            (r.started_at - NOW) // timedelta(minutes=1),
            None if r.ended_at is None else (r.ended_at - NOW) // timedelta(minutes=1),
        )
        for r in rows
    ]
    assert minutes == expected
