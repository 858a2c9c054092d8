"""Keep secrets out of Textual's devtools log (``TEXTUAL_LOG=FILE``).

With that variable set, Textual writes every message it dispatches to the file, with its
values: each ``Key`` typed into a passphrase field, and ``Input.Changed``/``Submitted``
carrying the whole value. Those reprs are redacted here while the input is a secret one
(``password=True``, or the ``secret`` class for fields that may be shown in clear, such as a
generated password), so the log stays useful for everything else. Installed once, when the
vault screens load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual import events
from textual._context import active_app
from textual.widget import Widget
from textual.widgets import Input

SECRET_CLASS = "secret"
_installed = False


def is_secret(widget: object) -> bool:
    return isinstance(widget, Input) and (widget.password or widget.has_class(SECRET_CLASS))


def _focus_is_secret() -> bool:
    try:
        app = active_app.get()
    except LookupError:
        return False
    focused: Widget | None = getattr(app, "focused", None)
    return is_secret(focused)


def _redacted_key(original: Callable[[Any], Any]) -> Callable[[Any], Iterator[Any]]:
    def rich_repr(self: Any) -> Iterator[Any]:
        if _focus_is_secret() and (self.is_printable or self.key == "space"):
            yield "key", "***"
            return
        yield from original(self)

    return rich_repr


def _redacted_input_message(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def message_repr(self: Any) -> str:
        if is_secret(getattr(self, "input", None)):
            return f"{type(self).__qualname__}(input={self.input!r}, value='***')"
        return original(self)

    return message_repr


def install() -> None:
    """Patch the reprs Textual logs (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    setattr(events.Key, "__rich_repr__", _redacted_key(events.Key.__rich_repr__))  # noqa: B010
    paste_repr = events.Paste.__rich_repr__

    def paste(self: Any) -> Iterator[Any]:
        if _focus_is_secret():
            yield "text", "***"
            return
        yield from paste_repr(self)

    setattr(events.Paste, "__rich_repr__", paste)  # noqa: B010
    for message in (Input.Changed, Input.Submitted, Input.Blurred):
        setattr(message, "__repr__", _redacted_input_message(message.__repr__))  # noqa: B010
