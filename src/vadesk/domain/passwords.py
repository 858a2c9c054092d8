"""Passphrase strength (zxcvbn) and TOTP codes (RFC 6238)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time

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


def totp_now(secret: str, at: float | None = None, digits: int = 6, period: int = 30) -> str:
    """RFC 6238 code (HMAC-SHA1). Written out because pyotp refuses the common 80-bit secrets
    many sites still issue (16 base32 characters)."""
    cleaned = secret.replace(" ", "").replace("-", "").upper()
    if not cleaned:
        raise InvalidInputError("This item has no TOTP secret.")
    try:
        key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise InvalidInputError("The TOTP secret is not valid base32; check it.") from None
    counter = int((at if at is not None else time.time()) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def totp_seconds_left(at: float | None = None, period: int = 30) -> int:
    now = at if at is not None else time.time()
    return period - int(now) % period
