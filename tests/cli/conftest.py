"""Running the `vadesk` command in-process, as a shell script would."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from vadesk.cli import cli

Run = Callable[..., Result]


@pytest.fixture
def run(db_url: str) -> Run:
    """``run(*args, ok=True, input=None)``: vadesk against the test database."""
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True, input: str | None = None) -> Result:
        result = runner.invoke(cli, ["--db", db_url, *args], input=input)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def one_line(result: Result) -> str:
    """The single stderr line of a refused command (and no traceback anywhere)."""
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # refused: exit status, not an error
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a stable order: to prove a refusal changed nothing."""
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            return {
                name: sorted(conn.execute(select(table)).all(), key=repr)
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()
