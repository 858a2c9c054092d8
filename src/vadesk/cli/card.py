"""`vadesk card ...`: create, list, move, edit and archive cards."""

from __future__ import annotations

from typing import Any

import click

from vadesk.cli.common import Context, echo_json, pass_ctx
from vadesk.domain.dates import parse_when
from vadesk.errors import InvalidInputError


@click.group()
def card() -> None:
    """Create, list, move, edit and archive cards."""


def _client_id(session: Any, name: str | None) -> int | None:
    if name is None:
        return None
    from vadesk.services.clients import client_by_name

    return client_by_name(session, name).id


@card.command("add")
@click.argument("title")
@click.option("--client", help="Client name.")
@click.option("--lane", help="Lane name (default: Normal).")
@click.option(
    "--kind",
    default="other",
    show_default=True,
    type=click.Choice(["admin", "creative", "call", "purchase", "other"]),
)
@click.option("--due", help="Due date or date-time, ISO (default: the client's turnaround).")
@click.option("--description", default="", help="Longer text.")
@click.option("--top", is_flag=True, help="Put it at the top of the lane.")
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
) -> None:
    """Add a card; prints its id."""
    from vadesk.services import board

    store = ctx.store()
    due_at = parse_when(due, "due date")
    with store.write() as s:
        lane_id = board.lane_by_name(s, lane).id if lane else None
        row = board.create_card(
            s,
            title,
            lane_id=lane_id,
            client_id=_client_id(s, client),
            kind=kind,
            due_at=due_at,
            description=description,
            position="top" if top else "bottom",
            user_id=store.user_id,
        )
    click.echo(row.id)


@card.command("list")
@click.option("--lane", help="Only this lane.")
@click.option("--client", help="Only this client's cards.")
@click.option("--archived", is_flag=True, help="List archived cards instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def card_list(
    ctx: Context, lane: str | None, client: str | None, archived: bool, as_json: bool
) -> None:
    """List cards in board order."""
    from vadesk.services import board

    with ctx.store().read() as s:
        lane_id = board.lane_by_name(s, lane).id if lane else None
        rows = board.list_cards(
            s, lane_id=lane_id, client_id=_client_id(s, client), archived=archived
        )
    if as_json:
        echo_json([row.as_json() for row in rows])
        return
    for row in rows:
        due = row.due_at.astimezone().strftime("%a %d %b %H:%M") if row.due_at else ""
        click.echo(
            f"{row.id:>6}  {row.lane:<10} {row.position:>4}  {row.kind:<8} "
            f"{(row.client or '-')[:18]:<18} {due:<16} {row.title}"
        )


@card.command("move")
@click.argument("card_id", type=int)
@click.option("--lane", help="Target lane (default: the card's own).")
@click.option("--top", "where", flag_value="top", help="To the top of the lane.")
@click.option("--bottom", "where", flag_value="bottom", help="To the bottom (the default).")
@click.option("--before", "before_id", type=int, metavar="ID", help="Just above card ID.")
@click.option("--after", "after_id", type=int, metavar="ID", help="Just below card ID.")
@pass_ctx
def card_move(
    ctx: Context,
    card_id: int,
    lane: str | None,
    where: str | None,
    before_id: int | None,
    after_id: int | None,
) -> None:
    """Move a card to a lane and a place in it."""
    from vadesk.services import board

    if lane is None and where is None and before_id is None and after_id is None:
        raise InvalidInputError(
            "Say where to: --lane NAME and/or --top, --bottom, --before ID, --after ID."
        )
    store = ctx.store()
    with store.write() as s:
        lane_id = board.lane_by_name(s, lane).id if lane else None
        if before_id is None and after_id is None and where is None:
            where = "bottom"
        row = board.move_card(
            s,
            card_id,
            lane_id=lane_id,
            position=where,  # type: ignore[arg-type]
            before_id=before_id,
            after_id=after_id,
            user_id=store.user_id,
        )
        position = board.get_card(s, row.id).position
    click.echo(f"{row.id} {row.lane} {position}")


@card.command("edit")
@click.argument("card_id", type=int)
@click.option("--title")
@click.option("--description")
@click.option("--client", help="Client name ('' for none).")
@click.option("--kind", type=click.Choice(["admin", "creative", "call", "purchase", "other"]))
@click.option("--due", help="ISO date or date-time ('' for none).")
@click.option("--estimate", type=int, help="Estimate in minutes.")
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
) -> None:
    """Change a card's fields."""
    from vadesk.services import board

    store = ctx.store()
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
    with store.write() as s:
        if client is not None:
            changes["client_id"] = _client_id(s, client) if client else None
        if not changes:
            raise InvalidInputError("Nothing to change; give --title, --due, --client, ...")
        row = board.edit_card(s, card_id, user_id=store.user_id, **changes)
    click.echo(f"{row.id} v{row.version}")


@card.command("archive")
@click.argument("card_id", type=int)
@click.option("--undo", is_flag=True, help="Bring an archived card back.")
@pass_ctx
def card_archive(ctx: Context, card_id: int, undo: bool) -> None:
    """Archive a card (it leaves the board, its history stays)."""
    from vadesk.services import board

    store = ctx.store()
    with store.write() as s:
        row = board.set_archived(s, card_id, not undo, user_id=store.user_id)
    click.echo(f"{row.id} {'archived' if row.archived else 'restored'}")
