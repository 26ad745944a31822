"""Read-side shapes: msgspec Structs returned by the queries, shaped as API.md "Results".

Marks and totals are strings with two decimals (``"7.50"``) so no float ever touches a result;
ids are UUIDs (encoded as strings); dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec


class ChampionshipSummary(msgspec.Struct, frozen=True):
    id: UUID
    kind: str
    level: str
    year: int
    region: str
    title_ru: str
    title_kk: str
    title_en: str | None
    starts_on: date
    ends_on: date
    tie_tolerance: str
    min_competitors_for_medals: int
    competitions: int
    published: int


class CompetitionSummary(msgspec.Struct, frozen=True):
    id: UUID
    code: str
    title_ru: str
    title_kk: str
    category: str
    status: str
    entrants: int
    marks_entered: int
    marks_expected: int


class ChampionshipDetail(msgspec.Struct, frozen=True):
    id: UUID
    kind: str
    level: str
    year: int
    region: str
    title_ru: str
    title_kk: str
    title_en: str | None
    starts_on: date
    ends_on: date
    tie_tolerance: str
    min_competitors_for_medals: int
    competitions: list[CompetitionSummary]
    version: int


class AspectOut(msgspec.Struct, frozen=True):
    id: str
    criterion: str
    description: str
    max_mark: str
    type: str


class EntrantOut(msgspec.Struct, frozen=True):
    competitor_id: UUID
    full_name: str
    organisation_id: UUID
    organisation: str
    region: str


class ExpertOut(msgspec.Struct, frozen=True):
    account_id: UUID
    name: str
    role: str
    organisation_id: UUID


class Progress(msgspec.Struct, frozen=True):
    entered: int
    expected: int


class CompetitionDetail(msgspec.Struct, frozen=True):
    id: UUID
    championship_id: UUID
    code: str
    title_ru: str
    title_kk: str
    category: str
    kind: str
    level: str
    status: str
    scheme: list[AspectOut]
    entrants: list[EntrantOut]
    experts: list[ExpertOut]
    progress: Progress
    version: int


class StandingRow(msgspec.Struct, frozen=True):
    rank: int
    competitor_id: UUID
    full_name: str
    organisation_id: UUID
    organisation: str
    region: str
    total: str
    scaled_score: int | None
    medal: str | None
    medallion: bool
    criteria: dict[str, str]


class DisputedOut(msgspec.Struct, frozen=True):
    competitor_id: UUID
    full_name: str
    aspect_id: str
    scores: list[int]


class StandingsOut(msgspec.Struct, frozen=True):
    competition_id: UUID
    championship_id: UUID
    status: str
    as_of_position: int
    rows: list[StandingRow]
    disputed: list[DisputedOut]
    progress: Progress
    scaled_score_formula: str | None = None
    scaled_score_formula_version: int | None = None


class MedalsByOrganisation(msgspec.Struct, frozen=True):
    organisation_id: UUID
    name_ru: str
    name_kk: str
    region: str
    gold: int
    silver: int
    bronze: int
    medallions: int
    points: int


class MedalsByRegion(msgspec.Struct, frozen=True):
    region: str
    gold: int
    silver: int
    bronze: int
    medallions: int
    points: int


class BestOfRegionOut(msgspec.Struct, frozen=True):
    region: str
    competitor_id: UUID
    full_name: str
    score: str


class MedalsOut(msgspec.Struct, frozen=True):
    championship_id: UUID
    as_of_position: int
    by_organisation: list[MedalsByOrganisation]
    by_region: list[MedalsByRegion]
    best_of_region: list[BestOfRegionOut]


class ParticipantResult(msgspec.Struct, frozen=True):
    championship_id: UUID
    championship_title_ru: str
    championship_title_kk: str
    level: str
    year: int
    competition_id: UUID
    competition_title_ru: str
    competition_title_kk: str
    category: str
    status: str
    rank: int
    total: str
    scaled_score: int | None
    medal: str | None
    medallion: bool


class ParticipantResults(msgspec.Struct, frozen=True):
    participant_id: UUID
    full_name: str
    organisation_id: UUID
    organisation: str
    region: str
    results: list[ParticipantResult]


class AuditEntry(msgspec.Struct, frozen=True):
    position: int
    time: str
    actor: UUID
    actor_name: str | None
    type: str
    aggregate_id: UUID
    version: int
    reason: str | None = None
