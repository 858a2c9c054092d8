"""First start and odd places: missing files and folders, read-only places, concurrent starts."""

from __future__ import annotations

import ctypes
import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, _unavailable
from vadesk.config import Settings
from vadesk.db import engine as engine_module
from vadesk.db import locks, migrate
from vadesk.db.models import User
from vadesk.db.revisions import HEAD
from vadesk.errors import DatabaseError, DatabaseNewerError, NotADatabaseError
from vadesk.services.board_read import list_cards
from vadesk.services.cards import create_card
from vadesk.services.store import open_store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_open_of_a_missing_file_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "vadesk.db"
    with pytest.raises(DatabaseError, match=r"No vadesk database at .*vadesk\.db; check --db"):
        open_store(Settings(user="me"), f"sqlite:///{path}", create=False)
    assert not path.parent.exists()


def test_read_only_open_in_an_existing_folder_leaves_the_folder_empty(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="nothing was created"):
        open_store(Settings(user="me"), f"sqlite:///{tmp_path / 'typo.db'}", create=False)
    assert list(tmp_path.iterdir()) == []


def test_read_only_open_of_an_existing_database_reads_it(sqlite_url: str) -> None:
    store = open_store(Settings(user="me"), sqlite_url)
    with store.write() as s:
        create_card(s, "kept")
    store.close()
    again = open_store(Settings(user="me"), sqlite_url, create=False)
    try:
        with again.read() as s:
            assert [c.title for c in list_cards(s)] == ["kept"]
    finally:
        again.close()


def test_new_database_in_a_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    path = tmp_path / "Dcouments" / "vadesk.db"
    with pytest.raises(DatabaseError, match=r"Folder .*Dcouments does not exist") as info:
        open_store(Settings(user="me"), f"sqlite:///{path}")
    assert "\n" not in str(info.value)
    assert not path.parent.exists()


def test_default_database_folder_is_created_on_first_start(isolated_paths: Path) -> None:
    folder = isolated_paths / "xdg_data_home" / "vadesk"
    assert not folder.exists()
    store = open_store(Settings(user="me"))
    try:
        assert store.db.path == folder / "vadesk.db"
        assert store.db.path.exists()
    finally:
        store.close()


OPENER = """
import sys, time
url, start_at = sys.argv[1], float(sys.argv[2])
from vadesk.config import Settings
from vadesk.services.lanes import list_lanes
from vadesk.services.store import open_store
time.sleep(max(0.0, start_at - time.time()))
store = open_store(Settings(user="va"), url)
with store.read() as s:
    print(store.user_id, ",".join(lane.name for lane in list_lanes(s)))
store.close()
"""
STARTERS = 8


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database (not the migrated template the other tests copy)."""
    if not PG_URL:
        _unavailable("VADESK_TEST_POSTGRES_URL is not set (see .ci/postgres.sh)")
    name = f"vadesk_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database that does not exist yet (SQLite) or has no tables (PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vadesk.db'}"
    return str(request.getfixturevalue("empty_pg_url"))


@pytest.mark.slow
def test_processes_starting_together_on_a_new_database_all_succeed(new_db_url: str) -> None:
    start_at = time.time() + 3.0  # every process has imported vadesk by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, new_db_url, repr(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(STARTERS)
    ]
    outputs = [proc.communicate(timeout=180) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert err == ""
    lines = {out.strip() for out, _err in outputs}
    # One user, created once, and the default lanes, created once: every process agrees.
    assert len(lines) == 1
    user_id, lanes = lines.pop().split(" ", 1)
    assert lanes == "Urgent,High,Normal,Low,Waiting on client,Done"
    store = open_store(Settings(user="va"), new_db_url)
    try:
        assert store.user_id == int(user_id)
        with store.read() as s:
            assert migrate.current_revision(s.connection()) == HEAD
            assert s.scalar(select(func.count(User.id))) == 1
    finally:
        store.close()
    if new_db_url.startswith("sqlite:///"):
        path = Path(new_db_url.removeprefix("sqlite:///"))
        # Nothing but the database and its (private, empty) lock file: no backup copy of an
        # empty database, no second file.
        names = {p.name for p in path.parent.iterdir()} - {"vadesk.db-wal", "vadesk.db-shm"}
        assert names == {"vadesk.db", "vadesk.db.lock"}
        lock = path.with_name("vadesk.db.lock")
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600 and lock.stat().st_size == 0


# Root ignores permission bits through two capabilities, and CI runs the tests as root. The
# child below drops them from its capability bounding set before it executes Python, so the
# interpreter starts without them (as root or not) and a read-only folder or file is really
# read-only to it, with no mount, chattr or second user needed.
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2
OPEN_AND_WRITE = """
import sys
from vadesk.config import Settings
from vadesk.errors import VadeskError
from vadesk.services.cards import create_card
from vadesk.services.store import open_store
try:
    store = open_store(Settings(user="me"), sys.argv[1])
    with store.write() as s:
        create_card(s, "written")
    store.close()
