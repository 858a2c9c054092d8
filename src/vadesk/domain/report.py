"""A client's report for a period: rows per local day, subtotals, amounts, packages, corrections.

Pure: it takes plain entries and rules (from services.reports) and returns a ``Report``.
Decisions:
- an entry is cut at each local midnight of the configured zone (DST-safe, domain.timecalc)
  and only the pieces inside the period are reported; each piece is one row and is rounded,
  charged and billed on its own;
- hour packages are drawn down over the client's whole history since the oldest package, so a
  month's report shows what was left of each package at that month's end;
- every total is the sum of its rows: minutes of the rows, amounts of the rows; the discount is
  taken from the amount total, rounded half up (domain.billing);
- a running timer is counted up to ``now`` and marked as running.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from vadesk.domain.billing import BillingRules, Entry, Package, invoice
from vadesk.domain.timecalc import local_midnight

TURNAROUND_WHOLE_MONTHS = "Turnaround record: for whole months only; use --month YYYY-MM."
TURNAROUND_NOT_READ = "Turnaround record: not read for this report."


@dataclass(frozen=True)
class TurnaroundMonth:
    """Cards the client got done in one month, against the promised turnaround."""

    month: str
    """``YYYY-MM``."""
    done: int
    on_time: int
    late: int
    no_due: int
    """Done cards that had no promise (no due time)."""
    median_seconds: int | None
    """Median time from creation to done; None when nothing was done."""


@dataclass(frozen=True)
class TurnaroundRecord:
    """The report's turnaround record: one line per month of the period (whole months)."""

    months: tuple[TurnaroundMonth, ...] = ()
    note: str = ""
    """Why there is no record (empty when there is one)."""

    @property
    def available(self) -> bool:
        return not self.note

    @property
    def done(self) -> int:
        return sum(m.done for m in self.months)

    @property
    def on_time(self) -> int:
        return sum(m.on_time for m in self.months)

    @property
    def late(self) -> int:
        return sum(m.late for m in self.months)

    @property
    def no_due(self) -> int:
        return sum(m.no_due for m in self.months)

    @property
    def median_seconds(self) -> int | None:
        """The month's median; None when nothing was done or the period has several months
        (a median of medians would be wrong: each month has its own)."""
        return self.months[0].median_seconds if len(self.months) == 1 else None


@dataclass(frozen=True)
class Business:
    """The VA's own details for the report header (the ``[business]`` settings)."""

    name: str = ""
    address: str = ""
    tax_id: str = ""
    logo: str | None = None


@dataclass(frozen=True)
class SourceEntry:
    """A stored time entry as the report needs it; ``end`` is None while it runs."""

    entry_id: int
    card_id: int | None
    card: str
    kind: str
    note: str
    start: datetime
    end: datetime | None
    billable: bool = True
    """False: the time counts in minutes, not in billed minutes or amounts."""


@dataclass(frozen=True)
class Billed:
    """How one local day of an entry was billed (the latest row for it)."""

    entry_id: int
    day: date
    invoice: str
    kind: str
    start: datetime
    end: datetime
    billed_seconds: int
    amount_minor: int


