"""The command endpoints of API.md: Accounts, Registration, Marking.

Each endpoint is declared with :func:`api.routes.command` as a mapping from the call (the
caller, the ids in the path, the body Struct, the version ``If-Match`` asks for) to one method
of :class:`RegistryApplication`; the route, the worker thread, ``Idempotency-Key``,
``If-Match`` and the answer are :mod:`api.routes`'s, the same for every command. No rule
lives here. Adding a command: its body Struct in :mod:`api.schemas`, its method in the
application, its mapping here (or in :mod:`api.prizes` for the akimat's), listed in
``COMMAND_HANDLERS``.

Every command answers ``{id, position, recorded, version}`` with ``ETag: "<version>"``
(accounts: ``{id, token, position, recorded}``). Creates answer 201 when something was
recorded and 200 for a repeat of the same natural key (same id and position); the other
commands (scheme, start, lock, reopen, publish, rotate, revoke) answer 200. Competition
commands honour ``If-Match: "<version>"`` (412 on mismatch); every command honours
``Idempotency-Key`` (see :mod:`api.idempotency`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.concurrency import sync_to_thread
from litestar.params import FromPath, JSONBody

from api import schemas as s
from api.auth import ADMIN, ORGANISER, caller, competition_chief, competition_expert
from api.problems import ApiProblem
from api.routes import (
    COMPETITION,
    VERSIONED_PROBLEMS,
    Access,
    Call,
    IdempotencyKey,
    IfMatch,
    answer,
    command,
    command_route,
    execute,
    expected_version,
    registry_of,
)
from registry.application import AccountCreated, AspectInput, CommandResult, RegistryApplication

BY_ADMIN = Access([ADMIN], "admin")
BY_ORGANISER = Access([ORGANISER], "organiser")
BY_EXPERT = Access([competition_expert], "expert or chief_expert assigned to this competition")
BY_CHIEF = Access([competition_chief], "the chief expert of this competition")

# ------------------------------------------------------------------ accounts


@command(
    "/accounts",
    BY_ADMIN,
    tag="accounts",
    summary="Create an account and issue its token",
    text=(
        "Creates an account (natural key: the name) and answers its bearer token, shown only "
        "in this answer (stored only as a hash). A repeat with the same name and role answers "
        "200 with `token: null`. `competition_ids` scopes an expert to competitions in "
        "advance (assigning them as experts also does)."
    ),
    created=True,
)
def create_account(r: RegistryApplication, call: Call[s.AccountIn]) -> AccountCreated:
    body = call.body
    return r.create_account(
        actor=call.actor, name=body.name, role=body.role, competition_ids=body.competition_ids
    )


@command(
    "/accounts/{account_id:uuid}/rotate",
    BY_ADMIN,
    tag="accounts",
    summary="Issue a new token (the old one is refused at once)",
    text=(
        "Issues a new bearer token for the account, shown only in this answer; the previous "
        "token is refused from now on, by every API process."
    ),
)
def rotate_token(r: RegistryApplication, call: Call[None]) -> AccountCreated:
    return r.rotate_token(actor=call.actor, account_id=call.path["account_id"])


@command(
    "/accounts/{account_id:uuid}/revoke",
    BY_ADMIN,
    tag="accounts",
    summary="Revoke an account (its token is refused at once)",
    text=(
        "Revokes the account with a reason; its token is refused from now on, by every API "
        "process. A repeat answers 200 with `recorded: false`."
    ),
)
def revoke_account(r: RegistryApplication, call: Call[s.RevokeIn]) -> CommandResult:
    return r.revoke_account(
        actor=call.actor, account_id=call.path["account_id"], reason=call.body.reason
    )


# ------------------------------------------------------------------ registration


@command(
    "/organisations",
    BY_ORGANISER,
    tag="registration",
    summary="Register an organisation",
    text=(
        "A college, university, enterprise or state body of a region (natural key: region + "
        "Russian name)."
    ),
    created=True,
)
def register_organisation(r: RegistryApplication, call: Call[s.OrganisationIn]) -> CommandResult:
    body = call.body
    return r.register_organisation(
        actor=call.actor,
        name_ru=body.name_ru,
        name_kk=body.name_kk,
        kind=body.kind,
        region=body.region,
    )


@command(
    "/participants",
    BY_ORGANISER,
    tag="registration",
    summary="Register a participant",
    text=(
        "A competitor (natural key: organisation + full name + birth date). `disability` is "
        "sensitive: never returned to the public."
    ),
    created=True,
)
def register_participant(r: RegistryApplication, call: Call[s.ParticipantIn]) -> CommandResult:
    body = call.body
    return r.register_participant(
        actor=call.actor,
        full_name=body.full_name,
        organisation_id=body.organisation_id,
        birth_date=body.birth_date,
        disability=body.disability,
    )


@command(
    "/championships",
    BY_ORGANISER,
    tag="registration",
    summary="Create a championship",
    text=(
        "One edition of WorldSkills, AgroSkills or Abilympics (natural key: kind, level, "
        "year, region). `tie_tolerance` and `min_competitors_for_medals` are settings of the "
        "championship, recorded with it."
    ),
    created=True,
)
def create_championship(r: RegistryApplication, call: Call[s.ChampionshipIn]) -> CommandResult:
    body = call.body
    return r.create_championship(
        actor=call.actor,
        kind=body.kind,
        level=body.level,
        year=body.year,
        region=body.region,
        title_ru=body.title_ru,
        title_kk=body.title_kk,
        title_en=body.title_en,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        tie_tolerance=body.tie_tolerance,
        min_competitors_for_medals=body.min_competitors_for_medals,
    )


@command(
    "/championships/{championship_id:uuid}/competitions",
    BY_ORGANISER,
    tag="registration",
    summary="Add a competition (competency + category) to a championship",
    text=(
        "Natural key: championship + code + category. The category must suit the "
        "championship's kind."
    ),
    created=True,
)
def add_competition(r: RegistryApplication, call: Call[s.CompetitionIn]) -> CommandResult:
    body = call.body
    return r.add_competition(
        actor=call.actor,
        championship_id=call.path["championship_id"],
        code=body.code,
        title_ru=body.title_ru,
        title_kk=body.title_kk,
        category=body.category,
    )


@command(
    "/competitions/{competition_id:uuid}/scheme",
    BY_ORGANISER,
    tag="registration",
    summary="Set or replace the marking scheme",
    text=(
        "Aspects grouped by criterion; max marks (decimal strings) add up to exactly "
        '"100.00". Replaceable until the first mark is entered; the same scheme again is a '
        "repeat."
    ),
    version=COMPETITION,
    method="PUT",
)
def set_scheme(r: RegistryApplication, call: Call[s.SchemeIn]) -> CommandResult:
    return r.set_scheme(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        aspects=[
            AspectInput(a.id, a.criterion, a.description, a.max_mark, a.type)
            for a in call.body.aspects
        ],
        expected_version=call.expected_version,
    )


@command(
    "/competitions/{competition_id:uuid}/entrants",
    BY_ORGANISER,
    tag="registration",
    summary="Enter a participant into a competition",
    text="While the competition is in setup or marking.",
    created=True,
    version=COMPETITION,
)
def add_entrant(r: RegistryApplication, call: Call[s.EntrantIn]) -> CommandResult:
    return r.add_entrant(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        participant_id=call.body.participant_id,
        expected_version=call.expected_version,
    )


@command(
    "/competitions/{competition_id:uuid}/experts",
    BY_ORGANISER,
    tag="registration",
    summary="Assign an expert (or the chief expert) to a competition",
    text=(
        "`role` is `chief` (the account must have the role chief_expert) or `expert`. This "
        "also scopes the account to the competition."
    ),
    created=True,
    version=COMPETITION,
)
def assign_expert(r: RegistryApplication, call: Call[s.ExpertIn]) -> CommandResult:
    body = call.body
    return r.assign_expert(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        account_id=body.account_id,
        role=body.role,
        organisation_id=body.organisation_id,
        expected_version=call.expected_version,
    )


@command(
    "/competitions/{competition_id:uuid}/start",
    BY_ORGANISER,
    tag="registration",
    summary="Start marking (setup → marking)",
    text="Needs a marking scheme. A repeat answers `recorded: false`.",
    version=COMPETITION,
)
def start_marking(r: RegistryApplication, call: Call[None]) -> CommandResult:
    return r.start_marking(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        expected_version=call.expected_version,
    )


# ------------------------------------------------------------------ marking


def _sheet(data: s.MarksIn) -> list[tuple[UUID, str, str | int]]:
    single = {"competitor_id": data.competitor_id, "aspect_id": data.aspect_id, "value": data.value}
    if data.marks is not None:
        given = [name for name, value in single.items() if value is not None]
        if given:
            raise ApiProblem(
                422,
                "invalid-input",
                "send either one mark or a sheet of marks, not both",
                errors=[{"field": name, "message": "not allowed with marks"} for name in given],
            )
        return [(m.competitor_id, m.aspect_id, m.value) for m in data.marks]
    missing = [name for name, value in single.items() if value is None]
    if missing:
        raise ApiProblem(
            422,
            "invalid-input",
            "a mark needs competitor_id, aspect_id and value (or send a sheet: marks)",
            errors=[{"field": name, "message": "required"} for name in missing],
        )
    return [(data.competitor_id, data.aspect_id, data.value)]  # type: ignore[list-item]


@command_route(
    "/competitions/{competition_id:uuid}/marks",
    BY_EXPERT,
    tag="marking",
    summary="Enter a mark or a sheet of marks (the caller is the expert)",
    text=(
        "One mark `{competitor_id, aspect_id, value}` or a sheet `{marks: [...]}`, accepted "
        "or refused as a whole. `value`: a decimal string with at most two places for a "
        "measurement aspect, an integer 0-3 for a judgement aspect. Sending a mark again "
        "with the same value is a repeat (200, same position); a different value is refused "
        "(409 `/problems/mark-exists`): send a correction."
    ),
    created=True,
    problems=VERSIONED_PROBLEMS,
    asynchronous=True,
)
async def enter_marks(
    request: Request[Any, Any, Any],
    competition_id: FromPath[UUID],
    data: JSONBody[s.MarksIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    """Written out by hand: the judges' hot path is a coroutine (see :mod:`api.routes`)."""
    registry = registry_of(request)
    sheet = _sheet(data)
    if idempotency_key is not None or (if_match is not None and "," in if_match):
        # the key's claim and answer, or the current version for several tags, are reads
        # and writes of the store: a worker thread, as for every other command
        return await sync_to_thread(
            execute,
            request,
            data,
            lambda actor: registry.enter_marks(
                actor=actor,
                competition_id=competition_id,
                marks=sheet,
                expected_version=COMPETITION.expected(registry, competition_id, if_match),
            ),
            idempotency_key=idempotency_key,
            created=True,
        )
    # the judges' hot path: the writer thread runs the marks (combined with the others
    # waiting), this coroutine waits for its answer without holding a worker thread
    result = await registry.enter_marks_async(
        actor=caller(request).id,
        competition_id=competition_id,
        marks=sheet,
        # one tag at most here, so the current version is never asked for
        expected_version=expected_version(if_match, lambda: 0),
    )
    return answer(result, created=True)


