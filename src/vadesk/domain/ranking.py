"""Card order within a lane: fractional-index rank strings (a move rewrites one row)."""

from __future__ import annotations

from fractional_indexing import generate_key_between, generate_n_keys_between


def rank_between(before: str | None, after: str | None) -> str:
    """A rank that sorts after ``before`` and before ``after`` (either may be None)."""
    if before is not None and after is not None and before >= after:
        # Equal neighbours can only come from a foreign writer; sort after ``before``.
        after = None
    return str(generate_key_between(before, after))


def initial_ranks(count: int, after: str | None = None) -> list[str]:
    """``count`` increasing ranks, for seeding a lane in one go."""
    return [str(key) for key in generate_n_keys_between(after, None, count)]


def ranks_between(before: str | None, after: str | None, count: int) -> list[str]:
    """``count`` increasing ranks strictly between ``before`` and ``after``."""
    return [str(key) for key in generate_n_keys_between(before, after, count)]
