"""`vadesk vault ...`: the encrypted vault from scripts."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from vadesk.cli.common import (
    Context,
    ask_hidden,
    echo_json,
    json_option,
    pass_ctx,
    stdin_line,
)
from vadesk.domain.password_exports import SOURCES as EXPORT_SOURCES
from vadesk.domain.text import clean_text
from vadesk.errors import InvalidInputError

if TYPE_CHECKING:
    from vadesk.domain.vault_crypto import Secret
    from vadesk.services.store import Store
    from vadesk.services.vault import OpenVault

F = TypeVar("F", bound=Callable[..., Any])


def read_passphrase(
    from_stdin: bool, prompt: str = "Vault passphrase", confirm: bool = False
) -> Secret:
    """A passphrase from the terminal, or the first line of stdin; never from argv."""
    from vadesk.domain.vault_crypto import Secret

    if from_stdin:
        line = stdin_line()
        if not line:
            raise InvalidInputError("No passphrase on standard input (first line was empty).")
        return Secret(line)
    return Secret(ask_hidden(prompt, confirm=confirm))


def passphrase_option(func: F) -> F:
    return click.option(
        "--passphrase-stdin",
        is_flag=True,
        help="Read the passphrase from the first line of standard input.",
    )(func)


@click.group()
def vault() -> None:
    """Clients' logins, payment cards and notes, encrypted under your passphrase."""


@vault.command("init")
@passphrase_option
@json_option()
@pass_ctx
def vault_init(ctx: Context, passphrase_stdin: bool, as_json: bool) -> None:
    """Create the vault. A forgotten passphrase cannot be recovered."""
    from vadesk.domain.passwords import check_strength
    from vadesk.services import vault as vaults

    store = ctx.store()
    with store.read() as s:
        if vaults.exists(s):
            raise InvalidInputError(
                "A vault already exists; use `vadesk vault passwd` to change its passphrase."
            )
    if not passphrase_stdin:
        click.echo(
            "A forgotten passphrase cannot be recovered: nobody can open the vault without it.",
            err=True,
        )
    secret = read_passphrase(passphrase_stdin, "New vault passphrase", confirm=True)
    check_strength(secret.text())
    with store.write() as s:
        created = vaults.init(s, secret, vaults.kdf_for(store.settings.vault_kdf))
    created.lock()
    if as_json:
        echo_json({"vault_id": created.vault_id, "created": True})
    else:
        click.echo("vault created")


def _open_vault(store: Store, passphrase_stdin: bool, *, accept_older: bool = False) -> OpenVault:
    from vadesk.services import vault as vaults

    secret = read_passphrase(passphrase_stdin)
    return vaults.open_vault(store, secret, accept_older=accept_older)


@vault.command("add")
@click.argument("kind", type=click.Choice(["login", "card", "note"]))
@click.option("--client", "client_name", required=True, help="Client the item belongs to.")
@click.option("--name", required=True, help="What it is, e.g. 'Acme bank'.")
@click.option("--url")
@click.option("--username")
@click.option("--holder", help="Card holder.")
@click.option("--expiry", help="Card expiry, MM/YY.")
@click.option(
    "--secret-stdin",
    is_flag=True,
    help="Read the secret fields from standard input (one per line, after the passphrase).",
)
@passphrase_option
@json_option()
@pass_ctx
def vault_add(
    ctx: Context,
    as_json: bool,
    kind: str,
    client_name: str,
    name: str,
    url: str | None,
    username: str | None,
    holder: str | None,
    expiry: str | None,
    secret_stdin: bool,
    passphrase_stdin: bool,
) -> None:
    """Add an item; secret fields are prompted (or read from stdin), never taken from argv."""
    from vadesk.services import vault as vaults
    from vadesk.services.clients import client_by_name

    store = ctx.store(create=False)
    with store.read() as s:
        client_row = client_by_name(s, client_name)
    opened = _open_vault(store, passphrase_stdin)
    secret_names = {"login": ["password", "totp"], "card": ["number", "cvc"], "note": ["note"]}[
        kind
    ]
    document: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "client": client_row.name,
        "url": url,
        "username": username,
        "holder": holder,
        "expiry": expiry,
    }
    for field_name in secret_names:
        if secret_stdin or passphrase_stdin:
            value = stdin_line()
        else:
            optional = field_name == "totp"
            value = click.prompt(
                field_name.upper() if field_name == "cvc" else field_name.capitalize(),
                hide_input=field_name != "note",
                default="" if optional else None,
                show_default=False,
                err=True,
            )
        document[field_name] = value
    try:
        with store.write() as s:
            item_id = vaults.save_item(s, opened, document)
    finally:
        opened.lock()
    if as_json:
        echo_json({"id": item_id, "kind": kind, "client": client_row.name, "name": name})
    else:
        click.echo(item_id)


