"""The week plan screen: W opens it, keys move cards between weeks, amber and red states."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from rich.segment import Segment
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from vadesk.config import Settings
from vadesk.db.models import Client
from vadesk.domain.planning import Week
from vadesk.services.cards import create_card, get_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import lane_by_name
from vadesk.services.planning import plan_card
from vadesk.services.store import Store, open_store
from vadesk.ui.screens.board import BoardScreen
from vadesk.ui.screens.pickers import TextPrompt
from vadesk.ui.screens.week import CardPicker, WeekScreen

from .conftest import NOW, make_app, press, settle, wait_until
from .screen_text import screen_lines, screen_text, squashed

THIS = Week(date(2026, 11, 23))  # NOW is Tuesday 24 November 2026
NEXT = THIS.shifted(1)
SIZE = (100, 30)


@pytest.fixture
def week_store(sqlite_url: str) -> Iterator[Store]:
    """Acme (3 h a week): a1 (2 h) and a2 (no estimate) planned, a3 (1 h) not; Cedar (1 h a
    week): c1 (1:30 h) planned, over budget. The VA's capacity: 4 h."""
    store = open_store(Settings(user="tester", timezone="UTC", weekly_capacity_hours=4), sqlite_url)
    with store.write() as s:
        acme = add_client(s, "Acme Bakery", now=NOW).id
        cedar = add_client(s, "Cedar Law", now=NOW).id
        s.get(Client, acme).agreed_minutes = 180
        s.get(Client, cedar).agreed_minutes = 60
        normal = lane_by_name(s, "Normal").id
        for title, client, estimate, week in (
            ("a1 newsletter", acme, 120, THIS),
            ("a2 invoices", acme, None, THIS),
            ("a3 flyer", acme, 60, None),
            ("c1 court forms", cedar, 90, THIS),
        ):
            card = create_card(
                s,
                title,
                lane_id=normal,
                client_id=client,
                estimate_minutes=estimate,
                now=NOW - timedelta(days=1),
            )
            if week is not None:
                plan_card(s, card.id, week, now=NOW - timedelta(days=1))
    yield store
    store.close()


def planned_week(store: Store, card_id: int) -> date | None:
    with store.read() as s:
        return get_card(s, card_id).planned_week


def colour_of(pilot: Pilot[None], words: str) -> str | None:
    """The foreground colour (hex) the terminal shows ``words`` in."""
    for strip in pilot.app.screen._compositor.render_strips():
        if words in strip.text:
            for segment in strip:
                assert isinstance(segment, Segment)
                if words.split()[0] in segment.text and segment.style and segment.style.color:
                    triplet = segment.style.color.get_truecolor()
                    return triplet.hex
    return None


def theme_colour(pilot: Pilot[None], name: str) -> str:
    from textual.color import Color

    return Color.parse(pilot.app.theme_variables[name]).hex.lower()


async def test_W_opens_the_week_per_client_with_estimates_budgets_and_time(
    week_store: Store,
) -> None:
    async with make_app(week_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "W", shows=WeekScreen)
        lines = screen_lines(pilot)
        text = squashed("\n".join(lines))
        assert "Week 2026-W48 · 23–29 Nov 2026 (this week)" in text
        assert "Planned 3:30 (1 without estimate) of 4:00 h capacity · logged 0:00" in text
        assert text.index("Acme Bakery") < text.index("Cedar Law")  # priority order
        assert "agreed 3:00 h · planned 2:00 · logged 0:00 · left 3:00 · 1 without estimate" in (
            text
        )
        assert any(
            "a1 newsletter" in line and line.rstrip().endswith("2:00   0:00") for line in lines
        )
        assert any("a2 invoices" in line and "–   0:00" in line for line in lines)
        assert "a3 flyer" not in text  # not planned
        # Cedar: 1:30 h planned against 1 h agreed: its heading is red.
        assert "Cedar Law over budget" in text
        red = theme_colour(pilot, "error")
        assert colour_of(pilot, "Cedar Law") == red
        assert colour_of(pilot, "over budget") == red
        assert colour_of(pilot, "Acme Bakery") != red
        # Under capacity: the capacity line is not amber.
        assert colour_of(pilot, "Planned 3:30") != theme_colour(pilot, "warning")
        await press(pilot, "escape", shows=BoardScreen)


