"""The Prizes and nominations endpoints of API.md, the CSV export and the printable list.

Writes are the akimat's (guard ``AKIMAT``); each calls one command of the application and
answers ``{id, position, recorded, version}`` with ``ETag: "<programme version>"``, honours
``If-Match`` (412) and ``Idempotency-Key``. Entries are not created over HTTP: the prize
policy proposes them from published results (``registry.policy``).

Reads come from the prize views. The akimat, auditors and admins see the whole list with
every status, the reasons of decisions and each entry's history; everyone else (the public,
organisers, experts) sees approved and awarded entries and approved nominees only — name,
organisation, competition, place and prize, no personal data beyond that.

The CSV export is UTF-8 with a byte-order mark and ``;`` as the separator (what Excel expects
in Russian and Kazakh locales), one row per entry, with the same visibility. The printable
page is HTML for A4 (``@page``), headings in Russian and Kazakh.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.enums import MediaType
from litestar.params import FromPath, JSONBody

from api import schemas as s
from api.auth import roles
from api.commands import (
    IdempotencyKey,
    IfMatch,
    command,
    execute,
    expected_version,
    registry_of,
)
from api.problems import ApiProblem, problem_responses
from api.results import IfNoneMatch, MinPosition, _sync_wait, _versioned, read_side
from domain.prizes import PUBLIC_STATUSES, EntryStatus, Prize
from domain.values import CATEGORY_RU, ChampionshipKind, Role
from projections.prizes import PrizeQueries, ProgrammeOut, ProgrammeSummary
from registry.application import CommandResult, RegistryApplication

AKIMAT = roles(Role.AKIMAT)
#: who sees the whole list (every status, reasons, histories)
FULL_VIEW = frozenset({Role.AKIMAT, Role.AUDITOR, Role.ADMIN})

COMMAND_PROBLEMS = (400, 401, 403, 404, 409, 412, 413, 422, 503)
READ_PROBLEMS = problem_responses(400, 401, 404, 503)
ProgrammeId = FromPath[UUID]

STATUS_RU = {
    EntryStatus.PROPOSED: "предложен",
    EntryStatus.APPROVED: "утверждён",
    EntryStatus.REJECTED: "отклонён",
    EntryStatus.AWARDED: "вручён",
    EntryStatus.REVOKED: "отозван",
    EntryStatus.NEEDS_REVIEW: "требует проверки",
}


# ------------------------------------------------------------------ bodies


class PrizeIn(s.Input):
    place: Annotated[int, msgspec.Meta(ge=1, le=3)]
    description: s.Name
    amount_kzt: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]


class ProgrammeIn(s.Input):
    title_ru: s.Name
    title_kk: s.Name
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    region: s.Region
    kinds: Annotated[list[ChampionshipKind], msgspec.Meta(min_length=1, max_length=3)]
    prizes: Annotated[list[PrizeIn], msgspec.Meta(min_length=1, max_length=3)]


class ReasonIn(s.Input):
    reason: s.Text


class AwardIn(s.Input):
    awarded_on: date


class NominationIn(s.Input):
    title_ru: s.Name
    title_kk: s.Name


class NomineeIn(s.Input):
    organisation_id: UUID
    citation: s.Text


# ------------------------------------------------------------------ helpers


def prize_queries(request: Request[Any, Any, Any]) -> PrizeQueries:
    state = request.app.state
    queries = state.get("prize_queries")
    if queries is None:
        queries = state.prize_queries = PrizeQueries(read_side(request).store)
    return queries  # type: ignore[no-any-return]


def _full(request: Request[Any, Any, Any]) -> bool:
    account = request.scope.get("user")
    return account is not None and account.role in FULL_VIEW


def _programme(request: Request[Any, Any, Any], programme_id: UUID) -> ProgrammeOut:
    out = prize_queries(request).programme(programme_id, full=_full(request))
    if out is None:
        raise ApiProblem(404, "not-found", f"no prize programme with id {programme_id}")
    return out


def _expected(registry: RegistryApplication, programme_id: UUID, header: str | None) -> int | None:
    return expected_version(header, lambda: registry.prize_programme(programme_id).version)


def _doc(text: str, roles_text: str = "akimat") -> str:
    return (
        f"{text}\n\n**Roles:** {roles_text}.\n\n"
        "Errors are RFC 9457 problem details (`application/problem+json`); `type` is "
        "`/problems/<code>`: 401 no or bad token, 403 `forbidden` (another role), 404 "
        "`not-found` (unknown programme, entry, nomination or organisation), 409 "
        "`invalid-state` (e.g. awarding an entry that is not approved), 412 "
        "`precondition-failed` (`If-Match`), 400/422 invalid body."
    )


def akimat_command(path: str, summary: str, text: str, *, status_code: int = 200) -> Any:
    """The shared command decorator (``api.commands.command``) with the akimat's guard."""
    return command(
        path,
        guards=[AKIMAT],
        tag="prizes",
        summary=summary,
        description=_doc(text),
        created=status_code == 201,
        problems=COMMAND_PROBLEMS,
    )


