"""Spreadsheet imports (issue 16): a whole file applied through the same rules as the API,
or nothing.

``run_import`` reads a file (``sheets.reader``: a hostile or unreadable file is refused with
``SheetRefused`` before anything else), finds the sheet and its columns by the kind's layout
(``sheets.layouts``), and checks **every** row on in-memory copies of the aggregates with their
own methods — the refusals are the ``DomainError``\\ s the API answers, each turned into a
problem naming the sheet, row, column and value (:class:`ImportProblem`; its ``message`` is the
msgid, translated where it is shown). All problems are collected (up to ``MAX_PROBLEMS``), not
only the first.

A dry run answers what would be created and the problems, and records nothing: no event, no
personal-data key (people are checked unsealed), nothing. A commit records only a file without
problems: every new event of every aggregate it touches, and the import's own record
(``domain.imports.SpreadsheetImport``), saved in **one** transaction (``Application.save`` of
all of them). A concurrent change of one of them (a judge's mark on the competition, the same
person registered meanwhile) makes that save fail on its version as a whole; the import is
then checked again on a fresh read (the writer's ``Retry`` policy) and either applied whole or
refused — never half a file. The same file again (its SHA-256, the kind and the competition
name the record) answers the first import's answer and records nothing new.

What each kind does, row by row (the layouts are ``sheets.layouts.LAYOUTS``):

* ``participants`` — an entrant list: each row's organisation is found by its natural key
  (region + Russian name; the competition's region when the cell is blank) or registered; the
  person is identified by the rules of ``register_participant`` (``domain.participant.identify``):
  a namesake whose birth date, or the row's, is unknown is a ``possible-duplicate`` problem
  of the row unless its participant-id cell names that person (or says ``new`` for another
  one); then the person is entered into the competition (without a competition: only
  registered).
* ``experts`` — existing accounts (by name or id) assigned with their role and organisation
  (which must be registered): ``assign_expert``'s rules (the account's role, one chief, not
  twice with another role, a revoked account), and the scope granted.
* ``scheme`` — the marking scheme (``set_scheme``): each aspect checked by the scheme rules,
  then the whole (the total of 100.00, frozen once marked).
* ``marks`` — the caller's own marks (``enter_marks`` as that expert): one row per competitor
  (full name or participant id), one column per aspect id; ranges, conflicts of interest, an
  existing different mark; a mark identical to one held is no problem (and records nothing).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, repeat
from typing import Any, NamedTuple, Protocol, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain import ids
from domain.account import Account
from domain.competition import Competition, Entrant
from domain.errors import N_, DomainError
from domain.events import checked_region, checked_text
from domain.imports import ImportKind, SpreadsheetImport, import_id
from domain.organisation import Organisation
from domain.participant import Namesake, Participant, identify
from domain.scoring import check_scheme
from domain.values import (
    Aspect,
    AspectType,
    ExpertRole,
    OrganisationKind,
    Role,
    parse_mark,
)
from registry.application import RegistryApplication
from sheets.layouts import LAYOUTS, NUMBERING, header_map, normalised, table_of
from sheets.reader import SheetRefused, column_letter, read_tables

__all__ = [
    "KINDS",
    "MAX_PROBLEMS",
    "ImportAnswer",
    "ImportProblem",
    "SheetRefused",
    "check_import_allowed",
    "file_sha256",
    "problem_of_refusal",
    "run_import",
]

#: the problems an answer lists at most (then ``problems_truncated``)
MAX_PROBLEMS = 1000
#: the kinds of file, in the order the documentation lists them
KINDS: tuple[str, ...] = tuple(kind.value for kind in ImportKind)
#: what each kind counts in ``would_create`` / ``created``
COUNTS: Mapping[ImportKind, tuple[str, ...]] = {
    ImportKind.PARTICIPANTS: ("organisations", "participants", "entrants"),
    ImportKind.EXPERTS: ("experts",),
    ImportKind.SCHEME: ("aspects",),
    ImportKind.MARKS: ("marks",),
}
#: rows between two calls of the progress callback
PROGRESS_EVERY = 200

T = TypeVar("T")


class ImportProblem(msgspec.Struct, frozen=True):
    """One thing wrong with a file: where (the sheet, the row a spreadsheet program shows,
    the column letter, the cell's value as read; row and column None for the whole sheet or
    file) and what (``message``: an English msgid with ``%(name)s`` placeholders filled from
    ``params``; ``code``: the stable code of the refusal, as the API's problem types)."""

    sheet: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    params: dict[str, Any] = {}
    code: str = "invalid-input"

    def english(self) -> str:
        """The message in English (logs, tests)."""
        return self.message % self.params if self.params else self.message


class ImportAnswer(msgspec.Struct):
    """What an import answers. A dry run: ``would_create`` and the problems. A commit:
    ``created`` (None when refused) and the problems (empty when recorded). The same file
    again: ``already_imported`` with the first import's ``created`` and ``position``."""

    kind: str
    dry_run: bool
    file_sha256: str
    would_create: dict[str, int] | None
    created: dict[str, int] | None
    problems: list[ImportProblem]
    already_imported: bool = False
    #: the position of the import's record (a commit, or the first import of the file)
    position: int | None = None
    import_id: UUID | None = None
    #: the data rows read
    rows: int = 0
    #: more than ``MAX_PROBLEMS`` problems: the list stops there
    problems_truncated: bool = False

    @property
    def recorded(self) -> bool:
        """Whether this call recorded the file."""
        return self.created is not None and not self.already_imported and not self.dry_run


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def problem_of_refusal(error: SheetRefused) -> ImportProblem:
    """A refused file (``SheetRefused``) as a problem (the API's 422 lists it)."""
    return ImportProblem(
        sheet=getattr(error, "sheet", None) or "",
        row=getattr(error, "row", None),
        column=getattr(error, "column", None),
        value=getattr(error, "value", None),
        message=error.template,
        params=dict(error.params),
        code=error.code,
    )


def check_import_allowed(account: Account, kind: str, competition_id: UUID | None) -> None:
    """Who may import what (the API's guards and the CLI ask the same): an entrant list,
    an expert list and a marking scheme are the organiser's; a mark sheet is an expert's or
    the chief expert's own, in a competition they are assigned to. Refused with
    ``not-allowed`` (the role) or ``not-assigned`` (the competition)."""
    wanted = _kind(kind)
    if wanted is ImportKind.MARKS:
        if account.role not in (Role.EXPERT, Role.CHIEF_EXPERT):
            raise DomainError(
                "not-allowed",
                "marks are imported by the experts of the competition; the account's role is "
                "%(role)s",
                params={"role": str(account.role)},
            )
        if competition_id is None or competition_id not in account.competition_ids:
            raise DomainError("not-assigned", "you are not an expert of this competition")
        return
    if account.role is not Role.ORGANISER:
        raise DomainError(
            "not-allowed",
            "this import needs the role organiser; the account's role is %(role)s",
            params={"role": str(account.role)},
        )


def _kind(kind: str) -> ImportKind:
    try:
        return ImportKind(kind)
    except ValueError:
        raise DomainError(
            "invalid-input",
            "kind: %(kind)s is not a kind of import (participants, experts, scheme, marks)",
            params={"kind": str(kind)[:40]},
        ) from None


# ---------------------------------------------------------------------------- the answer


def run_import(
    registry: RegistryApplication,
    *,
    actor: UUID,
    kind: str,
    competition_id: UUID | None,
    data: bytes,
    filename: str | None,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportAnswer:
    """Check a file of ``kind`` and, unless ``dry_run`` or a problem was found, apply it
    whole in one transaction (see the module's docstring). ``progress(done, total)`` is
    called as rows are checked. Raises ``SheetRefused`` for a file that cannot be read
    safely (hostile, not a spreadsheet, a sheet missing) and ``DomainError`` for a request
    that cannot be made (an unknown kind or competition); problems of the rows are
    answered, not raised."""
    wanted = _kind(kind)
    if competition_id is None and wanted is not ImportKind.PARTICIPANTS:
        raise DomainError(
            "invalid-input",
            "competition_id: a %(kind)s file is imported into a competition; name it",
            params={"kind": wanted.value},
        )
    digest = file_sha256(data)
    record_id = import_id(wanted, competition_id, digest)
    first = _first_import(registry, record_id)
    if first is not None:
        return _repeat(first, wanted, digest, dry_run, registry)
    if competition_id is not None:
        registry.competition(competition_id)  # unknown: not-found before the file is read
    tables = read_tables(data, filename)
    layout = LAYOUTS[wanted.value]
    table = table_of(tables, layout)
    columns = header_map(layout, table.header, sheet=table.sheet, row=table.header_row)
    planner = _PLANNERS[wanted]

    def attempt(_number: int) -> ImportAnswer:
        first = _first_import(registry, record_id)
        if first is not None:  # the same file, imported meanwhile
            return _repeat(first, wanted, digest, dry_run, registry)
        context = _Context(
            registry, actor, registry.clock(), table, columns, progress, apply=not dry_run
        )
        competition = registry.competition(competition_id) if competition_id is not None else None
        plan = _Plan(counts=dict.fromkeys(COUNTS[wanted], 0))
        with contextlib.suppress(_Full):
            planner(context, competition, plan)
        answer = ImportAnswer(
            kind=wanted.value,
            dry_run=dry_run,
            file_sha256=digest,
            would_create=dict(plan.counts),
            created=None,
            problems=context.problems.items,
            import_id=record_id,
            rows=len(table.rows),
            problems_truncated=context.problems.truncated,
        )
        if dry_run or answer.problems:
            return answer
        record = SpreadsheetImport.record(
            actor=actor,
            kind=wanted,
            competition_id=competition_id,
            sha256=digest,
            filename=filename,
            created=plan.counts,
            rows=len(table.rows),
            at=context.at,
        )
        if plan.sealed:
            registry.personal_keys.make_keys(plan.sealed)
        aggregates = [*plan.finish(), record]
        position = registry._save(*aggregates)  # one transaction
        return msgspec.structs.replace(
            answer, would_create=None, created=dict(plan.counts), position=position
        )

    return registry.writer.retry.run(attempt)


def _first_import(registry: RegistryApplication, record_id: UUID) -> SpreadsheetImport | None:
    hit = registry._find(record_id)
    return hit if isinstance(hit, SpreadsheetImport) else None


def _repeat(
    first: SpreadsheetImport,
    kind: ImportKind,
    digest: str,
    dry_run: bool,
    registry: RegistryApplication,
) -> ImportAnswer:
    """The answer to a file imported before: the first import's, nothing recorded (a dry run
    of it says so too: nothing would be created)."""
    return ImportAnswer(
        kind=kind.value,
        dry_run=dry_run,
        file_sha256=digest,
        would_create=dict.fromkeys(first.created, 0) if dry_run else None,
        created=dict(first.created),
        problems=[],
        already_imported=True,
        position=registry.position_of(first.id, 1),
        import_id=first.id,
        rows=first.rows,
    )


# ---------------------------------------------------------------------------- checking


class _Full(Exception):
    """``MAX_PROBLEMS`` problems found: checking stops."""


class _Table(Protocol):
    sheet: str
    header: tuple[str, ...]
    rows: Sequence[Any]


class _Problems:
    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.items: list[ImportProblem] = []
        self.truncated = False
        self._whole: set[tuple[str, str]] = set()

    def add(
        self,
        row: int | None,
        column: str | None,
        value: object,
        message: str,
        params: Mapping[str, Any] | None = None,
        code: str = "invalid-input",
    ) -> None:
        if len(self.items) >= MAX_PROBLEMS:
            self.truncated = True
            raise _Full
        self.items.append(
            ImportProblem(
                sheet=self.sheet,
                row=row,
                column=column,
                value=_shown(value),
                message=message,
                params=dict(params or {}),
                code=code,
            )
        )

    def refusal(
        self, row: int | None, column: str | None, value: object, error: DomainError
    ) -> None:
        self.add(row, column, value, error.template, error.params, error.code)

    def whole(self, error: DomainError, column: str | None = None) -> None:
        """A refusal about the whole sheet (the competition's state, the caller): once."""
        key = (error.template, repr(sorted(error.params.items())))
        if key not in self._whole:
            self._whole.add(key)
            self.add(None, column, None, error.template, error.params, error.code)


def _shown(value: object) -> str | None:
    """A cell's value as a problem shows it."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


@dataclass
class _Plan:
    """What a file would create: the counts, and the aggregates whose new events a commit
    saves (``finish``: made final, e.g. people sealed)."""

    counts: dict[str, int]
    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)
    finishers: list[Callable[[], Aggregate]] = field(default_factory=list)
    #: the people whose personal data a commit seals (their keys made in one transaction)
    sealed: list[UUID] = field(default_factory=list)

    def keep(self, aggregate: Aggregate) -> None:
        self.aggregates[aggregate.id] = aggregate

    def finish(self) -> list[Aggregate]:
        final = [finisher() for finisher in self.finishers]
        replaced = {aggregate.id for aggregate in final}
        kept = [a for i, a in self.aggregates.items() if i not in replaced and a.pending_events]
        return [*final, *kept]


class _Context:
    """One attempt at checking a file: the registry, who and when, the sheet and its
    columns, the problems found."""

    def __init__(
        self,
        registry: RegistryApplication,
        actor: UUID,
        at: datetime,
        table: _Table,
        columns: Mapping[str, int],
        progress: Callable[[int, int], None] | None,
        *,
        apply: bool = False,
    ) -> None:
        self.registry = registry
        #: a commit: the events are made (a dry run checks only, as cheaply as it can)
        self.apply = apply
        self.actor = actor
        self.at = at
        self.table = table
        self.columns = dict(columns)
        self.problems = _Problems(table.sheet)
        self._progress = progress

    def rows(self) -> Iterable[_Row]:
        total = len(self.table.rows)
        for done, row in enumerate(self.table.rows):
            if self._progress is not None and done % PROGRESS_EVERY == 0:
                self._progress(done, total)
            yield _Row(self, row)
        if self._progress is not None:
            self._progress(total, total)

    def letter(self, key: str) -> str | None:
        index = self.columns.get(key)
        return column_letter(index) if index is not None else None

    def cells(self, key: str) -> Sequence[object]:
        """The cells of column ``key``, one per data row (None beyond a short row, and for
        a column the file does not have)."""
        rows = self.table.rows
        index = self.columns.get(key)
        if index is None:
            return [None] * len(rows)
        every = [row.cells for row in rows]
        if every and min(map(len, every)) > index:
            return [cells[index] for cells in every]
        return [cells[index] if index < len(cells) else None for cells in every]

    def converted(self, key: str, convert: Callable[[object], T]) -> list[T | DomainError]:
        """``convert`` of every cell of column ``key`` (what ``_Row.field`` answers), one per
        data row; a refusal is answered as the ``DomainError`` itself, for the row to report
        (in its order of problems). A converter depends on its cell alone, so each distinct
        cell is converted once — names, dates, organisations, codes and marks repeat down a
        list — unless cells equal as keys may differ as cells (``1``, ``1.0`` and ``True``:
        a column holding two kinds of number is converted cell by cell)."""
        return _converted(self.cells(key), convert)

    def converted_at(self, index: int, convert: Callable[[object], T]) -> list[T | DomainError]:
        """:meth:`converted` of the column at ``index`` (a mark sheet's aspect column)."""
        every = [row.cells for row in self.table.rows]
        return _converted([c[index] if index < len(c) else None for c in every], convert)


class _Row:
    """One data row: its cells by the layout's keys; a problem of a cell marks it ``bad``."""

    __slots__ = ("bad", "context", "number", "row")

    def __init__(self, context: _Context, row: Any) -> None:
        self.context = context
        self.row = row
        self.number: int = row.number
        self.bad = False

    def get(self, key: str) -> object:
        index = self.context.columns.get(key)
        return self.get_index(index) if index is not None else None

    def get_index(self, index: int) -> object:
        cells = self.row.cells
        return cells[index] if index < len(cells) else None

    def field(self, key: str, convert: Callable[[object], T]) -> T | None:
        """The cell ``key`` converted (and checked) by ``convert``; a refusal is a problem
        of that cell (None answered)."""
        value = self.get(key)
        try:
            return convert(value)
        except DomainError as error:
            self.refused(error, key)
            return None

    def required(self, key: str, convert: Callable[[object], T], name: str) -> T | None:
        """``field`` of a cell that must not be empty (``name``: the field a refusal names)."""
        if _blank(self.get(key)):
            self.refused(
                DomainError(
                    "invalid-input", "%(field)s: must not be empty", params={"field": name}
                ),
                key,
            )
            return None
        return self.field(key, convert)

    def refused(self, error: DomainError, key: str | None = None) -> None:
        """A refusal of this row, shown at the cell ``key`` (None: the row as a whole)."""
        self.bad = True
        value = self.get(key) if key is not None else None
        column = self.context.letter(key) if key is not None else None
        self.context.problems.refusal(self.number, column, value, error)

    def problem(self, key: str | None, message: str, params: Mapping[str, Any], code: str) -> None:
        self.bad = True
        value = self.get(key) if key is not None else None
        column = self.context.letter(key) if key is not None else None
        self.context.problems.add(self.number, column, value, message, params, code)


# ---------------------------------------------------------------------------- cell values


def _text(value: object) -> str | None:
    """A cell as text (None when empty); a whole number read as a float loses its ``.0``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _required(field_name: str) -> Callable[[object], str]:
    """A text cell that must not be empty, in its stored form (``checked_text``)."""

    def convert(value: object) -> str:
        return checked_text(_text(value) or "", field_name)

    return convert


def _optional(field_name: str) -> Callable[[object], str | None]:
    def convert(value: object) -> str | None:
        text = _text(value)
        return checked_text(text, field_name, required=False) or None if text else None

    return convert


_DATE_FORMATS = (
    re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<d>[0-9]{1,2})[./](?P<m>[0-9]{1,2})[./](?P<y>[0-9]{4})"),
)


def _date(field_name: str) -> Callable[[object], date | None]:
    def convert(value: object) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value) or ""
        for pattern in _DATE_FORMATS:
            match = pattern.fullmatch(text)
            if match:
                try:
                    return date(int(match["y"]), int(match["m"]), int(match["d"]))
                except ValueError:
                    break
        raise DomainError(
            "invalid-input",
            "%(field)s: %(value)s is not a date; write it as DD.MM.YYYY or YYYY-MM-DD",
            params={"field": field_name, "value": _shown(value)},
        )

    return convert


_FULL_NAME = _required("full_name")
_BIRTH_DATE = _date("birth_date")
_DISABILITY = _optional("disability")
_NAME_LATIN = _optional("name_latin")


def _id_or_text(value: object) -> UUID | str | None:
    """A cell naming a record by its id (a UUID) or by its name."""
    text = _text(value)
    if text is None:
        return None
    try:
        return UUID(text)
    except ValueError:
        return text


#: words that choose a coded value, besides its code (any case; ru and kk)
_WORDS: dict[str, dict[str, str]] = {
    "organisation_kind": {
        "колледж": "college",
        "университет": "university",
        "вуз": "university",
        "предприятие": "enterprise",
        "кәсіпорын": "enterprise",
        "госорган": "state_body",
        "государственный орган": "state_body",
        "мемлекеттік орган": "state_body",
    },
    "expert_role": {
        "главный эксперт": "chief",
        "главный": "chief",
        "бас сарапшы": "chief",
        "эксперт": "expert",
        "сарапшы": "expert",
        "chief expert": "chief",
    },
    "aspect_type": {
        "m": "measurement",
        "j": "judgement",
        "измеримый": "measurement",
        "измеримая": "measurement",
        "измерение": "measurement",
        "объективная": "measurement",
        "өлшенетін": "measurement",
        "өлшем": "measurement",
        "судейский": "judgement",
        "судейская": "judgement",
        "судейская оценка": "judgement",
        "субъективная": "judgement",
        "сараптамалық": "judgement",
        "төрешілік": "judgement",
    },
}

E = TypeVar("E", OrganisationKind, ExpertRole, AspectType)


def _coded(enum: type[E], words: str, field_name: str) -> Callable[[object], E | None]:
    """A coded cell (a drop-down of the template): its code, or a word for it."""

    def convert(value: object) -> E | None:
        text = _text(value)
        if text is None:
            return None
        key = " ".join(text.split()).casefold()
        code = _WORDS[words].get(key, key.replace(" ", "_"))
        try:
            return enum(code)
        except ValueError:
            raise DomainError(
                "invalid-input",
                "%(field)s: %(value)s is not one of %(choices)s",
                params={
                    "field": field_name,
                    "value": _shown(value),
                    "choices": ", ".join(member.value for member in enum),
                },
            ) from None

    return convert


def _measurement(value: object) -> str:
    """A measurement mark or a maximum mark as the rules read it (a decimal string with at
    most two places): a number cell exactly as written, a text cell as it is (a decimal
    comma read as a point)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # the shortest text that is this number ("12.5"; "7.555" is refused: three places)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = _text(value) or ""
    return text.replace(",", ".") if re.fullmatch(r"[0-9]+,[0-9]+", text) else text


def _score(value: object) -> object:
    """A judgement score as the rules read it: a whole number cell or text is the integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]", value.strip()):
        return int(value.strip())
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: cells that are equal only when they are the same cell (a text never equals a date, and
#: ``datetime(2005, 1, 1)`` is not ``date(2005, 1, 1)``): safe keys of a conversion's memo
_DISTINCT_KEYS = frozenset({str, type(None), date, datetime})
#: numbers are, when the column holds one kind of them: ``1``, ``1.0`` and ``True`` are
#: equal keys but not the same cell (``0.0`` and ``-0.0`` are read alike: ``_text``)
_NUMBERS = frozenset({int, float, bool})


def _converted(cells: Sequence[object], convert: Callable[[object], T]) -> list[T | DomainError]:
    """``convert`` of each cell, a refusal answered as the ``DomainError`` itself (see
    ``_Context.converted``); each distinct cell converted once when cells equal as keys are
    the same cell."""

    kinds = set(map(type, cells))
    memo = kinds <= _DISTINCT_KEYS | _NUMBERS and len(kinds & _NUMBERS) <= 1
    done: dict[object, T | DomainError] = {}
    answers: list[T | DomainError] = []
    for value in set(cells) if memo else cells:
        try:
            answer: T | DomainError = convert(value)
        except DomainError as error:
            answer = error
        if memo:
            done[value] = answer
        else:
            answers.append(answer)
    return list(map(done.__getitem__, cells)) if memo else answers


# ---------------------------------------------------------------------------- organisations


class _Organisations:
    """Organisations as the rows name them (natural key: region + Russian name, or an id),
    each looked up once; with ``register``, those not registered are registered."""

    def __init__(self, context: _Context, plan: _Plan, *, default_region: str | None) -> None:
        self.context = context
        self.plan = plan
        self.default_region = default_region
        self._found: dict[UUID, Organisation | None] = {}
        self._new: dict[UUID, Organisation] = {}
        self._by_cells: dict[tuple[object, ...], Organisation] = {}

    @property
    def known(self) -> Mapping[tuple[object, ...], Organisation]:
        """The organisations resolved so far, by the cells that named them (``resolve``
        answers them again without a look)."""
        return self._by_cells

    def _lookup(self, organisation_id: UUID) -> Organisation | None:
        if organisation_id in self._new:
            return self._new[organisation_id]
        if organisation_id not in self._found:
            hit = self.context.registry._find(organisation_id)
            self._found[organisation_id] = hit if isinstance(hit, Organisation) else None
        return self._found[organisation_id]

    def resolve(self, row: _Row, *, register: bool) -> Organisation | None:
        """The row's organisation (None: a problem of its cells, reported), checked on its
        own cells only: a problem elsewhere in the row does not hide it."""
        cells = tuple(row.get(key) for key in _ORGANISATION_COLUMNS)
        known = self._by_cells.get(cells)
        if known is not None:  # the same cells as a row before: the same organisation
            return known
        elsewhere, row.bad = row.bad, False
        try:
            resolved = self._resolve(row, register=register)
        finally:
            ok, row.bad = not row.bad, row.bad or elsewhere
        if resolved is not None and ok:
            self._by_cells[cells] = resolved
        return resolved

    def _resolve(self, row: _Row, *, register: bool) -> Organisation | None:
        named = row.required(ORGANISATION, _id_or_text, "organisation")
        if named is None:
            return None
        if isinstance(named, UUID):
            hit = self._lookup(named)
            if hit is None:
                row.problem(
                    ORGANISATION,
                    N_("no organisation with id %(id)s"),
                    {"id": str(named)},
                    "not-found",
                )
            return hit
        name_ru = row.field(ORGANISATION, _required("organisation"))
        region = row.field(REGION, self._region)
        name_kk = row.field(ORGANISATION_KK, _optional("organisation_kk"))
        kind = row.field(
            ORGANISATION_KIND, _coded(OrganisationKind, "organisation_kind", "organisation_kind")
        )
        if row.bad or name_ru is None or region is None:
            return None
        organisation_id = ids.organisation_id(region, name_ru)
        hit = self._lookup(organisation_id)
        if hit is None and not register:
            row.problem(
                ORGANISATION,
                N_(
                    "no organisation %(name)s of region %(region)s is registered; register it first"
                ),
                {"name": name_ru, "region": region},
                "not-found",
            )
            return None
        if hit is None:
            if kind is None:
                row.problem(
                    ORGANISATION_KIND,
                    N_(
                        "organisation_kind: %(name)s is not registered yet: say whether it is "
                        "a college, university, enterprise or state body"
                    ),
                    {"name": name_ru},
                    "invalid-input",
                )
                return None
            try:
                new = Organisation.register(
                    actor=self.context.actor,
                    name_ru=name_ru,
                    name_kk=name_kk or "",
                    kind=kind,
                    region=region,
                    at=self.context.at,
                )
            except DomainError as error:
                row.refused(error, _ORGANISATION_FIELDS.get(_field_of(error), ORGANISATION))
                return None
            self._new[new.id] = new
            self.plan.keep(new)
            self.plan.counts["organisations"] = self.plan.counts.get("organisations", 0) + 1
            return new
        if name_kk is not None or kind is not None:
            again = Organisation.register(
                actor=self.context.actor,
                name_ru=name_ru,
                name_kk=name_kk or hit.name_kk,
                kind=kind or hit.kind,
                region=region,
                at=self.context.at,
            )
            if not hit.same_as(again):
                row.problem(
                    ORGANISATION,
                    N_(
                        "a different organisation with the same natural key exists: %(id)s "
                        "(%(name_kk)s, %(kind)s)"
                    ),
                    {"id": str(hit.id), "name_kk": hit.name_kk, "kind": str(hit.kind)},
                    "already-exists",
                )
                return None
        return hit

    def _region(self, value: object) -> str | None:
        text = _text(value)
        if text is None:
            if self.default_region is None:
                raise DomainError(
                    "invalid-input",
                    "region: empty; write the organisation's region code, e.g. VKO",
                )
            return self.default_region
        return checked_region(text)


_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[\d+\])?(?:\.[A-Za-z_]+)?: ")


def _field_of(error: DomainError) -> str | None:
    """The field a refusal names first (``"name_kk: must not be empty"``)."""
    explicit = error.details.get("field")
    if isinstance(explicit, str):
        return explicit
    match = _FIELD.match(error.message)
    return match.group(1) if match else None


# ---------------------------------------------------------------------------- participants

# The layout's keys (``sheets.layouts``), as this module reads them.
FULL_NAME = "full_name"
BIRTH_DATE = "birth_date"
DISABILITY = "disability"
NAME_LATIN = "name_latin"
PERSON = "participant_id"
ORGANISATION = "organisation"
ORGANISATION_KK = "organisation_kk"
ORGANISATION_KIND = "organisation_kind"
REGION = "region"
ACCOUNT = "account"
EXPERT_ROLE = "role"
ASPECT_ID = "aspect_id"
CRITERION = "criterion"
DESCRIPTION = "description"
ASPECT_TYPE = "type"
MAX_MARK = "max_mark"
COMPETITOR = "competitor"

#: the domain's field names (in refusals) → the layout's keys
_ORGANISATION_FIELDS = {
    "name_ru": ORGANISATION,
    "name_kk": ORGANISATION_KK,
    "kind": ORGANISATION_KIND,
    "region": REGION,
}
_PERSON_FIELDS = {
    "full_name": FULL_NAME,
    "birth_date": BIRTH_DATE,
    "disability": DISABILITY,
    "name_latin": NAME_LATIN,
}
#: what a participant-id cell may say instead of an id: "another person" (new_person)
_NEW_PERSON = frozenset({"new", "новый", "новая", "жаңа"})


def _person_ref(value: object) -> UUID | bool | None:
    """A participant-id cell: an id (that person), True ("new": another person), None."""
    text = _text(value)
    if text is None:
        return None
    if text.casefold() in _NEW_PERSON:
        return True
    try:
        return UUID(text)
    except ValueError:
        raise DomainError(
            "invalid-input",
            "participant_id: %(value)s is neither a participant's id nor «new»",
            params={"value": _shown(value)},
        ) from None


class _NewPerson(NamedTuple):
    """A person this file registers: the row naming them first, and who they are as a
    namesake of the rows below."""

    row: int
    id: UUID
    full_name: str
    organisation_id: UUID
    birth_date: date | None

    @property
    def namesake(self) -> Namesake:
        return Namesake(self.id, self.full_name, self.organisation_id, self.birth_date)


def _plan_participants(context: _Context, competition: Competition | None, plan: _Plan) -> None:
    """Every row by the rules of ``register_participant`` and ``add_entrant`` (see the
    module's docstring). The cells are converted column by column (``_Context.converted``:
    once per distinct value), then checked row by row in the order ``_Row`` reports them;
    a row's ``_Row`` is made only when it has something to report or an organisation not
    met before. The people are kept by their ids' ``int`` (hashed by C, where a ``UUID``'s
    hash is a Python call)."""
    registry = context.registry
    organisations = _Organisations(
        context, plan, default_region=competition.region if competition is not None else None
    )
    table_rows = context.table.rows
    columns = [
        context.converted(FULL_NAME, _FULL_NAME),
        context.converted(BIRTH_DATE, _BIRTH_DATE),
        context.converted(DISABILITY, _DISABILITY),
        context.converted(NAME_LATIN, _NAME_LATIN),
        context.converted(PERSON, _person_ref),
    ]
    refused = any(map(isinstance, chain.from_iterable(columns), repeat(DomainError)))
    # every name of the file as namesakes are told (``ids.normalise_name`` of the name as
    # checked, which is the name's own), and the registered namesakes of them all, read once
    keys = {name: ids.normalise_name(name) for name in set(columns[0]) if type(name) is str}
    stored_namesakes = registry.namesakes.of_many(keys.values())
    organisation_cells = list(
        zip(*(context.cells(key) for key in _ORGANISATION_COLUMNS), strict=True)
    )
    by_cells = organisations.known
    people: dict[UUID, Participant | None] = {}
    birth_dates: dict[UUID, date | None] = {}

    def stored(person_id: UUID) -> Participant | None:
        if person_id not in people:
            hit = registry._find(person_id)
            people[person_id] = hit if isinstance(hit, Participant) else None
        return people[person_id]

    def birth_date_of(person: Participant) -> date | None:
        if person.id not in birth_dates:
            birth_dates[person.id] = registry._birth_date(person)
        return birth_dates[person.id]

    new_people: dict[int, _NewPerson] = {}
    new_by_name: dict[str, tuple[int, ...]] = {}
    rows_of: dict[int, int] = {}  # the row each person was first named in
    entries = _Entries(context, competition, plan)
    entrants = competition.entrants if competition is not None else None
    check_registration = Participant.check_registration
    progress = context._progress
    total = len(table_rows)
    for index, (table_row, values, cells) in enumerate(
        zip(table_rows, zip(*columns, strict=True), organisation_cells, strict=True)
    ):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index, total)
        full_name, birth_date, disability, name_latin, reference = values
        row: _Row | None = None
        if refused:  # the cells' own refusals, in the order ``_Row.field`` reports them
            for key, value in zip(_PERSON_COLUMNS, values, strict=True):
                if isinstance(value, DomainError):
                    row = row or _Row(context, table_row)
                    row.refused(value, key)
            full_name, birth_date, disability, name_latin, reference = (
                None if isinstance(value, DomainError) else value for value in values
            )
        organisation = by_cells.get(cells)
        if organisation is None:
            row = row or _Row(context, table_row)
            organisation = organisations.resolve(row, register=True)
        if (row is not None and row.bad) or full_name is None or organisation is None:
            continue
        assert isinstance(full_name, str)
        key = keys[full_name]
        namesakes: list[Namesake] = []
        if key in stored_namesakes or key in new_by_name:
            for person_id in stored_namesakes.get(key, ()):
                held = stored(person_id)
                if held is not None:
                    namesakes.append(
                        Namesake(held.id, held.full_name, held.organisation_id, birth_date_of(held))
                    )
            namesakes += [new_people[i].namesake for i in new_by_name.get(key, ())]
        # who the row is: (id, name as registered), by the rules of ``register_participant``
        person: tuple[UUID, str]
        if isinstance(reference, UUID):
            held = stored(reference) if any(n.id == reference for n in namesakes) else None
            if held is None or reference.int in new_people:
                row = row or _Row(context, table_row)
                row.problem(
                    PERSON,
                    N_("%(id)s is not a registered person named %(name)s"),
                    {"id": str(reference), "name": full_name},
                    "invalid-input",
                )
                continue
            person = (held.id, held.full_name)
        else:
            new_person = reference is True
            same, doubtful = identify(birth_date, namesakes) if namesakes else (None, [])
            organisation_id = organisation.id
            try:
                checked = check_registration(
                    full_name=full_name,
                    organisation_id=organisation_id,
                    birth_date=birth_date,
                    disability=disability,
                    name_latin=name_latin,
                    new_person=new_person,
                )
            except DomainError as error:
                row = row or _Row(context, table_row)
                row.refused(error, _PERSON_FIELDS.get(_field_of(error) or "", FULL_NAME))
                continue
            checked_id = checked.id.int
            earlier = new_people.get(checked_id) or (
                new_people.get(same.id.int) if same is not None and not new_person else None
            )
            if earlier is not None:
                row = row or _Row(context, table_row)
                row.problem(
                    FULL_NAME,
                    N_("%(name)s is listed twice in this file (row %(row)s)"),
                    {"name": full_name, "row": earlier.row},
                    "already-exists",
                )
                continue
            is_new = True
            if not namesakes:  # nobody of this name: a new person (the usual case)
                person = (checked.id, checked.full_name)
            else:
                row = row or _Row(context, table_row)
                candidate = Participant.register(
                    actor=context.actor,
                    **_registration(full_name, organisation_id, values, new_person, doubtful),
                    seal=None,
                    at=context.at,
                )
                existing = stored(candidate.id)
                is_new = False
                if existing is not None and existing.same_as(candidate, registry._open):
                    person = (existing.id, existing.full_name)  # registered so: a repeat
                elif same is not None and not new_person:
                    held = stored(same.id)
                    assert held is not None
                    if not held.same_as(candidate, registry._open, organisation=False):
                        row.problem(
                            FULL_NAME,
                            N_(
                                "a person with this name and birth date is registered with "
                                "other details: %(id)s"
                            ),
                            {"id": str(held.id)},
                            "already-exists",
                        )
                        continue
                    person = (held.id, held.full_name)
                elif doubtful and not new_person:
                    _possible_duplicate(row, full_name, doubtful, new_people)
                    continue
                elif existing is not None:  # the id is taken by another registration
                    row.problem(
                        FULL_NAME,
                        N_("a different participant with the same natural key exists: %(id)s"),
                        {"id": str(existing.id)},
                        "already-exists",
                    )
                    continue
                else:
                    person, is_new = (checked.id, checked.full_name), True
            if is_new:
                new_people[checked_id] = _NewPerson(
                    table_row.number, checked.id, checked.full_name, organisation_id, birth_date
                )
                new_by_name[key] = (*new_by_name.get(key, ()), checked_id)
                plan.counts["participants"] += 1
                if context.apply:
                    arguments = _registration(
                        full_name, organisation_id, values, new_person, doubtful
                    )
                    plan.finishers.append(_sealed(context, arguments))
                    plan.sealed.append(checked.id)
        person_key = person[0].int
        if person_key in rows_of:
            row = row or _Row(context, table_row)
            row.problem(
                FULL_NAME,
                N_("%(name)s is listed twice in this file (row %(row)s)"),
                {"name": full_name, "row": rows_of[person_key]},
                "already-exists",
            )
            continue
        rows_of[person_key] = table_row.number
        if entries.counting and entrants is not None and person[0] not in entrants:
            plan.counts["entrants"] += 1  # what ``enter`` does once the competition said yes
        else:
            entries.enter(table_row, person, organisation)
    if progress is not None:
        progress(total, total)
    entries.done()


def _registration(
    full_name: str,
    organisation_id: UUID,
    values: tuple[object, ...],
    new_person: bool,
    doubtful: Sequence[Namesake],
) -> dict[str, Any]:
    """The keywords of ``Participant.register`` for a row (``values``: its person's cells
    as converted, in the order of ``_PERSON_COLUMNS``)."""
    _, birth_date, disability, name_latin, _ = values
    return {
        "full_name": full_name,
        "organisation_id": organisation_id,
        "birth_date": birth_date,
        "disability": disability,
        "name_latin": name_latin,
        "new_person": new_person,
        "distinct_from": [n.id for n in doubtful] if new_person else [],
    }


#: the person's columns, in the order a row's problems name them
_PERSON_COLUMNS = (FULL_NAME, BIRTH_DATE, DISABILITY, NAME_LATIN, PERSON)
#: the cells that name a row's organisation (``_Organisations.resolve``)
_ORGANISATION_COLUMNS = (ORGANISATION, REGION, ORGANISATION_KK, ORGANISATION_KIND)


class _Entries:
    """The rows' people entered into the competition (``add_entrant``'s rules). A dry run
    asks the competition once whether it takes entrants (its state is the same for every
    row) and counts the rest; a commit enters each person, recording the events it saves."""

    def __init__(self, context: _Context, competition: Competition | None, plan: _Plan) -> None:
        self.context = context
        self.competition = competition
        self.plan = plan
        self.stopped = competition is None
        self.asked = False
        #: a dry run after the competition took a first entrant: each new one is counted
        self.counting = False

    def enter(self, row: Any, person: tuple[UUID, str], organisation: Organisation) -> None:
        """Enter ``person`` of the table's ``row`` (its problems reported as ``_Row``'s)."""
        competition = self.competition
        if competition is None or self.stopped:
            return
        entered = competition.entrants.get(person[0])
        if entered is not None:
            if entered.organisation_id != organisation.id:
                _Row(self.context, row).problem(
                    ORGANISATION,
                    N_(
                        "this person is an entrant of the competition from another "
                        "organisation: %(organisation)s"
                    ),
                    {"organisation": str(entered.organisation_id)},
                    "already-exists",
                )
            return  # entered already: nothing to record
        if self.asked and not self.context.apply:
            self.plan.counts["entrants"] += 1
            return
        self.asked = True
        self.counting = not self.context.apply
        try:
            added = competition.add_entrant(
                actor=self.context.actor,
                participant_id=person[0],
                full_name=person[1],
                organisation_id=organisation.id,
                region=organisation.region,
                at=self.context.at,
            )
        except DomainError as error:  # the competition's state: once, for the whole file
            self.context.problems.whole(error)
            self.stopped, self.counting = True, False
            return
        if added:
            self.plan.counts["entrants"] += 1

    def done(self) -> None:
        if self.competition is not None:
            self.plan.keep(self.competition)


def _possible_duplicate(
    row: _Row,
    full_name: str,
    doubtful: Sequence[Namesake],
    new_people: Mapping[int, _NewPerson],
) -> None:
    """RULES.md: two people of one name without both birth dates are never merged silently."""
    registered = [n for n in doubtful if n.id.int not in new_people]
    if registered:
        row.problem(
            PERSON if row.context.columns.get(PERSON) is not None else FULL_NAME,
            N_(
                "%(name)s may be a person registered already (%(ids)s): a birth date is missing "
                "to tell them apart; write their id in the participant id column, or «new» for "
                "another person"
            ),
            {"name": full_name, "ids": ", ".join(str(n.id) for n in registered)},
            "possible-duplicate",
        )
        return
    rows = ", ".join(str(new_people[n.id.int].row) for n in doubtful)
    row.problem(
        FULL_NAME,
        N_(
            "%(name)s may be the same person as in row %(rows)s: a birth date is missing to "
            "tell them apart; give both birth dates, or write «new» in the participant id "
            "column for another person"
        ),
        {"name": full_name, "rows": rows},
        "possible-duplicate",
    )


def _sealed(context: _Context, arguments: Mapping[str, Any]) -> Callable[[], Aggregate]:
    """The registration a commit saves: as checked, with the personal data sealed with the
    person's key (made now: a dry run or a refused file makes none)."""

    def register() -> Aggregate:
        registry = context.registry
        return Participant.register(
            actor=context.actor, **arguments, seal=registry._seal, at=context.at
        )

    return register


