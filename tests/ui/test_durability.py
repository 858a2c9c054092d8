"""What the board showed is saved: the real app in a pseudo-terminal, ended right after keys.

Each test starts `vadesk --db URL`, waits (generously) for the first cards, keys moves or timer
starts, and ends the app at once: `q`, a closed terminal (SIGHUP), SIGTERM or SIGKILL. Then it
reads the database.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers.terminal import ESCAPES, SHIFT_RIGHT, VADESK, TerminalApp
from vadesk.config import Settings
from vadesk.db.models import CardActivity, TimeEntry
from vadesk.services.board_read import list_cards
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import lane_by_name, list_lanes
from vadesk.services.store import Store, open_store

pytestmark = pytest.mark.slow

FIRST_FRAME = 120.0  # seconds: a loaded 2-core machine may take long to start Python
LEAVE_ALT_SCREEN = b"\x1b[?1049l"


@pytest.fixture
def board_url(db_url: str) -> str:
    """One client and six cards in Urgent ("card 1" on top); the other lanes empty."""
    store = open_store(Settings(user="tester"), db_url)
    with store.write() as s:
        client = add_client(s, "Acme Bakery")
        urgent = lane_by_name(s, "Urgent").id
        for i in range(1, 7):
            create_card(s, f"card {i}", lane_id=urgent, client_id=client.id)
    store.close()
    return db_url


@pytest.fixture
def sqlite_board(sqlite_url: str) -> str:
    store = open_store(Settings(user="tester"), sqlite_url)
    with store.write() as s:
        client = add_client(s, "Acme Bakery")
        urgent = lane_by_name(s, "Urgent").id
        for i in range(1, 7):
            create_card(s, f"card {i}", lane_id=urgent, client_id=client.id)
    store.close()
    return sqlite_url


def start(url: str, *extra: str) -> TerminalApp:
    app = TerminalApp([*VADESK, "--db", url, *extra])
    app.wait_for_text("card 1", timeout=FIRST_FRAME)
    return app


@pytest.fixture
def terminals() -> Iterator[list[TerminalApp]]:
    """Started apps, killed at the end whatever happened."""
    apps: list[TerminalApp] = []
    yield apps
    for app in apps:
        app.close()


def reading(url: str) -> Store:
    return open_store(Settings(user="tester"), url)


def moves_saved(url: str) -> int:
    store = reading(url)
    try:
        with store.read() as s:
            stmt = select(func.count(CardActivity.id)).where(CardActivity.kind == "moved")
            return int(s.scalar(stmt) or 0)
    finally:
        store.close()


def lane_of(url: str, title: str) -> str:
    store = reading(url)
    try:
        with store.read() as s:
            card = next(c for c in list_cards(s) if c.title == title)
            return next(lane.name for lane in list_lanes(s) if lane.id == card.lane_id)
    finally:
        store.close()


def timed_cards(url: str) -> list[str]:
    store = reading(url)
    try:
        with store.read() as s:
            ids = set(s.scalars(select(TimeEntry.card_id)))
            return sorted(c.title for c in list_cards(s) if c.id in ids)
    finally:
        store.close()


TIMER_STARTS = [b" ", b"j", b" ", b"j", b" "]  # starts on card 1, 2 and 3


def test_q_right_after_moves_saves_every_move(board_url: str, terminals: list[TerminalApp]) -> None:
    app = start(board_url)
    terminals.append(app)
    app.send(SHIFT_RIGHT, SHIFT_RIGHT, SHIFT_RIGHT, SHIFT_RIGHT, b"q")  # one burst
    assert app.wait(60) == 0
    assert moves_saved(board_url) == 4
    assert lane_of(board_url, "card 1") == "Waiting on client"
    assert LEAVE_ALT_SCREEN in app.output  # the terminal was given back


def test_q_right_after_timer_starts_saves_every_start(
    board_url: str, terminals: list[TerminalApp]
) -> None:
    app = start(board_url)
    terminals.append(app)
    app.send(*TIMER_STARTS, b"q")
    assert app.wait(60) == 0
    assert timed_cards(board_url) == ["card 1", "card 2", "card 3"]


def key_and_see(app: TerminalApp, keys: str) -> None:
    """Key moves or timer starts and wait until the screen shows the last of them."""
    if keys == "moves":
        app.send(SHIFT_RIGHT, SHIFT_RIGHT)
        app.wait_for_text("Normal (1/1)", timeout=30)  # the cursor's lane, card 1 in it
    else:
        app.send(*TIMER_STARTS)
        app.wait_for_text("Timer started: card 3", timeout=30)


def check_saved(url: str, keys: str) -> None:
    if keys == "moves":
        assert moves_saved(url) == 2
        assert lane_of(url, "card 1") == "Normal"
    else:
        assert timed_cards(url) == ["card 1", "card 2", "card 3"]


@pytest.mark.parametrize("keys", ["moves", "timer starts"])
def test_closing_the_terminal_right_after_keys_saves_them(
    sqlite_board: str, terminals: list[TerminalApp], keys: str
) -> None:
    app = start(sqlite_board)
    terminals.append(app)
    key_and_see(app, keys)
    app.hang_up()  # the kernel sends SIGHUP; the terminal is gone for good
    assert app.wait(60) == 128 + signal.SIGHUP
    check_saved(sqlite_board, keys)


@pytest.mark.parametrize("keys", ["moves", "timer starts"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "kill-HUP"])
def test_a_signal_right_after_keys_saves_them_and_restores_the_terminal(
    sqlite_board: str, terminals: list[TerminalApp], keys: str, signum: int
) -> None:
    """SIGTERM, or a SIGHUP sent by `kill` while the terminal is still there."""
    app = start(sqlite_board)
    terminals.append(app)
    key_and_see(app, keys)
    app.kill(signum)
    assert app.wait(60) == 128 + signum
    check_saved(sqlite_board, keys)
    assert LEAVE_ALT_SCREEN in app.output


def test_sigkill_loses_at_most_the_last_keys_write(
    sqlite_board: str, terminals: list[TerminalApp]
) -> None:
    app = start(sqlite_board)
    terminals.append(app)
    # The board is live (the timer pane has read the store): writes no longer wait for the
    # database to open. At a person's pace each write is in before the next key comes.
    app.wait_for_text("No timer running", timeout=FIRST_FRAME)
    app.send(SHIFT_RIGHT, SHIFT_RIGHT, SHIFT_RIGHT, SHIFT_RIGHT, gap=0.3)
    time.sleep(0.005)
    app.kill(signal.SIGKILL)
    assert app.wait(60) == -signal.SIGKILL
    assert moves_saved(sqlite_board) >= 3
    assert lane_of(sqlite_board, "card 1") in ("Low", "Waiting on client")


CRASH_ON_HELP = (
    "import sys\n"
    "from vadesk.ui.screens.board import BoardScreen\n"
    "def crash(self):\n"
    "    secret = 'hunter2-local'\n"
    "    raise RuntimeError('injected crash')\n"
    "BoardScreen.action_help = crash\n"
    "from vadesk.cli import main\n"
    "sys.argv = ['vadesk', *sys.argv[1:]]\n"
    "main()\n"
)


def test_a_crash_exits_non_zero_restores_the_terminal_and_writes_a_report(
    sqlite_board: str, terminals: list[TerminalApp], isolated_paths: Path
) -> None:
    app = TerminalApp([sys.executable, "-c", CRASH_ON_HELP, "--db", sqlite_board])
    terminals.append(app)
    app.wait_for_text("card 1", timeout=FIRST_FRAME)
    app.send(SHIFT_RIGHT)  # a write the user saw, before the crash
    app.send(b"?")
    assert app.wait(60) == 1
    output = app.text()
    assert "vadesk stopped on an unexpected error (RuntimeError)" in output
    assert LEAVE_ALT_SCREEN in app.output
    reports = list(isolated_paths.rglob("crash-*.txt"))
    assert len(reports) == 1
    assert str(reports[0]) in output.replace("\r\n", "").replace("\n", "")
    report = reports[0].read_text()
    assert "RuntimeError: injected crash" in report
    assert "hunter2-local" not in report  # no local variables
    assert "hunter2-local" not in output
    assert stat.S_IMODE(os.stat(reports[0]).st_mode) == 0o600
    assert moves_saved(sqlite_board) == 1


def test_enter_on_the_first_frame_opens_the_card_once_its_data_is_there(
    sqlite_url: str, terminals: list[TerminalApp]
) -> None:
    store = open_store(Settings(user="tester"), sqlite_url)
    with store.write() as s:
        client = add_client(s, "Acme Bakery")
        create_card(s, "only card", lane_id=lane_by_name(s, "High").id, client_id=client.id)
    store.close()
    app = TerminalApp([*VADESK, "--db", sqlite_url])
    terminals.append(app)
    app.wait_for_text("only card", timeout=FIRST_FRAME)
    app.send(b"l", b"\r")  # as soon as the card shows
    app.wait_for_text("Card #1", timeout=30)
    assert app.poll() is None
    app.send(b"\x1b")
    time.sleep(0.5)
    app.send(b"q")
    assert app.wait(60) == 0


def test_what_cannot_be_saved_in_time_is_named_after_the_terminal_is_restored(
    sqlite_board: str, terminals: list[TerminalApp]
) -> None:
    app = start(sqlite_board)
    terminals.append(app)
    app.wait_for_text("No timer running", timeout=FIRST_FRAME)
    blocker = sqlite3.connect(sqlite_board.removeprefix("sqlite:///"), isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        app.send(SHIFT_RIGHT)
        app.wait_for_text("High (1/1)", timeout=30)
        started = time.monotonic()
        app.send(b"q")
        assert app.wait(60) == 0
        waited = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()
    assert 4 < waited < 30  # the bounded wait (5 s), not the 10 s busy timeout or forever
    output = app.output
    restored = output.rindex(LEAVE_ALT_SCREEN)
    after = ESCAPES.sub(b"", output[restored:]).decode()
    assert "1 change(s) shown on the board may not have been saved" in after
    assert "move: card 1" in after
    assert moves_saved(sqlite_board) == 0
