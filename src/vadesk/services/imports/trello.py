"""A Trello board into the board: lists to lanes, cards with checklists, comments and links.

Each imported card keeps its Trello id (``cards.external_ref = "trello:<id>"``): importing the
same file again changes nothing, and a newer export of the same board updates what changed
(title, description, due, labels, archived, lane) and adds new checklist items, comments and
links, never duplicating a card. Comments are recognised by their Trello action id.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from vadesk.db.models import Card, CardActivity, CardAttachment, ChecklistItem, Client, Lane
from vadesk.domain.clock import utcnow
from vadesk.domain.imports.trello import TrelloBoard, TrelloCard, TrelloList, parse_board
from vadesk.domain.ranking import initial_ranks
from vadesk.domain.text import display
from vadesk.errors import InvalidInputError
from vadesk.services.clients import client_by_name
from vadesk.services.imports import ImportSummary, Tally, lock_board, run_import
from vadesk.services.lanes import add_lane
from vadesk.services.store import StoreLike
from vadesk.services.turnaround import sync_clock

log = logging.getLogger(__name__)

Unmapped = Literal["lane", "inbox"]
CHUNK = 500
"""Ids per ``IN (...)`` list: well under every backend's limit on bound parameters."""


@dataclass(frozen=True)
class _Target:
    lane: Lane

    @property
    def lane_id(self) -> int:
        return self.lane.id

    @property
    def done(self) -> bool:
        return self.lane.role == "done"

    @property
    def paused(self) -> bool:
        """A waiting lane: a card put here starts with its turnaround clock paused."""
        return self.lane.waiting and not self.done


def parse_lane_map(text: str | None) -> dict[str, str]:
    """``"To Do=Normal,Doing=High"`` as {trello list (lower case): vadesk lane name}."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        source, sep, target = part.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InvalidInputError(
                f"--lanes part {part.strip()!r} is not LIST=LANE; write e.g. "
                '"To Do=Normal,Doing=High,Done=Done".'
            )
        mapping[source.strip().lower()] = target.strip()
    return mapping


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def import_trello(
    session: Session,
    board: TrelloBoard,
    *,
    client: str | None = None,
    lanes: dict[str, str] | None = None,
    unmapped: Unmapped = "lane",
    user_id: int | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Write ``board`` into the database in the caller's transaction; what it did."""
    now = now or utcnow()
    lock_board(session)
    tally = Tally()
    notes: list[str] = []
    client_id, client_name = _client(session, board, client, notes)
    targets = _targets(session, board, lanes or {}, unmapped, tally, notes)

    refs = [card.ref for card in board.cards]
    existing: dict[str, Card] = {}
    for chunk in _chunks(refs):
        for found in session.scalars(select(Card).where(Card.external_ref.in_(chunk))):
            existing[found.external_ref or ""] = found

    new_cards = [card for card in board.cards if card.ref not in existing]
    ids = _insert_cards(session, new_cards, targets, client_id, user_id, now)
    tally.add("created", "cards", len(new_cards))
    before = _snapshots(session, [card.id for card in existing.values()])
    changes: dict[int, list[str]] = {}
    for card in board.cards:
        row = existing.get(card.ref)
        if row is not None:
            ids[card.ref] = row.id
            previous = before.get(row.id)
            changes[row.id] = _update_card(session, row, card, previous, targets, client_id, now)
    _checklists(session, board.cards, ids, before, changes, tally)
    for card in board.cards:
        row = existing.get(card.ref)
        if row is None:
            continue
        changed = changes[row.id]
        tally.add("updated" if changed else "unchanged", "cards")
        if changed:
            row.updated_at = now
        if changed or before.get(row.id) != snapshot(card):
            # The new snapshot is kept even when nothing here had to change.
            detail = {"fields": changed, "source": "trello", "trello": snapshot(card)}
            session.add(
                CardActivity(card_id=row.id, user_id=user_id, at=now, kind="edited", detail=detail)
            )
    _comments(session, board.cards, ids, tally)
    _attachments(session, board.cards, ids, now, tally)
    session.flush()
    return ImportSummary(
        source="trello",
        dry_run=False,
        client=client_name,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        skipped=board.problems,
        notes=tuple(notes),
    )


