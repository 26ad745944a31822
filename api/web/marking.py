"""The judges' pages: the marking sheet of one competition and the chief expert's page.

Every action calls the application command the JSON API calls (``POST /api/v1/competitions/
{id}/marks``, ``.../corrections``, ``.../sign-off``, ``.../lock``, ``.../reopen``); every
refusal is the domain's, shown next to the cell or form that caused it in the viewer's
language (:func:`api.messages.refusal_text`). What the pages show is read from the competition
as the commands see it (:meth:`RegistryApplication.competition`, as the guards do), so a page
shown right after a command shows what the command did, and from the marks read behind
``GET /api/v1/competitions/{id}/marks`` (each mark's history).

* ``/mark`` — the signed-in expert's competitions;
* ``/mark/{id}`` (an expert or the chief expert of the competition) — the sheet: competitors ×
  aspects; a plain form posting the whole sheet at once (all or nothing). ``static/marking.js``
  adds the keyboard flow (Enter: next cell) and saves cell by cell through
  ``POST /mark/{id}/marks`` (JSON, the CSRF token in ``x-csrftoken``: the JSON API reads bearer
  tokens only), keeping unacknowledged marks in the browser's storage until they are saved;
* ``POST /mark/{id}/corrections`` — a correction with a reason (the chief: any expert's score);
* ``POST /mark/{id}/sign-off`` — the expert confirms their marks;
* ``/mark/{id}/chief`` (the chief expert) — disputed judgement aspects with each expert's
  score, who has not signed off, lock (with an override reason) and reopen with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.enums import MediaType
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from api import schemas as s
from api.audit import marks_for
from api.auth import caller, competition_chief, competition_expert
from api.commands import sheet_of
from api.i18n import N_, Translator, translator
from api.messages import refusal_text
from api.problems import ApiProblem
from api.web.audit import local_time
from api.web.forms import pick, refusal, registry_of, text
from api.web.pages import language, redirect, render, viewer
from domain.competition import Competition, Entrant, Expert
from domain.errors import ERROR_STATUS, DomainError
from domain.values import AspectType, ExpertRole, Role
from registry.application import RegistryApplication

AnyRequest = Request[Any, Any, Any]

#: the name of a sheet's input: ``m.<competitor id>.<aspect id>``
CELL = re.compile(r"^m\.([0-9a-f-]{36})\.(.+)$")
#: a judgement score as typed: the API takes the integer (``domain.values.parse_score``)
TYPED_SCORE = re.compile(r"^[0-9]{1,3}$")

STATUS_NAMES = {
    "setup": N_("being prepared"),
    "marking": N_("marking in progress"),
    "locked": N_("locked, awaiting publication"),
    "published": N_("results published"),
}

# ------------------------------------------------------------------ reading


@dataclass
class Cell:
    """One cell of the sheet: a competitor's aspect as this expert sees it."""

    name: str  # the input's name (``m.<competitor>.<aspect>``)
    dom_id: str
    aspect_id: str
    judgement: bool
    max_mark: str
    value: str  # the value held (measurement: anyone's; judgement: this expert's)
    shown: str  # what the input shows (the value typed when a sheet was refused)
    by: str | None = None  # the expert who entered a measurement, when not this expert
    mine: bool = False
    error: str | None = None


@dataclass
class Row:
    competitor_id: UUID
    full_name: str
    organisation: str
    dom_id: str
    blocked: str | None  # why this expert may not mark the competitor (conflict of interest)
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Sheet:
    competition: Competition
    expert: Expert
    rows: list[Row]
    filled: int
    open_cells: int
    signed_off: bool


def _conflict(
    competition: Competition, expert: Expert, entrant: Entrant, tr: Translator
) -> str | None:
    """The domain's refusal when ``expert`` may not mark ``entrant`` (conflict of interest)."""
    try:
        competition.check_conflict(expert, entrant)
    except DomainError as error:
        return refusal_text(error, tr)
    return None


def signed_off(competition: Competition) -> set[UUID]:
    """The experts whose sign-off holds now."""
    return set(competition.signed_off)


def _organisation_names(
    registry: RegistryApplication, ids: set[UUID], lang: str
) -> dict[UUID, str]:
    names = {}
    for organisation_id in ids:
        try:
            names[organisation_id] = pick(lang, registry.organisation(organisation_id), "name")
        except DomainError:
            names[organisation_id] = ""
    return names


