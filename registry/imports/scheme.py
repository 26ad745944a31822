"""A marking scheme (``scheme``): each aspect checked by the scheme rules, then the whole
(``set_scheme``: the total of 100.00, frozen once marked).
"""

from __future__ import annotations

from domain.competition import Competition
from domain.errors import N_, DomainError
from domain.scoring import check_scheme
from domain.values import Aspect, AspectType, parse_mark
from registry.imports.cells import (
    ASPECT_ID,
    ASPECT_TYPE,
    CRITERION,
    DESCRIPTION,
    MAX_MARK,
    _coded,
    _measurement,
    _required,
)
from registry.imports.checking import _Context, _Plan

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
