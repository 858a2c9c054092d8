"""The board backs the database up in the background at start and tells its age in the help."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from textual.widgets import Static

from tests.ui.conftest import NOW, board_screen, clock, selected_title, settle, wait_until
from vadesk.config import Settings
from vadesk.services import backup as backups
from vadesk.services.cards import create_card
from vadesk.services.lanes import lane_by_name
from vadesk.services.store import Store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.help import HelpScreen

SIZE = (120, 36)


@pytest.fixture(autouse=True)
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vadesk.ui.app.BACKUP_DELAY", 0.05)


def note_on_help(app: VadeskApp) -> str:
    assert isinstance(app.screen, HelpScreen)
    return str(app.screen.query_one("#backup-note", Static).render())


async def test_a_first_start_makes_a_backup_and_the_help_shows_its_age(ui_store: Store) -> None:
    app = VadeskApp(ui_store, clock=clock, auto_backup=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.backup_note is not None)
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        folder = backups.folder_for(ui_store.settings)[0]
        made = backups.list_backups(folder, "vadesk", "db")
        assert [b.created for b in made] == [NOW]
        assert note_on_help(app) == f"Newest backup 0 s ago: {made[0].path.name}"


async def test_a_recent_backup_is_not_repeated_and_its_age_is_shown(ui_store: Store) -> None:
    earlier = NOW - timedelta(hours=3)
    backups.backup(ui_store.db, ui_store.settings, clock=lambda: earlier)
    app = VadeskApp(ui_store, clock=clock, auto_backup=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.backup_note is not None)
        await pilot.press("question_mark")
        await settle(pilot)
        assert note_on_help(app).startswith("Newest backup 3 h ago: ")
    folder = backups.folder_for(ui_store.settings)[0]
    assert [b.created for b in backups.list_backups(folder, "vadesk", "db")] == [earlier]


async def test_a_missing_backup_disk_is_said_on_the_help(ui_store: Store) -> None:
    ui_store.settings = Settings(user="tester", backup_dir="/nonexistent/usb")
    app = VadeskApp(ui_store, clock=clock, auto_backup=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.backup_note is not None)
        await pilot.press("question_mark")
        await settle(pilot)
        assert note_on_help(app).startswith(
            "No backup made at start: Backup folder /nonexistent/usb does not exist"
        )


async def test_without_auto_backup_the_help_has_no_backup_line(ui_store: Store) -> None:
    app = VadeskApp(ui_store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert not app.screen.query("#backup-note")
    assert backups.list_backups(backups.folder_for(ui_store.settings)[0], "vadesk", "db") == []


async def test_an_open_board_shows_a_restore_without_restart(ui_store: Store) -> None:
    made = backups.backup(ui_store.db, ui_store.settings)  # Urgent a1 a2, High b1, ...
    with ui_store.write() as s:
        for title in ("d1 added later", "d2 added later"):
            create_card(s, title, lane_id=lane_by_name(s, "Urgent").id)
    async with VadeskApp(ui_store, clock=clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)
        assert screen.lane_views()[0].count == 4
        prepared = backups.prepare_restore(str(ui_store.db.url), made.file.path)
        await asyncio.to_thread(backups.apply_restore, prepared, ui_store.settings)
        await wait_until(pilot, lambda: screen.lane_views()[0].count == 2)
        await settle(pilot)
        assert [view.count for view in screen.lane_views()] == [2, 1, 3, 0, 0, 0]
        await pilot.press("down")
        assert selected_title(pilot) == "a2 call bank"
