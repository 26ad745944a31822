"""The spreadsheet upload page (``/import``): check a file, see every problem, then import it.

Two steps, each a plain ``<form method="post">`` with the CSRF token (no script needed):

1. ``POST /import/check`` (multipart: ``kind``, ``competition_id``, ``file``) runs the dry run
   of ``POST /api/v1/imports?dry_run=true`` — the same :func:`registry.imports.run_import` —
   and shows the preview: what would be created, in words, and a table of every problem
   (sheet, row, column, value, the message in the viewer's language). Nothing is recorded.
   The checked bytes are kept on the server (:class:`CheckedFiles`, under the web sessions'
   directory ``REGISTRY_WEB_DIR``: ``imports/<account>-<sha256>``), for this viewer only.
2. ``POST /import/commit`` (only ``sha256``) imports the very file that was checked, without
   uploading it again: the whole file or nothing, refused while it has problems; a file
   imported before answers "already imported" and records nothing. The kept bytes are
   removed; the answer is kept (as the file was, an hour at most) for ``GET
   /import?done=<sha256>``, where the redirect after the import shows what was created.

A refused (hostile) file — not a spreadsheet, over the size limit, a zip bomb, a formula, merged
cells, too many rows, a sheet missing — is shown next to the file field (an upload over the
API's limit, ``api.imports.MAX_UPLOAD_BYTES``, too, though it is refused before it is read).
Who may import what is the API's rule (:func:`registry.imports.check_import_allowed`, which the
CLI applies too); the page offers each viewer only what it allows:

* an organiser: an entrant list (into any competition, or none: people only registered), the
  experts or the marking scheme of any competition;
* an expert or chief expert: only their own mark sheet (``marks``), into the competitions they
  are assigned to (their account's scope, as the marking pages); the page is theirs too, and
  its form offers them nothing else.

A third form (``GET /import/template?kind=&competition_id=``, no script needed either) downloads
the template of a scheme or a mark sheet already filled in for a competition the viewer may
import into — the API's pre-filled template (:func:`api.spreadsheets.template_file`) read with
the web session, so nobody needs a token for it. The blank templates are the API's public ones.

Kept files are swept after :data:`KEEP_SECONDS` (an hour) and at most :data:`KEEP_PER_VIEWER`
per viewer are kept (the oldest go first).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.datastructures import UploadFile
from litestar.enums import MediaType
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.response import Redirect, Template

from api.auth import roles
from api.i18n import N_, translator
from api.imports import MAX_UPLOAD_BYTES, problem_message
from api.problems import ApiProblem
from api.reading import read_side
from api.spreadsheets import PREFILLED, template_file
from api.web.forms import FieldRefused, FormRefused, Refusal, pick, refusal, registry_of
from api.web.pages import language, page_error, redirect, render, viewer
from api.web.session import state_directory
from domain.account import Account
from domain.errors import DomainError
from domain.values import Role
from registry.imports import KINDS, ImportAnswer, check_import_allowed, run_import
from sheets.reader import SheetRefused
from store.settings import private_directory

AnyRequest = Request[Any, Any, Any]

#: what each kind of file is called on the page, in the order offered
KIND_NAMES: Mapping[str, str] = {
    "participants": N_("Organisations and participants (an entrant list)"),
    "experts": N_("Experts of a competition"),
    "scheme": N_("Marking scheme"),
    "marks": N_("Mark sheet (your own marks)"),
}
#: what a preview's counts name (``would_create``/``created`` keys, ``registry.imports.COUNTS``)
THING_NAMES: Mapping[str, str] = {
    "organisations": N_("New organisations: %(num)s"),
    "participants": N_("New participants: %(num)s"),
    "entrants": N_("Entries into the competition: %(num)s"),
    "experts": N_("Experts assigned: %(num)s"),
    "aspects": N_("Aspects of the marking scheme: %(num)s"),
    "marks": N_("Marks: %(num)s"),
}
DONE: Mapping[str, str] = {
    "imported": N_("The file was imported."),
    "already": N_("This file was imported before; nothing new was recorded."),
}
CHOOSE_FILE = N_("Choose a file to upload.")
CHOOSE_KIND = N_("Choose what the file holds.")
CHOOSE_COMPETITION = N_("Choose a competition.")
NOT_KEPT = N_(
    "The checked file is no longer kept (it is kept for an hour). Choose it and check it again."
)
HAS_PROBLEMS = N_("The file has problems; correct them and check the file again.")
TOO_LARGE = N_("The file is larger than %(size)s MB; split the list into several files.")
#: how long a checked file waits for its import
KEEP_SECONDS = 3600.0
#: checked files kept per viewer (the oldest are removed first)
KEEP_PER_VIEWER = 5
SHA256 = re.compile(r"^[0-9a-f]{64}$")
IMPORT_ROLES = roles(Role.ORGANISER, Role.EXPERT, Role.CHIEF_EXPERT)
FIELDS = ("kind", "competition_id", "file")


def _form(path: str, name: str, status_code: int = 303) -> Any:
    """A form of this page: HTML, not in the API's schema, an upload's size limit."""
    return post(
        path,
        name=name,
        guards=[IMPORT_ROLES],
        include_in_schema=False,
        media_type=MediaType.HTML,
        status_code=status_code,
        request_max_body_size=MAX_UPLOAD_BYTES,
        exception_handlers={RequestEntityTooLarge: _too_large},
    )


def _too_large(request: AnyRequest, error: Exception) -> Any:
    """An upload over the limit (refused before the form is read): the form again, the
    limit next to the file field."""
    account = viewer(request)
    if account is None or not kinds_for(account):  # the guard has not run yet
        return page_error(request, error)
    tr = translator(language(request))
    message = tr.gettext(TOO_LARGE, size=str(MAX_UPLOAD_BYTES // (1024 * 1024)))
    return _page(request, status_code=413, errors={"file": message})


# ------------------------------------------------------------------ the kept files


@dataclass(frozen=True)
class Checked:
    """A file checked by a viewer, waiting for its import."""

    sha256: str
    kind: str
    competition_id: UUID | None
    filename: str | None
    checked_at: float


class CheckedFiles:
    """Checked files between the two steps: ``<account>-<sha256>`` (the bytes) and
    ``<account>-<sha256>.json`` (kind, competition, name), 0600 in a 0700 folder; after the
    import, ``<account>-<sha256>.answer.json`` (what was created). Keyed by the viewer too, so
    nobody imports a file someone else checked."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        private_directory(directory)

    def _path(self, account: UUID, sha256: str, suffix: str = "") -> Path:
        if not SHA256.match(sha256):
            raise ValueError("not a SHA-256")
        return self.directory / f"{account.hex}-{sha256}{suffix}"

    def _write(self, path: Path, data: bytes) -> None:
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            target.write(data)
        os.replace(temporary, path)

    def put(self, account: UUID, data: bytes, checked: Checked) -> None:
        self.sweep()
        self._write(self._path(account, checked.sha256), data)
        meta = {
            "kind": checked.kind,
            "competition_id": str(checked.competition_id) if checked.competition_id else None,
            "filename": checked.filename,
            "checked_at": checked.checked_at,
        }
        self._write(self._path(account, checked.sha256, ".json"), json.dumps(meta).encode())
        waiting = [
            path
            for path in self.directory.glob(f"{account.hex}-*.json")
            if not path.name.endswith(".answer.json")
        ]
        waiting.sort(key=_modified, reverse=True)
        for old in waiting[KEEP_PER_VIEWER:]:
            self._drop_path(old)

    def get(self, account: UUID, sha256: str) -> tuple[bytes, Checked] | None:
        if not SHA256.match(sha256):
            return None
        try:
            meta = json.loads(self._path(account, sha256, ".json").read_bytes())
            data = self._path(account, sha256).read_bytes()
        except (OSError, ValueError):
            return None
        if time.time() - float(meta["checked_at"]) > KEEP_SECONDS:
            self.drop(account, sha256)
            return None
        competition = meta.get("competition_id")
        checked = Checked(
            sha256,
            str(meta["kind"]),
            UUID(competition) if competition else None,
            meta.get("filename"),
            float(meta["checked_at"]),
        )
        return data, checked

    def drop(self, account: UUID, sha256: str) -> None:
        for suffix in ("", ".json"):
            with contextlib.suppress(OSError, ValueError):
                self._path(account, sha256, suffix).unlink()

    def _drop_path(self, meta: Path) -> None:
        for path in (meta, meta.with_suffix("")):
            with contextlib.suppress(OSError):
                path.unlink()

    def keep_answer(self, account: UUID, sha256: str, answer: Mapping[str, Any]) -> None:
        self._write(self._path(account, sha256, ".answer.json"), json.dumps(answer).encode())

    def answer(self, account: UUID, sha256: str) -> dict[str, Any] | None:
        if not SHA256.match(sha256):
            return None
        path = self._path(account, sha256, ".answer.json")
        try:
            if time.time() - path.stat().st_mtime > KEEP_SECONDS:
                return None
            found = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def sweep(self) -> None:
        """Remove what is older than :data:`KEEP_SECONDS`."""
        limit = time.time() - KEEP_SECONDS
        for path in self.directory.iterdir():
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < limit:
                    path.unlink()


