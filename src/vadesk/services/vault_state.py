"""What this user last saw of each vault, kept outside the database.

A whole-vault rollback (items and manifest copied back from an old backup) is consistent
inside the database, so nothing in it can reveal it. The highest manifest revision (and its
hash) this user has opened or written is kept in the state folder; a database that holds an
older one is reported, and the user can accept it once (after a deliberate restore).

The same file remembers a passphrase change whose old wrapped key could not yet be wiped from
SQLite's write-ahead log (another program held a read snapshot), so the next open finishes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vadesk.config import state_dir

log = logging.getLogger(__name__)

FILE_NAME = "vaults.json"


@dataclass(frozen=True)
class Seen:
    revision: int
    digest: str


def digest(ciphertext: bytes) -> str:
    return hashlib.sha256(ciphertext).hexdigest()


def _path() -> Path:
    return state_dir() / FILE_NAME


def _load() -> dict[str, Any]:
    try:
        raw = json.loads(_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        # A damaged state file must not lock the owner out; it only weakens rollback checks.
        log.warning("vault state file unreadable (%s); starting afresh", type(error).__name__)
        return {}
    return raw if isinstance(raw, dict) else {}


def _save(state: dict[str, Any]) -> None:
    path = _path()
    fd, tmp = tempfile.mkstemp(prefix=".vaults-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def seen(vault_id: str) -> Seen | None:
    entry = _load().get("seen", {}).get(vault_id)
    if not isinstance(entry, dict):
        return None
    revision, text = entry.get("revision"), entry.get("digest")
    if type(revision) is not int or not isinstance(text, str):
        return None
    return Seen(revision, text)


def remember(vault_id: str, revision: int, manifest_digest: str, *, force: bool = False) -> None:
    """Record what was opened or written; never lowers the mark unless ``force`` (accepted)."""
    try:
        state = _load()
        marks = state.setdefault("seen", {})
        old = marks.get(vault_id)
        if (
            not force
            and isinstance(old, dict)
            and type(old.get("revision")) is int
            and old["revision"] > revision
        ):
            return
        marks[vault_id] = {"revision": revision, "digest": manifest_digest}
        _save(state)
    except OSError as error:
        log.warning("cannot record the vault's state: %s", error.strerror)


def wipe_pending(database: str) -> bool:
    return database in _load().get("wipe_pending", [])


def set_wipe_pending(database: str, pending: bool) -> None:
    try:
        state = _load()
        waiting = [d for d in state.get("wipe_pending", []) if isinstance(d, str) and d != database]
        if pending:
            waiting.append(database)
        if waiting != state.get("wipe_pending", []):
            state["wipe_pending"] = waiting
            _save(state)
    except OSError as error:
        log.warning("cannot record the pending wipe: %s", error.strerror)
