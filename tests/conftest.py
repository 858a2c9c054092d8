"""Shared fixtures: isolated paths, a fresh database per test on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from vadesk.config import Settings
from vadesk.services.store import Store, open_store

PG_URL = os.environ.get("VADESK_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# One template per test session: sessions run side by side on one server must not drop
# each other's template.
TEMPLATE_DB = f"vadesk_test_template_{uuid.uuid4().hex[:8]}"
FIXED_NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every platformdirs path (data, config, logs) lives under the test's tmp folder."""
    home = tmp_path / "xdg"
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.delenv("VADESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("VADESK_CONFIG", raising=False)
    return home


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required under CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test copies it (CREATE DATABASE ... TEMPLATE)."""
    if not PG_URL:
        _unavailable("VADESK_TEST_POSTGRES_URL is not set (see .ci/postgres.sh)")
    assert PG_URL is not None
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {TEMPLATE_DB}"))
    except Exception as error:
        admin.dispose()
        _unavailable(str(error).splitlines()[0])
    url = make_url(PG_URL).set(database=TEMPLATE_DB).render_as_string(hide_password=False)
    store = open_store(Settings(user="tester"), url)
    store.close()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    assert PG_URL is not None
    name = f"vadesk_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}"))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    (tmp_path / "data").mkdir()
    return f"sqlite:///{tmp_path / 'data' / 'vadesk.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database URL, once per backend."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = open_store(Settings(user="tester"), db_url)
    yield store
    store.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    store = open_store(Settings(user="tester"), sqlite_url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def imap_server() -> Iterator[object]:
    """A real IMAP server: .ci/dovecot.sh's (VADESK_TEST_IMAP_*), else a throwaway dovecot."""
    from tests.helpers.imap_server import imap_server_session

    yield from imap_server_session(IN_CI)