# ------------------------------------------------------------------ programmes


@akimat_command(
    "/prize-programmes",
    "Create a prize programme",
    "A programme for a year and a region: the championship kinds it covers and the prize "
    "for each place 1-3 (a description and a whole amount in tenge). Its id is derived "
    "from region, year and Russian title: a repeat with the same settings answers 200 and "
    "records nothing. Published results of eligible championships — even those published "
    "before the programme existed — are proposed as entries by the prize policy.",
    status_code=201,
)
def create_programme(
    request: Request[Any, Any, Any],
    data: JSONBody[ProgrammeIn],
    idempotency_key: IdempotencyKey = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.create_prize_programme(
            actor=actor,
            title_ru=data.title_ru,
            title_kk=data.title_kk,
            year=data.year,
            region=data.region,
            kinds=data.kinds,
            prizes=[Prize(p.place, p.description, p.amount_kzt) for p in data.prizes],
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@get(
    "/prize-programmes",
    summary="Prize programmes",
    description="Every programme (title, year, region, kinds). Public.",
    sync_to_thread=True,
    responses=READ_PROBLEMS,
    tags=["prizes"],
)
def list_programmes(
    request: Request[Any, Any, Any], min_position: MinPosition = None
) -> list[ProgrammeSummary]:
    _sync_wait(request, min_position)
    return prize_queries(request).programmes()


@get(
    "/prize-programmes/{programme_id:uuid}",
    summary="A prize list: entries, nominations, totals",
    description="Entries `{id, competitor_id, full_name, organisation, championship_id, "
    "competition_id, place, prize, amount_kzt, status, reason?}` (plus names, the basis of "
    "the proposal and, for the akimat, auditors and admins, each entry's history), "
    "nominations with their nominees, and totals by place and in tenge of what is promised "
    "(approved or awarded). The public, organisers and experts see approved and awarded "
    "entries and approved nominees only. Strong `ETag` (the programme's version).",
    sync_to_thread=True,
    responses=READ_PROBLEMS,
    tags=["prizes"],
)
def get_programme(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    min_position: MinPosition = None,
    if_none_match: IfNoneMatch = None,
) -> Response[Any]:
    _sync_wait(request, min_position)
    out = _programme(request, programme_id)
    return _versioned(out, out.version, if_none_match)


# ------------------------------------------------------------------ entries


def _decide_entry(
    request: Request[Any, Any, Any],
    programme_id: UUID,
    entry_id: UUID,
    decision: str,
    body: Any,
    idempotency_key: str | None,
    if_match: str | None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)

    def action(actor: UUID) -> CommandResult:
        result = registry.decide_prize_entry(
            actor=actor,
            programme_id=programme_id,
            entry_id=entry_id,
            decision=decision,
            reason=getattr(body, "reason", None),
            awarded_on=getattr(body, "awarded_on", None),
            expected_version=_expected(registry, programme_id, if_match),
        )
        return msgspec.structs.replace(result, id=entry_id)

    return execute(request, body, action, idempotency_key=idempotency_key, created=False)


ENTRY = "/prize-programmes/{programme_id:uuid}/entries/{entry_id:uuid}"


@akimat_command(
    ENTRY + "/approve",
    "Approve a prize entry",
    "proposed or needs_review → approved (confirming an entry flagged by an amendment). "
    "A repeat answers `recorded: false`.",
)
def approve_entry(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    entry_id: FromPath[UUID],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    return _decide_entry(
        request, programme_id, entry_id, "approve", None, idempotency_key, if_match
    )


@akimat_command(
    ENTRY + "/reject",
    "Reject a prize entry, with a reason",
    "proposed or needs_review → rejected.",
)
def reject_entry(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    entry_id: FromPath[UUID],
    data: JSONBody[ReasonIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    return _decide_entry(request, programme_id, entry_id, "reject", data, idempotency_key, if_match)


@akimat_command(
    ENTRY + "/award",
    "Mark an approved entry as awarded (handed over), with the date",
    "approved → awarded.",
)
def award_entry(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    entry_id: FromPath[UUID],
    data: JSONBody[AwardIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    return _decide_entry(request, programme_id, entry_id, "award", data, idempotency_key, if_match)


@akimat_command(
    ENTRY + "/revoke",
    "Revoke a prize entry, with a reason",
    "approved, awarded or needs_review → revoked.",
)
def revoke_entry(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    entry_id: FromPath[UUID],
    data: JSONBody[ReasonIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    return _decide_entry(request, programme_id, entry_id, "revoke", data, idempotency_key, if_match)


# ------------------------------------------------------------------ nominations

NOMINATION = "/prize-programmes/{programme_id:uuid}/nominations"


@akimat_command(
    NOMINATION,
    "Define a nomination",
    "A nomination of the programme (e.g. «Лучший меценат года»); its id is derived from "
    "the programme and the Russian title, so a repeat answers 200 and records nothing.",
    status_code=201,
)
def define_nomination(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    data: JSONBody[NominationIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.define_nomination(
            actor=actor,
            programme_id=programme_id,
            title_ru=data.title_ru,
            title_kk=data.title_kk,
            expected_version=_expected(registry, programme_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


@akimat_command(
    NOMINATION + "/{nomination_id:uuid}/nominees",
    "Nominate an organisation, with a citation",
    "Proposes a registered organisation in a nomination (several winners per nomination "
    "are allowed). The same organisation again is a repeat (200, nothing recorded).",
    status_code=201,
)
def nominate(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    nomination_id: FromPath[UUID],
    data: JSONBody[NomineeIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)
    return execute(
        request,
        data,
        lambda actor: registry.nominate(
            actor=actor,
            programme_id=programme_id,
            nomination_id=nomination_id,
            organisation_id=data.organisation_id,
            citation=data.citation,
            expected_version=_expected(registry, programme_id, if_match),
        ),
        idempotency_key=idempotency_key,
        created=True,
    )


def _decide_nominee(
    request: Request[Any, Any, Any],
    programme_id: UUID,
    nomination_id: UUID,
    nominee_id: UUID,
    decision: str,
    body: ReasonIn | None,
    idempotency_key: str | None,
    if_match: str | None,
) -> Response[s.CommandOut]:
    registry = registry_of(request)

    def action(actor: UUID) -> CommandResult:
        result = registry.decide_nominee(
            actor=actor,
            programme_id=programme_id,
            nomination_id=nomination_id,
            nominee_id=nominee_id,
            decision=decision,
            reason=body.reason if body else None,
            expected_version=_expected(registry, programme_id, if_match),
        )
        return msgspec.structs.replace(result, id=nominee_id)

    return execute(request, body, action, idempotency_key=idempotency_key, created=False)


NOMINEE = NOMINATION + "/{nomination_id:uuid}/nominees/{nominee_id:uuid}"


@akimat_command(
    NOMINEE + "/approve",
    "Approve a nominee",
    "proposed → approved. A repeat answers `recorded: false`.",
)
def approve_nominee(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    nomination_id: FromPath[UUID],
    nominee_id: FromPath[UUID],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    return _decide_nominee(
        request,
        programme_id,
        nomination_id,
        nominee_id,
        "approve",
        None,
        idempotency_key,
        if_match,
    )


@akimat_command(
    NOMINEE + "/reject",
    "Reject a nominee, with a reason",
    "proposed → rejected.",
)
def reject_nominee(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    nomination_id: FromPath[UUID],
    nominee_id: FromPath[UUID],
    data: JSONBody[ReasonIn],
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response[s.CommandOut]:
    return _decide_nominee(
        request,
        programme_id,
        nomination_id,
        nominee_id,
        "reject",
        data,
        idempotency_key,
        if_match,
    )


# ------------------------------------------------------------------ CSV export

CSV_HEADER = (
    "Чемпионат",
    "Компетенция",
    "Категория",
    "Место",
    "Получатель",
    "Организация",
    "Приз",
    "Сумма, тенге",
    "Статус",
    "Дата вручения",
    "Код статуса",
    "ID записи",
)


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading ``= + - @`` (or tab, CR) would
    make Excel evaluate it as a formula (CSV injection), so it is prefixed with ``'``."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def programme_csv(out: ProgrammeOut) -> bytes:
    """UTF-8 with a byte-order mark, ``;``-separated, CRLF line ends, one row per entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in out.entries:
        status = EntryStatus(e.status)
        writer.writerow(
            [
                _cell(e.championship),
                _cell(e.competition),
                _cell(CATEGORY_RU.get(e.category, e.category)),
                e.place,
                _cell(e.full_name),
                _cell(e.organisation),
                _cell(e.prize),
                "" if e.amount_kzt is None else e.amount_kzt,
                STATUS_RU[status],
                e.awarded_on.isoformat() if e.awarded_on else "",
                status.value,
                str(e.id),
            ]
        )
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


@get(
    "/prize-programmes/{programme_id:uuid}/export.csv",
    summary="The prize list as CSV (Excel)",
    description="UTF-8 with BOM, `;` separator, one row per entry: championship, competency, "
    "category, place, recipient, organisation, prize, amount in tenge, status (Russian), "
    "date awarded, status code, entry id. Same visibility as the prize list: the public sees "
    "approved and awarded entries only. Cells that a spreadsheet would take for a formula "
    "are prefixed with `'`.",
    sync_to_thread=True,
    responses=READ_PROBLEMS,
    tags=["prizes"],
    media_type="text/csv",
)
def export_csv(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    min_position: MinPosition = None,
) -> Response[bytes]:
    _sync_wait(request, min_position)
    out = _programme(request, programme_id)
    filename = f"prizes-{out.region}-{out.year}.csv"
    return Response(
        content=programme_csv(out),
        media_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "ETag": f'"{out.version}-{"full" if out.full else "public"}"',
        },
    )


# ------------------------------------------------------------------ printable page

PAGE_CSS = """
@page { size: A4 portrait; margin: 15mm 12mm 18mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 10pt;
       color: #000; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
.kk { color: #333; font-weight: normal; }
table { width: 100%; border-collapse: collapse; page-break-inside: auto; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th, td { border: 0.3mm solid #444; padding: 1.2mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eee; font-size: 9pt; }
td.num, th.num { text-align: right; white-space: nowrap; }
.meta { font-size: 9pt; margin: 0 0 4mm; }
.sign { margin-top: 12mm; font-size: 10pt; }
@media screen { body { max-width: 210mm; margin: 10mm auto; padding: 0 8mm; } }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _tenge(amount: int) -> str:
    return f"{amount:,}".replace(",", "\u202f") + "\u00a0₸"


def programme_page(out: ProgrammeOut) -> str:
    """The approved list (approved and awarded entries, approved nominees) as a page that
    prints on A4, headings in Russian and Kazakh."""
    rows = []
    number = 0
    for e in out.entries:
        if EntryStatus(e.status) not in PUBLIC_STATUSES:
            continue
        number += 1
        rows.append(
            "<tr>"
            f"<td class=num>{number}</td>"
            f"<td>{_e(e.full_name)}</td>"
            f"<td>{_e(e.organisation)}</td>"
            f"<td>{_e(e.championship)}<br><span class=kk>{_e(e.competition)}</span></td>"
            f"<td class=num>{e.place}</td>"
            f"<td>{_e(e.prize)}</td>"
            f"<td class=num>{_tenge(e.amount_kzt) if e.amount_kzt else ''}</td>"
            f"<td>{_e(STATUS_RU[EntryStatus(e.status)])}"
            f"{' ' + _e(e.awarded_on.strftime('%d.%m.%Y')) if e.awarded_on else ''}</td>"
            "</tr>"
        )
    by_place = "".join(
        f"<tr><td class=num>{t.place}</td><td class=num>{t.entries}</td>"
        f"<td class=num>{_tenge(t.amount_kzt)}</td></tr>"
        for t in out.totals.by_place
    )
    nominations = []
    for n in out.nominations:
        winners = [x for x in n.nominees if x.status == EntryStatus.APPROVED.value]
        if not winners:
            continue
        items = "".join(
            f"<li><b>{_e(x.name_ru)}</b> <span class=kk>({_e(x.name_kk)})</span> — "
            f"{_e(x.citation)}</li>"
            for x in winners
        )
        nominations.append(
            f"<h2>«{_e(n.title_ru)}» <span class=kk>/ «{_e(n.title_kk)}»</span></h2>"
            f"<ul>{items}</ul>"
        )
    empty = (
        "<tr><td colspan=8>Утверждённых записей пока нет / Бекітілген жазбалар әзірге жоқ</td></tr>"
    )
    return f"""<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>{_e(out.title_ru)}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<h1>{_e(out.title_ru)}<br><span class=kk lang="kk">{_e(out.title_kk)}</span></h1>
<p class=meta>Регион / Өңір: {_e(out.region)} · Год / Жыл: {out.year} ·
Утверждено записей / Бекітілген жазбалар: {out.totals.entries} ·
Сумма / Сомасы: {_tenge(out.totals.amount_kzt)}</p>
<h2>Победители и призёры / Жеңімпаздар мен жүлдегерлер</h2>
<table>
<thead><tr>
<th class=num>№</th><th>ФИО / Аты-жөні</th><th>Организация / Ұйым</th>
<th>Чемпионат, компетенция / Чемпионат, құзыреттілік</th><th class=num>Место / Орын</th>
<th>Приз / Сыйлық</th><th class=num>Сумма, тенге / Сомасы, теңге</th>
<th>Статус / Мәртебесі</th>
</tr></thead>
<tbody>{"".join(rows) or empty}</tbody>
</table>
<h2>Итого по местам / Орындар бойынша жиыны</h2>
<table style="width:auto">
<thead><tr><th class=num>Место / Орын</th><th class=num>Записей / Жазбалар</th>
<th class=num>Сумма / Сомасы</th></tr></thead>
<tbody>{by_place}</tbody>
</table>
{"".join(nominations)}
<p class=sign>Подпись / Қолы: ____________________ &nbsp;&nbsp; Дата / Күні: ____________</p>
</body>
</html>
"""


@get(
    "/prize-programmes/{programme_id:uuid}/print",
    summary="The approved prize list, printable on A4 (HTML)",
    description="Approved and awarded entries, totals by place, approved nominees; headings "
    "in Russian and Kazakh. Public.",
    sync_to_thread=True,
    responses=READ_PROBLEMS,
    tags=["prizes"],
    media_type=MediaType.HTML,
)
def print_programme(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    min_position: MinPosition = None,
) -> Response[str]:
    _sync_wait(request, min_position)
    out = prize_queries(request).programme(programme_id, full=False)
    if out is None:
        raise ApiProblem(404, "not-found", f"no prize programme with id {programme_id}")
    return Response(content=programme_page(out), media_type=MediaType.HTML)


#: handlers under /api/v1
PRIZE_API_HANDLERS: list[Any] = [
    create_programme,
    list_programmes,
    get_programme,
    approve_entry,
    reject_entry,
    award_entry,
    revoke_entry,
    define_nomination,
    nominate,
    approve_nominee,
    reject_nominee,
    export_csv,
    print_programme,
]
#: handlers at the root (pages)
PRIZE_ROUTE_HANDLERS: list[Any] = []
