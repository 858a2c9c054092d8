"""What a vault item may hold: its kinds, their fields, and the checks every item passes.

Pure: used before anything is encrypted or written (a form, the command line, an import).
"""

from __future__ import annotations

import re
from typing import Any

from vadesk.domain import vault_crypto as vc
from vadesk.domain.passwords import parse_totp
from vadesk.domain.text import clean_text
from vadesk.errors import InvalidInputError

KINDS = ("login", "card", "note")
FIELDS: dict[str, tuple[str, ...]] = {
    "login": ("name", "url", "username", "password", "totp", "notes"),
    "card": ("name", "holder", "number", "expiry", "cvc", "notes"),
    "note": ("name", "note"),
}
"""The text fields of each kind of item, in the order a form shows them."""
COMMON = ("kind", "client", "cards")
SECRET_FIELDS = frozenset({"password", "totp", "number", "cvc", "note", "notes"})
"""Fields shown masked until revealed, and never logged."""
MAX_NAME = 500
MAX_TEXT = 100_000
MAX_LINKS = 1_000
MAX_CARD_ID = 2**63 - 1


def _text(value: object, field_name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{field_name} must be text, not {type(value).__name__}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{field_name} holds text that is not valid Unicode.") from None
    if len(value) > limit:
        raise InvalidInputError(f"{field_name} is longer than {limit:,} characters.")
    return value


def _links(value: object) -> list[int]:
    if isinstance(value, str):
        parts = [p.strip().lstrip("#") for p in value.replace(";", ",").split(",") if p.strip()]
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise InvalidInputError(
                "Linked cards are card numbers separated by commas, e.g. 12, 40."
            )
        value = [int(p) for p in parts]
    if not isinstance(value, list) or not all(
        type(c) is int and 0 < c <= MAX_CARD_ID for c in value
    ):
        raise InvalidInputError("Linked cards must be a list of card numbers.")
    if len(value) > MAX_LINKS:
        raise InvalidInputError(f"An item links at most {MAX_LINKS} cards.")
    return list(dict.fromkeys(value))


_EXPIRY = re.compile(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*")


def card_expiry(value: str) -> str:
    """``MM/YY`` from "7/29", "07/2029" or "07/29"; anything else is refused in one line."""
    match = _EXPIRY.fullmatch(value)
    month = int(match.group(1)) if match else 0
    if match is None or not 1 <= month <= 12:
        raise InvalidInputError("Card expiry must be a month and year like 07/29.")
    return f"{month:02d}/{match.group(2)[-2:]}"


def validate(document: object) -> dict[str, Any]:
    """A clean copy of an item, or one line naming what is wrong (types, fields, Luhn)."""
    if not isinstance(document, dict):
        raise InvalidInputError("An item must be an object with named fields.")
    kind = document.get("kind")
    if kind not in KINDS:
        raise InvalidInputError(f"Item kind must be one of: {', '.join(KINDS)}.")
    allowed = set(FIELDS[kind]) | set(COMMON)
    unknown = sorted(str(k) for k, v in document.items() if k not in allowed and v is not None)
    if unknown:
        raise InvalidInputError(f"A {kind} has no field {clean_text(unknown[0])[:40]!r}.")
    clean: dict[str, Any] = {"kind": kind}
    for name in (*FIELDS[kind], "client"):
        value = document.get(name)
        if value is None or value == "":
            continue
        clean[name] = _text(value, name, MAX_NAME if name in ("name", "client") else MAX_TEXT)
    if not str(clean.get("name", "")).strip():
        raise InvalidInputError("A vault item needs a name.")
    links = document.get("cards")
    if links not in (None, "", []):
        clean["cards"] = _links(links)
    if kind == "card" and clean.get("expiry"):
        clean["expiry"] = card_expiry(clean["expiry"])
    if clean.get("totp"):
        parse_totp(clean["totp"])  # a secret that cannot make codes is refused now, not later
    if kind == "card" and clean.get("number") and not vc.luhn_valid(clean["number"]):
        raise InvalidInputError("That card number fails the Luhn check; check the digits.")
    return clean


def validate_numbered(number: int, document: object) -> dict[str, Any]:
    try:
        return validate(document)
    except InvalidInputError as error:
        label = f"item {number}"
        if isinstance(document, dict):
            kind, name = document.get("kind"), document.get("name")
            if isinstance(kind, str) and kind in KINDS and isinstance(name, str):
                label += f" ({kind} {clean_text(name)[:40]!r})"
        message = str(error)
        raise InvalidInputError(
            f"{label}: {message[0].lower()}{message[1:]} Nothing was imported."
        ) from None
