"""The results protocols as files and printable pages (API.md "Spreadsheets and documents").

* ``GET /api/v1/competitions/{id}/protocol.xlsx`` and ``.../protocol/print`` — one
  competition;
* ``GET /api/v1/championships/{id}/protocol.xlsx`` and ``.../protocol/print`` — every
  competition of the championship the caller may see, and its medal tables.

Visibility is exactly the JSON endpoints' (:mod:`api.results`): a competition's protocol is
the standings the caller may read (404 for the public before publication, 403 for other
tokens); a championship's lists the competitions ``GET /championships/{id}`` lists to the
caller, each with the standings ``GET .../standings`` answers, and the medal table (published
competitions only). ``?lang=ru|kk|en`` chooses the language of the headers and texts, else
``Accept-Language``, else Russian. The files are rendered by :mod:`projections.protocols`;
these handlers read, and set the headers (``Content-Disposition`` with the ASCII name and the
name in the language as RFC 5987 ``filename*``).

The public pages link the same files through :mod:`api.web.exports` (with the web session's
viewer). :func:`export_texts` is the exports' own catalog (``exports``), also used by the
prize list's files (:mod:`api.prizes`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.params import FromPath, QueryParameter

from api.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalog_path, from_accept_language, translator
from api.problems import problem_responses
from api.reading import read
from api.results import championship_detail, competition_detail, live_standings, medal_table
from projections import protocols
from projections.models import ChampionshipDetail, MedalsOut
from projections.protocols import CompetitionResults

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_PROBLEMS = problem_responses(400, 401, 403, 404, 503)

LangParameter = Annotated[
    Literal["ru", "kk", "en"] | None,
    QueryParameter(
        name="lang",
        required=False,
        description="The language of the column headers and texts: `ru`, `kk` or `en` "
        "(default: `Accept-Language`, else `ru`).",
    ),
]


# ------------------------------------------------------------------ texts


@cache
def _catalog(lang: str) -> Translations:
    """The ``exports`` catalog of ``lang`` alone, compiled in memory once per process: the
    files say their own words even where a page's catalog words the same msgid otherwise."""
    path = catalog_path(lang, "exports")
    if not path.exists():
        return Translations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=lang, domain="exports")
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain="exports")


@dataclass(frozen=True)
class ExportTexts:
    """:class:`projections.exports.Texts` of one language: the ``exports`` catalog, and the
    number and date formats of :class:`api.i18n.Translator`."""

    lang: str

    def gettext(self, message: str, /, **params: Any) -> str:
        text = _catalog(self.lang).gettext(message)
        return text % params if params else text

    def number(self, value: Decimal | int | str | None) -> str:
        return translator(self.lang).number(value)

    def date(self, value: date | None, format: str = "medium") -> str:
        return translator(self.lang).date(value, format)


def export_texts(lang: str) -> ExportTexts:
    return ExportTexts(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def export_language(request: Request[Any, Any, Any], lang: str | None) -> str:
    """``?lang=``, else ``Accept-Language``, else Russian."""
    return lang or from_accept_language(request.headers.get("accept-language"))


def attachment(names: tuple[str, str]) -> str:
    """``Content-Disposition`` of a download: the ASCII name, and the name in the language
    as RFC 5987 ``filename*`` (UTF-8, percent-encoded) for Cyrillic."""
    plain, shown = names
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(shown, safe='')}"


def xlsx_response(content: bytes, names: tuple[str, str]) -> Response[bytes]:
    return Response(
        content=content,
        media_type=XLSX,
        headers={"Content-Disposition": attachment(names), "Cache-Control": "no-store"},
    )


