"""`vadesk timer ...`: start, stop and inspect the timer; add forgotten entries."""

from __future__ import annotations

import click

from vadesk.cli.common import ID, Context, echo_json, emit, json_option, pass_ctx
from vadesk.domain.dates import parse_when
from vadesk.domain.durations import hms, words
from vadesk.domain.text import display
from vadesk.errors import InvalidInputError


@click.group()
def timer() -> None:
    """Start, stop and inspect the timer; add forgotten entries."""


@timer.command("start")
@click.argument("card_id", type=ID)
@json_option("Print the running entry as a JSON object (the fields of `timer status --json`).")
@pass_ctx
def timer_start(ctx: Context, card_id: int, as_json: bool) -> None:
    """Start timing a card (a running timer on another card stops)."""
    from vadesk.domain.clock import utcnow
    from vadesk.services import timer as timers

    store = ctx.store()
    with store.write() as s:
        before = timers.running(s, store.user_id)
        entry = timers.start(s, store.user_id, card_id)
    already = before is not None and before.id == entry.id
    verb = "already running" if already else "started"
    emit(as_json, entry.as_json(utcnow()), f"{verb} #{entry.card_id} {display(entry.card_title)}")


@timer.command("stop")
@json_option("Print the stopped entry as a JSON object (null when no timer ran).")
@pass_ctx
def timer_stop(ctx: Context, as_json: bool) -> None:
    """Stop the running timer."""
    from vadesk.domain.clock import utcnow
    from vadesk.services import timer as timers

    store = ctx.store()
    with store.write() as s:
        entry = timers.stop(s, store.user_id)
    now = utcnow()
    if as_json:
        echo_json(None if entry is None else entry.as_json(now))
        return
    if entry is None:
        click.echo("no timer running")
        return
    click.echo(
        f"stopped #{entry.card_id} {display(entry.card_title)} after {words(entry.seconds(now))}"
    )


@timer.command("status")
@json_option("Print JSON (null when idle).")
@pass_ctx
def timer_status(ctx: Context, as_json: bool) -> None:
    """What is being timed right now."""
    from vadesk.domain.clock import utcnow
    from vadesk.services import timer as timers

    store = ctx.store(create=False)
    now = utcnow()
    with store.read() as s:
        entry = timers.running(s, store.user_id)
    if as_json:
        echo_json(None if entry is None else entry.as_json(now))
        return
    if entry is None:
        click.echo("no timer running")
        return
    click.echo(
        f"#{entry.card_id} {display(entry.card_title)} ({display(entry.client or 'no client')}) "
        f"{hms(entry.seconds(now))}"
    )


@timer.command("add")
@click.argument("card_id", type=ID)
@click.option("--start", "start_at", required=True, help="ISO date-time.")
@click.option("--end", "end_at", required=True, help="ISO date-time.")
@click.option("--note", default="", help="What was done.")
@json_option("Print the new entry as a JSON object, with the ids it overlaps.")
@pass_ctx
def timer_add(
    ctx: Context, card_id: int, start_at: str, end_at: str, note: str, as_json: bool
) -> None:
    """Add a forgotten entry; prints its id (and a warning if it overlaps others)."""
    from vadesk.domain.clock import utcnow
    from vadesk.services import timer as timers

    start_dt, end_dt = parse_when(start_at, "start"), parse_when(end_at, "end")
    if start_dt is None or end_dt is None:
        missing = "--start" if start_dt is None else "--end"
        raise InvalidInputError(f"Give {missing} as a date-time, e.g. 2026-11-24T09:00.")
    store = ctx.store()
    with store.write() as s:
        entry, clashes = timers.add_entry(s, store.user_id, card_id, start_dt, end_dt, note=note)
    for other in clashes:
        click.echo(f"warning: overlaps entry #{other.id} ({display(other.card_title)})", err=True)
    emit(
        as_json,
        {**entry.as_json(utcnow()), "overlaps": [other.id for other in clashes]},
        str(entry.id),
    )
