"""What every subcommand shares: the error-translating group, the Context, options, output."""

from __future__ import annotations

import errno
import json
import logging
import logging.handlers
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from vadesk.config import Settings, log_dir
from vadesk.domain.text import display
from vadesk.errors import VadeskError

if TYPE_CHECKING:
    from vadesk.services.store import Store

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("vadesk")

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers on PostgreSQL; a larger one names nothing."""
ID = click.IntRange(1, MAX_ID)
# Errors whose cause is the place being written to, not what is written.
_WRITE_ERRORS = {errno.ENOENT, errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG, errno.EISDIR}


def describe_os_error(error: OSError) -> str:
    """One line naming the path (when known) and the problem."""
    problem = error.strerror or type(error).__name__
    if error.filename is None:
        return f"Cannot write: {problem}; nothing more was written."
    verb = "write" if error.errno in _WRITE_ERRORS else "open"
    return f"Cannot {verb} {display(str(error.filename))}: {problem}."


class VadeskGroup(click.Group):
    """The root group: refuses undecodable arguments, turns user errors into one stderr line.

    A VadeskError or an OSError anywhere below ends in one line on stderr and exit status 1.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Click's standalone mode, but a usage error is one line too, like every error."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            click.echo(f"Error: {error.format_message()}{hint}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except BrokenPipeError:
            # The reader went away (`vadesk card list | head`): quietly, and without the
            # interpreter's last flush failing again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            check_arguments(args, ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VadeskError as error:
            log.info("user error: %s", type(error).__name__)
            raise click.ClickException(display(str(error))) from None
        except BrokenPipeError:
            raise  # the reader went away (`| head`): main() exits quietly
        except OSError as error:
            log.info("OS error: %s", type(error).__name__)
            raise click.ClickException(describe_os_error(error)) from None


def check_arguments(args: Sequence[str], ctx: click.Context) -> None:
    """Refuse arguments no database can store: bytes that are not UTF-8, and NUL."""
    for number, arg in enumerate(args, 1):
        if any("\ud800" <= char <= "\udfff" for char in arg):
            try:  # the bytes the terminal sent, as far as they can be recovered
                raw = arg.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                raw = arg.encode("utf-8", "backslashreplace")
            shown = repr(raw)[1:][:60]
            raise click.UsageError(
                f"Argument {number} ({shown}) is not valid UTF-8 text; check the terminal's "
                "encoding (e.g. LANG=C.UTF-8).",
                ctx,
            )
        if "\x00" in arg:
            raise click.UsageError(f"Argument {number} contains a NUL character.", ctx)


class Context:
    """What subcommands share: settings and a lazily opened store."""

    def __init__(self, db_url: str | None, settings: Settings, *, demo: bool = False) -> None:
        self.db_url = db_url
        self.settings = settings
        self.demo = demo
        self._store: Store | None = None

    def store(self, *, create: bool = True) -> Store:
        """The store; ``create=False`` (read-only commands) never creates a database."""
        if self._store is None:
            if self.demo:
                from vadesk.services.demo import open_demo

                self._store = open_demo(self.settings, reset=False)
            else:
                from vadesk.services.store import open_store

                self._store = open_store(self.settings, self.db_url, create=create)
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


# ---------------------------------------------------------------- options


def json_option(help: str = "Print what changed as a JSON object.") -> Callable[[F], F]:
    """``--json``: the one spelling of machine-readable output, stored as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def refuse_together(**flags: object) -> None:
    """Exit 2 with a usage error when more than one of the named options was given."""
    given = [name for name, value in flags.items() if value not in (None, False)]
    if len(given) > 1:
        names = " and ".join(f"--{name.replace('_', '-')}" for name in given)
        raise click.UsageError(f"{names} cannot be used together; give one.")


# ---------------------------------------------------------------- output


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def stream_json_list(items: Iterable[dict[str, Any]]) -> None:
    """A JSON array written as it is produced, one object per line (no list in memory)."""
    import orjson

    out = sys.stdout.buffer
    out.write(b"[")
    first = True
    for item in items:
        out.write(b"\n" if first else b",\n")
        out.write(orjson.dumps(item))
        first = False
    out.write(b"\n]\n" if not first else b"]\n")
    out.flush()


def emit(as_json: bool, data: Any, text: str) -> None:
    """Print what a command changed: ``data`` as JSON with --json, else the short text."""
    if as_json:
        echo_json(data)
    else:
        click.echo(text)


_stdin_lines: list[str] | None = None


def reset_stdin() -> None:
    """Forget what was read from stdin (each command invocation reads afresh)."""
    global _stdin_lines
    _stdin_lines = None


def stdin_line() -> str:
    """The next line of standard input (one reader for the whole command, so none is lost)."""
    global _stdin_lines
    if _stdin_lines is None:
        _stdin_lines = sys.stdin.read().splitlines()
        _stdin_lines.reverse()
    return _stdin_lines.pop() if _stdin_lines else ""


_TERMINAL_PROMPT = click.termui.hidden_prompt_func
"""click's own hidden prompt (getpass); a test runner swaps in its own."""


def ask_hidden(
    prompt: str,
    *,
    confirm: bool = False,
    default: str | None = None,
    how: str = "give it on standard input with --passphrase-stdin (see --help)",
) -> str:
    """A hidden prompt on the terminal, or one line saying how to give the value without one.

    Without a terminal, getpass falls back to reading the value with echo and a Python
    warning (or aborts at end of input); a script gets a clear refusal instead."""
    if click.termui.hidden_prompt_func is _TERMINAL_PROMPT and not sys.stdin.isatty():
        raise VadeskError(f"No terminal to ask for the {prompt[0].lower()}{prompt[1:]}; {how}.")
    value = click.prompt(
        prompt,
        hide_input=True,
        confirmation_prompt=confirm,
        default=default,
        show_default=False,
        err=True,
    )
    return str(value)
