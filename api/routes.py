"""The one path every command endpoint takes, and how endpoints are documented.

A command endpoint is declared as a *mapping* from the request to one method of the
application, in its area's module (``api.commands``, ``api.prizes``), by the
:class:`Commands` of its OpenAPI tag (who may call them, the errors they name)::

    marking = Commands("marking", BY_EXPERT)

    @marking("/competitions/{competition_id:uuid}/reopen", "Reopen ...", "locked → marking.",
             access=BY_CHIEF)
    def reopen(registry: RegistryApplication, call: Call[s.ReopenIn]) -> CommandResult:
        return registry.reopen(**call.keywords())

``call.keywords()`` passes the call on as it is: the caller, the ids of the path, the body's
fields and, on a versioned aggregate, the version ``If-Match`` asks for, as the method's
keywords; a mapping that converts a field or adds one names it (``keywords(aspects=...)``).

The declaration becomes the Litestar handler. Its parameters are made from the declaration,
so every command has the same ones in the same order: the ids of the path (UUIDs), the body
(the Struct in ``Call[...]``; ``Call[None]``: no body), the ``Idempotency-Key`` header and,
for a path naming a versioned aggregate (:data:`VERSIONED`: ``{competition_id}``,
``{programme_id}``), the ``If-Match`` header. Its name is the mapping's (the OpenAPI
operation id is made from it); its answer is the result's: ``{id, position, recorded,
version}`` with ``ETag`` for a :class:`CommandResult`, ``{id, token, position, recorded}`` for
an :class:`AccountCreated`. It runs in a worker thread (the store has no asyncio API) with its
guards, 201 for a create (200 documented for a repeat of the same natural key) else 200, the
problems it can answer, the bearer security scheme and its OpenAPI tag. Then :func:`execute`:
the caller is the actor, ``Idempotency-Key`` replays a first answer (:mod:`api.idempotency`),
``If-Match`` is read against the aggregate's version inside the command (a bad one refuses
it: 412), and the answer is shaped. No rule lives here: the application decides.

The judges' marks are the one command written out by hand (``api.commands.enter_marks``): a
coroutine, declared the same way and routed as it is, that hands its marks to the registry's
writer thread without holding a worker thread; it uses :func:`execute` and :func:`answer` as
the others do. Its plain requests are answered before they reach it, by the same functions,
in :mod:`api.marks_path`.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, NamedTuple, TypeVar, get_args, get_type_hints
from uuid import UUID

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.enums import MediaType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from api import schemas as s
from api.auth import Guard, caller
from api.idempotency import IdempotencyStore, StoredAnswer, check_key, fingerprint
from api.problems import problem_responses
from domain.errors import DomainError
from registry.application import AccountCreated, CommandResult, RegistryApplication

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

#: what a command answers with: the application's result
Outcome = CommandResult | AccountCreated
#: the answer's Struct for each kind of result
ANSWERS: dict[type, type] = {CommandResult: s.CommandOut, AccountCreated: s.AccountOut}

COMMAND_PROBLEMS = (400, 401, 403, 404, 409, 413, 422, 503)
VERSIONED_PROBLEMS = (*COMMAND_PROBLEMS, 412)


def registry_of(request: Request[Any, Any, Any]) -> RegistryApplication:
    return request.app.state.registry  # type: ignore[no-any-return]


#: what a command's description says of its errors
COMMAND_ERRORS = (
    "Errors are RFC 9457 problem details (`application/problem+json`); `type` is "
    "`/problems/<code>`. Order of checks: token (401), role (403), scope (403), body "
    "(413/400/422), then the command (404 unknown id, 409/422 refused by a rule)."
)


def doc(text: str, roles: str, errors: str) -> str:
    """An endpoint's description: what it does, who may, and the errors it answers."""
    return f"{text}\n\n**Roles:** {roles}.\n\n{errors}"


class Access(NamedTuple):
    """Who may call an endpoint: its guards, and the roles its description names."""

    guards: Sequence[Guard]
    roles: str


# ------------------------------------------------------------------ conditional requests

