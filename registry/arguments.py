"""The arguments of the application's commands, each set declared once.

A command that hands its arguments on to an aggregate takes them as one of these TypedDicts
(``**arguments: Unpack[...]``), so the keyword list is written here once and not again in the
method, the call and the aggregate's signature; callers keep calling with keywords.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NotRequired, TypedDict
from uuid import UUID

import msgspec

from domain.values import AspectType, ChampionshipKind, Level

#: a sheet of marks: (competitor, aspect, value)
Marks = Sequence[tuple[UUID, str, str | int | Decimal]]


class AspectInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    criterion: str
    description: str
    max_mark: str
    type: AspectType


# The keywords of the commands that pass them on to an aggregate's method as they are, declared
# once (``**keywords: Unpack[...]``): that method's own signature still refuses a missing or an
# unknown one (TypeError).


class NewParticipant(TypedDict):
    """``register_participant``'s keywords for ``Participant.register``."""

    full_name: str
    organisation_id: UUID
    birth_date: NotRequired[date | None]
    disability: NotRequired[str | None]


class NewChampionship(TypedDict):
    """``create_championship``'s keywords for ``Championship.create``."""

    kind: ChampionshipKind | str
    level: Level | str
    year: int
    region: str
    title_ru: str
    title_kk: str
    starts_on: date
    ends_on: date
    title_en: NotRequired[str | None]
    tie_tolerance: NotRequired[Decimal | str]
    min_competitors_for_medals: NotRequired[int]


class MarkRevision(TypedDict):
    """What a correction and an amendment name: ``correct_mark``'s and ``amend_mark``'s
    keywords for the competition's methods of the same names."""

    competitor_id: UUID
    aspect_id: str
    value: str | int | Decimal
    reason: str
    #: the expert whose judgement score changes (default: the actor's own)
    expert_id: NotRequired[UUID | None]


class NewProgramme(TypedDict):
    """``create_prize_programme``'s keywords for ``PrizeProgramme.create`` (and its
    ``prizes``, which the aggregate calls ``prizes_by_place``)."""

    title_ru: str
    title_kk: str
    year: int
    region: str
    kinds: Sequence[ChampionshipKind | str]
    #: the settings of eligibility that differ from the default (``PrizeProgramme.create``)
    eligibility: NotRequired[Mapping[str, Any] | None]


class EntryDecision(TypedDict):
    """``decide_prize_entry``'s keywords for ``PrizeProgramme.decide``."""

    entry_id: UUID
    decision: str
    reason: NotRequired[str | None]
    awarded_on: NotRequired[date | None]


class AwardDays(TypedDict, total=False):
    """The days an award is checked against, for ``PrizeProgramme.decide``."""

    today: date
    published_on: date | None


class NomineeDecision(TypedDict):
    """``decide_nominee``'s keywords for ``PrizeProgramme.decide_nominee``."""

    nomination_id: UUID
    nominee_id: UUID
    decision: str
    reason: NotRequired[str | None]
