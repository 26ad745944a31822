"""Value types shared by aggregates, rules, projections and the API.

Marks are ``Decimal`` with exactly two places; no float ever touches one.
"""

from __future__ import annotations

import enum
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from uuid import UUID

import msgspec

from domain.errors import DomainError

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100.00")


class ChampionshipKind(enum.StrEnum):
    WORLDSKILLS = "worldskills"
    AGROSKILLS = "agroskills"
    ABILYMPICS = "abilympics"


class Level(enum.StrEnum):
    REGIONAL = "regional"
    REPUBLICAN = "republican"
    INTERNATIONAL = "international"


class Category(enum.StrEnum):
    MAIN = "main"
    JUNIORS = "juniors"
    SCHOOLCHILDREN = "schoolchildren"
    STUDENTS = "students"
    SPECIALISTS = "specialists"


#: How a category is named in Russian (prize reasons, the CSV export).
CATEGORY_RU: dict[str, str] = {
    Category.MAIN: "основная",
    Category.JUNIORS: "юниоры",
    Category.SCHOOLCHILDREN: "школьники",
    Category.STUDENTS: "студенты",
    Category.SPECIALISTS: "специалисты",
}


#: Categories a competition of each kind may have (RULES.md "Who and what").
CATEGORIES_BY_KIND: dict[ChampionshipKind, frozenset[Category]] = {
    ChampionshipKind.WORLDSKILLS: frozenset({Category.MAIN, Category.JUNIORS}),
    ChampionshipKind.AGROSKILLS: frozenset({Category.MAIN}),
    ChampionshipKind.ABILYMPICS: frozenset(
        {Category.SCHOOLCHILDREN, Category.STUDENTS, Category.SPECIALISTS}
    ),
}


class OrganisationKind(enum.StrEnum):
    COLLEGE = "college"
    UNIVERSITY = "university"
    ENTERPRISE = "enterprise"
    STATE_BODY = "state_body"


class AspectType(enum.StrEnum):
    MEASUREMENT = "measurement"
    JUDGEMENT = "judgement"


class ExpertRole(enum.StrEnum):
    CHIEF = "chief"
    EXPERT = "expert"


class CompetitionStatus(enum.StrEnum):
    SETUP = "setup"
    MARKING = "marking"
    LOCKED = "locked"
    PUBLISHED = "published"


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    CHIEF_EXPERT = "chief_expert"
    EXPERT = "expert"
    AKIMAT = "akimat"
    AUDITOR = "auditor"


class Medal(enum.StrEnum):
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"


class Aspect(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One aspect of a marking scheme."""

    id: str
    criterion: str
    description: str
    max_mark: Decimal
    type: AspectType


class MarkValue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One mark as recorded in an event.

    ``expert_id`` is the account whose mark this is. For a measurement aspect the value
    is a decimal with two places; for a judgement aspect it is the integer score 0-3
    (a Decimal with no places).
    """

    competitor_id: UUID
    aspect_id: str
    expert_id: UUID
    value: Decimal


#: strings already parsed (a championship's marks repeat a few thousand values); bounded
_PARSED: dict[str, Decimal] = {}
_PARSED_MAX = 8192
_LIMIT = Decimal("1e9")


def parse_mark(raw: str | int | Decimal, *, field: str = "value") -> Decimal:
    """Parse a mark given as a decimal string into a Decimal with exactly 2 places.

    Refuses NaN, infinities, exponents that do not fit, and more than two places
    (``"7.555"``), so that nothing is rounded silently.
    """
    if type(raw) is str:
        known = _PARSED.get(raw)
        if known is not None:
            return known
        value = _parse(raw, field)
        if len(_PARSED) < _PARSED_MAX:
            _PARSED[raw] = value
        return value
    return _parse(raw, field)


def _parse(raw: str | int | Decimal, field: str) -> Decimal:
    if isinstance(raw, bool):
        raise DomainError("invalid-input", f"{field}: expected a decimal string")
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if not text or len(text) > 32:
            raise DomainError("invalid-input", f"{field}: expected a decimal string like '7.50'")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise DomainError(
                "invalid-input", f"{field}: {raw!r} is not a decimal number"
            ) from None
    else:
        raise DomainError("invalid-input", f"{field}: expected a decimal string")
    if not value.is_finite():
        raise DomainError("invalid-input", f"{field}: {raw!r} is not a finite number")
    if abs(value) >= _LIMIT:
        raise DomainError("out-of-range", f"{field}: {raw!r} is out of range")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -2 and value != value.quantize(TWO_PLACES):
        raise DomainError("invalid-input", f"{field}: {raw!r} has more than two decimal places")
    return value.quantize(TWO_PLACES)


def round_half_up(value: Decimal, places: Decimal = TWO_PLACES) -> Decimal:
    """Round half-up (away from zero on an exact half) to ``places``."""
    return value.quantize(places, rounding=ROUND_HALF_UP)
