"""The time sheet: add a forgotten entry with validation, edit, delete and undo."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vadesk.services import board, timer
from vadesk.services.store import Store
from vadesk.ui.screens.timesheet import EntryForm, TimesheetScreen

from .conftest import NOW, make_app, settle

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
        card = board.list_cards(s)[0].id
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