@dataclass(frozen=True)
class Row:
    entry_id: int
    day: date
    start: datetime
    """Local time (the configured zone)."""
    end: datetime
    seconds: int
    billed_seconds: int
    card_id: int | None
    card: str
    kind: str
    note: str
    package_seconds: int
    amount_minor: int
    running: bool
    invoice: str | None
    """The invoice number this piece was billed under, if any."""
    billable: bool = True
    """False: time not to be billed (e.g. marked so in Toggl): no amount, no package draw."""

    @property
    def minutes(self) -> int:
        """Worked minutes, rounded half up (a row of 29 s shows 0, of 30 s shows 1)."""
        return (self.seconds + 30) // 60

    @property
    def billed_minutes(self) -> int:
        """Billable minutes after rounding and minimum (whole minutes, rounded up)."""
        return -(-self.billed_seconds // 60)


@dataclass(frozen=True)
class Subtotal:
    key: str
    minutes: int
    billed_minutes: int
    amount_minor: int


@dataclass(frozen=True)
class PackageLine:
    id: int
    purchased: datetime
    expires: datetime | None
    total_seconds: int
    drawn_seconds: int
    """Drawn by this period's time."""
    left_seconds: int
    """Left at the end of the period (or now, when that is earlier)."""
    expired: bool


@dataclass(frozen=True)
class Correction:
    """Billed time that changed since: the entry was edited or deleted after the invoice."""

    entry_id: int
    day: date
    invoice: str
    billed_seconds_before: int
    billed_seconds_now: int
    amount_delta_minor: int
    deleted: bool
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class Report:
    business: Business
    client_id: int
    client: str
    currency: str
    first_day: date
    last_day: date
    """Inclusive, local."""
    rows: tuple[Row, ...]
    per_card: tuple[Subtotal, ...]
    per_kind: tuple[Subtotal, ...]
    minutes: int
    billed_minutes: int
    subtotal_minor: int
    discount_percent: int
    discount_minor: int
    total_minor: int
    packages: tuple[PackageLine, ...]
    corrections: tuple[Correction, ...]
    running: bool
    generated_at: datetime
    timezone: str
    turnaround: TurnaroundRecord = TurnaroundRecord(note=TURNAROUND_NOT_READ)

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class _Piece:
    source: SourceEntry
    start: datetime
    end: datetime
    day: date
    running: bool


def day_pieces(
    entries: Iterable[SourceEntry], start: datetime, end: datetime, now: datetime, tz: tzinfo
) -> list[_Piece]:
    """Each entry cut at local midnights and clipped to [start, end) and to ``now``."""
    pieces: list[_Piece] = []
    for entry in entries:
        running = entry.end is None
        cursor = max(entry.start, start)
        finish = min(entry.end if entry.end is not None else max(now, entry.start), end)
        if cursor >= end or finish < cursor:
            continue
        if finish == cursor:  # a timer started this second: shown as running, 0 minutes
            if running:
                pieces.append(_Piece(entry, cursor, cursor, cursor.astimezone(tz).date(), True))
            continue
        while cursor < finish:
            day = cursor.astimezone(tz).date()
            piece_end = min(finish, local_midnight(day + timedelta(days=1), tz))
            pieces.append(_Piece(entry, cursor, piece_end, day, running))
            cursor = piece_end
    pieces.sort(key=lambda p: (p.start, p.source.entry_id))
    return pieces


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _subtotals(rows: Sequence[Row], key: str) -> tuple[Subtotal, ...]:
    """Sums per card (by card number: #5 before #11; cards without one last, by name) or
    per kind (by name)."""
    sums: dict[str, tuple[int, int, int]] = {}
    order: dict[str, tuple[int, int, str]] = {}
    for row in rows:
        if key == "card":
            name = f"#{row.card_id} {row.card}" if row.card_id is not None else row.card
            number = row.card_id
        else:
            name, number = row.kind, None
        m, b, a = sums.get(name, (0, 0, 0))
        sums[name] = (m + row.minutes, b + row.billed_minutes, a + row.amount_minor)
        order[name] = (0, number, "") if number is not None else (1, 0, name.lower())
    return tuple(Subtotal(k, *sums[k]) for k in sorted(sums, key=lambda k: (order[k], k)))


def build_report(
    *,
    business: Business,
    client_id: int,
    client: str,
    rules: BillingRules,
    packages: Sequence[Package],
    entries: Iterable[SourceEntry],
    billed: Iterable[Billed],
    corrections: Sequence[Correction] = (),
    first_day: date,
    last_day: date,
    tz: tzinfo,
    now: datetime,
    timezone_name: str,
    turnaround: TurnaroundRecord | None = None,
) -> Report:
    """The report for local days ``first_day`` to ``last_day`` (inclusive).

    ``entries`` must hold every entry of the client from the oldest package's purchase (or
    the period's start, if earlier) up to the period's end, so package draws are right;
    ``billed`` marks rows billed already; ``corrections`` come from ``corrections_for``.
    """
    start = local_midnight(first_day, tz)
    end = local_midnight(last_day + timedelta(days=1), tz)
    history_start = min([start, *(p.purchased_at for p in packages)])
    entries = list(entries)
    pieces = day_pieces(entries, history_start, end, now, tz)
    ids = {i: piece for i, piece in enumerate(pieces, 1)}

    def as_entries(selected: Iterable[int]) -> list[Entry]:
        return [
            Entry(
                i,
                ids[i].start,
                ids[i].end,
                ids[i].source.kind,
                ids[i].source.card_id,
                ids[i].source.billable,
            )
            for i in selected
        ]

    everything = invoice(as_entries(ids), rules, packages, tz)
    before = invoice(as_entries(i for i, p in ids.items() if p.start < start), rules, packages, tz)
    latest_billing: dict[tuple[int, date], Billed] = {}
    for bill in billed:
        latest_billing[(bill.entry_id, bill.day)] = bill

    rows: list[Row] = []
    for line in everything.lines:
        piece = ids[line.entry_id]
        if piece.start < start:
            continue
        source = piece.source
        billing = latest_billing.get((source.entry_id, piece.day))
        rows.append(
            Row(
                source.entry_id,
                piece.day,
                piece.start.astimezone(tz),
                piece.end.astimezone(tz),
                line.raw_seconds,
                line.billed_seconds,
                source.card_id,
                source.card,
                source.kind,
                source.note,
                line.package_seconds,
                line.amount_minor,
                piece.running,
                billing.invoice if billing is not None else None,
                source.billable,
            )
        )
    subtotal = sum(r.amount_minor for r in rows)
    discount = _half_up(Decimal(subtotal * rules.discount_percent) / 100)
    used_before = {u.id: u.used_seconds for u in before.packages}
    reference = min(now, end)
    ordered_packages = sorted(packages, key=lambda p: (p.purchased_at, p.id))
    package_lines = tuple(
        PackageLine(
            u.id,
            p.purchased_at.astimezone(tz),
            p.expires_at.astimezone(tz) if p.expires_at is not None else None,
            u.total_seconds,
            u.used_seconds - used_before.get(u.id, 0),
            u.remaining_seconds,
            p.expires_at is not None and p.expires_at <= reference,
        )
        for u, p in zip(everything.packages, ordered_packages, strict=True)
        if p.purchased_at < end
    )
    return Report(
        business=business,
        client_id=client_id,
        client=client,
        currency=rules.currency,
        first_day=first_day,
        last_day=last_day,
        rows=tuple(rows),
        per_card=_subtotals(rows, "card"),
        per_kind=_subtotals(rows, "kind"),
        minutes=sum(r.minutes for r in rows),
        billed_minutes=sum(r.billed_minutes for r in rows),
        subtotal_minor=subtotal,
        discount_percent=rules.discount_percent,
        discount_minor=discount,
        total_minor=subtotal - discount,
        packages=package_lines,
        corrections=tuple(corrections),
        running=any(r.running for r in rows),
        generated_at=now,
        timezone=timezone_name,
        turnaround=(
            turnaround if turnaround is not None else TurnaroundRecord(note=TURNAROUND_NOT_READ)
        ),
    )


def billable_seconds(seconds: int, rules: BillingRules) -> int:
    """One entry's billable seconds on its own: the minimum, then rounding up."""
    unit = rules.rounding.minutes * 60
    seconds = max(seconds, rules.minimum_minutes * 60) if seconds > 0 else 0
    return seconds if unit <= 0 else -(-seconds // unit) * unit


def corrections_for(
    billed: Iterable[Billed],
    entries: Iterable[SourceEntry],
    rules: BillingRules,
    tz: tzinfo,
    now: datetime,
) -> tuple[Correction, ...]:
    """Billed pieces whose entry changed or went away since they were billed.

    The billed piece is compared with the same local day of the entry as it is now; the
    amount changes at the kind's hourly rate (packages aside).
    """
    current = {e.entry_id: e for e in entries}
    result: list[Correction] = []
    for bill in sorted(billed, key=lambda b: (b.day, b.entry_id)):
        entry = current.get(bill.entry_id)
        day_start = local_midnight(bill.day, tz)
        day_end = local_midnight(bill.day + timedelta(days=1), tz)
        if entry is None:
            piece_start = piece_end = None
            seconds = 0
        else:
            piece_start = max(entry.start, day_start)
            piece_end = min(entry.end or now, day_end)
            seconds = max(0, int((piece_end - piece_start).total_seconds()))
            if seconds == 0:
                piece_start = piece_end = None
        if piece_start == bill.start and piece_end == bill.end:
            continue
        if seconds == 0 and bill.billed_seconds == 0:
            continue
        now_billed = billable_seconds(seconds, rules) if entry and entry.billable else 0
        delta = now_billed - bill.billed_seconds
        amount = _half_up(Decimal(delta * rules.rate_for(bill.kind)) / 3600)
        result.append(
            Correction(
                bill.entry_id,
                bill.day,
                bill.invoice,
                bill.billed_seconds,
                now_billed,
                amount,
                entry is None or seconds == 0,
                piece_start.astimezone(tz) if piece_start else None,
                piece_end.astimezone(tz) if piece_end else None,
            )
        )
    return tuple(result)
