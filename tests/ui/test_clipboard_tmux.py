"""Inside tmux, a copied secret leaves tmux's paste buffers when the clipboard is cleared."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest

from vadesk.services.store import Store

from .conftest import make_app, settle, wait_until
from .test_vault_ui import SECRET, SIZE, fast_kdf, unlock, with_vault  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """A private tmux server (its own socket), as the one vadesk runs in."""

    def __init__(self) -> None:
        self.name = f"vadesk-test-{uuid.uuid4().hex[:8]}"
        self.run("-f", "/dev/null", "new-session", "-d", "-s", "work")
        self.socket = self.run("display-message", "-p", "#{socket_path}").strip()
        self.pid = self.run("display-message", "-p", "#{pid}").strip()

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.name, *args], check=True, capture_output=True, text=True
        ).stdout

    def buffers(self) -> dict[str, str]:
        names = self.run("list-buffers", "-F", "#{buffer_name}").split()
        return {name: self.run("show-buffer", "-b", name) for name in names}


@pytest.fixture
def tmux(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tmux]:
    server = Tmux()
    monkeypatch.setenv("TMUX", f"{server.socket},{server.pid},0")  # as inside a tmux pane
    yield server
    server.run("kill-server")


async def test_a_copied_secret_leaves_every_tmux_buffer_when_cleared(
    with_vault: Store,  # noqa: F811
    tmux: Tmux,
) -> None:
    with_vault.settings = replace(with_vault.settings, clipboard_clear_seconds=1)
    tmux.run("set-buffer", "-b", "notes", "the user's own text")
    async with make_app(with_vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await pilot.press("y")  # copy the password
        assert tmux.buffers()["vadesk"] == SECRET  # prefix ] pastes it inside tmux
        # What tmux itself keeps of the OSC 52 copy (set-clipboard on), under its own name.
        tmux.run("set-buffer", "-b", "buffer0", SECRET)
        await wait_until(pilot, lambda: pilot.app.clipboard == "", seconds=4)
    assert tmux.buffers() == {"notes": "the user's own text"}
    assert os.environ["TMUX"].startswith(tmux.socket)
