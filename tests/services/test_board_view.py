"""The board's read model (what the board screen shows), without a terminal, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vadesk.services import timer
from vadesk.services.board_view import read_snapshot
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import lane_by_name, list_lanes
from vadesk.services.store import Store

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def seed(store: Store, normal: int = 0) -> dict[str, int]:
    """Urgent: a1 (Acme, overdue), a2 (Cedar); High: b1 (Acme); Normal: ``normal`` cards."""
    with store.write() as s:
        acme = add_client(s, "Acme Bakery", now=NOW).id
        cedar = add_client(s, "Cedar Law", now=NOW).id
        lanes = {lane.name: lane.id for lane in list_lanes(s)}
        ids = {}
        for lane, title, client, due in (
            ("Urgent", "a1 chase supplier", acme, NOW - timedelta(hours=2)),
            ("Urgent", "a2 call bank", cedar, None),
            ("High", "b1 design post", acme, None),
        ):
            ids[title] = create_card(
                s, title, lane_id=lanes[lane], client_id=client, due_at=due, now=NOW
            ).id
        for n in range(normal):
            ids[f"n{n}"] = create_card(s, f"n{n}", lane_id=lanes["Normal"], now=NOW).id
    return ids


def test_a_snapshot_has_every_lane_its_count_rows_clients_and_overdue(store: Store) -> None:
    seed(store)
    snap = read_snapshot(store, {}, None, "", None, NOW)
    names = [lane.name for lane in snap.lanes]
    assert names == ["Urgent", "High", "Normal", "Low", "Waiting on client", "Done"]
    counts = {lane.name: snap.windows[lane.id].count for lane in snap.lanes}
    assert counts == {
        "Urgent": 2,
        "High": 1,
        "Normal": 0,
        "Low": 0,
        "Waiting on client": 0,
        "Done": 0,
    }
    urgent = snap.windows[snap.lanes[0].id]
    assert [line.title for line in urgent.lines] == ["a1 chase supplier", "a2 call bank"]
    assert urgent.lines[0].client == "Acme Bakery"
    assert snap.overdue == 1
    assert [c.name for c in snap.clients] == ["Acme Bakery", "Cedar Law"]
    assert snap.follow is None and snap.running == frozenset()


def test_filters_narrow_counts_and_rows(store: Store) -> None:
    seed(store)
    by_text = read_snapshot(store, {}, None, "bank", None, NOW)
    assert [w.count for w in by_text.windows.values()] == [1, 0, 0, 0, 0, 0]
    acme = next(c.id for c in by_text.clients if c.name == "Acme Bakery")
    by_client = read_snapshot(store, {}, None, "", acme, NOW)
    assert [w.count for w in by_client.windows.values()] == [1, 1, 0, 0, 0, 0]
    assert by_client.windows[by_client.lanes[0].id].lines[0].title == "a1 chase supplier"


def test_following_a_card_reads_its_lane_around_it(store: Store) -> None:
    ids = seed(store, normal=300)
    with store.read() as s:
        normal = lane_by_name(s, "Normal").id
    snap = read_snapshot(store, {normal: (0, 60)}, ids["n250"], "", None, NOW)
    assert snap.follow == (normal, 250)
    window = snap.windows[normal]
    assert window.count == 300
    assert window.offset <= 250 < window.offset + len(window.lines)
    assert window.lines[250 - window.offset].title == "n250"


def test_a_window_past_the_end_is_pulled_back_to_the_last_rows(store: Store) -> None:
    seed(store, normal=100)
    with store.read() as s:
        normal = lane_by_name(s, "Normal").id
    window = read_snapshot(store, {normal: (95, 60)}, None, "", None, NOW).windows[normal]
    assert (window.offset, len(window.lines)) == (40, 60)
    assert window.lines[-1].title == "n99"


def test_the_running_card_and_the_panes_figures_come_with_it(store: Store) -> None:
    ids = seed(store)
    with store.write() as s:
        timer.start(s, store.user_id, ids["a2 call bank"], now=NOW - timedelta(minutes=5))
    snap = read_snapshot(store, {}, None, "", None, NOW)
    assert snap.running == frozenset({ids["a2 call bank"]})
    assert snap.figures is not None and snap.figures.running is not None
    assert snap.figures.running.card_id == ids["a2 call bank"]
    assert snap.figures.running.seconds(NOW) == 300