# ---------------------------------------------------------------------------- experts


def _plan_experts(context: _Context, competition: Competition | None, plan: _Plan) -> None:
    assert competition is not None
    registry = context.registry
    organisations = _Organisations(context, plan, default_region=competition.region)
    accounts: dict[UUID, Account | None] = {}
    rows_of: dict[UUID, int] = {}
    stopped = False
    for row in context.rows():
        named = row.required(ACCOUNT, _id_or_text, "account")
        role = row.required(EXPERT_ROLE, _coded(ExpertRole, "expert_role", "role"), "role")
        organisation = organisations.resolve(row, register=False)
        if row.bad or named is None or role is None or organisation is None:
            continue
        account_id = named if isinstance(named, UUID) else ids.account_id(named)
        if account_id not in accounts:
            hit = registry._find(account_id)
            accounts[account_id] = hit if isinstance(hit, Account) else None
        account = accounts[account_id]
        if account is None:
            row.problem(
                ACCOUNT,
                N_("no account %(name)s: an administrator creates the expert's account first"),
                {"name": str(named)},
                "not-found",
            )
            continue
        if account.id in rows_of:
            row.problem(
                ACCOUNT,
                N_("%(name)s is listed twice in this file (row %(row)s)"),
                {"name": account.name, "row": rows_of[account.id]},
                "already-exists",
            )
            continue
        rows_of[account.id] = row.number
        allowed = (
            {Role.CHIEF_EXPERT} if role is ExpertRole.CHIEF else {Role.EXPERT, Role.CHIEF_EXPERT}
        )
        if account.role not in allowed:
            template = (
                N_(
                    "account %(name)r has role %(role)s; a chief of a competition needs "
                    "chief_expert"
                )
                if role is ExpertRole.CHIEF
                else N_(
                    "account %(name)r has role %(role)s; a expert of a competition needs "
                    "chief_expert or expert"
                )
            )
            row.problem(
                EXPERT_ROLE, template, {"name": account.name, "role": account.role}, "invalid-input"
            )
            continue
        if stopped:
            continue
        try:
            account.grant_scope(actor=context.actor, competition_id=competition.id, at=context.at)
        except DomainError as error:
            row.refused(error, ACCOUNT)
            continue
        try:
            changed = competition.assign_expert(
                actor=context.actor,
                account_id=account.id,
                name=account.name,
                role=role,
                organisation_id=organisation.id,
                at=context.at,
            )
        except DomainError as error:
            if error.code == "invalid-state" and "doing" in error.params:
                context.problems.whole(error)  # the competition's state
                stopped = True
            else:
                row.refused(error, EXPERT_ROLE)
            continue
        if changed:
            plan.counts["experts"] += 1
        plan.keep(account)
    plan.keep(competition)


