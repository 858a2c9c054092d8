"""Typed keys reach the field they were typed into, in order, whatever the machine's load.

Textual forwards each key to the focused widget's queue as soon as the app reads it, and
resolves a key's bindings only when the key has bubbled back up to the app. Under load a burst
then goes wrong: ``End`` moves the cursor after the text typed behind it, ``n`` opens a form
while the title typed next still goes to the board, and the characters after ``ctrl+s`` land
in the field before the save reads it. ``KeyGate`` lets one key through at a time: the next
key waits until the previous one has been handled all the way up (and what it posted, such as
``Input.Submitted``, too), and until a screen it opened has mounted and focused its field.
Screens also *hold* keys while they load or save; held keys are replayed once they let go.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen

log = logging.getLogger(__name__)

PASSES = 2
"""Barrier trips up the focus chain per key: the key itself, then what it posted on the way."""
STUCK_SECONDS = 3.0
"""A key whose barrier has not come back by then is let go (a widget closed under it)."""
HOLD_SECONDS = 30.0
"""A hold longer than this is a bug: keys are let through rather than lost for good."""


class KeyGate:
    """One key at a time, and none while a screen loads or saves: the rest wait, in order."""

    def __init__(self, app: App[Any], forward: Callable[[events.Event], Awaitable[None]]):
        self.app = app
        self._forward = forward
        self._queue: deque[events.Event] = deque()
        self._holds: dict[object, float] = {}  # reason -> deadline (monotonic)
        self._key_token: object | None = None
        self._waiting_on: DOMNode | None = None

    @property
    def holding(self) -> bool:
        """Keys are being queued now (a key in flight, or a screen loading or saving)."""
        return bool(self._holds)

    @property
    def queued(self) -> int:
        """How many keys wait to be replayed."""
        return len(self._queue)

    def hold(self, reason: object, seconds: float = HOLD_SECONDS) -> None:
        """Queue keys until ``release(reason)`` (or, if that never comes, ``seconds``)."""
        self._holds[reason] = time.monotonic() + seconds

    def release(self, reason: object) -> None:
        """Let go of ``reason``; queued keys replay (in the app's order) once nothing holds."""
        if self._holds.pop(reason, None) is not None and not self._holds and self._queue:
            self.app.call_later(self._drain)

    def release_when_shown(self, reason: object, screen: Screen[Any]) -> None:
        """Release once ``screen`` has mounted and its first focus has been applied."""
        if not screen.call_later(lambda: self.app.call_later(self.release, reason)):
            self.release(reason)

    async def offer(self, event: events.Event) -> None:
        """An unforwarded key or paste read by the app: queue it, or let it through now."""
        if self._holds or self._queue:
            self._queue.append(event)
            return
        await self._send(event)

    def check(self) -> None:
        """Called on a timer: let go of holds whose deadline passed or whose widget closed."""
        now = time.monotonic()
        node = self._waiting_on
        if node is not None and self._key_token in self._holds and not _alive(node):
            self._holds[self._key_token] = now  # its barrier went with it
        expired = [reason for reason, deadline in self._holds.items() if deadline <= now]
        for reason in expired:
            log.warning("typed keys were held too long (%s); letting them through", reason)
            self.release(reason)

    async def _drain(self) -> None:
        while self._queue and not self._holds:
            await self._send(self._queue.popleft())

    async def _send(self, event: events.Event) -> None:
        target: DOMNode = self.app.focused or self.app.screen
        if _typed_into(target, event):
            # A character for a text field: the field inserts it and stops it there, so it
            # can move no focus; the field's own queue keeps it in order with what follows.
            await self._forward(event)
            return
        token = object()
        self._key_token = token
        self.hold(token, STUCK_SECONDS)
        await self._forward(event)
        self._trip(target.ancestors_with_self, -1, PASSES, token)

    def _trip(self, chain: list[DOMNode], index: int, passes: int, token: object) -> None:
        """Follow the key up ``chain`` one queue at a time; release when the trips are done."""
        if index + 1 < len(chain):
            node = chain[index + 1]
            self._waiting_on = node
            if _alive(node) and node.call_later(self._trip, chain, index + 1, passes, token):
                return
            self.app.call_later(self._trip, chain, len(chain) - 1, passes, token)
            return
        if passes > 1:
            self._trip(chain, -1, passes - 1, token)
            return
        # Last, the screen on top now (one the key opened mounts and focuses first).
        screen = self.app.screen
        self._waiting_on = screen
        if not screen.call_later(lambda: self.app.call_later(self._done, token)):
            self._done(token)

    def _done(self, token: object) -> None:
        self._waiting_on = None
        self.release(token)


def hold_keys(node: DOMNode, reason: str, *, seconds: float = HOLD_SECONDS) -> None:
    """Queue typed keys while ``node`` (a screen) loads or saves; ``release_keys`` lets go."""
    gate = getattr(node.app, "keys", None)
    if isinstance(gate, KeyGate):
        gate.hold((reason, id(node)), seconds)


def release_keys(node: DOMNode, reason: str, *, shown: Screen[Any] | None = None) -> None:
    """Let go of a ``hold_keys``; with ``shown``, once that screen has painted what it set."""
    gate = getattr(node.app, "keys", None)
    if isinstance(gate, KeyGate):
        if shown is None:
            gate.release((reason, id(node)))
        else:
            gate.release_when_shown((reason, id(node)), shown)


def _typed_into(target: DOMNode, event: events.Event) -> bool:
    from textual.widgets import Input, TextArea

    if not (isinstance(event, events.Key) and event.is_printable):
        return False
    if isinstance(target, TextArea):
        return not target.read_only
    return isinstance(target, Input)


def _alive(node: DOMNode) -> bool:
    return not (node._closing or node._closed)
