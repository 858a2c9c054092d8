"""Timer pane figures over a long history: today's, week's and month's totals and packages.

Target: under 50 ms for the pane's figures with 100,000 entries in the database. The pane
computes them once per change and extrapolates the running entry every second.

    python benchmarks/time.py [--entries 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from vadesk.config import Settings
from vadesk.db.models import Card, Client, TimeEntry
from vadesk.services import timer
from vadesk.services.seed import seed
from vadesk.services.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(user="bench"), f"sqlite:///{Path(tmp) / 't.db'}")
        with store.write() as s:
            seed(s, clients=12, cards=2000, user_id=store.user_id)
            cards = list(s.scalars(select(Card.id)))
            client = s.scalar(select(Client.id))
            timer.add_package(s, client, 40, 100000, purchased_at=now - timedelta(days=120))
            rng, cursor, rows = random.Random(1), now - timedelta(minutes=5), []
            for _ in range(args.entries):
                minutes = rng.randint(5, 60)
                start = cursor - timedelta(minutes=minutes + rng.randint(0, 30))
                rows.append(
                    {
                        "user_id": store.user_id,
                        "card_id": rng.choice(cards),
                        "started_at": start,
                        "ended_at": start + timedelta(minutes=minutes),
                        "note": "",
                        "idle": False,
                    }
                )
                cursor = start
            s.execute(insert(TimeEntry), rows)
            timer.start(s, store.user_id, cards[0], now=now - timedelta(minutes=3))
        span = (now - cursor).days
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            with store.read() as s:
                figures = timer.figures(s, store.user_id, now=now, client_id=client)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for second in range(1000):
            figures.at(now + timedelta(seconds=second))
        tick = (time.perf_counter() - t0) / 1000
        print(f"{args.entries:,} entries over {span} days")
        print(
            f"pane figures (today, week, client, package): median "
            f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
            "(target < 50 ms)"
        )
        print(f"per-second tick (extrapolate running entry): {tick * 1e6:.1f} µs")
        print(
            f"  today {figures.today // 60} min, week {figures.week // 60} min, "
            f"package left {figures.package_left // 3600} h"
        )
        store.close()


if __name__ == "__main__":
    main()
