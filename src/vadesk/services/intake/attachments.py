"""A card's attachments: listing them and opening one with the system's opener."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass

from sqlalchemy import select

from vadesk.db.models import CardAttachment
from vadesk.domain.text import display
from vadesk.errors import NotFoundError, VadeskError
from vadesk.services.intake.ingest import attachment_file
from vadesk.services.store import StoreLike


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    name: str
    size: int
    content_type: str
    path: str
    """Relative to the data folder; empty for a link."""
    url: str

    @property
    def label(self) -> str:
        """Name and size for a list, safe to show."""
        if self.url and not self.path:
            return f"{display(self.name)} (link)"
        return f"{display(self.name)} ({human_size(self.size)})"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def list_attachments(store: StoreLike, card_id: int) -> list[AttachmentRow]:
    with store.read() as session:
        rows = session.scalars(
            select(CardAttachment)
            .where(CardAttachment.card_id == card_id)
            .order_by(CardAttachment.created_at, CardAttachment.id)
        ).all()
        return [AttachmentRow(a.id, a.name, a.size, a.content_type, a.path, a.url) for a in rows]


class OpenError(VadeskError):
    """An attachment could not be handed to the system's opener."""


def opener() -> list[str] | None:
    """The command that opens a file with its usual program here (None: os.startfile)."""
    if sys.platform == "darwin":
        return ["open"]
    if sys.platform == "win32":
        return None
    return ["xdg-open"]


def open_attachment(store: StoreLike, row: AttachmentRow) -> str:
    """Hand the file (or link) to the system's opener without waiting for it; returns what
    was opened. Only files inside the attachments folder are opened."""
    target: str
    if row.path:
        path = attachment_file(store, row.path)
        if path is None:
            raise OpenError(
                f"{display(row.name)} is stored outside the attachments folder; not opened."
            )
        if not path.is_file():
            raise NotFoundError(f"{display(row.name)} is no longer in {display(str(path.parent))}.")
        target = str(path)
    elif row.url.startswith(("https://", "http://")):
        target = row.url
    else:
        raise OpenError(f"{display(row.name)} has no file or web link to open.")
    command = opener()
    if command is None:
        os.startfile(target)  # type: ignore[attr-defined,unused-ignore]  # Windows only
        return target
    if shutil.which(command[0]) is None:
        raise OpenError(f"No {command[0]} here to open files; the file is {display(target)}.")
    process = subprocess.Popen(
        [*command, target],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not ours to wait for, nor to kill with the board
    )
    # Reaped on the side: xdg-open may wait for the viewer, and an unwaited child lingers.
    threading.Thread(target=process.wait, name="opener-reaper", daemon=True).start()
    return target
