"""`vadesk import trello|toggl` as a user types them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run, dump, one_line
from tests.services.test_imports import entry, report_csv
from tests.unit.test_import_formats import toggl_csv, trello_board


@pytest.fixture
def utc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('timezone = "UTC"\n', encoding="utf-8")
    monkeypatch.setenv("VADESK_CONFIG", str(config))


@pytest.fixture
def board_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(trello_board()), encoding="utf-8")
    return path


@pytest.fixture
def toggl_file(tmp_path: Path) -> Path:
    path = tmp_path / "Toggl_time_entries_2026-11-01_to_2026-11-30.csv"
    path.write_bytes(report_csv())
    return path


def test_trello_import_prints_what_it_did(run: Run, board_file: Path) -> None:
    run("client", "add", "Acme Bakery")
    out = run("import", "trello", str(board_file)).stdout
    assert out.splitlines() == [
        "Trello board from acme.json (client Acme Bakery)",
        "created: 1 lane, 4 cards, 3 checklist items, 2 comments, 1 attachment",
        "skipped: 2",
        "  card 'Order flour, sugar & \u201cyeast\u201d' (card-a): an attachment without a web "
        "link was left out",
        "  card 'Lost' (card-x): its list is not in the export; skipped",
        "note: The archived list 'Old stuff' has no lane; its cards are archived in 'Done'.",
    ]
    cards = json.loads(run("card", "list", "--lane", "To Do", "--json").stdout)
    assert [(c["title"], c["client"], c["position"]) for c in cards] == [
        ("Order flour, sugar & \u201cyeast\u201d", "Acme Bakery", 1),
        ("Second in To Do", "Acme Bakery", 2),
    ]


def test_trello_second_run_prints_unchanged_and_changes_nothing(
    run: Run, board_file: Path, db_url: str
) -> None:
    run("import", "trello", str(board_file))
    before = dump(db_url)
    data = json.loads(run("import", "trello", str(board_file), "--json").stdout)
    assert data["created"] == {} and data["updated"] == {}
    assert data["unchanged"] == {"cards": 4, "comments": 2, "attachments": 1}
    assert dump(db_url) == before


def test_trello_json_names_every_field(run: Run, board_file: Path) -> None:
    data = json.loads(
        run(
            "import",
            "trello",
            str(board_file),
            "--lanes",
            "To Do=Normal",
            "--unmapped",
            "inbox",
            "--json",
        ).stdout
    )
    assert set(data) == {
        "file",
        "source",
        "dry_run",
        "client",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "notes",
    }
    assert (data["source"], data["dry_run"], data["client"]) == ("trello", False, None)
    assert data["created"]["lanes"] == 1  # the Inbox
    assert data["skipped"][1] == {
        "where": "card 'Lost' (card-x)",
        "reason": "its list is not in the export; skipped",
    }
    assert data["notes"] == [
        "The board 'Acme Bakery' matches no client: its new cards have none (give --client "
        "NAME to choose one)."
    ]


def test_trello_dry_run_prints_the_same_and_changes_nothing(
    run: Run, board_file: Path, db_url: str
) -> None:
    run("client", "add", "Acme Bakery")
    before = dump(db_url)
    out = run("import", "trello", str(board_file), "--dry-run").stdout.splitlines()
    assert out[1] == "would create: 1 lane, 4 cards, 3 checklist items, 2 comments, 1 attachment"
    assert out[-1] == "dry run: nothing was changed"
    assert dump(db_url) == before


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["--lanes", "Todo=Normal"], None, "Error: --lanes names the list 'todo'"),
        (["--client", "Nobody"], None, "Error: No client named 'Nobody'"),
        ([], b"{broken", "Error: Not a Trello JSON export"),
        ([], b'{"lists": []}', "Error: Not a Trello board export (no list of cards)"),
    ],
)
def test_trello_refusals_are_one_line_and_change_nothing(
    run: Run, board_file: Path, db_url: str, args: list[str], content: bytes | None, message: str
) -> None:
    run("client", "add", "Someone")
    if content is not None:
        board_file.write_bytes(content)
    before = dump(db_url)
    result = run("import", "trello", str(board_file), *args, ok=False)
    assert result.exit_code == 1
    assert one_line(result).startswith(message)
    assert dump(db_url) == before


def test_a_missing_file_or_bad_choice_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    result = run("import", "trello", str(tmp_path / "nope.json"), ok=False)
    assert result.exit_code == 2 and "does not exist" in one_line(result)
    result = run("import", "toggl", str(tmp_path), ok=False)
    assert result.exit_code == 2 and "is a directory" in one_line(result)
    result = run("import", "trello", str(tmp_path), "--unmapped", "trash", ok=False)
    assert result.exit_code == 2 and "--unmapped" in one_line(result)


def test_hostile_names_in_a_board_reach_the_terminal_clean(run: Run, tmp_path: Path) -> None:
    raw = trello_board(name="Evil\x1b]0;pwned\x07 board")
    raw["cards"].append({"id": "x\x1b[2J", "name": "\x1b[31mred\x1b[0m", "idList": "gone"})
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    out = run("import", "trello", str(path)).stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "card 'red' (x): it has no usable id; skipped" in out


def test_toggl_import_prints_what_it_did_and_skips_duplicates(
    run: Run, toggl_file: Path, utc: None
) -> None:
    run("client", "add", "Acme Bakery")
    out = run("import", "toggl", str(toggl_file)).stdout
    assert out.splitlines() == [
        "Toggl Track report from Toggl_time_entries_2026-11-01_to_2026-11-30.csv",
        "created: 1 client, 3 cards, 5 entries, 1 of them non-billable",
    ]
    again = run("import", "toggl", str(toggl_file)).stdout.splitlines()
    assert again[1:] == ["created: nothing", "already there (skipped): 5 entries"]
    report = json.loads(
        run("report", "--client", "acme bakery", "--month", "2026-11", "--json").stdout
    )
    assert report["totals"]["minutes"] == 60 + 30 + 45
    assert [e["start"] for e in report["entries"]][:1] == ["2026-11-02T09:00:00+00:00"]


def test_toggl_json_dry_run_and_skipped_rows(
    run: Run, tmp_path: Path, db_url: str, utc: None
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(
        toggl_csv(
            entry("Acme", "Good", "11/02/2026", "9:00 AM", "10:00 AM"),
            entry("Acme", "Bad", "11/02/2026", "9:00 AM", "half past"),
        )
    )
    run("client", "add", "Zeta")
    before = dump(db_url)
    data = json.loads(run("import", "toggl", str(path), "--dry-run", "--json").stdout)
    assert dump(db_url) == before
    assert (data["source"], data["dry_run"], data["client"]) == ("toggl", True, None)
    assert data["created"] == {"clients": 1, "cards": 1, "entries": 1}
    assert data["skipped"] == [
        {
            "where": "line 3",
            "reason": "time 'half past' is not a time like 13:45:00 or 1:45 PM; skipped",
        }
    ]
    assert data["notes"] == ["Dates with slashes were read as MM/DD/YYYY."]


def test_a_dry_run_never_creates_a_database(tmp_path: Path, toggl_file: Path) -> None:
    from click.testing import CliRunner

    from vadesk.cli import cli

    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "import", "toggl", str(toggl_file), "--dry-run"])
    assert result.exit_code == 1
    assert one_line(result).startswith("Error: No vadesk database at")
    assert not (tmp_path / "new.db").exists()


def test_toggl_a_file_that_is_no_report_is_refused_in_one_line(
    run: Run, tmp_path: Path, db_url: str
) -> None:
    path = tmp_path / "lastpass.csv"
    path.write_text("url,username,password,extra,name,grouping,fav\n", encoding="utf-8")
    run("client", "add", "Zeta")
    before = dump(db_url)
    result = run("import", "toggl", str(path), ok=False)
    assert result.exit_code == 1
    assert one_line(result) == (
        "Error: No 'Start date' column: this is not Toggl Track's detailed report CSV "
        "(Reports → Detailed → Export → CSV)."
    )
    assert dump(db_url) == before
