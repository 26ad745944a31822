"""A mark sheet (``marks``): the caller's own marks, one row per competitor (full name or
participant id) and one column per aspect id, checked by the rules of ``enter_marks`` as that
expert and entered whole.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain import ids
from domain.competition import Competition, Entrant
from domain.errors import N_, DomainError
from domain.values import Aspect, AspectType
from registry.imports.cells import COMPETITOR, _blank, _id_or_text, _measurement, _score
from registry.imports.checking import _Context, _Plan
from sheets.layouts import NUMBERING, normalised
from sheets.reader import column_letter


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
