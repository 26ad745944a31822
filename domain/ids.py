"""Deterministic ids from natural keys (``uuid5``), so a repeated create is detected."""

from __future__ import annotations

import unicodedata
from datetime import date
from hashlib import sha1
from uuid import UUID, SafeUUID

from domain.errors import DomainError

#: Namespace of every id the registry derives. Never change it: ids are stored.
NAMESPACE = UUID("0b6f7a52-5d0e-5c7e-9a4e-2f1f6b1d7c25")
_NAMESPACE_BYTES = NAMESPACE.bytes
#: RFC 4122's variant and version 5 bits, as ``UUID(..., version=5)`` sets them
_KEPT_BITS = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_5_BITS = (0x8000 << 48) | (5 << 76)
_UNKNOWN = SafeUUID.unknown  # an enum member's lookup costs a Python call
_new, _set = object.__new__, object.__setattr__


def _uuid5(name: str) -> UUID:
    """``uuid5(NAMESPACE, name)``: the same SHA-1 and bits, made without ``UUID.__init__``'s
    argument checks (five times the hash's cost; a spreadsheet's dry run derives an id per
    row). ``tests/domain/test_fast_ids.py`` compares it with ``uuid5``."""
    digest = sha1(_NAMESPACE_BYTES + name.encode()).digest()
    made = _new(UUID)
    _set(made, "int", (int.from_bytes(digest[:16], "big") & _KEPT_BITS) | _VERSION_5_BITS)
    _set(made, "is_safe", _UNKNOWN)
    return made


def normalise_name(text: str) -> str:
    """NFC, collapsed white space, case-folded: the comparable form of a name."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


#: Characters no name or text of the registry may hold: the Unicode categories ``C*``, i.e.
#: controls (Cc: NUL, ESC...), format characters (Cf: zero-width space and joiners, soft
#: hyphen, BOM, bidi embeddings, overrides and isolates U+202A-202E, U+2066-2069), lone
#: surrogates (Cs), private use (Co) and unassigned code points (Cn). Kazakh and Russian need
#: none of them (Ә Ғ Қ Ң Ө Ұ Ү Һ І are letters, Lu/Ll). Tabs and line breaks are the only
#: controls let through: they are white space, collapsed to one space like any other.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def clean_text(text: str, field: str = "text") -> str:
    """NFC with collapsed white space: the stored form of a name or title.

    Refuses (``invalid-input`` naming ``field``) text holding an invisible or control
    character, which would make two names that look the same different (or reorder what a
    reader sees). The check runs on the NFC form, which is what is stored.
    """
    normal = unicodedata.normalize("NFC", text)
    if not normal.isprintable():  # fast path: printable text has no C* character
        for char in normal:
            if char not in _ALLOWED_CONTROLS and unicodedata.category(char)[0] == "C":
                raise DomainError(
                    "invalid-input",
                    "%(field)s: must not contain invisible or control characters "
                    "(U+%(code)s %(name)s)",
                    params={
                        "field": field,
                        "code": format(ord(char), "04X"),
                        "name": unicodedata.name(char, "unnamed"),
                    },
                )
    return " ".join(normal.split())


def organisation_id(region: str, name_ru: str) -> UUID:
    return _uuid5(f"organisation/{region.upper()}/{normalise_name(name_ru)}")


def participant_id(organisation: UUID, full_name: str, birth_date: date | None) -> UUID:
    """The id of a person registered before issue 15 (every stored id), and of a person the
    organiser says is new although a namesake exists (``new_person``): the registering
    organisation tells the two apart."""
    born = birth_date.isoformat() if birth_date else ""
    return _uuid5(f"participant/{organisation}/{normalise_name(full_name)}/{born}")


def person_id(full_name: str, birth_date: date | None) -> UUID:
    """The id of a person registered since issue 15: their name and birth date, not their
    organisation (which is recorded per competition entry)."""
    born = birth_date.isoformat() if birth_date else ""
    return _uuid5(f"person/{normalise_name(full_name)}/{born}")


def championship_id(kind: str, level: str, year: int, region: str) -> UUID:
    return _uuid5(f"championship/{kind}/{level}/{year}/{region.upper()}")


def competition_id(championship: UUID, code: str, category: str) -> UUID:
    return _uuid5(f"competition/{championship}/{code.lower()}/{category}")


def programme_id(region: str, year: int, title_ru: str) -> UUID:
    return _uuid5(f"programme/{region.upper()}/{year}/{normalise_name(title_ru)}")


def account_id(name: str) -> UUID:
    return _uuid5(f"account/{normalise_name(name)}")


#: The actor of events recorded by the registry itself (CLI bootstrap, demo loader).
SYSTEM_ACTOR = _uuid5("account/system")

#: The actor of the prize policy's automatic proposals (RULES.md "Prizes and nominations").
PRIZE_POLICY_ACTOR = _uuid5("account/prize-policy")

#: The actors that are the registry itself, not accounts: a short name (the audit feed's
#: ``actor.name``) and the name shown to people in histories.
PSEUDO_ACTORS: dict[UUID, tuple[str, str]] = {
    SYSTEM_ACTOR: ("system", "Система (начальная настройка)"),
    PRIZE_POLICY_ACTOR: (
        "prize policy",
        "Автоматическое предложение по результатам (политика призов)",
    ),
}
