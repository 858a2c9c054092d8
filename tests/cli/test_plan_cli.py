"""`vadesk plan` as a user types it, on SQLite and PostgreSQL: text, --json, --md, refusals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli.conftest import Run, one_line
from vadesk.config import Settings
from vadesk.db.models import Client
from vadesk.domain.planning import Week
from vadesk.services import timer
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import lane_by_name
from vadesk.services.planning import plan_card
from vadesk.services.store import open_store

W40 = Week(date(2026, 9, 28))  # 28 Sep - 4 Oct 2026, long past: all its time counts


@pytest.fixture
def planned(run: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Acme (10 h a week) with three cards in W40, Bright (40 h a month) with one, a card
    without a client; capacity 6 h; zone UTC."""
    config = tmp_path / "config.toml"
    config.write_text('timezone = "UTC"\nweekly_capacity_hours = 6\n', encoding="utf-8")
    monkeypatch.setenv("VADESK_CONFIG", str(config))
    store = open_store(Settings(user="tester"), db_url)
    try:
        with store.write() as s:
            acme = add_client(s, "Acme Bakery").id
            bright = add_client(s, "Bright Dental").id
            s.get(Client, acme).agreed_minutes = 600
            s.get(Client, bright).agreed_minutes = 2400
            s.get(Client, bright).agreed_period = "month"
            normal = lane_by_name(s, "Normal").id
            done = lane_by_name(s, "Done").id
            for title, client, estimate, lane in (
                ("Write *October* newsletter", acme, 240, normal),
                ("Order [flour] \x1b[31mnow", acme, None, normal),
                ("Post opening hours", acme, 30, done),
                ("Patient reminders", bright, 180, normal),
                ("My own bookkeeping", None, 60, normal),
            ):
                card = create_card(
                    s, title, lane_id=lane, client_id=client, estimate_minutes=estimate
                )
                plan_card(s, card.id, W40)
            start = datetime(2026, 9, 29, 9, 0, tzinfo=UTC)
            timer.add_entry(s, store.user_id, 1, start, start + timedelta(minutes=75))
            timer.add_entry(
                s, store.user_id, 4, start + timedelta(hours=3), start + timedelta(hours=4)
            )
    finally:
        store.close()
    return run


def test_text_lists_clients_cards_budgets_and_the_capacity(planned: Run) -> None:
    out = planned("plan", "--week", "2026-W40").stdout
    lines = out.splitlines()
    assert lines[0] == "Week 2026-W40 · 28 Sep – 4 Oct 2026 · UTC"
    # 4:00 + 0:30 + 3:00 + 1:00 planned, 1 card without an estimate; 7:30 > 6 h capacity.
    assert lines[1] == (
        "Capacity 6:00 h · planned 8:30 h (1 without estimate, counted as 0) · logged 2:15 h"
        " · OVER CAPACITY"
    )
    assert (
        "Acme Bakery — agreed 10:00 h for the week · planned 4:30 h · logged 1:15 h · 8:45 h left"
        in lines
    )
    # 40 h a month prorated: W40 has 3 weekdays in September (22) and 2 in October (22):
    # 2400*3/22 + 2400*2/22 = 545.45 -> 545 min = 9:05 h.
    assert (
        "Bright Dental — agreed 9:05 h for the week (40:00 h a month) · planned 3:00 h · "
        "logged 1:00 h · 8:05 h left" in lines
    )
    assert "No client — your own cards · planned 1:00 h · logged 0:00 h" in lines
    assert "    #1       4:00 est    1:15 logged  Write *October* newsletter" in lines
    assert "    #2          – est    0:00 logged  Order [flour] now" in lines  # escape removed
    assert "  ✓ #3       0:30 est    0:00 logged  Post opening hours" in lines
    assert "\x1b" not in out


def test_json_shape(planned: Run) -> None:
    data = json.loads(planned("plan", "--week", "2026-10-01", "--json").stdout)
    assert {k: v for k, v in data.items() if k != "clients"} == {
        "week": "2026-W40",
        "from": "2026-09-28",
        "to": "2026-10-04",
        "timezone": "UTC",
        "capacity_minutes": 360,
        "planned_minutes": 510,
        "unestimated": 1,
        "logged_minutes": 135,
        "over_capacity": True,
    }
    assert [c["name"] for c in data["clients"]] == ["Acme Bakery", "Bright Dental", None]
    acme = data["clients"][0]
    assert {k: v for k, v in acme.items() if k != "cards"} == {
        "id": 1,
        "name": "Acme Bakery",
        "planned_minutes": 270,
        "unestimated": 1,
        "logged_minutes": 75,
        "budget": {
            "source": "agreed",
            "minutes": 600,
            "agreed_minutes": 600,
            "agreed_period": "week",
            "package_left_minutes": None,
        },
        "left_minutes": 525,
        "over_budget": False,
    }
    first = acme["cards"][0]
    assert set(first) == {
        "id",
        "title",
        "kind",
        "lane",
        "done",
        "estimate_minutes",
        "logged_minutes",
        "due",
        "planned_week",
    }
    assert [(c["title"], c["estimate_minutes"], c["done"]) for c in acme["cards"]] == [
        ("Write *October* newsletter", 240, False),
        ("Order [flour] now", None, False),
        ("Post opening hours", 30, True),
    ]
    assert first["logged_minutes"] == 75 and first["planned_week"] == "2026-W40"
    assert data["clients"][1]["budget"]["minutes"] == 545


