"""`vadesk lane ...`: list, add, rename, reorder and remove lanes."""

from __future__ import annotations

import click

from vadesk.cli.common import Context, echo_json, pass_ctx


@click.group()
def lane() -> None:
    """List, add, rename, reorder and remove lanes."""


@lane.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def lane_list(ctx: Context, as_json: bool) -> None:
    """List lanes in order with their card counts."""
    from vadesk.services.board import list_lanes

    with ctx.store().read() as s:
        lanes = list_lanes(s)
    if as_json:
        echo_json(
            [
                {
                    "id": x.id,
                    "name": x.name,
                    "position": x.position,
                    "role": x.role,
                    "count": x.count,
                }
                for x in lanes
            ]
        )
        return
    for x in lanes:
        click.echo(f"{x.id:>4}  {x.name:<16} {x.count:>6}")


@lane.command("add")
@click.argument("name")
@click.option("--position", type=int, help="0 = leftmost (default: rightmost).")
@pass_ctx
def lane_add(ctx: Context, name: str, position: int | None) -> None:
    """Add a lane."""
    from vadesk.services.board import add_lane

    with ctx.store().write() as s:
        click.echo(add_lane(s, name, position).id)


@lane.command("rename")
@click.argument("name")
@click.argument("new_name")
@pass_ctx
def lane_rename(ctx: Context, name: str, new_name: str) -> None:
    """Rename a lane."""
    from vadesk.services.board import lane_by_name, rename_lane

    with ctx.store().write() as s:
        rename_lane(s, lane_by_name(s, name).id, new_name)


@lane.command("move")
@click.argument("name")
@click.argument("position", type=int)
@pass_ctx
def lane_move(ctx: Context, name: str, position: int) -> None:
    """Put a lane at POSITION (0 = leftmost)."""
    from vadesk.services.board import lane_by_name, move_lane

    with ctx.store().write() as s:
        move_lane(s, lane_by_name(s, name).id, position)


@lane.command("remove")
@click.argument("name")
@pass_ctx
def lane_remove(ctx: Context, name: str) -> None:
    """Remove an empty lane."""
    from vadesk.services.board import lane_by_name, remove_lane

    with ctx.store().write() as s:
        remove_lane(s, lane_by_name(s, name).id)
