"""Durations (whole seconds) as people read them: one formatter for every screen and command."""

from __future__ import annotations


def hms(seconds: int) -> str:
    """``1:05:09`` — a running timer (never negative)."""
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def hm(seconds: int) -> str:
    """``1:05`` or ``-0:30`` — totals and balances."""
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}"


def words(seconds: int) -> str:
    """``2h 05m`` from an hour on, else ``12m 04s`` — in sentences."""
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    if hours:
        return f"{hours}h {rest // 60:02d}m"
    return f"{rest // 60}m {rest % 60:02d}s"


def span(seconds: int) -> str:
    """A stretch of time, short: ``45m``, ``5h 30m``, ``1d 4h``, ``3d`` (never negative)."""
    minutes = max(0, seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
