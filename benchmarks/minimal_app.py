"""The reference: a minimal Textual app (header, one line, footer) with one key binding."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class Minimal(App[None]):
    BINDINGS = [("j", "bump", "Bump"), ("q", "quit", "Quit")]
    count = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("minimal ready 0", id="line")
        yield Footer()

    def action_bump(self) -> None:
        self.count += 1
        self.query_one("#line", Static).update(f"minimal ready {self.count}")


if __name__ == "__main__":
    Minimal().run()
