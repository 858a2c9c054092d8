"""Change the passphrase or rotate the data key."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from vadesk.domain import vault_crypto as vc
from vadesk.domain.passwords import MIN_SCORE, strength
from vadesk.errors import VadeskError
from vadesk.services import vault as vaults
from vadesk.ui.screens.vault.common import SecretDialog, clear_inputs


class ChangePassphrase(SecretDialog):
    """Old passphrase, new one twice; the old wrapped key is wiped from disk."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.passwd-cancel")
    ]

    class Done(Message):
        def __init__(self, message: str, ok: bool) -> None:
            super().__init__()
            self.message = message
            self.ok = ok

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            yield Label("Change the vault passphrase", classes="title")
            yield Input(password=True, placeholder="Current passphrase", id="old")
            yield Input(password=True, placeholder="New passphrase", id="new")
            yield Input(password=True, placeholder="New passphrase again", id="again")
            yield Static("", id="vault-error")

    def on_mount(self) -> None:
        self.query_one("#old", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        order = ["old", "new", "again"]
        if event.input.id != "again":
            self.query_one(f"#{order[order.index(str(event.input.id)) + 1]}", Input).focus()
            return
        old, new, again = (self.query_one(f"#{i}", Input).value for i in order)
        error = self.query_one("#vault-error", Static)
        if new != again:
            error.update("The new passphrases differ; type both again.")
            for name in ("new", "again"):
                self.query_one(f"#{name}", Input).value = ""
            self.query_one("#new", Input).focus()
            return
        if strength(new)[0] < MIN_SCORE:
            error.update("Too weak: use four or more unrelated words.")
            return
        error.update("Working…")
        self._change(vc.Secret(old), vc.Secret(new))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _change(self, old: vc.Secret, new: vc.Secret) -> None:
        try:
            with self.store.write() as s:
                vaults.change_passphrase(s, old, new, vaults.kdf_for(self.store.settings.vault_kdf))
            vaults.checkpoint(self.store)
        except VadeskError as error:
            self.post_message(self.Done(str(error), False))
            return
        self.post_message(self.Done("Passphrase changed.", True))

    @on(Done)
    def _done(self, event: Done) -> None:
        clear_inputs(self)
        if event.ok:
            self.notify(event.message)
            self.dismiss(None)
        else:
            self.show_error(event.message, "old")


class RotateKey(SecretDialog):
    """A new data key for every item (after a suspected leak of the old one)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.rotate-cancel")
    ]

    class Done(Message):
        def __init__(self, message: str, fresh: vaults.OpenVault | None) -> None:
            super().__init__()
            self.message = message
            self.fresh = fresh

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            yield Label("Rotate the vault's data key", classes="title")
            yield Static(
                "Every item is re-encrypted under a new random key; the passphrase stays "
                "the same. Do this if an old backup or the key itself may have leaked.",
                classes="hint",
            )
            yield Input(password=True, placeholder="Passphrase, to confirm", id="current")
            yield Static("", id="vault-error")

    def on_mount(self) -> None:
        self.query_one("#current", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        opened = self.app.vault  # type: ignore[attr-defined]
        if opened is None or not event.value:
            return
        self.query_one("#vault-error", Static).update("Working…")
        self._rotate(opened, vc.Secret(event.value))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _rotate(self, opened: vaults.OpenVault, secret: vc.Secret) -> None:
        try:
            with self.store.write() as s:
                kdf = vaults.kdf_for(self.store.settings.vault_kdf)
                fresh = vaults.rotate_key(s, opened, secret, kdf)
            vaults.checkpoint(self.store)  # the old wrapped key leaves the WAL too
        except VadeskError as error:
            self.post_message(self.Done(str(error), None))
            return
        count = len(fresh.items)
        self.post_message(self.Done(f"New data key: {count} item(s) re-encrypted.", fresh))

    @on(Done)
    def _done(self, event: Done) -> None:
        clear_inputs(self)
        if event.fresh is None:
            self.show_error(event.message, "current")
            return
        app: Any = self.app
        old, app.vault = app.vault, event.fresh
        if old is not None and old is not event.fresh:
            old.lock()
        self.notify(event.message)
        self.dismiss(None)
