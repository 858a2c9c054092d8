"""Reports on SQLite and PostgreSQL: golden CSV/Markdown/JSON, the PDF, billed is billed, CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import FIXED_NOW
from vadesk.cli import cli
from vadesk.db.models import Card
from vadesk.domain.report import Business, Report
from vadesk.errors import ConflictError
from vadesk.services import billing, reports, timer
from vadesk.services.cards import complete_card, create_card
from vadesk.services.clients import add_client
from vadesk.services.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
GOLDEN = Path(__file__).parent.parent / "golden"
NOVEMBER = reports.month_period("2026-11")
BUSINESS = Business("Maria Rossi VA", "Via Roma 1\n00100 Roma", "IT12345678901")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


def seed(store: Store) -> tuple[int, list[int]]:
    """Acme: €40/h, creative €60/h, 15-minute rounding, 10 % off, a 2-hour package."""
    with store.write() as s:
        acme = add_client(s, "Acme GmbH", now=FIXED_NOW).id
        add_client(s, "Quiet Co", now=FIXED_NOW)
        billing.set_rules(
            s,
            acme,
            default_rate_minor=4000,
            rates={"creative": 6000},
            rounding_minutes=15,
            discount_percent=10,
        )
        timer.add_package(s, acme, 2, 7000, purchased_at=local("2026-11-01T00:00"))
        inbox = create_card(s, "=Inbox | cleanup", client_id=acme, kind="admin").id
        logo = create_card(s, "Logo", client_id=acme, kind="creative").id
        times = [
            (inbox, "2026-11-03T09:00", "2026-11-03T10:07", "-sorted, filed"),
            (logo, "2026-11-10T23:30", "2026-11-11T01:10", "night shift"),
            (logo, "2026-11-20T14:00", "2026-11-20T15:00", ""),
            (inbox, "2026-10-31T23:00", "2026-11-01T00:20", "month edge"),
        ]
        ids = [
            timer.add_entry(s, store.user_id, card, local(a), local(b), note=note, now=FIXED_NOW)[
                0
            ].id
            for card, a, b, note in times
        ]
    return acme, ids


def make(store: Store, client_id: int, now: datetime = FIXED_NOW) -> Report:
    with store.read() as s:
        return reports.client_report(
            s,
            client_id,
            NOVEMBER,
            BERLIN,
            business=BUSINESS,
            timezone_name="Europe/Berlin",
            now=now,
        )


def finish_two_cards(store: Store, client_id: int) -> None:
    """Acme's turnaround in November: an admin card done in 6 h (promised 24 h: on time), a
    creative one in 3 d 2 h (promised 48 h: late); median (6 h + 74 h) / 2 = 1 d 16 h."""
    with store.write() as s:
        flyer = create_card(
            s, "Flyer", client_id=client_id, kind="admin", now=local("2026-11-02T09:00")
        ).id
        complete_card(s, flyer, now=local("2026-11-02T15:00"))
        menu = create_card(
            s, "Menu", client_id=client_id, kind="creative", now=local("2026-11-05T10:00")
        ).id
        complete_card(s, menu, now=local("2026-11-08T12:00"))


@pytest.mark.parametrize("fmt", ["csv", "md", "json"])
def test_golden_files(store: Store, fmt: str) -> None:
    acme, _ = seed(store)
    finish_two_cards(store, acme)
    produced = reports.render(make(store, acme), fmt, "en_US")
    golden = GOLDEN / f"report-acme-2026-11.{fmt}"
    assert produced.decode("utf-8") == golden.read_bytes().decode("utf-8")


def test_totals_equal_the_rows_in_every_format(store: Store) -> None:
    acme, _ = seed(store)
    r = make(store, acme)
    data = json.loads(reports.render(r, "json", "en_US"))
    assert data["totals"]["minutes"] == sum(e["minutes"] for e in data["entries"])
    assert data["totals"]["subtotal_minor"] == sum(e["amount_minor"] for e in data["entries"])
    assert data["totals"]["subtotal_minor"] == sum(k["amount_minor"] for k in data["per_kind"])
    assert data["totals"]["billed_minutes"] == sum(c["billed_minutes"] for c in data["per_card"])
    assert (
        data["totals"]["total_minor"]
        == data["totals"]["subtotal_minor"] - data["totals"]["discount_minor"]
    )
    csv_rows = reports.render(r, "csv", "en_US").decode().splitlines()[1:]
    assert sum(int(row.split(",")[3]) for row in csv_rows) == data["totals"]["minutes"]


def test_pdf_holds_client_entries_and_totals_and_renders(store: Store, tmp_path: Path) -> None:
    acme, _ = seed(store)
    r = make(store, acme)
    path = tmp_path / "acme.pdf"
    path.write_bytes(reports.render(r, "pdf", "en_US"))
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Acme GmbH" in text
    assert "Maria Rossi VA" in text and "IT12345678901" in text
    for row in r.rows:
        assert f"{row.day}" in text and f"{row.start:%H:%M}" in text
    assert "€135.00" in text  # the total, after the discount
    assert "Page 1 of" in text
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed to check that the PDF renders")
    done = subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert sorted(p.name for p in tmp_path.glob("page*.png"))


def test_long_pdf_has_totals_on_the_last_page(store: Store, tmp_path: Path) -> None:
    with store.write() as s:
        acme = add_client(s, "Busy", now=FIXED_NOW).id
        card = create_card(s, "Daily admin", client_id=acme).id
        for day in range(1, 24):
            for hour in (8, 10, 12, 14, 16):
                start = local(f"2026-11-{day:02d}T{hour:02d}:00")
                timer.add_entry(
                    s, store.user_id, card, start, start + timedelta(minutes=50), now=FIXED_NOW
                )
    pages = PdfReader(_pdf(store, acme, tmp_path)).pages
    assert len(pages) > 1
    assert "Total" in pages[-1].extract_text()
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1].extract_text()


def _pdf(store: Store, client_id: int, tmp_path: Path) -> Path:
    path = tmp_path / "r.pdf"
    path.write_bytes(reports.render(make(store, client_id), "pdf", "en_US"))
    return path


def test_client_without_time_gets_a_report_not_an_error(store: Store) -> None:
    seed(store)
    with store.read() as s:
        quiet = reports.report_by_name(s, "quiet co", NOVEMBER, BERLIN, now=FIXED_NOW)
    assert quiet.empty
    assert "No time logged for Quiet Co" in reports.render(quiet, "md", "en_US").decode()


def test_mark_billed_records_once_and_the_next_report_shows_corrections(store: Store) -> None:
    acme, ids = seed(store)
    with store.write() as s:
        inv = reports.mark_billed(s, acme, NOVEMBER, "2026-014", BERLIN, now=FIXED_NOW)
    assert (inv.number, inv.entries, inv.total_minor) == ("2026-014", 5, 13500)
    assert all(row.invoice == "2026-014" for row in make(store, acme).rows)
    with store.write() as s, pytest.raises(ConflictError, match="billed already"):
        reports.mark_billed(s, acme, NOVEMBER, "2026-015", BERLIN, now=FIXED_NOW)
    # The VA shortens one billed entry and deletes another: both come back as corrections.
    with store.write() as s:
        timer.edit_entry(s, store.user_id, ids[2], end_at=local("2026-11-20T14:30"), now=FIXED_NOW)
        timer.delete_entry(s, store.user_id, ids[0])
    r = make(store, acme)
    assert [(c.entry_id, c.deleted, c.billed_seconds_now // 60) for c in r.corrections] == [
        (ids[0], True, 0),
        (ids[2], False, 30),
    ]
    with store.write() as s:
        fix = reports.mark_billed(s, acme, NOVEMBER, "2026-015", BERLIN, now=FIXED_NOW)
    assert fix.corrections == 2 and fix.entries == 0
    assert fix.total_minor == -7200  # -(75 min at €40 + 30 min at €60) less 10 %
    assert make(store, acme).corrections == ()
    with store.read() as s:
        listed = reports.list_invoices(s, BERLIN, acme)
    assert [(i.number, i.total_minor) for i in listed] == [("2026-014", 13500), ("2026-015", -7200)]


def test_a_running_timer_is_not_billed(store: Store) -> None:
    acme, _ = seed(store)
    with store.write() as s:
        card = create_card(s, "live", client_id=acme).id
        timer.start(s, store.user_id, card, now=FIXED_NOW - timedelta(minutes=20))
    r = make(store, acme)
    assert [row.minutes for row in r.rows if row.running] == [20]
    with store.write() as s, pytest.raises(ConflictError, match="timer is running"):
        reports.mark_billed(s, acme, NOVEMBER, "X-1", BERLIN, now=FIXED_NOW)


def test_cli_report_invoices_and_all_clients_to_a_folder(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Europe/Berlin"\nlocale = "de_DE"\n[business]\nname = "Maria"\n')
    monkeypatch.setenv("VADESK_CONFIG", str(config))
    runner = CliRunner()
    store_url = db_url
    from vadesk.config import Settings
    from vadesk.services.store import open_store

    store = open_store(Settings(user="tester"), store_url)
    try:
        seed(store)
    finally:
        store.close()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, ["--db", store_url, *args])
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run("report", "--client", "acme gmbh", "--month", "2026-11", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("date,start,end,minutes")
    assert len(out.splitlines()) == 6  # header + 5 rows (one entry split at midnight)
    code, out, _ = run(
        "report", "--all", "--month", "2026-11", "--format", "pdf", "--out", str(tmp_path / "out")
    )
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(names) == 2 and all(n.endswith("-2026-11.pdf") for n in names)
    assert all((tmp_path / "out" / n).stat().st_mode & 0o777 == 0o600 for n in names)
    code, out, err = run(
        "report", "--client", "Acme GmbH", "--month", "2026-11", "--mark-billed", "A-1"
    )
    assert code == 0, err
    assert out == "billed Acme GmbH 2026-11-01–2026-11-30 under A-1: 5 entries, 135,00\xa0€\n"
    code, out, err = run(
        "report", "--client", "Acme GmbH", "--month", "2026-11", "--mark-billed", "A-2"
    )
    assert code == 1 and len(err.strip().splitlines()) == 1 and "billed already" in err
    code, out, _ = run("invoices", "--json")
    assert [(i["number"], i["client"], i["entries"]) for i in json.loads(out)] == [
        ("A-1", "Acme GmbH", 5)
    ]
    code, _, err = run("report", "--client", "x", "--all")
    assert code == 2 and "--client and --all cannot be used together" in err
    code, _, err = run("report", "--month", "2026-13", "--client", "Acme GmbH")
    assert code == 2 and "'2026-13' is not a month like 2026-11" in err  # a usage error


def test_month_period_is_local_days() -> None:
    assert reports.month_period("2026-02") == reports.Period(date(2026, 2, 1), date(2026, 2, 28))
    start, end = reports.month_period("2026-11").bounds(BERLIN)
    assert (start, end) == (
        datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
    )


def test_timer_figures_carry_amounts_where_rates_are_set(store: Store) -> None:
    acme, _ = seed(store)
    with store.write() as s:
        quiet = reports.client_by_name(s, "Quiet Co").id
        card = create_card(s, "Logo v2", client_id=acme, kind="creative").id
        other = create_card(s, "Quiet task", client_id=quiet).id
        timer.add_entry(
            s,
            store.user_id,
            other,
            FIXED_NOW - timedelta(hours=2),
            FIXED_NOW - timedelta(hours=1),
            now=FIXED_NOW,
        )
        timer.start(s, store.user_id, card, now=FIXED_NOW - timedelta(minutes=30))
    with store.read() as s:
        fig = timer.figures(s, store.user_id, now=FIXED_NOW, tz=BERLIN, client_id=acme)
        plain = timer.figures(s, store.user_id, now=FIXED_NOW, tz=BERLIN, client_id=quiet)
    # 30 minutes of creative work at €60/h so far today, growing with the running timer.
    assert (fig.currency, fig.rate_minor, fig.client_today_minor) == ("EUR", 6000, 3000)
    assert fig.at(FIXED_NOW + timedelta(minutes=15)).client_today_minor == 4500
    assert plain.currency == ""  # no rate: no amount


def test_two_windows_billing_at_once_bill_the_time_once(db_url: str) -> None:
    import threading

    from vadesk.config import Settings
    from vadesk.services.store import open_store

    first = open_store(Settings(user="tester"), db_url)
    second = open_store(Settings(user="tester"), db_url)
    try:
        acme, _ = seed(first)
        results: list[str] = []
        barrier = threading.Barrier(2)

        def bill(store: Store, number: str) -> None:
            barrier.wait()
            try:
                with store.write() as s:
                    reports.mark_billed(s, acme, NOVEMBER, number, BERLIN, now=FIXED_NOW)
                results.append(number)
            except ConflictError as error:
                results.append(f"refused: {error}")

        threads = [
            threading.Thread(target=bill, args=(first, "A-1")),
            threading.Thread(target=bill, args=(second, "B-1")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 2
        assert sum(not r.startswith("refused") for r in results) == 1, results
        with first.read() as s:
            (invoice,) = reports.list_invoices(s, BERLIN, acme)
        assert invoice.entries == 5
    finally:
        first.close()
        second.close()


def test_pdf_carries_the_business_logo(store: Store, tmp_path: Path) -> None:
    from PIL import Image

    acme, _ = seed(store)
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (200, 30, 30)).save(logo)
    with store.read() as s:
        r = reports.client_report(
            s,
            acme,
            NOVEMBER,
            BERLIN,
            business=Business("Maria", logo=str(logo)),
            now=FIXED_NOW,
        )
    path = tmp_path / "logo.pdf"
    path.write_bytes(reports.render(r, "pdf", "en_US"))
    assert len(PdfReader(path).pages[0].images) == 1
    r_without = replace(r, business=Business("Maria"))
    path.write_bytes(reports.render(r_without, "pdf", "en_US"))
    assert len(PdfReader(path).pages[0].images) == 0


def test_a_timer_left_running_since_last_month_counts_from_the_first(store: Store) -> None:
    acme, _ = seed(store)
    with store.write() as s:
        card = s.scalar(select(Card.id).where(Card.title == "Logo"))
        timer.start(s, store.user_id, card, now=local("2026-10-29T09:00"))
    r = make(store, acme)
    running = [row for row in r.rows if row.running]
    assert running[0].day == date(2026, 11, 1) and running[-1].day == date(2026, 11, 24)
    expected = int((FIXED_NOW - local("2026-11-01T00:00")).total_seconds())
    assert sum(row.seconds for row in running) == expected


def test_turnaround_record_counts_this_clients_done_cards_per_month(store: Store) -> None:
    acme, _ = seed(store)
    finish_two_cards(store, acme)
    with store.write() as s:
        quiet = reports.client_by_name(s, "Quiet Co").id
        other = create_card(s, "Not Acme's", client_id=quiet, kind="admin", now=FIXED_NOW).id
        complete_card(s, other, now=local("2026-11-02T10:00"))
        october = create_card(
            s, "Old", client_id=acme, kind="admin", now=local("2026-10-20T09:00")
        ).id
        complete_card(s, october, now=local("2026-10-20T14:00"))
    turnaround = make(store, acme).turnaround
    assert [(m.month, m.done, m.on_time, m.late) for m in turnaround.months] == [
        ("2026-11", 2, 1, 1)
    ]
    assert turnaround.median_seconds == 40 * 3600
    with store.read() as s:
        autumn = reports.client_report(
            s,
            acme,
            reports.range_period(date(2026, 10, 1), date(2026, 11, 30)),
            BERLIN,
            now=FIXED_NOW,
        )
        part = reports.client_report(
            s,
            acme,
            reports.range_period(date(2026, 11, 1), date(2026, 11, 15)),
            BERLIN,
            now=FIXED_NOW,
        )
    assert [(m.month, m.done, m.median_seconds) for m in autumn.turnaround.months] == [
        ("2026-10", 1, 5 * 3600),
        ("2026-11", 2, 40 * 3600),
    ]
    assert (autumn.turnaround.on_time, autumn.turnaround.late) == (2, 1)
    assert autumn.turnaround.median_seconds is None  # each month has its own
    data = json.loads(reports.render(part, "json", "en_US"))
    assert data["turnaround"] == {
        "available": False,
        "note": "Turnaround record: for whole months only; use --month YYYY-MM.",
    }


def test_turnaround_sentence_is_in_the_pdf(store: Store, tmp_path: Path) -> None:
    acme, _ = seed(store)
    finish_two_cards(store, acme)
    path = tmp_path / "acme.pdf"
    path.write_bytes(reports.render(make(store, acme), "pdf", "en_US"))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())
    assert "Turnaround: 1 done on time, 1 late, median 1d 16h from creation to done." in text


def test_time_sheet_amounts_are_the_reports_amounts_packages_included(store: Store) -> None:
    """The time sheet's amount per entry is what the report bills for it: time drawn from
    the 2-hour package costs nothing more; an entry over midnight sums its two days."""
    acme, ids = seed(store)
    with store.read() as s:
        spans = [
            (e.id, e.client_id, e.started_at, e.ended_at)
            for e in timer.entries_between(
                s, store.user_id, local("2026-10-01T00:00"), local("2026-12-01T00:00")
            )
        ]
        amounts = reports.entry_amounts(s, spans, BERLIN, now=FIXED_NOW)
    inbox, night, logo, edge = ids
    assert {
        i: (a.amount_minor, a.package_seconds, a.text("en_US")) for i, a in amounts.items()
    } == {
        inbox: (0, 75 * 60, "package"),  # 67 min, billed 75, all from the package
        night: (1500 + 7500, 15 * 60, "€90.00 + package"),  # the package's last 15 min
        logo: (6000, 0, "€60.00"),
        edge: (4000, 30 * 60, "€40.00 + package"),  # October's hour before the package
    }
    november = make(store, acme)
    for entry_id in (inbox, night, logo):
        rows = [r for r in november.rows if r.entry_id == entry_id]
        assert amounts[entry_id].amount_minor == sum(r.amount_minor for r in rows)


def test_non_billable_time_has_no_amount_in_the_sheet_or_the_report(store: Store) -> None:
    from vadesk.db.models import TimeEntry

    acme, ids = seed(store)
    logo = ids[2]
    with store.write() as s:
        s.get(TimeEntry, logo).billable = False  # type: ignore[union-attr]
    with store.read() as s:
        spans = [
            (e.id, e.client_id, e.started_at, e.ended_at)
            for e in timer.entries_between(
                s, store.user_id, local("2026-11-20T00:00"), local("2026-11-21T00:00")
            )
        ]
        amounts = reports.entry_amounts(s, spans, BERLIN, now=FIXED_NOW)
    assert amounts[logo].text("en_US") == "not billable" and amounts[logo].amount_minor == 0
    r = make(store, acme)
    md = reports.render(r, "md", "en_US").decode()
    assert "| 2026-11-20 | 14:00 | 15:00 | 60 | 0 | #2 Logo | creative |  | not billable |" in md
    csv_row = next(
        line
        for line in reports.render(r, "csv", "en_US").decode().splitlines()
        if "2026-11-20" in line
    )
    assert csv_row.split(",")[9] == ""  # no amount
    data = json.loads(reports.render(r, "json", "en_US"))
    assert [e["billable"] for e in data["entries"] if e["entry_id"] == logo] == [False]
