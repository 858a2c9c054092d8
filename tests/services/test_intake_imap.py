"""IMAP intake against a real server (dovecot): fetch, mark done only after the commit, watch
with IDLE or polling, reconnect after a dropped connection; settings and password rules."""

from __future__ import annotations

import logging
import os
import signal
import ssl
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import FIXED_NOW
from tests.helpers.imap_server import DroppingProxy, ImapServer, self_signed_certificate
from vadesk.config import Settings
from vadesk.db.models import Card
from vadesk.errors import ConfigError
from vadesk.services.intake import IngestResult, IntakeSummary
from vadesk.services.intake import imap as imap_module
from vadesk.services.intake.imap import (
    ImapError,
    backoff_delays,
    imap_config,
    run_imap,
    run_password_command,
)
from vadesk.services.store import Store, open_store

SEEN = b"\\Seen"
KEYWORD = b"$vadesk"


def message(subject: str, *, to: str = "va@in.example.com", reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Dana Client <dana@acme.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(FIXED_NOW)
    msg["Message-ID"] = make_msgid(domain="acme.example")
    if reply_to:
        msg["In-Reply-To"] = reply_to
    msg.set_content(f"Please handle: {subject}.\n")
    return bytes(msg)


def settings_for(server: ImapServer, folder: str, **extra: Any) -> Settings:
    table: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "folder": folder,
        "tls": "none",
        "poll_seconds": 1,
    }
    table.update(extra)
    return Settings(user="tester", intake={"imap": table})


def titles(store: Store) -> list[str]:
    with store.read() as s:
        return sorted(s.scalars(select(Card.title)))


def flags_by_subject(server: ImapServer, folder: str) -> dict[str, set[bytes]]:
    with server.client() as client:
        client.select_folder(folder)
        uids = client.search(["ALL"])
        if not uids:
            return {}
        data = client.fetch(uids, ["FLAGS", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    found = {}
    for item in data.values():
        header = item[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().strip()
        found[header.removeprefix("Subject: ")] = set(item[b"FLAGS"]) - {b"\\Recent"}
    return found


def append(server: ImapServer, folder: str, *subjects: str) -> None:
    with server.client() as client:
        for subject in subjects:
            client.append(folder, message(subject))


@pytest.fixture
def folder(imap_server: ImapServer) -> str:
    return imap_server.new_folder()


class Run:
    """run_imap with the test's password prompt, collecting every result."""

    def __init__(self, store: Store, settings: Settings, server: ImapServer) -> None:
        self.store = store
        self.settings = settings
        self.server = server
        self.results: list[IngestResult] = []
        self.rounds: list[str] = []

    def __call__(
        self, *, watch: bool = False, stop: threading.Event | None = None
    ) -> IntakeSummary:
        return run_imap(
            self.store,
            self.settings,
            watch=watch,
            password_prompt=lambda: self.server.password,
            on_result=self.results.append,
            stop=stop,
            on_round=lambda summary: self.rounds.append(summary.line()),
        )


class Watch:
    """run_imap(watch=True) on a thread; ``stop()`` ends it and returns its summary."""

    def __init__(self, run: Run) -> None:
        self.event = threading.Event()
        self.summary: IntakeSummary | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.run = run
        self.thread.start()

    def _main(self) -> None:
        try:
            self.summary = self.run(watch=True, stop=self.event)
        except BaseException as exc:  # surfaced by stop()
            self.error = exc

    def stop(self) -> IntakeSummary:
        self.event.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the watch did not stop within 10 s"
        if self.error is not None:
            raise self.error
        assert self.summary is not None
        return self.summary


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


# ----------------------------------------------------------------- settings and passwords


@pytest.mark.parametrize(
    ("table", "message_part"),
    [
        ({"host": "mail.example.com", "user": "va", "tls": "none"}, 'tls = "none" is allowed'),
        ({"host": "10.0.0.5", "user": "va", "tls": "none"}, "only for a server on this machine"),
        ({"host": "mail.example.com", "user": "va", "password": "x"}, "Do not put the IMAP"),
        ({"host": "mail.example.com", "user": "va", "tls": "plain"}, '"ssl", "starttls"'),
        ({"host": "mail.example.com"}, "needs user"),
        ({"user": "va"}, "needs host"),
        ({"host": "h", "user": "va", "after_action": "move"}, "needs done_folder"),
        ({"host": "h", "user": "va", "after_action": "delete"}, '"flag" or "move"'),
        ({"host": "h", "user": "va", "port": 0}, "port must be"),
        ({"host": "h", "user": "va", "poll_seconds": 0}, "poll_seconds must be at least 1"),
        ({"host": "h", "user": "va", "keyword": "two words"}, "keyword must be one word"),
        ({"host": "h", "user": "va", "keyword": "a*"}, "keyword must be one word"),  # IMAP atom
        ({"host": "h", "user": "va", "keyword": "\\Seen"}, "keyword must be one word"),
        ({"host": "h", "user": "va", "since": "last week"}, "since must be a date"),
        ({"host": "h", "user": "va", "passwd_cmd": "x"}, "Unknown [intake.imap] key"),
        ({"host": "h", "user": "va", "password_command": "pass 'open"}, "cannot be parsed"),
    ],
)
def test_bad_imap_settings_are_one_line_errors(table: dict[str, Any], message_part: str) -> None:
    with pytest.raises(ConfigError) as caught:
        imap_config(Settings(intake={"imap": table}))
    text = str(caught.value)
    assert message_part in text
    assert "\n" not in text


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "LOCALHOST"])
def test_a_local_server_may_go_without_tls(host: str) -> None:
    cfg = imap_config(Settings(intake={"imap": {"host": host, "user": "va", "tls": "none"}}))
    assert (cfg.tls, cfg.port) == ("none", 143)


def test_settings_defaults_are_tls_on_993_flagging_inbox() -> None:
    cfg = imap_config(
        Settings(
            intake={
                "imap": {"host": "mail.example.com", "user": "va", "password_command": "pass x/y"}
            }
        )
    )
    assert (cfg.tls, cfg.port, cfg.folder, cfg.after_action, cfg.keyword) == (
        "ssl",
        993,
        "INBOX",
        "flag",
        "$vadesk",
    )
    assert cfg.password_command == ("pass", "x/y")


def test_no_imap_table_says_what_to_add() -> None:
    with pytest.raises(ConfigError, match=r"No \[intake.imap\] table"):
        imap_config(Settings())


@pytest.mark.parametrize(
    ("start", "cap", "expected"),
    [
        (1.0, 300.0, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]),
        (1.0, 5.0, [1, 2, 4, 5, 5]),
        (2.0, 2.0, [2, 2, 2]),
    ],
)
def test_reconnect_waits_double_up_to_the_cap(
    start: float, cap: float, expected: list[float]
) -> None:
    delays = backoff_delays(start, cap)
    assert [next(delays) for _ in expected] == expected


