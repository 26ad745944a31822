"""The whole served application: commands (``api.commands``), results (``api.results``),
health, and — where this process runs it — the projector.

``build_app(registry, projector=...)``:

* ``"in-process"`` (the default on SQLite, which has no subscriptions and one writer): the
  projector follows the store in a background thread of this process, woken at once by this
  process's saves; ``X-Registry-Min-Position`` waits on it directly;
* ``"external"`` (the default on PostgreSQL, for several API processes): ``registry project``
  runs the projector as its own process; this process reads the views and waits for a
  position by polling their tracking rows.

``REGISTRY_PROJECTOR=in-process|external`` overrides the default for ``registry serve``.
"""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

from litestar import Litestar

from api.app import create_app
from api.audit import AUDIT_API_HANDLERS
from api.prizes import PRIZE_API_HANDLERS, PRIZE_ROUTE_HANDLERS
from api.results import API_HANDLERS, ROUTE_HANDLERS, ReadSide
from api.seal import SEAL_API_HANDLERS
from projections.runner import Projector
from projections.store import ViewStore
from registry.application import RegistryApplication
from registry.policy import PrizePolicy
from store.settings import SettingsError, load_settings

logger = logging.getLogger("api")

PROJECTOR_MODES = ("in-process", "external")

#: The cyclic garbage collector's thresholds in a serving process. CPython's default (700, 10,
#: 10) runs a collection every 700 net allocations, and every 100th one walks every object —
#: here the cached competitions' tens of thousands of marks, so a sheet of 50 marks paid for
#: walks of the whole state (bench/http.py: 12,200 -> 18,100 marks/s with these). Almost all
#: garbage here is freed by reference counting; cycles still get collected, less often.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Leave what start-up loaded out of every collection and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def default_projector_mode(registry: RegistryApplication) -> str:
    mode = os.environ.get("REGISTRY_PROJECTOR", "").strip()
    if mode:
        if mode not in PROJECTOR_MODES:
            raise SettingsError(f"REGISTRY_PROJECTOR: {mode!r} is not one of {PROJECTOR_MODES}")
        return mode
    return "in-process" if registry.settings.backend == "sqlite" else "external"


def build_app(
    registry: RegistryApplication,
    *,
    projector: str | None = None,
    close_registry: bool = False,
    **options: Any,
) -> Litestar:
    """The API with the results read side; starts and stops the in-process projector."""
    mode = projector or default_projector_mode(registry)
    store = ViewStore(registry.settings)
    follower = Projector(registry, store) if mode == "in-process" else None
    # The prize policy follows the store beside the projector (on PostgreSQL both run in
    # ``registry project``); a second copy elsewhere would be harmless (tracking).
    policy = PrizePolicy(registry) if mode == "in-process" else None
    side = ReadSide(store, follower)

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

    app = create_app(
        registry,
        route_handlers=[*ROUTE_HANDLERS, *PRIZE_ROUTE_HANDLERS],
        api_handlers=[
            *API_HANDLERS,
            *PRIZE_API_HANDLERS,
            *AUDIT_API_HANDLERS,
            *SEAL_API_HANDLERS,
        ],
        on_startup=[start],
        on_shutdown=[stop],
        close_registry=close_registry,
        **options,
    )
    app.state.read_side = side
    return app


def create_server_app_from_env() -> Litestar:
    """The uvicorn factory of ``registry serve``: ``REGISTRY_DATABASE_URL`` → the full app."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    registry = RegistryApplication(load_settings())
    app = build_app(registry, close_registry=True)
    tune_gc()
    return app