def build_sheet(
    registry: RegistryApplication,
    competition_id: UUID,
    expert_id: UUID,
    lang: str,
    typed: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    with_names: bool = True,
) -> Sheet:
    """The sheet of ``expert_id``: a row per competitor (by name), a cell per aspect.
    ``typed``/``errors``: a refused sheet's values and refusals, by input name;
    ``with_names``: the competitors' organisations too (one read each)."""
    competition = registry.competition(competition_id)
    expert = competition.experts.get(expert_id)
    if expert is None:  # scoped but not assigned: the domain's own refusal
        competition._expert(expert_id)
        raise AssertionError("unreachable")
    tr = translator(lang)
    typed = typed or {}
    errors = errors or {}
    entrants = sorted(
        competition.entrants.values(), key=lambda e: (e.full_name, str(e.participant_id))
    )
    organisations = (
        _organisation_names(registry, {e.organisation_id for e in entrants}, lang)
        if with_names
        else {}
    )
    rows, filled, open_cells = [], 0, 0
    for r, entrant in enumerate(entrants):
        blocked = _conflict(competition, expert, entrant, tr)
        row = Row(
            entrant.participant_id,
            entrant.full_name,
            organisations.get(entrant.organisation_id, ""),
            f"r{r}",
            blocked,
        )
        for c, aspect in enumerate(competition.scheme):
            key = (entrant.participant_id, aspect.id)
            judgement = aspect.type is AspectType.JUDGEMENT
            value, by, mine = "", None, False
            if judgement:
                score = competition.judgements.get(key, {}).get(expert_id)
                if score is not None:
                    value, mine = str(score), True
            else:
                held = competition.measurements.get(key)
                if held is not None:
                    value = f"{held[0]:.2f}"
                    mine = held[1] == expert_id
                    if not mine:
                        other = competition.experts.get(held[1])
                        by = other.name if other else ""
            name = f"m.{entrant.participant_id}.{aspect.id}"
            cell = Cell(
                name=name,
                dom_id=f"c{r}-{c}",
                aspect_id=aspect.id,
                judgement=judgement,
                max_mark=f"{aspect.max_mark:.2f}",
                value=value,
                shown=typed.get(name, value),
                by=by,
                mine=mine,
                error=errors.get(name),
            )
            row.cells.append(cell)
            if blocked is None:
                open_cells += 1
                filled += 1 if value else 0
        rows.append(row)
    return Sheet(
        competition, expert, rows, filled, open_cells, expert_id in signed_off(competition)
    )