@pytest.mark.parametrize(
    ("permanent", "keeps"),
    [
        ((b"\\Seen", b"\\Flagged", b"\\*"), True),  # any new keyword (dovecot, Gmail)
        ((b"\\Seen", b"$vadesk"), True),
        ((b"\\Seen", b"\\Deleted"), False),  # no keywords kept: fall back to UNSEEN
        ((), False),
    ],
)
def test_new_mail_is_found_by_keyword_only_where_the_folder_keeps_it(
    permanent: tuple[bytes, ...], keeps: bool
) -> None:
    assert imap_module._keeps_keyword({b"PERMANENTFLAGS": permanent}, "$vadesk") is keeps


def script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "passcmd.py"
    path.write_text(body)
    return [sys.executable, str(path)]


def test_password_command_first_line_is_the_password(tmp_path: Path) -> None:
    argv = script(tmp_path, "print('s3cret pass')\nprint('url: imap.example.com')\n")
    secret = run_password_command(argv)
    assert secret.text() == "s3cret pass"
    assert "s3cret" not in repr(secret) and "s3cret" not in str(secret)


def test_failing_password_command_names_the_command_and_its_error(tmp_path: Path) -> None:
    argv = script(
        tmp_path,
        "import sys\nsys.stderr.write('Error: mail/va is not in the store.\\n')\nsys.exit(3)\n",
    )
    with pytest.raises(ConfigError) as caught:
        run_password_command(argv)
    text = str(caught.value)
    assert "failed (exit 3: Error: mail/va is not in the store.)" in text
    assert "\n" not in text


