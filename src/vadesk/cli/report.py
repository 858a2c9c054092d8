"""`vadesk report` (a client's timesheet for a period) and `vadesk invoices` (what was billed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from vadesk.cli.common import Context, echo_json, json_option, pass_ctx, refuse_together
from vadesk.domain.text import count, display

FORMATS = ("table", "csv", "md", "json", "pdf")


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01.", ctx, param) from None
    if not 1970 <= day.year <= 2999:
        raise click.BadParameter("dates run from 1970 to 2999.", ctx, param)
    return day


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """``YYYY-MM`` as a Period; a wrong shape or range is a usage error (exit 2)."""
    if value is None:
        return None
    from vadesk.errors import InvalidInputError
    from vadesk.services.reports import month_period

    try:
        return month_period(value)
    except InvalidInputError:
        raise click.BadParameter(
            f"{value!r} is not a month like 2026-11 (months 01 to 12, years 1970 to 2999).",
            ctx,
            param,
        ) from None


def _table(report: Any, locale: str, console: Any = None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from vadesk.domain.report_format import (
        empty_message,
        hours_minutes,
        money,
        period_label,
        row_amount,
    )

    console = console or Console(highlight=False, soft_wrap=False, width=max(Console().width, 100))

    def m(minor: int) -> str:
        return money(minor, report.currency, locale)

    title = f"{display(report.client)} — {period_label(report)}"
    if report.empty:
        console.print(Text(title))
        console.print(Text(display(empty_message(report))))
        _turnaround(report, console)
        return
    table = Table(title=title, box=box.SIMPLE_HEAD, show_footer=True, title_justify="left")
    table.add_column("Date", footer="Total", no_wrap=True)
    table.add_column("Start", no_wrap=True)
    table.add_column("End", no_wrap=True)
    table.add_column("Min", justify="right", footer=str(report.minutes))
    table.add_column("Billed", justify="right", footer=str(report.billed_minutes), no_wrap=True)
    table.add_column("Card", overflow="fold", min_width=8, max_width=40)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Note", overflow="fold", min_width=6, max_width=30)
    table.add_column("Amount", justify="right", footer=m(report.subtotal_minor), no_wrap=True)

    for r in report.rows:
        card = f"#{r.card_id} {r.card}" if r.card_id is not None else r.card
        note = r.note + (f" (billed {r.invoice})" if r.invoice else "")
        table.add_row(
            str(r.day),
            f"{r.start:%H:%M}",
            "running" if r.running else f"{r.end:%H:%M}",
            str(r.minutes),
            str(r.billed_minutes),
            Text(display(card)),
            r.kind,
            Text(display(note)),
            row_amount(r, report.currency, locale),
        )
    console.print(table)
    for label, subtotals in (("card", report.per_card), ("kind", report.per_kind)):
        parts = ", ".join(
            f"{display(s.key)} {hours_minutes(s.minutes)} h {m(s.amount_minor)}" for s in subtotals
        )
        console.print(Text(f"Per {label}: {parts}"))
    line = f"Total {m(report.total_minor)}"
    if report.discount_minor:
        line += f" (amount {m(report.subtotal_minor)}, discount {report.discount_percent} %)"
    console.print(Text(line, style="bold"))
    for p in report.packages:
        console.print(
            Text(
                f"Package #{p.id}: drawn {hours_minutes(-(-p.drawn_seconds // 60))} h, left "
                f"{hours_minutes(p.left_seconds // 60)} h"
                + (f", expires {p.expires.date()}" if p.expires else "")
                + (" (expired)" if p.expired else "")
            )
        )
    for c in report.corrections:
        console.print(
            Text(
                f"Correction: entry {c.entry_id} on {c.day} (billed under {display(c.invoice)}) "
                f"{'deleted' if c.deleted else 'changed'}: {-(-c.billed_seconds_before // 60)} → "
                f"{-(-c.billed_seconds_now // 60)} min ({m(c.amount_delta_minor)})"
            )
        )
    if report.running:
        console.print(Text("A timer is running: counted up to now."))
    _turnaround(report, console)


def _turnaround(report: Any, console: Any) -> None:
    from rich.text import Text

    from vadesk.domain.report_format import turnaround_lines

    for line in turnaround_lines(report):
        console.print(Text(line, style="" if report.turnaround.available else "dim"))


@click.command("report")
@click.option("--client", "client_name", metavar="NAME", help="One client's report.")
@click.option("--all", "all_clients", is_flag=True, help="Every client (the default).")
@click.option(
    "--month",
    metavar="YYYY-MM",
    callback=_month,
    help="A calendar month (default: this month).",
)
@click.option("--from", "first", metavar="DATE", callback=_day, help="First day (YYYY-MM-DD).")
@click.option("--to", "last", metavar="DATE", callback=_day, help="Last day (default: today).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write to this file (one client) or folder (--all: one file per client).",
)
@click.option(
    "--mark-billed",
    "invoice_no",
    metavar="INVOICE_NO",
    help="Record this period's time of --client as billed under this invoice number.",
)
@json_option("Same as --format json.")
@pass_ctx
def report(
    ctx: Context,
    client_name: str | None,
    all_clients: bool,
    month: Any,
    first: date | None,
    last: date | None,
    fmt: str,
    out: Path | None,
    invoice_no: str | None,
    as_json: bool,
) -> None:
    """A client's minute-exact timesheet for a month or any range of days."""
    from vadesk.domain.clock import utcnow
    from vadesk.services import reports

    refuse_together(client=client_name, all=all_clients)
    refuse_together(month=month, **{"from": first})
    refuse_together(month=month, to=last)
    if last is not None and first is None:
        raise click.UsageError("--to needs --from.")
    if as_json:
        if fmt not in ("table", "json"):
            raise click.UsageError("--json and --format cannot be used together; give one.")
        fmt = "json"
    if invoice_no is not None and client_name is None:
        raise click.UsageError("--mark-billed needs --client NAME (one client per invoice).")
    settings = ctx.settings
    tz, zone_name = reports.report_zone(settings)
    now = utcnow()
    if month is not None:
        period = month
    elif first is not None:
        period = reports.range_period(first, last or now.astimezone(tz).date())
    else:
        period = reports.current_month(now, tz)
    business = reports.business_from(settings)
    locale = settings.locale

    if invoice_no is not None:
        assert client_name is not None
        store = ctx.store()
        with store.write() as s:
            client = reports.client_by_name(s, client_name)
            row = reports.mark_billed(s, client.id, period, invoice_no, tz, user_id=store.user_id)
        if as_json:
            echo_json(invoice_json(row))
        else:
            from vadesk.domain.report_format import money

            click.echo(
                f"billed {display(row.client)} {row.first_day}–{row.last_day} under "
                f"{display(row.number)}: {count(row.entries, 'entry', 'entries')}, "
                f"{money(row.total_minor, row.currency, locale)}"
                + (f", {count(row.corrections, 'correction')}" if row.corrections else "")
            )
        return

    with ctx.store(create=False).read() as s:
        if client_name is not None:
            found = [
                reports.report_by_name(
                    s, client_name, period, tz, business=business, timezone_name=zone_name, now=now
                )
            ]
        else:
            found = reports.all_reports(
                s, period, tz, business=business, timezone_name=zone_name, now=now
            )
    many = client_name is None
    if many and not found:
        click.echo("No clients yet; add one with `vadesk client add NAME`.", err=True)
        return
    if many and out is None and fmt in ("csv", "md", "pdf"):
        raise click.UsageError(f"--format {fmt} for every client needs --out FOLDER.")
    if fmt == "pdf" and out is None:
        raise click.UsageError("--format pdf needs --out FILE.")
    if fmt == "table" and out is None:
        for one in found:
            _table(one, locale)
        return
    from vadesk.services.files import write_private

    if many and out is not None:
        from vadesk.config import make_private_dir

        make_private_dir(out.expanduser())
        for one in found:
            path = write_private(
                out / reports.file_name(one, fmt), _bytes(reports, one, fmt, locale)
            )
            click.echo(display(str(path)))
        return
    if many and fmt == "json":
        from vadesk.domain.report_format import to_json

        echo_json([to_json(one, locale) for one in found])
        return
    data = _bytes(reports, found[0], fmt, locale)
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        click.echo(display(str(write_private(out, data))))


