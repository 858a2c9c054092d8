"""The time sheet: add a forgotten entry with validation, edit, delete and undo."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Button, Input

from vadesk.services import timer
from vadesk.services.board_read import list_cards
from vadesk.services.store import Store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.pickers import Confirm
from vadesk.ui.screens.timesheet import EntryForm, TimesheetScreen

from .conftest import NOW, make_app, press, settle, wait_until
from .screen_text import screen_text

SIZE = (110, 30)


@pytest.fixture(autouse=True)
def _utc(utc_zone: None) -> None:
    """Times on screen in UTC, whatever the machine's zone."""


def entries(store: Store) -> list[timer.EntryRow]:
    with store.read() as s:
        return timer.entries_between(
            s, store.user_id, NOW - timedelta(days=7), NOW + timedelta(days=1)
        )


async def fill(pilot, start: str, end: str) -> None:  # type: ignore[no-untyped-def]
    form = pilot.app.screen
    assert isinstance(form, EntryForm)
    form.query_one("#entry-start").value = start
    form.query_one("#entry-end").value = end
    form.query_one("#entry-note").focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_add_a_forgotten_entry_with_validation(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TimesheetScreen)
        await pilot.press("a")
        await settle(pilot)
        await fill(pilot, "2026-11-24 09:00", "2026-11-24 08:00")  # end before start
        assert isinstance(pilot.app.screen, EntryForm)
        assert "End must be after start" in str(pilot.app.screen.query_one("#entry-error").render())
        await fill(pilot, "2026-11-24 08:00", "2026-11-24 11:00")  # ends in the future
        assert "future" in str(pilot.app.screen.query_one("#entry-error").render())
        await fill(pilot, "2026-11-24 07:00", "2026-11-24 08:15")
        assert isinstance(pilot.app.screen, TimesheetScreen)
        rows = entries(ui_store)
        assert [(r.card_title, r.seconds(NOW)) for r in rows] == [("a1 chase supplier", 4500)]
        table = pilot.app.screen.query_one("DataTable")
        assert table.row_count == 1  # type: ignore[attr-defined]
        assert "1:15" in str(pilot.app.screen.query_one("#sheet-title").render())


async def test_edit_flags_overlaps_and_delete_can_be_undone(ui_store: Store) -> None:
    with ui_store.write() as s:
        card = list_cards(s)[0].id
        timer.add_entry(
            s, ui_store.user_id, card, NOW - timedelta(hours=3), NOW - timedelta(hours=2), now=NOW
        )
        timer.add_entry(
            s,
            ui_store.user_id,
            card,
            NOW - timedelta(hours=1),
            NOW - timedelta(minutes=30),
            now=NOW,
        )
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        await pilot.press("enter")  # edit the first entry: stretch it over the second
        await settle(pilot)
        await fill(pilot, "2026-11-24 06:30", "2026-11-24 08:45")
        assert any("overlaps entry" in n.message for n in pilot.app._notifications)
        assert entries(ui_store)[0].seconds(NOW) == 135 * 60
        await pilot.press("down", "delete")
        await settle(pilot)
        assert len(entries(ui_store)) == 1
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert len(entries(ui_store)) == 2


def sheet_rows(pilot) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = pilot.app.screen.query_one("DataTable")
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def column_labels(pilot) -> list[str]:  # type: ignore[no-untyped-def]
    table = pilot.app.screen.query_one("DataTable")
    return [str(column.label) for column in table.ordered_columns]


async def test_edited_entries_that_overlap_are_marked_on_the_sheet(ui_store: Store) -> None:
    with ui_store.write() as s:
        card = list_cards(s)[0].id
        for start, end in ((3, 2), (1, 0.5), (0.25, 0.1)):
            timer.add_entry(
                s,
                ui_store.user_id,
                card,
                NOW - timedelta(hours=start),
                NOW - timedelta(hours=end),
                now=NOW,
            )
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "T", shows=TimesheetScreen)
        assert not any("overlap" in cell for row in sheet_rows(pilot) for cell in row)
        await press(pilot, "enter", shows=EntryForm)  # the first: stretch it over the second
        await fill(pilot, "2026-11-24 06:30", "2026-11-24 08:45")
        marked = ["overlap" in row[3] for row in sheet_rows(pilot)]
        assert marked == [True, True, False]
        assert "2 overlapping" in str(pilot.app.screen.query_one("#sheet-title").render())


async def test_a_running_entry_counts_up_while_the_sheet_is_open(ui_store: Store) -> None:
    class Clock:
        now = NOW

        def __call__(self) -> datetime:
            return self.now

    clock = Clock()
    with ui_store.write() as s:
        card = list_cards(s)[0].id
        timer.start(s, ui_store.user_id, card, now=NOW - timedelta(minutes=10))
    async with VadeskApp(ui_store, clock=clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "T", shows=TimesheetScreen)
        assert sheet_rows(pilot)[0][:4] == ["Tue 24 Nov (0:10)", "09:20", "running", "0:10"]
        clock.now = NOW + timedelta(minutes=5)
        await wait_until(pilot, lambda: sheet_rows(pilot)[0][3] == "0:15")
        assert sheet_rows(pilot)[0][0] == "Tue 24 Nov (0:15)"
        assert "0:15" in str(pilot.app.screen.query_one("#sheet-title").render())


async def test_the_add_form_shows_save_at_36_rows_and_ctrl_s_saves(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "T", shows=TimesheetScreen)
        form = await press(pilot, "a", shows=EntryForm)
        save = form.query_one("#entry-save", Button)
        assert pilot.app.screen.region.contains_region(save.region) and save.region.height > 0
        form.query_one("#entry-start", Input).value = "2026-11-24 07:00"
        form.query_one("#entry-end", Input).value = "2026-11-24 07:45"
        await press(pilot, "ctrl+s", shows=TimesheetScreen)
    assert [r.seconds(NOW) for r in entries(ui_store)] == [45 * 60]


