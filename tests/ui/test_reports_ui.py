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
            ("a1 chase supplier", NOW - timedelta(hours=26), 60),
            ("b1 design post", NOW - timedelta(hours=24), 30),
            ("a2 call bank", NOW - timedelta(hours=3), 30),
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
        await press(pilot, "b", shows=ReportsScreen)  # nothing to bill: no invoice question
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


async def test_time_sheet_marks_billed_entries_and_asks_before_changing_them(
    billed_store: Store,
) -> None:
    from vadesk.ui.screens.pickers import Confirm
    from vadesk.ui.screens.timesheet import EntryForm, TimesheetScreen

    with billed_store.write() as s:
        acme = next(c.id for c in list_clients(s) if c.name == "Acme Bakery")
        reports.mark_billed(
            s,
            acme,
            reports.month_period("2026-11"),
            "INV-3",
            reports.report_zone(billed_store.settings)[0],
            now=NOW,
        )
    async with make_app(billed_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        sheet = await press(pilot, "T", shows=TimesheetScreen)
        text = screen_text(pilot)
        assert text.count("billed INV-3") == 2  # Acme's two entries; Cedar's is not billed
        assert "€50.00" in text and "€25.00" in text  # amounts where a rate is set
        assert sheet.rows[0].client == "Acme Bakery"
        await press(pilot, "delete", shows=Confirm)
        assert "billed under invoice INV-3" in squashed(screen_text(pilot))
        await press(pilot, "n", shows=TimesheetScreen)
        assert len(sheet.rows) == 3
        await press(pilot, "e", shows=Confirm)
        await press(pilot, "y", shows=EntryForm)
        await press(pilot, "escape", shows=TimesheetScreen)
        await press(pilot, "delete", shows=Confirm)
        await press(pilot, "y", shows=TimesheetScreen)
        await wait_until(pilot, lambda: len(sheet.rows) == 2)
        await press(pilot, "down", "down", "delete", shows=TimesheetScreen)  # Cedar's: no question
        await wait_until(pilot, lambda: len(sheet.rows) == 1)
    with billed_store.read() as s:
        r = reports.client_report(
            s,
            acme,
            reports.month_period("2026-11"),
            reports.report_zone(billed_store.settings)[0],
            now=NOW,
        )
    assert [(c.deleted, c.invoice) for c in r.corrections] == [(True, "INV-3")]


async def test_timer_pane_shows_the_amount_next_to_the_hours(billed_store: Store) -> None:
    async with make_app(billed_store).run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        # a1 chase supplier is Acme's, at €50/h: the pane shows today's Acme time and amount.
        await pilot.press("space")
        await settle(pilot)
        text = squashed(screen_text(pilot))
        assert "Acme Bakery: today 0:00 €0.00" in text


async def test_an_invoice_number_is_shown_as_typed_never_as_markup(billed_store: Store) -> None:
    async with make_app(billed_store).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "R", shows=ReportsScreen)
        prompt = await press(pilot, "b", shows=TextPrompt)
        prompt.query_one(Input).value = "[/]INV[bold red"
        await press(pilot, "enter", shows=ReportsScreen)
        await wait_until(
            pilot, lambda: "Billed under [/]INV[bold red: 2 entries" in squashed(screen_text(pilot))
        )


async def test_the_month_shows_the_clients_turnaround_record(billed_store: Store) -> None:
    from vadesk.services.cards import complete_card, create_card

    with billed_store.write() as s:
        acme = next(c.id for c in list_clients(s) if c.name == "Acme Bakery")
        for title, made, took in (("quick", 30, 5), ("slow", 60, 30)):  # hours ago, hours taken
            card = create_card(
                s, title, client_id=acme, kind="admin", now=NOW - timedelta(hours=made)
            ).id
            complete_card(s, card, now=NOW - timedelta(hours=made - took))
    async with make_app(billed_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "R", shows=ReportsScreen)
        text = squashed(screen_text(pilot))
        # 5 h is within the 24 h promised for admin, 30 h is not; median (5 + 30) / 2 h.
        assert "Turnaround: 1 done on time, 1 late, median 17h 30m from creation to done." in text
        await press(pilot, "down", shows=ReportsScreen)
        assert "Turnaround: no cards done." in squashed(screen_text(pilot))
