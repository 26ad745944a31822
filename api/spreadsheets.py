"""``GET /api/v1/templates/{kind}.xlsx``: the downloadable import templates (issue 16).

``kind`` is one of the import layouts (:data:`sheets.layouts.LAYOUTS`: ``participants``,
``experts``, ``scheme``, ``marks``); ``?lang=ru|kk|en`` chooses the language the headers are
written in first (else ``Accept-Language``, else Russian; the other of Russian and Kazakh
follows in each header). A template has the header row only — no example rows, which would be
imported by mistake — and a second sheet explaining every column in Russian and Kazakh.

``?competition_id=`` pre-fills a ``scheme`` template with the competition's current marking
scheme, and a ``marks`` template with its entrants (one row each) and one column per aspect id
(a drop-down of 0-3 for a judgement), for whoever may read that competition (as
``GET /competitions/{id}``: 404 for the public before publication, 403 for other tokens). For
``participants`` and ``experts`` it is ignored. The blank templates are public.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response
from litestar.params import Parameter, QueryParameter

from api.exports import XLSX, LangParameter, export_language, xlsx_response
from api.problems import ApiProblem, problem_responses
from api.reading import read
from api.results import competition_detail
from domain.values import AspectType
from projections.models import CompetitionDetail
from sheets.layouts import LAYOUTS, ExtraColumn, template

TEMPLATE_PROBLEMS = problem_responses(400, 401, 403, 404, 422, 503)
SUFFIX = ".xlsx"
#: the kinds a competition pre-fills
PREFILLED = ("scheme", "marks")

TemplateName = Annotated[
    str,
    Parameter(
        description="`participants.xlsx`, `experts.xlsx`, `scheme.xlsx` or `marks.xlsx`.",
        max_length=40,
    ),
]
CompetitionParameter = Annotated[
    UUID | None,
    QueryParameter(
        name="competition_id",
        required=False,
        description="`scheme` and `marks` only: pre-fill the competition's scheme, or its "
        "entrants and aspect ids (ignored for the other kinds).",
    ),
]


@read(
    "/templates/{name:str}",
    summary="An import template (.xlsx): participants, experts, scheme or marks",
    description="`GET /api/v1/templates/{kind}.xlsx`, kind `participants` | `experts` | "
    "`scheme` | `marks`: the spreadsheet to fill in and import (`POST /api/v1/imports`). "
    "Row 1 holds the headers (frozen), in the language of `?lang=` first and then in "
    "Russian or Kazakh (`*` marks a required column); coded columns (organisation kind, "
    "role, aspect type) have drop-down lists; no example rows. A second sheet "
    "(`Инструкция` / `Нұсқаулық` / `Instructions`) explains every column in Russian and "
    "Kazakh. `?competition_id=` pre-fills a `scheme` template with the competition's "
    "current scheme and a `marks` template with its entrants and one column per aspect id, "
    "for those who may read the competition (404 for the public before publication, 403 for "
    "other tokens). The blank templates are public. An unknown kind: 404. The columns of "
    "each kind: docs/SPREADSHEETS.md.",
    responses=TEMPLATE_PROBLEMS,
    tags=["imports"],
    media_type=XLSX,
)
def get_template(
    request: Request[Any, Any, Any],
    name: TemplateName,
    lang: LangParameter = None,
    competition_id: CompetitionParameter = None,
) -> Response[bytes]:
    return template_file(request, name, export_language(request, lang), competition_id)


def template_file(
    request: Request[Any, Any, Any], name: str, language: str, competition_id: UUID | None
) -> Response[bytes]:
    """The template ``name`` (``marks.xlsx``...) in ``language``, pre-filled for
    ``competition_id`` when it is a scheme or a mark sheet and the viewer of ``request`` (a
    token or a web session) may read that competition; shared by the API and the pages."""
    kind = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else None
    if kind not in LAYOUTS:
        raise ApiProblem(
            404,
            "not-found",
            "no template %(name)s; the templates are %(names)s",
            params={"name": name, "names": ", ".join(f"{k}{SUFFIX}" for k in LAYOUTS)},
        )
    layout = LAYOUTS[kind]
    shown = layout.sheet_name(language)
    if competition_id is None or kind not in PREFILLED:
        content = template(kind, lang=language)
        return xlsx_response(content, (f"{kind}{SUFFIX}", f"{shown}{SUFFIX}"))
    detail = competition_detail(request, competition_id)
    if kind == "scheme":
        content = template(kind, lang=language, extra_rows=scheme_rows(detail))
    else:
        content = template(
            kind,
            lang=language,
            extra_rows=[[competitor] for competitor in competitors(detail)],
            extra_columns=aspect_columns(detail),
        )
    title = detail.title_kk if language == "kk" else detail.title_ru
    names = (f"{kind}-{detail.code}{SUFFIX}", f"{shown} - {title}{SUFFIX}")
    return xlsx_response(content, names)


def scheme_rows(detail: CompetitionDetail) -> list[list[object]]:
    """The competition's scheme as the scheme layout's rows."""
    return [
        [aspect.criterion, aspect.id, aspect.description, aspect.type, Decimal(aspect.max_mark)]
        for aspect in detail.scheme
    ]


def competitors(detail: CompetitionDetail) -> list[str]:
    """How a mark sheet names each entrant: the full name, or the id for namesakes."""
    counts = Counter(e.full_name.casefold() for e in detail.entrants)
    return [
        e.full_name if counts[e.full_name.casefold()] == 1 else str(e.competitor_id)
        for e in detail.entrants
    ]


def aspect_columns(detail: CompetitionDetail) -> list[ExtraColumn]:
    """One column per aspect: a mark (two decimals) or a judgement score (a drop-down
    0-3), explained in the instruction sheet."""
    return [
        ExtraColumn(
            header=aspect.id,
            kind="integer" if aspect.type == AspectType.JUDGEMENT else "number",
            choices=("0", "1", "2", "3") if aspect.type == AspectType.JUDGEMENT else (),
            note=f"{aspect.criterion}: {aspect.description} (max {aspect.max_mark})",
        )
        for aspect in detail.scheme
    ]


#: handlers under /api/v1
SPREADSHEET_API_HANDLERS: list[Any] = [get_template]