@vault.command("list")
@click.option("--client", "client_name", help="Only this client's items.")
@click.option(
    "--archived-clients",
    is_flag=True,
    help="Also list items of archived clients (hidden otherwise).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (no secret fields).")
@passphrase_option
@pass_ctx
def vault_list(
    ctx: Context,
    client_name: str | None,
    archived_clients: bool,
    as_json: bool,
    passphrase_stdin: bool,
) -> None:
    """List items: id, kind, client, name (secrets are never listed)."""
    from vadesk.services import vault as vaults
    from vadesk.services.clients import archived_client_names

    store = ctx.store(create=False)
    hidden: frozenset[str] = frozenset()
    if client_name is None and not archived_clients:
        with store.read() as s:
            hidden = archived_client_names(s)
    opened = _open_vault(store, passphrase_stdin)
    rows = [
        {
            "id": item_id,
            "kind": doc.get("kind"),
            "client": doc.get("client"),
            "name": doc.get("name"),
            "url": doc.get("url"),
            "username": doc.get("username"),
        }
        for item_id, doc in vaults.matching(opened, client=client_name)
        if doc.get("client") not in hidden
    ]
    opened.lock()
    if as_json:
        echo_json(rows)
        return
    # Names and clients come from whoever wrote the item (an import): never raw escapes.
    shown = [[clean_text(str(row[k])) if row[k] else "-" for k in _LIST_COLUMNS] for row in rows]
    for line in _aligned(shown, _LIST_WIDTHS):
        click.echo(line)


_LIST_COLUMNS = ("id", "kind", "client", "name", "url", "username")
_LIST_WIDTHS = (None, None, 18, 32, 40, None)
"""At most this many terminal cells per column (None: as wide as needed); the last is not
padded."""


def _aligned(rows: list[list[str]], limits: tuple[int | None, ...]) -> list[str]:
    """Columns padded to their widest cell in terminal cells (wide characters count two),
    cut with "…" past their limit, two spaces apart."""
    from rich.cells import cell_len, set_cell_size

    def fit(text: str, width: int) -> str:
        if cell_len(text) > width:
            return set_cell_size(text, width - 1) + "…"
        return set_cell_size(text, width)

    widths = [
        min(max((cell_len(row[i]) for row in rows), default=0), limit or 10**6)
        for i, limit in enumerate(limits)
    ]
    lines = []
    for row in rows:
        cells = [fit(cell, width) for cell, width in zip(row, widths, strict=True)]
        cells[-1] = row[-1] if limits[-1] is None else cells[-1]
        lines.append("  ".join(cells).rstrip())
    return lines


