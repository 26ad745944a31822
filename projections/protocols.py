"""The results protocols: a competition's or a whole championship's results as ``.xlsx`` and
as a page printable on A4 (issue 16, point 5).

Pure functions from the answers of the read API (``ChampionshipDetail``, ``CompetitionDetail``
or ``CompetitionSummary``, ``StandingsOut``, ``MedalsOut``) to bytes or text: no I/O, no HTTP;
the visibility is the answers' (an export shows exactly what the JSON endpoints show the same
caller). Texts come from ``texts`` (:class:`Texts`: the API's translator of the ``exports``
catalog), column headers included, in the requested language.

The workbook (:func:`competition_protocol_xlsx`, :func:`championship_protocol_xlsx`):

* a first sheet "Competitions" — one row per competition: championship, competency,
  category, code, status, competitors, and the name of its sheet;
* one sheet per competition, named by its code (``code (category)`` when a code is in several
  categories), one row per competitor in the order of the standings: rank, competitor,
  organisation, region, one column per criterion subtotal, total, scaled score (WorldSkills:
  when the standings have one), medal, medallion, the competitor's id. Ranks, subtotals,
  totals and scaled scores are numbers (two decimals shown), never text;
* for a championship: the medal tables by organisation and by region, and the best of each
  region (published competitions only, as ``GET .../medals``).

Every sheet has its headers in row 1, bold and frozen, and set column widths
(:mod:`sheets.writer`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.errors import N_
from projections.exports import PAGE_CSS, Texts
from projections.models import (
    ChampionshipDetail,
    CompetitionDetail,
    CompetitionSummary,
    MedalsOut,
    StandingRow,
    StandingsOut,
)
from sheets.writer import Column, Sheet, sheet_names, write_workbook

__all__ = [
    "CompetitionResults",
    "Texts",
    "championship_protocol_filename",
    "championship_protocol_page",
    "championship_protocol_xlsx",
    "competition_protocol_filename",
    "competition_protocol_page",
    "competition_protocol_xlsx",
    "localized",
]


@dataclass(frozen=True, slots=True)
class CompetitionResults:
    """A competition and its standings, as the caller may see them."""

    competition: CompetitionSummary | CompetitionDetail
    standings: StandingsOut


# ------------------------------------------------------------------ texts of codes

MEDALS = {"gold": N_("Gold"), "silver": N_("Silver"), "bronze": N_("Bronze")}
CATEGORIES = {
    "main": N_("main category"),
    "juniors": N_("juniors"),
    "schoolchildren": N_("schoolchildren"),
    "students": N_("students"),
    "specialists": N_("specialists"),
}
STATUSES = {
    "setup": N_("being prepared"),
    "marking": N_("marking in progress"),
    "locked": N_("marking finished, awaiting publication"),
    "published": N_("results published"),
}
REGIONS = {
    "VKO": N_("East Kazakhstan region"),
    "AST": N_("Astana"),
    "ALA": N_("Almaty"),
    "KAR": N_("Karaganda region"),
    "PAV": N_("Pavlodar region"),
    "ABA": N_("Abai region"),
    "AKM": N_("Akmola region"),
}
KINDS = {
    "worldskills": N_("WorldSkills"),
    "agroskills": N_("AgroSkills"),
    "abilympics": N_("Abilympics"),
}
LEVELS = {
    "regional": N_("regional championship"),
    "republican": N_("republican championship"),
    "international": N_("international championship"),
}


def _code(texts: Texts, table: dict[str, str], code: str | None) -> str:
    """The text of a code in the language (an unknown code as it is)."""
    if code is None:
        return ""
    return texts.gettext(table[code]) if code in table else code


def localized(thing: Any, field: str, lang: str) -> str:
    """``title_kk`` in Kazakh, ``title_en`` (if any) in English, else ``title_ru`` (likewise
    ``name_*``)."""
    for code in (lang, "ru"):
        value = getattr(thing, f"{field}_{code}", None)
        if value:
            return str(value)
    return ""


def _organisation(row: StandingRow, lang: str) -> str:
    """A competitor's organisation in the language: its Kazakh name in Kazakh (when it has
    one), else its Russian name."""
    return row.organisation_kk if lang == "kk" and row.organisation_kk else row.organisation


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None or text == "" else Decimal(text)


# ------------------------------------------------------------------ the workbook


def _criteria(standings: StandingsOut) -> list[str]:
    return sorted({letter for row in standings.rows for letter in row.criteria})


def _scaled(standings: StandingsOut) -> bool:
    return any(row.scaled_score is not None for row in standings.rows)


def _competition_sheet(name: str, results: CompetitionResults, texts: Texts) -> Sheet:
    _ = texts.gettext
    standings = results.standings
    criteria = _criteria(standings)
    scaled = _scaled(standings)
    columns = [
        Column(_("Rank"), width=7, kind="integer"),
        Column(_("Competitor"), width=34),
        Column(_("Organisation"), width=40),
        Column(_("Region"), width=26),
        *(
            Column(
                _("Criterion %(letter)s", letter=letter),
                width=12,
                kind="number",
                number_format="0.00",
            )
            for letter in criteria
        ),
        Column(_("Total"), width=10, kind="number", number_format="0.00"),
    ]
    if scaled:
        columns.append(Column(_("Scaled score"), width=12, kind="integer"))
    columns += [
        Column(_("Medal"), width=10),
        Column(_("Medallion"), width=12),
        Column(_("Competitor ID"), width=38),
    ]
    rows: list[list[object]] = []
    for row in standings.rows:
        cells: list[object] = [
            row.rank,
            row.full_name,
            _organisation(row, texts.lang),
            _code(texts, REGIONS, row.region),
            *(_decimal(row.criteria.get(letter)) for letter in criteria),
            _decimal(row.total),
        ]
        if scaled:
            cells.append(row.scaled_score)
        cells += [
            _code(texts, MEDALS, row.medal),
            _("yes") if row.medallion else None,
            str(row.competitor_id),
        ]
        rows.append(cells)
    return Sheet(name=name, columns=tuple(columns), rows=rows)


def _index_sheet(
    name: str,
    championship: ChampionshipDetail,
    results: Sequence[CompetitionResults],
    names: Sequence[str],
    texts: Texts,
) -> Sheet:
    _ = texts.gettext
    lang = texts.lang
    title = localized(championship, "title", lang)
    columns = (
        Column(_("Championship"), width=36),
        Column(_("Competency"), width=36),
        Column(_("Category"), width=20),
        Column(_("Code"), width=18),
        Column(_("Status"), width=28),
        Column(_("Competitors"), width=12, kind="integer"),
        Column(_("Sheet"), width=24),
    )
    rows = [
        (
            title,
            localized(r.competition, "title", lang),
            _code(texts, CATEGORIES, r.competition.category),
            r.competition.code,
            _code(texts, STATUSES, r.standings.status),
            len(r.standings.rows),
            sheet,
        )
        for r, sheet in zip(results, names, strict=True)
    ]
    return Sheet(name=name, columns=columns, rows=rows)


def _medal_sheets(names: Sequence[str], medals: MedalsOut, texts: Texts) -> list[Sheet]:
    _ = texts.gettext
    lang = texts.lang
    counts = (
        Column(_("Gold"), width=9, kind="integer"),
        Column(_("Silver"), width=9, kind="integer"),
        Column(_("Bronze"), width=9, kind="integer"),
        Column(_("Medallions"), width=12, kind="integer"),
        Column(_("Points"), width=9, kind="integer"),
    )
    by_org = Sheet(
        name=names[0],
        columns=(
            Column(_("No."), width=6, kind="integer"),
            Column(_("Organisation"), width=44),
            Column(_("Region"), width=26),
            *counts,
        ),
        rows=[
            (
                n,
                localized(r, "name", lang),
                _code(texts, REGIONS, r.region),
                r.gold,
                r.silver,
                r.bronze,
                r.medallions,
                r.points,
            )
            for n, r in enumerate(medals.by_organisation, start=1)
        ],
    )
    by_region = Sheet(
        name=names[1],
        columns=(Column(_("No."), width=6, kind="integer"), Column(_("Region"), width=30), *counts),
        rows=[
            (
                n,
                _code(texts, REGIONS, r.region),
                r.gold,
                r.silver,
                r.bronze,
                r.medallions,
                r.points,
            )
            for n, r in enumerate(medals.by_region, start=1)
        ],
    )
    best = Sheet(
        name=names[2],
        columns=(
            Column(_("Region"), width=30),
            Column(_("Competitor"), width=34),
            Column(_("Score"), width=10, kind="number"),
            Column(_("Competitor ID"), width=38),
        ),
        rows=[
            (_code(texts, REGIONS, r.region), r.full_name, _decimal(r.score), str(r.competitor_id))
            for r in medals.best_of_region
        ],
    )
    return [by_org, by_region, best]


def _sheet_names(
    texts: Texts, results: Sequence[CompetitionResults], medals: bool
) -> tuple[str, list[str], list[str]]:
    """The index sheet's name, each competition's and the medal sheets' (Excel-safe and
    unique): a competition's sheet is its code, with the category when the code is in more
    than one."""
    _ = texts.gettext
    codes = [r.competition.code for r in results]
    wanted = [
        f"{code} ({_code(texts, CATEGORIES, r.competition.category)})"
        if codes.count(code) > 1
        else code
        for code, r in zip(codes, results, strict=True)
    ]
    tail = (
        [_("Medals by organisation"), _("Medals by region"), _("Best of region")] if medals else []
    )
    names = sheet_names([_("Competitions"), *wanted, *tail])
    return names[0], names[1 : 1 + len(results)], names[1 + len(results) :]


def _workbook_title(championship: ChampionshipDetail, texts: Texts, what: str) -> str:
    return texts.gettext(
        "Results protocol: %(what)s", what=what or localized(championship, "title", texts.lang)
    )


def competition_protocol_xlsx(
    championship: ChampionshipDetail, results: CompetitionResults, texts: Texts
) -> bytes:
    """The protocol of one competition: the "Competitions" sheet (one row) and its sheet."""
    index, [name], _ = _sheet_names(texts, [results], medals=False)
    sheets = [
        _index_sheet(index, championship, [results], [name], texts),
        _competition_sheet(name, results, texts),
    ]
    what = localized(results.competition, "title", texts.lang)
    return write_workbook(sheets, title=_workbook_title(championship, texts, what))


def championship_protocol_xlsx(
    championship: ChampionshipDetail,
    results: Sequence[CompetitionResults],
    medals: MedalsOut,
    texts: Texts,
) -> bytes:
    """The protocol of a championship: the "Competitions" sheet, one sheet per competition
    (those in ``results``: the ones the caller may see), the medal tables by organisation
    and by region, and the best of each region."""
    index, names, medal_names = _sheet_names(texts, results, medals=True)
    sheets = [
        _index_sheet(index, championship, results, names, texts),
        *(_competition_sheet(n, r, texts) for n, r in zip(names, results, strict=True)),
        *_medal_sheets(medal_names, medals, texts),
    ]
    return write_workbook(sheets, title=_workbook_title(championship, texts, ""))


# ------------------------------------------------------------------ file names


def _safe(text: str) -> str:
    """A file name's part: no path separators or characters file systems refuse."""
    cleaned = "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in text)
    return " ".join(cleaned.split())[:120]