#: a command's tag (``"7"``) or a read's (``"7-<digest>"``, ``api.reading.etag_of``): the version
_STRONG_ETAG = re.compile(r'"(\d{1,18})(?:-[0-9a-f]{16})?"')


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
            "precondition-failed",
            "If-Match %(header)r matches no version of the record",
            params={"header": header.strip()},
        )
    if len(versions) == 1:
        return versions.pop()
    now = current()
    return now if now in versions else min(versions)


class Versioned(NamedTuple):
    """Commands on a versioned aggregate, named by the path parameter ``param``: they honour
    ``If-Match`` and answer the aggregate's version as the ``ETag``."""

    param: str
    current: Callable[[RegistryApplication, UUID], int]

    def expected(
        self, registry: RegistryApplication, aggregate_id: UUID, header: str | None
    ) -> int | None:
        return expected_version(header, lambda: self.current(registry, aggregate_id))


COMPETITION = Versioned("competition_id", lambda registry, id_: registry.competition(id_).version)
PROGRAMME = Versioned("programme_id", lambda registry, id_: registry.prize_programme(id_).version)
#: the versioned aggregates: a command whose path names one honours ``If-Match`` on it
VERSIONED = (COMPETITION, PROGRAMME)


# ------------------------------------------------------------------ running a command


def execute(
    request: Request[Any, Any, Any],
    body: msgspec.Struct | None,
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


def answer(result: Outcome, *, created: bool) -> Response[Any]:
    """The answer to a command's result (no ``Idempotency-Key`` involved)."""
    status, headers, out, _ = _shape(result, created)
    return _respond(status, headers, out)


def _shape(
    result: Outcome, created: bool
) -> tuple[int, dict[str, str], msgspec.Struct, msgspec.Struct]:
    """The status, headers, answer and answer-as-kept (no token) of a command's result."""
    status = 201 if created and result.recorded else 200
    headers: dict[str, str] = {}
    if isinstance(result, AccountCreated):
        out: msgspec.Struct = s.AccountOut(
            id=result.id, token=result.token, position=result.position, recorded=result.recorded
        )
        kept = msgspec.structs.replace(out, token=None)  # tokens are never stored
    else:
        out = kept = s.CommandOut(
            id=result.id, position=result.position, recorded=result.recorded, version=result.version
        )
        headers["ETag"] = f'"{result.version}"'
    return status, headers, out, kept


def _respond(status: int, headers: dict[str, str], out: msgspec.Struct) -> Response[Any]:
    return _Answer(msgspec.json.encode(out), status, headers)


class _Answer(Response[Any]):
    """A command's answer: a JSON body with its status and headers, sent as Litestar sends a
    ``Response(content=body, status_code=..., headers=..., media_type=MediaType.JSON)`` —
    the same two ASGI messages, the headers in the same order (the given ones, then
    ``content-type`` and ``content-length``) — without Litestar's checks of the arguments'
    types and its header-by-header ``ASGIResponse`` (about 25 us a request on the judges'
    hot path). A route adding anything of its own (headers, cookies, a background task) is
    answered by Litestar's path."""

    __slots__ = ()

    def __init__(self, body: bytes, status: int, headers: dict[str, str]) -> None:
        self.content = body
        self.status_code = status
        self.headers = headers
        self.media_type = MediaType.JSON
        self.encoding = "utf-8"
        self.background = None
        self.cookies = []
        self.response_type_encoders = None

    def to_asgi_response(  # type: ignore[override]
        self,
        app: Any,
        request: Request[Any, Any, Any],
        *,
        background: Any = None,
        cookies: Any = None,
        encoded_headers: Any = None,
        headers: dict[str, str] | None = None,
        is_head_response: bool = False,
        **options: Any,
    ) -> Any:
        if background or cookies or encoded_headers or headers or is_head_response:
            return super().to_asgi_response(
                app,
                request,
                background=background,
                cookies=cookies,
                encoded_headers=encoded_headers,
                headers=headers,
                is_head_response=is_head_response,
                **options,
            )
        encoded = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in self.headers.items()
        ]
        named = {name for name, _ in encoded}
        if b"content-type" not in named:
            encoded.append((b"content-type", b"application/json"))
        if b"content-length" not in named:
            encoded.append((b"content-length", str(len(self.content)).encode()))
        return _Sending(self.status_code, encoded, self.content)


