"""What a person would read on the terminal: the screen as plain text lines."""

from __future__ import annotations

from textual.pilot import Pilot


def screen_lines(pilot: Pilot[None]) -> list[str]:
    """Every row of the current screen as the terminal shows it (after the last refresh)."""
    # The compositor renders exactly what the driver would write; Textual has no public
    # "screen as text" call, and the SVG screenshot splits text into styled spans.
    strips = pilot.app.screen._compositor.render_strips()
    return [strip.text for strip in strips]


def screen_text(pilot: Pilot[None]) -> str:
    return "\n".join(screen_lines(pilot))


def squashed(text: str) -> str:
    """Words only: wrapping across lines and padding do not matter."""
    return " ".join(text.split())
