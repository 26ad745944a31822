"""Spreadsheet imports through the application (issue 16), on SQLite and PostgreSQL.

Every kind with a good file, a file with one bad cell (nothing stored, the cell named), the
same file twice (the first answer, nothing new), a dry run (nothing stored: no event, no
personal-data key), possible duplicates, the rules of the commands (conflicts of interest,
ranges, an existing different mark, roles), a concurrent change during an import (a clean
retry, never half a file) and the cap on problems. The files are the templates of
``sheets.layouts`` filled in, as an office would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import pytest

from domain.errors import DomainError
from domain.ids import SYSTEM_ACTOR
from domain.imports import SpreadsheetImport, import_id
from domain.values import Role
from registry.application import RegistryApplication
from registry.imports import (
    MAX_PROBLEMS,
    ImportAnswer,
    check_import_allowed,
    file_sha256,
    run_import,
)
from sheets.layouts import ExtraColumn, template
from sheets.reader import SheetRefused
from tests.helpers import World, build_world, mark_everything, sign_off_all

ORGANISER = SYSTEM_ACTOR
#: every Kazakh letter Russian lacks, in names that must round-trip
KAZAKH_NAMES = ("Әбілқасым Ғалия Қанатқызы", "Ңұрлыбек Өмірзақ Ұлан", "Үсенова Һәжер Іңкәр")


def participants_file(rows: Sequence[Sequence[object]]) -> bytes:
    """An entrant list: full name, birth date, organisation, its Kazakh name, its kind,
    region, disability, Latin name, participant id."""
    return template("participants", extra_rows=[list(r) + [None] * (9 - len(r)) for r in rows])


def experts_file(rows: Sequence[Sequence[object]]) -> bytes:
    """Account, role, organisation, region."""
    return template("experts", extra_rows=rows)


def scheme_file(rows: Sequence[Sequence[object]]) -> bytes:
    """Criterion, aspect id, description, type, max mark."""
    return template("scheme", extra_rows=rows)


def marks_file(aspects: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """Competitor, then one column per aspect id."""
    return template(
        "marks", extra_rows=rows, extra_columns=[ExtraColumn(aspect) for aspect in aspects]
    )


def key_count(app: RegistryApplication) -> int:
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT COUNT(*) AS n FROM {app.personal_keys.table}")
        return int(cursor.fetchone()["n"])


def stored(app: RegistryApplication) -> tuple[int, int, int]:
    """What a refused or dry-run import must leave as it was: events, head, keys."""
    return app.event_count(), app.head_position(), key_count(app)


def imported(
    app: RegistryApplication,
    kind: str,
    data: bytes,
    competition: UUID | None,
    *,
    actor: UUID = ORGANISER,
    dry_run: bool = False,
) -> ImportAnswer:
    return run_import(
        app,
        actor=actor,
        kind=kind,
        competition_id=competition,
        data=data,
        filename=f"{kind}.xlsx",
        dry_run=dry_run,
    )


def good_entrants(world: World) -> list[list[object]]:
    return [
        [
            KAZAKH_NAMES[0],
            date(2006, 4, 3),
            "Жаңа техникалық колледж",
            "Жаңа техникалық колледжі",
            "college",
            "VKO",
        ],
        [KAZAKH_NAMES[1], "12.09.2005", "Высший колледж ВКТУ"],
        [
            KAZAKH_NAMES[2],
            "2007-01-30",
            "Жаңа техникалық колледж",
            None,
            None,
            None,
            "нарушение слуха",
            "Usenova Hazher",
        ],
    ]


@pytest.fixture
def world(app: RegistryApplication) -> World:
    return build_world(app, start=False)


# ---------------------------------------------------------------------------- participants


def test_an_entrant_list_is_imported_whole_and_once(app, world):
    data = participants_file(good_entrants(world))
    before = stored(app)
    preview = imported(app, "participants", data, world.competition, dry_run=True)
    assert preview.problems == [] and preview.dry_run and preview.rows == 3
    assert preview.would_create == {"organisations": 1, "participants": 3, "entrants": 3}
    assert stored(app) == before, "a dry run records nothing: no event, no key"

    answer = imported(app, "participants", data, world.competition)
    assert answer.problems == [] and answer.created == preview.would_create
    assert answer.position == app.head_position()
    competition = app.competition(world.competition)
    names = {e.full_name for e in competition.entrants.values()}
    assert set(KAZAKH_NAMES) <= names
    added = [e for e in competition.entrants.values() if e.full_name in KAZAKH_NAMES]
    new_college = {e.organisation_id for e in added if e.full_name != KAZAKH_NAMES[1]}
    assert len(new_college) == 1
    organisation = app.organisation(new_college.pop())
    assert (organisation.name_kk, organisation.kind, organisation.region) == (
        "Жаңа техникалық колледжі",
        "college",
        "VKO",
    )
    third = next(e for e in added if e.full_name == KAZAKH_NAMES[2])
    personal = app.personal_data(third.participant_id)
    assert personal is not None and personal.birth_date == date(2007, 1, 30)
    assert personal.disability == "нарушение слуха"
    assert app.participant(third.participant_id).name_latin == "Usenova Hazher"
    record = app.repository.get(import_id("participants", world.competition, file_sha256(data)))
    assert isinstance(record, SpreadsheetImport) and record.rows == 3
    assert record.created == answer.created and record.filename == "participants.xlsx"

    head = app.head_position()
    again = imported(app, "participants", data, world.competition)
    assert again.already_imported and again.created == answer.created
    assert again.position == answer.position and app.head_position() == head
    dry_again = imported(app, "participants", data, world.competition, dry_run=True)
    assert dry_again.already_imported and dry_again.would_create == {
        "organisations": 0,
        "participants": 0,
        "entrants": 0,
    }


def test_one_bad_cell_stores_nothing_and_is_named(app, world):
    rows = good_entrants(world)
    rows[1][1] = "31.02.2005"  # no such day
    data = participants_file(rows)
    before = stored(app)
    entrants = dict(app.competition(world.competition).entrants)
    answer = imported(app, "participants", data, world.competition)
    assert answer.created is None and answer.position is None
    [problem] = answer.problems
    assert (problem.sheet, problem.row, problem.column, problem.value) == (
        "Участники",
        3,
        "B",
        "31.02.2005",
    )
    assert problem.code == "invalid-input" and "not a date" in problem.english()
    assert stored(app) == before
    assert app.competition(world.competition).entrants == entrants
    # corrected, the file is imported (a refused file is not "imported before")
    rows[1][1] = "28.02.2005"
    assert imported(app, "participants", participants_file(rows), world.competition).created


def test_every_problem_is_listed_not_only_the_first(app, world):
    rows = [
        ["", date(2006, 1, 1), "Высший колледж ВКТУ"],  # no name
        ["Тестов Тест", "вчера", "Высший колледж ВКТУ"],  # no date
        ["Ещё Один", None, "Несуществующий колледж"],  # a new organisation without its kind
        ["Третий Тест", None, "Высший колледж ВКТУ", None, None, "V1"],  # a bad region
        ["Четвёртый", None, "Высший колледж ВКТУ", None, None, None, None, None, "abc"],
    ]
    answer = imported(app, "participants", participants_file(rows), world.competition)
    where = [(p.row, p.column) for p in answer.problems]
    assert where == [(2, "A"), (3, "B"), (4, "E"), (5, "F"), (6, "I")], answer.problems
    assert answer.would_create == {"organisations": 0, "participants": 0, "entrants": 0}


def test_a_possible_duplicate_is_a_problem_of_its_row_until_the_organiser_says(app, world):
    college = world.orgs["college_b"]
    held = app.register_participant(
        actor=ORGANISER, full_name="Серікова Дана", organisation_id=college
    ).id
    row = ["Серікова Дана", date(2006, 5, 5), "Восточно-Казахстанский политехнический колледж"]
    before = stored(app)
    answer = imported(app, "participants", participants_file([row]), world.competition)
    [problem] = answer.problems
    assert problem.code == "possible-duplicate" and str(held) in problem.english()
    assert (problem.row, problem.column) == (2, "I")
    assert stored(app) == before

    same = imported(
        app,
        "participants",
        participants_file([[*row, None, None, None, None, None, str(held)]]),
        world.competition,
    )
    assert same.problems == [] and same.created == {
        "organisations": 0,
        "participants": 0,
        "entrants": 1,
    }
    assert held in app.competition(world.competition).entrants

    other = imported(
        app,
        "participants",
        participants_file([[*row, None, None, None, None, None, "новый"]]),
        world.competition,
    )
    assert other.created == {"organisations": 0, "participants": 1, "entrants": 1}
    ids = [
        e.participant_id
        for e in app.competition(world.competition).entrants.values()
        if e.full_name == "Серікова Дана"
    ]
    assert len(ids) == 2 and app.participant(ids[1]).distinct_from == (held,)


def test_namesakes_within_one_file_are_not_merged(app, world):
    rows = [
        ["Ахметов Арман", None, "Высший колледж ВКТУ"],
        ["Ахметов Арман", date(2005, 1, 1), "Высший колледж ВКТУ"],
    ]
    answer = imported(app, "participants", participants_file(rows), world.competition)
    [problem] = answer.problems
    assert problem.code == "possible-duplicate" and problem.row == 3
    assert problem.params["rows"] == "2"
    twice = imported(app, "participants", participants_file([rows[1], rows[1]]), world.competition)
    [problem] = twice.problems
    assert problem.row == 3 and "listed twice" in problem.english()


def test_a_name_written_with_a_tab_or_a_line_break_still_meets_its_namesakes(app, world):
    """The name is compared as registered (white space collapsed): a tab or a line break
    inside the cell does not hide a registered namesake, as it does not from the API."""
    college = world.orgs["college_b"]
    held = app.register_participant(
        actor=ORGANISER, full_name="Серікова Дана", organisation_id=college
    ).id
    for written in ("Серікова\tДана", "Серікова\nДана"):
        row = [written, date(2006, 5, 5), "Восточно-Казахстанский политехнический колледж"]
        answer = imported(app, "participants", participants_file([row]), world.competition)
        [problem] = answer.problems
        assert problem.code == "possible-duplicate" and str(held) in problem.english()
        assert answer.created is None


def test_a_known_person_with_other_details_is_a_problem(app, world):
    name, person = next(iter(world.people.items()))  # born 2004-03-01, college_a
    rows = [[name, date(2004, 3, 1), "Высший колледж ВКТУ", None, None, None, "нарушение зрения"]]
    answer = imported(app, "participants", participants_file(rows), world.competition)
    [problem] = answer.problems
    assert problem.code == "already-exists" and str(person) in problem.english()
    # the same details: the person is found, nothing new (already an entrant)
    same = imported(app, "participants", participants_file([rows[0][:3]]), world.competition)
    assert same.problems == [] and same.created == {
        "organisations": 0,
        "participants": 0,
        "entrants": 0,
    }


def test_an_existing_organisation_with_other_details_is_refused_as_the_api_does(app, world):
    rows = [["Новый Человек", None, "Высший колледж ВКТУ", "Басқа атау", "university"]]
    answer = imported(app, "participants", participants_file(rows), world.competition)
    [problem] = answer.problems
    assert problem.code == "already-exists" and problem.column == "C"


def test_without_a_competition_people_are_only_registered(app, world):
    rows = [row + [None] * (9 - len(row)) for row in good_entrants(world)]
    without_region = imported(app, "participants", participants_file(rows), None)
    assert [(p.row, p.column) for p in without_region.problems] == [(3, "F"), (4, "F")]
    for row in rows:  # without a competition, no region to default to
        row[5] = "VKO"
    answer = imported(app, "participants", participants_file(rows), None)
    assert answer.created == {"organisations": 1, "participants": 3, "entrants": 0}
    with pytest.raises(DomainError) as refused:
        imported(app, "experts", experts_file([["Эксперт e1", "expert", "ТОО «Казцинк»"]]), None)
    assert refused.value.code == "invalid-input"


def test_a_published_competition_takes_no_entrants(app):
    world = build_world(app)
    names = list(world.people)
    mark_everything(
        app,
        world,
        {name: ("10.00", "10.00") for name in names},
        {name: ((2, 2, 2), (2, 2, 2)) for name in names},
    )
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    app.publish(actor=ORGANISER, competition_id=world.competition)
    rows = [
        ["Жаңа Адам", date(2006, 1, 1), "Высший колледж ВКТУ"],
        [names[0], date(2004, 3, 1), "Высший колледж ВКТУ"],
        ["Тағы Біреу", None, "Высший колледж ВКТУ"],
    ]
    before = stored(app)
    for dry_run in (True, False):
        answer = imported(
            app, "participants", participants_file(rows), world.competition, dry_run=dry_run
        )
        [problem] = answer.problems  # once for the file, not once per row
        assert problem.code == "invalid-state" and problem.row is None
        assert "published" in problem.english()
    assert stored(app) == before


# ---------------------------------------------------------------------------- experts


def test_experts_are_assigned_with_their_scope(app, world):
    for name, role in (("Сарапшы Қайрат", "expert"), ("Бас сарапшы Әсел", "chief_expert")):
        app.create_account(actor=ORGANISER, name=name, role=role)
    competition2 = app.add_competition(
        actor=ORGANISER,
        championship_id=world.championship,
        code="cooking",
        title_ru="Поварское дело",
        title_kk="Аспаздық іс",
        category="main",
    ).id
    rows = [
        ["Сарапшы Қайрат", "expert", "ТОО «Казцинк»"],
        ["Бас сарапшы Әсел", "chief", "ВКУ им. С. Аманжолова", "VKO"],
        [str(world.experts["e3"]), "Эксперт", "ВКУ им. С. Аманжолова"],
    ]
    answer = imported(app, "experts", experts_file(rows), competition2)
    assert answer.problems == [] and answer.created == {"experts": 3}
    competition = app.competition(competition2)
    assert {e.name for e in competition.experts.values()} == {
        "Сарапшы Қайрат",
        "Бас сарапшы Әсел",
        "Эксперт e3",
    }
    assert competition.chief().name == "Бас сарапшы Әсел"
    for account_id in competition.experts:
        assert competition2 in app.account(account_id).competition_ids


def test_expert_rows_are_checked_by_the_assignment_rules(app, world):
    app.create_account(actor=ORGANISER, name="Аудитор Ұлжан", role="auditor")
    revoked = app.create_account(actor=ORGANISER, name="Бывший эксперт", role="expert").id
    app.revoke_account(actor=ORGANISER, account_id=revoked, reason="уволился")
    rows = [
        ["Аудитор Ұлжан", "expert", "ТОО «Казцинк»"],  # role: auditor
        ["Нет Такого", "expert", "ТОО «Казцинк»"],  # no account
        ["Эксперт e1", "chief", "ТОО «Казцинк»"],  # assigned already, as an expert; not chief
        ["Эксперт e2", "expert", "Неизвестная организация"],  # organisation not registered
        ["Бывший эксперт", "expert", "ТОО «Казцинк»"],  # revoked
        ["Эксперт e3", "главный", "ТОО «Казцинк»"],  # a second chief
    ]
    before = stored(app)
    answer = imported(app, "experts", experts_file(rows), world.competition)
    got = [(p.row, p.column, p.code) for p in answer.problems]
    assert got == [
        (2, "B", "invalid-input"),
        (3, "A", "not-found"),
        (4, "B", "invalid-input"),
        (5, "C", "not-found"),
        (6, "A", "invalid-state"),
        (7, "B", "invalid-input"),
    ], answer.problems
    assert stored(app) == before


# ---------------------------------------------------------------------------- scheme


SCHEME_ROWS = [
    ["A", "A1", "Размеры по чертежу", "measurement", 40],
    ["A", "A2", "Шероховатость", "measurement", "20,50"],
    ["B", "B1", "Сыртқы түрі", "judgement", 39.5],
]


def test_a_marking_scheme_is_set(app, world):
    competition2 = app.add_competition(
        actor=ORGANISER,
        championship_id=world.championship,
        code="cnc",
        title_ru="Фрезерные работы",
        title_kk="Фрезерлік жұмыстар",
        category="main",
    ).id
    answer = imported(app, "scheme", scheme_file(SCHEME_ROWS), competition2)
    assert answer.problems == [] and answer.created == {"aspects": 3}
    scheme = app.competition(competition2).scheme
    assert [(a.id, a.criterion, str(a.max_mark), a.type) for a in scheme] == [
        ("A1", "A", "40.00", "measurement"),
        ("A2", "A", "20.50", "measurement"),
        ("B1", "B", "39.50", "judgement"),
    ]
    assert scheme[2].description == "Сыртқы түрі"


def test_scheme_problems_name_their_cells_and_the_total(app, world):
    rows = [
        ["A", "A1", "Размеры", "measurement", "40.005"],
        ["a1", "A2", "Шероховатость", "измеримый", 20],
        ["B", "A2", "Повтор", "judgement", 10],
        ["B", "B1", "", "судейский", 10],
        ["B", "B2", "Вид", "neither", 10],
    ]
    answer = imported(app, "scheme", scheme_file(rows), world.competition)
    got = [(p.row, p.column) for p in answer.problems]
    assert got == [(2, "E"), (3, "A"), (4, "B"), (5, "C"), (6, "D")], answer.problems
    total = imported(app, "scheme", scheme_file(SCHEME_ROWS[:2]), world.competition)
    [problem] = total.problems
    assert problem.code == "scheme-total" and (problem.row, problem.column) == (None, "E")


# ---------------------------------------------------------------------------- marks


@pytest.fixture
def marking(app: RegistryApplication) -> World:
    return build_world(app)


def test_an_experts_mark_sheet_is_entered_as_one_sheet(app, marking):
    e1 = marking.experts["e1"]
    names = ["Нұрланов Әлихан", "Қасымова Айгүл", "Иванов Дмитрий Сергеевич", "Өмірбекова Ұлжан"]
    rows = [[name, 10 + i, "12,5", 2, 3.0] for i, name in enumerate(names)]
    rows[2][0] = str(marking.people[names[2]])  # by id
    data = marks_file(["A1", "A2", "B1", "B2"], rows)
    answer = imported(app, "marks", data, marking.competition, actor=e1)
    assert answer.problems == [] and answer.created == {"marks": 16}
    competition = app.competition(marking.competition)
    person = marking.people["Қасымова Айгүл"]
    assert str(competition.measurements[(person, "A1")][0]) == "11.00"
    assert str(competition.measurements[(person, "A2")][0]) == "12.50"
    assert competition.judgements[(person, "B2")] == {e1: 3}
    events = [e for e in app.events.get(marking.competition) if hasattr(e, "marks")]
    assert len(events[-1].marks) == 16, "one sheet, one event"


def test_a_bad_mark_stores_nothing_and_every_refusal_is_listed(app, marking):
    e1 = marking.experts["e1"]
    app.enter_mark(
        actor=e1,
        competition_id=marking.competition,
        competitor_id=marking.people["Иванов Дмитрий Сергеевич"],
        aspect_id="A1",
        value="5.00",
    )
    rows = [
        ["Нұрланов Әлихан", "31", 1],  # A1 takes 0-30
        ["Иванов Дмитрий Сергеевич", "5", 4],  # A1 repeats the held mark: fine; B1 is 0-3
        ["Өмірбекова Ұлжан", "7.555", 2],  # three places
        ["Нет Такого", "1", 1],
    ]
    before = stored(app)
    answer = imported(app, "marks", marks_file(["A1", "B1"], rows), marking.competition, actor=e1)
    got = [(p.row, p.column, p.value, p.code) for p in answer.problems]
    assert got == [
        (5, "A", "Нет Такого", "not-found"),
        (2, "B", "31", "out-of-range"),
        (3, "C", "4", "out-of-range"),
        (4, "B", "7.555", "invalid-input"),
    ], answer.problems
    assert stored(app) == before


def test_marks_keep_the_rules_of_conflict_and_existing_marks(app, marking):
    conflicted = marking.experts["e_conflicted"]  # from college_a, as two competitors are
    rows = [["Нұрланов Әлихан", "10"], ["Иванов Дмитрий Сергеевич", "10"]]
    answer = imported(app, "marks", marks_file(["A1"], rows), marking.competition, actor=conflicted)
    [problem] = answer.problems
    assert problem.code == "conflict-of-interest" and (problem.row, problem.column) == (2, "B")
    e1, e2 = marking.experts["e1"], marking.experts["e2"]
    person = marking.people["Өмірбекова Ұлжан"]
    app.enter_mark(
        actor=e2,
        competition_id=marking.competition,
        competitor_id=person,
        aspect_id="A1",
        value="9.00",
    )
    held = imported(
        app,
        "marks",
        marks_file(["A1"], [["Өмірбекова Ұлжан", "8"]]),
        marking.competition,
        actor=e1,
    )
    assert [p.code for p in held.problems] == ["mark-exists"]
    same = imported(
        app,
        "marks",
        marks_file(["A1"], [["Өмірбекова Ұлжан", "9"]]),
        marking.competition,
        actor=e1,
    )
    assert same.problems == [] and same.created == {"marks": 0}


def test_marks_from_someone_not_an_expert_of_the_competition(app, marking):
    outsider = app.create_account(actor=ORGANISER, name="Посторонний", role="expert").id
    answer = imported(
        app,
        "marks",
        marks_file(["A1"], [["Нұрланов Әлихан", "1"]]),
        marking.competition,
        actor=outsider,
    )
    [problem] = answer.problems
    assert problem.code == "not-assigned" and problem.row is None
    wrong = imported(
        app,
        "marks",
        marks_file(["A9"], [["Нұрланов Әлихан", "1"]]),
        marking.competition,
        actor=marking.experts["e1"],
    )
    assert [p.code for p in wrong.problems] == ["not-found", "invalid-input"]
    assert wrong.problems[0].row == 1 and wrong.problems[0].value == "A9"
    twice = imported(
        app,
        "marks",
        marks_file(["A1", "a1"], [["Нұрланов Әлихан", "1", "2"]]),
        marking.competition,
        actor=marking.experts["e1"],
    )
    [problem] = twice.problems
    assert (problem.row, problem.column, problem.params["first"]) == (1, "C", "B")


# ---------------------------------------------------------------------------- the file


def test_hostile_and_misnamed_files_are_refused_before_anything(app, world):
    before = stored(app)
    with pytest.raises(SheetRefused):
        imported(app, "participants", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, world.competition)
    with pytest.raises(SheetRefused):  # a scheme is not an entrant list
        imported(app, "participants", scheme_file(SCHEME_ROWS), world.competition)
    with pytest.raises(DomainError) as unknown:
        imported(app, "participants", participants_file([]), UUID(int=7))
    assert unknown.value.code == "not-found"
    with pytest.raises(DomainError) as kind:
        imported(app, "nonsense", participants_file([]), world.competition)
    assert kind.value.code == "invalid-input"
    assert stored(app) == before


def test_problems_stop_at_the_cap(app, world):
    lines = ["ФИО;Дата рождения;Организация"]
    lines += [f"Человек {i};не дата;Высший колледж ВКТУ" for i in range(MAX_PROBLEMS + 200)]
    data = ("\n".join(lines) + "\n").encode()
    answer = imported(app, "participants", data, world.competition, dry_run=True)
    assert len(answer.problems) == MAX_PROBLEMS and answer.problems_truncated


def test_an_empty_list_records_only_that_it_was_imported(app, world):
    answer = imported(app, "participants", participants_file([]), world.competition)
    assert answer.problems == [] and answer.created == {
        "organisations": 0,
        "participants": 0,
        "entrants": 0,
    }


def test_who_may_import_what(app, marking):
    organiser = app.create_account(actor=ORGANISER, name="Организатор", role="organiser").id
    auditor = app.create_account(actor=ORGANISER, name="Аудитор", role="auditor").id
    e1 = app.account(marking.experts["e1"])
    check_import_allowed(app.account(organiser), "participants", marking.competition)
    check_import_allowed(e1, "marks", marking.competition)
    for account, kind, competition, code in (
        (app.account(auditor), "scheme", marking.competition, "not-allowed"),
        (e1, "experts", marking.competition, "not-allowed"),
        (app.account(organiser), "marks", marking.competition, "not-allowed"),
        (e1, "marks", UUID(int=5), "not-assigned"),
    ):
        with pytest.raises(DomainError) as refused:
            check_import_allowed(account, kind, competition)
        assert refused.value.code == code
    assert app.account(organiser).role == Role.ORGANISER


# ---------------------------------------------------------------------------- concurrency


def test_a_concurrent_change_makes_a_clean_retry(app, marking):
    """A judge's mark saved while the file is being checked: the import's save meets the
    competition's new version, the whole file is checked again on a fresh read and saved
    once — both the mark and the sheet are there, nothing twice, nothing half."""
    e1, e2 = marking.experts["e1"], marking.experts["e2"]
    person = marking.people["Өмірбекова Ұлжан"]
    calls = []

    def meanwhile(done: int, total: int) -> None:
        if not calls:
            app.enter_mark(
                actor=e2,
                competition_id=marking.competition,
                competitor_id=person,
                aspect_id="B1",
                value=2,
            )
        calls.append(done)

    rows = [["Нұрланов Әлихан", "10", 2], ["Өмірбекова Ұлжан", "11", 3]]
    answer = run_import(
        app,
        actor=e1,
        kind="marks",
        competition_id=marking.competition,
        data=marks_file(["A1", "B1"], rows),
        filename="m.xlsx",
        dry_run=False,
        progress=meanwhile,
    )
    assert answer.created == {"marks": 4}
    assert calls.count(0) == 2, "checked twice: the first save lost to the judge's mark"
    competition = app.competition(marking.competition)
    assert competition.judgements[(person, "B1")] == {e2: 2, e1: 3}
    records = [e for e in app.events.get(answer.import_id)]
    assert len(records) == 1


def test_a_concurrent_change_that_breaks_the_file_records_nothing(app, marking):
    e1, e2 = marking.experts["e1"], marking.experts["e2"]
    person = marking.people["Өмірбекова Ұлжан"]
    done = []

    def meanwhile(_done: int, _total: int) -> None:
        if not done:
            done.append(1)
            app.enter_mark(
                actor=e2,
                competition_id=marking.competition,
                competitor_id=person,
                aspect_id="A1",
                value="3.00",
            )

    before = app.event_count()
    answer = run_import(
        app,
        actor=e1,
        kind="marks",
        competition_id=marking.competition,
        data=marks_file(["A1"], [["Өмірбекова Ұлжан", "11"]]),
        filename="m.xlsx",
        dry_run=False,
        progress=meanwhile,
    )
    assert [p.code for p in answer.problems] == ["mark-exists"]
    assert app.event_count() == before + 1  # the judge's mark only