def _ascii(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in text)


def competition_protocol_filename(
    competition: CompetitionSummary | CompetitionDetail, texts: Texts, extension: str
) -> tuple[str, str]:
    """The file's name as ``(ASCII fallback, name in the language)``: the competition's code
    and category, e.g. ``protocol-welding-main.xlsx`` / ``Протокол welding (основная
    категория).xlsx``."""
    word = texts.gettext("Protocol")
    category = _code(texts, CATEGORIES, competition.category)
    plain = _ascii(f"protocol-{competition.code}-{competition.category}") + f".{extension}"
    shown = _safe(f"{word} {competition.code} ({category})")
    return plain, f"{shown}.{extension}"


def championship_protocol_filename(
    championship: ChampionshipDetail, texts: Texts, extension: str
) -> tuple[str, str]:
    """``protocol-worldskills-VKO-2025.xlsx`` / ``Протокол <championship title>.xlsx``."""
    word = texts.gettext("Protocol")
    plain = _ascii(f"protocol-{championship.kind}-{championship.region}-{championship.year}")
    shown = _safe(f"{word} {localized(championship, 'title', texts.lang)}")
    return f"{plain}.{extension}", f"{shown}.{extension}"


# ------------------------------------------------------------------ the printable page

PROTOCOL_CSS = """
@page { size: A4 landscape; margin: 12mm 10mm 14mm 10mm; }
section.competition + section.competition, section.medals { page-break-before: always; }
td.name { min-width: 40mm; }
p.notice { border: 0.3mm solid #444; padding: 1.5mm 2mm; font-weight: bold; }
.sign p { margin: 8mm 0 0; }
@media screen { body { max-width: 297mm; } }
"""

