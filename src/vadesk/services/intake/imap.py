"""Fetch intake mail from an IMAP mailbox (IMAPClient): one pass, or watching with IDLE.

A message is marked done on the server (flagged, or moved to ``done_folder``) only after
``ingest_batch`` has committed it; a crash in between leaves it to be fetched again, which
is harmless because ingestion is idempotent. The password comes from ``password_command``
(run like mbsync's PassCmd, no shell) or a prompt; it is kept in a ``Secret`` and never
stored or logged.
"""

from __future__ import annotations

import contextlib
import datetime
import imaplib
import logging
import math
import re
import shlex
import signal
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import (  # type: ignore[import-untyped]
    CapabilityError,
    IMAPClientError,
    LoginError,
)
from imapclient.imapclient import DELETED, SEEN, SocketTimeout  # type: ignore[import-untyped]

from vadesk.config import Settings
from vadesk.domain.text import clean_text
from vadesk.domain.vault_crypto import Secret
from vadesk.errors import ConfigError, VadeskError
from vadesk.services.intake import IngestResult, IntakeSummary, intake_rules
from vadesk.services.intake.ingest import ingest_batch
from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)

TLS_MODES = ("ssl", "starttls", "none")
AFTER_ACTIONS = ("flag", "move")
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
KEYS = (
    "host",
    "port",
    "user",
    "folder",
    "tls",
    "password_command",
    "after_action",
    "done_folder",
    "keyword",
    "since",
    "idle",
    "poll_seconds",
    "backoff_max_seconds",
    "timeout_seconds",
)
# RFC 3501 flag-keyword: an atom (none of ( ) { % * " \ ] or spaces; "$" is customary).
_KEYWORD = re.compile(r"^[A-Za-z0-9$_.\-+:!#&',/;<=>?@^`|~]{1,64}$")
IDLE_RENEW_SECONDS = 600.0
"""Re-issue IDLE well before the 29 minutes after which servers may drop an idle client."""
IDLE_CHECK_SECONDS = 1.0
"""How often a watch in IDLE looks at the stop flag."""
BACKOFF_START_SECONDS = 1.0
BATCH_MESSAGES = 200
BATCH_BYTES = 16 * 1024 * 1024
PASSWORD_COMMAND_TIMEOUT = 120.0


class ImapError(VadeskError):
    """The IMAP server cannot be reached, refuses the login or the mailbox is unusable."""


class _Transient(Exception):
    """A connection dropped mid-run: a watch reconnects, a single pass reports it."""


@dataclass(frozen=True)
class ImapConfig:
    """The checked ``[intake.imap]`` table."""

    host: str
    port: int
    user: str
    folder: str = "INBOX"
    tls: str = "ssl"
    password_command: tuple[str, ...] = ()
    after_action: str = "flag"
    done_folder: str = ""
    keyword: str = "$vadesk"
    since: datetime.date | None = None
    """Leave mail that reached the server before this day alone (a mailbox with history)."""
    idle: bool = True
    poll_seconds: float = 60.0
    backoff_max_seconds: float = 300.0
    timeout_seconds: float = 30.0

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _number(table: dict[str, Any], key: str, default: float, low: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"[intake.imap] {key} must be a number of seconds.")
    if value < low:
        raise ConfigError(f"[intake.imap] {key} must be at least {low:g}.")
    return float(value)


def _text(table: dict[str, Any], key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if value is None:
        raise ConfigError(f"[intake.imap] needs {key}; add it to the settings file (see README).")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"[intake.imap] {key} must be a non-empty string.")
    return value.strip()


