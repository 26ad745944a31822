"""The Results endpoints of API.md, read from the views; ``/readyz``.

Visibility: results are public once a competition is published. Before that, a competition
(and its standings) is visible to organisers, auditors and admins, and to the experts scoped
to it; to anyone else it is 404 without a token (the public never learns that an unpublished
competition exists) and 403 with one. Championship listings show every championship, with
only the competitions the caller may see. Medal tables count published competitions only, so
they are public. A person's results list only what the caller may see. No sensitive personal
data (disability, birth date) is in any of these answers.

Time travel (``?as_of=`` on standings, ``/standings/diff``; :mod:`projections.time_travel`):
a past moment is shown by the visibility rules of the competition's status *at that moment*
— organisers, auditors, admins and its experts see any moment; the public sees moments at or
after publication only (an earlier moment of a published competition is 401: a token can see
it; an unpublished competition stays 404 for the public, whatever the moment).

Read-your-writes (``X-Registry-Min-Position``) and ``ETag``/``If-None-Match``: see
:mod:`api.reading`.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.concurrency import sync_to_thread
from litestar.enums import MediaType
from litestar.params import FromPath, QueryParameter

from api.messages import Message
from api.problems import ApiProblem, forbidden, found, invalid_field, unauthorized
from api.reading import (
    READ_RESPONSES,
    IfNoneMatch,
    MinPosition,
    await_position,
    read,
    read_side,
    versioned,
)
from api.supervisor import describe, read_status
from domain.errors import N_, Phrase
from domain.values import Role
from projections import models, time_travel
from projections.audit_feed import FeedError

PRIVILEGED = frozenset({Role.ORGANISER, Role.AUDITOR, Role.ADMIN})
#: who sees which expert gave which score of a disputed aspect, besides the competition's
#: chief (API.md "Additions"); never the public, other experts or admins (accounts only)
SEE_SCORES = frozenset({Role.ORGANISER, Role.AUDITOR})

AsOfParameter = Annotated[
    str | None,
    QueryParameter(
        name="as_of",
        required=False,
        description="A past moment: a notification position (`1234`) or an ISO 8601 time "
        "with an offset (`2025-05-16T11:00:00+05:00`). The standings are recomputed from the "
        "events up to it, by the live view's rules; `as_of_position` is the position used.",
    ),
]


def _viewer(request: Request[Any, Any, Any]) -> Any:
    return request.scope.get("user")


def may_see(account: Any, competition_id: UUID, status: str | None) -> bool:
    """Whether ``account`` (None: the public) may see a competition in ``status``."""
    if status == "published":
        return True
    if account is None:
        return False
    return account.role in PRIVILEGED or competition_id in account.competition_ids


def _may_see(request: Request[Any, Any, Any], competition_id: UUID, status: str | None) -> bool:
    return may_see(_viewer(request), competition_id, status)


def check_visible(
    request: Request[Any, Any, Any], competition_id: UUID, status: str | None
) -> None:
    """The visibility rule of a competition of ``status`` (None: unknown) for the caller:
    404, 401 or 403 problems as the module docstring says; shared with streams and pages."""
    if status is None:
        raise ApiProblem(
            404, "not-found", "no competition with id %(id)s", params={"id": competition_id}
        )
    if _may_see(request, competition_id, status):
        return
    if _viewer(request) is None:
        raise ApiProblem(
            404, "not-found", "no competition with id %(id)s", params={"id": competition_id}
        )
    raise forbidden("this competition's results are not published yet")


@read(
    "/championships",
    summary="Championships",
    description="Every championship, with how many of its competitions there are and how many "
    "are published. Public.",
)
def list_championships(request: Request[Any, Any, Any]) -> list[models.ChampionshipSummary]:
    return read_side(request).queries.championships()


@read(
    "/championships/{championship_id:uuid}",
    summary="A championship with its competitions",
    description="Public; unpublished competitions are listed only for organisers, auditors, "
    "admins and the competition's experts. Strong `ETag` (the championship's version).",
)
def get_championship(
    request: Request[Any, Any, Any],
    championship_id: FromPath[UUID],
    if_none_match: IfNoneMatch = None,
) -> Response[Any]:
    detail = championship_detail(request, championship_id)
    return versioned(detail, detail.version, if_none_match)


def championship_detail(
    request: Request[Any, Any, Any], championship_id: UUID
) -> models.ChampionshipDetail:
    """The championship with the competitions the caller may see (404 if unknown):
    ``GET /championships/{id}`` and the championship's page."""
    detail = found(
        read_side(request).queries.championship(championship_id),
        "no championship with id %(id)s",
        id=championship_id,
    )
    visible = [c for c in detail.competitions if _may_see(request, c.id, c.status)]
    return msgspec.structs.replace(detail, competitions=visible)


