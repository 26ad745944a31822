"""Read-side shapes: msgspec Structs returned by the queries, shaped as API.md "Results".

Marks and totals are strings with two decimals (``"7.50"``) so no float ever touches a result;
ids are UUIDs (encoded as strings); dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec


class _Championship(msgspec.Struct, frozen=True):
    """The fields of a championship that its summary and its detail share (first, in this
    order)."""

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


class ChampionshipSummary(_Championship, frozen=True):
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


class ChampionshipDetail(_Championship, frozen=True):
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
    #: the organisation's Russian name; ``organisation_kk`` its Kazakh one
    organisation: str
    organisation_kk: str
    region: str


class ExpertOut(msgspec.Struct, frozen=True):
    account_id: UUID
    name: str
    role: str
    organisation_id: UUID
    #: whether the expert's sign-off of their marks holds now (RULES.md "Closing")
    signed_off: bool = False


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
    #: the organisation's Russian name; ``organisation_kk`` its Kazakh one
    organisation: str
    organisation_kk: str
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


class ExpertScore(msgspec.Struct, frozen=True):
    """One expert's score of a disputed judgement aspect."""

    expert_id: UUID
    name: str
    score: int


class DisputedScores(DisputedOut, frozen=True):
    """A disputed aspect as the chief, organisers and auditors see it: also who gave which
    score (``expert_scores``, in the order of ``scores``)."""

    expert_scores: list[ExpertScore]


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
    #: the organisation of this entry (a person who moves keeps one history)
    organisation_id: UUID | None = None
    organisation: str = ""
    organisation_kk: str = ""


class ParticipantResults(msgspec.Struct, frozen=True):
    participant_id: UUID
    full_name: str
    organisation_id: UUID
    organisation: str
    organisation_kk: str
    region: str
    results: list[ParticipantResult]


class ParticipantFound(msgspec.Struct, frozen=True):
    """A person found by name: name, organisation and region only."""

    id: UUID
    full_name: str
    organisation_id: UUID
    organisation: str
    organisation_kk: str
    region: str


class OrganisationOut(msgspec.Struct, frozen=True):
    """An organisation as listed (``GET /api/v1/organisations``)."""

    id: UUID
    name_ru: str
    name_kk: str
    kind: str
    region: str


class AccountListed(msgspec.Struct, frozen=True):
    """An account as the admin lists it: never its token's hash."""

    id: UUID
    name: str
    role: str
    competition_ids: list[UUID]
    revoked: bool


class AuditEntry(msgspec.Struct, frozen=True):
    position: int
    time: str
    actor: UUID
    actor_name: str | None
    type: str
    aggregate_id: UUID
    version: int
    reason: str | None = None


# ---------------------------------------------------------------------- time travel and audit


class ActorOut(msgspec.Struct, frozen=True):
    """Who recorded an event: the account (or the registry itself) and its name."""

    id: UUID
    name: str | None


class EventRef(msgspec.Struct, frozen=True):
    """One stored event of a competition, as an auditor needs to see it."""

    position: int
    time: str
    type: str
    version: int
    actor: ActorOut
    reason: str | None


class MomentOut(msgspec.Struct, frozen=True):
    """One end of a standings diff: ``as_of_position`` as in the standings answer; the
    position, time and version of the competition's last event at that moment, and its
    status then."""

    as_of_position: int
    position: int
    #: null (and version 0) for a moment before the competition existed
    time: str | None
    version: int
    status: str | None


class RowState(msgspec.Struct, frozen=True):
    rank: int
    total: str
    scaled_score: int | None
    medal: str | None
    medallion: bool


class RowChange(msgspec.Struct, frozen=True):
    """A competitor whose rank, total, scaled score, medal or medallion differs between the
    two moments (``before``/``after`` null: not an entrant then)."""

    competitor_id: UUID
    full_name: str
    changed: list[str]
    before: RowState | None
    after: RowState | None


class StandingsDiff(msgspec.Struct, frozen=True):
    competition_id: UUID
    from_: MomentOut = msgspec.field(name="from")
    to: MomentOut
    changes: list[RowChange]
    #: the competition's events after ``from`` up to ``to``, in order
    events: list[EventRef]


class PreviewMark(msgspec.Struct, frozen=True):
    """The mark an amendment changes: who holds it, its value now and the amended one."""

    competitor_id: UUID
    aspect_id: str
    expert_id: UUID
    previous: str
    value: str


