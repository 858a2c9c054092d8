"""A real IMAP server for the intake tests: the one .ci/dovecot.sh started (its environment
variables), else a throwaway dovecot started here with the same script; and a TCP proxy in
front of it that can drop every connection, as a flaky network does."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "dovecot.sh"
DOVECOT = Path("/usr/sbin/dovecot")
DOVECOT_IMAP = Path("/usr/lib/dovecot/imap")  # Debian's dovecot-imapd
ENV_KEYS = (
    "VADESK_TEST_IMAP_HOST",
    "VADESK_TEST_IMAP_PORT",
    "VADESK_TEST_IMAP_USER",
    "VADESK_TEST_IMAP_PASSWORD",
)


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    user: str
    password: str

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def new_folder(self) -> str:
        """A fresh folder per test, so tests (and test sessions) never see each other's mail."""
        name = f"t{uuid.uuid4().hex[:12]}"
        with self.client() as client:
            client.create_folder(name)
        return name


def server_from_env() -> ImapServer | None:
    values = [os.environ.get(key) for key in ENV_KEYS]
    if not all(values):
        return None
    host, port, user, password = (str(v) for v in values)
    return ImapServer(host, int(port), user, password)


def start_dovecot() -> tuple[ImapServer, Path]:
    """Run .ci/dovecot.sh and return the server it started and its folder."""
    done = subprocess.run(
        [
            "bash",
            "-c",
            f'source "{SCRIPT}" >&2 && printf "%s\\n" "$VADESK_TEST_IMAP_HOST" '
            '"$VADESK_TEST_IMAP_PORT" "$VADESK_TEST_IMAP_USER" "$VADESK_TEST_IMAP_PASSWORD" '
            '"$VADESK_TEST_IMAP_DIR"',
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"dovecot did not start: {done.stderr.strip()}")
    host, port, user, password, folder = done.stdout.split()
    _stop_when_gone(os.getpid(), Path(folder))
    return ImapServer(host, int(port), user, password), Path(folder)


def _stop_when_gone(owner: int, folder: Path) -> None:
    """The daemon outlives a test run that is killed before its teardown: a small watcher
    stops it (and removes its folder) once ``owner`` has exited."""
    script = (
        f'while kill -0 {owner} 2>/dev/null && [ -d "{folder}" ]; do sleep 1; done; '
        f'[ -d "{folder}" ] || exit 0; '
        f'kill "$(cat "{folder}/run/master.pid")" 2>/dev/null; sleep 1; rm -rf "{folder}"'
    )
    subprocess.Popen(
        ["bash", "-c", script],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_dovecot(folder: Path) -> None:
    pid_file = folder / "run" / "master.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        pid = 0
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
        except ProcessLookupError:
            pass
    shutil.rmtree(folder, ignore_errors=True)


class DroppingProxy:
    """Forwards 127.0.0.1:<port> to the server, optionally as the TLS end (``tls``: a server
    context), as a mail provider's TLS front does. ``drop()`` cuts every open connection and
    refuses new ones until ``restore()`` (each refused attempt is counted)."""

    def __init__(self, target: ImapServer, tls: ssl.SSLContext | None = None) -> None:
        self.target = target
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.down = False
        self.refused = 0
        self.accepted = 0
        self.handshake_failures = 0
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.down:
                    self.refused += 1
                    conn.close()
                    continue
            if self.tls is not None:
                try:
                    conn.settimeout(10)
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    with self.lock:
                        self.handshake_failures += 1
                    conn.close()
                    continue
            upstream = socket.create_connection((self.target.host, self.target.port))
            with self.lock:
                self.accepted += 1
                self.pairs.append((conn, upstream))
            threading.Thread(target=self._pump, args=(conn, upstream), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        """Both directions on one thread: an SSL socket must not be read and written from
        two threads at once."""
        other = {a: b, b: a}
        try:
            for sock in (a, b):
                sock.settimeout(None)
            while True:
                ready = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
                if not ready:
                    ready, _, _ = select.select([a, b], [], [], 1.0)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        raise EOFError
                    other[sock].sendall(data)
        except (OSError, EOFError, ValueError):
            pass
        for sock in (a, b):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def drop(self) -> None:
        with self.lock:
            self.down = True
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def restore(self) -> None:
        with self.lock:
            self.down = False

    def close(self) -> None:
        self.closed = True
        self.drop()
        self.listener.close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost and its key, made with the openssl tool (which
    Debian's dovecot depends on)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def imap_server_session(in_ci: bool) -> Iterator[ImapServer]:
    """The session's server: from the environment, else a throwaway dovecot, else a skip
    (a failure under CI, which always provides one)."""
    import pytest

    server = server_from_env()
    if server is not None:
        yield server
        return
    if not (DOVECOT.exists() and DOVECOT_IMAP.exists()):
        reason = "VADESK_TEST_IMAP_HOST is not set and dovecot is not installed"
        if in_ci:
            pytest.fail(f"An IMAP server is required under CI: {reason}")
        pytest.skip(f"IMAP server not available: {reason} (see .ci/dovecot.sh)")
    server, folder = start_dovecot()
    try:
        yield server
    finally:
        stop_dovecot(folder)
