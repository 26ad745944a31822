"""Bearer tokens and guards.

Authentication (:class:`BearerAuthMiddleware`, on every route but ``/healthz`` and the OpenAPI
pages): no ``Authorization`` header means the public (``request.user`` is None); a header that
is not ``Bearer <token>``, or a token that is unknown, rotated out or revoked, is refused with
401 at once — :meth:`RegistryApplication.authenticate` looks up the account's newest version
in the store on every request (and reads its events again when it changed), so a revocation or
rotation made by any process counts at once. On PostgreSQL that lookup is a round trip: the
requests that check their tokens at the same moment share one (:func:`authenticate`,
:mod:`api.coalesce`), still started after each of them arrived.

Authorisation (guards, declared per endpoint). The order of the checks, so that every answer
is predictable:

1. the path must match a route — otherwise 404 (a non-UUID id never matches: 404);
2. a malformed, unknown, rotated or revoked token — 401, on every endpoint;
3. no token on an endpoint that needs one — 401;
4. the account's role must be one the endpoint names — otherwise 403 ``forbidden``, whatever
   the ids in the path (a wrong role never learns whether an id exists);
5. experts and chief experts must be scoped to the competition in the path (the account's
   ``competition_ids``, granted when an organiser assigns them) — otherwise 403
   ``not-assigned``; an unknown competition id is therefore 403 for them, never 404;
6. lock and reopen: the caller must be the chief expert of that competition (its
   ``experts``) — otherwise 403 ``not-allowed``;
7. then the body is read and validated (413, 400, 422), then the command runs: unknown ids
   (in the path, for the roles that passed 4, or in the body) — 404; rules — 409/422.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from api.coalesce import Coalesced
from api.messages import Message, OneOf
from api.problems import ApiProblem, forbidden, unauthorized
from domain.account import Account
from domain.values import ExpertRole, Role
from registry.accounts import hash_token, token_account_id
from registry.application import RegistryApplication

Guard = Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]
MAX_TOKEN_LENGTH = 512


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization`` header, or None when it is not ``Bearer <token>``."""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """``Authorization: Bearer <token>`` → the live :class:`Account`, or the public."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if header is None:
            return AuthenticationResult(user=None, auth=None)
        token = bearer_token(header)
        if token is None:
            raise unauthorized("the Authorization header must be 'Bearer <token>'")
        account = await authenticate(connection.app.state, token)
        if account is None:
            raise unauthorized("the token is unknown, rotated out or revoked")
        return AuthenticationResult(user=account, auth=account.id)


def account_versions(registry: RegistryApplication) -> Coalesced[UUID, int] | None:
    """What :func:`authenticate` asks the accounts' versions through (``build_app`` keeps it
    in the app's state): one lookup shared by a moment's requests where a lookup is a round
    trip; None where it is a local file (each request looks for itself)."""
    if registry.settings.local_lookups:
        return None
    return Coalesced(registry.stored_versions)


async def authenticate(state: State, token: str) -> Account | None:
    """The live account of a bearer token, or None (see the module). A local store (SQLite)
    is asked on the event loop; otherwise the account's newest version comes from a lookup
    shared with the requests asking at the same moment, and the account is read again (in
    a worker thread) only if it changed."""
    registry = state.registry
    if registry.settings.local_lookups:
        # a cached account, checked against its newest stored version in a local file:
        # not worth a trip to a worker thread
        account: Account | None = registry.authenticate(token)
        return account
    account_id = token_account_id(token)
    if account_id is None:
        return None
    return await authenticate_hash(state, account_id, hash_token(token))


async def authenticate_hash(state: State, account_id: UUID, token_hash: str) -> Account | None:
    """:func:`authenticate` from the account id and its token's hash (a web session's)."""
    registry = state.registry
    if registry.settings.local_lookups:
        return await sync_to_thread(registry.authenticate_session, account_id, token_hash)
    version = await state.account_versions.get(account_id)
    if registry.account_held(account_id, version):
        account: Account | None = registry.authenticate_at(account_id, token_hash, version)
        return account
    return await sync_to_thread(registry.authenticate_at, account_id, token_hash, version)


def caller(connection: ASGIConnection) -> Account:
    """The authenticated account, or 401."""
    account = connection.scope.get("user")
    if account is None:
        raise unauthorized("this endpoint needs a bearer token (Authorization: Bearer <token>)")
    return account  # type: ignore[no-any-return]


def _describe(roles: frozenset[Role]) -> OneOf:
    """The roles as alternatives ("admin or organiser" in the language of the answer)."""
    return OneOf([Message("%(role)s", {"role": str(role)}) for role in sorted(roles)])


def roles(*allowed: Role) -> Guard:
    """A guard: the caller's account has one of ``allowed`` roles."""
    wanted = frozenset(allowed)

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        account = caller(connection)
        if account.role not in wanted:
            raise forbidden(
                "this needs the role %(wanted)s; the token's is %(role)s",
                params={"wanted": _describe(wanted), "role": str(account.role)},
            )

    guard.__name__ = f"roles_{'_'.join(sorted(wanted))}"
    return guard


def _competition_id(connection: ASGIConnection) -> UUID:
    value: Any = connection.path_params["competition_id"]
    return value if isinstance(value, UUID) else UUID(str(value))


def marking_refusal(account: Account, competition_id: UUID) -> ApiProblem | None:
    """Why ``account`` may not mark in the competition (403), or None: it is an expert or
    chief expert scoped to it (``competition_expert``; ``api.marks_path`` asks it too)."""
    if account.role not in (Role.EXPERT, Role.CHIEF_EXPERT):
        return forbidden(
            "marks are entered by the experts of the competition; the token's role is %(role)s",
            params={"role": str(account.role)},
        )
    if competition_id not in account.competition_ids:
        return forbidden("you are not an expert of this competition", code="not-assigned")
    return None


async def competition_expert(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The caller is an expert or chief expert scoped to the competition in the path."""
    refusal = marking_refusal(caller(connection), _competition_id(connection))
    if refusal is not None:
        raise refusal


async def competition_chief(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The caller is the chief expert of the competition in the path."""
    account = caller(connection)
    if account.role is not Role.CHIEF_EXPERT:
        raise forbidden(
            "only the competition's chief expert does this; the token's role is %(role)s",
            params={"role": str(account.role)},
        )
    competition_id = _competition_id(connection)
    if competition_id not in account.competition_ids:
        raise forbidden("you are not an expert of this competition", code="not-assigned")
    registry = connection.app.state.registry
    competition = await sync_to_thread(registry.competition, competition_id)
    expert = competition.experts.get(account.id)
    if expert is None or expert.role is not ExpertRole.CHIEF:
        raise forbidden("only the chief expert of this competition does this", code="not-allowed")


ADMIN = roles(Role.ADMIN)
ORGANISER = roles(Role.ORGANISER)
AKIMAT = roles(Role.AKIMAT)
AUDITORS = roles(Role.AUDITOR, Role.ADMIN)