def test_password_command_that_prints_nothing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="printed no password"):
        run_password_command(script(tmp_path, "print()\n"))


def test_missing_password_program_is_named() -> None:
    with pytest.raises(ConfigError, match="'no-such-pass-tool' was not found"):
        run_password_command(["no-such-pass-tool", "show", "mail/va"])


def test_no_password_command_and_no_terminal_is_a_config_error(sqlite_store: Store) -> None:
    settings = Settings(intake={"imap": {"host": "127.0.0.1", "user": "va", "tls": "none"}})
    with pytest.raises(ConfigError, match="No IMAP password"):
        run_imap(sqlite_store, settings, watch=False, password_prompt=None, on_result=print)


# ----------------------------------------------------------------- against the real server


def test_fetch_makes_cards_and_flags_them_only_once(
    store: Store, imap_server: ImapServer, folder: str
) -> None:
    append(imap_server, folder, "Book flights to Lisbon", "Renew the domain")
    run = Run(store, settings_for(imap_server, folder), imap_server)

    first = run()

    assert run.rounds == []  # a single pass has one summary: the caller's
    assert (first.cards, first.duplicates, first.skipped) == (2, 0, 0)
    assert titles(store) == ["Book flights to Lisbon", "Renew the domain"]
    flags = flags_by_subject(imap_server, folder)
    assert flags == {
        "Book flights to Lisbon": {SEEN, KEYWORD},
        "Renew the domain": {SEEN, KEYWORD},
    }
    second = run()
    assert (second.cards, second.comments, second.duplicates, second.skipped) == (0, 0, 0, 0)
    assert titles(store) == ["Book flights to Lisbon", "Renew the domain"]


def test_message_fetched_again_after_a_crash_before_flagging_is_a_duplicate(
    store: Store, imap_server: ImapServer, folder: str
) -> None:
    append(imap_server, folder, "Order toner")
    run = Run(store, settings_for(imap_server, folder), imap_server)
    run()
    with imap_server.client() as client:  # as if we died between the commit and the flag
        client.select_folder(folder)
        client.remove_flags(client.search(["ALL"]), [KEYWORD, SEEN])

    again = run()

    assert (again.cards, again.duplicates) == (0, 1)
    assert titles(store) == ["Order toner"]
    assert flags_by_subject(imap_server, folder) == {"Order toner": {SEEN, KEYWORD}}


def test_mail_read_elsewhere_but_not_by_us_is_still_fetched(
    store: Store, imap_server: ImapServer, folder: str
) -> None:
    append(imap_server, folder, "Call the bank")
    with imap_server.client() as client:  # the VA opened it in Thunderbird first
        client.select_folder(folder)
        client.add_flags(client.search(["ALL"]), [SEEN])

    summary = Run(store, settings_for(imap_server, folder), imap_server)()

    assert summary.cards == 1
    assert titles(store) == ["Call the bank"]


def test_since_leaves_older_mail_alone(
    sqlite_store: Store, imap_server: ImapServer, folder: str
) -> None:
    with imap_server.client() as client:  # a mailbox with history
        client.append(folder, message("Old thread from 2019"), msg_time=datetime(2019, 5, 1))
        client.append(folder, message("New task"))
    settings = settings_for(imap_server, folder, since=date(2026, 1, 1))  # a TOML date

    summary = Run(sqlite_store, settings, imap_server)()

    assert summary.cards == 1
    assert titles(sqlite_store) == ["New task"]
    assert flags_by_subject(imap_server, folder)["Old thread from 2019"] == set()


def test_move_mode_moves_processed_mail_to_the_done_folder(
    store: Store, imap_server: ImapServer, folder: str
) -> None:
    append(imap_server, folder, "Send the invoice", "Update the website")
    done = f"{folder}-done"  # created on first use
    run = Run(
        store, settings_for(imap_server, folder, after_action="move", done_folder=done), imap_server
    )

    summary = run()

    assert summary.cards == 2
    assert flags_by_subject(imap_server, folder) == {}
    assert flags_by_subject(imap_server, done) == {
        "Send the invoice": {SEEN, KEYWORD},
        "Update the website": {SEEN, KEYWORD},
    }
    assert run().cards == 0


