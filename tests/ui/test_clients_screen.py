"""The clients screen and form, driven by real keys; each checks the screen and the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from vadesk.config import Settings
from vadesk.services.clients import list_profiles, profile_by_name
from vadesk.services.store import Store, open_store
from vadesk.ui.screens.board import BoardScreen
from vadesk.ui.screens.client_form import ClientForm
from vadesk.ui.screens.clients import ClientsScreen
from vadesk.ui.screens.pickers import Confirm

from .conftest import board_screen, make_app, press, selected_title, settle, wait_until
from .screen_text import screen_text, squashed

SIZE = (120, 36)


def order(store: Store, archived: bool = False) -> list[str]:
    with store.read() as s:
        return [p.name for p in list_profiles(s, include_archived=archived)]


def listed(screen: ClientsScreen) -> list[str]:
    return [line.profile.name for line in screen.lines]


async def focus_and_type(pilot: Pilot[None], selector: str, text: str) -> None:
    """Click into a field, clear it with keys, and type ``text``."""
    form = pilot.app.screen
    widget = form.query_one(selector)
    form.query_one("#fields").scroll_to_widget(widget, animate=False, immediate=True)
    await pilot.pause()
    widget.focus()
    await pilot.pause()
    if isinstance(widget, TextArea):
        await pilot.press("ctrl+a", "delete")
    else:
        await pilot.press("end", "ctrl+u")
    await pilot.press(*text)


async def test_c_opens_the_clients_in_priority_order_and_escape_goes_back(
    ui_store: Store,
) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await press(pilot, "C", shows=ClientsScreen)
        assert listed(screen) == ["Acme Bakery", "Cedar Law"]
        text = screen_text(pilot)
        assert "Acme Bakery" in text and "Cedar Law" in text
        footer = squashed(text.splitlines()[-1])
        for key in ("esc Board", "n Add", "⏎ Edit", "Up", "Down", "a Archive"):
            assert key in footer
        await press(pilot, "escape", shows=BoardScreen)


async def test_adding_a_client_shows_a_refusal_then_saves_once_fixed(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "C", shows=ClientsScreen)
        form = await press(pilot, "n", shows=ClientForm)
        await pilot.press(*"Delta Yoga")
        await focus_and_type(pilot, "#emails", "not-an-address")
        await focus_and_type(pilot, "#timezone", "Europe/Dublin")
        await press(pilot, "ctrl+s", shows=ClientForm)
        error = str(form.query_one("#error", Static).render())
        assert "Intake address 'not-an-address' is not an email address" in error
        assert "\n" not in error.strip()
        assert form.focused is form.query_one("#emails")  # the field it names, to fix it
        # Nothing typed is lost.
        assert form.query_one("#name", Input).value == "Delta Yoga"
        assert form.query_one("#timezone", Input).value == "Europe/Dublin"
        assert order(ui_store) == ["Acme Bakery", "Cedar Law"]
        await focus_and_type(pilot, "#emails", "studio@delta.example")
        screen = await press(pilot, "ctrl+s", shows=ClientsScreen)
        assert listed(screen) == ["Acme Bakery", "Cedar Law", "Delta Yoga"]
        with ui_store.read() as s:
            delta = profile_by_name(s, "Delta Yoga")
        assert delta.emails == ("studio@delta.example",)
        assert delta.timezone == "Europe/Dublin"
        assert delta.turnaround["admin"] == 24 and delta.turnaround["creative"] == 48
        assert screen.selected is not None and screen.selected.profile.name == "Delta Yoga"


async def test_editing_a_client_changes_its_profile(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "C", shows=ClientsScreen)
        form = await press(pilot, "down", "enter", shows=ClientForm)
        await wait_until(pilot, lambda: form.profile is not None)
        await settle(pilot)
        assert form.query_one("#name", Input).value == "Cedar Law"
        await focus_and_type(pilot, "#company", "Cedar & Partners LLP")
        await focus_and_type(pilot, "#contacts", "Ann Lee <ann@cedar.example> (partner)")
        await focus_and_type(pilot, "#answer-1", "Email, never after 6pm")
        await focus_and_type(pilot, "#agreed-hours", "10")
        await focus_and_type(pilot, "#ta-call", "4")
        await press(pilot, "ctrl+s", shows=ClientsScreen)
        assert "Cedar & Partners LLP" in screen_text(pilot)
        with ui_store.read() as s:
            cedar = profile_by_name(s, "Cedar Law")
        assert cedar.company == "Cedar & Partners LLP"
        assert [(c.name, c.email, c.role) for c in cedar.contacts] == [
            ("Ann Lee", "ann@cedar.example", "partner")
        ]
        question = Settings().onboarding_questions[1]
        assert cedar.onboarding == {question: "Email, never after 6pm"}
        assert (cedar.agreed_minutes, cedar.agreed_period) == (600, "week")
        assert cedar.turnaround == {
            "admin": 24,
            "creative": 48,
            "call": 4,
            "purchase": None,
            "other": None,
        }


async def test_escape_on_a_changed_form_asks_before_discarding(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "C", shows=ClientsScreen)
        await press(pilot, "n", shows=ClientForm)
        await pilot.press(*"Half typed")
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "n", shows=ClientForm)  # no: keep typing
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "y", shows=ClientsScreen)
        assert order(ui_store) == ["Acme Bakery", "Cedar Law"]


async def test_reordering_clients_persists_at_once_and_the_board_follows(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert selected_title(pilot) == "a1 chase supplier"  # Acme's, first
        screen = await press(pilot, "C", shows=ClientsScreen)
        await pilot.press("down", "shift+up")
        await settle(pilot)
        assert listed(screen) == ["Cedar Law", "Acme Bakery"]
        assert order(ui_store) == ["Cedar Law", "Acme Bakery"]
        assert screen.selected is not None and screen.selected.profile.name == "Cedar Law"
        await pilot.press("J")  # vim-style: back down
        await settle(pilot)
        assert order(ui_store) == ["Acme Bakery", "Cedar Law"]
        await pilot.press("K")
        await settle(pilot)
        await press(pilot, "escape", shows=BoardScreen)
        board = board_screen(pilot)
        view = board.lane_views()[0]
        assert [view.row(i).title for i in range(view.count)] == [  # type: ignore[union-attr]
            "a2 call bank",
            "a1 chase supplier",
        ]


async def test_archiving_a_client_hides_it_and_its_cards_and_a_brings_it_back(
    ui_store: Store,
) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await press(pilot, "C", shows=ClientsScreen)
        await pilot.press("a")
        await settle(pilot)
        assert order(ui_store) == ["Cedar Law"]
        assert listed(screen) == ["Cedar Law"]
        await pilot.press("A")  # show archived ones, dimmed
        await settle(pilot)
        assert listed(screen) == ["Acme Bakery", "Cedar Law"]
        assert "Acme Bakery (archived)" in screen_text(pilot)
        await press(pilot, "escape", shows=BoardScreen)
        board = board_screen(pilot)
        assert [view.count for view in board.lane_views()][:3] == [1, 0, 2]
        await press(pilot, "C", shows=ClientsScreen)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("up", "a")  # the cursor stayed on Cedar; Acme is above it
        await settle(pilot)
        assert order(ui_store) == ["Acme Bakery", "Cedar Law"]
        await press(pilot, "escape", shows=BoardScreen)
        assert [view.count for view in board.lane_views()][:3] == [2, 1, 3]


@pytest.fixture
def empty_store(sqlite_url: str) -> Iterator[Store]:
    store = open_store(Settings(user="tester"), sqlite_url)
    yield store
    store.close()


async def test_a_fresh_database_greets_with_add_your_first_client(empty_store: Store) -> None:
    async with make_app(empty_store).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        assert "Add your first client" in text
        assert "Urgent (" not in text  # no empty board behind it
        await press(pilot, "enter", shows=ClientForm)
        await pilot.press(*"Acme Bakery")
        await press(pilot, "ctrl+s", shows=BoardScreen)
        await settle(pilot)
        text = screen_text(pilot)
        assert "Add your first client" not in text
        assert "Urgent (" in text
        assert "Added Acme Bakery" in text  # a toast says so, and what to do next
        assert order(empty_store) == ["Acme Bakery"]


async def test_the_clients_screen_works_at_40x12(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        await press(pilot, "C", shows=ClientsScreen)
        assert "Acme Bakery" in screen_text(pilot)
        form = await press(pilot, "n", shows=ClientForm)
        await pilot.press(*"Tiny Co")
        await focus_and_type(pilot, "#colour", "#zzz")  # the last field, scrolled to
        assert "#zzz" in screen_text(pilot)
        await press(pilot, "ctrl+s", shows=ClientForm)
        assert "Colour '#zzz' is not a colour" in str(form.query_one("#error", Static).render())
        await focus_and_type(pilot, "#colour", "")
        await press(pilot, "ctrl+s", shows=ClientsScreen)
        assert order(ui_store) == ["Acme Bakery", "Cedar Law", "Tiny Co"]


def test_the_clients_screen_looks_right(snap_compare, ui_store: Store, utc_zone: None) -> None:  # type: ignore[no-untyped-def]
    async def open_clients(pilot: Pilot[None]) -> None:
        pilot.app.animation_level = "none"
        await settle(pilot)
        await pilot.press("C")
        screen = pilot.app.screen
        assert isinstance(screen, ClientsScreen)
        await wait_until(pilot, lambda: len(screen.lines) == 2)
        await settle(pilot)
        await pilot.pause(0.1)  # the footer's bindings, refreshed after the list arrived

    assert snap_compare(make_app(ui_store), terminal_size=(80, 24), run_before=open_clients)
