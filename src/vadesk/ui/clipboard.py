"""Copying secrets: OSC 52 through Textual plus a system clipboard tool, cleared after a while.

Inside tmux, OSC 52 also lands in tmux's list of paste buffers (with ``set-clipboard on``, the
default for most set-ups), where clearing the terminal's clipboard does not reach it. So in
tmux vadesk puts the secret in a buffer of its own too (``prefix ]`` pastes it even when tmux
passes no OSC 52 on), and when the clipboard is cleared it deletes every tmux buffer that
holds a secret it copied, whatever tmux named it.
"""

from __future__ import annotations

import hashlib
import os
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


TMUX_BUFFER = "vadesk"
"""The tmux paste buffer vadesk writes a copied secret to."""
_in_tmux: list[tuple[str, int]] = []
"""(sha-256, byte length) of each secret put on the clipboard inside tmux and not yet cleared:
only a digest is kept, never the secret."""


def _tmux(*args: str, text: str | None = None) -> subprocess.CompletedProcess[bytes] | None:
    if not os.environ.get("TMUX") or shutil.which("tmux") is None:
        return None
    try:
        return subprocess.run(
            ["tmux", *args],
            input=None if text is None else text.encode(),
            check=True,
            timeout=2,
            capture_output=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tmux_copy(text: str) -> bool:
    """Inside tmux: put ``text`` in vadesk's paste buffer (read from stdin: never on a command
    line, where other processes could see it) and remember to delete it later."""
    if not os.environ.get("TMUX"):
        return False
    data = text.encode()
    _in_tmux.append((_digest(data), len(data)))
    return _tmux("load-buffer", "-b", TMUX_BUFFER, "-", text=text) is not None


def tmux_forget() -> int:
    """Delete every tmux paste buffer holding a secret vadesk copied; returns how many."""
    if not _in_tmux:
        return 0
    wanted: dict[int, set[str]] = {}
    for digest, size in _in_tmux:
        wanted.setdefault(size, set()).add(digest)
    _in_tmux.clear()
    listing = _tmux("list-buffers", "-F", "#{buffer_size} #{buffer_name}")
    if listing is None:
        return 0
    deleted = 0
    for line in listing.stdout.decode(errors="replace").splitlines():
        size_text, _, name = line.partition(" ")
        if not size_text.isdigit() or int(size_text) not in wanted:
            continue  # a different size: not ours, and never read
        shown = _tmux("show-buffer", "-b", name)
        ours = shown is not None and _digest(shown.stdout) in wanted[int(size_text)]
        if ours and _tmux("delete-buffer", "-b", name) is not None:
            deleted += 1
    return deleted
