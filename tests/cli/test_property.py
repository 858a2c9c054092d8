"""Property: whatever values land in any option, vadesk answers with a line, never a traceback.

Hypothesis picks a command and fills its options and arguments with random and extreme
values (text, huge integers, nan and infinity, odd unicode, lone surrogates, escape
sequences). Whatever the outcome, the exit status is 0, 1 or 2 and no traceback shows; and a
refused command (status 1 or 2) leaves every table exactly as it was. SQLite only: the
targeted cases in test_bad_values.py run on both databases.

The vault commands are left out: they read passphrases from a prompt or stdin and run
Argon2 on every call, and their options are few and covered by the vault's own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.conftest import dump
from vadesk.cli import cli


def commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if name == "vault":
            continue
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(commands(cli))

EXTREME_NUMBERS = st.sampled_from(
    ["0", "-1", "1", "2", "-5", "2147483647", "2147483648", "9223372036854775808",
     "99999999999999999999", "1e309", "-1e309", "nan", "-nan", "inf", "-inf", "1e3",
     "0.25", "0.1", "-0.0", "40.123", "1,000", "١٢"]
)  # fmt: skip
DATES = st.sampled_from(
    ["2026-11-24", "2026-11-24T10:00", "2026-11-24T10:00+25:00", "0001-01-01",
     "9999-12-31T23:59", "1969-12-31", "Nov 24 5pm", "-1", "", " ", "24/11/2026",
     "2026-02-30", "2026-11-24T10:00Z"]
)  # fmt: skip
NAMES = st.sampled_from(
    ["Acme", "acme", "Low", "High", "Done", "Nobody", "creative=60", "creative=", "=5",
     "a@in.example.com", "not-an-address", "EUR", "usd", "XXXX", "login", "day", "15"]
)  # fmt: skip
HOSTILE = st.sampled_from(
    ["\x1b]2;PWN\x07", "\x1b[2J", "\x9b31m", "\u202eevil", "\x00", "\r\n", "\t",
     "\ud800", "caf\udce9", "🙂" * 50, "x" * 5000, "'; DROP TABLE cards; --", "[bold]x[/]",
     "--top", "-", "--"]
)  # fmt: skip
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.characters(max_codepoint=0x9F),
    ),
    max_size=40,
)
VALUE = st.one_of(EXTREME_NUMBERS, DATES, NAMES, HOSTILE, TEXT, st.integers().map(str))
SEED_COUNTS = st.sampled_from(["0", "1", "3", "-1", "1001", "10000001", "nan", "abc"])


@st.composite
def invocation(draw: st.DrawFn) -> list[str]:
    path, command = draw(st.sampled_from(COMMANDS))
    args = list(path)
    for param in command.params:
        if isinstance(param, click.Argument):
            args.append(draw(VALUE))
            continue
        assert isinstance(param, click.Option)
        if not draw(st.booleans()):
            continue
        name = param.opts[0]
        if param.is_flag:
            args.append(name)
            continue
        values = SEED_COUNTS if path == ("seed",) and name != "--seed" else VALUE
        for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
            args += [name, draw(values)]
    return args


@pytest.fixture
def board(sqlite_url: str) -> str:
    runner = CliRunner()
    for args in (
        ["client", "add", "Acme", "--email", "acme@in.example.com"],
        ["card", "add", "Existing", "--client", "Acme"],
        ["card", "add", "Second", "--lane", "High"],
    ):
        assert runner.invoke(cli, ["--db", sqlite_url, *args]).exit_code == 0
    return sqlite_url


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=invocation())
def test_any_values_in_any_option_give_a_line_and_change_nothing_when_refused(
    board: str, args: list[str]
) -> None:
    before = dump(board)
    result = CliRunner().invoke(cli, ["--db", board, *args])
    shown: Any = result.exception
    assert result.exit_code in (0, 1, 2), (args, result.output, shown)
    assert shown is None or isinstance(shown, SystemExit), (args, repr(shown))
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert dump(board) == before, args