def _client(
    session: Session, board: TrelloBoard, name: str | None, notes: list[str]
) -> tuple[int | None, str | None]:
    if name is not None:
        row = client_by_name(session, name)
        return row.id, row.name
    if board.name:
        found = session.execute(
            select(Client.id, Client.name).where(func.lower(Client.name) == board.name.lower())
        ).first()
        if found is not None:
            return found[0], found[1]
    notes.append(
        f"The board {display(board.name)!r} matches no client: its new cards have none "
        "(give --client NAME to choose one)."
    )
    return None, None


def _targets(
    session: Session,
    board: TrelloBoard,
    mapping: dict[str, str],
    unmapped: Unmapped,
    tally: Tally,
    notes: list[str],
) -> dict[str, _Target]:
    """The lane each Trello list's cards go to, adding lanes (or the Inbox) as needed."""
    lanes = {lane.name.lower(): lane for lane in session.scalars(select(Lane))}
    known = {trello_list.name.lower() for trello_list in board.lists}
    for source, target in mapping.items():
        if source not in known:
            names = ", ".join(display(x.name) for x in board.lists) or "none"
            raise InvalidInputError(
                f"--lanes names the list {source!r}, which this board does not have "
                f"(lists: {names})."
            )
        if target.lower() not in lanes:
            names = ", ".join(display(lane.name) for lane in lanes.values())
            raise InvalidInputError(
                f"--lanes maps to the lane {target!r}, which does not exist (lanes: {names}); "
                "add it with `vadesk lane add` first."
            )
    targets: dict[str, _Target] = {}
    for trello_list in board.lists:
        lane = _lane_for(session, trello_list, mapping, unmapped, lanes, tally, notes)
        targets[trello_list.id] = _Target(lane)
    return targets


def _lane_for(
    session: Session,
    trello_list: TrelloList,
    mapping: dict[str, str],
    unmapped: Unmapped,
    lanes: dict[str, Lane],
    tally: Tally,
    notes: list[str],
) -> Lane:
    key = trello_list.name.lower()
    if key in mapping:
        return lanes[mapping[key].lower()]
    if key in lanes:
        return lanes[key]
    if unmapped == "inbox":
        return _inbox(session, lanes, tally)
    if trello_list.closed:
        # An archived list gets no lane of its own: its (archived) cards rest in Done.
        lane = _done_lane(lanes)
        notes.append(
            f"The archived list {display(trello_list.name)!r} has no lane; its cards are "
            f"archived in {display(lane.name)!r}."
        )
        return lane
    done = [lane.position for lane in lanes.values() if lane.role == "done"]
    position = min(done) if done else None
    added = session.get(Lane, add_lane(session, trello_list.name, position).id)
    assert added is not None
    lanes[added.name.lower()] = added
    tally.add("created", "lanes")
    return added


def _done_lane(lanes: dict[str, Lane]) -> Lane:
    ordered = sorted(lanes.values(), key=lambda lane: (lane.role != "done", -lane.position))
    return ordered[0]


def _inbox(session: Session, lanes: dict[str, Lane], tally: Tally) -> Lane:
    for lane in lanes.values():
        if lane.role == "inbox":
            return lane
    if "inbox" in lanes:
        return lanes["inbox"]
    inbox = session.get(Lane, add_lane(session, "Inbox", 0).id)
    assert inbox is not None
    inbox.role = "inbox"
    lanes["inbox"] = inbox
    tally.add("created", "lanes")
    return inbox


def _insert_cards(
    session: Session,
    cards: list[TrelloCard],
    targets: dict[str, _Target],
    client_id: int | None,
    user_id: int | None,
    now: datetime,
) -> dict[str, int]:
    """Add the new cards at the bottom of their lanes, in Trello's order; ref -> id."""
    per_lane: dict[int, list[TrelloCard]] = {}
    for card in cards:
        per_lane.setdefault(targets[card.list_id].lane_id, []).append(card)
    rows: list[dict[str, Any]] = []
    snaps: list[dict[str, Any]] = []
    for lane_id, lane_cards in per_lane.items():
        last = session.scalar(select(func.max(Card.rank)).where(Card.lane_id == lane_id))
        for rank, card in zip(initial_ranks(len(lane_cards), after=last), lane_cards, strict=True):
            done = targets[card.list_id].done
            rows.append(
                {
                    "lane_id": lane_id,
                    "rank": rank,
                    "title": card.title,
                    "description": card.description,
                    "client_id": client_id,
                    "kind": "other",
                    "due_at": card.due,
                    "labels": list(card.labels),
                    "archived": card.closed,
                    "created_at": now,
                    "updated_at": now,
                    "completed_at": now if done else None,
                    "waiting_since": now if targets[card.list_id].paused else None,
                    "version": 1,
                    "external_ref": card.ref,
                }
            )
            snaps.append(snapshot(card))
    if not rows:
        return {}
    session.execute(insert(Card), rows)
    ids: dict[str, int] = {}
    refs = [row["external_ref"] for row in rows]
    for chunk in _chunks(refs):
        ids.update(
            (ref or "", card_id)
            for card_id, ref in session.execute(
                select(Card.id, Card.external_ref).where(Card.external_ref.in_(chunk))
            )
        )
    session.execute(
        insert(CardActivity),
        [
            {
                "card_id": ids[row["external_ref"]],
                "user_id": user_id,
                "at": now,
                "kind": "created",
                "detail": {"lane": row["lane_id"], "source": "trello", "trello": snap},
            }
            for row, snap in zip(rows, snaps, strict=True)
        ],
    )
    return ids


