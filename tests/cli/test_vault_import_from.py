"""`vadesk vault import-from`: moving in from a password manager, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.conftest import Run, dump, one_line
from vadesk.cli import cli

PASSPHRASE = "correct horse battery staple 42"
LASTPASS = (
    "url,username,password,totp,extra,name,grouping,fav\r\n"
    'https://bank.example,acme-ops,"Pl41n,text""pw",,"notes, with comma",Acme bank,'
    "Clients\\Acme,0\r\n"
    "https://crm.example,bea,Crm-S3cret-77,otpauth://totp/CRM?secret=JBSWY3DPEHPK3PXP"
    "&algorithm=SHA256&digits=8,,Bakery CRM,Bakery,0\r\n"
    'http://sn,,,,"NoteType:Credit Card\nName on Card:Ann\nNumber:4111111111111112\n'
    'Security Code:999\nExpiration Date:May,2029",Broken card,Clients\\Acme,0\r\n'
    'http://sn,,,,"Alarm code 8642",Alarm,Bakery,0\r\n'
)
PLAINTEXTS = ("Pl41n,text", "Crm-S3cret-77", "Alarm code 8642", "JBSWY3DPEHPK3PXP")


@pytest.fixture
def vault_ready(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    config = tmp_path / "config.toml"
    config.write_text('vault_kdf = "interactive"\n')
    monkeypatch.setenv("VADESK_CONFIG", str(config))
    run("client", "add", "Acme")
    run("client", "add", "Bakery")
    run("vault", "init", "--passphrase-stdin", input=PASSPHRASE + "\n")
    return run


def export_file(tmp_path: Path, text: str = LASTPASS, name: str = "lastpass.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_lastpass_by_folder_imports_each_kind_and_names_each_skipped_row(
    vault_ready: Run, tmp_path: Path, db_url: str
) -> None:
    path = export_file(tmp_path)
    result = vault_ready(
        "vault",
        "import-from",
        "lastpass",
        str(path),
        "--client-from-folder",
        "--passphrase-stdin",
        input=PASSPHRASE + "\n",
    )
    assert result.stdout.splitlines() == [
        "imported 2 logins, 0 cards, 1 note for Acme, Bakery; 0 already in the vault; skipped 1",
        "skipped entry 3 'Broken card': that card number fails the Luhn check; check the digits",
    ]
    assert f"Delete {path} now: it holds passwords in clear text" in result.stderr
    assert path.exists()
    listed = json.loads(vault_ready("vault", "list", "--json", input=PASSPHRASE + "\n").stdout)
    assert sorted((i["client"], i["kind"], i["name"]) for i in listed) == [
        ("Acme", "login", "Acme bank"),
        ("Bakery", "login", "Bakery CRM"),
        ("Bakery", "note", "Alarm"),
    ]
    crm = next(i for i in listed if i["name"] == "Bakery CRM")
    code = vault_ready(
        "vault", "get", crm["id"], "totp-code", "--passphrase-stdin", input=PASSPHRASE + "\n"
    ).stdout.strip()
    assert len(code) == 8 and code.isdigit()  # the URI's 8 digits, not the default 6
    # Nothing secret in clear text: not in the output, not anywhere in the database.
    everything = repr(dump(db_url)) + result.output + repr(listed)
    for secret in PLAINTEXTS:
        assert secret not in everything
    if db_url.startswith("sqlite"):
        raw = Path(db_url.removeprefix("sqlite:///")).read_bytes()
        for secret in PLAINTEXTS:
            assert secret.encode() not in raw


def test_a_second_run_of_the_same_export_adds_nothing(vault_ready: Run, tmp_path: Path) -> None:
    path = export_file(tmp_path)
    args = (
        "vault",
        "import-from",
        "lastpass",
        str(path),
        "--client-from-folder",
        "--passphrase-stdin",
        "--json",
    )
    first = json.loads(vault_ready(*args, input=PASSPHRASE + "\n").stdout)
    second = json.loads(vault_ready(*args, input=PASSPHRASE + "\n").stdout)
    assert first["total"] == 3 and first["unchanged"] == 0
    assert second["total"] == 0 and second["unchanged"] == 3
    assert second["imported"] == {"login": 0, "card": 0, "note": 0}
    listed = json.loads(vault_ready("vault", "list", "--json", input=PASSPHRASE + "\n").stdout)
    assert len(listed) == 3


def test_unknown_folders_stop_the_import_and_are_listed(
    vault_ready: Run, tmp_path: Path, db_url: str
) -> None:
    text = LASTPASS + "https://x.example,u,p,,,Stray,Old jobs\\Globex,0\r\n"
    path = export_file(tmp_path, text)
    before = dump(db_url)
    result = vault_ready(
        "vault",
        "import-from",
        "lastpass",
        str(path),
        "--client-from-folder",
        "--passphrase-stdin",
        ok=False,
        input=PASSPHRASE + "\n",
    )
    assert result.exit_code == 1
    line = one_line(result)
    assert "Folders that match no client: 'Old jobs/Globex' (1)" in line
    assert "Nothing was imported." in line
    assert dump(db_url) == before


def test_dry_run_reports_and_changes_nothing(vault_ready: Run, tmp_path: Path, db_url: str) -> None:
    path = export_file(tmp_path)
    before = dump(db_url)
    result = vault_ready(
        "vault",
        "import-from",
        "lastpass",
        str(path),
        "--client",
        "Acme",
        "--dry-run",
        "--passphrase-stdin",
        "--json",
        input=PASSPHRASE + "\n",
    )
    report = json.loads(result.stdout)
    assert report["dry_run"] is True
    assert report["imported"] == {"login": 2, "card": 0, "note": 1}
    assert report["clients"] == ["Acme"]
    assert dump(db_url) == before


def test_shred_overwrites_and_removes_the_export(vault_ready: Run, tmp_path: Path) -> None:
    path = export_file(tmp_path, name="bitwarden.json")
    path.write_text(
        json.dumps(
            {
                "encrypted": False,
                "folders": [],
                "items": [{"type": 2, "name": "Wifi", "notes": "pw: Tr0ub4dor&3"}],
            }
        )
    )
    result = vault_ready(
        "vault",
        "import-from",
        "bitwarden",
        str(path),
        "--client",
        "Bakery",
        "--shred",
        "--passphrase-stdin",
        input=PASSPHRASE + "\n",
    )
    assert not path.exists()
    assert f"overwrote and removed {path}" in result.stderr
    assert "imported 0 logins, 0 cards, 1 note for Bakery" in result.stdout


def test_wrong_vault_passphrase_is_one_line_and_keeps_the_file(
    vault_ready: Run, tmp_path: Path
) -> None:
    path = export_file(tmp_path)
    result = vault_ready(
        "vault",
        "import-from",
        "lastpass",
        str(path),
        "--client",
        "Acme",
        "--shred",
        "--passphrase-stdin",
        ok=False,
        input="wrong words\n",
    )
    assert result.exit_code == 1
    assert "passphrase" in one_line(result).lower()
    assert path.exists()


def test_kdbx_file_with_its_own_passphrase_on_the_second_line(
    vault_ready: Run, tmp_path: Path
) -> None:
    from pykeepass import create_database  # type: ignore[import-untyped]

    path = tmp_path / "acme.kdbx"
    database = create_database(str(path), password="kdbx pass 1")
    clients = database.add_group(database.root_group, "Clients")
    acme = database.add_group(clients, "Acme")
    entry = database.add_entry(acme, "Acme mail", "ann", "Kdbx-S3cret-5", url="https://m.example")
    entry.otp = "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512"
    database.save()
    wrong = vault_ready(
        "vault",
        "import-from",
        "keepassxc",
        str(path),
        "--client-from-folder",
        "--passphrase-stdin",
        ok=False,
        input=f"{PASSPHRASE}\nnope\n",
    )
    assert one_line(wrong) == (
        "Error: Wrong passphrase or key file for this KeePass database; try again."
    )
    result = vault_ready(
        "vault",
        "import-from",
        "keepassxc",
        str(path),
        "--client-from-folder",
        "--passphrase-stdin",
        "--json",
        input=f"{PASSPHRASE}\nkdbx pass 1\n",
    )
    report = json.loads(result.stdout)
    assert report["imported"]["login"] == 1
    assert report["clients"] == ["Acme"]
    assert "Kdbx-S3cret-5" not in result.output


def test_neither_or_both_client_options_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    path = export_file(tmp_path)
    runner = CliRunner()
    base = ["--db", sqlite_url, "vault", "import-from", "lastpass", str(path)]
    for extra in ([], ["--client", "Acme", "--client-from-folder"]):
        result = runner.invoke(cli, [*base, *extra])
        assert one_line(result) == (
            "Error: Say whose items these are: --client NAME or --client-from-folder."
        )


def test_vault_import_of_an_export_adds_it_once(
    vault_ready: Run, tmp_path: Path, db_url: str
) -> None:
    vault_ready(
        "vault",
        "add",
        "card",
        "--client",
        "Acme",
        "--name",
        "Acme Visa",
        "--holder",
        "Ann",
        "--expiry",
        "7/2029",
        "--passphrase-stdin",
        input=f"{PASSPHRASE}\n4111111111111111\n123\n",
    )
    bundle = tmp_path / "acme.vadesk"
    vault_ready(
        "vault",
        "export",
        "Acme",
        str(bundle),
        "--passphrase-stdin",
        input=f"{PASSPHRASE}\nhandover phrase for acme\n",
    )
    listed = json.loads(vault_ready("vault", "list", "--json", input=PASSPHRASE + "\n").stdout)
    assert [(i["name"], i.get("expiry")) for i in listed] == [("Acme Visa", None)]
    # Into a second database's vault: added once, then recognised.
    other = CliRunner()
    base = ["--db", f"sqlite:///{tmp_path / 'other.db'}"]
    for args, stdin in (
        (["client", "add", "Acme"], None),
        (["vault", "init", "--passphrase-stdin"], PASSPHRASE + "\n"),
    ):
        assert other.invoke(cli, [*base, *args], input=stdin).exit_code == 0
    command = [*base, "vault", "import", str(bundle), "--passphrase-stdin"]
    stdin = f"{PASSPHRASE}\nhandover phrase for acme\n"
    first = other.invoke(cli, command, input=stdin)
    second = other.invoke(cli, command, input=stdin)
    assert first.stdout.strip() == "imported 1 item"
    assert second.stdout.strip() == "imported 0 items; 1 already in the vault"
    expiry = other.invoke(
        cli,
        [*base, "vault", "get", "Acme Visa", "expiry", "--passphrase-stdin"],
        input=PASSPHRASE + "\n",
    )
    assert expiry.stdout.strip() == "07/29"  # "7/2029" was stored as MM/YY


@pytest.mark.parametrize("expiry", ["13/29", "garbage", "0/30", "12/2"])
def test_a_card_expiry_that_is_no_month_and_year_is_refused(
    vault_ready: Run, expiry: str, db_url: str
) -> None:
    before = dump(db_url)
    result = vault_ready(
        "vault",
        "add",
        "card",
        "--client",
        "Acme",
        "--name",
        "Odd",
        "--expiry",
        expiry,
        "--passphrase-stdin",
        ok=False,
        input=f"{PASSPHRASE}\n4111111111111111\n123\n",
    )
    assert one_line(result) == "Error: Card expiry must be a month and year like 07/29."
    assert dump(db_url) == before


def test_without_a_terminal_the_passphrase_prompt_is_one_line(
    tmp_path: Path, sqlite_url: str
) -> None:
    import subprocess
    import sys

    assert CliRunner().invoke(cli, ["--db", sqlite_url, "client", "add", "Acme"]).exit_code == 0
    result = subprocess.run(
        [sys.executable, "-m", "vadesk", "--db", sqlite_url, "vault", "list"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: No terminal to ask for the vault passphrase; give it on standard input with "
        "--passphrase-stdin (see --help)."
    ]
