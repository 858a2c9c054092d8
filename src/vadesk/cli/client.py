"""`vadesk client ...`: clients, their billing rules and hour packages."""

from __future__ import annotations

from typing import Any, Literal

import click

from vadesk.cli.common import Context, echo_json, emit, json_option, pass_ctx, refuse_together
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


def _checked(rule: str, *args: Any) -> Any:
    """An option callback: the value's own shape and range (``client_rules.<rule>``, the same
    check saving applies) before anything is opened; a wrong one is a usage error (exit 2)."""

    def check(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        from vadesk.domain import client_rules

        values = value if isinstance(value, tuple) else (value,)
        try:
            for one in values:
                if one is not None:
                    getattr(client_rules, rule)(one, *args)
        except InvalidInputError as error:
            raise click.UsageError(str(error), ctx) from None
        return value

    return check


def _checked_choice(field: str, allowed: str) -> Any:
    """A choice from ``client_rules.<allowed>``, checked as saving checks it (exit 2)."""

    def check(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        from vadesk.domain import client_rules

        try:
            if value is not None:
                client_rules.choice(value, field, getattr(client_rules, allowed))
        except InvalidInputError as error:
            raise click.UsageError(str(error), ctx) from None
        return value

    return check


def _checked_hours(key: str) -> Any:
    """--hours and --days: checked as the working hours they become."""

    def check(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        from vadesk.domain.client_rules import working_hours

        try:
            if value is not None:
                working_hours({key: value})
        except InvalidInputError as error:
            raise click.UsageError(str(error), ctx) from None
        return value

    return check


def client_json(row: Any) -> dict[str, Any]:
    """A client as `client list --json` shows it (a ClientProfile's fields)."""
    data: dict[str, Any] = row.as_json()
    return data


def _lines(profile: Any) -> list[tuple[str, str]]:
    """`client show` as (label, value) pairs, every value made safe to print."""
    from vadesk.domain.billing import format_money

    def day(value: Any) -> str:
        return value.isoformat() if value else "-"

    hours = profile.working_hours
    agreed = (
        f"{profile.agreed_minutes / 60:g} h per {profile.agreed_period}"
        if profile.agreed_minutes
        else "-"
    )
    rows = [
        ("id", str(profile.id)),
        ("name", profile.name),
        ("company", profile.company or "-"),
        ("status", "archived" if profile.archived else "active"),
        ("intake", ", ".join(profile.emails) or "-"),
    ]
    for contact in profile.contacts:
        parts = [contact.name]
        parts += [f"<{contact.email}>"] if contact.email else []
        parts += [contact.phone] if contact.phone else []
        parts += [f"({contact.role})"] if contact.role else []
        rows.append(("contact", " ".join(parts)))
    rows += [
        ("time zone", profile.timezone or "(the VA's own)"),
        ("days", ", ".join(hours.get("days", [])) or "-"),
        ("hours", hours.get("hours", "-")),
        ("channel", profile.channel),
        ("nda signed", day(profile.nda_signed_on)),
        ("nda note", profile.nda_note or "-"),
        ("contract", f"{day(profile.contract_start)} to {day(profile.contract_end)}"),
        ("agreed", agreed),
        ("currency", profile.currency),
        ("rate", format_money(profile.default_rate_minor, profile.currency)),
    ]
    rows += [
        (f"rate {kind}", format_money(minor, profile.currency))
        for kind, minor in sorted(profile.rates.items())
    ]
    rows += [
        ("rounding", f"{profile.rounding_minutes} min per {profile.rounding_scope}"),
        ("minimum", f"{profile.minimum_charge_minutes} min"),
        ("discount", f"{profile.discount_percent} %"),
    ]
    rows += [
        (f"turnaround {kind}", f"{hours_} h" if hours_ is not None else "none")
        for kind, hours_ in sorted(profile.turnaround.items())
    ]
    rows += [("counted in", f"{profile.turnaround_mode} hours"), ("colour", profile.colour)]
    rows += [(f"q: {question}", answer) for question, answer in profile.onboarding.items()]
    return [(label, display(value, multiline=False)) for label, value in rows]


def _profile_options(f: Any) -> Any:
    """The options of `client add` and `client edit`: every field of a profile."""
    options = [
        click.option("--company", help="Company name."),
        click.option(
            "--email",
            "emails",
            multiple=True,
            metavar="ADDR",
            help="Intake address routed to this client (repeatable; replaces the list; '' clears).",
        ),
        click.option(
            "--contact",
            "contacts",
            multiple=True,
            metavar='"NAME <EMAIL> PHONE (ROLE)"',
            help="A contact person; all but the name optional (repeatable; replaces the list; "
            "'' clears).",
        ),
        click.option(
            "--timezone",
            metavar="ZONE",
            callback=_checked("time_zone"),
            help="IANA zone, e.g. Europe/London ('' clears).",
        ),
        click.option(
            "--hours",
            metavar="HH:MM-HH:MM",
            callback=_checked_hours("hours"),
            help="Working hours, e.g. 09:00-17:00.",
        ),
        click.option(
            "--days",
            metavar="DAYS",
            callback=_checked_hours("days"),
            help="Working days, e.g. mon-fri or mon,wed,fri.",
        ),
        click.option(
            "--channel",
            metavar="CHANNEL",
            callback=_checked_choice("Channel", "CHANNELS"),
            help="Preferred: email, phone, chat or video.",
        ),
        click.option(
            "--answer",
            "answers",
            multiple=True,
            metavar="QUESTION=ANSWER",
            help="Onboarding answer; QUESTION is its text or its number in the config "
            "(repeatable; an empty answer removes it).",
        ),
        click.option(
            "--nda-signed",
            metavar="DATE",
            callback=_checked("a_date", "NDA signed on"),
            help="Date the NDA was signed ('' clears).",
        ),
        click.option(
            "--nda-note", metavar="TEXT", help="Where the NDA is (a file path) or a note."
        ),
        click.option(
            "--contract-start",
            metavar="DATE",
            callback=_checked("a_date", "Contract start"),
            help="Contract start ('' clears).",
        ),
        click.option(
            "--contract-end",
            metavar="DATE",
            callback=_checked("a_date", "Contract end"),
            help="Contract end ('' clears).",
        ),
        click.option(
            "--agreed",
            metavar="H/PERIOD",
            callback=_checked("agreed"),
            help="Agreed hours, e.g. 10h/week, 40h/month, none.",
        ),
        click.option("--rate", metavar="AMOUNT", help="Default hourly rate, e.g. 40 or 40.50."),
        click.option(
            "--kind-rate",
            "kind_rates",
            multiple=True,
            metavar="KIND=RATE",
            help="Hourly rate for one kind of task, e.g. creative=60 (repeatable).",
        ),
        click.option(
            "--rounding",
            type=int,
            metavar="0|1|6|15",
            callback=_checked("rounding"),
            help="Round up to N minutes (0: none).",
        ),
        click.option(
            "--per",
            "scope",
            metavar="entry|day",
            callback=_checked_choice("Rounding per", "ROUNDING_SCOPES"),
            help="Round each entry or each day.",
        ),
        click.option(
            "--minimum",
            type=int,
            metavar="MIN",
            callback=_checked("minimum_minutes"),
            help="Minimum billed minutes per entry.",
        ),
        click.option(
            "--discount",
            type=int,
            metavar="PCT",
            callback=_checked("discount"),
            help="Long-term discount in percent.",
        ),
        click.option(
            "--turnaround",
            "turnarounds",
            multiple=True,
            metavar="KIND=HOURS",
            callback=_checked("turnaround_item"),
            help="Turnaround promise, e.g. admin=24, creative=48, call=none (repeatable).",
        ),
        click.option(
            "--turnaround-mode",
            metavar="calendar|working",
            callback=_checked_choice("Turnaround counted in", "TURNAROUND_MODES"),
            help="How turnaround hours count.",
        ),
        click.option(
            "--colour",
            metavar="#RRGGBB",
            callback=_checked("colour"),
            help="Colour on the board ('' picks one).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _input(settings: Any, current: Any, fields: dict[str, Any]) -> Any:
    """A ClientInput from the options given (``current``: the profile being edited, or None)."""
    from vadesk.domain import client_rules as rules
    from vadesk.domain.amounts import parse_money
    from vadesk.services.clients import DEFAULT_TURNAROUND, ClientInput, Contact

    def given(name: str) -> Any:
        return fields.get(name)

    currency = rules.currency_code(given("currency")) if given("currency") else None
    money = currency or (current.currency if current else "EUR")
    data: dict[str, Any] = {
        "name": given("name"),
        "company": given("company"),
        "timezone": given("timezone"),
        "channel": given("channel"),
        "nda_signed_on": given("nda_signed"),
        "nda_note": given("nda_note"),
        "contract_start": given("contract_start"),
        "contract_end": given("contract_end"),
        "currency": currency,
        "rounding_minutes": given("rounding"),
        "rounding_scope": given("scope"),
        "minimum_charge_minutes": given("minimum"),
        "discount_percent": given("discount"),
        "turnaround_mode": given("turnaround_mode"),
        "colour": given("colour"),
    }
    if fields.get("emails"):
        data["emails"] = tuple(fields["emails"])
    if fields.get("contacts"):
        data["contacts"] = tuple(
            Contact(**rules.contact_line(line)) for line in fields["contacts"] if line.strip()
        )
    if given("hours") is not None or given("days") is not None:
        hours = dict(current.working_hours) if current else {}
        if given("days") is not None:
            hours["days"] = given("days")
        if given("hours") is not None:
            hours["hours"] = given("hours")
        data["working_hours"] = hours
    if given("agreed") is not None:
        minutes, period = rules.agreed(given("agreed"))
        data["agreed_minutes"] = minutes or 0
        data["agreed_period"] = period
    if given("rate") is not None:
        data["default_rate_minor"] = parse_money(given("rate"), money)
    if fields.get("kind_rates"):
        rates = dict(current.rates) if current else {}
        for item in fields["kind_rates"]:
            kind, equals, amount = item.partition("=")
            if not equals or not amount.strip():
                raise InvalidInputError(f"{item!r} is not KIND=RATE, e.g. creative=60.")
            rates[rules.card_kind(kind, "Rate")] = parse_money(amount, money)
        data["rates"] = rates
    if fields.get("turnarounds"):
        promised = dict(current.turnaround) if current else dict(DEFAULT_TURNAROUND)
        promised.update(rules.turnaround_item(item) for item in fields["turnarounds"])
        data["turnaround"] = promised
    if fields.get("answers"):
        data["onboarding"] = _answers(settings, current, fields["answers"])
    return ClientInput(**data)


def _answers(settings: Any, current: Any, items: tuple[str, ...]) -> dict[str, str]:
    questions: list[str] = list(settings.onboarding_questions)
    answers = dict(current.onboarding) if current else {}
    for item in items:
        question, equals, answer = item.partition("=")
        question = question.strip()
        if not equals or not question:
            raise InvalidInputError(
                f"{item[:60]!r} is not QUESTION=ANSWER, e.g. 'Best times to reach you=mornings'."
            )
        if question.isdigit():
            number = int(question)
            if not 1 <= number <= len(questions):
                raise InvalidInputError(
                    f"There is no onboarding question {number}; the config has {len(questions)}."
                )
            question = questions[number - 1]
        else:
            known = {q.casefold(): q for q in questions}
            question = known.get(question.casefold(), question)
        answers[question] = answer.strip()
    return {q: a for q, a in answers.items() if a}


@click.group()
def client() -> None:
    """Clients: profiles, priority order, billing rules and hour packages."""


@client.command("add")
@click.argument("name")
@_profile_options
@click.option("--currency", metavar="CODE", default="EUR", show_default=True, help="ISO 4217 code.")
@json_option("Print the new client as a JSON object (the fields of `client list --json`).")
@pass_ctx
def client_add(ctx: Context, /, name: str, as_json: bool, **fields: Any) -> None:
    """Add a client (last in the priority order); prints its id."""
    from vadesk.services.clients import save_client

    data = _input(ctx.settings, None, {**fields, "name": name})
    with ctx.store().write() as s:
        profile = save_client(s, data)
    emit(as_json, client_json(profile), str(profile.id))


@client.command("edit")
@click.argument("name")
@click.option("--name", "new_name", metavar="NEW", help="Rename the client.")
@_profile_options
@click.option("--currency", metavar="CODE", help="ISO 4217 code.")
@json_option("Print the client as a JSON object (the fields of `client list --json`).")
@pass_ctx
def client_edit(
    ctx: Context, /, name: str, new_name: str | None, as_json: bool, **fields: Any
) -> None:
    """Change a client's profile; lists (addresses, contacts) are replaced as given."""
    from vadesk.services.clients import profile_by_name, save_client

    with ctx.store().write() as s:
        current = profile_by_name(s, name)
        data = _input(ctx.settings, current, {**fields, "name": new_name})
        if data == type(data)():
            raise InvalidInputError(
                "Nothing to change; give an option such as --company or --timezone "
                "(see `vadesk client edit --help`)."
            )
        profile = save_client(s, data, current.id)
    emit(as_json, client_json(profile), str(profile.id))


@client.command("show")
@click.argument("name")
@json_option("Print the client as a JSON object.")
@pass_ctx
def client_show(ctx: Context, name: str, as_json: bool) -> None:
    """Show a client's whole profile."""
    from vadesk.services.clients import profile_by_name

    with ctx.store(create=False).read() as s:
        profile = profile_by_name(s, name)
    if as_json:
        echo_json(client_json(profile))
        return
    for label, value in _lines(profile):
        click.echo(f"{display(label)[:40]:<20} {value}")


@client.command("list")
@click.option("--all", "everyone", is_flag=True, help="Archived clients too.")
@json_option("Print JSON.")
@pass_ctx
def client_list(ctx: Context, everyone: bool, as_json: bool) -> None:
    """List clients in priority order (most important first)."""
    from vadesk.services.clients import list_profiles

    with ctx.store(create=False).read() as s:
        rows = list_profiles(s, include_archived=everyone)
    if as_json:
        echo_json([client_json(r) for r in rows])
        return
    for r in rows:
        currency = display(r.currency)  # stored text, like the name
        mark = "  (archived)" if r.archived else ""
        click.echo(
            f"{r.id:>4}  {display(r.name):<28} {currency}  {display(', '.join(r.emails))}{mark}"
        )


def _set_archived(ctx: Context, name: str, archived: bool, as_json: bool) -> None:
    from vadesk.services.clients import profile_by_name, set_archived

    with ctx.store().write() as s:
        profile = set_archived(s, profile_by_name(s, name).id, archived)
    word = "archived" if archived else "active"
    emit(as_json, client_json(profile), f"{profile.id} {word}")


@client.command("archive")
@click.argument("name")
@json_option("Print the client as a JSON object.")
@pass_ctx
def client_archive(ctx: Context, name: str, as_json: bool) -> None:
    """Archive a client: its cards and vault items leave the board and lists (nothing is
    deleted; `client unarchive` brings them back)."""
    _set_archived(ctx, name, True, as_json)


@client.command("unarchive")
@click.argument("name")
@json_option("Print the client as a JSON object.")
@pass_ctx
def client_unarchive(ctx: Context, name: str, as_json: bool) -> None:
    """Bring an archived client back, with its cards and vault items."""
    _set_archived(ctx, name, False, as_json)


@client.command("move")
@click.argument("name")
@click.option("--before", "other", metavar="OTHER", help="Just before this client.")
@click.option("--top", is_flag=True, help="First: the most important client.")
@click.option("--bottom", is_flag=True, help="Last.")
@json_option("Print the client as a JSON object, with its `position`.")
@pass_ctx
def client_move(
    ctx: Context, name: str, other: str | None, top: bool, bottom: bool, as_json: bool
) -> None:
    """Move a client in the priority order; open boards follow within a second."""
    from vadesk.services.clients import client_order, move_client, profile_by_name

    refuse_together(before=other, top=top, bottom=bottom)
    if other is None and not top and not bottom:
        raise click.UsageError("Say where: --before OTHER, --top or --bottom.")
    with ctx.store().write() as s:
        moving = profile_by_name(s, name)
        before_id = profile_by_name(s, other).id if other is not None else None
        to: Literal["top", "bottom"] | None = None
        if other is None:
            to = "top" if top else "bottom"
        profile = move_client(s, moving.id, before_id=before_id, to=to)
        order = client_order(s)
    position = order.index(profile.id) + 1 if profile.id in order else None
    emit(
        as_json,
        {**client_json(profile), "position": position},
        f"{profile.id} {position if position is not None else 'archived'}",
    )


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
        return
    step = rules.rounding
    lines = [("currency", rules.currency), ("rate", f"{data['rate']} an hour")]
    lines += [
        (f"rate {kind}", f"{format_money(minor, rules.currency)} an hour")
        for kind, minor in sorted(rules.rates.items())
    ]
    if not rules.rates:
        lines.append(("kind rates", "none: every kind bills at the rate"))
    lines += [
        (
            "rounding",
            f"up to {step.minutes} min per {step.scope}" if step.minutes else "none",
        ),
        ("minimum", f"{rules.minimum_minutes} min per entry"),
        ("discount", f"{rules.discount_percent} %"),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        click.echo(f"{display(label):<{width}}  {display(value)}")  # kinds, currency: stored text


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
