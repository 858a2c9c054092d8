"""What a fresh database shows instead of an empty board: add your first client."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Button, Static


class Greeting(Vertical):
    """ "Add your first client", with a button that opens the client form."""

    DEFAULT_CSS = """
    Greeting { display: none; height: 1fr; align: center middle; }
    Greeting > Vertical { width: 64; max-width: 100%; height: auto; padding: 1 2;
        border: round $accent; }
    Greeting Static { width: 100%; text-align: center; }
    Greeting #greeting-title { text-style: bold; }
    Greeting Center { margin-top: 1; height: auto; }
    Greeting.-short > Vertical { border: none; padding: 0 1; }
    Greeting.-short Center { margin-top: 0; }
    """
    SHORT = 20
    """Terminals with fewer rows than this (40x12): no frame, a one-line button."""

    class AddClient(Message):
        """The user asked to add a client."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Welcome to vadesk", id="greeting-title")
            yield Static(
                "Cards, time and vault items belong to clients. "
                "Start with the first business you work for.",
                id="greeting-text",
            )
            with Center():
                yield Button("Add your first client", id="add-first-client", variant="primary")
            yield Static("Enter adds it · C lists clients · n adds a card", id="greeting-hint")

    def on_resize(self) -> None:
        self._fit()

    def on_show(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # The terminal's height, not this widget's: a hidden widget has none yet.
        short = self.app.size.height < self.SHORT
        self.set_class(short, "-short")
        self.query_one("#add-first-client", Button).compact = short

    def focus_button(self) -> None:
        self.query_one("#add-first-client", Button).focus()

    @on(Button.Pressed, "#add-first-client")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.AddClient())
