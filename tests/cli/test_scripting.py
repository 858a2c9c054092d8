"""What a script sees: --json on every change, paging, conflicting flags, one-line errors."""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.conftest import Run, one_line
from vadesk.cli import cli


def listed(run: Run, *args: str) -> list[dict[str, object]]:
    return json.loads(run("card", "list", "--json", *args).stdout)  # type: ignore[no-any-return]


def test_card_changes_print_the_card_as_card_list_shows_it(run: Run) -> None:
    run("client", "add", "Acme")
    added = json.loads(run("card", "add", "Order flour", "--client", "Acme", "--json").stdout)
    assert added == listed(run)[0]
    assert added["title"] == "Order flour" and added["client"] == "Acme"
    card = str(added["id"])
    edited = json.loads(run("card", "edit", card, "--title", "Order rye", "--json").stdout)
    assert edited["title"] == "Order rye" and edited["version"] == 2
    assert edited == listed(run)[0]
    moved = json.loads(run("card", "move", card, "--lane", "Urgent", "--json").stdout)
    assert (moved["lane"], moved["position"]) == ("Urgent", 1)
    assert moved == listed(run)[0]
    archived = json.loads(run("card", "archive", card, "--json").stdout)
    assert archived["archived"] is True and listed(run) == []
    assert archived == listed(run, "--archived")[0]


def test_text_output_of_changes_stays_as_scripts_knew_it(run: Run) -> None:
    assert run("card", "add", "a").stdout == "1\n"
    assert run("card", "edit", "1", "--title", "b").stdout == "1 v2\n"
    assert run("card", "move", "1", "--lane", "High").stdout == "1 High 1\n"
    assert run("card", "archive", "1").stdout == "1 archived\n"
    assert run("client", "add", "Acme").stdout == "1\n"
    assert run("lane", "add", "Waiting").stdout.strip().isdigit()


def test_client_lane_timer_and_seed_changes_print_json(run: Run) -> None:
    client = json.loads(run("client", "add", "Acme", "--email", "a@in.example", "--json").stdout)
    assert client == json.loads(run("client", "list", "--json").stdout)[0]
    package = json.loads(
        run("client", "package", "Acme", "--hours", "2.5", "--price", "100", "--json").stdout
    )
    assert (package["client"], package["hours"], package["price"]) == ("Acme", 2.5, "€100.00")

    lane = json.loads(run("lane", "add", "Waiting", "--position", "0", "--json").stdout)
    assert lane == json.loads(run("lane", "list", "--json").stdout)[0]
    renamed = json.loads(run("lane", "rename", "Waiting", "On hold", "--json").stdout)
    assert (renamed["id"], renamed["name"]) == (lane["id"], "On hold")
    moved = json.loads(run("lane", "move", "On hold", "2", "--json").stdout)
    assert moved["position"] == 2
    assert json.loads(run("lane", "list", "--json").stdout)[2]["name"] == "On hold"
    removed = json.loads(run("lane", "remove", "On hold", "--json").stdout)
    assert removed["name"] == "On hold"
    assert "On hold" not in [x["name"] for x in json.loads(run("lane", "list", "--json").stdout)]

    card = run("card", "add", "Call bank").stdout.strip()
    started = json.loads(run("timer", "start", card, "--json").stdout)
    assert started == json.loads(run("timer", "status", "--json").stdout) | {
        "elapsed_seconds": started["elapsed_seconds"]
    }
    assert started["ended"] is None and started["card"] == "Call bank"
    stopped = json.loads(run("timer", "stop", "--json").stdout)
    assert stopped["id"] == started["id"] and stopped["ended"] is not None
    assert json.loads(run("timer", "stop", "--json").stdout) is None
    added = json.loads(
        run(
            "timer", "add", card, "--start", "2026-01-05T09:00Z", "--end", "2026-01-05T10:00Z",
            "--json",
        ).stdout
    )  # fmt: skip
    assert (added["elapsed_seconds"], added["overlaps"]) == (3600, [])
    seeded = json.loads(run("seed", "--clients", "1", "--cards", "3", "--json").stdout)
    assert seeded == {"clients": 1, "cards": 3, "entries": 0}


def test_card_list_pages_with_limit_and_offset(run: Run) -> None:
    run("seed", "--clients", "2", "--cards", "30")
    everything = listed(run)
    assert len(everything) == 30
    assert listed(run, "--limit", "5") == everything[:5]
    assert listed(run, "--offset", "12", "--limit", "7") == everything[12:19]
    assert listed(run, "--offset", "28") == everything[28:]
    assert listed(run, "--offset", "30") == []
    assert listed(run, "--limit", "0") == []
    text = run("card", "list", "--offset", "3", "--limit", "2").stdout.splitlines()
    assert [int(line.split()[0]) for line in text] == [c["id"] for c in everything[3:5]]


