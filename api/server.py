"""The composition root: the served application, wired in one place.

``create_app(registry)`` is the HTTP API around a :class:`RegistryApplication`: the commands
(:mod:`api.commands`), auth, problem details, OpenAPI, ``/healthz`` (tests build it around the
``app`` fixture's registry). ``build_app(registry, projector=...)`` adds the read side —
results (:mod:`api.results`), prizes (:mod:`api.prizes`), audit (:mod:`api.audit`,
:mod:`api.seal`), ``/readyz`` — and, where this process runs it, the projector:

* ``"in-process"`` (the default of ``build_app`` on SQLite, and of ``registry serve`` with
  one CPU; SQLite has no subscriptions and one writer): the projector follows the store in a
  background thread of this process, woken at once by this process's saves;
  ``X-Registry-Min-Position`` waits on it directly;
* ``"external"`` (the default on PostgreSQL, for several API processes): ``registry project``
  runs the projector as its own process; this process reads the views and waits for a
  position by polling their tracking rows;
* ``"process"`` (``registry serve``'s default on SQLite with more than one CPU): the
  projector is ``registry serve``'s child process (:mod:`api.supervisor`); this process reads
  the views as with an external one, wakes the child after each save and reports its state
  in ``/readyz``.

``REGISTRY_PROJECTOR=process|in-process|external`` overrides the default for ``registry
serve``. ``create_server_app_from_env()`` is the factory uvicorn runs (``uvicorn --factory
api.server:create_server_app_from_env``; ``registry serve`` does exactly that): it reads
``REGISTRY_DATABASE_URL``, builds the whole app and closes the registry on shutdown.

Threads. The event store has no asyncio API, so every handler that touches it is a sync
handler run with ``sync_to_thread=True`` (guards and the auth middleware use
``litestar.concurrency.sync_to_thread`` too). They all run in the event loop's default
executor, which the app replaces at startup (the loop that serves the requests under uvicorn)
by one sized to the store's connection pool (``Settings.pool_connections``: on PostgreSQL
``pg_pool_size + pg_max_overflow``, 8 + 8 by default, ``?pool_size=N`` in the URL; on SQLite
15). A request holds at most one connection at a time, so a thread never waits for a
connection, and a burst waits in the executor's queue rather than failing on the pool's
timeout. Each uvicorn worker process has its own loop, executor and pool. A global executor
set with ``litestar.concurrency.set_asyncio_executor`` is respected instead.

A served process that runs the projector switches threads every :data:`SWITCH_INTERVAL`
(0.5 ms) instead of CPython's 5 ms: the event loop lets go of the interpreter at every lookup
of the store (a token's account) and must then wait for it while the writer thread or the
in-process projector holds it; for 5 ms at a time, a projector's batch held every request in
flight (bench/http.py, single marks at 32 clients: p99 about 4 x the bare app's instead of
6-11 x, the rate no lower). Without the projector (``registry serve``'s child process or an
external one) CPython's 5 ms is kept: the loop and the writer thread then hand the interpreter
to each other ten times less often (bench/http.py, single marks, projector as serve's child,
alternated runs: 1,768 and 1,891/s at 5 ms against 1,018 and 1,181/s at 0.5 ms, p99 52 and 47
ms against 116 and 59 ms).

Body size: 1 MiB (a sheet of 50 marks is about 6 KiB); larger → 413. Request headers, rates
per client address and waiting reads are bounded by :class:`api.limits.Limits` (``limits=``,
else the environment): 431, 429 and 503 at once.

The event store's pool: a request waits at most ``Settings.pg_pool_timeout`` (1 s) for a
connection, then 503 ``store-unavailable`` with ``Retry-After``, never a hung request; the
pools retry a lost server every 0.5 s, so requests succeed again within about half a second of
it answering (``store.settings``).

OpenAPI at ``/schema`` (``/schema/openapi.json``, Swagger UI at ``/schema/swagger``, ReDoc at
``/schema/redoc``), with the bearer security scheme; ``/healthz`` and the schema pages need no
token. An endpoint that needs no authentication at all (e.g. ``/readyz``) sets
``opt={"exclude_from_auth": True}``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eventsourcing.persistence import PersistenceError
from litestar import Litestar, Request, Router, get
from litestar.concurrency import get_asyncio_executor
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin
from psycopg import Error as PsycopgError

from api import strict_json
from api.audit import AUDIT_API_HANDLERS
from api.auth import BearerAuthMiddleware, account_versions
from api.certificates import CERTIFICATE_API_HANDLERS
from api.commands import COMMAND_HANDLERS
from api.exports import EXPORT_API_HANDLERS
from api.idempotency import IdempotencyStore
from api.imports import IMPORT_API_HANDLERS
from api.limits import Limits, rate_limits
from api.lists import LIST_API_HANDLERS
from api.marks_path import MarksShortcut
from api.openapi_assets import offline_render_plugins
from api.participants import PARTICIPANT_API_HANDLERS
from api.prizes import PRIZE_API_HANDLERS
from api.problems import domain_problem, http_problem, store_unavailable, unexpected_problem
from api.reading import ReadSide
from api.results import RESULTS_API_HANDLERS, RESULTS_ROUTE_HANDLERS
from api.schemas import Health
from api.seal import SEAL_API_HANDLERS
from api.spreadsheets import SPREADSHEET_API_HANDLERS
from api.streams import STREAM_API_HANDLERS, StreamHub
from api.supervisor import Waker
from api.web import WebConfig, web_config
from domain.errors import DomainError
from projections.runner import Projector
from projections.store import ViewStore
from registry.application import RegistryApplication
from registry.policy import PrizePolicy
from store.runtime import tune_gc
from store.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("api")

MAX_BODY_BYTES = 1024 * 1024
#: seconds a thread of the served process runs before another waiting for the interpreter gets
#: it (CPython's default: 0.005); see the module's docstring
SWITCH_INTERVAL = 0.0005
PROJECTOR_MODES = ("process", "in-process", "external")

Hook = Callable[..., Any]


class RegistryRequest(Request[Any, Any, Any]):
    """Litestar's Request, with JSON bodies decoded strictly (:mod:`api.strict_json`): a key
    given twice or a float is 422, every way a body can fail to decode 400 (never 500)."""

    async def json(self) -> Any:
        return strict_json.decode(await self.body() or b"null")


def executor_threads(settings: Settings) -> int:
    """Worker threads for sync handlers: as many as the store's pool has connections."""
    return max(2, settings.pool_connections)


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
        render_plugins=offline_render_plugins("/schema"),  # no CDN
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
            Tag(
                name="imports",
                description="Spreadsheets imported whole or not at all, with a dry run",
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
    limits: Limits | None = None,
    web: WebConfig | None = None,
    debug: bool = False,
    marks_shortcut: bool = True,
) -> Litestar:
    """The HTTP API around ``registry``.

    ``route_handlers`` are added at the root (give them full paths); ``api_handlers`` join
    the command handlers under ``/api/v1`` (paths relative to it). Both get the same
    authentication and problem details. ``on_startup`` hooks
    run after the executor is sized; ``on_shutdown`` hooks run before the registry is closed
    (only when ``close_registry``). ``web`` mounts the pages (:mod:`api.web`): their
    routes, the session and CSRF middleware, the templates.
    """
    idempotency = IdempotencyStore(registry)
    size = threads or executor_threads(registry.settings)
    limits = limits or Limits.from_env()
    state = State(
        {
            "registry": registry,
            "idempotency": idempotency,
            "threads": size,
            "limits": limits,
            "account_versions": account_versions(registry),
        }
    )
    outside_auth, inside_auth = rate_limits(limits)
    shortcut = [DefineMiddleware(MarksShortcut, max_body=MAX_BODY_BYTES)] if marks_shortcut else []

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
        route_handlers=[
            healthz,
            # one router for every path under /api/v1 keeps Litestar's OPTIONS handling single
            Router(path="/api/v1", route_handlers=[*COMMAND_HANDLERS, *api_handlers]),
            *route_handlers,
            *(web.route_handlers if web else ()),
        ],
        middleware=[
            *outside_auth,
            # the judges' plain single marks, served without the layers below that have
            # nothing to do for them (api.marks_path); ``marks_shortcut=False``: the long way
            *shortcut,
            *(web.middleware if web else ()),
            DefineMiddleware(BearerAuthMiddleware, exclude=["^/schema", "^/static/"]),
            *(web.after_auth_middleware if web else ()),
            *inside_auth,
        ],
        template_config=web.template_config if web else None,
        csrf_config=web.csrf_config if web else None,
        stores=web.stores if web else None,
        plugins=[problems, *(web.plugins if web else ())],
        openapi_config=openapi_config(),
        request_max_body_size=MAX_BODY_BYTES,
        request_class=RegistryRequest,
        state=state,
        on_startup=[size_executor, *on_startup],
        on_shutdown=[*on_shutdown, close],
        debug=debug,
    )


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def requested_projector_mode() -> str | None:
    """``REGISTRY_PROJECTOR`` if set (one of :data:`PROJECTOR_MODES`, else
    :class:`SettingsError`), or None."""
    mode = os.environ.get("REGISTRY_PROJECTOR", "").strip()
    if mode and mode not in PROJECTOR_MODES:
        raise SettingsError(
            "REGISTRY_PROJECTOR: %(mode)s is not a way to run the projector: give one of "
            "%(modes)s.",
            mode=repr(mode),
            modes=", ".join(PROJECTOR_MODES),
        )
    return mode or None