async def test_keys_move_the_card_to_next_week_this_week_and_out(week_store: Store) -> None:
    async with make_app(week_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await press(pilot, "W", shows=WeekScreen)
        picked = screen.picked()
        assert picked is not None and picked.card is not None
        a1 = picked.card.id
        assert picked.card.title == "a1 newsletter"  # the cursor starts on the first card
        await press(pilot, "n", shows=WeekScreen)
        assert planned_week(week_store, a1) == NEXT.monday
        assert "a1 newsletter" not in screen_text(pilot)
        assert "Planned 1:30" in squashed(screen_text(pilot))
        await press(pilot, "right_square_bracket", shows=WeekScreen)
        text = squashed(screen_text(pilot))
        assert "Week 2026-W49 · 30 Nov – 6 Dec 2026" in text and "a1 newsletter" in text
        assert "(this week)" not in text
        await press(pilot, "t", shows=WeekScreen)  # the cursor is on a1, the only card
        assert planned_week(week_store, a1) == THIS.monday
        assert "a1 newsletter" not in screen_text(pilot)
        await press(pilot, "left_square_bracket", shows=WeekScreen)
        assert "a1 newsletter" in screen_text(pilot)
        picked = screen.picked()
        assert picked is not None and picked.card is not None and picked.card.id == a1
        await press(pilot, "u", shows=WeekScreen)
        assert planned_week(week_store, a1) is None
        assert "a1 newsletter" not in screen_text(pilot)


async def test_a_pulls_an_unplanned_card_in_and_over_capacity_turns_amber(
    week_store: Store,
) -> None:
    async with make_app(week_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "W", shows=WeekScreen)
        picker = await press(pilot, "a", shows=CardPicker)
        options = picker.query_one(OptionList)
        assert [
            str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
        ] == ["a3 flyer  1:00"]
        screen = await press(pilot, "enter", shows=WeekScreen)
        with week_store.read() as s:
            a3 = next(c for c in (get_card(s, i) for i in range(1, 5)) if c.title == "a3 flyer")
        assert a3.planned_week == THIS.monday
        text = squashed(screen_text(pilot))
        assert "a3 flyer" in text
        # 4:30 planned of 4 h: over capacity, in amber.
        assert (
            "Planned 4:30 (1 without estimate) of 4:00 h capacity · logged 0:00 · over capacity"
            in (text)
        )
        assert colour_of(pilot, "Planned 4:30") == theme_colour(pilot, "warning")
        picked = screen.picked()
        assert picked is not None and picked.card is not None and picked.card.title == "a3 flyer"


async def test_enter_on_a_clients_heading_offers_its_cards_and_esc_cancels(
    week_store: Store,
) -> None:
    async with make_app(week_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await press(pilot, "W", shows=WeekScreen)
        await press(pilot, "up", shows=WeekScreen)  # from a1 to Acme's heading
        picked = screen.picked()
        assert picked is not None and picked.card is None and picked.client_name == "Acme Bakery"
        await press(pilot, "enter", shows=CardPicker)
        await press(pilot, "escape", shows=WeekScreen)
        with week_store.read() as s:
            assert [get_card(s, i).planned_week for i in range(1, 5)] == [
                THIS.monday,
                THIS.monday,
                None,
                THIS.monday,
            ]


async def test_a_move_made_elsewhere_shows_within_a_second(
    week_store: Store, sqlite_url: str
) -> None:
    async with make_app(week_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "W", shows=WeekScreen)
        other = open_store(Settings(user="other"), sqlite_url)
        try:
            with other.write() as s:
                plan_card(s, 3, THIS)  # a3 flyer, from another window
        finally:
            other.close()
        await wait_until(pilot, lambda: "a3 flyer" in screen_text(pilot), seconds=3)


async def test_footer_and_palette_at_80_columns(week_store: Store) -> None:
    async with make_app(week_store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"week plan")
        await settle(pilot)
        await press(pilot, "enter", shows=WeekScreen)
        footer = screen_lines(pilot)[-1]
        for words in ("t This week", "n Next week", "u Unplan", "a Add", "[ Earlier", "] Later"):
            assert words in footer, footer


async def test_at_40_by_12_the_numbers_stay_visible(week_store: Store) -> None:
    async with make_app(week_store).run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        await press(pilot, "W", shows=WeekScreen)
        lines = screen_lines(pilot)
        assert lines[1].strip() == "Planned 3:30 of 4:00 h · logged 0:00"
        line = next(line for line in lines if "a1 news" in line)
        assert line.rstrip().endswith("2:00   0:00") and len(line) == 40


def test_week_screen_looks_right(snap_compare, week_store: Store) -> None:  # type: ignore[no-untyped-def]
    """Over budget (Cedar, red) and, after pulling a card in, over capacity (amber)."""

    async def open_week(pilot: Pilot[None]) -> None:
        pilot.app.animation_level = "none"
        await settle(pilot)
        for key in ("W", "a", "enter"):
            await pilot.press(key)
            await settle(pilot)
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(make_app(week_store), terminal_size=(100, 30), run_before=open_week)


async def test_e_sets_the_estimate_and_a_dash_clears_it(week_store: Store) -> None:
    async with make_app(week_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await press(pilot, "W", shows=WeekScreen)
        await press(pilot, "down", shows=WeekScreen)  # a1 -> a2, which has no estimate
        picked = screen.picked()
        assert picked is not None and picked.card is not None
        a2 = picked.card.id
        assert picked.card.title == "a2 invoices"
        said: list[str] = []
        screen.notify = lambda message, **_: said.append(str(message))  # type: ignore[method-assign]
        await press(pilot, "e", shows=TextPrompt)
        await press(pilot, *"1:30", "enter", shows=WeekScreen)
        with week_store.read() as s:
            assert get_card(s, a2).estimate_minutes == 90
        lines = screen_lines(pilot)
        assert any(
            "a2 invoices" in line and line.rstrip().endswith("1:30   0:00") for line in lines
        )
        # 2:00 + 1:30 + 1:30: over the 4 h capacity now, and no card without an estimate.
        assert "Planned 5:00 of 4:00 h capacity · logged 0:00 · over capacity" in squashed(
            "\n".join(lines)
        )
        prompt = await press(pilot, "e", shows=TextPrompt)
        assert prompt.query_one(Input).value == "1:30"  # the current estimate, to change
        await press(pilot, "end", *["backspace"] * 4, *"soon", "enter", shows=WeekScreen)
        with week_store.read() as s:
            assert get_card(s, a2).estimate_minutes == 90  # refused: nothing changed
        assert said[-1] == "Estimate 'soon' is not a duration like 90, 1:30 or 1.5h."
        await press(pilot, "e", shows=TextPrompt)
        await press(pilot, "end", *["backspace"] * 4, "minus", "enter", shows=WeekScreen)
        with week_store.read() as s:
            assert get_card(s, a2).estimate_minutes is None
        assert said[-1] == "a2 invoices: no estimate."
