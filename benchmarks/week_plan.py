"""Week plan speed on a big board: reading the plan, and moving a card between weeks.

Seeds 15 clients, ``--cards`` cards and ``--entries`` time entries (services.seed), plans
``--planned`` cards for this week with estimates, gives three clients agreed hours and one a
package, then prints the median and worst of ``--runs``:
- ``week_plan`` (everything the W screen and `vadesk plan` read; target < 200 ms);
- ``unplanned_cards`` for one client (what ``a`` offers; target < 50 ms);
- ``plan_card`` moving one card to next week and back, each its own write transaction
  (target < 20 ms);
- the whole ``vadesk plan --json`` command as a process.

    python benchmarks/week_plan.py [--cards 10000] [--entries 50000] [--planned 300] [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from vadesk.config import Settings
from vadesk.db.models import Card, Client
from vadesk.domain.planning import current_week
from vadesk.services import planning, timer
from vadesk.services.seed import seed
from vadesk.services.store import open_store

ZONE = "Europe/Berlin"


def timed(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--planned", type=int, default=300)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    now = datetime.now(UTC)
    tz = ZoneInfo(ZONE)
    week = current_week(now, tz)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        settings = Settings(user="bench", timezone=ZONE)
        store = open_store(settings, f"sqlite:///{path}")
        with store.write() as s:
            seed(
                s,
                clients=15,
                cards=args.cards,
                entries=args.entries,
                user_id=store.user_id,
                now=now,
            )
            clients = list(s.scalars(select(Client.id).order_by(Client.id)))
            for client_id, minutes, period in zip(
                clients[:3], (600, 2400, 1200), ("week", "month", "month"), strict=True
            ):
                s.execute(
                    update(Client)
                    .where(Client.id == client_id)
                    .values(agreed_minutes=minutes, agreed_period=period)
                )
            timer.add_package(s, clients[3], 40, 100_000, purchased_at=now - timedelta(days=60))
            ids = list(s.scalars(select(Card.id).order_by(Card.id).limit(args.planned)))
            s.execute(
                update(Card)
                .where(Card.id.in_(ids))
                .values(planned_week=week.monday, estimate_minutes=45)
            )
        print(
            f"{args.cards} cards, {args.entries} entries, {args.planned} planned this week, "
            "15 clients (SQLite)"
        )

        def read_plan() -> object:
            with store.read() as s:
                return planning.settings_plan(s, settings, week, now=now)

        plan = read_plan()
        assert isinstance(plan, planning.WeekPlan)
        print(f"  plan has {sum(len(c.cards) for c in plan.clients)} cards")
        median, worst = timed(args.runs, read_plan)
        print(f"week_plan:        median {median:6.1f} ms, worst {worst:6.1f} ms (target < 200)")

        def offer() -> object:
            with store.read() as s:
                return planning.unplanned_cards(s, clients[0], week)

        median, worst = timed(args.runs, offer)
        print(f"unplanned_cards:  median {median:6.1f} ms, worst {worst:6.1f} ms (target < 50)")
        card = ids[0]
        flip = [week.shifted(1), week]

        def move() -> object:
            target = flip[0]
            flip.reverse()
            with store.write() as s:
                return planning.plan_card(s, card, target, user_id=store.user_id)

        median, worst = timed(args.runs * 2, move)
        print(f"plan_card (move): median {median:6.1f} ms, worst {worst:6.1f} ms (target < 20)")
        store.close()
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "vadesk", "--db", f"sqlite:///{path}", "plan", "--json"],
            capture_output=True,
            check=False,
        )
        took = (time.perf_counter() - start) * 1000
        assert done.returncode == 0, done.stderr.decode()
        print(f"vadesk plan --json: {took:6.0f} ms as a whole command")


if __name__ == "__main__":
    main()
