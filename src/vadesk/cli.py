"""The `vadesk` command: the TUI by default, subcommands for scripts and cron."""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from vadesk import __version__
from vadesk.config import Settings, log_dir
from vadesk.domain.dates import parse_when
from vadesk.errors import InvalidInputError, VadeskError

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("vadesk")


class VadeskGroup(click.Group):
    """Turns VadeskError anywhere below into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VadeskError as error:
            log.info("user error: %s", type(error).__name__)
            raise click.ClickException(str(error)) from None


class Context:
    """What subcommands share: settings and a lazily opened store."""

    def __init__(self, db_url: str | None, settings: Settings) -> None:
        self.db_url = db_url
        self.settings = settings
        self._store: Any = None

    def store(self) -> Any:
        if self._store is None:
            from vadesk.services.store import open_store

            self._store = open_store(self.settings, self.db_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_ctx = click.make_pass_decorator(Context)


def setup_logging(debug: bool) -> None:
    root = logging.getLogger("vadesk")
    if root.handlers:
        return
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir() / "vadesk.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.propagate = False


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@click.group(cls=VadeskGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="vadesk")
@click.option(
    "--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the data folder)."
)
@click.option("--demo", is_flag=True, help="Open a fresh demo database to look around.")
@click.option("--debug", is_flag=True, help="Log at DEBUG level.")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, demo: bool, debug: bool) -> None:
    """vadesk: board, timer and vault for a freelance virtual assistant."""
    setup_logging(debug)
    settings = Settings.load()
    global _stdin_lines
    _stdin_lines = None
    ctx.obj = Context(db_url, settings)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        from vadesk.ui.run import run_tui

        run_tui(settings, db_url, demo=demo)


# ---------------------------------------------------------------- cards


@cli.group()
def card() -> None:
    """Create, list, move, edit and archive cards."""


def _client_id(session: Any, name: str | None) -> int | None:
    if name is None:
        return None
    from vadesk.services.clients import client_by_name

    return client_by_name(session, name).id


@card.command("add")
@click.argument("title")
@click.option("--client", help="Client name.")
@click.option("--lane", help="Lane name (default: Normal).")
@click.option(
    "--kind",
    default="other",
    show_default=True,
    type=click.Choice(["admin", "creative", "call", "purchase", "other"]),
)
@click.option("--due", help="Due date or date-time, ISO (default: the client's turnaround).")
@click.option("--description", default="", help="Longer text.")
@click.option("--top", is_flag=True, help="Put it at the top of the lane.")
@pass_ctx
def card_add(
    ctx: Context,
    title: str,
    client: str | None,
    lane: str | None,
    kind: str,
    due: str | None,
    description: str,
    top: bool,
) -> None:
    """Add a card; prints its id."""
    from vadesk.services import board

    store = ctx.store()
    due_at = parse_when(due, "due date")
    with store.write() as s:
        lane_id = board.lane_by_name(s, lane).id if lane else None
        row = board.create_card(
            s,
            title,
            lane_id=lane_id,
            client_id=_client_id(s, client),
            kind=kind,
            due_at=due_at,
            description=description,
            position="top" if top else "bottom",
            user_id=store.user_id,
        )
    click.echo(row.id)


@card.command("list")
@click.option("--lane", help="Only this lane.")
@click.option("--client", help="Only this client's cards.")
@click.option("--archived", is_flag=True, help="List archived cards instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def card_list(
    ctx: Context, lane: str | None, client: str | None, archived: bool, as_json: bool
) -> None:
    """List cards in board order."""
    from vadesk.services import board

    with ctx.store().read() as s:
        lane_id = board.lane_by_name(s, lane).id if lane else None
        rows = board.list_cards(
            s, lane_id=lane_id, client_id=_client_id(s, client), archived=archived
        )
    if as_json:
        echo_json([row.as_json() for row in rows])
        return
    for row in rows:
        due = row.due_at.astimezone().strftime("%a %d %b %H:%M") if row.due_at else ""
        click.echo(
            f"{row.id:>6}  {row.lane:<10} {row.position:>4}  {row.kind:<8} "
            f"{(row.client or '-')[:18]:<18} {due:<16} {row.title}"
        )


@card.command("move")
@click.argument("card_id", type=int)
@click.option("--lane", help="Target lane (default: the card's own).")
@click.option("--top", "where", flag_value="top", help="To the top of the lane.")
@click.option("--bottom", "where", flag_value="bottom", help="To the bottom (the default).")
@click.option("--before", "before_id", type=int, metavar="ID", help="Just above card ID.")
@click.option("--after", "after_id", type=int, metavar="ID", help="Just below card ID.")
@pass_ctx
def card_move(
    ctx: Context,
    card_id: int,
    lane: str | None,
    where: str | None,
    before_id: int | None,
    after_id: int | None,
) -> None:
    """Move a card to a lane and a place in it."""
    from vadesk.services import board

    if lane is None and where is None and before_id is None and after_id is None:
        raise InvalidInputError(
            "Say where to: --lane NAME and/or --top, --bottom, --before ID, --after ID."
        )
    store = ctx.store()
    with store.write() as s:
        lane_id = board.lane_by_name(s, lane).id if lane else None
        if before_id is None and after_id is None and where is None:
            where = "bottom"
        row = board.move_card(
            s,
            card_id,
            lane_id=lane_id,
            position=where,  # type: ignore[arg-type]
            before_id=before_id,
            after_id=after_id,
            user_id=store.user_id,
        )
        position = board.get_card(s, row.id).position
    click.echo(f"{row.id} {row.lane} {position}")


@card.command("edit")
@click.argument("card_id", type=int)
@click.option("--title")
@click.option("--description")
@click.option("--client", help="Client name ('' for none).")
@click.option("--kind", type=click.Choice(["admin", "creative", "call", "purchase", "other"]))
@click.option("--due", help="ISO date or date-time ('' for none).")
@click.option("--estimate", type=int, help="Estimate in minutes.")
@pass_ctx
def card_edit(
    ctx: Context,
    card_id: int,
    title: str | None,
    description: str | None,
    client: str | None,
    kind: str | None,
    due: str | None,
    estimate: int | None,
) -> None:
    """Change a card's fields."""
    from vadesk.services import board

    store = ctx.store()
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = title
    if description is not None:
        changes["description"] = description
    if kind is not None:
        changes["kind"] = kind
    if due is not None:
        changes["due_at"] = parse_when(due, "due date") if due else None
    if estimate is not None:
        changes["estimate_minutes"] = estimate
    with store.write() as s:
        if client is not None:
            changes["client_id"] = _client_id(s, client) if client else None
        if not changes:
            raise InvalidInputError("Nothing to change; give --title, --due, --client, ...")
        row = board.edit_card(s, card_id, user_id=store.user_id, **changes)
    click.echo(f"{row.id} v{row.version}")


