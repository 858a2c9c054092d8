"""Mail on the board: a quiet notification when it makes cards, and the card editor lists
and opens a card's attachments with the system's opener."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from textual.widgets import OptionList

from vadesk.services.intake.ingest import data_folder, ingest_message
from vadesk.services.store import Store
from vadesk.ui.screens.card_editor import CardEditor

from .conftest import board_screen, make_app, press, settle, wait_until

SIZE = (110, 34)
OPENER = "vadesk.services.intake.attachments"


def mail(subject: str, message_id: str, files: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    msg = EmailMessage()
    msg["From"] = "stranger@example.org"
    msg["To"] = "va@in.example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content("Please have a look.")
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg.as_bytes()


async def test_new_cards_by_email_are_announced_quietly(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_screen(pilot)
        await wait_until(pilot, lambda: board._email_watch is not None)
        said: list[str] = []
        board.notify = lambda message, **_: said.append(str(message))  # type: ignore[method-assign]
        for n in (1, 2):
            ingest_message(
                ui_store, mail(f"Task {n}", f"<t{n}@x>"), source="t", settings=ui_store.settings
            )
        await wait_until(pilot, lambda: bool(said))
        await settle(pilot)
        assert said == ["2 new cards by email"]
        await wait_until(pilot, lambda: "Inbox" in [c.lane.name for c in board._columns])


async def test_the_card_editor_lists_attachments_and_opens_one_detached(
    ui_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_message(
        ui_store,
        mail("Invoice", "<inv@x>", (("quote.pdf", b"%PDF one"), ("../../notes.pdf", b"%PDF two"))),
        source="t",
        settings=ui_store.settings,
    )
    opened: list[tuple[list[str], dict[str, object]]] = []
    monkeypatch.setattr(f"{OPENER}.shutil.which", lambda name: f"/usr/bin/{name}")

    class Opener:
        def __init__(self, argv: list[str], **kwargs: object) -> None:
            opened.append((list(argv), kwargs))

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(f"{OPENER}.subprocess.Popen", Opener)
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        # The Inbox lane, made for the mail, is the leftmost: the cursor starts on its card.
        editor = await press(pilot, "enter", shows=CardEditor)
        box = editor.query_one("#attachments", OptionList)
        assert box.display
        assert [str(box.get_option_at_index(i).prompt) for i in range(box.option_count)] == [
            "quote.pdf (8 B)",
            "notes.pdf (8 B)",
        ]
        activity = str(editor.query_one("#activity").render())
        assert "by email from stranger@example.org" in activity
        await pilot.press("ctrl+o")
        await settle(pilot)
    folder = data_folder(ui_store) / "attachments" / "7"
    assert [argv for argv, _ in opened] == [["xdg-open", str(folder.resolve() / "quote.pdf")]]
    assert opened[0][1]["start_new_session"] is True
    assert Path(opened[0][0][1]).read_bytes() == b"%PDF one"


async def test_a_card_without_attachments_shows_no_attachment_list(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await press(pilot, "enter", shows=CardEditor)
        assert not editor.query_one("#attachments", OptionList).display
        assert editor.check_action("open_attachment", ()) is False
