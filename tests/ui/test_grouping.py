"""Grouping the board by client (`g`): order, headers, moves, persistence, live re-sorting."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from vadesk.config import Settings
from vadesk.services import preferences
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client, client_by_name, move_client
from vadesk.services.lanes import lane_by_name
from vadesk.services.store import Store, open_store
from vadesk.ui.screens.pickers import ClientPicker

from .conftest import NOW, board_screen, lane_titles, make_app, press, settle, wait_until
from .screen_text import screen_text, squashed

SIZE = (120, 36)


def shown(pilot: Pilot[None], lane: int) -> list[str]:
    """Titles of a lane's cards in the order the lane draws them."""
    view = board_screen(pilot).lane_views()[lane]
    return [row.title for i in range(view.count) if (row := view.row(i)) is not None]


def add_acme_card(store: Store, title: str, lane: str = "Normal") -> None:
    with store.write() as s:
        acme = client_by_name(s, "Acme Bakery").id
        create_card(s, title, lane_id=lane_by_name(s, lane).id, client_id=acme, now=NOW)


async def test_g_groups_each_lane_by_client_in_priority_order_and_back(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown(pilot, 2) == ["c1 book flights", "c2 order toner", "c3 newsletter"]
        assert "── Acme Bakery" not in screen_text(pilot)
        await pilot.press("g")
        await settle(pilot)
        # Acme was added first, so it leads; the card without a client comes last.
        assert shown(pilot, 2) == ["c2 order toner", "c1 book flights", "c3 newsletter"]
        assert shown(pilot, 0) == ["a1 chase supplier", "a2 call bank"]
        text = screen_text(pilot)
        for header in ("── Acme Bakery", "── Cedar Law", "── No client"):
            assert header in text
        assert preferences.load().group_by_client is True
        await pilot.press("g")
        await settle(pilot)
        assert shown(pilot, 2) == ["c1 book flights", "c2 order toner", "c3 newsletter"]
        assert "── Acme Bakery" not in screen_text(pilot)
        assert preferences.load().group_by_client is False


async def test_grouping_is_remembered_across_restarts(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert board_screen(pilot).grouped
        assert shown(pilot, 2) == ["c2 order toner", "c1 book flights", "c3 newsletter"]


@pytest.fixture
def shared_url(db_url: str) -> str:
    """The ui_store board (Acme: a1 b1 c2, Cedar: a2 c1, nobody: c3) on either database."""
    store = open_store(Settings(user="tester"), db_url)
    try:
        with store.write() as s:
            acme = add_client(s, "Acme Bakery", now=NOW).id
            cedar = add_client(s, "Cedar Law", now=NOW).id
            for lane, title, client in (
                ("Urgent", "a1 chase supplier", acme),
                ("Urgent", "a2 call bank", cedar),
                ("Normal", "c1 book flights", cedar),
                ("Normal", "c2 order toner", acme),
                ("Normal", "c3 newsletter", None),
            ):
                create_card(s, title, lane_id=lane_by_name(s, lane).id, client_id=client, now=NOW)
    finally:
        store.close()
    return db_url


async def test_a_client_order_change_elsewhere_resorts_the_open_board(shared_url: str) -> None:
    """Another process (another window, `vadesk client move`, the portal) reorders clients."""
    preferences.update(group_by_client=True)
    mine = open_store(Settings(user="tester"), shared_url)
    other = open_store(Settings(user="someone else"), shared_url)
    try:
        async with make_app(mine).run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert shown(pilot, 2) == ["c2 order toner", "c1 book flights", "c3 newsletter"]
            with other.write() as s:
                move_client(s, client_by_name(s, "Cedar Law").id, to="top")
            await wait_until(
                pilot,
                lambda: shown(pilot, 2) == ["c1 book flights", "c2 order toner", "c3 newsletter"],
                seconds=1.5,
            )
            assert shown(pilot, 0) == ["a2 call bank", "a1 chase supplier"]
    finally:
        other.close()
        mine.close()


async def test_shift_up_and_down_move_a_card_within_its_clients_group(ui_store: Store) -> None:
    add_acme_card(ui_store, "c4 invoice flour")
    preferences.update(group_by_client=True)
    async with make_app(ui_store).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("l", "l")
        await settle(pilot)
        acme_first = ["c2 order toner", "c4 invoice flour", "c1 book flights", "c3 newsletter"]
        assert shown(pilot, 2) == acme_first
        await pilot.press("shift+down")
        await settle(pilot)
        assert shown(pilot, 2) == [
            "c4 invoice flour",
            "c2 order toner",
            "c1 book flights",
            "c3 newsletter",
        ]
        assert board_screen(pilot).selected.title == "c2 order toner"  # type: ignore[union-attr]
        # In the lane itself the card passed the Acme card only, not Cedar's or the free one.
        assert lane_titles(ui_store, "Normal") == [
            "c1 book flights",
            "c3 newsletter",
            "c4 invoice flour",
            "c2 order toner",
        ]
        # The last of its group: down again leaves it there.
        await pilot.press("J")
        await settle(pilot)
        assert shown(pilot, 2)[1] == "c2 order toner"
        assert lane_titles(ui_store, "Normal")[-1] == "c2 order toner"
        assert "The last of this client's cards here" in squashed(screen_text(pilot))
        await pilot.press("K")
        await settle(pilot)
        assert shown(pilot, 2) == acme_first


async def test_a_card_moved_to_another_lane_lands_at_the_top_of_its_group(
    ui_store: Store,
) -> None:
    add_acme_card(ui_store, "b2 print menus", lane="High")
    preferences.update(group_by_client=True)
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")  # a2 call bank, Cedar's
        await pilot.press("shift+right")
        await settle(pilot)
        assert shown(pilot, 1) == ["b1 design post", "b2 print menus", "a2 call bank"]
        assert board_screen(pilot).selected.title == "a2 call bank"  # type: ignore[union-attr]
        assert "a2 call bank" in lane_titles(ui_store, "High")


async def test_the_client_filter_still_shows_one_client_alone(ui_store: Store) -> None:
    preferences.update(group_by_client=True)
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "c", shows=ClientPicker)
        await pilot.press("down", "down", "enter")  # All, Acme, Cedar
        await settle(pilot)
        assert shown(pilot, 0) == ["a2 call bank"]
        assert shown(pilot, 2) == ["c1 book flights"]
        text = screen_text(pilot)
        assert "── Cedar Law" in text
        assert "── Acme Bakery" not in text
