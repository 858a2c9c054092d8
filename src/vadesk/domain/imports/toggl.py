"""Toggl Track's detailed report as CSV, read into plain time entries.

Columns (by name, in any order): User, Email, Client, Project, Task, Description, Billable,
Start date, Start time, End date, End time, Duration, Tags, Amount (…). Dates in any of the
formats Toggl offers (YYYY-MM-DD, MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY), times in
24-hour or 12-hour form, durations as H:MM:SS. A byte order mark, Windows line endings and
quoted commas or newlines are all fine. Start and end are local times in the zone given.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from vadesk.domain.imports import ImportFileError, Problem
from vadesk.domain.text import clean_text, clean_title

REQUIRED = ("start date", "start time")
_COLUMNS = (
    "client", "project", "task", "description", "billable",
    "start date", "start time", "end date", "end time", "duration", "tags",
)  # fmt: skip
MAX_DURATION = timedelta(days=7)
"""No single entry runs longer than a week; longer is a misread date."""
_ALIASES = {"stop date": "end date", "stop time": "end time"}
"""Other names some Toggl exports give the same columns."""
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_OTHER_DATE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?")
_DURATION = re.compile(r"(\d+):(\d{2}):(\d{2})")
_YES = {"yes", "true", "1", "y", "billable"}
_NO = {"no", "false", "0", "n", "non-billable", "not billable"}


@dataclass(frozen=True)
class TogglEntry:
    line: int
    """Where the entry starts in the file (1 = the header)."""
    client: str
    project: str
    task: str
    description: str
    billable: bool
    start: datetime
    """Aware, in UTC."""
    end: datetime
    tags: tuple[str, ...]


@dataclass(frozen=True)
class TogglReport:
    entries: tuple[TogglEntry, ...]
    problems: tuple[Problem, ...]
    date_format: str
    """How slashed dates were read: "MM/DD/YYYY", "DD/MM/YYYY", or "" when there were none."""
    notes: tuple[str, ...]


class _RowError(ValueError):
    pass


def _clean(value: str, limit: int = 500) -> str:
    """``clean_title``, with the common case (nothing to drop) fast: 100,000 rows add up."""
    return value.strip()[:limit] if value.isprintable() else clean_title(value, limit)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on (a quoted newline spans several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(
            f"Line {start} of the CSV cannot be read ({error}); is it Toggl's detailed report?"
        ) from None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("utf-16")  # Excel's "Unicode text" re-save
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8 text; export the detailed report from Toggl Track as CSV again."
        ) from None


def _slash_order(rows: list[tuple[int, list[str]]], columns: list[int]) -> str:
    """Month-first or day-first for slashed dates, from the file itself."""
    month_first = day_first = False
    for _, record in rows:
        for column in columns:
            if column < len(record):
                match = _OTHER_DATE.fullmatch(record[column].strip())
                if match and match.group(2) == "/":
                    first, second = int(match.group(1)), int(match.group(3))
                    # A date that fits neither order is the row's own problem, reported later.
                    day_first |= first > 12 >= second
                    month_first |= second > 12 >= first
    if month_first and day_first:
        raise ImportFileError(
            "The file mixes MM/DD/YYYY and DD/MM/YYYY dates; export it from Toggl again with "
            "one date format."
        )
    return "DD/MM/YYYY" if day_first else "MM/DD/YYYY"


def _date(value: str, slash: str) -> tuple[int, int, int]:
    value = value.strip()
    match = _ISO_DATE.fullmatch(value)
    if match:
        return int(match.group(1)), int(match.group(2)), int(match.group(3))
    match = _OTHER_DATE.fullmatch(value)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        if match.group(2) == "/" and slash == "MM/DD/YYYY":
            return year, first, second
        return year, second, first  # DD/MM, DD.MM and DD-MM are day first
    raise _RowError(f"date {value!r} is not in a format Toggl writes" if value else "no date")


def _time(value: str) -> tuple[int, int, int]:
    value = value.strip()
    match = _TIME.fullmatch(value)
    if not match:
        raise _RowError(
            f"time {value!r} is not a time like 13:45:00 or 1:45 PM" if value else "no time"
        )
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if match.group(4):
        if not 1 <= hour <= 12:
            raise _RowError(f"time {value!r} has no hour {hour} on a 12-hour clock")
        hour = hour % 12 + (12 if match.group(4)[0] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _RowError(f"time {value!r} does not exist")
    return hour, minute, second


def _local(
    day: str, clock: str, slash: str, zone: tzinfo, days: dict[str, tuple[int, int, int]]
) -> datetime:
    """A local date and time (``fold`` 0); ``days`` remembers dates already read."""
    known = days.get(day)
    if known is None:
        known = days[day] = _date(day, slash)
    year, month, dom = known
    hour, minute, second = _time(clock)
    try:
        local = datetime(year, month, dom, hour, minute, second, tzinfo=zone)
    except ValueError:
        raise _RowError(f"date {day.strip()!r} does not exist") from None
    if not 1970 <= year <= 2999:
        raise _RowError(f"date {day.strip()!r} is out of range")
    return local


def _readings(local: datetime) -> list[datetime]:
    """The instants a local time can mean: two in the hour a DST change repeats."""
    first = local.astimezone(UTC)
    second = local.replace(fold=1).astimezone(UTC)
    return [first] if second == first else [first, second]


def _resolve(
    start: datetime, end: datetime, length: timedelta | None
) -> tuple[datetime, datetime] | None:
    """Start and end read so that the entry lasts ``length`` (else does not end before it
    starts), when a DST change makes a local time mean two instants; None: no reading fits."""
    for first in _readings(start):
        for last in _readings(end):
            if (last - first == length) if length is not None else last >= first:
                return first, last
    return None


def _duration(value: str) -> timedelta | None:
    value = value.strip()
    if not value:
        return None
    match = _DURATION.fullmatch(value)
    if not match or int(match.group(2)) > 59 or int(match.group(3)) > 59:
        raise _RowError(f"duration {value!r} is not like 1:30:00")
    return timedelta(
        hours=int(match.group(1)), minutes=int(match.group(2)), seconds=int(match.group(3))
    )


def _billable(value: str) -> bool:
    word = value.strip().lower()
    if word in _YES or not word:
        return True  # no Billable column or value (Toggl's free plan): like vadesk's timer
    if word in _NO:
        return False
    raise _RowError(f"Billable {value.strip()!r} is neither Yes nor No")


def parse_report(data: bytes, zone: tzinfo) -> TogglReport:
    """Read a detailed-report CSV; ``ImportFileError`` when the file is not one."""
    rows = list(_rows(_decode(data)))
    while rows and not any(cell.strip() for cell in rows[0][1]):
        rows.pop(0)
    if not rows:
        raise ImportFileError("The file is empty; export the detailed report from Toggl Track.")
    header = [_ALIASES.get(n, n) for n in (cell.strip().lower() for cell in rows[0][1])]
    columns = {name: index for index, name in reversed(list(enumerate(header)))}
    missing = [name for name in REQUIRED if name not in columns]
    if missing or ("end date" not in columns and "duration" not in columns):
        need = (missing[0] if missing else "end date").capitalize()
        raise ImportFileError(
            f"No {need!r} column: "
            "this is not Toggl Track's detailed report CSV (Reports → Detailed → Export → CSV)."
        )
    body = [(line, record) for line, record in rows[1:] if any(cell.strip() for cell in record)]
    date_columns = [columns[n] for n in ("start date", "end date") if n in columns]
    slash = _slash_order(body, date_columns)
    used_slash = any(
        "/" in record[c] for _, record in body for c in date_columns if c < len(record)
    )

    # Every record padded to one width; a missing column reads the empty cell at the end.
    width = len(header) + 1
    at = {name: columns.get(name, width - 1) for name in _COLUMNS}
    start_date, start_time, end_date, end_time = (
        at["start date"], at["start time"], at["end date"], at["end time"]
    )  # fmt: skip
    client, project, task, description, billable, duration, tags = (
        at[n] for n in ("client", "project", "task", "description", "billable", "duration", "tags")
    )
    days: dict[str, tuple[int, int, int]] = {}
    entries: list[TogglEntry] = []
    problems: list[Problem] = []
    for line, record in body:
        if len(record) < width:
            record = record + [""] * (width - len(record))
        try:
            local_start = _local(record[start_date], record[start_time], slash, zone, days)
            start = local_start.astimezone(UTC)
            if record[end_date].strip() or record[end_time].strip():
                local_end = _local(record[end_date], record[end_time], slash, zone, days)
                end = local_end.astimezone(UTC)
                try:
                    length = _duration(record[duration])
                except _RowError:
                    length = None  # the end is what counts; the duration only settles DST
                if end < start or (length is not None and end - start != length):
                    start, end = _resolve(local_start, local_end, length) or (start, end)
            elif (length := _duration(record[duration])) is not None:
                end = start + length
            else:
                raise _RowError("no end date and time, and no duration")
            if end < start:
                raise _RowError("it ends before it starts")
            if end - start > MAX_DURATION:
                raise _RowError("it lasts more than a week")
            text = record[description]
            entries.append(
                TogglEntry(
                    line=line,
                    client=_clean(record[client], 200),
                    project=_clean(record[project], 200),
                    task=_clean(record[task], 200),
                    description=text.strip() if text.isprintable() else clean_text(text),
                    billable=_billable(record[billable]),
                    start=start,
                    end=end,
                    tags=tuple(t for t in (_clean(x, 40) for x in record[tags].split(",")) if t),
                )
            )
        except _RowError as error:
            problems.append(Problem(f"line {line}", f"{error}; skipped"))
    notes: list[str] = []
    if used_slash:
        notes.append(f"Dates with slashes were read as {slash}.")
    return TogglReport(tuple(entries), tuple(problems), slash if used_slash else "", tuple(notes))
