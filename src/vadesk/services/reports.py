"""Monthly reports and billing: a client's report for a period, billed is billed, invoices.

Reads stored rows and hands them to domain.report; marking a period billed records a copy of
every billed piece (one local day of an entry) under the invoice number, so the next report
lists any later change to billed time as a correction, and nothing is billed twice.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vadesk.config import Settings
from vadesk.db.models import Card, Client, Invoice, InvoiceEntry, TimeEntry
from vadesk.domain.clock import utcnow
from vadesk.domain.report import (
    TURNAROUND_WHOLE_MONTHS,
    Billed,
    Business,
    Report,
    SourceEntry,
    TurnaroundMonth,
    TurnaroundRecord,
    build_report,
    corrections_for,
)
from vadesk.domain.timecalc import local_midnight
from vadesk.errors import ConflictError, InvalidInputError, NotFoundError
from vadesk.services.billing import packages_for, rules_for
from vadesk.services.clients import client_by_name as client_by_name

_MONTH = re.compile(r"(\d{4})-(\d{2})")
MAX_ENTRY_DAYS = 7
"""A closed entry longer than this that starts before a period is not looked for."""


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    """Inclusive, local days."""

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """UTC instants of the first day's start and of the day after the last."""
        start = local_midnight(self.first_day, tz)
        end = local_midnight(self.last_day + timedelta(days=1), tz)
        return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    client_id: int
    client: str
    number: str
    first_day: date
    last_day: date
    currency: str
    billed_seconds: int
    total_minor: int
    entries: int
    corrections: int
    created_at: datetime


def month_period(month: str) -> Period:
    """``YYYY-MM`` as the local days of that month."""
    match = _MONTH.fullmatch(month.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1970 <= int(match.group(1)) <= 2999:
        raise InvalidInputError(f"Month {month!r} is not YYYY-MM (e.g. 2026-11).")
    year, number = int(match.group(1)), int(match.group(2))
    return Period(date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1]))


def current_month(now: datetime, tz: tzinfo) -> Period:
    local = now.astimezone(tz).date()
    return month_period(f"{local.year:04d}-{local.month:02d}")


def range_period(first: date, last: date) -> Period:
    if last < first:
        raise InvalidInputError(f"--to {last} is before --from {first}; swap them.")
    if (last - first).days > 366 * 5:
        raise InvalidInputError("A report covers at most five years; give a shorter range.")
    return Period(first, last)


def _source_entries(session: Session, *where: object) -> list[SourceEntry]:
    stmt = (
        select(
            TimeEntry.id,
            Card.id,
            Card.title,
            Card.kind,
            TimeEntry.note,
            TimeEntry.started_at,
            TimeEntry.ended_at,
            TimeEntry.billable,
        )
        .join(Card, Card.id == TimeEntry.card_id)
        .where(TimeEntry.idle.is_(False), *where)  # type: ignore[arg-type]
        .order_by(TimeEntry.started_at, TimeEntry.id)
    )
    return [SourceEntry(*row) for row in session.execute(stmt)]


def _billed(session: Session, client_id: int) -> list[Billed]:
    """The latest billing of each billed piece of the client's time, oldest first."""
    stmt = (
        select(
            InvoiceEntry.entry_id,
            InvoiceEntry.day,
            Invoice.number,
            InvoiceEntry.kind,
            InvoiceEntry.started_at,
            InvoiceEntry.ended_at,
            InvoiceEntry.billed_seconds,
            InvoiceEntry.amount_minor,
        )
        .join(Invoice, Invoice.id == InvoiceEntry.invoice_id)
        .where(Invoice.client_id == client_id)
        .order_by(InvoiceEntry.id)
    )
    latest: dict[tuple[int, date], Billed] = {}
    for row in session.execute(stmt):
        latest[(row[0], row[1])] = Billed(*row)
    return list(latest.values())


