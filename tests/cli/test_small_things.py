"""Small things a user trips over on the command line (QA findings): each says what happened,
in words that agree with the numbers, and a bad value on the command line is a usage error."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.cli.conftest import Run, dump, one_line

PASSPHRASE = "correct horse battery staple 42"


def certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate and its key (made with the openssl tool)."""
    cert, key = folder / f"{name}-cert.pem", folder / f"{name}-key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


# ---------------------------------------------------------------- portal serve: TLS files


def test_serve_with_a_missing_certificate_says_so_before_claiming_to_serve(
    run: Run, tmp_path: Path
) -> None:
    cert, key = certificate(tmp_path, "ok")
    missing = tmp_path / "nonexist.pem"
    for args in (("--certfile", str(missing), "--keyfile", str(key)), ("--certfile", str(cert))):
        result = run(
            "portal", "serve", *args, "--keyfile", str(missing), "--host", "0.0.0.0", ok=False
        )
        assert result.exit_code == 2
        line = one_line(result)
        assert f"'{missing}' does not exist" in line and "portal serve --help" in line
        assert "Serving" not in result.output


def test_serve_refuses_a_key_that_is_not_the_certificates(run: Run, tmp_path: Path) -> None:
    cert, _ = certificate(tmp_path, "one")
    _, other_key = certificate(tmp_path, "two")
    result = run("portal", "serve", "--certfile", str(cert), "--keyfile", str(other_key), ok=False)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"Error: Cannot use --certfile {cert} with --keyfile {other_key}: the key is not the "
        "certificate's; give the key made with it."
    )
    assert "Serving" not in result.output


def test_serve_refuses_files_that_are_not_pem(run: Run, tmp_path: Path) -> None:
    cert, _ = certificate(tmp_path, "one")
    result = run("portal", "serve", "--certfile", str(cert), "--keyfile", str(cert), ok=False)
    assert result.exit_code == 1
    assert one_line(result).endswith(
        ": give a PEM certificate and its private key (not encrypted)."
    )


def test_serve_accepts_a_real_pair_and_goes_on_to_the_port(run: Run, tmp_path: Path) -> None:
    cert, key = certificate(tmp_path, "ok")
    with socket.socket() as taken:  # the port check comes after the files passed theirs
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            "portal", "serve", "--certfile", str(cert), "--keyfile", str(key),
            "--port", str(port), ok=False,
        )  # fmt: skip
    assert one_line(result).startswith(f"Error: Cannot serve on 127.0.0.1:{port}")


# ---------------------------------------------------------------- exit 2 for bad values


@pytest.fixture
def acme(run: Run, db_url: str) -> str:
    run("client", "add", "Acme")
    return db_url


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("portal", "invite", "Acme", "--expires", "400d"), "--expires must be between 1h"),
        (("portal", "invite", "Acme", "--expires", "0h"), "--expires must be between 1h"),
        (("portal", "invite", "Acme", "--expires", "forever"), "is not a duration like 30d"),
        (("plan", "--week", "9999-12-31"), "give a year from 1970 to 2999"),
        (("plan", "--week", "0001-01-01"), "give a year from 1970 to 2999"),
    ],
)
def test_a_value_out_of_range_is_a_usage_error_naming_the_help(
    run: Run, acme: str, args: tuple[str, ...], message: str
) -> None:
    before = dump(acme)
    result = run(*args, ok=False)
    assert result.exit_code == 2
    line = one_line(result)
    command = " ".join(args[:2] if args[0] == "portal" else args[:1])
    assert message in line and line.endswith(f" {command} --help')")
    assert dump(acme) == before


CLIENT_VALUES = [
    (("--timezone", "Mars/Base"), "Time zone 'Mars/Base' is not an IANA zone"),
    (("--hours", "17-9"), "Working hours '17-9' ends before it starts"),
    (("--days", "weekdays"), "'weekdays' is not a day"),
    (("--channel", "fax"), "Channel 'fax' is not one of: email, phone, chat, video"),
    (("--agreed", "lots"), "Agreed hours 'lots' is not like 10h/week"),
    (("--nda-signed", "soon"), "NDA signed on 'soon' is not a date"),
    (("--contract-end", "0001-01-01"), "Contract end '0001-01-01' is not between 1970 and 2999"),
    (("--turnaround", "admin"), "is not KIND=HOURS"),
    (("--turnaround", "lunch=1"), "'lunch' is not a kind of task"),
    (("--rounding", "5"), "Rounding must be 0 (none), 1, 6 or 15"),
    (("--per", "week"), "Rounding per 'week' is not one of: entry, day"),
    (("--minimum", "9999"), "The minimum charge must be 0 to 600 minutes"),
    (("--discount", "101"), "The discount must be between 0 and 100"),
    (("--turnaround-mode", "fast"), "Turnaround counted in 'fast' is not one of"),
    (("--colour", "blue"), "Colour 'blue' is not a colour like #4fc1ff"),
]