@command(
    "/competitions/{competition_id:uuid}/corrections",
    BY_EXPERT,
    tag="marking",
    summary="Correct a mark during marking, with a reason",
    text=(
        "The caller corrects their own earlier mark; the chief expert may correct any "
        "(naming `expert_id` for another expert's judgement score). The earlier value stays "
        "in the history."
    ),
    created=True,
    version=COMPETITION,
)
def correct_mark(r: RegistryApplication, call: Call[s.CorrectionIn]) -> CommandResult:
    body = call.body
    return r.correct_mark(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        competitor_id=body.competitor_id,
        aspect_id=body.aspect_id,
        value=body.value,
        reason=body.reason,
        expert_id=body.expert_id,
        expected_version=call.expected_version,
    )


@command(
    "/competitions/{competition_id:uuid}/lock",
    BY_CHIEF,
    tag="marking",
    summary="Lock the competition (marking → locked)",
    text=(
        "Every aspect of every competitor has its mark and nothing is disputed (else 409 "
        "`/problems/incomplete-marking` or `/problems/disputed-aspect`)."
    ),
    version=COMPETITION,
)
def lock(r: RegistryApplication, call: Call[None]) -> CommandResult:
    return r.lock(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        expected_version=call.expected_version,
    )


@command(
    "/competitions/{competition_id:uuid}/reopen",
    BY_CHIEF,
    tag="marking",
    summary="Reopen a locked competition for marking, with a reason",
    text="locked → marking.",
    version=COMPETITION,
)
def reopen(r: RegistryApplication, call: Call[s.ReopenIn]) -> CommandResult:
    return r.reopen(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        reason=call.body.reason,
        expected_version=call.expected_version,
    )


