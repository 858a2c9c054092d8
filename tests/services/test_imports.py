"""Trello and Toggl imports on SQLite and PostgreSQL: what lands where, re-runs, races."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.cli.conftest import dump
from tests.unit.test_import_formats import BERLIN, ROW, toggl_csv, trello_board
from vadesk.config import Settings
from vadesk.db.models import (
    Card,
    CardActivity,
    CardAttachment,
    ChecklistItem,
    Client,
    Lane,
    TimeEntry,
)
from vadesk.errors import InvalidInputError, NotFoundError
from vadesk.services.billing import set_rules
from vadesk.services.cards import create_card
from vadesk.services.checklist import set_checklist_item
from vadesk.services.clients import add_client
from vadesk.services.imports.toggl import run_toggl
from vadesk.services.imports.trello import run_trello
from vadesk.services.lanes import add_lane, lane_by_name
from vadesk.services.ordering import move_card
from vadesk.services.reports import month_period, report_by_name
from vadesk.services.store import Store, open_store

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def board_bytes(raw: dict[str, Any] | None = None) -> bytes:
    return json.dumps(raw or trello_board()).encode()


def cards_by_ref(store: Store) -> dict[str, Card]:
    with store.read() as s:
        return {c.external_ref or "": c for c in s.scalars(select(Card))}


def lane_names(store: Store) -> list[str]:
    with store.read() as s:
        return list(s.scalars(select(Lane.name).order_by(Lane.position)))


def before_done(names: list[str], *new: str) -> list[str]:
    """``names`` with ``new`` put just before Done (wherever the board keeps it)."""
    at = names.index("Done")
    return [*names[:at], *new, *names[at:]]


def with_client(store: Store, name: str = "Acme Bakery") -> int:
    with store.write() as s:
        return add_client(s, name).id


# ---------------------------------------------------------------- Trello


def test_trello_cards_land_in_lanes_in_order_with_everything(store: Store) -> None:
    client_id = with_client(store)
    lanes = lane_names(store)
    summary = run_trello(store, board_bytes(), now=NOW)
    assert summary.client == "Acme Bakery"
    assert summary.created == {
        "lanes": 1,
        "cards": 4,
        "checklist_items": 3,
        "comments": 2,
        "attachments": 1,
    }
    # "To Do" is new: after Low, before Done; the archived list gets no lane of its own.
    assert lane_names(store) == before_done(lanes, "To Do")
    cards = cards_by_ref(store)
    a, b, c, d = (cards[f"trello:card-{x}"] for x in "abcd")
    with store.read() as s:
        todo = lane_by_name(s, "To Do").id
        done = lane_by_name(s, "Done").id
        assert (a.lane_id, b.lane_id, c.lane_id, d.lane_id) == (todo, todo, done, done)
        assert a.rank < b.rank
        assert (a.archived, b.archived, c.archived, d.archived) == (False, False, True, True)
        assert {x.client_id for x in (a, b, c, d)} == {client_id}
        assert a.due_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
        assert a.labels == ["Urgent"] and b.labels == ["Urgent", "green"]
        assert a.description == "Line one\nLine two, with a comma"
        items = s.execute(
            select(ChecklistItem.text, ChecklistItem.done)
            .where(ChecklistItem.card_id == a.id)
            .order_by(ChecklistItem.position)
        ).all()
        assert [tuple(i) for i in items] == [
            ("Buy: Flour", True),
            ("Buy: Sugar", False),
            ("Pay: Transfer", False),
        ]
        comments = s.execute(
            select(CardActivity.at, CardActivity.detail)
            .where(CardActivity.card_id == a.id, CardActivity.kind == "comment")
            .order_by(CardActivity.at)
        ).all()
        assert [(at, d["author"], d["text"], d["trello_action"]) for at, d in comments] == [
            (
                datetime(2026, 11, 2, 9, 15, tzinfo=UTC),
                "Jane Baker",
                "Please use the blue supplier",
                "act1",
            ),
            (datetime(2026, 11, 3, 10, 0, tzinfo=UTC), "jdoe", "Second comment", "act2"),
        ]
        link = s.scalars(select(CardAttachment).where(CardAttachment.card_id == a.id)).one()
        assert (link.name, link.path, link.size) == ("quote.pdf", "", 52311)
        assert link.url.endswith("/quote.pdf")


def test_trello_same_file_twice_changes_nothing(store: Store, db_url: str) -> None:
    with_client(store)
    run_trello(store, board_bytes(), now=NOW)
    before = dump(db_url)
    again = run_trello(store, board_bytes(), now=NOW)
    assert again.created == {} and again.updated == {}
    assert again.unchanged == {"cards": 4, "comments": 2, "attachments": 1}
    assert dump(db_url) == before


def test_trello_newer_export_updates_what_changed_and_keeps_local_work(store: Store) -> None:
    with_client(store)
    run_trello(store, board_bytes(), now=NOW)
    cards = cards_by_ref(store)
    a, b = cards["trello:card-a"], cards["trello:card-b"]
    # Here, the VA moves card A to Urgent and ticks "Buy: Sugar" herself.
    with store.write() as s:
        move_card(s, a.id, lane_id=lane_by_name(s, "Urgent").id, position="top")
        sugar = s.scalar(select(ChecklistItem.id).where(ChecklistItem.text == "Buy: Sugar"))
        assert sugar is not None
        set_checklist_item(s, sugar, done=True)
    newer = trello_board()
    newer["cards"][0]["name"] = "Second in To Do (renamed in Trello)"
    newer["cards"][1]["desc"] = "Updated in Trello"
    newer["cards"].append({"id": "card-e", "name": "Brand new", "idList": "list-todo", "pos": 9999})
    newer["checklists"][0]["checkItems"].append(
        {"id": "i4", "name": "Receipt", "state": "complete", "pos": 2}
    )
    newer["actions"].append(
        {
            "id": "act9",
            "type": "commentCard",
            "date": "2026-11-05T10:00:00.000Z",
            "data": {"text": "New comment", "card": {"id": "card-b"}},
            "memberCreator": {"fullName": "Jane Baker"},
        }
    )
    summary = run_trello(store, board_bytes(newer), now=NOW)
    assert summary.created == {"cards": 1, "checklist_items": 1, "comments": 1}
    assert summary.updated == {"cards": 2}
    assert summary.unchanged == {"cards": 2, "comments": 2, "attachments": 1}
    after = cards_by_ref(store)
    with store.read() as s:
        assert after["trello:card-b"].title == "Second in To Do (renamed in Trello)"
        assert after["trello:card-a"].description == "Updated in Trello"
        # Not changed in Trello: the VA's move and tick stand.
        assert after["trello:card-a"].lane_id == lane_by_name(s, "Urgent").id
        assert s.scalar(select(ChecklistItem.done).where(ChecklistItem.text == "Buy: Sugar"))
        assert after["trello:card-e"].lane_id == lane_by_name(s, "To Do").id
        assert s.scalar(select(func.count(Card.id))) == 5
        # the move, the tick, then one update for the import
        assert after["trello:card-a"].version == a.version + 3
        assert after["trello:card-b"].version == b.version + 1


def test_trello_a_card_moved_to_another_list_in_trello_moves_here(store: Store) -> None:
    with_client(store)
    run_trello(store, board_bytes(), now=NOW)
    newer = trello_board()
    newer["cards"][0]["idList"] = "list-done"
    summary = run_trello(store, board_bytes(newer), now=NOW)
    assert summary.updated == {"cards": 1}
    with store.read() as s:
        card = s.scalars(select(Card).where(Card.external_ref == "trello:card-b")).one()
        assert card.lane_id == lane_by_name(s, "Done").id
        assert card.completed_at == NOW


def test_trello_client_by_option_board_name_or_none(store: Store) -> None:
    with_client(store, "Other Client")
    with pytest.raises(NotFoundError, match="No client named 'Nobody'"):
        run_trello(store, board_bytes(), client="Nobody")
    summary = run_trello(store, board_bytes(), now=NOW, dry_run=True)
    assert summary.client is None
    assert any("matches no client" in note for note in summary.notes)
    summary = run_trello(store, board_bytes(), client="other client", now=NOW)
    assert summary.client == "Other Client"
    with store.read() as s:
        assert set(s.scalars(select(Card.client_id))) == {
            s.scalar(select(Client.id).where(Client.name == "Other Client"))
        }


def test_trello_lane_mapping_and_the_inbox_for_unmapped_lists(store: Store) -> None:
    lanes = lane_names(store)
    summary = run_trello(store, board_bytes(), lanes="To Do=Normal", unmapped="inbox", now=NOW)
    assert summary.created.get("lanes") == 1
    assert lane_names(store) == ["Inbox", *lanes]
    cards = cards_by_ref(store)
    with store.read() as s:
        assert cards["trello:card-a"].lane_id == lane_by_name(s, "Normal").id
        # The archived list has no lane of its name: its card rests in the Inbox, archived.
        inbox = s.scalars(select(Lane).where(Lane.name == "Inbox")).one()
        assert inbox.role == "inbox"
        assert cards["trello:card-d"].lane_id == inbox.id and cards["trello:card-d"].archived


def test_trello_new_lanes_go_before_done_after_a_waiting_lane(store: Store) -> None:
    if "Waiting on client" not in lane_names(store):  # the default board has one from 0005
        with store.write() as s:
            waiting = add_lane(s, "Waiting on client", 4)
            s.get_one(Lane, waiting.id).waiting = True
    lanes = lane_names(store)
    assert lanes[-2:] == ["Waiting on client", "Done"]
    run_trello(store, board_bytes(), now=NOW)
    assert lane_names(store) == [*lanes[:-1], "To Do", "Done"]


@pytest.mark.parametrize(
    ("lanes", "message"),
    [
        ("Todo=Normal", "names the list 'todo', which this board does not have"),
        ("To Do=Someday", "maps to the lane 'Someday', which does not exist"),
        ("To Do", "is not LIST=LANE"),
    ],
)
def test_trello_a_wrong_lane_mapping_is_refused_and_changes_nothing(
    store: Store, db_url: str, lanes: str, message: str
) -> None:
    before = dump(db_url)
    with pytest.raises(InvalidInputError, match=message):
        run_trello(store, board_bytes(), lanes=lanes, now=NOW)
    assert dump(db_url) == before


def test_trello_dry_run_reports_everything_and_changes_nothing(store: Store, db_url: str) -> None:
    with_client(store)
    before = dump(db_url)
    summary = run_trello(store, board_bytes(), dry_run=True, now=NOW)
    assert summary.dry_run is True
    assert summary.created["cards"] == 4 and summary.created["lanes"] == 1
    assert dump(db_url) == before


def test_two_trello_imports_at_once_create_each_card_once(db_url: str) -> None:
    stores = [open_store(Settings(user="tester"), db_url) for _ in range(2)]
    try:
        with stores[0].write() as s:
            add_client(s, "Acme Bakery")
        barrier = threading.Barrier(2)
        results: list[object] = []

        def work(store: Store) -> None:
            barrier.wait()
            try:
                results.append(run_trello(store, board_bytes(), now=NOW))
            except Exception as error:  # the assertion below names it
                results.append(error)

        threads = [threading.Thread(target=work, args=(st,)) for st in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert all(not isinstance(r, Exception) for r in results), results
        created = sorted(r.created.get("cards", 0) for r in results)
        assert created == [0, 4]
        with stores[0].read() as s:
            assert s.scalar(select(func.count(Card.id))) == 4
            assert s.scalar(select(func.count(Lane.id)).where(Lane.name == "To Do")) == 1
            assert (
                s.scalar(select(func.count(CardActivity.id)).where(CardActivity.kind == "comment"))
                == 2
            )
    finally:
        for st in stores:
            st.close()


# ---------------------------------------------------------------- Toggl


def entry(client: str, description: str, day: str, start: str, end: str, **kw: str) -> str:
    values = {
        "client": client,
        "project": kw.get("project", "Website"),
        "description": description,
        "billable": kw.get("billable", "Yes"),
        "day": day,
        "end_day": kw.get("end_day", day),
        "start": start,
        "end": end,
    }
    return (
        "Ann,ann@example.com,{client},{project},,{description},{billable},{day},{start},"
        "{end_day},{end},00:00:00,,0.00"
    ).format(**values)


def report_csv() -> bytes:
    return toggl_csv(
        entry("ACME BAKERY", "Order flour", "2026-11-02", "09:00", "10:00"),
        entry("Acme Bakery", "Newsletter", "2026-11-02", "11:00", "11:30"),
        entry("Acme Bakery", "", "2026-11-03", "09:00", "09:45", billable="No"),
        entry("Bright Dental", "Inbox zero", "2026-11-03", "23:00", "01:00", end_day="2026-11-04"),
        entry("", "Own admin", "2026-11-04", "08:00", "08:15", project=""),
    )


def berlin(store: Store) -> Store:
    return replace(store, settings=Settings(user="tester", timezone="Europe/Berlin"))


def test_toggl_entries_land_on_matching_cards_or_project_cards(store: Store) -> None:
    store = berlin(store)
    with store.write() as s:
        acme = add_client(s, "Acme Bakery").id
    with store.write() as s:
        flour = create_card(s, "Order flour", client_id=acme).id
    summary = run_toggl(store, report_csv(), now=NOW)
    assert summary.created == {"clients": 1, "cards": 3, "entries": 5, "non_billable": 1}
    with store.read() as s:
        rows = s.execute(
            select(
                Client.name,
                Card.title,
                TimeEntry.note,
                TimeEntry.started_at,
                TimeEntry.ended_at,
                TimeEntry.billable,
                TimeEntry.source,
                TimeEntry.user_id,
            )
            .join(Card, Card.id == TimeEntry.card_id)
            .outerjoin(Client, Client.id == Card.client_id)
            .order_by(TimeEntry.started_at)
        ).all()
        assert [tuple(r) for r in rows] == [
            (
                "Acme Bakery",
                "Order flour",
                "Order flour",
                datetime(2026, 11, 2, 8, tzinfo=UTC),
                datetime(2026, 11, 2, 9, tzinfo=UTC),
                True,
                "toggl",
                store.user_id,
            ),
            (
                "Acme Bakery",
                "Imported from Toggl: Website",
                "Newsletter",
                datetime(2026, 11, 2, 10, tzinfo=UTC),
                datetime(2026, 11, 2, 10, 30, tzinfo=UTC),
                True,
                "toggl",
                store.user_id,
            ),
            (
                "Acme Bakery",
                "Imported from Toggl: Website",
                "",
                datetime(2026, 11, 3, 8, tzinfo=UTC),
                datetime(2026, 11, 3, 8, 45, tzinfo=UTC),
                False,
                "toggl",
                store.user_id,
            ),
            # crossing midnight: one entry, whole
            (
                "Bright Dental",
                "Imported from Toggl: Website",
                "Inbox zero",
                datetime(2026, 11, 3, 22, tzinfo=UTC),
                datetime(2026, 11, 4, 0, tzinfo=UTC),
                True,
                "toggl",
                store.user_id,
            ),
            (
                None,
                "Imported from Toggl: no project",
                "Own admin",
                datetime(2026, 11, 4, 7, tzinfo=UTC),
                datetime(2026, 11, 4, 7, 15, tzinfo=UTC),
                True,
                "toggl",
                store.user_id,
            ),
        ]
        assert s.scalar(select(func.count(TimeEntry.id)).where(TimeEntry.card_id == flour)) == 1
        project_card = s.scalars(
            select(Card).where(Card.title == "Imported from Toggl: Website", Card.client_id == acme)
        ).one()
        assert project_card.lane_id == lane_by_name(s, "Done").id


def test_toggl_same_file_twice_adds_nothing(store: Store, db_url: str) -> None:
    store = berlin(store)
    run_toggl(store, report_csv(), now=NOW)
    before = dump(db_url)
    again = run_toggl(store, report_csv(), now=NOW)
    assert again.created == {} and again.unchanged == {"entries": 5}
    assert dump(db_url) == before


def test_toggl_a_repeated_row_in_one_file_is_imported_once(store: Store) -> None:
    line = entry("Acme", "Same", "2026-11-02", "09:00", "10:00")
    summary = run_toggl(store, toggl_csv(line, line), now=NOW)
    assert summary.created["entries"] == 1 and summary.unchanged == {"entries": 1}


def test_toggl_dry_run_changes_nothing(store: Store, db_url: str) -> None:
    before = dump(db_url)
    summary = run_toggl(berlin(store), report_csv(), dry_run=True, now=NOW)
    assert summary.dry_run and summary.created["entries"] == 5
    assert dump(db_url) == before


def test_toggl_unreadable_rows_are_skipped_by_line_and_the_rest_imported(store: Store) -> None:
    data = toggl_csv(
        entry("Acme", "Good", "2026-11-02", "09:00", "10:00"),
        ROW.format(d1="2026-11-02", t1="10:00", d2="2026-11-02", t2="09:00", dur=""),
    )
    summary = run_toggl(store, data, now=NOW)
    assert summary.created["entries"] == 1
    assert [p.line() for p in summary.skipped] == ["line 3: it ends before it starts; skipped"]


def test_toggl_time_shows_in_reports_and_non_billable_time_costs_nothing(store: Store) -> None:
    store = berlin(store)
    with store.write() as s:
        acme = add_client(s, "Acme Bakery").id
        set_rules(s, acme, default_rate_minor=6000)
    run_toggl(store, report_csv(), now=NOW)
    with store.read() as s:
        report = report_by_name(s, "acme bakery", month_period("2026-11"), BERLIN, now=NOW)
    assert report.minutes == 60 + 30 + 45
    assert report.billed_minutes == 60 + 30
    assert report.subtotal_minor == 6000 + 3000
    unbilled = [r for r in report.rows if r.note == ""]
    assert [(r.minutes, r.billed_minutes, r.amount_minor) for r in unbilled] == [(45, 0, 0)]


def test_two_toggl_imports_at_once_add_each_entry_once(db_url: str) -> None:
    stores = [open_store(Settings(user="tester", timezone="UTC"), db_url) for _ in range(2)]
    try:
        barrier = threading.Barrier(2)
        results: list[object] = []

        def work(store: Store) -> None:
            barrier.wait()
            try:
                results.append(run_toggl(store, report_csv(), now=NOW))
            except Exception as error:  # the assertion below names it
                results.append(error)

        threads = [threading.Thread(target=work, args=(st,)) for st in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert all(not isinstance(r, Exception) for r in results), results
        assert sorted(r.created.get("entries", 0) for r in results) == [0, 5]
        with stores[0].read() as s:
            assert s.scalar(select(func.count(TimeEntry.id))) == 5
            assert s.scalar(select(func.count(Client.id))) == 2
    finally:
        for st in stores:
            st.close()


def test_toggl_non_billable_entries_show_no_amount_next_to_their_hours(store: Store) -> None:
    from vadesk.services.reports import entry_amounts

    with store.write() as s:
        acme = add_client(s, "Acme Bakery").id
        set_rules(s, acme, default_rate_minor=6000)
    run_toggl(berlin(store), report_csv(), now=NOW)
    with store.read() as s:
        rows = s.execute(
            select(TimeEntry.id, TimeEntry.billable, TimeEntry.started_at, TimeEntry.ended_at)
            .join(Card)
            .where(Card.client_id == acme)
        ).all()
        amounts = entry_amounts(
            s, [(entry_id, acme, start, end) for entry_id, _, start, end in rows], UTC, now=NOW
        )
    # 60 and 30 minutes at €60/h; the 45 non-billable minutes have no amount at all.
    assert sorted(
        (billable, amounts[entry_id].amount_minor, amounts[entry_id].text("en_US"))
        for entry_id, billable, _, _ in rows
    ) == [(False, 0, "not billable"), (True, 3000, "€30.00"), (True, 6000, "€60.00")]


def test_trello_cards_put_in_a_waiting_lane_start_with_their_clock_paused(store: Store) -> None:
    if "Waiting on client" not in lane_names(store):
        with store.write() as s:
            s.get_one(Lane, add_lane(s, "Waiting on client", 4).id).waiting = True
    run_trello(store, board_bytes(), lanes="To Do=Waiting on client", now=NOW)
    card = cards_by_ref(store)["trello:card-a"]
    assert card.waiting_since == NOW
    newer = trello_board()
    newer["cards"][1]["idList"] = "list-done"  # card A is done in Trello a day later
    later = NOW.replace(day=25)
    run_trello(store, board_bytes(newer), now=later)
    with store.read() as s:
        card = s.scalars(select(Card).where(Card.external_ref == "trello:card-a")).one()
        assert (card.waiting_since, card.waited_seconds) == (None, 24 * 3600)
        kinds = s.scalars(
            select(CardActivity.kind)
            .where(CardActivity.card_id == card.id)
            .order_by(CardActivity.id)
        ).all()
        assert kinds[-1:] == ["edited"] and "resumed" in kinds
