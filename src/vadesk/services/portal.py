"""The client portal's use cases: what one client sees and does (access: ``portal_access``).

Every function that serves a portal visitor takes the ``PortalUser`` that ``authenticate``
returned and scopes every query to that user's client: an id from a URL or a form only ever
narrows what is found. A card of another client is reported exactly like a card that does
not exist (``NotFoundError``), so a guess learns nothing.

The invite and session functions live in ``portal_access`` and are re-exported here, so
callers (the CLI, the clients screen) have one module to import.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vadesk.config import Settings
from vadesk.db.models import (
    Card,
    CardActivity,
    CardAttachment,
    Lane,
    TimeEntry,
)
from vadesk.domain.clock import utcnow
from vadesk.domain.kinds import CARD_KINDS
from vadesk.domain.text import clean_text
from vadesk.errors import ConflictError, InvalidInputError, NotFoundError
from vadesk.services.card_access import log_activity
from vadesk.services.cards import create_card
from vadesk.services.ordering import Moved, move_card
from vadesk.services.portal_access import (
    DEFAULT_SESSION_DAYS,
    InviteRow,
    PortalSettings,
    PortalUser,
    authenticate,
    create_invite,
    csrf_ok,
    csrf_token,
    end_session,
    invite_link,
    is_local_host,
    list_invites,
    live_sessions,
    needs_touch,
    new_token,
    open_session,
    parse_expires,
    portal_settings,
    revoke_invites,
    token_hash,
    touch_session,
)

# Re-exported: invites and sessions, for callers that import the portal's services as one.
__all__ = [
    "DEFAULT_SESSION_DAYS",
    "InviteRow",
    "PortalSettings",
    "PortalUser",
    "authenticate",
    "create_invite",
    "csrf_ok",
    "csrf_token",
    "end_session",
    "invite_link",
    "is_local_host",
    "list_invites",
    "live_sessions",
    "needs_touch",
    "new_token",
    "open_session",
    "parse_expires",
    "portal_settings",
    "revoke_invites",
    "token_hash",
    "touch_session",
]

COMMENT_KINDS = ("comment", "commented")
"""Activity kinds that are comments: "comment" (portal, intake, imports) and the board's own."""
DONE_DAYS = 30
"""The Done lane shows what was finished in the last 30 days."""
MAX_COMMENT = 5000

StatusName = Literal["done", "working", "waiting", "planned", ""]


# ---------------------------------------------------------------- the client's board


@dataclass(frozen=True)
class PortalCard:
    id: int
    lane_id: int
    title: str
    kind: str
    due_at: datetime | None
    status: StatusName
    version: int
    comments: int
    attachments: tuple[str, ...]


@dataclass(frozen=True)
class PortalLane:
    id: int
    name: str
    role: str
    movable: bool
    """A priority lane the client may reorder into (not Done, not a waiting lane)."""
    cards: tuple[PortalCard, ...]


@dataclass(frozen=True)
class Figures:
    currency: str
    month_seconds: int
    month_amount_minor: int
    package_remaining_seconds: int
    package_total_seconds: int


@dataclass(frozen=True)
class PortalBoard:
    lanes: tuple[PortalLane, ...]
    figures: Figures | None


def _week_start(now: datetime, tz: tzinfo) -> date:
    local = now.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def _visible_comments(
    session: Session, card_ids: Any
) -> list[tuple[int, datetime, dict[str, Any]]]:
    rows = session.execute(
        select(CardActivity.card_id, CardActivity.at, CardActivity.detail)
        .where(CardActivity.card_id.in_(card_ids), CardActivity.kind.in_(COMMENT_KINDS))
        .order_by(CardActivity.at, CardActivity.id)
    ).all()
    out = []
    for card_id, at, detail in rows:
        info = detail if isinstance(detail, dict) else {}
        if info.get("private"):
            continue  # the VA's internal notes never leave vadesk
        out.append((card_id, at, info))
    return out


def lanes_for_portal(session: Session) -> list[Lane]:
    return list(
        session.scalars(select(Lane).where(Lane.role != "inbox").order_by(Lane.position, Lane.id))
    )


