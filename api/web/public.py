"""The public pages: championships, competitions (standings), people, prizes. No sign-in.

Every page calls the query the JSON endpoint of the same thing calls, with its visibility
(:mod:`api.results`, :mod:`api.participants`, :mod:`api.prizes`): what the public may not see
through the API is a 404 page here too, and a signed-in organiser, auditor or expert sees
what the API shows them. No rule is decided here or in a template; this module only picks
the texts of codes (kinds, levels, statuses, medals, regions) and groups rows for display.

* ``/`` — championships by year and kind (``GET /championships``), the prize programmes
  (``GET /prize-programmes``), a search box;
* ``/championships/{id}`` — its competitions (``GET /championships/{id}``), the podiums of the
  published ones (their standings), the medal table and best of region (``.../medals``);
* ``/competitions/{id}`` — the standings (``GET .../standings``); before publication only the
  marking progress. ``?fragment=standings`` answers the standings part alone, which
  ``static/live.js`` fetches when ``.../standings/stream`` says they changed. ``?as_of=`` and
  ``?compare=`` are the auditor's time travel (:func:`api.web.audit.competition_time_travel`).
  ``/competitions/{id}/live`` is the same standings stream as ``.../standings/stream`` for a
  viewer signed in with a web session (the JSON API reads bearer tokens only);
* ``/participants?q=`` — people by name (:func:`api.participants.find_participants`);
  ``/participants/{id}`` — a person's results (``GET /participants/{id}/results``);
* ``/prizes/{id}`` — a prize programme's list (``GET /prize-programmes/{id}``).

The standings page is rendered once per content of the standings, language and kind of
viewer (:class:`StandingsPages`): the public's page whole, the standings part for everyone.
A request whose standings the read side still remembers encoded (``ReadSide.cached_standings``)
is answered from memory on the event loop, like the JSON standings: no thread, no query.
"""

from __future__ import annotations

import hashlib
import inspect
import threading
from collections import OrderedDict
from collections.abc import Iterable
from functools import partial
from itertools import groupby
from typing import Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.concurrency import sync_to_thread
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import ServerSentEvent, Template
from litestar.response.base import ASGIResponse
from markupsafe import Markup

from api.certificates import certificate_path
from api.i18n import N_
from api.participants import SEARCH_LIMIT, find_participants, visible_person
from api.prizes import programme_answer, sees_every_entry
from api.reading import read_side
from api.results import (
    championship_detail,
    competition_detail,
    live_standings,
    may_see,
    medal_table,
)
from api.streams import stream_hub
from api.web.pages import lang_cookie, language, render, render_html, viewer

AnyRequest = Request[Any, Any, Any]

# ------------------------------------------------------------------ texts of codes

