"""Certificate codes (RULES.md "Certificates", issue 16): short, unguessable, checkable by eye.

A certificate attests one honour: a medal of a given colour or a Medallion for Excellence of a
competitor in a competition, or an awarded prize entry of a prize programme. Its **identity**
(:func:`medal_identity`, :func:`medallion_identity`, :func:`prize_identity`) names exactly that
honour, so the same honour always has the same code, in every process and after every rebuild
of the views; a medal of another colour (after an amendment) is another certificate.

The **code** is ``HMAC-SHA256(key, "registry-certificate/v1" NUL identity)`` under the
registry's secret key (32 random bytes made once per store, ``store/certificate_key.py``),
its first 90 bits written as 18 characters of Crockford's base32 (``0-9 A-Z`` without
``I L O U``), then two **check characters**: the 90-bit number modulo the prime 1021, written
in the same alphabet. Shown in four groups of five: ``7QX2M-K9D3P-W4R8T-0ABH5``.

* 90 bits cannot be guessed: a forger trying a billion codes a second against a registry
  of a million certificates hits one of them once in about 39,000 years.
* The check characters tell a mistyped code from a forged one without asking the registry:
  every change of one character, and every swap of two neighbouring characters, changes the
  number by ``d·32^k`` or ``d·31·32^k`` (``0 < |d| < 32``), never a multiple of the prime
  1021, so it is caught. A code made up at random passes the check once in 1021 tries; it is
  then refused as unknown (it names no certificate) — the check is public, the key is not.
* Reading is forgiving as Crockford's base32 is: lower case, spaces and hyphens anywhere,
  ``O`` read as ``0``, ``I`` and ``L`` as ``1``.

Pure: no I/O, no clock; the key is the caller's.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from uuid import UUID

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_VALUE.update({"O": 0, "I": 1, "L": 1})
#: characters of the code that carry the HMAC (90 bits)
DATA_CHARS = 18
BITS = DATA_CHARS * 5
#: the check characters' modulus: a prime below 32² (two characters)
CHECK_MODULUS = 1021
CHECK_CHARS = 2
LENGTH = DATA_CHARS + CHECK_CHARS
GROUP = 5
#: the longest text accepted as a code (hyphens and spaces included)
MAX_TEXT = 64
_DOMAIN = b"registry-certificate/v1\x00"


class Kind(enum.StrEnum):
    MEDAL = "medal"
    MEDALLION = "medallion"
    PRIZE = "prize"


class CodeRefused(ValueError):
    """A text that is not a certificate code: ``malformed`` (not 20 characters of the
    alphabet) or ``mistyped`` (well formed, but its check characters do not match)."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason} certificate code: {text[:MAX_TEXT]!r}")
        self.reason = reason


def medal_identity(competition_id: UUID, competitor_id: UUID, medal: str) -> str:
    return f"medal/{competition_id}/{competitor_id}/{medal}"


def medallion_identity(competition_id: UUID, competitor_id: UUID) -> str:
    return f"medallion/{competition_id}/{competitor_id}"


def prize_identity(programme_id: UUID, entry_id: UUID) -> str:
    return f"prize/{programme_id}/{entry_id}"


def _encode(value: int, chars: int) -> str:
    return "".join(ALPHABET[(value >> (5 * (chars - 1 - i))) & 31] for i in range(chars))


def _check(data: int) -> str:
    return _encode(data % CHECK_MODULUS, CHECK_CHARS)


def code_for(key: bytes, identity: str) -> str:
    """The compact code (20 characters, no hyphens) of the certificate ``identity``."""
    if len(key) < 32:
        raise ValueError("a certificate key has at least 32 bytes")
    digest = hmac.new(key, _DOMAIN + identity.encode(), hashlib.sha256).digest()
    data = int.from_bytes(digest, "big") >> (256 - BITS)
    return _encode(data, DATA_CHARS) + _check(data)


def grouped(code: str) -> str:
    """A compact code as people read it: four groups of five, joined by hyphens."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def parse_code(text: str) -> str:
    """The compact code a person typed (any case, hyphens and spaces anywhere, O for 0, I and
    L for 1), checked; :class:`CodeRefused` when it is not a certificate code."""
    if len(text) > MAX_TEXT:
        raise CodeRefused("malformed", text)
    cleaned = "".join(ch for ch in text.upper() if ch not in "- \t")
    if len(cleaned) != LENGTH or any(ch not in _VALUE for ch in cleaned):
        raise CodeRefused("malformed", text)
    canonical = "".join(ALPHABET[_VALUE[ch]] for ch in cleaned)
    data = 0
    for ch in canonical[:DATA_CHARS]:
        data = (data << 5) | _VALUE[ch]
    if _check(data) != canonical[DATA_CHARS:]:
        raise CodeRefused("mistyped", text)
    return canonical
