"""Board services on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from vadesk.db.models import Card, CardActivity
from vadesk.errors import ConflictError, InvalidInputError, NotFoundError
from vadesk.services.board_read import lane_counts, lane_window, list_cards
from vadesk.services.cards import (
    card_detail,
    complete_card,
    create_card,
    edit_card,
    get_card,
    set_archived,
)
from vadesk.services.checklist import add_checklist_item, add_comment, set_checklist_item
from vadesk.services.clients import add_client
from vadesk.services.lanes import (
    add_lane,
    lane_by_name,
    list_lanes,
    move_lane,
    remove_lane,
    rename_lane,
)
from vadesk.services.ordering import move_card, move_step, neighbours, placement_of
from vadesk.services.store import Store

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def titles(store: Store, lane: str) -> list[str]:
    with store.read() as s:
        lane_id = lane_by_name(s, lane).id
        return [c.title for c in list_cards(s, lane_id=lane_id)]


def add(store: Store, title: str, lane: str = "Normal", **kw: Any) -> int:
    with store.write() as s:
        return create_card(
            s, title, lane_id=lane_by_name(s, lane).id, user_id=store.user_id, **kw
        ).id


@contextmanager
def card_writes(store: Store) -> Iterator[list[str]]:
    """Collect every INSERT/UPDATE/DELETE touching the cards table."""
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        head = statement.lstrip().upper()
        if head.startswith(("UPDATE CARDS", "INSERT INTO CARDS", "DELETE FROM CARDS")):
            seen.append(statement)

    engine = store.db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_default_board_has_priority_lanes_in_order(store: Store) -> None:
    with store.read() as s:
        lanes = list_lanes(s)
    assert [lane.name for lane in lanes] == [
        "Urgent",
        "High",
        "Normal",
        "Low",
        "Waiting on client",
        "Done",
    ]
    assert [lane.name for lane in lanes if lane.waiting] == ["Waiting on client"]
    assert lanes[-1].role == "done"


def test_new_cards_go_to_the_bottom_or_top_of_their_lane(store: Store) -> None:
    add(store, "first")
    add(store, "second")
    add(store, "on top", position="top")
    assert titles(store, "Normal") == ["on top", "first", "second"]


def test_card_gets_due_time_from_client_turnaround(store: Store) -> None:
    with store.write() as s:
        client = add_client(s, "Acme", now=NOW)
        admin = create_card(s, "Book", client_id=client.id, kind="admin", now=NOW)
        creative = create_card(s, "Flyer", client_id=client.id, kind="creative", now=NOW)
        other = create_card(s, "Misc", client_id=client.id, kind="other", now=NOW)
    assert admin.due_at == NOW + timedelta(hours=24)
    assert creative.due_at == NOW + timedelta(hours=48)
    assert other.due_at is None


def test_move_to_top_bottom_before_and_after(store: Store) -> None:
    a, b, c = (add(store, t) for t in "abc")
    d = add(store, "d", lane="Urgent")
    with store.write() as s:
        move_card(s, c, position="top")
    assert titles(store, "Normal") == ["c", "a", "b"]
    with store.write() as s:
        move_card(s, c, after_id=a)
    assert titles(store, "Normal") == ["a", "c", "b"]
    with store.write() as s:
        move_card(s, b, before_id=a)
    assert titles(store, "Normal") == ["b", "a", "c"]
    with store.write() as s:
        moved = move_card(s, a, before_id=d)
    assert moved.lane == "Urgent"
    assert titles(store, "Urgent") == ["a", "d"]
    assert titles(store, "Normal") == ["b", "c"]


def test_move_writes_exactly_one_card_row_on_a_big_lane(store: Store) -> None:
    ids = [add(store, f"card {i}") for i in range(60)]
    with card_writes(store) as writes, store.write() as s:
        move_card(s, ids[-1], before_id=ids[30])
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE CARDS")
    assert titles(store, "Normal")[30] == "card 59"


def test_move_step_reorders_one_place_at_a_time(store: Store) -> None:
    a, _, c = (add(store, t) for t in "abc")
    with store.write() as s:
        move_step(s, c, -1)
    assert titles(store, "Normal") == ["a", "c", "b"]
    with store.write() as s:
        move_step(s, c, -1)
        move_step(s, c, -1)  # already on top: stays
    assert titles(store, "Normal") == ["c", "a", "b"]
    with store.write() as s:
        move_step(s, a, +5)
    assert titles(store, "Normal") == ["c", "b", "a"]


def test_repeated_moves_to_the_top_keep_order_exact(store: Store) -> None:
    ids = [add(store, f"c{i}") for i in range(5)]
    for _ in range(40):
        for card_id in ids:
            with store.write() as s:
                move_card(s, card_id, position="top")
    assert titles(store, "Normal") == [f"c{i}" for i in reversed(range(5))]


def test_moving_to_done_marks_completion_and_back_clears_it(store: Store) -> None:
    card = add(store, "x")
    with store.write() as s:
        done = complete_card(s, card, now=NOW)
    assert done.lane == "Done"
    with store.read() as s:
        assert get_card(s, card).completed_at == NOW
    with store.write() as s:
        move_card(s, card, lane_id=lane_by_name(s, "High").id)
        assert get_card(s, card).completed_at is None


def test_archive_hides_card_and_unarchive_brings_it_back(store: Store) -> None:
    card = add(store, "gone")
    add(store, "stays")
    with store.write() as s:
        set_archived(s, card, True)
    assert titles(store, "Normal") == ["stays"]
    with store.read() as s:
        assert [c.title for c in list_cards(s, archived=True)] == ["gone"]
    with store.write() as s:
        set_archived(s, card, False)
    assert titles(store, "Normal") == ["stays", "gone"]


def test_every_change_writes_an_activity_row(store: Store) -> None:
    card = add(store, "t")
    with store.write() as s:
        edit_card(s, card, title="t2")
        move_card(s, card, position="top")
        set_archived(s, card, True)
        set_archived(s, card, False)
        add_comment(s, card, "called client")
        item = add_checklist_item(s, card, "step one")
        set_checklist_item(s, item, done=True)
    with store.read() as s:
        kinds = [a.kind for a in reversed(card_detail(s, card).activity)]
    assert kinds == [
        "created",
        "edited",
        "moved",
        "archived",
        "unarchived",
        "commented",
        "edited",
        "edited",
    ]


def test_edit_with_stale_version_is_a_conflict_not_an_overwrite(store: Store) -> None:
    card = add(store, "original")
    with store.read() as s:
        seen = get_card(s, card).version
    with store.write() as s:
        edit_card(s, card, title="theirs")
    with pytest.raises(ConflictError), store.write() as s:
        edit_card(s, card, title="mine", expected_version=seen)
    with store.read() as s:
        assert get_card(s, card).title == "theirs"


def test_move_with_stale_version_is_a_conflict(store: Store) -> None:
    card = add(store, "x")
    with pytest.raises(ConflictError), store.write() as s:
        move_card(s, card, position="top", expected_version=99)


def test_version_counter_rises_with_each_write(store: Store) -> None:
    card = add(store, "x")
    with store.write() as s:
        v1 = get_card(s, card).version
        v2 = edit_card(s, card, title="y").version
        v3 = move_card(s, card, position="top").version
        assert get_card(s, card).version == v3
    assert v1 < v2 < v3


def test_lane_add_rename_reorder_and_remove(store: Store) -> None:
    with store.write() as s:
        waiting = add_lane(s, "Waiting", position=1)
    with store.read() as s:
        assert [x.name for x in list_lanes(s)][:3] == ["Urgent", "Waiting", "High"]
    with store.write() as s:
        rename_lane(s, waiting.id, "On hold")
        move_lane(s, waiting.id, 4)
    with store.read() as s:
        names = [x.name for x in list_lanes(s)]
    assert names == ["Urgent", "High", "Normal", "Low", "On hold", "Waiting on client", "Done"]
    with store.write() as s:
        remove_lane(s, waiting.id)
    with store.read() as s:
        assert "On hold" not in [x.name for x in list_lanes(s)]


def test_a_lane_with_cards_cannot_be_removed(store: Store) -> None:
    add(store, "keep me", lane="Low")
    with pytest.raises(InvalidInputError, match="still holds 1 card"), store.write() as s:
        remove_lane(s, lane_by_name(s, "Low").id)
    assert titles(store, "Low") == ["keep me"]


def test_removing_a_lane_keeps_its_archived_cards(store: Store) -> None:
    card = add(store, "old", lane="Low")
    with store.write() as s:
        set_archived(s, card, True)
        remove_lane(s, lane_by_name(s, "Low").id)
    with store.read() as s:
        assert get_card(s, card).archived


def test_duplicate_lane_name_is_refused(store: Store) -> None:
    with pytest.raises(InvalidInputError, match="already exists"), store.write() as s:
        add_lane(s, "urgent")


def test_unknown_card_and_lane_are_named_in_the_error(store: Store) -> None:
    with pytest.raises(NotFoundError, match="No card #404"), store.write() as s:
        move_card(s, 404, position="top")
    with pytest.raises(NotFoundError, match="No lane named 'Someday'"), store.read() as s:
        lane_by_name(s, "Someday")


def test_titles_lose_escape_sequences_and_control_characters(store: Store) -> None:
    card = add(store, "Pay \x1b[31mnow\x1b[0m\x07 \x1b]0;pwned\x07please")
    with store.read() as s:
        assert get_card(s, card).title == "Pay now please"


def test_lane_window_and_counts_follow_filters(store: Store) -> None:
    with store.write() as s:
        acme = add_client(s, "Acme")
    add(store, "Order flour", client_id=acme.id)
    add(store, "Book flights")
    add(store, "Flour for 100% rye")
    with store.read() as s:
        lane = lane_by_name(s, "Normal").id
        assert [c.title for c in lane_window(s, lane, 0, 10, text="flour")] == [
            "Order flour",
            "Flour for 100% rye",
        ]
        assert [c.title for c in lane_window(s, lane, 0, 10, text="acme")] == ["Order flour"]
        assert [c.title for c in lane_window(s, lane, 0, 10, text="100%")] == ["Flour for 100% rye"]
        assert lane_counts(s, client_id=acme.id) == {lane: 1}
        assert [c.title for c in lane_window(s, lane, 1, 1)] == ["Book flights"]


def test_list_cards_positions_count_within_each_lane(store: Store) -> None:
    add(store, "u1", lane="Urgent")
    add(store, "n1")
    add(store, "n2")
    with store.read() as s:
        rows = list_cards(s)
    assert [(r.lane, r.position, r.title) for r in rows] == [
        ("Urgent", 1, "u1"),
        ("Normal", 1, "n1"),
        ("Normal", 2, "n2"),
    ]


def test_activity_count_matches_changes(store: Store) -> None:
    card = add(store, "a")
    for _ in range(3):
        with store.write() as s:
            move_card(s, card, position="top")
    with store.read() as s:
        count = s.scalar(select(func.count(CardActivity.id)).where(CardActivity.card_id == card))
        version = s.scalar(select(Card.version).where(Card.id == card))
    assert count == 4 and version == 4


def test_neighbours_walk_the_lane_in_order_and_stop_at_its_edges(store: Store) -> None:
    a, b, c, d = (add(store, t) for t in "abcd")
    elsewhere = add(store, "in another lane", "High")
    with store.write() as s:
        set_archived(s, c, True)  # archived cards are not neighbours

    def near(card_id: int, direction: Any, **kw: Any) -> list[int]:
        with store.read() as s:
            card = get_card(s, card_id)
            found = neighbours(s, card.lane_id, card.rank, card.id, direction, **kw)
            return [n.id for n in found]

    assert near(a, "above") == []  # top edge
    assert near(d, "below") == []  # bottom edge
    assert near(b, "above") == [a]
    assert near(b, "below") == [d]
    assert near(d, "above", limit=10) == [b, a]  # nearest first
    assert near(a, "below", limit=2) == [b, d]
    assert near(d, "above", exclude=b) == [a]
    assert elsewhere not in near(a, "below", limit=10)


def test_equal_ranks_order_by_id_in_neighbours_positions_and_placement(store: Store) -> None:
    """Two writers can give cards the same rank; the id breaks the tie everywhere."""
    x, y, z = (add(store, t) for t in ("x", "y", "z"))
    with store.write() as s:
        s.execute(update(Card).where(Card.id.in_((x, y, z))).values(rank="a0"))
    with store.read() as s:
        lane_id = get_card(s, y).lane_id
        assert [n.id for n in neighbours(s, lane_id, "a0", y, "above")] == [x]
        assert [n.id for n in neighbours(s, lane_id, "a0", y, "below")] == [z]
        assert [n.id for n in neighbours(s, lane_id, "a0", x, "above")] == []
        assert [n.id for n in neighbours(s, lane_id, "a0", z, "below")] == []
        assert [get_card(s, i).position for i in (x, y, z)] == [1, 2, 3]
        placement = placement_of(s, y)
        assert (placement.above_id, placement.below_id) == (x, z)
        assert [line.id for line in lane_window(s, lane_id, 0, 10)] == [x, y, z]


@pytest.mark.parametrize(
    ("moving", "steps", "expected"),
    [("x", +1, "yxz"), ("z", -1, "xzy"), ("y", -1, "yxz"), ("y", +1, "xzy")],
)
def test_a_step_past_an_equal_ranked_card_lands_one_place_on(
    store: Store, moving: str, steps: int, expected: str
) -> None:
    """Equal ranks leave no room between them: the run is spread, the card moves one place."""
    ids = {t: add(store, t) for t in ("x", "y", "z")}
    with store.write() as s:
        s.execute(update(Card).where(Card.id.in_(ids.values())).values(rank="a0"))
    with store.write() as s:
        move_step(s, ids[moving], steps)
    with store.read() as s:
        lane_id = get_card(s, ids["x"]).lane_id
        order = [line.id for line in lane_window(s, lane_id, 0, 10)]
    names = {v: k for k, v in ids.items()}
    assert "".join(names[i] for i in order) == expected