@card.command("archive")
@click.argument("card_id", type=int)
@click.option("--undo", is_flag=True, help="Bring an archived card back.")
@pass_ctx
def card_archive(ctx: Context, card_id: int, undo: bool) -> None:
    """Archive a card (it leaves the board, its history stays)."""
    from vadesk.services import board

    store = ctx.store()
    with store.write() as s:
        row = board.set_archived(s, card_id, not undo, user_id=store.user_id)
    click.echo(f"{row.id} {'archived' if row.archived else 'restored'}")


# ---------------------------------------------------------------- clients


@cli.group()
def client() -> None:
    """Add and list clients."""


@client.command("add")
@click.argument("name")
@click.option(
    "--email",
    "emails",
    multiple=True,
    metavar="ADDR",
    help="Intake address routed to this client (repeatable).",
)
@click.option("--currency", default="EUR", show_default=True, help="ISO 4217 code.")
@pass_ctx
def client_add(ctx: Context, name: str, emails: tuple[str, ...], currency: str) -> None:
    """Add a client; prints its id."""
    from vadesk.services.clients import add_client

    with ctx.store().write() as s:
        row = add_client(s, name, emails=emails, currency=currency)
    click.echo(row.id)


@client.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def client_list(ctx: Context, as_json: bool) -> None:
    """List clients."""
    from vadesk.services.clients import list_clients

    with ctx.store().read() as s:
        rows = list_clients(s)
    if as_json:
        echo_json(
            [
                {"id": r.id, "name": r.name, "currency": r.currency, "emails": list(r.emails)}
                for r in rows
            ]
        )
        return
    for r in rows:
        click.echo(f"{r.id:>4}  {r.name:<28} {r.currency}  {', '.join(r.emails)}")


