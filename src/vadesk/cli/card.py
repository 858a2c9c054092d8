"""`vadesk card ...`: create, list, move, edit and archive cards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import click

from vadesk.cli.common import (
    ID,
    Context,
    emit,
    json_option,
    pass_ctx,
    refuse_together,
    stream_json_list,
)
from vadesk.domain.dates import parse_when
from vadesk.domain.kinds import CARD_KINDS
from vadesk.domain.text import display
from vadesk.errors import InvalidInputError

KINDS = click.Choice(CARD_KINDS)
ESTIMATE = click.IntRange(0, 100_000)
"""Minutes (100,000 is about 70 days of work: anything more is a typo)."""


@click.group()
def card() -> None:
    """Create, list, move, edit and archive cards."""


def _client_id(session: Any, name: str | None, *, for_cards: bool = False) -> int | None:
    """The named client's id; ``for_cards`` (a card goes to it) refuses an archived one."""
    if name is None:
        return None
    from vadesk.services.clients import client_by_name, client_for_cards

    return (client_for_cards if for_cards else client_by_name)(session, name).id


@card.command("add")
@click.argument("title")
@click.option("--client", help="Client name.")
@click.option("--lane", help="Lane name (default: Normal).")
@click.option("--kind", default="other", show_default=True, type=KINDS)
@click.option("--due", help="Due date or date-time, ISO (default: the client's turnaround).")
@click.option("--description", default="", help="Longer text.")
@click.option("--top", is_flag=True, help="Put it at the top of the lane.")
@json_option("Print the new card as a JSON object (the fields of `card list --json`).")
@pass_ctx
def card_add(
    ctx: Context,
    title: str,
    client: str | None,
    lane: str | None,
    kind: str,
    due: str | None,
    description: str,
    top: bool,
    as_json: bool,
) -> None:
    """Add a card; prints its id."""
    from vadesk.services.cards import create_card
    from vadesk.services.lanes import lane_by_name

    due_at = parse_when(due, "due date")
    store = ctx.store()
    with store.write() as s:
        lane_id = lane_by_name(s, lane).id if lane else None
        row = create_card(
            s,
            title,
            lane_id=lane_id,
            client_id=_client_id(s, client, for_cards=True),
            kind=kind,
            due_at=due_at,
            description=description,
            position="top" if top else "bottom",
            user_id=store.user_id,
        )
    emit(as_json, row.as_json(), str(row.id))


@card.command("list")
@click.option("--lane", help="Only this lane.")
@click.option("--client", help="Only this client's cards.")
@click.option("--archived", is_flag=True, help="List archived cards instead.")
@click.option(
    "--archived-clients",
    is_flag=True,
    help="Also list cards of archived clients (hidden otherwise).",
)
@click.option(
    "--limit", type=click.IntRange(0, None), metavar="N", help="At most N cards (default: all)."
)
@click.option(
    "--offset", type=click.IntRange(0, None), default=0, metavar="N", help="Skip the first N cards."
)
@json_option("Print JSON.")
@pass_ctx
def card_list(
    ctx: Context,
    lane: str | None,
    client: str | None,
    archived: bool,
    archived_clients: bool,
    limit: int | None,
    offset: int,
    as_json: bool,
) -> None:
    """List cards in board order."""
    from vadesk.services.cardlist import quick_card_json

    # A current SQLite board is read with the standard library alone (no SQLAlchemy import).
    quick = (
        None
        if ctx.demo
        else quick_card_json(
            ctx.settings.resolve_database_url(ctx.db_url),
            lane=lane or None,
            client=client,
            archived=archived,
            limit=limit,
            offset=offset,
            archived_clients=archived_clients,
        )
    )
    if quick is not None:
        _print_cards(quick, as_json)
        return
    from vadesk.services.board_read import iter_card_json
    from vadesk.services.lanes import lane_by_name

    with ctx.store(create=False).read() as s:
        lane_id = lane_by_name(s, lane).id if lane else None
        rows = iter_card_json(
            s,
            lane_id=lane_id,
            client_id=_client_id(s, client),
            archived=archived,
            limit=limit,
            offset=offset,
            archived_clients=archived_clients,
        )
        _print_cards(rows, as_json)


