"""First start and odd places: missing files and folders, read-only places, concurrent starts."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import IN_CI, PG_URL
from vadesk.config import Settings
from vadesk.db import migrate
from vadesk.db.models import User
from vadesk.errors import DatabaseError
from vadesk.services import board
from vadesk.services.store import open_store


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
        board.create_card(s, "kept")
    store.close()
    again = open_store(Settings(user="me"), sqlite_url, create=False)
    try:
        with again.read() as s:
            assert [c.title for c in board.list_cards(s)] == ["kept"]
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
from vadesk.services import board
from vadesk.services.store import open_store
time.sleep(max(0.0, start_at - time.time()))
store = open_store(Settings(user="va"), url)
with store.read() as s:
    print(store.user_id, ",".join(lane.name for lane in board.list_lanes(s)))
store.close()
"""
STARTERS = 8


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database (not the migrated template the other tests copy)."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("PostgreSQL is required under CI")
        pytest.skip("PostgreSQL not available: VADESK_TEST_POSTGRES_URL is not set")
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
    assert lanes == "Urgent,High,Normal,Low,Done"
    store = open_store(Settings(user="va"), new_db_url)
    try:
        assert store.user_id == int(user_id)
        with store.read() as s:
            assert migrate.current_revision(s.connection()) == migrate.HEAD
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