def default_projector_mode(registry: RegistryApplication, *, serving: bool = False) -> str:
    """``REGISTRY_PROJECTOR`` if set, else the store's default (``Settings.default_projector``);
    for ``registry serve`` (``serving``) on SQLite with more than one CPU, ``"process"``: the
    projector as the server's child process (:mod:`api.supervisor`)."""
    mode = requested_projector_mode()
    if mode:
        return mode
    default = registry.settings.default_projector
    if serving and default == "in-process" and available_cpus() > 1:
        return "process"
    return default


def build_app(
    registry: RegistryApplication,
    *,
    projector: str | None = None,
    close_registry: bool = False,
    child: tuple[str, str] | None = None,
    **options: Any,
) -> Litestar:
    """The API with the results read side; starts and stops the in-process projector.

    ``child``: the projector runs as ``registry serve``'s child process (:mod:`api.supervisor`):
    its wake-up socket and status file. This process then wakes it after each save and reads
    the views as with an external projector; ``/readyz`` reports the child's state. Only
    ``registry serve`` supervises a child: ``"process"`` without one runs the projector here.
    """
    mode = projector or default_projector_mode(registry)
    if mode == "process":
        mode = "external" if child is not None else "in-process"
    store = ViewStore(registry.settings)
    follower = Projector(registry, store) if mode == "in-process" else None
    # The prize policy follows the store beside the projector (on PostgreSQL both run in
    # ``registry project``); a second copy elsewhere would be harmless (tracking).
    policy = PrizePolicy(registry) if mode == "in-process" else None
    limits = options.get("limits") or Limits.from_env()
    options["limits"] = limits
    waker = None
    if child is not None and follower is None:
        waker = Waker(child[0])
        registry.on_recorded(waker.recorded)
    side = ReadSide(
        store,
        follower,
        head=registry.head_position,
        max_waiters=limits.max_position_waiters,
        hurry=waker.hurry if waker is not None else None,
    )

    def start() -> None:
        if follower is not None:
            follower.start()
            logger.info("projector running in this process (views at %d)", follower.position)
        else:
            logger.info("views read from %s; the projector runs elsewhere", store.path)
        if policy is not None:
            policy.start()

    def stop() -> None:
        if policy is not None:
            policy.stop()
        if follower is not None:
            follower.stop()
        side.close()
        store.close()
        if waker is not None:
            waker.close()

    streams = StreamHub(registry, side)  # live standings and audit feed (SSE)
    app = create_app(
        registry,
        route_handlers=RESULTS_ROUTE_HANDLERS,
        api_handlers=[
            *RESULTS_API_HANDLERS,
            *PARTICIPANT_API_HANDLERS,
            *LIST_API_HANDLERS,
            *PRIZE_API_HANDLERS,
            *AUDIT_API_HANDLERS,
            *SEAL_API_HANDLERS,
            *STREAM_API_HANDLERS,
            *EXPORT_API_HANDLERS,
            *CERTIFICATE_API_HANDLERS,
            *IMPORT_API_HANDLERS,
            *SPREADSHEET_API_HANDLERS,
        ],
        on_startup=[start, streams.start],
        on_shutdown=[streams.stop, stop],
        close_registry=close_registry,
        web=options.pop("web", None) or web_config(registry.settings),
        **options,
    )
    app.state.read_side = side
    app.state.streams = streams
    app.state.projector_status = child[1] if child is not None and waker is not None else None
    return app


def create_server_app_from_env() -> Litestar:
    """The uvicorn factory of ``registry serve``: ``REGISTRY_DATABASE_URL`` → the full app."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    registry = RegistryApplication(load_settings())
    wake = os.environ.get("REGISTRY_PROJECTOR_WAKE")
    status = os.environ.get("REGISTRY_PROJECTOR_STATUS")
    child = (wake, status) if wake and status else None
    app = build_app(registry, close_registry=True, child=child)
    tune_gc()
    if app.state.read_side.projector is not None:  # see SWITCH_INTERVAL
        sys.setswitchinterval(SWITCH_INTERVAL)
    return app