@read(
    "/competitions/{competition_id:uuid}",
    summary="A competition: status, scheme, entrants, experts, marking progress",
    description="Public once published; before that organisers, auditors, admins and the "
    "competition's experts (404 for the public, 403 for other tokens). Strong `ETag`. "
    "Each entrant's `organisation` is the organisation's Russian name, `organisation_kk` "
    "its Kazakh one.",
)
def get_competition(
    request: Request[Any, Any, Any],
    competition_id: FromPath[UUID],
    if_none_match: IfNoneMatch = None,
) -> Response[Any]:
    detail = competition_detail(request, competition_id)
    return versioned(detail, detail.version, if_none_match)


def competition_detail(
    request: Request[Any, Any, Any], competition_id: UUID
) -> models.CompetitionDetail:
    """The competition, if the caller may see it (404 for the public before publication,
    403 for other tokens): ``GET /competitions/{id}`` and the competition's page."""
    detail = read_side(request).queries.competition(competition_id)
    check_visible(request, competition_id, detail.status if detail else None)
    assert detail is not None
    return detail


@get(
    "/competitions/{competition_id:uuid}/standings",
    summary="Standings of a competition",
    description="Rank, competitor, organisation (`organisation` in Russian, `organisation_kk` "
    "in Kazakh), total, scaled score (WorldSkills), medal, medallion, per-criterion "
    "subtotals; disputed aspects; marking progress. Visibility as "
    "for the competition. `as_of_position` is the position the views had reached.\n\n"
    "`disputed` entries are `{competitor_id, full_name, aspect_id, scores: [int]}` for "
    "everyone; for the competition's chief expert, organisers and auditors they also carry "
    "`expert_scores: [{expert_id, name, score}]` (who gave which score, in the order of "
    "`scores`) — never for the public, other experts or admins.\n\n"
    "`?as_of=<position>|<time>`: the standings exactly as they were then, recomputed from "
    "the events (same answer shape; `as_of_position` = the position asked, or for a time "
    "the position of the competition's last event by then). Before publication a moment is "
    "visible as the competition then was: to organisers, auditors, admins and its experts; "
    "the public sees only moments at or after publication (401 for an earlier moment of a "
    "published competition). 400 a bad, future or beyond-the-head `as_of`; 404 a moment "
    "before the competition existed.",
    responses=READ_RESPONSES,
)
async def get_standings(
    request: Request[Any, Any, Any],
    competition_id: FromPath[UUID],
    min_position: MinPosition = None,
    as_of: AsOfParameter = None,
) -> Response[models.StandingsOut]:
    # The live answer, when this process's projector has not changed the competition
    # since the answer was encoded, is served from memory on the event loop: no thread,
    # no query, no encoding (the public's standings GETs during a championship).
    await await_position(request, min_position)
    side = read_side(request)
    if as_of is None:
        hit = await side.cached_standings_shared(competition_id)
        if hit is not None and _may_see(request, competition_id, hit[0]):
            _, head, tail, position = hit
            # nothing disputed: the answer is the same for those who see who gave what
            if not _may_ask_scores(_viewer(request)) or b'"disputed":[]' in tail:
                content = head + str(position).encode() + tail
                return Response(content=content, media_type=MediaType.JSON)
    answer = await sync_to_thread(_standings, request, competition_id, as_of)
    return Response(content=answer, media_type=MediaType.JSON)


def _standings(
    request: Request[Any, Any, Any], competition_id: UUID, as_of: str | None
) -> models.StandingsOut | bytes:
    """The standings at ``as_of``, or the live ones already encoded (and remembered)."""
    if as_of is not None:
        return standings_as_of(request, competition_id, as_of)
    return viewed_standings(request, competition_id)[1]