class _Sending:
    """The ASGI messages of an :class:`_Answer`."""

    __slots__ = ("body", "start")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.start = {"type": "http.response.start", "status": status, "headers": headers}
        self.body = {"type": "http.response.body", "body": body, "more_body": False}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(self.start)
        await send(self.body)


# ------------------------------------------------------------------ declaring commands


class _Route(HTTPRouteHandler):
    """A command's route (``post``/``put`` are this with their method). It runs its guards
    without Litestar's copy of the route handler per guard and request (about 15 us a
    request on the judges' hot path): the guards of :mod:`api.auth` read only the
    connection, and must never change the handler."""

    __slots__ = ()

    async def authorize_connection(self, connection: ASGIConnection) -> None:
        for guard in self.resolve_guards():
            await guard(connection, self)


B = TypeVar("B")
R = TypeVar("R", CommandResult, AccountCreated)


@dataclass(frozen=True, slots=True)
class Call(Generic[B]):
    """What a command's mapping is given besides the registry."""

    #: the authenticated caller
    actor: UUID
    #: the ids in the path, by parameter name
    path: Mapping[str, UUID]
    #: the decoded body (None for a command without one)
    body: B
    #: the version ``If-Match`` asks for (None: no condition, or not a versioned command)
    expected_version: int | None
    #: whether the command is on a versioned aggregate (its method takes ``expected_version``)
    versioned: bool

    def keywords(self, **given: Any) -> dict[str, Any]:
        """The keywords of a command that passes its call on as it is: the caller as
        ``actor``, the ids of the path, the body's fields (``given`` adds or replaces some)
        and, on a versioned aggregate, ``expected_version`` (a body's fields are named as
        the method's keywords)."""
        keywords: dict[str, Any] = {"actor": self.actor, **self.path}
        if isinstance(self.body, msgspec.Struct):
            keywords.update(msgspec.structs.asdict(self.body))
        keywords.update(given)
        if self.versioned:
            keywords["expected_version"] = self.expected_version
        return keywords


#: a command's mapping: the registry and the call to the application's result
CommandMapping = Callable[[RegistryApplication, Call[B]], R]

_PATH_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class Commands:
    """The command endpoints of one OpenAPI tag, declared by calling it (see the module's
    docstring): who may call them unless a declaration says otherwise, the ``errors`` their
    descriptions name and the ``problems`` they document (None: those of every command,
    and 412 for one on a versioned aggregate)."""

    tag: str
    access: Access
    errors: str = COMMAND_ERRORS
    problems: Sequence[int] | None = None

    def __call__(
        self,
        path: str,
        summary: str,
        text: str,
        *,
        access: Access | None = None,
        created: bool = False,
        method: str = "POST",
    ) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
        """Declare a command endpoint by its mapping ``(registry, call) -> result``: its
        OpenAPI summary and description (``text``; the roles and the errors are added).
        ``created``: a create (201, or 200 for a repeat of the same natural key). A path
        naming a versioned aggregate (``{competition_id}``, ``{programme_id}``) makes the
        command honour ``If-Match`` on its version. A coroutine instead of a mapping is a
        handler written out by hand: routed as it is, on the event loop."""
        who = access or self.access

        def declare(mapping: Callable[..., Any]) -> HTTPRouteHandler:
            ids = _path_ids(path)
            version = next((v for v in VERSIONED if v.param in ids), None)
            asynchronous = inspect.iscoroutinefunction(mapping)
            # a handler written out by hand answers a CommandResult, as most commands do
            handler, out = (
                (mapping, s.CommandOut)
                if asynchronous
                else _command_handler(mapping, ids, version, created)
            )
            responses = problem_responses(
                *(self.problems or (VERSIONED_PROBLEMS if version else COMMAND_PROBLEMS))
            )
            if created:
                repeat = ResponseSpec(
                    data_container=out,
                    description="a repeat of the same natural key: nothing recorded",
                )
                responses = {200: repeat, **responses}
            # the store has no asyncio API: a mapping runs in a worker thread
            threading: dict[str, Any] = {} if asynchronous else {"sync_to_thread": True}
            route = _Route(
                path,
                http_method=method,
                guards=list(who.guards),
                **threading,
                status_code=201 if created else 200,
                summary=summary,
                description=doc(text, who.roles, self.errors),
                responses=responses,
                security=SECURITY,
                tags=[self.tag],
            )
            return route(handler)

        return declare


