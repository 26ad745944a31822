"""The organiser's pages: championships, competitions, schemes, entrants, experts, people.

Every action is a ``<form method="post">`` (with the CSRF token) that calls the application
command the JSON endpoint of the same thing calls (:mod:`api.commands`); a refusal is the
domain's, shown next to the form or field that caused it in the viewer's language
(:func:`api.messages.refusal_text`), the page answered in the refusal's status; a command
that went through redirects (303) back to the page once the views have processed it
(post/redirect/get). What the pages show is read as the JSON endpoints read it
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

from litestar import Request, get, post
from litestar.concurrency import sync_to_thread
from litestar.enums import MediaType
from litestar.params import FromPath
from litestar.response import Template

from api.auth import ORGANISER
from api.i18n import N_, translator
from api.lists import account_list
from api.participants import participant_list
from api.problems import ApiProblem
from api.reading import read_side
from api.results import championship_detail, competition_detail, viewed_standings
from api.web.office import (
    FormRefused,
    _organisations,
    actor_of,
    back,
    form_of,
    refusal,
    settle,
    text,
)
from api.web.pages import language, render
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
from registry.application import AspectInput, CommandResult, RegistryApplication

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
LEVEL_NAMES: Mapping[str, str] = {
    "regional": N_("regional"),
    "republican": N_("republican"),
    "international": N_("international"),
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
MEDAL_NAMES: Mapping[str, str] = {
    "gold": N_("gold"),
    "silver": N_("silver"),
    "bronze": N_("bronze"),
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


def _registry(request: AnyRequest) -> RegistryApplication:
    return request.app.state.registry  # type: ignore[no-any-return]


def _pick(lang: str, thing: Any, name: str = "title") -> str:
    for code in (lang, "ru"):
        value = getattr(thing, f"{name}_{code}", None)
        if value:
            return str(value)
    return ""


def _done(request: AnyRequest) -> str | None:
    return DONE.get(request.query_params.get("done") or "")


async def _answer(build: Callable[[], Template]) -> Template:
    return await sync_to_thread(build)


def _field_of(error: DomainError | FormRefused, fields: tuple[str, ...], default: str) -> str:
    """The form field a refusal names (its ``field`` detail), else ``default``."""
    details = getattr(error, "details", None) or {}
    named = str(details.get("field") or "")
    for name in fields:
        if named == name or named.startswith(f"{name}.") or named.startswith(f"{name}["):
            return name
    return default


class FieldRefused(FormRefused):
    """A value the page itself cannot send (not a date, not a number): next to ``field``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.details = {"field": field}


# ------------------------------------------------------------------ the start page