def test_move_mode_without_the_move_command_copies_then_expunges(
    sqlite_store: Store, imap_server: ImapServer, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imapclient import IMAPClient

    real = IMAPClient.has_capability
    monkeypatch.setattr(  # an older server: no MOVE (RFC 6851), but UIDPLUS
        IMAPClient, "has_capability", lambda self, name: name != "MOVE" and real(self, name)
    )
    append(imap_server, folder, "Pay the phone bill")
    done = f"{folder}-done"
    settings = settings_for(imap_server, folder, after_action="move", done_folder=done)

    summary = Run(sqlite_store, settings, imap_server)()

    assert summary.cards == 1
    assert flags_by_subject(imap_server, folder) == {}  # expunged, not just marked deleted
    assert flags_by_subject(imap_server, done) == {"Pay the phone bill": {SEEN, KEYWORD}}


def test_a_message_that_fails_to_store_stays_unflagged_and_comes_back(
    store: Store, imap_server: ImapServer, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(imap_server, folder, "Fine one", "Breaks the database", "Fine two")
    real = imap_module.ingest_batch

    def flaky(store_: Any, messages: list[tuple[bytes, str]], **kwargs: Any) -> Any:
        if any(b"Breaks the database" in raw for raw, _ in messages):
            raise OSError("disk full")
        return real(store_, messages, **kwargs)

    monkeypatch.setattr(imap_module, "ingest_batch", flaky)
    run = Run(store, settings_for(imap_server, folder), imap_server)

    summary = run()

    assert (summary.cards, summary.skipped) == (2, 1)
    assert len(summary.skips) == 1
    assert "not stored (OSError); left on the server for the next run" in summary.skips[0]
    flags = flags_by_subject(imap_server, folder)
    assert flags["Breaks the database"] == set()
    assert flags["Fine one"] == flags["Fine two"] == {SEEN, KEYWORD}

    monkeypatch.setattr(imap_module, "ingest_batch", real)
    later = run()
    assert (later.cards, later.skipped) == (1, 0)
    assert titles(store) == ["Breaks the database", "Fine one", "Fine two"]


def test_counts_stay_true_when_postgresql_fails_halfway_through_a_batch(
    pg_url: str, imap_server: ImapServer, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(imap_server, folder, "First", "Second", "Breaks the database", "Fourth")
    real = imap_module.ingest_batch

    def per_message_commits(store_: Any, messages: list[tuple[bytes, str]], **kw: Any) -> Any:
        results = []
        for raw, source in messages:  # as on PostgreSQL: each message commits on its own
            if b"Breaks the database" in raw:
                raise OSError("connection reset")
            results += real(store_, [(raw, source)], **kw)
        return results

    monkeypatch.setattr(imap_module, "ingest_batch", per_message_commits)
    store = open_store(Settings(user="tester"), pg_url)
    try:
        summary = Run(store, settings_for(imap_server, folder), imap_server)()
    finally:
        store.close()

    assert (summary.cards, summary.duplicates, summary.skipped) == (3, 0, 1)
    assert flags_by_subject(imap_server, folder)["Breaks the database"] == set()


def test_unreadable_mail_is_reported_once_and_marked_done(
    sqlite_store: Store, imap_server: ImapServer, folder: str
) -> None:
    with imap_server.client() as client:
        client.append(folder, b"\r\n\r\n")
    run = Run(sqlite_store, settings_for(imap_server, folder), imap_server)

    first = run()
    again = run()

    assert (first.cards, first.skipped) == (0, 1)
    assert "nothing readable in it" in first.skips[0]
    assert (again.cards, again.skipped) == (0, 0)  # not the same skip line every run


def test_mail_whose_attachment_cannot_be_saved_stays_for_the_next_run(
    sqlite_store: Store, imap_server: ImapServer, folder: str, sqlite_url: str
) -> None:
    msg = EmailMessage()
    msg["From"] = "dana@acme.example"
    msg["To"] = "va@in.example.com"
    msg["Subject"] = "Contract attached"
    msg["Message-ID"] = make_msgid(domain="acme.example")
    msg.set_content("See the contract.")
    msg.add_attachment(
        b"%PDF-1.4 contract", maintype="application", subtype="pdf", filename="contract.pdf"
    )
    with imap_server.client() as client:
        client.append(folder, bytes(msg))
    blocker = Path(sqlite_url.removeprefix("sqlite:///")).parent / "attachments"
    blocker.write_text("a file where the attachments folder should be")
    run = Run(sqlite_store, settings_for(imap_server, folder), imap_server)

    failed = run()

    assert (failed.cards, failed.skipped) == (0, 1)
    assert "cannot save an attachment" in failed.skips[0]
    assert flags_by_subject(imap_server, folder) == {"Contract attached": set()}
    blocker.unlink()
    retried = run()
    assert (retried.cards, retried.skipped) == (1, 0)
    assert flags_by_subject(imap_server, folder) == {"Contract attached": {SEEN, KEYWORD}}


def test_password_command_logs_in(
    sqlite_store: Store, imap_server: ImapServer, folder: str, tmp_path: Path
) -> None:
    append(imap_server, folder, "Prepare the board deck")
    argv = script(tmp_path, f"print({imap_server.password!r})\n")
    settings = settings_for(imap_server, folder, password_command=argv)

    summary = run_imap(
        sqlite_store, settings, watch=False, password_prompt=None, on_result=lambda r: None
    )

    assert summary.cards == 1


def test_a_failing_password_command_stops_before_connecting(
    sqlite_store: Store, imap_server: ImapServer, folder: str, tmp_path: Path
) -> None:
    append(imap_server, folder, "Never fetched")
    argv = script(tmp_path, "import sys\nsys.exit(1)\n")
    settings = settings_for(imap_server, folder, password_command=argv)
    asked: list[int] = []

    with pytest.raises(ConfigError, match=r"password_command .* failed"):
        run_imap(
            sqlite_store,
            settings,
            watch=False,
            password_prompt=lambda: str(asked.append(1)),
            on_result=lambda r: None,
        )

    assert asked == []  # the command is the source; no prompt as a fallback
    assert flags_by_subject(imap_server, folder) == {"Never fetched": set()}


def test_wrong_password_is_a_one_line_login_error(
    sqlite_store: Store, imap_server: ImapServer, folder: str
) -> None:
    with pytest.raises(ImapError) as caught:
        run_imap(
            sqlite_store,
            settings_for(imap_server, folder),
            watch=True,  # a refused login needs the user even when watching
            password_prompt=lambda: "wrong-" + imap_server.password,
            on_result=lambda r: None,
        )
    text = str(caught.value)
    assert "refused the login of 'va'" in text
    assert imap_server.password not in text and "\n" not in text


def test_unreachable_server_is_a_one_line_error(sqlite_store: Store) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        intake={"imap": {"host": "127.0.0.1", "port": port, "user": "va", "tls": "none"}}
    )
    with pytest.raises(ImapError) as caught:
        run_imap(sqlite_store, settings, watch=False, password_prompt=lambda: "x", on_result=print)
    assert str(caught.value).startswith(f"Cannot reach IMAP server 127.0.0.1:{port} (")


def test_missing_folder_is_named(sqlite_store: Store, imap_server: ImapServer, folder: str) -> None:
    with pytest.raises(ImapError, match=f"folder '{folder}-nope' cannot be opened"):
        Run(sqlite_store, settings_for(imap_server, f"{folder}-nope"), imap_server)()


def test_tls_required_server_without_tls_is_refused_before_connecting(
    sqlite_store: Store,
) -> None:
    settings = Settings(intake={"imap": {"host": "imap.example.com", "user": "va", "tls": "none"}})
    with pytest.raises(ConfigError, match='use tls = "ssl" or "starttls"'):
        run_imap(sqlite_store, settings, watch=False, password_prompt=lambda: "x", on_result=print)


def test_starttls_against_a_server_without_it_is_refused(
    sqlite_store: Store, imap_server: ImapServer, folder: str
) -> None:
    # The test server offers no TLS at all: a STARTTLS setting must not fall back to clear text.
    with pytest.raises(ImapError, match="does not offer STARTTLS"):
        Run(sqlite_store, settings_for(imap_server, folder, tls="starttls"), imap_server)()


def tls_front(imap_server: ImapServer, folder: Path) -> tuple[DroppingProxy, Path]:
    cert, key = self_signed_certificate(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return DroppingProxy(imap_server, tls=context), cert


def test_tls_connection_checks_the_certificate_and_fetches(
    sqlite_store: Store,
    imap_server: ImapServer,
    folder: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    append(imap_server, folder, "Sent over TLS")
    proxy, cert = tls_front(imap_server, tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust our test CA, as a system CA
    try:
        settings = settings_for(imap_server, folder, tls="ssl", port=proxy.port)
        summary = Run(sqlite_store, settings, imap_server)()
    finally:
        proxy.close()
    assert summary.cards == 1
    assert (proxy.accepted, proxy.handshake_failures) == (1, 0)


def test_untrusted_certificate_is_refused_before_the_login(
    sqlite_store: Store, imap_server: ImapServer, folder: str, tmp_path: Path
) -> None:
    append(imap_server, folder, "Never sent to an impostor")
    proxy, _ = tls_front(imap_server, tmp_path)
    try:
        settings = settings_for(imap_server, folder, tls="ssl", port=proxy.port)
        with pytest.raises(ImapError) as caught:
            Run(sqlite_store, settings, imap_server)()
        wait_until(lambda: proxy.handshake_failures == 1)  # the proxy sees the abort later
    finally:
        proxy.close()
    assert str(caught.value).startswith("The TLS certificate of 127.0.0.1 cannot be verified (")
    assert (proxy.accepted, proxy.handshake_failures) == (0, 1)  # no login went through
    assert flags_by_subject(imap_server, folder) == {"Never sent to an impostor": set()}


# ----------------------------------------------------------------- watching


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
def test_watch_picks_up_mail_appended_while_watching(
    sqlite_store: Store, imap_server: ImapServer, folder: str, idle: bool
) -> None:
    append(imap_server, folder, "Already there")
    run = Run(sqlite_store, settings_for(imap_server, folder, idle=idle), imap_server)
    watch = Watch(run)
    wait_until(lambda: titles(sqlite_store) == ["Already there"])

    append(imap_server, folder, "Arrived while watching")
    wait_until(lambda: "Arrived while watching" in titles(sqlite_store), timeout=10)

    summary = watch.stop()
    assert (summary.cards, summary.duplicates) == (2, 0)
    one_card = "1 card, 0 comments, 0 duplicates, 0 skipped"
    assert run.rounds == [one_card, one_card]  # a line per pass that found mail, no others
    assert flags_by_subject(imap_server, folder)["Arrived while watching"] == {SEEN, KEYWORD}


def test_watch_survives_a_dropped_connection_with_backoff(
    sqlite_store: Store,
    imap_server: ImapServer,
    folder: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    proxy = DroppingProxy(imap_server)
    try:
        via_proxy = ImapServer(imap_server.host, proxy.port, imap_server.user, imap_server.password)
        run = Run(sqlite_store, settings_for(via_proxy, folder), via_proxy)
        caplog.set_level(logging.INFO, logger="vadesk.services.intake.imap")
        append(imap_server, folder, "Before the outage")
        watch = Watch(run)
        wait_until(lambda: titles(sqlite_store) == ["Before the outage"])
        time.sleep(0.3)  # in IDLE by now

        proxy.drop()
        append(imap_server, folder, "Sent during the outage")
        wait_until(lambda: proxy.refused >= 1, timeout=10)  # a reconnect attempt failed
        proxy.restore()
        wait_until(lambda: "Sent during the outage" in titles(sqlite_store), timeout=15)

        summary = watch.stop()
    finally:
        proxy.close()
    assert summary.cards == 2
    assert proxy.accepted == 2
    waits = [r.args[-1] for r in caplog.records if str(r.msg).endswith("in %g s")]
    assert waits == [1.0, 2.0]  # lost: wait 1 s; refused: wait 2 s; then back
    assert any(r.getMessage() == "IMAP reconnected" for r in caplog.records)


def test_a_server_that_drops_us_after_each_login_gets_ever_longer_waits(
    sqlite_store: Store,
    imap_server: ImapServer,
    folder: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import imaplib

    append(imap_server, folder, "Eventually fetched")
    real = imap_module._Fetcher.run_once
    drops = [2]  # the first two sessions end right after the login

    def flaky(self: Any) -> int:
        if drops[0]:
            drops[0] -= 1
            raise imaplib.IMAP4.abort("socket error: EOF")
        return real(self)

    monkeypatch.setattr(imap_module._Fetcher, "run_once", flaky)
    caplog.set_level(logging.INFO, logger="vadesk.services.intake.imap")
    watch = Watch(Run(sqlite_store, settings_for(imap_server, folder), imap_server))
    wait_until(lambda: titles(sqlite_store) == ["Eventually fetched"])
    watch.stop()

    waits = [r.args[-1] for r in caplog.records if str(r.msg).endswith("in %g s")]
    assert waits == [1.0, 2.0]  # not 1 s each time: a login alone is no sign of health


def test_a_temporary_login_failure_is_retried_by_a_watch(
    sqlite_store: Store,
    imap_server: ImapServer,
    folder: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import imaplib

    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    append(imap_server, folder, "After the auth outage")
    real_login, real_run_once = IMAPClient.login, imap_module._Fetcher.run_once
    logins: list[int] = []
    passes: list[int] = []

    def login(self: Any, user: str, password: str) -> Any:
        logins.append(1)
        if len(logins) == 2:  # the server's password database is down for a moment
            raise LoginError("b'[UNAVAILABLE] Temporary authentication failure.'")
        return real_login(self, user, password)

    def run_once(self: Any) -> int:
        passes.append(1)
        if len(passes) == 1:  # then the first session drops
            raise imaplib.IMAP4.abort("socket error: EOF")
        return real_run_once(self)

    monkeypatch.setattr(IMAPClient, "login", login)
    monkeypatch.setattr(imap_module._Fetcher, "run_once", run_once)
    caplog.set_level(logging.INFO, logger="vadesk.services.intake.imap")
    watch = Watch(Run(sqlite_store, settings_for(imap_server, folder), imap_server))
    wait_until(lambda: titles(sqlite_store) == ["After the auth outage"])
    watch.stop()

    assert len(logins) == 3
    waits = [r.args[-1] for r in caplog.records if str(r.msg).endswith("in %g s")]
    assert waits == [1.0, 2.0]


def test_a_temporary_login_failure_ends_a_single_pass_with_one_line(
    sqlite_store: Store, imap_server: ImapServer, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    def login(self: Any, user: str, password: str) -> Any:
        raise LoginError("b'[UNAVAILABLE] Temporary authentication failure.'")

    monkeypatch.setattr(IMAPClient, "login", login)
    with pytest.raises(ImapError, match=r"cannot check logins right now .*; try again later"):
        Run(sqlite_store, settings_for(imap_server, folder), imap_server)()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_a_watch_cleanly(
    sqlite_store: Store, imap_server: ImapServer, folder: str, signum: int
) -> None:
    append(imap_server, folder, "Before the stop")
    run = Run(sqlite_store, settings_for(imap_server, folder), imap_server)
    sent: list[float] = []

    def signal_when_fetched() -> None:
        wait_until(lambda: titles(sqlite_store) == ["Before the stop"])
        time.sleep(0.2)  # waiting in IDLE
        sent.append(time.monotonic())
        os.kill(os.getpid(), signum)

    sender = threading.Thread(target=signal_when_fetched, daemon=True)
    sender.start()
    previous = signal.getsignal(signum)

    summary = run(watch=True)  # on the main thread: it owns the signal handlers

    stopped_after = time.monotonic() - sent[0]
    sender.join(5)
    assert summary.cards == 1
    assert stopped_after < 3  # IDLE looks at the stop flag every second
    assert signal.getsignal(signum) is previous  # handlers put back


# ----------------------------------------------------------------- two fetchers at once


def test_two_fetchers_at_once_make_each_card_once(
    db_url: str, imap_server: ImapServer, folder: str
) -> None:
    subjects = [f"Task {n:02d}" for n in range(12)]
    append(imap_server, folder, *subjects)
    settings = settings_for(imap_server, folder)
    stores = [open_store(Settings(user=f"fetcher-{n}"), db_url) for n in range(2)]
    summaries: list[IntakeSummary] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(2)

    def fetch(store: Store) -> None:
        try:
            gate.wait()
            summaries.append(Run(store, settings, imap_server)())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fetch, args=(s,)) for s in stores]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert titles(stores[0]) == subjects
        assert sum(s.cards for s in summaries) == len(subjects)
        assert sum(s.skipped for s in summaries) == 0
        flags = flags_by_subject(imap_server, folder)
        assert all(flags[s] == {SEEN, KEYWORD} for s in subjects)
    finally:
        for s in stores:
            s.close()