@command(
    "/competitions/{competition_id:uuid}/publish",
    BY_ORGANISER,
    tag="marking",
    summary="Publish the results (locked → published)",
    text="The standings become public. A repeat answers `recorded: false`.",
    version=COMPETITION,
)
def publish(r: RegistryApplication, call: Call[None]) -> CommandResult:
    return r.publish(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        expected_version=call.expected_version,
    )


@command(
    "/competitions/{competition_id:uuid}/amendments",
    BY_ORGANISER,
    tag="marking",
    summary="Amend a published mark, with a reason",
    text=(
        "After publication a mark changes only by an amendment; a judgement aspect's "
        "amendment names the expert (`expert_id`) whose score changes."
    ),
    created=True,
    version=COMPETITION,
)
def amend_mark(r: RegistryApplication, call: Call[s.AmendmentIn]) -> CommandResult:
    body = call.body
    return r.amend_mark(
        actor=call.actor,
        competition_id=call.path["competition_id"],
        competitor_id=body.competitor_id,
        aspect_id=body.aspect_id,
        value=body.value,
        reason=body.reason,
        expert_id=body.expert_id,
        expected_version=call.expected_version,
    )


#: the command endpoints, relative to ``/api/v1``
COMMAND_HANDLERS = [
    create_account,
    rotate_token,
    revoke_account,
    register_organisation,
    register_participant,
    create_championship,
    add_competition,
    set_scheme,
    add_entrant,
    assign_expert,
    start_marking,
    enter_marks,
    correct_mark,
    lock,
    reopen,
    publish,
    amend_mark,
]
