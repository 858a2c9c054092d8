"""Where messages come from on disk: .eml files, mbox files and Maildir folders (what
fetchmail, getmail or mbsync deliver), once or watched."""

from __future__ import annotations

import logging
import mailbox
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from vadesk.config import Settings
from vadesk.domain.text import display
from vadesk.errors import InvalidInputError
from vadesk.services.intake import IngestResult, IntakeSummary, intake_rules
from vadesk.services.intake.ingest import BATCH, ingest_batch
from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024
"""A single .eml this large is not a message anyone sent; it is skipped, not read."""


_FROM_QUOTED = re.compile(rb"(?m)^>(>*From )")
CHUNK_BYTES = 64 * 1024 * 1024
"""A batch holds at most this much mail in memory (a few big messages make a batch)."""


@dataclass(frozen=True)
class RawMessage:
    source: str
    """Where it was read: the file, ``FILE#N`` (Nth message of an mbox) or the Maildir file."""
    raw: bytes | None
    """None when it could not be read; ``error`` says why."""
    error: str = ""


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "new").is_dir() and (path / "cur").is_dir()


def check_paths(paths: Sequence[Path]) -> None:
    """Refuse, before anything is read, a path that is neither a file nor a Maildir."""
    for path in paths:
        if not path.exists():
            raise InvalidInputError(
                f"{display(str(path))} does not exist; give .eml/mbox files or Maildir folders."
            )
        if path.is_dir() and not is_maildir(path):
            raise InvalidInputError(
                f"{display(str(path))} is a folder but not a Maildir (no cur/ and new/ in it)."
            )


def _is_mbox(path: Path) -> bool:
    """An mbox starts with a "From " line (after blank lines, which some tools leave)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).lstrip(b"\r\n \t")
    except OSError:
        return False
    return head.startswith(b"From ")


def read_path(path: Path) -> Iterator[RawMessage]:
    """Every message under ``path``: a Maildir (new/ then cur/), an mbox, or one .eml."""
    if is_maildir(path):
        yield from _read_maildir(path)
    elif _is_mbox(path):
        yield from _read_mbox(path)
    else:
        yield _read_file(path, str(path))


def _read_file(path: Path, source: str) -> RawMessage:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return RawMessage(
                source, None, f"file of {size // 2**20} MB is too large to be a message"
            )
        return RawMessage(source, path.read_bytes())
    except OSError as error:
        return RawMessage(source, None, f"cannot read it: {error.strerror or error}")


def _read_mbox(path: Path) -> Iterator[RawMessage]:
    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), 1):
            source = f"{path}#{number}"
            try:
                # mboxrd (and most mboxo writers) quote body lines starting "From " as
                # ">From ": take one ">" off again.
                yield RawMessage(source, _FROM_QUOTED.sub(rb"\1", box.get_bytes(key)))
            except (OSError, KeyError) as error:
                yield RawMessage(source, None, f"cannot read it: {error}")
    finally:
        box.close()


def _maildir_files(path: Path, sub: str) -> list[Path]:
    try:
        entries = sorted(os.scandir(path / sub), key=lambda e: e.name)
    except OSError:
        return []
    return [Path(e.path) for e in entries if not e.name.startswith(".") and e.is_file()]


def _read_maildir(path: Path) -> Iterator[RawMessage]:
    # Read in place: the mailbox belongs to the mail tool; nothing is moved or flagged.
    for sub in ("new", "cur"):
        for file in _maildir_files(path, sub):
            yield _read_file(file, str(file))


def ingest_raws(
    store: StoreLike,
    messages: Sequence[RawMessage],
    settings: Settings,
    summary: IntakeSummary,
    on_result: Callable[[IngestResult], None] | None = None,
) -> list[IngestResult]:
    """Ingest what could be read (committed in batches) and count what could not."""
    readable = [(m.raw, m.source) for m in messages if m.raw is not None]
    stored = iter(ingest_batch(store, readable, settings=settings) if readable else [])
    results = []
    for message in messages:
        if message.raw is None:
            result = IngestResult("skipped", None, "", message.error, message.source)
        else:
            result = next(stored)
        summary.add(result)
        if on_result is not None:
            on_result(result)
        results.append(result)
    return results


def _chunks(messages: Iterable[RawMessage], size: int) -> Iterator[list[RawMessage]]:
    chunk: list[RawMessage] = []
    held = 0
    for message in messages:
        chunk.append(message)
        held += len(message.raw or b"")
        if len(chunk) >= size or held > CHUNK_BYTES:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def ingest_paths(
    store: StoreLike,
    paths: Sequence[Path],
    settings: Settings,
    *,
    on_result: Callable[[IngestResult], None] | None = None,
    stop: threading.Event | None = None,
) -> IntakeSummary:
    """Every message of every path, committed a batch at a time; stops early when ``stop``
    is set (between batches)."""
    intake_rules(settings)  # a bad [intake] table is reported before anything is read
    check_paths(paths)
    summary = IntakeSummary()
    for path in paths:
        for chunk in _chunks(read_path(path), BATCH):
            if stop is not None and stop.is_set():
                return summary
            ingest_raws(store, chunk, settings, summary, on_result)
    return summary


def watch_maildirs(
    store: StoreLike,
    folders: Sequence[Path],
    settings: Settings,
    *,
    stop: threading.Event,
    on_result: Callable[[IngestResult], None] | None = None,
    on_round: Callable[[IntakeSummary], None] | None = None,
    interval: float = 1.0,
) -> IntakeSummary:
    """Read each Maildir's new/ and cur/, then again every ``interval`` seconds for files not
    seen yet, until ``stop`` is set. ``on_round`` gets each round that found mail."""
    intake_rules(settings)
    check_paths(folders)
    for folder in folders:
        if not is_maildir(folder):
            raise InvalidInputError(
                f"--watch needs Maildir folders; {display(str(folder))} is a file."
            )
    total = IntakeSummary()
    seen: set[str] = set()
    while not stop.is_set():
        round_summary = IntakeSummary()
        # new/ and cur/ each round (a mail reader may move a message before we see it),
        # known by the unique part of the name: flags after ":" change, it does not.
        fresh = [
            file
            for folder in folders
            for sub in ("new", "cur")
            for file in _maildir_files(folder, sub)
            if _unique(file) not in seen
        ]
        seen.update(_unique(file) for file in fresh)
        for chunk in _chunks(_read_present(fresh), BATCH):
            if stop.is_set():
                break
            for result in ingest_raws(store, chunk, settings, round_summary, on_result):
                total.add(result)
        if on_round is not None and _anything(round_summary):
            on_round(round_summary)
        stop.wait(interval)
    return total


def _unique(file: Path) -> str:
    return str(file.parent.parent / file.name.split(":")[0])


def _read_present(files: Iterable[Path]) -> Iterator[RawMessage]:
    for file in files:
        message = _read_file(file, str(file))
        if message.raw is None and not file.exists():
            continue  # moved to cur/ by the mail reader meanwhile: seen there next time
        yield message


def _anything(summary: IntakeSummary) -> bool:
    return bool(summary.cards or summary.comments or summary.duplicates or summary.skipped)