def mark_history(
    request: AnyRequest, competition_id: UUID, expert_id: UUID, lang: str
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Each mark on the viewer's sheet with every value it had (``GET .../marks``: an expert
    their own, the chief all), by (competitor, aspect): a judgement aspect's is the viewer's
    own score."""
    account = viewer(request)
    assert account is not None
    read = marks_for(registry_of(request), account, competition_id)
    tr = translator(lang)
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for mark in read.marks:
        if mark.aspect_type == "judgement" and mark.expert_id != expert_id:
            continue
        found[(str(mark.competitor_id), mark.aspect_id)] = [
            {
                "value": change.value,
                "previous": change.previous,
                "kind": change.kind,
                "reason": change.reason,
                "by": change.actor.name,
                "time": change.time,
                "time_text": tr.datetime(local_time(change.time), "short"),
            }
            for change in mark.values
        ]
    return found


# ------------------------------------------------------------------ helpers


def _status(error: DomainError) -> int:
    return ERROR_STATUS.get(error.code, 409)


def _require_viewer(request: AnyRequest) -> UUID:
    account = viewer(request)
    if account is None:
        raise NotAuthorizedException()
    return account.id


def _back(competition_id: UUID, suffix: str = "", **query: str) -> str:
    path = f"/mark/{competition_id}{suffix}"
    return f"{path}?{urlencode(query)}" if query else path


REFUSED_CELL = N_("A mark was refused: the reason is shown next to its cell.")

NOTICES = {
    "sheet": N_("The sheet is saved: every mark you typed is recorded."),
    "corrected": N_("The correction is recorded with its reason."),
    "signed": N_("You have signed off your marks for this competition."),
    "locked": N_("The competition is locked."),
    "reopened": N_("The competition is reopened for marking."),
}


def _notice(request: AnyRequest) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


def _sheet_page(
    request: AnyRequest,
    competition_id: UUID,
    *,
    status_code: int = 200,
    typed: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    problem: str | None = None,
    correction: Mapping[str, str] | None = None,
    correction_error: str | None = None,
    sign_off_error: str | None = None,
) -> Template:
    account = viewer(request)
    assert account is not None
    lang = language(request)
    sheet = build_sheet(registry_of(request), competition_id, account.id, lang, typed, errors)
    history = mark_history(request, competition_id, account.id, lang)
    chosen = dict(correction or {})
    if not chosen and request.query_params.get("correct"):
        competitor, _, aspect = request.query_params["correct"].partition(":")
        chosen = {"competitor_id": competitor, "aspect_id": aspect}
    competition = sheet.competition
    return render(
        request,
        "marking/sheet.html",
        status_code=status_code,
        sheet=sheet,
        competition=competition,
        title_text=pick(lang, competition, "title"),
        status_names=STATUS_NAMES,
        is_chief=sheet.expert.role is ExpertRole.CHIEF,
        history=history,
        problem=problem,
        notice=_notice(request),
        correction=chosen,
        correction_error=correction_error,
        sign_off_error=sign_off_error,
        mine=[
            (row, cell)
            for row in sheet.rows
            for cell in row.cells
            if cell.value and (cell.mine or sheet.expert.role is ExpertRole.CHIEF)
        ],
    )


# ------------------------------------------------------------------ the expert's pages


@get("/mark", name="marking-home", sync_to_thread=True, include_in_schema=False)
def marking_home(request: AnyRequest) -> Template:
    """The signed-in expert's competitions, each with its sheet (and the chief's page)."""
    account = viewer(request)
    if account is None:
        raise NotAuthorizedException()
    lang = language(request)
    registry = registry_of(request)
    competitions = []
    if account.role in (Role.EXPERT, Role.CHIEF_EXPERT):
        for competition_id in sorted(account.competition_ids, key=str):
            try:
                competition = registry.competition(competition_id)
            except DomainError:
                continue
            expert = competition.experts.get(account.id)
            if expert is None:
                continue
            competitions.append(
                (competition, pick(lang, competition, "title"), expert.role is ExpertRole.CHIEF)
            )
    return render(
        request,
        "marking/home.html",
        competitions=competitions,
        status_names=STATUS_NAMES,
    )


@get(
    "/mark/{competition_id:uuid}",
    name="marking-sheet",
    guards=[competition_expert],
    sync_to_thread=True,
    include_in_schema=False,
)
def sheet_page(request: AnyRequest, competition_id: FromPath[UUID]) -> Template:
    return _sheet_page(request, competition_id)


def _typed_sheet(
    competition: Competition, form: Mapping[str, str]
) -> tuple[list[tuple[UUID, str, str | int]], list[str], dict[str, str]]:
    """The marks typed in a sheet's form, in the sheet's order (the input names alongside),
    and every typed value by input name. Judgement scores typed as digits become the integer
    the command takes; anything else goes to the command as typed (it says what is wrong)."""
    judgement = {a.id for a in competition.scheme if a.type is AspectType.JUDGEMENT}
    marks: list[tuple[UUID, str, str | int]] = []
    names: list[str] = []
    typed: dict[str, str] = {}
    for name, raw in form.items():
        match = CELL.match(name)
        if match is None:
            continue
        value = str(raw).strip()
        typed[name] = value
        if not value:
            continue
        competitor, aspect_id = UUID(match.group(1)), match.group(2)
        given: str | int = value
        if aspect_id in judgement and TYPED_SCORE.match(value):
            given = int(value)
        marks.append((competitor, aspect_id, given))
        names.append(name)
    return marks, names, typed


def _cell_of(error: DomainError, names: list[str]) -> str | None:
    """The input whose mark a sheet's refusal is about (``marks[i]``)."""
    index = error.details.get("index")
    if index is None and len(names) == 1:
        index = 0
    if isinstance(index, int) and 0 <= index < len(names):
        return names[index]
    return None


@post(
    "/mark/{competition_id:uuid}",
    name="marking-sheet-post",
    guards=[competition_expert],
    include_in_schema=False,
    status_code=303,
)
async def post_sheet(request: AnyRequest, competition_id: FromPath[UUID]) -> Template | Redirect:
    """The whole sheet at once: ``enter_marks`` with every typed mark, all or nothing."""
    actor = _require_viewer(request)
    form = await request.form()
    registry = registry_of(request)
    competition = await sync_to_thread(registry.competition, competition_id)
    marks, names, typed = _typed_sheet(
        competition, {k: v for k, v in form.items() if isinstance(v, str)}
    )
    try:
        await registry.enter_marks_async(actor=actor, competition_id=competition_id, marks=marks)
    except DomainError as error:
        status = _status(error)
        tr = translator(language(request))
        message = refusal_text(error, tr)
        cell = _cell_of(error, names)
        _ = tr.gettext
        return await sync_to_thread(
            lambda: _sheet_page(
                request,
                competition_id,
                status_code=status,
                typed=typed,
                errors={cell: message} if cell else None,
                problem=message if cell is None else _(REFUSED_CELL),
            )
        )
    return redirect(_back(competition_id, done="sheet"))


