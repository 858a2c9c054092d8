"""What the vault dialogs share: field names, emptying passphrase inputs."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from vadesk.domain import vault_items
from vadesk.services.store import StoreLike
from vadesk.ui import devlog

devlog.install()  # before any passphrase is typed

FIELDS = vault_items.FIELDS
LABELS = {
    "url": "URL",
    "totp": "TOTP secret (2FA setup key or otpauth:// URI)",
    "number": "Card number",
    "expiry": "Expiry (MM/YY)",
    "cvc": "CVC",
}
"""Field names as people write them; the rest are capitalised."""


def clear_inputs(screen: ModalScreen[Any]) -> None:
    """Empty every input of a dialog (passphrases must not outlive it)."""
    for widget in screen.query(Input):
        widget.value = ""


class SecretDialog(ModalScreen[None]):
    """A vault dialog that asks for passphrases; they are emptied however it closes."""

    CSS_PATH = "vault.tcss"

    def __init__(self, store: StoreLike) -> None:
        super().__init__()
        self.store = store

    def show_error(self, message: str, focus: str) -> None:
        self.query_one("#vault-error", Static).update(Text(message))
        self.query_one(f"#{focus}", Input).focus()

    def action_cancel(self) -> None:
        clear_inputs(self)
        self.dismiss(None)
