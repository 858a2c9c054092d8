"""How the screens look (pytest-textual-snapshot). Fixed clock, size and time zone."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from vadesk.services.store import Store

from .conftest import board_screen, make_app, settle, wait_until


@pytest.fixture(autouse=True)
def _utc(utc_zone: None) -> None:
    """Times on screen in UTC, whatever the machine's zone."""


async def _steady(pilot: Pilot[None]) -> None:
    """Nothing on screen that depends on when the picture is taken: no animation, no blink."""
    from textual.widgets import Input, TextArea

    pilot.app.animation_level = "none"
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    await settle(pilot)


async def _settled(pilot: Pilot[None]) -> None:
    """Board loaded and the timer pane showing the selected card's client."""
    await settle(pilot)
    pane = board_screen(pilot).query_one("#timer-pane")
    await wait_until(pilot, lambda: pane.figures is not None and pane.figures.client is not None)  # type: ignore[attr-defined]
    await _steady(pilot)


def test_board_looks_right(snap_compare, ui_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(ui_store), terminal_size=(100, 24), run_before=_settled)


def test_card_editor_looks_right(snap_compare, ui_store: Store) -> None:  # type: ignore[no-untyped-def]
    async def open_editor(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.press("enter")
        await _steady(pilot)

    # Tall enough for every field down to the activity log.
    assert snap_compare(make_app(ui_store), terminal_size=(100, 56), run_before=open_editor)


def test_help_screen_looks_right(snap_compare, ui_store: Store) -> None:  # type: ignore[no-untyped-def]
    async def open_help(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.press("question_mark")
        await _steady(pilot)

    assert snap_compare(make_app(ui_store), terminal_size=(100, 36), run_before=open_help)


def test_narrow_board_looks_right(snap_compare, ui_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(ui_store), terminal_size=(40, 12), run_before=_settled)


@pytest.fixture
def vault_store(ui_store: Store) -> Store:
    from dataclasses import replace

    from vadesk.domain import vault_crypto as vc
    from vadesk.services import vault

    ui_store.settings = replace(ui_store.settings, vault_kdf="interactive")
    with ui_store.write() as s:
        opened = vault.init(s, vc.Secret("plum orchard kettle violin"), vc.KdfParams.interactive())
        vault.save_item(
            s,
            opened,
            {
                "kind": "login",
                "client": "Acme Bakery",
                "name": "Acme bank",
                "username": "demo-user",
                "password": "fake-password",
                "url": "https://bank.example",
            },
        )
        vault.save_item(
            s,
            opened,
            {
                "kind": "card",
                "client": "Acme Bakery",
                "name": "Acme Visa",
                "number": "4242424242424242",
                "cvc": "000",
            },
        )
    return ui_store


def test_locked_vault_looks_right(snap_compare, vault_store: Store) -> None:  # type: ignore[no-untyped-def]
    async def open_unlock(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.press("v")
        await _steady(pilot)

    assert snap_compare(make_app(vault_store), terminal_size=(100, 24), run_before=open_unlock)


def test_unlocked_vault_looks_right(snap_compare, vault_store: Store) -> None:  # type: ignore[no-untyped-def]
    async def unlocked(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press(*"plum orchard kettle violin", "enter")
        await _steady(pilot)

    assert snap_compare(make_app(vault_store), terminal_size=(100, 24), run_before=unlocked)