# ---------------------------------------------------------------------------- scheme

_ASPECT_FIELDS = {
    "id": ASPECT_ID,
    "criterion": CRITERION,
    "description": DESCRIPTION,
    "type": ASPECT_TYPE,
    "max_mark": MAX_MARK,
}
#: the scheme rules' messages (``scoring.check_scheme``) → the column they are about
_SCHEME_MESSAGES = {
    "aspect %(position)s: the id is empty": ASPECT_ID,
    "aspect %(aspect)r: duplicate aspect id": ASPECT_ID,
    "aspect %(aspect)r: the criterion is empty": CRITERION,
    "aspect %(aspect)r: criterion %(criterion)r is not 1-3 uppercase Latin letters (A, B, "
    "..., AA)": CRITERION,
    "aspect %(aspect)r: the description is empty": DESCRIPTION,
    "aspect %(aspect)r: unknown aspect type %(type)r": ASPECT_TYPE,
}


def _plan_scheme(context: _Context, competition: Competition | None, plan: _Plan) -> None:
    assert competition is not None
    aspects: list[Aspect] = []
    first_rows: dict[str, int] = {}
    for row in context.rows():
        aspect_id = row.field(ASPECT_ID, _required("aspect_id"))
        if aspect_id is not None:
            earlier = first_rows.setdefault(aspect_id, row.number)
            if earlier != row.number:
                row.problem(
                    ASPECT_ID,
                    N_("aspect %(aspect)s is listed twice in this file (row %(row)s)"),
                    {"aspect": aspect_id, "row": earlier},
                    "invalid-scheme",
                )
        criterion = row.field(CRITERION, _required("criterion"))
        description = row.field(DESCRIPTION, _required("description"))
        kind = row.required(ASPECT_TYPE, _coded(AspectType, "aspect_type", "type"), "type")
        max_mark = row.field(MAX_MARK, lambda v: parse_mark(_measurement(v), field="max_mark"))
        if row.bad or None in (aspect_id, criterion, description, kind, max_mark):
            continue
        assert aspect_id is not None and criterion is not None and description is not None
        assert kind is not None and max_mark is not None
        # as ``set_scheme`` reads it, checked by the scheme rules one aspect at a time (the
        # total is the whole scheme's, checked below)
        aspect = Aspect(aspect_id, criterion.upper(), description, max_mark, kind)
        try:
            check_scheme((aspect,))
        except DomainError as error:
            if error.code != "scheme-total":
                row.refused(error, _SCHEME_MESSAGES.get(error.template, MAX_MARK))
                continue
        aspects.append(aspect)
    if context.problems.items:
        return
    try:
        changed = competition.set_scheme(actor=context.actor, aspects=tuple(aspects), at=context.at)
    except DomainError as error:
        context.problems.whole(
            error, context.letter(MAX_MARK) if error.code == "scheme-total" else None
        )
        return
    if changed:
        plan.counts["aspects"] = len(aspects)
    plan.keep(competition)


