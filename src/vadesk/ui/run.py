"""Starting the TUI (kept apart so `vadesk card ...` never imports Textual)."""

from __future__ import annotations

from typing import Any

from vadesk.config import Settings


def run_tui(settings: Settings, db_url: str | None, *, demo: bool = False) -> None:
    from vadesk.ui.app import VadeskApp, prepare

    if not demo:
        from vadesk.domain.clock import utcnow
        from vadesk.services.handle import StoreHandle
        from vadesk.services.quick import quick_board

        # A current SQLite board shows its first screen read with the standard library; the
        # store (SQLAlchemy, a second or so on a slow machine) opens right after that frame.
        quick = quick_board(settings.resolve_database_url(db_url), 60, utcnow())
        if quick is not None:

            def open_it() -> Any:
                from vadesk.services.store import open_store

                return open_store(settings, db_url)

            handle = StoreHandle(open_it, settings)
            try:
                VadeskApp(handle, quick=quick, freeze_heap=True).run()  # type: ignore[arg-type]
            finally:
                handle.close()
            return
    store = prepare(settings, db_url, demo=demo)
    try:
        VadeskApp(store, freeze_heap=True).run()
    finally:
        store.close()