def board(
    session: Session, user: PortalUser, *, tz: tzinfo, now: datetime | None = None
) -> PortalBoard:
    """The client's own cards by lane (Done: the last 30 days), with status, comments counts
    and attachment names, and this month's figures."""
    now = now or utcnow()
    lanes = lanes_for_portal(session)
    done_since = now - timedelta(days=DONE_DAYS)
    mine = (Card.client_id == user.client_id, Card.archived.is_(False))
    rows = session.execute(
        select(
            Card.id,
            Card.lane_id,
            Card.title,
            Card.kind,
            Card.due_at,
            Card.version,
            Card.waiting,
            Card.planned_week,
            Card.completed_at,
            Card.updated_at,
        )
        .where(*mine)
        .order_by(Card.rank, Card.id)
    ).all()
    mine_ids = select(Card.id).where(*mine).scalar_subquery()
    running = set(
        session.scalars(
            select(TimeEntry.card_id).where(
                TimeEntry.ended_at.is_(None), TimeEntry.card_id.in_(mine_ids)
            )
        )
    )
    comment_counts: dict[int, int] = {}
    for card_id, _at, _info in _visible_comments(session, mine_ids):
        comment_counts[card_id] = comment_counts.get(card_id, 0) + 1
    attachments: dict[int, list[str]] = {}
    for card_id, name in session.execute(
        select(CardAttachment.card_id, CardAttachment.name)
        .where(CardAttachment.card_id.in_(mine_ids))
        .order_by(CardAttachment.id)
    ):
        attachments.setdefault(card_id, []).append(name)
    week = _week_start(now, tz)
    by_lane: dict[int, list[PortalCard]] = {lane.id: [] for lane in lanes}
    role = {lane.id: lane for lane in lanes}
    for cid, lane_id, title, kind, due, version, waiting, planned, completed, updated in rows:
        lane = role.get(lane_id)
        if lane is None:
            continue  # the Inbox: not yet sorted by the VA
        if lane.role == "done" and (completed or updated) < done_since:
            continue
        by_lane[lane_id].append(
            PortalCard(
                cid,
                lane_id,
                title,
                kind,
                due,
                _status(lane, waiting, cid in running, planned, week),
                version,
                comment_counts.get(cid, 0),
                tuple(attachments.get(cid, ())),
            )
        )
    portal_lanes = tuple(
        PortalLane(
            lane.id,
            lane.name,
            lane.role,
            _movable(lane),
            tuple(by_lane[lane.id]),
        )
        for lane in lanes
    )
    return PortalBoard(portal_lanes, figures(session, user, tz=tz, now=now))


def _movable(lane: Lane) -> bool:
    return lane.role == "normal" and not lane.waiting


def _status(
    lane: Lane, waiting: bool, running: bool, planned: date | None, week: date
) -> StatusName:
    if lane.role == "done":
        return "done"
    if running:
        return "working"
    if waiting or lane.waiting:
        return "waiting"
    if planned is not None and planned == week:
        return "planned"
    return ""


def figures(
    session: Session, user: PortalUser, *, tz: tzinfo, now: datetime | None = None
) -> Figures:
    """This month's billed time and amount so far, and the hour-package balance."""
    from vadesk.services.billing import client_invoice, package_balance
    from vadesk.services.reports import current_month

    now = now or utcnow()
    start, end = current_month(now, tz).bounds(tz)
    bill = client_invoice(
        session, user.client_id, start, min(end, now + timedelta(seconds=1)), tz, now
    )
    remaining, total = package_balance(session, user.client_id, now, tz)
    seconds = sum(line.billed_seconds for line in bill.lines)
    return Figures(bill.currency, seconds, bill.total_minor, remaining, total)


# ---------------------------------------------------------------- one card


@dataclass(frozen=True)
class CommentRow:
    at: datetime
    author: str
    text: str
    from_portal: bool


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    name: str
    size: int
    is_link: bool


@dataclass(frozen=True)
class PortalCardDetail:
    card: PortalCard
    lane: str
    lane_movable: bool
    description: str
    comments: tuple[CommentRow, ...]
    attachments: tuple[AttachmentRow, ...]


