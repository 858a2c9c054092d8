"""Moving in a vault: a LastPass CSV of 10,000 rows through `vault import-from`'s path.

Target: under 10 s, key derivation aside (the vault is unlocked before the clock starts); a
second run of the same file creates nothing (every item is already in the vault).

    python benchmarks/vault_import.py [--rows 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
from pathlib import Path

from vadesk.config import Settings
from vadesk.domain import vault_crypto as vc
from vadesk.services import vault, vault_import
from vadesk.services.clients import add_client
from vadesk.services.store import open_store

CLIENTS = ("Acme", "Bakery", "Globex", "Initech", "Umbrella")


def lastpass_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["url", "username", "password", "totp", "extra", "name", "grouping", "fav"])
    for i in range(rows):
        client = CLIENTS[i % len(CLIENTS)]
        if i % 10 == 9:
            writer.writerow(
                ["http://sn", "", "", "", f"Door code {i}\nline two", f"Note {i}", client, "0"]
            )
        else:
            writer.writerow(
                [
                    f"https://service{i}.example/login",
                    f"user{i}@example.com",
                    vc.generate_password(20),
                    "",
                    f"notes, with comma {i}",
                    f"Service {i}",
                    f"Clients\\{client}",
                    "0",
                ]
            )
    return out.getvalue().encode()


def measure(url: str, rows: int) -> dict[str, float]:
    store = open_store(Settings(user="bench"), url)
    secret = vc.Secret("plum orchard kettle violin")
    with store.write() as s:
        for name in CLIENTS:
            add_client(s, name)
        vault.init(s, secret, vault.kdf_for("interactive")).lock()
    opened = vault.open_vault(store, secret)  # key derivation: not part of the figure
    data = lastpass_csv(rows)
    figures: dict[str, float] = {}
    for run in ("first", "again"):
        start = time.perf_counter()
        contents = vault_import.read_export("lastpass", data)
        with store.write() as s:
            report = vault_import.import_export(s, opened, contents, client_from_folder=True)
        figures[f"{run}_s"] = time.perf_counter() - start
        figures[f"{run}_created"] = report.total
        figures[f"{run}_unchanged"] = report.unchanged
    opened.lock()
    store.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", help="Also measure on this (emptied) PostgreSQL URL.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = str(Path(tmp) / "state")
        targets = [("sqlite", f"sqlite:///{Path(tmp) / 'v.db'}")]
        if args.postgres:
            targets.append(("postgresql", args.postgres))
        for name, url in targets:
            f = measure(url, args.rows)
            print(
                f"{name}: LastPass CSV, {args.rows:,} rows -> {int(f['first_created']):,} items "
                f"in {f['first_s']:.2f} s (target < 10 s); again: {int(f['again_created'])} "
                f"created, {int(f['again_unchanged']):,} already there, {f['again_s']:.2f} s"
            )


if __name__ == "__main__":
    main()
