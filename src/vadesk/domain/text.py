"""Making untrusted text (email subjects, client-typed titles) safe to show and store."""

from __future__ import annotations

import re

# CSI, OSC (ended by BEL or ST), DCS/SOS/PM/APC strings, and lone two-byte escapes.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]            # CSI ... final byte
    | \x9b[0-?]*[ -/]*[@-~]            # 8-bit CSI
    | \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC ... BEL or ST
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?        # DCS / SOS / PM / APC ... ST
    | \x1b[@-Z\\-_]                    # other two-byte escapes
    | \x1b.?                           # a stray ESC
    """,
    re.VERBOSE | re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Drop terminal escape sequences and control characters; keep newlines if asked."""
    value = _ESCAPES.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    if not multiline:
        value = " ".join(value.split("\n"))
    value = _CONTROLS.sub("", value)
    return value.strip() if not multiline else value.rstrip()


def clean_title(value: str, limit: int = 500) -> str:
    return clean_text(value)[:limit]
