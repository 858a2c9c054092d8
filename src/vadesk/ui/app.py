"""The vadesk Textual application."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel

from vadesk.config import Settings
from vadesk.domain.clock import Clock, utcnow
from vadesk.ui.typeahead import KeyGate

if TYPE_CHECKING:
    from vadesk.services.quick import QuickBoard
    from vadesk.services.store import StoreLike
    from vadesk.services.vault import OpenVault
    from vadesk.services.writes import WriteQueue

log = logging.getLogger(__name__)

SIGNAL_GRACE = 0.1
"""Seconds between SIGHUP/SIGTERM and the exit, for keys typed just before it."""
BACKUP_DELAY = 1.0
"""Seconds after start before the background backup check, clear of the first frames."""


class VadeskApp(App[None]):
    """Board first; everything else opens from it."""

    TITLE = "vadesk"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+p", "command_palette", "Commands", id="app.palette", show=False),
        # Priority: the focus moves when the app reads the key, not when the field it was
        # forwarded to gets round to it. Otherwise keys arriving in one burst (auto-type
        # "user<Tab>password", a paste) all land in the first field: a password in the
        # vault item's Name, shown in clear.
        Binding("tab", "focus_next", "Next field", id="app.focus-next", show=False, priority=True),
        Binding(
            "shift+tab",
            "focus_previous",
            "Previous field",
            id="app.focus-previous",
            show=False,
            priority=True,
        ),
    ]

    def __init__(
        self,
        store: StoreLike,
        *,
        clock: Clock = utcnow,
        quick: QuickBoard | None = None,
        freeze_heap: bool = False,
        auto_backup: bool = False,
    ) -> None:
        super().__init__()
        self.store = store
        self.freeze_heap = freeze_heap
        """Exempt what start-up loaded from garbage collection once the board is live."""
        self.clock = clock
        self.quick = quick
        """The first screen read without SQLAlchemy, shown while the store opens."""
        self.vault: OpenVault | None = None
        """The unlocked vault (key and decrypted items), or None when locked."""
        self._last_activity = time.monotonic()
        self._copied: str | None = None  # fingerprint of the secret we put on the clipboard
        self.writes: WriteQueue[Any, Any] | None = None
        """The board's queue of writes already shown; drained after the app exits."""
        self.crash_report: Path | None = None
        """Where the last unhandled error was written, if it was."""
        self.auto_backup = auto_backup
        """Back the database up soon after start when the newest backup is a day old."""
        self.backup_note: str | None = None
        """The newest backup's age (or why there is none), for the help screen."""
        self.keys = KeyGate(self, self._forward_key)
        """Typed keys, one at a time and held while a form loads or saves (ui/typeahead.py)."""
        self._signals: dict[int, Any] = {}  # signal -> the handler it had before ours

    def on_mount(self) -> None:
        from vadesk.ui.screens.board import BoardScreen

        if self.store.settings.keymap:
            self.set_keymap(self.store.settings.keymap)
        screen = BoardScreen(self.store, clock=self.clock, quick=self.quick)
        self.writes = screen.writes
        self.push_screen(screen)
        self.set_interval(5, self._check_idle)
        self.set_interval(0.25, self.keys.check)
        if not self.is_headless:
            # Only a real run owns the process's signals: under run_test the test runner does.
            self._install_signal_handlers()
        if self.auto_backup:
            self.set_timer(BACKUP_DELAY, self._start_backup)

    def _install_signal_handlers(self) -> None:
        """SIGHUP/SIGTERM end the app as `q` does: the terminal is restored and the caller
        drains the write queue (their default would kill us now). Undone on unmount."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                before = signal.getsignal(signum)
                loop.add_signal_handler(signum, self._signalled, signum)
                self._signals[signum] = before

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum, before in self._signals.items():
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, TypeError):
                loop.remove_signal_handler(signum)
                signal.signal(signum, before)  # as it was, not merely the default
        self._signals.clear()

    def _start_backup(self) -> None:
        self.run_worker(
            self._backup_if_stale, thread=True, group="backup", exclusive=True, exit_on_error=False
        )

    def _backup_if_stale(self) -> None:
        """In a thread: a backup when the newest is over a day old; the note for the help."""
        from vadesk.errors import VadeskError
        from vadesk.services.backup import backup_if_stale

        try:
            note = backup_if_stale(self.store.db, self.store.settings, clock=self.clock).line()
        except VadeskError as error:
            note = f"No backup made at start: {error}"
        except OSError as error:
            log.warning("start-up backup failed: %s", error.strerror)
            note = f"No backup made at start: {error.strerror or error}."
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.call_from_thread(setattr, self, "backup_note", note)

    def _signalled(self, signum: int) -> None:
        log.info("signal %d: closing", signum)
        if self.vault is not None:
            self.vault.lock()
            self.vault = None
        if signum == signal.SIGHUP and not terminal_alive():
            self._hung_up()
        # Keys already typed (read, or still in the terminal's buffer) land first: what they
        # change is shown and queued, then saved by the drain after exit.
        self.set_timer(SIGNAL_GRACE, lambda: self.exit(return_code=128 + signum))

    def _hung_up(self) -> None:
        """The terminal is gone: save what the board showed and leave without drawing.

        Textual would restore a terminal that no longer exists: its writer thread dies on the
        first failed write, and the app then blocks for good on the full write queue.
        """
        from vadesk.ui.run import DRAIN_SECONDS, say_unsaved

        unsaved = self.writes.close(DRAIN_SECONDS) if self.writes is not None else []
        if unsaved:
            say_unsaved(unsaved)  # to the log; there is no terminal to print on
        logging.shutdown()
        os._exit(128 + signal.SIGHUP)

    def on_board_screen_ready(self) -> None:
        """Start-up is over: move its ~half a million objects out of the collector's way.

        Textual, Rich, SQLAlchemy and their modules live for the whole session, yet every
        full collection walked them all: a 50-100 ms pause that landed on a random keystroke
        (the tail of the lane-move latency). ``gc.freeze`` keeps them out of later
        collections; what the session allocates afterwards is collected as usual.
        """
        if self.freeze_heap and not gc.get_freeze_count():
            gc.freeze()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self._last_activity = time.monotonic()
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.keys.offer(event)  # now, or after the key before it (ui/typeahead.py)
            return
        await super().on_event(event)

    async def _forward_key(self, event: events.Event) -> None:
        await super().on_event(event)

    def _check_idle(self) -> None:
        idle = time.monotonic() - self._last_activity
        if self.vault is not None and idle > self.store.settings.vault_idle_lock_minutes * 60:
            self.lock_vault("Vault locked after inactivity.")

    def on_card_editor_vault_item_chosen(self, message: Any) -> None:
        """The card editor asks for a linked vault item (CardEditor.VaultItemChosen)."""
        from vadesk.ui.screens.vault import VaultScreen

        self.push_screen(
            VaultScreen(self.store, message.clients, message.client, select=message.item_id)
        )

    def lock_vault(self, message: str = "Vault locked.") -> None:
        """Drop the key and decrypted items, close vault screens, clear a copied secret."""
        from vadesk.ui.screens.vault import (
            ChangePassphrase,
            ItemForm,
            PassphraseForm,
            ResealScreen,
            RotateKey,
            VaultScreen,
        )

        if self.vault is not None:
            self.vault.lock()
            self.vault = None
        vault_screens = (
            VaultScreen,
            ItemForm,
            ChangePassphrase,
            PassphraseForm,
            ResealScreen,
            RotateKey,
        )
        # Everything above the lowest vault screen goes too (a dialog opened from it).
        while any(isinstance(screen, vault_screens) for screen in self.screen_stack):
            self.pop_screen()
        self._clear_clipboard(force=True)
        self.notify(message, timeout=3)

    def copy_secret(self, value: str) -> None:
        """Copy to the terminal (OSC 52) and the system clipboard; clear it later if unchanged."""
        from vadesk.ui.clipboard import system_copy, tmux_copy
        from vadesk.ui.screens.vault import fingerprint

        self.copy_to_clipboard(value)
        system_copy(value)
        tmux_copy(value)
        tag = fingerprint(value)
        self._copied = tag
        self.set_timer(
            self.store.settings.clipboard_clear_seconds, lambda: self._clear_clipboard(tag=tag)
        )

    def _clear_clipboard(self, tag: str | None = None, force: bool = False) -> None:
        from vadesk.ui.clipboard import system_copy, system_holds, tmux_forget
        from vadesk.ui.screens.vault import fingerprint

        if self._copied is None or (tag is not None and tag != self._copied):
            return  # something newer was copied since; that copy has its own timer
        tmux_forget()  # tmux keeps each copy as a paste buffer of its own: delete the secrets
        ours = fingerprint(self.clipboard) == self._copied if self.clipboard else False
        if ours or force:
            if system_holds(self.clipboard):
                system_copy("")
            self.copy_to_clipboard("")  # also replaces Textual's own copy of the text
        self._copied = None

    def _handle_exception(self, error: Exception) -> None:
        """An unhandled error: write it to the log folder first, then exit (status 1)."""
        from vadesk.config import log_dir
        from vadesk.ui.crash import write_crash_report

        try:
            self.crash_report = write_crash_report(error, log_dir())
            log.error("unhandled %s; report in %s", type(error).__name__, self.crash_report)
        except OSError:
            log.error("unhandled %s; no crash report written", type(error).__name__)
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Exit after an unhandled error, pointing to the report; never showing locals.

        Textual's own crash screen prints every frame's locals; in vadesk a frame may hold a
        decrypted vault field or a passphrase, so the locals must never be shown. The traceback
        is in the crash report; stderr gets one line (or, without a report, the traceback).
        """
        from rich.segment import Segments
        from rich.text import Text
        from rich.traceback import Traceback

        self.bell()
        if self.vault is not None:
            self.vault.lock()
            self.vault = None
        if self.crash_report is not None:
            kind = type(self._exception).__name__ if self._exception else "error"
            self._exit_renderables.append(
                Text(
                    f"vadesk stopped on an unexpected error ({kind}); the details are in "
                    f"{self.crash_report} (please include that file when you report it)."
                )
            )
        else:
            traceback = Traceback(show_locals=False, width=None)
            self._exit_renderables.append(
                Segments(self.console.render(traceback, self.console.options))
            )
        self._close_messages_no_wait()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain, cleaned text: messages quote stored names and titles."""
        from vadesk.ui.safe import display

        super().notify(
            display(message, multiline=True),
            title=display(title),
            severity=severity,
            timeout=timeout,
            markup=False,  # a title like "fix [/] bug" is text, not a markup error
        )

    async def action_quit(self) -> None:
        if self.vault is not None:
            self.vault.lock()
            self.vault = None
        self._clear_clipboard(force=True)
        await super().action_quit()


def terminal_alive() -> bool:
    """False once the terminal has hung up (a write fails); a SIGHUP may come from `kill`."""
    try:
        os.write(sys.__stdout__.fileno() if sys.__stdout__ else 1, b"\x1b[0m")  # no-op SGR
    except OSError:
        return False
    return True


def prepare(settings: Settings, db_url: str | None, *, demo: bool = False) -> StoreLike:
    """Open the configured database, or a fresh demo database with a working day in it."""
    from vadesk.services.store import open_store

    if not demo:
        return open_store(settings, db_url)
    from vadesk.services.demo import open_demo

    return open_demo(settings, reset=True)
