"""Helpers for Pilot tests: a seeded store, a fixed clock, and waiting for workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from vadesk.config import Settings
from vadesk.services.board_read import list_cards
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import lane_by_name, list_lanes
from vadesk.services.store import Store, open_store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.board import BoardScreen

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture
def utc_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with TZ=UTC, so local times on screen do not depend on the machine."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def ui_store(sqlite_url: str) -> Iterator[Store]:
    """Two clients and a small board: Urgent a1 a2, High b1, Normal c1 c2 c3."""
    store = open_store(Settings(user="tester"), sqlite_url)
    with store.write() as s:
        acme = add_client(s, "Acme Bakery", now=NOW)
        cedar = add_client(s, "Cedar Law", now=NOW)
        lanes = {lane.name: lane.id for lane in list_lanes(s)}
        for lane, title, client, hours in (
            ("Urgent", "a1 chase supplier", acme.id, -2),
            ("Urgent", "a2 call bank", cedar.id, 3),
            ("High", "b1 design post", acme.id, 30),
            ("Normal", "c1 book flights", cedar.id, None),
            ("Normal", "c2 order toner", acme.id, None),
            ("Normal", "c3 newsletter", None, None),
        ):
            create_card(
                s,
                title,
                lane_id=lanes[lane],
                client_id=client,
                kind="admin",
                due_at=NOW + timedelta(hours=hours) if hours is not None else None,
                now=NOW - timedelta(days=1),
            )
    yield store
    store.close()


def make_app(store: Store) -> VadeskApp:
    return VadeskApp(store, clock=clock)


async def settle(pilot: Pilot[None]) -> None:
    """Let messages and every short-lived worker finish (the change feed runs forever)."""
    app = pilot.app
    for _ in range(6):
        await pilot.pause()
        busy = [w for w in app.workers if w.group != "changes" and not w.is_finished]
        if busy:
            await app.workers.wait_for_complete(busy)
    await pilot.pause()


async def press(pilot: Pilot[None], *keys: str, shows: type[Screen[Any]]) -> Any:
    """Press ``keys``, let the workers finish, and check which screen is on top (returned)."""
    await pilot.press(*keys)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, shows), f"{type(screen).__name__} on top, not {shows.__name__}"
    return screen


def board_screen(pilot: Pilot[None]) -> BoardScreen:
    for screen in pilot.app.screen_stack:
        if isinstance(screen, BoardScreen):
            return screen
    raise AssertionError("no board screen")


def selected_title(pilot: Pilot[None]) -> str | None:
    card = board_screen(pilot).selected
    return card.title if card else None


def lane_titles(store: Store, lane: str) -> list[str]:
    with store.read() as s:
        return [c.title for c in list_cards(s, lane_id=lane_by_name(s, lane).id)]


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 3) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)
