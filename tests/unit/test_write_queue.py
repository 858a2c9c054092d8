"""The board's write queue, without a terminal or a database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from vadesk.errors import VadeskError
from vadesk.services.writes import WriteQueue


def wait_for(condition: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_writes_run_in_order_as_soon_as_they_are_queued() -> None:
    written: list[int] = []
    arrived = threading.Event()

    def write(n: int) -> int:
        written.append(n)
        arrived.set()
        return n * 10

    settled: list[list[tuple[int, int]]] = []
    idle = threading.Event()
    queue: WriteQueue[int, int] = WriteQueue(write, settled=settled.append, idle=idle.set)
    queue.submit(1)
    assert arrived.wait(1)  # no repaint, no other trigger needed
    for n in (2, 3, 4):
        queue.submit(n)
    assert wait_for(lambda: idle.is_set() and len(written) == 4 and not queue.busy)
    assert queue.close(5) == []
    assert written == [1, 2, 3, 4]
    assert [pair for batch in settled for pair in batch] == [(1, 10), (2, 20), (3, 30), (4, 40)]


def test_close_waits_for_queued_writes() -> None:
    written: list[str] = []

    def slow(item: str) -> None:
        time.sleep(0.05)
        written.append(item)

    queue: WriteQueue[str, None] = WriteQueue(slow)
    for item in "abcde":
        queue.submit(item)
    assert queue.close(5) == []
    assert written == list("abcde")


def test_close_names_what_it_could_not_save_in_time() -> None:
    release = threading.Event()

    def stuck(item: str) -> None:
        release.wait(5)

    queue: WriteQueue[str, None] = WriteQueue(stuck, describe=lambda item: f"move {item}")
    queue.submit("a")
    queue.submit("b")
    started = time.monotonic()
    assert queue.close(0.2) == ["move a", "move b"]
    assert time.monotonic() - started < 2
    release.set()


def test_a_failed_write_drops_those_behind_it_and_is_reported() -> None:
    release = threading.Event()
    failures: list[tuple[str, str]] = []
    written: list[str] = []

    def write(item: str) -> None:
        if item == "a":
            release.wait(5)
        if item == "b":
            raise VadeskError("Card 7 was changed elsewhere; reload.")
        written.append(item)

    queue: WriteQueue[str, None] = WriteQueue(
        write, failed=lambda item, error: failures.append((item, str(error)))
    )
    for item in "abc":
        queue.submit(item)
    release.set()
    assert wait_for(lambda: bool(failures))
    assert queue.close(5) == []  # reported to the screen when it happened, not again
    assert written == ["a"]
    assert failures == [("b", "Card 7 was changed elsewhere; reload.")]


def test_failures_while_closing_are_returned_and_later_writes_refused() -> None:
    release = threading.Event()

    def write(item: str) -> None:
        release.wait(5)
        raise VadeskError("database is locked")

    queue: WriteQueue[str, None] = WriteQueue(write)
    queue.submit("a")
    queue.submit("b")
    threading.Timer(0.1, release.set).start()
    assert queue.close(5) == ["a", "b"]
    queue.submit("c")
    assert queue.close(1) == ["a", "b", "c"]


def test_busy_until_the_after_write_callback_has_run() -> None:
    in_settle = threading.Event()
    release = threading.Event()

    def settled(done: list[tuple[int, None]]) -> None:
        in_settle.set()
        release.wait(5)

    idle = threading.Event()
    queue: WriteQueue[int, None] = WriteQueue(lambda n: None, settled=settled, idle=idle.set)
    queue.submit(1)
    assert in_settle.wait(1)
    assert queue.busy
    release.set()
    assert idle.wait(1)
    assert not queue.busy
    queue.close(1)


def test_a_held_write_starts_on_release_or_when_the_hold_runs_out() -> None:
    started: list[tuple[str, float]] = []
    queue: WriteQueue[str, None] = WriteQueue(lambda item: started.append((item, time.monotonic())))
    submitted = time.monotonic()
    queue.submit("held", hold=0.3)
    time.sleep(0.1)
    assert started == []  # still held
    queue.release()  # the screen has painted the change
    assert wait_for(lambda: len(started) == 1)
    assert started[0][1] - submitted < 0.3
    submitted = time.monotonic()
    queue.submit("unreleased", hold=0.2)
    assert wait_for(lambda: len(started) == 2)
    assert 0.15 < started[1][1] - submitted < 2  # the hold ran out: it starts anyway
    queue.submit("closing", hold=30)
    assert queue.close(5) == []  # closing ends a hold at once
    assert [item for item, _ in started] == ["held", "unreleased", "closing"]
