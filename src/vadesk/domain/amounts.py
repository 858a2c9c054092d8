"""Reading the amounts people type: money and hours, exactly and within sane ranges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from vadesk.domain.billing import CURRENCY_EXPONENTS
from vadesk.errors import InvalidInputError

LARGEST_AMOUNT = Decimal(1_000_000)
"""In major units (a million euros an hour or per package is a typo, not a price)."""
MIN_HOURS = Decimal("0.25")
MAX_HOURS = Decimal(10_000)


def _decimal(text: str, example: str) -> Decimal:
    cleaned = text.replace(",", "").replace("_", "").strip()
    # Decimal() reads "nan", "inf" and "1e309" too; only plain finite numbers are amounts.
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        value = Decimal("nan")
    if not cleaned or not value.is_finite() or "e" in cleaned.lower():
        raise InvalidInputError(f"{text!r} is not {example}.")
    return value


def parse_money(text: str, currency: str = "EUR") -> int:
    """ "40", "40.5", "1,234.50" -> minor units, exactly (no floats), 0 to a million."""
    exponent = CURRENCY_EXPONENTS.get(currency.upper(), 2)
    value = _decimal(text, "an amount like 40 or 40.50")
    if value < 0:
        raise InvalidInputError("An amount cannot be negative.")
    if value > LARGEST_AMOUNT:
        raise InvalidInputError(f"{text!r} is more than {LARGEST_AMOUNT:,}; check the amount.")
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise InvalidInputError(f"{text!r} has more decimals than {currency} allows.")
    return int(minor)


def parse_hours(text: str) -> float:
    """ "10", "2.5" -> hours, from a quarter of an hour to 10,000."""
    value = _decimal(text, "a number of hours like 10 or 2.5")
    if not MIN_HOURS <= value <= MAX_HOURS:
        raise InvalidInputError(f"{text!r} hours is not between {MIN_HOURS} and {MAX_HOURS:,}.")
    return float(value)
