"""A Trello board exported as JSON (Menu → Print and export → JSON), read into plain records.

What is kept: lists (name, order, closed), cards (name, description, due, labels, order,
closed), checklists with their ticked items, comments (``commentCard`` actions: author, date,
text) and attachments as links. Trello's export holds only the board's most recent actions
(1,000), so older comments are not in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from vadesk.domain.imports import ImportFileError, Problem
from vadesk.domain.text import clean_text, clean_title

MAX_ID = 100
"""Trello ids are 24 hex digits; anything much longer is not one."""
UNTITLED = "Untitled Trello card"
LINK_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class TrelloList:
    id: str
    name: str
    closed: bool


@dataclass(frozen=True)
class TrelloCheckItem:
    text: str
    done: bool


@dataclass(frozen=True)
class TrelloComment:
    id: str
    """The Trello action id: a re-import recognises the comment by it."""
    author: str
    at: datetime
    text: str


@dataclass(frozen=True)
class TrelloAttachment:
    name: str
    url: str
    size: int
    content_type: str
    at: datetime | None


@dataclass(frozen=True)
class TrelloCard:
    id: str
    list_id: str
    title: str
    description: str
    due: datetime | None
    labels: tuple[str, ...]
    closed: bool
    """Archived in Trello, itself or with its list."""
    checklist: tuple[TrelloCheckItem, ...]
    comments: tuple[TrelloComment, ...]
    attachments: tuple[TrelloAttachment, ...]

    @property
    def ref(self) -> str:
        """The card's ``external_ref`` in vadesk."""
        return f"trello:{self.id}"


@dataclass(frozen=True)
class TrelloBoard:
    id: str
    name: str
    lists: tuple[TrelloList, ...]
    """In board order (left to right)."""
    cards: tuple[TrelloCard, ...]
    """In board order: by list, then top to bottom."""
    problems: tuple[Problem, ...]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _id(value: object) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= MAX_ID and value.isprintable():
        return value
    return None


def _pos(value: object) -> float:
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    return 0.0


