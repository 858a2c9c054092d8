"""Small choosers: a client for the filter, a yes/no confirmation."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from vadesk.domain.durations import words
from vadesk.services.clients import ClientRow
from vadesk.ui.safe import display, safe_text

ALL = -1


class ClientPicker(ModalScreen[tuple[int, str] | None]):
    """Pick one client (or all); returns (id, name), id -1 meaning every client."""

    DEFAULT_CSS = """
    ClientPicker { align: center middle; background: $background 60%; }
    ClientPicker > Vertical { width: 50; max-width: 90%; height: auto; max-height: 80%;
        border: thick $accent; background: $surface; }
    ClientPicker OptionList { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="picker.cancel"),
    ]

    def __init__(self, clients: list[ClientRow], current: int | None) -> None:
        super().__init__()
        self.clients = clients
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(" Show the cards of…")
            options = [Option("All clients", id=str(ALL))]
            options += [Option(safe_text(c.name), id=str(c.id)) for c in self.clients]
            yield OptionList(*options)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        ids = [ALL] + [c.id for c in self.clients]
        option_list.highlighted = ids.index(self.current) if self.current in ids else 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        client_id = int(event.option.id or ALL)
        name = next((c.name for c in self.clients if c.id == client_id), "")
        self.dismiss((client_id, name))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text (a lane name); Enter accepts, Escape cancels."""

    DEFAULT_CSS = """
    TextPrompt { align: center middle; background: $background 60%; }
    TextPrompt > Vertical { width: 50; max-width: 90%; height: auto;
        border: thick $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="prompt.cancel"),
    ]

    def __init__(self, title: str, value: str = "", *, password: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe_text(self.title_text))  # it may quote a client's name
            # A prefilled value may come from stored text (an export file named after a client).
            value = self.value if self.password else display(self.value)
            yield Input(value=value, password=self.password)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value if self.password else event.value.strip()
        event.input.value = ""
        self.dismiss(value or None)

    def action_dismiss_none(self) -> None:
        self.query_one(Input).value = ""
        self.dismiss(None)


class AbsencePrompt(ModalScreen[str | None]):
    """The timer ran while nobody was there: keep, discard or split off the gap.

    It may open while the VA is still away (the board notices idle time as it happens), so
    the time shown keeps growing until they answer.
    """

    DEFAULT_CSS = """
    AbsencePrompt { align: center middle; background: $background 60%; }
    AbsencePrompt > Vertical { width: 64; max-width: 95%; height: auto;
        border: thick $warning; background: $surface; padding: 0 1; }
    AbsencePrompt #absence-question { width: 100%; }
    AbsencePrompt OptionList { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Decide later", id="absence.later"),
    ]
    CHOICES = (
        ("keep", "Keep all the time on the card"),
        ("discard", "Discard the time I was away"),
        ("split", "Split it off as a separate idle entry"),
    )

    def __init__(self, card_title: str, gap_seconds: int) -> None:
        super().__init__()
        self.card_title = card_title
        self.gap_seconds = gap_seconds
        self._opened = time.monotonic()

    def question(self) -> str:
        gap = self.gap_seconds + int(time.monotonic() - self._opened)
        return (
            f"The timer on “{display(self.card_title)}” kept running while you were away "
            f"for {words(gap)}. What should happen to that time?"
        )

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question()), id="absence-question")
            yield OptionList(*(Option(text, id=key) for key, text in self.CHOICES))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.set_interval(15, self._grow)

    def _grow(self) -> None:
        self.query_one("#absence-question", Static).update(Text(self.question()))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes/no question for what cannot be undone; ``y`` or Enter confirms, Esc or ``n`` not."""

    DEFAULT_CSS = """
    Confirm { align: center middle; background: $background 60%; }
    Confirm > Vertical { width: 60; max-width: 90%; height: auto; padding: 1 2;
        border: thick $error; background: $surface; }
    Confirm .hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe_text(self.question, style="bold"))
            if self.detail:
                yield Label(safe_text(self.detail))
            yield Label("y / Enter: yes    n / Esc: no", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def close_or_ask(
    form: ModalScreen[Any],
    *,
    changed: bool,
    question: str,
    detail: str = "What you typed is not saved.",
    before_closing: Callable[[], object] | None = None,
) -> None:
    """Close a form at once when nothing was typed; else ask first (Esc never drops work)."""

    def close() -> None:
        if before_closing is not None:
            before_closing()
        form.dismiss(None)

    if not changed:
        close()
        return

    def answered(discard: bool | None) -> None:
        if discard:
            close()

    form.app.push_screen(Confirm(question, detail), answered)


def keep_field_in_sight(screen: Screen[Any], fields: VerticalScroll, widget: Widget) -> None:
    """Scroll a form so the focused field and the label above it are in sight (typed text
    never lands unseen); for a form's ``on_descendant_focus``."""
    if widget is fields or fields not in widget.ancestors:
        return
    siblings = list(widget.parent.children) if widget.parent is not None else []
    index = siblings.index(widget) if widget in siblings else 0
    label = siblings[index - 1] if index > 0 else None

    def show() -> None:
        fields.scroll_to_widget(widget, animate=False, immediate=True)
        if isinstance(label, Label):
            fields.scroll_to_widget(label, animate=False, immediate=True)

    screen.call_after_refresh(show)
