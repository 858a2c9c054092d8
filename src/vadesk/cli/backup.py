"""`vadesk backup` and `vadesk restore`: verified, rotated copies and a careful way back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vadesk.cli.common import Context, echo_json, json_option, pass_ctx
from vadesk.domain.text import display
from vadesk.errors import InvalidInputError


def _passphrase(from_stdin: bool, *, confirm: bool) -> Any:
    from vadesk.cli.vault import read_passphrase

    return read_passphrase(from_stdin, "Backup passphrase", confirm=confirm)


def _postgres_help(error: Any) -> None:
    """The exact commands on stdout, then the one-line error on stderr (exit 1)."""
    for command in error.commands:
        click.echo(command)
    raise error


@click.command("backup")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--status", "show_status", is_flag=True, help="Print the newest backup's age.")
@click.option(
    "--encrypt-to",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the copy encrypted under a passphrase to FILE (for a cloud folder).",
)
@click.option(
    "--passphrase-stdin",
    is_flag=True,
    help="With --encrypt-to: read the passphrase from the first line of standard input.",
)
@json_option("Print what was written and pruned (or the status) as a JSON object.")
@pass_ctx
def backup(
    ctx: Context,
    folder: Path | None,
    show_status: bool,
    encrypt_to: Path | None,
    passphrase_stdin: bool,
    as_json: bool,
) -> None:
    """Write a verified copy of the database; rotate old ones.

    FOLDER defaults to the setting backup_dir, else `backups` in the data folder; rotation
    keeps the newest copy of each of the last backup_keep_daily days and backup_keep_weekly
    weeks."""
    from vadesk.services import backup as backups

    if show_status and encrypt_to is not None:
        raise click.UsageError("--status and --encrypt-to cannot be used together; give one.")
    if encrypt_to is not None and folder is not None:
        raise click.UsageError("FOLDER and --encrypt-to cannot be used together; give one.")
    if passphrase_stdin and encrypt_to is None:
        raise click.UsageError("--passphrase-stdin goes with --encrypt-to.")
    if show_status:
        from vadesk.db.engine import parse_url

        url = parse_url(ctx.settings.resolve_database_url(ctx.db_url))
        state = backups.status(url, ctx.settings, folder)
        if as_json:
            echo_json(state.as_dict())
        else:
            click.echo(display(state.line()))
        return
    store = ctx.store(create=False)
    try:
        if encrypt_to is not None:
            secret = _passphrase(passphrase_stdin, confirm=not passphrase_stdin)
            result = backups.write_encrypted(store.db, ctx.settings, encrypt_to, secret)
        else:
            result = backups.backup(store.db, ctx.settings, folder)
    except backups.PostgresToolsMissing as error:
        _postgres_help(error)
        return
    if as_json:
        echo_json(result.as_dict())
        return
    c = result.contents
    click.echo(
        display(
            f"wrote {result.file.path} ({result.size / 1e6:.1f} MB, schema {result.file.revision}: "
            f"{c.cards} cards, {c.clients} clients, {c.time_entries} time entries, "
            f"{c.vault_items} vault items; verified)"
        )
    )
    for path in result.pruned:
        click.echo(display(f"pruned {path}"))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--passphrase-stdin",
    is_flag=True,
    help="For an encrypted backup: read its passphrase from the first line of standard input.",
)
@json_option("Print what was restored as a JSON object (needs --yes).")
@pass_ctx
def restore(ctx: Context, file: Path, yes: bool, passphrase_stdin: bool, as_json: bool) -> None:
    """Put the backup FILE in place of the database.

    FILE is checked first, shown against the database, and the database is backed up
    before it is replaced; an open board reloads to show the restored data."""
    from vadesk.services import backup as backups

    if ctx.demo:
        raise click.UsageError("--demo has nothing to restore into; give --db or none.")
    if as_json and not yes:
        raise click.UsageError("--json needs --yes (there is no one to ask).")
    url = ctx.settings.resolve_database_url(ctx.db_url)
    try:
        prepared = backups.prepare_restore(
            url, file, lambda: _passphrase(passphrase_stdin, confirm=False)
        )
    except backups.PostgresToolsMissing as error:
        _postgres_help(error)
        return
    try:
        if not as_json:
            when = prepared.created.strftime("%Y-%m-%d %H:%M UTC") if prepared.created else "?"
            click.echo(display(f"Backup {prepared.source} (made {when}) into {prepared.database}:"))
            click.echo(f"  {'':16} {'backup':>10} {'now':>10}")
            for what, new, old in backups.summary_rows(prepared):
                click.echo(f"  {what:16} {new:>10} {old:>10}")
        if not yes and not click.confirm(
            "Replace the database with this backup? (the current one is backed up first)",
            err=True,
        ):
            raise InvalidInputError("Nothing was restored.")
        result = backups.apply_restore(prepared, ctx.settings)
    finally:
        prepared.discard()
    if as_json:
        echo_json({**prepared.as_dict(), **result.as_dict()})
        return
    if result.safety_copy is not None:
        click.echo(display(f"the previous database was saved as {result.safety_copy}"))
    click.echo(display(f"restored {prepared.source} (schema {result.migrated})"))
    if prepared.contents.has_vault:
        click.echo(
            "The vault is now as it was in the backup: unlock it with the passphrase of that "
            "time and accept the older vault (`vadesk vault unlock --accept-older`)."
        )
