"""Create or unlock the vault; check and reseal it when unlocking finds damage."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from vadesk.domain import vault_crypto as vc
from vadesk.domain.passwords import MIN_SCORE, strength
from vadesk.errors import VadeskError
from vadesk.services import vault as vaults
from vadesk.services import vault_repair as repair
from vadesk.services.store import StoreLike
from vadesk.ui.safe import display
from vadesk.ui.screens.vault.common import clear_inputs


class PassphraseForm(ModalScreen[vc.Secret | None]):
    """Create (twice, with a strength meter and a warning) or unlock (once) the vault."""

    CSS_PATH = "vault.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", id="vault.unlock-cancel"),
        Binding(
            "ctrl+r",
            "reseal",
            "Check and reseal",
            id="vault.reseal",
            tooltip="List what is intact and re-sign the vault over it",
        ),
        Binding(
            "ctrl+o",
            "accept_older",
            "Accept older vault",
            id="vault.accept-older",
            tooltip="Open a vault restored from an older copy, and remember it",
        ),
    ]

    class Failed(Message):
        def __init__(self, message: str, problem: str = "") -> None:
            super().__init__()
            self.message = message
            self.problem = problem
            """'damaged' (reseal can help), 'older' (accept can help) or ''."""

    def __init__(self, store: StoreLike, *, create: bool) -> None:
        super().__init__()
        self.store = store
        self.create = create
        self._secret: vc.Secret | None = None
        """The passphrase just tried, kept only while reseal or accept is on offer."""
        self._problem = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reseal":
            return self._problem == "damaged"
        if action == "accept_older":
            return self._problem == "older"
        return True

    def _offer(self, problem: str) -> None:
        self._problem = problem
        if not problem:
            self._secret = None
        self.refresh_bindings()

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            if self.create:
                yield Label("Create the vault", classes="title")
                yield Static(
                    "Choose a passphrase of several unrelated words. A forgotten passphrase "
                    "cannot be recovered: nobody, not even vadesk, can open the vault without it.",
                    id="warning",
                )
                yield Input(password=True, placeholder="New passphrase", id="first")
                yield Static("", id="meter")
                yield Input(password=True, placeholder="Same passphrase again", id="second")
            else:
                yield Label("Unlock the vault", classes="title")
                yield Input(password=True, placeholder="Vault passphrase", id="first")
            yield Static("", id="vault-error")

    def on_mount(self) -> None:
        self.query_one("#first", Input).focus()

    @on(Input.Changed, "#first")
    def _strength(self, event: Input.Changed) -> None:
        if self.create:
            score, advice = strength(event.value)
            bar = "█" * (score + 1) + "░" * (4 - score)
            style = "red" if score < MIN_SCORE else "green"
            self.query_one("#meter", Static).update(Text(f"{bar} {advice}", style=style))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        first = self.query_one("#first", Input)
        error = self.query_one("#vault-error", Static)
        if self.create:
            if event.input.id == "first":
                self.query_one("#second", Input).focus()
                return
            second = self.query_one("#second", Input)
            if first.value != second.value:
                error.update("The two passphrases differ; type them again.")
                first.value = second.value = ""
                first.focus()  # both again, from the first
                return
            if strength(first.value)[0] < MIN_SCORE:
                error.update("Too weak: use four or more unrelated words.")
                return
        if not first.value:
            return
        error.update("Working… (key derivation takes about a second)")
        self._offer("")
        self._run(vc.Secret(first.value))

    @work(thread=True, exclusive=True, group="vault-unlock", exit_on_error=False)
    def _run(self, secret: vc.Secret, accept_older: bool = False) -> None:
        try:
            if self.create:
                with self.store.write() as s:
                    opened = vaults.init(s, secret, vaults.kdf_for(self.store.settings.vault_kdf))
            else:
                opened = vaults.open_vault(self.store, secret, accept_older=accept_older)
        except vaults.VaultRolledBack as error:
            self._secret = secret
            self.post_message(self.Failed(str(error), "older"))
            return
        except (
            vc.ManifestMismatch,
            vc.ManifestDamaged,
            vc.ItemDamaged,
            vc.VaultDamaged,
        ) as error:
            self._secret = secret
            self.post_message(self.Failed(str(error), "damaged"))
            return
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.app.call_from_thread(self._done, opened)

    def action_accept_older(self) -> None:
        if self._problem == "older" and self._secret is not None:
            self.query_one("#vault-error", Static).update("Working…")
            secret, self._problem = self._secret, ""
            self._run(secret, accept_older=True)

    def action_reseal(self) -> None:
        if self._problem != "damaged" or self._secret is None:
            return
        secret = self._secret

        def resealed(done: bool | None) -> None:
            if done:
                self.query_one("#vault-error", Static).update("Working…")
                self._offer("")
                self._run(secret)

        self.app.push_screen(ResealScreen(self.store, secret), resealed)

    def _done(self, opened: vaults.OpenVault) -> None:
        clear_inputs(self)
        self.app.vault = opened  # type: ignore[attr-defined]
        self.dismiss(vc.Secret("unlocked"))

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        first = self.query_one("#first", Input)
        first.value = ""
        first.focus()
        hint = {
            "damaged": "\nctrl+r: see what is intact and reseal the vault over it.",
            "older": "\nctrl+o: open this older vault (only after a deliberate restore).",
        }.get(event.problem, "")
        self.query_one("#vault-error", Static).update(Text(event.message + hint))
        self._offer(event.problem)

    def action_cancel(self) -> None:
        clear_inputs(self)
        self._offer("")
        self.dismiss(None)


class ResealScreen(ModalScreen[bool]):
    """What ``verify`` found, and the choice to re-sign the vault over what decrypts."""

    CSS_PATH = "vault.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="vault.reseal-cancel"),
        Binding("ctrl+s", "reseal", "Reseal", id="vault.reseal-confirm"),
    ]

    class Checked(Message):
        def __init__(self, report: repair.VerifyReport | None, message: str) -> None:
            super().__init__()
            self.report = report
            self.message = message

    def __init__(self, store: StoreLike, secret: vc.Secret) -> None:
        super().__init__()
        self.store = store
        self.secret = secret
        self.report: repair.VerifyReport | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog"):
            yield Label("Check and reseal the vault", classes="title")
            with VerticalScroll(id="reseal-report"):
                yield Static("Checking every item…", id="reseal-list")
            yield Static("", id="vault-error")
            with Horizontal(classes="buttons"):
                yield Button("Reseal (ctrl+s)", id="reseal", variant="warning", disabled=True)
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._verify()

    @work(thread=True, exclusive=True, group="vault-reseal", exit_on_error=False)
    def _verify(self) -> None:
        try:
            with self.store.read() as s:
                report = repair.verify(s, self.secret)
        except VadeskError as error:
            self.post_message(self.Checked(None, str(error)))
            return
        self.post_message(self.Checked(report, ""))

    @on(Checked)
    def _checked(self, event: Checked) -> None:
        if event.report is None:
            self.query_one("#reseal-list", Static).update(Text(event.message))
            return
        self.report = report = event.report
        text = Text(f"Manifest: {report.manifest}. ")
        readable = sum(1 for c in report.items if c.decrypts)
        text.append(f"{readable} item(s) decrypt and will be kept as they are.\n")
        for check in report.problems:
            if check.name:
                name = display(check.name)[:40]
            elif check.status == "missing":
                name = "(gone from the database)"
            else:
                name = "(cannot be read: will be removed)"
            text.append(f"{check.status:<12} {check.item_id[:12]}  {name}\n")
        if report.intact:
            text.append("The vault is intact; nothing to reseal.")
        self.query_one("#reseal-list", Static).update(text)
        self.query_one("#reseal", Button).disabled = report.intact

    @on(Button.Pressed, "#reseal")
    def action_reseal(self) -> None:
        if self.report is not None and not self.report.intact:
            self.query_one("#vault-error", Static).update("Working…")
            self._reseal(self.report)

    @work(thread=True, exclusive=True, group="vault-reseal", exit_on_error=False)
    def _reseal(self, report: repair.VerifyReport) -> None:
        try:
            with self.store.write() as s:
                repair.reseal(s, self.secret, report)
        except VadeskError as error:
            self.app.call_from_thread(
                self.query_one("#vault-error", Static).update, Text(str(error))
            )
            return
        self.app.call_from_thread(self.dismiss, True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
