"""Run vadesk in a pseudo-terminal, as a person's terminal would: keys in, frames out.

Used by the durability and crash tests and by benchmarks/durability.py.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import sys
import termios
import threading
import time
from collections.abc import Sequence

SHIFT_RIGHT = b"\x1b[1;2C"
SHIFT_LEFT = b"\x1b[1;2D"
VADESK = [sys.executable, "-m", "vadesk"]
"""The installed entry point, without a shell wrapper in front (pyenv shims add ~0.1 s)."""
ESCAPES = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


class TerminalApp:
    """A child process on a pty of ``cols`` x ``rows``; its output is read all the time.

    Reading never stops (a full pty buffer would stall the app's writes and so the test).
    """

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        cols: int = 120,
        rows: int = 36,
    ) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal, then become the program
            try:
                size = struct.pack("HHHH", rows, cols, 0, 0)
                fcntl.ioctl(1, termios.TIOCSWINSZ, size)  # fd 1: the pty
                os.execvpe(
                    argv[0], list(argv), {**os.environ, **(env or {}), "TERM": "xterm-256color"}
                )
            finally:
                os._exit(127)
        self.pid = pid
        self.fd: int | None = fd
        self._output = bytearray()
        self._lock = threading.Lock()
        self._status: int | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        fd = self.fd
        assert fd is not None
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO once the child and its terminal are gone, EBADF after hangup
                return
            if not chunk:
                return
            with self._lock:
                self._output += chunk

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def text(self) -> str:
        """Everything written so far, escape sequences removed."""
        return ESCAPES.sub(b"", self.output).decode("utf-8", "replace")

    def wait_for_text(self, text: str, timeout: float = 60.0) -> float:
        """Wait until ``text`` was drawn; returns the time it took. Raises on timeout or exit."""
        started = time.monotonic()
        deadline = started + timeout
        while text not in self.text():
            if self.poll() is not None:
                raise AssertionError(f"vadesk exited ({self._status}) before showing {text!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not shown within {timeout} s")
            time.sleep(0.01)
        return time.monotonic() - started

    def send(self, *keys: bytes, gap: float = 0.0) -> None:
        assert self.fd is not None
        for i, key in enumerate(keys):
            if i and gap:
                time.sleep(gap)
            os.write(self.fd, key)

    def kill(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def hang_up(self) -> None:
        """Close the terminal (the kernel sends SIGHUP; the terminal is gone for good)."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)

    def poll(self) -> int | None:
        """The exit status (negative: killed by that signal), or None while it runs."""
        if self._status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._status = os.waitstatus_to_exitcode(status)
        return self._status

    def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while (status := self.poll()) is None:
            if time.monotonic() > deadline:
                self.kill(signal.SIGKILL)
                os.waitpid(self.pid, 0)
                self._status = -signal.SIGKILL
                raise AssertionError(f"vadesk still running after {timeout} s")
            time.sleep(0.01)
        self._reader.join(2)
        return status

    def close(self) -> None:
        """Kill it if it still runs and release the terminal."""
        if self.poll() is None:
            self.kill(signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self._status = -signal.SIGKILL
        self.hang_up()
