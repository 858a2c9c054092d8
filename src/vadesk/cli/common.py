"""What every subcommand shares: the error-translating group, the Context, output helpers."""

from __future__ import annotations

import json
import logging
import logging.handlers
from typing import Any

import click

from vadesk.config import Settings, log_dir
from vadesk.errors import VadeskError

log = logging.getLogger("vadesk")


class VadeskGroup(click.Group):
    """Turns VadeskError anywhere below into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VadeskError as error:
            log.info("user error: %s", type(error).__name__)
            raise click.ClickException(str(error)) from None


class Context:
    """What subcommands share: settings and a lazily opened store."""

    def __init__(self, db_url: str | None, settings: Settings) -> None:
        self.db_url = db_url
        self.settings = settings
        self._store: Any = None

    def store(self) -> Any:
        if self._store is None:
            from vadesk.services.store import open_store

            self._store = open_store(self.settings, self.db_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_ctx = click.make_pass_decorator(Context)


def setup_logging(debug: bool) -> None:
    root = logging.getLogger("vadesk")
    if root.handlers:
        return
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir() / "vadesk.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.propagate = False


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


_stdin_lines: list[str] | None = None


def reset_stdin() -> None:
    """Forget what was read from stdin (each command invocation reads afresh)."""
    global _stdin_lines
    _stdin_lines = None


def stdin_line() -> str:
    """The next line of standard input (one reader for the whole command, so none is lost)."""
    global _stdin_lines
    if _stdin_lines is None:
        _stdin_lines = click.get_text_stream("stdin").read().splitlines()
        _stdin_lines.reverse()
    return _stdin_lines.pop() if _stdin_lines else ""
