"""The Results endpoints of API.md, read from the views; ``/readyz``.

Visibility: results are public once a competition is published. Before that, a competition
(and its standings) is visible to organisers, auditors and admins, and to the experts scoped
to it; to anyone else it is 404 without a token (the public never learns that an unpublished
competition exists) and 403 with one. Championship listings show every championship, with
only the competitions the caller may see. Medal tables count published competitions only, so
they are public. A person's results list only what the caller may see. No sensitive personal
data (disability, birth date) is in any of these answers.

Read-your-writes: ``X-Registry-Min-Position: N`` waits (at most 5 s) until the views have
processed position N, else 503 with ``Retry-After``. Versioned resources answer a strong
``ETag`` (the aggregate's version) and honour ``If-None-Match`` (304).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.params import FromPath, HeaderParameter

from api.problems import ApiProblem, forbidden, problem_responses
from domain.values import Role
from projections import models
from projections.queries import ViewQueries
from projections.runner import Projector, wait_in_store
from projections.store import ViewStore

MIN_POSITION_WAIT = 5.0
PRIVILEGED = frozenset({Role.ORGANISER, Role.AUDITOR, Role.ADMIN})

MinPosition = Annotated[
    str | None,
    HeaderParameter(
        name="X-Registry-Min-Position",
        required=False,
        max_length=20,
        description="Read-your-writes: wait (at most 5 s) until the views have processed this "
        "notification position (a command's `position`); else 503 with `Retry-After`.",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(name="If-None-Match", required=False, max_length=200),
]


class ReadSide:
    """What the results endpoints read from: the views, and how to wait for a position."""

    def __init__(self, store: ViewStore, projector: Projector | None = None) -> None:
        self.store = store
        self.queries = ViewQueries(store)
        self.projector = projector

    def wait_for(self, position: int, timeout: float) -> bool:
        if self.projector is not None:
            return self.projector.wait_for(position, timeout)
        return wait_in_store(self.store, position, timeout)

    def position(self) -> int:
        if self.projector is not None:
            return self.projector.position
        return self.queries.results_position()


def read_side(request: Request[Any, Any, Any]) -> ReadSide:
    return request.app.state.read_side  # type: ignore[no-any-return]


def _viewer(request: Request[Any, Any, Any]) -> Any:
    return request.scope.get("user")


def _may_see(request: Request[Any, Any, Any], competition_id: UUID, status: str | None) -> bool:
    if status == "published":
        return True
    account = _viewer(request)
    if account is None:
        return False
    return account.role in PRIVILEGED or competition_id in account.competition_ids


def _check_visible(
    request: Request[Any, Any, Any], competition_id: UUID, status: str | None
) -> None:
    if status is None:
        raise ApiProblem(404, "not-found", f"no competition with id {competition_id}")
    if _may_see(request, competition_id, status):
        return
    if _viewer(request) is None:
        raise ApiProblem(404, "not-found", f"no competition with id {competition_id}")
    raise forbidden("this competition's results are not published yet")


def _versioned(data: Any, version: int, if_none_match: str | None) -> Response[Any]:
    etag = f'"{version}"'
    if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(content=b"", status_code=304, headers={"ETag": etag})
    return Response(content=data, headers={"ETag": etag})


READ_RESPONSES = problem_responses(400, 401, 403, 404, 503)


@get(
    "/championships",
    summary="Championships",
    description="Every championship, with how many of its competitions there are and how many "
    "are published. Public.",
    sync_to_thread=True,
    responses=READ_RESPONSES,
)
def list_championships(
    request: Request[Any, Any, Any], min_position: MinPosition = None
) -> list[models.ChampionshipSummary]:
    _sync_wait(request, min_position)
    return read_side(request).queries.championships()


@get(
    "/championships/{championship_id:uuid}",
    summary="A championship with its competitions",
    description="Public; unpublished competitions are listed only for organisers, auditors, "
    "admins and the competition's experts. Strong `ETag` (the championship's version).",
    sync_to_thread=True,
    responses=READ_RESPONSES,
)
def get_championship(
    request: Request[Any, Any, Any],
    championship_id: FromPath[UUID],
    min_position: MinPosition = None,
    if_none_match: IfNoneMatch = None,
) -> Response[Any]:
    _sync_wait(request, min_position)
    detail = read_side(request).queries.championship(championship_id)
    if detail is None:
        raise ApiProblem(404, "not-found", f"no championship with id {championship_id}")
    visible = [c for c in detail.competitions if _may_see(request, c.id, c.status)]
    detail = msgspec.structs.replace(detail, competitions=visible)
    return _versioned(detail, detail.version, if_none_match)


@get(
    "/competitions/{competition_id:uuid}",
    summary="A competition: status, scheme, entrants, experts, marking progress",
    description="Public once published; before that organisers, auditors, admins and the "
    "competition's experts (404 for the public, 403 for other tokens). Strong `ETag`.",
    sync_to_thread=True,
    responses=READ_RESPONSES,
)
def get_competition(
    request: Request[Any, Any, Any],
    competition_id: FromPath[UUID],
    min_position: MinPosition = None,
    if_none_match: IfNoneMatch = None,
) -> Response[Any]:
    _sync_wait(request, min_position)
    queries = read_side(request).queries
    detail = queries.competition(competition_id)
    _check_visible(request, competition_id, detail.status if detail else None)
    assert detail is not None
    return _versioned(detail, detail.version, if_none_match)


@get(
    "/competitions/{competition_id:uuid}/standings",
    summary="Standings of a competition",
    description="Rank, competitor, organisation, total, scaled score (WorldSkills), medal, "
    "medallion, per-criterion subtotals; disputed aspects; marking progress. Visibility as "
    "for the competition. `as_of_position` is the position the views had reached.",
    sync_to_thread=True,
    responses=READ_RESPONSES,
)
def get_standings(
    request: Request[Any, Any, Any],
    competition_id: FromPath[UUID],
    min_position: MinPosition = None,
) -> models.StandingsOut:
    _sync_wait(request, min_position)
    standings = read_side(request).queries.standings(competition_id)
    _check_visible(request, competition_id, standings.status if standings else None)
    assert standings is not None
    return standings


@get(
    "/championships/{championship_id:uuid}/medals",
    summary="Medal table of a championship",
    description="By organisation and by region (gold, silver, bronze, medallions, points) and "
    "best of region, counting published competitions only. Public.",
    sync_to_thread=True,
    responses=READ_RESPONSES,
)
def get_medals(
    request: Request[Any, Any, Any],
    championship_id: FromPath[UUID],
    min_position: MinPosition = None,
) -> models.MedalsOut:
    _sync_wait(request, min_position)
    medals = read_side(request).queries.medals(championship_id)
    if medals is None:
        raise ApiProblem(404, "not-found", f"no championship with id {championship_id}")
    return medals


@get(
    "/participants/{participant_id:uuid}/results",
    summary="A person's results across championships",
    description="Published results for everyone; unpublished ones only for those who may see "
    "the competition. Name, organisation and region only: no sensitive personal data.",
    sync_to_thread=True,
    responses=READ_RESPONSES,
)
def get_participant_results(
    request: Request[Any, Any, Any],
    participant_id: FromPath[UUID],
    min_position: MinPosition = None,
) -> models.ParticipantResults:
    _sync_wait(request, min_position)
    results = read_side(request).queries.participant_results(participant_id)
    if results is None:
        raise ApiProblem(404, "not-found", f"no participant with id {participant_id}")
    visible = [r for r in results.results if _may_see(request, r.competition_id, r.status)]
    return msgspec.structs.replace(results, results=visible)


def _sync_wait(request: Request[Any, Any, Any], header: str | None) -> None:
    """``X-Registry-Min-Position`` for sync handlers (already in a worker thread)."""
    if header is None:
        return
    text = header.strip()
    if not text.isdigit():
        raise ApiProblem(
            400,
            "invalid-input",
            "X-Registry-Min-Position must be a notification position (a whole number)",
        )
    if not read_side(request).wait_for(int(text), MIN_POSITION_WAIT):
        raise ApiProblem(
            503,
            "views-behind",
            f"the views have not reached position {text} within {MIN_POSITION_WAIT:.0f} s",
            headers={"Retry-After": "1"},
        )


class Readiness(msgspec.Struct):
    status: str
    database: str
    head_position: int | None
    views_position: int | None
    projector_lag: int | None
    projector: str


@get(
    "/readyz",
    opt={"exclude_from_auth": True},
    summary="Ready: the database answers; how far behind the views are",
    description="200 when the event store answers and the projector (if this process runs "
    "one) has not stopped on an error; 503 otherwise. `projector_lag` is the number of "
    "positions the views are behind the head.",
    tags=["health"],
    sync_to_thread=True,
    cache=False,
)
def readyz(request: Request[Any, Any, Any]) -> Response[Readiness]:
    registry = request.app.state.registry
    side = read_side(request)
    try:
        head = registry.head_position()
        views = side.position()
    except Exception as error:  # any failure here means "not ready"
        body = Readiness(
            "unavailable", f"unreachable: {type(error).__name__}", None, None, None, "unknown"
        )
        return Response(body, status_code=503, headers={"Retry-After": "5"})
    projector = "external"
    if side.projector is not None:
        projector = "stopped: " + str(side.projector.error) if side.projector.error else "running"
    ready = not projector.startswith("stopped")
    body = Readiness(
        "ready" if ready else "degraded", "ok", head, views, max(0, head - views), projector
    )
    return Response(body, status_code=200 if ready else 503)


#: the results GETs, relative to ``/api/v1`` (give them to ``create_app(api_handlers=...)``)
API_HANDLERS: list[Any] = [
    list_championships,
    get_championship,
    get_competition,
    get_standings,
    get_medals,
    get_participant_results,
]
#: handlers at the root
ROUTE_HANDLERS: list[Any] = [readyz]

__all__ = ["API_HANDLERS", "ROUTE_HANDLERS", "ReadSide", "Readiness"]
