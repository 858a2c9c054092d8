"""Starting the TUI (kept apart so `vadesk card ...` never imports Textual)."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

from vadesk.config import Settings

if TYPE_CHECKING:
    from vadesk.services.store import StoreLike
    from vadesk.ui.app import VadeskApp

log = logging.getLogger(__name__)

DRAIN_SECONDS = 5.0
"""How long, after the app has closed, the writes it already showed may take to be saved."""


def run_tui(settings: Settings, db_url: str | None, *, demo: bool = False) -> None:
    """Run the board until it is quit; every write it showed is saved before this returns.

    Exits with the app's status: 1 after a crash, 128 + the signal after SIGHUP or SIGTERM.
    """
    from vadesk.ui.app import VadeskApp, prepare

    store: StoreLike | None = None
    quick = None
    if not demo:
        from vadesk.domain.clock import utcnow
        from vadesk.services.handle import StoreHandle
        from vadesk.services.preferences import load
        from vadesk.services.quick import quick_board

        # A current SQLite board shows its first screen read with the standard library; the
        # store (SQLAlchemy, a second or so on a slow machine) opens right after that frame.
        url = settings.resolve_database_url(db_url)
        quick = quick_board(url, 60, utcnow(), grouped=load().group_by_client)
        if quick is not None:

            def open_it() -> Any:
                from vadesk.services.store import open_store

                return open_store(settings, db_url)

            store = StoreHandle(open_it, settings)
    if store is None:
        store = prepare(settings, db_url, demo=demo)
    app = VadeskApp(store, quick=quick, freeze_heap=True, auto_backup=not demo)
    try:
        app.run()
    finally:
        unsaved = drain(app)
        store.close()
    if unsaved:
        say_unsaved(unsaved)
    if app.return_code:
        raise SystemExit(app.return_code)


def drain(app: VadeskApp) -> list[str]:
    """Wait (bounded) for the board's queued writes; what could not be saved."""
    if app.writes is None:
        return []
    # The terminal may be gone (a hang-up): a second SIGHUP must not cut the drain short.
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        return app.writes.close(DRAIN_SECONDS)
    finally:
        signal.signal(signal.SIGHUP, previous)


def say_unsaved(unsaved: list[str]) -> None:
    """One line on stderr (the terminal is restored by now) naming what was not saved."""
    log.warning("%d changes shown on the board were not saved", len(unsaved))
    line = (
        f"vadesk: {len(unsaved)} change(s) shown on the board may not have been saved "
        f"(the database did not take them within {DRAIN_SECONDS:.0f} s); check them: "
        + "; ".join(unsaved)
    )
    with contextlib.suppress(OSError):  # no terminal left (a closed window): the log counts
        print(line, file=sys.stderr, flush=True)
