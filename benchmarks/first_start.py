"""Several processes starting at once on a new database: how many succeed (issue 12).

Starts N processes that each open the same fresh database at the same instant (they import
first, then wait for a common start time), as when a VA opens several terminals or a cron job
fires while the board starts. Each process opens the store, which creates and migrates the
database if it is new, records its user and reads the lanes. Prints, per round, how many
exited 0, how many printed a one-line error and how many a traceback. Target: all of them.

    python benchmarks/first_start.py [--processes 8] [--rounds 3] [--postgres ADMIN_URL] [--json]

With --postgres (a URL of a server where the user may CREATE DATABASE), each round runs on a
new empty PostgreSQL database; otherwise on a new SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

CHILD = """
import sys, time
url, start_at = sys.argv[1], float(sys.argv[2])
from vadesk.config import Settings
from vadesk.errors import VadeskError
from vadesk.services.lanes import list_lanes
from vadesk.services.store import open_store
time.sleep(max(0.0, start_at - time.time()))
try:
    store = open_store(Settings(user="va"), url)
except VadeskError as error:
    print(error, file=sys.stderr)
    sys.exit(1)
try:
    with store.read() as s:
        lanes = list_lanes(s)
finally:
    store.close()
print(len(lanes))
"""

EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Violation|Timeout)\b")


@dataclass
class Round:
    backend: str
    processes: int
    succeeded: int
    one_line_errors: int
    tracebacks: int
    seconds: float
    errors: list[str]


def race(url: str, processes: int, lead: float = 2.0) -> tuple[int, int, int, list[str], float]:
    """Start ``processes`` openers of ``url`` together; (ok, one-liners, tracebacks, lines, s)."""
    start_at = time.time() + lead
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, repr(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    ok = one_line = tracebacks = 0
    lines: list[str] = []
    for child in children:
        out, err = child.communicate(timeout=120)
        if child.returncode == 0 and not err.strip() and out.strip().isdigit():
            ok += 1
        elif "Traceback" in err:
            tracebacks += 1
            raised = [line for line in err.splitlines() if EXCEPTION_LINE.match(line)]
            lines.append((raised or err.strip().splitlines())[-1][:160])
        else:
            one_line += 1
            lines.append(err.strip() or out.strip())
    return ok, one_line, tracebacks, lines, time.time() - start_at


def fresh_postgres(admin_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"vadesk_first_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def one_round(processes: int, postgres: str | None) -> Round:
    if postgres:
        name, url = fresh_postgres(postgres)
        try:
            result = race(url, processes)
        finally:
            drop_postgres(postgres, name)
        backend = "postgresql"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = race(f"sqlite:///{Path(tmp) / 'vadesk.db'}", processes)
        backend = "sqlite"
    ok, one_line, tracebacks, lines, seconds = result
    return Round(backend, processes, ok, one_line, tracebacks, round(seconds, 2), lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="run on PostgreSQL")
    parser.add_argument("--json", action="store_true", help="print the rounds as JSON")
    args = parser.parse_args()
    rounds = [one_round(args.processes, args.postgres) for _ in range(args.rounds)]
    if args.json:
        print(json.dumps([asdict(r) for r in rounds]))
        return
    for r in rounds:
        print(
            f"{r.backend}: {r.succeeded}/{r.processes} succeeded, {r.one_line_errors} one-line "
            f"errors, {r.tracebacks} tracebacks ({r.seconds:.1f} s after the common start)"
        )
        for line in sorted(set(r.errors)):
            print(f"    {line}")
    total = sum(r.succeeded for r in rounds)
    print(f"total: {total}/{args.processes * args.rounds} processes succeeded")


if __name__ == "__main__":
    main()
