"""The timer on the board: idle time noticed while the board is open, done/archive stop it."""

from __future__ import annotations

from datetime import datetime, timedelta

from vadesk.services import timer
from vadesk.services.store import Store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.board import BoardScreen
from vadesk.ui.screens.pickers import AbsencePrompt

from .conftest import NOW, board_screen, settle, wait_until
from .screen_text import screen_lines, squashed

SIZE = (110, 30)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def entries(store: Store) -> list[timer.EntryRow]:
    with store.read() as s:
        return timer.entries_between(
            s, store.user_id, NOW - timedelta(days=1), NOW + timedelta(days=1)
        )


async def test_idle_time_with_the_board_open_brings_the_absence_prompt(ui_store: Store) -> None:
    clock = Clock()
    async with VadeskApp(ui_store, clock=clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")  # start timing a1
        await settle(pilot)
        clock.now = NOW + timedelta(minutes=10)
        await pilot.press("down", "up")  # still at work ten minutes later
        clock.now = NOW + timedelta(minutes=24)  # 14 minutes without a key: not yet idle
        await pilot.pause(1.3)  # the board's one-second tick looks
        assert isinstance(pilot.app.screen, BoardScreen)
        clock.now = NOW + timedelta(minutes=40)  # 30 minutes without a key
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AbsencePrompt))
        await pilot.press("down", "down", "enter")  # split off the idle time
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
    rows = entries(ui_store)
    spans = [
        (r.idle, (r.started_at - NOW) // timedelta(minutes=1), r.ended_at is None) for r in rows
    ]
    # Worked 0-10 (the last key), idle 10-40 split off, and the timer runs on from 40.
    assert spans == [(False, 0, False), (True, 10, False), (False, 40, True)]
    assert [r.seconds(NOW + timedelta(minutes=40)) for r in rows[:2]] == [600, 1800]


async def test_keys_every_few_minutes_never_count_as_idle(ui_store: Store) -> None:
    clock = Clock()
    async with VadeskApp(ui_store, clock=clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        for minutes in (10, 20, 30):
            clock.now = NOW + timedelta(minutes=minutes)
            await pilot.press("down")
            await pilot.pause(1.2)
            assert isinstance(pilot.app.screen, BoardScreen)
        board_screen(pilot).heartbeat()  # the minute tick: it records the last key
        await settle(pilot)
    with ui_store.read() as s:
        entry = timer.running(s, ui_store.user_id)
    assert entry is not None and entry.seen_at == NOW + timedelta(minutes=30)


async def test_the_absence_question_is_shown_whole_on_a_small_terminal(ui_store: Store) -> None:
    with ui_store.write() as s:
        card = ui_store_first_card(ui_store, s)
        timer.start(s, ui_store.user_id, card, now=NOW - timedelta(hours=3))
        timer.heartbeat(s, ui_store.user_id, NOW - timedelta(hours=2, minutes=5))
    async with VadeskApp(ui_store, clock=lambda: NOW).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, AbsencePrompt)
        text = squashed(" ".join(line.strip(" █▊▎") for line in screen_lines(pilot)))
        assert "while you were away for 2h 05m. What should happen to that time?" in text


def ui_store_first_card(store: Store, session: object) -> int:
    from vadesk.services.board_read import list_cards

    return list_cards(session)[0].id  # type: ignore[arg-type]


async def test_done_and_archive_stop_the_cards_timer_and_say_so(ui_store: Store) -> None:
    async with VadeskApp(ui_store, clock=lambda: NOW).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "d")  # time a1, then mark it done
        await settle(pilot)
        with ui_store.read() as s:
            assert timer.running(s, ui_store.user_id) is None
        messages = [n.message for n in pilot.app._notifications]
        assert any("a1 chase supplier; its timer stopped" in m for m in messages)
        assert "No timer running" in str(board_screen(pilot).query_one("#timer-pane").render())
        await pilot.press("space", "delete")  # time a2, then archive it
        await settle(pilot)
        with ui_store.read() as s:
            assert timer.running(s, ui_store.user_id) is None
        messages = [n.message for n in pilot.app._notifications]
        assert any("Archived: a2 call bank; its timer stopped" in m for m in messages)
        await pilot.press("right", "d")  # b1, not timed: no word about a timer
        await settle(pilot)
        last = list(pilot.app._notifications)[-1].message
        assert last == "Done: b1 design post"


def test_the_idle_watcher_reports_once_past_the_threshold_and_again_on_return() -> None:
    from vadesk.ui.idle import SLACK_SECONDS, IdleWatcher

    clock = Clock()
    calls: list[datetime | None] = []
    watcher = IdleWatcher(clock, lambda: 60, calls.append)
    clock.now = NOW + timedelta(seconds=60 + SLACK_SECONDS)
    watcher.poll()  # just at the threshold (and its slack): not yet
    assert calls == []
    clock.now = NOW + timedelta(seconds=61 + SLACK_SECONDS)
    watcher.poll()
    watcher.poll()  # reported once per absence
    assert calls == [NOW]  # the last key's instant, for the heartbeat
    clock.now = NOW + timedelta(minutes=30)
    watcher.note_input()  # back at the keyboard
    assert calls == [NOW, None]
    watcher.note_input()
    assert watcher.last_seen() == NOW + timedelta(minutes=30) and len(calls) == 2
