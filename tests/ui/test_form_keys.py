"""Every key lands in the field it was typed into, in order; nothing typed after a save is saved.

The keys of each test arrive in one burst, as from a terminal under load (or a paste, or
auto-type): all are read before the app has handled the first. Loads are made slow on purpose
with an event the test sets, so keys arrive while the form is still loading.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot

from vadesk.config import Settings
from vadesk.services import cards
from vadesk.services.board_read import list_cards
from vadesk.services.cards import create_card
from vadesk.services.clients import list_clients
from vadesk.services.handle import StoreHandle
from vadesk.services.lanes import lane_by_name
from vadesk.services.quick import quick_board
from vadesk.services.store import Store, open_store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.board import BoardScreen
from vadesk.ui.screens.card_editor import CardEditor
from vadesk.ui.screens.clients import ClientsScreen

from .conftest import NOW, make_app, press, selected_title, settle, wait_until

SIZE = (110, 34)


def burst(pilot: Pilot[None], *keys: str) -> None:
    """Send ``keys`` at once, as a terminal does (Pilot.press waits for idle after each)."""
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        original = REPLACED_KEYS.get(key, key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        driver.send_message(event)


def titles(store: Store) -> list[str]:
    with store.read() as s:
        return sorted(c.title for c in list_cards(s))


@pytest.fixture
def slow_card_detail(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The editor's card load waits until the test sets the event."""
    go = threading.Event()
    real: Callable[..., Any] = cards.card_detail

    def slow(*args: Any, **kwargs: Any) -> Any:
        go.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr("vadesk.ui.screens.card_editor.card_detail", slow)
    yield go
    go.set()


async def test_keys_typed_while_the_card_loads_extend_its_title_instead_of_replacing_it(
    ui_store: Store, slow_card_detail: threading.Event
) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert selected_title(pilot) == "a1 chase supplier"
        burst(pilot, "enter", "end", *" EXTRA", "ctrl+s")
        await pilot.pause(0.3)
        assert isinstance(pilot.app.screen, CardEditor)
        slow_card_detail.set()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BoardScreen))
        await settle(pilot)
    assert "a1 chase supplier EXTRA" in titles(ui_store)
    assert "a1 chase supplier" not in titles(ui_store)


async def test_a_save_pressed_before_the_card_loaded_waits_for_it_and_changes_nothing(
    ui_store: Store, slow_card_detail: threading.Event
) -> None:
    before = titles(ui_store)
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(pilot, "enter", "ctrl+s")
        await pilot.pause(0.3)
        slow_card_detail.set()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BoardScreen))
        await settle(pilot)
    assert titles(ui_store) == before


async def test_a_title_typed_right_after_n_is_the_new_cards_title(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(pilot, "n", *"Card A", "ctrl+s")
        await wait_until(pilot, lambda: "Card A" in titles(ui_store))
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
    assert len(titles(ui_store)) == 7


async def test_keys_after_ctrl_s_move_on_the_board_and_never_reach_the_new_card(
    ui_store: Store,
) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(pilot, "n", *"Card A", "ctrl+s", "j", "j")
        await wait_until(pilot, lambda: "Card A" in titles(ui_store))
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
    assert not [t for t in titles(ui_store) if "j" in t]


async def test_keys_after_enter_in_the_title_never_reach_the_new_card(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(pilot, "n", *"Card B", "enter", "j")
        await wait_until(pilot, lambda: "Card B" in titles(ui_store))
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
    assert not [t for t in titles(ui_store) if "j" in t]


async def test_editing_keys_apply_in_the_order_they_were_typed(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(pilot, "n", *"abc", "backspace", "d", "home", "X", "end", "Y", "ctrl+s")
        await wait_until(pilot, lambda: len(titles(ui_store)) == 7)
        await settle(pilot)
    assert "XabdY" in titles(ui_store)


async def test_keys_after_ctrl_s_in_the_card_editor_go_to_the_board(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(pilot, "enter", "end", "!", "ctrl+s", "j")
        await wait_until(pilot, lambda: "a1 chase supplier!" in titles(ui_store))
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
    assert not [t for t in titles(ui_store) if "j" in t]


async def test_a_client_name_typed_right_after_n_is_saved_without_the_keys_after_ctrl_s(
    ui_store: Store,
) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "C", shows=ClientsScreen)
        burst(pilot, "n", *"Vee", "ctrl+s", "z", "z")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClientsScreen), 5)
        await settle(pilot)
    with ui_store.read() as s:
        names = sorted(c.name for c in list_clients(s))
    assert names == ["Acme Bakery", "Cedar Law", "Vee"]


async def test_the_app_under_run_test_leaves_the_signal_handlers_as_they_were(
    ui_store: Store,
) -> None:
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGHUP)}
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        during = {signum: signal.getsignal(signum) for signum in before}
        loop = asyncio.get_running_loop()
        assert not loop.remove_signal_handler(signal.SIGTERM)  # none was added to our loop
    after = {signum: signal.getsignal(signum) for signum in before}
    assert during == before
    assert after == before


async def test_keys_typed_while_a_client_loads_edit_the_loaded_name(
    ui_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vadesk.services import clients

    go = threading.Event()
    real: Callable[..., Any] = clients.get_profile

    def slow(*args: Any, **kwargs: Any) -> Any:
        go.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(clients, "get_profile", slow)
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "C", shows=ClientsScreen)
        burst(pilot, "enter", "end", *" Ltd", "ctrl+s", "z")
        await pilot.pause(0.3)
        go.set()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClientsScreen), 5)
        await settle(pilot)
    with ui_store.read() as s:
        names = sorted(c.name for c in list_clients(s))
    assert names == ["Acme Bakery Ltd", "Cedar Law"]


async def test_a_title_typed_while_the_database_opens_goes_into_the_new_card(
    sqlite_url: str,
) -> None:
    """`n` on the first frame waits for the store; the title typed after it waits too."""
    settings = Settings(user="tester")
    store = open_store(settings, sqlite_url)
    with store.write() as s:
        create_card(s, "only card", lane_id=lane_by_name(s, "High").id, now=NOW)
    store.close()
    quick = quick_board(sqlite_url, 60, NOW)
    assert quick is not None
    may_open = threading.Event()

    def slow_open() -> Store:
        may_open.wait(10)
        return open_store(settings, sqlite_url)

    handle = StoreHandle(slow_open, settings)
    app = VadeskApp(handle, clock=lambda: NOW, quick=quick)  # type: ignore[arg-type]
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            burst(pilot, "n", *"Call Ann", "ctrl+s")
            await pilot.pause(0.3)
            assert isinstance(app.screen, BoardScreen)  # still opening: nothing yet
            may_open.set()
            await wait_until(pilot, lambda: isinstance(app.screen, CardEditor), seconds=20)
            await wait_until(pilot, lambda: isinstance(app.screen, BoardScreen), seconds=20)
            await settle(pilot)
    finally:
        may_open.set()
        handle.close()
    check = open_store(settings, sqlite_url)
    try:
        assert titles(check) == ["Call Ann", "only card"]
    finally:
        check.close()


async def test_a_real_run_puts_back_the_signal_handlers_it_replaced(ui_store: Store) -> None:
    def mine(signum: int, frame: object) -> None:
        """A handler the caller had before the app ran."""

    before = signal.signal(signal.SIGTERM, mine)
    try:
        app = make_app(ui_store)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app._install_signal_handlers()  # what a real (not headless) run does on mount
            assert signal.getsignal(signal.SIGTERM) is not mine
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, before)