@client.command("rules")
@click.argument("name")
@click.option("--rate", help="Default hourly rate, e.g. 40 or 40.50.")
@click.option(
    "--kind-rate",
    "kind_rates",
    multiple=True,
    metavar="KIND=RATE",
    help="Hourly rate for one kind of task, e.g. creative=60 (repeatable).",
)
@click.option(
    "--rounding", type=click.Choice(["0", "1", "6", "15"]), help="Round up to N minutes (0: none)."
)
@click.option(
    "--per", "scope", type=click.Choice(["entry", "day"]), help="Round each entry or each day."
)
@click.option("--minimum", type=click.IntRange(0, 600), help="Minimum billed minutes per entry.")
@click.option("--discount", type=click.IntRange(0, 100), help="Long-term discount in percent.")
@click.option("--json", "as_json", is_flag=True, help="Print the rules as JSON.")
@pass_ctx
def client_rules(
    ctx: Context,
    name: str,
    rate: str | None,
    kind_rates: tuple[str, ...],
    rounding: str | None,
    scope: str | None,
    minimum: int | None,
    discount: int | None,
    as_json: bool,
) -> None:
    """Show or set a client's billing rules."""
    from vadesk.services.billing import parse_money, set_rules
    from vadesk.services.clients import client_by_name

    with ctx.store().write() as s:
        row = client_by_name(s, name)
        rates: dict[str, int] = {}
        for item in kind_rates:
            kind, _, amount = item.partition("=")
            if not amount:
                raise InvalidInputError(f"{item!r} is not KIND=RATE, e.g. creative=60.")
            rates[kind.strip()] = parse_money(amount, row.currency)
        rules = set_rules(
            s,
            row.id,
            default_rate_minor=parse_money(rate, row.currency) if rate else None,
            rates=rates,
            rounding_minutes=int(rounding) if rounding else None,
            rounding_scope=scope,
            minimum_minutes=minimum,
            discount_percent=discount,
        )
    from vadesk.domain.billing import format_money

    data = {
        "currency": rules.currency,
        "rate": format_money(rules.default_rate_minor, rules.currency),
        "rates": {k: format_money(v, rules.currency) for k, v in sorted(rules.rates.items())},
        "rounding_minutes": rules.rounding.minutes,
        "rounding_per": rules.rounding.scope,
        "minimum_minutes": rules.minimum_minutes,
        "discount_percent": rules.discount_percent,
    }
    if as_json:
        echo_json(data)
    else:
        for key, value in data.items():
            click.echo(f"{key:<17} {value}")


@client.command("package")
@click.argument("name")
@click.option("--hours", type=click.FloatRange(min=0.25), required=True, help="Hours bought.")
@click.option("--price", required=True, help="What the client paid, e.g. 350.")
@click.option("--purchased", help="ISO date (default: now).")
@click.option("--expires", help="ISO date the package expires (default: never).")
@pass_ctx
def client_package(
    ctx: Context, name: str, hours: float, price: str, purchased: str | None, expires: str | None
) -> None:
    """Record a prepaid hour package; billable time draws it down, oldest first."""
    from vadesk.services.billing import parse_money
    from vadesk.services.clients import client_by_name
    from vadesk.services.timer import add_package

    with ctx.store().write() as s:
        row = client_by_name(s, name)
        package_id = add_package(
            s,
            row.id,
            hours,
            parse_money(price, row.currency),
            purchased_at=parse_when(purchased, "purchase date"),
            expires_at=parse_when(expires, "expiry date"),
        )
    click.echo(package_id)


# ---------------------------------------------------------------- lanes


@cli.group()
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


# ---------------------------------------------------------------- timer


@cli.group()
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


# ---------------------------------------------------------------- vault


_stdin_lines: list[str] | None = None


def stdin_line() -> str:
    """The next line of standard input (one reader for the whole command, so none is lost)."""
    global _stdin_lines
    if _stdin_lines is None:
        _stdin_lines = click.get_text_stream("stdin").read().splitlines()
        _stdin_lines.reverse()
    return _stdin_lines.pop() if _stdin_lines else ""


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


@cli.group()
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


# ---------------------------------------------------------------- seed


@cli.command()
@click.option("--clients", default=5, show_default=True, type=click.IntRange(0, 1000))
@click.option("--cards", default=40, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--entries", default=0, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
@pass_ctx
def seed(ctx: Context, clients: int, cards: int, entries: int, seed_value: int) -> None:
    """Fill the database with generated data for trying and benchmarking."""
    import random

    from vadesk.services.seed import seed as run_seed

    store = ctx.store()
    with store.write() as s:
        result = run_seed(
            s,
            clients=clients,
            cards=cards,
            entries=entries,
            user_id=store.user_id,
            rng=random.Random(seed_value),
        )
    click.echo(f"added {result.clients} clients, {result.cards} cards, {result.entries} entries")


def main() -> None:
    try:
        cli(prog_name="vadesk")
    except KeyboardInterrupt:
        sys.exit(130)
