"""An entrant list (``participants``): each row's person identified by the rules of
``register_participant`` and registered when new, then entered into the competition by the
rules of ``add_entrant`` (see the package's docstring, ``registry.imports``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from itertools import chain, repeat
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.competition import Competition
from domain.errors import N_, DomainError
from domain.organisation import Organisation
from domain.participant import Namesake, Participant, identify
from registry.imports.cells import (
    _BIRTH_DATE,
    _DISABILITY,
    _FULL_NAME,
    _NAME_LATIN,
    BIRTH_DATE,
    DISABILITY,
    FULL_NAME,
    NAME_LATIN,
    ORGANISATION,
    PERSON,
    _shown,
    _text,
)
from registry.imports.checking import PROGRESS_EVERY, _Context, _Plan, _Row
from registry.imports.organisations import _ORGANISATION_COLUMNS, _field_of, _Organisations

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
    package's docstring). The cells are converted column by column (``_Context.converted``:
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
