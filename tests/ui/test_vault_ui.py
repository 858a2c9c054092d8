"""The vault in the TUI: create, unlock, wrong passphrase, add, reveal, copy, lock, passwd."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from textual.pilot import Pilot

from vadesk.db.models import VaultItem
from vadesk.domain import vault_crypto as vc
from vadesk.services import vault
from vadesk.services.store import Store
from vadesk.ui.screens.vault import (
    ChangePassphrase,
    ItemForm,
    PassphraseForm,
    RotateKey,
    VaultScreen,
)

from .conftest import make_app, press, settle, wait_until
from .screen_text import screen_text, squashed

PASS = "plum orchard kettle violin"
SECRET = "Zq9-secret-bank-password"
SIZE = (110, 34)


@pytest.fixture
def fast_kdf(ui_store: Store) -> Store:
    from dataclasses import replace

    ui_store.settings = replace(ui_store.settings, vault_kdf="interactive")
    return ui_store


@pytest.fixture
def with_vault(fast_kdf: Store) -> Iterator[Store]:
    with fast_kdf.write() as s:
        opened = vault.init(s, vc.Secret(PASS), vc.KdfParams.interactive())
        vault.save_item(
            s,
            opened,
            {
                "kind": "login",
                "client": "Acme Bakery",
                "name": "Acme bank",
                "username": "maria",
                "password": SECRET,
                "url": "https://bank.example",
            },
        )
        vault.save_item(
            s,
            opened,
            {
                "kind": "card",
                "client": "Cedar Law",
                "name": "Cedar Visa",
                "number": "4242424242424242",
                "cvc": "321",
                "expiry": "12/29",
            },
        )
    yield fast_kdf


async def unlock(pilot: Pilot[None], passphrase: str = PASS) -> None:
    await press(pilot, "v", shows=PassphraseForm)
    await pilot.press(*passphrase, "enter")
    await settle(pilot)


async def test_first_use_creates_the_vault_with_a_strength_check(fast_kdf: Store) -> None:
    async with make_app(fast_kdf).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, PassphraseForm) and form.create
        assert "cannot be recovered" in str(form.query_one("#warning").render())
        await pilot.press(*"password1")
        assert "weak" in str(form.query_one("#meter").render())
        await pilot.press("enter", *"password1", "enter")
        await settle(pilot)
        assert "Too weak" in str(form.query_one("#vault-error").render())
        form.query_one("#first").value = ""  # type: ignore[attr-defined]
        form.query_one("#second").value = ""  # type: ignore[attr-defined]
        form.query_one("#first").focus()
        await press(pilot, *PASS, "enter", *PASS, "enter", shows=VaultScreen)
        with fast_kdf.read() as s:
            assert vault.exists(s)


async def test_wrong_passphrase_then_right_one(with_vault: Store) -> None:
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot, "plum orchard kettle viola")
        form = pilot.app.screen
        assert isinstance(form, PassphraseForm)
        assert str(form.query_one("#vault-error").render()) == "Wrong passphrase."
        assert form.query_one("#first").value == ""  # type: ignore[attr-defined]
        await press(pilot, *PASS, "enter", shows=VaultScreen)


async def test_escape_from_unlock_returns_to_a_usable_board(with_vault: Store) -> None:
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("escape", "down")
        await settle(pilot)
        from .conftest import selected_title

        assert selected_title(pilot) == "a2 call bank"


async def test_reveal_copy_filter_and_lock(with_vault: Store) -> None:
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, VaultScreen)
        detail = screen.query_one("#vault-detail")
        # The selected card's client (Acme Bakery) filters the list at first.
        assert "Acme bank" in str(detail.render()) and SECRET not in str(detail.render())
        await pilot.press("r")
        assert SECRET in str(detail.render())
        await pilot.press("r")
        assert SECRET not in str(detail.render())
        await pilot.press("y")
        assert pilot.app.clipboard == SECRET
        await pilot.press("slash", *"visa")
        await settle(pilot)
        header = screen.query_one("#vault-header")
        assert "0 of 2 items" in str(header.render())  # Cedar's card is not Acme's
        screen.query_one("#vault-client").value = "Cedar Law"  # type: ignore[attr-defined]
        await settle(pilot)
        assert "1 of 2 items" in str(header.render()) and "4242" in str(detail.render())
        assert "4242 4242" not in str(detail.render())  # masked: only the last four
        await pilot.press("escape", "L")
        await settle(pilot)
        assert pilot.app.vault is None  # type: ignore[attr-defined]
        assert not isinstance(pilot.app.screen, VaultScreen)
        assert pilot.app.clipboard == ""  # a locked vault leaves no secret behind


async def test_clipboard_is_cleared_after_the_delay_only_if_unchanged(with_vault: Store) -> None:
    from dataclasses import replace

    with_vault.settings = replace(with_vault.settings, clipboard_clear_seconds=1)
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await pilot.press("y")
        assert pilot.app.clipboard == SECRET
        await wait_until(pilot, lambda: pilot.app.clipboard == "", seconds=3)
        await pilot.press("u")
        pilot.app.copy_to_clipboard("something the user copied")
        await pilot.pause(1.5)
        assert pilot.app.clipboard == "something the user copied"


async def test_idle_lock(with_vault: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        assert pilot.app.vault is not None  # type: ignore[attr-defined]
        pilot.app._last_activity = time.monotonic() - 11 * 60  # type: ignore[attr-defined]
        pilot.app._check_idle()  # type: ignore[attr-defined]
        await settle(pilot)
        assert pilot.app.vault is None  # type: ignore[attr-defined]
        assert not isinstance(pilot.app.screen, VaultScreen)


async def test_add_an_item_with_a_generated_password(with_vault: Store) -> None:
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        form = await press(pilot, "a", shows=ItemForm)
        await pilot.press(*"Acme social")
        await pilot.press("ctrl+g")
        generated = form.query_one("#f-password").value  # type: ignore[attr-defined]
        assert len(generated) == 20
        await pilot.press("ctrl+s")
        await settle(pilot)
        with with_vault.read() as s:
            opened = vault.unlock(s, vc.Secret(PASS))
        added = [d for d in opened.items.values() if d["name"] == "Acme social"]
        assert added and added[0]["password"] == generated and added[0]["client"] == "Acme Bakery"


async def test_change_passphrase_from_the_vault(with_vault: Store) -> None:
    new = "saffron lantern glacier tulip"
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await press(pilot, "P", shows=ChangePassphrase)
        await press(pilot, *PASS, "enter", *new, "enter", *new, "enter", shows=VaultScreen)
    with with_vault.read() as s:
        with pytest.raises(vc.WrongPassphrase):
            vault.unlock(s, vc.Secret(PASS))
        assert len(vault.unlock(s, vc.Secret(new)).items) == 2


async def test_rotate_the_data_key_from_the_vault(with_vault: Store) -> None:
    with with_vault.read() as s:
        before = {i.id: bytes(i.ciphertext) for i in s.scalars(select(VaultItem))}
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await press(pilot, "K", shows=RotateKey)
        # Refused, nothing written:
        await press(pilot, *"not my passphrase", "enter", shows=RotateKey)
        assert "Wrong passphrase." in str(pilot.app.screen.query_one("#vault-error").render())
        await press(pilot, *PASS, "enter", shows=VaultScreen)
        opened = pilot.app.vault  # type: ignore[attr-defined]
        assert opened is not None and len(opened.items) == 2
        await pilot.press("y")  # the open vault still copies: it holds the new key
        await settle(pilot)
        assert pilot.app.clipboard == SECRET
    with with_vault.read() as s:
        after = {i.id: bytes(i.ciphertext) for i in s.scalars(select(VaultItem))}
        assert after.keys() == before.keys()
        assert all(after[i] != before[i] for i in before)
        reopened = vault.unlock(s, vc.Secret(PASS))
    assert sorted(d["name"] for d in reopened.items.values()) == ["Acme bank", "Cedar Visa"]


async def test_the_palette_on_the_vault_offers_its_actions(with_vault: Store) -> None:
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"rotate data key")
        await pilot.pause(0.5)
        await settle(pilot)
        await press(pilot, "enter", shows=RotateKey)
        await press(pilot, "escape", shows=VaultScreen)


async def test_delete_asks_first_and_an_idle_lock_closes_the_question(
    with_vault: Store,
) -> None:
    from vadesk.ui.screens.pickers import Confirm

    def names() -> list[str]:
        with with_vault.read() as s:
            return sorted(d["name"] for d in vault.unlock(s, vc.Secret(PASS)).items.values())

    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)  # shows the selected card's client: Acme Bakery
        await press(pilot, "delete", shows=Confirm)
        await press(pilot, "n", shows=VaultScreen)
        assert names() == ["Acme bank", "Cedar Visa"]
        await press(pilot, "delete", shows=Confirm)
        pilot.app.lock_vault("Vault locked after inactivity.")  # type: ignore[attr-defined]
        await settle(pilot)
        assert not any(
            isinstance(screen, (VaultScreen, Confirm)) for screen in pilot.app.screen_stack
        )
        assert pilot.app.vault is None  # type: ignore[attr-defined]
        assert names() == ["Acme bank", "Cedar Visa"]  # locking is not a yes
        await unlock(pilot)
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert names() == ["Cedar Visa"]


async def test_keys_arriving_in_one_burst_across_tab_fill_the_right_fields(
    with_vault: Store,
) -> None:
    """As a password manager's auto-type or a paste sends them: name, tab, URL."""
    from textual import events

    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        form = await press(pilot, "a", shows=ItemForm)
        for char in "Bank\tbank.example\tmaria":
            key = "tab" if char == "\t" else char
            pilot.app.post_message(events.Key(key, None if key == "tab" else char))
        await settle(pilot)
        values = {i.id: i.value for i in form.query("Input")}
        assert (values["f-name"], values["f-url"], values["f-username"]) == (
            "Bank",
            "bank.example",
            "maria",
        )


