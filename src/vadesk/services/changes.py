"""Hearing that another process committed: SQLite's data_version, PostgreSQL's NOTIFY."""

from __future__ import annotations

import logging
import time
from typing import Any

from vadesk.services.store import Store

log = logging.getLogger(__name__)
CHANNEL = "vadesk_changes"


class ChangeFeed:
    """``wait(timeout)`` returns True once something was committed since the last call.

    Holds one dedicated connection; use it from a single thread and ``close`` it after.
    """

    def __init__(self, store: Store, poll_interval: float = 0.25) -> None:
        self.poll_interval = poll_interval
        self._is_sqlite = store.is_sqlite
        self._conn: Any
        if self._is_sqlite:
            self._conn = store.db.engine.raw_connection()
            self._version = self._data_version()
        else:
            import psycopg

            url = store.db.url.set(drivername="postgresql")
            self._conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
            self._conn.execute(f"LISTEN {CHANNEL}")

    def _data_version(self) -> int:
        cursor = self._conn.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def wait(self, timeout: float) -> bool:
        if self._is_sqlite:
            deadline = time.monotonic() + timeout
            while True:
                version = self._data_version()
                if version != self._version:
                    self._version = version
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
        try:
            self._conn.close()
        except Exception:
            log.debug("change feed close failed", exc_info=True)