def _print_cards(rows: Iterator[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        stream_json_list(rows)
        return
    for row in rows:
        due = (
            datetime.fromisoformat(row["due"]).astimezone().strftime("%a %d %b %H:%M")
            if row["due"]
            else ""
        )
        click.echo(
            f"{row['id']:>6}  {display(row['lane']):<10} {row['position']:>4}  "
            f"{row['kind']:<8} {display(row['client'] or '-')[:18]:<18} {due:<16} "
            f"{display(row['title'])}"
        )


@card.command("move")
@click.argument("card_id", type=ID)
@click.option("--lane", help="Target lane (default: the card's own).")
@click.option("--top", is_flag=True, help="To the top of the lane.")
@click.option("--bottom", is_flag=True, help="To the bottom (the default).")
@click.option("--before", "before_id", type=ID, metavar="ID", help="Just above card ID.")
@click.option("--after", "after_id", type=ID, metavar="ID", help="Just below card ID.")
@json_option("Print the moved card as a JSON object.")
@pass_ctx
def card_move(
    ctx: Context,
    card_id: int,
    lane: str | None,
    top: bool,
    bottom: bool,
    before_id: int | None,
    after_id: int | None,
    as_json: bool,
) -> None:
    """Move a card to a lane and a place in it."""
    from vadesk.services.cards import get_card
    from vadesk.services.lanes import lane_by_name
    from vadesk.services.ordering import move_card

    refuse_together(top=top, bottom=bottom, before=before_id, after=after_id)
    where = "top" if top else "bottom" if bottom else None
    if lane is None and where is None and before_id is None and after_id is None:
        raise InvalidInputError(
            "Say where to: --lane NAME and/or --top, --bottom, --before ID, --after ID."
        )
    store = ctx.store()
    with store.write() as s:
        lane_id = lane_by_name(s, lane).id if lane else None
        if before_id is None and after_id is None and where is None:
            where = "bottom"
        moved = move_card(
            s,
            card_id,
            lane_id=lane_id,
            position=where,  # type: ignore[arg-type]
            before_id=before_id,
            after_id=after_id,
            user_id=store.user_id,
        )
        row = get_card(s, moved.id)
    emit(as_json, row.as_json(), f"{row.id} {display(row.lane)} {row.position}")


@card.command("edit")
@click.argument("card_id", type=ID)
@click.option("--title")
@click.option("--description")
@click.option("--client", help="Client name ('' for none).")
@click.option("--kind", type=KINDS)
@click.option("--due", help="ISO date or date-time ('' for none).")
@click.option("--estimate", type=ESTIMATE, help="Estimate in minutes.")
@json_option("Print the edited card as a JSON object.")
@pass_ctx
def card_edit(
    ctx: Context,
    card_id: int,
    title: str | None,
    description: str | None,
    client: str | None,
    kind: str | None,
    due: str | None,
    estimate: int | None,
    as_json: bool,
) -> None:
    """Change a card's fields."""
    from vadesk.services.cards import edit_card

    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = title
    if description is not None:
        changes["description"] = description
    if kind is not None:
        changes["kind"] = kind
    if due is not None:
        changes["due_at"] = parse_when(due, "due date") if due else None
    if estimate is not None:
        changes["estimate_minutes"] = estimate
    if not changes and client is None:
        raise InvalidInputError("Nothing to change; give --title, --due, --client, ...")
    store = ctx.store()
    with store.write() as s:
        if client is not None:
            changes["client_id"] = _client_id(s, client, for_cards=True) if client else None
        row = edit_card(s, card_id, user_id=store.user_id, **changes)
    emit(as_json, row.as_json(), f"{row.id} v{row.version}")


@card.command("archive")
@click.argument("card_id", type=ID)
@click.option("--undo", is_flag=True, help="Bring an archived card back.")
@json_option("Print the card as a JSON object.")
@pass_ctx
def card_archive(ctx: Context, card_id: int, undo: bool, as_json: bool) -> None:
    """Archive a card (it leaves the board, its history stays)."""
    from vadesk.services.cards import set_archived

    store = ctx.store()
    with store.write() as s:
        row = set_archived(s, card_id, not undo, user_id=store.user_id)
    emit(as_json, row.as_json(), f"{row.id} {'archived' if row.archived else 'restored'}")
