"""The first screen of a SQLite board read with the standard library only.

Importing SQLAlchemy costs more than half a second on a slow machine; the board's first frame
does not wait for it. Read-only, and only when the schema is the one this vadesk knows.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vadesk.domain.text import decode_stored

WINDOW_SQL = """
SELECT c.id, c.rank, c.title, cl.name, cl.colour, c.kind, c.due_at,
       COALESCE(ck.done, 0), COALESCE(ck.total, 0), c.version, c.client_id, c.waiting_since
FROM cards c
LEFT JOIN clients cl ON cl.id = c.client_id
LEFT JOIN (SELECT card_id, COUNT(id) AS total, SUM(CASE WHEN done THEN 1 ELSE 0 END) AS done
           FROM checklist_items GROUP BY card_id) ck ON ck.card_id = c.id
WHERE c.lane_id = ? AND c.archived = 0 AND NOT COALESCE(cl.archived, 0)
ORDER BY {order}
LIMIT ?
"""
GROUPED_ORDER = "CASE WHEN c.client_id IS NULL THEN 1 ELSE 0 END, cl.rank, cl.id, c.rank, c.id"
"""A lane grouped by client: the clients' priority order, then the card's (board_groups)."""


def _instant(text: str | None) -> datetime | None:
    # SQLAlchemy's SQLite DateTime keeps naive UTC text ("2026-11-24 09:30:00.000000").
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def first_screen(
    path: Path, head: str, rows: int, now: datetime, *, grouped: bool = False
) -> dict[str, Any] | None:
    """Lanes, counts, each lane's top ``rows`` cards, running cards and the overdue count.

    None when the file is missing or its schema is not ``head`` (the normal start handles it).
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    conn.text_factory = decode_stored  # stored bytes that are not UTF-8 must not fail the read
    try:
        if conn.execute("SELECT version_num FROM alembic_version").fetchall() != [(head,)]:
            return None
        lanes = conn.execute(
            "SELECT id, name, position, role FROM lanes ORDER BY position, id"
        ).fetchall()
        counts = dict(
            conn.execute(
                "SELECT c.lane_id, COUNT(c.id) FROM cards c"
                " LEFT JOIN clients cl ON cl.id = c.client_id"
                " WHERE c.archived = 0 AND NOT COALESCE(cl.archived, 0) GROUP BY c.lane_id"
            )
        )
        windows = {}
        window_sql = WINDOW_SQL.format(order=GROUPED_ORDER if grouped else "c.rank, c.id")
        for lane_id, *_ in lanes:
            cards = [
                (*row[:6], _instant(row[6]), *row[7:11], _instant(row[11]))
                for row in conn.execute(window_sql, (lane_id, rows))
            ]
            windows[lane_id] = cards
        running = {
            r[0] for r in conn.execute("SELECT card_id FROM time_entries WHERE ended_at IS NULL")
        }
        stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        overdue = conn.execute(
            "SELECT COUNT(c.id) FROM cards c JOIN lanes l ON l.id = c.lane_id "
            "LEFT JOIN clients cl ON cl.id = c.client_id "
            "WHERE c.archived = 0 AND c.due_at < ? AND l.role != 'done' "
            "AND c.waiting_since IS NULL AND NOT COALESCE(cl.archived, 0)",
            (stamp,),
        ).fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return {
        "lanes": lanes,
        "counts": counts,
        "windows": windows,
        "running": running,
        "overdue": overdue,
    }


def open_read_only(path: Path, head: str) -> sqlite3.Connection | None:
    """A read-only connection to a SQLite board whose schema is ``head``; None otherwise
    (missing, empty, foreign or older file: the normal start reports or migrates it)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    conn.text_factory = decode_stored  # stored bytes that are not UTF-8 must not fail the read
    try:
        if conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]:
            return conn
    except sqlite3.Error:
        pass
    conn.close()
    return None
