"""An 80x24 terminal: the footer, the lane counts and the package balance are never cut."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from vadesk.config import Settings
from vadesk.services import timer
from vadesk.services.board_read import list_cards
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import list_lanes, rename_lane
from vadesk.services.store import Store, open_store

from .conftest import NOW, make_app, settle
from .screen_text import screen_lines

SIZE = (80, 24)


@pytest.fixture
def busy_store(sqlite_url: str) -> Iterator[Store]:
    """A long client name with a package, a long lane name, a few hundred cards."""
    store = open_store(Settings(user="tester"), sqlite_url)
    with store.write() as s:
        client = add_client(s, "Acme Bakery and Patisserie", now=NOW)
        timer.add_package(s, client.id, 20, 50_000, purchased_at=NOW - timedelta(days=3))
        lanes = list_lanes(s)
        rename_lane(s, lanes[0].id, "Urgent this week")
        for i in range(330):
            create_card(s, f"card {i}", client_id=client.id, lane_id=lanes[i % 3].id, now=NOW)
        first = list_cards(s, lane_id=lanes[0].id)[0].id
        timer.add_entry(
            s, store.user_id, first, NOW - timedelta(hours=2), NOW - timedelta(hours=1), now=NOW
        )
    yield store
    store.close()


async def test_the_footer_shows_eight_keys_whole(busy_store: Store) -> None:
    async with make_app(busy_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = screen_lines(pilot)[-1]
    shown = ["n New", "⏎ Open", "d Done", "/ Filter", "? Help", "v Vault", "space Timer"]
    assert all(key in footer for key in shown), footer
    assert footer.rstrip().endswith("^p Commands")
    assert "Archive" not in footer and "…" not in footer


async def test_lane_headers_keep_their_counts(busy_store: Store) -> None:
    async with make_app(busy_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        headers = screen_lines(pilot)[1]
    assert "(1/110)" in headers  # the cursor's lane: its name gives way, not the count
    assert "High (110)" in headers and "(110)" in headers.split("High (110)")[1]
    # Six lanes in 80 columns: the name is shortened to its first letter and "…".
    assert "Urgent this week" not in headers and "U… (1/110)" in headers


async def test_the_pane_keeps_the_package_balance(busy_store: Store) -> None:
    async with make_app(busy_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        totals = screen_lines(pilot)[-2]
    assert "package 19:00 of 20:00 left" in totals, totals
    assert totals.startswith(" Today 1:00")
