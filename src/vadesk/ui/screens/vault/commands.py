"""The vault screen's palette: its actions by name."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import Hits, Provider

from vadesk.ui.commands import Command, discovery_hits, matching_hits

if TYPE_CHECKING:
    pass


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
