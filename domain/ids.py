"""Deterministic ids from natural keys (``uuid5``), so a repeated create is detected."""

from __future__ import annotations

import unicodedata
from datetime import date
from uuid import UUID, uuid5

#: Namespace of every id the registry derives. Never change it: ids are stored.
NAMESPACE = UUID("0b6f7a52-5d0e-5c7e-9a4e-2f1f6b1d7c25")


def normalise_name(text: str) -> str:
    """NFC, collapsed white space, case-folded: the comparable form of a name."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def clean_text(text: str) -> str:
    """NFC with collapsed white space: the stored form of a name or title."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def organisation_id(region: str, name_ru: str) -> UUID:
    return uuid5(NAMESPACE, f"organisation/{region.upper()}/{normalise_name(name_ru)}")


def participant_id(organisation: UUID, full_name: str, birth_date: date | None) -> UUID:
    born = birth_date.isoformat() if birth_date else ""
    return uuid5(NAMESPACE, f"participant/{organisation}/{normalise_name(full_name)}/{born}")


def championship_id(kind: str, level: str, year: int, region: str) -> UUID:
    return uuid5(NAMESPACE, f"championship/{kind}/{level}/{year}/{region.upper()}")


def competition_id(championship: UUID, code: str, category: str) -> UUID:
    return uuid5(NAMESPACE, f"competition/{championship}/{code.lower()}/{category}")


def programme_id(region: str, year: int, title_ru: str) -> UUID:
    return uuid5(NAMESPACE, f"programme/{region.upper()}/{year}/{normalise_name(title_ru)}")


def account_id(name: str) -> UUID:
    return uuid5(NAMESPACE, f"account/{normalise_name(name)}")


#: The actor of events recorded by the registry itself (CLI bootstrap, demo loader).
SYSTEM_ACTOR = uuid5(NAMESPACE, "account/system")

#: The actor of the prize policy's automatic proposals (RULES.md "Prizes and nominations").
PRIZE_POLICY_ACTOR = uuid5(NAMESPACE, "account/prize-policy")

#: The actors that are the registry itself, not accounts: a short name (the audit feed's
#: ``actor.name``) and the name shown to people in histories.
PSEUDO_ACTORS: dict[UUID, tuple[str, str]] = {
    SYSTEM_ACTOR: ("system", "Система (начальная настройка)"),
    PRIZE_POLICY_ACTOR: (
        "prize policy",
        "Автоматическое предложение по результатам (политика призов)",
    ),
}