def standings_as_of(
    request: Request[Any, Any, Any], competition_id: UUID, as_of: str
) -> models.StandingsOut:
    """The standings at a past moment, if the caller may see that moment: ``GET .../
    standings?as_of=`` and the auditor's time travel on the competition's page. The chief,
    organisers and auditors see who gave which disputed score then."""
    moment = _moment_of(request, competition_id, as_of, "as_of")
    answer = time_travel.standings_at(request.app.state.registry, moment, _travel(request))
    state = moment.competition
    roles = {e.account_id: str(e.role) for e in state.experts.values()}
    if not answer.disputed or not _sees_scores(_viewer(request), competition_id, roles):
        return answer
    scores = [
        [
            models.ExpertScore(
                expert_id=expert_id,
                name=state.experts[expert_id].name if expert_id in state.experts else "",
                score=score,
            )
            for expert_id, score in state.judgements[(d.competitor_id, d.aspect_id)].items()
        ]
        for d in answer.disputed
    ]
    return _with_scores(answer, scores)


def live_standings(
    request: Request[Any, Any, Any], competition_id: UUID
) -> tuple[models.StandingsOut, bytes]:
    """The live standings, if the caller may see them, and the JSON answer's bytes (encoded
    once and remembered by the read side): the public's shape, for everyone (the
    competition's page, the stream); :func:`viewed_standings` adds who gave which disputed
    score for those who may see it."""
    standings, encoded, _ = _live(request, competition_id)
    return standings, encoded


def _live(
    request: Request[Any, Any, Any], competition_id: UUID
) -> tuple[models.StandingsOut, bytes, int]:
    side = read_side(request)
    live = side.queries.standings_at_position(competition_id)
    check_visible(request, competition_id, live[0].status if live else None)
    assert live is not None
    standings, position = live
    return standings, side.remember_standings(competition_id, position, standings), position


def _may_ask_scores(account: Any) -> bool:
    """Whether the caller's role may see who gave which score somewhere (a chief expert:
    where they are the chief, :func:`_sees_scores`)."""
    return account is not None and (account.role in SEE_SCORES or account.role is Role.CHIEF_EXPERT)


def _sees_scores(account: Any, competition_id: UUID, roles: dict[UUID, str]) -> bool:
    """Organisers, auditors, and the competition's chief (``roles``: its experts' roles)."""
    if account is None:
        return False
    if account.role in SEE_SCORES:
        return True
    return (
        account.role is Role.CHIEF_EXPERT
        and competition_id in account.competition_ids
        and roles.get(account.id) == "chief"
    )


def _with_scores(
    answer: models.StandingsOut, scores: list[list[models.ExpertScore]]
) -> models.StandingsOut:
    disputed = [
        models.DisputedScores(**msgspec.structs.asdict(d), expert_scores=given)
        for d, given in zip(answer.disputed, scores, strict=True)
    ]
    return msgspec.structs.replace(answer, disputed=disputed)


def viewed_standings(
    request: Request[Any, Any, Any], competition_id: UUID
) -> tuple[models.StandingsOut, bytes]:
    """The live standings as the caller sees them, and their JSON bytes: for the chief of
    the competition, organisers and auditors each disputed aspect also names who gave which
    score (``expert_scores: [{expert_id, name, score}]``); everyone else gets the public's
    answer, byte for byte (the remembered one — a privileged answer is never remembered).
    ``GET .../standings`` and the chief's page."""
    side = read_side(request)
    viewer = _viewer(request)
    for _ in range(3):
        standings, encoded, position = _live(request, competition_id)
        if not standings.disputed or not _may_ask_scores(viewer):
            return standings, encoded
        found = side.queries.disputed_scores(competition_id, position)
        if found is None:
            continue  # the competition's rows moved on meanwhile: read them again
        scores, roles = found
        if not _sees_scores(viewer, competition_id, roles):
            return standings, encoded
        answer = _with_scores(standings, scores)
        return answer, msgspec.json.encode(answer)
    raise ApiProblem(
        503,
        "views-behind",
        "the views kept changing while the standings were read; retry",
        headers={"Retry-After": "1"},
    )


