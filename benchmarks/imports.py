"""Moving-in speed: a 5,000-card Trello board, 100,000 Toggl Track rows and a 10,000-row
LastPass CSV into the vault, twice each.

Builds the files in Trello's and Toggl's own layouts (a Trello card in three has a checklist,
one in four a comment, one in ten an attachment link; Toggl rows over 12 clients, 40 projects,
descriptions half of which match a card), then prints for each:
- parsing alone (domain.imports), and the whole import in one transaction (target: Trello
  < 10 s, Toggl < 30 s);
- the second run of the same file (it must create nothing; the script stops if it does).
Each figure is wall time, with this process's CPU time beside it (on a shared machine the
two differ; the database server's CPU is not in it).

    python benchmarks/imports.py [--cards 5000] [--rows 100000] [--db URL]

Without --db a fresh SQLite file in a temporary folder is used; give a PostgreSQL URL of an
empty database to measure there.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from vault_import import measure as vault_import_figures

from vadesk.config import Settings
from vadesk.domain.imports.toggl import parse_report
from vadesk.domain.imports.trello import parse_board
from vadesk.services.imports import ImportSummary
from vadesk.services.imports.toggl import run_toggl
from vadesk.services.imports.trello import run_trello
from vadesk.services.store import open_store

BERLIN = ZoneInfo("Europe/Berlin")
TRELLO_TARGET_S = 10.0
TOGGL_TARGET_S = 30.0
LASTPASS_TARGET_S = 10.0
CLIENTS = [f"Client {n:02d}" for n in range(12)]
WORDS = [
    "invoice", "newsletter", "calendar", "inbox", "booking",
    "supplier", "social", "report", "travel", "payroll",
]  # fmt: skip


def trello_export(cards: int, rng: random.Random) -> bytes:
    lists = [
        {"id": f"list{i:020d}", "name": name, "closed": False, "pos": 1024 * (i + 1)}
        for i, name in enumerate(["To Do", "Doing", "Waiting", "Done", "Someday"])
    ]
    board: dict[str, Any] = {
        "id": "board0000000000000000001",
        "name": CLIENTS[0],
        "labels": [{"id": f"lab{i}", "name": w, "color": "blue"} for i, w in enumerate(WORDS)],
        "lists": lists,
        "cards": [],
        "checklists": [],
        "actions": [],
    }
    for n in range(cards):
        card_id = f"card{n:020d}"
        card: dict[str, Any] = {
            "id": card_id,
            "name": f"{rng.choice(WORDS).title()} for {rng.choice(WORDS)} #{n}",
            "desc": "Details, with a comma\nand a second line" if n % 2 else "",
            "idList": rng.choice(lists)["id"],
            "pos": rng.randint(1, 1_000_000),
            "closed": n % 50 == 0,
            "due": "2026-12-01T16:00:00.000Z" if n % 5 == 0 else None,
            "idLabels": [f"lab{n % len(WORDS)}"],
        }
        if n % 10 == 0:
            card["attachments"] = [
                {
                    "id": f"att{n}",
                    "name": "brief.pdf",
                    "url": f"https://trello.com/1/cards/{card_id}/attachments/a/download/brief.pdf",
                    "bytes": 1000 + n,
                    "mimeType": "application/pdf",
                    "date": "2026-11-01T09:00:00.000Z",
                }
            ]
        board["cards"].append(card)
        if n % 3 == 0:
            board["checklists"].append(
                {
                    "id": f"chk{n}",
                    "idCard": card_id,
                    "name": "Steps",
                    "pos": 1,
                    "checkItems": [
                        {"id": f"i{n}-{k}", "name": f"Step {k}", "state": "complete", "pos": k}
                        for k in range(4)
                    ],
                }
            )
        if n % 4 == 0:
            board["actions"].append(
                {
                    "id": f"act{n:020d}",
                    "type": "commentCard",
                    "date": "2026-11-02T10:00:00.000Z",
                    "data": {"text": f"Comment on {n}", "card": {"id": card_id}},
                    "memberCreator": {"fullName": "Jane Client"},
                }
            )
    return json.dumps(board).encode()


def toggl_export(rows: int, rng: random.Random) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "User", "Email", "Client", "Project", "Task", "Description", "Billable",
            "Start date", "Start time", "End date", "End time", "Duration", "Tags",
            "Amount (USD)",
        ]
    )  # fmt: skip
    # Real instants written as Berlin wall-clock time, as Toggl writes them (DST changes too).
    cursor = datetime(2024, 1, 1, 7, 0, tzinfo=UTC)
    for n in range(rows):
        cursor += timedelta(minutes=rng.randint(5, 90))
        length = timedelta(minutes=rng.randint(5, 120))
        start, end = cursor.astimezone(BERLIN), (cursor + length).astimezone(BERLIN)
        client = CLIENTS[n % len(CLIENTS)]
        description = (
            f"{WORDS[n % len(WORDS)].title()} for {WORDS[(n // 7) % len(WORDS)]} #{n % 3000}"
            if n % 2
            else f"Toggl task {n}"
        )
        writer.writerow(
            [
                "Ann", "ann@example.com", client, f"Project {n % 40}", "", description,
                "No" if n % 9 == 0 else "Yes",
                start.strftime("%Y-%m-%d"), start.strftime("%H:%M:%S"),
                end.strftime("%Y-%m-%d"), end.strftime("%H:%M:%S"),
                f"{length.seconds // 3600:02d}:{length.seconds % 3600 // 60:02d}:00",
                "admin", "10.00",
            ]
        )  # fmt: skip
        cursor += length
    return ("\ufeff" + out.getvalue()).encode()


CPU: dict[float, float] = {}
"""Wall time -> this process's CPU time for it (the machine may be shared: both are shown)."""


