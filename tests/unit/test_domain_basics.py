"""Pure rules: ranks, untrusted text, turnaround."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from vadesk.domain.ranking import initial_ranks, rank_between
from vadesk.domain.text import clean_text, clean_title
from vadesk.domain.turnaround import Turnaround, default_due, due_state

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_rank_between_sorts_strictly_between_neighbours() -> None:
    rng = random.Random(7)
    ranks = [rank_between(None, None)]
    for _ in range(500):
        i = rng.randint(0, len(ranks))
        before = ranks[i - 1] if i > 0 else None
        after = ranks[i] if i < len(ranks) else None
        new = rank_between(before, after)
        assert (before is None or before < new) and (after is None or new < after)
        ranks.insert(i, new)
    assert ranks == sorted(ranks)


def test_many_inserts_at_the_top_keep_ranks_short() -> None:
    rank = rank_between(None, None)
    for _ in range(10_000):
        rank = rank_between(None, rank)
    assert len(rank) < 20


def test_equal_neighbours_still_give_a_rank() -> None:
    assert rank_between("a1", "a1") > "a1"


def test_initial_ranks_increase() -> None:
    ranks = initial_ranks(1000)
    assert ranks == sorted(ranks) and len(set(ranks)) == 1000


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Pay \x1b[31mnow\x1b[0m", "Pay now"),
        ("title\x1b]0;evil title\x07 rest", "title rest"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("line\nbreak\r\nhere", "line break here"),
        ("bidi \u202eevil\u202c", "bidi evil"),
        ("[bold]markup stays literal[/bold]", "[bold]markup stays literal[/bold]"),
        ("8-bit \x9b31m csi", "8-bit  csi"),
    ],
)
def test_clean_title_drops_escapes_and_controls(raw: str, clean: str) -> None:
    assert clean_title(raw) == clean


def test_clean_text_keeps_newlines_when_multiline() -> None:
    assert clean_text("a\x1b[2J\nb\tc", multiline=True) == "a\nb    c"


def test_turnaround_due_times() -> None:
    rule = Turnaround(admin_hours=24, creative_hours=48)
    assert default_due("admin", NOW, rule) == NOW + timedelta(hours=24)
    assert default_due("creative", NOW, rule) == NOW + timedelta(hours=48)
    assert default_due("call", NOW, rule) is None
    assert default_due("admin", NOW, Turnaround(admin_hours=4)) == NOW + timedelta(hours=4)


@pytest.mark.parametrize(
    ("offset", "state"),
    [(-1, "overdue"), (0, "today"), (3, "today"), (24, "today"), (25, "later")],
)
def test_due_state(offset: int, state: str) -> None:
    assert due_state(NOW + timedelta(hours=offset), NOW) == state
    assert due_state(None, NOW) == "none"


def test_totp_matches_rfc_6238_vectors() -> None:
    from vadesk.domain.passwords import totp_now

    rfc_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
    assert totp_now(rfc_secret, at=59, digits=8) == "94287082"
    assert totp_now(rfc_secret, at=1111111109, digits=8) == "07081804"
    assert totp_now(rfc_secret, at=2000000000, digits=8) == "69279037"
    assert len(totp_now("JBSW Y3DP EHPK 3PXP", at=0)) == 6  # 80-bit secrets work


def test_passphrase_strength_refuses_weak_ones() -> None:
    from vadesk.domain.passwords import check_strength, strength
    from vadesk.errors import InvalidInputError

    assert strength("password1")[0] <= 1
    assert strength("plum orchard kettle violin")[0] >= 3
    with pytest.raises(InvalidInputError, match="too weak"):
        check_strength("summer2024")
