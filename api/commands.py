"""The command endpoints of API.md: Accounts, Registration, Marking.

Each handler is thin: the guard has authorised the caller, Litestar has decoded the body
into a Struct, the handler calls one method of :class:`RegistryApplication` (in a worker
thread: ``sync_to_thread=True``) and shapes its answer. No rule lives here.

Every command answers ``{id, position, recorded, version}`` with ``ETag: "<version>"``
(accounts: ``{id, token, position, recorded}``). Creates answer 201 when something was
recorded and 200 for a repeat of the same natural key (same id and position); the other
commands (scheme, start, lock, reopen, publish, rotate, revoke) answer 200. Competition
commands honour ``If-Match: "<version>"`` (412 on mismatch); every command honours
``Idempotency-Key`` (see :mod:`api.idempotency`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, Router, post, put
from litestar.concurrency import sync_to_thread
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from api import schemas as s
from api.auth import ADMIN, ORGANISER, caller, competition_chief, competition_expert
from api.idempotency import IdempotencyStore, StoredAnswer, check_key, fingerprint
from api.problems import ApiProblem, problem_responses
from domain.errors import DomainError
from registry.application import AccountCreated, AspectInput, CommandResult, RegistryApplication

logger = logging.getLogger("api")

SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=255,
        description="Any unique string (e.g. a UUID). A retry with the same key, method, path "
        "and body answers the first answer again and records nothing; the same key with "
        "another body is refused (422 `/problems/idempotency-key-reused`).",
    ),
]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=200,
        description='The competition\'s version as a strong ETag (`"7"`), as answered in '
        "`ETag` by the previous command: the command runs only if the competition is still "
        "at that version (else 412 `/problems/precondition-failed`).",
    ),
]
CompetitionId = FromPath[UUID]


def registry_of(request: Request[Any, Any, Any]) -> RegistryApplication:
    return request.app.state.registry  # type: ignore[no-any-return]


# ------------------------------------------------------------------ conditional requests

_STRONG_ETAG = re.compile(r'"(\d{1,18})"')


def expected_version(header: str | None, current: Callable[[], int]) -> int | None:
    """The version an ``If-Match`` header asks for (None: no condition).

    ``*`` is no condition. Entity tags are compared strongly: weak tags (``W/"3"``) and
    anything that is not one of our ETags match nothing, so the command is refused with 412.
    With several tags the current version is used if it is among them.
    """
    if header is None or header.strip() == "*":
        return None
    versions = {
        int(match.group(1))
        for part in header.split(",")
        if (match := _STRONG_ETAG.fullmatch(part.strip()))
    }
    if not versions:
        raise DomainError(
            "precondition-failed", f"If-Match {header.strip()!r} matches no version of the record"
        )
    if len(versions) == 1:
        return versions.pop()
    now = current()
    return now if now in versions else min(versions)


# ------------------------------------------------------------------ running a command

Outcome = CommandResult | AccountCreated


def execute(
    request: Request[Any, Any, Any],
    body: Any,
    action: Callable[[UUID], Outcome],
    *,
    idempotency_key: str | None,
    created: bool,
) -> Response[Any]:
    """Run ``action(actor)`` with the ``Idempotency-Key`` protocol and shape the answer."""
    account = caller(request)
    store: IdempotencyStore = request.app.state.idempotency
    key = check_key(idempotency_key) if idempotency_key is not None else None
    if key is not None:
        path = request.url.path
        stored = store.begin(
            account.id, key, fingerprint(request.method, path, body), request.method, path
        )
        if stored is not None:
            return Response(
                content=stored.body,
                status_code=stored.status,
                headers={**stored.headers, "Idempotent-Replayed": "true"},
                media_type=MediaType.JSON,
            )
    try:
        result = action(account.id)
    except BaseException:
        if key is not None:
            try:
                store.release(account.id, key)
            except Exception:  # the refusal matters more; the claim goes stale
                logger.exception("could not release Idempotency-Key %r", key)
        raise
    status, headers, out, kept = _shape(result, created)
    if key is not None:
        try:
            store.complete(
                account.id, key, StoredAnswer(status, headers, msgspec.json.encode(kept))
            )
        except Exception:  # the command is recorded: answer it; a retry repeats it harmlessly
            logger.exception("could not store the answer for Idempotency-Key %r", key)
    return _respond(status, headers, out)


def _shape(result: Outcome, created: bool) -> tuple[int, dict[str, str], Any, Any]:
    """The status, headers, answer and answer-as-kept (no token) of a command's result."""
    status = 201 if created and result.recorded else 200
    headers: dict[str, str] = {}
    if isinstance(result, AccountCreated):
        out: Any = s.AccountOut(
            id=result.id, token=result.token, position=result.position, recorded=result.recorded
        )
        kept: Any = msgspec.structs.replace(out, token=None)  # tokens are never stored
    else:
        out = kept = s.CommandOut(
            id=result.id, position=result.position, recorded=result.recorded, version=result.version
        )
        headers["ETag"] = f'"{result.version}"'
    return status, headers, out, kept