def timed(action: Any) -> tuple[float, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    wall = time.perf_counter() - start
    CPU[wall] = time.process_time() - cpu
    return wall, result


def cpu(wall: float) -> str:
    return f"(cpu {CPU[wall]:5.2f} s)"


def created(summary: ImportSummary) -> str:
    return ", ".join(f"{n:,} {k}" for k, n in summary.created.items()) or "nothing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--lastpass-rows", type=int, default=10_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'imports.db'}"
        settings = Settings(user="bench", timezone="Europe/Berlin")
        store = open_store(settings, url)
        failed = False
        try:
            board = trello_export(args.cards, rng)
            print(f"Trello board: {args.cards:,} cards, {len(board) / 1e6:.1f} MB of JSON")
            parse_s, _ = timed(lambda: parse_board(board))
            first_s, first = timed(lambda: run_trello(store, board))
            again_s, again = timed(lambda: run_trello(store, board))
            print(f"  parse                 {parse_s:6.2f} s {cpu(parse_s)}")
            verdict = "ok" if first_s < TRELLO_TARGET_S else "OVER"
            print(
                f"  import (first run)    {first_s:6.2f} s {cpu(first_s)}"
                f"  target < {TRELLO_TARGET_S:.0f} s  {verdict}  created {created(first)}"
            )
            print(
                f"  import (second run)   {again_s:6.2f} s {cpu(again_s)}  created {created(again)}"
            )
            failed |= bool(again.created) or first_s >= TRELLO_TARGET_S

            report = toggl_export(args.rows, rng)
            print(f"Toggl report: {args.rows:,} rows, {len(report) / 1e6:.1f} MB of CSV")
            parse_s, parsed = timed(lambda: parse_report(report, BERLIN))
            if len(parsed.entries) != args.rows:
                sys.exit(f"only {len(parsed.entries):,} of {args.rows:,} rows were read")
            first_s, first = timed(lambda: run_toggl(store, report))
            again_s, again = timed(lambda: run_toggl(store, report))
            print(f"  parse                 {parse_s:6.2f} s {cpu(parse_s)}")
            verdict = "ok" if first_s < TOGGL_TARGET_S else "OVER"
            print(
                f"  import (first run)    {first_s:6.2f} s {cpu(first_s)}"
                f"  target < {TOGGL_TARGET_S:.0f} s  {verdict}  created {created(first)}"
            )
            print(
                f"  import (second run)   {again_s:6.2f} s {cpu(again_s)}  created {created(again)}"
            )
            failed |= bool(again.created) or first_s >= TOGGL_TARGET_S

            # LastPass into the vault (vault import-from's path), on its own fresh SQLite file:
            # < 10 s with the key derivation aside; a second run creates nothing.
            print(f"LastPass CSV: {args.lastpass_rows:,} rows into the vault (fresh SQLite)")
            os.environ["XDG_STATE_HOME"] = str(Path(folder) / "state")
            vault = vault_import_figures(
                f"sqlite:///{Path(folder) / 'vault.db'}", args.lastpass_rows
            )
            verdict = "ok" if vault["first_s"] < LASTPASS_TARGET_S else "OVER"
            print(
                f"  import (first run)    {vault['first_s']:6.2f} s"
                f"  target < {LASTPASS_TARGET_S:.0f} s  {verdict}"
                f"  created {int(vault['first_created']):,} items"
            )
            print(
                f"  import (second run)   {vault['again_s']:6.2f} s"
                f"  created {int(vault['again_created'])}"
            )
            failed |= bool(vault["again_created"]) or vault["first_s"] >= LASTPASS_TARGET_S
        finally:
            store.close()
    if failed:
        sys.exit("a target was missed, or a second run created something")


if __name__ == "__main__":
    main()
