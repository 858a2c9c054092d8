"""The board's palette: every board action, go to card, client filter, lane management."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import Hit, Hits, Provider

from vadesk.services.board_steps import Step
from vadesk.ui.commands import Command, discovery_hits, matching_hits
from vadesk.ui.safe import display, highlight, safe_markup

if TYPE_CHECKING:
    from vadesk.ui.screens.board import BoardScreen


ACTIONS = (
    ("board: new card", "new_card", "Add a card to the current lane"),
    ("board: open card", "open_card", "Edit the selected card"),
    ("board: mark done", "done", "Move the selected card to Done"),
    ("board: archive card", "archive", "Archive the selected card"),
    ("board: move card to top", "move_top", "Top of its lane"),
    ("board: filter by text", "filter", "Show matching cards only"),
    ("board: clear filter", "clear_filter", "Show every card"),
    ("board: undo", "undo", "Undo the last change"),
    ("board: redo", "redo", "Redo what was undone"),
    ("board: help", "help", "All keys"),
    ("board: group lanes by client (on/off)", "toggle_group", "Clients in their priority order"),
    ("clients: list, add, edit, reorder, archive", "clients", "Clients, most important first"),
    ("vault: open", "vault", "Logins, payment cards and notes (unlock first)"),
    ("timer: start or stop on the selected card", "timer", "One timer at a time"),
    ("timer: time sheet", "timesheet", "Entries by day and week: add, edit, delete"),
    ("report: monthly reports", "reports", "Per-client totals, bars, export and billing"),
    ("report: export a timesheet", "reports", "PDF, CSV, Markdown or JSON per client"),
    ("plan: week plan", "week_plan", "Cards planned per client this week, budgets, capacity"),
)


class BoardCommands(Provider):
    """Commands for the board screen; they run against the screen the palette opened on."""

    def _board(self) -> BoardScreen | None:
        # Scoped to the board (BoardScreen.COMMANDS): this provider runs on the board only.
        return cast("BoardScreen", self.screen)

    def _commands(self, screen: BoardScreen) -> list[Command]:
        commands: list[Command] = [
            (name, partial(screen.run_action, action), help_text)
            for name, action, help_text in ACTIONS
        ]
        for client in screen.clients:
            commands.append(
                (
                    f"filter: client {display(client.name)}",
                    partial(screen.set_client_filter, client),
                    "Show only this client's cards",
                )
            )
        lane = screen.lanes[screen.current_lane] if screen.lanes else None
        if lane is not None:
            lane_id, name = lane.id, display(lane.name)
            left = max(0, lane.position - 1)
            commands += [
                (
                    "lane: add lane to the right",
                    partial(self._ask_lane_name, screen, None),
                    "A new empty lane",
                ),
                (
                    f"lane: rename {name}",
                    partial(self._ask_lane_name, screen, lane_id),
                    "Give the current lane a new name",
                ),
                (
                    f"lane: move {name} left",
                    partial(
                        screen.lane_op,
                        "lane left",
                        Step("move_lane", 0, {"lane_id": lane_id, "position": left}),
                    ),
                    "Reorder lanes",
                ),
                (
                    f"lane: move {name} right",
                    partial(
                        screen.lane_op,
                        "lane right",
                        Step("move_lane", 0, {"lane_id": lane_id, "position": lane.position + 1}),
                    ),
                    "Reorder lanes",
                ),
                (
                    f"lane: remove {name}",
                    partial(
                        screen.lane_op, "remove lane", Step("remove_lane", 0, {"lane_id": lane_id})
                    ),
                    "Only an empty lane can go",
                ),
            ]
        return commands

    def _ask_lane_name(self, screen: BoardScreen, lane_id: int | None) -> None:
        from vadesk.ui.screens.pickers import TextPrompt

        position = screen.current_lane + 1

        def done(name: str | None) -> None:
            if not name:
                return
            if lane_id is None:
                screen.lane_op(
                    "add lane", Step("add_lane", 0, {"name": name, "position": position})
                )
            else:
                step = Step("rename_lane", 0, {"lane_id": lane_id, "name": name})
                screen.lane_op("rename lane", step)

        title = "New lane name" if lane_id is None else "Rename lane to"
        screen.app.push_screen(TextPrompt(title), done)

    async def discover(self) -> Hits:
        screen = self._board()
        if screen is None:
            return
        for hit in discovery_hits(self._commands(screen)):
            yield hit

    async def search(self, query: str) -> Hits:
        screen = self._board()
        if screen is None:
            return
        matcher = self.matcher(query)
        for hit in matching_hits(matcher, self._commands(screen)):
            yield hit
        if len(query.strip()) < 2:
            return
        cards = await asyncio.to_thread(self._find_cards, screen, query.strip())
        for card_id, title, lane in cards:
            label = f"go to card: {display(title)}"
            score = matcher.match(label) or 0.1
            yield Hit(
                score,
                highlight(matcher, label),
                partial(screen.go_to_card, card_id),
                text=label,
                help=safe_markup(f"#{card_id} in {lane}"),
            )

    @staticmethod
    def _find_cards(screen: BoardScreen, query: str) -> list[tuple[int, str, str]]:
        from vadesk.services.board_read import find_cards  # after the first frame: no start-up cost

        with screen.store.read() as s:
            return find_cards(s, query, limit=20)
