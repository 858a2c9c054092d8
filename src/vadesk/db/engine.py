"""Engine and session factories built from a URL, with the pragmas vadesk relies on."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from vadesk.domain.text import decode_stored
from vadesk.errors import ConflictError, DatabaseError, NotADatabaseError

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "vadesk_begin"
POSTGRES_MISSING = "PostgreSQL support is not installed: pip install 'vadesk[postgres]'."


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise DatabaseError(
            f"Cannot understand database URL {url!r}; use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DB."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"Unsupported database {parsed.get_backend_name()!r}; use SQLite or PostgreSQL."
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for memory databases and other backends."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser()


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database rather than initialising over it."""
    if not path.exists():
        return
    if path.is_dir():
        raise NotADatabaseError(f"{path} is a folder, not a vadesk database; give a file path.")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise DatabaseError(
            f"Cannot read {path}: {error.strerror}; check its permissions."
        ) from None
    if not head:
        raise NotADatabaseError(
            f"{path} is an empty file, not a vadesk database; remove it or give another --db."
        )
    if head != SQLITE_MAGIC:
        raise NotADatabaseError(f"{path} is not a SQLite database; give the right file with --db.")


def sqlite_access_problem(path: Path) -> str | None:
    """Why SQLite cannot open ``path`` for writing, if its permissions say so; else None.

    Called after SQLite failed to open or write, to tell a read-only place from a damaged
    file: a good database in a read-only folder must never be called damaged.
    """
    if path.exists() and not os.access(path, os.R_OK):
        return f"Cannot read {path} (permission denied); check its owner and permissions."
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and not os.access(file, os.W_OK):
            return (
                f"{file} is read-only, and vadesk must be able to write to its database; make "
                f"it writable (chmod u+w '{file}') or give another --db. Nothing was changed."
            )
    folder = path.parent
    side_files = (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    if not all(f.exists() for f in side_files) and not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"The folder {folder} is not writable, and SQLite must create {path.name}-wal and "
            f"{path.name}-shm beside the database; make the folder writable (chmod u+w "
            f"'{folder}') or move the database to a writable folder. The database is not "
            "damaged and was not changed."
        )
    return None


def check_can_create(path: Path, *, make_folder: bool) -> None:
    """Refuse to create a database in a folder that does not exist, unless told to make it.

    A mistyped ``--db`` path should be reported, not turned into a new empty board
    somewhere unexpected; only vadesk's own data folder is created on demand.
    """
    if path.exists() or path.parent.is_dir() or make_folder:
        return
    raise DatabaseError(
        f"Folder {path.parent} does not exist, so there is no database at {path}; check --db "
        "(or VADESK_DATABASE_URL) or create the folder first (nothing was created)."
    )


