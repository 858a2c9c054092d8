"""Stored text reaches the terminal cleaned: another tool may have written any bytes."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.cli.conftest import Run

HOSTILE = "\x1b]2;PWN\x07Invoice\x1b[2J\x9b31m\u202eevil\x1b]52;c;aGk=\x1b\\"
RAW = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\x00")


@pytest.fixture
def hostile_board(run: Run, db_url: str) -> Run:
    run("client", "add", "Acme")
    run("card", "add", "placeholder", "--client", "Acme", "--lane", "High")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE cards SET title = :t, description = :d"), {"t": HOSTILE, "d": HOSTILE}
        )
        conn.execute(text("UPDATE clients SET name = :v"), {"v": "Acme " + HOSTILE})
        conn.execute(text("UPDATE lanes SET name = :v WHERE name = 'High'"), {"v": HOSTILE})
    engine.dispose()
    return run


def assert_clean(output: str) -> None:
    for raw in RAW:
        assert raw not in output, f"{raw!r} reached the terminal"


def test_card_list_text_never_prints_raw_escapes(hostile_board: Run) -> None:
    out = hostile_board("card", "list").stdout
    assert_clean(out)
    assert "Invoice" in out and "Acme" in out


@pytest.mark.parametrize(
    "args",
    [
        ("client", "list"),
        ("lane", "list"),
        ("card", "move", "1", "--top"),
        ("timer", "start", "1"),
        ("timer", "status"),
    ],
)
def test_text_output_of_stored_names_is_clean(hostile_board: Run, args: tuple[str, ...]) -> None:
    if args[:2] == ("timer", "status"):
        hostile_board("timer", "start", "1")
    out = hostile_board(*args).stdout
    assert_clean(out)
    assert out.strip()


def test_an_error_quoting_stored_names_is_clean(hostile_board: Run) -> None:
    result = hostile_board("card", "add", "x", "--client", "Nobody", ok=False)
    assert result.exit_code == 1 and "No client named 'Nobody'" in result.stderr
    assert_clean(result.stderr)


def test_json_output_keeps_the_stored_text_but_escapes_controls(hostile_board: Run) -> None:
    import json

    out = hostile_board("card", "list", "--json").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert json.loads(out)[0]["title"] == HOSTILE