def snapshot(card: TrelloCard) -> dict[str, Any]:
    """What the export said of a card, kept in its activity: the next import compares the
    newer export with it, so only what changed in Trello overwrites what the VA changed here."""
    return {
        "list": card.list_id,
        "title": card.title,
        "description": hashlib.sha256(card.description.encode()).hexdigest()[:16],
        "due": card.due.isoformat() if card.due else None,
        "labels": list(card.labels),
        "closed": card.closed,
        "checklist": [[item.text, item.done] for item in card.checklist],
    }


def _snapshots(session: Session, card_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each card's latest Trello snapshot (from its "created"/"edited" activity)."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(card_ids):
        for card_id, detail in session.execute(
            select(CardActivity.card_id, CardActivity.detail)
            .where(
                CardActivity.card_id.in_(chunk),
                CardActivity.kind.in_(("created", "edited")),
            )
            .order_by(CardActivity.id)
        ):
            if isinstance(detail, dict) and isinstance(detail.get("trello"), dict):
                found[card_id] = detail["trello"]
    return found


def _update_card(
    session: Session,
    card: Card,
    trello: TrelloCard,
    before: dict[str, Any] | None,
    targets: dict[str, _Target],
    client_id: int | None,
    now: datetime,
) -> list[str]:
    """Bring an imported card up to date with what changed in Trello since the last import;
    the names of the fields changed. Without a snapshot, the export simply wins."""
    target = targets[trello.list_id]
    after = snapshot(trello)
    wanted: dict[str, Any] = {
        "title": trello.title,
        "description": trello.description,
        "due_at": trello.due,
        "labels": list(trello.labels),
        "archived": trello.closed,
    }
    keys = {"due_at": "due", "archived": "closed"}
    changed = [
        name
        for name, value in wanted.items()
        if (before is None or before.get(keys.get(name, name)) != after[keys.get(name, name)])
        and getattr(card, name) != value
    ]
    for name in changed:
        setattr(card, name, wanted[name])
    if client_id is not None and card.client_id is None:
        card.client_id = client_id
        changed.append("client_id")
    moved = before is None or before.get("list") != trello.list_id
    if moved and card.lane_id != target.lane_id:
        last = session.scalar(select(func.max(Card.rank)).where(Card.lane_id == target.lane_id))
        card.lane_id = target.lane_id
        card.rank = initial_ranks(1, after=last)[0]
        card.completed_at = now if target.done else None
        changed.append("lane")
        sync_clock(session, card, target.lane, by="import", user_id=None, now=now)
    if changed:
        card.updated_at = now
        session.flush()  # the new rank counts for the next card moved into the same lane
    return changed


def _checklists(
    session: Session,
    cards: Sequence[TrelloCard],
    ids: dict[str, int],
    before: dict[int, dict[str, Any]],
    changes: dict[int, list[str]],
    tally: Tally,
) -> None:
    """New items go after a card's own; an item ticked or unticked in Trello since the last
    import follows it. Nothing is removed: an item the VA added here stays."""
    current: dict[int, list[ChecklistItem]] = {}
    earlier = [ids[card.ref] for card in cards if ids[card.ref] in changes and card.checklist]
    for chunk in _chunks(earlier):
        for item in session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.card_id.in_(chunk))
            .order_by(ChecklistItem.position, ChecklistItem.id)
        ):
            current.setdefault(item.card_id, []).append(item)
    rows: list[dict[str, Any]] = []
    for card in cards:
        card_id = ids[card.ref]
        items = current.get(card_id, [])
        by_text = {item.text: item for item in items}
        old = before.get(card_id, {}).get("checklist")
        was = (
            {str(x[0]): x[1] for x in old if isinstance(x, list) and len(x) == 2}
            if isinstance(old, list)
            else {}
        )
        position = max((item.position for item in items), default=0)
        touched = False
        for check in card.checklist:
            found = by_text.get(check.text)
            if found is None:
                if check.text in was:
                    continue  # removed here since the last import: stays removed
                position += 1
                by_text[check.text] = ChecklistItem(text=check.text, done=check.done)
                rows.append(
                    {
                        "card_id": card_id,
                        "position": position,
                        "text": check.text,
                        "done": check.done,
                    }
                )
                tally.add("created", "checklist_items")
                touched = True
            elif found.done != check.done and was.get(check.text) != check.done:
                found.done = check.done
                tally.add("updated", "checklist_items")
                touched = True
        if touched and card_id in changes:
            changes[card_id].append("checklist")
    if rows:
        session.execute(insert(ChecklistItem), rows)


