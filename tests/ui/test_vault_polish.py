"""Vault screen details: Esc on a changed item form asks, hints fit the item, TOTP says code."""

from __future__ import annotations

from textual.widgets import Input

from vadesk.domain import vault_crypto as vc
from vadesk.services import vault
from vadesk.services.store import Store
from vadesk.ui.screens.pickers import Confirm
from vadesk.ui.screens.vault import ItemForm, PassphraseForm, VaultScreen

from .conftest import make_app, press, settle
from .test_vault_ui import PASS, SIZE, fast_kdf, unlock, with_vault  # noqa: F401 (fixtures)


def detail_text(screen: VaultScreen) -> str:
    return str(screen.query_one("#vault-detail").render())


async def test_escape_on_a_changed_item_form_asks_first(with_vault: Store) -> None:  # noqa: F811
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await press(pilot, "a", shows=ItemForm)
        await press(pilot, "escape", shows=VaultScreen)  # nothing typed: just closes
        form = await press(pilot, "a", shows=ItemForm)
        await pilot.press(*"Acme payroll")
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "n", shows=ItemForm)
        assert form.query_one("#f-name", Input).value == "Acme payroll"
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "y", shows=VaultScreen)
        opened = pilot.app.vault  # type: ignore[attr-defined]
        assert all(d.get("name") != "Acme payroll" for d in opened.items.values())


async def test_the_detail_hint_offers_only_keys_that_apply(with_vault: Store) -> None:  # noqa: F811
    with with_vault.write() as s:
        opened = vault.unlock(s, vc.Secret(PASS))
        vault.save_item(
            s,
            opened,
            {
                "kind": "login",
                "client": "Acme Bakery",
                "name": "Acme mail",
                "username": "ops",
                "password": "pw-one-two-three",
                "totp": "JBSWY3DPEHPK3PXP",
            },
        )
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right", "right", "down", "down")  # c3 has no client: every item
        await unlock(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, VaultScreen)
        hints = {}
        for _ in range(3):  # Acme bank, Acme mail, Cedar Visa (sorted by name)
            text = detail_text(screen)
            name = text.split("\n", 1)[0].split(maxsplit=1)[1].strip()
            hints[name] = text.rstrip().rsplit("\n", 1)[-1]
            await pilot.press("down")
            await settle(pilot)
        assert hints["Acme bank"] == "r reveal · y password · u user · e edit · delete removes"
        assert hints["Acme mail"] == (
            "r reveal · y password · u user · t code · e edit · delete removes"
        )
        assert hints["Cedar Visa"] == "r reveal · N number · V CVC · e edit · delete removes"


async def test_the_live_totp_code_is_labelled_code(with_vault: Store) -> None:  # noqa: F811
    with with_vault.write() as s:
        opened = vault.unlock(s, vc.Secret(PASS))
        vault.save_item(
            s,
            opened,
            {
                "kind": "login",
                "client": "Acme Bakery",
                "name": "AAA 2fa",
                "totp": "JBSWY3DPEHPK3PXP",
            },
        )
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        text = detail_text(pilot.app.screen)  # type: ignore[arg-type]
        assert "AAA 2fa" in text
        code_line = next(line for line in text.splitlines() if line.startswith("Code"))
        assert code_line.split()[1].isdigit() and len(code_line.split()[1]) == 6
        assert "TOTP secret" not in text


async def test_after_differing_passphrases_both_are_typed_again_from_the_first(
    fast_kdf: Store,  # noqa: F811
) -> None:
    async with make_app(fast_kdf).run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await press(pilot, "v", shows=PassphraseForm)
        await pilot.press(*"plum orchard kettle violin", "enter")
        await pilot.press(*"plum orchard kettle viola", "enter")
        await settle(pilot)
        assert "differ" in str(form.query_one("#vault-error").render())
        assert pilot.app.focused is form.query_one("#first", Input)
        assert form.query_one("#first", Input).value == ""
        await pilot.press(*PASS, "enter", *PASS, "enter")
        await press(pilot, shows=VaultScreen)