def create_private_file(path: Path) -> None:
    """Create the SQLite file 0600 (its -wal and -shm inherit the mode) in a 0700 folder."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    # Write a valid header at once, so a crash right now leaves a database, not an empty file.
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def prepare_sqlite_file(path: Path, *, create: bool, make_folder: bool) -> None:
    """Check the file is a SQLite database, creating it first if allowed and missing.

    A missing or empty file may be one another vadesk is creating this instant: creation
    and the check of such a file run under the lock beside it, so a process that waited
    sees the finished header instead of reporting "an empty file".
    """
    if path.exists() and (path.is_dir() or path.stat().st_size > 0):
        check_sqlite_file(path)
        problem = sqlite_access_problem(path)
        if problem is not None:
            raise DatabaseError(problem)
        return
    if not path.exists():
        if not create:
            if make_folder:  # the default place: nothing typed wrong, just nothing there yet
                raise DatabaseError(
                    f"No vadesk database yet at {path}; start vadesk, or add a card or client, "
                    "to create it (nothing was created)."
                )
            raise DatabaseError(f"No vadesk database at {path}; check --db (nothing was created).")
        check_can_create(path, make_folder=make_folder)
        if make_folder:
            try:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as error:
                raise DatabaseError(
                    f"Cannot create the folder {path.parent}: {error.strerror or error}; "
                    "check the permissions of the folders above it or give another --db."
                ) from None
    from vadesk.db.locks import sqlite_file_lock

    with sqlite_file_lock(path):
        check_sqlite_file(path)
        if not path.exists():
            try:
                create_private_file(path)
            except (OSError, sqlite3.Error) as error:
                with contextlib.suppress(OSError):  # leave no empty file behind
                    if path.stat().st_size == 0:
                        path.unlink()
                raise DatabaseError(
                    f"Cannot create the database {path}: {error}; check the folder's "
                    "permissions and free space, or give another --db."
                ) from None


class Database:
    """One database: engines, session factories, and helpers that map driver errors."""

    def __init__(
        self,
        url: str,
        *,
        synchronous: str = "FULL",
        create: bool = True,
        make_folder: bool = False,
    ) -> None:
        """``create``: make a new SQLite file if there is none (else refuse);
        ``make_folder``: also make its missing folder (only for vadesk's data folder)."""
        self.url = parse_url(url)
        self.display_url = self.url.render_as_string(hide_password=True)
        self.path = sqlite_path(self.url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.path is not None:
            prepare_sqlite_file(self.path, create=create, make_folder=make_folder)
        self.engine = self._create_engine(synchronous)
        self.write_engine = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)

    def _create_engine(self, synchronous: str) -> Engine:
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            # Sessions run in worker threads; each checks a pooled connection out for itself.
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["connect_args"] = {"connect_timeout": 5}
        try:
            engine = create_engine(self.url, **kwargs)
        except ImportError as error:
            # psycopg missing, or installed without a libpq to use (psycopg[binary]).
            missing = getattr(error, "name", None) or "psycopg"
            if self.is_sqlite or not missing.startswith("psycopg"):
                raise
            raise DatabaseError(POSTGRES_MISSING) from None
        if self.is_sqlite:
            _install_sqlite_pragmas(engine, synchronous.upper())
        return engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for a read; nothing is written."""
        with translate_errors(self), self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE on SQLite), committed on success."""
        with translate_errors(self), self._write.begin() as session:
            yield session

    def checkpoint(self) -> bool:
        """Fold the WAL into the file and truncate it (SQLite; a no-op elsewhere).

        False when it could not finish: another connection's read snapshot still needs
        part of the WAL (the pragma then reports busy), so old pages may linger there.
        """
        if not self.is_sqlite:
            return True
        with translate_errors(self):
            raw = self.engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, *_ = cursor.fetchone() or (0,)
            finally:
                raw.close()
        return not busy

    def dispose(self) -> None:
        self.engine.dispose()


def _install_sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, issue BEGIN, so we can choose IMMEDIATE for writes.
        dbapi_connection.isolation_level = None
        # Another tool may have stored bytes that are not UTF-8: read them, never fail.
        dbapi_connection.text_factory = decode_stored
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        # Deleted or replaced rows (an old wrapped vault key) are zeroed, not left in free pages.
        cursor.execute("PRAGMA secure_delete = ON")
        # 16 MiB of page cache (default 2 MiB): 10,000 vault items are ~4 MiB, and with the
        # default every unlock or full-lane read went back to the OS for every page.
        cursor.execute("PRAGMA cache_size = -16384")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def translate_errors(db: Database) -> Iterator[None]:
    """Turn driver errors a user can meet into one-line VadeskErrors."""
    try:
        yield
    except StaleDataError:
        raise ConflictError(
            "Someone else changed this card meanwhile; it was reloaded, try again."
        ) from None
    except exc.OperationalError as error:
        raise DatabaseError(describe_operational_error(db, error)) from None
    except exc.DatabaseError as error:
        message = str(error.orig).lower() if error.orig else str(error).lower()
        if "file is not a database" in message or "malformed" in message:
            raise NotADatabaseError(
                f"{db.display_url} is damaged or not a database; put a backup back with "
                "`vadesk restore FILE` (see `vadesk backup --status`)."
            ) from None
        raise


def describe_operational_error(db: Database, error: exc.OperationalError) -> str:
    text = str(error.orig) if error.orig is not None else str(error)
    lowered = text.lower()
    if "could not decode" in lowered:
        # The driver's message quotes the row's bytes: never show them.
        return (
            f"A row in {db.display_url} holds text that is not valid UTF-8 (damaged, or "
            "written by another tool); put a backup back with `vadesk restore FILE`."
        )
    if "database is locked" in lowered or "database is busy" in lowered:
        return "The database is locked by another program; wait a moment and try again."
    if "disk is full" in lowered or "no space" in lowered:
        return "The disk is full; nothing was saved. Free some space and try again."
    if "file is not a database" in lowered or "malformed" in lowered:
        return (
            f"{db.display_url} is damaged or not a database; put a backup back with "
            "`vadesk restore FILE`."
        )
    if "unable to open" in lowered or "readonly" in lowered or "read-only" in lowered:
        problem = sqlite_access_problem(db.path) if db.path is not None else None
        return problem or (
            f"Cannot write {db.display_url}: {text.strip()}; check the path and permissions."
        )
    if not db.is_sqlite:
        first = text.strip().splitlines()[0] if text.strip() else "no answer"
        return (
            f"Cannot reach the database at {db.display_url} ({first}); "
            "check --db or VADESK_DATABASE_URL and that the server runs."
        )
    return f"Database error on {db.display_url}: {text.strip().splitlines()[0]}."
