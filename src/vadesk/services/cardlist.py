"""`card list --json` rows straight from a DB-API cursor: fast at 50,000 cards.

The same SQL runs on both databases (only the placeholder differs). On a current SQLite
board the CLI reads with the standard library alone and never imports SQLAlchemy, which
costs more than the listing itself; otherwise ``board_read.iter_card_json`` runs it in a session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

Execute = Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]]
"""Runs SQL (``{p}`` marks a parameter) with its parameters and yields the raw rows."""

LANES_SQL = "SELECT id, name FROM lanes ORDER BY position, id"
CLIENTS_SQL = "SELECT id, name, archived FROM clients"
# Along the lane-order index (lane_id, archived, rank, id): no sort, rows come as read.
CARDS_SQL = (
    "SELECT id, title, description, client_id, kind, due_at, estimate_minutes, labels,"
    " version, created_at, updated_at FROM cards"
    " WHERE lane_id = {p} AND archived = {p} ORDER BY rank, id"
)


def card_json(
    execute: Execute,
    *,
    lane_id: int | None = None,
    client_id: int | None = None,
    archived: bool = False,
    limit: int | None = None,
    offset: int = 0,
    archived_clients: bool = False,
) -> Iterator[dict[str, Any]]:
    """Cards in board order as ``CardRow.as_json()`` dicts, one at a time.

    Cards of archived clients are left out unless ``archived_clients`` or ``client_id``
    asks for them.

    Positions count every card of the lane, whatever ``client_id`` hides; ``offset`` and
    ``limit`` apply to what is listed, and reading stops once ``limit`` cards are out.
    """
    lanes = list(execute(LANES_SQL, ()))
    clients: dict[int, str] = {}
    hidden: set[int] = set()
    for cid, name, client_archived in execute(CLIENTS_SQL, ()):
        clients[cid] = name
        if client_archived and not archived_clients and client_id is None:
            hidden.add(cid)
    to_skip, to_give = offset, limit
    for lane_row_id, lane_name in lanes:
        if lane_id is not None and lane_row_id != lane_id:
            continue
        if to_give is not None and to_give <= 0:
            return
        rows = execute(CARDS_SQL, (lane_row_id, archived))
        for position, row in enumerate(rows, 1):
            (card_id, title, description, card_client, kind, due_at, estimate, labels,
             version, created_at, updated_at) = row  # fmt: skip
            if client_id is not None and card_client != client_id:
                continue
            if card_client in hidden:
                continue
            if to_skip:
                to_skip -= 1
                continue
            yield {
                "id": card_id,
                "title": title,
                "description": description,
                "lane": lane_name,
                "lane_id": lane_row_id,
                "position": position,
                "client": clients.get(card_client) if card_client is not None else None,
                "kind": kind,
                "due": iso_instant(due_at),
                "estimate_minutes": estimate,
                "labels": json_list(labels),
                "archived": archived,
                "version": version,
                "created_at": iso_instant(created_at),
                "updated_at": iso_instant(updated_at),
            }
            if to_give is not None:
                to_give -= 1
                if to_give <= 0:
                    return


def iso_instant(value: Any) -> str | None:
    """A stored instant as the ISO text ``UTCDateTime`` + ``isoformat()`` would give."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite keeps naive UTC text: "2026-11-24 09:30:00.000000"
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            whole = value[:19] if value.endswith(".000000") else value
            return f"{whole[:10]}T{whole[11:]}+00:00"
        return datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat()
    instant: datetime = value
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC).isoformat()
    return instant.astimezone(UTC).isoformat()


def json_list(value: Any) -> list[Any]:
    """A JSON list column's raw value: text on SQLite, already decoded on PostgreSQL."""
    if value is None or value == "[]":
        return []
    if isinstance(value, str | bytes):
        return list(json.loads(value))
    return list(value)


def quick_card_json(
    url: str,
    *,
    lane: str | None,
    client: str | None,
    archived: bool,
    limit: int | None,
    offset: int,
    archived_clients: bool = False,
) -> Iterator[dict[str, Any]] | None:
    """``card_json`` on a current SQLite board through the standard library, or None.

    None (use the normal path, which also gives the error) for anything else: another
    database, a missing or outdated file, a lane or client name that does not resolve.
    """
    from vadesk.db.quick import open_read_only
    from vadesk.db.revisions import HEAD
    from vadesk.services.quick import sqlite_file

    path = sqlite_file(url)
    conn = open_read_only(path, HEAD) if path is not None else None
    if conn is None:
        return None
    try:
        lane_id = client_id = None
        if lane is not None:
            wanted = lane.strip().lower()
            lane_ids = [i for i, name in conn.execute(LANES_SQL) if name.lower() == wanted]
            lane_id = lane_ids[0] if lane_ids else None
        if client is not None:
            found = conn.execute(
                "SELECT id FROM clients WHERE lower(name) = ?", (client.strip().lower(),)
            ).fetchone()
            client_id = found[0] if found else None
    except Exception:
        conn.close()
        raise
    if (lane is not None and lane_id is None) or (client is not None and client_id is None):
        conn.close()
        return None
    return _closing(
        conn,
        card_json(
            lambda sql, params: conn.execute(sql.format(p="?"), tuple(params)),
            lane_id=lane_id,
            client_id=client_id,
            archived=archived,
            limit=limit,
            offset=offset,
            archived_clients=archived_clients,
        ),
    )


def _closing(conn: Any, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    try:
        yield from rows
    finally:
        conn.close()