def client_report(
    session: Session,
    client_id: int,
    period: Period,
    tz: tzinfo,
    *,
    business: Business | None = None,
    timezone_name: str = "",
    now: datetime | None = None,
) -> Report:
    """One client's report for ``period`` (local days of ``tz``)."""
    now = now or utcnow()
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"No client #{client_id}.")
    rules = rules_for(session, client_id)
    packages = packages_for(session, client_id)
    start, end = period.bounds(tz)
    history = min([start, *(p.purchased_at for p in packages)])
    # An entry that started before the period may run into it (over midnight, or a timer
    # left running): closed ones up to MAX_ENTRY_DAYS long, running ones however long.
    entries = _source_entries(
        session,
        Card.client_id == client_id,
        TimeEntry.started_at < end,
        or_(
            TimeEntry.ended_at.is_(None),
            and_(
                TimeEntry.started_at >= history - timedelta(days=MAX_ENTRY_DAYS),
                TimeEntry.ended_at > history,
            ),
        ),
    )
    billed = _billed(session, client_id)
    corrections = corrections_for(billed, _current_of(session, billed, entries), rules, tz, now)
    return build_report(
        business=business or Business(),
        client_id=client_id,
        client=client.name,
        rules=rules,
        packages=packages,
        entries=entries,
        billed=billed,
        corrections=corrections,
        first_day=period.first_day,
        last_day=period.last_day,
        tz=tz,
        now=now,
        timezone_name=timezone_name or str(tz),
        turnaround=turnaround_record(session, client_id, period, tz),
    )