async def test_escape_on_a_changed_entry_form_asks_first(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "T", shows=TimesheetScreen)
        await press(pilot, "a", shows=EntryForm)
        await press(pilot, "escape", shows=TimesheetScreen)  # untouched: closes at once
        form = await press(pilot, "a", shows=EntryForm)
        form.query_one("#entry-note", Input).focus()
        await pilot.press(*"call with Acme")
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "n", shows=EntryForm)
        assert form.query_one("#entry-note", Input).value == "call with Acme"
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "y", shows=TimesheetScreen)
    assert entries(ui_store) == []


async def test_days_week_and_typed_times_all_follow_the_timezone_setting(
    ui_store: Store,
) -> None:
    # Machine in UTC, setting Pacific/Auckland (UTC+13 in November): Sunday 20:00 UTC is
    # Monday 09:00 there, inside the week that starts Monday 23 Nov in Auckland.
    ui_store.settings = replace(ui_store.settings, timezone="Pacific/Auckland")
    with ui_store.write() as s:
        card = list_cards(s)[0].id
        start = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
        timer.add_entry(s, ui_store.user_id, card, start, start + timedelta(hours=2), now=NOW)
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "T", shows=TimesheetScreen)
        assert sheet_rows(pilot)[0][:4] == ["Mon 23 Nov (2:00)", "09:00", "11:00", "2:00"]
        title = str(pilot.app.screen.query_one("#sheet-title").render())
        assert "week of Mon 23 Nov 2026 — 2:00" in title
        form = await press(pilot, "enter", shows=EntryForm)
        assert form.query_one("#entry-start", Input).value == "2026-11-23 09:00"
        form.query_one("#entry-end", Input).value = "2026-11-23 10:30"
        await press(pilot, "ctrl+s", shows=TimesheetScreen)
    (row,) = entries(ui_store)
    assert row.ended_at == datetime(2026, 11, 22, 21, 30, tzinfo=UTC)


async def test_a_40_column_terminal_keeps_the_card_column(ui_store: Store) -> None:
    with ui_store.write() as s:
        card = list_cards(s)[0].id
        timer.add_entry(
            s, ui_store.user_id, card, NOW - timedelta(hours=2), NOW - timedelta(hours=1), now=NOW
        )
    async with make_app(ui_store).run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        await press(pilot, "T", shows=TimesheetScreen)
        assert column_labels(pilot) == ["Day", "Time", "Card"]
        text = screen_text(pilot)
        assert "#1 a1 chase" in text
        await pilot.resize_terminal(110, 30)
        await settle(pilot)
        assert column_labels(pilot) == ["Day", "Start", "End", "Time", "Card", "Client", "Note"]


async def test_escape_on_a_form_reopened_after_a_refused_save_asks(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "T", shows=TimesheetScreen)
        await press(pilot, "a", shows=EntryForm)
        await fill(pilot, "2026-11-24 09:00", "2026-11-24 08:00")  # refused: end before start
        form = pilot.app.screen
        assert isinstance(form, EntryForm)
        await press(pilot, "escape", shows=Confirm)  # untouched since, yet it is typed work
        await press(pilot, "n", shows=EntryForm)
        assert form.query_one("#entry-start", Input).value == "2026-11-24 09:00"


async def test_amounts_agree_with_the_report_package_time_says_package(ui_store: Store) -> None:
    from vadesk.db.models import TimeEntry
    from vadesk.services import billing, reports
    from vadesk.services.clients import list_clients

    with ui_store.write() as s:
        clients = {c.name: c.id for c in list_clients(s)}
        acme = clients["Acme Bakery"]
        billing.set_rules(s, acme, default_rate_minor=6000)  # €60/h
        timer.add_package(s, acme, 1, 5000, purchased_at=NOW - timedelta(days=3))
        cards = {c.title: c.id for c in list_cards(s)}
        made = {}
        for name, card, hours_ago, minutes in (
            ("in package", "a1 chase supplier", 30, 45),
            ("package runs out", "a1 chase supplier", 28, 30),
            ("charged", "b1 design post", 26, 60),
            ("not billable", "c2 order toner", 5, 30),
            ("no rate", "a2 call bank", 3, 30),
        ):
            start = NOW - timedelta(hours=hours_ago)
            made[name] = timer.add_entry(
                s, ui_store.user_id, cards[card], start, start + timedelta(minutes=minutes), now=NOW
            )[0].id
        s.get(TimeEntry, made["not billable"]).billable = False  # type: ignore[union-attr]
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        sheet = await press(pilot, "T", shows=TimesheetScreen)
        await wait_until(pilot, lambda: len(sheet.rows) == 5)
        shown = {
            name: sheet.amounts[entry].text("en_US") if entry in sheet.amounts else None
            for name, entry in made.items()
        }
        assert shown == {
            "in package": "package",  # prepaid: costs nothing more on the invoice
            "package runs out": "€15.00 + package",  # 15 min left in it, 15 min at €60/h
            "charged": "€60.00",
            "not billable": "not billable",
            "no rate": None,  # Cedar Law has no rate: no amount at all
        }
        text = screen_text(pilot)
        for words in ("0:45 package", "0:30 €15.00 + package", "1:00 €60.00", "not billable"):
            assert words in text
        assert "€0.00" not in text
    with ui_store.read() as s:
        month = reports.client_report(s, acme, reports.month_period("2026-11"), sheet.tz, now=NOW)
    assert [r.amount_minor for r in month.rows] == [0, 1500, 6000, 0]
    assert not month.rows[-1].billable
