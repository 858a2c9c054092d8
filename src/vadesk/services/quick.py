"""The board's first screen without SQLAlchemy (see db/quick.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vadesk.services.rows import CardLine, LaneRow


@dataclass(frozen=True)
class QuickBoard:
    lanes: list[LaneRow]
    windows: dict[int, tuple[int, list[CardLine]]]
    running: frozenset[int]
    overdue: int
    grouped: bool = False
    """Lanes grouped by client (the board's ``g``)."""


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL, or None for anything else."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    rest = url[len(prefix) :]
    return Path(rest).expanduser() if rest and rest != ":memory:" else None


def quick_board(url: str, rows: int, now: datetime, *, grouped: bool = False) -> QuickBoard | None:
    from vadesk.db.quick import first_screen
    from vadesk.db.revisions import HEAD

    path = sqlite_file(url)
    if path is None:
        return None
    data = first_screen(path, HEAD, rows, now, grouped=grouped)
    if data is None:
        return None
    counts = data["counts"]
    lanes = [LaneRow(i, n, p, r, counts.get(i, 0)) for i, n, p, r in data["lanes"]]
    windows = {
        lane.id: (counts.get(lane.id, 0), [CardLine(*row) for row in data["windows"][lane.id]])
        for lane in lanes
    }
    return QuickBoard(lanes, windows, frozenset(data["running"]), data["overdue"], grouped)
