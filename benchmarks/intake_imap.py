"""IMAP intake speed against a real local dovecot.

Prints: the time of one `intake --imap` pass over N new messages (fetch, ingest, commit,
flag) and its rate; a second pass over the same folder (nothing new: one search); and, with
a watch in IDLE, the delay from a message's arrival on the server to its card being
committed (median and p95 over K messages).

    python benchmarks/intake_imap.py [--messages 1000] [--samples 20]

Uses the server in VADESK_TEST_IMAP_* (see .ci/dovecot.sh), else starts a throwaway dovecot.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from percentile import p95
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.imap_server import ImapServer, server_from_env, start_dovecot, stop_dovecot

from vadesk.config import Settings
from vadesk.db.models import Card
from vadesk.services.intake.imap import run_imap
from vadesk.services.store import Store, open_store


def message(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Client {n % 7} <c{n % 7}@client{n % 7}.example>"
    msg["To"] = "va@in.example.com"
    msg["Subject"] = f"Task number {n}: please handle the usual"
    msg["Message-ID"] = f"<bench-{n}-{time.time_ns()}@client.example>"
    msg.set_content("Hello,\n\nplease take care of this one.\n\nThanks\n-- \nClient\n" * 3)
    return bytes(msg)


def cards(store: Store) -> int:
    with store.read() as s:
        return int(s.scalar(select(func.count(Card.id))) or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()

    server = server_from_env()
    started: Path | None = None
    if server is None:
        server, started = start_dovecot()
    try:
        run(server, args.messages, args.samples)
    finally:
        if started is not None:
            stop_dovecot(started)


def run(server: ImapServer, count: int, samples: int) -> None:
    folder = server.new_folder()
    with server.client() as client:
        for n in range(count):
            client.append(folder, message(n))
    table = {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "folder": folder,
        "tls": "none",
    }
    settings = Settings(user="bench", intake={"imap": table})
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(user="bench"), f"sqlite:///{tmp}/vadesk.db")

        def once() -> float:
            began = time.perf_counter()
            run_imap(
                store,
                settings,
                watch=False,
                password_prompt=lambda: server.password,
                on_result=lambda r: None,
            )
            return time.perf_counter() - began

        first = once()
        made = cards(store)
        print(
            f"first pass: {made} cards from {count} messages in {first:.2f} s "
            f"({count / first:.0f} messages/s)"
        )
        second = once()
        print(f"second pass: {cards(store) - made} new cards in {second:.3f} s")

        stop = threading.Event()
        watch = threading.Thread(
            target=run_imap,
            args=(store, settings),
            kwargs={
                "watch": True,
                "password_prompt": lambda: server.password,
                "on_result": lambda r: None,
                "stop": stop,
            },
            daemon=True,
        )
        watch.start()
        time.sleep(1.0)
        delays = []
        with server.client() as client:
            for n in range(samples):
                before = cards(store)
                began = time.perf_counter()
                client.append(folder, message(count + n))
                while cards(store) == before:
                    time.sleep(0.005)
                delays.append(time.perf_counter() - began)
        stop.set()
        watch.join(10)
        store.close()
    print(
        f"watch (IDLE): arrival to committed card, median "
        f"{statistics.median(delays) * 1000:.0f} ms, p95 {p95(delays) * 1000:.0f} ms "
        f"over {samples} messages"
    )


if __name__ == "__main__":
    main()
