"""The Prizes and nominations endpoints of API.md, the CSV export and the printable list.

Writes are the akimat's (guard ``AKIMAT``), declared like every command
(:class:`api.routes.Commands`): each maps the call to one command of the application and
answers ``{id, position, recorded, version}`` with ``ETag: "<programme version>"``, honours
``If-Match`` (412) and ``Idempotency-Key``. A decision on an entry or a nominee answers the
entry's or the nominee's id. Entries are not created over HTTP: the prize policy proposes
them from published results (``registry.policy``).

Reads come from the prize views. The akimat, auditors and admins see the whole list with
every status, the reasons of decisions and each entry's history; everyone else (the public,
organisers, experts) sees approved and awarded entries and approved nominees only — name,
organisation, competition, place and prize, no personal data beyond that. The CSV export and
the ``.xlsx`` (``?lang=``: headers in the language) and the printable page are rendered
by :mod:`projections.exports`, with the same visibility.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.params import FromPath

from api import schemas as s
from api.auth import AKIMAT
from api.exports import LangParameter, attachment, export_language, export_texts, xlsx_response
from api.problems import found, problem_responses
from api.reading import IfNoneMatch, etag_of, read, read_side, versioned
from api.routes import Access, Call, Commands
from domain.prizes import Prize
from domain.values import Role
from projections.exports import (
    programme_csv,
    programme_csv_name,
    programme_page,
    programme_xlsx,
    programme_xlsx_name,
)
from projections.prizes import ProgrammeOut, ProgrammeSummary
from registry.application import CommandResult, RegistryApplication

#: who sees the whole list (every status, reasons, histories)
FULL_VIEW = frozenset({Role.AKIMAT, Role.AUDITOR, Role.ADMIN})

PRIZE_PROBLEMS = (400, 401, 403, 404, 409, 412, 413, 422, 503)
READ_PROBLEMS = problem_responses(400, 401, 404, 409, 422, 503)
ProgrammeId = FromPath[UUID]

BY_AKIMAT = Access([AKIMAT], "akimat")
ERRORS = (
    "Errors are RFC 9457 problem details (`application/problem+json`); `type` is "
    "`/problems/<code>`: 401 no or bad token, 403 `forbidden` (another role), 404 "
    "`not-found` (unknown programme, entry, nomination or organisation), 409 "
    "`invalid-state` (e.g. awarding an entry that is not approved), 412 "
    "`precondition-failed` (`If-Match`), 400/422 invalid body."
)

#: the akimat's commands; those on a programme (``{programme_id}``) honour ``If-Match`` on it
akimat = Commands("prizes", BY_AKIMAT, errors=ERRORS, problems=PRIZE_PROBLEMS)


def programme_answer(
    request: Request[Any, Any, Any], programme_id: UUID, *, full: bool
) -> ProgrammeOut:
    """A programme as ``GET /prize-programmes/{id}`` answers it (``full``: every entry), or
    404; shared with the public and the akimat's pages."""
    return found(
        read_side(request).prizes.programme(programme_id, full=full),
        "no prize programme with id %(id)s",
        id=programme_id,
    )


def sees_every_entry(request: Request[Any, Any, Any]) -> bool:
    """Whether the caller sees every entry of a programme (the akimat, auditors), not only
    approved and awarded ones."""
    account = request.scope.get("user")
    return account is not None and account.role in FULL_VIEW


# ------------------------------------------------------------------ programmes


@akimat(
    "/prize-programmes",
    "Create a prize programme",
    "A programme for a year and a region: the championship kinds it covers and the prize "
    "for each place 1-3 (a description and a whole amount in tenge, or `amount_kzt: null` "
    "for a prize in kind: a certificate, a grant in kind). `eligibility` (optional, each "
    "field optional) is recorded with the programme: `{kinds, levels, places, region, "
    "year}`; the default is today's rule — `levels: [\"republican\"]`, the programme's "
    "`kinds`, `region` and `year`, the `places` it has prizes for; `region` or `year` null "
    "means any. Its id is derived "
    "from region, year and Russian title: a repeat with the same settings answers 200 and "
    "records nothing. Published results of eligible championships — even those published "
    "before the programme existed — are proposed as entries by the prize policy.",
    created=True,
)
def create_programme(r: RegistryApplication, call: Call[s.ProgrammeIn]) -> CommandResult:
    prizes = [Prize(p.place, p.description, p.amount_kzt) for p in call.body.prizes]
    rule = call.body.eligibility
    return r.create_prize_programme(
        **call.keywords(prizes=prizes, eligibility=rule.given() if rule is not None else None)
    )