@vault.command("get")
@click.argument("item_id")
@click.argument("field_name", metavar="FIELD")
@passphrase_option
@pass_ctx
def vault_get(ctx: Context, item_id: str, field_name: str, passphrase_stdin: bool) -> None:
    """Print one field of ITEM: its id, an unambiguous id prefix, or its exact name."""
    from vadesk.services import vault as vaults

    store = ctx.store(create=False)
    opened = _open_vault(store, passphrase_stdin)
    try:
        document = opened.items[vaults.find_item(opened, item_id)]
    except InvalidInputError:
        opened.lock()
        raise
    if field_name == "totp-code":
        from vadesk.domain.passwords import totp_now

        value: object = totp_now(str(document.get("totp", "")))
    else:
        value = document.get(field_name)
    opened.lock()
    if value in (None, ""):
        raise InvalidInputError(f"That item has no field {field_name!r}.")
    click.echo(value)


@vault.command("passwd")
@passphrase_option
@json_option()
@pass_ctx
def vault_passwd(ctx: Context, passphrase_stdin: bool, as_json: bool) -> None:
    """Change the vault passphrase (the old one stops working at once)."""
    from vadesk.domain.passwords import check_strength
    from vadesk.services import vault as vaults

    store = ctx.store(create=False)
    old = read_passphrase(passphrase_stdin, "Current passphrase")
    new = read_passphrase(passphrase_stdin, "New passphrase", confirm=not passphrase_stdin)
    check_strength(new.text())
    vaults.finish_pending_wipe(store)
    with store.write() as s:
        vaults.change_passphrase(s, old, new, vaults.kdf_for(store.settings.vault_kdf))
    wiped = vaults.checkpoint(store)
    if not wiped:
        click.echo(vaults.WIPE_PENDING, err=True)
    if as_json:
        echo_json({"passphrase_changed": True, "old_key_wiped": wiped})
    else:
        click.echo("passphrase changed")


@vault.command("export")
@click.argument("client_name", metavar="CLIENT")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@passphrase_option
@json_option()
@pass_ctx
def vault_export(
    ctx: Context, client_name: str, path: str, passphrase_stdin: bool, as_json: bool
) -> None:
    """Write one client's items to a file encrypted under its own passphrase (for handover)."""
    from vadesk.domain.passwords import check_strength
    from vadesk.services import vault as vaults
    from vadesk.services.clients import client_by_name
    from vadesk.services.files import write_private

    store = ctx.store(create=False)
    with store.read() as s:
        name = client_by_name(s, client_name).name
    opened = _open_vault(store, passphrase_stdin)
    file_secret = read_passphrase(
        passphrase_stdin, "Passphrase for the export file", confirm=not passphrase_stdin
    )
    check_strength(file_secret.text())
    try:
        count = len(vaults.matching(opened, client=name))
        data = vaults.export_client(
            opened, name, file_secret, vaults.kdf_for(store.settings.vault_kdf)
        )
    finally:
        opened.lock()
    written = write_private(path, data)
    if as_json:
        echo_json({"client": name, "path": str(written), "items": count})
    else:
        click.echo(f"exported {clean_text(name)}'s items to {clean_text(path)}")


@vault.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@passphrase_option
@json_option()
@pass_ctx
def vault_import(ctx: Context, path: str, passphrase_stdin: bool, as_json: bool) -> None:
    """Add the items of an export file to this vault (all or nothing)."""
    from pathlib import Path

    from vadesk.services import vault as vaults

    store = ctx.store(create=False)
    opened = _open_vault(store, passphrase_stdin)
    file_secret = read_passphrase(passphrase_stdin, "Passphrase of the export file")
    try:
        with store.write() as s:
            count, present = vaults.import_bundle(s, opened, Path(path).read_bytes(), file_secret)
    finally:
        opened.lock()
    if as_json:
        echo_json({"imported": count, "unchanged": present})
    else:
        click.echo(
            f"imported {count} item{'' if count == 1 else 's'}"
            + (f"; {present} already in the vault" if present else "")
        )


