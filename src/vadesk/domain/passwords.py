"""Passphrase strength (zxcvbn) and TOTP codes (RFC 6238)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from vadesk.errors import InvalidInputError

MIN_SCORE = 3  # zxcvbn 0-4: 3 = "safely unguessable: moderate protection from offline attack"


def strength(passphrase: str) -> tuple[int, str]:
    """(score 0-4, one-line advice) for a passphrase being typed."""
    from zxcvbn import zxcvbn

    if not passphrase:
        return 0, "Type a passphrase: several unrelated words work well."
    result = zxcvbn(passphrase[:128])
    score = int(result["score"])
    feedback = result.get("feedback", {})
    advice = feedback.get("warning") or " ".join(feedback.get("suggestions", [])[:1])
    crack = result.get("crack_times_display", {}).get("offline_slow_hashing_1e4_per_second", "")
    label = ("very weak", "weak", "fair", "strong", "very strong")[score]
    text = f"{label}" + (f" — cracked in {crack} offline" if crack else "")
    return score, f"{text}. {advice}".strip().rstrip(".") + "."


def check_strength(passphrase: str) -> None:
    score, advice = strength(passphrase)
    if score < MIN_SCORE:
        raise InvalidInputError(f"Passphrase too weak ({advice}) Use four or more unrelated words.")


ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


@dataclass(frozen=True)
class TotpSpec:
    """How to make a site's codes: its key, hash, number of digits and period in seconds."""

    key: bytes = field(repr=False)
    algorithm: str = "SHA1"
    digits: int = 6
    period: int = 30


def _base32(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").replace("-", "").upper().rstrip("=")
    if not cleaned:
        raise InvalidInputError("This item has no TOTP secret.")
    try:
        key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise InvalidInputError("The TOTP secret is not valid base32; check it.") from None
    if not key:
        raise InvalidInputError("The TOTP secret is empty; check it.")
    return key


def parse_totp(value: str) -> TotpSpec:
    """A base32 secret, or an ``otpauth://totp/...`` URI as Bitwarden and KeePassXC export it
    (with ``algorithm`` SHA1/SHA256/SHA512, ``digits`` 6 or 8 and ``period``)."""
    text = value.strip()
    if not text.lower().startswith("otpauth:"):
        return TotpSpec(_base32(text))
    parts = urlsplit(text)
    if parts.netloc.lower() != "totp":
        raise InvalidInputError(
            f"Only time-based codes (otpauth://totp/...) are supported, not {parts.netloc!r}."
        )
    query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    algorithm = query.get("algorithm", "SHA1").upper().replace("-", "")
    if algorithm not in ALGORITHMS:
        raise InvalidInputError(
            f"TOTP algorithm {algorithm[:20]!r} is not supported; use SHA1, SHA256 or SHA512."
        )
    try:
        digits = int(query.get("digits", "6"))
        period = int(query.get("period", "30"))
    except ValueError:
        raise InvalidInputError("TOTP digits and period must be whole numbers.") from None
    if digits not in (6, 7, 8):
        raise InvalidInputError(f"TOTP codes have 6 or 8 digits, not {digits}.")
    if not 1 <= period <= 3600:
        raise InvalidInputError(f"A TOTP period of {period} seconds is not plausible.")
    return TotpSpec(_base32(query.get("secret", "")), algorithm, digits, period)


def totp_code(spec: TotpSpec, at: float | None = None) -> str:
    """RFC 6238. Written out because pyotp refuses the common 80-bit secrets many sites still
    issue (16 base32 characters)."""
    counter = int((at if at is not None else time.time()) // spec.period)
    digest = hmac.new(spec.key, struct.pack(">Q", counter), ALGORITHMS[spec.algorithm]).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**spec.digits
    return f"{code:0{spec.digits}d}"


def totp_now(secret: str, at: float | None = None, digits: int | None = None) -> str:
    """The current code for a stored secret (base32 or otpauth URI); ``digits`` overrides."""
    spec = parse_totp(secret)
    if digits is not None:
        spec = TotpSpec(spec.key, spec.algorithm, digits, spec.period)
    return totp_code(spec, at)


def totp_seconds_left(at: float | None = None, period: int = 30, secret: str | None = None) -> int:
    """Seconds until the code changes; ``secret`` (base32 or otpauth URI) gives the period."""
    if secret is not None:
        period = parse_totp(secret).period
    now = at if at is not None else time.time()
    return period - int(now) % period