except VadeskError as error:  # what the CLI and the app show: the message, one line
    print(error, file=sys.stderr)
    sys.exit(1)
"""


def _drop_permission_override() -> None:
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def open_as_a_user(url: str) -> subprocess.CompletedProcess[str]:
    """Open ``url`` and write a card in a process that obeys file permissions."""
    return subprocess.run(
        [sys.executable, "-c", OPEN_AND_WRITE, url],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_drop_permission_override,
    )


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """chmod a-w on the paths given; restored after the test. Checks it really holds."""
    changed: list[tuple[Path, int]] = []

    def make(path: Path) -> None:
        changed.append((path, stat.S_IMODE(path.stat().st_mode)))
        path.chmod(0o555 if path.is_dir() else 0o444)

    yield make
    for path, mode in reversed(changed):
        path.chmod(mode)


def _assert_really_read_only(folder: Path) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
        capture_output=True,
        text=True,
        preexec_fn=_drop_permission_override,
    )
    assert "PermissionError" in probe.stderr, "the child can still write the read-only folder"


def _good_database(folder: Path) -> Path:
    folder.mkdir()
    path = folder / "vadesk.db"
    store = open_store(Settings(user="me"), f"sqlite:///{path}")
    with store.write() as s:
        create_card(s, "precious")
    store.close()  # the last connection folds the WAL in and removes -wal and -shm
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("vadesk.db-")) == []
    return path


def _titles(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT title FROM cards ORDER BY id")]
    finally:
        conn.close()


def test_good_database_in_a_read_only_folder_is_not_called_damaged(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    path = _good_database(tmp_path / "ro")
    before = digest(path)
    read_only(path.parent)
    _assert_really_read_only(path.parent)

    result = open_as_a_user(f"sqlite:///{path}")

    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in result.stderr
    assert f"The folder {path.parent} is not writable" in message
    assert "chmod u+w" in message and "not damaged" in message
    assert "restore" not in message
    assert digest(path) == before
    assert _titles(path) == ["precious"]


def test_read_only_database_file_is_named_as_read_only(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    path = _good_database(tmp_path / "data")
    before = digest(path)
    read_only(path)

    result = open_as_a_user(f"sqlite:///{path}")

    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in result.stderr
    assert f"{path} is read-only" in message and f"chmod u+w '{path}'" in message
    assert "damaged" not in message
    assert digest(path) == before


def test_new_database_in_a_read_only_folder_is_one_line_and_creates_nothing(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    read_only(folder)
    _assert_really_read_only(folder)

    result = open_as_a_user(f"sqlite:///{folder / 'vadesk.db'}")

    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in result.stderr
    assert f"Cannot create files in {folder} (permission denied)" in message
    assert list(folder.iterdir()) == []


def test_read_only_folder_then_made_writable_opens_with_the_data_intact(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    """The message's advice works: after chmod u+w the same database opens and writes."""
    path = _good_database(tmp_path / "ro")
    read_only(path.parent)
    assert open_as_a_user(f"sqlite:///{path}").returncode == 1
    path.parent.chmod(0o700)

    result = open_as_a_user(f"sqlite:///{path}")

    assert result.returncode == 0, result.stderr
    assert _titles(path) == ["precious", "written"]