@vault.command("import-from")
@click.argument("source", type=click.Choice(list(EXPORT_SOURCES)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--client", "client_name", help="Give every item to this client.")
@click.option(
    "--client-from-folder",
    is_flag=True,
    help="Each folder or group names its client; unknown ones stop the import.",
)
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="KDBX key file.")
@click.option("--dry-run", is_flag=True, help="Check everything and say what would happen.")
@click.option("--shred", is_flag=True, help="Overwrite and remove the export file afterwards.")
@passphrase_option
@json_option()
@pass_ctx
def vault_import_from(
    ctx: Context,
    source: str,
    path: str,
    client_name: str | None,
    client_from_folder: bool,
    keyfile: str | None,
    dry_run: bool,
    shred: bool,
    passphrase_stdin: bool,
    as_json: bool,
) -> None:
    """Move in from LastPass, Bitwarden, KeePassXC, 1Password, Chrome or Firefox.

    The vault's passphrase is asked first (with --passphrase-stdin: the first line of standard
    input), then a KDBX file's own passphrase (the second line).
    """
    from pathlib import Path

    from vadesk.domain.password_exports import is_kdbx
    from vadesk.services import vault_import

    if (client_name is None) == (not client_from_folder):
        raise InvalidInputError("Say whose items these are: --client NAME or --client-from-folder.")
    if shred and dry_run:
        raise InvalidInputError("--shred and --dry-run do not go together: a dry run keeps it.")
    export = Path(path)
    data = export.read_bytes()  # read once, kept in memory only
    store = ctx.store(create=False)
    opened = _open_vault(store, passphrase_stdin)
    try:
        kdbx_secret = None
        if source == "keepassxc" and is_kdbx(data):
            kdbx_secret = read_passphrase(passphrase_stdin, "Passphrase of the KeePass database")
        contents = vault_import.read_export(
            source,
            data,
            kdbx_passphrase=kdbx_secret,
            keyfile=Path(keyfile) if keyfile else None,
        )
        transaction = store.read() if dry_run else store.write()
        with transaction as s:
            report = vault_import.import_export(
                s,
                opened,
                contents,
                client=client_name,
                client_from_folder=client_from_folder,
                dry_run=dry_run,
            )
    finally:
        opened.lock()
        del data
    if shred:
        vault_import.shred(export)
    if as_json:
        echo_json(
            {
                "imported": report.counts,
                "total": report.total,
                "clients": list(report.clients),
                "skipped": [{"entry": row.label, "reason": row.reason} for row in report.skipped],
                "unchanged": report.unchanged,
                "dry_run": report.dry_run,
                "shredded": shred,
            }
        )
    else:
        counts = ", ".join(
            f"{report.counts[kind]:,} {kind}{'' if report.counts[kind] == 1 else 's'}"
            for kind in ("login", "card", "note")
        )
        verb = "would import" if dry_run else "imported"
        whom = ", ".join(clean_text(c) for c in report.clients)
        what = (counts + (f" for {whom}" if whom else "")) if report.total else "nothing new"
        click.echo(
            f"{verb} {what}; {report.unchanged:,} already in the vault; "
            f"skipped {len(report.skipped):,}"
        )
        for row in report.skipped:
            click.echo(f"skipped {row.label}: {clean_text(row.reason)}")
    if shred:
        click.echo(f"overwrote and removed {clean_text(path)}", err=True)
    else:
        click.echo(
            f"Delete {clean_text(path)} now: it holds passwords in clear text "
            "(or run again with --shred to overwrite and remove it).",
            err=True,
        )


@vault.command("rotate")
@passphrase_option
@json_option()
@pass_ctx
def vault_rotate(ctx: Context, passphrase_stdin: bool, as_json: bool) -> None:
    """Re-encrypt every item under a new random data key (same passphrase)."""
    from vadesk.services import vault as vaults

    store = ctx.store(create=False)
    secret = read_passphrase(passphrase_stdin)
    opened = vaults.open_vault(store, secret)
    try:
        with store.write() as s:
            fresh = vaults.rotate_key(s, opened, secret, vaults.kdf_for(store.settings.vault_kdf))
    finally:
        opened.lock()
    count = len(fresh.items)
    fresh.lock()
    wiped = vaults.checkpoint(store)
    if not wiped:
        click.echo(vaults.WIPE_PENDING.replace("passphrase's", "data key's"), err=True)
    if as_json:
        echo_json({"rotated": True, "items": count, "old_key_wiped": wiped})
    else:
        click.echo("data key rotated")


@vault.command("unlock")
@click.option(
    "--accept-older",
    is_flag=True,
    help="Accept a vault older than the one you last opened (after a deliberate restore).",
)
@passphrase_option
@json_option("Print the item count as JSON.")
@pass_ctx
def vault_unlock(ctx: Context, accept_older: bool, passphrase_stdin: bool, as_json: bool) -> None:
    """Check the passphrase and the whole vault; nothing is kept unlocked afterwards."""
    store = ctx.store(create=False)
    opened = _open_vault(store, passphrase_stdin, accept_older=accept_older)
    count = len(opened.items)
    revision = opened.manifest_revision
    opened.lock()
    if as_json:
        echo_json({"items": count, "manifest_revision": revision})
    else:
        click.echo(f"vault opens: {count} items (manifest revision {revision})")


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "intact": report.intact,
        "manifest": report.manifest,
        "manifest_revision": report.manifest_revision,
        "items": [
            {
                "id": c.item_id,
                "status": c.status,
                "revision": c.revision,
                "listed_revision": c.listed,
                "kind": c.kind,
                "name": c.name,
            }
            for c in report.items
        ],
    }


