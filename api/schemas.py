"""Request and response bodies of the command endpoints, the akimat's too (msgspec Structs).

Field names are those of API.md and fixed. Every request Struct forbids unknown fields, so a
misspelt field is refused (422) instead of being silently dropped. The Structs only check
shapes and generous size limits; the domain decides what a value means (a mark's range and
places, a region code, an empty name...) and refuses with a stable code.

Marks of measurement aspects are JSON strings (``"7.50"``: ASCII digits, at most two places,
``domain.values.parse_mark``); a judgement score is the JSON integer 0-3 and nothing else (not
``"2"``, not ``2.0``: API.md promises integers, ``domain.values.parse_score``). Floats are
refused everywhere (``api.strict_json``): no float ever touches a mark.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import msgspec

from domain.values import (
    AspectType,
    Category,
    ChampionshipKind,
    ExpertRole,
    Level,
    OrganisationKind,
    Role,
)

#: One line of text: no control characters (NUL, line breaks...).
ONE_LINE = r"\A[^\x00-\x1f\x7f]*\Z"
#: Free text (reasons, descriptions): line breaks and tabs allowed, no other control characters.
FREE_TEXT = r"\A[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*\Z"

#: Safety limits on sizes and characters; the domain applies the exact rules (a name of at
#: most 200 characters, not empty, no invisible characters: ``domain.events.TEXT_CAPS``).
Name = Annotated[str, msgspec.Meta(max_length=1_000, pattern=ONE_LINE)]
Text = Annotated[str, msgspec.Meta(max_length=4_000, pattern=FREE_TEXT)]
Code = Annotated[str, msgspec.Meta(max_length=64, pattern=ONE_LINE)]
Region = Annotated[str, msgspec.Meta(max_length=16, pattern=ONE_LINE, examples=["VKO"])]
Decimal2 = Annotated[
    str,
    msgspec.Meta(
        max_length=32,
        pattern=ONE_LINE,
        description="a decimal string: ASCII digits, at most two places, no sign, spaces "
        'or exponent ("0", "7.5", "7.50")',
        examples=["7.50"],
    ),
]
#: A mark: a decimal string for measurement aspects, the JSON integer 0-3 for judgement aspects
#: (which is which is the aspect's, so the domain checks it).
MarkValue = Annotated[
    str | int,
    msgspec.Meta(
        description='measurement: a decimal string with at most two places ("7.50"); '
        "judgement: the JSON integer 0-3 (not a string, not 2.0)",
        examples=["7.50", 2],
    ),
]

MAX_SHEET = 1_000
MAX_ASPECTS = 200


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are refused."""


# ------------------------------------------------------------------------------ accounts


class AccountIn(Input):
    name: Name
    role: Role
    competition_ids: Annotated[list[UUID], msgspec.Meta(max_length=500)] = msgspec.field(
        default_factory=list
    )


class RevokeIn(Input):
    reason: Text


# ------------------------------------------------------------------------------ registration


class OrganisationIn(Input):
    name_ru: Name
    name_kk: Name
    kind: OrganisationKind
    region: Region


class ParticipantIn(Input):
    full_name: Name
    organisation_id: UUID
    birth_date: date | None = None
    #: sensitive: never returned to the public
    disability: Text | None = None
    #: the organiser says this is that registered namesake (answered; nothing recorded)
    same_person: UUID | None = None
    #: the organiser says this is another person than the namesakes (a different id)
    new_person: bool = False


class ChampionshipIn(Input):
    kind: ChampionshipKind
    level: Level
    year: int
    region: Region
    title_ru: Name
    title_kk: Name
    starts_on: date
    ends_on: date
    title_en: Name | None = None
    tie_tolerance: Decimal2 = "0.00"
    min_competitors_for_medals: int = 3


class CompetitionIn(Input):
    code: Code
    title_ru: Name
    title_kk: Name
    category: Category


class AspectIn(Input):
    id: Code
    criterion: Annotated[str, msgspec.Meta(max_length=8)]
    description: Text
    max_mark: Decimal2
    type: AspectType


