"""The first frame of a current SQLite board comes before SQLAlchemy is even imported."""

from __future__ import annotations

import subprocess
import sys
import threading

from textual.widgets import Input, Select

from vadesk.config import Settings
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.handle import StoreHandle
from vadesk.services.lanes import lane_by_name
from vadesk.services.quick import quick_board
from vadesk.services.store import Store, open_store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.board import BoardScreen
from vadesk.ui.screens.card_editor import CardEditor

from .conftest import NOW, board_screen, selected_title, settle, wait_until
from .screen_text import screen_text, squashed


def test_the_board_screen_loads_without_sqlalchemy(ui_store: Store, sqlite_url: str) -> None:
    code = (
        "import sys\n"
        "from vadesk.services.quick import quick_board\n"
        "from vadesk.ui.app import VadeskApp\n"
        "import vadesk.ui.screens.board, vadesk.ui.widgets.lane_view\n"
        "from datetime import datetime, UTC\n"
        f"q = quick_board({sqlite_url!r}, 60, datetime.now(UTC))\n"
        "print(q is not None, 'sqlalchemy' in sys.modules, 'alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "False"]


def test_the_real_entry_point_reaches_the_app_without_sqlalchemy(
    ui_store: Store, sqlite_url: str
) -> None:
    """`vadesk --db URL` as a user starts it: nothing on the way to the first frame may pull
    in SQLAlchemy (a type-only import once did, and the first frame took 650 ms, not 380)."""
    code = (
        "import sys\n"
        "from vadesk.ui.app import VadeskApp\n"
        "def run(self, *a, **k):\n"
        "    print('sqlalchemy' in sys.modules, 'alembic' in sys.modules, self.quick is not None)\n"
        "    raise SystemExit(0)\n"
        "VadeskApp.run = run\n"
        "from vadesk.cli import main\n"
        f"sys.argv = ['vadesk', '--db', {sqlite_url!r}]\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False", "True"], out.stderr[-500:]


def test_quick_board_is_refused_for_other_urls_and_old_schemas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert quick_board("postgresql+psycopg://x@localhost/db", 10, NOW) is None
    assert quick_board(f"sqlite:///{tmp_path / 'missing.db'}", 10, NOW) is None


async def test_app_shows_quick_frame_then_works_normally(ui_store: Store, sqlite_url: str) -> None:
    quick = quick_board(sqlite_url, 60, NOW)
    assert quick is not None and [lane.count for lane in quick.lanes] == [2, 1, 3, 0, 0, 0]
    handle = StoreHandle(lambda: open_store(ui_store.settings, sqlite_url), ui_store.settings)
    app = VadeskApp(handle, clock=lambda: NOW, quick=quick)  # type: ignore[arg-type]
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert selected_title(pilot) == "a1 chase supplier"
            assert board_screen(pilot).overdue == 1
            await pilot.press("shift+down")
            await settle(pilot)
            with ui_store.read() as s:
                from vadesk.services.board_read import list_cards

                urgent = lane_by_name(s, "Urgent").id
                assert [c.title for c in list_cards(s, lane_id=urgent)] == [
                    "a2 call bank",
                    "a1 chase supplier",
                ]
    finally:
        handle.close()


async def test_keys_on_the_quick_frame_wait_for_the_data_they_need(sqlite_url: str) -> None:
    """Enter on the first frame, before the store is open, used to crash the editor."""
    settings = Settings(user="tester")
    store = open_store(settings, sqlite_url)
    with store.write() as s:
        client = add_client(s, "Acme Bakery", now=NOW)
        high = lane_by_name(s, "High").id
        create_card(s, "only card", lane_id=high, client_id=client.id, now=NOW)
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
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await pilot.pause()
            await pilot.press("l", "enter")  # as soon as the card shows
            await pilot.pause()
            assert isinstance(app.screen, BoardScreen)  # still opening: nothing yet
            shown = squashed(screen_text(pilot))
            assert "Opening the database: the card follows in a moment." in shown
            may_open.set()
            await wait_until(pilot, lambda: isinstance(app.screen, CardEditor), seconds=20)
            await settle(pilot)
            assert app.screen.query_one("#client", Select).value == client.id
            assert app.screen.query_one("#title", Input).value == "only card"
    finally:
        may_open.set()
        handle.close()
