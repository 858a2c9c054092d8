"""Command palette building blocks shared by the screens' own providers (``COMMANDS``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.command import DiscoveryHit, Hit, Matcher

from vadesk.ui.safe import highlight, safe_content, safe_markup

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