@pytest.mark.parametrize("command", ["add", "edit"])
@pytest.mark.parametrize(("option", "message"), CLIENT_VALUES)
def test_a_client_value_of_the_wrong_shape_or_range_is_a_usage_error(
    run: Run, acme: str, command: str, option: tuple[str, ...], message: str
) -> None:
    name = "Acme" if command == "edit" else "Bright"
    before = dump(acme)
    result = run("client", command, name, *option, ok=False)
    assert result.exit_code == 2
    line = one_line(result)
    assert message in line and line.endswith(f" client {command} --help')")
    assert dump(acme) == before


def test_good_client_values_and_clearing_ones_still_save(run: Run, acme: str) -> None:
    args = ("--timezone", "", "--hours", "", "--days", "", "--agreed", "none", "--colour", "")
    run("client", "add", "Bright", *args, "--channel", "Phone", "--per", "Day")
    edited = run(
        "client", "edit", "Bright", "--timezone", "Europe/London", "--hours", "9-17",
        "--days", "mon-fri", "--agreed", "10h/week", "--rounding", "15", "--discount", "5",
        "--turnaround", "call=none", "--turnaround-mode", "working", "--json",
    )  # fmt: skip
    data = json.loads(edited.stdout)
    assert (data["timezone"], data["channel"], data["turnaround_mode"]) == (
        "Europe/London",
        "phone",
        "working",
    )


def test_a_refused_state_stays_exit_1(run: Run, acme: str) -> None:
    result = run("client", "add", "Acme", ok=False)
    assert result.exit_code == 1
    assert "A client named 'Acme' already exists" in one_line(result)
    result = run(
        "client", "add", "X", "--contract-start", "2026-05-01", "--contract-end", "2026-01-01",
        ok=False,
    )  # fmt: skip
    assert result.exit_code == 1  # each date is fine; together they are refused
    assert "The contract ends (2026-01-01) before it starts (2026-05-01)" in one_line(result)


def test_a_lane_map_of_the_wrong_shape_is_a_usage_error(
    run: Run, acme: str, tmp_path: Path
) -> None:
    board = tmp_path / "board.json"
    board.write_text("{}")
    result = run("import", "trello", str(board), "--lanes", "Todo", ok=False)
    assert result.exit_code == 2
    assert one_line(result) == (
        "Error: --lanes part 'Todo' is not LIST=LANE; write e.g. "
        "\"To Do=Normal,Doing=High,Done=Done\". (see 'cli import trello --help')"
    )  # "cli": the test runner's name for vadesk


def test_an_invite_within_range_still_works(run: Run, acme: str) -> None:
    data = json.loads(run("portal", "invite", "Acme", "--expires", "52w", "--json").stdout)
    assert data["state"] == "active"


# ---------------------------------------------------------------- words that agree with numbers


def test_invoices_say_one_entry_not_one_entries(run: Run, acme: str) -> None:
    run("card", "add", "Task", "--client", "Acme")
    run("timer", "add", "1", "--start", "2026-10-05T09:00", "--end", "2026-10-05T10:00")
    billed = run("report", "--client", "Acme", "--month", "2026-10", "--mark-billed", "INV-1")
    assert billed.stdout.strip().endswith(": 1 entry, €0.00")
    listed = run("invoices").stdout.strip()
    assert listed.endswith("€0.00  1 entry") and "entries" not in listed


def test_client_rules_print_readable_lines(run: Run, acme: str) -> None:
    assert run("client", "rules", "Acme").stdout.splitlines() == [
        "currency    EUR",
        "rate        €0.00 an hour",
        "kind rates  none: every kind bills at the rate",
        "rounding    up to 1 min per entry",
        "minimum     0 min per entry",
        "discount    0 %",
    ]
    out = run(
        "client", "rules", "Acme", "--rate", "40", "--kind-rate", "creative=62.50",
        "--rounding", "0",
    ).stdout  # fmt: skip
    assert out.splitlines() == [
        "currency       EUR",
        "rate           €40.00 an hour",
        "rate creative  €62.50 an hour",
        "rounding       none",
        "minimum        0 min per entry",
        "discount       0 %",
    ]
    assert "{" not in out


def test_lane_commands_say_what_they_did(run: Run, acme: str) -> None:
    lanes = json.loads(run("lane", "list", "--json").stdout)
    last = len(lanes)  # the new lane's place once added
    run("lane", "add", "Hold")
    assert run("lane", "move", "Hold", "99").stdout == (
        f"Moved lane 'Hold' to position {last}, the rightmost "
        f"(there is no position 99: they run from 0 to {last}).\n"
    )
    assert run("lane", "move", "Hold", "0").stdout == (
        "Moved lane 'Hold' to position 0, the leftmost.\n"
    )
    assert run("lane", "move", "hold", "2").stdout == "Moved lane 'Hold' to position 2.\n"
    assert run("lane", "rename", "hold", "On hold").stdout == (
        "Renamed lane 'Hold' to 'On hold'.\n"
    )
    assert run("lane", "remove", "On hold").stdout == "Removed lane 'On hold'.\n"
    assert json.loads(run("lane", "list", "--json").stdout) == lanes
    run("lane", "add", "Hold")
    moved = json.loads(run("lane", "move", "Hold", "99", "--json").stdout)
    assert (moved["name"], moved["position"]) == ("Hold", last)


