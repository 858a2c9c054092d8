"""Board operation speed at 1,000 / 10,000 / 50,000 cards (issue: foundation).

Prints, per board size: the time to load the first screen of every lane (the query the board
runs), one card move (median and p95 over many moves, each its own transaction), and the
`vadesk card list --json` wall time in a subprocess (whole board, and a page of 100 from the
middle; `lane list` shows what a start-up through SQLAlchemy costs). Targets: move < 5 ms, a
lane's first screen < 20 ms and `card list --json` < 1 s at 50,000 cards.

    python benchmarks/board_ops.py [--sizes 1000,10000,50000] [--db-dir DIR] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vadesk.config import Settings
from vadesk.services.board_read import lane_counts, lane_window, list_cards
from vadesk.services.lanes import list_lanes
from vadesk.services.ordering import move_card, move_step
from vadesk.services.seed import seed
from vadesk.services.store import Store, open_store

SCREEN = 30  # cards a lane shows on a tall terminal


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def measure(store: Store, url: str, size: int) -> None:
    with store.read() as s:
        lanes = list_lanes(s)
    first_screens = []
    for _ in range(20):
        start = time.perf_counter()
        with store.read() as s:
            counts = lane_counts(s)
            for lane in lanes:
                lane_window(s, lane.id, 0, SCREEN)
        first_screens.append(time.perf_counter() - start)
    per_lane = [t / len(lanes) for t in first_screens]

    rng = random.Random(1)
    with store.read() as s:
        ids = [r.id for r in list_cards(s)]
    moves = []
    for _ in range(200):
        card_id = rng.choice(ids)
        target = rng.choice(lanes).id
        start = time.perf_counter()
        with store.write() as s:
            if rng.random() < 0.5:
                move_card(s, card_id, lane_id=target, position="top")
            else:
                move_step(s, card_id, rng.choice((-1, 1)))
        moves.append(time.perf_counter() - start)

    env = dict(os.environ, VADESK_DATABASE_URL=url)
    full, out = cli_runs(["card", "list", "--json"], env)
    page, _ = cli_runs(
        ["card", "list", "--json", "--offset", str(size // 2), "--limit", "100"], env
    )
    start_up, _ = cli_runs(["lane", "list"], env)
    listed = len(json.loads(out))
    screen, lane_screen = statistics.median(first_screens), statistics.median(per_lane)
    print(
        f"{size:>7} cards | all {len(lanes)} lanes' first screen: median {ms(screen)}"
        f" (per lane {ms(lane_screen)}) | move: median {ms(statistics.median(moves))},"
        f" p95 {ms(pct(moves, 0.95))}"
    )
    print(
        f"{'':>7}       | card list --json (subprocess, median of {RUNS}): {ms(full)}"
        f" ({len(out) // 1024} KiB, {listed} of {sum(counts.values())} cards)"
        f" | --offset {size // 2} --limit 100: {ms(page)} | `lane list` (start-up with SQLAlchemy):"
        f" {ms(start_up)} | target: card list --json < 1 s"
    )


RUNS = 5


def cli_runs(args: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    """Median wall time of ``vadesk ARGS`` in a fresh process, and its output."""
    times, out = [], b""
    for _ in range(RUNS):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "vadesk", *args], env=env, capture_output=True, check=True
        ).stdout
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--db-dir", default=None)
    parser.add_argument("--postgres", default=None, help="Also run on this (scratch!) database.")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(dir=args.db_dir) as tmp:
        print(f"SQLite (WAL, synchronous=FULL) in {tmp}")
        for size in sizes:
            url = f"sqlite:///{Path(tmp) / f'bench{size}.db'}"
            store = open_store(Settings(user="bench"), url)
            with store.write() as s:
                seed(s, clients=12, cards=size, user_id=store.user_id)
            measure(store, url, size)
            store.close()
    if args.postgres:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        print(f"PostgreSQL at {make_url(args.postgres).render_as_string(hide_password=True)}")
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        for size in sizes:
            name = f"vadesk_bench_{size}"
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                conn.execute(text(f"CREATE DATABASE {name}"))
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            store = open_store(Settings(user="bench"), url)
            with store.write() as s:
                seed(s, clients=12, cards=size, user_id=store.user_id)
            measure(store, url, size)
            store.close()
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
