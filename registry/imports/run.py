"""The import itself: :func:`run_import` — the same file recognised (its record's id), the
file read and its sheet found, every row checked by its kind's planner, and a file without
problems saved whole in one transaction (retried on a concurrent change).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from uuid import UUID

import msgspec

from domain.competition import Competition
from domain.errors import DomainError
from domain.imports import ImportKind, SpreadsheetImport, import_id
from registry.application import RegistryApplication
from registry.imports.answer import COUNTS, ImportAnswer, _kind, file_sha256
from registry.imports.checking import _Context, _Full, _Plan
from registry.imports.experts import _plan_experts
from registry.imports.marks import _plan_marks
from registry.imports.participants import _plan_participants
from registry.imports.scheme import _plan_scheme
from sheets.layouts import LAYOUTS, header_map, table_of
from sheets.reader import read_tables


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
    whole in one transaction (see the package's docstring). ``progress(done, total)`` is
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


_PLANNERS: dict[ImportKind, Callable[[_Context, Competition | None, _Plan], None]] = {
    ImportKind.PARTICIPANTS: _plan_participants,
    ImportKind.EXPERTS: _plan_experts,
    ImportKind.SCHEME: _plan_scheme,
    ImportKind.MARKS: _plan_marks,
}
