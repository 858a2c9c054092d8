"""A newcomer's first commands: the demo board, and read-only commands that create nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.conftest import one_line
from vadesk.cli import cli
from vadesk.config import Settings, data_dir
from vadesk.services.demo import CARDS, demo_database_path


def titles(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, [*args, "card", "list", "--json"])
    assert result.exit_code == 0, result.output
    return [c["title"] for c in json.loads(result.stdout)]


def test_demo_subcommands_use_the_demo_database_and_keep_it() -> None:
    assert titles("--demo")[0] == CARDS[0][3]
    assert len(titles("--demo")) == len(CARDS)
    added = CliRunner().invoke(cli, ["--demo", "card", "add", "Try the CLI"])
    assert added.exit_code == 0, added.output
    assert "Try the CLI" in titles("--demo")  # a subcommand never resets the demo
    assert demo_database_path() == data_dir() / "demo.db"
    assert not (data_dir() / "vadesk.db").exists(), "the real database was touched"


def test_a_demo_start_of_the_board_resets_the_demo_database() -> None:
    from vadesk.ui.app import prepare

    CliRunner().invoke(cli, ["--demo", "card", "add", "Scribble"])
    assert "Scribble" in titles("--demo")
    store = prepare(Settings(user="tester"), None, demo=True)  # what `vadesk --demo` runs
    store.close()
    assert "Scribble" not in titles("--demo")
    assert len(titles("--demo")) == len(CARDS)


def test_without_demo_the_real_database_is_used() -> None:
    CliRunner().invoke(cli, ["--demo", "card", "list"])
    assert CliRunner().invoke(cli, ["card", "add", "Real work"]).exit_code == 0
    assert titles() == ["Real work"]
    assert "Real work" not in titles("--demo")


def test_read_only_command_on_a_mistyped_folder_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{missing}/x.db", "card", "list"])
    assert result.exit_code == 1
    assert str(missing / "x.db") in one_line(result)
    assert not missing.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("card", "list"),
        ("card", "list", "--json"),
        ("client", "list"),
        ("lane", "list", "--json"),
        ("timer", "status"),
        ("client", "rules", "Acme"),
    ],
)
def test_read_only_commands_never_create_a_database(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{path}", *args])
    assert result.exit_code == 1
    assert "No vadesk database" in one_line(result)
    assert list(tmp_path.iterdir()) == []


def test_a_change_still_creates_the_database_in_an_existing_folder(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{path}", "card", "add", "first"])
    assert result.exit_code == 0, result.output
    assert path.exists()


def test_a_first_read_only_command_says_there_is_no_database_yet_not_check_db() -> None:
    result = CliRunner().invoke(cli, ["card", "list"])
    assert result.exit_code == 1
    line = one_line(result)
    assert "No vadesk database yet" in line and "--db" not in line
    assert not (data_dir() / "vadesk.db").exists()
