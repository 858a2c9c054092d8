"""Whatever bytes the database holds, no escape sequence reaches the terminal.

Another tool, an import or a teammate on a shared PostgreSQL board can write anything into a
title, a lane or a client name. Each test writes hostile values straight into the stored text
columns (SQL, past the services that clean input), opens screens, and reads every byte the
app hands to its terminal driver: Textual's own cursor and colour sequences are all it may
hold. The tmux test does the same with the real program in a real terminal emulator.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select, update
from textual.command import CommandPalette
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot

from vadesk.config import Settings
from vadesk.db.models import (
    Card,
    CardActivity,
    ChecklistItem,
    Client,
    ClientAddress,
    HourPackage,
    Lane,
    TimeEntry,
    User,
)
from vadesk.domain import vault_crypto as vc
from vadesk.services import timer, vault
from vadesk.services.board_steps import Step
from vadesk.services.cards import create_card, edit_card, get_card
from vadesk.services.checklist import add_checklist_item, add_comment
from vadesk.services.clients import add_client
from vadesk.services.lanes import list_lanes
from vadesk.services.store import Store, open_store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.card_editor import CardEditor
from vadesk.ui.screens.help import HelpScreen
from vadesk.ui.screens.pickers import AbsencePrompt, ClientPicker, Confirm
from vadesk.ui.screens.timesheet import EntryForm, TimesheetScreen
from vadesk.ui.screens.vault import ItemForm, PassphraseForm, VaultScreen

from .conftest import NOW, board_screen, clock, press, settle, wait_until

SIZE = (120, 36)
TALL = (120, 90)
"""The card editor with checklist, vault items, comment box and activity all in view."""
PASS = "plum orchard kettle violin"

# Every trick at once: clear screen, window title by OSC 0 (BEL) and OSC 2 (ST), a hyperlink,
# a clipboard write, 8-bit CSI and OSC, a bidi override, NUL, and markup that would fail.
PAYLOAD = (
    "\x1b[2J"
    "\x1b]0;PWN\x07"
    "\x1b]2;PWN\x1b\\"
    "\x1b]8;;https://pwn.example/\x1b\\link\x1b]8;;\x1b\\"
    "\x1b]52;c;UFdONTI=\x07"
    "\x9b2J"
    "\x9d0;PWN\x9c"
    "\u202e"
    "\x00"
    " [/]"
)
SHOWN = "link [/]"
"""What is left of PAYLOAD on screen."""


def hostile(mark: str, limit: int = 500) -> str:
    """A visible marker, then the payload (cut to the column's length: a cut escape too)."""
    return f"{mark} {PAYLOAD}"[:limit]


# Textual's own output: colours, cursor moves, synchronised update, pointer shape (OSC 22).
TEXTUAL_OWN = re.compile(
    r"\x1b\[[0-9;:]*m|\x1b\[\d+;\d+H|\x1b\[\d*[ABCD]|\x1b\[\?\d+[hl]|\x1b\]22;[a-z-]*\x07"
)
# After Textual's own sequences: no ESC, no C0 control but newline, no C1, no bidi override.
FORBIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def assert_terminal_safe(written: str) -> str:
    """Fail on any byte of a stored escape; returns the text left (for visible markers)."""
    rest = TEXTUAL_OWN.sub("", written)
    bad = FORBIDDEN.search(rest)
    if bad is not None:
        around = rest[max(0, bad.start() - 60) : bad.end() + 60]
        pytest.fail(f"raw control {bad.group()!r} on the terminal: {around!r}")
    for leak in ("PWN", "pwn.example", "UFdONTI"):
        assert leak not in rest, f"escape payload {leak!r} reached the terminal"
    assert "\x1b[2J" not in written
    return rest


@dataclass(frozen=True)
class Seeded:
    card_id: int
    client: str
    """The client's stored (hostile) name."""


def seed(store: Store, *, away: bool = False) -> Seeded:
    """A client, a card with checklist, comment and time, then hostile text in every column."""
    user = store.user_id
    # PostgreSQL refuses NUL in text, so nobody can store one there; SQLite takes it.
    payload = PAYLOAD if store.is_sqlite else PAYLOAD.replace("\x00", "")

    def h(mark: str, limit: int = 500) -> str:
        return f"{mark} {payload}"[:limit]

    with store.write() as s:
        acme = add_client(s, "Acme", emails=("acme@in.example.com",), now=NOW)
        lanes = list_lanes(s)
        card = create_card(
            s,
            "card",
            lane_id=lanes[0].id,
            client_id=acme.id,
            kind="admin",
            due_at=NOW + timedelta(hours=3),
            user_id=user,
            now=NOW - timedelta(days=1),
        )
        add_checklist_item(s, card.id, "item", user_id=user, now=NOW)
        add_comment(s, card.id, "comment", user_id=user, now=NOW)
        edit_card(s, card.id, description="plain", user_id=user, now=NOW)
        timer.add_entry(
            s, user, card.id, NOW - timedelta(hours=3), NOW - timedelta(hours=2), note="n", now=NOW
        )
        timer.start(s, user, card.id, now=NOW - timedelta(minutes=10))
        timer.add_package(s, acme.id, 10, 50000, purchased_at=NOW - timedelta(days=2))

    client_name = h("Xclient", 200)
    with store.write() as s:
        s.execute(update(User).values(name=h("Xuser", 120)))
        s.execute(update(Client).values(name=client_name, colour=h("c", 20), currency="\x9b2J"))
        s.execute(update(ClientAddress).values(address=h("Xaddr", 320)))
        s.execute(update(HourPackage).values(note=h("Xpackage")))
        for i, lane_id in enumerate(s.scalars(select(Lane.id).order_by(Lane.position))):
            s.execute(update(Lane).where(Lane.id == lane_id).values(name=h(f"Xlane{i}", 100)))
        s.execute(
            update(Card).values(
                title=h("Xtitle"),
                description=f"Xdesc line one {payload}\nline two \x1b]2;PWN\x07",
                labels=[h("Xlabel", 40), payload],
                message_id=h("<Xmsg@example.com>"),
            )
        )
        s.execute(update(ChecklistItem).values(text=h("Xitem")))
        s.execute(
            update(CardActivity)
            .where(CardActivity.kind == "commented")
            .values(detail={"text": h("Xcomment")})
        )
        s.execute(
            update(CardActivity)
            .where(CardActivity.kind == "edited")
            .values(detail={"fields": [h("Xfield")]})
        )
        # Shapes another writer might leave: a non-list "fields", a list as detail, a kind.
        for kind, detail in (
            ("edited", {"fields": h("Xodd")}),
            ("edited", [payload]),
            (h("Xkind", 20), {"checklist": payload}),
        ):
            s.execute(
                insert(CardActivity).values(
                    card_id=card.id, user_id=user, at=NOW, kind=kind, detail=detail
                )
            )
        s.execute(update(TimeEntry).values(note=h("Xnote")))
        if away:  # the timer ran unattended: the absence prompt names the card
            s.execute(
                update(TimeEntry)
                .where(TimeEntry.ended_at.is_(None))
                .values(started_at=NOW - timedelta(hours=2), seen_at=NOW - timedelta(hours=1))
            )
    return Seeded(card.id, client_name)


def capturing(app: VadeskApp) -> list[str]:
    """Make ``run_test(headless=False)`` keep every string the app writes to its terminal."""
    written: list[str] = []

    class Capture(HeadlessDriver):
        @property
        def is_headless(self) -> bool:
            return False  # so the app renders frames and writes them, as to a real terminal

        def write(self, data: str) -> None:
            written.append(data)

        def flush(self) -> None:
            pass

    app.driver_class = Capture
    return written


def run(app: VadeskApp, size: tuple[int, int] = SIZE) -> Any:
    """``run_test`` writing frames to the capturing driver, with notifications shown."""
    return app.run_test(headless=False, size=size, notifications=True)


@pytest.fixture
def hostile_store(db_url: str) -> Iterator[tuple[Store, Seeded]]:
    store = open_store(Settings(user="tester", vault_kdf="interactive"), db_url)
    try:
        yield store, seed(store)
    finally:
        store.close()


@pytest.fixture
def hostile_url(hostile_store: tuple[Store, Seeded], db_url: str) -> str:
    """The URL of a database seeded with hostile text (closed here: another process opens it)."""
    hostile_store[0].close()
    return db_url


async def started(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await wait_until(pilot, lambda: board_screen(pilot).selected is not None)
    await settle(pilot)


def shown(written: list[str]) -> str:
    return assert_terminal_safe("".join(written))


async def test_board_and_card_editor_show_every_stored_field_cleaned(
    hostile_store: tuple[Store, Seeded],
) -> None:
    store, _ = hostile_store
    app = VadeskApp(store, clock=clock)
    written = capturing(app)
    async with run(app, TALL) as pilot:
        await started(pilot)
        board_text = shown(written)
        # Lane header, card tile (title, client), timer pane and header: cleaned, not hidden.
        for mark in ("Xlane0 link", "Xtitle link", "Xclient link"):
            assert mark in board_text
        written.clear()
        editor = await press(pilot, "enter", shows=CardEditor)
        await wait_until(pilot, lambda: editor.detail is not None)
        await settle(pilot)
        editor.query_one("#fields").scroll_end(animate=False)  # the activity log, at the end
        await settle(pilot)
        editor_text = shown(written)
        for mark in ("Xtitle link", "Xdesc line one link", "Xitem link", "Xcomment link"):
            assert mark in editor_text
        assert "edited Xfield link" in editor_text
        assert "09:30  Xkind  " in editor_text  # cut off mid-escape by its column: all of it goes
        written.clear()
        # Tab through every field: each focus change repaints it.
        await pilot.press(*["tab"] * 12)
        await settle(pilot)
        shown(written)


async def test_saving_a_card_with_hostile_text_writes_the_cleaned_text(
    hostile_store: tuple[Store, Seeded],
) -> None:
    store, seeded = hostile_store
    app = VadeskApp(store, clock=clock)
    written = capturing(app)
    async with run(app) as pilot:
        await started(pilot)
        editor = await press(pilot, "enter", shows=CardEditor)
        await wait_until(pilot, lambda: editor.detail is not None)
        await pilot.press("end", "!", "ctrl+s")
        await settle(pilot)
        shown(written)
    with store.read() as s:
        card = get_card(s, seeded.card_id)
    assert card.title == f"Xtitle {SHOWN}!"
    assert card.description == f"Xdesc line one {SHOWN}\nline two"


async def test_help_client_picker_and_filter_header_show_names_cleaned(
    hostile_store: tuple[Store, Seeded],
) -> None:
    store, _ = hostile_store
    app = VadeskApp(store, clock=clock)
    written = capturing(app)
    async with run(app) as pilot:
        await started(pilot)
        await press(pilot, "question_mark", shows=HelpScreen)
        await press(pilot, "escape", "c", shows=ClientPicker)
        assert "Xclient link" in shown(written)
        written.clear()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "client: Xclient link" in shown(written)


@pytest.mark.parametrize(
    ("query", "mark"),
    [("Xtitle", "go to card: Xtitle link"), ("client X", "filter: client Xclient link")],
)
async def test_the_command_palette_shows_stored_names_cleaned(
    hostile_store: tuple[Store, Seeded], query: str, mark: str
) -> None:
    store, _ = hostile_store
    app = VadeskApp(store, clock=clock)
    written = capturing(app)
    async with run(app) as pilot:
        await started(pilot)
        await press(pilot, "ctrl+p", shows=CommandPalette)
        written.clear()
        await pilot.press(*query)
        await wait_until(pilot, lambda: mark in TEXTUAL_OWN.sub("", "".join(written)))
        await pilot.pause(0.3)
        shown(written)
        written.clear()
        await pilot.press("escape", "ctrl+p", *"lane: rename")
        await wait_until(pilot, lambda: "Xlane0 link" in TEXTUAL_OWN.sub("", "".join(written)))
        shown(written)


async def test_notifications_quote_card_titles_cleaned(
    hostile_store: tuple[Store, Seeded],
) -> None:
    store, _ = hostile_store
    app = VadeskApp(store, clock=clock)
    written = capturing(app)
    async with run(app) as pilot:
        await started(pilot)
        written.clear()
        await pilot.press("space")  # stops the running timer: "Timer stopped: <title>"
        await settle(pilot)
        await wait_until(pilot, lambda: "Timer stopped: Xtitle link" in shown(written))
        written.clear()
        await pilot.press("d")  # "Done: <title>"
        await settle(pilot)
        await wait_until(pilot, lambda: "Done: Xtitle link" in shown(written))
        # A failed write quotes a lane name: removing a lane that holds cards.
        written.clear()
        screen = board_screen(pilot)
        lane_id = screen.lanes[-1].id
        screen.lane_op("remove lane", Step("remove_lane", 0, {"lane_id": lane_id}))
        await settle(pilot)
        await wait_until(pilot, lambda: "still holds" in shown(written))


async def test_absence_prompt_names_the_card_cleaned(db_url: str) -> None:
    store = open_store(Settings(user="tester"), db_url)
    try:
        seed(store, away=True)
        app = VadeskApp(store, clock=clock)
        written = capturing(app)
        async with run(app) as pilot:
            await settle(pilot)
            await wait_until(pilot, lambda: isinstance(app.screen, AbsencePrompt))
            await settle(pilot)
            assert "Xtitle link" in shown(written)
    finally:
        store.close()


async def test_time_sheet_and_entry_form_show_notes_and_titles_cleaned(
    hostile_store: tuple[Store, Seeded],
) -> None:
    store, _ = hostile_store
    app = VadeskApp(store, clock=clock)
    written = capturing(app)
    async with run(app) as pilot:
        await started(pilot)
        sheet = await press(pilot, "T", shows=TimesheetScreen)
        await wait_until(pilot, lambda: bool(sheet.rows))
        await settle(pilot)
        assert "Xnote link" in shown(written)
        written.clear()
        await press(pilot, "e", shows=EntryForm)
        assert "Xnote link" in shown(written)


async def test_vault_screen_and_item_form_show_item_names_cleaned(
    hostile_store: tuple[Store, Seeded],
) -> None:
    store, seeded = hostile_store
    with store.write() as s:
        opened = vault.init(s, vc.Secret(PASS), vc.KdfParams.interactive())
        vault.save_item(
            s,
            opened,
            {
                "kind": "login",
                "client": seeded.client,
                "name": hostile("Xitem name"),
                "url": hostile("Xurl"),
                "username": hostile("Xusername"),
                "password": "s3cret",
                "notes": hostile("Xnotes"),
                "cards": f"{seeded.card_id}",
            },
        )
        opened.lock()
    app = VadeskApp(store, clock=clock)
    written = capturing(app)
    async with run(app, TALL) as pilot:
        await started(pilot)
        await press(pilot, "v", shows=PassphraseForm)
        await pilot.press(*PASS, "enter")
        await settle(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, VaultScreen))
        await settle(pilot)
        vault_text = shown(written)
        for mark in ("Xitem name link", "Xusername link", "Xclient link"):
            assert mark in vault_text
        written.clear()
        await press(pilot, "e", shows=ItemForm)
        assert "Xitem name link" in shown(written)
        written.clear()
        await press(pilot, "escape", "delete", shows=Confirm)
        assert "Xitem name link" in shown(written)
        await press(pilot, "n", "escape", shows=type(board_screen(pilot)))
        # The card editor lists the card's vault items by name.
        written.clear()
        editor = await press(pilot, "enter", shows=CardEditor)
        await wait_until(pilot, lambda: editor.detail is not None)
        editor.query_one("#vault-items").scroll_visible(animate=False)
        await settle(pilot)
        assert "Xitem name link" in shown(written)


@pytest.mark.parametrize(
    ("command", "mark"),
    [
        (("card", "list"), "Xtitle link"),
        (("client", "list"), "Xclient link"),
        (("lane", "list"), "Xlane0 link"),
    ],
)
def test_cli_text_output_holds_no_escape(
    hostile_url: str, command: tuple[str, ...], mark: str
) -> None:
    from vadesk.cli import cli

    result = CliRunner().invoke(cli, ["--db", hostile_url, *command], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert mark in assert_terminal_safe(result.output)


def test_cli_client_rules_text_output_holds_no_escape(hostile_url: str) -> None:
    from vadesk.cli import cli

    name = f"Xrules {PAYLOAD}".replace("\x00", "")  # an argument cannot hold NUL
    store = open_store(Settings(user="tester"), hostile_url)
    with store.write() as s:
        s.execute(update(Client).values(name=name))
    store.close()
    args = ["--db", hostile_url, "client", "rules", name]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "currency" in assert_terminal_safe(result.output)


async def test_bytes_that_are_not_utf8_show_as_replacement_characters(sqlite_url: str) -> None:
    """SQLite stores whatever bytes a writer gives it; reading them must not fail."""
    import sqlite3

    from vadesk.cli import cli

    store = open_store(Settings(user="tester"), sqlite_url)
    seeded = seed(store)
    store.close()
    raw = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    raw.execute("UPDATE cards SET title = CAST(x'58627974657320fffe1b5d323b50574e07' AS TEXT)")
    raw.execute("UPDATE lanes SET name = CAST(x'586c616e65ff' AS TEXT) WHERE position = 0")
    raw.commit()
    raw.close()
    shown_title = "Xbytes \ufffd\ufffd"

    result = CliRunner().invoke(cli, ["--db", sqlite_url, "card", "list"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert shown_title in assert_terminal_safe(result.output)

    store = open_store(Settings(user="tester"), sqlite_url)
    try:
        app = VadeskApp(store, clock=clock)
        written = capturing(app)
        async with run(app) as pilot:
            await started(pilot)
            board_text = shown(written)
            assert shown_title in board_text and "Xlane\ufffd" in board_text
            editor = await press(pilot, "enter", shows=CardEditor)
            await wait_until(pilot, lambda: editor.detail is not None)
            await settle(pilot)
            assert shown_title in shown(written)
        with store.read() as s:  # the services read it too (escape kept: nothing saved it)
            assert get_card(s, seeded.card_id).title == f"{shown_title}\x1b]2;PWN\x07"
    finally:
        store.close()


# ---------------------------------------------------------------- the real program in tmux


def tmux_available() -> bool:
    if shutil.which("tmux"):
        return True
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("tmux is required under CI (.ci/run installs it)")
    pytest.skip("tmux is not installed")
    return False


def test_in_tmux_title_clipboard_and_screen_stay_clean(hostile_url: str, tmp_path: Path) -> None:
    tmux_available()
    url = hostile_url
    server = str(tmp_path / "tmux.sock")  # a private server: nobody else's sessions

    def tmux(*args: str) -> str:
        done = subprocess.run(["tmux", "-S", server, *args], capture_output=True, text=True)
        return done.stdout

    env = {**os.environ, "TERM": "xterm-256color"}
    command = f"{sys.executable} -m vadesk --db '{url}'"
    subprocess.run(
        ["tmux", "-S", server, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "36"],
        check=True,
        env=env,
    )
    try:
        tmux("set", "-g", "set-clipboard", "on")  # let OSC 52 reach tmux's buffers
        tmux("set", "-g", "allow-rename", "on")
        tmux("select-pane", "-T", "before-vadesk")
        tmux("send-keys", command, "Enter")

        def wait_for(*marks: str, gone: str | None = None) -> str:
            deadline = time.monotonic() + 30
            while True:
                screen = tmux("capture-pane", "-p")
                if all(m in screen for m in marks) and (gone is None or gone not in screen):
                    return screen
                assert time.monotonic() < deadline, screen
                time.sleep(0.2)

        # The board, live (the timer pane has loaded), then the card editor on its card.
        # Six lanes in 120 columns: the lane's name is cut after "lin".
        screen = wait_for("Xtitle link", "Xlane0 lin", "Xclient lin", gone="loading")
        tmux("send-keys", "Enter")
        editor = wait_for("Xtitle link", "Xdesc line one link")
        for leak in ("PWN", "pwn.example", "UFdONTI"):
            assert leak not in screen + editor
        assert tmux("display", "-p", "#{pane_title}").strip() == "before-vadesk"
        assert tmux("list-buffers") == ""
        tmux("send-keys", "Escape")
        time.sleep(0.3)
        tmux("send-keys", "q")
    finally:
        tmux("kill-server")
