"""One message into the board: a new card, a comment on the card it answers, or a duplicate.

``ingest_message`` parses, routes and commits in its own write transaction before it returns,
so a caller (the IMAP fetcher) may flag the message as done as soon as it has the result.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vadesk.config import Settings, data_dir, make_private_dir
from vadesk.db.models import (
    Card,
    CardActivity,
    CardAttachment,
    Client,
    ClientAddress,
    ClientContact,
    IntakeMessage,
    Lane,
)
from vadesk.domain.clock import utcnow
from vadesk.domain.mail import Attachment, Mail, message_key, parse_mail
from vadesk.domain.text import clean_title
from vadesk.services.card_access import log_activity
from vadesk.services.cards import create_card
from vadesk.services.intake import IngestResult, IntakeRules, IntakeSummary, intake_rules
from vadesk.services.lanes import default_lane_id, lane_of_role
from vadesk.services.ordering import move_card
from vadesk.services.store import StoreLike

__all__ = ["IngestResult", "IntakeSummary", "attachment_file", "data_folder", "ingest_message"]

log = logging.getLogger(__name__)

ATTACHMENTS = "attachments"
# Mail services many unrelated senders share: their domain says nothing about the client.
FREEMAIL = {
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
    "fastmail.com",
    "mail.com",
    "zoho.com",
}
_RETRIES = 3


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


def ingest_message(
    store: StoreLike,
    raw: bytes,
    *,
    source: str,
    settings: Settings,
    now: datetime | None = None,
) -> IngestResult:
    """Turn one raw message into a card or a comment, committed; never raises for bad mail
    (ConfigError for a bad [intake] table, database errors as they come)."""
    rules = intake_rules(settings)
    now = now or utcnow()
    mail = parse_mail(raw, attachment_max_bytes=rules.attachment_max_bytes)
    key = message_key(mail, raw)
    label = f"{source}: {mail.label}" if source else mail.label
    with store.read() as session:
        if _seen(session, key):
            return IngestResult("duplicate", _card_of(session, key), key, "", label)
    if not (mail.subject or mail.body or mail.attachments or mail.sender):
        return IngestResult("skipped", None, key, "nothing readable in it", source or "message")
    for attempt in range(_RETRIES):
        written: list[Path] = []
        try:
            with store.write() as session:
                if _seen(session, key):
                    return IngestResult("duplicate", _card_of(session, key), key, "", label)
                result = _ingest(session, store, mail, key, label, rules, now, written)
            log.info("intake %s: %s card %s", source, result.outcome, result.card_id)
            return result
        except IntegrityError:
            # Another run took this message (or created the Inbox lane) at the same moment:
            # look again, it is most likely a duplicate now.
            _remove(written)
            if attempt == _RETRIES - 1:
                raise
        except OSError as error:
            _remove(written)
            reason = f"cannot save an attachment: {error.strerror or error}"
            return IngestResult("skipped", None, key, reason, label)
        except BaseException:
            _remove(written)
            raise
    raise AssertionError("unreachable")


def _seen(session: Session, key: str) -> bool:
    if session.scalar(select(IntakeMessage.id).where(IntakeMessage.message_key == key)):
        return True
    return bool(session.scalar(select(Card.id).where(Card.message_id == key)))


def _card_of(session: Session, key: str) -> int | None:
    card_id = session.scalar(select(IntakeMessage.card_id).where(IntakeMessage.message_key == key))
    return card_id or session.scalar(select(Card.id).where(Card.message_id == key))


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


# ---------------------------------------------------------------- the write


def _ingest(
    session: Session,
    store: StoreLike,
    mail: Mail,
    key: str,
    label: str,
    rules: IntakeRules,
    now: datetime,
    written: list[Path],
) -> IngestResult:
    record = IntakeMessage(
        message_key=key,
        outcome="card",
        sender=mail.sender[:320],
        subject=mail.subject[:500],
        sent_at=mail.date,
        received_at=now,
    )
    session.add(record)
    session.flush()  # claims the key: a second run blocks here, then finds it taken
    user_id = store.user_id
    email_detail: dict[str, Any] = {
        "sender": mail.sender,
        "sender_name": mail.sender_name,
        "date": mail.date.isoformat() if mail.date else None,
        "subject": mail.subject,
        "message_id": mail.message_id,
        "via": "email",
    }
    if mail.defects:
        email_detail["defects"] = list(mail.defects[:20])
    target = _thread_card(session, mail)
    if target is not None:
        card_id, lane_role = target
        record.outcome, record.card_id = "comment", card_id
        reopened_to = _reopen(session, card_id, user_id, now) if lane_role == "done" else None
        saved = _save_attachments(session, store, card_id, mail.attachments, now, written)
        text = mail.body or "(no text)"
        log_activity(
            session,
            card_id,
            "commented",
            user_id,
            now,
            text=text,
            attachments=saved,
            reopened_to=reopened_to,
            **email_detail,
        )
        answered = session.get(Card, card_id)
        if answered is not None:
            answered.updated_at = now
        return IngestResult("comment", card_id, key, "", label, reopened=reopened_to is not None)
    client_id = _route(session, mail)
    record.client_id = client_id
    lane_id = _routed_lane(session, rules) if client_id is not None else _inbox_lane(session)
    title = mail.subject or _first_line(mail.body) or f"Email from {mail.sender or 'unknown'}"
    card = create_card(
        session,
        title,
        lane_id=lane_id,
        client_id=client_id,
        kind=_kind(mail.subject, rules),
        description=mail.body,
        message_id=mail.message_id,
        user_id=user_id,
        now=now,
    )
    record.card_id = card.id
    saved = _save_attachments(session, store, card.id, mail.attachments, now, written)
    log_activity(session, card.id, "email", user_id, now, attachments=saved, **email_detail)
    return IngestResult("card", card.id, key, "", label)


def _first_line(body: str) -> str:
    for line in body.split("\n"):
        if line.strip():
            return clean_title(line, 80)
    return ""


def _kind(subject: str, rules: IntakeRules) -> str:
    words = set(re.findall(r"\w+", subject.lower()))
    for kind, keywords in rules.kinds:
        if any(word in words for word in keywords):
            return kind
    return rules.default_kind


def _thread_card(session: Session, mail: Mail) -> tuple[int, str] | None:
    """The card this message answers (and its lane's role), by In-Reply-To/References."""
    ids = mail.thread_ids
    if not ids:
        return None
    found: dict[str, int] = {}
    for mkey, card_id in session.execute(
        select(IntakeMessage.message_key, IntakeMessage.card_id).where(
            IntakeMessage.message_key.in_(ids), IntakeMessage.card_id.is_not(None)
        )
    ):
        if card_id is not None:
            found[mkey] = card_id
    for mid, card_id in session.execute(
        select(Card.message_id, Card.id).where(Card.message_id.in_(ids))
    ):
        if mid is not None:
            found.setdefault(mid, card_id)
    for mid in ids:  # the message answered directly first, then the newest reference
        if mid in found:
            role = session.scalar(
                select(Lane.role).join(Card, Card.lane_id == Lane.id).where(Card.id == found[mid])
            )
            return found[mid], role or "normal"
    return None


def _reopen(session: Session, card_id: int, user_id: int, now: datetime) -> str:
    """Move a finished card back to the lane it was done from (else the default lane)."""
    done_lane = session.scalar(select(Card.lane_id).where(Card.id == card_id))
    came_from = None
    for detail in session.scalars(
        select(CardActivity.detail)
        .where(CardActivity.card_id == card_id, CardActivity.kind == "moved")
        .order_by(CardActivity.at.desc(), CardActivity.id.desc())
        .limit(20)
    ):
        if isinstance(detail, dict) and detail.get("to_lane") == done_lane:
            came_from = detail.get("from_lane")
            break
    lane_id = None
    if isinstance(came_from, int):
        lane_id = session.scalar(select(Lane.id).where(Lane.id == came_from, Lane.role != "done"))
    moved = move_card(
        session,
        card_id,
        lane_id=lane_id if lane_id is not None else default_lane_id(session),
        position="top",
        user_id=user_id,
        now=now,
    )
    log_activity(session, card_id, "reopened", user_id, now, lane=moved.lane_id, via="email")
    return moved.lane


# ---------------------------------------------------------------- routing


def _route(session: Session, mail: Mail) -> int | None:
    """The client a message belongs to: by the address it was sent to (plus-addresses too),
    then by its sender among the clients' contacts and addresses; None: nobody's."""
    active = select(Client.id).where(Client.archived.is_(False))
    for recipient in mail.recipients:
        base = _without_tag(recipient)
        client_id = session.scalar(
            select(ClientAddress.client_id)
            .where(ClientAddress.address.in_({recipient, base}))
            .where(ClientAddress.client_id.in_(active))
            .order_by(ClientAddress.address == base)  # the exact address first
            .limit(1)
        )
        if client_id is not None:
            return client_id
    for recipient in mail.recipients:
        tag = _tag(recipient)
        if tag:
            for client_id, name in session.execute(
                select(Client.id, Client.name).where(Client.archived.is_(False))
            ):
                if _slug(name) == tag:
                    return int(client_id)
    if not mail.sender:
        return None
    by_sender = set(
        session.scalars(
            select(ClientContact.client_id)
            .where(func.lower(ClientContact.email) == mail.sender)
            .where(ClientContact.client_id.in_(active))
        )
    ) | set(
        session.scalars(
            select(ClientAddress.client_id)
            .where(ClientAddress.address == mail.sender)
            .where(ClientAddress.client_id.in_(active))
        )
    )
    if len(by_sender) == 1:
        return by_sender.pop()
    if by_sender:
        return None  # the sender works for several clients: the VA decides
    domain = mail.sender.rpartition("@")[2]
    if domain in FREEMAIL:
        return None
    by_domain = set(
        session.scalars(
            select(ClientContact.client_id)
            .where(func.lower(ClientContact.email).like(f"%@{_like_escape(domain)}", escape="\\"))
            .where(ClientContact.client_id.in_(active))
        )
    )
    return by_domain.pop() if len(by_domain) == 1 else None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tag(address: str) -> str:
    local = address.partition("@")[0]
    return local.partition("+")[2] if "+" in local else ""


def _without_tag(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local.partition('+')[0]}@{domain}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _routed_lane(session: Session, rules: IntakeRules) -> int:
    if rules.lane is not None:
        lane_id = session.scalar(
            select(Lane.id).where(func.lower(Lane.name) == rules.lane.strip().lower())
        )
        if lane_id is not None:
            return lane_id
    return default_lane_id(session)


def _inbox_lane(session: Session) -> int:
    """The Inbox lane (role "inbox"), made leftmost if the board has none."""
    lane = lane_of_role(session, "inbox")
    if lane is not None:
        return lane.id
    named = session.scalar(select(Lane).where(func.lower(Lane.name) == "inbox"))
    if named is not None:
        named.role = "inbox"
        return named.id
    for other in session.scalars(select(Lane)):
        other.position += 1
    lane = Lane(name="Inbox", position=0, role="inbox")
    session.add(lane)
    session.flush()
    return lane.id


# ---------------------------------------------------------------- attachments


@dataclass(frozen=True)
class _Saved:
    name: str
    path: str
    size: int


def _save_attachments(
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
