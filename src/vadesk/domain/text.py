"""Making untrusted text (email subjects, client-typed titles, anything stored) safe to show."""

from __future__ import annotations

import re

# CSI, OSC (ended by BEL or ST), DCS/SOS/PM/APC strings, and lone two-byte escapes, in their
# 7-bit (ESC ...) and 8-bit (C1) spellings. A string sequence ends at its terminator, at the
# next ESC (which aborts it in a terminal) or at the end of the value: a sequence cut off
# goes whole, so nothing left of it can swallow the next bytes written to the terminal.
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*(?:[@-~]|\Z)                     # CSI ... final byte
    | (?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|(?=\x1b)|\Z)  # OSC ... BEL or ST
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c|(?=\x1b)|\Z)  # DCS ... ST
    | \x1b[ -/]*[0-~]                  # other escapes (charset selection, RIS, keypad modes)
    | \x1b                             # a stray ESC
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 and C1 controls (bar newline and tab, handled apart), line/paragraph separators, and the
# bidi embeddings, overrides and isolates that reorder what follows them ("Trojan Source").
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Lone surrogates (from bytes decoded with surrogateescape) cannot be encoded for the terminal.
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Drop terminal escape sequences and control characters; keep newlines if asked."""
    value = _ESCAPES.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    if not multiline:
        value = " ".join(value.split("\n"))
    value = _CONTROLS.sub("", value)
    value = _SURROGATES.sub("\ufffd", value)
    return value.strip() if not multiline else value.rstrip()


def clean_title(value: str, limit: int = 500) -> str:
    return clean_text(value)[:limit]


def decode_stored(raw: bytes) -> str:
    """Text read from SQLite, which holds whatever bytes a writer put there: bad UTF-8 shows
    as U+FFFD instead of failing the read (sqlite3's text_factory)."""
    return raw.decode("utf-8", "replace")


def display(value: object, *, multiline: bool = False) -> str:
    """Text that is safe to put on a terminal, from any stored value (None shows as "").

    Every widget, notification and CLI text output shows stored text through this: the
    database may hold whatever another tool, an import or a teammate wrote into it.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # The common case: nothing to drop. Escapes start with a control (Cc), bidi controls are
    # Cf, surrogates Cs, separators Zl/Zp: none of them is "printable".
    if text.isprintable():
        return text.rstrip() if multiline else text.strip()
    return clean_text(text, multiline=multiline)


def count(number: int, noun: str, plural: str | None = None) -> str:
    """ "1 entry", "3 entries", "1,200 items": a count with its noun in the right number."""
    if number == 1:
        return f"1 {noun}"
    return f"{number:,} {plural or noun + 's'}"
