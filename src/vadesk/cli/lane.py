"""`vadesk lane ...`: list, add, rename, reorder and remove lanes."""

from __future__ import annotations

from typing import Any

import click

from vadesk.cli.common import Context, echo_json, emit, json_option, pass_ctx
from vadesk.domain.text import display

POSITION = click.IntRange(0, None)
"""0 = leftmost; a position past the last lane means the rightmost."""


def lane_json(lane: Any) -> dict[str, Any]:
    """A lane as `lane list --json` shows it."""
    return {
        "id": lane.id,
        "name": lane.name,
        "position": lane.position,
        "role": lane.role,
        "count": lane.count,
        "waiting": lane.waiting,
    }


def _lane_now(session: Any, lane_id: int) -> dict[str, Any]:
    from vadesk.services.lanes import list_lanes

    return lane_json(next(x for x in list_lanes(session) if x.id == lane_id))


@click.group()
def lane() -> None:
    """List, add, rename, reorder and remove lanes."""


@lane.command("list")
@json_option("Print JSON.")
@pass_ctx
def lane_list(ctx: Context, as_json: bool) -> None:
    """List lanes in order with their card counts."""
    from vadesk.services.lanes import list_lanes

    with ctx.store(create=False).read() as s:
        lanes = list_lanes(s)
    if as_json:
        echo_json([lane_json(x) for x in lanes])
        return
    for x in lanes:
        mark = "  waiting" if x.waiting else ""  # its cards' clocks are paused
        click.echo(f"{x.id:>4}  {display(x.name):<18} {x.count:>6}{mark}")


@lane.command("add")
@click.argument("name")
@click.option("--position", type=POSITION, help="0 = leftmost (default: rightmost).")
@click.option("--waiting", is_flag=True, help="A waiting lane: its cards' turnaround clocks pause.")
@json_option("Print the new lane as a JSON object (the fields of `lane list --json`).")
@pass_ctx
def lane_add(ctx: Context, name: str, position: int | None, waiting: bool, as_json: bool) -> None:
    """Add a lane."""
    from vadesk.services.lanes import add_lane
    from vadesk.services.turnaround import set_lane_waiting

    store = ctx.store()
    with store.write() as s:
        row = add_lane(s, name, position)
        if waiting:
            set_lane_waiting(s, row.id, True, user_id=store.user_id)
        data = _lane_now(s, row.id)
    emit(as_json, data, str(row.id))


@lane.command("edit")
@click.argument("name")
@click.option(
    "--waiting/--no-waiting",
    default=None,
    help="Make it a waiting lane (its cards' turnaround clocks pause), or a plain one again.",
)
@json_option("Print the lane as a JSON object.")
@pass_ctx
def lane_edit(ctx: Context, name: str, waiting: bool | None, as_json: bool) -> None:
    """Change a lane's settings (rename and move have their own commands)."""
    from vadesk.services.lanes import lane_by_name
    from vadesk.services.turnaround import set_lane_waiting

    if waiting is None:
        from vadesk.errors import InvalidInputError

        raise InvalidInputError(  # as `client edit` with nothing to change
            "Nothing to change; give --waiting or --no-waiting (see `vadesk lane edit --help`)."
        )
    store = ctx.store()
    with store.write() as s:
        lane_id = lane_by_name(s, name).id
        changed = set_lane_waiting(s, lane_id, waiting, user_id=store.user_id)
        data = _lane_now(s, lane_id)
    if as_json:
        echo_json(data)
    elif changed:
        verb = "paused" if waiting else "resumed"
        click.echo(f"{changed} card clock(s) {verb}.")
    else:
        kind = "a waiting lane" if waiting else "a plain lane"
        click.echo(f"Lane {display(data['name'])!r} is {kind} now; no card clock changed.")


@lane.command("rename")
@click.argument("name")
@click.argument("new_name")
@json_option("Print the renamed lane as a JSON object.")
@pass_ctx
def lane_rename(ctx: Context, name: str, new_name: str, as_json: bool) -> None:
    """Rename a lane."""
    from vadesk.services.lanes import lane_by_name, rename_lane

    with ctx.store().write() as s:
        found = lane_by_name(s, name)
        lane_id, old_name = found.id, found.name
        rename_lane(s, lane_id, new_name)
        data = _lane_now(s, lane_id)
    emit(as_json, data, f"Renamed lane {display(old_name)!r} to {display(data['name'])!r}.")


@lane.command("move")
@click.argument("name")
@click.argument("position", type=POSITION)
@json_option("Print the moved lane as a JSON object.")
@pass_ctx
def lane_move(ctx: Context, name: str, position: int, as_json: bool) -> None:
    """Put a lane at POSITION (0 = leftmost)."""
    from vadesk.services.lanes import lane_by_name, list_lanes, move_lane

    with ctx.store().write() as s:
        lane_id = lane_by_name(s, name).id
        move_lane(s, lane_id, position)
        s.flush()
        data = _lane_now(s, lane_id)
        last = len(list_lanes(s)) - 1
    place = f"position {data['position']}"
    if data["position"] == last:
        place += ", the rightmost"
        if position > last:
            place += f" (there is no position {position}: they run from 0 to {last})"
    elif data["position"] == 0:
        place += ", the leftmost"
    emit(as_json, data, f"Moved lane {display(data['name'])!r} to {place}.")


@lane.command("remove")
@click.argument("name")
@json_option("Print the removed lane as a JSON object (as it was).")
@pass_ctx
def lane_remove(ctx: Context, name: str, as_json: bool) -> None:
    """Remove an empty lane."""
    from vadesk.services.lanes import lane_by_name, remove_lane

    with ctx.store().write() as s:
        lane_id = lane_by_name(s, name).id
        data = _lane_now(s, lane_id)
        remove_lane(s, lane_id)
    emit(as_json, data, f"Removed lane {display(data['name'])!r}.")
