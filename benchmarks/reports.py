"""Report speed over a database of 100,000 time entries.

Seeds 12 clients, 2,000 cards and 100,000 entries (services.seed), gives the busiest client
an hour package bought a year ago (so the report draws it down over a year of history) and
``--busy`` extra entries in the measured month, then prints:
- one client's month: query and aggregation (services.reports.client_report), median and
  worst of ``--runs`` (target < 200 ms);
- the time sheet's week: its entries and their amounts (services.reports.entry_amounts, each
  client's report over the week's days, packages drawn over their whole history);
- the whole `vadesk report --client NAME --month M --format csv` command, as a process
  (target < 1 s), and `--all --format csv --out DIR`;
- the PDF: `vadesk report --client NAME --month M --format pdf --out FILE` (target < 2 s).

    python benchmarks/reports.py [--entries 100000] [--busy 600] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from vadesk.config import Settings
from vadesk.db.models import Card, Client, TimeEntry
from vadesk.services import reports, timer
from vadesk.services.seed import seed
from vadesk.services.store import Store, open_store


def build(path: Path, entries: int, busy: int, now: datetime) -> tuple[Store, str, str]:
    store = open_store(Settings(user="bench", timezone="Europe/Berlin"), f"sqlite:///{path}")
    with store.write() as s:
        seed(s, clients=12, cards=2000, entries=entries, user_id=store.user_id, now=now)
    month_start = (now.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month
    month = f"{month_start:%Y-%m}"
    with store.write() as s:
        client_id, name = s.execute(
            select(Client.id, Client.name)
            .join(Card, Card.client_id == Client.id)
            .join(TimeEntry, TimeEntry.card_id == Card.id)
            .group_by(Client.id, Client.name)
            .order_by(func.count(TimeEntry.id).desc())
            .limit(1)
        ).one()
        cards = list(s.scalars(select(Card.id).where(Card.client_id == client_id).limit(20)))
        timer.add_package(s, client_id, 400, 1_000_000, purchased_at=now - timedelta(days=365))
        rows = []
        cursor = month_start.replace(hour=6, tzinfo=UTC)
        for i in range(busy):
            rows.append(
                {
                    "user_id": store.user_id,
                    "card_id": cards[i % len(cards)],
                    "started_at": cursor,
                    "ended_at": cursor + timedelta(minutes=17 + i % 40),
                    "note": f"busy {i}",
                    "idle": False,
                }
            )
            cursor += timedelta(minutes=70)
        if rows:
            s.execute(insert(TimeEntry), rows)
    store.db.checkpoint()
    return store, name, month


def run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--busy", type=int, default=600, help="extra entries in the month")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        t0 = time.perf_counter()
        store, name, month = build(db, options.entries, options.busy, now)
        print(
            f"seeded {options.entries:,} entries (+{options.busy} in {month}) in "
            f"{time.perf_counter() - t0:.1f} s; busiest client: {name}"
        )
        tz, zone = reports.report_zone(store.settings)
        period = reports.month_period(month)
        timings = []
        rows = 0
        for _ in range(options.runs):
            start = time.perf_counter()
            with store.read() as s:
                client = reports.client_by_name(s, name)
                report = reports.client_report(
                    s, client.id, period, tz, timezone_name=zone, now=now
                )
            timings.append(time.perf_counter() - start)
            rows = len(report.rows)
        # The time sheet's amounts: a week of entries, each priced by its client's report.
        sheet_times = []
        shown = 0
        for _ in range(options.runs):
            start = time.perf_counter()
            with store.read() as s:
                week = timer.entries_between(s, store.user_id, now - timedelta(days=7), now)
                amounts = reports.entry_amounts(
                    s,
                    [(e.id, e.client_id, e.started_at, e.ended_at) for e in week if e.ended_at],
                    tz,
                    now=now,
                )
            sheet_times.append(time.perf_counter() - start)
            shown = len(week)
        store.close()
        print(
            f"one client's month ({rows} rows, package over a year of history): query + "
            f"aggregation median {statistics.median(timings) * 1000:.0f} ms, worst "
            f"{max(timings) * 1000:.0f} ms (target < 200 ms)"
        )
        print(
            f"time sheet week ({shown} entries, {len(amounts)} priced): entries + amounts median "
            f"{statistics.median(sheet_times) * 1000:.0f} ms, worst "
            f"{max(sheet_times) * 1000:.0f} ms"
        )
        config = Path(folder) / "config.toml"
        config.write_text('timezone = "Europe/Berlin"\n')
        env = {**os.environ, "VADESK_CONFIG": str(config)}
        base = ["vadesk", "--db", f"sqlite:///{db}", "report", "--month", month]
        csv_times = [run([*base, "--client", name, "--format", "csv"], env) for _ in range(3)]
        print(
            f"vadesk report --client --format csv: median {statistics.median(csv_times):.2f} s "
            "(target < 1 s)"
        )
        out = Path(folder) / "all"
        all_times = [
            run([*base, "--all", "--format", "csv", "--out", str(out)], env) for _ in range(3)
        ]
        print(
            f"vadesk report --all --format csv --out DIR (12 clients): median "
            f"{statistics.median(all_times):.2f} s"
        )
        pdf = Path(folder) / "r.pdf"
        pdf_times = [
            run([*base, "--client", name, "--format", "pdf", "--out", str(pdf)], env)
            for _ in range(3)
        ]
        print(
            f"vadesk report --format pdf ({rows} rows, {pdf.stat().st_size // 1024} KiB): "
            f"median {statistics.median(pdf_times):.2f} s (target < 2 s)"
        )


if __name__ == "__main__":
    main()