def _respond(status: int, headers: dict[str, str], out: Any) -> Response[Any]:
    return Response(
        content=msgspec.json.encode(out),
        status_code=status,
        headers=headers,
        media_type=MediaType.JSON,
    )


# ------------------------------------------------------------------ documentation helpers


def _doc(text: str, roles: str) -> str:
    return (
        f"{text}\n\n**Roles:** {roles}.\n\n"
        "Errors are RFC 9457 problem details (`application/problem+json`); `type` is "
        "`/problems/<code>`. Order of checks: token (401), role (403), scope (403), body "
        "(413/400/422), then the command (404 unknown id, 409/422 refused by a rule)."
    )


def _created(out: type) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            data_container=out, description="a repeat of the same natural key: nothing recorded"
        )
    }


COMMAND_PROBLEMS = (400, 401, 403, 404, 409, 413, 422, 503)
COMPETITION_PROBLEMS = (*COMMAND_PROBLEMS, 412)


def command(
    path: str,
    *,
    guards: list[Any],
    tag: str,
    summary: str,
    description: str,
    created: bool = False,
    out: type = s.CommandOut,
    problems: Sequence[int] = COMMAND_PROBLEMS,
    method: Callable[..., Any] = post,
    asynchronous: bool = False,
) -> Any:
    """The route decorator of every command: its guards, a worker thread (the store has no
    asyncio API; ``asynchronous``: the handler is a coroutine that hands its work to the
    registry's writer thread itself), 201 for a create (200 documented for its repeat) else
    200, the problems it can answer, the bearer security scheme and its OpenAPI tag."""
    responses: dict[int, ResponseSpec] = problem_responses(*problems)
    if created:
        responses = {**_created(out), **responses}
    threading: dict[str, Any] = {} if asynchronous else {"sync_to_thread": True}
    return method(
        path,
        guards=guards,
        **threading,
        status_code=201 if created else 200,
        summary=summary,
        description=description,
        responses=responses,
        security=SECURITY,
        tags=[tag],
    )


# ------------------------------------------------------------------ accounts


