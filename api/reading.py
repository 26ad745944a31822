"""What the read endpoints share: the read side, read-your-writes, ``ETag``s, the route.

:class:`ReadSide` is what results, prizes and audit endpoints read from: the views' queries,
and how to wait for a position. Read-your-writes (:func:`await_position`):
``X-Registry-Min-Position: N`` must be a decimal of at most 20 digits (else 422); a position
beyond the store's head is refused at once (409 ``/problems/position-not-recorded``); else the
request waits (at most 5 s, then 503 ``/problems/views-behind`` with ``Retry-After``) until
the views have processed N. The wait holds no worker thread: it awaits the in-process
projector's progress, or polls the views' tracking rows with back-off when the projector runs
elsewhere. At most ``Limits.max_position_waiters`` requests of a process wait at once; one
more is answered 503 ``/problems/too-many-waiters`` with ``Retry-After`` at once.

``ETag``s of reads (:func:`versioned`) are strong and derived from the answer's bytes (the
resource's version, then a digest of the encoded body), so they change whenever the body
does — a competition added to a championship, a status, another caller's visibility — and
``If-None-Match`` gets 304 only for the very same body. The version stays the tag's first
part, so ``If-Match`` on a command accepts a read's tag too (``api.routes``).

:func:`read` is the route decorator of a read from the views: an async route that awaits
``X-Registry-Min-Position`` on the event loop, then runs the (sync) handler in a worker
thread, with the problems it can answer.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import Annotated, Any, TypeVar, get_type_hints
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.concurrency import sync_to_thread
from litestar.enums import MediaType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter
from litestar.serialization import encode_json

from api.coalesce import Coalesced
from api.problems import ApiProblem, problem_responses
from domain.errors import N_
from projections import models
from projections.prizes import PrizeQueries
from projections.queries import ViewQueries
from projections.results import ResultsProjection
from projections.runner import Projector, reached_in_store, views_reached, wait_in_store
from projections.store import ViewStore
from store.dialect import local_reader

T = TypeVar("T")

MIN_POSITION_WAIT = 5.0
#: concurrent ``X-Registry-Min-Position`` waits of a process, unless told otherwise
MAX_POSITION_WAITERS = 64
READ_RESPONSES = problem_responses(400, 401, 403, 404, 409, 422, 503)
MIN_POSITION_HEADER = "X-Registry-Min-Position"
_POSITION = re.compile(r"[0-9]{1,20}")

MinPosition = Annotated[
    str | None,
    HeaderParameter(
        name=MIN_POSITION_HEADER,
        required=False,
        description="Read-your-writes: wait (at most 5 s) until the views have processed this "
        "notification position (a command's `position`); else 503 with `Retry-After`. A "
        "decimal of at most 20 digits (else 422); beyond the store's head: 409 "
        "`/problems/position-not-recorded` at once; too many waiting reads: 503 "
        "`/problems/too-many-waiters` with `Retry-After` at once.",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(name="If-None-Match", required=False, max_length=200),
]


def _still(
    hit: tuple[int, str, bytes, bytes], changed: int | None, position: int
) -> tuple[str, bytes, bytes, int] | None:
    """A remembered answer (``hit``) with the views' position, if the competition's rows
    last changed where they had when it was encoded."""
    if changed is None or hit[0] != changed:
        return None
    return hit[1], hit[2], hit[3], position


class ReadSide:
    """What the results endpoints read from: the views, and how to wait for a position."""

    #: standings answers kept encoded (competitions)
    ENCODED_CACHE = 512

    def __init__(
        self,
        store: ViewStore,
        projector: Projector | None = None,
        *,
        head: Callable[[], int] | None = None,
        max_waiters: int = MAX_POSITION_WAITERS,
        hurry: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        #: tells a projector in another process that a request waits (no coalescing pause)
        self.hurry = hurry
        #: the store's head position (a query: called in a worker thread)
        self.head = head
        self.max_waiters = max_waiters
        #: requests of this process awaiting a position now (changed on the event loop only)
        self.waiters = 0
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
            f"WHERE application_name = ?) AS tracked, position FROM "
            f"{store.table('v_competition')} WHERE id = ?"
        )
        #: without the projector here, on PostgreSQL (its own ``registry project``): the same
        #: lookup through the views' pool, one round trip instead of the rows' two and
        #: their encoding; it blocks, so callers on the event loop ask :attr:`lookup_blocks`
        #: (or use :meth:`cached_standings_shared`: the requests of one moment share one)
        self._pooled = projector is None and self._views is None
        self.shared_rows = Coalesced(self._changed_in_views) if self._pooled else None
        self._many = (
            f"SELECT (SELECT notification_id FROM {store.tracking_table} "
            f"WHERE application_name = ?) AS tracked, id, position FROM "
            f"{store.table('v_competition')} WHERE id = ANY(?)"
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
        return self.projector is not None or self._views is not None or self._pooled

    @property
    def lookup_blocks(self) -> bool:
        """Whether :meth:`cached_standings` asks the database server (PostgreSQL with the
        projector elsewhere): on the event loop, call it in a worker thread."""
        return self._pooled

    def results_position(self) -> int:
        if self.projector is not None:
            return self.projector.positions.get(ResultsProjection.name, 0)
        return self.queries.results_position()

    def cached_standings(self, competition_id: UUID) -> tuple[str, bytes, bytes, int] | None:
        """The encoded standings and the views' position, if the competition's rows have not
        changed since the answer was encoded. The projector in this process says at once
        what it changed; a projector elsewhere is asked through the views (one lookup of
        the competition's row and the tracking row: the local file on SQLite, a round trip
        on PostgreSQL — see :attr:`lookup_blocks`)."""
        with self._lock:
            hit = self._encoded.get(competition_id)
            changed = self._changed.get(competition_id)
        if hit is None:
            return None
        position: int | None
        if self.projector is not None:
            position = self.results_position()
        elif self._views is not None:
            row = self._views.one(self._lookup, (ResultsProjection.name, str(competition_id)))
            if row is None:
                return None
            position, changed = int(row[0] or 0), int(row[1])
        elif self._pooled:
            found = self.store.fetchone(self._lookup, (ResultsProjection.name, str(competition_id)))
            if found is None:
                return None
            position, changed = int(found["tracked"] or 0), int(found["position"])
        else:
            return None
        return _still(hit, changed, position)

    async def cached_standings_shared(
        self, competition_id: UUID
    ) -> tuple[str, bytes, bytes, int] | None:
        """:meth:`cached_standings` on the event loop: with the projector elsewhere on
        PostgreSQL, the lookup is shared by the requests asking at the same moment (one round
        trip for all of them, started after each arrived: :mod:`api.coalesce`)."""
        if self.shared_rows is None:
            if self.lookup_blocks:
                return await sync_to_thread(self.cached_standings, competition_id)
            return self.cached_standings(competition_id)
        with self._lock:
            hit = self._encoded.get(competition_id)
        if hit is None:
            return None
        found = await self.shared_rows.get(competition_id)
        if found is None:
            return None
        return _still(hit, found[1], found[0])

    def _changed_in_views(self, ids: Sequence[UUID]) -> dict[UUID, tuple[int, int]]:
        """(the results views' position, the position that last changed the competition's
        rows) of each competition with rows, by one lookup."""
        rows = self.store.fetchall(self._many, (ResultsProjection.name, [str(i) for i in ids]))
        return {UUID(row["id"]): (int(row["tracked"] or 0), int(row["position"])) for row in rows}

    def remember_standings(
        self, competition_id: UUID, position: int, answer: models.StandingsOut
    ) -> bytes:
        """``answer`` encoded (the response's body), kept around its ``as_of_position`` when
        :attr:`remembers`: encoded once, for the response and for memory."""
        encoded = msgspec.json.encode(answer)
        if not self.remembers:
            return encoded
        # ``as_of_position`` follows two ids and the status: its first occurrence is its own
        head, found, rest = encoded.partition(b'"as_of_position":')
        if not found:  # pragma: no cover - the field is always there
            return encoded
        tail = rest[len(str(answer.as_of_position)) :]
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
        return encoded

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait in the calling thread (tests, scripts); requests use :meth:`reach`."""
        if self.projector is not None:
            return self.projector.wait_for(position, timeout)
        return wait_in_store(self.store, position, timeout)

    async def reach(self, position: int, timeout: float = MIN_POSITION_WAIT) -> None:
        """Return once the views have processed ``position``, holding no thread; else raise
        409 (beyond the store's head), 503 ``too-many-waiters`` or 503 ``views-behind``."""
        if self.projector is not None and self.projector.position >= position:
            return
        if self.projector is None and await sync_to_thread(views_reached, self.store, position):
            return  # the usual case: no need to ask the store's head
        if self.head is not None:
            head = await sync_to_thread(self.head)
            if position > head:
                raise ApiProblem(
                    409,
                    "position-not-recorded",
                    "no event has been recorded at position %(position)s: the store's head is "
                    "%(head)s",
                    params={"position": position, "head": head},
                    extra={"head_position": head},
                )
        if self.waiters >= self.max_waiters:
            raise ApiProblem(
                503,
                "too-many-waiters",
                "%(waiting)s reads already wait for a position; retry shortly",
                params={"waiting": self.waiters},
                headers={"Retry-After": "1"},
            )
        self.waiters += 1
        if self.hurry is not None:
            self.hurry()
        try:
            if self.projector is not None:
                done = await self.projector.reached(position, timeout)
            else:
                done = await reached_in_store(self.store, position, timeout)
        finally:
            self.waiters -= 1
        if not done:
            raise ApiProblem(
                503,
                "views-behind",
                "the views have not reached position %(position)s within %(seconds)s s",
                params={"position": position, "seconds": format(timeout, ".0f")},
                headers={"Retry-After": "1"},
            )

    def position(self) -> int:
        if self.projector is not None:
            return self.projector.position
        return self.queries.results_position()


def read_side(request: Request[Any, Any, Any]) -> ReadSide:
    return request.app.state.read_side  # type: ignore[no-any-return]


def parse_min_position(header: str | None) -> int | None:
    """The position ``X-Registry-Min-Position`` asks for (None: no header); 422 unless it is
    a decimal of at most 20 ASCII digits."""
    if header is None:
        return None
    if not _POSITION.fullmatch(header):
        expected = N_("a decimal of at most 20 digits")
        raise ApiProblem(
            422,
            "invalid-input",
            "%(header)s must be a notification position: a decimal of at most 20 digits",
            params={"header": MIN_POSITION_HEADER},
            errors=[{"field": MIN_POSITION_HEADER, "message": expected}],
        )
    return int(header)


async def await_position(request: Request[Any, Any, Any], header: str | None) -> None:
    """``X-Registry-Min-Position``, awaited on the event loop (:meth:`ReadSide.reach`)."""
    position = parse_min_position(header)
    if position is not None:
        await read_side(request).reach(position)


def etag_of(version: int, content: bytes) -> str:
    """A strong ``ETag``: the resource's version, then a digest of the answer's bytes."""
    return f'"{version}-{hashlib.blake2b(content, digest_size=8).hexdigest()}"'


def versioned(data: Any, version: int, if_none_match: str | None) -> Response[Any]:
    """``data`` encoded, with a strong ``ETag`` made of ``version`` and a digest of the bytes
    (so it changes whenever the body does), or 304 when ``If-None-Match`` names that tag."""
    content = encode_json(data)
    etag = etag_of(version, content)
    if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(content=b"", status_code=304, headers={"ETag": etag})
    return Response(content=content, media_type=MediaType.JSON, headers={"ETag": etag})


def read(
    path: str,
    *,
    summary: str,
    description: str,
    responses: dict[int, ResponseSpec] = READ_RESPONSES,
    tags: Sequence[str] | None = None,
    media_type: str | None = None,
    waits: bool = True,
    guards: Sequence[Any] | None = None,
) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
    """The route decorator of a read from the views: an async GET that first awaits
    ``X-Registry-Min-Position`` (:func:`await_position`), so no read can forget it, then runs
    the sync handler in a worker thread; the header joins the handler's parameters after the
    ids of the path. ``waits=False``: a read that does not come from the views (time travel
    reads the events), a plain GET in a worker thread. ``guards``: who may read (checked
    before the wait)."""
    options: dict[str, Any] = {"tags": list(tags)} if tags else {}
    if not waits:  # a sync handler of its own; the waiting ones are async
        options["sync_to_thread"] = True
    if media_type is not None:
        options["media_type"] = media_type
    if guards:
        options["guards"] = list(guards)
    route = get(
        path,
        summary=summary,
        description=description,
        responses=responses,
        **options,
    )
    return (lambda handler: route(_waiting(handler))) if waits else route


def _waiting(handler: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """``handler`` with the ``X-Registry-Min-Position`` header, awaited before it runs in a
    worker thread."""
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
    async def waiting(
        request: Request[Any, Any, Any], *args: Any, min_position: str | None = None, **kwargs: Any
    ) -> T:
        await await_position(request, min_position)
        return await sync_to_thread(handler, request, *args, **kwargs)

    # Litestar reads a handler's parameters from its signature and annotations
    signature = inspect.Signature(parameters, return_annotation=hints["return"])
    waiting.__signature__ = signature  # type: ignore[attr-defined]
    waiting.__annotations__ = {
        **{p.name: p.annotation for p in parameters},
        "return": signature.return_annotation,
    }
    return waiting
