"""Value types shared by aggregates, rules, projections and the API.

Marks are ``Decimal`` with exactly two places; no float ever touches one. ``parse_mark`` and
``parse_score`` accept exactly what API.md promises (``"7.50"``; a judgement score 0-3).
Dates the registry checks (an award's) are dates in Kazakhstan (``LOCAL_TIME``, UTC+5).
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import msgspec

from domain.errors import N_, DomainError

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100.00")


#: Kazakhstan's time (one zone, UTC+5, since 1 March 2024): "today" and the day a result was
#: published are days there, not in UTC (a result published at 22:00 UTC is the next day).
LOCAL_TIME = timezone(timedelta(hours=5), "UTC+05:00")


def local_date(moment: datetime) -> date:
    """The day in Kazakhstan at ``moment`` (an aware datetime)."""
    return moment.astimezone(LOCAL_TIME).date()


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


#: A mark as the contract writes it (API.md): ASCII digits, no sign, no leading zero, no
#: exponent, white space or ``_``, and at most two places (``"7"``, ``"7.5"``, ``"7.50"``).
#: ``[0-9]``, not ``\d``: ``\d`` would match Arabic-Indic and full-width digits.
MARK_PATTERN = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]{1,2})?")
#: The judgement scores (RULES.md): a whole number 0-3.
SCORES = range(4)

#: strings already parsed (a championship's marks repeat a few thousand values); bounded
_PARSED: dict[str, Decimal] = {}
_PARSED_MAX = 8192
_MAX_DIGITS = 32
_LIMIT = Decimal("1e9")


def parse_mark(raw: object, *, field: str = "value") -> Decimal:
    """A measurement mark, a maximum mark or a tolerance as a Decimal with exactly 2 places.

    A string must match ``MARK_PATTERN`` exactly: ``" 1.00"``, ``"+1.00"``, ``"1e0"``,
    ``".5"``, ``"1."``, ``"0_1"``, ``"-0.00"``, ``"7.555"`` and non-ASCII digits are refused
    (``invalid-input``), so nothing is rounded or reinterpreted silently. A ``Decimal`` (the
    registry's own callers: demo, benchmarks) must be finite, not negative, with at most two
    places. Anything else (an int, a float, a bool) is refused: the contract's marks are
    strings. Values of 10^9 or more are ``out-of-range``.
    """
    if type(raw) is str:
        known = _PARSED.get(raw)
        if known is not None:
            return known
        value = _parse_text(raw, field)
        if len(_PARSED) < _PARSED_MAX:
            _PARSED[raw] = value
        return value
    if isinstance(raw, Decimal):
        return _checked_decimal(raw, field)
    raise DomainError(
        "invalid-input",
        '%(field)s: expected a decimal string like "7.50"',
        params={"field": field},
    )


def _parse_text(raw: str, field: str) -> Decimal:
    if len(raw) > _MAX_DIGITS or MARK_PATTERN.fullmatch(raw) is None:
        raise DomainError(
            "invalid-input",
            '%(field)s: %(value)s is not a decimal string like "7.50" (ASCII digits, '
            "at most two places, no sign, spaces or exponent)",
            params={"field": field, "value": _shown(raw)},
        )
    value = Decimal(raw)
    if value >= _LIMIT:
        raise DomainError(
            "out-of-range",
            "%(field)s: %(value)s is out of range",
            params={"field": field, "value": _shown(raw)},
        )
    return value.quantize(TWO_PLACES)


def _checked_decimal(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or value.is_signed():
        raise DomainError(
            "invalid-input",
            "%(field)s: %(value)s is not a mark (0 or more)",
            params={"field": field, "value": value},
        )
    if value >= _LIMIT:
        raise DomainError(
            "out-of-range",
            "%(field)s: %(value)s is out of range",
            params={"field": field, "value": value},
        )
    if value != value.quantize(TWO_PLACES):
        raise DomainError(
            "invalid-input",
            "%(field)s: %(value)s has more than two decimal places",
            params={"field": field, "value": value},
        )
    return value.quantize(TWO_PLACES)


def parse_score(raw: object, *, field: str = "value") -> Decimal:
    """A judgement score: a JSON integer 0-3 (API.md), as a Decimal with no places.

    Not a float (``3.0``), not a bool, not a string (``"2"``: the contract promises integers,
    and a measurement-like ``"2.00"`` sent to a judgement aspect is a client's mistake worth
    an answer). A ``Decimal`` holding a whole number is accepted from the registry's own
    callers. An integer outside 0-3 is ``out-of-range``.
    """
    if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        raw = int(raw)
    if type(raw) is not int:
        raise _not_a_score(raw, field)
    if raw not in SCORES:
        raise DomainError(
            "out-of-range",
            "%(field)s: a judgement score is 0-3, not %(value)s",
            params={"field": field, "value": _shown(raw)},
        )
    return Decimal(raw)


def _shown(raw: object) -> str:
    """A refused value as a message shows it: short, and escaped (``ascii``: invisible and
    non-ASCII digits become visible)."""
    text = ascii(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _not_a_score(raw: object, field: str) -> DomainError:
    """The refusal of a score that is not an integer, saying what was sent instead."""
    if isinstance(raw, bool):
        template = N_("%(field)s: a judgement score is a JSON integer 0-3, not a boolean")
    elif isinstance(raw, str):
        template = N_(
            "%(field)s: a judgement score is a JSON integer 0-3, not the string %(value)s"
        )
    elif isinstance(raw, float):
        template = N_(
            "%(field)s: a judgement score is a JSON integer 0-3, not the number %(value)s"
        )
    else:
        template = N_("%(field)s: a judgement score is a JSON integer 0-3, not %(value)s")
    shown = repr(raw) if isinstance(raw, float) else _shown(raw)
    return DomainError("invalid-input", template, params={"field": field, "value": shown})


def round_half_up(value: Decimal, places: Decimal = TWO_PLACES) -> Decimal:
    """Round half-up (away from zero on an exact half) to ``places``."""
    return value.quantize(places, rounding=ROUND_HALF_UP)
