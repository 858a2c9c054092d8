"""Hearing that another process committed: SQLite's data_version, PostgreSQL's NOTIFY."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from vadesk.services.store import Store

log = logging.getLogger(__name__)
CHANNEL = "vadesk_changes"


class ChangeFeed:
    """``wait(timeout)`` returns True once something was committed since the last call.

    Holds one dedicated connection; ``wait`` runs in one thread, ``version_now`` and
    ``absorb`` may be called from another (a writer), and ``close`` ends it.
    """

    def __init__(self, store: Store, poll_interval: float = 0.25) -> None:
        self.poll_interval = poll_interval
        self._is_sqlite = store.is_sqlite
        self._lock = threading.Lock()
        self._closed = False
        self._conn: Any
        if self._is_sqlite:
            self._conn = store.db.engine.raw_connection()
            self._version = self._data_version()
        else:
            import psycopg

            url = store.db.url.set(drivername="postgresql")
            self._conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
            self._conn.execute(f"LISTEN {CHANNEL}")

    def version_now(self) -> int | None:
        """SQLite: the data version as of now; call it inside a write transaction, before
        the commit, and hand it to ``absorb`` after. None where there is no such thing."""
        if not self._is_sqlite:
            return None
        with self._lock:
            return None if self._closed else self._data_version()

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
            if not self._closed and self._version == before:
                self._version = self._data_version()

    def _data_version(self) -> int:
        cursor = self._conn.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def wait(self, timeout: float) -> bool:
        if self._closed:
            return False
        if self._is_sqlite:
            deadline = time.monotonic() + timeout
            while True:
                with self._lock:
                    if self._closed:
                        return False
                    version = self._data_version()
                    changed, self._version = version != self._version, version
                if changed:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                time.sleep(min(self.poll_interval, left))
        changed = False
        for _ in self._conn.notifies(timeout=timeout, stop_after=1):
            changed = True
        if changed:  # drain what else arrived, so one burst is one reload
            for _ in self._conn.notifies(timeout=0.05):
                pass
        return changed

    def close(self) -> None:
        with self._lock:
            self._closed = True
        try:
            self._conn.close()
        except Exception:
            log.debug("change feed close failed", exc_info=True)
