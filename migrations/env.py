"""Alembic environment: vadesk passes its own connection; developers may use alembic.ini."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from vadesk.db.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = os.environ.get("VADESK_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("Set VADESK_DATABASE_URL to the database to migrate.")
    engine = create_engine(url)
    with engine.connect() as conn:
        run(conn)
        conn.commit()
