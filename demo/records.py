"""The demo's records: the row types of the demo tables (:mod:`demo.data`,
:mod:`demo.data_2026`), a championship's competitions from its one-line rows
(:func:`competitions`), and how a record becomes a command's arguments: the tables mirror
the commands' arguments (:func:`same_named`), measurements are written with two decimals
(:func:`two`). Shared by :mod:`demo.history` and :mod:`demo.history_2026`."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import msgspec

RegionCode = Literal["VKO", "AST", "ALA", "KAR", "PAV", "ABA", "AKM"]
OrganisationKindCode = Literal["college", "university", "enterprise", "state_body"]
ChampionshipKindCode = Literal["worldskills", "agroskills", "abilympics"]
LevelCode = Literal["regional", "republican", "international"]
CategoryCode = Literal["main", "juniors", "schoolchildren", "students", "specialists"]
AspectTypeCode = Literal["measurement", "judgement"]
CriterionCode = Literal["A", "B", "C", "D", "E"]
#: How far the demo takes a competition: ``setup_partial`` (scheme set, the first entrants
#: registered, only the chief assigned), ``setup`` (entrants and experts, no scheme yet),
#: ``marking`` (day one marked, day two under way), ``disputed`` (all marked, one judgement
#: aspect disputed, the experts signed off), ``locked`` (all marked, signed off, locked,
#: waiting for publication), ``published`` (the whole story, as in 2025).
StageCode = Literal["setup_partial", "setup", "marking", "disputed", "locked", "published"]


class DemoOrganisation(msgspec.Struct, frozen=True):
    key: str
    name_ru: str
    name_kk: str
    kind: OrganisationKindCode
    region: RegionCode


class DemoAspect(msgspec.Struct, frozen=True):
    id: str
    criterion: CriterionCode
    description: str
    max_mark: str
    type: AspectTypeCode


class DemoCompetency(msgspec.Struct, frozen=True):
    code: str
    title_ru: str
    title_kk: str
    kind: ChampionshipKindCode
    scheme: tuple[DemoAspect, ...]


class DemoPerson(msgspec.Struct, frozen=True):
    key: str
    full_name: str
    organisation: str
    birth_date: str
    disability: str | None = None


class DemoExpert(msgspec.Struct, frozen=True):
    key: str
    name: str
    organisation: str


class DemoCompetition(msgspec.Struct, frozen=True):
    competency: str
    category: CategoryCode
    competitors: tuple[str, ...]
    chief: str
    experts: tuple[str, ...]
    #: how far the demo takes it (``STAGES``); every 2025 competition is published
    stage: StageCode = "published"


class DemoChampionship(msgspec.Struct, frozen=True):
    key: str
    kind: ChampionshipKindCode
    level: LevelCode
    year: int
    region: RegionCode
    title_ru: str
    title_kk: str
    title_en: str | None
    starts_on: str
    ends_on: str
    tie_tolerance: str
    min_competitors_for_medals: int
    competitions: tuple[DemoCompetition, ...]


class DemoNomination(msgspec.Struct, frozen=True):
    key: str
    title_ru: str
    title_kk: str
    winners: tuple[str, ...]
    citation: str


def competitions(*rows: tuple[str, CategoryCode, str, str, str]) -> tuple[DemoCompetition, ...]:
    """The competitions of a championship from its table rows."""
    return tuple(
        DemoCompetition(
            competency, category, tuple(competitors.split()), chief, tuple(experts.split())
        )
        for competency, category, competitors, chief, experts in rows
    )


#: the fields of a demo championship that ``create_championship`` takes as they are
CHAMPIONSHIP_AS_IS = (
    "kind",
    "level",
    "year",
    "region",
    "title_ru",
    "title_kk",
    "title_en",
    "tie_tolerance",
    "min_competitors_for_medals",
)


def two(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def same_named(record: msgspec.Struct, *names: str) -> dict[str, Any]:
    """The fields ``names`` of a demo record, passed as they are to a command whose
    arguments bear the same names (the demo tables mirror the commands)."""
    return {name: getattr(record, name) for name in names}
