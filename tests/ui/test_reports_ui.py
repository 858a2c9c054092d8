"""The reports screen: R opens it, keys pick client and month, export, mark billed, live."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input

from vadesk.services import billing, reports, timer
from vadesk.services.clients import list_clients
from vadesk.services.store import Store
from vadesk.ui.screens.board import BoardScreen
from vadesk.ui.screens.pickers import TextPrompt
from vadesk.ui.screens.reports import FormatPicker, ReportsScreen

from .conftest import NOW, make_app, press, settle, wait_until
from .screen_text import screen_text, squashed

SIZE = (110, 32)


@pytest.fixture(autouse=True)
def _utc(utc_zone: None) -> None:
    """Dates on screen in UTC, whatever the machine's zone."""


@pytest.fixture
def billed_store(ui_store: Store) -> Store:
    """Acme Bakery at €50/h with 90 minutes this month; Cedar Law with 30 minutes."""
    with ui_store.write() as s:
        clients = {c.name: c.id for c in list_clients(s)}
        billing.set_rules(s, clients["Acme Bakery"], default_rate_minor=5000)
        cards = {c.title: c.id for c in board_cards(s)}
        for card, start, minutes in (
            ("a1 chase supplier", NOW - timedelta(days=3), 60),
            ("b1 design post", NOW - timedelta(days=2), 30),
            ("a2 call bank", NOW - timedelta(days=1), 30),
        ):
            timer.add_entry(
                s, ui_store.user_id, cards[card], start, start + timedelta(minutes=minutes), now=NOW
            )
    return ui_store


def board_cards(s):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from vadesk.db.models import Card

    return s.scalars(select(Card)).all()


async def test_R_opens_reports_with_totals_bars_and_month_keys(billed_store: Store) -> None:
    async with make_app(billed_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await press(pilot, "R", shows=ReportsScreen)
        text = squashed(screen_text(pilot))
        assert "Reports — Acme Bakery — November 2026" in text
        assert "worked 1:30 h" in text and "Total €75.00" in text
        assert "This week" in text and "This month" in text
        assert "Cedar Law" in text
        await press(pilot, "down", shows=ReportsScreen)
        text = squashed(screen_text(pilot))
        assert "Reports — Cedar Law — November 2026" in text
        assert "worked 0:30 h" in text
        await press(pilot, "left_square_bracket", shows=ReportsScreen)
        text = squashed(screen_text(pilot))
        assert "Cedar Law — October 2026" in text
        assert "No time logged for Cedar Law in this period." in text
        await press(pilot, "escape", shows=BoardScreen)
        assert screen.is_attached is False


async def test_export_writes_the_chosen_format(
    billed_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "export_folder", lambda: tmp_path)
    async with make_app(billed_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "R", shows=ReportsScreen)
        await press(pilot, "x", shows=FormatPicker)
        await press(pilot, "down", "enter", shows=ReportsScreen)  # the second choice: CSV
        await wait_until(pilot, lambda: any(tmp_path.glob("*.csv")))
    (path,) = tmp_path.glob("*.csv")
    assert path.name.startswith("acme-bakery-") and path.name.endswith("-2026-11.csv")
    assert path.read_text().splitlines()[1].split(",")[3:5] == ["60", "60"]


async def test_mark_billed_from_the_screen(billed_store: Store) -> None:
    async with make_app(billed_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "R", shows=ReportsScreen)
        prompt = await press(pilot, "b", shows=TextPrompt)
        prompt.query_one(Input).value = "INV-9"
        await press(pilot, "enter", shows=ReportsScreen)
        await wait_until(pilot, lambda: "Billed under INV-9" in squashed(screen_text(pilot)))
    with billed_store.read() as s:
        (row,) = reports.list_invoices(s, reports.report_zone(billed_store.settings)[0])
    assert (row.number, row.entries, row.total_minor) == ("INV-9", 2, 7500)


async def test_time_logged_elsewhere_shows_up(billed_store: Store) -> None:
    async with make_app(billed_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "R", shows=ReportsScreen)
        assert "worked 1:30 h" in squashed(screen_text(pilot))
        with billed_store.write() as s:  # as another window or the CLI would
            card = next(c.id for c in board_cards(s) if c.title == "c2 order toner")
            start = NOW - timedelta(hours=5)
            timer.add_entry(s, 1, card, start, start + timedelta(minutes=45), now=NOW)
        await wait_until(pilot, lambda: "worked 2:15 h" in squashed(screen_text(pilot)), 5)


async def test_palette_finds_report(billed_store: Store) -> None:
    async with make_app(billed_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        for key in "report":
            await pilot.press(key)
        await settle(pilot)
        assert "report: monthly reports" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReportsScreen)
