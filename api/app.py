"""The Litestar application: commands, auth, problem details, OpenAPI, health.

``create_app(registry)`` builds the app around a :class:`RegistryApplication` (tests build it
around the ``app`` fixture's); ``create_app_from_env()`` is the factory uvicorn runs
(``uvicorn --factory api.app:create_app_from_env``; ``registry serve`` does exactly that):
it reads ``REGISTRY_DATABASE_URL`` and closes the registry on shutdown.

Threads. The event store has no asyncio API, so every handler that touches it is a sync
handler run with ``sync_to_thread=True`` (guards and the auth middleware use
``litestar.concurrency.sync_to_thread`` too). They all run in the event loop's default
executor, which the app replaces at startup (the loop that serves the requests under uvicorn)
by one sized to the store's connection pool: on PostgreSQL
``pg_pool_size + pg_max_overflow`` (8 + 8 by default, ``?pool_size=N`` in the URL), on SQLite
15 (the library's fixed pool of 5 + 10 overflow). A request holds at most one connection at
a time, so a thread never waits for a connection, and a burst waits in the executor's queue
rather than failing on the pool's timeout. Each uvicorn worker process has its own loop,
executor and pool. A global executor set with ``litestar.concurrency.set_asyncio_executor``
is respected instead.

Body size: 1 MiB (a sheet of 50 marks is about 6 KiB); larger → 413.

OpenAPI at ``/schema`` (``/schema/openapi.json``, Swagger UI at ``/schema/swagger``, ReDoc at
``/schema/redoc``), with the bearer security scheme; ``/healthz`` and the schema pages need no
token. Results endpoints (another module) are plugged in through ``route_handlers``; an
endpoint that needs no authentication at all (e.g. ``/readyz``) sets
``opt={"exclude_from_auth": True}``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eventsourcing.persistence import PersistenceError
from litestar import Litestar, Request, get
from litestar.concurrency import get_asyncio_executor
from litestar.datastructures import State
from litestar.exceptions import HTTPException, SerializationException
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin
from psycopg import Error as PsycopgError

from api.auth import BearerAuthMiddleware
from api.commands import command_router
from api.idempotency import IdempotencyStore
from api.problems import domain_problem, http_problem, store_unavailable, unexpected_problem
from api.schemas import Health
from domain.errors import DomainError
from registry.application import RegistryApplication
from store.settings import Settings, load_settings

logger = logging.getLogger("api")

MAX_BODY_BYTES = 1024 * 1024
#: the eventsourcing SQLite datastore's fixed pool: 5 connections + 10 overflow
SQLITE_POOL_CONNECTIONS = 15

Hook = Callable[..., Any]


class RegistryRequest(Request[Any, Any, Any]):
    """Litestar's Request, with every way a JSON body can fail to decode turned into 400.

    msgspec raises ``UnicodeDecodeError`` for invalid UTF-8 inside a string and
    ``RecursionError`` for absurd nesting, which Litestar would answer with 500.
    """

    async def json(self) -> Any:
        try:
            return await super().json()
        except (UnicodeDecodeError, RecursionError) as error:
            raise SerializationException(f"the body is not valid JSON: {error}") from None


def executor_threads(settings: Settings) -> int:
    """Worker threads for sync handlers: as many as the store's pool has connections."""
    if settings.backend == "postgres":
        return max(2, settings.pg_pool_size + settings.pg_max_overflow)
    return SQLITE_POOL_CONNECTIONS


@get(
    "/healthz",
    opt={"exclude_from_auth": True},
    summary="The process is up",
    description="Answers 200 while the process serves requests; touches no database and "
    "needs no token (for load balancers and container health checks).",
    tags=["health"],
    cache=False,
)
async def healthz() -> Health:
    return Health(status="ok")


