"""Add or edit a vault item, with the password generator."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from vadesk.domain import vault_crypto as vc
from vadesk.domain import vault_items
from vadesk.domain.passwords import strength
from vadesk.errors import VadeskError
from vadesk.services.clients import ClientRow
from vadesk.ui import devlog
from vadesk.ui.safe import display, safe_text
from vadesk.ui.screens.vault.common import FIELDS, LABELS, clear_inputs


class ItemForm(ModalScreen[dict[str, Any] | None]):
    """Add or edit an item; ctrl+g fills the password with a generated one."""

    CSS_PATH = "vault.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.item-cancel"),
        Binding("ctrl+s", "save", "Save", id="vault.item-save"),
        Binding("ctrl+g", "generate", "Generate password", id="vault.generate"),
        Binding("ctrl+w", "words", "Generate passphrase", id="vault.generate-words"),
        Binding("ctrl+o", "generator", "Generator…", id="vault.generator"),
    ]

    def __init__(
        self, kind: str, clients: list[ClientRow], document: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.kind = kind
        self.clients = clients
        self.document = dict(document or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="item-dialog"):
            # A new item may come with its client filled in, never with a name.
            verb = "Edit" if self.document.get("name") else "New"
            yield Label(safe_text(f"{verb} {self.kind}"), classes="title")
            with VerticalScroll():
                yield Label("Client")
                names = [c.name for c in self.clients]
                current = self.document.get("client")
                yield Select(
                    [(safe_text(n), n) for n in names],
                    id="client",
                    prompt="(no client)",
                    value=current if current in names else Select.NULL,
                )
                for name in FIELDS[self.kind]:
                    yield Label(LABELS.get(name, name.capitalize()))
                    secret = name in vault_items.SECRET_FIELDS
                    value = self.document.get(name, "")
                    # Secrets stay exact (the input masks them); the rest is shown cleaned.
                    shown = str(value) if secret else display(value, multiline="note" in name)
                    yield Input(
                        value=shown,
                        password=secret,
                        id=f"f-{name}",
                        classes=devlog.SECRET_CLASS if secret else "",
                    )
                yield Label("Linked cards (numbers, e.g. 12, 40)")
                linked = ", ".join(str(c) for c in self.document.get("cards", []))
                yield Input(value=linked, id="f-cards")
            yield Static("", id="item-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#f-name", Input).focus()
        self._pristine = self._typed()

    def _typed(self) -> tuple[object, ...]:
        client = self.query_one("#client", Select).value
        return (*(w.value for w in self.query(Input)), client)

    def action_generate(self) -> None:
        if self.kind == "login":
            field = self.query_one("#f-password", Input)
            field.value = vc.generate_password(20)
            field.password = False

    def action_words(self) -> None:
        if self.kind == "login":
            field = self.query_one("#f-password", Input)
            field.value = vc.generate_passphrase(5)
            field.password = False

    def action_generator(self) -> None:
        if self.kind != "login":
            return

        def use(value: str | None) -> None:
            if value:
                field = self.query_one("#f-password", Input)
                field.value = value
                field.password = False

        self.app.push_screen(GeneratorScreen(), use)

    def action_save(self) -> None:
        document: dict[str, Any] = {"kind": self.kind}
        client = self.query_one("#client", Select).value
        document["client"] = client if isinstance(client, str) else None
        for name in FIELDS[self.kind]:
            document[name] = self.query_one(f"#f-{name}", Input).value.strip()
        document["cards"] = self.query_one("#f-cards", Input).value
        try:
            vault_items.validate(document)
        except VadeskError as error:
            self.query_one("#item-error", Static).update(Text(str(error)))
            return
        self.dismiss(document)

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        from vadesk.ui.screens.pickers import close_or_ask

        close_or_ask(
            self,
            changed=self._typed() != self._pristine,
            question=f"Discard your changes to this {self.kind}?",
            before_closing=lambda: clear_inputs(self),
        )


class GeneratorScreen(ModalScreen[str | None]):
    """Password generator: length and character classes, or a passphrase of words."""

    value = ""

    CSS_PATH = "vault.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.generator-cancel"),
        Binding("ctrl+r", "again", "Another", id="vault.generator-again"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            yield Label("Generate a password", classes="title")
            with Horizontal(classes="buttons"):
                yield Label("Length / words ")
                yield Input(value="20", type="integer", id="gen-length")
            with Horizontal(classes="buttons"):
                yield Checkbox("a-z", value=True, id="gen-lower")
                yield Checkbox("A-Z", value=True, id="gen-upper")
                yield Checkbox("0-9", value=True, id="gen-digits")
                yield Checkbox("!#$", value=True, id="gen-symbols")
                yield Checkbox("words", value=False, id="gen-words")
            yield Static("", id="gen-result")
            yield Static("enter uses it · ctrl+r another · esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.action_again()
        self.query_one("#gen-length", Input).focus()

    @on(Input.Changed, "#gen-length")
    @on(Checkbox.Changed)
    def action_again(self) -> None:
        result = self.query_one("#gen-result", Static)
        try:
            length = int(self.query_one("#gen-length", Input).value or 0)
            if self.query_one("#gen-words", Checkbox).value:
                self.value = vc.generate_passphrase(max(3, min(length, 12)))
            else:
                self.value = vc.generate_password(
                    max(8, min(length, 128)),
                    lower=self.query_one("#gen-lower", Checkbox).value,
                    upper=self.query_one("#gen-upper", Checkbox).value,
                    digits=self.query_one("#gen-digits", Checkbox).value,
                    symbols=self.query_one("#gen-symbols", Checkbox).value,
                )
        except ValueError as error:
            self.value = ""
            result.update(Text(f"{error}", style="red"))
            return
        _score, advice = strength(self.value)
        result.update(Text(f"{self.value}\n{advice}"))

    @on(Input.Submitted)
    def _use(self) -> None:
        self.dismiss(self.value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
