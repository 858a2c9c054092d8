"""Email intake speed (issue #15): 10,000 messages from one mbox into cards, then the same
mbox again (every message a duplicate, nothing created).

Targets: the first run under 20 s, the re-run under 3 s. The mbox mixes what a VA receives:
plain mail to a client's address, HTML-only mail, replies (which become comments), mail for
nobody (the Inbox lane) and a small attachment now and then. It runs `vadesk intake` in a
subprocess, as cron would, so start-up counts too.

    python benchmarks/intake.py [--messages 10000] [--db-dir DIR] [--postgres URL]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vadesk.config import Settings
from vadesk.services.clients import add_client
from vadesk.services.store import open_store

CLIENTS = 8
VADESK = shutil.which("vadesk") or "vadesk"
COUNTS = ("cards", "comments", "duplicates", "skipped")


def message(i: int) -> bytes:
    client = i % CLIENTS
    to = f"client{client}@in.example.com" if i % 10 else "va@in.example.com"
    head = (
        f"From: Contact {client} <boss{client}@client{client}.example>\n"
        f"To: {to}\nSubject: Task {i}: please handle the invoice run\n"
        f"Date: Tue, 24 Nov 2026 09:00:00 +0000\n"
        f"Message-ID: <bench-{i}@client{client}.example>\nMIME-Version: 1.0\n"
    )
    if i % 7 == 3 and i > 7:
        head += f"In-Reply-To: <bench-{i - 7}@client{(i - 7) % CLIENTS}.example>\n"
    if i % 5 == 4:
        body = f"<p>Hi,</p><p>please take care of <b>item {i}</b>.</p>"
        part = f"Content-Type: text/html; charset=utf-8\n\n{body}\n"
    else:
        body = f"Hi,\n\nplease take care of item {i}.\n\n>From the office\n-- \nContact {client}"
        part = f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    if i % 50 == 0:
        pdf = base64.encodebytes(b"%PDF-1.4 " + bytes(2000)).decode()
        part = (
            'Content-Type: multipart/mixed; boundary="XX"\n\n--XX\n'
            f"{part}--XX\nContent-Type: application/pdf\n"
            f'Content-Disposition: attachment; filename="brief-{i}.pdf"\n'
            f"Content-Transfer-Encoding: base64\n\n{pdf}--XX--\n"
        )
    return (head + part).encode()


def build_mbox(path: Path, count: int) -> None:
    """An mbox as mail tools write it (From_ lines, '>From' quoting in bodies)."""
    with path.open("wb") as out:
        for i in range(count):
            out.write(b"From boss@client.example Tue Nov 24 09:00:00 2026\n")
            out.write(message(i))
            out.write(b"\n")


def run(url: str, mbox: Path) -> tuple[float, float, dict[str, object]]:
    """Wall time, CPU time of the subprocess (what it costs on a machine shared with other
    work), and its --json summary."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [VADESK, "--db", url, "intake", str(mbox), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"vadesk intake failed: {done.stderr.strip()}")
    return elapsed, cpu, json.loads(done.stdout)


def _counts(summary: dict[str, object]) -> str:
    return ", ".join(f"{summary[k]} {k}" for k in COUNTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--db-dir", type=Path, default=None)
    parser.add_argument("--postgres", default=os.environ.get("VADESK_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    folder = Path(args.db_dir or tempfile.mkdtemp(prefix="vadesk-intake-"))
    url = args.postgres or f"sqlite:///{folder / 'intake.db'}"
    mbox = folder / "bench.mbox"
    start = time.perf_counter()
    build_mbox(mbox, args.messages)
    print(
        f"mbox of {args.messages:,} messages ({mbox.stat().st_size / 2**20:.1f} MB) "
        f"built in {time.perf_counter() - start:.1f} s"
    )
    store = open_store(Settings(), url)
    with store.write() as s:
        for client in range(CLIENTS):
            add_client(s, f"Client {client}", emails=(f"client{client}@in.example.com",))
    store.close()
    print(f"database: {url}")
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs (wall time grows with it)")
    first, first_cpu, summary = run(url, mbox)
    print(f"first run: {first:6.2f} s wall, {first_cpu:6.2f} s CPU (target < 20 s)  ", end="")
    print(_counts(summary))
    again, again_cpu, summary2 = run(url, mbox)
    print(f"re-run:    {again:6.2f} s wall, {again_cpu:6.2f} s CPU (target <  3 s)  ", end="")
    print(_counts(summary2))
    per = first / max(args.messages, 1) * 1000
    print(
        f"per message: {per:.2f} ms first run, {again / max(args.messages, 1) * 1000:.3f} ms re-run"
    )


if __name__ == "__main__":
    main()