async def test_a_crash_never_prints_a_decrypted_value(
    with_vault: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    app = make_app(with_vault)
    printed: list[str] = []

    def keep(self: object) -> None:  # what Textual prints on exit, rendered as text
        console = Console(record=True, width=200)
        for renderable in app._exit_renderables:
            console.print(renderable)
        printed.append(console.export_text())
        app._exit_renderables.clear()

    monkeypatch.setattr(type(app), "_print_error_renderables", keep)

    def explode(self: VaultScreen) -> None:
        doc = self._selected_doc()
        password = doc["password"] if doc else ""  # noqa: F841 - a local a crash dump would show
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await unlock(pilot)
            monkeypatch.setattr(VaultScreen, "action_reveal", explode)
            await pilot.press("r")
            await settle(pilot)
    dump = "".join(printed)
    report = app.crash_report.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert "RuntimeError" in dump and str(app.crash_report) in dump.replace("\n", "")  # type: ignore[attr-defined]
    assert "boom" in report and "explode" in report  # the traceback is in the report
    for text in (dump, report):
        assert SECRET not in text and PASS not in text
    assert app.vault is None  # type: ignore[attr-defined]


async def test_card_editor_lists_the_clients_vault_items_and_opens_one(with_vault: Store) -> None:
    from vadesk.ui.screens.card_editor import CardEditor

    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # a1 belongs to Acme Bakery; the vault is still locked
        await settle(pilot)
        editor = pilot.app.screen
        assert isinstance(editor, CardEditor)
        assert "locked" in str(editor.query_one("#vault-note").render())
        await pilot.press("escape")
        await unlock(pilot)
        await pilot.press("escape")  # back to the board, vault stays unlocked
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        items = pilot.app.screen.query_one("#vault-items")
        assert [str(o.prompt) for o in items.options] == ["Acme bank"]  # type: ignore[attr-defined]
        items.focus()
        await press(pilot, "enter", shows=VaultScreen)
        assert "Acme bank" in str(pilot.app.screen.query_one("#vault-detail").render())


async def test_edit_an_item_and_use_the_generator(with_vault: Store) -> None:
    from vadesk.ui.screens.vault import GeneratorScreen

    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        form = await press(pilot, "e", shows=ItemForm)
        assert form.query_one("#f-password").value == SECRET  # type: ignore[attr-defined]
        await pilot.press("ctrl+o")
        await settle(pilot)
        generator = pilot.app.screen
        assert isinstance(generator, GeneratorScreen)
        generator.query_one("#gen-length").value = "32"  # type: ignore[attr-defined]
        generator.query_one("#gen-symbols").value = False  # type: ignore[attr-defined]
        await settle(pilot)
        chosen = generator.value
        assert len(chosen) == 32 and chosen.isalnum()
        generator.query_one("#gen-length").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert form.query_one("#f-password").value == chosen  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
    with with_vault.read() as s:
        opened = vault.unlock(s, vc.Secret(PASS))
    assert [d["password"] for d in opened.items.values() if d["name"] == "Acme bank"] == [chosen]


async def test_export_and_import_from_the_vault_screen(with_vault: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "acme.vadesk"
    async with make_app(with_vault).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await pilot.press("X")
        await settle(pilot)
        prompt = pilot.app.screen.query_one("Input")
        prompt.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"handover tulip glacier piano", "enter")
        await settle(pilot)
        await wait_until(pilot, target.exists)
        assert b"Acme bank" not in target.read_bytes()
        await pilot.press("I")
        await settle(pilot)
        pilot.app.screen.query_one("Input").value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"handover tulip glacier piano", "enter")
        await settle(pilot)
        # The vault already holds the exported item: importing it back adds nothing, and says so.
        await wait_until(pilot, lambda: "already in the vault" in squashed(screen_text(pilot)))
        assert "Imported 0 items; 1 already in the vault." in squashed(screen_text(pilot))
        assert len(pilot.app.vault.items) == 2  # type: ignore[attr-defined]


