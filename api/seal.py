"""Audit endpoint: seal-chain verification (issue 6, API.md "Audit").

``GET /api/v1/audit/verify`` recomputes the chain over every stored event and compares it
with the recorded seals (:func:`projections.seal.verify_seals`): auditors and admins only.
The answer is the verification itself, so a broken history is still ``200`` with
``ok: false`` and ``first_bad_position``; error statuses are for the request (401, 403) or
an unreachable store (503).

A verification reads the whole history (about 2-3 s per 500,000 events on SQLite here), in
a worker thread; this process runs one at a time so auditors cannot crowd out the other
requests — a second caller waits for the first to finish.
"""

from __future__ import annotations

import threading
from typing import Any

from litestar import Request, get
from litestar.openapi.datastructures import ResponseSpec

from api.auth import AUDITORS
from api.problems import problem_responses
from api.routes import SECURITY
from projections.seal import SealReport, verify_seals

_one_at_a_time = threading.Lock()


@get(
    "/audit/verify",
    guards=[AUDITORS],
    sync_to_thread=True,
    cache=False,
    summary="Verify the seal chain over the whole history",
    description=(
        "Recomputes `h[n] = sha256(h[n-1] ‖ stored event n)` over every stored event and "
        "compares it with the seal recorded for each position. Answers `{ok, checked, "
        "head_position, head_hash, sealed_position, unsealed}`, and when the history "
        "contradicts its seals `first_bad_position`, `problem` (`edited`: the event at that "
        "position differs from what was sealed; `deleted`: a sealed position has no event; "
        "`inserted`: an unsealed event inside the sealed range; `malformed`: a row the "
        "registry cannot have written; `truncated`: the store's head is behind its seals or "
        "behind the newest checkpoint recorded beside the events, so its newest events were "
        "deleted; `bad-checkpoint`: that recorded checkpoint's signature fails) and `detail`. "
        "`status` is `intact` (every stored event sealed), `unsealed` (nothing contradicts, "
        "but the `unsealed` events above `sealed_position`, written after the last seal, are "
        "not sealed yet: chained and counted, neither a failure nor a success) or `broken`; "
        "`checkpoint_position` is the newest recorded checkpoint's. `head_hash` (hex) is the "
        "chain value at "
        "`head_position`: compare it with a signed checkpoint (`registry audit verify "
        "--checkpoint`).\n\n"
        "A broken history is still `200` with `ok: false`: the answer is the verification.\n\n"
        "**Roles:** auditor, admin.\n\n"
        "Errors are RFC 9457 problem details (`application/problem+json`): 401 no or an "
        "unknown token (`/problems/unauthorized`), 403 another role (`/problems/forbidden`), "
        "503 the store is unreachable (`/problems/store-unavailable`)."
    ),
    responses={
        200: ResponseSpec(
            data_container=SealReport,
            description="the verification: `ok` false names the first bad position",
            generate_examples=False,
        ),
        **problem_responses(401, 403, 503),
    },
    security=SECURITY,
    tags=["audit"],
)
def verify_seal_chain(request: Request[Any, Any, Any]) -> SealReport:
    return seal_report(request)


def seal_report(request: Request[Any, Any, Any]) -> SealReport:
    """The verification of the whole history, one at a time in this process: ``GET /api/v1/
    audit/verify`` and the auditor's page ``/audit/verify`` (``api.web.audit``)."""
    registry = request.app.state.registry
    store = request.app.state.read_side.store
    with _one_at_a_time:
        return verify_seals(registry, store)


#: handlers under /api/v1
SEAL_API_HANDLERS: list[Any] = [verify_seal_chain]
