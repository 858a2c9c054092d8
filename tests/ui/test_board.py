"""The board, driven by real key presses; each test checks the screen and the database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from vadesk.db.models import Card
from vadesk.services.board_read import list_cards
from vadesk.services.cards import card_detail, create_card, edit_card, get_card, set_archived
from vadesk.services.lanes import lane_by_name, remove_lane
from vadesk.services.ordering import move_card
from vadesk.services.store import Store
from vadesk.ui.screens.card_editor import CardEditor
from vadesk.ui.screens.help import HelpScreen

from .conftest import NOW as NOW_UI
from .conftest import board_screen, lane_titles, make_app, selected_title, settle, wait_until
from .screen_text import screen_text, squashed

SIZE = (120, 36)


async def test_board_opens_with_lanes_counts_and_the_first_card_selected(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)
        headers = [str(label.render()) for label in screen.query(".lane-header")]
        # The cursor's lane says where the cursor is; the others give their counts.
        assert headers == [
            "Urgent (1/2)",
            "High (1)",
            "Normal (3)",
            "Low (0)",
            "Waiting on c… (0)",  # six lanes in 120 columns
            "Done (0)",
        ]
        assert selected_title(pilot) == "a1 chase supplier"
        assert screen.overdue == 1
        assert screen.lane_views()[0].active


async def test_cursor_keys_move_the_selection(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")
        assert selected_title(pilot) == "a2 call bank"
        await pilot.press("j")  # already last: stays
        assert selected_title(pilot) == "a2 call bank"
        await pilot.press("right", "right")
        await settle(pilot)
        # Same height in the next lane; High has one card, so the row clamps to the top.
        assert selected_title(pilot) == "c1 book flights"
        await pilot.press("end")
        assert selected_title(pilot) == "c3 newsletter"
        await pilot.press("home", "k", "h")
        await settle(pilot)
        assert selected_title(pilot) == "b1 design post"
        await pilot.press("l", "pagedown")
        assert selected_title(pilot) == "c3 newsletter"


async def test_shift_right_moves_the_card_and_the_cursor_follows(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("shift+right")
        await settle(pilot)
        assert lane_titles(ui_store, "Urgent") == ["a2 call bank"]
        assert lane_titles(ui_store, "High") == ["a1 chase supplier", "b1 design post"]
        screen = board_screen(pilot)
        assert selected_title(pilot) == "a1 chase supplier"
        assert screen.current_lane == 1
        await pilot.press("L", "shift+left")  # vim-style and arrow keys both work
        await settle(pilot)
        assert "a1 chase supplier" in lane_titles(ui_store, "High")
        assert selected_title(pilot) == "a1 chase supplier"


async def test_reorder_within_a_lane_and_move_to_top(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "l")
        await settle(pilot)
        await pilot.press("shift+down")
        await settle(pilot)
        assert lane_titles(ui_store, "Normal") == [
            "c2 order toner",
            "c1 book flights",
            "c3 newsletter",
        ]
        assert selected_title(pilot) == "c1 book flights"
        await pilot.press("J", "K", "K")
        await settle(pilot)
        assert lane_titles(ui_store, "Normal") == [
            "c1 book flights",
            "c2 order toner",
            "c3 newsletter",
        ]
        await pilot.press("end", "t")
        await settle(pilot)
        assert lane_titles(ui_store, "Normal")[0] == "c3 newsletter"
        assert selected_title(pilot) == "c3 newsletter"


async def test_new_card_modal_saves_into_the_current_lane(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CardEditor)
        await pilot.press(*"Renew domain")
        await pilot.press("enter")
        await settle(pilot)
        assert lane_titles(ui_store, "High") == ["b1 design post", "Renew domain"]
        assert selected_title(pilot) == "Renew domain"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert lane_titles(ui_store, "High") == ["b1 design post"]


async def test_new_card_escape_cancels_and_empty_title_is_refused(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CardEditor)
        assert "needs a title" in str(pilot.app.screen.query_one("#error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, CardEditor)
        assert lane_titles(ui_store, "Urgent") == ["a1 chase supplier", "a2 call bank"]


async def test_editing_a_card_saves_and_undo_redo_restore_it(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        editor = pilot.app.screen
        assert isinstance(editor, CardEditor)
        title = editor.query_one("#title")
        assert title.value == "a1 chase supplier"  # type: ignore[attr-defined]
        await pilot.press("end")
        await pilot.press(*" today")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert lane_titles(ui_store, "Urgent")[0] == "a1 chase supplier today"
        assert selected_title(pilot) == "a1 chase supplier today"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert lane_titles(ui_store, "Urgent")[0] == "a1 chase supplier"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert lane_titles(ui_store, "Urgent")[0] == "a1 chase supplier today"


async def test_checklist_and_comment_in_the_card_editor(ui_store: Store) -> None:
    # Wide lanes: the tile's second line ends with the checklist, cut first when narrow.
    async with make_app(ui_store).run_test(size=(240, 36)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        editor = pilot.app.screen
        editor.query_one("#new-item").focus()
        await pilot.press(*"Call supplier", "enter")
        await settle(pilot)
        editor.query_one("#comment").focus()
        await pilot.press(*"Left a voicemail", "enter")
        await settle(pilot)
        editor.query_one("#checklist").focus()
        await pilot.press("space")
        await settle(pilot)
        card_id = board_screen(pilot).selected.id  # type: ignore[union-attr]
        with ui_store.read() as s:
            detail = card_detail(s, card_id)
        assert [(i.text, i.done) for i in detail.checklist] == [("Call supplier", True)]
        assert any(a.detail.get("text") == "Left a voicemail" for a in detail.activity)
        assert "comment: Left a voicemail" in str(editor.query_one("#activity").render())
        await pilot.press("escape")
        await settle(pilot)
        # Back on the board, the card's tile shows the ticked checklist.
        assert "☑1/1" in screen_text(pilot)


async def test_done_archive_and_undo_redo(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert lane_titles(ui_store, "Done") == ["a1 chase supplier"]
        assert selected_title(pilot) == "a2 call bank"  # the cursor stays in the lane
        await pilot.press("delete")
        await settle(pilot)
        assert lane_titles(ui_store, "Urgent") == []
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert lane_titles(ui_store, "Urgent") == ["a2 call bank"]
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert lane_titles(ui_store, "Urgent") == ["a1 chase supplier", "a2 call bank"]
        assert lane_titles(ui_store, "Done") == []
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert lane_titles(ui_store, "Done") == ["a1 chase supplier"]


async def test_text_filter_narrows_as_you_type_and_escape_clears(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"book")
        await settle(pilot)
        screen = board_screen(pilot)
        counts = [view.count for view in screen.lane_views()]
        assert counts == [0, 0, 1, 0, 0, 0]
        assert "filtered (text: 'book')" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert selected_title(pilot) is None  # the cursor's lane (Urgent) has no match
        await pilot.press("l", "l")
        await settle(pilot)
        assert selected_title(pilot) == "c1 book flights"
        await pilot.press("escape")
        await settle(pilot)
        assert [view.count for view in screen.lane_views()] == [2, 1, 3, 0, 0, 0]


async def test_client_filter_shows_one_clients_cards(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # All, Acme Bakery, Cedar Law
        await settle(pilot)
        screen = board_screen(pilot)
        assert [view.count for view in screen.lane_views()] == [1, 0, 1, 0, 0, 0]
        assert selected_title(pilot) == "a2 call bank"
        await pilot.press("escape")
        await settle(pilot)
        assert [view.count for view in screen.lane_views()] == [2, 1, 3, 0, 0, 0]


async def test_a_change_from_another_process_shows_without_restart(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")
        assert selected_title(pilot) == "a2 call bank"
        with ui_store.write() as s:  # another connection, as `vadesk card move` would be
            c3 = next(c for c in list_cards(s) if c.title == "c3 newsletter")
            move_card(s, c3.id, lane_id=lane_by_name(s, "Urgent").id, position="top")
        screen = board_screen(pilot)
        await wait_until(pilot, lambda: screen.lane_views()[0].count == 3)
        await settle(pilot)
        assert selected_title(pilot) == "a2 call bank"  # the cursor stayed on its card
        assert screen.lane_views()[0].cursor == 2


async def test_help_lists_keys_with_their_binding_ids(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        rows = {row[2]: row for row in pilot.app.screen.rows}  # type: ignore[attr-defined]
        assert rows["board.move-right"][:2] == ("shift+→, L", "Move right")
        for binding_id in ("board.undo", "board.filter", "board.archive", "board.new-card"):
            assert binding_id in rows
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, HelpScreen)


async def test_narrow_terminal_shows_one_lane_and_switches(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)
        visible = [c for c in screen.query(".lane-column") if c.display]
        assert len(visible) == 1
        assert "Urgent (1/2)" in str(visible[0].query_one(".lane-header").render())
        await pilot.press("l")
        await settle(pilot)
        visible = [c for c in screen.query(".lane-column") if c.display]
        assert len(visible) == 1 and "High (1/1)" in str(
            visible[0].query_one(".lane-header").render()
        )
        assert selected_title(pilot) == "b1 design post"


async def test_escape_sequences_and_markup_in_titles_never_reach_the_screen(
    ui_store: Store,
) -> None:
    with ui_store.write() as s:
        card = create_card(s, "x", lane_id=lane_by_name(s, "Low").id)
    # Written behind the services' back, as a careless foreign writer could.
    with ui_store.db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE cards SET title = ? WHERE id = ?",
            ("\x1b]0;pwn\x07[b]bold?[/b] \x1b[2J", card.id),
        )
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "l", "l")
        await settle(pilot)
        view = board_screen(pilot).lane_views()[3]
        strip = view.render_line(0)
        text = "".join(segment.text for segment in strip)
        assert "[b]bold?[/b]" in text and "\x1b" not in text and "pwn" not in text


async def test_palette_goes_to_a_card(ui_store: Store) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"newsletter")
        await pilot.pause(0.5)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert selected_title(pilot) == "c3 newsletter"


async def test_keymap_from_settings_rebinds_a_key(ui_store: Store) -> None:
    from dataclasses import replace

    ui_store.settings = replace(ui_store.settings, keymap={"board.new-card": "a"})
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, CardEditor)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CardEditor)


async def test_editor_warns_when_the_card_changed_elsewhere_and_never_overwrites(
    ui_store: Store,
) -> None:
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        card_id = board_screen(pilot).selected.id  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
        editor = pilot.app.screen
        assert isinstance(editor, CardEditor)
        with ui_store.write() as s:  # a teammate renames it meanwhile
            edit_card(s, card_id, title="renamed by a teammate")
        await wait_until(pilot, lambda: bool(editor.query_one("#banner").display), seconds=4)
        assert "changed elsewhere" in str(editor.query_one("#banner").render())
        editor.query_one("#title").value = "my version"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        with ui_store.read() as s:
            assert get_card(s, card_id).title == "renamed by a teammate"
        assert isinstance(pilot.app.screen, CardEditor)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert editor.query_one("#title").value == "renamed by a teammate"  # type: ignore[attr-defined]


async def test_a_failed_write_is_reported_and_the_board_matches_the_database(
    ui_store: Store,
) -> None:
    async with make_app(ui_store).run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = board_screen(pilot)
        card_id = screen.selected.id  # type: ignore[union-attr]
        # Another process archives the card; the open board has not reloaded yet.
        screen.workers.cancel_group(screen, "changes")
        await settle(pilot)
        with ui_store.write() as s:
            remove_lane(s, lane_by_name(s, "Low").id)
            set_archived(s, card_id, True)
            s.execute(delete(Card).where(Card.id == card_id))
        await pilot.press("shift+down")
        await settle(pilot)
        assert f"No card #{card_id}" in squashed(screen_text(pilot))  # the error toast
        assert [view.count for view in screen.lane_views()] == [1, 1, 3, 0, 0]
        assert selected_title(pilot) == "a2 call bank"


async def test_space_starts_switches_and_stops_the_timer(ui_store: Store) -> None:
    from vadesk.services import timer

    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        screen = board_screen(pilot)
        first = screen.selected.id  # type: ignore[union-attr]
        with ui_store.read() as s:
            assert timer.running(s, ui_store.user_id).card_id == first  # type: ignore[union-attr]
        assert first in screen.lane_views()[0].running
        pane = screen.query_one("#timer-pane")
        assert pane.figures.running.card_id == first  # type: ignore[attr-defined]
        assert "Acme Bakery" in str(pane.render())
        await pilot.press("down", "space")  # switch to a2
        await settle(pilot)
        with ui_store.read() as s:
            run = timer.running(s, ui_store.user_id)
            assert run is not None and run.card_title == "a2 call bank"
        await pilot.press("space")  # stop
        await settle(pilot)
        with ui_store.read() as s:
            assert timer.running(s, ui_store.user_id) is None
        assert "No timer running" in str(pane.render())
        await pilot.press("p")
        assert not pane.display


async def test_a_timer_started_earlier_shows_running_with_its_time_on_opening(
    ui_store: Store,
) -> None:
    from vadesk.services import timer

    with ui_store.write() as s:
        card = list_cards(s)[0]
        timer.start(s, ui_store.user_id, card.id, now=NOW_UI - timedelta(minutes=12))
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = board_screen(pilot).query_one("#timer-pane")
        assert "0:12:00" in str(pane.render())
        assert "⏱" in str(board_screen(pilot).query_one("#board-header").render())


async def test_absence_prompt_splits_off_the_idle_time(ui_store: Store) -> None:
    from vadesk.services import timer
    from vadesk.ui.screens.pickers import AbsencePrompt

    with ui_store.write() as s:
        card = list_cards(s)[0]
        timer.start(s, ui_store.user_id, card.id, now=NOW_UI - timedelta(hours=3))
        timer.heartbeat(s, ui_store.user_id, NOW_UI - timedelta(hours=2))
    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, AbsencePrompt)
        await pilot.press("down", "down", "enter")  # split
        await settle(pilot)
        with ui_store.read() as s:
            rows = timer.entries_between(
                s, ui_store.user_id, NOW_UI - timedelta(days=1), NOW_UI + timedelta(seconds=1)
            )
        assert [(r.idle, r.ended_at is None) for r in rows] == [
            (False, False),
            (True, False),
            (False, True),
        ]
        assert rows[1].seconds(NOW_UI) == 7200


async def test_a_timer_left_running_by_a_closed_board_runs_on_in_the_next(ui_store: Store) -> None:
    from vadesk.ui.app import VadeskApp

    async with make_app(ui_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
    # The first app is gone without stopping anything; a new one, twelve minutes later,
    # finds the timer running with the right time. (Real crashes: test_durability.py.)
    later = VadeskApp(ui_store, clock=lambda: NOW_UI + timedelta(minutes=12))
    async with later.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = board_screen(pilot).query_one("#timer-pane")
        assert "0:12:00" in str(pane.render()) and "a1 chase supplier" in str(pane.render())
