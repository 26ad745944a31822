"""The organiser's pages: championships, competitions, schemes, entrants, experts, people.

Every action is a ``<form method="post">`` (with the CSRF token) that calls the application
command the JSON endpoint of the same thing calls (:mod:`api.commands`), answered as
:func:`api.web.forms.act` answers it. What the pages show is read as the JSON endpoints read it
(``GET /championships``, ``GET /competitions/{id}``, the paged lists of :mod:`api.lists` and
:mod:`api.participants`).

* ``/manage`` — championships and their competitions; create a championship;
* ``/manage/championships/{id}`` — its competitions; add a competition;
* ``/manage/competitions/{id}`` — status, scheme, entrants, experts and sign-offs, progress;
  start marking, publish; enter a participant (found by name), assign an expert; amend a
  published mark after a preview (``POST .../amendments/preview``: what it would change —
  ranks, totals, medals, medallions, prize entries — nothing recorded), then record it;
* ``/manage/competitions/{id}/scheme`` — the marking-scheme editor: the running sum
  (``static/manage.js`` updates it live and refuses to send a scheme that does not add up
  to 100.00; without scripts "Check" shows it), saved by ``PUT .../scheme``'s command;
* ``/manage/people`` — register an organisation; register a participant (a possible namesake
  is answered on the page: the same person or a new one); find people.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.concurrency import sync_to_thread
from litestar.params import FromPath
from litestar.response import Template

from api.auth import ORGANISER
from api.i18n import N_, translator
from api.lists import account_list
from api.participants import participant_list
from api.problems import ApiProblem
from api.reading import read_side
from api.results import championship_detail, competition_detail, viewed_standings
from api.web.audit import MEDAL_NAMES
from api.web.forms import (
    FieldRefused,
    FormRefused,
    Refusal,
    act,
    actor_of,
    answer,
    field_of,
    form_of,
    form_post,
    pick,
    refusal,
    registry_of,
    text,
    values_of,
)
from api.web.office import _organisations
from api.web.pages import language, render
from api.web.public import LEVELS as LEVEL_NAMES
from domain.errors import DomainError
from domain.values import (
    AspectType,
    Category,
    ChampionshipKind,
    ExpertRole,
    Level,
    OrganisationKind,
)
from projections.time_travel import amendment_preview
from registry.application import AspectInput, CommandResult

AnyRequest = Request[Any, Any, Any]

STATUS_NAMES: Mapping[str, str] = {
    "setup": N_("being prepared"),
    "marking": N_("marking in progress"),
    "locked": N_("locked, awaiting publication"),
    "published": N_("results published"),
}
KIND_NAMES: Mapping[str, str] = {
    "worldskills": N_("WorldSkills"),
    "agroskills": N_("AgroSkills"),
    "abilympics": N_("Abilympics"),
}
CATEGORY_NAMES: Mapping[str, str] = {
    "main": N_("main"),
    "juniors": N_("juniors"),
    "schoolchildren": N_("schoolchildren"),
    "students": N_("students"),
    "specialists": N_("specialists"),
}
ORGANISATION_KINDS: Mapping[str, str] = {
    "college": N_("college"),
    "university": N_("university"),
    "enterprise": N_("enterprise"),
    "state_body": N_("state body"),
}
ASPECT_TYPES: Mapping[str, str] = {
    "measurement": N_("measurement"),
    "judgement": N_("judgement"),
}
EXPERT_ROLES: Mapping[str, str] = {"expert": N_("expert"), "chief": N_("chief expert")}
#: what a changed row's ``changed`` names, on the preview
CHANGED_NAMES: Mapping[str, str] = {
    "rank": N_("rank"),
    "total": N_("total"),
    "scaled_score": N_("scaled score"),
    "medal": N_("medal"),
    "medallion": N_("medallion"),
    "entrant": N_("entrant"),
}
DONE: Mapping[str, str] = {
    "start": N_("Marking has started."),
    "publish": N_("The results are published."),
    "amend": N_("The amendment was recorded."),
    "scheme": N_("The marking scheme was saved."),
    "entrant": N_("The participant was entered."),
    "expert": N_("The expert was assigned."),
    "championship": N_("The championship was created."),
    "competition": N_("The competition was added."),
    "organisation": N_("The organisation was registered."),
    "participant": N_("The participant was registered."),
    "same-person": N_("Nothing was recorded: it is the person already registered."),
    "nothing": N_("Nothing changed: it was already so."),
}
CHOOSE = N_("Choose a value from the list.")
NOT_A_DATE = N_("Enter a date.")
NOT_A_YEAR = N_("Enter a year (four digits).")
NOT_A_NUMBER = N_("Enter a number with at most two decimal places, e.g. 12.50.")
SCHEME_SUM = N_("The maximum marks must add up to 100.00; now they add up to %(sum)s.")
NO_ASPECTS = N_("Enter at least one aspect.")
#: lines of the scheme editor beyond the scheme's own (the script adds more)
SPARE_ROWS = 3
MAX_ROWS = 200
DECIMAL = re.compile(r"^[0-9]{1,6}(\.[0-9]{1,2})?$")
TYPED_SCORE = re.compile(r"^[0-9]{1,3}$")
SEARCH_LIMIT = "20"
HUNDRED = Decimal("100.00")
COMPETITION = "/manage/competitions/{competition_id:uuid}"
CHAMPIONSHIP = "/manage/championships/{championship_id:uuid}"
#: every route of these pages, in the order defined (by :func:`_get` and :func:`_post`)
MANAGE_PAGE_HANDLERS: list[Any] = []


def _route(decorator: Any) -> Any:
    def register(handler: Any) -> Any:
        MANAGE_PAGE_HANDLERS.append(decorator(handler))
        return MANAGE_PAGE_HANDLERS[-1]

    return register


def _get(path: str, name: str) -> Any:
    """An organiser's page."""
    return _route(
        get(path, name=name, guards=[ORGANISER], sync_to_thread=True, include_in_schema=False)
    )


