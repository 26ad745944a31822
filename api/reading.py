"""What the read endpoints share: the read side, read-your-writes, ``ETag``s, the route.

:class:`ReadSide` is what results, prizes and audit endpoints read from: the views' queries,
and how to wait for a position. Read-your-writes: ``X-Registry-Min-Position: N`` waits (at
most 5 s) until the views have processed position N, else 503 with ``Retry-After``
(:func:`sync_wait`). Versioned resources answer a strong ``ETag`` (the aggregate's version)
and honour ``If-None-Match`` with 304 (:func:`versioned`). :func:`read` is the route
decorator of a read from the views: a GET in a worker thread that waits for
``X-Registry-Min-Position`` before the handler runs, with the problems it can answer.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Annotated, Any, TypeVar, get_type_hints
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter

from api.problems import ApiProblem, problem_responses
from projections import models
from projections.prizes import PrizeQueries
from projections.queries import ViewQueries
from projections.results import ResultsProjection
from projections.runner import Projector, wait_in_store
from projections.store import ViewStore
from store.dialect import local_reader

T = TypeVar("T")

MIN_POSITION_WAIT = 5.0
READ_RESPONSES = problem_responses(400, 401, 403, 404, 503)

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

    #: standings answers kept encoded (competitions)
    ENCODED_CACHE = 512

    def __init__(self, store: ViewStore, projector: Projector | None = None) -> None:
        self.store = store
        self.queries = ViewQueries(store)
        self.projector = projector
        self._lock = threading.Lock()
        #: competition -> position of the event that last changed its rows, as told by the
        #: in-process projector after each commit
        self._changed: dict[UUID, int] = {}
        #: competition -> (that position, status, encoded answer around ``as_of_position``)
        self._encoded: OrderedDict[UUID, tuple[int, str, bytes, bytes]] = OrderedDict()
        if projector is not None:
            for projection in projector.projections:
                if isinstance(projection, ResultsProjection):
                    projection.listeners.append(self._written)

        #: without the projector here, where lookups are local (SQLite): the views' file, for
        #: the two lookups that tell whether a remembered answer still holds
        self._views = local_reader(store.settings, store.path)
        self._lookup = (
            f"SELECT (SELECT notification_id FROM {store.tracking_table} "
            f"WHERE application_name = ?), position FROM {store.table('v_competition')} "
            "WHERE id = ?"
        )

    @cached_property
    def prizes(self) -> PrizeQueries:
        """The prize views' queries (made on first use: it makes sure their tables exist)."""
        return PrizeQueries(self.store)

    def close(self) -> None:
        if self._views is not None:
            self._views.close()

    def _written(self, written: dict[UUID, int]) -> None:
        with self._lock:
            self._changed.update(written)

    @property
    def remembers(self) -> bool:
        """Whether standings answers are kept encoded: the projector runs here (it tells
        what it changed), or the views are a local SQLite file (a lookup tells it)."""
        return self.projector is not None or self._views is not None

    def results_position(self) -> int:
        if self.projector is not None:
            return self.projector.positions.get(ResultsProjection.name, 0)
        return self.queries.results_position()

    def cached_standings(self, competition_id: UUID) -> tuple[str, bytes, bytes, int] | None:
        """The encoded standings and the views' position, if the competition's rows have not
        changed since the answer was encoded. The projector in this process says at once
        what it changed; a projector elsewhere is asked through the views (one lookup of
        the competition's row and the tracking row, on SQLite only)."""
        with self._lock:
            hit = self._encoded.get(competition_id)
            changed = self._changed.get(competition_id)
        if hit is None:
            return None
        if self.projector is not None:
            position = self.results_position()
        elif self._views is not None:
            row = self._views.one(self._lookup, (ResultsProjection.name, str(competition_id)))
            if row is None:
                return None
            position, changed = int(row[0] or 0), int(row[1])
        else:
            return None
        if changed is None or hit[0] != changed:
            return None
        return hit[1], hit[2], hit[3], position

    def remember_standings(
        self, competition_id: UUID, position: int, answer: models.StandingsOut
    ) -> None:
        if not self.remembers:
            return
        encoded = msgspec.json.encode(msgspec.structs.replace(answer, as_of_position=0))
        head, found, tail = encoded.partition(b'"as_of_position":0')
        if not found:  # pragma: no cover - the field is always there
            return
        with self._lock:
            # A newer position told meanwhile wins; this answer then never matches.
            if self.projector is not None:
                self._changed.setdefault(competition_id, position)
            self._encoded[competition_id] = (
                position,
                answer.status,
                head + b'"as_of_position":',
                tail,
            )
            self._encoded.move_to_end(competition_id)
            if len(self._encoded) > self.ENCODED_CACHE:
                self._encoded.popitem(last=False)

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


def sync_wait(request: Request[Any, Any, Any], header: str | None) -> None:
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


def versioned(data: Any, version: int, if_none_match: str | None) -> Response[Any]:
    """``data`` with a strong ``ETag``, or 304 when ``If-None-Match`` names that version."""
    etag = f'"{version}"'
    if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(content=b"", status_code=304, headers={"ETag": etag})
    return Response(content=data, headers={"ETag": etag})


def read(
    path: str,
    *,
    summary: str,
    description: str,
    responses: dict[int, ResponseSpec] = READ_RESPONSES,
    tags: Sequence[str] | None = None,
    media_type: str | None = None,
    waits: bool = True,
) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
    """The route decorator of a read from the views: a GET run in a worker thread that first
    waits for ``X-Registry-Min-Position`` (:func:`sync_wait`), so no read can forget it; the
    header joins the handler's parameters after the ids of the path. ``waits=False``: a
    read that does not come from the views (time travel reads the events)."""
    options: dict[str, Any] = {"tags": list(tags)} if tags else {}
    if media_type is not None:
        options["media_type"] = media_type
    route = get(
        path,
        summary=summary,
        description=description,
        sync_to_thread=True,
        responses=responses,
        **options,
    )
    return (lambda handler: route(_waiting(handler))) if waits else route


def _waiting(handler: Callable[..., T]) -> Callable[..., T]:
    """``handler`` with the ``X-Registry-Min-Position`` header, waited for before it runs."""
    hints = get_type_hints(handler, include_extras=True)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [
        p.replace(annotation=hints[p.name]) for p in inspect.signature(handler).parameters.values()
    ]
    # after the request and the path's ids: before the first parameter with a default
    at = next((i for i, p in enumerate(parameters) if p.default is not p.empty), len(parameters))
    parameters.insert(
        at, inspect.Parameter("min_position", kind, annotation=MinPosition, default=None)
    )

    @functools.wraps(handler)
    def waiting(
        request: Request[Any, Any, Any], *args: Any, min_position: str | None = None, **kwargs: Any
    ) -> T:
        sync_wait(request, min_position)
        return handler(request, *args, **kwargs)

    # Litestar reads a handler's parameters from its signature and annotations
    signature = inspect.Signature(parameters, return_annotation=hints["return"])
    waiting.__signature__ = signature  # type: ignore[attr-defined]
    waiting.__annotations__ = {
        **{p.name: p.annotation for p in parameters},
        "return": signature.return_annotation,
    }
    return waiting