def _comments(
    session: Session, cards: Sequence[TrelloCard], ids: dict[str, int], tally: Tally
) -> None:
    """Each Trello comment once, as a "comment" activity with its author and date."""
    with_comments = [ids[card.ref] for card in cards if card.comments]
    seen: set[str] = set()
    for chunk in _chunks(with_comments):
        for detail in session.scalars(
            select(CardActivity.detail).where(
                CardActivity.card_id.in_(chunk), CardActivity.kind == "comment"
            )
        ):
            if isinstance(detail, dict) and isinstance(detail.get("trello_action"), str):
                seen.add(detail["trello_action"])
    rows: list[dict[str, Any]] = []
    for card in cards:
        for comment in card.comments:
            if comment.id in seen:
                tally.add("unchanged", "comments")
                continue
            seen.add(comment.id)
            rows.append(
                {
                    "card_id": ids[card.ref],
                    "user_id": None,
                    "at": comment.at,
                    "kind": "comment",
                    "detail": {
                        "text": comment.text,
                        "author": comment.author,
                        "source": "trello",
                        "trello_action": comment.id,
                    },
                }
            )
    if rows:
        session.execute(insert(CardActivity), rows)
        tally.add("created", "comments", len(rows))


def _attachments(
    session: Session,
    cards: Sequence[TrelloCard],
    ids: dict[str, int],
    now: datetime,
    tally: Tally,
) -> None:
    """Attachments as links (``path`` empty), each URL once per card."""
    with_links = [ids[card.ref] for card in cards if card.attachments]
    seen: set[tuple[int, str]] = set()
    for chunk in _chunks(with_links):
        seen.update(
            (card_id, url)
            for card_id, url in session.execute(
                select(CardAttachment.card_id, CardAttachment.url).where(
                    CardAttachment.card_id.in_(chunk)
                )
            )
        )
    rows: list[dict[str, Any]] = []
    for card in cards:
        card_id = ids[card.ref]
        for link in card.attachments:
            if (card_id, link.url) in seen:
                tally.add("unchanged", "attachments")
                continue
            seen.add((card_id, link.url))
            rows.append(
                {
                    "card_id": card_id,
                    "name": link.name,
                    "path": "",
                    "url": link.url,
                    "size": link.size,
                    "content_type": link.content_type,
                    "created_at": link.at or now,
                }
            )
    if rows:
        session.execute(insert(CardAttachment), rows)
        tally.add("created", "attachments", len(rows))


def run_trello(
    store: StoreLike,
    data: TrelloBoard | bytes,
    *,
    client: str | None = None,
    lanes: str | None = None,
    unmapped: Unmapped = "lane",
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportSummary:
    """Import a Trello export (parsed, or its bytes) in one transaction (rolled back for a
    dry run)."""
    board = parse_board(data) if isinstance(data, bytes) else data
    mapping = parse_lane_map(lanes)

    def write(session: Session) -> ImportSummary:
        return import_trello(
            session,
            board,
            client=client,
            lanes=mapping,
            unmapped=unmapped,
            user_id=store.user_id,
            now=now,
        )

    summary = run_import(store, write, dry_run=dry_run)
    log.info("trello import: %s created, dry run %s", summary.created, dry_run)
    return replace(summary, dry_run=dry_run)
