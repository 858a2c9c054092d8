"""Writes the board showed but lost when the app ends right after the keys.

Starts the real `vadesk --db URL` in a pseudo-terminal, waits for the board, keys moves
(shift+right, each written as a "moved" activity) or timer starts (space, j, ...), and ends
the app with `q`, by closing the terminal (SIGHUP), SIGTERM or SIGKILL: either 5 ms after the
last key was sent (it may not be on screen yet), or the moment the screen shows the last
change. Keys come 30 ms apart (a fast hand), then all in one burst (key repeat, a paste).
Counts what the database holds against what was keyed.

    python benchmarks/durability.py [--runs 3] [--settle 1.5] [--db-url postgresql+psycopg://...]

--settle is the wait between the board going live (the timer pane read the store) and the
first key; 0: keys as soon as the first cards show, while the database is still being opened
behind the quick first frame. To measure another checkout, put its src/ first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from tests.helpers.terminal import SHIFT_LEFT, SHIFT_RIGHT, VADESK, TerminalApp

from vadesk.config import Settings
from vadesk.db.models import CardActivity, TimeEntry
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import lane_by_name
from vadesk.services.store import open_store

CARDS = 6


def fresh_database(folder: Path, pg_admin: str | None) -> str:
    if pg_admin is None:
        url = f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"
    else:
        name = f"vadesk_durability_{uuid.uuid4().hex[:8]}"
        engine = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        url = make_url(pg_admin).set(database=name).render_as_string(hide_password=False)
    store = open_store(Settings(user="bench"), url)
    with store.write() as s:
        client = add_client(s, "Acme Bakery")
        urgent = lane_by_name(s, "Urgent").id
        for i in range(1, CARDS + 1):
            create_card(s, f"durability card {i}", lane_id=urgent, client_id=client.id)
    store.close()
    return url


def saved(url: str, what: str) -> int:
    store = open_store(Settings(user="bench"), url)
    try:
        with store.read() as s:
            if what == "moves":
                stmt = select(func.count(CardActivity.id)).where(CardActivity.kind == "moved")
            else:
                stmt = select(func.count(func.distinct(TimeEntry.card_id)))
            return int(s.scalar(stmt) or 0)
    finally:
        store.close()


def keys_for(what: str, count: int) -> list[bytes]:
    if what == "moves":  # the same card lane by lane: Urgent -> High -> Normal -> Low -> Done
        return [SHIFT_RIGHT] * count
    keys = [b" "]
    for _ in range(count - 1):
        keys += [b"j", b" "]
    return keys


SHOWN = {"moves": "Done (1/1)", "timers": "Timer started: durability card 3"}
"""What the screen shows once it shows the last key's change."""

ENDINGS: dict[str, Callable[[TerminalApp], None]] = {
    "q": lambda app: app.send(b"q"),
    "SIGHUP (terminal closed)": lambda app: app.hang_up(),
    "SIGTERM": lambda app: app.kill(signal.SIGTERM),
    "SIGKILL": lambda app: app.kill(signal.SIGKILL),
}


def run_once(
    folder: Path, pg: str | None, what: str, ending: str, settle: float, gap: float, seen: bool
) -> tuple[int, int]:
    count = 4 if what == "moves" else 3
    url = fresh_database(folder, pg)
    env = {
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_STATE_HOME": str(folder / "state"),
        "XDG_CACHE_HOME": str(folder / "cache"),
    }
    app = TerminalApp([*VADESK, "--db", url], env)
    try:
        app.wait_for_text("durability card 1")
        if settle:  # the board is live (the pane read the store) before the first key
            app.wait_for_text("No timer running")
        time.sleep(settle)
        app.send(*keys_for(what, count), gap=gap)
        if seen:
            app.wait_for_text(SHOWN[what], timeout=30)
        else:
            time.sleep(0.005)
        ENDINGS[ending](app)
        app.wait(30)
    finally:
        app.close()
    return count, saved(url, what)


def key_to_commit(folder: Path, keys: int) -> list[float]:
    """Seconds from a move key written to the terminal to its row in the SQLite file."""
    url = fresh_database(folder, None)
    env = {"XDG_CONFIG_HOME": str(folder / "config"), "XDG_STATE_HOME": str(folder / "state")}
    app = TerminalApp([*VADESK, "--db", url], env)
    watcher = sqlite3.connect(url.removeprefix("sqlite:///"))
    moved = "SELECT COUNT(id) FROM card_activity WHERE kind = 'moved'"
    times = []
    try:
        app.wait_for_text("durability card 1")
        app.wait_for_text("No timer running")
        time.sleep(1.0)
        for i in range(keys):
            before = watcher.execute(moved).fetchone()[0]
            started = time.perf_counter()
            app.send(SHIFT_RIGHT if i % 2 == 0 else SHIFT_LEFT)
            while watcher.execute(moved).fetchone()[0] == before:
                if time.perf_counter() - started > 10:
                    raise TimeoutError("a move never reached the database")
                time.sleep(0.0005)
            times.append(time.perf_counter() - started)
            time.sleep(0.2)
        app.send(b"q")
        app.wait(30)
    finally:
        watcher.close()
        app.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=1.5)
    parser.add_argument(
        "--db-url", default=None, help="PostgreSQL server URL to create databases on"
    )
    args = parser.parse_args()
    backend = "PostgreSQL" if args.db_url else "SQLite"
    when = f"{args.settle} s after the board is live" if args.settle else "at the first frame"
    with tempfile.TemporaryDirectory() as tmp:
        if not args.db_url:
            (Path(tmp) / "latency").mkdir()
            times = key_to_commit(Path(tmp) / "latency", 20)
            print(
                f"SQLite, key to commit of a move (20 keys, 0.2 s apart): median "
                f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
            )
        print(f"{backend}, {args.runs} runs each, first key {when}")
        for seen in (False, True):
            print(
                "ended once the screen shows the last change"
                if seen
                else "ended 5 ms after the last key"
            )
            for gap in (0.03, 0.0):
                print(f"  keys {gap * 1000:.0f} ms apart" if gap else "  keys in one burst")
                for what in ("moves", "timers"):
                    for ending in ENDINGS:
                        keyed = kept = 0
                        for run in range(args.runs):
                            folder = Path(tmp) / f"{seen}-{gap}-{what}-{ending[:6]}-{run}"
                            folder.mkdir()
                            k, s = run_once(
                                folder, args.db_url, what, ending, args.settle, gap, seen
                            )
                            keyed, kept = keyed + k, kept + s
                        noun = "moves" if what == "moves" else "timer starts"
                        print(f"    {ending:<26} {keyed - kept:>2} of {keyed:>2} {noun} lost")


if __name__ == "__main__":
    main()
