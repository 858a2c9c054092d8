"""`vadesk report` and `vadesk invoices` as a user types them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run, one_line


@pytest.fixture
def acme(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Acme at €40/h with two entries in November 2026 (times in UTC), Zeta with none."""
    config = tmp_path / "config.toml"
    config.write_text('timezone = "UTC"\n', encoding="utf-8")
    monkeypatch.setenv("VADESK_CONFIG", str(config))
    run("client", "add", "Acme")
    run("client", "add", "Zeta", "--currency", "USD")
    run("client", "rules", "Acme", "--rate", "40")
    run("card", "add", "Payroll \x1b[31mred", "--client", "Acme", "--kind", "admin")
    run("timer", "add", "1", "--start", "2026-11-03T09:00Z", "--end", "2026-11-03T10:30Z")
    run("timer", "add", "1", "--start", "2026-11-04T09:00Z", "--end", "2026-11-04T09:15Z")
    return run


def test_table_shows_rows_and_totals(acme: Run) -> None:
    out = acme("report", "--client", "Acme", "--month", "2026-11").stdout
    assert "Acme — November 2026" in out
    assert "#1 Payroll red" in out and "2026-11-03" in out and "2026-11-04" in out
    assert "€70.00" in out  # 105 minutes at €40/h
    assert "Turnaround: no cards done." in out


def test_json_flag_and_a_range_of_days(acme: Run) -> None:
    data = json.loads(
        acme(
            "report", "--client", "acme", "--from", "2026-11-04", "--to", "2026-11-04", "--json"
        ).stdout
    )
    assert data["period"] == {"from": "2026-11-04", "to": "2026-11-04", "timezone": "UTC"}
    assert [(e["date"], e["minutes"], e["amount_minor"]) for e in data["entries"]] == [
        ("2026-11-04", 15, 1000)
    ]
    assert data["entries"][0]["card"] == "Payroll red"  # the title as stored (cleaned on input)


def test_all_clients_print_one_json_array_and_the_empty_one_says_so(acme: Run) -> None:
    data = json.loads(acme("report", "--all", "--month", "2026-11", "--format", "json").stdout)
    assert [(d["client"]["name"], d["empty"]) for d in data] == [("Acme", False), ("Zeta", True)]
    assert data[1]["message"] == "No time logged for Zeta from 2026-11-01 to 2026-11-30."


def test_table_to_a_file_and_markdown_to_stdout(acme: Run, tmp_path: Path) -> None:
    out = tmp_path / "acme.txt"
    acme("report", "--client", "Acme", "--month", "2026-11", "--out", str(out))
    assert "€70.00" in out.read_text(encoding="utf-8")
    assert out.stat().st_mode & 0o777 == 0o600
    md = acme("report", "--client", "Acme", "--month", "2026-11", "--format", "md").stdout
    assert md.startswith("# Timesheet — Acme — November 2026")
    assert "| **Total** | | | **105** | **105** |" in md


def test_invoices_text_and_json(acme: Run) -> None:
    assert "No invoices yet" in acme("invoices").stdout
    billed = json.loads(
        acme(
            "report", "--client", "Acme", "--month", "2026-11", "--mark-billed", "7", "--json"
        ).stdout
    )
    assert (billed["number"], billed["entries"], billed["total_minor"]) == ("7", 2, 7000)
    line = acme("invoices", "--client", "Acme").stdout.strip()
    assert "Acme" in line and "2026-11-01–2026-11-30" in line and "€70.00" in line
    assert json.loads(acme("invoices", "--client", "Zeta", "--json").stdout) == []
    table = acme("report", "--client", "Acme", "--month", "2026-11").stdout
    assert "(billed 7)" in table


@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        (["--client", "Acme", "--all"], 2, "--client and --all cannot be used together"),
        (["--month", "2026-11", "--from", "2026-11-01"], 2, "--month and --from"),
        (["--to", "2026-11-01"], 2, "--to needs --from"),
        (["--from", "2026-11-05", "--to", "2026-11-01"], 1, "is before --from"),
        (["--from", "yesterday"], 2, "is not a date like 2026-11-01"),
        (["--month", "11-2026"], 2, "'11-2026' is not a month like 2026-11"),
        (["--month", "2026-13"], 2, "'2026-13' is not a month like 2026-11"),
        (["--month", "1969-12"], 2, "years 1970 to 2999"),
        (["--client", "Nobody"], 1, "No client named 'Nobody'"),
        (["--format", "pdf", "--client", "Acme"], 2, "--format pdf needs --out FILE"),
        (["--format", "csv"], 2, "--format csv for every client needs --out FOLDER"),
        (["--mark-billed", "9"], 2, "--mark-billed needs --client NAME"),
        (["--json", "--format", "csv"], 2, "--json and --format cannot be used together"),
    ],
)
def test_refusals_are_one_line(acme: Run, args: list[str], status: int, says: str) -> None:
    result = acme("report", *args, ok=False)
    assert result.exit_code == status
    assert says in one_line(result)


def test_billing_the_same_month_twice_is_refused(acme: Run) -> None:
    acme("report", "--client", "Acme", "--month", "2026-11", "--mark-billed", "A")
    result = acme(
        "report", "--client", "Acme", "--month", "2026-11", "--mark-billed", "B", ok=False
    )
    assert result.exit_code == 1
    assert "billed already (under A); nothing is billed twice" in one_line(result)
    result = acme(
        "report", "--client", "Zeta", "--month", "2026-11", "--mark-billed", "Z", ok=False
    )
    assert "Zeta has no time from 2026-11-01 to 2026-11-30; nothing to bill." in one_line(result)


def test_read_only_report_never_creates_a_database(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from vadesk.cli import cli

    target = tmp_path / "missing.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{target}", "report"])
    assert result.exit_code == 1 and not target.exists()


def test_an_impossible_month_is_a_usage_error_naming_the_help(acme: Run) -> None:
    result = acme("report", "--month", "2026-13", ok=False)
    assert result.exit_code == 2
    assert one_line(result).endswith("report --help')")  # the program name is the runner's
