"""The bookkeeping of one attempt at checking a file: the problems found (at most
``MAX_PROBLEMS``), the plan (what a commit would create and save), the sheet with its columns
(:class:`_Context`), and each data row (:class:`_Row`), whose cells' refusals become problems
naming the sheet, row, column and value. The kinds' planners (``participants``, ``experts``,
``scheme``, ``marks``) work through them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import DomainError
from registry.application import RegistryApplication
from registry.imports.answer import MAX_PROBLEMS, ImportProblem
from registry.imports.cells import _blank, _converted, _shown
from sheets.reader import column_letter

#: rows between two calls of the progress callback
PROGRESS_EVERY = 200

T = TypeVar("T")


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
