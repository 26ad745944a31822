"""Standings of one competition, computed from its state with the pure rules of ``scoring``.

The live views, the time-travel queries (a competition replayed up to a position) and the CLI
all call :func:`standings` — one implementation, so they can never disagree.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import msgspec

from domain import scoring
from domain.competition import Competition
from domain.prizes import Placing
from domain.values import CompetitionStatus


class Progress(msgspec.Struct, frozen=True):
    entered: int
    expected: int


class Disputed(msgspec.Struct, frozen=True):
    competitor_id: UUID
    full_name: str
    aspect_id: str
    scores: tuple[int, ...]
    #: who gave each score (same order as ``scores``): shown to the chief, organisers and
    #: auditors only (``api.results``), never to the public
    expert_ids: tuple[UUID, ...] = ()


class Standings(msgspec.Struct, frozen=True):
    competition_id: UUID
    status: CompetitionStatus
    version: int
    rows: tuple[scoring.ResultRow, ...]
    progress: Progress
    disputed: tuple[Disputed, ...]


def standings(competition: Competition) -> Standings:
    """Rank, medals, scaled scores and medallions of every entrant, as the marks stand.

    While marking is under way totals are provisional: an aspect counts once it has its
    mark (a judgement aspect once all three scores are in). Medals and medallions are
    computed the same way at every stage; only published standings are official.
    """
    entries = []
    results = competition.results()
    for entrant in competition.entrants.values():
        total, criteria = results[entrant.participant_id]
        entries.append(
            scoring.ResultInput(
                competitor_id=entrant.participant_id,
                full_name=entrant.full_name,
                organisation_id=entrant.organisation_id,
                region=entrant.region,
                total=total,
                criteria=dict(criteria),
            )
        )
    rows = scoring.compute_results(
        entries,
        kind=competition.kind,
        tie_tolerance=Decimal(competition.tie_tolerance),
        min_competitors_for_medals=competition.min_competitors_for_medals,
    )
    disputed = tuple(
        Disputed(
            competitor_id=competitor_id,
            full_name=competition.entrants[competitor_id].full_name,
            aspect_id=aspect_id,
            scores=tuple(competition.judgements[(competitor_id, aspect_id)].values()),
            expert_ids=tuple(competition.judgements[(competitor_id, aspect_id)]),
        )
        for competitor_id, aspect_id in competition.disputed()
    )
    return Standings(
        competition_id=competition.id,
        status=competition.status,
        version=competition.version,
        rows=tuple(rows),
        progress=Progress(competition.marks_present(), competition.marks_expected()),
        disputed=disputed,
    )


def placings(competition: Competition) -> list[Placing]:
    """Every entrant's place (their rank in :func:`standings`) with what prize eligibility
    looks at. The prize policy and its tests call this, so a place behind a prize entry is
    always the place the standings show."""
    return [
        Placing(
            championship_id=competition.championship_id,
            competition_id=competition.id,
            competitor_id=row.competitor_id,
            full_name=row.full_name,
            organisation_id=row.organisation_id,
            region=row.region,
            kind=competition.kind,
            level=competition.level,
            place=row.rank,
        )
        for row in standings(competition).rows
    ]
