"""The board's write queue: writes shown at once on screen, saved in order on one thread.

A write starts as soon as it is queued (not after the next repaint), so a killed process loses
at most the write of the last key. Quitting, a hang-up or SIGTERM calls ``close``, which waits
(with a bound) until every queued write is saved and names those that were not.
No Textual here: the queue is tested without a terminal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from vadesk.errors import VadeskError

log = logging.getLogger(__name__)

W = TypeVar("W")
R = TypeVar("R")


class WriteQueue(Generic[W, R]):
    """Runs ``write(item)`` for each queued item, in order, on one daemon thread.

    ``settled(done)`` runs on that thread after the queue has emptied (the board reads its fresh
    snapshot there), ``failed(item, error)`` when a write raises (the writes queued behind it
    are dropped: they were based on what the failed one would have done), ``idle()`` once
    nothing is queued or running. None of them run once ``close`` has begun.
    """

    def __init__(
        self,
        write: Callable[[W], R],
        *,
        describe: Callable[[W], str] = str,
        settled: Callable[[list[tuple[W, R]]], object] | None = None,
        failed: Callable[[W, Exception], object] | None = None,
        idle: Callable[[], object] | None = None,
        name: str = "vadesk-writes",
    ) -> None:
        self._write = write
        self._describe = describe
        self._settled = settled
        self._failed = failed
        self._idle = idle
        self._name = name
        self._pending: deque[W] = deque()
        self._current: W | None = None
        self._busy = False
        self._closing = False
        self._lost: list[str] = []
        self._hold_until = 0.0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """Something is queued, being written, or its result not yet settled."""
        with self._cond:
            return self._busy

    def submit(self, item: W, *, hold: float = 0.0) -> None:
        """Queue a write; it starts at once (after ``hold`` s at most) unless earlier ones run.

        ``hold``: the board paints the change first; ``release`` ends the hold sooner (its
        next repaint done), ``close`` at once. Either way the write starts within ``hold``.
        """
        with self._cond:
            if self._closing:
                self._lost.append(self._describe(item))
                return
            if hold > 0:
                self._hold_until = max(self._hold_until, time.monotonic() + hold)
            self._pending.append(item)
            self._busy = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def release(self) -> None:
        """End a hold: queued writes may start now."""
        with self._cond:
            self._hold_until = 0.0
            self._cond.notify_all()

    def close(self, timeout: float) -> list[str]:
        """Stop taking writes, wait up to ``timeout`` s for the queued ones; what was not saved.

        Returns the descriptions of writes that failed while closing, were still queued, or
        were still running when the time ran out (a running one may yet land).
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            while self._pending or self._current is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            unsaved = list(self._lost)
            if self._current is not None:
                unsaved.append(self._describe(self._current))
            unsaved += [self._describe(item) for item in self._pending]
            self._pending.clear()
            self._cond.notify_all()
        if unsaved:
            log.warning("%d writes not saved on close", len(unsaved))
        return unsaved

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    if self._closing:
                        return
                    self._cond.wait()
            done = self._write_all()
            settled = self._settled
            if done and settled is not None and not self._closing:
                try:
                    settled(done)
                except Exception:
                    log.exception("after-write callback failed")
            with self._cond:
                if self._pending:
                    continue
                self._busy = False
                self._cond.notify_all()
                closing = self._closing
            if self._idle is not None and not closing:
                self._idle()

    def _write_all(self) -> list[tuple[W, R]]:
        """Write until the queue is empty or a write fails."""
        done: list[tuple[W, R]] = []
        while True:
            with self._cond:
                while not self._closing and (left := self._hold_until - time.monotonic()) > 0:
                    self._cond.wait(left)
                if not self._pending:
                    return done
                item = self._pending.popleft()
                self._current = item
            try:
                result = self._write(item)
            except Exception as error:
                with self._cond:
                    self._current = None
                    dropped = list(self._pending)
                    self._pending.clear()
                    if self._closing:  # no screen to show it on: report it on exit
                        self._lost += [self._describe(x) for x in (item, *dropped)]
                    self._cond.notify_all()
                if not isinstance(error, VadeskError):
                    log.error("write %s failed", type(error).__name__, exc_info=True)
                if self._failed is not None and not self._closing:
                    self._failed(item, error)
                return done
            with self._cond:
                self._current = None
                self._cond.notify_all()
            done.append((item, result))
