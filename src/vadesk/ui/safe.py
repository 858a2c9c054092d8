"""Stored text on screen: cleaned of terminal escapes, shown as plain text, never as markup.

Anything read from the database (titles, descriptions, lane and client names, comments,
vault item names) may hold bytes another tool or a teammate wrote. Widgets show it through
these helpers: ``safe_text`` for a Rich ``Text``/label, ``safe_content`` where Textual
wants a ``Content`` (palette hits), ``safe_markup`` where an API only takes markup.
"""

from __future__ import annotations

from functools import lru_cache

from rich.color import Color, ColorParseError
from rich.style import StyleType
from rich.text import Text
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from vadesk.domain.text import display

__all__ = ["display", "highlight", "safe_colour", "safe_content", "safe_markup", "safe_text"]


def safe_text(value: object, style: StyleType = "", *, multiline: bool = False) -> Text:
    """A Rich ``Text`` of the cleaned value (a ``Text`` is never parsed as markup)."""
    return Text(display(value, multiline=multiline), style=style)


def safe_content(value: object, *, multiline: bool = False) -> Content:
    """A Textual ``Content`` of the cleaned value, for APIs that read a ``str`` as markup."""
    return Content(display(value, multiline=multiline))


def safe_markup(value: object, *, multiline: bool = False) -> str:
    """The cleaned value as markup that shows it literally (``[`` cannot open a tag)."""
    return escape(display(value, multiline=multiline))


def highlight(matcher: Matcher, label: str) -> Content:
    """``matcher.highlight`` without reading ``label`` as markup (a title may hold ``[/]``)."""
    content = Content(label)
    score, offsets = matcher.fuzzy_search.match(matcher.query, label)
    if score:
        for offset in offsets:
            if not label[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


@lru_cache(maxsize=256)
def safe_colour(value: str | None) -> str | None:
    """A stored colour if Rich can parse it, else None (a bad one must not stop the paint)."""
    if not value:
        return None
    try:
        Color.parse(value)
    except ColorParseError:
        return None
    return value
