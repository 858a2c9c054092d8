"""`vadesk client ...`: clients, their billing rules and hour packages."""

from __future__ import annotations

from typing import Any

import click

from vadesk.cli.common import Context, echo_json, emit, json_option, pass_ctx
from vadesk.domain.dates import parse_when
from vadesk.domain.text import display
from vadesk.errors import InvalidInputError


def _hours(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """From a quarter of an hour to 10,000 hours (no nan, no infinity)."""
    from vadesk.domain.amounts import parse_hours

    if value is None:
        return None
    try:
        return parse_hours(value)
    except InvalidInputError as error:
        raise click.BadParameter(str(error), ctx, param) from None


def client_json(row: Any) -> dict[str, Any]:
    """A client as `client list --json` shows it."""
    return {"id": row.id, "name": row.name, "currency": row.currency, "emails": list(row.emails)}


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
@json_option("Print the new client as a JSON object (the fields of `client list --json`).")
@pass_ctx
def client_add(
    ctx: Context, name: str, emails: tuple[str, ...], currency: str, as_json: bool
) -> None:
    """Add a client; prints its id."""
    from vadesk.services.clients import add_client

    with ctx.store().write() as s:
        row = add_client(s, name, emails=emails, currency=currency)
    emit(as_json, client_json(row), str(row.id))


@client.command("list")
@json_option("Print JSON.")
@pass_ctx
def client_list(ctx: Context, as_json: bool) -> None:
    """List clients."""
    from vadesk.services.clients import list_clients

    with ctx.store(create=False).read() as s:
        rows = list_clients(s)
    if as_json:
        echo_json([client_json(r) for r in rows])
        return
    for r in rows:
        currency = display(r.currency)  # stored text, like the name
        click.echo(f"{r.id:>4}  {display(r.name):<28} {currency}  {display(', '.join(r.emails))}")


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
@json_option("Print the rules as JSON.")
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
    from vadesk.domain.amounts import parse_money
    from vadesk.domain.billing import format_money
    from vadesk.services.billing import rules_for, set_rules
    from vadesk.services.clients import client_by_name

    changing = any(x is not None for x in (rate, rounding, scope, minimum, discount)) or bool(
        kind_rates
    )
    store = ctx.store(create=changing)
    with store.write() if changing else store.read() as s:
        row = client_by_name(s, name)
        if changing:
            rates: dict[str, int] = {}
            for item in kind_rates:
                kind, _, amount = item.partition("=")
                if not amount:
                    raise InvalidInputError(f"{item!r} is not KIND=RATE, e.g. creative=60.")
                rates[kind.strip()] = parse_money(amount, row.currency)
            rules = set_rules(
                s,
                row.id,
                default_rate_minor=parse_money(rate, row.currency) if rate is not None else None,
                rates=rates,
                rounding_minutes=int(rounding) if rounding else None,
                rounding_scope=scope,
                minimum_minutes=minimum,
                discount_percent=discount,
            )
        else:
            rules = rules_for(s, row.id)
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
            click.echo(f"{key:<17} {display(value)}")  # the currency is stored text


@client.command("package")
@click.argument("name")
@click.option("--hours", callback=_hours, required=True, help="Hours bought (0.25 to 10,000).")
@click.option("--price", required=True, help="What the client paid, e.g. 350.")
@click.option("--purchased", help="ISO date (default: now).")
@click.option("--expires", help="ISO date the package expires (default: never).")
@json_option("Print the new package as a JSON object.")
@pass_ctx
def client_package(
    ctx: Context,
    name: str,
    hours: float,
    price: str,
    purchased: str | None,
    expires: str | None,
    as_json: bool,
) -> None:
    """Record a prepaid hour package; billable time draws it down, oldest first."""
    from vadesk.domain.amounts import parse_money
    from vadesk.domain.billing import format_money
    from vadesk.domain.clock import utcnow
    from vadesk.services.billing import packages_for
    from vadesk.services.clients import client_by_name
    from vadesk.services.timer import add_package

    purchased_at = parse_when(purchased, "purchase date")
    expires_at = parse_when(expires, "expiry date")
    if expires_at is not None and expires_at <= (purchased_at or utcnow()):
        raise InvalidInputError("The expiry date must come after the purchase date.")
    with ctx.store().write() as s:
        row = client_by_name(s, name)
        package_id = add_package(
            s,
            row.id,
            hours,
            parse_money(price, row.currency),
            purchased_at=purchased_at,
            expires_at=expires_at,
        )
        package = next(p for p in packages_for(s, row.id) if p.id == package_id)
    data = {
        "id": package.id,
        "client": row.name,
        "hours": package.seconds / 3600,
        "price": format_money(package.price_minor, row.currency),
        "purchased": package.purchased_at.isoformat(),
        "expires": package.expires_at.isoformat() if package.expires_at else None,
    }
    emit(as_json, data, str(package_id))
