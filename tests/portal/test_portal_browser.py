"""The portal in a real browser, on SQLite and PostgreSQL: Playwright driving Debian's Chromium
(``.ci/run`` installs it).

Open an invite link, drag a card from Normal to Urgent and see it land in the database and on
the VA's board open in the same test, add a task, see the VA's move arrive without a reload,
and the same on a phone-sized touch screen. No console error and no CSP violation anywhere.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.portal.conftest import LiveServer, World
from tests.ui.conftest import board_screen, make_app, settle, wait_until
from vadesk.config import Settings
from vadesk.portal.app import create_app
from vadesk.services.cards import get_card
from vadesk.services.ordering import move_card

CHROMIUM = os.environ.get("VADESK_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def live(world: World) -> Iterator[LiveServer]:
    app = create_app(world.store, Settings(user="tester"), poll_interval=0.05)
    with LiveServer(app) as server:
        yield server


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail("Chromium is required under CI (.ci/run installs the chromium package)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        await browser.close()


def watch_errors(page: Any) -> list[str]:
    """Console errors (CSP violations show there) and uncaught exceptions of the page."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def lane_of(world: World, name: str) -> str:
    with world.store.read() as s:
        return get_card(s, world.cards[name]).lane


async def test_drag_add_and_live_updates_in_chromium(
    live: LiveServer, world: World, browser: Any
) -> None:
    page = await browser.new_page(viewport={"width": 1200, "height": 800})
    errors = watch_errors(page)
    await page.goto(f"{live.url}/i/{world.invite_token}")
    await page.wait_for_url(f"{live.url}/")
    assert world.invite_token not in page.url
    await page.locator("#card-{}".format(world.cards["acme-n2"])).wait_for()
    assert "Globex" not in await page.content()

    async with make_app(world.store).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)

        def urgent_titles() -> list[str]:
            view = screen.lane_views()[0]
            rows = [view.row(i) for i in range(view.count)]
            return [r.title for r in rows if r is not None]

        assert "acme-n2 task" not in urgent_titles()
        # Drag acme-n2 from Normal onto the Urgent lane, above acme-urgent.
        source = page.locator("#card-{} .title".format(world.cards["acme-n2"]))
        target = page.locator("#card-{}".format(world.cards["acme-urgent"]))
        await source.drag_to(target, target_position={"x": 20, "y": 5})
        await page.wait_for_function(
            "() => document.querySelector('#card-{}').closest('ol').dataset.laneId === '{}'".format(
                world.cards["acme-n2"], world.lanes["Urgent"]
            )
        )
        await wait_until(pilot, lambda: lane_of(world, "acme-n2") == "Urgent", seconds=5)
        await wait_until(pilot, lambda: "acme-n2 task" in urgent_titles(), seconds=5)

        # The VA moves a card: the open page follows without a reload.
        await page.evaluate("() => { window.notReloaded = true; }")
        with world.store.write() as s:
            move_card(s, world.cards["acme-n1"], lane_id=world.lanes["High"], position="top")
        high = page.locator(f"#lane-{world.lanes['High']}").locator("xpath=..")
        await high.locator("text=acme-n1 task").wait_for(timeout=3000)
        assert await page.evaluate("() => window.notReloaded === true")

    # Add a task through the form (folded above the board).
    await page.click("summary:has-text('Add a task')")
    await page.fill("input[name=title]", "Order business cards")
    await page.fill("textarea[name=description]", "500, matte")
    await page.select_option("select[name=kind]", "purchase")
    await page.click("text=Add task")
    await page.locator("text=Task added.").wait_for()
    with world.store.read() as s:
        from sqlalchemy import select

        from vadesk.db.models import Card

        added = s.scalar(select(Card).where(Card.title == "Order business cards"))
        assert added is not None and added.client_id == world.acme and added.kind == "purchase"
    assert errors == []


