"""`vadesk portal`: serve the client portal, and invite, list and revoke its visitors."""

from __future__ import annotations

import click

from vadesk.cli.common import Context, echo_json, emit, json_option, pass_ctx
from vadesk.domain.clock import utcnow
from vadesk.domain.text import display
from vadesk.errors import ConfigError, InvalidInputError


@click.group()
def portal() -> None:
    """The client portal: each client's own tasks in a browser."""


@portal.command()
@click.option(
    "--host", default=None, help="Address to listen on (default from [portal] bind: 127.0.0.1)."
)
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 8750).")
@click.option(
    "--certfile",
    type=click.Path(exists=True, dir_okay=False, readable=True),
    help="TLS certificate (PEM).",
)
@click.option(
    "--keyfile",
    type=click.Path(exists=True, dir_okay=False, readable=True),
    help="TLS private key (PEM, not encrypted).",
)
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="A reverse proxy (Caddy, nginx) terminates TLS in front: trust its X-Forwarded-* headers.",
)
@pass_ctx
def serve(
    ctx: Context,
    host: str | None,
    port: int | None,
    certfile: str | None,
    keyfile: str | None,
    behind_proxy: bool,
) -> None:
    """Serve the portal until Ctrl+C."""
    from vadesk.services.portal import is_local_host, portal_settings

    options = portal_settings(ctx.settings)
    host = host or options.host
    port = port or options.port
    if (certfile is None) != (keyfile is None):
        raise click.UsageError("--certfile and --keyfile go together; give both.")
    tls = certfile is not None
    if not is_local_host(host) and not tls and not behind_proxy:
        raise ConfigError(
            f"Refusing to serve on {host} without TLS: give --certfile and --keyfile, or "
            "--behind-proxy when a reverse proxy terminates TLS."
        )
    if certfile is not None and keyfile is not None:
        _check_tls(certfile, keyfile)
    _check_port(host, port)
    import uvicorn

    from vadesk.portal.app import create_app

    store = ctx.store(create=False)  # a mistyped --db is reported, not served empty
    app = create_app(store, ctx.settings)
    scheme = "https" if tls else "http"
    click.echo(
        f"Serving the client portal on {scheme}://{host}:{port} (Ctrl+C stops it).", err=True
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        proxy_headers=behind_proxy,
        forwarded_allow_ips="*" if behind_proxy else None,
        access_log=False,  # it would log invite links; the app logs requests without tokens
        server_header=False,
        timeout_graceful_shutdown=3,
        log_level="warning",
    )


def _check_tls(certfile: str, keyfile: str) -> None:
    """Refuse, before anything is served, files that are not a certificate and its key."""
    import ssl

    def no_password() -> bytes:
        return b""  # an encrypted key fails here rather than prompting on the terminal

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(certfile, keyfile, no_password)
    except (ssl.SSLError, OSError) as error:
        pair = f"--certfile {display(certfile)} with --keyfile {display(keyfile)}"
        if getattr(error, "reason", None) == "KEY_VALUES_MISMATCH":
            problem = "the key is not the certificate's; give the key made with it"
        elif isinstance(error, ssl.SSLError):
            problem = "give a PEM certificate and its private key (not encrypted)"
        else:
            problem = f"{error.strerror or error}; check the files"
        raise ConfigError(f"Cannot use {pair}: {problem}.") from None


def _check_port(host: str, port: int) -> None:
    """Refuse, in one line, an address that cannot be served (uvicorn would log and exit 3)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ConfigError(f"Cannot serve on {host}: no such address on this machine.") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise ConfigError(
                f"Cannot serve on {host}:{port} ({error.strerror or error}); stop what uses it "
                "or give another --port."
            ) from None


def _expires(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A duration of the wrong shape or range is a usage error (exit 2), checked up front."""
    from vadesk.services.portal import parse_expires

    try:
        parse_expires(value)
    except InvalidInputError as error:
        raise click.UsageError(str(error), ctx) from None
    return value


@portal.command()
@click.argument("client_name", metavar="CLIENT")
@click.option(
    "--expires",
    default="30d",
    show_default=True,
    callback=_expires,
    help="How long the link works: 12h, 30d, 2w (at most a year).",
)
@click.option(
    "--name", default="", help='Who the link is for, e.g. "Acme office" (shown in activity).'
)
@json_option("Print the invite (with its link) as a JSON object.")
@pass_ctx
def invite(ctx: Context, client_name: str, expires: str, name: str, as_json: bool) -> None:
    """Create an invite link for CLIENT; it is shown once, only its hash is kept."""
    from vadesk.services import portal as service
    from vadesk.services.clients import client_by_name

    span = service.parse_expires(expires)
    base = service.portal_settings(ctx.settings).base_url
    store = ctx.store(create=False)  # no clients in a database that does not exist
    with store.write() as session:
        client = client_by_name(session, client_name)
        row, token = service.create_invite(session, client.id, name=name, expires=span)
    link = service.invite_link(base, token)
    if as_json:
        echo_json({**row.as_json(utcnow()), "link": link})
        return
    click.echo(link)
    click.echo(
        f"Invite #{row.id} for {display(row.client)} ({display(row.name)}), valid until "
        f"{row.expires_at.astimezone():%Y-%m-%d %H:%M}. Send the link privately; "
        "it is not shown again.",
        err=True,
    )


@portal.command("list")
@json_option("Print the invites as a JSON array.")
@pass_ctx
def list_command(ctx: Context, as_json: bool) -> None:
    """List invites: id, client, name, state, expiry, open sessions."""
    from vadesk.services import portal as service

    with ctx.store(create=False).read() as session:
        rows = service.list_invites(session)
    now = utcnow()
    if as_json:
        echo_json([row.as_json(now) for row in rows])
        return
    if not rows:
        click.echo("No invites yet; create one with `vadesk portal invite CLIENT`.")
        return
    for row in rows:
        click.echo(
            f"{row.id}\t{display(row.client)}\t{display(row.name)}\t{row.state(now)}\t"
            f"expires {row.expires_at.astimezone():%Y-%m-%d %H:%M}\t"
            f"{row.open_sessions} open session{'s' if row.open_sessions != 1 else ''}"
        )


@portal.command()
@click.argument("target", metavar="ID|CLIENT")
@json_option()
@pass_ctx
def revoke(ctx: Context, target: str, as_json: bool) -> None:
    """Revoke one invite (by id) or every invite of a client; open sessions end at once."""
    from vadesk.services import portal as service
    from vadesk.services.clients import client_by_name

    with ctx.store(create=False).write() as session:
        if target.strip().isdigit():
            number = int(target)
            if not 1 <= number <= 2**31 - 1:
                raise InvalidInputError(f"No portal invite #{target}.")
            count = service.revoke_invites(session, invite_id=number)
            what = f"invite #{number}"
        else:
            client = client_by_name(session, target)
            count = service.revoke_invites(session, client_id=client.id)
            what = f"the invites of {display(client.name)}"
    emit(
        as_json,
        {"target": target, "revoked": count},
        f"Revoked {what} ({count} newly revoked); their open sessions have ended.",
    )
