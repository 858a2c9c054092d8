"""Comments written by the portal, the intake and imports show in the card editor with their
author (their activity kind is "comment"; the board's own is "commented")."""

from __future__ import annotations

from vadesk.services.store import Store

from .conftest import NOW as NOW_UI
from .conftest import board_screen, make_app, settle


async def test_comments_from_the_portal_and_imports_show_their_author(ui_store: Store) -> None:
    from vadesk.services.card_access import log_activity

    async with make_app(ui_store).run_test(size=(240, 36)) as pilot:
        await settle(pilot)
        card_id = board_screen(pilot).selected.id  # type: ignore[union-attr]
        with ui_store.write() as s:
            log_activity(
                s,
                card_id,
                "comment",
                None,
                NOW_UI,
                text="Please use the blue logo",
                by="portal",
                author="Acme office",
            )
            log_activity(
                s,
                card_id,
                "comment",
                None,
                NOW_UI,
                text="Old Trello note",
                author="Ann Smith",
                source="trello",
            )
        await pilot.press("enter")
        await settle(pilot)
        activity = str(pilot.app.screen.query_one("#activity").render())
        assert "comment by Acme office (portal): Please use the blue logo" in activity
        assert "comment by Ann Smith (trello): Old Trello note" in activity


async def test_a_private_note_is_marked_and_kept_off_the_portal(ui_store: Store) -> None:
    from vadesk.services.cards import card_detail

    async with make_app(ui_store).run_test(size=(240, 36)) as pilot:
        await settle(pilot)
        card_id = board_screen(pilot).selected.id  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
        editor = pilot.app.screen
        editor.query_one("#comment").focus()
        await pilot.press(*"Proof sent to the client", "enter")
        await settle(pilot)
        editor.query_one("#comment-private").focus()
        await pilot.press("space")  # tick "Private note"
        editor.query_one("#comment").focus()
        await pilot.press(*"Client pays late; chase", "enter")
        await settle(pilot)
        with ui_store.read() as s:
            notes = [
                (a.detail.get("text"), bool(a.detail.get("private")))
                for a in card_detail(s, card_id).activity
                if a.kind == "commented"
            ]
        assert sorted(notes) == [
            ("Client pays late; chase", True),
            ("Proof sent to the client", False),
        ]
        activity = str(editor.query_one("#activity").render())
        assert "private note: Client pays late; chase" in activity
        assert "comment: Proof sent to the client" in activity
