"""Opening vadesk's database: the one object the CLI and the UI hold."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from vadesk.config import Settings
from vadesk.db.engine import Database
from vadesk.db.migrate import ensure_schema
from vadesk.services.users import ensure_user

log = logging.getLogger(__name__)


@dataclass
class Store:
    """A migrated database plus the current user; sessions come from ``read``/``write``."""

    db: Database
    user_id: int
    settings: Settings

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.db.read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.db.write() as session:
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.db.is_sqlite

    @property
    def display_url(self) -> str:
        return self.db.display_url

    def close(self) -> None:
        self.db.dispose()


def open_store(settings: Settings, url: str | None = None) -> Store:
    """Open (creating or upgrading as needed) the database named by ``url`` or the settings."""
    db = Database(settings.resolve_database_url(url), synchronous=settings.sqlite_synchronous)
    try:
        outcome = ensure_schema(db)
        log.info("database %s: schema %s", db.display_url, outcome)
        with db.write() as session:
            user_id = ensure_user(session, settings.user)
    except BaseException:
        db.dispose()
        raise
    return Store(db=db, user_id=user_id, settings=settings)