# ---------------------------------------------------------------------------- marks


def _aspect_columns(
    context: _Context, competition: Competition
) -> tuple[dict[int, Aspect], list[tuple[int, str]]]:
    """The header's aspect columns (an aspect id, any case) and the columns that are neither
    an aspect nor a field of the layout (with their headers)."""
    by_id = {aspect.id.casefold(): aspect for aspect in competition.scheme}
    used = set(context.columns.values())
    aspects: dict[int, Aspect] = {}
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    header_row = int(getattr(context.table, "header_row", 1))
    for index, header in enumerate(context.table.header):
        if index in used:
            continue
        text = " ".join(str(header or "").split())
        aspect = by_id.get(text.casefold())
        if aspect is not None and aspect.id in columns:
            context.problems.add(
                header_row,
                column_letter(index),
                text,
                N_("column %(column)s repeats aspect %(aspect)s of column %(first)s"),
                {
                    "column": column_letter(index),
                    "aspect": aspect.id,
                    "first": column_letter(columns[aspect.id]),
                },
                "invalid-input",
            )
        elif aspect is not None:
            aspects[index] = aspect
            columns[aspect.id] = index
        elif text and normalised(text) not in NUMBERING:
            unknown.append((index, text))
    return aspects, unknown


#: refusals of a sheet of marks as a whole: the competition's state, the caller
_WHOLE_SHEET = frozenset({"invalid-state", "not-assigned"})


