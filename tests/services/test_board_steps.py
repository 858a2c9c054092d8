"""Board steps (card writes as data) and their undo and redo, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from vadesk.services.board_read import list_cards
from vadesk.services.board_steps import Step, apply
from vadesk.services.cards import create_card
from vadesk.services.lanes import lane_by_name, list_lanes
from vadesk.services.store import Store

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def seed(store: Store) -> dict[str, int]:
    """Urgent: a1 a2 a3; High: b1."""
    with store.write() as s:
        lanes = {lane.name: lane.id for lane in list_lanes(s)}
        return {
            title: create_card(s, title, lane_id=lanes[lane], now=NOW).id
            for lane, title in (
                ("Urgent", "a1"),
                ("Urgent", "a2"),
                ("Urgent", "a3"),
                ("High", "b1"),
            )
        }


def board_state(store: Store) -> dict[str, list[str]]:
    with store.read() as s:
        return {
            lane.name: [c.title for c in list_cards(s, lane_id=lane.id)]
            for lane in list_lanes(s)
            if lane.name in ("Urgent", "High", "Done")
        }


def run(store: Store, step: Step) -> tuple[int | None, Step | None, Step]:
    with store.write() as s:
        done = apply(s, step, user_id=store.user_id)
    return done.follow, done.undo, done.redo


START = {"Urgent": ["a1", "a2", "a3"], "High": ["b1"], "Done": []}


def test_a_move_is_undone_to_its_old_place_and_redone(store: Store) -> None:
    ids = seed(store)
    follow, undo, redo = run(store, Step("move", ids["a2"], {"before_id": ids["b1"]}))
    assert follow == ids["a2"]
    assert board_state(store) == {"Urgent": ["a1", "a3"], "High": ["a2", "b1"], "Done": []}
    assert undo is not None and undo.action == "restore"
    run(store, undo)
    assert board_state(store) == START
    run(store, redo)
    assert board_state(store)["High"] == ["a2", "b1"]


def test_reorder_to_top_and_done_are_undone(store: Store) -> None:
    ids = seed(store)
    _, undo_step, _ = run(store, Step("move_step", ids["a1"], {"steps": 1}))
    assert board_state(store)["Urgent"] == ["a2", "a1", "a3"]
    _, undo_top, _ = run(store, Step("move", ids["a3"], {"position": "top"}))
    assert board_state(store)["Urgent"] == ["a3", "a2", "a1"]
    _, undo_done, _ = run(store, Step("complete", ids["a2"]))
    assert board_state(store)["Done"] == ["a2"]
    for undo in (undo_done, undo_top, undo_step):
        assert undo is not None
        run(store, undo)
    assert board_state(store) == START


def test_archive_is_undone_back_into_its_place(store: Store) -> None:
    ids = seed(store)
    follow, undo, redo = run(store, Step("archive", ids["a2"]))
    assert follow is None
    assert board_state(store)["Urgent"] == ["a1", "a3"]
    assert undo is not None and undo.action == "unarchive"
    assert run(store, undo)[0] == ids["a2"]
    assert board_state(store) == START
    run(store, redo)
    assert board_state(store)["Urgent"] == ["a1", "a3"]


def test_a_new_card_is_undone_by_archiving_and_redone_without_a_copy(store: Store) -> None:
    seed(store)
    with store.read() as s:
        high = lane_by_name(s, "High").id
    step = Step("create", 0, {"title": "Renew domain", "fields": {"lane_id": high}})
    follow, undo, redo = run(store, step)
    assert follow is not None
    assert board_state(store)["High"] == ["b1", "Renew domain"]
    assert undo == Step("archive", follow)
    run(store, undo)
    assert board_state(store)["High"] == ["b1"]
    assert redo == Step("unarchive", follow)
    run(store, redo)
    assert board_state(store)["High"] == ["b1", "Renew domain"]


def test_an_edit_step_sets_the_fields_it_names(store: Store) -> None:
    ids = seed(store)
    follow, undo, _ = run(store, Step("edit", ids["b1"], {"fields": {"title": "b1 renamed"}}))
    assert follow == ids["b1"]
    assert undo is None  # the editor records before and after itself
    assert board_state(store)["High"] == ["b1 renamed"]


def test_timer_and_lane_steps_are_not_undone_and_say_what_they_did(store: Store) -> None:
    ids = seed(store)
    with store.write() as s:
        done = apply(s, Step("timer", ids["a1"]), user_id=store.user_id, now=NOW)
    assert done.undo is None
    action, entry = done.result
    assert (action, entry.card_title) == ("started", "a1")
    with store.read() as s:
        high = lane_by_name(s, "High").id
    for step in (
        Step("add_lane", 0, {"name": "Waiting", "position": 1}),
        Step("rename_lane", 0, {"lane_id": high, "name": "Soon"}),
        Step("move_lane", 0, {"lane_id": high, "position": 0}),
    ):
        assert run(store, step)[1] is None
    with store.read() as s:
        names = [lane.name for lane in list_lanes(s)]
    assert names == ["Soon", "Urgent", "Waiting", "Normal", "Low", "Waiting on client", "Done"]