def _instant(value: object) -> datetime | None:
    """Trello's ISO 8601 instants ("2026-11-24T09:30:00.000Z"); None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("not a date")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _objects(board: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = board.get(key, [])
    if not isinstance(value, list):
        raise ImportFileError(f'The Trello export\'s "{key}" is not a list; is the file damaged?')
    return [item for item in value if isinstance(item, dict)]


def _describe(card: dict[str, Any]) -> str:
    name = clean_title(_text(card.get("name")), 60) or "untitled"
    return f"card {name!r} ({clean_title(_text(card.get('id')), MAX_ID) or 'no id'})"


def parse_board(data: bytes) -> TrelloBoard:
    """Read a Trello board export; ``ImportFileError`` when it is not one."""
    try:
        board = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ImportFileError(
            f"Not a Trello JSON export ({str(error).split(':')[0]}); export the board from "
            "Trello with Menu → Print and export → JSON."
        ) from None
    if not isinstance(board, dict) or not isinstance(board.get("cards"), list):
        raise ImportFileError(
            "Not a Trello board export (no list of cards); export the board from Trello "
            "with Menu → Print and export → JSON."
        )
    problems: list[Problem] = []
    board_id = _id(board.get("id")) or ""
    board_name = clean_title(_text(board.get("name")), 200)

    lists: list[tuple[float, int, TrelloList]] = []
    for index, raw in enumerate(_objects(board, "lists")):
        list_id = _id(raw.get("id"))
        if list_id is None:
            problems.append(Problem(f"list {index + 1}", "it has no id; its cards are skipped"))
            continue
        name = clean_title(_text(raw.get("name")), 100) or f"Trello list {index + 1}"
        lists.append(
            (_pos(raw.get("pos")), index, TrelloList(list_id, name, raw.get("closed") is True))
        )
    lists.sort(key=lambda item: (item[0], item[1]))
    list_order = {item[2].id: order for order, item in enumerate(lists)}
    closed_lists = {item[2].id for item in lists if item[2].closed}

    label_names: dict[str, str] = {}
    for raw in _objects(board, "labels"):
        label_id = _id(raw.get("id"))
        if label_id is not None:
            label_names[label_id] = _label(raw)

    checklists: dict[str, list[tuple[float, int, str, list[TrelloCheckItem]]]] = {}
    for index, raw in enumerate(_objects(board, "checklists")):
        card_id = _id(raw.get("idCard"))
        if card_id is None:
            continue
        items: list[tuple[float, int, TrelloCheckItem]] = []
        raw_items = raw.get("checkItems")
        for item_index, item in enumerate(raw_items if isinstance(raw_items, list) else []):
            if not isinstance(item, dict):
                continue
            text = clean_title(_text(item.get("name")))
            if text:
                done = item.get("state") == "complete"
                items.append((_pos(item.get("pos")), item_index, TrelloCheckItem(text, done)))
        items.sort(key=lambda entry: (entry[0], entry[1]))
        name = clean_title(_text(raw.get("name")), 100)
        checklists.setdefault(card_id, []).append(
            (_pos(raw.get("pos")), index, name, [entry[2] for entry in items])
        )

    comments: dict[str, list[TrelloComment]] = {}
    for raw in _objects(board, "actions"):
        if raw.get("type") != "commentCard":
            continue
        action_id = _id(raw.get("id"))
        payload = raw.get("data")
        card = payload.get("card") if isinstance(payload, dict) else None
        card_id = _id(card.get("id")) if isinstance(card, dict) else None
        if action_id is None or card_id is None or not isinstance(payload, dict):
            problems.append(Problem("a comment", "it names no card or has no id; skipped"))
            continue
        try:
            at = _instant(raw.get("date"))
        except ValueError:
            at = None
        if at is None:
            problems.append(Problem(f"comment {action_id}", "its date is unreadable; skipped"))
            continue
        member = raw.get("memberCreator")
        author = ""
        if isinstance(member, dict):
            author = _text(member.get("fullName")) or _text(member.get("username"))
        text = clean_text(_text(payload.get("text")), multiline=True)
        if text:
            comments.setdefault(card_id, []).append(
                TrelloComment(action_id, clean_title(author, 200), at, text)
            )

    cards: list[tuple[int, float, int, TrelloCard]] = []
    seen: set[str] = set()
    for index, raw in enumerate(board["cards"]):
        if not isinstance(raw, dict):
            problems.append(Problem(f"card {index + 1}", "it is not an object; skipped"))
            continue
        card_id = _id(raw.get("id"))
        if card_id is None:
            problems.append(Problem(_describe(raw), "it has no usable id; skipped"))
            continue
        if card_id in seen:
            problems.append(Problem(_describe(raw), "the same card id appears twice; skipped"))
            continue
        list_id = _id(raw.get("idList"))
        if list_id is None or list_id not in list_order:
            problems.append(Problem(_describe(raw), "its list is not in the export; skipped"))
            continue
        seen.add(card_id)
        try:
            due = _instant(raw.get("due"))
        except ValueError:
            due = None
            problems.append(
                Problem(_describe(raw), "its due date is unreadable; imported without one")
            )
        cards.append(
            (
                list_order[list_id],
                _pos(raw.get("pos")),
                index,
                TrelloCard(
                    id=card_id,
                    list_id=list_id,
                    title=clean_title(_text(raw.get("name"))) or UNTITLED,
                    description=clean_text(_text(raw.get("desc")), multiline=True),
                    due=due,
                    labels=_card_labels(raw, label_names),
                    closed=raw.get("closed") is True or list_id in closed_lists,
                    checklist=_flatten(checklists.get(card_id, [])),
                    comments=tuple(sorted(comments.get(card_id, []), key=lambda c: (c.at, c.id))),
                    attachments=_attachments(raw, problems),
                ),
            )
        )
    cards.sort(key=lambda item: (item[0], item[1], item[2]))
    return TrelloBoard(
        id=board_id,
        name=board_name,
        lists=tuple(item[2] for item in lists),
        cards=tuple(item[3] for item in cards),
        problems=tuple(problems),
    )


def _label(raw: dict[str, Any]) -> str:
    """A label's name, or its colour when it has none (Trello allows unnamed labels)."""
    return clean_title(_text(raw.get("name")) or _text(raw.get("color")), 40)


def _card_labels(raw: dict[str, Any], names: dict[str, str]) -> tuple[str, ...]:
    found: list[str] = []
    inline = raw.get("labels")
    if isinstance(inline, list):
        found += [_label(label) for label in inline if isinstance(label, dict)]
    ids = raw.get("idLabels")
    if not found and isinstance(ids, list):
        found += [names[i] for i in ids if isinstance(i, str) and i in names]
    return tuple(dict.fromkeys(label for label in found if label))


def _flatten(
    checklists: list[tuple[float, int, str, list[TrelloCheckItem]]],
) -> tuple[TrelloCheckItem, ...]:
    """One flat checklist; with several Trello checklists each item names its own."""
    ordered = sorted(checklists, key=lambda item: (item[0], item[1]))
    if len(ordered) <= 1:
        return tuple(item for entry in ordered for item in entry[3])
    return tuple(
        TrelloCheckItem(clean_title(f"{name}: {item.text}" if name else item.text), item.done)
        for _, _, name, items in ordered
        for item in items
    )


def _attachments(raw: dict[str, Any], problems: list[Problem]) -> tuple[TrelloAttachment, ...]:
    found: list[TrelloAttachment] = []
    value = raw.get("attachments")
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        url = _text(item.get("url")).strip()
        if not url.lower().startswith(LINK_SCHEMES) or not url.isprintable():
            problems.append(
                Problem(_describe(raw), "an attachment without a web link was left out")
            )
            continue
        name = clean_title(_text(item.get("name")), 255) or url.rsplit("/", 1)[-1][:255]
        size = item.get("bytes")
        try:
            at = _instant(item.get("date"))
        except ValueError:
            at = None
        found.append(
            TrelloAttachment(
                name=name or "link",
                url=url,
                size=size
                if isinstance(size, int) and not isinstance(size, bool) and size > 0
                else 0,
                content_type=clean_title(_text(item.get("mimeType")), 255),
                at=at,
            )
        )
    return tuple(found)
