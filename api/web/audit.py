"""The auditor's workbench (auditors and admins): the event history, one aggregate's story,
time travel on a competition's page, the seal verification.

Every page calls what the JSON endpoint of the same thing calls; nothing here reads the
events table another way or decides a rule:

* ``/audit`` — the audit feed (``GET /api/v1/audit/events``: :class:`projections.audit_feed.
  Feed`, filters parsed by :func:`api.audit.feed_filter`), newest first, paged by position:
  a page is the newest ``PAGE_SIZE`` matching events at or below ``upto`` (read in windows of
  positions going down), or the oldest above ``after``. Personal fields are withheld exactly
  as in the feed (its lines are what the rows are made of). On the newest page
  ``static/audit.js`` listens to ``/audit/live`` (the hub of ``GET /api/v1/audit/events/
  stream``, :mod:`api.streams`) and prepends the rows ``?fragment=rows&after=N`` renders.
* ``/audit/aggregates/{id}`` — :func:`projections.audit_feed.aggregate_history` (``GET /api/
  v1/audit/aggregates/{id}``) told as a story in the viewer's language (:class:`Storyteller`),
  names resolved from the creation events (:class:`projections.audit_feed.CreatedNames`).
* :func:`competition_time_travel` — ``/competitions/{id}?as_of=…&compare=…`` (the public page
  delegates here): :func:`api.results.standings_as_of` and :func:`api.results.standings_diff`,
  the functions behind ``GET …/standings?as_of=`` and ``GET …/standings/diff``.
* ``/audit/verify`` — :func:`api.seal.seal_report` (``GET /api/v1/audit/verify``), and the
  newest recorded checkpoint's signature (:mod:`projections.seal.checkpoints`).

Times are shown in Oskemen's time (``domain.values.LOCAL_TIME``, UTC+5); a time typed
without an offset is read in it.

This module holds the handlers; the reading of the history (newest first, the rows, the
times) is :mod:`api.web.audit_history`, the sentences :mod:`api.web.audit_story`. Their names
are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import ServerSentEvent, Template
from markupsafe import Markup

from api.audit import feed_filter
from api.auth import AUDITORS
from api.i18n import N_, Translator, translator
from api.messages import Message
from api.problems import ApiProblem, forbidden
from api.results import (
    championship_detail,
    competition_detail,
    standings_as_of,
    standings_diff,
)
from api.seal import seal_report
from api.streams import stream_hub
from api.web.audit_history import (
    FIRST_WINDOW,
    PAGE_SIZE,
    FeedLine,
    Row,
    _data,
    accounts,
    event_choices,
    local_input,
    local_time,
    moment_text,
    newest_first,
    rows_of,
)
from api.web.audit_story import (
    AGGREGATE_NAMES,
    EVENT_NAMES,
    PSEUDO_LABELS,
    ROLE_WORDS,
    Names,
    Story,
    Storyteller,
    link,
)
from api.web.pages import language, render, viewer
from domain.values import Role
from projections.audit_feed import FeedError, aggregate_history
from projections.seal.checkpoints import check_signature, newest_checkpoint

__all__ = [
    "AGGREGATE_NAMES",
    "AUDIT_PAGE_HANDLERS",
    "EVENT_NAMES",
    "FIRST_WINDOW",
    "PAGE_SIZE",
    "PSEUDO_LABELS",
    "ROLE_WORDS",
    "FeedLine",
    "Names",
    "Row",
    "Story",
    "Storyteller",
    "accounts",
    "competition_time_travel",
    "event_choices",
    "link",
    "local_input",
    "local_time",
    "moment_text",
    "newest_first",
    "require_auditor",
    "rows_of",
]

AnyRequest = Request[Any, Any, Any]

#: the roles that open the workbench (``api.auth.AUDITORS``)
WORKBENCH_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})


# ------------------------------------------------------------------ texts

#: What a seal problem means, in words (``projections.seal.verify``'s kinds).
SEAL_PROBLEMS: Mapping[str, str] = {
    "edited": N_(
        "The stored event at position %(position)s does not match its seal: it was changed "
        "after it was sealed."
    ),
    "deleted": N_("Position %(position)s is sealed but no stored event has it: it was deleted."),
    "inserted": N_(
        "The stored event at position %(position)s has no seal although later positions are "
        "sealed: it was inserted (or its seal removed)."
    ),
    "malformed": N_(
        "The stored row at position %(position)s is not what the registry stores: it was "
        "edited outside the registry."
    ),
    "truncated": N_(
        "The newest events, from position %(position)s on, were deleted together with their "
        "seals (the seals or the newest checkpoint reach further than the stored events)."
    ),
    "bad-checkpoint": N_(
        "The newest recorded checkpoint (position %(position)s) is not genuine: its signature "
        "does not match."
    ),
}

#: What a stored row edited outside the registry makes the readers raise.
DAMAGED = (msgspec.DecodeError, msgspec.ValidationError, ValueError, KeyError, TypeError)
DAMAGED_TEXT = N_(
    "The history cannot be read here: a stored row is damaged. The seal verification names it."
)

# ------------------------------------------------------------------ access


def require_auditor(request: AnyRequest) -> None:
    """Auditors and admins; the public is sent to sign in (401), other roles get 403."""
    account = viewer(request)
    if account is None:
        raise NotAuthorizedException()
    if account.role not in WORKBENCH_ROLES:
        raise forbidden("the auditor's workbench is for auditors and administrators")


def _field_error(error: FeedError | ApiProblem, tr: Translator) -> tuple[str, str]:
    """``(field, message in the viewer's language)`` of a refused parameter."""
    if isinstance(error, FeedError):
        return error.field, Message(error.template, error.params).text(tr)
    if error.field_messages:
        field, message = error.field_messages[0]
        return field, message.text(tr)
    return "", error.message.text(tr)


# ------------------------------------------------------------------ /audit


def _position(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise FeedError(
            "upto", "expected a whole number >= %(minimum)s, not %(value)r", minimum=0, value=value
        )
    return int(text)


@get("/audit", name="audit-events", guards=[AUDITORS], sync_to_thread=True, include_in_schema=False)
def audit_events_page(request: AnyRequest) -> Template:
    registry = request.app.state.registry
    lang = language(request)
    tr = translator(lang)
    query = request.query_params
    form = {
        key: (query.get(key) or "").strip()
        for key in ("type", "actor", "aggregate", "since", "until", "upto", "after")
    }
    errors: dict[str, str] = {}
    head = registry.head_position()
    lines: list[FeedLine] = []
    older = False
    try:
        selected = feed_filter(
            form["aggregate"] or None,
            form["actor"] or None,
            [form["type"]] if form["type"] else None,
            moment_text(form["since"]),
            moment_text(form["until"]),
        )
        upto = _position(form["upto"])
        try:
            after = _position(form["after"])
        except FeedError as error:
            raise FeedError("after", error.template, **error.params) from None
    except FeedError as error:
        field, message = _field_error(error, tr)
        errors[{"aggregate_id": "aggregate"}.get(field, field)] = message
    else:
        side = getattr(request.app.state, "read_side", None)
        try:
            lines, older = newest_first(
                registry,
                side.store if side is not None else None,
                selected,
                head=head,
                upto=upto,
                after=after,
                size=PAGE_SIZE,
                window=FIRST_WINDOW,
            )
        except DAMAGED:
            errors["after"] = tr.gettext(DAMAGED_TEXT)
            lines, older = [], False
    names = Names(registry, lang)
    try:
        rows = rows_of(lines, names, tr)
    except DAMAGED:
        errors["after"] = tr.gettext(DAMAGED_TEXT)
        rows = []
    filters = {k: v for k, v in form.items() if v and k not in ("upto", "after")}

    def href(**cursor: int) -> str:
        params = {**filters, **{k: str(v) for k, v in cursor.items()}}
        return "/audit" + (f"?{urlencode(params)}" if params else "")

    if query.get("fragment") == "rows":  # the rows alone, for static/audit.js
        return render(request, "audit/_event_rows.html", rows=rows)
    newest = not errors and not form["upto"] and (not rows or rows[0].position >= head)
    return render(
        request,
        "audit/events.html",
        live_href=f"/audit/live?after={head}" if newest else None,
        fragment_href="/audit?" + urlencode({**filters, "fragment": "rows"}),
        form=form,
        inputs={key: local_input(form[key]) for key in ("since", "until")},
        errors=errors,
        rows=rows,
        head=head,
        newest_href=href(),
        older_href=href(upto=rows[-1].position - 1) if older and rows else None,
        newer_href=href(after=rows[0].position) if rows and rows[0].position < head else None,
        event_choices=event_choices(tr),
        accounts=[(*a, tr.gettext(ROLE_WORDS.get(a[2], a[2]))) for a in accounts(registry, head)],
        pseudo_actors=[(key, tr.gettext(label)) for key, label in PSEUDO_LABELS.items()],
        page_size=PAGE_SIZE,
    )


@get("/audit/live", name="audit-live", guards=[AUDITORS], include_in_schema=False, cache=False)
async def audit_live(request: AnyRequest) -> ServerSentEvent:
    """The audit stream of ``GET /api/v1/audit/events/stream`` (the same hub and lines) for
    the signed-in workbench, which tells ``static/audit.js`` that events were recorded."""
    text = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
    text = text.strip()
    start = int(text) if text.isdigit() and len(text) <= 18 else 0
    hub = stream_hub(request)
    subscriber = hub.follow(request)
    return ServerSentEvent(
        hub.audit_events(subscriber, start), headers={"Cache-Control": "no-store"}
    )


# ------------------------------------------------------------------ /audit/aggregates/{id}


class Told(msgspec.Struct):
    """One event of an aggregate's history, told."""

    position: int
    version: int
    time: datetime | None
    type: str
    event: str
    actor_id: str
    actor: Markup
    reason: str | None
    story: Story
    data: str


@get(
    "/audit/aggregates/{aggregate_id:uuid}",
    name="audit-aggregate",
    guards=[AUDITORS],
    sync_to_thread=True,
    include_in_schema=False,
)
def audit_aggregate_page(request: AnyRequest, aggregate_id: FromPath[UUID]) -> Template:
    registry = request.app.state.registry
    lang = language(request)
    tr = translator(lang)
    try:
        history = aggregate_history(registry, aggregate_id)
    except DAMAGED:
        return render(
            request,
            "error.html",
            status_code=500,
            error_title=DAMAGED_TEXT,
            error_advice=N_("Open the seal verification: it names the first damaged position."),
            error_detail=None,
            status=500,
        )
    if history is None:
        raise ApiProblem(
            404, "not-found", "nothing is recorded for id %(id)s", params={"id": aggregate_id}
        )
    names = Names(registry, lang)
    teller = Storyteller(names, tr)
    told = []
    for event in history.events:
        data = _data(event.data)
        told.append(
            Told(
                position=event.position,
                version=event.version,
                time=local_time(event.time),
                type=event.type,
                event=tr.gettext(EVENT_NAMES[event.type])
                if event.type in EVENT_NAMES
                else event.type,
                actor_id=event.actor.id,
                actor=teller.actor(event.actor.id),
                reason=event.reason,
                story=teller.tell(event.type, data, event.actor.id),
                data=msgspec.json.format(bytes(event.data), indent=2).decode(),
            )
        )
    kind = history.aggregate_type
    return render(
        request,
        "audit/aggregate.html",
        history=history,
        told=told,
        kind=kind,
        kind_name=tr.gettext(AGGREGATE_NAMES.get(kind, kind)),
        name=names.of(kind, aggregate_id),
        is_competition=kind == "registry.Competition",
    )


# ------------------------------------------------------------------ time travel


def competition_time_travel(request: AnyRequest, competition_id: UUID) -> Template:
    """``/competitions/{id}?as_of=…[&compare=…]``: the standings at a moment and what changed
    between two moments (auditors and admins; the public is sent to sign in, others 403).

    ``as_of`` (default: now) is the moment shown; ``compare`` the moment it is compared
    with (``standings_diff`` from ``compare`` to ``as_of``). Each is a position or a time
    (``moment_text``)."""
    require_auditor(request)
    registry = request.app.state.registry
    lang = language(request)
    tr = translator(lang)
    query = request.query_params
    as_of_text = (query.get("as_of") or "").strip()
    compare_text = (query.get("compare") or "").strip()
    competition = competition_detail(request, competition_id)  # 404 for an unknown id
    championship = championship_detail(request, competition.championship_id)
    errors: dict[str, str] = {}
    standings = None
    diff = None
    head = registry.head_position()
    moment = moment_text(as_of_text) or str(head)
    try:
        standings = standings_as_of(request, competition_id, moment)
    except ApiProblem as error:
        if error.status_code not in (400, 404):
            raise
        errors["as_of"] = _field_error(error, tr)[1]
    if compare_text and not errors:
        try:
            diff = standings_diff(request, competition_id, moment_text(compare_text), moment)
        except ApiProblem as error:
            if error.status_code not in (400, 404):
                raise
            field, message = _field_error(error, tr)
            errors["as_of" if field == "to" else "compare"] = message
    names = Names(registry, lang)
    teller = Storyteller(names, tr)
    events = []
    if diff is not None:
        for ref in diff.events:
            events.append(
                {
                    "position": ref.position,
                    "time": local_time(ref.time),
                    "event": tr.gettext(EVENT_NAMES[ref.type])
                    if ref.type in EVENT_NAMES
                    else ref.type,
                    "actor": teller.actor(ref.actor.id),
                    "reason": ref.reason,
                }
            )
    criteria = (
        sorted({letter for row in standings.rows for letter in row.criteria}) if standings else []
    )
    return render(
        request,
        "audit/time_travel.html",
        competition=competition,
        championship=championship,
        competition_id=competition_id,
        standings=standings,
        criteria=criteria,
        diff=diff,
        diff_events=events,
        tt_errors=errors,
        change_names=CHANGE_NAMES,
        tt_as_of=as_of_text,
        tt_compare=compare_text,
        head=head,
        from_time=local_time(diff.from_.time) if diff is not None else None,
        to_time=local_time(diff.to.time) if diff is not None else None,
        medal_names=MEDAL_NAMES,
        status_names=STATUS_NAMES,
    )


#: What a standings diff's ``changed`` names.
CHANGE_NAMES: Mapping[str, str] = {
    "rank": N_("rank"),
    "total": N_("total"),
    "scaled_score": N_("scaled score"),
    "medal": N_("medal"),
    "medallion": N_("medallion"),
}
MEDAL_NAMES: Mapping[str, str] = {
    "gold": N_("gold"),
    "silver": N_("silver"),
    "bronze": N_("bronze"),
}
STATUS_NAMES: Mapping[str, str] = {
    "setup": N_("being prepared"),
    "marking": N_("marking in progress"),
    "locked": N_("marking finished, awaiting publication"),
    "published": N_("results published"),
}


# ------------------------------------------------------------------ /audit/verify


@get(
    "/audit/verify",
    name="audit-verify",
    guards=[AUDITORS],
    sync_to_thread=True,
    include_in_schema=False,
)
def audit_verify_page(request: AnyRequest) -> Template:
    registry = request.app.state.registry
    tr = translator(language(request))
    report = seal_report(request)
    checkpoint = newest_checkpoint(registry)
    signature_problem = check_signature(checkpoint) if checkpoint is not None else None
    problem_text = None
    if report.problem is not None:
        template = SEAL_PROBLEMS.get(report.problem)
        problem_text = (
            tr.gettext(template, position=report.first_bad_position) if template else report.problem
        )
    return render(
        request,
        "audit/verify.html",
        report=report,
        problem_text=problem_text,
        checkpoint=checkpoint,
        checkpoint_time=local_time(checkpoint.time) if checkpoint is not None else None,
        signature_problem=signature_problem,
    )


AUDIT_PAGE_HANDLERS: list[Any] = [
    audit_events_page,
    audit_live,
    audit_aggregate_page,
    audit_verify_page,
]
