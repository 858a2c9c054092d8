"""`vadesk client add|edit|show|list|archive|unarchive|move`, as a script would run them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.conftest import Run, dump, one_line
from vadesk.config import Settings
from vadesk.domain import vault_crypto as vc
from vadesk.services import vault
from vadesk.services.changes import ChangeFeed
from vadesk.services.clients import list_clients
from vadesk.services.store import Store, open_store

PROFILE_FIELDS = {
    "id",
    "name",
    "company",
    "currency",
    "emails",
    "contacts",
    "timezone",
    "working_hours",
    "channel",
    "onboarding",
    "nda_signed_on",
    "nda_note",
    "contract_start",
    "contract_end",
    "agreed_minutes",
    "agreed_period",
    "default_rate_minor",
    "rates",
    "rounding_minutes",
    "rounding_scope",
    "minimum_charge_minutes",
    "discount_percent",
    "turnaround",
    "turnaround_mode",
    "colour",
    "archived",
    "rank",
}


def as_json(run: Run, *args: str) -> Any:
    return json.loads(run(*args, "--json").stdout)


def names(run: Run, *args: str) -> list[str]:
    return [c["name"] for c in as_json(run, "client", "list", *args)]


def test_add_takes_every_profile_field_and_prints_it_as_list_shows_it(run: Run) -> None:
    added = as_json(
        run,
        "client",
        "add",
        "Acme Bakery",
        "--company",
        "Acme Bakery Ltd",
        "--email",
        "Orders@Acme.example",
        "--email",
        "acme@in.example.com",
        "--contact",
        "Maria Rossi <maria@acme.example> +44 20 7946 0321 (owner)",
        "--contact",
        "Tom (orders)",
        "--timezone",
        "europe/london",
        "--hours",
        "6-14",
        "--days",
        "mon-sat",
        "--channel",
        "phone",
        "--answer",
        "2=Email first",
        "--answer",
        "Goals with the service=More weddings",
        "--nda-signed",
        "2026-03-02",
        "--nda-note",
        "Drive/Acme/NDA.pdf",
        "--contract-start",
        "2026-03-01",
        "--contract-end",
        "2027-02-28",
        "--agreed",
        "10h/week",
        "--currency",
        "gbp",
        "--rate",
        "40",
        "--kind-rate",
        "creative=60.50",
        "--rounding",
        "15",
        "--per",
        "day",
        "--minimum",
        "15",
        "--discount",
        "10",
        "--turnaround",
        "admin=12",
        "--turnaround",
        "call=none",
        "--turnaround-mode",
        "working",
        "--colour",
        "#FFAA00",
    )
    assert set(added) == PROFILE_FIELDS
    assert (
        added == as_json(run, "client", "list")[0] == as_json(run, "client", "show", "acme bakery")
    )
    assert added["emails"] == ["orders@acme.example", "acme@in.example.com"]
    assert added["contacts"] == [
        {
            "name": "Maria Rossi",
            "email": "maria@acme.example",
            "phone": "+442079460321",
            "role": "owner",
        },
        {"name": "Tom", "email": "", "phone": "", "role": "orders"},
    ]
    assert added["working_hours"] == {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "hours": "06:00-14:00",
    }
    assert added["onboarding"] == {
        "Preferred communication": "Email first",
        "Goals with the service": "More weddings",
    }
    expected = {
        "company": "Acme Bakery Ltd",
        "timezone": "Europe/London",
        "channel": "phone",
        "nda_signed_on": "2026-03-02",
        "nda_note": "Drive/Acme/NDA.pdf",
        "contract_start": "2026-03-01",
        "contract_end": "2027-02-28",
        "agreed_minutes": 600,
        "agreed_period": "week",
        "currency": "GBP",
        "default_rate_minor": 4000,
        "rates": {"creative": 6050},
        "rounding_minutes": 15,
        "rounding_scope": "day",
        "minimum_charge_minutes": 15,
        "discount_percent": 10,
        "turnaround": {"admin": 12, "call": None, "creative": 48},
        "turnaround_mode": "working",
        "colour": "#ffaa00",
        "archived": False,
    }
    assert {k: added[k] for k in expected} == expected
    assert run("client", "add", "Bright").stdout == "2\n"


def test_edit_changes_what_is_given_and_keeps_the_rest(run: Run) -> None:
    run(
        "client",
        "add",
        "Acme",
        "--company",
        "Acme Ltd",
        "--hours",
        "9-17",
        "--days",
        "mon-fri",
        "--turnaround",
        "call=4",
        "--kind-rate",
        "creative=60",
        "--answer",
        "1=Slack",
    )
    edited = as_json(
        run,
        "client",
        "edit",
        "ACME",
        "--name",
        "Acme Bakery",
        "--days",
        "tue-sat",
        "--turnaround",
        "admin=none",
        "--kind-rate",
        "admin=30",
        "--answer",
        "1=",
        "--answer",
        "3=mornings",
    )
    assert edited["name"] == "Acme Bakery" and edited["company"] == "Acme Ltd"
    assert edited["working_hours"] == {
        "days": ["tue", "wed", "thu", "fri", "sat"],
        "hours": "09:00-17:00",
    }
    assert edited["turnaround"] == {"admin": None, "call": 4, "creative": 48}
    assert edited["rates"] == {"admin": 3000, "creative": 6000}
    assert edited["onboarding"] == {"Best times to reach you": "mornings"}
    assert run("client", "edit", "Acme Bakery", "--company", "").stdout == "1\n"
    assert as_json(run, "client", "show", "acme bakery")["company"] == ""
    cleared = as_json(
        run,
        "client",
        "edit",
        "Acme Bakery",
        "--email",
        "x@in.example",
        "--contact",
        "Ann",
        "--agreed",
        "40h/month",
    )
    assert (cleared["emails"], cleared["agreed_minutes"], cleared["agreed_period"]) == (
        ["x@in.example"],
        2400,
        "month",
    )
    cleared = as_json(
        run, "client", "edit", "Acme Bakery", "--email", "", "--contact", "", "--agreed", "none"
    )
    assert (cleared["emails"], cleared["contacts"], cleared["agreed_minutes"]) == ([], [], None)


def test_show_prints_the_profile_as_text(run: Run) -> None:
    run(
        "client",
        "add",
        "Acme",
        "--contact",
        "Ann Lee <ann@acme.example> (owner)",
        "--timezone",
        "Europe/Paris",
        "--answer",
        "Standing priorities=Orders first",
    )
    out = run("client", "show", "acme").stdout
    assert "Ann Lee <ann@acme.example> (owner)" in out
    assert "Europe/Paris" in out
    assert "turnaround admin     24 h" in out
    assert "q: Standing priorities Orders first" in out


def test_list_is_in_priority_order_and_all_adds_the_archived(run: Run) -> None:
    for name in ("Cedar", "Acme", "Bright"):
        run("client", "add", name)
    assert names(run) == ["Cedar", "Acme", "Bright"]
    assert run("client", "archive", "acme").stdout == "2 archived\n"
    assert names(run) == ["Cedar", "Bright"]
    assert names(run, "--all") == ["Cedar", "Acme", "Bright"]
    text = run("client", "list", "--all").stdout.splitlines()
    assert [line.split()[1] for line in text] == ["Cedar", "Acme", "Bright"]
    assert text[1].endswith("(archived)") and not text[0].endswith("(archived)")
    back = as_json(run, "client", "unarchive", "Acme")
    assert back["archived"] is False and back["name"] == "Acme"
    assert names(run) == ["Cedar", "Acme", "Bright"]


def test_move_before_top_and_bottom(run: Run) -> None:
    for name in "ABCD":
        run("client", "add", name)
    assert run("client", "move", "D", "--top").stdout == "4 1\n"
    assert names(run) == ["D", "A", "B", "C"]
    moved = as_json(run, "client", "move", "a", "--before", "c")
    assert (moved["name"], moved["position"]) == ("A", 3)
    assert names(run) == ["D", "B", "A", "C"]
    run("client", "move", "D", "--bottom")
    assert names(run) == ["B", "A", "C", "D"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("client", "add", "Acme"), "A client named 'Acme' already exists"),
        (
            ("client", "add", "X", "--email", "nope"),
            "Intake address 'nope' is not an email address",
        ),
        (
            ("client", "add", "X", "--contact", "Ann <ann@>"),
            "Contact 1's email 'ann@' is not an email",
        ),
        (
            ("client", "add", "X", "--contact", "Ann 12345"),
            "Contact 1's phone '12345' is not a phone number",
        ),
        (("client", "add", "X", "--currency", "EURO"), "Currency 'EURO' is not an ISO 4217 code"),
        # A value of the wrong shape or range (--timezone, --hours, --channel, --rounding, ...)
        # is a usage error, exit 2: tests/cli/test_small_things.py.
        (
            (
                "client",
                "add",
                "X",
                "--contract-start",
                "2026-05-01",
                "--contract-end",
                "2026-01-01",
            ),
            "The contract ends (2026-01-01) before it starts (2026-05-01)",
        ),
        (("client", "add", "X", "--rate", "lots"), "'lots' is not an amount"),
        (("client", "add", "X", "--kind-rate", "creative"), "is not KIND=RATE"),
        (("client", "add", "X", "--answer", "9=x"), "There is no onboarding question 9"),
        (("client", "edit", "Acme"), "Nothing to change"),
        (
            ("client", "edit", "Nobody", "--company", "x"),
            "No client named 'Nobody' (clients: Acme)",
        ),
        (("client", "show", "Nobody"), "No client named 'Nobody'"),
        (("client", "archive", "Nobody"), "No client named 'Nobody'"),
        (("client", "move", "Acme", "--before", "Nobody"), "No client named 'Nobody'"),
        (("client", "move", "Acme", "--before", "acme"), "A client cannot be moved before itself"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_changes_nothing(
    run: Run, db_url: str, args: tuple[str, ...], message: str
) -> None:
    run("client", "add", "Acme")
    before = dump(db_url)
    result = run(*args, ok=False)
    assert result.exit_code == 1
    assert message in one_line(result)
    assert dump(db_url) == before


@pytest.mark.parametrize(
    "args",
    [("client", "move", "Acme"), ("client", "move", "Acme", "--top", "--bottom")],
)
def test_a_move_needs_one_place(run: Run, args: tuple[str, ...]) -> None:
    run("client", "add", "Acme")
    result = run(*args, ok=False)
    assert result.exit_code == 2
    assert "--" in one_line(result)


def test_archived_clients_cards_leave_card_list_until_unarchived(run: Run) -> None:
    run("client", "add", "Acme")
    run("client", "add", "Bright")
    run("card", "add", "acme job", "--client", "Acme")
    run("card", "add", "bright job", "--client", "Bright")

    def titles(*args: str) -> list[str]:
        return [c["title"] for c in as_json(run, "card", "list", *args)]

    run("client", "archive", "Acme")
    assert titles() == ["bright job"]
    assert "acme job" not in run("card", "list").stdout
    assert titles("--client", "Acme") == ["acme job"]
    assert titles("--archived-clients") == ["acme job", "bright job"]
    for args in (
        ("card", "add", "new", "--client", "acme"),
        ("card", "edit", "2", "--client", "Acme"),
    ):
        refused = run(*args, ok=False)
        assert refused.exit_code == 1
        assert "Client 'Acme' is archived; bring it back with" in one_line(refused)
    run("client", "unarchive", "Acme")
    assert titles() == ["acme job", "bright job"]
    run("card", "add", "new", "--client", "acme")
    assert titles("--client", "Acme") == ["acme job", "new"]


PASS = vc.Secret("plum orchard kettle violin")


def test_archived_clients_vault_items_leave_vault_list_until_unarchived(
    run: Run, db_url: str
) -> None:
    run("client", "add", "Acme")
    run("client", "add", "Bright")
    store = open_store(Settings(user="tester"), db_url)
    try:
        with store.write() as s:
            opened = vault.init(s, PASS, vc.KdfParams.interactive())
        for client in ("Acme", "Bright"):
            with store.write() as s:
                vault.save_item(
                    s,
                    opened,
                    {
                        "kind": "note",
                        "client": client,
                        "name": f"{client} door code",
                        "note": "4711",
                    },
                )
    finally:
        store.close()

    def items(*args: str) -> list[str]:
        phrase = PASS.text()
        out = run("vault", "list", "--json", "--passphrase-stdin", *args, input=f"{phrase}\n")
        return sorted(i["name"] for i in json.loads(out.stdout))

    run("client", "archive", "Acme")
    assert items() == ["Bright door code"]
    assert items("--client", "Acme") == ["Acme door code"]
    assert items("--archived-clients") == ["Acme door code", "Bright door code"]
    run("client", "unarchive", "Acme")
    assert items() == ["Acme door code", "Bright door code"]


@pytest.fixture
def board(db_url: str) -> Iterator[Store]:
    """An open board's store: another process, as far as the change feed can tell."""
    store = open_store(Settings(user="board"), db_url)
    yield store
    store.close()