def imap_config(settings: Settings) -> ImapConfig:
    """Check ``[intake.imap]``; every problem is one ConfigError line naming the key."""
    table = settings.intake.get("imap")
    if table is None:
        raise ConfigError(
            "No [intake.imap] table in the settings file; add host and user (see README, "
            "Fetching from IMAP)."
        )
    if not isinstance(table, dict):
        raise ConfigError("[intake.imap] must be a table with host, user and the other keys.")
    if "password" in table:
        raise ConfigError(
            "Do not put the IMAP password in the settings file; set password_command "
            '(e.g. "pass show mail/va") or leave it out to be asked.'
        )
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"Unknown [intake.imap] key {unknown[0]!r}; use {', '.join(KEYS)}.")
    host = _text(table, "host")
    user = _text(table, "user")
    tls = _text(table, "tls", "ssl").lower()
    if tls not in TLS_MODES:
        raise ConfigError('[intake.imap] tls must be "ssl", "starttls" or "none".')
    if tls == "none" and host.lower().strip("[]") not in LOCAL_HOSTS:
        raise ConfigError(
            f'[intake.imap] tls = "none" is allowed only for a server on this machine, not '
            f'{clean_text(host)}; use tls = "ssl" or "starttls".'
        )
    port = table.get("port", 993 if tls == "ssl" else 143)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigError("[intake.imap] port must be a whole number from 1 to 65535.")
    folder = _text(table, "folder", "INBOX")
    after = _text(table, "after_action", "flag").lower()
    if after not in AFTER_ACTIONS:
        raise ConfigError('[intake.imap] after_action must be "flag" or "move".')
    done_folder = ""
    if after == "move":
        done_folder = _text(table, "done_folder")
        if done_folder == folder:
            raise ConfigError("[intake.imap] done_folder must differ from folder.")
    keyword = _text(table, "keyword", "$vadesk")
    if not _KEYWORD.match(keyword):
        raise ConfigError(
            "[intake.imap] keyword must be one word of letters, digits or $ (e.g. $vadesk)."
        )
    idle = table.get("idle", True)
    if not isinstance(idle, bool):
        raise ConfigError("[intake.imap] idle must be true or false.")
    return ImapConfig(
        host=host,
        port=port,
        user=user,
        folder=folder,
        tls=tls,
        password_command=_password_argv(table.get("password_command")),
        after_action=after,
        done_folder=done_folder,
        keyword=keyword,
        since=_since(table.get("since")),
        idle=idle,
        poll_seconds=_number(table, "poll_seconds", 60.0, 1.0),
        backoff_max_seconds=_number(table, "backoff_max_seconds", 300.0, 1.0),
        timeout_seconds=_number(table, "timeout_seconds", 30.0, 1.0),
    )


def _since(value: object) -> datetime.date | None:
    """A TOML date (since = 2026-11-01) or the same as a string."""
    if value is None:
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.date.fromisoformat(value)
    raise ConfigError("[intake.imap] since must be a date like 2026-11-01.")


def _password_argv(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise ConfigError(f"[intake.imap] password_command cannot be parsed: {exc}.") from None
        if argv:
            return tuple(argv)
    raise ConfigError(
        '[intake.imap] password_command must be a command line, e.g. "pass show mail/va".'
    )


def run_password_command(argv: Sequence[str]) -> Secret:
    """Run the command without a shell; the first line it prints is the password."""
    shown = clean_text(shlex.join(argv))
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            timeout=PASSWORD_COMMAND_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(
            f"The IMAP password_command program {clean_text(argv[0])!r} was not found; "
            "install it or fix password_command."
        ) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"The IMAP password_command {shown!r} did not finish in "
            f"{PASSWORD_COMMAND_TIMEOUT:g} s; run it in a shell to see why."
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"The IMAP password_command {shown!r} cannot run ({exc.strerror}); fix it."
        ) from None
    if done.returncode != 0:
        said = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line]
        why = f": {clean_text(said[-1])[:200]}" if said else ""
        raise ConfigError(
            f"The IMAP password_command {shown!r} failed (exit {done.returncode}{why}); "
            "run it in a shell to see why."
        )
    first = done.stdout.split(b"\n", 1)[0].rstrip(b"\r")
    if not first:
        raise ConfigError(
            f"The IMAP password_command {shown!r} printed no password on its first line."
        )
    return Secret(first.decode("utf-8", "replace"))


def backoff_delays(start: float, cap: float) -> Iterator[float]:
    """Waits before each reconnect attempt: doubling from ``start``, never above ``cap``."""
    delay = start
    while True:
        yield min(delay, cap)
        delay = min(delay * 2, cap)


def _one_line(exc: BaseException) -> str:
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return clean_text(str(text) or type(exc).__name__)[:200]