async def test_a_failed_import_adds_no_phantom_items_and_the_vault_still_opens(
    with_vault: Store,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    """Third item fails the Luhn check: nothing imported, the list and the next unlock agree."""
    phrase = vc.Secret("handover tulip glacier piano")
    documents = [
        {"kind": "note", "client": "Acme Bakery", "name": "First", "note": "a"},
        {"kind": "note", "client": "Acme Bakery", "name": "Second", "note": "b"},
        {
            "kind": "card",
            "client": "Acme Bakery",
            "name": "Acme Visa",
            "number": "4242424242424241",
        },
    ]
    target = tmp_path / "bad.vadesk"
    target.write_bytes(vc.export_bundle(phrase, documents, vc.KdfParams.interactive()))
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, VaultScreen)
        await pilot.press("I")
        await settle(pilot)
        pilot.app.screen.query_one("Input").value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*phrase.reveal(), "enter")  # type: ignore[misc]
        await settle(pilot)
        shown = [n.message for n in pilot.app._notifications]
        assert any("item 3 (card 'Acme Visa')" in m and "Luhn" in m for m in shown), shown
        assert len(pilot.app.vault.items) == 2  # type: ignore[attr-defined]
        options = screen.query_one("#vault-items")
        shown_items = " ".join(
            str(options.get_option_at_index(i).prompt)  # type: ignore[attr-defined]
            for i in range(options.option_count)  # type: ignore[attr-defined]
        )
        assert "First" not in shown_items and "Second" not in shown_items
        # The next save signs only what the database holds; the vault opens afterwards.
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"New login", "enter")
        await settle(pilot)
    reopened = vault.open_vault(with_vault, vc.Secret(PASS))
    assert sorted(d["name"] for d in reopened.items.values()) == [
        "Acme bank",
        "Cedar Visa",
        "New login",
    ]