def _own_card(session: Session, user: PortalUser, card_id: int, *, lock: bool = False) -> Card:
    """The client's card, or NotFoundError exactly as for a card that does not exist.

    ``lock``: the row locked (PostgreSQL) and read afresh, for a read-modify-write.
    """
    stmt = select(Card).where(
        Card.id == card_id, Card.client_id == user.client_id, Card.archived.is_(False)
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    card = session.scalar(stmt)
    if card is None:
        raise NotFoundError("No such task.")
    return card


def _author(info: dict[str, Any]) -> str:
    """Who wrote a comment: the portal user, a Trello author, an email's sender, or the VA."""
    for key in ("author", "sender_name", "sender"):
        if isinstance(info.get(key), str) and info[key].strip():
            return str(info[key])
    return "your VA"


def card_detail(
    session: Session, user: PortalUser, card_id: int, *, tz: tzinfo, now: datetime | None = None
) -> PortalCardDetail:
    now = now or utcnow()
    card = _own_card(session, user, card_id)
    lane = session.get(Lane, card.lane_id)
    if lane is None or lane.role == "inbox":
        raise NotFoundError("No such task.")
    running = session.scalar(
        select(func.count(TimeEntry.id)).where(
            TimeEntry.card_id == card.id, TimeEntry.ended_at.is_(None)
        )
    )
    comments = tuple(
        CommentRow(
            at,
            _author(info),
            str(info.get("text", "")),
            info.get("via") == "portal",
        )
        for _cid, at, info in _visible_comments(session, [card.id])
    )
    attachments = tuple(
        AttachmentRow(a.id, a.name, a.size, not a.path)
        for a in session.scalars(
            select(CardAttachment)
            .where(CardAttachment.card_id == card.id)
            .order_by(CardAttachment.id)
        )
    )
    portal_card = PortalCard(
        card.id,
        card.lane_id,
        card.title,
        card.kind,
        card.due_at,
        _status(lane, card.waiting, bool(running), card.planned_week, _week_start(now, tz)),
        card.version,
        len(comments),
        tuple(a.name for a in attachments),
    )
    return PortalCardDetail(
        portal_card, lane.name, _movable(lane), card.description, comments, attachments
    )


@dataclass(frozen=True)
class AttachmentFile:
    name: str
    content_type: str
    path: Path | None
    url: str


def attachment(
    session: Session, user: PortalUser, card_id: int, attachment_id: int, data_folder: Path
) -> AttachmentFile:
    """A file of the client's card, resolved inside the data folder; anything else is 404."""
    _own_card(session, user, card_id)
    item = session.scalar(
        select(CardAttachment).where(
            CardAttachment.id == attachment_id, CardAttachment.card_id == card_id
        )
    )
    if item is None:
        raise NotFoundError("No such attachment.")
    if not item.path:
        return AttachmentFile(item.name, "", None, item.url)
    root = data_folder.resolve()
    path = (root / item.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFoundError("No such attachment.")
    return AttachmentFile(item.name, item.content_type or "application/octet-stream", path, "")


# ---------------------------------------------------------------- what the client does


def _stamp(session: Session, card_id: int, user: PortalUser, now: datetime) -> None:
    """Mark the activity rows this action wrote for the card as made by the portal user.

    The services write them (``log_activity``) with no user: still pending in the session,
    or (after a query flushed them) this transaction's rows of the card at exactly ``now``.
    """
    pending = [
        obj for obj in session.new if isinstance(obj, CardActivity) and obj.card_id == card_id
    ]
    rows = pending or session.scalars(
        select(CardActivity).where(CardActivity.card_id == card_id, CardActivity.at == now)
    )
    for row in rows:
        detail = row.detail if isinstance(row.detail, dict) else {}
        if "via" not in detail:
            row.detail = {**detail, **user.activity()}


def _target_lane(session: Session, lane_id: int) -> Lane:
    lane = session.get(Lane, lane_id)
    if lane is None or lane.role == "inbox":
        raise NotFoundError("No such lane.")
    if not _movable(lane):
        raise InvalidInputError(
            f"Tasks can be moved only between the priority lanes, not to {lane.name}."
        )
    return lane


def reorder(
    session: Session,
    user: PortalUser,
    card_id: int,
    *,
    expected_version: int,
    lane_id: int | None = None,
    before_id: int | None = None,
    after_id: int | None = None,
    step: Literal["up", "down", "top", "bottom"] | None = None,
    now: datetime | None = None,
) -> Moved:
    """Move the client's card within or between priority lanes.

    ``before_id``/``after_id`` name another card of the same client (a neighbour on their
    page); ``step`` moves past the client's own previous or next card. The card's version is
    checked inside the transaction: if the VA moved it meanwhile, ConflictError.
    """
    now = now or utcnow()
    card = _own_card(session, user, card_id, lock=True)
    if card.version != expected_version:
        raise ConflictError(
            "This task was changed by your VA meanwhile; the page shows it as it is now."
        )
    current = session.get(Lane, card.lane_id)
    if current is None or not _movable(current):
        raise InvalidInputError("Only open tasks in a priority lane can be reprioritised.")
    anchor = before_id if before_id is not None else after_id
    if anchor is not None:
        if anchor == card_id:
            raise InvalidInputError("A task cannot be moved next to itself.")
        other = _own_card(session, user, anchor)
        target = _target_lane(session, other.lane_id)
        if lane_id is not None and lane_id != target.id:
            raise ConflictError("The lane changed meanwhile; the page shows it as it is now.")
        moved = move_card(
            session,
            card.id,
            before_id=before_id,
            after_id=after_id,
            expected_version=expected_version,
            now=now,
        )
    elif step in ("up", "down"):
        neighbour = _own_neighbour(session, user, card, step)
        if neighbour is None:
            return Moved(card.id, current.id, current.name, card.rank, card.version)
        moved = move_card(
            session,
            card.id,
            before_id=neighbour if step == "up" else None,
            after_id=neighbour if step == "down" else None,
            expected_version=expected_version,
            now=now,
        )
    else:
        target = _target_lane(session, lane_id if lane_id is not None else card.lane_id)
        moved = move_card(
            session,
            card.id,
            lane_id=target.id,
            position="bottom"
            if step == "bottom"
            else "top"
            if step == "top"
            else _default_edge(lane_id, card),
            expected_version=expected_version,
            now=now,
        )
    _stamp(session, card.id, user, now)
    session.flush()
    return moved


def _default_edge(lane_id: int | None, card: Card) -> Literal["top", "bottom"]:
    """Moved to another lane without a place: to its bottom; to its own lane: stays put-ish."""
    return "bottom" if lane_id is None or lane_id != card.lane_id else "top"


def _own_neighbour(session: Session, user: PortalUser, card: Card, step: str) -> int | None:
    from vadesk.services.ordering import ahead_of

    stmt = select(Card.id).where(
        Card.lane_id == card.lane_id,
        Card.client_id == user.client_id,
        Card.archived.is_(False),
        Card.id != card.id,
    )
    if step == "up":
        stmt = stmt.where(ahead_of(card.rank, card.id)).order_by(Card.rank.desc(), Card.id.desc())
    else:
        stmt = stmt.where(~ahead_of(card.rank, card.id)).order_by(Card.rank, Card.id)
    return session.scalar(stmt.limit(1))


def add_task(
    session: Session,
    user: PortalUser,
    *,
    title: str,
    description: str = "",
    kind: str = "other",
    lane_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """A new card of the client at the bottom of a priority lane (Normal unless chosen); its
    due time follows the client's turnaround rule for the kind."""
    now = now or utcnow()
    if kind not in CARD_KINDS:
        raise InvalidInputError(f"Kind {kind!r} is not one of: {', '.join(CARD_KINDS)}.")
    if lane_id is not None:
        lane_id = _target_lane(session, lane_id).id
    if len(description) > 20000:
        raise InvalidInputError("The description is too long (at most 20,000 characters).")
    row = create_card(
        session,
        title,
        lane_id=lane_id,
        client_id=user.client_id,
        kind=kind,
        description=description,
        now=now,
    )
    _stamp(session, row.id, user, now)
    session.flush()
    return row.id


def _comment(
    session: Session, user: PortalUser, card: Card, text: str, now: datetime, **extra: Any
) -> None:
    text = clean_text(text, multiline=True).strip()
    if not text:
        raise InvalidInputError("A comment needs some text.")
    if len(text) > MAX_COMMENT:
        raise InvalidInputError(f"A comment is at most {MAX_COMMENT:,} characters.")
    log_activity(session, card.id, "comment", None, now, text=text, **user.activity(), **extra)


def comment(
    session: Session, user: PortalUser, card_id: int, text: str, *, now: datetime | None = None
) -> None:
    now = now or utcnow()
    card = _own_card(session, user, card_id)
    # The card row is left alone: a comment is no reason to refuse someone's move of it as
    # stale. Open boards and pages still hear of it (card_activity is on the change feed).
    _comment(session, user, card, text, now)
    session.flush()


def answer(
    session: Session, user: PortalUser, card_id: int, text: str, *, now: datetime | None = None
) -> None:
    """The client's answer to a card that waits on them: a comment, and the card stops waiting."""
    now = now or utcnow()
    card = _own_card(session, user, card_id, lock=True)
    lane = session.get(Lane, card.lane_id)
    in_waiting_lane = lane is not None and lane.waiting
    if not card.waiting and not in_waiting_lane:
        raise InvalidInputError("This task is not waiting on you; add a comment instead.")
    _comment(session, user, card, text, now, answer=True)
    if card.waiting:  # in a waiting lane only, the VA moves it on after reading the answer
        _clear_waiting(session, card, now)
    _stamp(session, card.id, user, now)
    session.flush()


def _clear_waiting(session: Session, card: Card, now: datetime) -> None:
    """Stop waiting: through the turnaround service when it is there (it resumes the clock),
    else by clearing the flag and banking the time waited."""
    try:
        rules = importlib.import_module("vadesk.services.turnaround")
    except ImportError:  # the turnaround service arrives separately
        rules = None
    setter = getattr(rules, "set_waiting", None)
    if setter is not None:
        setter(session, card.id, False, now=now)
        return
    if card.waiting_since is not None:
        card.waited_seconds = (card.waited_seconds or 0) + max(
            0, int((now - card.waiting_since).total_seconds())
        )
        card.waiting_since = None
    card.waiting = False
    card.updated_at = now
    log_activity(session, card.id, "waiting", None, now, waiting=False)


# ---------------------------------------------------------------- live updates


def fingerprints(session: Session, client_ids: Iterable[int]) -> dict[int, str]:
    """A value per client that changes whenever anything on that client's page may have:
    their cards (count, versions, last update) and the comments and attachments on them."""
    ids = list(client_ids)
    if not ids:
        return {}
    cards = {
        cid: (n, total, last)
        for cid, n, total, last in session.execute(
            select(
                Card.client_id,
                func.count(Card.id),
                func.sum(Card.version),
                func.max(Card.updated_at),
            )
            .where(Card.client_id.in_(ids))
            .group_by(Card.client_id)
        )
    }
    activity = {
        cid: last
        for cid, last in session.execute(
            select(Card.client_id, func.max(CardActivity.id))
            .join(Card, Card.id == CardActivity.card_id)
            .where(Card.client_id.in_(ids))
            .group_by(Card.client_id)
        )
    }
    timers = {
        cid: n
        for cid, n in session.execute(
            select(Card.client_id, func.sum(TimeEntry.id))
            .join(Card, Card.id == TimeEntry.card_id)
            .where(Card.client_id.in_(ids), TimeEntry.ended_at.is_(None))
            .group_by(Card.client_id)
        )
    }
    lanes = repr(
        tuple(
            session.execute(
                select(Lane.id, Lane.name, Lane.position, Lane.role, Lane.waiting)
            ).all()
        )
    )
    return {
        cid: hashlib.sha256(
            repr((cards.get(cid), activity.get(cid), timers.get(cid), lanes)).encode()
        ).hexdigest()[:16]
        for cid in ids
    }


# ---------------------------------------------------------------- the monthly report


def report_months(now: datetime, tz: tzinfo) -> tuple[str, str]:
    """This month and the one before, as YYYY-MM: what the page offers to download."""
    local = now.astimezone(tz).date().replace(day=1)
    before = (local - timedelta(days=1)).replace(day=1)
    return f"{local:%Y-%m}", f"{before:%Y-%m}"


def monthly_report(
    session: Session,
    user: PortalUser,
    month: str,
    *,
    settings: Settings,
    tz: tzinfo,
    now: datetime | None = None,
) -> tuple[str, bytes]:
    """The client's own monthly report as a PDF (file name, bytes), the same document the
    VA attaches to an invoice; a month after this one is not found."""
    from vadesk.services.reports import (
        business_from,
        client_report,
        file_name,
        month_period,
        render,
    )

    now = now or utcnow()
    period = month_period(month)
    if f"{period.first_day:%Y-%m}" > report_months(now, tz)[0]:
        raise NotFoundError("No such report.")
    report = client_report(
        session,
        user.client_id,
        period,
        tz,
        business=business_from(settings),
        timezone_name=user.timezone or str(tz),
        now=now,
    )
    return file_name(report, "pdf"), render(report, "pdf", settings.locale)
