"""The vadesk Textual application."""

from __future__ import annotations

import contextlib
import logging
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from vadesk.config import Settings, data_dir
from vadesk.domain.clock import Clock, utcnow
from vadesk.services.store import Store, open_store
from vadesk.ui.commands import BoardCommands

log = logging.getLogger(__name__)


class VadeskApp(App[None]):
    """Board first; everything else opens from it."""

    TITLE = "vadesk"
    COMMANDS = App.COMMANDS | {BoardCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+p", "command_palette", "Commands", id="app.palette", show=False),
    ]

    def __init__(self, store: Store, *, clock: Clock = utcnow) -> None:
        super().__init__()
        self.store = store
        self.clock = clock

    def on_mount(self) -> None:
        from vadesk.ui.screens.board import BoardScreen

        if self.store.settings.keymap:
            self.set_keymap(self.store.settings.keymap)
        self.push_screen(BoardScreen(self.store, clock=self.clock))


def prepare(settings: Settings, db_url: str | None, *, demo: bool = False) -> Store:
    """Open the configured database, or a fresh demo database with a working day in it."""
    if not demo:
        return open_store(settings, db_url)
    from vadesk.services.demo import load_demo

    path = data_dir() / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()
    store = open_store(settings, f"sqlite:///{path}")
    with store.write() as session:
        load_demo(session, user_id=store.user_id)
    return store
