"""Small choices the TUI remembers between runs (grouping the board by client).

Kept as JSON in the state folder, not in the database: they belong to this user on this
machine, not to the board an agency shares. A missing or unreadable file means the defaults;
remembering a choice never fails the action that made it (the caller logs and goes on).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from vadesk.config import state_dir
from vadesk.services.files import write_private

log = logging.getLogger(__name__)
FILE_NAME = "preferences.json"


@dataclass(frozen=True)
class Preferences:
    group_by_client: bool = False
    """Each board lane groups its cards by client, in the clients' priority order."""


def path() -> Path:
    return state_dir() / FILE_NAME


def load(where: Path | None = None) -> Preferences:
    """The saved preferences; defaults for anything missing, mistyped or unreadable."""
    target = where or path()
    try:
        data: Any = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Preferences()
    except (OSError, ValueError):
        log.warning("preferences file %s unreadable: using defaults", target)
        return Preferences()
    if not isinstance(data, dict):
        return Preferences()
    defaults = Preferences()
    known: dict[str, Any] = {}
    for f in fields(Preferences):
        value = data.get(f.name)
        if isinstance(value, type(getattr(defaults, f.name))):
            known[f.name] = value
    return replace(defaults, **known)


def save(preferences: Preferences, where: Path | None = None) -> Path:
    """Write ``preferences`` (0600, whole or not at all); an OSError names the file."""
    text = json.dumps(asdict(preferences), indent=2, sort_keys=True) + "\n"
    return write_private(where or path(), text.encode("utf-8"))


def update(**changes: Any) -> Preferences:
    """Load, change the given fields, save; returns what is now in force."""
    preferences = replace(load(), **changes)
    save(preferences)
    return preferences
