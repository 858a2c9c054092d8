"""The `vadesk` group: global options, the TUI by default, and every noun's subcommands."""

from __future__ import annotations

import sys

import click

from vadesk import __version__
from vadesk.cli import backup, card, client, intake, lane, portal, report, seed, timer, vault
from vadesk.cli.common import Context, VadeskGroup, reset_stdin, setup_logging
from vadesk.cli.imports import import_group
from vadesk.cli.plan import plan as plan_command
from vadesk.config import Settings


@click.group(cls=VadeskGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="vadesk")
@click.option(
    "--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the data folder)."
)
@click.option(
    "--demo", is_flag=True, help="Use the demo database (the board starts it afresh each time)."
)
@click.option("--debug", is_flag=True, help="Log at DEBUG level.")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, demo: bool, debug: bool) -> None:
    """vadesk: board, timer and vault for a freelance virtual assistant."""
    setup_logging(debug)
    if demo and db_url is not None:
        raise click.UsageError("--demo and --db cannot be used together; give one.")
    settings = Settings.load()
    reset_stdin()
    ctx.obj = Context(db_url, settings, demo=demo)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        from vadesk.ui.run import run_tui

        run_tui(settings, db_url, demo=demo)


cli.add_command(card.card)
cli.add_command(client.client)
cli.add_command(lane.lane)
cli.add_command(timer.timer)
cli.add_command(vault.vault)
cli.add_command(seed.seed)
cli.add_command(backup.backup)
cli.add_command(backup.restore)
cli.add_command(report.report)
cli.add_command(report.invoices)
cli.add_command(import_group)
cli.add_command(portal.portal)
cli.add_command(plan_command)
cli.add_command(intake.intake)


def main() -> None:
    try:
        cli(prog_name="vadesk")
    except KeyboardInterrupt:
        sys.exit(130)