#: the page's fixed texts (msgids), escaped per language by :func:`_labels`
PAGE_TEXTS = {
    "protocol": N_("Results protocol"),
    "dates": N_("Dates"),
    "host": N_("Host region"),
    "rank": N_("Rank"),
    "competitor": N_("Competitor"),
    "organisation": N_("Organisation"),
    "region": N_("Region"),
    "total": N_("Total"),
    "scaled": N_("Scaled score"),
    "medal": N_("Medal"),
    "medallion": N_("Medallion"),
    "excellence": N_("Medallion for Excellence"),
    "none": N_("No competitors."),
    "code": N_("Code"),
    "competitors": N_("Competitors"),
    "chief": N_("Chief expert"),
    "signature": N_("Signature"),
    "date": N_("Date"),
    "medal_table": N_("Medal table"),
    "points": N_("Published competitions only. Points: gold 4, silver 3, bronze 2, medallion 1."),
    "no_medals": N_("No results have been published yet."),
    "by_organisation": N_("By organisation"),
    "by_region": N_("By region"),
    "best": N_("Best of region"),
    "number": N_("No."),
    "gold": N_("Gold"),
    "silver": N_("Silver"),
    "bronze": N_("Bronze"),
    "medallions": N_("Medallions"),
    "points_column": N_("Points"),
    "score": N_("Score"),
    "no_competitions": N_("No competitions are visible."),
}


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _labels(texts: Texts) -> dict[str, str]:
    return {key: _e(texts.gettext(msgid)) for key, msgid in PAGE_TEXTS.items()}


