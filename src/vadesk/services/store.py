"""Opening vadesk's database: the one object the CLI and the UI hold."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import platformdirs
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vadesk.config import APP_NAME, Settings
from vadesk.db.engine import Database, parse_url, sqlite_path
from vadesk.db.migrate import ensure_schema
from vadesk.services.users import ensure_user

log = logging.getLogger(__name__)


def _in_data_folder(url: str) -> bool:
    """Whether ``url`` is a SQLite file directly in vadesk's data folder."""
    path = sqlite_path(parse_url(url))
    if path is None:
        return False
    data_folder = Path(platformdirs.user_data_dir(APP_NAME))
    return path.parent.resolve() == data_folder.resolve()


class StoreLike(Protocol):
    """What the UI and the CLI use of an open database: a ``Store``, or a ``StoreHandle``
    that is still opening one behind the quick first frame."""

    settings: Settings
    user_id: int
    db: Database

    def read(self) -> AbstractContextManager[Session]: ...

    def write(self) -> AbstractContextManager[Session]: ...

    @property
    def is_sqlite(self) -> bool: ...

    @property
    def display_url(self) -> str: ...

    def close(self) -> None: ...


@dataclass
class Store:
    """A migrated database plus the current user; sessions come from ``read``/``write``."""

    db: Database
    user_id: int
    settings: Settings

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.db.read() as session:
            session.info["settings"] = self.settings  # services read the VA's working hours
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.db.write() as session:
            session.info["settings"] = self.settings
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.db.is_sqlite

    @property
    def display_url(self) -> str:
        return self.db.display_url

    def close(self) -> None:
        self.db.dispose()


def open_store(settings: Settings, url: str | None = None, *, create: bool = True) -> Store:
    """Open (upgrading as needed) the database named by ``url`` or the settings.

    ``create=False`` (read-only commands) refuses a SQLite file that does not exist instead
    of creating it. A new file is only created in a folder that exists, or in vadesk's own
    data folder, which is made on demand: a mistyped path is reported, not silently created.
    """
    resolved = settings.resolve_database_url(url)
    db = Database(
        resolved,
        synchronous=settings.sqlite_synchronous,
        create=create,
        make_folder=_in_data_folder(resolved),
    )
    try:
        outcome = ensure_schema(db)
        log.info("database %s: schema %s", db.display_url, outcome)
        user_id = _ensure_user(db, settings.user)
    except BaseException:
        db.dispose()
        raise
    return Store(db=db, user_id=user_id, settings=settings)


def _ensure_user(db: Database, name: str) -> int:
    try:
        with db.write() as session:
            return ensure_user(session, name)
    except IntegrityError:
        # Another process starting at the same moment added the same user first (on
        # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises this): it is there now.
        with db.write() as session:
            return ensure_user(session, name)