def html_response(page: str) -> Response[str]:
    return Response(content=page, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------------ reads


def competition_protocol(
    request: Request[Any, Any, Any], competition_id: UUID
) -> tuple[ChampionshipDetail, CompetitionResults]:
    """The competition's championship and its standings, if the caller may see them (the
    visibility of ``GET /competitions/{id}/standings``)."""
    standings, _ = live_standings(request, competition_id)
    competition = competition_detail(request, competition_id)
    championship = championship_detail(request, competition.championship_id)
    return championship, CompetitionResults(competition, standings)


def championship_protocol(
    request: Request[Any, Any, Any], championship_id: UUID
) -> tuple[ChampionshipDetail, list[CompetitionResults], MedalsOut]:
    """The championship with the competitions the caller may see, their standings, and the
    medal table."""
    championship = championship_detail(request, championship_id)
    results = [
        CompetitionResults(c, live_standings(request, c.id)[0]) for c in championship.competitions
    ]
    return championship, results, medal_table(request, championship_id)


def competition_protocol_file(
    request: Request[Any, Any, Any], competition_id: UUID, lang: str
) -> Response[bytes]:
    championship, results = competition_protocol(request, competition_id)
    texts = export_texts(lang)
    content = protocols.competition_protocol_xlsx(championship, results, texts)
    names = protocols.competition_protocol_filename(results.competition, texts, "xlsx")
    return xlsx_response(content, names)


def competition_protocol_print(
    request: Request[Any, Any, Any], competition_id: UUID, lang: str
) -> Response[str]:
    championship, results = competition_protocol(request, competition_id)
    page = protocols.competition_protocol_page(championship, results, export_texts(lang))
    return html_response(page)


def championship_protocol_file(
    request: Request[Any, Any, Any], championship_id: UUID, lang: str
) -> Response[bytes]:
    championship, results, medals = championship_protocol(request, championship_id)
    texts = export_texts(lang)
    content = protocols.championship_protocol_xlsx(championship, results, medals, texts)
    names = protocols.championship_protocol_filename(championship, texts, "xlsx")
    return xlsx_response(content, names)


def championship_protocol_print(
    request: Request[Any, Any, Any], championship_id: UUID, lang: str
) -> Response[str]:
    championship, results, medals = championship_protocol(request, championship_id)
    page = protocols.championship_protocol_page(championship, results, medals, export_texts(lang))
    return html_response(page)


# ------------------------------------------------------------------ endpoints

VISIBILITY = (
    "Visibility as for the standings: public once published; before that organisers, "
    "auditors, admins and the competition's experts (404 for the public, 403 for other "
    "tokens)."
)


@read(
    "/competitions/{competition_id:uuid}/protocol.xlsx",
    summary="The results protocol of a competition (.xlsx)",
    description="Sheets: `Competitions` (one row: championship, competency, category, code, "
    "status, competitors, sheet) and the competition's sheet (named by its code): rank, "
    "competitor, organisation, region, one column per criterion subtotal, total, scaled "
    "score (WorldSkills), medal, medallion, competitor id — numbers as numbers, the header "
    "row frozen. `?lang=` chooses the language of the headers and of the organisations' "
    "names (in Kazakh `organisation_kk`, else `organisation`). " + VISIBILITY,
    responses=EXPORT_PROBLEMS,
    tags=["exports"],
    media_type=XLSX,
)
def get_competition_protocol(
    request: Request[Any, Any, Any],
    competition_id: FromPath[UUID],
    lang: LangParameter = None,
) -> Response[bytes]:
    return competition_protocol_file(request, competition_id, export_language(request, lang))


@read(
    "/competitions/{competition_id:uuid}/protocol/print",
    summary="The results protocol of a competition, printable on A4 (HTML)",
    description="The protocol as a page with a print stylesheet (A4 landscape), in the "
    "language of `?lang=`. " + VISIBILITY,
    responses=EXPORT_PROBLEMS,
    tags=["exports"],
    media_type=MediaType.HTML,
)
def print_competition_protocol(
    request: Request[Any, Any, Any],
    competition_id: FromPath[UUID],
    lang: LangParameter = None,
) -> Response[str]:
    return competition_protocol_print(request, competition_id, export_language(request, lang))


@read(
    "/championships/{championship_id:uuid}/protocol.xlsx",
    summary="The results protocol of a championship (.xlsx)",
    description="Sheets: `Competitions` (one row per competition the caller may see), one "
    "sheet per such competition (as in the competition's protocol), then the medal table by "
    "organisation, by region, and the best of each region (published competitions only). "
    "Public; unpublished competitions only for those who may see them.",
    responses=EXPORT_PROBLEMS,
    tags=["exports"],
    media_type=XLSX,
)
def get_championship_protocol(
    request: Request[Any, Any, Any],
    championship_id: FromPath[UUID],
    lang: LangParameter = None,
) -> Response[bytes]:
    return championship_protocol_file(request, championship_id, export_language(request, lang))


@read(
    "/championships/{championship_id:uuid}/protocol/print",
    summary="The results protocol of a championship, printable on A4 (HTML)",
    description="Each competition the caller may see from a new page, then the medal tables.",
    responses=EXPORT_PROBLEMS,
    tags=["exports"],
    media_type=MediaType.HTML,
)
def print_championship_protocol(
    request: Request[Any, Any, Any],
    championship_id: FromPath[UUID],
    lang: LangParameter = None,
) -> Response[str]:
    return championship_protocol_print(request, championship_id, export_language(request, lang))


#: handlers under /api/v1
EXPORT_API_HANDLERS: list[Any] = [
    get_competition_protocol,
    print_competition_protocol,
    get_championship_protocol,
    print_championship_protocol,
]
