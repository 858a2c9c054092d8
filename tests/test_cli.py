"""The scriptable CLI: what a shell script or cron job sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from vadesk.cli import cli


@pytest.fixture
def run(db_url: str) -> object:
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def cards(run: object) -> list[dict[str, object]]:
    return json.loads(run("card", "list", "--json").stdout)  # type: ignore[operator,no-any-return]


def test_version_needs_no_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", "sqlite:///" + str(tmp_path / "x.db"), "--version"])
    assert result.exit_code == 0 and "vadesk, version" in result.stdout
    assert not (tmp_path / "x.db").exists()


def test_card_add_prints_id_and_list_json_has_the_fields(run) -> None:  # type: ignore[no-untyped-def]
    run("client", "add", "Acme Bakery", "--email", "acme@in.example.com", "--currency", "usd")
    first = run(
        "card", "add", "Order flour", "--client", "acme bakery", "--kind", "purchase"
    ).stdout
    second = run("card", "add", "Post on IG", "--lane", "urgent", "--due", "2026-12-01T10:00+01:00")
    assert first.strip().isdigit() and second.stdout.strip().isdigit()
    listed = cards(run)
    assert [c["title"] for c in listed] == ["Post on IG", "Order flour"]
    post = listed[0]
    assert {"id", "title", "lane", "position", "client", "kind", "due", "version"} <= set(post)
    assert post["lane"] == "Urgent" and post["position"] == 1
    assert post["due"] == "2026-12-01T09:00:00+00:00"
    assert listed[1]["client"] == "Acme Bakery" and listed[1]["kind"] == "purchase"
    clients = json.loads(run("client", "list", "--json").stdout)
    assert [{k: c[k] for k in ("id", "name", "currency", "emails")} for c in clients] == [
        {"id": 1, "name": "Acme Bakery", "currency": "USD", "emails": ["acme@in.example.com"]}
    ]


def test_card_list_filters_by_lane_and_client(run) -> None:  # type: ignore[no-untyped-def]
    run("client", "add", "Acme")
    run("card", "add", "a", "--client", "Acme")
    run("card", "add", "b", "--lane", "Low")
    lane = json.loads(run("card", "list", "--lane", "low", "--json").stdout)
    assert [c["title"] for c in lane] == ["b"]
    acme = json.loads(run("card", "list", "--client", "Acme", "--json").stdout)
    assert [c["title"] for c in acme] == ["a"]
    assert "a" in run("card", "list").stdout.split()


def test_card_move_edit_and_archive(run) -> None:  # type: ignore[no-untyped-def]
    a = run("card", "add", "a").stdout.strip()
    b = run("card", "add", "b").stdout.strip()
    c = run("card", "add", "c").stdout.strip()
    run("card", "move", c, "--top")
    assert [x["title"] for x in cards(run)] == ["c", "a", "b"]
    run("card", "move", a, "--after", b)
    assert [x["title"] for x in cards(run)] == ["c", "b", "a"]
    run("card", "move", b, "--lane", "High")
    run("card", "move", c, "--before", b)
    assert [(x["lane"], x["title"]) for x in cards(run)] == [
        ("High", "c"),
        ("High", "b"),
        ("Normal", "a"),
    ]
    run("card", "edit", a, "--title", "renamed", "--kind", "admin", "--due", "2026-12-24")
    edited = next(x for x in cards(run) if x["id"] == int(a))
    assert edited["title"] == "renamed" and edited["kind"] == "admin" and edited["version"] == 3
    run("card", "archive", b)
    assert [x["title"] for x in cards(run)] == ["c", "renamed"]
    run("card", "archive", b, "--undo")
    assert len(cards(run)) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("card", "move", "999", "--lane", "Low"), "No card #999"),
        (("card", "move", "1", "--lane", "Someday"), "No lane named 'Someday'"),
        (("card", "add", "x", "--due", "next blursday"), "is not a date like"),
        (("card", "add", "x", "--client", "Nobody"), "No client named 'Nobody'"),
        (("card", "edit", "1"), "Nothing to change"),
        (("client", "add", "X", "--email", "not-an-address"), "is not an email address"),
    ],
)
def test_user_errors_print_one_line_and_exit_non_zero(run, args, message) -> None:  # type: ignore[no-untyped-def]
    run("card", "add", "exists")
    result = run(*args, ok=False)
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output


def test_unreachable_database_is_one_line() -> None:
    result = CliRunner().invoke(
        cli, ["--db", "postgresql+psycopg://nobody@127.0.0.1:1/x", "card", "list"]
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Cannot reach the database" in result.stderr


def test_environment_variable_selects_the_database(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "env.db"
    monkeypatch.setenv("VADESK_DATABASE_URL", f"sqlite:///{path}")
    assert CliRunner().invoke(cli, ["card", "add", "via env"]).exit_code == 0
    assert path.exists()


def test_seed_fills_a_realistic_board(run) -> None:  # type: ignore[no-untyped-def]
    assert (
        "added 4 clients, 120 cards, 50 entries"
        in run("seed", "--clients", "4", "--cards", "120", "--entries", "50").stdout
    )
    listed = cards(run)
    assert len(listed) == 120
    assert len({c["client"] for c in listed}) == 4
    assert {c["lane"] for c in listed} == {"Urgent", "High", "Normal", "Low", "Done"}


def test_lane_commands(run) -> None:  # type: ignore[no-untyped-def]
    run("lane", "add", "Waiting", "--position", "0")
    run("lane", "rename", "waiting", "On hold")
    run("lane", "move", "On hold", "3")
    names = [x["name"] for x in json.loads(run("lane", "list", "--json").stdout)]
    assert names == ["Urgent", "High", "Normal", "On hold", "Low", "Waiting on client", "Done"]
    run("card", "add", "x", "--lane", "On hold")
    result = run("lane", "remove", "On hold", ok=False)
    assert result.exit_code == 1 and "still holds 1 card" in result.stderr