@read(
    "/prize-programmes",
    summary="Prize programmes",
    description="Every programme (title, year, region, kinds). Public.",
    responses=READ_PROBLEMS,
    tags=["prizes"],
)
def list_programmes(request: Request[Any, Any, Any]) -> list[ProgrammeSummary]:
    return read_side(request).prizes.programmes()


@read(
    "/prize-programmes/{programme_id:uuid}",
    summary="A prize list: entries, nominations, totals",
    description="Entries `{id, competitor_id, full_name, organisation, championship_id, "
    "competition_id, place, prize, amount_kzt, status, reason?}` (plus names, the basis of "
    "the proposal and, for the akimat, auditors and admins, each entry's history), "
    "nominations with their nominees, and totals by place and in tenge of what is promised "
    "(approved or awarded; a prize in kind, `amount_kzt: null`, counts as an entry and adds "
    "no tenge). `eligibility` is the programme's recorded rule. The public, organisers and "
    "experts see approved and awarded entries and approved nominees only. Strong `ETag` "
    "(the programme's version).",
    responses=READ_PROBLEMS,
    tags=["prizes"],
)
def get_programme(
    request: Request[Any, Any, Any],
    programme_id: ProgrammeId,
    if_none_match: IfNoneMatch = None,
) -> Response[Any]:
    out = programme_answer(request, programme_id, full=sees_every_entry(request))
    return versioned(out, out.version, if_none_match)


# ------------------------------------------------------------------ entries

ENTRY = "/prize-programmes/{programme_id:uuid}/entries/{entry_id:uuid}"
EntryCall = Call[s.ReasonIn] | Call[s.AwardIn] | Call[None]


def _decide_entry(r: RegistryApplication, call: EntryCall, decision: str) -> CommandResult:
    result = r.decide_prize_entry(**call.keywords(decision=decision))
    return msgspec.structs.replace(result, id=call.path["entry_id"])


@akimat(
    ENTRY + "/approve",
    "Approve a prize entry",
    "proposed → approved; needs_review → the status it had (confirming an entry flagged by "
    "an amendment: an awarded entry stays awarded, with its date). "
    "A repeat answers `recorded: false`.",
)
def approve_entry(r: RegistryApplication, call: Call[None]) -> CommandResult:
    return _decide_entry(r, call, "approve")


@akimat(
    ENTRY + "/reject", "Reject a prize entry, with a reason", "proposed or needs_review → rejected."
)
def reject_entry(r: RegistryApplication, call: Call[s.ReasonIn]) -> CommandResult:
    return _decide_entry(r, call, "reject")


@akimat(
    ENTRY + "/award",
    "Mark an approved entry as awarded (handed over), with the date",
    "approved → awarded. `awarded_on` may be neither in the future nor before the day the "
    "result was published (days in Kazakhstan, UTC+5): else 422.",
)
def award_entry(r: RegistryApplication, call: Call[s.AwardIn]) -> CommandResult:
    return _decide_entry(r, call, "award")


@akimat(
    ENTRY + "/revoke",
    "Revoke a prize entry, with a reason",
    "approved, awarded or needs_review → revoked.",
)
def revoke_entry(r: RegistryApplication, call: Call[s.ReasonIn]) -> CommandResult:
    return _decide_entry(r, call, "revoke")


@akimat(
    ENTRY + "/reconsider",
    "Reconsider a rejected prize entry, with a reason",
    "rejected → proposed (it can then be approved or rejected again).",
)
def reconsider_entry(r: RegistryApplication, call: Call[s.ReasonIn]) -> CommandResult:
    return _decide_entry(r, call, "reconsider")


# ------------------------------------------------------------------ nominations

NOMINATION = "/prize-programmes/{programme_id:uuid}/nominations"
NOMINEE = NOMINATION + "/{nomination_id:uuid}/nominees/{nominee_id:uuid}"


@akimat(
    NOMINATION,
    "Define a nomination",
    "A nomination of the programme (e.g. «Лучший меценат года»); its id is derived from "
    "the programme and the Russian title, so a repeat answers 200 and records nothing.",
    created=True,
)
def define_nomination(r: RegistryApplication, call: Call[s.NominationIn]) -> CommandResult:
    return r.define_nomination(**call.keywords())


@akimat(
    NOMINATION + "/{nomination_id:uuid}/nominees",
    "Nominate an organisation, with a citation",
    "Proposes a registered organisation in a nomination (several winners per nomination "
    "are allowed). The same organisation again is a repeat (200, nothing recorded).",
    created=True,
)
def nominate(r: RegistryApplication, call: Call[s.NomineeIn]) -> CommandResult:
    return r.nominate(**call.keywords())


def _decide_nominee(
    r: RegistryApplication, call: Call[s.ReasonIn] | Call[None], decision: str
) -> CommandResult:
    result = r.decide_nominee(**call.keywords(decision=decision))
    return msgspec.structs.replace(result, id=call.path["nominee_id"])