def _bytes(reports: Any, one: Any, fmt: str, locale: str) -> bytes:
    """The file's bytes; ``table`` is the terminal table as plain text."""
    if fmt == "table":
        import io

        from rich.console import Console

        buffer = io.StringIO()
        _table(one, locale, Console(file=buffer, width=120, color_system=None, highlight=False))
        return buffer.getvalue().encode("utf-8")
    return bytes(reports.render(one, fmt, locale))


def invoice_json(row: Any) -> dict[str, Any]:
    """An invoice as `invoices --json` shows it."""
    return {
        "id": row.id,
        "client": row.client,
        "number": row.number,
        "from": row.first_day.isoformat(),
        "to": row.last_day.isoformat(),
        "currency": row.currency,
        "billed_minutes": -(-row.billed_seconds // 60),
        "total_minor": row.total_minor,
        "entries": row.entries,
        "corrections": row.corrections,
        "created_at": row.created_at.isoformat(),
    }


@click.command("invoices")
@click.option("--client", "client_name", metavar="NAME", help="Only this client's invoices.")
@json_option("Print a JSON array.")
@pass_ctx
def invoices(ctx: Context, client_name: str | None, as_json: bool) -> None:
    """What was billed, when, and for how much (oldest first)."""
    from vadesk.domain.report_format import money
    from vadesk.services import reports

    tz, _ = reports.report_zone(ctx.settings)
    with ctx.store(create=False).read() as s:
        client_id = reports.client_by_name(s, client_name).id if client_name else None
        rows = reports.list_invoices(s, tz, client_id)
    if as_json:
        echo_json([invoice_json(r) for r in rows])
        return
    if not rows:
        click.echo("No invoices yet; `vadesk report --client NAME --mark-billed NO` records one.")
        return
    for r in rows:
        click.echo(
            f"{r.created_at.astimezone(tz):%Y-%m-%d}  {display(r.number):<14} "
            f"{display(r.client):<24} {r.first_day}–{r.last_day}  "
            f"{money(r.total_minor, r.currency, ctx.settings.locale):>14}  "
            f"{count(r.entries, 'entry', 'entries')}"
            + (f", {count(r.corrections, 'correction')}" if r.corrections else "")
        )
