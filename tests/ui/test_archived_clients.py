"""An archived client's cards leave the board and its items the vault screen; both come back."""

from __future__ import annotations

from dataclasses import replace

from vadesk.config import Settings
from vadesk.domain import vault_crypto as vc
from vadesk.services import vault
from vadesk.services.clients import profile_by_name, set_archived
from vadesk.services.store import Store, open_store
from vadesk.ui.screens.vault import PassphraseForm, VaultScreen

from .conftest import make_app, press, settle, wait_until
from .screen_text import screen_text

PASS = "plum orchard kettle violin"
SIZE = (110, 34)


def archive(store: Store, name: str, archived: bool = True) -> None:
    with store.write() as s:
        set_archived(s, profile_by_name(s, name).id, archived)


async def test_the_board_hides_an_archived_clients_cards_and_shows_them_when_unarchived(
    ui_store: Store, sqlite_url: str
) -> None:
    archive(ui_store, "Cedar Law")
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        # Titles are cut to the lane's width: their first words are enough.
        assert "a1 chase" in text and "c3 newsletter" in text
        assert "a2 call" not in text and "c1 book" not in text
        assert "1 overdue" in text
        # Brought back from another process (the CLI): the open board follows.
        other = open_store(Settings(user="other"), sqlite_url)
        try:
            archive(other, "Cedar Law", False)
        finally:
            other.close()
        await wait_until(pilot, lambda: "a2 call" in screen_text(pilot), seconds=5)
        assert "c1 book" in screen_text(pilot)


async def test_the_vault_screen_leaves_out_items_of_archived_clients(ui_store: Store) -> None:
    ui_store.settings = replace(ui_store.settings, vault_kdf="interactive")
    with ui_store.write() as s:
        opened = vault.init(s, vc.Secret(PASS), vc.KdfParams.interactive())
        for client in ("Acme Bakery", "Cedar Law"):
            vault.save_item(
                s, opened, {"kind": "note", "client": client, "name": f"{client} door code"}
            )
    archive(ui_store, "Cedar Law")
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "v", shows=PassphraseForm)
        await pilot.press(*PASS, "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, VaultScreen)
        await wait_until(pilot, lambda: "Cedar Law door code" not in screen_text(pilot))
        assert "Acme Bakery door code" in screen_text(pilot)