class EntryChangeOut(msgspec.Struct, frozen=True):
    """A prize entry an amendment would move (``status_before`` null: it would be newly
    proposed); ``needs_review``: it would be flagged for the akimat's review."""

    programme_id: UUID
    entry_id: UUID
    competitor_id: UUID
    full_name: str
    place_before: int | None
    place_after: int
    status_before: str | None
    status_after: str
    needs_review: bool


class AmendmentPreviewOut(msgspec.Struct, frozen=True):
    """What an amendment would change; nothing is recorded. ``as_of_position``: the head
    the preview was computed at; ``changes``: as in a standings diff."""

    competition_id: UUID
    as_of_position: int
    mark: PreviewMark
    changes: list[RowChange]
    prize_entries: list[EntryChangeOut]


class MarkChange(msgspec.Struct, frozen=True):
    """One value a mark had: ``kind`` is ``entered``, ``corrected`` or ``amended``."""

    value: str
    kind: str
    previous: str | None
    position: int
    time: str
    version: int
    actor: ActorOut
    reason: str | None


class MarkHistory(msgspec.Struct, frozen=True):
    """A mark (competitor × aspect × expert who holds it) with every value it ever had."""

    competitor_id: UUID
    full_name: str
    aspect_id: str
    criterion: str
    aspect_type: str
    expert_id: UUID
    expert_name: str | None
    value: str
    values: list[MarkChange]


class CompetitionMarks(msgspec.Struct, frozen=True):
    competition_id: UUID
    status: str
    version: int
    as_of_position: int
    marks: list[MarkHistory]


# ------------------------------------------------------------------ certificates (issue 16)


class CertifiedResult(msgspec.Struct, frozen=True):
    """A competitor's result as a certificate attests it, or as it stands now. For a prize:
    ``rank`` is the place behind the entry, the rest is not given."""

    rank: int | None
    total: str | None = None
    scaled_score: int | None = None
    medal: str | None = None
    medallion: bool = False


class CertifiedPrize(msgspec.Struct, frozen=True):
    """An awarded prize as its certificate attests it, or as the entry stands now."""

    programme_id: UUID
    programme_title_ru: str
    programme_title_kk: str
    place: int | None
    #: None when the place no longer earns a prize (after an amendment)
    description: str | None
    #: None for a prize in kind
    amount_kzt: int | None
    awarded_on: date | None
    #: the entry's status (``awarded``; now perhaps ``needs_review``, ``revoked``...)
    status: str


class CertificateHolder(msgspec.Struct, frozen=True):
    """Who a certificate is for: name, organisation and region only (no personal data)."""

    participant_id: UUID
    full_name: str
    organisation_id: UUID
    organisation: str
    organisation_kk: str
    region: str


class CertificateChampionship(msgspec.Struct, frozen=True):
    id: UUID
    kind: str
    level: str
    year: int
    region: str
    title_ru: str
    title_kk: str
    title_en: str | None


class CertificateCompetition(msgspec.Struct, frozen=True):
    id: UUID
    code: str
    title_ru: str
    title_kk: str
    category: str


class CertificateOut(msgspec.Struct, frozen=True):
    """A certificate as anyone may verify it (``GET /api/v1/certificates/{code}``).

    ``verdict``: ``valid`` (the honour is held and the result is as attested), ``amended``
    (the honour is held, but a later amendment changed the result: ``current_result``) or
    ``revoked`` (the honour is no longer held: a medal lost or changed colour, a medallion
    lost, a prize entry revoked or rejected). ``valid`` is true unless revoked."""

    valid: bool
    verdict: str
    #: the code as printed: four groups of five
    code: str
    kind: str
    competitor: CertificateHolder
    championship: CertificateChampionship
    competition: CertificateCompetition
    #: what the certificate attests (at ``published_position``)
    result: CertifiedResult
    #: the result as it stands now
    current_result: CertifiedResult
    #: the medal attested (``medal`` certificates)
    medal: str | None
    medallion: bool
    #: the prize attested, and as it stands now (``prize`` certificates)
    prize: CertifiedPrize | None
    current_prize: CertifiedPrize | None
    #: the event that published the result (for a prize: awarded it), its time, and the
    #: seal chain's hash at that position (None until the seal view has reached it)
    published_position: int
    published_at: str
    seal_hash: str | None
    amended: bool
    #: the last amendment that changed the result
    amended_position: int | None
    revoked: bool
    revoked_position: int | None
    #: the code of the certificate of what the competitor holds now in this competition,
    #: when this one was revoked because the honour changed (a medal of another colour)
    current_certificate: str | None = None
