"""`vadesk vault ...`: the encrypted vault from scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from vadesk.cli.common import Context, echo_json, pass_ctx, stdin_line
from vadesk.errors import InvalidInputError

F = TypeVar("F", bound=Callable[..., Any])


def read_passphrase(
    from_stdin: bool, prompt: str = "Vault passphrase", confirm: bool = False
) -> Any:
    """A passphrase from the terminal, or the first line of stdin; never from argv."""
    from vadesk.domain.vault_crypto import Secret

    if from_stdin:
        line = stdin_line()
        if not line:
            raise InvalidInputError("No passphrase on standard input (first line was empty).")
        return Secret(line)
    value = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    return Secret(value)


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
@pass_ctx
def vault_init(ctx: Context, passphrase_stdin: bool) -> None:
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
    check_strength(secret.reveal())
    with store.write() as s:
        vaults.init(s, secret, vaults.kdf_for(store.settings.vault_kdf))
    click.echo("vault created")


def _open_vault(store: Any, passphrase_stdin: bool) -> Any:
    from vadesk.services import vault as vaults

    secret = read_passphrase(passphrase_stdin)
    with store.read() as s:
        return vaults.unlock(s, secret)


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
@pass_ctx
def vault_add(
    ctx: Context,
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

    store = ctx.store()
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
    with store.write() as s:
        item_id = vaults.save_item(s, opened, document)
    opened.lock()
    click.echo(item_id)


@vault.command("list")
@click.option("--client", "client_name", help="Only this client's items.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (no secret fields).")
@passphrase_option
@pass_ctx
def vault_list(
    ctx: Context, client_name: str | None, as_json: bool, passphrase_stdin: bool
) -> None:
    """List items: id, kind, client, name (secrets are never listed)."""
    from vadesk.services import vault as vaults

    store = ctx.store()
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
    ]
    opened.lock()
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['id']}  {row['kind']:<5} {str(row['client'] or '-')[:18]:<18} {row['name']}"
        )


@vault.command("get")
@click.argument("item_id")
@click.argument("field_name", metavar="FIELD")
@passphrase_option
@pass_ctx
def vault_get(ctx: Context, item_id: str, field_name: str, passphrase_stdin: bool) -> None:
    """Print one field of one item (for scripts; mind your terminal's scrollback)."""
    store = ctx.store()
    opened = _open_vault(store, passphrase_stdin)
    document = opened.items.get(item_id)
    if document is None:
        matches = [i for i in opened.items if i.startswith(item_id)]
        document = opened.items[matches[0]] if len(matches) == 1 else None
    if document is None:
        opened.lock()
        raise InvalidInputError(f"No vault item {item_id!r}; `vadesk vault list` shows the ids.")
    if field_name == "totp-code":
        from vadesk.domain.passwords import totp_now

        value = totp_now(str(document.get("totp", "")))
    else:
        value = document.get(field_name)
    opened.lock()
    if value in (None, ""):
        raise InvalidInputError(f"That item has no field {field_name!r}.")
    click.echo(value)


@vault.command("passwd")
@passphrase_option
@pass_ctx
def vault_passwd(ctx: Context, passphrase_stdin: bool) -> None:
    """Change the vault passphrase (the old one stops working at once)."""
    from vadesk.domain.passwords import check_strength
    from vadesk.services import vault as vaults

    store = ctx.store()
    old = read_passphrase(passphrase_stdin, "Current passphrase")
    new = read_passphrase(passphrase_stdin, "New passphrase", confirm=not passphrase_stdin)
    check_strength(new.reveal())
    with store.write() as s:
        vaults.change_passphrase(s, old, new, vaults.kdf_for(store.settings.vault_kdf))
    vaults.checkpoint(store)
    click.echo("passphrase changed")


@vault.command("export")
@click.argument("client_name", metavar="CLIENT")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@passphrase_option
@pass_ctx
def vault_export(ctx: Context, client_name: str, path: str, passphrase_stdin: bool) -> None:
    """Write one client's items to a file encrypted under its own passphrase (for handover)."""
    import os

    from vadesk.domain.passwords import check_strength
    from vadesk.services import vault as vaults
    from vadesk.services.clients import client_by_name

    store = ctx.store()
    with store.read() as s:
        name = client_by_name(s, client_name).name
    opened = _open_vault(store, passphrase_stdin)
    file_secret = read_passphrase(
        passphrase_stdin, "Passphrase for the export file", confirm=not passphrase_stdin
    )
    check_strength(file_secret.reveal())
    try:
        data = vaults.export_client(
            opened, name, file_secret, vaults.kdf_for(store.settings.vault_kdf)
        )
    finally:
        opened.lock()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    click.echo(f"exported {name}'s items to {path}")


@vault.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@passphrase_option
@pass_ctx
def vault_import(ctx: Context, path: str, passphrase_stdin: bool) -> None:
    """Add the items of an export file to this vault (all or nothing)."""
    from pathlib import Path

    from vadesk.services import vault as vaults

    store = ctx.store()
    opened = _open_vault(store, passphrase_stdin)
    file_secret = read_passphrase(passphrase_stdin, "Passphrase of the export file")
    try:
        with store.write() as s:
            count = vaults.import_bundle(s, opened, Path(path).read_bytes(), file_secret)
    finally:
        opened.lock()
    click.echo(f"imported {count} items")


@vault.command("rotate")
@passphrase_option
@pass_ctx
def vault_rotate(ctx: Context, passphrase_stdin: bool) -> None:
    """Re-encrypt every item under a new random data key (same passphrase)."""
    from vadesk.services import vault as vaults

    store = ctx.store()
    secret = read_passphrase(passphrase_stdin)
    with store.read() as s:
        opened = vaults.unlock(s, secret)
    with store.write() as s:
        fresh = vaults.rotate_key(s, opened, secret, vaults.kdf_for(store.settings.vault_kdf))
    opened.lock()
    fresh.lock()
    vaults.checkpoint(store)
    click.echo("data key rotated")