def test_an_open_board_hears_a_client_move_and_reads_the_new_order(run: Run, board: Store) -> None:
    for name in ("Acme", "Bright", "Cedar"):
        run("client", "add", name)
    feed = ChangeFeed(board, poll_interval=0.02)
    try:
        feed.wait(0.1)  # whatever the adds left pending
        run("client", "move", "Cedar", "--top")
        assert feed.wait(3)
        with board.read() as s:
            assert [c.name for c in list_clients(s)] == ["Cedar", "Acme", "Bright"]
    finally:
        feed.close()


def test_show_and_list_print_text_another_tool_stored_without_its_escapes(
    run: Run, db_url: str
) -> None:
    from sqlalchemy import create_engine, text

    from tests.cli.test_hostile_output import HOSTILE, RAW

    run("client", "add", "Acme", "--contact", "Ann", "--answer", "1=ok")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE clients SET company = :c, nda_note = :note, timezone = :z, name = :n"),
            {"c": HOSTILE, "note": HOSTILE, "z": HOSTILE[:60], "n": "Acme " + HOSTILE},
        )
        conn.execute(
            text("UPDATE client_contacts SET name = :n, role = :r"), {"n": HOSTILE, "r": HOSTILE}
        )
    engine.dispose()
    for args in (("client", "show", "Acme " + HOSTILE), ("client", "list", "--all")):
        out = run(*args).stdout
        assert "Invoice" in out
        for raw in RAW:
            assert raw not in out, f"{raw!r} reached the terminal"
