"""Turnaround speed on a big board: what the board reads for due counts, `o`, `w`, and the
month figures for reports.

Seeds ``--clients`` clients and ``--cards`` cards (services.seed; most done this month), puts
half the clients on working hours with German holidays, then prints the median and worst of
``--runs``:
- ``due_soon_count`` (read with every board snapshot; target < 20 ms);
- ``next_overdue`` from the top of the board (the `o` key; target < 100 ms);
- ``set_waiting`` toggling one card, each its own write transaction (target < 20 ms);
- ``month_figures`` for this month (reports; target < 500 ms);
- ``due_after`` in working hours for a 48 h promise over a holiday week (pure; per call).

    python benchmarks/turnaround.py [--cards 10000] [--clients 15] [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from timeit import default_timer

from sqlalchemy import select, update

from vadesk.config import Settings
from vadesk.db.models import Card, Client
from vadesk.domain.turnaround import due_after
from vadesk.services.seed import seed
from vadesk.services.store import open_store
from vadesk.services.turnaround import (
    due_soon_count,
    month_figures,
    next_overdue,
    set_waiting,
    working_time,
)


def timed(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = default_timer()
        action()
        times.append((default_timer() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=15)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    settings = Settings(user="bench", timezone="Europe/Berlin", holidays_country="DE")
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(settings, f"sqlite:///{Path(folder) / 'bench.db'}")
        now = datetime.now(UTC)
        with store.write() as s:
            seed(s, clients=args.clients, cards=args.cards, user_id=store.user_id, now=now)
            ids = list(s.scalars(select(Client.id).order_by(Client.id)))
            half = ids[: len(ids) // 2]
            s.execute(update(Client).where(Client.id.in_(half)).values(turnaround_mode="working"))
        with store.read() as s:
            card = s.scalar(select(Card.id).where(Card.completed_at.is_(None)).limit(1))
        assert card is not None

        def read(action: Callable[..., object]) -> Callable[[], object]:
            def run() -> object:
                with store.read() as s:
                    return action(s)

            return run

        def toggle() -> None:
            with store.write() as s:
                set_waiting(s, card)

        rows = [
            ("due_soon_count", read(lambda s: due_soon_count(s, now, 4)), 20),
            ("next_overdue", read(lambda s: next_overdue(s, None, now)), 100),
            ("set_waiting", toggle, 20),
            ("month_figures", read(lambda s: month_figures(s, now.year, now.month)), 500),
        ]
        print(f"{args.cards} cards, {args.clients} clients, {args.runs} runs (median / worst)")
        for name, action, target in rows:
            median, worst = timed(args.runs, action)
            print(f"{name:<16} {median:8.1f} ms {worst:8.1f} ms   target < {target} ms")
        office = working_time(settings)
        christmas = datetime(2026, 12, 23, 15, tzinfo=UTC)
        median, worst = timed(args.runs, lambda: due_after(christmas, 48, office))
        print(f"{'due_after':<16} {median:8.3f} ms {worst:8.3f} ms   (48 working hours)")
        store.close()


if __name__ == "__main__":
    main()