def _heading(championship: ChampionshipDetail, texts: Texts, t: dict[str, str]) -> str:
    kind = _e(_code(texts, KINDS, championship.kind))
    level = _e(_code(texts, LEVELS, championship.level))
    dates = _e(f"{texts.date(championship.starts_on)} – {texts.date(championship.ends_on)}")
    title = _e(localized(championship, "title", texts.lang))
    region = _e(_code(texts, REGIONS, championship.region))
    return (
        f"<h1>{t['protocol']}<br>{title}</h1>"
        f"<p class=meta>{kind}, {level} · {t['dates']}: {dates} · {t['host']}: {region}</p>"
    )


def _standings_table(results: CompetitionResults, texts: Texts, t: dict[str, str]) -> str:
    standings = results.standings
    criteria = _criteria(standings)
    scaled = _scaled(standings)
    head = [
        f"<th class=num>{t['rank']}</th>",
        f"<th>{t['competitor']}</th>",
        f"<th>{t['organisation']}</th>",
        f"<th>{t['region']}</th>",
        *(
            f'<th class=num title="{_e(texts.gettext(CRITERION, letter=c))}">{_e(c)}</th>'
            for c in criteria
        ),
        f"<th class=num>{t['total']}</th>",
        *([f"<th class=num>{t['scaled']}</th>"] if scaled else []),
        f"<th>{t['medal']}</th>",
        f"<th>{t['medallion']}</th>",
    ]
    body = [_standing_row(row, criteria, scaled, texts, t) for row in standings.rows]
    if not body:
        body.append(f"<tr><td colspan={len(head)}>{t['none']}</td></tr>")
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"


#: a criterion's column header (``Criterion A``)
CRITERION = N_("Criterion %(letter)s")


