"""`vadesk backup` and `vadesk restore` as a user and a script see them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.cli.conftest import Run, dump, one_line
from tests.services.test_backup import needs_pg_dump
from vadesk.cli import cli


def sqlite_run(url: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], input=input)


def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("VADESK_CONFIG", str(path))


def test_backup_json_and_status_on_both_databases(run: Run, db_url: str) -> None:
    if db_url.startswith("postgresql"):
        needs_pg_dump()
    run("card", "add", "Invoice Acme")
    made = json.loads(run("backup", "--json").stdout)
    path = Path(made["path"])
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert made["contents"]["cards"] == 1
    assert made["revision"] == made["contents"]["revision"]
    state = json.loads(run("backup", "--status", "--json").stdout)
    assert state["newest"] == made["path"]
    assert state["stale"] is False
    assert 0 <= state["age_seconds"] < 60
    assert run("backup", "--status").stdout.startswith("Newest backup ")


def test_backup_says_what_it_wrote_and_pruned(sqlite_url: str) -> None:
    sqlite_run(sqlite_url, "card", "add", "x")
    first = sqlite_run(sqlite_url, "backup")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("wrote ") and "verified" in first.stdout
    second = sqlite_run(sqlite_url, "backup")
    assert second.exit_code == 0, second.output
    written = first.stdout.split()[1]
    # Both today: rotation keeps the newest of the day.
    assert f"pruned {written}" in second.stdout


def test_status_before_any_backup_says_so(sqlite_url: str) -> None:
    result = sqlite_run(sqlite_url, "backup", "--status")
    assert result.exit_code == 0
    assert result.stdout.startswith("No backup yet in ")


def test_a_missing_backup_disk_is_one_line_and_exit_1(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = tmp_path / "media" / "usb"
    config(tmp_path, monkeypatch, f'backup_dir = "{disk}"\n')
    sqlite_run(sqlite_url, "card", "add", "x")
    result = sqlite_run(sqlite_url, "backup")
    assert result.exit_code == 1
    assert one_line(result).startswith(f"Error: Backup folder {disk} does not exist")
    assert not disk.exists()
    status = sqlite_run(sqlite_url, "backup", "--status")
    assert status.exit_code == 1
    assert "does not exist" in one_line(status)


def test_backup_settings_of_the_wrong_kind_are_refused(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(tmp_path, monkeypatch, "backup_keep_daily = 0\n")
    result = sqlite_run(sqlite_url, "backup")
    assert result.exit_code == 1
    assert "backup_keep_daily" in one_line(result)


def test_restore_shows_the_backup_against_now_and_no_keeps_everything(sqlite_url: str) -> None:
    sqlite_run(sqlite_url, "card", "add", "kept")
    path = json.loads(sqlite_run(sqlite_url, "backup", "--json").stdout)["path"]
    sqlite_run(sqlite_url, "card", "add", "newer")
    before = dump(sqlite_url)
    result = sqlite_run(sqlite_url, "restore", path, input="n\n")
    assert result.exit_code == 1
    assert "cards                     1          2" in result.stdout
    # The question went to stderr; the answer ends in one line there.
    assert result.stderr.strip().splitlines()[-1] == "Error: Nothing was restored."
    assert "Traceback" not in result.output
    assert dump(sqlite_url) == before


def test_restore_yes_replaces_the_database_and_names_the_saved_one(sqlite_url: str) -> None:
    sqlite_run(sqlite_url, "card", "add", "kept")
    path = json.loads(sqlite_run(sqlite_url, "backup", "--json").stdout)["path"]
    sqlite_run(sqlite_url, "card", "add", "newer")
    result = sqlite_run(sqlite_url, "restore", "--yes", "--json", path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["backup"]["cards"] == 1
    assert report["current"]["cards"] == 2
    assert Path(report["previous_saved_as"]).exists()
    titles = [
        c["title"] for c in json.loads(sqlite_run(sqlite_url, "card", "list", "--json").stdout)
    ]
    assert titles == ["kept"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is an empty file, not a vadesk backup"),
        (b"hello", "is neither a SQLite database nor an encrypted vadesk backup"),
    ],
)
def test_restore_of_a_bad_file_is_one_line_and_changes_nothing(
    sqlite_url: str, tmp_path: Path, content: bytes, message: str
) -> None:
    sqlite_run(sqlite_url, "card", "add", "precious")
    before = dump(sqlite_url)
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    result = sqlite_run(sqlite_url, "restore", "--yes", str(bad))
    assert result.exit_code == 1
    assert message in one_line(result)
    assert dump(sqlite_url) == before


def test_encrypted_copy_round_trip_with_the_passphrase_on_stdin(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(tmp_path, monkeypatch, 'vault_kdf = "interactive"\n')
    sqlite_run(sqlite_url, "card", "add", "offsite")
    target = tmp_path / "cloud.vbak"
    made = sqlite_run(
        sqlite_url,
        "backup",
        "--encrypt-to",
        str(target),
        "--passphrase-stdin",
        input="correct horse battery staple\n",
    )
    assert made.exit_code == 0, made.output
    sqlite_run(sqlite_url, "card", "add", "later")
    wrong = sqlite_run(
        sqlite_url, "restore", "--yes", "--passphrase-stdin", str(target), input="nope\n"
    )
    assert wrong.exit_code == 1
    assert "Wrong passphrase" in one_line(wrong)
    ok = sqlite_run(
        sqlite_url,
        "restore",
        "--yes",
        "--passphrase-stdin",
        str(target),
        input="correct horse battery staple\n",
    )
    assert ok.exit_code == 0, ok.output
    listed = json.loads(sqlite_run(sqlite_url, "card", "list", "--json").stdout)
    assert [c["title"] for c in listed] == ["offsite"]


def test_after_a_restore_the_vault_asks_to_accept_the_older_one(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(tmp_path, monkeypatch, 'vault_kdf = "interactive"\n')
    passphrase = "plum orchard kettle violin\n"
    assert (
        sqlite_run(sqlite_url, "vault", "init", "--passphrase-stdin", input=passphrase).exit_code
        == 0
    )
    assert sqlite_run(sqlite_url, "client", "add", "Acme").exit_code == 0
    add = ["vault", "add", "login", "--client", "Acme", "--name"]
    assert (
        sqlite_run(
            sqlite_url, *add, "Old", "--passphrase-stdin", input=passphrase + "pw1\n\n"
        ).exit_code
        == 0
    )
    path = json.loads(sqlite_run(sqlite_url, "backup", "--json").stdout)["path"]
    assert (
        sqlite_run(
            sqlite_url, *add, "New", "--passphrase-stdin", input=passphrase + "pw2\n\n"
        ).exit_code
        == 0
    )
    restored = sqlite_run(sqlite_url, "restore", "--yes", path)
    assert restored.exit_code == 0, restored.output
    assert "vadesk vault unlock --accept-older" in restored.stdout
    refused = sqlite_run(sqlite_url, "vault", "unlock", "--passphrase-stdin", input=passphrase)
    assert refused.exit_code == 1
    assert "older than the one you last opened" in one_line(refused)
    accepted = sqlite_run(
        sqlite_url, "vault", "unlock", "--accept-older", "--passphrase-stdin", input=passphrase
    )
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.startswith("vault opens: 1 items")


def test_postgres_restore_prints_the_pg_restore_command(pg_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", pg_url, "restore", str(tmp_path / "x.pgdump")])
    assert result.exit_code == 1
    assert result.stdout.startswith("pg_restore --clean --if-exists --no-owner --dbname=")
    assert "restore a pg_dump file with pg_restore" in one_line(result)


def test_postgres_backup_without_pg_dump_prints_the_commands(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    CliRunner().invoke(cli, ["--db", pg_url, "card", "add", "x"])
    monkeypatch.setenv("PATH", "/nonexistent")
    result = CliRunner().invoke(cli, ["--db", pg_url, "backup"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["pg_dump", "pg_restore"]
    assert "pg_dump/pg_restore are not installed" in one_line(result)


def test_usage_mistakes_are_usage_errors(sqlite_url: str, tmp_path: Path) -> None:
    both = sqlite_run(sqlite_url, "backup", "--status", "--encrypt-to", str(tmp_path / "f"))
    assert both.exit_code == 2
    lonely = sqlite_run(sqlite_url, "backup", "--passphrase-stdin")
    assert lonely.exit_code == 2
    asked = sqlite_run(sqlite_url, "restore", "--json", str(tmp_path / "f"))
    assert asked.exit_code == 2
