"""The card editor: Esc never drops typed work silently, every field reachable and in sight."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, OptionList

from vadesk.domain import vault_crypto as vc
from vadesk.services import vault
from vadesk.services.board_read import list_cards
from vadesk.services.cards import CardRow, card_detail, create_card
from vadesk.services.checklist import add_checklist_item
from vadesk.services.store import Store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.board import BoardScreen
from vadesk.ui.screens.card_editor import CardEditor
from vadesk.ui.screens.pickers import Confirm
from vadesk.ui.screens.vault import VaultScreen

from .conftest import NOW, make_app, press, settle
from .test_vault_ui import PASS, fast_kdf, unlock, with_vault  # noqa: F401 (fixtures)

SIZE = (110, 34)


@pytest.fixture(autouse=True)
def _utc(utc_zone: None) -> None:
    """Local time is UTC on screen, whatever the machine's zone."""


def card_titled(store: Store, title: str) -> CardRow:
    with store.read() as s:
        return next(c for c in list_cards(s) if c.title == title)


async def test_escape_after_typing_asks_and_no_keeps_the_typed_text(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await press(pilot, "enter", shows=CardEditor)
        await pilot.press("end", *" today")
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "n", shows=CardEditor)
        assert editor.query_one("#title", Input).value == "a1 chase supplier today"
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "y", shows=BoardScreen)
    assert card_titled(ui_store, "a1 chase supplier").version == 1  # nothing was saved


async def test_escape_without_changes_just_closes(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter", shows=CardEditor)
        await press(pilot, "escape", shows=BoardScreen)
        await press(pilot, "n", shows=CardEditor)  # a new card, nothing typed
        await press(pilot, "escape", shows=BoardScreen)


async def test_a_pending_comment_or_new_card_text_also_counts_as_a_change(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "n", shows=CardEditor)
        await pilot.press(*"call the printer")
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "escape", shows=CardEditor)  # Esc on the question: keep editing
        await press(pilot, "escape", shows=Confirm)
        await press(pilot, "enter", shows=BoardScreen)  # Enter: discard
        editor = await press(pilot, "enter", shows=CardEditor)
        editor.query_one("#comment", Input).focus()
        await pilot.press(*"half a thought")
        await press(pilot, "escape", shows=Confirm)


async def test_editing_the_title_records_only_the_title(ui_store: Store) -> None:
    with ui_store.write() as s:
        # Due from the turnaround rule carries seconds; the field shows minutes.
        create_card(
            s, "pay invoice", kind="admin", now=datetime(2026, 11, 23, 8, 14, 37, tzinfo=UTC)
        )
    card = card_titled(ui_store, "pay invoice")
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        board_screen = pilot.app.screen
        assert isinstance(board_screen, BoardScreen)
        board_screen.go_to_card(card.id)
        await settle(pilot)
        await press(pilot, "enter", shows=CardEditor)
        await pilot.press("end", *" 114")
        await press(pilot, "ctrl+s", shows=BoardScreen)
    with ui_store.read() as s:
        detail = card_detail(s, card.id)
    assert [a.detail.get("fields") for a in detail.activity if a.kind == "edited"] == [["title"]]
    assert detail.card.due_at == card.due_at


@pytest.mark.parametrize(
    ("now", "expected"),
    [(NOW, "2026-11-25 17:00"), (datetime(2027, 2, 28, 23, 50, tzinfo=UTC), "2027-03-01 17:00")],
)
async def test_the_due_hint_is_tomorrow_at_five(
    ui_store: Store, now: datetime, expected: str
) -> None:
    async with VadeskApp(ui_store, clock=lambda: now).run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await press(pilot, "n", shows=CardEditor)
        assert editor.query_one("#due", Input).placeholder == expected


async def test_tab_shows_every_field_with_its_label_at_40x12(ui_store: Store) -> None:
    with ui_store.write() as s:
        card = card_titled(ui_store, "a1 chase supplier").id
        add_checklist_item(s, card, "ring the supplier")
    async with make_app(ui_store).run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        editor = await press(pilot, "enter", shows=CardEditor)
        fields = editor.query_one("#fields", VerticalScroll)
        seen = []
        for _ in range(14):
            focused = pilot.app.focused
            assert focused is not None
            if focused is not fields and fields in focused.ancestors:
                seen.append(focused.id)
                assert fields.region.contains_region(focused.region), focused.id
                siblings = list(focused.parent.children)  # type: ignore[union-attr]
                before = siblings[siblings.index(focused) - 1]
                if isinstance(before, Label):
                    assert fields.region.contains_region(before.region), f"label of {focused.id}"
            await pilot.press("tab")
            await settle(pilot)
        expected = ["title", "client", "kind", "due", "estimate", "description", "checklist"]
        assert seen[: len(expected)] == expected
        assert {"new-item", "comment"} <= set(seen)


async def test_enter_on_a_linked_item_of_another_client_opens_that_item(
    with_vault: Store,  # noqa: F811
) -> None:
    a1 = card_titled(with_vault, "a1 chase supplier")  # an Acme Bakery card
    with with_vault.write() as s:
        opened = vault.unlock(s, vc.Secret(PASS))
        cedar = next(i for i, d in opened.items.items() if d["name"] == "Cedar Visa")
        document = dict(opened.items[cedar], cards=str(a1.id))
        vault.save_item(s, opened, document, cedar)
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await press(pilot, "escape", shows=BoardScreen)
        editor = await press(pilot, "enter", shows=CardEditor)
        items = editor.query_one("#vault-items", OptionList)
        assert [str(o.prompt) for o in items.options] == ["Cedar Visa", "Acme bank"]
        assert items.region.height >= 2  # both visible, not a one-line sliver
        items.focus()
        await settle(pilot)
        await pilot.press("home")
        vault_screen = await press(pilot, "enter", shows=VaultScreen)
        assert "Cedar Visa" in str(vault_screen.query_one("#vault-detail").render())