def _plan_marks(context: _Context, competition: Competition | None, plan: _Plan) -> None:
    assert competition is not None
    problems = context.problems
    aspects, unknown = _aspect_columns(context, competition)
    header_row = int(getattr(context.table, "header_row", 1))
    for index, header in unknown:
        problems.add(
            header_row,
            column_letter(index),
            header,
            N_("column %(header)s is not an aspect of the competition's marking scheme"),
            {"header": header},
            "not-found",
        )
    if not aspects:
        problems.add(
            header_row,
            None,
            None,
            N_("the sheet has no column named by an aspect id of the marking scheme"),
            {},
            "invalid-input",
        )
        return
    by_name: dict[str, list[Entrant]] = {}
    for entrant in competition.entrants.values():
        by_name.setdefault(ids.normalise_name(entrant.full_name), []).append(entrant)
    # each aspect column's cells as the rules read them (``_score``, ``_measurement``; a
    # blank cell ``_NO_MARK``), converted once per distinct cell
    columns = [
        (index, aspect.id, context.converted_at(index, _mark_reading(aspect)))
        for index, aspect in aspects.items()
    ]
    # the sheet, one value per mark (a competitor's row once, an aspect's column once):
    # (competitor, aspect, value as read), and where each is (row, column, raw value)
    sheet: list[tuple[UUID, str, object]] = []
    where: list[tuple[int, int, object]] = []
    rows_of: dict[UUID, int] = {}
    for position, row in enumerate(context.rows()):
        if _blank(row.get(COMPETITOR)) and all(_blank(row.get_index(i)) for i in aspects):
            continue  # a row of other columns only (a note)
        named = row.required(COMPETITOR, _id_or_text, "competitor")
        if named is None:
            continue
        if isinstance(named, UUID):
            entrant = competition.entrants.get(named)
            if entrant is None:
                row.problem(
                    COMPETITOR,
                    N_("competitor %(competitor)s is not an entrant of this competition"),
                    {"competitor": str(named)},
                    "not-found",
                )
                continue
        else:
            hit = by_name.get(ids.normalise_name(named), [])
            if not hit:
                row.problem(
                    COMPETITOR,
                    N_("%(name)s is not an entrant of this competition"),
                    {"name": named},
                    "not-found",
                )
                continue
            if len(hit) > 1:
                row.problem(
                    COMPETITOR,
                    N_(
                        "several entrants are named %(name)s (%(ids)s): write the participant's "
                        "id instead of the name"
                    ),
                    {"name": named, "ids": ", ".join(str(e.participant_id) for e in hit)},
                    "invalid-input",
                )
                continue
            entrant = hit[0]
        if entrant.participant_id in rows_of:
            row.problem(
                COMPETITOR,
                N_("%(name)s is listed twice in this file (row %(row)s)"),
                {"name": entrant.full_name, "row": rows_of[entrant.participant_id]},
                "already-exists",
            )
            continue
        competitor_id = entrant.participant_id
        rows_of[competitor_id] = row.number
        cells = row.row.cells
        for index, aspect_id, values in columns:
            value = values[position]
            if value is not _NO_MARK:
                sheet.append((competitor_id, aspect_id, value))
                where.append((row.number, index, cells[index] if index < len(cells) else None))
    if problems.items and not sheet:
        return
    if not sheet:
        problems.add(None, None, None, N_("the sheet holds no marks"), {}, "invalid-input")
        return
    # The sheet by the rules of ``enter_marks`` as the caller (``check_marks``, which records
    # nothing): it stops at the first refused mark (``index``); that mark is a problem, and
    # the rest is checked again from the next one. A commit of a sheet without a problem
    # then enters it whole (``enter_marks``: the same rules, and the event).
    start = 0
    while start < len(sheet):
        part = sheet[start:]
        try:
            new, _version = competition.check_marks(actor=context.actor, marks=part)
        except DomainError as error:
            index = error.details.get("index", 0 if len(part) == 1 else None)
            if error.code in _WHOLE_SHEET or not isinstance(index, int):
                problems.whole(error)
                return
            number, column, raw = where[start + index]
            problems.add(
                number, column_letter(column), raw, error.template, error.params, error.code
            )
            start += index + 1
            continue
        plan.counts["marks"] = len(new)
        break
    if context.apply and not problems.items:
        competition.enter_marks(actor=context.actor, marks=sheet, at=context.at)
        plan.keep(competition)


#: a blank cell of a mark sheet: no mark
_NO_MARK = object()


def _mark_reading(aspect: Aspect) -> Callable[[object], object]:
    """A mark cell of ``aspect`` as the rules read it (``_NO_MARK`` when blank)."""
    read = _score if aspect.type is AspectType.JUDGEMENT else _measurement

    def reading(raw: object) -> object:
        return _NO_MARK if _blank(raw) else read(raw)

    return reading


_PLANNERS: dict[ImportKind, Callable[[_Context, Competition | None, _Plan], None]] = {
    ImportKind.PARTICIPANTS: _plan_participants,
    ImportKind.EXPERTS: _plan_experts,
    ImportKind.SCHEME: _plan_scheme,
    ImportKind.MARKS: _plan_marks,
}
