"""Portal access from the clients screen (`C`, then `p`): invite, list, revoke with keys."""

from __future__ import annotations

import hashlib
import re

from vadesk.services.clients import list_profiles
from vadesk.services.portal import list_invites
from vadesk.services.store import Store
from vadesk.ui.screens.clients import ClientsScreen
from vadesk.ui.screens.portal_access import PortalAccessScreen

from .conftest import make_app, press, settle, wait_until
from .screen_text import screen_text, squashed

SIZE = (120, 36)


async def test_invite_shows_the_link_once_and_revoke_ends_it(ui_store: Store) -> None:
    with ui_store.read() as s:
        first = list_profiles(s)[0]
    async with make_app(ui_store).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "C", shows=ClientsScreen)
        screen = await press(pilot, "p", shows=PortalAccessScreen)
        assert f"Portal access — {first.name}" in screen_text(pilot)
        await pilot.press("i")
        await wait_until(pilot, lambda: screen.link is not None)
        await settle(pilot)
        link = screen.link
        assert link is not None and link in squashed(screen_text(pilot)).replace(" ", "")
        token = re.sub(r".*/i/", "", link)
        assert len(token) >= 22  # at least 128 bits
        with ui_store.read() as s:
            (invite,) = list_invites(s, first.id)
        assert invite.revoked_at is None
        await wait_until(pilot, lambda: screen.rows != [])
        # Only the token's hash is stored, never the token.
        with ui_store.read() as s:
            from sqlalchemy import text

            stored = s.execute(text("SELECT token_hash FROM portal_invites")).scalars().all()
        assert stored == [hashlib.sha256(token.encode()).hexdigest()]
        await pilot.press("r")
        await settle(pilot)
        await wait_until(pilot, lambda: "revoked" in screen_text(pilot))
        with ui_store.read() as s:
            (invite,) = list_invites(s, first.id)
        assert invite.revoked_at is not None
        await press(pilot, "escape", shows=ClientsScreen)
