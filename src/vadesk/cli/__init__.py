"""The `vadesk` command: the TUI by default, subcommands for scripts and cron."""

from vadesk.cli.root import cli, main

__all__ = ["cli", "main"]
