"""Small things a user trips over on screen: cut-off labels, "1 items", bare undo toasts."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual.containers import VerticalScroll
from textual.widgets import Label

from vadesk.domain import vault_crypto as vc
from vadesk.services import vault
from vadesk.services.store import Store
from vadesk.ui.screens.vault import ItemForm, VaultScreen

from .conftest import board_screen, make_app, press, settle
from .test_vault_ui import PASS, fast_kdf, unlock, with_vault  # noqa: F401 (fixtures)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_every_label_of_the_login_form_fits_at_80_columns(
    with_vault: Store,  # noqa: F811
    size: tuple[int, int],
) -> None:
    async with make_app(with_vault).run_test(size=size) as pilot:
        await settle(pilot)
        await unlock(pilot)
        form = await press(pilot, "a", shows=ItemForm)
        labels = {str(label.render()): label for label in form.query(Label)}
        totp = next(text for text in labels if text.startswith("TOTP"))
        assert "otpauth://" in totp  # it still says what to paste
        await settle(pilot)
        visible = form.query_one(VerticalScroll).scrollable_content_region  # less the scrollbar
        for text, label in labels.items():
            if label.parent is form.query_one(VerticalScroll):
                end = label.content_region.x + cell_len(text)
                assert end <= visible.right, text  # nothing cut off at the right


async def test_the_vault_header_counts_one_item_as_one_item(fast_kdf: Store) -> None:  # noqa: F811
    with fast_kdf.write() as s:
        opened = vault.init(s, vc.Secret(PASS), vc.KdfParams.interactive())
        vault.save_item(s, opened, {"kind": "note", "client": "Acme Bakery", "name": "Alarm"})
    async with make_app(fast_kdf).run_test(size=(110, 34)) as pilot:
        await settle(pilot)
        await unlock(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, VaultScreen)
        header = str(screen.query_one("#vault-header").render())
        assert "Vault — 1 item · unlocked" in header


async def test_undo_says_what_was_undone(ui_store: Store) -> None:
    shown: list[str] = []
    async with make_app(ui_store).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)

        def notify(message: str, **_: Any) -> None:
            shown.append(message)

        screen.notify = notify  # type: ignore[method-assign]
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
    assert shown[1:] == ["Undone: card moved to Done", "Redone: card moved to Done"]
