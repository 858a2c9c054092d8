"""The database side of the change feed: SQLite's data_version, PostgreSQL's LISTEN/NOTIFY.

Each source holds one dedicated connection. What to do with what they report (absorbing our
own commits, polling, coalescing a burst into one reload) is ``services.changes``' business.
"""

from __future__ import annotations

import logging
from typing import Any

from vadesk.db.engine import POSTGRES_MISSING, Database
from vadesk.errors import DatabaseError

log = logging.getLogger(__name__)

# The channel the triggers of migration 0001 notify (pg_notify('vadesk_changes', table)).
CHANNEL = "vadesk_changes"
# After the first notification, how long to keep draining, so one burst is one report.
BURST_S = 0.05


class DataVersion:
    """SQLite: a number that changes when another connection commits to the file.

    ``PRAGMA data_version`` is per connection and ignores the connection's own commits,
    which is why this source keeps a connection of its own and never writes with it.
    """

    def __init__(self, db: Database) -> None:
        self._conn = db.engine.raw_connection()

    def read(self) -> int:
        cursor = self._conn.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            row = cursor.fetchone()
            assert row is not None  # the pragma always answers one row
            return int(row[0])
        finally:
            cursor.close()

    def close(self) -> None:
        self._conn.close()


class Notifications:
    """PostgreSQL: an autocommit connection that LISTENs on vadesk's channel."""

    def __init__(self, db: Database) -> None:
        try:
            import psycopg
        except ImportError:
            raise DatabaseError(POSTGRES_MISSING) from None
        url = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._conn: Any = psycopg.connect(url, autocommit=True, connect_timeout=5)
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            raise DatabaseError(
                f"Cannot listen for changes at {db.display_url} ({first}); other people's "
                "changes will not show until you restart vadesk."
            ) from None

    def wait(self, timeout: float) -> bool:
        """Whether a notification arrived within ``timeout`` seconds (a burst counts once)."""
        heard = False
        for _ in self._conn.notifies(timeout=timeout, stop_after=1):
            heard = True
        if heard:
            for _ in self._conn.notifies(timeout=BURST_S):
                pass
        return heard

    def close(self) -> None:
        self._conn.close()