OPENAPI_DESCRIPTION = """\
Registry of skills-championship results of East Kazakhstan region (WorldSkills, AgroSkills,
Abilympics): commands for accounts, registration and marking.

**Auth.** `Authorization: Bearer <token>`. No token = the public. A malformed, unknown,
rotated-out or revoked token → 401 on every endpoint; no token where one is needed → 401; a
known token without the role or the competition scope → 403. Experts and chief experts act
only on competitions they are assigned to (an unknown competition is 403 for them).

**Answers.** Every command answers `{id, position, recorded, version}` and `ETag: "<version>"`;
creates answer 201 when something was recorded, 200 for a repeat. Marks and totals are JSON
strings with two decimals (`"7.50"`).

**Retries.** `Idempotency-Key` on any POST/PUT replays the first answer; competition commands
honour `If-Match: "<version>"` (412 on mismatch).

**Errors** are RFC 9457 problem details (`application/problem+json`) with `type`
`/problems/<code>`; validation problems list `errors: [{field, message}]`.
"""


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="VKO skills registry",
        version="1.0.0",
        description=OPENAPI_DESCRIPTION,
        path="/schema",
        render_plugins=[SwaggerRenderPlugin(), RedocRenderPlugin()],
        components=Components(
            security_schemes={
                "bearerAuth": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An account's token, as answered by POST /api/v1/accounts, "
                    "POST /api/v1/accounts/{id}/rotate or `registry accounts create`.",
                )
            }
        ),
        tags=[
            Tag(name="accounts", description="Accounts and tokens (admin)"),
            Tag(
                name="registration",
                description="Championships, competitions, entrants, experts (organiser)",
            ),
            Tag(
                name="marking", description="Marks, corrections, lock, reopen, publish, amendments"
            ),
            Tag(name="health", description="Process health"),
        ],
        use_handler_docstrings=False,
    )


def create_app(
    registry: RegistryApplication,
    *,
    route_handlers: Sequence[Any] = (),
    api_handlers: Sequence[Any] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    close_registry: bool = False,
    threads: int | None = None,
    debug: bool = False,
) -> Litestar:
    """The HTTP API around ``registry``.

    ``route_handlers`` are added at the root (give them full paths); ``api_handlers`` join
    the command handlers under ``/api/v1`` (paths relative to it). Both get the same
    authentication and problem details. ``on_startup`` hooks
    run after the executor is sized; ``on_shutdown`` hooks run before the registry is closed
    (only when ``close_registry``).
    """
    idempotency = IdempotencyStore(registry)
    size = threads or executor_threads(registry.settings)
    state = State({"registry": registry, "idempotency": idempotency, "threads": size})

    def size_executor() -> None:
        logger.info(
            "registry API on %s; idempotency keys in %s; %d worker threads",
            registry.settings.describe(),
            idempotency.location,
            size,
        )
        if get_asyncio_executor() is not None:
            logger.info("using the executor set with litestar.concurrency.set_asyncio_executor")
            return
        executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="registry-api")
        asyncio.get_running_loop().set_default_executor(executor)
        state.executor = executor

    def close() -> None:
        if close_registry:
            registry.close()
        if state.get("executor") is not None:
            state.executor.shutdown(wait=False)

    problems = ProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=True,
            exception_to_problem_detail_map={
                DomainError: domain_problem,
                HTTPException: http_problem,
                PersistenceError: store_unavailable,
                PsycopgError: store_unavailable,
                Exception: unexpected_problem,
            },
        )
    )
    return Litestar(
        route_handlers=[healthz, command_router(api_handlers), *route_handlers],
        middleware=[DefineMiddleware(BearerAuthMiddleware, exclude=["^/schema"])],
        plugins=[problems],
        openapi_config=openapi_config(),
        request_max_body_size=MAX_BODY_BYTES,
        request_class=RegistryRequest,
        state=state,
        on_startup=[size_executor, *on_startup],
        on_shutdown=[*on_shutdown, close],
        debug=debug,
    )


def create_app_from_env() -> Litestar:
    """The uvicorn factory: ``REGISTRY_DATABASE_URL`` → the registry → the app."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    registry = RegistryApplication(load_settings())
    return create_app(registry, close_registry=True)