def test_card_list_positions_count_the_whole_lane_under_a_client_filter(run: Run) -> None:
    run("client", "add", "Acme")
    run("card", "add", "other 1", "--lane", "High")
    run("card", "add", "acme 1", "--lane", "High", "--client", "Acme")
    run("card", "add", "other 2", "--lane", "High")
    run("card", "add", "acme 2", "--lane", "High", "--client", "Acme")
    acme = listed(run, "--client", "Acme")
    assert [(c["title"], c["position"]) for c in acme] == [("acme 1", 2), ("acme 2", 4)]
    assert listed(run, "--client", "Acme", "--offset", "1") == acme[1:]


@pytest.mark.parametrize(
    "args",
    [
        ("card", "move", "1", "--top", "--bottom"),
        ("card", "move", "1", "--before", "1", "--after", "1"),
        ("card", "move", "1", "--top", "--after", "1"),
        ("card", "move", "1", "--bottom", "--before", "1"),
    ],
)
def test_conflicting_flags_are_refused_with_a_usage_line(run: Run, args: tuple[str, ...]) -> None:
    run("card", "add", "a")
    run("card", "add", "b")
    before = listed(run)
    result = run(*args, ok=False)
    assert result.exit_code == 2
    line = one_line(result)
    assert "cannot be used together" in line and line.startswith("Error: --")
    assert listed(run) == before


def test_demo_and_db_together_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--demo", "--db", f"sqlite:///{tmp_path}/x.db", "card", "list"]
    )
    assert result.exit_code == 2
    assert "--demo and --db cannot be used together" in one_line(result)
    assert not (tmp_path / "x.db").exists()


def test_usage_errors_are_one_line_naming_the_help(run: Run) -> None:
    result = run("card", "edit", "1", "--estimate", "-5", ok=False)
    assert result.exit_code == 2
    line = one_line(result)
    assert "--estimate" in line and "card edit --help" in line


def test_postgres_url_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if psycopg were not installed: importing it fails.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    result = CliRunner().invoke(
        cli, ["--db", "postgresql+psycopg://nobody@127.0.0.1:1/x", "card", "list"]
    )
    assert result.exit_code == 1
    assert "pip install 'vadesk[postgres]'" in one_line(result)


def test_an_os_error_is_one_line_naming_the_path(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import vadesk.services.seed

    def read_only_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "attachments"))

    monkeypatch.setattr(vadesk.services.seed, "seed", read_only_disk)
    result = run("seed", ok=False)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"Error: Cannot write {tmp_path / 'attachments'}: Read-only file system."
    )


def test_export_to_a_missing_folder_is_one_line(tmp_path: Path, sqlite_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text('vault_kdf = "interactive"\n')
    runner = CliRunner(env={"VADESK_CONFIG": str(config)})
    base = ["--db", sqlite_url]
    passphrase = "correct horse battery staple 42\n"
    assert runner.invoke(cli, [*base, "client", "add", "Acme"]).exit_code == 0
    init = runner.invoke(cli, [*base, "vault", "init", "--passphrase-stdin"], input=passphrase)
    assert init.exit_code == 0, init.output
    add = runner.invoke(
        cli,
        [
            *base,
            "vault",
            "add",
            "login",
            "--client",
            "Acme",
            "--name",
            "Bank",
            "--passphrase-stdin",
        ],
        input=passphrase + "hunter2\n\n",
    )
    assert add.exit_code == 0, add.output
    target = tmp_path / "no-such-folder" / "acme.vault"
    result = runner.invoke(
        cli,
        [*base, "vault", "export", "Acme", str(target), "--passphrase-stdin"],
        input=passphrase * 2,
    )
    assert result.exit_code == 1
    line = one_line(result)
    assert str(target.parent) in line and "No such file or directory" in line
    assert not target.parent.exists()


def test_starting_the_running_card_again_says_it_already_runs(db_url: str) -> None:
    run = CliRunner()
    base = ["--db", db_url]
    assert run.invoke(cli, [*base, "card", "add", "Call the bank"]).exit_code == 0
    first = run.invoke(cli, [*base, "timer", "start", "1"])
    again = run.invoke(cli, [*base, "timer", "start", "1"])
    assert first.output.startswith("started #1")
    assert again.exit_code == 0 and again.output.startswith("already running #1")
