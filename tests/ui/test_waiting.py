"""Waiting on the client, on the board: `w` pauses a card's clock, `o` finds what is late, and
the header counts overdue and due-soon cards."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from vadesk.db.models import CardActivity
from vadesk.services.cards import create_card, get_card
from vadesk.services.lanes import lane_by_name
from vadesk.services.store import Store
from vadesk.services.turnaround import set_waiting
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.help import HelpScreen

from .conftest import NOW, board_screen, lane_titles, selected_title, settle
from .screen_text import screen_lines, screen_text

SIZE = (120, 36)
HOUR = timedelta(hours=1)


class Clock:
    """A clock the test moves on."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def header(pilot: object) -> str:
    return screen_lines(pilot)[0]  # type: ignore[arg-type]


def card_id(store: Store, title: str) -> int:
    with store.read() as s:
        from vadesk.services.board_read import list_cards

        return next(c.id for c in list_cards(s) if c.title == title)


async def test_w_pauses_the_clock_and_the_due_time_moves_by_the_wait(ui_store: Store) -> None:
    clock = Clock()
    a1 = card_id(ui_store, "a1 chase supplier")  # due 2 h ago
    async with VadeskApp(ui_store, clock=clock).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert selected_title(pilot) == "a1 chase supplier"
        assert "2h late" in screen_text(pilot)
        assert "1 overdue" in header(pilot)
        await pilot.press("w")
        await settle(pilot)
        text = screen_text(pilot)
        assert "waiting 0m" in text and "2h late" not in text
        assert "nothing overdue" in header(pilot)  # a waiting card is not late
        assert "Waiting (clock paused): a1 chase supplier" in text

        clock.now = NOW + 3 * HOUR  # the client answers three hours later
        await pilot.press("w")
        await settle(pilot)
        text = screen_text(pilot)
        # Still 2 h late, not 5: the due time moved by the three hours it waited.
        assert "2h late" in text and "waiting" not in text.split("\n")[3]
        assert "No longer waiting: a1 chase supplier" in text
        await pilot.press("enter")  # the card's activity says what the clock did
        await settle(pilot)
        activity = str(pilot.app.screen.query_one("#activity").render())
        assert "clock paused: waiting on the client" in activity
        assert "clock running again after 3h; the due time moved as much" in activity
        await pilot.press("escape")
    with ui_store.read() as s:
        assert get_card(s, a1).due_at == NOW - 2 * HOUR + 3 * HOUR
        kinds = list(
            s.scalars(
                select(CardActivity.kind)
                .where(CardActivity.card_id == a1, CardActivity.kind.in_(("paused", "resumed")))
                .order_by(CardActivity.id)
            )
        )
    assert kinds == ["paused", "resumed"]


async def test_w_on_a_long_wait_says_days_and_undo_resumes(ui_store: Store) -> None:
    clock = Clock()
    async with VadeskApp(ui_store, clock=clock).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        clock.now = NOW + 50 * HOUR
        board_screen(pilot).reload()
        await settle(pilot)
        assert "waiting 2d" in screen_text(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "waiting" not in screen_lines(pilot)[3]
        assert "2h late" in screen_text(pilot)


async def test_moving_a_card_into_the_waiting_lane_pauses_it(ui_store: Store) -> None:
    async with VadeskApp(ui_store, clock=Clock()).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        for _ in range(4):
            await pilot.press("shift+right")
            await settle(pilot)
        assert lane_titles(ui_store, "Waiting on client") == ["a1 chase supplier"]
        assert selected_title(pilot) == "a1 chase supplier"
        assert "waiting 0m" in screen_text(pilot)
        assert "nothing overdue" in header(pilot)


async def test_o_jumps_to_the_next_overdue_card_and_round_again(ui_store: Store) -> None:
    with ui_store.write() as s:
        create_card(
            s,
            "c4 late report",
            lane_id=lane_by_name(s, "Normal").id,
            kind="admin",
            due_at=NOW - HOUR,
            now=NOW - 2 * HOUR,
        )
    async with VadeskApp(ui_store, clock=Clock()).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert "2 overdue" in header(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert selected_title(pilot) == "c4 late report"
        assert board_screen(pilot).lanes[board_screen(pilot).current_lane].name == "Normal"
        await pilot.press("o")
        await settle(pilot)
        assert selected_title(pilot) == "a1 chase supplier"  # round to the first again
        await pilot.press("w", "o")  # a1 now waits: c4 is the only late card
        await settle(pilot)
        assert selected_title(pilot) == "c4 late report"
        await pilot.press("o")
        await settle(pilot)
        assert selected_title(pilot) == "c4 late report"
        assert "This is the only overdue card." in screen_text(pilot)


async def test_o_with_nothing_overdue_says_so(ui_store: Store) -> None:
    async with VadeskApp(ui_store, clock=Clock()).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("w", "j", "o")  # a1 waits; the cursor is on a2
        await settle(pilot)
        assert selected_title(pilot) == "a2 call bank"
        assert "Nothing is overdue." in screen_text(pilot)


async def test_the_header_counts_overdue_and_due_soon_by_the_setting(ui_store: Store) -> None:
    async with VadeskApp(ui_store, clock=Clock()).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        # a1 is 2 h late; c1, c2 and c3 are due now (24 h after their creation), a2 in 3 h
        # (within the default 4 h), b1 in 30 h.
        assert "1 overdue" in header(pilot) and "4 due soon" in header(pilot)
    ui_store.settings = replace(ui_store.settings, due_soon_hours=48)
    async with VadeskApp(ui_store, clock=Clock()).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "5 due soon" in header(pilot)
    ui_store.settings = replace(ui_store.settings, due_soon_hours=1)
    async with VadeskApp(ui_store, clock=Clock()).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "3 due soon" in header(pilot)
    with ui_store.write() as s:
        for title in ("c1 book flights", "c2 order toner", "c3 newsletter"):
            set_waiting(s, card_id(ui_store, title), True, now=NOW)
    async with VadeskApp(ui_store, clock=Clock()).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "due soon" not in header(pilot)  # waiting cards are not due soon either


async def test_help_lists_the_waiting_and_next_overdue_keys(ui_store: Store) -> None:
    async with VadeskApp(ui_store, clock=Clock()).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        rows = {row[2]: row for row in pilot.app.screen.rows}
        assert rows["board.waiting"][:2] == ("w", "Waiting")
        assert rows["board.next-overdue"][:2] == ("o", "Next overdue")
