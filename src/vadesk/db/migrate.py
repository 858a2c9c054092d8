"""Bring a database to the schema this vadesk knows, or refuse it with a clear message.

The fast path (schema already current) reads one row and does not import Alembic, so a
normal start stays lean.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from vadesk.db.engine import Database, sqlite_access_problem, translate_errors
from vadesk.db.locks import postgres_advisory_lock, sqlite_file_lock
from vadesk.db.revisions import HEAD, KNOWN_REVISIONS
from vadesk.errors import DatabaseError, DatabaseNewerError, NotADatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)


def migrations_path() -> Path:
    """Where the Alembic environment is: inside the wheel, or at the top of a checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "migrations", package_dir.parent.parent / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("vadesk's migrations are missing from this installation")


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_path()))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    names = set(inspect(connection).get_table_names())
    # Read alembic_version only once _revision_from knows it exists.
    return _revision_from(names, lambda: connection.execute(_VERSION_SQL).scalars().all())


_VERSION_SQL = text("SELECT version_num FROM alembic_version")


def _revision_from(names: set[str], fetch: Callable[[], Sequence[str]]) -> str | None:
    if "alembic_version" not in names:
        if names:
            raise NotADatabaseError(
                "This database has tables but is not a vadesk database; give another --db."
            )
        return None
    rows = fetch()
    return rows[0] if rows else None


def sqlite_revision(path: Path) -> str | None:
    """Read the revision without writing a byte (no WAL switch, no journal) to the file."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            names = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            return _revision_from(
                names,
                lambda: [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")],
            )
        finally:
            conn.close()
    except sqlite3.OperationalError as error:
        # Cannot open or lock: a permission or a busy file, not a damaged database.
        raise DatabaseError(describe_sqlite_open_error(path, error)) from None
    except sqlite3.DatabaseError:
        raise NotADatabaseError(
            f"{path} is damaged or not a SQLite database; put a backup back with `vadesk "
            "restore FILE` or give another --db."
        ) from None


def describe_sqlite_open_error(path: Path, error: sqlite3.OperationalError) -> str:
    lowered = str(error).lower()
    if "locked" in lowered or "busy" in lowered:
        return "The database is locked by another program; wait a moment and try again."
    problem = sqlite_access_problem(path)
    if problem is not None:
        return problem
    return f"Cannot open {path} ({error}); check the path and its permissions."


def ensure_schema(db: Database) -> str:
    """Upgrade to head (after a backup copy on SQLite); return what was done, for the log.

    A current schema is found without any lock. Otherwise the work runs under a lock shared
    with every other vadesk process on this database, and the revision is read again inside
    it: a process that waited finds the database already created or upgraded.
    """
    revision = _revision(db)
    if revision == HEAD:
        return "current"
    _refuse_unknown(revision)
    with schema_lock(db):
        revision = _revision(db)
        if revision == HEAD:
            return "current (upgraded by another process)"
        _refuse_unknown(revision)
        if revision is not None and db.path is not None:
            backup_before_migration(db.path, revision)
        upgrade(db)
    return f"upgraded from {revision or 'empty'} to {HEAD}"


@contextmanager
def schema_lock(db: Database) -> Iterator[None]:
    """Only one process at a time creates or upgrades a database."""
    if db.path is not None:
        with sqlite_file_lock(db.path):
            yield
    elif db.is_sqlite:  # an in-memory database belongs to this process alone
        yield
    else:
        with translate_errors(db), postgres_advisory_lock(db.engine, db.display_url):
            yield


def _revision(db: Database) -> str | None:
    if db.path is not None:
        return sqlite_revision(db.path)
    with translate_errors(db), db.engine.connect() as connection:
        revision = current_revision(connection)
        connection.rollback()
    return revision


def _refuse_unknown(revision: str | None) -> None:
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise DatabaseNewerError(
            f"Database schema {revision} is newer than this vadesk knows; upgrade vadesk "
            "(pip install -U vadesk)."
        )


def upgrade(db: Database, target: str = "head") -> None:
    from alembic import command

    with translate_errors(db), db.engine.connect() as connection:
        raw = None
        if db.is_sqlite:
            # Batch mode rebuilds tables that others point at (lanes, clients); with foreign
            # keys on, dropping the old copy fails. The pragma is a no-op inside a transaction
            # and SQLAlchemy's connection always begins one, so set it on the raw connection
            # before anything begins, and check the keys ourselves before committing.
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.cursor().execute("PRAGMA foreign_keys = OFF")
        try:
            command.upgrade(alembic_config(connection), target)
            if db.is_sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise RuntimeError(f"migration left a broken foreign key: {tuple(broken)}")
            connection.commit()
        finally:
            if raw is not None:
                connection.rollback()
                raw.cursor().execute("PRAGMA foreign_keys = ON")


def backup_before_migration(path: Path, revision: str) -> Path:
    """Copy the database aside with SQLite's online backup before changing its schema."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-{revision}-{stamp}.bak")
    online_copy(path, target)
    log.info("copied database aside before migration: %s", target)
    return target


def online_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently while others write to it; the one way vadesk copies.

    SQLite's online backup reads one snapshot (writers carry on in WAL mode) into a new 0600
    file beside ``target``, made self-contained (rollback journal, no -wal), synced to disk,
    then renamed into place: ``target`` is either complete or absent.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)  # mkstemp made it 0600
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            dest = sqlite3.connect(tmp)
            try:
                src.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
        finally:
            src.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        with contextlib.suppress(OSError):  # the rename itself survives a power cut
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