class SchemeIn(Input):
    aspects: Annotated[list[AspectIn], msgspec.Meta(max_length=MAX_ASPECTS)]


class EntrantIn(Input):
    participant_id: UUID
    #: the organisation of this entry (default: the one the person was registered with)
    organisation_id: UUID | None = None


class ExpertIn(Input):
    account_id: UUID
    role: ExpertRole
    organisation_id: UUID


# ------------------------------------------------------------------------------ marking


class MarkIn(Input):
    competitor_id: UUID
    aspect_id: Code
    value: MarkValue


class MarksIn(Input):
    """Either one mark (``competitor_id``, ``aspect_id``, ``value``) or a sheet (``marks``).

    A sheet is accepted or refused as a whole.
    """

    competitor_id: UUID | None = None
    aspect_id: Code | None = None
    value: MarkValue | None = None
    marks: Annotated[list[MarkIn], msgspec.Meta(max_length=MAX_SHEET)] | None = None


class CorrectionIn(Input):
    competitor_id: UUID
    aspect_id: Code
    value: MarkValue
    reason: Text
    #: the chief expert may correct another expert's judgement score by naming them
    expert_id: UUID | None = None


class ReopenIn(Input):
    reason: Text


class LockIn(Input):
    """The lock's body, optional: ``override_reason`` locks although some experts have not
    signed off (recorded in the ``Locked`` event)."""

    override_reason: Text | None = None


class AmendmentIn(Input):
    competitor_id: UUID
    aspect_id: Code
    value: MarkValue
    reason: Text
    #: a judgement aspect's amendment names the expert whose score changes
    expert_id: UUID | None = None


# ------------------------------------------------------------------------------ prizes


class PrizeIn(Input):
    place: Annotated[int, msgspec.Meta(ge=1, le=3)]
    description: Name
    #: null: a prize in kind (a certificate, a grant in kind); the description says what
    amount_kzt: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)] | None


class EligibilityIn(Input):
    """The settings of eligibility that differ from the default (every field optional):
    republican championships (`levels`) of the programme's `kinds`, its `region` and `year`,
    the `places` it has prizes for. `region` or `year` null: any."""

    kinds: Annotated[list[ChampionshipKind], msgspec.Meta(max_length=3)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    levels: Annotated[list[Level], msgspec.Meta(max_length=3)] | msgspec.UnsetType = msgspec.UNSET
    places: (
        Annotated[list[Annotated[int, msgspec.Meta(ge=1, le=3)]], msgspec.Meta(max_length=3)]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    region: Region | msgspec.UnsetType | None = msgspec.UNSET
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)] | msgspec.UnsetType | None = msgspec.UNSET

    def given(self) -> dict[str, object]:
        """The fields the body gave."""
        return {k: v for k, v in msgspec.structs.asdict(self).items() if v is not msgspec.UNSET}


class ProgrammeIn(Input):
    title_ru: Name
    title_kk: Name
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    region: Region
    kinds: Annotated[list[ChampionshipKind], msgspec.Meta(min_length=1, max_length=3)]
    prizes: Annotated[list[PrizeIn], msgspec.Meta(min_length=1, max_length=3)]
    eligibility: EligibilityIn | None = None


class ReasonIn(Input):
    reason: Text


class AwardIn(Input):
    awarded_on: date


class NominationIn(Input):
    title_ru: Name
    title_kk: Name


class NomineeIn(Input):
    organisation_id: UUID
    citation: Text


# ------------------------------------------------------------------------------ responses


class CommandOut(msgspec.Struct, kw_only=True):
    """What every command answers."""

    #: the id of the aggregate the command created or changed
    id: UUID
    #: the notification position of the event that recorded the fact (for read-your-writes)
    position: int
    #: false when the command was a repeat and recorded nothing
    recorded: bool
    #: the aggregate's version after the command (also the response's strong ``ETag``)
    version: int


class AccountOut(msgspec.Struct, kw_only=True):
    """A created account or a rotated token. ``token`` is shown only in this answer."""

    id: UUID
    token: str | None
    position: int
    recorded: bool


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] | None = None


class Health(msgspec.Struct):
    status: str
