"""Command palette: every board action, go to card, client filter, lane management; vault."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider

from vadesk.services.board_steps import Step
from vadesk.ui.lazy import LazyModule
from vadesk.ui.safe import display, highlight, safe_content, safe_markup

if TYPE_CHECKING:
    from vadesk.ui.screens.board import BoardScreen

board: Any = LazyModule("vadesk.services.board")

Command = tuple[str, Callable[[], Any], str]
"""(name shown in the palette, what it runs, help text); plain text, never markup."""


def discovery_hits(commands: list[Command]) -> Iterator[DiscoveryHit]:
    for name, callback, help_text in commands:
        # A str would be read as markup; lane and client names are stored text.
        yield DiscoveryHit(safe_content(name), callback, text=name, help=safe_markup(help_text))


def matching_hits(matcher: Matcher, commands: list[Command]) -> Iterator[Hit]:
    for name, callback, help_text in commands:
        score = matcher.match(name)
        if score > 0:
            yield Hit(
                score, highlight(matcher, name), callback, text=name, help=safe_markup(help_text)
            )


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
    ("vault: open", "vault", "Logins, payment cards and notes (unlock first)"),
    ("timer: start or stop on the selected card", "timer", "One timer at a time"),
    ("timer: time sheet", "timesheet", "Entries by day and week: add, edit, delete"),
)


class BoardCommands(Provider):
    """Commands for the board screen; they run against the screen the palette opened on."""

    def _board(self) -> BoardScreen | None:
        from vadesk.ui.screens.board import BoardScreen

        return self.screen if isinstance(self.screen, BoardScreen) else None

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
        with screen.store.read() as s:
            return board.find_cards(s, query, limit=20)


VAULT_ACTIONS = (
    ("vault: add login", "add('login')", "A website or app login"),
    ("vault: add payment card", "add('card')", "Number checked with Luhn"),
    ("vault: add secure note", "add('note')", "Free text, encrypted"),
    ("vault: edit item", "edit", "The selected item"),
    ("vault: delete item", "delete", "The selected item (asks first)"),
    ("vault: reveal or hide secrets", "reveal", "Of the selected item"),
    ("vault: lock", "lock", "Drop the key and every decrypted field"),
    ("vault: change passphrase", "passwd", "Re-wrap the data key; items untouched"),
    ("vault: rotate data key", "rotate", "Re-encrypt every item under a new key"),
    ("vault: export client items", "export", "An encrypted file with its own passphrase"),
    ("vault: import file", "import", "Items from an export file"),
)


class VaultCommands(Provider):
    """Commands for the vault screen."""

    def _commands(self) -> list[Command]:
        return [
            (name, partial(self.screen.run_action, action), help_text)
            for name, action, help_text in VAULT_ACTIONS
        ]

    async def discover(self) -> Hits:
        for hit in discovery_hits(self._commands()):
            yield hit

    async def search(self, query: str) -> Hits:
        for hit in matching_hits(self.matcher(query), self._commands()):
            yield hit