def _echo_report(report: Any) -> None:
    counts: dict[str, int] = {}
    for check in report.items:
        counts[check.status] = counts.get(check.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no items"
    click.echo(f"manifest: {report.manifest} (revision {report.manifest_revision}); {summary}")
    for check in report.problems:
        if check.name:
            name = clean_text(check.name)[:40]
        else:
            name = "(not in the database)" if check.status == "missing" else "(cannot be read)"
        click.echo(f"  {check.status:<11} {check.item_id[:12]}  {check.kind or '-':<5} {name}")


@vault.command("verify")
@passphrase_option
@json_option("Print the report as JSON.")
@pass_ctx
def vault_verify(ctx: Context, passphrase_stdin: bool, as_json: bool) -> None:
    """Report which items decrypt and which are missing, added or rolled back; change nothing.

    Exits 0 when the vault is intact, 3 when it is not.
    """
    from vadesk.services import vault_repair as repair

    store = ctx.store(create=False)
    secret = read_passphrase(passphrase_stdin)
    with store.read() as s:
        report = repair.verify(s, secret)
    if as_json:
        echo_json(_report_json(report))
    else:
        _echo_report(report)
        if report.intact:
            click.echo("The vault is intact.")
    if not report.intact:
        click.get_current_context().exit(3)


@vault.command("reseal")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@passphrase_option
@json_option("Print the report that was resealed as JSON.")
@pass_ctx
def vault_reseal(ctx: Context, yes: bool, passphrase_stdin: bool, as_json: bool) -> None:
    """Re-sign the manifest over the items that decrypt, so a damaged vault opens again.

    Items that do not decrypt are removed; missing ones stay missing; added and rolled-back
    items that decrypt are accepted as they are. The list is shown before anything changes.
    """
    from vadesk.services import vault_repair as repair

    store = ctx.store(create=False)
    secret = read_passphrase(passphrase_stdin)
    with store.read() as s:
        report = repair.verify(s, secret)
    if report.intact:
        click.echo("The vault is intact; nothing to reseal.")
        return
    _echo_report(report)
    if not yes:
        if passphrase_stdin or not sys.stdin.isatty():
            raise InvalidInputError("Reseal changes the vault: confirm with --yes.")
        click.confirm("Re-sign the vault over the items listed as readable?", abort=True, err=True)
    with store.write() as s:
        repair.reseal(s, secret, report)
    if as_json:
        echo_json(_report_json(report))
    else:
        click.echo("vault resealed")
