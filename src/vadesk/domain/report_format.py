"""A Report as JSON (stable field names), CSV and Markdown; money formatted with Babel.

Every total printed is the sum of the rows printed with it. Text a client or an email typed
(card titles, notes, names) never starts a spreadsheet formula: a cell beginning with
``= + - @`` (or a tab or carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency

from vadesk.domain.billing import CURRENCY_EXPONENTS
from vadesk.domain.durations import hm, span
from vadesk.domain.report import Report, Row, TurnaroundMonth, TurnaroundRecord
from vadesk.domain.text import clean_text

DEFAULT_LOCALE = "en_US"
CSV_HEADER = (
    "date",
    "start",
    "end",
    "minutes",
    "billed_minutes",
    "card_id",
    "card",
    "kind",
    "note",
    "amount",
    "currency",
    "invoice",
    "running",
)


def exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS.get(currency.upper(), 2)


def decimal_amount(minor: int, currency: str) -> Decimal:
    """Minor units as an exact Decimal (1250 EUR -> 12.50); never a float."""
    places = exponent(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def money(minor: int, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """'€1,234.50' (en_US), '1.234,50 €' (de_DE), '¥500' (ja_JP) ..."""
    return format_currency(decimal_amount(minor, currency), currency.upper(), locale=locale)


def amount_text(
    amount_minor: int,
    package_seconds: int,
    billable: bool,
    currency: str,
    locale: str = DEFAULT_LOCALE,
) -> str:
    """What a piece of time adds to the bill, in words: "not billable", "package" (all of it
    drawn from a prepaid package), "€14.58 + package" (part of it), or "€35.00"."""
    if not billable:
        return "not billable"
    if package_seconds > 0:
        return (
            "package" if amount_minor == 0 else f"{money(amount_minor, currency, locale)} + package"
        )
    return money(amount_minor, currency, locale)


def row_amount(row: Row, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """A report row's amount cell (``amount_text``)."""
    return amount_text(row.amount_minor, row.package_seconds, row.billable, currency, locale)


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula; terminal escape sequences
    and control characters are dropped (the file may be printed on a terminal)."""
    value = clean_text(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def period_label(report: Report) -> str:
    first, last = report.first_day, report.last_day
    next_day = date.fromordinal(last.toordinal() + 1)
    whole_month = (
        first.day == 1
        and next_day.day == 1
        and (first.year, first.month)
        == (
            last.year,
            last.month,
        )
    )
    return f"{first:%B %Y}" if whole_month else f"{first.isoformat()} – {last.isoformat()}"


def empty_message(report: Report) -> str:
    return f"No time logged for {report.client} from {report.first_day} to {report.last_day}."


def hours_minutes(minutes: int) -> str:
    """``4:07`` for 247 minutes (domain.durations.hm, from minutes)."""
    return hm(minutes * 60)


def _turnaround_text(figures: TurnaroundMonth | TurnaroundRecord, median: int | None) -> str:
    if not figures.done:
        return "no cards done"
    text = f"{figures.on_time} done on time, {figures.late} late"
    if figures.no_due:
        text += f", {figures.no_due} without a promise"
    if median is not None:
        text += f", median {span(median)} from creation to done"
    return text


def turnaround_lines(report: Report) -> list[str]:
    """The turnaround record as sentences: one for the month (or the note saying why there is
    none); for several months, the sums and then each month."""
    record = report.turnaround
    if not record.available:
        return [record.note]
    if len(record.months) == 1:
        return [f"Turnaround: {_turnaround_text(record, record.median_seconds)}."]
    lines = [f"Turnaround: {_turnaround_text(record, None)}."]
    lines += [
        f"Turnaround {m.month}: {_turnaround_text(m, m.median_seconds)}." for m in record.months
    ]
    return lines


def turnaround_json(record: TurnaroundRecord) -> dict[str, Any]:
    """``turnaround`` in the JSON report: ``available`` and the figures (or a ``note``)."""
    if not record.available:
        return {"available": False, "note": record.note}
    return {
        "available": True,
        "done": record.done,
        "on_time": record.on_time,
        "late": record.late,
        "no_due": record.no_due,
        "median_seconds": record.median_seconds,
        "months": [
            {
                "month": m.month,
                "done": m.done,
                "on_time": m.on_time,
                "late": m.late,
                "no_due": m.no_due,
                "median_seconds": m.median_seconds,
            }
            for m in record.months
        ],
    }


# ---------------------------------------------------------------- JSON


def _row_json(row: Row, currency: str) -> dict[str, Any]:
    return {
        "entry_id": row.entry_id,
        "date": row.day.isoformat(),
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "minutes": row.minutes,
        "billed_minutes": row.billed_minutes,
        "card_id": row.card_id,
        "card": row.card,
        "kind": row.kind,
        "note": row.note,
        "package_minutes": -(-row.package_seconds // 60),
        "amount_minor": row.amount_minor,
        "amount": str(decimal_amount(row.amount_minor, currency)),
        "running": row.running,
        "invoice": row.invoice,
        "billable": row.billable,
    }


def to_json(report: Report, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The report as plain JSON values; field names are documented in README and stable."""
    cur = report.currency
    return {
        "client": {"id": report.client_id, "name": report.client, "currency": cur},
        "business": {
            "name": report.business.name,
            "address": report.business.address,
            "tax_id": report.business.tax_id,
        },
        "period": {
            "from": report.first_day.isoformat(),
            "to": report.last_day.isoformat(),
            "timezone": report.timezone,
        },
        "generated_at": report.generated_at.isoformat(),
        "empty": report.empty,
        "message": empty_message(report) if report.empty else None,
        "running": report.running,
        "entries": [_row_json(r, cur) for r in report.rows],
        "per_card": [
            {
                "card": s.key,
                "minutes": s.minutes,
                "billed_minutes": s.billed_minutes,
                "amount_minor": s.amount_minor,
            }
            for s in report.per_card
        ],
        "per_kind": [
            {
                "kind": s.key,
                "minutes": s.minutes,
                "billed_minutes": s.billed_minutes,
                "amount_minor": s.amount_minor,
            }
            for s in report.per_kind
        ],
        "totals": {
            "minutes": report.minutes,
            "billed_minutes": report.billed_minutes,
            "subtotal_minor": report.subtotal_minor,
            "discount_percent": report.discount_percent,
            "discount_minor": report.discount_minor,
            "total_minor": report.total_minor,
            "total": money(report.total_minor, cur, locale),
        },
        "packages": [
            {
                "id": p.id,
                "purchased": p.purchased.isoformat(),
                "expires": p.expires.isoformat() if p.expires else None,
                "minutes": p.total_seconds // 60,
                "drawn_minutes": -(-p.drawn_seconds // 60),
                "left_minutes": p.left_seconds // 60,
                "expired": p.expired,
            }
            for p in report.packages
        ],
        "corrections": [
            {
                "entry_id": c.entry_id,
                "date": c.day.isoformat(),
                "invoice": c.invoice,
                "billed_minutes_before": -(-c.billed_seconds_before // 60),
                "billed_minutes_now": -(-c.billed_seconds_now // 60),
                "amount_delta_minor": c.amount_delta_minor,
                "deleted": c.deleted,
            }
            for c in report.corrections
        ],
        "turnaround": turnaround_json(report.turnaround),
    }


# ---------------------------------------------------------------- CSV


def to_csv(report: Report) -> str:
    """One row per entry (per local day) under a header row; minutes are integers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in report.rows:
        writer.writerow(
            (
                r.day.isoformat(),
                r.start.strftime("%H:%M"),
                r.end.strftime("%H:%M"),
                r.minutes,
                r.billed_minutes,
                "" if r.card_id is None else r.card_id,
                safe_cell(r.card),
                r.kind,
                safe_cell(r.note),
                decimal_amount(r.amount_minor, report.currency) if r.billable else "",
                report.currency,
                safe_cell(r.invoice or ""),
                "yes" if r.running else "",
            )
        )
    return out.getvalue()


# ---------------------------------------------------------------- Markdown


def _md(value: str) -> str:
    """A table cell: pipes escaped, one line, no formula."""
    return safe_cell(value).replace("|", "\\|")


def to_markdown(report: Report, locale: str = DEFAULT_LOCALE) -> str:
    cur = report.currency

    def m(minor: int) -> str:
        return money(minor, cur, locale)

    b = report.business
    lines = [f"# Timesheet — {_md(report.client)} — {period_label(report)}", ""]
    if b.name:
        lines.append(f"**{_md(b.name)}**  ")
        for part in b.address.splitlines():
            lines.append(f"{_md(part)}  ")
        if b.tax_id:
            lines.append(f"VAT / company id: {_md(b.tax_id)}  ")
        lines.append("")
    lines.append(
        f"Client: **{_md(report.client)}** ({cur}) · {report.first_day} to {report.last_day} "
        f"({report.timezone})"
    )
    lines.append("")
    if report.empty:
        lines += [empty_message(report), ""]
    else:
        lines += [
            "| Date | Start | End | Minutes | Billed | Card | Kind | Note | Amount |",
            "| --- | --- | --- | ---: | ---: | --- | --- | --- | ---: |",
        ]
        for r in report.rows:
            end = "running" if r.running else r.end.strftime("%H:%M")
            marks = f" (billed {_md(r.invoice)})" if r.invoice else ""
            lines.append(
                f"| {r.day} | {r.start:%H:%M} | {end} | {r.minutes} | {r.billed_minutes} | "
                f"{_md(_card(r))} | {r.kind} | {_md(r.note)}{marks} | "
                f"{row_amount(r, cur, locale)} |"
            )
        lines.append(
            f"| **Total** | | | **{report.minutes}** | **{report.billed_minutes}** | | | | "
            f"**{m(report.subtotal_minor)}** |"
        )
        lines.append("")
        for title, subtotals in (("card", report.per_card), ("kind", report.per_kind)):
            lines += [
                f"## Per {title}",
                "",
                f"| {title.title()} | Minutes | Billed | Amount |",
                "| --- | ---: | ---: | ---: |",
            ]
            lines += [
                f"| {_md(s.key)} | {s.minutes} | {s.billed_minutes} | {m(s.amount_minor)} |"
                for s in subtotals
            ]
            lines.append("")
    lines += ["## Totals", ""]
    lines.append(
        f"- Time worked: {hours_minutes(report.minutes)} ({report.minutes} min); billable "
        f"{hours_minutes(report.billed_minutes)} ({report.billed_minutes} min)"
    )
    lines.append(f"- Amount: {m(report.subtotal_minor)}")
    if report.discount_minor:
        lines.append(f"- Discount {report.discount_percent} %: −{m(report.discount_minor)}")
    lines.append(f"- **Total: {m(report.total_minor)}**")
    if report.running:
        lines.append("- A timer is running: its time is counted up to now.")
    lines.append("")
    if report.packages:
        lines += ["## Hour packages", ""]
        for p in report.packages:
            expiry = f"expires {p.expires.date()}" if p.expires else "no expiry"
            state = " (expired)" if p.expired else ""
            lines.append(
                f"- Package #{p.id} of {hours_minutes(p.total_seconds // 60)} h bought "
                f"{p.purchased.date()}, {expiry}{state}: drawn this period "
                f"{hours_minutes(-(-p.drawn_seconds // 60))} h, left "
                f"{hours_minutes(p.left_seconds // 60)} h"
            )
        lines.append("")
    if report.corrections:
        lines += ["## Corrections to billed time", ""]
        for c in report.corrections:
            what = "deleted" if c.deleted else "changed"
            lines.append(
                f"- Entry {c.entry_id} on {c.day}, billed under {_md(c.invoice)}: {what}, "
                f"{-(-c.billed_seconds_before // 60)} → {-(-c.billed_seconds_now // 60)} min "
                f"({m(c.amount_delta_minor)})"
            )
        lines.append("")
    lines += [f"_{_md(line)}_" for line in turnaround_lines(report)]
    lines.append("")
    return "\n".join(lines)


def _card(row: Row) -> str:
    return f"#{row.card_id} {row.card}" if row.card_id is not None else row.card