def _parse_moment(text: str, field: str) -> time_travel.AsOf:
    try:
        return time_travel.parse_as_of(text, field)
    except FeedError as error:
        raise invalid_field(error.field, Message(error.template, error.params)) from None


def _travel(request: Request[Any, Any, Any]) -> time_travel.TimeTravel:
    """The registry's time travel, reading the checkpoints of this app's views."""
    return time_travel.for_app(request.app.state.registry, read_side(request).store)


def _timeline(request: Request[Any, Any, Any], competition_id: UUID) -> time_travel.Timeline:
    """The competition's timeline, if the caller may see the competition at all now
    (the live rules: 404 for the public before publication, 403 for other tokens)."""
    timeline = _travel(request).timeline(competition_id)
    if timeline is None:
        check_visible(request, competition_id, None)
    assert timeline is not None
    check_visible(request, competition_id, "published" if timeline.published else "marking")
    return timeline


def _history(request: Request[Any, Any, Any], competition_id: UUID) -> time_travel.History:
    """As :func:`_timeline`, without reading the whole history: the moments of one
    competition are found from its checkpoints."""
    history = _travel(request).history(competition_id)
    if history is None:
        check_visible(request, competition_id, None)
    assert history is not None
    check_visible(request, competition_id, "published" if history.published else "marking")
    return history


def _at(
    request: Request[Any, Any, Any],
    timeline: time_travel.Timeline | time_travel.History,
    as_of: time_travel.AsOf,
    field: str,
    *,
    before_creation: bool = False,
) -> time_travel.Moment | None:
    """The competition at a moment the caller may see (the rules of the moment's status).

    A moment before the competition existed is 404, unless ``before_creation`` (a diff may
    start there): then it is None, and visible to those who see an unpublished competition.
    """
    travel = _travel(request)
    try:
        travel.check(as_of, field)
    except FeedError as error:
        raise invalid_field(field, Message(error.template, error.params)) from None
    moment = travel.at(timeline, as_of)
    if moment is None and not before_creation:
        raise ApiProblem(
            404,
            "not-found",
            "competition %(id)s did not exist yet at %(moment)s",
            params={"id": timeline.competition_id, "moment": _described(as_of)},
        )
    status = str(moment.competition.status) if moment is not None else "not yet created"
    if not _may_see(request, timeline.competition_id, status):
        shown = Phrase(status)  # a status (or "not yet created"), translated
        if _viewer(request) is None:
            raise unauthorized(
                "at %(moment)s the competition was not published yet (%(status)s): "
                "only organisers, auditors, admins and its experts see that moment",
                params={"moment": _described(as_of), "status": shown},
            )
        raise forbidden(
            "at %(moment)s this competition was not published yet",
            params={"moment": _described(as_of)},
        )
    return moment


def _described(as_of: time_travel.AsOf) -> Message:
    """A moment as a message names it: ``position 41`` or its time."""
    if as_of.position is not None:
        return Message(N_("position %(position)s"), {"position": as_of.position})
    return Message("%(time)s", {"time": as_of.describe()})


#: Phrases of the messages above (a competition's statuses are in ``domain.competition``).
_PHRASES = (N_("not yet created"),)


def _moment_of(
    request: Request[Any, Any, Any], competition_id: UUID, text: str, field: str
) -> time_travel.Moment:
    as_of = _parse_moment(text, field)
    moment = _at(request, _history(request, competition_id), as_of, field)
    assert moment is not None
    return moment


@read(
    "/competitions/{competition_id:uuid}/standings/diff",
    summary="What changed in the standings between two moments, and which events did it",
    description="`from` and `to` (default: the head) are moments as for `as_of`: a position "
    "or an ISO 8601 time with an offset, `from` not later than `to`. Answers both moments "
    "(`as_of_position`, the competition's last event then, status), the competitors whose "
    "rank, total, scaled score, medal or medallion differ (`changed` names which; "
    "`before`/`after`), and the competition's events in between (position, time, type, "
    "actor, reason). `from` may precede the competition (`from=0`: everything since it was "
    "created; that end then has no time or status). Visibility as for `as_of`, at both "
    "moments (a moment before creation counts as unpublished).",
    waits=False,  # it reads the events, not the views
)
def get_standings_diff(
    request: Request[Any, Any, Any],
    competition_id: FromPath[UUID],
    from_: Annotated[
        str | None,
        QueryParameter(name="from", required=False, description="The earlier moment."),
    ] = None,
    to: Annotated[
        str | None,
        QueryParameter(
            name="to", required=False, description="The later moment (default: the head)."
        ),
    ] = None,
) -> models.StandingsDiff:
    return standings_diff(request, competition_id, from_, to)


