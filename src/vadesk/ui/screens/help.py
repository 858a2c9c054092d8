"""Every key of the board, with what it does."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from vadesk.ui.safe import safe_text


class HelpScreen(ModalScreen[None]):
    """Lists the bindings of the screen below, as the keymap has made them."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > VerticalScroll { width: 72; max-width: 95%; height: 90%;
        border: thick $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, bindings: list[tuple[str, Binding]]) -> None:
        super().__init__()
        self.bindings = bindings
        """(key, binding) pairs active below, from App.active_bindings."""

    def compose(self) -> ComposeResult:
        table = Table(title="vadesk — keys", expand=True, box=None, pad_edge=False)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Action")
        table.add_column(Text("Binding id (for [keymap])"), style="dim")  # not markup
        rows: dict[str, list[str]] = {}
        order: list[str] = []
        for key, binding in self.bindings:
            name = binding.id or binding.action
            shown = self.app.get_key_display(Binding(key, binding.action))
            if name not in rows:
                rows[name] = [shown, binding.description or binding.action, binding.id or ""]
                order.append(name)
            elif shown not in rows[name][0].split(", "):
                rows[name][0] += f", {shown}"
        self.rows = [tuple(rows[name]) for name in order]
        """(keys, description, binding id) as listed."""
        for row in self.rows:
            # "[" is a key, not markup; descriptions and keys may come from the config file.
            table.add_row(*(safe_text(cell) for cell in row))
        table.add_row("ctrl+p", "Command palette: every action, go to card, lanes", "")
        with VerticalScroll():
            note = getattr(self.app, "backup_note", None)  # set by the start-up backup
            if note:
                yield Static(safe_text(note), id="backup-note")
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
