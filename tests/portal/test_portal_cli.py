"""`vadesk portal invite|list|revoke|serve` as a shell script would use them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.cli.conftest import one_line
from vadesk.cli import cli

Run = Callable[..., Result]


@pytest.fixture
def run(db_url: str) -> Run:
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(cli, ["--db", db_url, *args])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    invoke("client", "add", "Acme")
    invoke("client", "add", "Globex")
    return invoke


def test_invite_prints_a_link_with_a_long_token_and_list_shows_it(run: Run) -> None:
    result = run("portal", "invite", "Acme", "--expires", "7d", "--name", "Acme office")
    link = result.stdout.strip()
    assert link.startswith("http://localhost:8750/i/")
    assert len(link.rsplit("/", 1)[1]) >= 43
    assert "Acme office" in result.stderr and "not shown again" in result.stderr
    listed = json.loads(run("portal", "list", "--json").stdout)
    assert [(x["client"], x["name"], x["state"]) for x in listed] == [
        ("Acme", "Acme office", "active")
    ]
    assert link.rsplit("/", 1)[1] not in run("portal", "list").stdout


def test_invite_uses_the_configured_base_url(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[portal]\nbase_url = "https://portal.example.com/"\n')
    monkeypatch.setenv("VADESK_CONFIG", str(config))
    data = json.loads(run("portal", "invite", "Acme", "--json").stdout)
    assert data["link"].startswith("https://portal.example.com/i/")
    assert data["client"] == "Acme" and data["state"] == "active"


def test_revoke_by_id_and_by_client(run: Run) -> None:
    run("portal", "invite", "Acme")
    run("portal", "invite", "Acme", "--name", "Boss")
    run("portal", "invite", "Globex")
    one = json.loads(run("portal", "revoke", "1", "--json").stdout)
    assert one == {"target": "1", "revoked": 1}
    assert "Revoked the invites of Acme (1 newly revoked)" in run("portal", "revoke", "acme").stdout
    states = [(x["client"], x["state"]) for x in json.loads(run("portal", "list", "--json").stdout)]
    assert states == [("Acme", "revoked"), ("Acme", "revoked"), ("Globex", "active")]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("portal", "invite", "Nobody"), "No client named 'Nobody'"),
        (("portal", "invite", "Acme", "--expires", "forever"), "--expires 'forever'"),
        (("portal", "revoke", "42"), "No portal invite #42"),
        (("portal", "serve", "--host", "0.0.0.0"), "Refusing to serve on 0.0.0.0 without TLS"),
        (("--db", "sqlite:////nonexistent/x.db", "portal", "list"), "No vadesk database"),
    ],
)
def test_refusals_are_one_line(run: Run, args: tuple[str, ...], expected: str) -> None:
    result = run(*args, ok=False)
    assert result.exit_code != 0
    assert expected in one_line(result)


def test_a_certificate_without_its_key_is_refused_in_one_line(run: Run, tmp_path: Path) -> None:
    certificate = tmp_path / "cert.pem"
    certificate.write_text("-----BEGIN CERTIFICATE-----\n")
    result = run("portal", "serve", "--certfile", str(certificate), ok=False)
    assert "--certfile and --keyfile go together" in one_line(result)


def test_list_without_invites_says_how_to_make_one(run: Run) -> None:
    assert "vadesk portal invite CLIENT" in run("portal", "list").stdout


def test_serve_refuses_a_port_in_use_in_one_line(run: Run) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("portal", "serve", "--port", str(port), ok=False)
    assert f"Cannot serve on 127.0.0.1:{port}" in one_line(result)


@pytest.mark.slow
def test_serve_answers_and_stops_on_ctrl_c(sqlite_url: str, tmp_path: Path) -> None:
    """The real command in a process: it serves the portal and a SIGINT ends it cleanly."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    assert CliRunner().invoke(cli, ["--db", sqlite_url, "client", "add", "Acme"]).exit_code == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        command = ["vadesk", "--db", sqlite_url, "portal", "serve", "--port", str(port)]
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            assert response.status_code == 401
            assert response.headers["x-frame-options"] == "DENY"
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=15) in (0, 130)
        finally:
            if process.poll() is None:
                process.kill()
    output = log.read_text()
    assert f"Serving the client portal on http://127.0.0.1:{port}" in output
    assert "Traceback" not in output
