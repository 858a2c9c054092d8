"""Copying secrets: OSC 52 through Textual plus a system clipboard tool, cleared after a while."""

from __future__ import annotations

import shutil
import subprocess

TOOLS = (
    (("wl-copy",), ("wl-paste", "--no-newline")),
    (("xclip", "-selection", "clipboard"), ("xclip", "-selection", "clipboard", "-o")),
    (("xsel", "--clipboard", "--input"), ("xsel", "--clipboard", "--output")),
    (("pbcopy",), ("pbpaste",)),
)


def _tool() -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    for copy, paste in TOOLS:
        if shutil.which(copy[0]) and shutil.which(paste[0]):
            return copy, paste
    return None


def system_copy(text: str) -> bool:
    tool = _tool()
    if tool is None:
        return False
    try:
        subprocess.run(tool[0], input=text.encode(), check=True, timeout=2, capture_output=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def system_holds(text: str) -> bool:
    tool = _tool()
    if tool is None:
        return False
    try:
        out = subprocess.run(tool[1], check=True, timeout=2, capture_output=True).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return out.decode(errors="replace").rstrip("\n") == text
