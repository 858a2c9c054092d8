"""Serialising the creation and migration of a database between processes.

Several vadesk processes may start at once on a new database (two terminals, a cron job
while the board starts). Only one may create the file or run the migrations; the others
wait, then find the work done. SQLite: a lock file beside the database (``filelock``).
PostgreSQL: a session-level advisory lock held by a dedicated connection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, exc, text

from vadesk.errors import DatabaseError

log = logging.getLogger(__name__)

# How long a process waits for another to finish creating or upgrading the database. A
# migration of a large board (after its backup copy) takes seconds; this is a safety net
# for a process that hangs while holding the lock, not a normal wait.
LOCK_TIMEOUT_S = 120.0
# An arbitrary 64-bit key for pg_advisory_lock (advisory locks are per database).
SCHEMA_LOCK_KEY = 0x7661_6465_736B_0001  # "vadesk" + 1

_BUSY = (
    "Another vadesk has been creating or upgrading {where} for {seconds:.0f} s; "
    "wait for it to finish (or stop it) and try again."
)


def lock_path(path: Path) -> Path:
    """The lock file beside a SQLite database (removed again when the lock is released)."""
    return path.with_name(path.name + ".lock")


@contextmanager
def sqlite_file_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock file beside ``path`` (whose folder must exist)."""
    from filelock import FileLock, Timeout

    timeout = LOCK_TIMEOUT_S if timeout is None else timeout

    lock = FileLock(lock_path(path), timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseError(_BUSY.format(where=path, seconds=timeout)) from None
    except PermissionError:
        raise DatabaseError(
            f"Cannot create files in {path.parent} (permission denied): vadesk needs to write "
            "there to create or upgrade the database; check the folder's permissions or give "
            "another --db."
        ) from None
    except OSError as error:
        raise DatabaseError(
            f"Cannot create {lock_path(path)}: {error.strerror or error}; "
            "check the folder or give another --db."
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def postgres_advisory_lock(
    engine: Engine, where: str, timeout: float | None = None
) -> Iterator[None]:
    """Hold vadesk's schema advisory lock on a dedicated connection of ``engine``."""
    timeout = LOCK_TIMEOUT_S if timeout is None else timeout
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        # lock_timeout bounds the wait for any lock, advisory locks included.
        connection.execute(text(f"SET lock_timeout = '{int(timeout * 1000)}ms'"))
        try:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        except exc.OperationalError as error:
            if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise DatabaseError(_BUSY.format(where=where, seconds=timeout)) from None
            raise
        try:
            yield
        finally:
            try:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY}
                )
            except exc.DBAPIError:
                # The server ends a session's advisory locks with the session: drop it.
                log.warning("could not release the schema lock; closing its connection")
                connection.invalidate()
    finally:
        connection.close()