def test_lane_edit_says_what_it_did_even_when_no_clock_moved(run: Run, acme: str) -> None:
    run("lane", "add", "Hold")
    assert run("lane", "edit", "hold", "--waiting").stdout == (
        "Lane 'Hold' is a waiting lane now; no card clock changed.\n"
    )
    assert run("lane", "edit", "Hold", "--no-waiting").stdout == (
        "Lane 'Hold' is a plain lane now; no card clock changed.\n"
    )
    before = dump(acme)
    result = run("lane", "edit", "Hold", ok=False)
    assert result.exit_code == 1
    assert one_line(result) == (
        "Error: Nothing to change; give --waiting or --no-waiting (see `vadesk lane edit --help`)."
    )
    assert dump(acme) == before


# ---------------------------------------------------------------- vault


@pytest.fixture
def vault_ready(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    config = tmp_path / "config.toml"
    config.write_text('vault_kdf = "interactive"\n')
    monkeypatch.setenv("VADESK_CONFIG", str(config))
    run("client", "add", "Acme")
    run("client", "add", "日本商事")
    run("vault", "init", "--passphrase-stdin", input=PASSPHRASE + "\n")
    return run


def test_a_second_import_from_says_nothing_new(vault_ready: Run, tmp_path: Path) -> None:
    export = tmp_path / "bitwarden.csv"
    export.write_text(
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,"
        "login_password,login_totp\n"
        ",,login,Acme bank,,,0,https://bank.example,ann,S3cret-pw-1,\n"
    )
    args = ("vault", "import-from", "bitwarden", str(export), "--client", "Acme")
    first = vault_ready(*args, "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert first.stdout.splitlines()[0] == (
        "imported 1 login, 0 cards, 0 notes for Acme; 0 already in the vault; skipped 0"
    )
    again = vault_ready(*args, "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert again.stdout.splitlines()[0] == (
        "imported nothing new; 1 already in the vault; skipped 0"
    )


def test_vault_list_columns_line_up_with_wide_names(vault_ready: Run) -> None:
    for client, name, url, user in (
        ("Acme", "Bank", "https://bank.example", "ann"),
        ("日本商事", "銀行ログイン", "https://jp.example", "taro"),
        ("Acme", "A" * 50, "https://x.example/" + "p" * 60, "u"),
    ):
        vault_ready(
            "vault", "add", "login", "--client", client, "--name", name, "--url", url,
            "--username", user, "--passphrase-stdin", "--secret-stdin",
            input=f"{PASSPHRASE}\npw-{user}\n\n",
        )  # fmt: skip
    rows = vault_ready("vault", "list", "--passphrase-stdin", input=PASSPHRASE + "\n")
    rows = rows.stdout.splitlines()
    assert len(rows) == 3

    def cell(row: str, text: str) -> int:
        """The terminal column ``text`` starts at (wide characters take two)."""
        return cell_len(row[: row.index(text)])

    # Each column starts at the same terminal column on every line.
    names = [cell(row, next(n for n in ("Bank", "銀行", "AAAA") if n in row)) for row in rows]
    urls = [cell(row, "https://") for row in rows]
    users = [cell_len(row[: row.rindex(" ") + 1]) for row in rows]
    assert len(set(names)) == len(set(urls)) == len(set(users)) == 1, rows
    long = next(row for row in rows if "AAAA" in row)
    assert "A" * 31 + "…" in long and "A" * 33 not in long  # cut to its column, visibly
    japanese = next(row for row in rows if "銀行" in row)
    assert "日本商事" in japanese and "銀行ログイン" in japanese


# ---------------------------------------------------------------- intake --watch


def test_a_watch_stopped_after_one_round_prints_its_summary_once(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    from tests.cli.test_intake_cli import mail

    folder = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True)
    for n in range(3):
        (folder / "cur" / f"{n}.host:2,S").write_bytes(mail(f"Task {n}", f"<t{n}@x>"))
    run("intake", str(folder))  # the first run takes them: the watch finds duplicates
    vadesk = shutil.which("vadesk")
    assert vadesk is not None
    process = subprocess.Popen(
        [vadesk, "--db", db_url, "intake", "--watch", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        rest, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert (process.returncode, err) == (0, "")
    assert first == "0 cards, 0 comments, 3 duplicates, 0 skipped\n"
    assert rest == ""  # not the same line again
