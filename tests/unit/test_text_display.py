"""display(): whatever the database holds, what reaches the terminal is plain text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vadesk.domain.text import clean_text, display

# What must never come out: ESC, C0 controls (bar newline where asked), DEL, C1 controls,
# line/paragraph separators, bidi embeddings/overrides/isolates, lone surrogates.
FORBIDDEN = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("clear \x1b[2J screen", "clear  screen"),
        ("title \x1b]0;PWN\x07 bel", "title  bel"),
        ("title \x1b]2;PWN\x1b\\ st", "title  st"),
        ("\x1b]2;LANEPWN\x1b\\U", "U"),
        ("see \x1b]8;;https://evil.example\x1b\\the site\x1b]8;;\x1b\\ now", "see the site now"),
        ("clip \x1b]52;c;SGVsbG8=\x07 board", "clip  board"),
        ("8-bit csi \x9b2J end", "8-bit csi  end"),
        ("8-bit osc \x9d0;PWN\x9c end", "8-bit osc  end"),
        ("8-bit osc \x9d0;PWN\x07 end", "8-bit osc  end"),
        ("8-bit dcs \x90q#PWN\x9c end", "8-bit dcs  end"),
        ("7-bit dcs \x1bPq#PWN\x1b\\ end", "7-bit dcs  end"),
        ("apc \x1b_PWN\x1b\\ end", "apc  end"),
        ("charset \x1b(0 switch", "charset  switch"),
        ("reset \x1bc all", "reset  all"),
        ("bidi \u202eevil\u202c txt", "bidi evil txt"),
        ("isolate \u2066x\u2069 \u2067y\u2069 \u2068z\u2069", "isolate x y z"),
        ("nul\x00 del\x7f bel\x07 bs\x08", "nul del bel bs"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("[bold]markup[/] stays literal", "[bold]markup[/] stays literal"),
        ("Café ☕ 東京", "Café ☕ 東京"),
    ],
)
def test_display_drops_every_escape_and_control(raw: str, shown: str) -> None:
    assert display(raw) == shown


@pytest.mark.parametrize(
    "raw",
    [
        "cut \x1b",
        "cut \x1b[",
        "cut \x1b[12;3",
        "cut \x1b]0;PWN",
        "cut \x1b]0;PWN\x1b",
        "cut \x9d0;PWN",
    ],
)
def test_a_string_ending_mid_escape_loses_the_whole_escape(raw: str) -> None:
    assert display(raw) == "cut"


def test_display_multiline_keeps_line_breaks_only_when_asked() -> None:
    raw = "first\x1b[2J line\r\nsecond\tline\u2028third"
    assert display(raw, multiline=True) == "first line\nsecond    linethird"
    assert display(raw) == "first line second    linethird"


def test_display_shows_none_as_empty_and_other_values_as_text() -> None:
    assert display(None) == ""
    assert display(42) == "42"
    # A list (e.g. JSON from the activity log) shows as its repr: escapes become literal text.
    assert display(["a\x1b[31m", "b"]) == "['a\\x1b[31m', 'b']"


@given(st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x3000)))
def test_nothing_forbidden_survives_and_cleaning_twice_changes_nothing(raw: str) -> None:
    once = display(raw)
    assert not FORBIDDEN.search(once) and "\n" not in once
    assert once == clean_text(raw)  # the fast path for plain text changes no result
    assert display(once) == once
    lines = display(raw, multiline=True)
    assert not FORBIDDEN.search(lines)


@given(
    st.lists(
        st.sampled_from(["\x1b", "[", "]", "\x9b", "\x9d", "\x9c", "\x07", "\\", "P", "0;", "2J"])
        | st.text(max_size=3)
    ).map("".join)
)
def test_escape_fragments_in_any_order_never_leave_an_escape(raw: str) -> None:
    assert not FORBIDDEN.search(display(raw))
    assert not FORBIDDEN.search(display(raw, multiline=True))
