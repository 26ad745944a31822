"""``GET /api/v1/participants/{id}``: one person, with their sensitive personal data for the
readers RULES.md allows.

Who sees what (issue 13, point 12):

* organisers and auditors: the name, the organisation and region, and the birth date and the
  disability, opened with the person's key by the application (``personal_data: "shown"``),
  or ``"erased"`` (both null) once the person's data was erased;
* every other account, admins included: the name, organisation and region only
  (``personal_data: "withheld"``, both null) — RULES.md keeps disability data from admins;
* the public: the name, organisation and region of a person with at least one published
  result (as the public results show them), else 404: the public never learns that a person
  without published results is registered.

The name and organisation come from the views (``X-Registry-Min-Position`` is honoured); the
personal data from the events and the key table, so an erasure counts at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar import Request
from litestar.params import FromPath

from api.lists import LIST_PROBLEMS, After, Limit, Q, page_of, paging
from api.problems import ApiProblem
from api.reading import read, read_side
from api.results import participant_results
from domain.values import Role
from projections import models

#: the roles that read a person's sensitive data (RULES.md "Who and what")
PERSONAL_DATA_READERS = frozenset({Role.ORGANISER, Role.AUDITOR})


class ParticipantOut(msgspec.Struct, frozen=True):
    id: UUID
    full_name: str
    organisation_id: UUID
    #: the organisation's Russian name; ``organisation_kk`` its Kazakh one
    organisation: str
    organisation_kk: str
    region: str
    #: ``shown`` (organisers, auditors), ``erased`` (to them, after an erasure), ``withheld``
    personal_data: Literal["shown", "erased", "withheld"]
    birth_date: date | None = None
    disability: str | None = None


@read(
    "/participants/{participant_id:uuid}",
    summary="One person",
    description="Name, organisation (`organisation` in Russian, `organisation_kk` in "
    "Kazakh) and region. Organisers and auditors also get the birth "
    "date and the disability (`personal_data`: `shown`, or `erased` after an erasure); every "
    "other account, admins included, gets `withheld`. The public sees only people with a "
    "published result (else 404) and never any personal data.",
)
def get_participant(
    request: Request[Any, Any, Any], participant_id: FromPath[UUID]
) -> ParticipantOut:
    missing = ApiProblem(
        404, "not-found", "no participant with id %(id)s", params={"id": participant_id}
    )
    person = read_side(request).queries.participant_results(participant_id)
    if person is None:
        raise missing
    account = request.scope.get("user")
    if account is None and not any(r.status == "published" for r in person.results):
        raise missing
    answer = ParticipantOut(
        id=participant_id,
        full_name=person.full_name,
        organisation_id=person.organisation_id,
        organisation=person.organisation,
        organisation_kk=person.organisation_kk,
        region=person.region,
        personal_data="withheld",
    )
    if account is None or account.role not in PERSONAL_DATA_READERS:
        return answer
    personal = request.app.state.registry.personal_data(participant_id)
    if personal is None:
        return msgspec.structs.replace(answer, personal_data="erased")
    return msgspec.structs.replace(
        answer,
        personal_data="shown",
        birth_date=personal.birth_date,
        disability=personal.disability,
    )


def visible_person(
    request: Request[Any, Any, Any], participant_id: UUID
) -> models.ParticipantResults:
    """A person with the results the caller may see (:func:`api.results.participant_results`);
    404, as :func:`get_participant` answers it, for the public when none is published."""
    person = participant_results(request, participant_id)
    if request.scope.get("user") is None and not person.results:
        raise ApiProblem(
            404, "not-found", "no participant with id %(id)s", params={"id": participant_id}
        )
    return person


#: at most this many people answer a search by name
SEARCH_LIMIT = 50


def find_participants(
    request: Request[Any, Any, Any], text: str, limit: int = SEARCH_LIMIT
) -> list[models.ParticipantFound]:
    """People by name (API.md additions, ``GET /participants?q=``): the public (and every
    account but organisers and auditors) finds only people with a published result; name,
    organisation and region only, never personal data."""
    account = request.scope.get("user")
    everyone = account is not None and account.role in PERSONAL_DATA_READERS
    return read_side(request).queries.find_participants(
        text, published_only=not everyone, limit=limit
    )


class ParticipantListed(msgspec.Struct, frozen=True):
    """A person in the list: as :class:`ParticipantOut` (the registered organisation)."""

    id: UUID
    full_name: str
    organisation_id: UUID
    #: the organisation's Russian name; ``organisation_kk`` its Kazakh one
    organisation: str
    organisation_kk: str
    region: str
    personal_data: Literal["shown", "erased", "withheld"]
    birth_date: date | None = None
    disability: str | None = None


class ParticipantPage(msgspec.Struct, frozen=True):
    items: list[ParticipantListed]
    #: the ``after`` of the next page; null on the last one
    next: UUID | None


def participant_list(
    request: Request[Any, Any, Any], q: str | None, limit: str | None, after: str | None
) -> ParticipantPage:
    """A page of people by name (``GET /participants``): the public and every account but
    organisers and auditors find only people with a published result and never personal
    data (``withheld``); organisers and auditors find everyone, with the birth date and the
    disability opened (``shown``, or ``erased``)."""
    account = request.scope.get("user")
    readers = account is not None and account.role in PERSONAL_DATA_READERS
    found, following = page_of(
        read_side(request).queries.participants_page,
        paging(q, limit, after),
        published_only=not readers,
    )
    registry = request.app.state.registry
    items = []
    for person in found:
        item = ParticipantListed(**msgspec.structs.asdict(person), personal_data="withheld")
        if readers:
            personal = registry.personal_data(person.id)
            item = (
                msgspec.structs.replace(item, personal_data="erased")
                if personal is None
                else msgspec.structs.replace(
                    item,
                    personal_data="shown",
                    birth_date=personal.birth_date,
                    disability=personal.disability,
                )
            )
        items.append(item)
    return ParticipantPage(items, following)


@read(
    "/participants",
    summary="People, by name (paged)",
    description="`{items: [{id, full_name, organisation_id, organisation, organisation_kk, "
    "region, personal_data, birth_date, disability}], next}`. The public (and every account but "
    "organisers and auditors, admins included) lists only people with a published result, "
    "name and organisation only (`personal_data: withheld`); organisers and auditors list "
    "everyone with the birth date and the disability (`shown`, or `erased`). `q`: every "
    "word in the name, any case; `limit` 1-200 (default 50); `after` = the `next` of the "
    "previous page (null: the last page).",
    responses=LIST_PROBLEMS,
    tags=["registration"],
)
def list_participants(
    request: Request[Any, Any, Any], q: Q = None, limit: Limit = None, after: After = None
) -> ParticipantPage:
    return participant_list(request, q, limit, after)


#: relative to ``/api/v1``
PARTICIPANT_API_HANDLERS: list[Any] = [get_participant, list_participants]