def test_postgres_url_without_the_driver_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # "import psycopg" now fails
    with pytest.raises(DatabaseError) as info:
        open_store(Settings(user="me"), "postgresql+psycopg://va@127.0.0.1:5432/board")
    assert str(info.value) == (
        "PostgreSQL support is not installed: pip install 'vadesk[postgres]'."
    )


def test_postgres_url_without_the_driver_is_one_line_from_the_command() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None; from vadesk.cli import main; "
        "sys.argv = ['vadesk', '--db', 'postgresql+psycopg://va@127.0.0.1:5432/board', "
        "'lane', 'list']; main()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: PostgreSQL support is not installed: pip install 'vadesk[postgres]'."
    ]


# The messages for a newer schema, a busy and a damaged database still hold with the locks.


def test_database_from_a_newer_vadesk_is_refused_on_both_databases(db_url: str) -> None:
    open_store(Settings(user="me"), db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    try:
        with pytest.raises(DatabaseNewerError, match="newer than this vadesk knows; upgrade"):
            open_store(Settings(user="me"), db_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    finally:
        engine.dispose()


def test_a_process_stuck_creating_the_database_is_reported_not_waited_for_forever(
    new_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "LOCK_TIMEOUT_S", 0.5)
    if new_db_url.startswith("sqlite"):
        holder = FileLock(locks.lock_path(Path(new_db_url.removeprefix("sqlite:///"))))
        holder.acquire()

        def release() -> None:
            holder.release()

    else:
        engine = create_engine(new_db_url, isolation_level="AUTOCOMMIT")
        conn = engine.connect()
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": locks.SCHEMA_LOCK_KEY})

        def release() -> None:
            conn.close()
            engine.dispose()

    try:
        started = time.monotonic()
        with pytest.raises(DatabaseError, match="Another vadesk has been creating or upgrading"):
            open_store(Settings(user="me"), new_db_url)
        assert time.monotonic() - started < 10
    finally:
        release()
    # Once the other process is gone, the same start succeeds.
    open_store(Settings(user="me"), new_db_url).close()


def test_locked_database_still_says_locked(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(Settings(user="me"), sqlite_url).close()
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseError) as info:
            open_store(Settings(user="a new user, so a write is needed"), sqlite_url)
        assert str(info.value) == (
            "The database is locked by another program; wait a moment and try again."
        )
    finally:
        holder.rollback()
        holder.close()


def test_damaged_database_still_says_damaged(tmp_path: Path) -> None:
    path = tmp_path / "vadesk.db"
    store = open_store(Settings(user="me"), f"sqlite:///{path}")
    store.close()
    data = bytearray(path.read_bytes())
    data[16:100] = b"\xff" * 84  # the header's page size and counters: not SQLite any more
    path.write_bytes(bytes(data))
    with pytest.raises(
        NotADatabaseError,
        match="is damaged or not a SQLite database; put a backup back with `vadesk restore FILE`",
    ):
        open_store(Settings(user="me"), f"sqlite:///{path}")


def test_a_database_with_other_tables_is_refused_on_both_databases(new_db_url: str) -> None:
    engine = create_engine(new_db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE recipes (id INTEGER PRIMARY KEY)"))
    try:
        with pytest.raises(NotADatabaseError, match="has tables but is not a vadesk database"):
            open_store(Settings(user="me"), new_db_url)
        # Untouched, and nothing was added beside it.
        assert inspect(engine).get_table_names() == ["recipes"]
    finally:
        engine.dispose()
