"""Bulk reads straight through the DB-API cursor, for the few paths where row objects cost.

Unlocking reads 10,000 vault rows; SQLAlchemy's result rows alone take ~40 ms of the 100 ms
budget here. The SQL is the same on both backends; only the placeholder style differs.
The raw cursor bypasses SQLAlchemy's error wrapping, so driver errors are mapped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from vadesk.errors import NotADatabaseError

CHUNK = 500


def vault_rows(session: Session, vault_id: str) -> list[tuple[Any, ...]]:
    """(id, revision, ciphertext) of every item of the vault, in the session's transaction."""
    return _fetch(
        session,
        "SELECT id, revision, ciphertext FROM vault_items WHERE vault_id = {p}",
        (vault_id,),
    )


def vault_rows_by_id(session: Session, item_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """(id, revision, ciphertext) of the named items, in the session's transaction."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(item_ids), CHUNK):
        chunk = tuple(item_ids[start : start + CHUNK])
        marks = ", ".join(["{p}"] * len(chunk))
        rows += _fetch(
            session,
            f"SELECT id, revision, ciphertext FROM vault_items WHERE id IN ({marks})",
            chunk,
        )
    return rows


def _fetch(session: Session, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    connection = session.connection()
    placeholder = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql.replace("{p}", placeholder), params)
        return list(cursor.fetchall())
    except dbapi.Error as error:
        # Never quote the driver: "Could not decode to UTF-8 column ... with text '...'"
        # carries the row's bytes (ciphertext) in its message.
        lowered = str(error).lower()
        what = "a row holds text that is not valid UTF-8" if "decode" in lowered else "unreadable"
        raise NotADatabaseError(
            f"The vault's items cannot be read ({what}); the database file is damaged: put "
            "back a copy from before the damage, or run `vadesk vault verify` to see what is "
            "intact."
        ) from None
    finally:
        cursor.close()
