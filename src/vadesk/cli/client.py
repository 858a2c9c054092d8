"""`vadesk client ...`: clients, their billing rules and hour packages."""

from __future__ import annotations

import click

from vadesk.cli.common import Context, echo_json, pass_ctx
from vadesk.domain.dates import parse_when
from vadesk.errors import InvalidInputError


@click.group()
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
