"""A client's portal access, from the clients screen: invite, see the invites, revoke.

The same actions as `vadesk portal invite|list|revoke`. A new invite's link is shown once (only
its hash is stored); `y` copies it like a vault secret (the clipboard is cleared later).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from vadesk.domain.clock import utcnow
from vadesk.errors import VadeskError
from vadesk.services.portal import InviteRow
from vadesk.services.store import StoreLike
from vadesk.ui.safe import display

INVITE_DAYS = 30
"""How long an invite made here stays good (`vadesk portal invite --expires` for others)."""


class PortalAccessScreen(ModalScreen[None]):
    """One client's invites: `i` makes one (its link shown once), `r` revokes the highlighted
    one, `R` every one of the client's; their open pages are signed out at once."""

    CSS_PATH = "portal_access.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="portal.close"),
        Binding("i", "invite", "Invite", id="portal.invite", tooltip="A new invite link"),
        Binding("y", "copy", "Copy link", id="portal.copy", tooltip="Copy the new link"),
        Binding("r", "revoke", "Revoke", id="portal.revoke", tooltip="Revoke this invite"),
        Binding("R", "revoke_all", "Revoke all", id="portal.revoke-all"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[InviteRow]) -> None:
            super().__init__()
            self.rows = rows

    class Invited(Message):
        def __init__(self, link: str) -> None:
            super().__init__()
            self.link = link

    class Failed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, store: StoreLike, client_id: int, client_name: str) -> None:
        super().__init__()
        self.store = store
        self.client_id = client_id
        self.client_name = client_name
        self.rows: list[InviteRow] = []
        self.link: str | None = None
        """The link of the invite made here, while the screen is open (never stored)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="portal-box"):
            yield Static(
                f"Portal access — {display(self.client_name)}", id="portal-title", markup=False
            )
            yield Static(
                "i invites (a link for the client, shown once) · r revokes · R revokes all",
                id="portal-link",
                markup=False,
            )
            table: DataTable[str] = DataTable(id="invites", cursor_type="row")
            yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#invites", DataTable)
        for label in ("#", "Name", "State", "Expires", "Last used", "Open"):
            table.add_column(label)
        table.focus()
        self._load()

    @work(thread=True, exclusive=True, group="portal-load", exit_on_error=False)
    def _load(self) -> None:
        from vadesk.services.portal import list_invites

        try:
            with self.store.read() as s:
                rows = list_invites(s, self.client_id)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.Loaded(rows))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        now = utcnow()
        self.rows = event.rows
        table = self.query_one("#invites", DataTable)
        table.clear()

        def day(value: Any) -> str:
            return value.astimezone().strftime("%d %b %Y") if value is not None else "never"

        for row in reversed(event.rows):  # newest first
            table.add_row(
                str(row.id),
                display(row.name),
                row.state(now),
                day(row.expires_at),
                day(row.last_used_at),
                str(row.open_sessions),
                key=str(row.id),
            )

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.notify(display(event.message), severity="error", timeout=8, markup=False)

    @property
    def selected(self) -> InviteRow | None:
        table = self.query_one("#invites", DataTable)
        if table.row_count == 0:
            return None
        shown = list(reversed(self.rows))
        index = table.cursor_row
        return shown[index] if 0 <= index < len(shown) else None

    def action_close(self) -> None:
        self.link = None
        self.dismiss(None)

    def action_invite(self) -> None:
        self._invite()

    @work(thread=True, group="portal-write", exit_on_error=False)
    def _invite(self) -> None:
        from vadesk.services.portal import (
            create_invite,
            invite_link,
            portal_settings,
        )

        try:
            base = portal_settings(self.store.settings).base_url
            with self.store.write() as s:
                _, token = create_invite(
                    s,
                    self.client_id,
                    name=self.client_name,
                    expires=timedelta(days=INVITE_DAYS),
                )
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.Invited(invite_link(base, token)))
        self._load()

    @on(Invited)
    def _invited(self, event: Invited) -> None:
        self.link = event.link
        self.query_one("#portal-link", Static).update(
            f"New link (shown once; y copies it; good for {INVITE_DAYS} days):\n{event.link}"
        )

    def action_copy(self) -> None:
        if self.link is None:
            self.notify("Make an invite first (i); an old link cannot be shown again.")
            return
        copy = getattr(self.app, "copy_secret", None)
        if copy is not None:
            copy(self.link)
        seconds = self.store.settings.clipboard_clear_seconds
        self.notify(f"Copied the link; the clipboard is cleared in {seconds} s.", timeout=3)

    def action_revoke(self) -> None:
        row = self.selected
        if row is not None:
            self._revoke(row.id)

    def action_revoke_all(self) -> None:
        self._revoke(None)

    @work(thread=True, group="portal-write", exit_on_error=False)
    def _revoke(self, invite_id: int | None) -> None:
        from vadesk.services.portal import revoke_invites

        try:
            with self.store.write() as s:
                if invite_id is None:
                    count = revoke_invites(s, client_id=self.client_id)
                else:
                    count = revoke_invites(s, invite_id=invite_id)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        note = f"Revoked {count} invite{'' if count == 1 else 's'}; open pages are signed out."
        self.app.call_from_thread(self.notify, note if count else "Nothing to revoke.")
        self._load()
