"""Clients on a big board: what archiving costs the board's read, and moving clients.

Seeds ``--clients`` clients and ``--cards`` cards (services.seed) in a temporary SQLite file
(or ``--db URL``), then prints the median and worst of ``--runs``:
- ``read_snapshot`` (what the board reads on start and after every change) with no client
  archived, then with one archived (its cards left out: the join on clients it costs);
- ``move_client`` to the top and ``move_client_step`` one place, each its own write
  transaction (one row written);
- ``save_client`` of a whole profile (every field checked, contacts and addresses replaced);
- ``list_profiles`` (the clients screen and `client list --json`).

    python benchmarks/clients.py [--clients 15] [--cards 10000] [--runs 15] [--db URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from vadesk.config import Settings
from vadesk.services import clients
from vadesk.services.board_view import read_snapshot
from vadesk.services.clients import ClientInput, Contact
from vadesk.services.seed import seed
from vadesk.services.store import Store, open_store

PROFILE = ClientInput(
    company="Acme Bakery Ltd",
    emails=("orders@bench.example", "bench@in.example.com"),
    contacts=(
        Contact("Maria Rossi", "maria@bench.example", "+44 20 7946 0321", "owner"),
        Contact("Tom Baker", "tom@bench.example", "+1 617 555 0142", "orders"),
    ),
    timezone="Europe/London",
    working_hours={"days": "mon-sat", "hours": "06:00-14:00"},
    onboarding={"Preferred communication": "Email first"},
    nda_signed_on="2026-03-02",
    turnaround={"admin": 24, "creative": 48, "call": None},
)


def timed(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def report(label: str, figures: tuple[float, float]) -> None:
    median, worst = figures
    print(f"{label:<48} median {median:7.1f} ms   worst {worst:7.1f} ms")


def run(store: Store, runs: int) -> None:
    now = datetime.now(UTC)
    with store.read() as s:
        ids = [p.id for p in clients.list_profiles(s)]

    def board() -> object:
        return read_snapshot(store, {}, None, "", None, now)

    report("read_snapshot, no client archived", timed(runs, board))
    with store.write() as s:
        clients.set_archived(s, ids[0], True)
    shown = sum(w.count for w in board().windows.values())  # type: ignore[attr-defined]
    report(f"read_snapshot, one archived ({shown} cards shown)", timed(runs, board))
    with store.write() as s:
        clients.set_archived(s, ids[0], False)

    turn = iter(range(10**9))

    def to_top() -> None:
        with store.write() as s:
            clients.move_client(s, ids[next(turn) % len(ids)], to="top")

    def one_down() -> None:
        with store.write() as s:
            clients.move_client_step(s, ids[next(turn) % len(ids)], 1)

    report(f"move_client to the top ({len(ids)} clients)", timed(runs, to_top))
    report("move_client_step one place down", timed(runs, one_down))

    def save() -> None:
        with store.write() as s:
            clients.save_client(s, PROFILE, ids[1])

    report("save_client, whole profile", timed(runs, save))

    def profiles() -> None:
        with store.read() as s:
            clients.list_profiles(s, include_archived=True)

    report("list_profiles", timed(runs, profiles))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=15)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", help="Database URL (default: a temporary SQLite file).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        store = open_store(Settings(user="bench"), url)
        try:
            with store.write() as s:
                seed(s, clients=args.clients, cards=args.cards, user_id=store.user_id)
            print(f"{args.clients} clients, {args.cards} cards ({url.split(':')[0]})")
            run(store, args.runs)
        finally:
            store.close()


if __name__ == "__main__":
    main()