def _progress(
    registry: RegistryApplication, competition_id: UUID, expert_id: UUID
) -> dict[str, int]:
    sheet = build_sheet(registry, competition_id, expert_id, "en", with_names=False)
    competition = sheet.competition
    return {
        "mine_entered": sheet.filled,
        "mine_expected": sheet.open_cells,
        "entered": competition.marks_present(),
        "expected": competition.marks_expected(),
    }


@post(
    "/mark/{competition_id:uuid}/marks",
    name="marking-marks-json",
    guards=[competition_expert],
    include_in_schema=False,
    status_code=200,
)
async def post_marks(
    request: AnyRequest, competition_id: FromPath[UUID], data: JSONBody[s.MarksIn]
) -> Response[Any]:
    """``POST /api/v1/competitions/{id}/marks`` for the sheet's script (the web session and
    the CSRF token instead of a bearer token): the same body, the same command; answers
    ``{position, recorded, progress}``, or ``{code, detail, field}`` with the refusal's
    status, the detail in the viewer's language."""
    actor = caller(request).id
    registry = registry_of(request)
    try:
        sheet = sheet_of(data)
        result = await registry.enter_marks_async(
            actor=actor, competition_id=competition_id, marks=sheet
        )
    except DomainError as error:
        body = {
            "code": error.code,
            "detail": refusal(request, error),
            "index": error.details.get("index"),
        }
        return Response(body, status_code=_status(error), media_type=MediaType.JSON)
    except ApiProblem as problem:
        detail = problem.message.text(translator(language(request)))
        body = {"code": problem.code, "detail": detail, "index": None}
        return Response(body, status_code=problem.status_code, media_type=MediaType.JSON)
    progress = await sync_to_thread(_progress, registry, competition_id, actor)
    body = {"position": result.position, "recorded": result.recorded, "progress": progress}
    return Response(
        body, status_code=200, media_type=MediaType.JSON, headers={"Cache-Control": "no-store"}
    )


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


@post(
    "/mark/{competition_id:uuid}/corrections",
    name="marking-correction",
    guards=[competition_expert],
    include_in_schema=False,
    status_code=303,
)
async def post_correction(
    request: AnyRequest, competition_id: FromPath[UUID]
) -> Template | Redirect:
    """A correction with a reason (``correct_mark``); from the chief's page, another
    expert's judgement score (``expert_id``)."""
    actor = _require_viewer(request)
    form = dict((await request.form()).items())
    registry = registry_of(request)
    back_to_chief = form.get("back") == "chief"
    values = {
        key: text(form, key)
        for key in ("competitor_id", "aspect_id", "value", "reason", "expert_id")
    }
    if "target" in form and ":" in text(form, "target"):
        values["competitor_id"], _, values["aspect_id"] = text(form, "target").partition(":")
    try:
        competitor = _uuid(values["competitor_id"])
        if competitor is None:
            raise DomainError("invalid-input", "competitor_id: choose a mark to correct")
        competition = await sync_to_thread(registry.competition, competition_id)
        aspect = next((a for a in competition.scheme if a.id == values["aspect_id"]), None)
        value: str | int = values["value"]
        if (
            aspect is not None
            and aspect.type is AspectType.JUDGEMENT
            and TYPED_SCORE.match(values["value"])
        ):
            value = int(values["value"])
        await sync_to_thread(
            lambda: registry.correct_mark(
                actor=actor,
                competition_id=competition_id,
                competitor_id=competitor,
                aspect_id=values["aspect_id"],
                value=value,
                reason=values["reason"],
                expert_id=_uuid(values["expert_id"]),
            )
        )
    except DomainError as error:
        status = _status(error)
        message = refusal(request, error)
        if back_to_chief:
            return await sync_to_thread(
                lambda: _chief_page(
                    request,
                    competition_id,
                    status_code=status,
                    errors={"correction": message},
                    typed=values,
                )
            )
        return await sync_to_thread(
            lambda: _sheet_page(
                request,
                competition_id,
                status_code=status,
                correction=values,
                correction_error=message,
            )
        )
    if back_to_chief:
        return redirect(_back(competition_id, "/chief", done="corrected"))
    return redirect(_back(competition_id, done="corrected") + "#history")


