"""The kinds of card: what turnaround, rates and reports group work by."""

from __future__ import annotations

from typing import Literal, get_args

CardKind = Literal["admin", "creative", "call", "purchase", "other"]
CARD_KINDS: tuple[CardKind, ...] = get_args(CardKind)
"""In the order forms and reports list them."""
KIND_ABBREV: dict[CardKind, str] = {
    "admin": "adm",
    "creative": "cre",
    "call": "call",
    "purchase": "buy",
    "other": "oth",
}
"""Three or four letters for a card tile."""
