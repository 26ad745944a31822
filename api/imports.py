"""``POST /api/v1/imports``: a spreadsheet imported through the same rules as the API (issue 16).

The endpoint is thin: the guard decides who may send which kind of file
(:func:`registry.imports.check_import_allowed`, the rule the CLI applies too), the handler reads
the uploaded file and hands it to :func:`registry.imports.run_import`, and shapes its answer:

* a dry run (``dry_run=true``): 200 ``{would_create, problems}`` — nothing recorded;
* a commit without problems: 201 ``{created, position, problems: []}`` — the whole file, in
  one transaction;
* a commit of a file with problems: 422 problem details (``/problems/invalid-input``) whose
  ``problems`` member lists them — nothing recorded;
* a refused file (not a spreadsheet, a formula, merged cells, a zip bomb, too many rows, a
  sheet missing: ``sheets.reader.SheetRefused``): 422 with that one problem in ``problems``;
  a file over the reader's size limit: 413;
* the same file again (its content, kind and competition): 200 with the first import's
  answer (``already_imported: true``), nothing recorded.

Every problem's ``message`` is in the request's language (``Accept-Language``: ru, kk, en;
Russian by default), translated from its msgid like every problem detail
(:func:`problem_message`, which the upload page uses too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, post
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.enums import MediaType, RequestEncodingType
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, QueryParameter

from api.auth import caller
from api.i18n import Translator, from_accept_language, translator
from api.messages import Message
from api.problems import ApiProblem, forbidden, invalid_field, problem_responses
from api.routes import SECURITY, doc, registry_of
from domain.errors import DomainError
from domain.values import Role
from registry.imports import (
    KINDS,
    ImportAnswer,
    ImportProblem,
    SheetRefused,
    check_import_allowed,
    problem_of_refusal,
    run_import,
)
from sheets.reader import Limits

#: the largest file the reader takes, and the body around it (the multipart envelope)
MAX_FILE_BYTES = Limits().max_bytes
MAX_UPLOAD_BYTES = MAX_FILE_BYTES + 64 * 1024
_IMPORTERS = (Role.ORGANISER, Role.EXPERT, Role.CHIEF_EXPERT)


@dataclass
class ImportUpload:
    """The multipart body: the spreadsheet."""

    file: UploadFile


class ImportProblemOut(msgspec.Struct, frozen=True):
    """A problem of the file: where (sheet, row as a spreadsheet program shows it, column
    letter, the cell's value; null for the whole sheet) and what, in the request's
    language; ``code`` is the stable kind of refusal (as the API's problem types)."""

    sheet: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    code: str


class ImportOut(msgspec.Struct, frozen=True):
    """What an import answers (see the endpoint's description)."""

    kind: str
    dry_run: bool
    file_sha256: str
    would_create: dict[str, int] | None
    created: dict[str, int] | None
    problems: list[ImportProblemOut]
    already_imported: bool
    #: the position of the import's record (read with ``X-Registry-Min-Position``)
    position: int | None
    import_id: UUID | None
    rows: int
    problems_truncated: bool


def problem_message(problem: ImportProblem, tr: Translator) -> str:
    """A problem's message in ``tr``'s language."""
    return Message(problem.message, problem.params).text(tr)


def problems_out(problems: list[ImportProblem], tr: Translator) -> list[ImportProblemOut]:
    return [
        ImportProblemOut(
            sheet=p.sheet,
            row=p.row,
            column=p.column,
            value=p.value,
            message=problem_message(p, tr),
            code=p.code,
        )
        for p in problems
    ]


def answer_out(answer: ImportAnswer, tr: Translator) -> ImportOut:
    return ImportOut(
        kind=answer.kind,
        dry_run=answer.dry_run,
        file_sha256=answer.file_sha256,
        would_create=answer.would_create,
        created=answer.created,
        problems=problems_out(answer.problems, tr),
        already_imported=answer.already_imported,
        position=answer.position,
        import_id=answer.import_id,
        rows=answer.rows,
        problems_truncated=answer.problems_truncated,
    )


async def import_access(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Who may import: an organiser (an entrant list, an expert list, a marking scheme); an
    expert or chief expert their own marks, in a competition they are assigned to. The role
    first (403 whatever the query), then the query (400), then the kind's rule (403)."""
    account = caller(connection)
    if account.role not in _IMPORTERS:
        raise forbidden(
            "spreadsheets are imported by organisers (and mark sheets by experts); the "
            "token's role is %(role)s",
            params={"role": str(account.role)},
        )
    kind = connection.query_params.get("kind")
    if kind not in KINDS:
        raise invalid_field("kind", "expected participants, experts, scheme or marks")
    competition_id = None
    given = connection.query_params.get("competition_id")
    if given:
        try:
            competition_id = UUID(given)
        except ValueError:
            raise invalid_field(
                "competition_id",
                "expected an id (a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)",
            ) from None
    try:
        check_import_allowed(account, kind, competition_id)
    except DomainError as error:
        code = "forbidden" if error.code == "not-allowed" else error.code
        raise forbidden(Message(error.template, error.params), code=code) from None


Kind = Annotated[
    str,
    QueryParameter(
        name="kind",
        description="What the file holds: `participants` (an entrant list: organisations "
        "and people, entered into the competition), `experts` (the competition's experts), "
        "`scheme` (its marking scheme) or `marks` (the caller's own mark sheet).",
    ),
]
CompetitionId = Annotated[
    UUID | None,
    QueryParameter(
        name="competition_id",
        required=False,
        description="The competition the file is for (required except for `participants`, "
        "which without it only registers organisations and people).",
    ),
]
DryRun = Annotated[
    bool,
    QueryParameter(
        name="dry_run",
        required=False,
        description="`true`: check the file and answer what it would create and every "
        "problem, recording nothing.",
    ),
]

DESCRIPTION = doc(
    "Imports a spreadsheet (`.xlsx`, `.xls`, `.ods` or `.csv`, multipart field `file`; "
    "layouts and templates: `GET /api/v1/templates/{kind}.xlsx`) through the same rules as "
    "the commands: conflicts of interest, ranges, duplicates and possible duplicates are "
    "refused exactly as there, every row's problem listed with its sheet, row, column and "
    "value. **Dry run** (`dry_run=true`): 200 `{would_create, problems}`, nothing recorded. "
    "**Commit**: the whole file in one transaction — 201 `{created, position, problems: "
    "[]}` — or, with any problem, nothing: 422 problem details listing `problems`. A file "
    "refused as unreadable or hostile (not a spreadsheet, a formula, merged cells, a zip "
    "bomb, too many rows, a sheet missing) is 422 with that problem; over 10 MB, 413. The "
    "same file again (same content, kind and competition) answers 200 with the first "
    "import's answer (`already_imported: true`) and records nothing. Messages follow "
    "`Accept-Language` (ru, kk, en).",
    "organiser (participants, experts, scheme); an expert or chief_expert assigned to the "
    "competition (marks: their own)",
    "Errors are RFC 9457 problem details; `type` is `/problems/<code>`. Order of checks: "
    "token (401), role (403), query (400), the kind's role and scope (403), body (413/422), "
    "then the import (404 unknown competition, 422 problems of the file).",
)


@post(
    "/imports",
    guards=[import_access],
    sync_to_thread=True,
    status_code=201,
    request_max_body_size=MAX_UPLOAD_BYTES,
    summary="Import a spreadsheet (dry run or commit)",
    description=DESCRIPTION,
    responses={
        200: ResponseSpec(
            data_container=ImportOut,
            description="a dry run, or a file imported before (`already_imported`): "
            "nothing recorded",
        ),
        **problem_responses(400, 401, 403, 404, 413, 422, 503),
    },
    security=SECURITY,
    tags=["imports"],
)
def import_spreadsheet(
    request: Request[Any, Any, Any],
    data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    kind: Kind,
    competition_id: CompetitionId = None,
    dry_run: DryRun = False,
) -> Response[ImportOut]:
    upload = data.file
    try:
        content = upload.file.read(MAX_FILE_BYTES + 1)
    finally:
        upload.file.close()
    if len(content) > MAX_FILE_BYTES:
        raise ApiProblem(
            413,
            "payload-too-large",
            "the file is larger than %(limit)s MB; split it into several files",
            params={"limit": MAX_FILE_BYTES // (1024 * 1024)},
        )
    tr = translator(from_accept_language(request.headers.get("accept-language")))
    try:
        answer = run_import(
            registry_of(request),
            actor=caller(request).id,
            kind=kind,
            competition_id=competition_id,
            data=content,
            filename=upload.filename,
            dry_run=dry_run,
        )
    except SheetRefused as error:
        problems = problems_out([problem_of_refusal(error)], tr)
        raise ApiProblem(
            error.status,
            error.code,
            Message(error.template, error.params),
            extra={"problems": msgspec.to_builtins(problems)},
        ) from None
    out = answer_out(answer, tr)
    if answer.problems and not dry_run:
        raise ApiProblem(
            422,
            "invalid-input",
            "the file has %(count)s problems; nothing was recorded",
            params={"count": len(answer.problems)},
            extra={
                "problems": msgspec.to_builtins(out.problems),
                "problems_truncated": answer.problems_truncated,
                "file_sha256": answer.file_sha256,
                "rows": answer.rows,
            },
        )
    return Response(
        content=out,
        status_code=201 if answer.recorded else 200,
        media_type=MediaType.JSON,
        headers={"Content-Language": tr.lang},
    )


#: the import endpoints, relative to ``/api/v1``
IMPORT_API_HANDLERS = [import_spreadsheet]
