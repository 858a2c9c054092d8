"""`vadesk timer ...`: start, stop and inspect the timer; add forgotten entries."""

from __future__ import annotations

import click

from vadesk.cli.common import Context, echo_json, pass_ctx
from vadesk.domain.dates import parse_when


@click.group()
def timer() -> None:
    """Start, stop and inspect the timer; add forgotten entries."""


@timer.command("start")
@click.argument("card_id", type=int)
@pass_ctx
def timer_start(ctx: Context, card_id: int) -> None:
    """Start timing a card (a running timer on another card stops)."""
    from vadesk.services import timer as timers

    store = ctx.store()
    with store.write() as s:
        entry = timers.start(s, store.user_id, card_id)
    click.echo(f"started #{entry.card_id} {entry.card_title}")


@timer.command("stop")
@pass_ctx
def timer_stop(ctx: Context) -> None:
    """Stop the running timer."""
    from vadesk.domain.clock import utcnow
    from vadesk.services import timer as timers

    store = ctx.store()
    with store.write() as s:
        entry = timers.stop(s, store.user_id)
    if entry is None:
        click.echo("no timer running")
        return
    minutes, seconds = divmod(entry.seconds(utcnow()), 60)
    click.echo(f"stopped #{entry.card_id} {entry.card_title} after {minutes}m {seconds:02d}s")


@timer.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (null when idle).")
@pass_ctx
def timer_status(ctx: Context, as_json: bool) -> None:
    """What is being timed right now."""
    from vadesk.domain.clock import utcnow
    from vadesk.services import timer as timers

    store = ctx.store()
    now = utcnow()
    with store.read() as s:
        entry = timers.running(s, store.user_id)
    if as_json:
        echo_json(None if entry is None else entry.as_json(now))
        return
    if entry is None:
        click.echo("no timer running")
        return
    hours, rest = divmod(entry.seconds(now), 3600)
    click.echo(
        f"#{entry.card_id} {entry.card_title} ({entry.client or 'no client'}) "
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    )


@timer.command("add")
@click.argument("card_id", type=int)
@click.option("--start", "start_at", required=True, help="ISO date-time.")
@click.option("--end", "end_at", required=True, help="ISO date-time.")
@click.option("--note", default="", help="What was done.")
@pass_ctx
def timer_add(ctx: Context, card_id: int, start_at: str, end_at: str, note: str) -> None:
    """Add a forgotten entry; prints its id (and a warning if it overlaps others)."""
    from vadesk.services import timer as timers

    start_dt, end_dt = parse_when(start_at, "start"), parse_when(end_at, "end")
    assert start_dt is not None and end_dt is not None
    store = ctx.store()
    with store.write() as s:
        entry, clashes = timers.add_entry(s, store.user_id, card_id, start_dt, end_dt, note=note)
    click.echo(entry.id)
    for other in clashes:
        click.echo(f"warning: overlaps entry #{other.id} ({other.card_title})", err=True)
