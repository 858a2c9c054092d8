"""`vadesk intake`: email from files, Maildir folders or IMAP becomes cards and comments."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from vadesk.cli.common import Context, echo_json, json_option, pass_ctx

if TYPE_CHECKING:
    from vadesk.services.intake import IngestResult, IntakeSummary
    from vadesk.services.store import StoreLike


@click.command()
@click.argument(
    "paths", nargs=-1, type=click.Path(path_type=Path, exists=False), metavar="[PATH]..."
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep going until Ctrl-C: new mail in the Maildir folders (or over IMAP) as it comes.",
)
@click.option("--imap", is_flag=True, help="Fetch from the IMAP mailbox set in [intake.imap].")
@json_option("Print the run's counts as a JSON object.")
@pass_ctx
def intake(ctx: Context, paths: tuple[Path, ...], watch: bool, imap: bool, as_json: bool) -> None:
    """Read email (.eml files, mbox files, Maildir folders, or IMAP) into cards.

    Each message becomes a card for the client it was sent to (or in the Inbox lane), a
    reply becomes a comment on its card, and the same message twice changes nothing. Prints
    one summary line, plus a line per message skipped and why.
    """
    from vadesk.services.intake import IntakeSummary, intake_rules
    from vadesk.services.intake.sources import check_paths, ingest_paths, watch_maildirs

    if not paths and not imap:
        raise click.UsageError("Give .eml/mbox files or Maildir folders, or --imap.")
    if watch and paths and imap:
        raise click.UsageError("--watch follows Maildir folders or --imap, not both at once.")
    intake_rules(ctx.settings)
    check_paths(paths)
    store = ctx.store()
    total = IntakeSummary()

    def report(result: IngestResult) -> None:
        total.add(result)
        if not as_json:
            if result.outcome == "skipped":
                click.echo(total.skips[-1])
            elif result.reopened:
                click.echo(total.notes[-1])

    rounds: list[str] = []  # the watch's round lines, each printed as it ends

    def round_line(summary: IntakeSummary) -> None:
        rounds.append(summary.line())
        if not as_json:
            click.echo(rounds[-1])

    stop = threading.Event()
    with _stop_on_signals(stop):
        if watch and paths:
            watch_maildirs(
                store, paths, ctx.settings, stop=stop, on_result=report, on_round=round_line
            )
        elif paths:
            ingest_paths(store, paths, ctx.settings, on_result=report, stop=stop)
        if imap and not stop.is_set():
            _run_imap(store, ctx, watch=watch, on_result=report, stop=stop)
    if as_json:
        echo_json(total.as_json())
    elif rounds != [total.line()]:  # a watch's single round has said it all already
        click.echo(total.line())


def _run_imap(
    store: StoreLike,
    ctx: Context,
    *,
    watch: bool,
    on_result: Callable[[IngestResult], None],
    stop: threading.Event,
) -> None:
    try:
        from vadesk.services.intake.imap import run_imap
    except ImportError:
        raise click.ClickException(
            "The IMAP source is not available in this vadesk; read Maildir or mbox files instead."
        ) from None

    def prompt() -> str:
        from vadesk.cli.common import ask_hidden

        return ask_hidden("IMAP password", how="set password_command in [intake.imap]")

    run_imap(
        store,
        ctx.settings,
        watch=watch,
        password_prompt=prompt if sys.stdin.isatty() else None,
        on_result=on_result,
        stop=stop,
    )


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C or SIGTERM (a systemd stop) ends the run after the message being stored."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        if signum == signal.SIGINT:  # a second Ctrl-C does not wait for the batch
            signal.signal(signal.SIGINT, signal.default_int_handler)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
