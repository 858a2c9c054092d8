"""Hearing that another process committed, so an open board reloads what changed.

The database side (SQLite's data_version, PostgreSQL's LISTEN) lives in ``db.changefeed``;
this module decides what counts as news: not our own commits, and a burst only once.
"""

from __future__ import annotations

import logging
import threading
import time

from vadesk.db.changefeed import DataVersion, Notifications
from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)


class ChangeFeed:
    """``wait(timeout)`` returns True once something was committed since the last call.

    Holds one dedicated connection; ``wait`` runs in one thread, ``version_now`` and
    ``absorb`` may be called from another (a writer), and ``close`` ends it.
    """

    def __init__(self, store: StoreLike, poll_interval: float = 0.25) -> None:
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._closed = False
        self._versions: DataVersion | None = None
        self._notifications: Notifications | None = None
        if store.is_sqlite:
            self._versions = DataVersion(store.db)
            self._version = self._versions.read()
        else:
            self._notifications = Notifications(store.db)

    def version_now(self) -> int | None:
        """SQLite: the data version as of now; call it inside a write transaction, before
        the commit, and hand it to ``absorb`` after. None where there is no such thing."""
        if self._versions is None:
            return None
        with self._lock:
            return None if self._closed else self._versions.read()

    def absorb(self, before: int | None) -> None:
        """Our own commit moved the data version on from ``before``: do not report it.

        Only if nothing else was pending: a write transaction holds SQLite's one write lock
        from BEGIN IMMEDIATE to COMMIT, so between ``before`` and our commit no other
        process committed. A commit that slips in after ours and before this call is seen
        by the snapshot the caller reads next.
        """
        if before is None:
            return
        with self._lock:
            if not self._closed and self._versions is not None and self._version == before:
                self._version = self._versions.read()

    def wait(self, timeout: float) -> bool:
        if self._closed:
            return False
        if self._notifications is not None:
            return self._notifications.wait(timeout)
        assert self._versions is not None
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._closed:
                    return False
                version = self._versions.read()
                changed, self._version = version != self._version, version
            if changed:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.poll_interval, left))

    def close(self) -> None:
        with self._lock:
            self._closed = True
        source = self._versions or self._notifications
        try:
            if source is not None:
                source.close()
        except Exception:
            log.debug("change feed close failed", exc_info=True)
