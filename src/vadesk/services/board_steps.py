"""Board writes as data: a step names a card write by ids and plain values, and can be undone.

The board queues steps, its undo history keeps them; ``apply`` runs one in the caller's write
session and returns the step that undoes it (read in that same transaction, before writing).
Importing this module does not import SQLAlchemy (the board's first frame comes before it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Action = Literal[
    "move",
    "move_step",
    "complete",
    "archive",
    "unarchive",
    "restore",
    "edit",
    "create",
    "timer",
    "absence",
    "add_lane",
    "rename_lane",
    "move_lane",
    "remove_lane",
    "waiting",
]


@dataclass(frozen=True)
class Step:
    """One card write: ``action`` on ``card_id`` with plain arguments (no objects, no code).

    - ``move``: ``lane_id`` and ``position`` ("top"/"bottom"), or ``before_id``
    - ``move_step``: ``steps`` up (negative) or down within the lane
    - ``complete``: to the Done lane; ``archive``; ``unarchive`` (``placement`` optional)
    - ``restore``: back to ``placement`` (an ``ordering.Placement``)
    - ``edit``: ``fields`` as ``cards.edit_card`` takes them
    - ``create``: ``card_id`` 0; ``title`` and ``fields`` as ``cards.create_card`` takes them
    - ``timer``: start or stop the timer on ``card_id`` (the result says which, and the entry)
    - ``waiting``: flag the card as waiting on the client, or not (a toggle; see turnaround)
    - ``absence``: resolve the running timer's absence by ``choice`` (keep, discard, split)
    - ``add_lane`` (``name``, ``position``), ``rename_lane`` (``lane_id``, ``name``),
      ``move_lane`` (``lane_id``, ``position``), ``remove_lane`` (``lane_id``): ``card_id`` 0
    """

    action: Action
    card_id: int
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Done:
    follow: int | None
    """The card the cursor should be on now, if any."""
    undo: Step | None
    """Puts things back (None: nothing to undo)."""
    redo: Step
    """Does it again after an undo (the step itself, or e.g. ``unarchive`` for a new card)."""
    result: Any = None
    """What the service returned, where the caller shows it (the timer's action and entry)."""


def apply(
    session: Session, step: Step, *, user_id: int | None, now: datetime | None = None
) -> Done:
    """Run ``step`` in ``session``; where the cursor goes and how to undo and redo it."""
    from vadesk.services.cards import create_card
    from vadesk.services.ordering import placement_of

    card_id, args = step.card_id, step.args
    if step.action == "create":
        fields = dict(args.get("fields", {}))
        row = create_card(session, args["title"], user_id=user_id, now=now, **fields)
        return Done(row.id, Step("archive", row.id), Step("unarchive", row.id))
    if step.action in ("timer", "absence", "add_lane", "rename_lane", "move_lane", "remove_lane"):
        return Done(None, None, step, _other(session, step, user_id, now))
    if step.action == "waiting":
        from vadesk.services.turnaround import set_waiting

        flagged = set_waiting(session, card_id, user_id=user_id, now=now)
        return Done(card_id, step, step, flagged)  # toggling again undoes it
    undo: Step | None = None
    if step.action in ("move", "move_step", "complete", "restore"):
        undo = Step("restore", card_id, {"placement": placement_of(session, card_id)})
    elif step.action == "archive":
        undo = Step("unarchive", card_id, {"placement": placement_of(session, card_id)})
    elif step.action == "unarchive":
        undo = Step("archive", card_id)
    return Done(_run(session, step, user_id, now), undo, step)


def _run(session: Session, step: Step, user_id: int | None, now: datetime | None) -> int | None:
    from vadesk.services.cards import complete_card, edit_card, set_archived
    from vadesk.services.ordering import move_card, move_step, restore_placement

    card_id, args = step.card_id, step.args
    match step.action:
        case "move":
            return move_card(session, card_id, user_id=user_id, now=now, **args).id
        case "move_step":
            return move_step(session, card_id, args["steps"], user_id=user_id, now=now).id
        case "complete":
            complete_card(session, card_id, user_id=user_id, now=now)
            return None
        case "archive":
            set_archived(session, card_id, True, user_id=user_id, now=now)
            return None
        case "unarchive":
            row = set_archived(session, card_id, False, user_id=user_id, now=now)
            placement = args.get("placement")
            if placement is None:
                return row.id
            return restore_placement(session, card_id, placement, user_id=user_id, now=now).id
        case "restore":
            placement = args["placement"]
            return restore_placement(session, card_id, placement, user_id=user_id, now=now).id
        case "edit":
            return edit_card(session, card_id, user_id=user_id, now=now, **args["fields"]).id
    raise ValueError(f"unknown board step {step.action!r}")


def _other(session: Session, step: Step, user_id: int | None, now: datetime | None) -> Any:
    """Writes that are not undone: the timer and the lanes."""
    from vadesk.services import timer
    from vadesk.services.lanes import add_lane, move_lane, remove_lane, rename_lane

    args = step.args
    if step.action in ("timer", "absence"):
        if user_id is None:
            raise ValueError("a timer step needs a user")
        if step.action == "timer":
            return timer.toggle(session, user_id, step.card_id, now=now)
        return timer.resolve_absence(session, user_id, args["choice"], now=now)
    match step.action:
        case "add_lane":
            return add_lane(session, args["name"], args.get("position"))
        case "rename_lane":
            return rename_lane(session, args["lane_id"], args["name"])
        case "move_lane":
            return move_lane(session, args["lane_id"], args["position"])
        case "remove_lane":
            return remove_lane(session, args["lane_id"])
    raise ValueError(f"unknown board step {step.action!r}")