def _standing_row(
    row: StandingRow, criteria: list[str], scaled: bool, texts: Texts, t: dict[str, str]
) -> str:
    cells = [
        f"<td class=num>{row.rank}</td>",
        f"<td class=name>{_e(row.full_name)}</td>",
        f"<td>{_e(_organisation(row, texts.lang))}</td>",
        f"<td>{_e(_code(texts, REGIONS, row.region))}</td>",
        *(f"<td class=num>{_e(texts.number(row.criteria.get(c)))}</td>" for c in criteria),
        f"<td class=num><b>{_e(texts.number(row.total))}</b></td>",
        *(
            [f"<td class=num>{'' if row.scaled_score is None else row.scaled_score}</td>"]
            if scaled
            else []
        ),
        f"<td>{_e(_code(texts, MEDALS, row.medal))}</td>",
        f"<td>{t['excellence'] if row.medallion else ''}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _competition_section(results: CompetitionResults, texts: Texts, t: dict[str, str]) -> str:
    _ = texts.gettext
    competition = results.competition
    standings = results.standings
    category = _e(_code(texts, CATEGORIES, competition.category))
    title = _e(localized(competition, "title", texts.lang))
    parts = [
        "<section class=competition>",
        f"<h2>{title} ({category})</h2>",
        f"<p class=meta>{t['code']}: {_e(competition.code)} · "
        f"{t['competitors']}: {len(standings.rows)}</p>",
    ]
    if standings.status != "published":
        status = _code(texts, STATUSES, standings.status)
        notice = _("Not published: %(status)s. These results are not final.", status=status)
        parts.append(f"<p class=notice>{_e(notice)}</p>")
    parts.append(_standings_table(results, texts, t))
    if standings.scaled_score_formula:
        formula = _(
            "Scaled score: %(formula)s, version %(version)s.",
            formula=standings.scaled_score_formula,
            version=standings.scaled_score_formula_version,
        )
        parts.append(f"<p class=meta>{_e(formula)}</p>")
    parts.append(
        f"<div class=sign><p>{t['chief']}: ____________________ "
        f"{t['signature']}: ____________</p><p>{t['date']}: ____________</p></div></section>"
    )
    return "".join(parts)


def _medals_section(medals: MedalsOut, texts: Texts, t: dict[str, str]) -> str:
    lang = texts.lang
    if not medals.by_organisation:
        return f"<section class=medals><h2>{t['medal_table']}</h2><p>{t['no_medals']}</p></section>"
    counts_head = "".join(
        f"<th class=num>{t[key]}</th>"
        for key in ("gold", "silver", "bronze", "medallions", "points_column")
    )

    def counts(r: Any) -> str:
        return "".join(
            f"<td class=num>{v}</td>" for v in (r.gold, r.silver, r.bronze, r.medallions, r.points)
        )

    org_rows = "".join(
        f"<tr><td class=num>{n}</td><td>{_e(localized(r, 'name', lang))}</td>"
        f"<td>{_e(_code(texts, REGIONS, r.region))}</td>{counts(r)}</tr>"
        for n, r in enumerate(medals.by_organisation, start=1)
    )
    region_rows = "".join(
        f"<tr><td class=num>{n}</td><td>{_e(_code(texts, REGIONS, r.region))}</td>{counts(r)}</tr>"
        for n, r in enumerate(medals.by_region, start=1)
    )
    best_rows = "".join(
        f"<tr><td>{_e(_code(texts, REGIONS, r.region))}</td><td>{_e(r.full_name)}</td>"
        f"<td class=num>{_e(r.score)}</td></tr>"
        for r in medals.best_of_region
    )
    return (
        f"<section class=medals><h2>{t['medal_table']}</h2><p class=meta>{t['points']}</p>"
        f"<h3>{t['by_organisation']}</h3>"
        f"<table><thead><tr><th class=num>{t['number']}</th><th>{t['organisation']}</th>"
        f"<th>{t['region']}</th>{counts_head}</tr></thead><tbody>{org_rows}</tbody></table>"
        f"<h3>{t['by_region']}</h3>"
        f"<table><thead><tr><th class=num>{t['number']}</th><th>{t['region']}</th>"
        f"{counts_head}</tr></thead><tbody>{region_rows}</tbody></table>"
        f"<h3>{t['best']}</h3>"
        f"<table><thead><tr><th>{t['region']}</th><th>{t['competitor']}</th>"
        f"<th class=num>{t['score']}</th></tr></thead><tbody>{best_rows}</tbody></table>"
        "</section>"
    )


def _page(title: str, body: str, texts: Texts) -> str:
    return f"""<!doctype html>
<html lang="{_e(texts.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{PAGE_CSS}{PROTOCOL_CSS}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def competition_protocol_page(
    championship: ChampionshipDetail, results: CompetitionResults, texts: Texts
) -> str:
    """The protocol of one competition as a page printable on A4 (landscape)."""
    t = _labels(texts)
    what = localized(results.competition, "title", texts.lang)
    title = texts.gettext("Results protocol: %(what)s", what=what)
    body = _heading(championship, texts, t) + _competition_section(results, texts, t)
    return _page(title, body, texts)


def championship_protocol_page(
    championship: ChampionshipDetail,
    results: Sequence[CompetitionResults],
    medals: MedalsOut,
    texts: Texts,
) -> str:
    """The protocol of a championship as a page printable on A4: each competition from a new
    page, then the medal tables and the best of each region."""
    t = _labels(texts)
    what = localized(championship, "title", texts.lang)
    title = texts.gettext("Results protocol: %(what)s", what=what)
    sections = "".join(_competition_section(r, texts, t) for r in results)
    if not results:
        sections = f"<p>{t['no_competitions']}</p>"
    body = _heading(championship, texts, t) + sections + _medals_section(medals, texts, t)
    return _page(title, body, texts)