KINDS = {
    "worldskills": N_("WorldSkills"),
    "agroskills": N_("AgroSkills"),
    "abilympics": N_("Abilympics"),
}
LEVELS = {
    "regional": N_("regional"),
    "republican": N_("republican"),
    "international": N_("international"),
}
CATEGORIES = {
    "main": N_("main category"),
    "juniors": N_("juniors"),
    "schoolchildren": N_("schoolchildren"),
    "students": N_("students"),
    "specialists": N_("specialists"),
}
COMPETITION_STATUSES = {
    "setup": N_("being prepared"),
    "marking": N_("marking in progress"),
    "locked": N_("marking finished, awaiting publication"),
    "published": N_("results published"),
}
MEDALS = {"gold": N_("Gold"), "silver": N_("Silver"), "bronze": N_("Bronze")}
REGIONS = {
    "VKO": N_("East Kazakhstan region"),
    "AST": N_("Astana"),
    "ALA": N_("Almaty"),
    "KAR": N_("Karaganda region"),
    "PAV": N_("Pavlodar region"),
    "ABA": N_("Abai region"),
    "AKM": N_("Akmola region"),
}
ENTRY_STATUSES = {
    "proposed": N_("proposed"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "awarded": N_("awarded"),
    "revoked": N_("revoked"),
    "needs_review": N_("needs review"),
}
#: the order of kinds within a year on the home page
KIND_ORDER = ("worldskills", "agroskills", "abilympics")

#: Public pages carry no form that posts (the signed-in viewer's "Sign out" is a link to the
#: /logout page there): no CSRF cookie to mint for every first visit.
PUBLIC_PAGE = {"exclude_from_csrf": True}


def _localized(lang: str) -> Any:
    """``pick(thing, "title")``: ``title_kk`` in Kazakh, ``title_en`` (if any) in English,
    else ``title_ru``; ``pick(thing, "name")`` likewise for ``name_ru``/``name_kk``."""

    def pick(thing: Any, field: str) -> str:
        for code in (lang, "ru"):
            value = getattr(thing, f"{field}_{code}", None)
            if value:
                return str(value)
        return ""

    return pick


def _labels(request: AnyRequest) -> dict[str, Any]:
    """What every public template gets besides the page context."""
    return {
        "pick": _localized(language(request)),
        "kind_names": KINDS,
        "level_names": LEVELS,
        "category_names": CATEGORIES,
        "status_names": COMPETITION_STATUSES,
        "medal_names": MEDALS,
        "region_names": REGIONS,
        "entry_status_names": ENTRY_STATUSES,
        # /certificates/{code} of a medal, medallion or awarded prize (templates/certificates)
        "certificate_path": partial(certificate_path, request),
    }


def _render(request: AnyRequest, template: str, **context: Any) -> Template:
    return render(request, template, **_labels(request), **context)


def _html(request: AnyRequest, template: str, **context: Any) -> bytes:
    return render_html(request, template, **_labels(request), **context)


_NO_STORE = {"Cache-Control": "no-store"}


def _html_response(request: AnyRequest, body: bytes) -> ASGIResponse:
    """An HTML answer (``no-store``: results change), remembering ``?lang=`` as
    :func:`api.web.pages.render` does; an ASGI response, ready to send, for the cached
    pages' sake."""
    cookies = lang_cookie(request) if request.scope.get("query_string") else None
    return ASGIResponse(
        body=body, media_type=MediaType.HTML, headers=_NO_STORE, cookies=cookies or None
    )


# ------------------------------------------------------------------ championships


@get("/", name="public-home", opt=PUBLIC_PAGE, sync_to_thread=True, include_in_schema=False)
def home(request: AnyRequest) -> Template:
    side = read_side(request)
    championships = side.queries.championships()  # GET /api/v1/championships
    programmes = side.prizes.programmes()  # GET /api/v1/prize-programmes
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    ordered = sorted(
        championships, key=lambda c: (-c.year, rank.get(c.kind, 99), c.starts_on, c.title_ru)
    )
    years = [
        (year, [(kind, list(group)) for kind, group in groupby(items, key=lambda c: c.kind)])
        for year, items in groupby(ordered, key=lambda c: c.year)
    ]
    return _render(request, "public/home.html", years=years, programmes=programmes)


@get(
    "/championships/{championship_id:uuid}",
    name="public-championship",
    opt=PUBLIC_PAGE,
    sync_to_thread=True,
    include_in_schema=False,
)
def championship_page(request: AnyRequest, championship_id: FromPath[UUID]) -> Template:
    championship = championship_detail(request, championship_id)
    medals = medal_table(request, championship_id)
    podiums = []
    for competition in championship.competitions:
        if competition.status != "published":
            continue
        standings, _ = live_standings(request, competition.id)
        podiums.append((competition, [row for row in standings.rows if row.medal]))
    return _render(
        request,
        "public/championship.html",
        championship=championship,
        medal_table=medals,
        podiums=podiums,
    )


# ------------------------------------------------------------------ competitions


class StandingsPages:
    """Rendered standings pages, each kept with the standings it shows (their JSON bytes
    around ``as_of_position``): valid exactly while the standings are byte-identical.

    Keys: (competition, language, ``"page"`` — the public's whole page — or ``"part"`` —
    the standings part, the same for every viewer who may see the competition)."""

    SIZE = 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: OrderedDict[tuple[UUID, str, str], tuple[bytes, bytes, bytes]] = OrderedDict()

    def get(self, key: tuple[UUID, str, str], head: bytes, tail: bytes) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
        if found is None or found[0] != head or found[1] != tail:
            return None
        return found[2]

    def put(self, key: tuple[UUID, str, str], head: bytes, tail: bytes, body: bytes) -> None:
        with self._lock:
            self._pages[key] = (head, tail, body)
            self._pages.move_to_end(key)
            if len(self._pages) > self.SIZE:
                self._pages.popitem(last=False)


def standings_pages(request: AnyRequest) -> StandingsPages:
    state = request.app.state
    pages = state.get("standings_pages")
    if pages is None:
        pages = state.setdefault("standings_pages", StandingsPages())
    return pages  # type: ignore[no-any-return]


def _signature(encoded: bytes, as_of_position: int) -> tuple[bytes, bytes]:
    """The standings' JSON bytes before and after ``as_of_position``'s value, as
    ``ReadSide.cached_standings`` answers them."""
    head, _, rest = encoded.partition(b'"as_of_position":')
    return head + b'"as_of_position":', rest[len(str(as_of_position)) :]


#: query parameters that do not change what the standings page shows
_PLAIN = frozenset({"lang", "fragment"})


@get(
    "/competitions/{competition_id:uuid}",
    name="public-competition",
    opt=PUBLIC_PAGE,
    include_in_schema=False,
)
async def competition_page(request: AnyRequest, competition_id: FromPath[UUID]) -> ASGIResponse:
    part, plain = False, True
    if request.scope.get("query_string"):
        query = request.query_params
        if "as_of" in query or "compare" in query:
            answer = await _time_travel(request, competition_id)
            if isinstance(answer, Response):  # a Template too
                return answer.to_asgi_response(None, request)
            return answer  # type: ignore[no-any-return]
        part = query.get("fragment") == "standings"
        plain = set(query.keys()) <= _PLAIN
    account = viewer(request)
    if plain and (part or account is None):
        # the read side still holds these standings encoded: no thread, no query
        side = read_side(request)
        hit = await side.cached_standings_shared(competition_id)
        if hit is not None and may_see(account, competition_id, hit[0]):
            key = (competition_id, language(request), "part" if part else "page")
            body = standings_pages(request).get(key, hit[1], hit[2])
            if body is not None:
                return _html_response(request, body)
    body = await sync_to_thread(_competition, request, competition_id, part)
    return _html_response(request, body)


def _competition(request: AnyRequest, competition_id: UUID, part: bool) -> bytes:
    standings, encoded = live_standings(request, competition_id)  # visibility: 404/403
    head, tail = _signature(encoded, standings.as_of_position)
    lang = language(request)
    pages = standings_pages(request)
    plain = set(request.query_params.keys()) <= _PLAIN
    fragment = pages.get((competition_id, lang, "part"), head, tail)
    if fragment is None:
        version = hashlib.blake2b(head + tail, digest_size=8).hexdigest()
        criteria = sorted({letter for row in standings.rows for letter in row.criteria})
        fragment = _html(
            request,
            "public/_standings.html",
            standings=standings,
            criteria=criteria,
            scaled=any(row.scaled_score is not None for row in standings.rows),
            version=version,
        )
        pages.put((competition_id, lang, "part"), head, tail, fragment)
    if part:
        return fragment
    public = viewer(request) is None and plain
    if public:
        page = pages.get((competition_id, lang, "page"), head, tail)
        if page is not None:
            return page
    competition = competition_detail(request, competition_id)
    championship = championship_detail(request, competition.championship_id)
    page = _html(
        request,
        "public/competition.html",
        competition=competition,
        championship=championship,
        standings=standings,
        standings_html=Markup(fragment.decode()),
    )
    if public:
        pages.put((competition_id, lang, "page"), head, tail, page)
    return page


@get(
    "/competitions/{competition_id:uuid}/live",
    name="public-competition-live",
    opt=PUBLIC_PAGE,
    include_in_schema=False,
    cache=False,
)
async def competition_live(request: AnyRequest, competition_id: FromPath[UUID]) -> ServerSentEvent:
    """The standings stream of ``GET /api/v1/competitions/{id}/standings/stream`` (the same
    hub, events and visibility) for a page signed in with a web session, which the JSON
    API does not read: ``static/live.js`` of a signed-in viewer subscribes here."""
    hub = stream_hub(request)
    channel, subscriber = await hub.subscribe_standings(request, competition_id)
    return ServerSentEvent(
        hub.standings_events(channel, subscriber), headers={"Cache-Control": "no-store"}
    )


async def _time_travel(request: AnyRequest, competition_id: UUID) -> Any:
    """``?as_of=`` / ``?compare=``: the auditor's workbench answers (:mod:`api.web.audit`)."""
    from api.web import audit

    travel = getattr(audit, "competition_time_travel", None)
    if travel is None:
        raise NotFoundException()
    if inspect.iscoroutinefunction(travel):
        return await travel(request, competition_id)
    answer = await sync_to_thread(travel, request, competition_id)
    return await answer if inspect.isawaitable(answer) else answer


# ------------------------------------------------------------------ people


@get(
    "/participants",
    name="public-participants",
    opt=PUBLIC_PAGE,
    sync_to_thread=True,
    include_in_schema=False,
)
def participants_page(request: AnyRequest, q: FromQuery[str | None] = None) -> Template:
    text = (q or "").strip()[:200]
    found = find_participants(request, text, SEARCH_LIMIT + 1) if text else []
    return _render(
        request,
        "public/participants.html",
        q=text,
        found=found[:SEARCH_LIMIT],
        more=len(found) > SEARCH_LIMIT,
        limit=SEARCH_LIMIT,
    )


@get(
    "/participants/{participant_id:uuid}",
    name="public-participant",
    opt=PUBLIC_PAGE,
    sync_to_thread=True,
    include_in_schema=False,
)
def participant_page(request: AnyRequest, participant_id: FromPath[UUID]) -> Template:
    person = visible_person(request, participant_id)
    return _render(request, "public/participant.html", person=person)


# ------------------------------------------------------------------ prizes


@get(
    "/prizes/{programme_id:uuid}",
    name="public-prizes",
    opt=PUBLIC_PAGE,
    sync_to_thread=True,
    include_in_schema=False,
)
def prizes_page(request: AnyRequest, programme_id: FromPath[UUID]) -> Template:
    programme = programme_answer(request, programme_id, full=sees_every_entry(request))
    places = _by_place(programme.entries)
    return _render(request, "public/prizes.html", programme=programme, places=places)


def _by_place(entries: Iterable[Any]) -> list[tuple[int, list[Any]]]:
    ordered = sorted(entries, key=lambda e: (e.place, e.championship, e.competition, e.full_name))
    return [(place, list(group)) for place, group in groupby(ordered, key=lambda e: e.place)]


PUBLIC_PAGE_HANDLERS: list[Any] = [
    home,
    championship_page,
    competition_page,
    competition_live,
    participants_page,
    participant_page,
    prizes_page,
]
