"""Reading other tools' export files into plain records (no database, no I/O).

Each module parses one format strictly: a file that is not what it claims to be raises
``ImportFileError`` (nothing is imported); a row or item that cannot be read becomes a
``Problem`` naming where it is and why, and the rest is still read.
"""

from __future__ import annotations

from dataclasses import dataclass

from vadesk.errors import InvalidInputError


class ImportFileError(InvalidInputError):
    """The file as a whole cannot be imported (wrong format, unreadable); nothing changes."""


@dataclass(frozen=True)
class Problem:
    """Something in the file that was not imported (or not whole), and why."""

    where: str
    """Where it is: "line 12", "card 'Call the bank' (5f1c...)"."""
    reason: str

    def line(self) -> str:
        return f"{self.where}: {self.reason}"
