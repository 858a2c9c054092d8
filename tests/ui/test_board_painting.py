"""What the board draws while writes are in flight: partial repaints, stale reads, counts."""

from __future__ import annotations

import gc
import threading
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from vadesk.services import board_steps
from vadesk.services.board_read import list_cards
from vadesk.services.board_steps import Step
from vadesk.services.board_view import read_snapshot
from vadesk.services.cards import create_card
from vadesk.services.lanes import lane_by_name, list_lanes
from vadesk.services.ordering import move_card
from vadesk.services.store import Store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.board import BoardScreen

from .conftest import NOW, board_screen, clock, lane_titles, make_app, settle, wait_until

SIZE = (120, 36)


@pytest.fixture
def tall_store(ui_store: Store) -> Store:
    """Urgent and High long enough to scroll (14 and 12 cards), so moves shift many rows."""
    with ui_store.write() as s:
        lanes = {lane.name: lane.id for lane in list_lanes(s)}
        for lane, count in (("Urgent", 12), ("High", 11)):
            for n in range(count):
                create_card(
                    s,
                    f"{lane[0].lower()}{n + 10} task number {n}",
                    lane_id=lanes[lane],
                    kind="admin",
                    due_at=NOW + timedelta(hours=n - 3),
                    now=NOW - timedelta(days=1),
                )
    return ui_store


def screen_lines(pilot: Pilot[None]) -> list[str]:
    """The board's lanes on the terminal, as composed from each widget's cached lines.

    The timer pane and footer (last three rows) are left out: the pane's figures load in a
    worker of their own and may change between two looks.
    """
    compositor = pilot.app.screen._compositor  # no public API returns the composed frame
    return [strip.text for strip in compositor.render_strips()][:-3]


async def repainted_lines(pilot: Pilot[None]) -> list[str]:
    """The same frame after every lane repaints from scratch."""
    for view in board_screen(pilot).lane_views():
        view.refresh()
    await pilot.pause()
    return screen_lines(pilot)


async def test_partial_repaints_draw_what_a_full_repaint_draws(tall_store: Store) -> None:
    """Moves and cursor steps repaint only the rows they change; none may be left stale."""
    async with make_app(tall_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = ["j", "j", "j", "L", "j", "J", "H", "K", "t", "G", "L", "l", "j", "H", "J", "k"]
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            optimistic = screen_lines(pilot)
            assert optimistic == await repainted_lines(pilot), f"stale rows after {key!r}"
            await settle(pilot)  # the writer's snapshot and the change feed's echo
            confirmed = screen_lines(pilot)
            assert confirmed == await repainted_lines(pilot), f"stale rows after {key!r}"
        # What the lanes hold is what the database holds, in order.
        screen = board_screen(pilot)
        for view, lane in zip(screen.lane_views(), screen.lanes, strict=True):
            titles = lane_titles(tall_store, lane.name)
            assert view.count == len(titles)
            rows = {i: row for i in range(view.count) if (row := view.row(i)) is not None}
            assert bool(rows) == bool(titles)
            assert all(titles[i] == row.title for i, row in rows.items())


async def test_both_lane_counts_change_the_moment_a_card_moves(tall_store: Store) -> None:
    """The headers are part of the optimistic update, not of the database round trip."""
    async with make_app(tall_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)
        screen.submit = lambda op: None  # type: ignore[method-assign]  # no write happens
        headers = lambda: [str(h.render()) for h in screen.query(".lane-header")]  # noqa: E731
        assert headers()[:2] == ["Urgent (1/14)", "High (12)"]
        await pilot.press("j", "j")
        await pilot.pause()
        assert headers()[0] == "Urgent (3/14)"  # the header follows the cursor
        await pilot.press("k", "k")
        await pilot.pause()
        await pilot.press("L")
        await pilot.pause()
        assert headers()[:2] == ["Urgent (13)", "High (1/13)"]
        await pilot.press("H")
        await pilot.pause()
        assert headers()[:2] == ["Urgent (1/14)", "High (12)"]


async def test_a_reload_read_before_a_move_does_not_undo_it_on_screen(tall_store: Store) -> None:
    """A slow reload (say, the echo of the previous write) lands after the next move."""
    async with make_app(tall_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)
        windows = {view.lane_id: view.wanted_window() for view in screen.lane_views()}
        before = read_snapshot(tall_store, windows, None, "", None, clock(), None)
        stale_seq = screen._seq
        await pilot.press("L")
        screen.post_message(BoardScreen.Loaded(before, seq=stale_seq))
        await settle(pilot)
        assert [view.count for view in screen.lane_views()][:2] == [13, 13]
        assert screen.selected is not None and screen.current_lane == 1
        moved = screen.selected.title
        assert moved in lane_titles(tall_store, "High")
        urgent = screen.lane_views()[0]
        assert all(getattr(urgent.row(i), "title", None) != moved for i in range(urgent.count))


async def test_a_commit_elsewhere_while_our_write_runs_still_shows(
    tall_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    apply = board_steps.apply

    def slow_apply(session: Any, step: Step, **kw: Any) -> Any:  # our write, still running
        if step.action == "rename_lane":
            release.wait(10)
        return apply(session, step, **kw)

    monkeypatch.setattr(board_steps, "apply", slow_apply)
    async with make_app(tall_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)
        urgent = screen.lanes[0].id
        screen.lane_op("rename", Step("rename_lane", 0, {"lane_id": urgent, "name": "Urgent"}))
        with tall_store.write() as s:  # another process
            card = next(c for c in list_cards(s) if c.title == "c3 newsletter")
            move_card(s, card.id, lane_id=lane_by_name(s, "Low").id)
        await wait_until(pilot, lambda: screen._missed_change)
        assert screen.lane_views()[3].count == 0  # not reloaded under a busy writer
        release.set()
        await wait_until(pilot, lambda: screen.lane_views()[3].count == 1)


async def test_the_start_up_heap_is_frozen_once_the_board_is_live(ui_store: Store) -> None:
    gc.unfreeze()
    app: Any = VadeskApp(ui_store, clock=clock, freeze_heap=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    async with make_app(ui_store).run_test(size=SIZE) as pilot:  # tests and embedders: off
        await settle(pilot)
        assert gc.get_freeze_count() == 0
