"""A card's attachments: listing them and opening one with the system's opener."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vadesk.config import data_dir, make_private_dir
from vadesk.db.models import CardAttachment
from vadesk.domain.mail import Attachment
from vadesk.domain.text import display
from vadesk.errors import NotFoundError, VadeskError
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


# ---------------------------------------------------------------- saving

ATTACHMENTS = "attachments"


def data_folder(store: StoreLike) -> Path:
    """The folder attachments live under: beside a SQLite database, else the data folder."""
    path = store.db.path
    return path.expanduser().resolve().parent if path is not None else data_dir()


def attachment_file(store: StoreLike, relative: str) -> Path | None:
    """The file of a stored attachment path, or None if it would lie outside the folder."""
    if not relative:
        return None
    root = (data_folder(store) / ATTACHMENTS).resolve()
    target = (data_folder(store) / relative).resolve()
    return target if target.is_relative_to(root) else None


# ---------------------------------------------------------------- entry point


def save_attachments(
    session: Session,
    store: StoreLike,
    card_id: int,
    attachments: tuple[Attachment, ...],
    now: datetime,
    written: list[Path],
) -> list[dict[str, Any]]:
    """Write each attachment under attachments/<card id>/ (0600, never over another file) and
    list it on the card; what is over the size limit is named, not saved."""
    saved: list[dict[str, Any]] = []
    if not attachments:
        return saved
    base = data_folder(store)
    folder = base / ATTACHMENTS / str(card_id)
    for attachment in attachments:
        if attachment.data is None:
            saved.append({"name": attachment.name, "size": attachment.size, "saved": False})
            continue
        make_private_dir(base / ATTACHMENTS)
        make_private_dir(folder)
        if folder.resolve() != base.resolve() / ATTACHMENTS / str(card_id):
            # A link planted in the data folder: never write where it points.
            raise OSError(errno.EPERM, "the attachments folder is a link elsewhere", str(folder))
        path = _write_new(folder, attachment.name, attachment.data)
        written.append(path)
        relative = path.relative_to(base).as_posix()
        session.add(
            CardAttachment(
                card_id=card_id,
                name=path.name,
                path=relative,
                size=len(attachment.data),
                content_type=attachment.content_type,
                created_at=now,
            )
        )
        saved.append({"name": path.name, "size": len(attachment.data), "saved": True})
    return saved


def _candidates(name: str) -> Iterator[str]:
    yield name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    for n in range(2, 1000):
        yield f"{stem} ({n}){dot}{ext}"


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Create a new file in ``folder`` (never replacing one, never following a link)."""
    root = folder.resolve()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for candidate in _candidates(name):
        path = root / candidate
        if path.resolve().parent != root:  # safe_filename already ensures this; be sure
            raise OSError(errno.EPERM, "attachment name leaves its folder", candidate)
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return path
    raise OSError(errno.EEXIST, "too many attachments with this name", name)
