"""Every bad value gets one line (issue 12): the cases that used to end in a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Run, dump, one_line


@pytest.fixture
def board(run: Run, db_url: str) -> str:
    """A card #1 and a client Acme, so every refusal has something it could have changed."""
    run("client", "add", "Acme")
    run("card", "add", "Existing", "--client", "Acme")
    return db_url


@pytest.fixture
def new_york() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


PACKAGE = ("client", "package", "Acme", "--hours", "2", "--price", "5")
CASES = [
    (("card", "add", "x", "--due", "0001-01-01"), 1, "out of range"),
    (("card", "add", "x", "--due", "2026-11-24T10:00+25:00"), 1, "beyond ±14:00"),
    (("card", "add", "x", "--due", "9999-12-31T23:59"), 1, "out of range"),
    (("card", "add", "x", "--due", "-1"), 1, "is not a date"),
    (("card", "edit", "1", "--due", "-1"), 1, "is not a date"),
    (("card", "edit", "1", "--estimate", "99999999999999999999"), 2, "--estimate"),
    (("card", "edit", "1", "--estimate", "-5"), 2, "--estimate"),
    (("card", "move", "99999999999999999999", "--top"), 2, "CARD_ID"),
    (("card", "move", "1", "--before", "99999999999999999999"), 2, "--before"),
    (("timer", "add", "1", "--start", "2026-01-01", "--end", ""), 1, "Give --end"),
    (("timer", "start", "0"), 2, "CARD_ID"),
    (("client", "rules", "Acme", "--rate", "1e309"), 1, "is not an amount"),
    (("client", "rules", "Acme", "--rate", "nan"), 1, "is not an amount"),
    (("client", "rules", "Acme", "--kind-rate", "creative=inf"), 1, "is not an amount"),
    (("client", "package", "Acme", "--hours", "nan", "--price", "5"), 2, "--hours"),
    (("client", "package", "Acme", "--hours", "1e309", "--price", "5"), 2, "--hours"),
    (("client", "package", "Acme", "--hours", "2", "--price", "1e309"), 1, "is not an amount"),
    ((*PACKAGE, "--purchased", "2026-03-01", "--expires", "2026-02-01"), 1, "must come after"),
    (("card", "add", "caf\udce9"), 2, "not valid UTF-8"),
    (("client", "add", "A\x00B"), 2, "NUL"),
    (("lane", "move", "Low", "-3"), 2, "No such option '-3'"),
    (("lane", "move", "Low", "--", "-3"), 2, "POSITION"),
]


@pytest.mark.parametrize(("args", "status", "message"), CASES)
def test_a_bad_value_is_one_line_and_changes_nothing(
    run: Run, board: str, new_york: None, args: tuple[str, ...], status: int, message: str
) -> None:
    before = dump(board)
    result = run(*args, ok=False)
    assert result.exit_code == status, result.output
    assert message in one_line(result)
    assert dump(board) == before


def test_invalid_utf8_bytes_in_a_real_argv_are_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    vadesk = [sys.executable, "-m", "vadesk", "--db", url]
    subprocess.run([*vadesk, "card", "add", "first"], check=True, capture_output=True)
    before = dump(url)
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    result = subprocess.run(
        [*(a.encode() for a in vadesk), b"card", b"add", b"caf\xe9 cr\xe8me"],
        capture_output=True,
        env=env,
    )
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "Argument 5 ('caf\\xe9 cr\\xe8me') is not valid UTF-8" in lines[0]
    assert dump(url) == before