def _connect(cfg: ImapConfig, password: Secret) -> tuple[IMAPClient, bool]:
    """A logged-in client with the folder selected, and whether the folder keeps our
    keyword; or ImapError/_Transient."""
    context = ssl.create_default_context() if cfg.tls != "none" else None
    try:
        client = IMAPClient(
            cfg.host,
            port=cfg.port,
            ssl=cfg.tls == "ssl",
            ssl_context=context,
            timeout=SocketTimeout(connect=cfg.timeout_seconds, read=cfg.timeout_seconds),
        )
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(
            f"The TLS certificate of {cfg.host} cannot be verified ({_one_line(exc)}); "
            "check host in [intake.imap]."
        ) from None
    except ssl.SSLError as exc:
        raise ImapError(
            f"TLS with {cfg.where} failed ({_one_line(exc)}); check port and tls in [intake.imap]."
        ) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise _Transient(
            f"Cannot reach IMAP server {cfg.where} ({_one_line(exc)}); check host, port and "
            "the network."
        ) from None
    try:
        if cfg.tls == "starttls":
            try:
                client.starttls(context)
            except CapabilityError:
                raise ImapError(
                    f'IMAP server {cfg.where} does not offer STARTTLS; use tls = "ssl" '
                    "(usually port 993)."
                ) from None
            except ssl.SSLError as exc:
                raise ImapError(
                    f"STARTTLS with {cfg.where} failed ({_one_line(exc)}); check host and "
                    "tls in [intake.imap]."
                ) from None
        try:
            client.login(cfg.user, password.text())
        except LoginError as exc:
            if "[UNAVAILABLE]" in str(exc).upper():  # RFC 5530: the server's auth is down
                raise _Transient(
                    f"IMAP server {cfg.where} cannot check logins right now "
                    f"({_one_line(exc)}); try again later."
                ) from None
            raise ImapError(
                f"IMAP server {cfg.where} refused the login of {clean_text(cfg.user)!r}; check "
                "user and the password."
            ) from None
        try:
            selected = client.select_folder(cfg.folder)
        except IMAPClientError as exc:
            if isinstance(exc, imaplib.IMAP4.abort):
                raise
            raise ImapError(
                f"IMAP folder {clean_text(cfg.folder)!r} cannot be opened on {cfg.where} "
                f"({_one_line(exc)}); fix folder in [intake.imap]."
            ) from None
        if cfg.after_action == "move" and not client.folder_exists(cfg.done_folder):
            client.create_folder(cfg.done_folder)
            log.info("created IMAP folder for processed mail")
    except ImapError:
        _close(client)
        raise
    except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error) as exc:
        _close(client)
        raise _Transient(
            f"The connection to IMAP server {cfg.where} failed ({_one_line(exc)}); try again."
        ) from None
    return client, _keeps_keyword(selected, cfg.keyword)


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone: nothing left to save
        with contextlib.suppress(Exception):
            client.shutdown()


def _keeps_keyword(selected: dict[bytes, Any], keyword: str) -> bool:
    """Whether the folder's PERMANENTFLAGS take our keyword (``\\*``: any new keyword);
    else "not processed" falls back to UNSEEN."""
    flags = selected.get(b"PERMANENTFLAGS") or ()
    ok = b"\\*" in flags or keyword.encode() in flags
    if not ok:
        log.warning("IMAP folder keeps no custom keywords; using UNSEEN to find new mail")
    return ok


