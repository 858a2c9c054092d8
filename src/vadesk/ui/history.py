"""Undo and redo of board changes, as pairs of id-only steps (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vadesk.services.board_steps import Step


@dataclass(frozen=True)
class Change:
    label: str
    undo: Step
    redo: Step


@dataclass
class History:
    """Bounded undo/redo stacks; a new change clears what could be redone."""

    limit: int = 100
    _done: list[Change] = field(default_factory=list)
    _undone: list[Change] = field(default_factory=list)

    def record(self, change: Change) -> None:
        self._done.append(change)
        del self._done[: -self.limit]
        self._undone.clear()

    def take_undo(self) -> Change | None:
        return self._done.pop() if self._done else None

    def take_redo(self) -> Change | None:
        return self._undone.pop() if self._undone else None

    def undone(self, change: Change) -> None:
        self._undone.append(change)

    def redone(self, change: Change) -> None:
        self._done.append(change)

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)