@command(
    "/accounts",
    guards=[ADMIN],
    tag="accounts",
    summary="Create an account and issue its token",
    description=_doc(
        "Creates an account (natural key: the name) and answers its bearer token, shown only "
        "in this answer (stored only as a hash). A repeat with the same name and role answers "
        "200 with `token: null`. `competition_ids` scopes an expert to competitions in "
        "advance (assigning them as experts also does).",
        "admin",
    ),
    created=True,
    out=s.AccountOut,
)
def create_account(
    request: Request[Any, Any, Any],
    data: JSONBody[s.AccountIn],
    idempotency_key: IdempotencyKey = None,
) -> Response[s.AccountOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.create_account(
            actor=actor, name=data.name, role=data.role, competition_ids=data.competition_ids
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@command(
    "/accounts/{account_id:uuid}/rotate",
    guards=[ADMIN],
    tag="accounts",
    summary="Issue a new token (the old one is refused at once)",
    description=_doc(
        "Issues a new bearer token for the account, shown only in this answer; the previous "
        "token is refused from now on, by every API process.",
        "admin",
    ),
)
def rotate_token(
    request: Request[Any, Any, Any],
    account_id: FromPath[UUID],
    idempotency_key: IdempotencyKey = None,
) -> Response[s.AccountOut]:
    registry = registry_of(request)
    return execute(
        request,
        None,
        lambda actor: registry.rotate_token(actor=actor, account_id=account_id),
        idempotency_key=idempotency_key,
        created=False,
    )


@command(
    "/accounts/{account_id:uuid}/revoke",
    guards=[ADMIN],
    tag="accounts",
    summary="Revoke an account (its token is refused at once)",
    description=_doc(
        "Revokes the account with a reason; its token is refused from now on, by every API "
        "process. A repeat answers 200 with `recorded: false`.",
        "admin",
    ),
)
def revoke_account(
    request: Request[Any, Any, Any],
    account_id: FromPath[UUID],
    data: JSONBody[s.RevokeIn],
    idempotency_key: IdempotencyKey = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.revoke_account(
            actor=actor, account_id=account_id, reason=data.reason
        ),
        idempotency_key=idempotency_key,
        created=False,
    )


# ------------------------------------------------------------------ registration


@command(
    "/organisations",
    guards=[ORGANISER],
    tag="registration",
    summary="Register an organisation",
    description=_doc(
        "A college, university, enterprise or state body of a region (natural key: region + "
        "Russian name).",
        "organiser",
    ),
    created=True,
)
def register_organisation(
    request: Request[Any, Any, Any],
    data: JSONBody[s.OrganisationIn],
    idempotency_key: IdempotencyKey = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.register_organisation(
            actor=actor,
            name_ru=data.name_ru,
            name_kk=data.name_kk,
            kind=data.kind,
            region=data.region,
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@command(
    "/participants",
    guards=[ORGANISER],
    tag="registration",
    summary="Register a participant",
    description=_doc(
        "A competitor (natural key: organisation + full name + birth date). `disability` is "
        "sensitive: never returned to the public.",
        "organiser",
    ),
    created=True,
)
def register_participant(
    request: Request[Any, Any, Any],
    data: JSONBody[s.ParticipantIn],
    idempotency_key: IdempotencyKey = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.register_participant(
            actor=actor,
            full_name=data.full_name,
            organisation_id=data.organisation_id,
            birth_date=data.birth_date,
            disability=data.disability,
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@command(
    "/championships",
    guards=[ORGANISER],
    tag="registration",
    summary="Create a championship",
    description=_doc(
        "One edition of WorldSkills, AgroSkills or Abilympics (natural key: kind, level, "
        "year, region). `tie_tolerance` and `min_competitors_for_medals` are settings of the "
        "championship, recorded with it.",
        "organiser",
    ),
    created=True,
)
def create_championship(
    request: Request[Any, Any, Any],
    data: JSONBody[s.ChampionshipIn],
    idempotency_key: IdempotencyKey = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.create_championship(
            actor=actor,
            kind=data.kind,
            level=data.level,
            year=data.year,
            region=data.region,
            title_ru=data.title_ru,
            title_kk=data.title_kk,
            title_en=data.title_en,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            tie_tolerance=data.tie_tolerance,
            min_competitors_for_medals=data.min_competitors_for_medals,
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@command(
    "/championships/{championship_id:uuid}/competitions",
    guards=[ORGANISER],
    tag="registration",
    summary="Add a competition (competency + category) to a championship",
    description=_doc(
        "Natural key: championship + code + category. The category must suit the "
        "championship's kind.",
        "organiser",
    ),
    created=True,
)
def add_competition(
    request: Request[Any, Any, Any],
    championship_id: FromPath[UUID],
    data: JSONBody[s.CompetitionIn],
    idempotency_key: IdempotencyKey = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.add_competition(
            actor=actor,
            championship_id=championship_id,
            code=data.code,
            title_ru=data.title_ru,
            title_kk=data.title_kk,
            category=data.category,
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@command(
    "/competitions/{competition_id:uuid}/scheme",
    guards=[ORGANISER],
    tag="registration",
    summary="Set or replace the marking scheme",
    description=_doc(
        "Aspects grouped by criterion; max marks (decimal strings) add up to exactly "
        '"100.00". Replaceable until the first mark is entered; the same scheme again is a '
        "repeat.",
        "organiser",
    ),
    problems=COMPETITION_PROBLEMS,
    method=put,
)
def set_scheme(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    data: JSONBody[s.SchemeIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    aspects = [
        AspectInput(a.id, a.criterion, a.description, a.max_mark, a.type) for a in data.aspects
    ]
    return execute(
        request,
        data,
        lambda actor: registry.set_scheme(
            actor=actor,
            competition_id=competition_id,
            aspects=aspects,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=False,
    )


def _expected(
    registry: RegistryApplication, competition_id: UUID, header: str | None
) -> int | None:
    return expected_version(header, lambda: registry.competition(competition_id).version)


@command(
    "/competitions/{competition_id:uuid}/entrants",
    guards=[ORGANISER],
    tag="registration",
    summary="Enter a participant into a competition",
    description=_doc("While the competition is in setup or marking.", "organiser"),
    created=True,
    problems=COMPETITION_PROBLEMS,
)
def add_entrant(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    data: JSONBody[s.EntrantIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.add_entrant(
            actor=actor,
            competition_id=competition_id,
            participant_id=data.participant_id,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@command(
    "/competitions/{competition_id:uuid}/experts",
    guards=[ORGANISER],
    tag="registration",
    summary="Assign an expert (or the chief expert) to a competition",
    description=_doc(
        "`role` is `chief` (the account must have the role chief_expert) or `expert`. This "
        "also scopes the account to the competition.",
        "organiser",
    ),
    created=True,
    problems=COMPETITION_PROBLEMS,
)
def assign_expert(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    data: JSONBody[s.ExpertIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.assign_expert(
            actor=actor,
            competition_id=competition_id,
            account_id=data.account_id,
            role=data.role,
            organisation_id=data.organisation_id,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@command(
    "/competitions/{competition_id:uuid}/start",
    guards=[ORGANISER],
    tag="registration",
    summary="Start marking (setup → marking)",
    description=_doc("Needs a marking scheme. A repeat answers `recorded: false`.", "organiser"),
    problems=COMPETITION_PROBLEMS,
)
def start_marking(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        None,
        lambda actor: registry.start_marking(
            actor=actor,
            competition_id=competition_id,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=False,
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


@command(
    "/competitions/{competition_id:uuid}/marks",
    guards=[competition_expert],
    tag="marking",
    summary="Enter a mark or a sheet of marks (the caller is the expert)",
    description=_doc(
        "One mark `{competitor_id, aspect_id, value}` or a sheet `{marks: [...]}`, accepted "
        "or refused as a whole. `value`: a decimal string with at most two places for a "
        "measurement aspect, an integer 0-3 for a judgement aspect. Sending a mark again "
        "with the same value is a repeat (200, same position); a different value is refused "
        "(409 `/problems/mark-exists`): send a correction.",
        "expert or chief_expert assigned to this competition",
    ),
    created=True,
    problems=COMPETITION_PROBLEMS,
    asynchronous=True,
)
async def enter_marks(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    data: JSONBody[s.MarksIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
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
                expected_version=_expected(registry, competition_id, if_match),
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
    status, headers, out, _ = _shape(result, True)
    return _respond(status, headers, out)


@command(
    "/competitions/{competition_id:uuid}/corrections",
    guards=[competition_expert],
    tag="marking",
    summary="Correct a mark during marking, with a reason",
    description=_doc(
        "The caller corrects their own earlier mark; the chief expert may correct any "
        "(naming `expert_id` for another expert's judgement score). The earlier value stays "
        "in the history.",
        "expert or chief_expert assigned to this competition",
    ),
    created=True,
    problems=COMPETITION_PROBLEMS,
)
def correct_mark(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    data: JSONBody[s.CorrectionIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.correct_mark(
            actor=actor,
            competition_id=competition_id,
            competitor_id=data.competitor_id,
            aspect_id=data.aspect_id,
            value=data.value,
            reason=data.reason,
            expert_id=data.expert_id,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@command(
    "/competitions/{competition_id:uuid}/lock",
    guards=[competition_chief],
    tag="marking",
    summary="Lock the competition (marking → locked)",
    description=_doc(
        "Every aspect of every competitor has its mark and nothing is disputed (else 409 "
        "`/problems/incomplete-marking` or `/problems/disputed-aspect`).",
        "the chief expert of this competition",
    ),
    problems=COMPETITION_PROBLEMS,
)
def lock(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        None,
        lambda actor: registry.lock(
            actor=actor,
            competition_id=competition_id,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=False,
    )


@command(
    "/competitions/{competition_id:uuid}/reopen",
    guards=[competition_chief],
    tag="marking",
    summary="Reopen a locked competition for marking, with a reason",
    description=_doc("locked → marking.", "the chief expert of this competition"),
    problems=COMPETITION_PROBLEMS,
)
def reopen(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    data: JSONBody[s.ReopenIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.reopen(
            actor=actor,
            competition_id=competition_id,
            reason=data.reason,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=False,
    )


@command(
    "/competitions/{competition_id:uuid}/publish",
    guards=[ORGANISER],
    tag="marking",
    summary="Publish the results (locked → published)",
    description=_doc(
        "The standings become public. A repeat answers `recorded: false`.", "organiser"
    ),
    problems=COMPETITION_PROBLEMS,
)
def publish(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        None,
        lambda actor: registry.publish(
            actor=actor,
            competition_id=competition_id,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=False,
    )


@command(
    "/competitions/{competition_id:uuid}/amendments",
    guards=[ORGANISER],
    tag="marking",
    summary="Amend a published mark, with a reason",
    description=_doc(
        "After publication a mark changes only by an amendment; a judgement aspect's "
        "amendment names the expert (`expert_id`) whose score changes.",
        "organiser",
    ),
    created=True,
    problems=COMPETITION_PROBLEMS,
)
def amend_mark(
    request: Request[Any, Any, Any],
    competition_id: CompetitionId,
    data: JSONBody[s.AmendmentIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.amend_mark(
            actor=actor,
            competition_id=competition_id,
            competitor_id=data.competitor_id,
            aspect_id=data.aspect_id,
            value=data.value,
            reason=data.reason,
            expert_id=data.expert_id,
            expected_version=_expected(registry, competition_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


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


def command_router(extra: Sequence[Any] = ()) -> Router:
    """The command endpoints under ``/api/v1`` (plus ``extra`` handlers on the same paths,
    e.g. the results' GETs: one router per path keeps Litestar's OPTIONS handling single)."""
    return Router(path="/api/v1", route_handlers=[*COMMAND_HANDLERS, *extra])