class _Fetcher:
    """One connection's work: find unprocessed mail, ingest it, mark it done."""

    def __init__(
        self,
        client: IMAPClient,
        cfg: ImapConfig,
        store: StoreLike,
        settings: Settings,
        summary: IntakeSummary,
        on_result: Callable[[IngestResult], None],
        stop: threading.Event,
        keyword: bool,
    ) -> None:
        self.client = client
        self.cfg = cfg
        self.store = store
        self.settings = settings
        self.summary = summary
        self.on_result = on_result
        self.stop = stop
        self.keyword = keyword
        self.round = IntakeSummary()
        """What the current pass found (a watch reports each pass that found mail)."""

    def pending(self) -> list[int]:
        criteria: list[Any] = ["NOT", "DELETED"]
        criteria += ["NOT", "KEYWORD", self.cfg.keyword] if self.keyword else ["UNSEEN"]
        if self.cfg.since is not None:
            criteria += ["SINCE", self.cfg.since]
        return sorted(int(uid) for uid in self.client.search(criteria))

    def batches(self, uids: list[int]) -> Iterator[list[int]]:
        sizes = self.client.fetch(uids, ["RFC822.SIZE"])
        batch: list[int] = []
        total = 0
        for uid in uids:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += size
        if batch:
            yield batch

    def run_once(self) -> int:
        """Ingest every unprocessed message; returns how many were handled."""
        self.round = IntakeSummary()
        handled = 0
        uids = self.pending()
        if uids:
            log.info("IMAP: %d unprocessed message(s)", len(uids))
        for batch in self.batches(uids) if uids else ():
            if self.stop.is_set():
                break
            bodies = self.client.fetch(batch, ["BODY.PEEK[]"])
            found = [
                (uid, bytes(raw))
                for uid in batch
                # None: expunged by someone else since the search
                if (raw := bodies.get(uid, {}).get(b"BODY[]")) is not None
            ]
            done = self.ingest(found) if found else []
            handled += len(done)
            if done:
                self.finish(done)
        return handled

    def ingest(self, found: list[tuple[int, bytes]]) -> list[int]:
        """Store fetched messages (one transaction for the lot where the store can); returns
        the UIDs done with: committed, or skipped for what they hold. The others stay
        unmarked on the server for the next run."""
        if len(found) > 1 and not self.store.is_sqlite:
            # PostgreSQL commits each message of a batch on its own: were the batch to fail
            # halfway, its first messages, stored again one by one, would count as duplicates.
            return [uid for one in found for uid in self.ingest([one])]
        try:
            results = ingest_batch(
                self.store,
                [(raw, self.label(uid)) for uid, raw in found],
                settings=self.settings,
            )
        except VadeskError:
            raise
        except Exception as exc:  # one message must not end the run
            if len(found) > 1:
                log.warning(
                    "IMAP: %d messages could not be stored together (%s); one by one now",
                    len(found),
                    type(exc).__name__,
                )
                return [uid for one in found for uid in self.ingest([one])]
            uid = found[0][0]
            log.exception("IMAP message UID %d could not be stored; left unmarked", uid)
            failed = IngestResult(
                outcome="skipped",
                card_id=None,
                message_key="",
                reason=f"not stored ({type(exc).__name__}); left on the server for the next run",
                label=self.label(uid),
            )
            self.record(failed)
            return []
        done: list[int] = []
        for (uid, _), result in zip(found, results, strict=True):
            self.record(result)
            if _final(result):
                done.append(uid)
        return done

    def record(self, result: IngestResult) -> None:
        self.summary.add(result)
        self.round.add(result)
        self.on_result(result)

    def label(self, uid: int) -> str:
        return f"IMAP {clean_text(self.cfg.folder)} UID {uid}"

    def finish(self, uids: list[int]) -> None:
        """Mark committed messages done: keyword and \\Seen, then a move if configured."""
        flags: list[bytes | str] = [SEEN]
        if self.keyword:
            flags.append(self.cfg.keyword)
        self.client.add_flags(uids, flags, silent=True)
        if self.cfg.after_action != "move":
            return
        if self.client.has_capability("MOVE"):
            self.client.move(uids, self.cfg.done_folder)
            return
        self.client.copy(uids, self.cfg.done_folder)
        self.client.add_flags(uids, [DELETED], silent=True)
        if self.client.has_capability("UIDPLUS"):
            self.client.uid_expunge(uids)

    def wait(self) -> None:
        """Until new mail may have arrived, the stop flag is set, or it is time to look again."""
        if self.cfg.idle and self.client.has_capability("IDLE"):
            self._idle()
        else:
            self.stop.wait(self.cfg.poll_seconds)
            if not self.stop.is_set():
                self.client.noop()

    def _idle(self) -> None:
        self.client.idle()
        deadline = time.monotonic() + IDLE_RENEW_SECONDS
        try:
            while not self.stop.is_set() and time.monotonic() < deadline:
                began = time.monotonic()
                responses = self.client.idle_check(timeout=IDLE_CHECK_SECONDS)
                if any(_is_new_mail(r) for r in responses):
                    return
                if not responses and time.monotonic() - began < IDLE_CHECK_SECONDS / 2:
                    # idle_check returns at once with nothing when the server closed the
                    # socket; ending IDLE below then raises and the watch reconnects.
                    return
        finally:
            self.client.idle_done()


# ingest_message's skips for a local failure (nothing committed; the same message may work
# next time), as opposed to skips for what the message holds (it will never read better).
LOCAL_FAILURES = ("cannot save",)