def standings_diff(
    request: Request[Any, Any, Any], competition_id: UUID, from_: str | None, to: str | None
) -> models.StandingsDiff:
    """What changed between two moments, if the caller may see both: ``GET .../standings/
    diff`` and the auditor's comparison on the competition's page (``api.web.audit``)."""
    if from_ is None:
        raise invalid_field(
            "from", "required", N_("from: required (a position or an ISO 8601 time)")
        )
    start = _parse_moment(from_, "from")
    registry = request.app.state.registry
    end = (
        _parse_moment(to, "to")
        if to is not None
        else time_travel.AsOf(position=registry.head_position())
    )
    timeline = _timeline(request, competition_id)
    before = _at(request, timeline, start, "from", before_creation=True)
    after = _at(request, timeline, end, "to")
    assert after is not None
    if (
        (before is not None and before.version > after.version)
        or (
            start.position is not None
            and end.position is not None
            and start.position > end.position
        )
        or (start.moment is not None and end.moment is not None and start.moment > end.moment)
    ):
        raise invalid_field("from", "must not be later than to")
    return time_travel.diff(registry, timeline, before, after, start)


@read(
    "/championships/{championship_id:uuid}/medals",
    summary="Medal table of a championship",
    description="By organisation and by region (gold, silver, bronze, medallions, points) and "
    "best of region, counting published competitions only. Public.",
)
def get_medals(
    request: Request[Any, Any, Any], championship_id: FromPath[UUID]
) -> models.MedalsOut:
    return medal_table(request, championship_id)


def medal_table(request: Request[Any, Any, Any], championship_id: UUID) -> models.MedalsOut:
    """The medal table (published competitions only; 404 if unknown): the JSON and the page."""
    return found(
        read_side(request).queries.medals(championship_id),
        "no championship with id %(id)s",
        id=championship_id,
    )


@read(
    "/participants/{participant_id:uuid}/results",
    summary="A person's results across championships",
    description="Published results for everyone; unpublished ones only for those who may see "
    "the competition. Name, organisation and region only: no sensitive personal data. "
    "`organisation` (the person's, and each result's) is the Russian name, "
    "`organisation_kk` the Kazakh one.",
)
def get_participant_results(
    request: Request[Any, Any, Any], participant_id: FromPath[UUID]
) -> models.ParticipantResults:
    return participant_results(request, participant_id)


def participant_results(
    request: Request[Any, Any, Any], participant_id: UUID
) -> models.ParticipantResults:
    """A person with the results the caller may see (404 if unknown): the JSON and the page."""
    results = found(
        read_side(request).queries.participant_results(participant_id),
        "no participant with id %(id)s",
        id=participant_id,
    )
    visible = [r for r in results.results if _may_see(request, r.competition_id, r.status)]
    return msgspec.structs.replace(results, results=visible)


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
    "one, or `registry serve`'s child process) has not stopped; 503 otherwise. "
    "`projector_lag` is the number of positions the views are behind the head.",
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
    ready = True
    status_path = request.app.state.get("projector_status")
    if side.projector is not None:
        projector = "stopped: " + str(side.projector.error) if side.projector.error else "running"
        ready = side.projector.error is None
    elif status_path is not None:  # registry serve's child process (api.supervisor)
        ready, projector = describe(read_status(status_path))
    body = Readiness(
        "ready" if ready else "degraded", "ok", head, views, max(0, head - views), projector
    )
    return Response(body, status_code=200 if ready else 503)


#: the results GETs, relative to ``/api/v1``
RESULTS_API_HANDLERS: list[Any] = [
    list_championships,
    get_championship,
    get_competition,
    get_standings,
    get_standings_diff,
    get_medals,
    get_participant_results,
]
#: handlers at the root
RESULTS_ROUTE_HANDLERS: list[Any] = [readyz]
