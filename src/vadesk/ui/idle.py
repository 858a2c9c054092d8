"""Noticing that the VA left the keyboard while a timer runs, without a restart.

The running timer's heartbeat records when the user was last *at the keyboard* (not merely that
the board was open), so a gap longer than ``timer_idle_minutes`` is an absence. Once no key has
come for that long, the screen is told (it asks keep / discard / split, so the question waits
for the user when they come back); it is told again on their return, in case the question was
closed meanwhile (a vault lock closes the dialogs above it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message import Message

from vadesk.domain.clock import Clock

SLACK_SECONDS = 2


class IdleWatcher:
    """Tracks the last key or click anywhere in the app, by the screen's clock."""

    def __init__(
        self,
        clock: Clock,
        threshold_seconds: Callable[[], float],
        on_idle: Callable[[datetime | None], object],
        question_open: Callable[[], bool] = lambda: False,
    ) -> None:
        self.clock = clock
        self.question_open = question_open
        """Whether the absence question is on screen (the screen knows its dialogs)."""
        self.threshold_seconds = threshold_seconds
        """Read each time, so a changed setting applies at once."""
        self.on_idle = on_idle
        """Called with the last key's instant once the user has been away too long (to record
        it, then ask), and with None when they come back (ask, if not asked already)."""
        self.last_input: datetime = clock()
        self._reported = False
        self._app: App[object] | None = None

    def attach(self, node: DOMNode) -> None:
        """Watch every key and click the app receives (whichever screen is on top)."""
        self._app = node.app
        node.app.message_signal.subscribe(node, self._message, immediate=True)

    def _message(self, message: Message) -> None:
        if isinstance(message, (events.Key, events.MouseDown)):
            self.note_input()

    def note_input(self) -> None:
        away = self._reported
        self.last_input = self.clock()
        self._reported = False
        if away:
            self.on_idle(None)  # back: ask now if the question is not on screen any more

    def poll(self) -> None:
        """Call every second: reports the moment the idle time passes the threshold."""
        idle = (self.clock() - self.last_input).total_seconds()
        # A little past the threshold: the timer may have started a moment after the key
        # that started it, and the absence check counts whole seconds from that start.
        if not self._reported and idle > self.threshold_seconds() + SLACK_SECONDS:
            self._reported = True
            seen = self.last_seen()
            if seen is not None:  # else the question is open already; its gap must stay
                self.on_idle(seen)

    def last_seen(self) -> datetime | None:
        """What the heartbeat stores; None while the absence question is open.

        Answering moves ``last_input`` on, and a heartbeat written between a key in the
        question and the answer would hide the absence the answer is about.
        """
        return None if self.question_open() else self.last_input
