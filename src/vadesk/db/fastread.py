"""Bulk reads straight through the DB-API cursor, for the few paths where row objects cost.

Unlocking reads 10,000 vault rows; SQLAlchemy's result rows alone take ~40 ms of the 100 ms
budget here. The SQL is the same on both backends; only the placeholder style differs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def vault_rows(session: Session, vault_id: str) -> list[tuple[Any, ...]]:
    """(id, revision, ciphertext) of every item of the vault, in the session's transaction."""
    connection = session.connection()
    placeholder = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(
            f"SELECT id, revision, ciphertext FROM vault_items WHERE vault_id = {placeholder}",
            (vault_id,),
        )
        return list(cursor.fetchall())
    finally:
        cursor.close()
