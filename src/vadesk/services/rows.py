"""Light row types the board draws (no SQLAlchemy import: the first frame needs them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True)
class LaneRow:
    id: int
    name: str
    position: int
    role: str
    count: int
    waiting: bool = False
    """A waiting lane: its cards' turnaround clocks are paused."""


class CardLine(NamedTuple):
    """What a lane draws for one card: light, no ORM object."""

    id: int
    rank: str
    title: str
    client: str | None
    client_colour: str | None
    kind: str
    due_at: datetime | None
    checklist_done: int
    checklist_total: int
    version: int
    client_id: int | None = None
    paused_since: datetime | None = None
    """When the card's turnaround clock paused (waiting on the client); None: it runs."""

    @property
    def looks(self) -> tuple[object, ...]:
        """What drawing depends on: a new rank or version alone changes nothing on screen."""
        return (
            self.id,
            self.title,
            self.client,
            self.client_colour,
            self.kind,
            self.due_at,
            self.checklist_done,
            self.checklist_total,
            self.paused_since,
        )