@akimat(
    NOMINEE + "/approve",
    "Approve a nominee",
    "proposed → approved. A repeat answers `recorded: false`.",
)
def approve_nominee(r: RegistryApplication, call: Call[None]) -> CommandResult:
    return _decide_nominee(r, call, "approve")


@akimat(NOMINEE + "/reject", "Reject a nominee, with a reason", "proposed → rejected.")
def reject_nominee(r: RegistryApplication, call: Call[s.ReasonIn]) -> CommandResult:
    return _decide_nominee(r, call, "reject")


@akimat(NOMINEE + "/revoke", "Revoke an approved nominee, with a reason", "approved → revoked.")
def revoke_nominee(r: RegistryApplication, call: Call[s.ReasonIn]) -> CommandResult:
    return _decide_nominee(r, call, "revoke")


# ------------------------------------------------------------------ exports


EXPORT_COLUMNS = (
    "championship, competency, category, place, recipient, organisation, prize, amount in "
    "tenge (`в натуральной форме` / `заттай түрде` for a prize in kind), status, date "
    "awarded, status code, entry id, basis (why the entry exists: championship, competency, "
    "place), reason (of the last decision; the akimat's, auditors' and admins' list only)"
)


def prize_list_file(
    request: Request[Any, Any, Any], programme_id: UUID, lang: str, *, xlsx: bool = False
) -> tuple[ProgrammeOut, bytes, str]:
    """The prize list the caller may read as a file (CSV, or .xlsx), in ``lang``: the
    programme's answer, the bytes and the file name (the API's and the pages' downloads)."""
    out = programme_answer(request, programme_id, full=sees_every_entry(request))
    texts = export_texts(lang)
    if xlsx:
        return out, programme_xlsx(out, texts), programme_xlsx_name(out)
    return out, programme_csv(out, texts), programme_csv_name(out)


@read(
    "/prize-programmes/{programme_id:uuid}/export.csv",
    summary="The prize list as CSV (Excel)",
    description="UTF-8 with BOM, `;` separator. One row per entry: " + EXPORT_COLUMNS + ", "
    "then `section` (`приз`) and `nomination` (empty); then one row per nominee: recipient "
    "and organisation are the organisation, status, status code, the nominee's id, basis is "
    "the citation, reason, `section` (`номинация`) and `nomination` (its title). Headers "
    "and texts in the language of `?lang=` (else `Accept-Language`, else Russian). Same "
    "visibility as the prize list: the public sees approved and awarded entries and "
    "approved nominees only. Cells that a spreadsheet would take for a formula are "
    "prefixed with `'`.",
    responses=READ_PROBLEMS,
    tags=["prizes"],
    media_type="text/csv",
)
def export_csv(
    request: Request[Any, Any, Any], programme_id: ProgrammeId, lang: LangParameter = None
) -> Response[bytes]:
    out, content, name = prize_list_file(request, programme_id, export_language(request, lang))
    return Response(
        content=content,
        media_type="text/csv",
        headers={
            "Content-Disposition": attachment((name, name)),
            "ETag": etag_of(out.version, content),
        },
    )


@read(
    "/prize-programmes/{programme_id:uuid}/export.xlsx",
    summary="The prize list as .xlsx",
    description="Two sheets: prizes (one row per entry: " + EXPORT_COLUMNS + "; place and "
    "amount are numbers, the date a date) and nominations (nomination, organisation, "
    "citation, status, reason, status code, nominee id). Headers in the language of "
    "`?lang=`. Same visibility as the prize list.",
    responses=READ_PROBLEMS,
    tags=["prizes"],
    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
def export_xlsx(
    request: Request[Any, Any, Any], programme_id: ProgrammeId, lang: LangParameter = None
) -> Response[bytes]:
    _, content, name = prize_list_file(
        request, programme_id, export_language(request, lang), xlsx=True
    )
    return xlsx_response(content, (name, name))


@read(
    "/prize-programmes/{programme_id:uuid}/print",
    summary="The approved prize list, printable on A4 (HTML)",
    description="Approved and awarded entries, totals by place, approved nominees; headings "
    "in Russian and Kazakh. Public.",
    responses=READ_PROBLEMS,
    tags=["prizes"],
    media_type=MediaType.HTML,
)
def print_programme(request: Request[Any, Any, Any], programme_id: ProgrammeId) -> Response[str]:
    out = programme_answer(request, programme_id, full=False)
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
    reconsider_entry,
    define_nomination,
    nominate,
    approve_nominee,
    reject_nominee,
    revoke_nominee,
    export_csv,
    export_xlsx,
    print_programme,
]