@post(
    "/mark/{competition_id:uuid}/sign-off",
    name="marking-sign-off",
    guards=[competition_expert],
    sync_to_thread=True,
    include_in_schema=False,
    status_code=303,
)
def post_sign_off(request: AnyRequest, competition_id: FromPath[UUID]) -> Template | Redirect:
    """The expert confirms their marks (``sign_off``)."""
    actor = _require_viewer(request)
    registry = registry_of(request)
    try:
        registry.sign_off(actor=actor, competition_id=competition_id)
    except DomainError as error:
        status = _status(error)
        message = refusal(request, error)
        return _sheet_page(request, competition_id, status_code=status, sign_off_error=message)
    return redirect(_back(competition_id, done="signed") + "#sign-off")


# ------------------------------------------------------------------ the chief expert's page


@dataclass
class Disputed:
    competitor_id: UUID
    full_name: str
    aspect_id: str
    description: str
    scores: list[tuple[UUID, str, int]]  # (expert, name, score)


def _chief_page(
    request: AnyRequest,
    competition_id: UUID,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    typed: Mapping[str, str] | None = None,
) -> Template:
    lang = language(request)
    competition = registry_of(request).competition(competition_id)
    descriptions = {a.id: a.description for a in competition.scheme}
    disputed = []
    for competitor_id, aspect_id in competition.disputed():
        scores = competition.judgements.get((competitor_id, aspect_id), {})
        disputed.append(
            Disputed(
                competitor_id,
                competition.entrants[competitor_id].full_name,
                aspect_id,
                descriptions.get(aspect_id, ""),
                sorted(
                    (
                        (
                            expert_id,
                            competition.experts[expert_id].name
                            if expert_id in competition.experts
                            else "",
                            score,
                        )
                        for expert_id, score in scores.items()
                    ),
                    key=lambda item: item[1],
                ),
            )
        )
    signed = signed_off(competition)
    experts = sorted(
        competition.experts.values(), key=lambda e: (e.role is not ExpertRole.CHIEF, e.name)
    )
    return render(
        request,
        "marking/chief.html",
        status_code=status_code,
        competition=competition,
        title_text=pick(lang, competition, "title"),
        status_names=STATUS_NAMES,
        disputed=disputed,
        experts=experts,
        signed=signed,
        missing=competition.not_signed_off(),
        errors=dict(errors or {}),
        typed=dict(typed or {}),
        notice=_notice(request),
        entered=competition.marks_present(),
        expected=competition.marks_expected(),
    )


@get(
    "/mark/{competition_id:uuid}/chief",
    name="marking-chief",
    guards=[competition_chief],
    sync_to_thread=True,
    include_in_schema=False,
)
def chief_page(request: AnyRequest, competition_id: FromPath[UUID]) -> Template:
    return _chief_page(request, competition_id)


def _chief_command(
    name: str,
    run: Callable[[RegistryApplication, UUID, UUID, Mapping[str, str]], Any],
    done: str,
) -> Any:
    async def handler(request: AnyRequest, competition_id: FromPath[UUID]) -> Template | Redirect:
        actor = _require_viewer(request)
        form = {k: v.strip() for k, v in (await request.form()).items() if isinstance(v, str)}
        registry = registry_of(request)
        try:
            await sync_to_thread(run, registry, actor, competition_id, form)
        except DomainError as error:
            status = _status(error)
            message = refusal(request, error)
            return await sync_to_thread(
                lambda: _chief_page(
                    request,
                    competition_id,
                    status_code=status,
                    errors={name: message},
                    typed=form,
                )
            )
        return redirect(_back(competition_id, "/chief", done=done))

    handler.__name__ = f"post_{name}"
    handler.__qualname__ = handler.__name__
    return post(
        f"/mark/{{competition_id:uuid}}/{name}",
        name=f"marking-{name}",
        guards=[competition_chief],
        include_in_schema=False,
        status_code=303,
    )(handler)


def _lock(
    registry: RegistryApplication, actor: UUID, competition_id: UUID, form: Mapping[str, str]
) -> Any:
    override = form.get("override_reason") or None
    return registry.lock(actor=actor, competition_id=competition_id, override_reason=override)


def _reopen(
    registry: RegistryApplication, actor: UUID, competition_id: UUID, form: Mapping[str, str]
) -> Any:
    return registry.reopen(
        actor=actor, competition_id=competition_id, reason=form.get("reason", "")
    )


post_lock = _chief_command("lock", _lock, "locked")
post_reopen = _chief_command("reopen", _reopen, "reopened")

MARKING_PAGE_HANDLERS: list[Any] = [
    marking_home,
    sheet_page,
    post_sheet,
    post_marks,
    post_correction,
    post_sign_off,
    chief_page,
    post_lock,
    post_reopen,
]
