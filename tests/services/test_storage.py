"""Opening, creating, migrating and refusing databases."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from vadesk.config import Settings
from vadesk.db import migrate
from vadesk.db.engine import Database
from vadesk.db.models import Base, Card
from vadesk.errors import DatabaseError, DatabaseNewerError, NotADatabaseError
from vadesk.services.board_read import list_cards
from vadesk.services.cards import create_card
from vadesk.services.store import Store, open_store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_known_revisions_match_the_migration_scripts() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(chain) == migrate.KNOWN_REVISIONS
    assert script.get_current_head() == migrate.HEAD


def test_models_and_migrations_do_not_drift(store: Store) -> None:
    with store.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_default_database_is_created_private_in_the_data_folder(isolated_paths: Path) -> None:
    store = open_store(Settings(user="me"))
    try:
        with store.write() as s:
            create_card(s, "hello")
        path = store.db.path
        assert path is not None and path.parent == isolated_paths / "xdg_data_home" / "vadesk"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        wal = path.with_name(path.name + "-wal")
        assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    finally:
        store.close()


def test_sqlite_pragmas_are_set(sqlite_store: Store) -> None:
    with sqlite_store.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_naive_datetimes_are_refused(sqlite_store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"), sqlite_store.write() as s:
        s.add(
            Card(
                lane_id=1,
                rank="a0",
                title="x",
                kind="other",
                description="",
                labels=[],
                archived=False,
                created_at=datetime(2026, 1, 1),
                updated_at=datetime(2026, 1, 1),
            )
        )
        s.flush()


def test_zero_byte_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(NotADatabaseError, match="empty file"):
        open_store(Settings(user="me"), f"sqlite:///{path}")
    assert path.stat().st_size == 0


def test_non_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n" * 10)
    before = digest(path)
    with pytest.raises(NotADatabaseError, match="not a SQLite database"):
        open_store(Settings(user="me"), f"sqlite:///{path}")
    assert digest(path) == before


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (id INTEGER)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(NotADatabaseError, match="not a vadesk database"):
        open_store(Settings(user="me"), f"sqlite:///{path}")
    assert digest(path) == before


def test_database_from_a_newer_vadesk_is_refused_unchanged(sqlite_url: str) -> None:
    open_store(Settings(user="me"), sqlite_url).close()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseNewerError, match="newer than this vadesk knows; upgrade vadesk"):
        open_store(Settings(user="me"), sqlite_url)
    assert digest(path) == before


def test_pending_migration_copies_the_file_aside_first(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    migrate.upgrade(db, "0001")  # a database written by the first release
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO cards (lane_id, rank, title, description, kind, labels, archived,"
            " created_at, updated_at, version) VALUES (1, 'a0', 'precious', '', 'other', '[]',"
            " 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
        )
    db.dispose()
    store = open_store(Settings(user="me"), sqlite_url)
    try:
        with store.read() as s:
            assert [c.title for c in list_cards(s)] == ["precious"]
            assert migrate.current_revision(s.connection()) == migrate.HEAD
    finally:
        store.close()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    (backup,) = path.parent.glob("vadesk.db.before-0001-*.bak")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    assert copy.execute("SELECT title FROM cards").fetchall() == [("precious",)]
    copy.close()


def test_current_schema_start_does_not_import_alembic(sqlite_url: str) -> None:
    import subprocess
    import sys

    open_store(Settings(user="me"), sqlite_url).close()
    code = (
        "import sys; from vadesk.config import Settings; from vadesk.services.store import "
        f"open_store; open_store(Settings(user='me'), {sqlite_url!r}).close(); "
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bad_url_and_unreachable_server_give_one_line_errors() -> None:
    with pytest.raises(DatabaseError, match="Cannot understand database URL"):
        open_store(Settings(user="me"), "not a url")
    with pytest.raises(DatabaseError, match="Unsupported database 'mysql'"):
        open_store(Settings(user="me"), "mysql://x@localhost/db")
    with pytest.raises(DatabaseError, match="Cannot reach the database") as info:
        open_store(Settings(user="me"), "postgresql+psycopg://u:hunter2@127.0.0.1:1/db")
    assert "\n" not in str(info.value) and "hunter2" not in str(info.value)


def test_postgres_upgrade_installs_change_notification_triggers(pg_url: str) -> None:
    store = open_store(Settings(user="me"), pg_url)
    try:
        with store.db.engine.connect() as conn:
            triggers = set(
                conn.execute(
                    text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'vadesk_%'")
                ).scalars()
            )
        assert "vadesk_cards_changed" in triggers
    finally:
        store.close()
