"""Live updates for open portal pages: one change-feed watcher per process, fanned out.

One thread waits on vadesk's change feed (SQLite's data_version, PostgreSQL's LISTEN). After
a commit it asks the database, in one round of grouped queries, for a fingerprint of each
client that has a page open, and wakes only the streams of clients whose fingerprint moved:
a client's page never hears about another client's work, not even that it happened. The same
round ends the streams of sessions that were revoked, expired or whose client was archived.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from dataclasses import dataclass, field

from vadesk.services import portal as service
from vadesk.services.changes import ChangeFeed
from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)

RECHECK_S = 30.0
"""Even without commits, sessions are re-checked this often (they expire by the clock)."""


@dataclass(eq=False)
class Stream:
    """One open event stream: the page of one session of one client."""

    client_id: int
    session_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[tuple[str, str]] = field(default_factory=asyncio.Queue)

    def send(self, event: str, data: str) -> None:
        """From any thread."""
        with contextlib.suppress(RuntimeError):  # a closed loop: the stream is gone
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (event, data))


class Broadcaster:
    """Fans the change feed out to open streams; started with the first stream."""

    def __init__(self, store: StoreLike, *, poll_interval: float = 0.1) -> None:
        self.store = store
        self.poll_interval = poll_interval
        self._streams: dict[int, Stream] = {}
        self._known: dict[int, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._feed: ChangeFeed | None = None

    @property
    def open_streams(self) -> int:
        with self._lock:
            return len(self._streams)

    def subscribe(self, user: service.PortalUser, fingerprint: str) -> tuple[int, Stream]:
        """Register a stream; ``fingerprint`` is what the subscriber last saw of its client."""
        stream = Stream(user.client_id, user.session_id, asyncio.get_running_loop())
        with self._lock:
            number = next(self._ids)
            self._streams[number] = stream
            self._known.setdefault(user.client_id, fingerprint)
            known = self._known[user.client_id]
            start = self._thread is None and not self._stop.is_set()
            if start:
                self._thread = threading.Thread(
                    target=self._run, name="vadesk-portal-events", daemon=True
                )
        if known != fingerprint:
            stream.send("change", known)  # something changed since that page was drawn
        if start:
            assert self._thread is not None
            self._thread.start()
        return number, stream

    def unsubscribe(self, number: int) -> None:
        with self._lock:
            stream = self._streams.pop(number, None)
            if stream is not None and not any(
                s.client_id == stream.client_id for s in self._streams.values()
            ):
                self._known.pop(stream.client_id, None)

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            stream.send("bye", "")
        feed = self._feed
        if feed is not None:
            feed.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            self._feed = ChangeFeed(self.store, poll_interval=self.poll_interval)
        except Exception:
            log.exception("portal: cannot watch for changes; pages will not update live")
            return
        if self._stop.is_set():
            self._feed.close()
            return
        self._check()  # anything committed between the subscriber's page and the feed
        while not self._stop.is_set():
            try:
                self._feed.wait(RECHECK_S)
            except Exception:
                if self._stop.is_set():
                    break
                log.exception("portal: change feed failed; retrying")
                self._stop.wait(1.0)
                continue
            if self._stop.is_set():
                break
            self._check()

    def _check(self) -> None:
        with self._lock:
            streams = dict(self._streams)
        if not streams:
            return
        clients = {s.client_id for s in streams.values()}
        try:
            with self.store.read() as session:
                prints = service.fingerprints(session, clients)
                alive = service.live_sessions(session, {s.session_id for s in streams.values()})
        except Exception:
            log.exception("portal: reading changes failed")
            return
        with self._lock:
            changed = set()
            for client_id, value in prints.items():
                if client_id in self._known and self._known[client_id] != value:
                    changed.add(client_id)
                if client_id in self._known:
                    self._known[client_id] = value
        for stream in streams.values():
            if stream.session_id not in alive:
                stream.send("bye", "")
            elif stream.client_id in changed:
                stream.send("change", prints[stream.client_id])