def _post(path: str, name: str, status_code: int = 303) -> Any:
    """An organiser's form."""
    return _route(form_post(path, name, guards=[ORGANISER], status_code=status_code))


def _page(
    request: AnyRequest,
    template: str,
    status_code: int,
    errors: Mapping[str, str] | None,
    values: Mapping[str, str] | None,
    **context: Any,
) -> Template:
    """``template`` with what every organiser's page shows (refusals, values, notice)."""
    done = DONE.get(request.query_params.get("done") or "")
    context.update(errors=errors or {}, values=values or {}, done=done, pick=pick)
    return render(request, template, status_code=status_code, **context)


def _found(request: AnyRequest, q: str) -> list[Any]:
    """The people found by name (``GET /participants?q=``), none when the query is refused."""
    if not q:
        return []
    try:
        return list(participant_list(request, q, SEARCH_LIMIT, None).items)
    except ApiProblem:
        return []


# ------------------------------------------------------------------ the start page


@_get("/manage", "manage")
def manage_page(request: AnyRequest) -> Template:
    return _start(request)


def _start(
    request: AnyRequest,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> Template:
    side = read_side(request)
    championships = sorted(
        side.queries.championships(), key=lambda c: (-c.year, c.title_ru.casefold())
    )
    details = {c.id: championship_detail(request, c.id) for c in championships}
    return _page(
        request,
        "manage/home.html",
        status_code,
        errors,
        values,
        championships=championships,
        details=details,
        status_names=STATUS_NAMES,
        kind_names=KIND_NAMES,
        level_names=LEVEL_NAMES,
    )


def _date_of(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldRefused(NOT_A_DATE, field) from None


def _choice(value: str, choices: Mapping[str, str], field: str) -> str:
    if value not in choices:
        raise FieldRefused(CHOOSE, field)
    return value


CHAMPIONSHIP_FIELDS = tuple(
    ["kind", "level", "year", "region", "title_ru", "title_kk", "starts_on", "ends_on"]
)


@_post("/manage/championships", "manage-championship-create")
async def create_championship(request: AnyRequest) -> Any:
    form = await form_of(request)
    values = values_of(form, CHAMPIONSHIP_FIELDS)

    def command() -> CommandResult:
        if not re.fullmatch(r"[0-9]{4}", values["year"]):
            raise FieldRefused(NOT_A_YEAR, "year")
        return registry_of(request).create_championship(
            actor=actor_of(request),
            kind=ChampionshipKind(_choice(values["kind"], KIND_NAMES, "kind")),
            level=Level(_choice(values["level"], LEVEL_NAMES, "level")),
            year=int(values["year"]),
            region=values["region"],
            title_ru=values["title_ru"],
            title_kk=values["title_kk"],
            starts_on=_date_of(values["starts_on"], "starts_on"),
            ends_on=_date_of(values["ends_on"], "ends_on"),
        )

    return await act(
        request,
        command,
        on_refusal=lambda error, message: _start(
            request,
            status_code=error.status,
            errors={field_of(error, CHAMPIONSHIP_FIELDS, "championship"): message},
            values=values,
        ),
        back_to=lambda result: f"/manage/championships/{result.id}",
        done="championship",
    )


# ------------------------------------------------------------------ a championship


def _championship(
    request: AnyRequest,
    championship_id: UUID,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> Template:
    detail = championship_detail(request, championship_id)
    return _page(
        request,
        "manage/championship.html",
        status_code,
        errors,
        values,
        championship=detail,
        status_names=STATUS_NAMES,
        kind_names=KIND_NAMES,
        level_names=LEVEL_NAMES,
        category_names=CATEGORY_NAMES,
    )


@_get(CHAMPIONSHIP, "manage-championship")
def championship_page(request: AnyRequest, championship_id: FromPath[UUID]) -> Template:
    return _championship(request, championship_id)


COMPETITION_FIELDS = ("code", "title_ru", "title_kk", "category")


@_post(f"{CHAMPIONSHIP}/competitions", "manage-competition-create")
async def add_competition(request: AnyRequest, championship_id: FromPath[UUID]) -> Any:
    form = await form_of(request)
    values = values_of(form, COMPETITION_FIELDS)
    return await act(
        request,
        lambda: registry_of(request).add_competition(
            actor=actor_of(request),
            championship_id=championship_id,
            code=values["code"],
            title_ru=values["title_ru"],
            title_kk=values["title_kk"],
            category=Category(_choice(values["category"], CATEGORY_NAMES, "category")),
        ),
        on_refusal=lambda error, message: _championship(
            request,
            championship_id,
            status_code=error.status,
            errors={field_of(error, COMPETITION_FIELDS, "competition"): message},
            values=values,
        ),
        back_to=lambda result: f"/manage/competitions/{result.id}",
        done="competition",
    )


# ------------------------------------------------------------------ a competition

AMENDMENT_FIELDS = ("competitor_id", "aspect_id", "expert_id", "value", "reason")


def _uuid(value: str, field: str, *, optional: bool = False) -> UUID | None:
    if not value and optional:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise FieldRefused(CHOOSE, field) from None


def _amendment(
    request: AnyRequest, competition_id: UUID, values: Mapping[str, str]
) -> dict[str, Any]:
    """The amendment form's values as the command (and the API's ``AmendmentIn``) takes them:
    a judgement aspect's score is the integer typed, a measurement the decimal text."""
    competitor = _uuid(values["competitor_id"], "competitor_id")
    aspect_id = values["aspect_id"]
    if not aspect_id:
        raise FieldRefused(CHOOSE, "aspect_id")
    scheme = {a.id: a for a in registry_of(request).competition(competition_id).scheme}
    value: str | int = values["value"]
    aspect = scheme.get(aspect_id)
    if (
        aspect is not None
        and aspect.type is AspectType.JUDGEMENT
        and TYPED_SCORE.match(values["value"])
    ):
        value = int(values["value"])
    assert competitor is not None
    return {
        "competitor_id": competitor,
        "aspect_id": aspect_id,
        "value": value,
        "reason": values["reason"],
        "expert_id": _uuid(values["expert_id"], "expert_id", optional=True),
    }


def _competition(
    request: AnyRequest,
    competition_id: UUID,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    preview: Any = None,
) -> Template:
    lang = language(request)
    detail = competition_detail(request, competition_id)  # GET /competitions/{id}
    side = read_side(request)
    championship = side.queries.championship(detail.championship_id)
    total = sum((Decimal(a.max_mark) for a in detail.scheme), Decimal("0.00"))
    query = request.query_params
    q = (query.get("q") or "").strip()
    found = _found(request, q)
    eq = (query.get("eq") or "").strip()
    accounts: list[Any] = []
    if eq:
        try:
            accounts = [
                a
                for a in account_list(request, eq, SEARCH_LIMIT, None).items
                if a.role in ("expert", "chief_expert") and not a.revoked
            ]
        except ApiProblem:
            accounts = []
    entrant_names = {e.competitor_id: e.full_name for e in detail.entrants}
    disputed: list[Any] = []
    if detail.status == "marking":
        # who gave which score of each disputed aspect (``GET .../standings``, as the
        # organiser sees it)
        disputed = list(viewed_standings(request, competition_id)[0].disputed)
    return _page(
        request,
        "manage/competition.html",
        status_code,
        errors,
        values,
        competition=detail,
        championship=championship,
        scheme_total=f"{total:.2f}",
        status_names=STATUS_NAMES,
        category_names=CATEGORY_NAMES,
        aspect_types=ASPECT_TYPES,
        expert_roles=EXPERT_ROLES,
        changed_names=CHANGED_NAMES,
        medal_names=MEDAL_NAMES,
        entrant_names=entrant_names,
        disputed=disputed,
        organisations=_organisations(request, lang) if detail.status == "setup" else [],
        q=q,
        found=found,
        eq=eq,
        accounts=accounts,
        preview=preview,
    )


@_get(COMPETITION, "manage-competition")
def competition_page(request: AnyRequest, competition_id: FromPath[UUID]) -> Template:
    return _competition(request, competition_id)


def _refused(
    request: AnyRequest,
    competition_id: UUID,
    key: str | tuple[str, ...],
    values: Mapping[str, str] | None = None,
) -> Callable[[Refusal, str], Template]:
    """The competition's page again, the refusal next to the form ``key`` (or, given the
    form's fields, next to the field it names, else the form ``key[-1]``)."""

    def page(error: Refusal, message: str) -> Template:
        at = key if isinstance(key, str) else field_of(error, key[:-1], key[-1])
        errors = {at: message}
        return _competition(
            request, competition_id, status_code=error.status, errors=errors, values=values
        )

    return page


async def _act(
    request: AnyRequest,
    competition_id: UUID,
    command: Callable[[], CommandResult],
    key: str | tuple[str, ...] | Callable[[Refusal, str], Template],
    done: str,
    anchor: str,
    values: Mapping[str, str] | None = None,
) -> Any:
    """A competition's form (:func:`act`): refused next to ``key`` (:func:`_refused`; or the
    page ``key`` builds), else back to the competition's page at ``anchor``."""
    page = key if callable(key) else _refused(request, competition_id, key, values)
    path = f"/manage/competitions/{competition_id}"
    return await act(request, command, on_refusal=page, back_to=path, done=done, anchor=anchor)


async def _simple(
    request: AnyRequest, competition_id: UUID, action: str, command: Callable[..., CommandResult]
) -> Any:
    await form_of(request)
    run = lambda: command(actor=actor_of(request), competition_id=competition_id)  # noqa: E731
    return await _act(request, competition_id, run, action, action, "state")


@_post(f"{COMPETITION}/start", "manage-start")
async def start_marking(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """setup → marking (``POST /competitions/{id}/start``)."""
    return await _simple(request, competition_id, "start", registry_of(request).start_marking)


@_post(f"{COMPETITION}/publish", "manage-publish")
async def publish(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """locked → published (``POST /competitions/{id}/publish``)."""
    return await _simple(request, competition_id, "publish", registry_of(request).publish)


@_post(f"{COMPETITION}/amendments/preview", "manage-amendment-preview", status_code=200)
async def preview_amendment(request: AnyRequest, competition_id: FromPath[UUID]) -> Template:
    """What the amendment would change (``POST .../amendments/preview``); records nothing."""
    form = await form_of(request)
    values = values_of(form, AMENDMENT_FIELDS)

    def compute() -> Any:
        registry = registry_of(request)
        amendment = _amendment(request, competition_id, values)
        programmes = [p.id for p in read_side(request).prizes.programmes()]
        preview = registry.preview_amendment(
            actor=actor_of(request),
            competition_id=competition_id,
            programme_ids=programmes,
            **amendment,
        )
        return amendment_preview(registry, preview, registry.head_position())

    try:
        preview = await sync_to_thread(compute)
    except (DomainError, FormRefused) as error:
        refused, message = error, refusal(request, error)
        page = _refused(request, competition_id, (*AMENDMENT_FIELDS, "amendment"), values)
        return await answer(lambda: page(refused, message))
    return await answer(
        lambda: _competition(request, competition_id, values=values, preview=preview)
    )


@_post(f"{COMPETITION}/amendments", "manage-amendment")
async def amend_mark(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """Record the amendment (``POST .../amendments``), the values the preview showed."""
    form = await form_of(request)
    values = values_of(form, AMENDMENT_FIELDS)

    def record() -> CommandResult:
        amendment = _amendment(request, competition_id, values)
        return registry_of(request).amend_mark(
            actor=actor_of(request), competition_id=competition_id, **amendment
        )

    key = (*AMENDMENT_FIELDS, "amendment")
    return await _act(request, competition_id, record, key, "amend", "amendment", values)


@_post(f"{COMPETITION}/entrants", "manage-entrant")
async def add_entrant(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """Enter a person (``POST /competitions/{id}/entrants``)."""
    form = await form_of(request)
    values = {"participant_id": text(form, "participant_id"), "q": text(form, "q")}

    def command() -> CommandResult:
        participant = _uuid(values["participant_id"], "participant_id")
        assert participant is not None
        return registry_of(request).add_entrant(
            actor=actor_of(request), competition_id=competition_id, participant_id=participant
        )

    return await _act(request, competition_id, command, "entrant", "entrant", "entrants", values)


EXPERT_FIELDS = ("account_id", "role", "organisation_id")


@_post(f"{COMPETITION}/experts", "manage-expert")
async def assign_expert(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """Assign an expert or the chief (``POST /competitions/{id}/experts``)."""
    form = await form_of(request)
    values = values_of(form, EXPERT_FIELDS)

    def command() -> CommandResult:
        account = _uuid(values["account_id"], "account_id")
        role = ExpertRole(_choice(values["role"], EXPERT_ROLES, "role"))
        organisation = _uuid(values["organisation_id"], "organisation_id")
        assert account is not None and organisation is not None
        return registry_of(request).assign_expert(
            actor=actor_of(request),
            competition_id=competition_id,
            account_id=account,
            role=role,
            organisation_id=organisation,
        )

    return await _act(request, competition_id, command, "expert", "expert", "experts", values)


# ------------------------------------------------------------------ the scheme editor


@dataclass
class SchemeRow:
    id: str
    criterion: str
    description: str
    type: str
    max_mark: str
    error: str | None = None


def _scheme(
    request: AnyRequest,
    competition_id: UUID,
    rows: list[SchemeRow] | None = None,
    *,
    status_code: int = 200,
    error: str | None = None,
    checked: bool = False,
) -> Template:
    detail = competition_detail(request, competition_id)
    if rows is None:
        rows = [
            SchemeRow(a.id, a.criterion, a.description, a.type, a.max_mark) for a in detail.scheme
        ]
        rows += [SchemeRow("", "", "", "measurement", "") for _ in range(SPARE_ROWS)]
    total = Decimal("0.00")
    for row in rows:
        if DECIMAL.match(row.max_mark):
            total += Decimal(row.max_mark)
    return _page(
        request,
        "manage/scheme.html",
        status_code,
        None,
        None,
        competition=detail,
        rows=rows,
        total=f"{total:.2f}",
        adds_up=total == HUNDRED,
        checked=checked,
        error=error,
        aspect_types=ASPECT_TYPES,
    )


@_get(f"{COMPETITION}/scheme", "manage-scheme")
def scheme_page(request: AnyRequest, competition_id: FromPath[UUID]) -> Template:
    return _scheme(request, competition_id)


def _scheme_rows(form: Any) -> list[SchemeRow]:
    """The editor's rows as sent (``id_<n>``, ``criterion_<n>``...); wholly empty rows are
    spare lines, not aspects."""
    rows = []
    for n in range(MAX_ROWS):
        if form.get(f"id_{n}") is None:
            break
        row = SchemeRow(
            id=text(form, f"id_{n}"),
            criterion=text(form, f"criterion_{n}"),
            description=text(form, f"description_{n}"),
            type=text(form, f"type_{n}") or "measurement",
            max_mark=text(form, f"max_mark_{n}").replace(",", "."),
        )
        if row.id or row.criterion or row.description or row.max_mark:
            rows.append(row)
    return rows


@_post(f"{COMPETITION}/scheme", "manage-scheme-save")
async def save_scheme(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """``action=check``: the sum shown, nothing sent; else the scheme is set (``PUT
    /competitions/{id}/scheme``'s command), which the registry refuses unless it adds up."""
    form = await form_of(request)
    rows = _scheme_rows(form)
    tr = translator(language(request))
    bad = False
    for row in rows:
        if not DECIMAL.match(row.max_mark):
            row.error = tr.gettext(NOT_A_NUMBER)
            bad = True
        if row.type not in ASPECT_TYPES:
            row.error = tr.gettext(CHOOSE)
            bad = True
    shown = [*rows, SchemeRow("", "", "", "measurement", "")]
    if text(form, "action") == "check" or bad:
        status = 422 if bad else 200
        return await answer(
            lambda: _scheme(request, competition_id, shown, status_code=status, checked=True)
        )

    def command() -> CommandResult:
        if not rows:
            raise FormRefused(NO_ASPECTS)
        aspects = [AspectInput(r.id, r.criterion, r.description, r.max_mark, r.type) for r in rows]
        return registry_of(request).set_scheme(
            actor=actor_of(request), competition_id=competition_id, aspects=aspects
        )

    def refused(error: Refusal, message: str) -> Template:
        return _scheme(
            request, competition_id, shown, status_code=error.status, error=message, checked=True
        )

    return await _act(request, competition_id, command, refused, "scheme", "scheme")


# ------------------------------------------------------------------ people and organisations

ORGANISATION_FIELDS = ("name_ru", "name_kk", "kind", "region")
PARTICIPANT_FIELDS = ("full_name", "organisation_id", "birth_date", "disability")


def _people(
    request: AnyRequest,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    namesakes: list[Mapping[str, Any]] | None = None,
) -> Template:
    lang = language(request)
    q = (request.query_params.get("q") or "").strip()
    found = _found(request, q)
    organisations = _organisations(request, lang)
    return _page(
        request,
        "manage/people.html",
        status_code,
        errors,
        values,
        organisations=organisations,
        organisation_names=dict(organisations),
        organisation_kinds=ORGANISATION_KINDS,
        q=q,
        found=found,
        namesakes=namesakes,
    )


@_get("/manage/people", "manage-people")
def people_page(request: AnyRequest) -> Template:
    return _people(request)


@_post("/manage/organisations", "manage-organisation")
async def register_organisation(request: AnyRequest) -> Any:
    form = await form_of(request)
    values = values_of(form, ORGANISATION_FIELDS)
    return await act(
        request,
        lambda: registry_of(request).register_organisation(
            actor=actor_of(request),
            name_ru=values["name_ru"],
            name_kk=values["name_kk"],
            kind=OrganisationKind(_choice(values["kind"], ORGANISATION_KINDS, "kind")),
            region=values["region"],
        ),
        on_refusal=lambda error, message: _people(
            request, status_code=error.status, errors={"organisation": message}, values=values
        ),
        back_to="/manage/people",
        done="organisation",
    )


@_post("/manage/participants", "manage-participant")
async def register_participant(request: AnyRequest) -> Any:
    """``POST /participants``; a possible namesake (409 ``possible-duplicate``) is asked on
    the page: the same person (``same_person``) or a new one (``new_person``)."""
    form = await form_of(request)
    values = values_of(form, PARTICIPANT_FIELDS)
    same = text(form, "same_person")

    def command() -> CommandResult:
        organisation = _uuid(values["organisation_id"], "organisation_id")
        assert organisation is not None
        born = _date_of(values["birth_date"], "birth_date") if values["birth_date"] else None
        keywords: dict[str, Any] = {}
        if same == "new":
            keywords["new_person"] = True
        elif same:
            keywords["same_person"] = _uuid(same, "same_person")
        return registry_of(request).register_participant(
            actor=actor_of(request),
            full_name=values["full_name"],
            organisation_id=organisation,
            birth_date=born,
            disability=values["disability"] or None,
            **keywords,
        )

    def refused(error: Refusal, message: str) -> Template:
        people = (getattr(error, "details", None) or {}).get("people")
        namesakes = list(people) if isinstance(error, DomainError) and people else None
        errors = {"participant": message}
        return _people(
            request, status_code=error.status, errors=errors, values=values, namesakes=namesakes
        )

    return await act(
        request,
        command,
        on_refusal=refused,
        back_to="/manage/people",
        done=lambda r: "participant" if r.recorded else ("same-person" if same else "nothing"),
        q=values["full_name"],
    )
