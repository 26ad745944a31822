"""The command endpoints of API.md: Accounts, Registration, Marking.

Each endpoint is declared by the :class:`api.routes.Commands` of its OpenAPI tag as a mapping
from the call (the caller, the ids in the path, the body Struct, the version ``If-Match`` asks
for) to one method of :class:`RegistryApplication`; most pass the call on as it is
(``call.keywords()``). The route, the worker thread, ``Idempotency-Key``, ``If-Match`` and the
answer are :mod:`api.routes`'s, the same for every command. No rule lives here. Adding a
command: its body Struct in :mod:`api.schemas` (its fields named as the method's keywords),
its method in the application, its mapping here (or in :mod:`api.prizes` for the akimat's),
listed in ``COMMAND_HANDLERS``.

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

import msgspec
from litestar import Request, Response, post
from litestar.concurrency import sync_to_thread
from litestar.params import FromPath, JSONBody

from api import schemas as s
from api.auth import ADMIN, ORGANISER, caller, competition_chief, competition_expert
from api.problems import ApiProblem, problem_responses
from api.reading import read_side
from api.routes import (
    COMMAND_ERRORS,
    COMPETITION,
    SECURITY,
    Access,
    Call,
    Commands,
    IdempotencyKey,
    IfMatch,
    answer,
    doc,
    execute,
    expected_version,
    registry_of,
)
from domain.errors import N_
from projections.models import AmendmentPreviewOut
from projections.time_travel import amendment_preview
from registry.application import AccountCreated, AspectInput, CommandResult, RegistryApplication

BY_ADMIN = Access([ADMIN], "admin")
BY_ORGANISER = Access([ORGANISER], "organiser")
BY_EXPERT = Access([competition_expert], "expert or chief_expert assigned to this competition")
BY_CHIEF = Access([competition_chief], "the chief expert of this competition")

accounts = Commands("accounts", BY_ADMIN)
registration = Commands("registration", BY_ORGANISER)
marking = Commands("marking", BY_EXPERT)

# ------------------------------------------------------------------ accounts


@accounts(
    "/accounts",
    "Create an account and issue its token",
    "Creates an account (natural key: the name) and answers its bearer token, shown only in "
    "this answer (stored only as a hash). A repeat with the same name and role answers 200 "
    "with `token: null`. `competition_ids` scopes an expert to competitions in advance "
    "(assigning them as experts also does).",
    created=True,
)
def create_account(r: RegistryApplication, call: Call[s.AccountIn]) -> AccountCreated:
    return r.create_account(**call.keywords())


@accounts(
    "/accounts/{account_id:uuid}/rotate",
    "Issue a new token (the old one is refused at once)",
    "Issues a new bearer token for the account, shown only in this answer; the previous "
    "token is refused from now on, by every API process.",
)
def rotate_token(r: RegistryApplication, call: Call[None]) -> AccountCreated:
    return r.rotate_token(**call.keywords())


@accounts(
    "/accounts/{account_id:uuid}/revoke",
    "Revoke an account (its token is refused at once)",
    "Revokes the account with a reason; its token is refused from now on, by every API "
    "process. A repeat answers 200 with `recorded: false`.",
)
def revoke_account(r: RegistryApplication, call: Call[s.RevokeIn]) -> CommandResult:
    return r.revoke_account(**call.keywords())


# ------------------------------------------------------------------ registration


@registration(
    "/organisations",
    "Register an organisation",
    "A college, university, enterprise or state body of a region (natural key: region + "
    "Russian name).",
    created=True,
)
def register_organisation(r: RegistryApplication, call: Call[s.OrganisationIn]) -> CommandResult:
    return r.register_organisation(**call.keywords())


@registration(
    "/participants",
    "Register a participant",
    "A person (natural key: full name + birth date; the organisation is only the default "
    "of their competition entries). `disability` is sensitive: never returned to the "
    "public. A namesake with the same birth date is this person (200, `recorded: false`). "
    "When a namesake exists and either birth date is unknown: 409 "
    "`/problems/possible-duplicate` with `people: [{id, full_name, organisation_id, "
    "birth_date_known}]`, unless the body says `same_person: <id>` (that person is "
    "answered, nothing recorded) or `new_person: true` (another person is recorded, its id "
    "derived from the organisation, name and birth date). An exact repeat answers the first.",
    created=True,
)
def register_participant(r: RegistryApplication, call: Call[s.ParticipantIn]) -> CommandResult:
    return r.register_participant(**call.keywords())


@registration(
    "/championships",
    "Create a championship",
    "One edition of WorldSkills, AgroSkills or Abilympics (natural key: kind, level, year, "
    "region). `tie_tolerance` and `min_competitors_for_medals` are settings of the "
    "championship, recorded with it.",
    created=True,
)
def create_championship(r: RegistryApplication, call: Call[s.ChampionshipIn]) -> CommandResult:
    return r.create_championship(**call.keywords())


@registration(
    "/championships/{championship_id:uuid}/competitions",
    "Add a competition (competency + category) to a championship",
    "Natural key: championship + code + category. The category must suit the championship's kind.",
    created=True,
)
def add_competition(r: RegistryApplication, call: Call[s.CompetitionIn]) -> CommandResult:
    return r.add_competition(**call.keywords())


@registration(
    "/competitions/{competition_id:uuid}/scheme",
    "Set or replace the marking scheme",
    "Aspects grouped by criterion; max marks (decimal strings) add up to exactly "
    '"100.00". Replaceable until the first mark is entered; the same scheme again is a '
    "repeat.",
    method="PUT",
)
def set_scheme(r: RegistryApplication, call: Call[s.SchemeIn]) -> CommandResult:
    aspects = [
        AspectInput(a.id, a.criterion, a.description, a.max_mark, a.type) for a in call.body.aspects
    ]
    return r.set_scheme(**call.keywords(aspects=aspects))


@registration(
    "/competitions/{competition_id:uuid}/entrants",
    "Enter a participant into a competition",
    "While the competition is in setup or marking. `organisation_id` (optional) is the "
    "organisation of this entry, shown in the standings and the person's results; by default "
    "the one the person was registered with. Entering them again from another organisation: "
    "409 `already-exists`.",
    created=True,
)
def add_entrant(r: RegistryApplication, call: Call[s.EntrantIn]) -> CommandResult:
    return r.add_entrant(**call.keywords())


@registration(
    "/competitions/{competition_id:uuid}/experts",
    "Assign an expert (or the chief expert) to a competition",
    "`role` is `chief` (the account must have the role chief_expert) or `expert`. This also "
    "scopes the account to the competition.",
    created=True,
)
def assign_expert(r: RegistryApplication, call: Call[s.ExpertIn]) -> CommandResult:
    return r.assign_expert(**call.keywords())


@registration(
    "/competitions/{competition_id:uuid}/start",
    "Start marking (setup → marking)",
    "Needs a marking scheme. A repeat answers `recorded: false`.",
)
def start_marking(r: RegistryApplication, call: Call[None]) -> CommandResult:
    return r.start_marking(**call.keywords())


# ------------------------------------------------------------------ marking


def sheet_of(data: s.MarksIn) -> list[tuple[UUID, str, str | int]]:
    """The marks of a body (one mark or a sheet) as (competitor, aspect, value); shared with
    the marking pages."""
    single = {"competitor_id": data.competitor_id, "aspect_id": data.aspect_id, "value": data.value}
    if data.marks is not None:
        given = [name for name, value in single.items() if value is not None]
        if given:
            refused = N_("not allowed with marks")
            raise ApiProblem(
                422,
                "invalid-input",
                "send either one mark or a sheet of marks, not both",
                errors=[{"field": name, "message": refused} for name in given],
            )
        return [(m.competitor_id, m.aspect_id, m.value) for m in data.marks]
    missing = [name for name, value in single.items() if value is None]
    if missing:
        required = N_("required")
        raise ApiProblem(
            422,
            "invalid-input",
            "a mark needs competitor_id, aspect_id and value (or send a sheet: marks)",
            errors=[{"field": name, "message": required} for name in missing],
        )
    return [(data.competitor_id, data.aspect_id, data.value)]  # type: ignore[list-item]


@marking(
    "/competitions/{competition_id:uuid}/marks",
    "Enter a mark or a sheet of marks (the caller is the expert)",
    "One mark `{competitor_id, aspect_id, value}` or a sheet `{marks: [...]}`, accepted or "
    "refused as a whole. `value`: a decimal string with at most two places for a "
    "measurement aspect, an integer 0-3 for a judgement aspect. Sending a mark again with "
    "the same value is a repeat (200, same position); a different value is refused (409 "
    "`/problems/mark-exists`): send a correction.",
    created=True,
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
    sheet = sheet_of(data)
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


@marking(
    "/competitions/{competition_id:uuid}/corrections",
    "Correct a mark during marking, with a reason",
    "The caller corrects their own earlier mark; the chief expert may correct any (naming "
    "`expert_id` for another expert's judgement score). The earlier value stays in the "
    "history.",
    created=True,
)
def correct_mark(r: RegistryApplication, call: Call[s.CorrectionIn]) -> CommandResult:
    return r.correct_mark(**call.keywords())


@marking(
    "/competitions/{competition_id:uuid}/sign-off",
    "Sign off: the calling expert confirms their marks",
    "The caller (an expert or the chief of this competition) confirms their marks while the "
    "competition is in marking; no body (an empty body or `{}` is ignored). Answers the "
    "sign-off's `position`; a repeat while the sign-off holds answers 200 `recorded: false`. "
    "A later correction by or of this expert, or a new mark of theirs, withdraws the "
    "sign-off (event `SignOffWithdrawn`, in the competition's history): they sign off again. "
    "`GET /competitions/{id}` shows each expert's `signed_off`.",
)
def sign_off(r: RegistryApplication, call: Call[None]) -> CommandResult:
    return r.sign_off(**call.keywords())


@marking(
    "/competitions/{competition_id:uuid}/lock",
    "Lock the competition (marking → locked)",
    "Every aspect of every competitor has its mark and nothing is disputed (else 409 "
    "`/problems/incomplete-marking` or `/problems/disputed-aspect`), and every assigned "
    "expert (the chief too) has signed off — else 409 `/problems/sign-off-missing` whose "
    "`missing: [{expert_id, name}]` names who has not. The body is optional: "
    "`{override_reason}` locks without the missing sign-offs, and the reason is recorded in "
    "the `Locked` event (it is recorded only when some sign-off was missing).",
    access=BY_CHIEF,
)
def lock(r: RegistryApplication, call: Call[s.LockIn | None]) -> CommandResult:
    return r.lock(**call.keywords())


@marking(
    "/competitions/{competition_id:uuid}/reopen",
    "Reopen a locked competition for marking, with a reason",
    "locked → marking.",
    access=BY_CHIEF,
)
def reopen(r: RegistryApplication, call: Call[s.ReopenIn]) -> CommandResult:
    return r.reopen(**call.keywords())


@marking(
    "/competitions/{competition_id:uuid}/publish",
    "Publish the results (locked → published)",
    "The standings become public. A repeat answers `recorded: false`.",
    access=BY_ORGANISER,
)
def publish(r: RegistryApplication, call: Call[None]) -> CommandResult:
    return r.publish(**call.keywords())


@marking(
    "/competitions/{competition_id:uuid}/amendments",
    "Amend a published mark, with a reason",
    "After publication a mark changes only by an amendment; a judgement aspect's amendment "
    "names the expert (`expert_id`) whose score changes.",
    access=BY_ORGANISER,
    created=True,
)
def amend_mark(r: RegistryApplication, call: Call[s.AmendmentIn]) -> CommandResult:
    return r.amend_mark(**call.keywords())


@post(
    "/competitions/{competition_id:uuid}/amendments/preview",
    guards=[ORGANISER],
    sync_to_thread=True,
    status_code=200,
    summary="Preview an amendment: what it would change (records nothing)",
    description=doc(
        "The same body as `POST .../amendments`; answers what recording it would change, "
        "computed by the rules the views and the prize policy use, and records nothing: "
        "`{competition_id, as_of_position, mark: {competitor_id, aspect_id, expert_id, "
        "previous, value}, changes: [{competitor_id, full_name, changed, before, after}], "
        "prize_entries: [{programme_id, entry_id, competitor_id, full_name, place_before, "
        "place_after, status_before, status_after, needs_review}]}`. `changes` has the shape "
        "of a standings diff (`GET .../standings/diff`): the competitors whose rank, total, "
        "scaled score, medal or medallion would change (`changed` names which). "
        "`prize_entries`: the entries the amendment would move (`needs_review`: flagged for "
        "the akimat's review; `status_before` null: newly proposed). An amendment that "
        "would be refused is refused here the same way (404, 409, 422).",
        BY_ORGANISER.roles,
        COMMAND_ERRORS,
    ),
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 503),
    security=SECURITY,
    tags=["marking"],
)
def preview_amendment(
    request: Request[Any, Any, Any], competition_id: FromPath[UUID], data: JSONBody[s.AmendmentIn]
) -> AmendmentPreviewOut:
    registry = registry_of(request)
    programmes = [p.id for p in read_side(request).prizes.programmes()]
    preview = registry.preview_amendment(
        actor=caller(request).id,
        competition_id=competition_id,
        programme_ids=programmes,
        **msgspec.structs.asdict(data),
    )
    return amendment_preview(registry, preview, registry.head_position())


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
    sign_off,
    lock,
    reopen,
    publish,
    amend_mark,
    preview_amendment,
]
