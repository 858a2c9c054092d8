"""`vadesk import trello|toggl`: moving in from other tools, safe to run twice."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from vadesk.cli.common import Context, echo_json, json_option, pass_ctx
from vadesk.domain.text import display

if TYPE_CHECKING:
    from vadesk.services.imports import ImportSummary

MAX_BYTES = 1 << 30
"""A larger export is not a board or a report; refuse it before reading it into memory."""
ORDER = (
    "clients",
    "lanes",
    "cards",
    "checklist_items",
    "comments",
    "attachments",
    "entries",
    "non_billable",
)
NAMES = {"checklist_items": "checklist items", "non_billable": "of them non-billable"}
SINGULAR = {"checklist_items": "checklist item", "entries": "entry"}

FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def _read(path: Path) -> bytes:
    from vadesk.errors import InvalidInputError

    if path.stat().st_size > MAX_BYTES:
        raise InvalidInputError(f"{display(str(path))} is over 1 GiB; is it the right file?")
    return path.read_bytes()


def _counts(counts: dict[str, int]) -> str:
    keys = sorted(counts, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))
    parts = []
    for key in keys:
        name = NAMES.get(key, key.replace("_", " "))
        if counts[key] == 1 and key != "non_billable":
            name = SINGULAR.get(key, name.removesuffix("s"))
        parts.append(f"{counts[key]:,} {name}")
    return ", ".join(parts) if parts else "nothing"


def _print(summary: ImportSummary, heading: str) -> None:
    lead = "would create" if summary.dry_run else "created"
    click.echo(heading)
    click.echo(f"{lead}: {_counts(summary.created)}")
    if summary.updated:
        click.echo(
            f"{'would update' if summary.dry_run else 'updated'}: {_counts(summary.updated)}"
        )
    if summary.unchanged:
        label = "already there (skipped)" if summary.source == "toggl" else "unchanged"
        click.echo(f"{label}: {_counts(summary.unchanged)}")
    if summary.skipped:
        click.echo(f"skipped: {len(summary.skipped):,}")
        for problem in summary.skipped:
            click.echo(f"  {display(problem.line())}")
    for note in summary.notes:
        click.echo(f"note: {display(note)}")
    if summary.dry_run:
        click.echo("dry run: nothing was changed")


@click.group("import")
def import_group() -> None:
    """Bring in Trello boards and Toggl Track time (safe to run twice)."""


@import_group.command("trello")
@click.argument("file", type=FILE)
@click.option(
    "--client",
    metavar="NAME",
    help="Give the cards to this client (default: the client named like the board, if any).",
)
@click.option(
    "--lanes",
    metavar="MAP",
    help='Which lane each Trello list goes to, e.g. "To Do=Normal,Doing=High,Done=Done".',
)
@click.option(
    "--unmapped",
    type=click.Choice(["lane", "inbox"]),
    default="lane",
    show_default=True,
    help="Where a list with no lane of its name goes: a new lane (before Done), or the Inbox.",
)
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@json_option("Print what was (or would be) done as a JSON object.")
@pass_ctx
def trello(
    ctx: Context,
    file: Path,
    client: str | None,
    lanes: str | None,
    unmapped: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Bring in a Trello board (its JSON export) as lanes and cards.

    Export it in Trello with Menu → Print and export → JSON. Lists become lanes; cards keep
    their order, description, due date, labels, checklists, comments and attachment links;
    archived cards and lists come in archived. Running it again with the same or a newer
    export updates the cards, never duplicates them."""
    from vadesk.domain.imports.trello import parse_board
    from vadesk.errors import InvalidInputError
    from vadesk.services.imports.trello import parse_lane_map, run_trello

    try:
        parse_lane_map(lanes)  # a map of the wrong shape is a usage error (exit 2)
    except InvalidInputError as error:
        raise click.UsageError(str(error)) from None
    board = parse_board(_read(file))  # a file that is no board is refused before the database
    summary = run_trello(
        ctx.store(create=not dry_run),
        board,
        client=client,
        lanes=lanes,
        unmapped="inbox" if unmapped == "inbox" else "lane",
        dry_run=dry_run,
    )
    if as_json:
        echo_json({"file": str(file), **summary.as_json()})
        return
    who = f"client {display(summary.client)}" if summary.client else "no client"
    _print(summary, f"Trello board from {display(file.name)} ({who})")


@import_group.command("toggl")
@click.argument("file", type=FILE)
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@json_option("Print what was (or would be) done as a JSON object.")
@pass_ctx
def toggl(ctx: Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Bring in Toggl Track time (its detailed report CSV).

    Export it in Toggl Track with Reports → Detailed → Export → CSV. Start and end are read
    as local times in the `timezone` setting (else the system's). Clients are matched by
    name or added; each entry goes on the client's card titled like its description, else
    on an "Imported from Toggl: PROJECT" card. Entries already there (same client, start,
    end and description) are skipped."""
    from vadesk.domain.imports.toggl import parse_report
    from vadesk.services.imports.toggl import run_toggl, zone_for

    report = parse_report(_read(file), zone_for(ctx.settings))
    summary = run_toggl(ctx.store(create=not dry_run), report, dry_run=dry_run)
    if as_json:
        echo_json({"file": str(file), **summary.as_json()})
        return
    _print(summary, f"Toggl Track report from {display(file.name)}")
