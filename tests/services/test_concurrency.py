"""Two processes writing the same board, and a process killed mid-stream."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vadesk.services.board_read import list_cards
from vadesk.services.cards import create_card
from vadesk.services.lanes import lane_by_name
from vadesk.services.store import Store

WORKER = str(Path(__file__).parent.parent / "helpers" / "worker.py")
ROUNDS = 300


@pytest.mark.slow
def test_two_processes_moving_and_editing_lose_no_update(store: Store, db_url: str) -> None:
    with store.write() as s:
        for i in range(12):
            create_card(s, f"card {i}", lane_id=lane_by_name(s, "Normal").id)
    procs = [
        subprocess.Popen(
            [sys.executable, WORKER, "churn", db_url, tag, str(ROUNDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("A", "B")
    ]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert "locked" not in err and out.strip() == "done"
    with store.read() as s:
        rows = list_cards(s)
    markers = re.findall(r"\[([AB]):(\d+)\]", "".join(r.description for r in rows))
    assert sorted(markers) == sorted((t, str(i)) for t in "AB" for i in range(ROUNDS))
    assert len(rows) == 12
    # Order is total and consistent: ranks strictly increase within each lane.
    for lane_id in {r.lane_id for r in rows}:
        ranks = [r.rank for r in rows if r.lane_id == lane_id]
        assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


@pytest.mark.slow
def test_sigkill_mid_stream_loses_no_committed_card(sqlite_store: Store, sqlite_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, WORKER, "stream", sqlite_url], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    committed: list[int] = []
    deadline = time.monotonic() + 60
    while len(committed) < 150 and time.monotonic() < deadline:
        committed.append(int(proc.stdout.readline()))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(committed) >= 150
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    with sqlite_store.read() as s:
        present = {r.id for r in list_cards(s)}
    assert set(committed) <= present
