"""`vadesk intake --imap` as cron runs it: settings from the TOML file, the password from a
command, counts as JSON, one stderr line and exit 1 for what needs the user."""

from __future__ import annotations

import json
import socket
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from tests.cli.conftest import Run, dump, one_line
from tests.helpers.imap_server import ImapServer


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, imap_table: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[intake.imap]\n{imap_table}")
    monkeypatch.setenv("VADESK_CONFIG", str(config))


def password_command(tmp_path: Path, password: str) -> str:
    script = tmp_path / "pass.py"
    script.write_text(f"print({password!r})\n")
    return json.dumps(f"{sys.executable} {script}")  # a TOML basic string


def test_intake_imap_json_counts_then_nothing_new(
    run: Run, imap_server: ImapServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = imap_server.new_folder()
    with imap_server.client() as client:
        for subject in ("Draft the newsletter", "Book the dentist"):
            msg = EmailMessage()
            msg["From"] = "dana@acme.example"
            msg["To"] = "va@in.example.com"
            msg["Subject"] = subject
            msg["Message-ID"] = make_msgid(domain="acme.example")
            msg.set_content("Thanks!")
            client.append(folder, bytes(msg))
    write_config(
        tmp_path,
        monkeypatch,
        f'host = "{imap_server.host}"\nport = {imap_server.port}\nuser = "{imap_server.user}"\n'
        f'folder = "{folder}"\ntls = "none"\n'
        f"password_command = {password_command(tmp_path, imap_server.password)}\n",
    )

    shown = run("intake", "--imap", "--json")
    again = run("intake", "--imap")

    first = json.loads(shown.stdout)
    assert (first["cards"], first["comments"], first["duplicates"], first["skipped"]) == (
        2,
        0,
        0,
        0,
    )
    assert len(first["card_ids"]) == 2
    assert again.stdout.strip() == "0 cards, 0 comments, 0 duplicates, 0 skipped"
    assert imap_server.password not in shown.output + again.output
    secret = imap_server.password.encode()
    leaks = [
        p
        for p in tmp_path.rglob("*")  # the database, its WAL, the log file
        if p.is_file() and p.name != "pass.py" and secret in p.read_bytes()
    ]
    assert leaks == []


def test_unreachable_server_is_one_line_and_exit_1(
    run: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    write_config(
        tmp_path,
        monkeypatch,
        f'host = "127.0.0.1"\nport = {port}\nuser = "va"\ntls = "none"\n'
        f"password_command = {password_command(tmp_path, 'x')}\n",
    )
    run("intake", "--imap", ok=False)  # the first run registers this user; nothing else
    before = dump(db_url)

    result = run("intake", "--imap", ok=False)

    assert result.exit_code == 1
    assert one_line(result) == (
        f"Error: Cannot reach IMAP server 127.0.0.1:{port} (Connection refused); check host, "
        "port and the network."
    )
    assert dump(db_url) == before


def test_clear_text_to_a_remote_server_is_refused(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        tmp_path,
        monkeypatch,
        'host = "imap.example.com"\nuser = "va"\ntls = "none"\npassword_command = "true"\n',
    )

    result = run("intake", "--imap", ok=False)

    assert result.exit_code == 1
    assert 'tls = "none" is allowed only for a server on this machine' in one_line(result)