async def test_a_phone_sized_touch_screen_reads_and_reorders(
    live: LiveServer, world: World, browser: Any
) -> None:
    context = await browser.new_context(
        viewport={"width": 375, "height": 700}, has_touch=True, is_mobile=True
    )
    page = await context.new_page()
    errors = watch_errors(page)
    await page.goto(f"{live.url}/i/{world.invite_token}")
    await page.wait_for_url(f"{live.url}/")
    # One column, nothing wider than the screen.
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 375
    n3 = world.cards["acme-n3"]
    before = lane_of(world, "acme-n3")
    await page.locator(f"#card-{n3} button[aria-label='Move up']").tap()
    await page.locator("text=Moved.").wait_for()
    await page.wait_for_load_state()  # the board follows the page's head (streamed)
    normal = page.locator(f"#lane-{world.lanes['Normal']}").locator("xpath=..")
    titles = await normal.locator("a.title").all_inner_texts()
    assert titles == ["acme-n1 task", "acme-n3 task", "acme-n2 task"]
    assert before == lane_of(world, "acme-n3") == "Normal"
    await context.close()
    assert errors == []


async def test_a_stale_drag_is_reported_and_the_page_shows_the_card_where_it_is(
    live: LiveServer, world: World, browser: Any
) -> None:
    page = await browser.new_page(viewport={"width": 1200, "height": 800})
    errors = watch_errors(page)
    await page.goto(f"{live.url}/i/{world.invite_token}")
    await page.wait_for_url(f"{live.url}/")
    card = world.cards["acme-n2"]
    seen = await page.get_attribute(f"#card-{card}", "data-version")
    with world.store.write() as s:  # the VA moves it; the page follows
        move_card(s, card, lane_id=world.lanes["Low"], position="top")
    low = page.locator(f"#lane-{world.lanes['Low']}").locator("xpath=..")
    await low.locator("text=acme-n2 task").wait_for()
    # A drag begun on the page as it was before: the version it sends is the old one.
    await page.evaluate(
        "([id, version]) => { document.getElementById('card-' + id).dataset.version = version; }",
        [card, seen],
    )
    source = page.locator(f"#card-{card} .title")
    target = page.locator("#card-{}".format(world.cards["acme-urgent"]))
    await source.drag_to(target, target_position={"x": 20, "y": 5})
    await page.locator("#notice", has_text="changed by your VA meanwhile").wait_for()
    await page.wait_for_function(
        f"() => document.querySelector('#card-{card}').closest('ol').dataset.laneId"
        f" === '{world.lanes['Low']}'"
    )
    assert lane_of(world, "acme-n2") == "Low"
    # The refused move is a 409 the script handles: no error of the page's own.
    assert [e for e in errors if "409" not in e] == []


async def test_without_javascript_the_page_reads_and_buttons_reorder(
    live: LiveServer, world: World, browser: Any
) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{live.url}/i/{world.invite_token}")
    await page.wait_for_url(f"{live.url}/")  # the welcome page moves on by itself (meta refresh)
    n1 = world.cards["acme-n1"]
    await page.locator(f"#card-{n1} button[aria-label='Move down']").click()
    await page.locator("text=Moved.").wait_for()
    await page.wait_for_load_state()  # the board follows the page's head (streamed)
    normal = page.locator(f"#lane-{world.lanes['Normal']}").locator("xpath=..")
    assert await normal.locator("a.title").all_inner_texts() == [
        "acme-n2 task",
        "acme-n1 task",
        "acme-n3 task",
    ]
    await page.locator(f"#card-{n1} >> text=Move to…").click()
    await page.select_option("#move select[name=lane_id]", str(world.lanes["Urgent"]))
    await page.click("text=Move to lane")
    await page.locator("text=Moved.").wait_for()
    await page.wait_for_load_state()  # the board follows the page's head (streamed)
    assert lane_of(world, "acme-n1") == "Urgent"
    await context.close()
