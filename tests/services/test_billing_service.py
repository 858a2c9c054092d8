"""Billing rules stored per client, on SQLite and PostgreSQL, and their CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from vadesk.cli import cli
from vadesk.services import billing, timer
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.store import Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def test_rules_packages_and_invoice(store: Store) -> None:
    with store.write() as s:
        acme = add_client(s, "Acme")
        billing.set_rules(
            s,
            acme.id,
            default_rate_minor=4000,
            rates={"creative": 6000},
            rounding_minutes=15,
            rounding_scope="entry",
            minimum_minutes=0,
            discount_percent=10,
        )
        admin = create_card(s, "admin task", client_id=acme.id, kind="admin").id
        design = create_card(s, "flyer", client_id=acme.id, kind="creative").id
        timer.add_package(s, acme.id, 1, 3500, purchased_at=NOW - timedelta(days=10))
        timer.add_entry(
            s,
            store.user_id,
            admin,
            NOW - timedelta(hours=5),
            NOW - timedelta(hours=5) + timedelta(minutes=50),
            now=NOW,
        )
        timer.add_entry(
            s,
            store.user_id,
            design,
            NOW - timedelta(hours=3),
            NOW - timedelta(hours=3) + timedelta(minutes=7),
            now=NOW,
        )
    with store.read() as s:
        bill = billing.client_invoice(s, acme.id, NOW - timedelta(days=30), NOW, BERLIN, NOW)
        remaining, total = billing.package_balance(s, acme.id, NOW, BERLIN)
    # 50 min admin -> 60 billed, all from the 1 h package; 7 min creative -> 15 billed at €60/h.
    assert [(line.billed_seconds // 60, line.package_seconds // 60) for line in bill.lines] == [
        (60, 60),
        (15, 0),
    ]
    assert (bill.subtotal_minor, bill.discount_minor, bill.total_minor) == (1500, 150, 1350)
    assert (remaining, total) == (0, 3600)


def test_cli_rules_and_package(db_url: str) -> None:
    run = CliRunner()
    base = ["--db", db_url]
    run.invoke(cli, [*base, "client", "add", "Acme", "--currency", "GBP"])
    out = run.invoke(
        cli,
        [
            *base,
            "client",
            "rules",
            "Acme",
            "--rate",
            "40",
            "--kind-rate",
            "creative=62.50",
            "--rounding",
            "6",
            "--per",
            "day",
            "--minimum",
            "15",
            "--discount",
            "5",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == {
        "currency": "GBP",
        "rate": "£40.00",
        "rates": {"creative": "£62.50"},
        "rounding_minutes": 6,
        "rounding_per": "day",
        "minimum_minutes": 15,
        "discount_percent": 5,
    }
    assert (
        run.invoke(
            cli, [*base, "client", "package", "Acme", "--hours", "10", "--price", "350"]
        ).exit_code
        == 0
    )
    bad = run.invoke(cli, [*base, "client", "rules", "Acme", "--kind-rate", "creative=abc"])
    assert bad.exit_code == 1 and "is not an amount" in bad.stderr
    bad = run.invoke(cli, [*base, "client", "rules", "Acme", "--rate", "40.123"])
    assert bad.exit_code == 1 and "more decimals" in bad.stderr
