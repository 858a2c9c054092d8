"""Start-up, key latency and memory of the board, measured from outside through tmux.

A person sees the screen, so this script does too: it starts each program in a tmux pane and
polls `tmux capture-pane` until the expected text (or colours) appear.

Prints: process start to first frame showing the top cards (empty board, 10,000 cards, and a
minimal Textual app for reference); keystroke-to-screen latency of cursor moves and lane moves
at 10,000 cards (and of a key in the minimal app); resident memory at 10,000 cards; then the
same board grouped by client (`g`): lane moves and the first frame.

    python benchmarks/tui.py [--cards 10000] [--runs 5] [--keys 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from percentile import p95

HERE = Path(__file__).resolve().parent
SESSION = "vadesk-bench"
WIDTH, HEIGHT = 120, 36


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def screen(colours: bool = False) -> str:
    return tmux("capture-pane", "-p", *(["-e"] if colours else []), "-t", SESSION)


def start(command: list[str], env: dict[str, str]) -> float:
    tmux("kill-session", "-t", SESSION)
    exports = " ".join(f"{k}={v!r}" for k, v in env.items())
    started = time.perf_counter()
    tmux(
        "new-session",
        "-d",
        "-x",
        str(WIDTH),
        "-y",
        str(HEIGHT),
        "-s",
        SESSION,
        f"env {exports} {' '.join(command)}",
    )
    return started


def wait_for(predicate, timeout: float = 30.0, colours: bool = False) -> float:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate(screen(colours)):
            return time.perf_counter()
        time.sleep(0.002)
    raise TimeoutError("screen never showed what was expected:\n" + screen())


def stop() -> None:
    tmux("send-keys", "-t", SESSION, "q")
    time.sleep(0.3)
    tmux("kill-session", "-t", SESSION)


def pane_rss_mb() -> float:
    pid = tmux("list-panes", "-t", SESSION, "-F", "#{pane_pid}").strip().splitlines()[0]
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def startup(  # type: ignore[no-untyped-def]
    command: list[str], env: dict[str, str], expect: str, runs: int, shown=None
) -> list[float]:
    """Start to the first frame showing ``expect`` (or passing ``shown``), ``runs`` times."""
    times = []
    for _ in range(runs):
        t0 = start(command, env)
        times.append(wait_for(shown or (lambda s: expect in s)) - t0)
        stop()
    return times


def key_latency(key: str, changed, count: int, colours: bool = False) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(count):
        before = screen(colours)
        t0 = time.perf_counter()
        tmux("send-keys", "-t", SESSION, key)
        times.append(wait_for(lambda s, b=before: changed(b, s), colours=colours) - t0)
        time.sleep(0.05)
    return times


def fmt(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms  p95 {p95(values) * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vadesk-tui-bench-"))
    env = {
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_STATE_HOME": str(tmp / "state"),
        "TERM": "xterm-256color",
    }
    vadesk = [sys.executable, "-m", "vadesk"]
    empty_db = f"sqlite:///{tmp / 'empty.db'}"
    big_db = f"sqlite:///{tmp / 'big.db'}"
    run_env = dict(os.environ, **env)
    subprocess.run(
        [*vadesk, "--db", empty_db, "seed", "--clients", "0", "--cards", "0"],
        env=run_env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*vadesk, "--db", big_db, "seed", "--clients", "12", "--cards", str(args.cards)],
        env=run_env,
        check=True,
        capture_output=True,
    )
    top = json.loads(
        subprocess.run(
            [*vadesk, "--db", big_db, "card", "list", "--lane", "Urgent", "--json"],
            env=run_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    top_title = top[0]["title"][:15]  # what a lane of 6 in 120 columns shows whole
    urgent_count = len(top)

    minimal = startup(
        [sys.executable, str(HERE / "minimal_app.py")], env, "minimal ready", args.runs
    )
    empty = startup([*vadesk, "--db", empty_db], env, "Urgent (0)", args.runs)
    big = startup([*vadesk, "--db", big_db], env, top_title, args.runs)
    print(f"first frame, minimal Textual app:   {fmt(minimal)}")
    print(f"first frame, vadesk empty board:    {fmt(empty)}")
    print(f"first frame, vadesk {args.cards:,} cards:  {fmt(big)}")
    m_min, m_empty, m_big = (statistics.median(x) for x in (minimal, empty, big))
    print(f"  ratio {args.cards:,} cards / minimal app: {m_big / m_min:.2f}x (target <= 2.5x)")
    print(f"  ratio {args.cards:,} cards / empty board: {m_big / m_empty:.2f}x (target <= 1.15x)")

    start([sys.executable, str(HERE / "minimal_app.py")], env)
    wait_for(lambda s: "minimal ready" in s)
    minimal_keys = key_latency("j", lambda b, s: b != s, args.keys)
    stop()
    print(f"key latency, minimal app:           {fmt(minimal_keys)}")

    start([*vadesk, "--db", big_db], env)
    wait_for(lambda s: top_title in s)
    time.sleep(3.0)  # the store opens after the first frame; measure keys once it is ready
    cursor = key_latency("j", lambda b, s: b != s, args.keys, colours=True)
    cursor += key_latency("k", lambda b, s: b != s, args.keys, colours=True)
    print(
        f"cursor move, {args.cards:,} cards:        {fmt(cursor)}"
        f"  ({p95(cursor) / p95(minimal_keys):.2f}x minimal p95, target <= 2x)"
    )

    moves = lane_moves(urgent_count, args.keys)
    print(f"lane move, {args.cards:,} cards:          {fmt(moves)}  (target p95 < 50 ms)")
    print(f"resident memory, {args.cards:,} cards:    {pane_rss_mb():.0f} MB (target < 150 MB)")

    # Grouped by client (g, remembered in the state folder): the same moves, then starts.
    clients = json.loads(
        subprocess.run(
            [*vadesk, "--db", big_db, "client", "list", "--json"],
            env=run_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    first_client = clients[0]["name"]
    header = f"── {first_client}"[:16]
    grouped_top = next(c["title"] for c in top if c["client"] == first_client)[:15]
    tmux("send-keys", "-t", SESSION, "g")
    wait_for(lambda s: header in s)
    time.sleep(1.0)
    # The cursor followed its card into its group; back to the top, where the header has room.
    tmux("send-keys", "-t", SESSION, "Home")
    wait_for(lambda s: f"Urgent (1/{urgent_count})" in s)
    time.sleep(0.5)
    grouped_moves = lane_moves(urgent_count, args.keys)
    print(f"lane move, grouped, {args.cards:,} cards: {fmt(grouped_moves)}  (target p95 < 50 ms)")
    stop()
    grouped = startup(
        [*vadesk, "--db", big_db], env, "", args.runs, lambda s: header in s and grouped_top in s
    )
    print(f"first frame, grouped, {args.cards:,} cards: {fmt(grouped)}")
    m_grouped = statistics.median(grouped)
    print(f"  ratio grouped / ungrouped first frame: {m_grouped / m_big:.2f}x (target <= 1.15x)")


def lane_moves(urgent_count: int, count: int) -> list[float]:
    """The top card goes right, then comes back; wait for the Urgent count to change."""
    moves = []
    count += count % 2  # an even number: the card ends where it began (the grouped part needs it)
    for i in range(count):
        key = "L" if i % 2 == 0 else "H"
        # Moved out, Urgent shows its count; back in, the cursor's position there ("3/1250").
        expect = (
            re.escape(f"Urgent ({urgent_count - 1})")
            if key == "L"
            else rf"Urgent \(\d+/{urgent_count}\)"
        )
        t0 = time.perf_counter()
        tmux("send-keys", "-t", SESSION, key)
        moves.append(wait_for(lambda s, e=expect: re.search(e, s) is not None) - t0)
        time.sleep(0.1)
    return moves


if __name__ == "__main__":
    main()
