"""Audit endpoints (issue 6): the NDJSON event feed, aggregate histories, and every value each
mark of a competition ever had. Auditors and admins only (API.md "Audit").

* ``GET /api/v1/audit/events`` streams ``application/x-ndjson``, one stored event per line in
  position order (line format: :mod:`projections.audit_feed`), from ``after`` up to the head
  as it was when the request began (``X-Registry-Head-Position`` says which), at most
  ``limit`` lines. Resume with ``after=<the last position seen>`` (or the head, when the
  stream ended without a limit). Filters: ``aggregate_id``, ``actor`` (an account id),
  ``type`` (repeatable or comma-separated: a full topic ``registry.Competition.MarkAmended``,
  ``Competition.MarkAmended`` or just ``MarkAmended``), ``since`` (inclusive) and ``until``
  (exclusive), ISO 8601 times with an offset.
* ``GET /api/v1/audit/aggregates/{id}`` — every event of one aggregate in version order, with
  position, time, actor (id and name), type, reason and data.
* ``GET /api/v1/audit/competitions/{id}/marks`` — per mark (competitor × aspect × expert)
  the sequence of its values: entered, corrected, amended, each with the event's position,
  time, actor and reason.

Parameters are parsed here, not by Litestar, so that every bad value is a 400 problem
naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from api.auth import AUDITORS, caller, roles
from api.messages import Message
from api.problems import forbidden, found, invalid_field, problem_responses
from api.routes import SECURITY, doc
from domain.values import ExpertRole, Role
from projections import models
from projections.audit_feed import (
    Feed,
    FeedError,
    FeedFilter,
    aggregate_history,
    parse_moment,
    resolve_types,
    time_text,
)
from projections.time_travel import for_app, marks_history

NDJSON = "application/x-ndjson"
MAX_LIMIT = 10**12

READ_PROBLEMS = problem_responses(400, 401, 403, 404, 503)


ERRORS = (
    "Errors are RFC 9457 problem details (`application/problem+json`): 400 a bad parameter "
    "(`errors` names it), 401 no or an unknown token, 403 another role, 404 an unknown id."
)


def _doc(text: str) -> str:
    return doc(text, "auditor, admin", ERRORS)


def _query(name: str, description: str) -> Any:
    return Annotated[
        str | None,
        QueryParameter(name=name, required=False, description=description),
    ]


After = _query(
    "after",
    "Resume after this notification position (the last `position` seen); 0 = from the start.",
)
Limit = _query("limit", "At most this many lines (default: every event up to the head).")
AggregateFilter = _query("aggregate_id", "Only the events of this aggregate (a UUID).")
ActorFilter = _query("actor", "Only the events recorded by this account (a UUID).")
Since = _query("since", "Only events stamped at or after this time (ISO 8601 with an offset).")
Until = _query("until", "Only events stamped before this time (ISO 8601 with an offset).")
TypeFilter = Annotated[
    list[str] | None,
    QueryParameter(
        name="type",
        required=False,
        description="Only events of these types (repeat, or separate with commas): a full "
        "topic `registry.Competition.MarkAmended`, `Competition.MarkAmended`, or the event's "
        "name `MarkAmended` (`Created` = every creation).",
    ),
]


def whole_parameter(value: str | None, field: str, *, minimum: int) -> int | None:
    """A query parameter or header that must be a whole number >= ``minimum`` (None: absent);
    a ``FeedError`` naming ``field`` otherwise. Shared with the SSE feed (``api.streams``)."""
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or len(text) > 18 or int(text) < minimum:
        raise FeedError(
            field,
            "expected a whole number >= %(minimum)s, not %(value)r",
            minimum=minimum,
            value=value,
        )
    return int(text)


def _uuid(value: str | None, field: str) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value.strip())
    except ValueError:
        raise FeedError(field, "%(value)r is not a UUID", value=value) from None


def feed_filter(
    aggregate_id: str | None,
    actor: str | None,
    types: list[str] | None,
    since: str | None,
    until: str | None,
) -> FeedFilter:
    """The filters of a feed request (:class:`FeedError` for a bad one)."""
    start = parse_moment(since, "since") if since is not None else None
    end = parse_moment(until, "until") if until is not None else None
    if start is not None and end is not None and end <= start:
        raise FeedError("until", "must be later than since")
    return FeedFilter(
        aggregate_id=_uuid(aggregate_id, "aggregate_id"),
        actor=_uuid(actor, "actor"),
        types=resolve_types(types) if types else (),
        since=time_text(start) if start is not None else None,
        until=time_text(end) if end is not None else None,
    )


class FeedActor(msgspec.Struct):
    id: UUID
    name: str | None


class FeedLineDoc(msgspec.Struct):
    """One line of the feed (the OpenAPI document's description of it)."""

    position: int
    time: str
    actor: FeedActor
    type: str
    aggregate_id: UUID
    version: int
    data: dict[str, Any]


@get(
    "/audit/events",
    guards=[AUDITORS],
    sync_to_thread=True,
    summary="The event feed (NDJSON), resumable from a position",
    description=_doc(
        "Every stored event, one JSON object per line (`application/x-ndjson`) in position "
        "order: `{position, time, actor: {id, name}, type, aggregate_id, version, data}`. "
        "`type` is the stored topic (`registry.Competition.MarksEntered`); `time` the event's "
        "UTC timestamp; `data` every field of the event in its current shape (decimals, ids "
        "and times as strings). The stream ends at the head as it was when the request began "
        "(header `X-Registry-Head-Position`) or after `limit` lines; resume with "
        "`after=<last position seen>`. Memory is constant: millions of events stream."
    ),
    responses={
        200: ResponseSpec(
            data_container=FeedLineDoc,
            description="one FeedLine per line",
            media_type=NDJSON,
            generate_examples=False,
        ),
        **READ_PROBLEMS,
    },
    security=SECURITY,
    tags=["audit"],
)
def audit_events(
    request: Request[Any, Any, Any],
    after: After = None,
    limit: Limit = None,
    aggregate_id: AggregateFilter = None,
    actor: ActorFilter = None,
    event_type: TypeFilter = None,
    since: Since = None,
    until: Until = None,
) -> Stream:
    try:
        start = whole_parameter(after, "after", minimum=0) or 0
        most = whole_parameter(limit, "limit", minimum=1)
        selected = feed_filter(aggregate_id, actor, event_type, since, until)
    except FeedError as error:
        raise invalid_field(error.field, Message(error.template, error.params)) from None
    registry = request.app.state.registry
    head = registry.head_position()
    side = getattr(request.app.state, "read_side", None)
    feed = Feed(
        registry,
        head=head,
        after=start,
        limit=most,
        selected=selected,
        views=side.store if side is not None else None,
    )
    return Stream(
        feed.chunks(),
        media_type=NDJSON,
        headers={"X-Registry-Head-Position": str(head), "Cache-Control": "no-store"},
    )


class HistoryEventDoc(msgspec.Struct):
    position: int
    time: str
    actor: FeedActor
    type: str
    version: int
    reason: str | None
    data: dict[str, Any]


class AggregateHistoryDoc(msgspec.Struct):
    aggregate_id: UUID
    aggregate_type: str
    version: int
    events: list[HistoryEventDoc]


@get(
    "/audit/aggregates/{aggregate_id:uuid}",
    guards=[AUDITORS],
    sync_to_thread=True,
    summary="The history of one aggregate",
    description=_doc(
        "Every event of one aggregate (an account, organisation, participant, championship, "
        "competition or prize programme) in version order: position, time, actor (id and "
        "name), type, its reason where it has one, and its data as in the feed."
    ),
    responses={
        200: ResponseSpec(data_container=AggregateHistoryDoc, description="the history"),
        **READ_PROBLEMS,
    },
    security=SECURITY,
    tags=["audit"],
)
def audit_aggregate(
    request: Request[Any, Any, Any], aggregate_id: FromPath[UUID]
) -> Response[bytes]:
    history = found(
        aggregate_history(request.app.state.registry, aggregate_id),
        "nothing is recorded for id %(id)s",
        id=aggregate_id,
    )
    # Encoded here: ``data`` is the stored JSON spliced in (msgspec.Raw), never decoded.
    return Response(
        content=msgspec.json.encode(history),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@get(
    "/audit/competitions/{competition_id:uuid}/marks",
    guards=[AUDITORS],
    sync_to_thread=True,
    summary="Every value each mark of a competition ever had",
    description=_doc(
        "Per mark (competitor × aspect × the expert who holds it): its current value and "
        "every value it had, oldest first — `entered`, `corrected` (during marking) or "
        "`amended` (after publication) — with the event's position, time, actor and reason."
    ),
    responses=READ_PROBLEMS,
    security=SECURITY,
    tags=["audit"],
)
def audit_competition_marks(
    request: Request[Any, Any, Any], competition_id: FromPath[UUID]
) -> models.CompetitionMarks:
    return competition_marks(request.app.state.registry, competition_id)


def competition_marks(
    registry: Any, competition_id: UUID, expert_id: UUID | None = None
) -> models.CompetitionMarks:
    """Every mark of a competition with its history (404 if unknown); ``expert_id``: only
    that expert's. ``GET /audit/competitions/{id}/marks``, ``GET /competitions/{id}/marks``
    and the marking sheet share it."""
    timeline = found(
        for_app(registry).timeline(competition_id),
        "no competition with id %(id)s",
        id=competition_id,
    )
    return marks_history(registry, timeline, expert_id)


MARK_READERS = roles(Role.ORGANISER, Role.AUDITOR, Role.CHIEF_EXPERT, Role.EXPERT)


async def _scoped_expert(connection: Any, _: Any) -> None:
    """Experts and chief experts read the marks of the competitions they judge only."""
    account = caller(connection)
    if account.role in (Role.EXPERT, Role.CHIEF_EXPERT):
        value = connection.path_params["competition_id"]
        competition_id = value if isinstance(value, UUID) else UUID(str(value))
        if competition_id not in account.competition_ids:
            raise forbidden("you are not an expert of this competition", code="not-assigned")


def marks_for(registry: Any, account: Any, competition_id: UUID) -> models.CompetitionMarks:
    """The marks ``account`` may read, with their histories: an expert of the competition
    their own; its chief, organisers and auditors all of them."""
    if account.role in (Role.ORGANISER, Role.AUDITOR):
        return competition_marks(registry, competition_id)
    expert = registry.competition(competition_id).experts.get(account.id)
    if expert is not None and expert.role is ExpertRole.CHIEF:
        return competition_marks(registry, competition_id)
    return competition_marks(registry, competition_id, account.id)


@get(
    "/competitions/{competition_id:uuid}/marks",
    guards=[MARK_READERS, _scoped_expert],
    sync_to_thread=True,
    summary="The marks of a competition with their histories (experts: their own)",
    description=doc(
        "Per mark (competitor × aspect × the expert who holds it): its current value and "
        "every value it had, oldest first — `entered`, `corrected` (with the reason) or "
        "`amended` — with the event's position, time, actor and version (the shape of "
        "`GET /audit/competitions/{id}/marks`). An expert of the competition gets the "
        "marks they hold; its chief expert, organisers and auditors get every mark. "
        "Read from the events: always up to date, no `X-Registry-Min-Position` needed.",
        "expert or chief_expert assigned to this competition (an expert: their own marks), "
        "organiser, auditor; not admin (accounts only)",
        "Errors are RFC 9457 problem details (`application/problem+json`): 401 no or an "
        "unknown token, 403 another role or an expert of another competition "
        "(`/problems/not-assigned`), 404 an unknown competition.",
    ),
    responses=READ_PROBLEMS,
    security=SECURITY,
    tags=["marking"],
)
def get_competition_marks(
    request: Request[Any, Any, Any], competition_id: FromPath[UUID]
) -> models.CompetitionMarks:
    return marks_for(request.app.state.registry, caller(request), competition_id)


#: handlers under /api/v1
AUDIT_API_HANDLERS: list[Any] = [
    audit_events,
    audit_aggregate,
    audit_competition_marks,
    get_competition_marks,
]