def _final(result: IngestResult) -> bool:
    """Whether the server may forget the message: its outcome is committed, or a skip that a
    second fetch would only repeat."""
    return result.outcome != "skipped" or not result.reason.startswith(LOCAL_FAILURES)


def _is_new_mail(response: object) -> bool:
    return (
        isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")
    )


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and a first Ctrl-C finish the current message, then stop; a second Ctrl-C
    interrupts at once. Only the main thread can own signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        log.info("IMAP intake stopping (signal %d)", signum)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_imap(
    store: StoreLike,
    settings: Settings,
    *,
    watch: bool,
    password_prompt: Callable[[], str] | None,
    on_result: Callable[[IngestResult], None],
    stop: threading.Event | None = None,
    on_round: Callable[[IntakeSummary], None] | None = None,
) -> IntakeSummary:
    """Fetch and ingest unprocessed mail from ``[intake.imap]``; with ``watch``, keep going
    (IDLE, or polling) until ``stop`` is set, SIGTERM or Ctrl-C, reconnecting with capped
    exponential backoff when the connection drops. ``on_round`` gets the summary of each
    watch pass that found mail.

    Raises ImapError/ConfigError (one line) for what needs the user: bad settings, a failing
    password command, a refused login, an unreachable server on the first connection.
    """
    cfg = imap_config(settings)
    intake_rules(settings)  # a bad [intake] table fails before any connection
    stop = stop or threading.Event()
    summary = IntakeSummary()
    if cfg.password_command:
        password = run_password_command(cfg.password_command)
    elif password_prompt is not None:
        password = Secret(password_prompt())
    else:
        raise ConfigError(
            "No IMAP password: set password_command in [intake.imap] (e.g. "
            '"pass show mail/va") or run vadesk intake --imap in a terminal to be asked.'
        )
    try:
        with _stop_on_signals(stop):
            _run(cfg, password, store, settings, summary, on_result, stop, watch, on_round)
    except KeyboardInterrupt:
        log.info("IMAP intake interrupted")
    return summary


def _run(
    cfg: ImapConfig,
    password: Secret,
    store: StoreLike,
    settings: Settings,
    summary: IntakeSummary,
    on_result: Callable[[IngestResult], None],
    stop: threading.Event,
    watch: bool,
    on_round: Callable[[IntakeSummary], None] | None,
) -> None:
    def report_round(fetcher: _Fetcher) -> None:
        found = fetcher.round
        if watch and on_round and found.cards + found.comments + found.duplicates + found.skipped:
            on_round(found)

    connected_once = False
    delays = backoff_delays(BACKOFF_START_SECONDS, cfg.backoff_max_seconds)
    while not stop.is_set():
        try:
            client, keyword = _connect(cfg, password)
        except _Transient as exc:
            if not watch or not connected_once:
                raise ImapError(str(exc)) from None
            delay = next(delays)
            log.warning("IMAP reconnect failed; retrying in %g s", delay)
            stop.wait(delay)
            continue
        if connected_once:
            log.info("IMAP reconnected")
        connected_once = True
        try:
            fetcher = _Fetcher(client, cfg, store, settings, summary, on_result, stop, keyword)
            fetcher.run_once()
            report_round(fetcher)
            # Only a connection that did real work resets the waits: a server that takes the
            # login and then drops us at once still gets ever longer pauses.
            delays = backoff_delays(BACKOFF_START_SECONDS, cfg.backoff_max_seconds)
            while watch and not stop.is_set():
                fetcher.wait()
                if not stop.is_set():
                    fetcher.run_once()
                    report_round(fetcher)
        except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error) as exc:
            _close(client)
            message = (
                f"The connection to IMAP server {cfg.where} was lost ({_one_line(exc)}); "
                "run again to fetch the rest."
            )
            if not watch:
                raise ImapError(message) from None
            delay = next(delays)
            log.warning("IMAP connection lost (%s); reconnecting in %g s", _one_line(exc), delay)
            stop.wait(delay)
            continue
        except BaseException:
            _close(client)
            raise
        _close(client)
        return


__all__ = [
    "ImapConfig",
    "ImapError",
    "backoff_delays",
    "imap_config",
    "run_imap",
    "run_password_command",
]
