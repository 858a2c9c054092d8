"""Starting the TUI (kept apart so `vadesk card ...` never imports Textual)."""

from __future__ import annotations

from vadesk.config import Settings


def run_tui(settings: Settings, db_url: str | None, *, demo: bool = False) -> None:
    from vadesk.ui.app import VadeskApp, prepare

    store = prepare(settings, db_url, demo=demo)
    try:
        VadeskApp(store).run()
    finally:
        store.close()