def _modified(path: Path) -> float:
    """When ``path`` was written (0 when another process removed it meanwhile)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def checked_files(request: AnyRequest) -> CheckedFiles:
    """The kept files of this app (one per app, under the sessions' directory)."""
    state = request.app.state
    kept = getattr(state, "checked_files", None)
    if kept is None:
        kept = CheckedFiles(state_directory(registry_of(request).settings) / "imports")
        state.checked_files = kept
    return kept  # type: ignore[no-any-return]


# ------------------------------------------------------------------ who may import what


def kinds_for(account: Account) -> tuple[str, ...]:
    """The kinds ``account`` may import (:func:`registry.imports.check_import_allowed`, the
    rule of the API and the CLI, asked of a competition of the account's scope)."""
    somewhere = min(account.competition_ids, default=None)
    kinds = []
    for kind in KINDS:
        try:
            check_import_allowed(account, kind, somewhere)
        except DomainError:
            continue
        kinds.append(kind)
    return tuple(kinds)


@dataclass(frozen=True)
class Choice:
    """A competition offered in the form."""

    id: UUID
    title: str
    status: str


@dataclass(frozen=True)
class Group:
    """The competitions of one championship (an ``<optgroup>``)."""

    title: str
    competitions: tuple[Choice, ...]


def competitions_for(request: AnyRequest, account: Account, lang: str) -> list[Group]:
    """The competitions ``account`` may import into, by championship (as ``GET
    /championships`` and ``GET /championships/{id}`` read them): an organiser's, all; an
    expert's, those of their scope."""
    queries = read_side(request).queries
    groups = []
    championships = sorted(queries.championships(), key=lambda c: (-c.year, c.title_ru.casefold()))
    for championship in championships:
        detail = queries.championship(championship.id)
        if detail is None:
            continue
        choices = tuple(
            Choice(c.id, pick(lang, c), c.status)
            for c in detail.competitions
            if account.role is Role.ORGANISER or c.id in account.competition_ids
        )
        if choices:
            groups.append(Group(f"{pick(lang, championship)} ({championship.year})", choices))
    return groups


# ------------------------------------------------------------------ the page


@dataclass
class Problem:
    """A problem of the file as the page shows it."""

    sheet: str
    row: str
    column: str
    value: str
    message: str


def _problems(answer: ImportAnswer, lang: str) -> list[Problem]:
    tr = translator(lang)
    return [
        Problem(
            sheet=p.sheet or "",
            row="" if p.row is None else str(p.row),
            column=p.column or "",
            value="" if p.value is None else str(p.value),
            message=problem_message(p, tr),
        )
        for p in answer.problems
    ]


def counts_in_words(counts: Mapping[str, int] | None, lang: str) -> list[str]:
    """``{"participants": 3}`` as "New participants: 3" in ``lang`` (a count the page does
    not name: "key: n")."""
    tr = translator(lang)
    words = []
    for key, number in (counts or {}).items():
        named = THING_NAMES.get(key)
        shown = tr.integer(int(number))
        words.append(tr.gettext(named, num=shown) if named else f"{key}: {shown}")
    return words


@dataclass
class Preview:
    """A dry run's answer as the page shows it."""

    sha256: str
    kind: str
    filename: str
    would_create: list[str]
    problems: list[Problem]
    already_imported: bool
    truncated: bool


def _page(
    request: AnyRequest,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    preview: Preview | None = None,
) -> Template:
    account = viewer(request)
    assert account is not None
    lang = language(request)
    kinds = kinds_for(account)
    values = dict(values or {})
    query = request.query_params
    for name in ("kind", "competition_id"):
        if not values.get(name) and query.get(name):
            values[name] = str(query.get(name))
    if not values.get("kind") and len(kinds) == 1:
        values["kind"] = kinds[0]
    done_key = query.get("done") or ""
    result = None
    if preview is None and SHA256.match(done_key):
        result = checked_files(request).answer(account.id, done_key)
        if result is not None:
            result = {
                **result,
                "words": counts_in_words(result.get("created"), lang),
            }
    return render(
        request,
        "imports/upload.html",
        status_code=status_code,
        kinds=kinds,
        kind_names=KIND_NAMES,
        groups=competitions_for(request, account, lang),
        errors=errors or {},
        values=values,
        preview=preview,
        result=result,
        done_names=DONE,
        max_megabytes=(MAX_UPLOAD_BYTES // (1024 * 1024)),
    )


@get(
    "/import",
    name="import",
    guards=[IMPORT_ROLES],
    sync_to_thread=True,
    include_in_schema=False,
)
def import_page(request: AnyRequest) -> Template:
    """The form (``?kind=&competition_id=`` choose in advance; ``?done=<sha256>`` shows what
    the import just created)."""
    return _page(request)


def _competition(value: str) -> UUID | None:
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise FieldRefused(CHOOSE_COMPETITION, "competition_id") from None


def _allowed(account: Account, kind: str, competition: UUID | None) -> str:
    """``kind`` when ``account`` may import it into ``competition`` (the API's rule,
    :func:`registry.imports.check_import_allowed`; refused next to the kind or the
    competition)."""
    if kind not in KIND_NAMES:
        raise FieldRefused(CHOOSE_KIND, "kind")
    try:
        check_import_allowed(account, kind, competition)
    except DomainError as error:
        error.details.setdefault(
            "field", "competition_id" if error.code == "not-assigned" else "kind"
        )
        raise
    return kind


def _field(error: Refusal) -> str:
    """Where the page shows a refusal: the field it names, the file for a refused file,
    else above the form."""
    if isinstance(error, SheetRefused):
        return "file"
    details = getattr(error, "details", None) or {}
    named = str(details.get("field") or "")
    return named if named in FIELDS else "form"


def _refused(request: AnyRequest, error: Refusal, values: Mapping[str, str]) -> Template:
    return _page(
        request,
        status_code=getattr(error, "status", 422),
        errors={_field(error): refusal(request, error)},
        values=values,
    )


async def _upload(form: Any) -> tuple[bytes, str | None]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise FieldRefused(CHOOSE_FILE, "file")
    data = await upload.read()
    await upload.close()
    if not data:
        raise FieldRefused(CHOOSE_FILE, "file")
    name = (upload.filename or "").strip() or None
    return data, name[:200] if name else None


def _run(request: AnyRequest, checked: Checked, data: bytes, *, dry_run: bool) -> ImportAnswer:
    """:func:`registry.imports.run_import`, as ``POST /api/v1/imports`` calls it."""
    account = viewer(request)
    assert account is not None
    return run_import(
        registry_of(request),
        actor=account.id,
        kind=checked.kind,
        competition_id=checked.competition_id,
        data=data,
        filename=checked.filename,
        dry_run=dry_run,
        progress=None,
    )


def _preview(checked: Checked, answer: ImportAnswer, lang: str) -> Preview:
    return Preview(
        sha256=checked.sha256,
        kind=checked.kind,
        filename=checked.filename or "",
        would_create=counts_in_words(answer.would_create, lang),
        problems=_problems(answer, lang),
        already_imported=bool(answer.already_imported),
        truncated=answer.problems_truncated,
    )


@_form("/import/check", "import-check", status_code=200)
async def check(request: AnyRequest) -> Template:
    """Step 1: the dry run of the uploaded file; the bytes are kept for step 2."""
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in ("kind", "competition_id")}
    account = viewer(request)
    assert account is not None
    lang = language(request)
    try:
        competition = _competition(values["competition_id"])
        kind = _allowed(account, values["kind"], competition)
        data, filename = await _upload(form)
        checked = Checked(
            hashlib.sha256(data).hexdigest(), kind, competition, filename, time.time()
        )
        answer = await sync_to_thread(lambda: _run(request, checked, data, dry_run=True))
    except (DomainError, FormRefused) as error:
        refused = error
        return await sync_to_thread(lambda: _refused(request, refused, values))
    if not answer.problems and not answer.already_imported:
        kept = checked_files(request)
        await sync_to_thread(kept.put, account.id, data, checked)
    preview = _preview(checked, answer, lang)
    status = 422 if preview.problems else 200
    return await sync_to_thread(
        lambda: _page(request, status_code=status, values=values, preview=preview)
    )


@_form("/import/commit", "import-commit")
async def commit(request: AnyRequest) -> Template | Redirect:
    """Step 2: import the file checked in step 1 (named by its SHA-256), all or nothing."""
    form = await request.form()
    sha256 = str(form.get("sha256") or "").strip().lower()
    account = viewer(request)
    assert account is not None
    lang = language(request)
    kept = checked_files(request)
    found = await sync_to_thread(kept.get, account.id, sha256)
    if found is None:
        return await sync_to_thread(
            lambda: _page(request, status_code=410, errors={"file": refusal_of(request, NOT_KEPT)})
        )
    data, checked = found
    values = {
        "kind": checked.kind,
        "competition_id": str(checked.competition_id) if checked.competition_id else "",
    }
    try:
        _allowed(account, checked.kind, checked.competition_id)
        answer = await sync_to_thread(lambda: _run(request, checked, data, dry_run=False))
    except (DomainError, FormRefused) as error:
        refused = error
        return await sync_to_thread(lambda: _refused(request, refused, values))
    if answer.problems:
        preview = _preview(checked, answer, lang)
        return await sync_to_thread(
            lambda: _page(
                request,
                status_code=422,
                errors={"form": refusal_of(request, HAS_PROBLEMS)},
                values=values,
                preview=preview,
            )
        )
    await sync_to_thread(kept.drop, account.id, sha256)
    if answer.position is not None:
        with contextlib.suppress(ApiProblem):
            await read_side(request).reach(answer.position, 5.0)
    summary = {
        "kind": checked.kind,
        "filename": checked.filename or "",
        "competition_id": values["competition_id"],
        "created": dict(answer.created or {}),
        "already_imported": bool(answer.already_imported),
        "position": answer.position,
    }
    await sync_to_thread(kept.keep_answer, account.id, sha256, summary)
    return redirect(f"/import?done={sha256}")


def refusal_of(request: AnyRequest, message: str) -> str:
    """A msgid of this page in the viewer's language."""
    return translator(language(request)).gettext(message)


@get(
    "/import/template",
    name="import-template",
    guards=[IMPORT_ROLES],
    sync_to_thread=True,
    include_in_schema=False,
)
def import_template(request: AnyRequest) -> Response[bytes] | Template:
    """A pre-filled template for the viewer (``?kind=scheme|marks&competition_id=``): the
    API's ``GET /api/v1/templates/{kind}.xlsx?competition_id=`` read with the web session, so
    a signed-in organiser or expert needs no token; offered only for what the viewer may
    import there. A missing or refused choice shows the page with the reason by the form."""
    account = viewer(request)
    assert account is not None
    query = request.query_params
    values = {
        "template_kind": str(query.get("kind") or ""),
        "template_competition_id": str(query.get("competition_id") or ""),
    }
    try:
        kind = values["template_kind"]
        if kind not in PREFILLED or kind not in kinds_for(account):
            raise FieldRefused(CHOOSE_KIND, "kind")
        competition = _competition(values["template_competition_id"])
        if competition is None:
            raise FieldRefused(CHOOSE_COMPETITION, "competition_id")
        _allowed(account, kind, competition)
    except (FormRefused, DomainError) as error:
        return _page(
            request,
            status_code=getattr(error, "status", 422),
            errors={"template": refusal(request, error)},
            values=values,
        )
    return template_file(request, f"{kind}.xlsx", language(request), competition)


IMPORT_PAGE_HANDLERS: Sequence[Any] = [import_page, check, commit, import_template]