def whole_months(period: Period) -> list[tuple[int, int]]:
    """The (year, month) pairs a period covers when it is whole calendar months, else []."""
    first, last = period.first_day, period.last_day
    if first.day != 1 or (last + timedelta(days=1)).day != 1:
        return []
    months = []
    index = first.year * 12 + first.month - 1
    while index <= last.year * 12 + last.month - 1:
        months.append((index // 12, index % 12 + 1))
        index += 1
    return months


def turnaround_record(
    session: Session, client_id: int, period: Period, tz: tzinfo
) -> TurnaroundRecord:
    """Cards the client got done on time and late in each month of the period, and the
    median time from creation to done (services.turnaround.month_figures, months of ``tz``)."""
    from vadesk.services.turnaround import month_figures

    months = whole_months(period)
    if not months:
        return TurnaroundRecord(note=TURNAROUND_WHOLE_MONTHS)
    found: list[TurnaroundMonth] = []
    for year, month in months:
        figures = month_figures(session, year, month, zone=tz, client_id=client_id)
        mine = next((f for f in figures if f.client_id == client_id), None)
        found.append(
            TurnaroundMonth(
                f"{year:04d}-{month:02d}",
                mine.done if mine else 0,
                mine.on_time if mine else 0,
                mine.late if mine else 0,
                mine.no_due if mine else 0,
                mine.median_seconds if mine else None,
            )
        )
    return TurnaroundRecord(tuple(found))


def _current_of(
    session: Session, billed: Sequence[Billed], known: Iterable[SourceEntry]
) -> list[SourceEntry]:
    """The entries behind billed pieces as they are now (deleted or idle ones are missing)."""
    have = {e.entry_id: e for e in known}
    wanted = sorted({b.entry_id for b in billed} - set(have))
    for chunk in range(0, len(wanted), 500):
        ids = wanted[chunk : chunk + 500]
        for entry in _source_entries(session, TimeEntry.id.in_(ids)):
            have[entry.entry_id] = entry
    # An entry marked idle since it was billed counts as removed.
    return list(have.values())


def report_by_name(
    session: Session,
    name: str,
    period: Period,
    tz: tzinfo,
    *,
    business: Business | None = None,
    timezone_name: str = "",
    now: datetime | None = None,
) -> Report:
    client = client_by_name(session, name)
    return client_report(
        session, client.id, period, tz, business=business, timezone_name=timezone_name, now=now
    )


def all_reports(
    session: Session,
    period: Period,
    tz: tzinfo,
    *,
    business: Business | None = None,
    timezone_name: str = "",
    now: datetime | None = None,
) -> list[Report]:
    """Every active client's report, by name."""
    ids = session.scalars(
        select(Client.id).where(Client.archived.is_(False)).order_by(func.lower(Client.name))
    ).all()
    return [
        client_report(
            session, cid, period, tz, business=business, timezone_name=timezone_name, now=now
        )
        for cid in ids
    ]


def mark_billed(
    session: Session,
    client_id: int,
    period: Period,
    number: str,
    tz: tzinfo,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
) -> InvoiceRow:
    """Record the period's unbilled time, and corrections to billed time, under ``number``.

    A running timer is not billed (stop it first); time billed already is never billed again.
    """
    now = now or utcnow()
    number = " ".join(number.split())
    if not number or len(number) > 100:
        raise InvalidInputError("An invoice number is 1 to 100 characters, e.g. 2026-014.")
    # One billing of a client at a time (PostgreSQL row lock; SQLite writes are serial).
    locked = session.scalar(select(Client.id).where(Client.id == client_id).with_for_update())
    client = session.get(Client, client_id) if locked is not None else None
    if client is None:
        raise NotFoundError(f"No client #{client_id}.")
    taken = session.scalar(
        select(Invoice.id).where(Invoice.client_id == client_id, Invoice.number == number)
    )
    if taken is not None:
        raise ConflictError(f"Invoice {number} of {client.name} exists already; use a new number.")
    report = client_report(session, client_id, period, tz, now=now)
    if report.running:
        raise ConflictError(
            f"A timer is running on {client.name}'s time in this period; stop it, then mark billed."
        )
    new_rows = [r for r in report.rows if r.invoice is None]
    if not new_rows and not report.corrections:
        if not report.rows:
            raise InvalidInputError(
                f"{client.name} has no time from {period.first_day} to {period.last_day}; "
                "nothing to bill."
            )
        billed_under = sorted({r.invoice for r in report.rows if r.invoice})
        raise ConflictError(
            f"All of {client.name}'s time in this period is billed already "
            f"(under {', '.join(billed_under)}); nothing is billed twice."
        )
    subtotal = sum(r.amount_minor for r in new_rows) + sum(
        c.amount_delta_minor for c in report.corrections
    )
    discount = int(
        (Decimal(subtotal * report.discount_percent) / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    start, end = period.bounds(tz)
    invoice = Invoice(
        client_id=client_id,
        number=number,
        period_start=start,
        period_end=end,
        currency=report.currency,
        billed_seconds=sum(r.billed_seconds for r in new_rows)
        + sum(c.billed_seconds_now - c.billed_seconds_before for c in report.corrections),
        total_minor=subtotal - discount,
        created_at=now,
        user_id=user_id,
    )
    session.add(invoice)
    session.flush()
    for r in new_rows:
        session.add(
            InvoiceEntry(
                invoice_id=invoice.id,
                entry_id=r.entry_id,
                day=r.day,
                card_id=r.card_id,
                kind=r.kind,
                started_at=r.start.astimezone(UTC),
                ended_at=r.end.astimezone(UTC),
                billed_seconds=r.billed_seconds,
                amount_minor=r.amount_minor,
                correction=False,
            )
        )
    billed = {(b.entry_id, b.day): b for b in _billed(session, client_id)}
    for c in report.corrections:
        before = billed[(c.entry_id, c.day)]
        at = c.start or before.start
        session.add(
            InvoiceEntry(
                invoice_id=invoice.id,
                entry_id=c.entry_id,
                day=c.day,
                card_id=None,
                kind=before.kind,
                started_at=at.astimezone(UTC),
                ended_at=(c.end or at).astimezone(UTC),
                billed_seconds=c.billed_seconds_now,
                amount_minor=before.amount_minor + c.amount_delta_minor,
                correction=True,
            )
        )
    try:
        session.flush()
    except IntegrityError:  # billed meanwhile in another window: the database said no
        raise ConflictError(
            f"{client.name}'s time was billed meanwhile elsewhere; run the report again."
        ) from None
    return _invoice_rows(session, tz, Invoice.id == invoice.id)[0]


def _invoice_rows(session: Session, tz: tzinfo, *where: object) -> list[InvoiceRow]:
    stmt = (
        select(Invoice, Client.name)
        .join(Client, Client.id == Invoice.client_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Invoice.created_at, Invoice.id)
    )
    result: list[InvoiceRow] = []
    for inv, client_name in session.execute(stmt).all():
        originals = session.scalar(
            select(func.count(InvoiceEntry.id)).where(
                InvoiceEntry.invoice_id == inv.id, InvoiceEntry.correction.is_(False)
            )
        )
        corrections = session.scalar(
            select(func.count(InvoiceEntry.id)).where(
                InvoiceEntry.invoice_id == inv.id, InvoiceEntry.correction.is_(True)
            )
        )
        result.append(
            InvoiceRow(
                inv.id,
                inv.client_id,
                client_name,
                inv.number,
                inv.period_start.astimezone(tz).date(),
                (inv.period_end.astimezone(tz) - timedelta(seconds=1)).date(),
                inv.currency,
                inv.billed_seconds,
                inv.total_minor,
                originals or 0,
                corrections or 0,
                inv.created_at,
            )
        )
    return result


def list_invoices(session: Session, tz: tzinfo, client_id: int | None = None) -> list[InvoiceRow]:
    """What was billed, oldest first (one client's, or everyone's); periods in ``tz``."""
    where = [] if client_id is None else [Invoice.client_id == client_id]
    return _invoice_rows(session, tz, *where)


def billed_entries(
    session: Session, entries: Iterable[tuple[int, datetime, datetime | None]], tz: tzinfo
) -> dict[int, str]:
    """Entry id -> the invoice it was billed under, for (id, start, end) entries.

    An entry counts as billed when a billed piece of that id lies on one of its local days
    (SQLite may give a new entry the id of a deleted one: that one's billing is not its).
    """
    spans = {entry_id: (start, end) for entry_id, start, end in entries}
    ids = sorted(spans)
    result: dict[int, str] = {}
    for chunk in range(0, len(ids), 500):
        stmt = (
            select(InvoiceEntry.entry_id, InvoiceEntry.day, Invoice.number)
            .join(Invoice, Invoice.id == InvoiceEntry.invoice_id)
            .where(InvoiceEntry.entry_id.in_(ids[chunk : chunk + 500]))
            .order_by(InvoiceEntry.id)
        )
        for entry_id, day, number in session.execute(stmt):
            start, end = spans[entry_id]
            first = start.astimezone(tz).date()
            last = (end or start).astimezone(tz).date()
            if first <= day <= last:
                result[entry_id] = number
    return result


# ---------------------------------------------------------------- output

FORMATS = ("table", "csv", "md", "json", "pdf")
EXTENSIONS = {"csv": "csv", "md": "md", "json": "json", "pdf": "pdf", "table": "txt"}
_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)


def business_from(settings: Settings) -> Business:
    """The ``[business]`` settings as the report header."""
    b = settings.business
    return Business(
        name=b.get("name", ""),
        address=b.get("address", ""),
        tax_id=b.get("vat_id", ""),
        logo=str(Path(b["logo"]).expanduser()) if b.get("logo") else None,
    )


def report_zone(settings: Settings) -> tuple[tzinfo, str]:
    """The one time zone of reports (the ``timezone`` setting, else the system's) and its name."""
    from dateutil.tz import tzlocal

    from vadesk.services.timer import local_zone

    zone = local_zone(settings.timezone)
    if zone is not None:
        return zone, settings.timezone or ""
    local = tzlocal()
    return local, datetime.now(local).tzname() or "local time"


def unicode_font() -> str | None:
    """A Unicode TrueType font for PDFs, if the system has one."""
    return next((path for path in _FONTS if Path(path).is_file()), None)


def render(report: Report, fmt: str, locale: str) -> bytes:
    """The report in ``fmt`` (csv, md, json or pdf) as the bytes of a file."""
    from vadesk.domain import report_format

    if fmt == "csv":
        return report_format.to_csv(report).encode("utf-8")
    if fmt == "md":
        return report_format.to_markdown(report, locale).encode("utf-8")
    if fmt == "json":
        import json

        text = json.dumps(report_format.to_json(report, locale), indent=2, ensure_ascii=False)
        return (text + "\n").encode("utf-8")
    if fmt == "pdf":
        from vadesk.domain.report_pdf import to_pdf

        return to_pdf(report, locale, unicode_font())
    raise InvalidInputError(f"Format {fmt!r} is not one of: {', '.join(FORMATS)}.")


def file_name(report: Report, fmt: str) -> str:
    """``acme-ltd-2026-11.csv``: the client's name made safe for any file system."""
    slug = re.sub(r"[^a-z0-9]+", "-", report.client.lower()).strip("-")[:60] or "client"
    first, last = report.first_day, report.last_day
    whole_month = (
        first.day == 1
        and (last + timedelta(days=1)).day == 1
        and (
            first.year,
            first.month,
        )
        == (last.year, last.month)
    )
    period = f"{first:%Y-%m}" if whole_month else f"{first}_{last}"
    return f"{slug}-{report.client_id}-{period}.{EXTENSIONS[fmt]}"


# ---------------------------------------------------------------- the reports screen


@dataclass(frozen=True)
class ClientFigures:
    """One client's bars on the reports screen."""

    id: int
    name: str
    currency: str
    week_seconds: int
    month_seconds: int
    package_left: int
    package_total: int
    has_rates: bool


def overview(session: Session, now: datetime, tz: tzinfo) -> list[ClientFigures]:
    """Every active client's time this week and this month (local), and package balance."""
    from vadesk.db.models import ClientRate
    from vadesk.domain.timecalc import month_start
    from vadesk.services.billing import package_balance
    from vadesk.services.timer import period_starts

    _, week_start = period_starts(now, tz)
    first = month_start(now, tz).astimezone(UTC)
    since = min(week_start, first)
    clients = session.execute(
        select(Client.id, Client.name, Client.currency, Client.default_rate_minor)
        .where(Client.archived.is_(False))
        .order_by(func.lower(Client.name))
    ).all()
    rated = set(session.scalars(select(ClientRate.client_id).where(ClientRate.rate_minor > 0)))
    spans = session.execute(
        select(Card.client_id, TimeEntry.started_at, TimeEntry.ended_at)
        .join(Card, Card.id == TimeEntry.card_id)
        .where(
            TimeEntry.idle.is_(False),
            TimeEntry.started_at < now,
            or_(TimeEntry.ended_at.is_(None), TimeEntry.ended_at > since),
            TimeEntry.started_at >= since - timedelta(days=1),
        )
    ).all()
    week: dict[int, int] = {}
    month: dict[int, int] = {}
    for client_id, started, ended in spans:
        if client_id is None:
            continue
        finish = min(ended or now, now)
        for bucket, start in ((week, week_start), (month, first)):
            seconds = int((finish - max(started, start)).total_seconds())
            if seconds > 0:
                bucket[client_id] = bucket.get(client_id, 0) + seconds
    result = []
    for cid, name, currency, default_rate in clients:
        left, total = package_balance(session, cid, now, tz)
        result.append(
            ClientFigures(
                cid,
                name,
                currency,
                week.get(cid, 0),
                month.get(cid, 0),
                left,
                total,
                default_rate > 0 or cid in rated,
            )
        )
    return result


def export_folder() -> Path:
    """Where the reports screen writes files: ``vadesk-reports`` in the documents folder."""
    import platformdirs

    from vadesk.config import make_private_dir

    folder = Path(platformdirs.user_documents_dir()) / "vadesk-reports"
    make_private_dir(folder)
    return folder


# ---------------------------------------------------------------- amounts next to hours


@dataclass(frozen=True)
class EntryAmount:
    """What one entry adds to its client's bill, exactly as the client's report counts it."""

    amount_minor: int
    currency: str
    package_seconds: int
    """Drawn from a prepaid package (that time costs nothing more on the invoice)."""
    billable: bool

    def text(self, locale: str) -> str:
        """ "€35.00", "package", "€14.58 + package" or "not billable"."""
        from vadesk.domain.report_format import amount_text

        return amount_text(
            self.amount_minor, self.package_seconds, self.billable, self.currency, locale
        )


def entry_amounts(
    session: Session,
    entries: Iterable[tuple[int, int | None, datetime, datetime]],
    tz: tzinfo,
    *,
    now: datetime | None = None,
) -> dict[int, EntryAmount]:
    """Entry id -> what it adds to the bill, for closed (entry id, client id, start, end)
    entries: the sum of its rows in its client's report over the same local days (rounding,
    minimum and hour packages drawn oldest first, over the client's whole history), so the
    time sheet and the report never disagree. Left out: entries without a client, idle ones,
    and billable ones of a client without a rate for their kind that drew on no package."""
    now = now or utcnow()
    by_client: dict[int, dict[int, tuple[datetime, datetime]]] = {}
    for entry_id, client_id, start, end in entries:
        if client_id is not None:
            by_client.setdefault(client_id, {})[entry_id] = (start, end)
    result: dict[int, EntryAmount] = {}
    for client_id, spans in by_client.items():
        first = min(start for start, _ in spans.values()).astimezone(tz).date()
        last = max(end for _, end in spans.values()).astimezone(tz).date()
        report = client_report(session, client_id, Period(first, last), tz, now=now)
        rules = rules_for(session, client_id)
        sums: dict[int, tuple[int, int, bool, str]] = {}
        for row in report.rows:
            if row.entry_id in spans:
                amount, package, billable, kind = sums.get(row.entry_id, (0, 0, True, row.kind))
                sums[row.entry_id] = (
                    amount + row.amount_minor,
                    package + row.package_seconds,
                    billable and row.billable,
                    kind,
                )
        for entry_id, (amount, package, billable, kind) in sums.items():
            if billable and not package and rules.rate_for(kind) <= 0:
                continue
            result[entry_id] = EntryAmount(amount, report.currency, package, billable)
    return result
