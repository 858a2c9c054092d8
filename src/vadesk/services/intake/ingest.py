"""One message into the board: a new card, a comment on the card it answers, or a duplicate.

``ingest_message`` parses, routes and commits in its own write transaction before it returns,
so a caller (the IMAP fetcher) may flag the message as done as soon as it has the result.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from vadesk.config import Settings
from vadesk.db.models import (
    Base,
    Card,
    CardActivity,
    ClientTurnaround,
    IntakeMessage,
    Lane,
)
from vadesk.domain.clock import utcnow
from vadesk.domain.mail import Mail, message_key, parse_mail, peek_message_id
from vadesk.domain.ranking import ranks_between
from vadesk.domain.text import clean_text, clean_title
from vadesk.domain.turnaround import Turnaround, default_due
from vadesk.errors import DatabaseError
from vadesk.services.card_access import log_activity
from vadesk.services.cards import create_card
from vadesk.services.intake import IngestResult, IntakeRules, IntakeSummary, intake_rules
from vadesk.services.intake.attachments import attachment_file, data_folder, save_attachments
from vadesk.services.intake.routing import Routes
from vadesk.services.lanes import default_lane_id, get_lane
from vadesk.services.ordering import move_card
from vadesk.services.store import StoreLike

__all__ = [
    "IngestResult",
    "IntakeSummary",
    "attachment_file",
    "data_folder",
    "ingest_batch",
    "ingest_message",
]

log = logging.getLogger(__name__)

_RETRIES = 3


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
    return ingest_batch(store, [(raw, source)], settings=settings, now=now)[0]


@dataclass(frozen=True)
class _Prepared:
    index: int
    mail: Mail
    key: str
    label: str


BATCH = 200
"""Messages per write transaction from files: one commit, one fsync, one board reload for
them all. A batch that fails in any way is stored again one message at a time."""


def ingest_batch(
    store: StoreLike,
    messages: Sequence[tuple[bytes, str]],
    *,
    settings: Settings,
    now: datetime | None = None,
) -> list[IngestResult]:
    """``ingest_message`` for several (raw, source) pairs, all committed when it returns.

    Messages already seen are found by their Message-ID before anything is parsed, with one
    query for the lot; that is what makes a re-run of a whole mailbox quick."""
    rules = intake_rules(settings)
    now = now or utcnow()
    results: list[IngestResult | None] = [None] * len(messages)
    peeked = {i: peek_message_id(raw) for i, (raw, _) in enumerate(messages)}
    with store.read() as session:
        known = _known(session, {key for key in peeked.values() if key})
    todo: list[_Prepared] = []
    unreadable: list[_Prepared] = []
    for i, (raw, source) in enumerate(messages):
        peek = peeked[i]
        if peek is not None and peek in known:
            results[i] = IngestResult("duplicate", known[peek], peek, "", source)
            continue
        mail = parse_mail(raw, attachment_max_bytes=rules.attachment_max_bytes)
        key = message_key(mail, raw)
        label = f"{source}: {mail.label}" if source else mail.label
        if not (mail.subject or mail.body or mail.attachments or mail.sender):
            unreadable.append(_Prepared(i, mail, key, source or "message"))
            continue
        todo.append(_Prepared(i, mail, key, label))
    for p, seen in zip(unreadable, _record_unreadable(store, unreadable, now), strict=True):
        results[p.index] = (
            IngestResult("duplicate", None, p.key, "", p.label)
            if seen
            else IngestResult("skipped", None, p.key, "nothing readable in it", p.label)
        )
    if todo and peeked and not all(p.key == peeked[p.index] for p in todo):
        with store.read() as session:  # keys the peek could not give (content hashes)
            known = _known(session, {p.key for p in todo})
        for p in [p for p in todo if p.key in known]:
            results[p.index] = IngestResult("duplicate", known[p.key], p.key, "", p.label)
        todo = [p for p in todo if p.key not in known]
    if len(todo) > 1:
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            for p, result in zip(chunk, _write_many(store, chunk, rules, now), strict=True):
                results[p.index] = result
    else:
        for p in todo:
            results[p.index] = _write_one(store, p, rules, now)
    done = [r for r in results if r is not None]
    assert len(done) == len(messages)
    return done


def _record_unreadable(store: StoreLike, items: list[_Prepared], now: datetime) -> list[bool]:
    """Remember messages with nothing to read (outcome "skipped"), so the next run passes
    them quietly as duplicates; True for each one remembered before."""
    if not items:
        return []
    for attempt in range(_RETRIES):
        try:
            with store.write() as session:
                known = _known(session, {p.key for p in items})
                fresh: dict[str, _Prepared] = {}
                for p in items:
                    if p.key not in known:
                        fresh.setdefault(p.key, p)
                for p in fresh.values():
                    session.add(IntakeMessage(outcome="skipped", **_record_fields(p, now)))
            seen: set[str] = set()
            answers = []
            for p in items:  # the same empty message twice in one run: the second is seen
                answers.append(p.key in known or p.key in seen)
                seen.add(p.key)
            return answers
        except IntegrityError:
            if attempt == _RETRIES - 1:  # another run recorded them meanwhile
                raise
    raise AssertionError("unreachable")


def _known(session: Session, keys: set[str]) -> dict[str, int | None]:
    """Which of ``keys`` were handled before, with their cards."""
    found: dict[str, int | None] = {}
    items = sorted(keys)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        for key, card_id in session.execute(
            select(IntakeMessage.message_key, IntakeMessage.card_id).where(
                IntakeMessage.message_key.in_(chunk)
            )
        ):
            found[key] = card_id
        for mid, card_id in session.execute(
            select(Card.message_id, Card.id).where(Card.message_id.in_(chunk))
        ):
            if mid is not None:
                found.setdefault(mid, card_id)
    return found


def _write_one(store: StoreLike, p: _Prepared, rules: IntakeRules, now: datetime) -> IngestResult:
    for attempt in range(_RETRIES):
        written: list[Path] = []
        try:
            with store.write() as session:
                if _seen(session, p.key):
                    return IngestResult("duplicate", _card_of(session, p.key), p.key, "", p.label)
                routes = Routes.load(session)
                result = _ingest(session, store, p, rules, now, written, routes, claim=True)
            log.info("intake: %s card %s", result.outcome, result.card_id)
            return result
        except IntegrityError:
            # Another run took this message (or created the Inbox lane) at the same moment:
            # look again, it is most likely a duplicate now.
            _remove(written)
            if attempt == _RETRIES - 1:
                raise
        except OSError as error:
            _remove(written)
            return _not_saved(p, error)
        except DataError as error:
            # A value the database refuses (a driver's limit we did not foresee): this one
            # message is named and skipped; the run goes on.
            _remove(written)
            log.warning("intake: a message could not be stored: %s", type(error.orig).__name__)
            reason = f"the database refused it ({type(error.orig).__name__})"
            return IngestResult("skipped", None, p.key, reason, p.label)
        except BaseException:
            _remove(written)
            raise
    raise AssertionError("unreachable")


def _not_saved(p: _Prepared, error: OSError) -> IngestResult:
    reason = f"cannot save an attachment: {error.strerror or error}"
    return IngestResult("skipped", None, p.key, reason, p.label)


def _write_many(
    store: StoreLike, batch: list[_Prepared], rules: IntakeRules, now: datetime
) -> list[IngestResult]:
    """One write transaction for the whole batch; if any message fails in it, nothing of it
    stays and each message is tried again in its own transaction.

    New cards are written together (one INSERT of many rows per table): a reply to one of
    them, or the same message again, first writes those waiting."""
    written: list[Path] = []
    results: list[IngestResult | None] = [None] * len(batch)
    try:
        with store.write() as session:
            known = _known(session, {p.key for p in batch})
            routes = Routes.load(session)
            waiting: list[_NewCard] = []
            waiting_ids: set[str] = set()

            def write_waiting() -> None:
                made = _insert_cards(session, store, waiting, now, written)
                for new, result in zip(waiting, made, strict=True):
                    results[new.index] = result
                    known[new.prepared.key] = result.card_id
                waiting.clear()
                waiting_ids.clear()

            for index, p in enumerate(batch):
                if p.key in waiting_ids or waiting_ids.intersection(p.mail.thread_ids):
                    write_waiting()
                if p.key in known:  # handled before, or earlier in this batch
                    results[index] = IngestResult("duplicate", known[p.key], p.key, "", p.label)
                    continue
                if p.mail.thread_ids and _thread_card(session, p.mail) is not None:
                    result = _ingest(session, store, p, rules, now, written, routes, claim=False)
                    known[p.key] = result.card_id
                    results[index] = result
                    continue
                client_id = routes.route(p.mail)
                lane_id = routes.lane(session, client_id is not None, rules)
                kind = rules.kind_for(p.mail.subject, routes.names.get(client_id or 0))
                waiting.append(_NewCard(index, p, client_id, lane_id, kind))
                waiting_ids.update(key for key in (p.key, p.mail.message_id) if key)
            write_waiting()
    except (IntegrityError, DataError, OSError, DatabaseError):
        # Another run took some of these messages first (or, on PostgreSQL, two runs over
        # different mailboxes waited on each other and one was chosen to give way).
        _remove(written)
        log.info("intake: a batch failed; its messages are stored one by one")
        return [_write_one(store, p, rules, now) for p in batch]
    except BaseException:
        _remove(written)
        raise
    log.info("intake: %d messages in one transaction", len(batch))
    done = [r for r in results if r is not None]
    assert len(done) == len(batch)
    return done


@dataclass(frozen=True)
class _NewCard:
    index: int
    prepared: _Prepared
    client_id: int | None
    lane_id: int
    kind: str


def _due_rule(session: Session) -> Callable[[int | None, str, datetime], datetime | None]:
    """When a new card is due, by the same rule ``create_card`` follows: the turnaround
    service's when it is there (working hours, per-kind promises), else the client's hours."""
    try:
        service: Any = importlib.import_module("vadesk.services.turnaround")
        due_for_new_card = service.due_for_new_card
    except (ImportError, AttributeError):
        due_for_new_card = None
    cache: dict[tuple[int | None, str], datetime | None] = {}

    def due(client_id: int | None, kind: str, now: datetime) -> datetime | None:
        if (client_id, kind) not in cache:
            if due_for_new_card is not None:
                cache[client_id, kind] = due_for_new_card(session, client_id, kind, now)
            elif client_id is None:
                cache[client_id, kind] = default_due(kind, now, Turnaround())
            else:
                hours = session.scalar(
                    select(ClientTurnaround.hours).where(
                        ClientTurnaround.client_id == client_id, ClientTurnaround.kind == kind
                    )
                )
                cache[client_id, kind] = None if hours is None else now + timedelta(hours=hours)
        return cache[client_id, kind]

    return due


def _insert_cards(
    session: Session,
    store: StoreLike,
    new_cards: list[_NewCard],
    now: datetime,
    written: list[Path],
) -> list[IngestResult]:
    """Write new cards as ``create_card`` would (bottom of their lane, due by turnaround,
    "created" then "email" in the activity), a whole batch in one statement per table."""
    if not new_cards:
        return []
    user_id = store.user_id
    due = _due_rule(session)
    ranks: dict[int, Iterator[str]] = {}
    paused: dict[int, bool] = {}
    for lane_id in sorted({new.lane_id for new in new_cards}):  # one lock order for all runs
        lane = get_lane(session, lane_id, lock=True)
        paused[lane_id] = bool(lane.waiting) and lane.role != "done"
        count = sum(1 for new in new_cards if new.lane_id == lane_id)
        last = session.scalar(
            select(Card.rank)
            .where(Card.lane_id == lane_id, Card.archived.is_(False))
            .order_by(Card.rank.desc(), Card.id.desc())
            .limit(1)
        )
        ranks[lane_id] = iter(ranks_between(last, None, count))
    rows = []
    for new in new_cards:
        mail = new.prepared.mail
        rows.append(
            {
                "lane_id": new.lane_id,
                "rank": next(ranks[new.lane_id]),
                "title": clean_title(_title(mail)) or "(no subject)",
                "description": clean_text(mail.body, multiline=True),
                "client_id": new.client_id,
                "kind": new.kind,
                "due_at": due(new.client_id, new.kind, now),
                "labels": [],
                "archived": False,
                "message_id": mail.message_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "waiting": False,
                "waiting_since": now if paused[new.lane_id] else None,
                "waited_seconds": 0,
            }
        )
    # One executemany per table.
    connection = session.connection()
    cards = _table(Card)
    if connection.dialect.name == "sqlite":
        # The ids are the newest ones: a BEGIN IMMEDIATE transaction (nobody else inserts
        # meanwhile) whose rowids only grow. (Cheaper than RETURNING row by row here.)
        connection.execute(insert(cards), rows)
        ids = sorted(
            connection.scalars(select(Card.id).order_by(Card.id.desc()).limit(len(rows))).all()
        )
    else:
        returning = insert(cards).returning(cards.c.id, sort_by_parameter_order=True)
        ids = list(connection.scalars(returning, rows))
    if len(ids) != len(rows):
        raise IntegrityError("card ids of a batch", None, ValueError("ids not found"))
    activity: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    results: list[IngestResult] = []
    for new, card_id in zip(new_cards, ids, strict=True):
        p = new.prepared
        saved = save_attachments(session, store, card_id, p.mail.attachments, now, written)
        detail = {"attachments": saved, **_email_detail(p.mail)}
        activity.append(_activity(card_id, user_id, now, "created", {"lane": new.lane_id}))
        if paused[new.lane_id]:  # a waiting lane pauses the clock from the start, as moving in
            pause = {"by": "lane", "lane": new.lane_id}
            activity.append(_activity(card_id, user_id, now, "paused", pause))
        activity.append(_activity(card_id, user_id, now, "email", detail))
        records.append(
            {
                **_record_fields(p, now),
                "outcome": "card",
                "card_id": card_id,
                "client_id": new.client_id,
            }
        )
        results.append(IngestResult("card", card_id, p.key, "", p.label))
    connection.execute(insert(_table(CardActivity)), activity)
    connection.execute(insert(_table(IntakeMessage)), records)
    return results


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _activity(
    card_id: int, user_id: int, now: datetime, kind: str, detail: dict[str, Any]
) -> dict[str, Any]:
    return {"card_id": card_id, "user_id": user_id, "at": now, "kind": kind, "detail": detail}


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
    prepared: _Prepared,
    rules: IntakeRules,
    now: datetime,
    written: list[Path],
    routes: Routes,
    *,
    claim: bool,
) -> IngestResult:
    """Make the card or comment. ``claim``: write the intake row first, so that a concurrent
    run waits on it (PostgreSQL) before doing any work; in a batch it is written last,
    complete, in one statement (a clash then fails the batch, which is stored again one
    message at a time)."""
    mail, key, label = prepared.mail, prepared.key, prepared.label
    record = IntakeMessage(outcome="card", **_record_fields(prepared, now))
    if claim:
        session.add(record)
        session.flush()  # claims the key: a second run blocks here, then finds it taken
    user_id = store.user_id
    email_detail = _email_detail(mail)
    target = _thread_card(session, mail)
    if target is not None:
        card_id, lane_role = target
        record.outcome, record.card_id = "comment", card_id
        reopened_to = _reopen(session, card_id, user_id, now) if lane_role == "done" else None
        saved = save_attachments(session, store, card_id, mail.attachments, now, written)
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
        if not claim:
            session.add(record)
        return IngestResult("comment", card_id, key, "", label, reopened=reopened_to is not None)
    client_id = routes.route(mail)
    record.client_id = client_id
    lane_id = routes.lane(session, client_id is not None, rules)
    card = create_card(
        session,
        _title(mail),
        lane_id=lane_id,
        client_id=client_id,
        kind=rules.kind_for(mail.subject, routes.names.get(client_id or 0)),
        description=mail.body,
        message_id=mail.message_id,
        user_id=user_id,
        now=now,
    )
    record.card_id = card.id
    saved = save_attachments(session, store, card.id, mail.attachments, now, written)
    log_activity(session, card.id, "email", user_id, now, attachments=saved, **email_detail)
    if not claim:
        session.add(record)
    return IngestResult("card", card.id, key, "", label)


def _record_fields(p: _Prepared, now: datetime) -> dict[str, Any]:
    return {
        "message_key": p.key,
        "sender": p.mail.sender[:320],
        "subject": p.mail.subject[:500],
        "sent_at": p.mail.date,
        "received_at": now,
    }


def _email_detail(mail: Mail) -> dict[str, Any]:
    """The "email" activity: who sent it, when, and what was wrong with it."""
    detail: dict[str, Any] = {
        "sender": mail.sender,
        "sender_name": mail.sender_name,
        "date": mail.date.isoformat() if mail.date else None,
        "subject": mail.subject,
        "message_id": mail.message_id,
        "via": "email",
    }
    if mail.defects:
        detail["defects"] = list(mail.defects[:20])
    return detail


def _title(mail: Mail) -> str:
    return mail.subject or _first_line(mail.body) or f"Email from {mail.sender or 'unknown'}"


def _first_line(body: str) -> str:
    for line in body.split("\n"):
        if line.strip():
            return clean_title(line, 80)
    return ""


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