async def test_unlock_reporting_tampering_offers_check_and_reseal(with_vault: Store) -> None:
    from vadesk.ui.screens.vault import ResealScreen

    with with_vault.db.engine.begin() as conn:
        conn.execute(
            VaultItem.__table__.delete().where(
                VaultItem.id.in_(select(VaultItem.id).limit(1).scalar_subquery())
            )
        )
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        form = pilot.app.screen
        assert isinstance(form, PassphraseForm)
        error = str(form.query_one("#vault-error").render())
        assert "deleted behind vadesk's back" in error and "ctrl+r" in error
        await press(pilot, "ctrl+r", shows=ResealScreen)
        await wait_until(pilot, lambda: pilot.app.screen.report is not None)  # type: ignore[attr-defined]
        listing = str(pilot.app.screen.query_one("#reseal-list").render())
        assert "missing" in listing and "1 item(s) decrypt" in listing
        await press(pilot, "ctrl+s", shows=VaultScreen)
        assert len(pilot.app.vault.items) == 1  # type: ignore[attr-defined]


async def test_textual_devtools_log_never_holds_a_passphrase_or_a_secret(
    with_vault: Store,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """TEXTUAL_LOG writes every message Textual dispatches, with its values, to a file."""
    import textual.constants

    log_file = tmp_path / "textual.log"
    monkeypatch.setattr(textual.constants, "LOG_FILE", str(log_file))
    typed_secret = "Typed-Secret-Value-77"
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await pilot.press("r")  # reveal the stored password on screen
        await settle(pilot)
        await press(pilot, "a", shows=ItemForm)
        await pilot.press(*"Log test", "tab", "tab", "tab", *typed_secret)
        await press(pilot, "ctrl+s", shows=VaultScreen)
        await pilot.press("P")
        await settle(pilot)
        await pilot.press(*PASS, "enter", *"a brand new passphrase here", "escape")
        await settle(pilot)
    written = log_file.read_text(encoding="utf-8")
    assert "Key(" in written  # the log was on and recorded key presses
    for secret in (PASS, typed_secret, SECRET, "a brand new passphrase"):
        assert secret not in written
        assert repr(secret)[1:-1] not in written
    # Nor typed key by key: the letters of the passphrase never follow one another.
    keys = "".join(
        line.split("character='")[1][0]
        for line in written.splitlines()
        if line.startswith("Key(") and "character='" in line
    )
    assert PASS.replace(" ", "")[:10] not in keys.replace(" ", "")


async def test_the_open_vault_and_the_command_line_writing_together(with_vault: Store) -> None:
    """The CLI adds an item and later rotates the key while the TUI has the vault open."""
    from click.testing import CliRunner

    from vadesk.cli import cli

    url = with_vault.db.url.render_as_string(hide_password=False)
    run = CliRunner()
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        added = run.invoke(
            cli,
            [
                *("--db", url, "vault", "add", "note", "--client", "Acme Bakery"),
                *("--name", "From the CLI", "--passphrase-stdin"),
            ],
            input=f"{PASS}\nthe note\n",
        )
        assert added.exit_code == 0, added.output
        await press(pilot, "a", shows=ItemForm)
        await pilot.press(*"From the TUI")
        await press(pilot, "ctrl+s", shows=VaultScreen)
        names = sorted(d["name"] for d in pilot.app.vault.items.values())  # type: ignore[attr-defined]
        assert names == ["Acme bank", "Cedar Visa", "From the CLI", "From the TUI"]
        rotated = run.invoke(
            cli, ["--db", url, "vault", "rotate", "--passphrase-stdin"], input=f"{PASS}\n"
        )
        assert rotated.exit_code == 0, rotated.output
        await press(pilot, "a", shows=ItemForm)
        await pilot.press(*"After the rotation")
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = [n.message for n in pilot.app._notifications]
        assert any("rotated" in m and "nothing was saved" in m for m in shown), shown
        assert pilot.app.vault is None  # type: ignore[attr-defined]
    reopened = vault.open_vault(with_vault, vc.Secret(PASS))
    assert sorted(d["name"] for d in reopened.items.values()) == [
        "Acme bank",
        "Cedar Visa",
        "From the CLI",
        "From the TUI",
    ]


async def test_an_older_vault_is_reported_at_unlock_and_can_be_accepted(with_vault: Store) -> None:
    from vadesk.services import vault_state

    opened = vault.open_vault(with_vault, vc.Secret(PASS))
    # As if this user had opened a newer vault than the database now holds (a restore).
    vault_state.remember(opened.vault_id, opened.manifest_revision + 5, "newer", force=True)
    opened.lock()
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        form = pilot.app.screen
        assert isinstance(form, PassphraseForm)
        error = str(form.query_one("#vault-error").render())
        assert "older than the one you last opened" in error and "ctrl+o" in error
        await press(pilot, "ctrl+o", shows=VaultScreen)
        assert len(pilot.app.vault.items) == 2  # type: ignore[attr-defined]
    # Accepted once: the next unlock opens without the question.
    assert len(vault.open_vault(with_vault, vc.Secret(PASS)).items) == 2