def _command_handler(
    mapping: CommandMapping[B, R], ids: Sequence[str], version: Versioned | None, created: bool
) -> tuple[Callable[..., Response[Any]], type]:
    """The Litestar handler of a mapping, and the Struct it answers."""
    call_type, result_type = _types_of(mapping)
    body = get_args(call_type)[0]
    out = ANSWERS[result_type]
    handler = _handler(mapping, version, created)
    # Litestar reads a handler's parameters from its signature and annotations
    signature = _signature(ids, body, version, out)
    handler.__signature__ = signature  # type: ignore[attr-defined]
    handler.__annotations__ = {
        **{name: p.annotation for name, p in signature.parameters.items()},
        "return": signature.return_annotation,
    }
    for attribute in ("__name__", "__qualname__", "__module__", "__doc__"):
        setattr(handler, attribute, getattr(mapping, attribute))
    return handler, out


def _types_of(mapping: Callable[..., Any]) -> tuple[Any, type]:
    """The ``Call[...]`` and the result type a mapping is annotated with."""
    hints = get_type_hints(mapping)
    parameters = list(inspect.signature(mapping).parameters)
    if len(parameters) != 2 or hints.get("return") not in ANSWERS:
        raise TypeError(
            f"{mapping.__name__}: a command maps (registry, call: Call[Body]) to one of "
            f"{', '.join(t.__name__ for t in ANSWERS)}"
        )
    return hints[parameters[1]], hints["return"]


def _path_ids(path: str) -> list[str]:
    """The path's parameters; every one is an id (``{name:uuid}``)."""
    ids = []
    for name, kind in _PATH_PARAMETER.findall(path):
        if kind != "uuid":
            raise TypeError(f"{path}: path parameter {name} is not declared as a uuid")
        ids.append(name)
    return ids


def _signature(
    ids: Sequence[str], body: type, version: Versioned | None, out: type
) -> inspect.Signature:
    """The handler's parameters, as Litestar reads them: request, path ids, body, headers."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("request", kind, annotation=Request[Any, Any, Any])]
    parameters += [inspect.Parameter(name, kind, annotation=FromPath[UUID]) for name in ids]
    if body is not type(None):
        # ``Call[Body | None]``: the body is optional (no body, or ``null``)
        optional = {"default": None} if type(None) in get_args(body) else {}
        parameters.append(
            inspect.Parameter("data", kind, annotation=JSONBody[body], **optional)  # type: ignore[valid-type]
        )
    parameters.append(
        inspect.Parameter("idempotency_key", kind, annotation=IdempotencyKey, default=None)
    )
    if version is not None:
        parameters.append(inspect.Parameter("if_match", kind, annotation=IfMatch, default=None))
    return inspect.Signature(parameters, return_annotation=Response[out])  # type: ignore[valid-type]


def _handler(
    mapping: CommandMapping[B, R], version: Versioned | None, created: bool
) -> Callable[..., Response[Any]]:
    """The body every command handler shares (Litestar passes the parameters by name)."""

    def handler(
        request: Request[Any, Any, Any],
        data: Any = None,
        idempotency_key: str | None = None,
        if_match: str | None = None,
        **path: UUID,
    ) -> Response[Any]:
        registry = registry_of(request)

        def action(actor: UUID) -> Outcome:
            expected = (
                version.expected(registry, path[version.param], if_match) if version else None
            )
            return mapping(registry, Call(actor, path, data, expected, version is not None))

        return execute(request, data, action, idempotency_key=idempotency_key, created=created)

    return handler