@get("/manage", name="manage", guards=[ORGANISER], sync_to_thread=True, include_in_schema=False)
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
    return render(
        request,
        "manage/home.html",
        status_code=status_code,
        championships=championships,
        details=details,
        pick=_pick,
        status_names=STATUS_NAMES,
        kind_names=KIND_NAMES,
        level_names=LEVEL_NAMES,
        errors=errors or {},
        values=values or {},
        done=_done(request),
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


CHAMPIONSHIP_FIELDS = (
    "kind",
    "level",
    "year",
    "region",
    "title_ru",
    "title_kk",
    "starts_on",
    "ends_on",
)


@post(
    "/manage/championships",
    name="manage-championship-create",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def create_championship(request: AnyRequest) -> Any:
    form = await form_of(request)
    values = {name: text(form, name) for name in CHAMPIONSHIP_FIELDS}
    try:
        if not re.fullmatch(r"[0-9]{4}", values["year"]):
            raise FieldRefused(NOT_A_YEAR, "year")
        keywords = {
            "kind": ChampionshipKind(_choice(values["kind"], KIND_NAMES, "kind")),
            "level": Level(_choice(values["level"], LEVEL_NAMES, "level")),
            "year": int(values["year"]),
            "region": values["region"],
            "title_ru": values["title_ru"],
            "title_kk": values["title_kk"],
            "starts_on": _date_of(values["starts_on"], "starts_on"),
            "ends_on": _date_of(values["ends_on"], "ends_on"),
        }
        result = await sync_to_thread(
            lambda: _registry(request).create_championship(
                actor=actor_of(request),
                **keywords,  # type: ignore[arg-type]
            )
        )
    except (DomainError, FormRefused) as error:
        field = _field_of(error, CHAMPIONSHIP_FIELDS, "championship")
        errors = {field: refusal(request, error)}
        status = error.status
        return await _answer(
            lambda: _start(request, status_code=status, errors=errors, values=values)
        )
    await settle(request, result)
    return back(
        f"/manage/championships/{result.id}", "championship" if result.recorded else "nothing"
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
    return render(
        request,
        "manage/championship.html",
        status_code=status_code,
        championship=detail,
        pick=_pick,
        status_names=STATUS_NAMES,
        kind_names=KIND_NAMES,
        level_names=LEVEL_NAMES,
        category_names=CATEGORY_NAMES,
        errors=errors or {},
        values=values or {},
        done=_done(request),
    )


@get(
    "/manage/championships/{championship_id:uuid}",
    name="manage-championship",
    guards=[ORGANISER],
    sync_to_thread=True,
    include_in_schema=False,
)
def championship_page(request: AnyRequest, championship_id: FromPath[UUID]) -> Template:
    return _championship(request, championship_id)


COMPETITION_FIELDS = ("code", "title_ru", "title_kk", "category")


@post(
    "/manage/championships/{championship_id:uuid}/competitions",
    name="manage-competition-create",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def add_competition(request: AnyRequest, championship_id: FromPath[UUID]) -> Any:
    form = await form_of(request)
    values = {name: text(form, name) for name in COMPETITION_FIELDS}
    try:
        category = Category(_choice(values["category"], CATEGORY_NAMES, "category"))
        result = await sync_to_thread(
            lambda: _registry(request).add_competition(
                actor=actor_of(request),
                championship_id=championship_id,
                code=values["code"],
                title_ru=values["title_ru"],
                title_kk=values["title_kk"],
                category=category,
            )
        )
    except (DomainError, FormRefused) as error:
        errors = {_field_of(error, COMPETITION_FIELDS, "competition"): refusal(request, error)}
        status = error.status
        return await _answer(
            lambda: _championship(
                request, championship_id, status_code=status, errors=errors, values=values
            )
        )
    await settle(request, result)
    return back(
        f"/manage/competitions/{result.id}", "competition" if result.recorded else "nothing"
    )


# ------------------------------------------------------------------ a competition

AMENDMENT_FIELDS = ("competitor_id", "aspect_id", "expert_id", "value", "reason")


@dataclass
class Amendment:
    """The amendment form's values, as the API's ``AmendmentIn`` takes them."""

    competitor_id: UUID
    aspect_id: str
    value: str | int
    reason: str
    expert_id: UUID | None

    def keywords(self) -> dict[str, Any]:
        return {
            "competitor_id": self.competitor_id,
            "aspect_id": self.aspect_id,
            "value": self.value,
            "reason": self.reason,
            "expert_id": self.expert_id,
        }


def _uuid(value: str, field: str, *, optional: bool = False) -> UUID | None:
    if not value and optional:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise FieldRefused(CHOOSE, field) from None


def _amendment(request: AnyRequest, competition_id: UUID, values: Mapping[str, str]) -> Amendment:
    """The form's values as the command takes them: a judgement aspect's score is the
    integer typed (as the JSON API takes it), a measurement the decimal text."""
    competitor = _uuid(values["competitor_id"], "competitor_id")
    aspect_id = values["aspect_id"]
    if not aspect_id:
        raise FieldRefused(CHOOSE, "aspect_id")
    scheme = {a.id: a for a in _registry(request).competition(competition_id).scheme}
    value: str | int = values["value"]
    aspect = scheme.get(aspect_id)
    if (
        aspect is not None
        and aspect.type is AspectType.JUDGEMENT
        and TYPED_SCORE.match(values["value"])
    ):
        value = int(values["value"])
    assert competitor is not None
    return Amendment(
        competitor_id=competitor,
        aspect_id=aspect_id,
        value=value,
        reason=values["reason"],
        expert_id=_uuid(values["expert_id"], "expert_id", optional=True),
    )


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
    found: list[Any] = []
    if q:
        try:
            found = participant_list(request, q, SEARCH_LIMIT, None).items
        except ApiProblem:
            found = []
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
    return render(
        request,
        "manage/competition.html",
        status_code=status_code,
        competition=detail,
        championship=championship,
        pick=_pick,
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
        errors=errors or {},
        values=values or {},
        preview=preview,
        done=_done(request),
    )


@get(
    "/manage/competitions/{competition_id:uuid}",
    name="manage-competition",
    guards=[ORGANISER],
    sync_to_thread=True,
    include_in_schema=False,
)
def competition_page(request: AnyRequest, competition_id: FromPath[UUID]) -> Template:
    return _competition(request, competition_id)


def _path(competition_id: UUID) -> str:
    return f"/manage/competitions/{competition_id}"


async def _competition_refused(
    request: AnyRequest,
    competition_id: UUID,
    error: DomainError | FormRefused,
    key: str,
    values: Mapping[str, str] | None = None,
) -> Template:
    errors = {key: refusal(request, error)}
    status = error.status
    return await _answer(
        lambda: _competition(
            request, competition_id, status_code=status, errors=errors, values=values
        )
    )


async def _simple(
    request: AnyRequest,
    competition_id: UUID,
    action: str,
    command: Callable[[RegistryApplication, UUID], CommandResult],
) -> Any:
    await form_of(request)
    try:
        result = await sync_to_thread(lambda: command(_registry(request), actor_of(request)))
    except DomainError as error:
        return await _competition_refused(request, competition_id, error, action)
    await settle(request, result)
    return back(_path(competition_id), action if result.recorded else "nothing", "state")


@post(
    "/manage/competitions/{competition_id:uuid}/start",
    name="manage-start",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def start_marking(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """setup → marking (``POST /competitions/{id}/start``)."""
    return await _simple(
        request,
        competition_id,
        "start",
        lambda r, actor: r.start_marking(actor=actor, competition_id=competition_id),
    )


@post(
    "/manage/competitions/{competition_id:uuid}/publish",
    name="manage-publish",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def publish(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """locked → published (``POST /competitions/{id}/publish``)."""
    return await _simple(
        request,
        competition_id,
        "publish",
        lambda r, actor: r.publish(actor=actor, competition_id=competition_id),
    )


@post(
    "/manage/competitions/{competition_id:uuid}/amendments/preview",
    name="manage-amendment-preview",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=200,
)
async def preview_amendment(request: AnyRequest, competition_id: FromPath[UUID]) -> Template:
    """What the amendment would change (``POST .../amendments/preview``); records nothing."""
    form = await form_of(request)
    values = {name: text(form, name) for name in AMENDMENT_FIELDS}

    def compute() -> Any:
        registry = _registry(request)
        amendment = _amendment(request, competition_id, values)
        programmes = [p.id for p in read_side(request).prizes.programmes()]
        preview = registry.preview_amendment(
            actor=actor_of(request),
            competition_id=competition_id,
            programme_ids=programmes,
            **amendment.keywords(),
        )
        return amendment_preview(registry, preview, registry.head_position())

    try:
        preview = await sync_to_thread(compute)
    except (DomainError, FormRefused) as error:
        key = _field_of(error, AMENDMENT_FIELDS, "amendment")
        return await _competition_refused(request, competition_id, error, key, values)
    return await _answer(
        lambda: _competition(request, competition_id, values=values, preview=preview)
    )


@post(
    "/manage/competitions/{competition_id:uuid}/amendments",
    name="manage-amendment",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def amend_mark(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """Record the amendment (``POST .../amendments``), the values the preview showed."""
    form = await form_of(request)
    values = {name: text(form, name) for name in AMENDMENT_FIELDS}

    def record() -> CommandResult:
        amendment = _amendment(request, competition_id, values)
        return _registry(request).amend_mark(
            actor=actor_of(request), competition_id=competition_id, **amendment.keywords()
        )

    try:
        result = await sync_to_thread(record)
    except (DomainError, FormRefused) as error:
        key = _field_of(error, AMENDMENT_FIELDS, "amendment")
        return await _competition_refused(request, competition_id, error, key, values)
    await settle(request, result)
    return back(_path(competition_id), "amend" if result.recorded else "nothing", "amendment")


@post(
    "/manage/competitions/{competition_id:uuid}/entrants",
    name="manage-entrant",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def add_entrant(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """Enter a person (``POST /competitions/{id}/entrants``)."""
    form = await form_of(request)
    values = {"participant_id": text(form, "participant_id"), "q": text(form, "q")}
    try:
        participant = _uuid(values["participant_id"], "participant_id")
        assert participant is not None
        result = await sync_to_thread(
            lambda: _registry(request).add_entrant(
                actor=actor_of(request), competition_id=competition_id, participant_id=participant
            )
        )
    except (DomainError, FormRefused) as error:
        return await _competition_refused(request, competition_id, error, "entrant", values)
    await settle(request, result)
    return back(_path(competition_id), "entrant" if result.recorded else "nothing", "entrants")


EXPERT_FIELDS = ("account_id", "role", "organisation_id")


@post(
    "/manage/competitions/{competition_id:uuid}/experts",
    name="manage-expert",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def assign_expert(request: AnyRequest, competition_id: FromPath[UUID]) -> Any:
    """Assign an expert or the chief (``POST /competitions/{id}/experts``)."""
    form = await form_of(request)
    values = {name: text(form, name) for name in EXPERT_FIELDS}
    try:
        account = _uuid(values["account_id"], "account_id")
        role = ExpertRole(_choice(values["role"], EXPERT_ROLES, "role"))
        organisation = _uuid(values["organisation_id"], "organisation_id")
        assert account is not None and organisation is not None
        result = await sync_to_thread(
            lambda: _registry(request).assign_expert(
                actor=actor_of(request),
                competition_id=competition_id,
                account_id=account,
                role=role,
                organisation_id=organisation,
            )
        )
    except (DomainError, FormRefused) as error:
        return await _competition_refused(request, competition_id, error, "expert", values)
    await settle(request, result)
    return back(_path(competition_id), "expert" if result.recorded else "nothing", "experts")


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
    return render(
        request,
        "manage/scheme.html",
        status_code=status_code,
        competition=detail,
        pick=_pick,
        rows=rows,
        total=f"{total:.2f}",
        adds_up=total == HUNDRED,
        checked=checked,
        error=error,
        aspect_types=ASPECT_TYPES,
        done=_done(request),
    )


@get(
    "/manage/competitions/{competition_id:uuid}/scheme",
    name="manage-scheme",
    guards=[ORGANISER],
    sync_to_thread=True,
    include_in_schema=False,
)
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


@post(
    "/manage/competitions/{competition_id:uuid}/scheme",
    name="manage-scheme-save",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
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
        return await _answer(
            lambda: _scheme(request, competition_id, shown, status_code=status, checked=True)
        )
    try:
        if not rows:
            raise FormRefused(NO_ASPECTS)
        aspects = [AspectInput(r.id, r.criterion, r.description, r.max_mark, r.type) for r in rows]
        result = await sync_to_thread(
            lambda: _registry(request).set_scheme(
                actor=actor_of(request), competition_id=competition_id, aspects=aspects
            )
        )
    except (DomainError, FormRefused) as error:
        message, status = refusal(request, error), error.status
        return await _answer(
            lambda: _scheme(
                request, competition_id, shown, status_code=status, error=message, checked=True
            )
        )
    await settle(request, result)
    return back(_path(competition_id), "scheme" if result.recorded else "nothing", "scheme")


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
    found: list[Any] = []
    if q:
        try:
            found = participant_list(request, q, SEARCH_LIMIT, None).items
        except ApiProblem:
            found = []
    organisations = _organisations(request, lang)
    return render(
        request,
        "manage/people.html",
        status_code=status_code,
        organisations=organisations,
        organisation_names=dict(organisations),
        organisation_kinds=ORGANISATION_KINDS,
        q=q,
        found=found,
        errors=errors or {},
        values=values or {},
        namesakes=namesakes,
        done=_done(request),
    )


@get(
    "/manage/people",
    name="manage-people",
    guards=[ORGANISER],
    sync_to_thread=True,
    include_in_schema=False,
)
def people_page(request: AnyRequest) -> Template:
    return _people(request)


@post(
    "/manage/organisations",
    name="manage-organisation",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def register_organisation(request: AnyRequest) -> Any:
    form = await form_of(request)
    values = {name: text(form, name) for name in ORGANISATION_FIELDS}
    try:
        kind = OrganisationKind(_choice(values["kind"], ORGANISATION_KINDS, "kind"))
        result = await sync_to_thread(
            lambda: _registry(request).register_organisation(
                actor=actor_of(request),
                name_ru=values["name_ru"],
                name_kk=values["name_kk"],
                kind=kind,
                region=values["region"],
            )
        )
    except (DomainError, FormRefused) as error:
        errors = {"organisation": refusal(request, error)}
        status = error.status
        return await _answer(
            lambda: _people(request, status_code=status, errors=errors, values=values)
        )
    await settle(request, result)
    return back("/manage/people", "organisation" if result.recorded else "nothing")


@post(
    "/manage/participants",
    name="manage-participant",
    guards=[ORGANISER],
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=303,
)
async def register_participant(request: AnyRequest) -> Any:
    """``POST /participants``; a possible namesake (409 ``possible-duplicate``) is asked on
    the page: the same person (``same_person``) or a new one (``new_person``)."""
    form = await form_of(request)
    values = {name: text(form, name) for name in PARTICIPANT_FIELDS}
    answer = text(form, "same_person")
    try:
        organisation = _uuid(values["organisation_id"], "organisation_id")
        assert organisation is not None
        born = _date_of(values["birth_date"], "birth_date") if values["birth_date"] else None
        keywords: dict[str, Any] = {}
        if answer == "new":
            keywords["new_person"] = True
        elif answer:
            keywords["same_person"] = _uuid(answer, "same_person")
        result = await sync_to_thread(
            lambda: _registry(request).register_participant(
                actor=actor_of(request),
                full_name=values["full_name"],
                organisation_id=organisation,
                birth_date=born,
                disability=values["disability"] or None,
                **keywords,
            )
        )
    except (DomainError, FormRefused) as error:
        namesakes = None
        details = getattr(error, "details", None) or {}
        if isinstance(error, DomainError) and details.get("people"):
            namesakes = list(details["people"])
        errors = {"participant": refusal(request, error)}
        status = error.status
        return await _answer(
            lambda: _people(
                request, status_code=status, errors=errors, values=values, namesakes=namesakes
            )
        )
    await settle(request, result)
    done = "participant" if result.recorded else ("same-person" if answer else "nothing")
    return back("/manage/people", done, q=values["full_name"])


MANAGE_PAGE_HANDLERS: list[Any] = [
    manage_page,
    create_championship,
    championship_page,
    add_competition,
    competition_page,
    start_marking,
    publish,
    preview_amendment,
    amend_mark,
    add_entrant,
    assign_expert,
    scheme_page,
    save_scheme,
    people_page,
    register_organisation,
    register_participant,
]