def test_markdown_for_one_client_is_ready_to_paste(planned: Run) -> None:
    out = planned("plan", "--week", "2026-W40", "--client", "acme bakery", "--md").stdout
    assert out == (
        "## Acme Bakery: week 2026-W40 (28 Sep – 4 Oct 2026)\n"
        "\n"
        "- [ ] Write \\*October\\* newsletter (estimate 4:00 h)\n"
        "- [ ] Order \\[flour\\] now (no estimate yet)\n"
        "- [x] Post opening hours (estimate 0:30 h)\n"
        "\n"
        "Agreed 10:00 h for the week · planned 4:30 h · logged 1:15 h · 8:45 h left.\n"
        "\n"
        "1 task has no estimate yet (not counted in the hours).\n"
    )


def test_over_budget_is_marked(planned: Run, db_url: str) -> None:
    store = open_store(Settings(user="tester"), db_url)
    try:
        with store.write() as s:
            s.get(Client, 2).agreed_minutes = 120  # Bright: 2 h a month now
    finally:
        store.close()
    out = planned("plan", "--week", "2026-W40", "--client", "Bright Dental").stdout
    assert "Bright Dental — agreed 0:27 h for the week (2:00 h a month)" in out
    assert "OVER BUDGET" in out
    assert "Acme" not in out
    data = json.loads(planned("plan", "--week", "2026-W40", "--json").stdout)
    assert [c["over_budget"] for c in data["clients"]] == [False, True, False]


def test_an_empty_week_says_nothing_is_planned(planned: Run) -> None:
    out = planned("plan", "--week", "2026-W41", "--md").stdout
    assert out.count("Nothing planned yet.") == 2  # Acme and Bright; no "No client" section
    text = planned("plan", "--week", "this").stdout
    assert text.startswith("Week ") and "nothing planned" in text


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ("--week", "2026-W54"),
            2,
            "Error: Invalid value for '--week': Week '2026-W54' does not exist: 2026 has weeks 1 "
            "to 53. (see 'cli plan --help')",
        ),
        (
            ("--week", "soon"),
            2,
            "Error: Invalid value for '--week': Week 'soon' is not an ISO week like 2026-W49 (or "
            "a date in it). (see 'cli plan --help')",
        ),
        (
            ("--json", "--md"),
            2,
            "Error: --json and --md cannot be used together; give one. (see 'cli plan --help')",
        ),
        (
            ("--client", "Nobody"),
            1,
            "Error: No client named 'Nobody' (clients: Acme Bakery, Bright Dental); add it with "
            "`vadesk client add`.",
        ),
    ],
)
def test_refusals_are_one_line(
    planned: Run, args: tuple[str, ...], status: int, message: str
) -> None:
    result = planned("plan", *args, ok=False)
    assert result.exit_code == status
    assert one_line(result) == message
    assert result.stdout == ""


def test_plan_never_creates_a_database(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from vadesk.cli import cli

    path = tmp_path / "missing.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{path}", "plan"])
    assert result.exit_code == 1 and not path.exists()


def test_the_demo_has_a_week_planned() -> None:
    from click.testing import CliRunner

    from vadesk.cli import cli
    from vadesk.services.demo import DEMO_PLAN

    def plan(*args: str) -> dict[str, object]:
        result = CliRunner().invoke(cli, ["--demo", "plan", "--json", *args])
        assert result.exit_code == 0, result.output
        data: dict[str, object] = json.loads(result.stdout)
        return data

    def count(data: dict[str, object]) -> int:
        return sum(len(c["cards"]) for c in data["clients"])  # type: ignore[attr-defined]

    this, after = plan(), plan("--week", "next")
    assert count(this) == sum(1 for _, _, week in DEMO_PLAN if week == 0) == 17
    assert count(after) == sum(1 for _, _, week in DEMO_PLAN if week == 1) == 3
    assert this["unestimated"] == 1 and this["logged_minutes"] > 0


@pytest.mark.parametrize("fmt", [(), ("--md",)])
def test_stored_escapes_never_reach_the_terminal(
    planned: Run, db_url: str, fmt: tuple[str, ...]
) -> None:
    from sqlalchemy import create_engine, text

    hostile = "\x1b]2;PWN\x07Invoice\x1b[2J\x9b31m\u202eevil\x1b]52;c;aGk=\x1b\\"
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE cards SET title = :t WHERE id = 1"), {"t": hostile})
        conn.execute(text("UPDATE clients SET name = :v WHERE id = 1"), {"v": "Acme " + hostile})
    engine.dispose()
    out = planned("plan", "--week", "2026-W40", *fmt).stdout
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in out
    assert "Invoice" in out and "Acme" in out
