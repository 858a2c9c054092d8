"""A lane grouped by client, read on both databases: order, windows, where a card is."""

from __future__ import annotations

from datetime import UTC, datetime

from vadesk.services.board_groups import index_in_grouped_lane, open_cards_by_client
from vadesk.services.board_view import read_snapshot, read_window
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client, move_client, set_archived
from vadesk.services.lanes import lane_by_name
from vadesk.services.store import Store

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

# Normal, in rank order: who each card belongs to ("-": nobody).
NORMAL = [
    ("n0", "Cedar"),
    ("n1", "-"),
    ("n2", "Acme"),
    ("n3", "Cedar"),
    ("n4", "Bright"),
    ("n5", "Acme"),
    ("n6", "-"),
]


def seed(store: Store) -> dict[str, int]:
    """Clients Acme, Bright, Cedar (in that priority order) and the Normal lane above."""
    with store.write() as s:
        clients = {name: add_client(s, name, now=NOW).id for name in ("Acme", "Bright", "Cedar")}
        normal = lane_by_name(s, "Normal").id
        ids = dict(clients)
        for title, owner in NORMAL:
            client = clients.get(owner)
            ids[title] = create_card(s, title, lane_id=normal, client_id=client, now=NOW).id
        ids["Normal"] = normal
        done = lane_by_name(s, "Done").id
        create_card(s, "finished", lane_id=done, client_id=clients["Acme"], now=NOW)
    return ids


def titles(store: Store, lane_id: int, **kwargs: object) -> list[str]:
    snap = read_snapshot(store, {}, None, "", None, NOW, grouped=True, **kwargs)  # type: ignore[arg-type]
    return [line.title for line in snap.windows[lane_id].lines]


def test_grouped_lanes_follow_the_client_order_then_the_cards_own_order(store: Store) -> None:
    ids = seed(store)
    assert titles(store, ids["Normal"]) == ["n2", "n5", "n4", "n0", "n3", "n1", "n6"]
    with store.write() as s:
        move_client(s, ids["Cedar"], to="top")
        move_client(s, ids["Acme"], before_id=None, to="bottom")
    assert titles(store, ids["Normal"]) == ["n0", "n3", "n4", "n2", "n5", "n1", "n6"]
    ungrouped = read_snapshot(store, {}, None, "", None, NOW)
    assert [line.title for line in ungrouped.windows[ids["Normal"]].lines] == [t for t, _ in NORMAL]
    assert not ungrouped.grouped and ungrouped.client_order == {}


def test_a_grouped_window_brings_the_row_above_it_along(store: Store) -> None:
    """The lane tells a group's first card by the card above it, so a window starts early."""
    ids = seed(store)
    with store.read() as s:
        grouped = read_window(s, ids["Normal"], 7, 3, 2, grouped=True)
        flat = read_window(s, ids["Normal"], 7, 3, 2)
        first = read_window(s, ids["Normal"], 7, 0, 2, grouped=True)
    assert (grouped.offset, [line.title for line in grouped.lines]) == (2, ["n4", "n0", "n3"])
    assert (flat.offset, [line.title for line in flat.lines]) == (3, ["n3", "n4"])
    assert (first.offset, [line.title for line in first.lines]) == (0, ["n2", "n5"])


def test_where_a_card_is_in_a_grouped_lane(store: Store) -> None:
    ids = seed(store)
    order = ["n2", "n5", "n4", "n0", "n3", "n1", "n6"]
    with store.read() as s:
        for index, title in enumerate(order):
            assert index_in_grouped_lane(s, ids[title]) == (ids["Normal"], index), title
        # Under a client filter only that client's cards count.
        assert index_in_grouped_lane(s, ids["n3"], client_id=ids["Cedar"]) == (ids["Normal"], 1)
    snap = read_snapshot(store, {}, ids["n4"], "", None, NOW, grouped=True)
    assert snap.follow == (ids["Normal"], 2)


def test_an_archived_clients_cards_leave_the_grouped_lane(store: Store) -> None:
    ids = seed(store)
    with store.write() as s:
        set_archived(s, ids["Acme"], True)
    assert titles(store, ids["Normal"]) == ["n4", "n0", "n3", "n1", "n6"]


def test_open_cards_per_client_leave_out_done_and_archived_cards(store: Store) -> None:
    ids = seed(store)
    with store.read() as s:
        counts = open_cards_by_client(s)
    assert counts == {ids["Acme"]: 2, ids["Bright"]: 1, ids["Cedar"]: 2}


def test_the_quick_first_frame_is_grouped_too(sqlite_store: Store) -> None:
    """A board last used grouped starts grouped: no regrouping jump after the first frame."""
    from vadesk.services.quick import quick_board

    ids = seed(sqlite_store)
    url = str(sqlite_store.db.url)
    grouped = quick_board(url, 60, NOW, grouped=True)
    flat = quick_board(url, 60, NOW)
    assert grouped is not None and flat is not None
    assert grouped.grouped and not flat.grouped
    _, lines = grouped.windows[ids["Normal"]]
    assert [line.title for line in lines] == ["n2", "n5", "n4", "n0", "n3", "n1", "n6"]
    _, lines = flat.windows[ids["Normal"]]
    assert [line.title for line in lines] == [t for t, _ in NORMAL]
