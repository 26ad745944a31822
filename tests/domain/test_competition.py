"""Rules of RULES.md "Marking scheme", "Entering marks" and "Closing a competition",
exercised on the aggregates directly (pure: no store)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.championship import Championship
from domain.competition import Competition
from domain.errors import DomainError
from domain.standings import standings
from domain.values import Aspect, AspectType, CompetitionStatus, Medal

ORG = uuid4()
A = uuid4()  # college A
B = uuid4()  # college B
C = uuid4()  # college C
EXPERT_ORG = uuid4()
CHIEF, E1, E2, E3, E4, CONFLICTED = (uuid4() for _ in range(6))

SCHEME = (
    Aspect("A1", "A", "Размеры", Decimal("30.00"), AspectType.MEASUREMENT),
    Aspect("A2", "A", "Герметичность", Decimal("20.00"), AspectType.MEASUREMENT),
    Aspect("B1", "B", "Внешний вид", Decimal("30.00"), AspectType.JUDGEMENT),
    Aspect("B2", "B", "Рабочее место", Decimal("20.00"), AspectType.JUDGEMENT),
)


def new_competition(kind: str = "worldskills", tie_tolerance: str = "0.00") -> Competition:
    championship = Championship.create(
        actor=ORG,
        kind=kind,
        level="regional",
        year=2025,
        region="VKO",
        title_ru="Чемпионат",
        title_kk="Чемпионат",
        starts_on=date(2025, 5, 12),
        ends_on=date(2025, 5, 16),
        tie_tolerance=Decimal(tie_tolerance),
    )
    category = "students" if kind == "abilympics" else "main"
    return championship.add_competition(
        actor=ORG, code="welding", title_ru="Сварка", title_kk="Дәнекерлеу", category=category
    )


PEOPLE = {
    "alikhan": (uuid4(), "Нұрланов Әлихан", A),
    "aigul": (uuid4(), "Қасымова Айгүл", A),
    "dmitry": (uuid4(), "Иванов Дмитрий", B),
    "ulzhan": (uuid4(), "Өмірбекова Ұлжан", C),
}


def ready(kind: str = "worldskills", people: tuple[str, ...] = tuple(PEOPLE)) -> Competition:
    c = new_competition(kind)
    c.set_scheme(actor=ORG, aspects=SCHEME)
    for key in people:
        pid, name, org = PEOPLE[key]
        c.add_entrant(
            actor=ORG, participant_id=pid, full_name=name, organisation_id=org, region="VKO"
        )
    c.assign_expert(
        actor=ORG, account_id=CHIEF, name="Главный", role="chief", organisation_id=EXPERT_ORG
    )
    for account in (E1, E2, E3, E4):
        c.assign_expert(
            actor=ORG,
            account_id=account,
            name=f"Эксперт {account}",
            role="expert",
            organisation_id=EXPERT_ORG,
        )
    c.assign_expert(
        actor=ORG,
        account_id=CONFLICTED,
        name="Эксперт из колледжа A",
        role="expert",
        organisation_id=A,
    )
    c.start(actor=ORG)
    return c


def pid(key: str) -> UUID:
    return PEOPLE[key][0]


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value


# Hand-computed sheet (see test_full_results for the arithmetic).
SHEET = {
    "alikhan": (("28.50", "20.00"), ((3, 3, 2), (3, 3, 3))),
    "aigul": (("25.00", "18.00"), ((2, 2, 2), (2, 3, 2))),
    "dmitry": (("25.00", "18.00"), ((2, 2, 2), (2, 3, 2))),
    "ulzhan": (("10.00", "5.00"), ((1, 1, 1), (0, 1, 1))),
}


def sign_all(c: Competition) -> None:
    """Every assigned expert (the chief too) signs off, as a lock needs."""
    for expert in (CHIEF, E1, E2, E3, E4, CONFLICTED):
        c.sign_off(actor=expert)


def mark_all(c: Competition, sheet: dict = SHEET) -> None:
    for key, ((a1, a2), (b1, b2)) in sheet.items():
        c.enter_marks(actor=E1, marks=[(pid(key), "A1", a1), (pid(key), "A2", a2)])
        for i, expert in enumerate((E1, E2, E3)):
            c.enter_marks(actor=expert, marks=[(pid(key), "B1", b1[i]), (pid(key), "B2", b2[i])])


# ------------------------------------------------------------------------ marking scheme


def test_scheme_must_add_up_to_exactly_100():
    c = new_competition()
    short = (*SCHEME[:3], Aspect("B2", "B", "x", Decimal("19.99"), AspectType.JUDGEMENT))
    error = refused("scheme-total", c.set_scheme, actor=ORG, aspects=short)
    assert "99.99" in error.message
    assert c.scheme == ()
    assert c.pending_events[-1].__class__ is Competition.Created  # nothing recorded


def test_scheme_can_be_replaced_until_first_mark_then_frozen():
    c = ready()
    replaced = (SCHEME[1], SCHEME[0], SCHEME[3], SCHEME[2])
    assert c.set_scheme(actor=ORG, aspects=replaced) is True
    assert c.set_scheme(actor=ORG, aspects=replaced) is False  # identical: no-op
    c.enter_marks(actor=E1, marks=[(pid("alikhan"), "A1", "10.00")])
    refused("scheme-frozen", c.set_scheme, actor=ORG, aspects=SCHEME)


# ------------------------------------------------------------------------ entering marks


def test_measurement_mark_in_range_and_two_places():
    c = ready()
    refused("out-of-range", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "A1", "30.01")])
    refused("invalid-input", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "A1", "-1")])
    refused("invalid-input", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "A1", "7.555")])
    refused("invalid-input", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "A1", "NaN")])
    refused("invalid-input", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "A1", "1e400")])
    refused("out-of-range", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "A1", "1000000000")])
    refused("invalid-input", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "A1", "")])
    c.enter_marks(actor=E1, marks=[(pid("alikhan"), "A1", "30.00")])
    c.enter_marks(actor=E1, marks=[(pid("aigul"), "A1", "7.5")])  # 7.5 is 7.50
    assert c.measurements[(pid("aigul"), "A1")][0] == Decimal("7.50")
    assert str(c.measurements[(pid("aigul"), "A1")][0]) == "7.50"


def test_judgement_score_is_an_integer_0_to_3():
    c = ready()
    refused("out-of-range", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "B1", 4)])
    refused("out-of-range", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "B1", -1)])
    refused("invalid-input", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "B1", "2.5")])
    c.enter_marks(actor=E1, marks=[(pid("alikhan"), "B1", 3)])
    assert c.judgements[(pid("alikhan"), "B1")] == {E1: 3}


def test_unknown_competitor_aspect_or_unassigned_expert_are_refused():
    c = ready()
    refused("not-found", c.enter_marks, actor=E1, marks=[(uuid4(), "A1", "1.00")])
    refused("not-found", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "Z9", "1.00")])
    refused("not-assigned", c.enter_marks, actor=uuid4(), marks=[(pid("alikhan"), "A1", "1.00")])
    assert not c.has_marks


def test_conflict_of_interest_is_refused_for_marks_and_corrections():
    c = ready()
    error = refused(
        "conflict-of-interest",
        c.enter_marks,
        actor=CONFLICTED,
        marks=[(pid("alikhan"), "A1", "5.00")],
    )
    assert "Нұрланов Әлихан" in error.message
    # The same expert may mark a competitor of another organisation.
    c.enter_marks(actor=CONFLICTED, marks=[(pid("dmitry"), "A1", "5.00")])
    c.enter_marks(actor=E1, marks=[(pid("alikhan"), "A1", "5.00")])
    refused(
        "conflict-of-interest",
        c.correct_mark,
        actor=CONFLICTED,
        competitor_id=pid("alikhan"),
        aspect_id="A1",
        value="6.00",
        reason="ошибка",
    )


def test_repeat_of_identical_mark_is_a_no_op_and_a_different_one_is_refused():
    c = ready()
    changed, version = c.enter_marks(actor=E1, marks=[(pid("alikhan"), "A1", "12.50")])
    assert changed
    again, same_version = c.enter_marks(actor=E1, marks=[(pid("alikhan"), "A1", "12.5")])
    assert (again, same_version) == (False, version)
    assert len(c.pending_events) == version  # no new event
    refused("mark-exists", c.enter_marks, actor=E2, marks=[(pid("alikhan"), "A1", "12.00")])


def test_a_sheet_is_accepted_or_refused_as_a_whole():
    c = ready()
    before = len(c.pending_events)
    refused(
        "out-of-range",
        c.enter_marks,
        actor=E1,
        marks=[(pid("alikhan"), "A1", "10.00"), (pid("aigul"), "A1", "99.00")],
    )
    assert len(c.pending_events) == before and not c.has_marks
    c.enter_marks(actor=E1, marks=[(pid("alikhan"), "A1", "10.00"), (pid("aigul"), "A1", "9.00")])
    assert len(c.pending_events) == before + 1  # one event for the sheet
    assert len(c.measurements) == 2


def test_judgement_aspect_holds_three_scores_and_refuses_a_fourth():
    c = ready()
    for expert in (E1, E2, E3):
        c.enter_marks(actor=expert, marks=[(pid("alikhan"), "B1", 2)])
    refused("judgement-full", c.enter_marks, actor=E4, marks=[(pid("alikhan"), "B1", 2)])
    # 30.00 x (2+2+2) / 9 = 20.00
    assert c.aspect_marks(pid("alikhan")) == {"B1": Decimal("20.00")}


def test_judgement_mark_counts_only_with_all_three_scores():
    c = ready()
    c.enter_marks(actor=E1, marks=[(pid("alikhan"), "B1", 3)])
    c.enter_marks(actor=E2, marks=[(pid("alikhan"), "B1", 3)])
    assert c.aspect_marks(pid("alikhan")) == {}
    c.enter_marks(actor=E3, marks=[(pid("alikhan"), "B1", 2)])
    # 30.00 x (3+3+2) / 9 = 26.666... -> 26.67 (half-up)
    assert c.aspect_marks(pid("alikhan")) == {"B1": Decimal("26.67")}


def test_corrections_need_a_reason_and_the_owner_or_the_chief():
    c = ready()
    c.enter_marks(actor=E1, marks=[(pid("alikhan"), "A1", "10.00")])
    refused(
        "invalid-input",
        c.correct_mark,
        actor=E1,
        competitor_id=pid("alikhan"),
        aspect_id="A1",
        value="11.00",
        reason="  ",
    )
    refused(
        "not-allowed",
        c.correct_mark,
        actor=E2,
        competitor_id=pid("alikhan"),
        aspect_id="A1",
        value="11.00",
        reason="перемер",
    )
    refused(
        "no-mark",
        c.correct_mark,
        actor=E1,
        competitor_id=pid("aigul"),
        aspect_id="A1",
        value="11.00",
        reason="перемер",
    )
    changed, _ = c.correct_mark(
        actor=CHIEF, competitor_id=pid("alikhan"), aspect_id="A1", value="11.00", reason="перемер"
    )
    assert changed
    event = c.pending_events[-1]
    assert isinstance(event, Competition.MarkCorrected)
    assert (event.previous, event.mark.value, event.reason, event.actor) == (
        Decimal("10.00"),
        Decimal("11.00"),
        "перемер",
        CHIEF,
    )
    assert event.mark.expert_id == E1  # the mark still belongs to the expert who entered it
    # The same correction again is a no-op (a retry).
    assert (
        c.correct_mark(
            actor=CHIEF,
            competitor_id=pid("alikhan"),
            aspect_id="A1",
            value="11.00",
            reason="перемер",
        )[0]
        is False
    )


def test_disputed_judgement_blocks_lock_until_corrected():
    c = ready(people=("alikhan", "dmitry", "ulzhan"))
    sheet = {k: v for k, v in SHEET.items() if k in ("alikhan", "dmitry", "ulzhan")}
    sheet["dmitry"] = (("25.00", "18.00"), ((0, 2, 2), (2, 3, 2)))  # B1 spread 2 > 1
    mark_all(c, sheet)
    assert c.disputed() == [(pid("dmitry"), "B1")]
    error = refused("disputed-aspect", c.lock, actor=CHIEF)
    assert "Иванов Дмитрий" in error.message
    c.correct_mark(
        actor=E1, competitor_id=pid("dmitry"), aspect_id="B1", value=1, reason="пересмотр"
    )
    assert c.disputed() == []
    sign_all(c)
    assert c.lock(actor=CHIEF) is True
    assert c.status is CompetitionStatus.LOCKED


def test_spread_of_exactly_one_is_not_disputed():
    c = ready(people=("alikhan",))
    for expert, score in ((E1, 2), (E2, 3), (E3, 2)):
        c.enter_marks(actor=expert, marks=[(pid("alikhan"), "B1", score)])
    assert c.disputed() == []


# ------------------------------------------------------------------- closing a competition


def test_marks_only_while_marking():
    c = new_competition()
    c.set_scheme(actor=ORG, aspects=SCHEME)
    pid_, name, org = PEOPLE["alikhan"]
    c.add_entrant(actor=ORG, participant_id=pid_, full_name=name, organisation_id=org, region="VKO")
    c.assign_expert(actor=ORG, account_id=E1, name="E1", role="expert", organisation_id=EXPERT_ORG)
    refused("invalid-state", c.enter_marks, actor=E1, marks=[(pid_, "A1", "1.00")])  # setup


def test_lock_needs_the_chief_and_every_mark():
    c = ready(people=("alikhan", "dmitry", "ulzhan"))
    c.enter_marks(actor=E1, marks=[(pid("alikhan"), "A1", "1.00")])
    error = refused("incomplete-marking", c.lock, actor=CHIEF)
    # expected 3 x (2 + 3 x 2) = 24, entered 1
    assert "23 marks" in error.message
    mark_all(
        c,
        {k: v for k, v in SHEET.items() if k != "aigul"}
        | {"alikhan": (("1.00", "20.00"), ((3, 3, 2), (3, 3, 3)))},
    )
    refused("not-allowed", c.lock, actor=E1)
    refused("sign-off-missing", c.lock, actor=CHIEF)
    sign_all(c)
    assert c.lock(actor=CHIEF) is True
    assert c.lock(actor=CHIEF) is False  # a retried lock is a no-op


def test_mark_on_a_locked_competition_is_refused_reopen_needs_chief_and_reason():
    c = ready(people=("alikhan", "dmitry", "ulzhan"))
    mark_all(c, {k: v for k, v in SHEET.items() if k != "aigul"})
    sign_all(c)
    c.lock(actor=CHIEF)
    refused(
        "invalid-state",
        c.correct_mark,
        actor=E1,
        competitor_id=pid("alikhan"),
        aspect_id="A1",
        value="1.00",
        reason="x",
    )
    refused("invalid-state", c.enter_marks, actor=E1, marks=[(pid("alikhan"), "A1", "28.50")])
    refused("invalid-input", c.reopen, actor=CHIEF, reason="")
    refused("not-allowed", c.reopen, actor=E1, reason="жалоба")
    c.reopen(actor=CHIEF, reason="апелляция участника")
    assert c.status is CompetitionStatus.MARKING
    c.correct_mark(
        actor=E1, competitor_id=pid("alikhan"), aspect_id="A1", value="27.00", reason="апелляция"
    )


def test_publish_after_lock_only_then_amendments_by_reason():
    c = ready()
    mark_all(c)
    refused("invalid-state", c.publish, actor=ORG)
    refused(
        "invalid-state",
        c.amend_mark,
        actor=ORG,
        competitor_id=pid("ulzhan"),
        aspect_id="A1",
        value="29.00",
        reason="x",
    )
    sign_all(c)
    c.lock(actor=CHIEF)
    assert c.publish(actor=ORG) is True
    assert c.status is CompetitionStatus.PUBLISHED
    assert c.published_formula == ("ws-median-mad", 1)
    refused(
        "invalid-input",
        c.amend_mark,
        actor=ORG,
        competitor_id=pid("ulzhan"),
        aspect_id="B1",
        value=3,
        reason="апелляция",  # judgement: names the expert
    )
    refused(
        "disputed-aspect",
        c.amend_mark,
        actor=ORG,
        competitor_id=pid("ulzhan"),
        aspect_id="B1",
        value=3,
        reason="апелляция",
        expert_id=E1,
    )
    changed, _ = c.amend_mark(
        actor=ORG, competitor_id=pid("ulzhan"), aspect_id="A1", value="29.00", reason="апелляция"
    )
    assert changed
    event = c.pending_events[-1]
    assert isinstance(event, Competition.MarkAmended)
    assert (event.previous, event.mark.value) == (Decimal("10.00"), Decimal("29.00"))


def test_full_results_hand_computed():
    c = ready()
    mark_all(c)
    result = standings(c)
    rows = {row.full_name: row for row in result.rows}
    # Әлихан: 28.50 + 20.00 + 30x8/9 (26.67) + 20x9/9 (20.00) = 95.17
    # Айгүл, Дмитрий: 25.00 + 18.00 + 30x6/9 (20.00) + 20x7/9 (15.56) = 78.56 each
    # Ұлжан: 10.00 + 5.00 + 30x3/9 (10.00) + 20x2/9 (4.44) = 29.44
    assert rows["Нұрланов Әлихан"].total == Decimal("95.17")
    assert rows["Қасымова Айгүл"].total == Decimal("78.56")
    assert rows["Иванов Дмитрий"].total == Decimal("78.56")
    assert rows["Өмірбекова Ұлжан"].total == Decimal("29.44")
    assert rows["Нұрланов Әлихан"].criteria == {"A": Decimal("48.50"), "B": Decimal("46.67")}
    assert [(r.rank, r.medal) for r in result.rows] == [
        (1, Medal.GOLD),
        (2, Medal.SILVER),
        (2, Medal.SILVER),
        (4, None),
    ]
    # Tied rank 2 is ordered by name for display: Иванов before Қасымова.
    assert [r.full_name for r in result.rows][1:3] == ["Иванов Дмитрий", "Қасымова Айгүл"]
    # median 78.56; |dev| = 16.61, 0, 0, 49.12 -> MAD = (0 + 16.61)/2 = 8.305;
    # s = 1.4826 x 8.305 = 12.312993
    # Әлихан: 700 + 20 x 16.61 / 12.312993 = 726.98 -> 727; Ұлжан: 700 - 79.79 = 620.21 -> 620
    assert rows["Нұрланов Әлихан"].scaled_score == 727
    assert rows["Қасымова Айгүл"].scaled_score == 700
    assert rows["Өмірбекова Ұлжан"].scaled_score == 620
    assert rows["Өмірбекова Ұлжан"].medallion is False
    assert result.progress.entered == result.progress.expected == 4 * (2 + 3 * 2)
    assert result.disputed == ()


def test_fewer_competitors_than_the_minimum_get_no_medals():
    c = ready(people=("alikhan", "dmitry"))
    mark_all(c, {k: SHEET[k] for k in ("alikhan", "dmitry")})
    assert [r.medal for r in standings(c).rows] == [None, None]


def test_medallion_for_other_kinds_is_a_total_of_70():
    c = ready(kind="abilympics")
    mark_all(c)
    rows = {row.full_name: row for row in standings(c).rows}
    assert all(row.scaled_score is None for row in rows.values())
    assert rows["Өмірбекова Ұлжан"].medallion is False  # 29.44, and no medal
    # Айгүл and Дмитрий (78.56) hold silver medals, so no medallion either.
    assert rows["Қасымова Айгүл"].medallion is False


def test_every_event_records_its_actor_and_utc_time():
    c = ready()
    mark_all(c)
    for event in c.pending_events:
        assert isinstance(event.actor, UUID)
        assert event.timestamp.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("kind", "category", "allowed"),
    [
        ("worldskills", "main", True),
        ("worldskills", "juniors", True),
        ("worldskills", "students", False),
        ("agroskills", "main", True),
        ("agroskills", "juniors", False),
        ("abilympics", "schoolchildren", True),
        ("abilympics", "students", True),
        ("abilympics", "specialists", True),
        ("abilympics", "main", False),
    ],
)
def test_competition_categories_follow_the_championship_kind(kind, category, allowed):
    championship = Championship.create(
        actor=ORG,
        kind=kind,
        level="republican",
        year=2025,
        region="AST",
        title_ru="Ч",
        title_kk="Ч",
        starts_on=date(2025, 10, 1),
        ends_on=date(2025, 10, 3),
    )
    if allowed:
        competition = championship.add_competition(
            actor=ORG, code="x", title_ru="Т", title_kk="Т", category=category
        )
        assert competition.category == category and competition.kind == kind
    else:
        with pytest.raises(DomainError) as info:
            championship.add_competition(
                actor=ORG, code="x", title_ru="Т", title_kk="Т", category=category
            )
        assert info.value.code == "invalid-input"


def test_championship_settings_are_validated():
    kwargs = dict(
        actor=ORG,
        kind="worldskills",
        level="regional",
        year=2025,
        region="VKO",
        title_ru="Ч",
        title_kk="Ч",
        starts_on=date(2025, 5, 12),
        ends_on=date(2025, 5, 16),
    )
    refused("invalid-input", Championship.create, **{**kwargs, "ends_on": date(2025, 5, 11)})
    refused("invalid-input", Championship.create, **{**kwargs, "year": 2024})
    refused("out-of-range", Championship.create, **kwargs, tie_tolerance=Decimal("10.01"))
    refused("out-of-range", Championship.create, **kwargs, min_competitors_for_medals=0)
    refused("invalid-input", Championship.create, **{**kwargs, "region": "Шығыс"})
    assert Championship.create(**kwargs, tie_tolerance=Decimal("0.5")).tie_tolerance == Decimal(
        "0.50"
    )


def test_remembered_results_follow_every_change_of_marks():
    """Standings remember each competitor's totals between marks; after every kind of
    change (new marks, a copy, corrections, amendments) they equal a fresh replay."""
    c = ready()
    events = []
    assert standings(c).rows[0].total == Decimal("0.00")  # remembered before any mark
    mark_all(c)
    first = standings(c)
    events.extend(c.collect_events())
    copy = c.__deepcopy__({})
    copy.correct_mark(
        actor=E1, competitor_id=pid("ulzhan"), aspect_id="A1", value="29.00", reason="опечатка"
    )
    assert standings(c) == first  # the copy's change does not leak into the original
    c = copy
    after_correction = standings(c)
    assert after_correction != first
    sign_all(c)
    c.lock(actor=CHIEF)
    c.publish(actor=ORG)
    c.amend_mark(
        actor=ORG, competitor_id=pid("alikhan"), aspect_id="A2", value="5.00", reason="апелляция"
    )
    after_amendment = standings(c)
    fresh = None
    for event in [*events, *c.collect_events()]:
        fresh = event.mutate(fresh)
    assert after_amendment.rows == standings(fresh).rows
    assert after_amendment.rows != after_correction.rows


def test_a_copy_shares_nothing_it_can_change():
    """Commands work on copies (the repository copies cached competitions): a judgement
    score or a measurement changed in a copy never shows in the original."""
    c = ready()
    mark_all(c)
    before = (dict(c.measurements), {k: dict(v) for k, v in c.judgements.items()})
    copy = c.__deepcopy__({})
    copy.correct_mark(
        actor=E1, competitor_id=pid("ulzhan"), aspect_id="B1", value=2, reason="пересмотр"
    )
    copy.correct_mark(
        actor=E1, competitor_id=pid("ulzhan"), aspect_id="A1", value="11.00", reason="опечатка"
    )
    assert copy.judgements[(pid("ulzhan"), "B1")][E1] == 2
    assert (dict(c.measurements), {k: dict(v) for k, v in c.judgements.items()}) == before


def test_mark_strings_parse_the_same_every_time_and_refusals_are_never_remembered():
    """``parse_mark`` remembers the strings it parsed: the remembered answer is the parse's,
    and a refused string is refused again (with its own message) however often it is sent."""
    from decimal import Decimal

    from domain.errors import DomainError
    from domain.values import parse_mark

    for text in ("7.5", "7.50", "0", "30.00"):
        first = parse_mark(text)
        again = parse_mark(text)
        assert again == first == Decimal(text.strip()) and str(again) == str(first)
        assert first.as_tuple().exponent == -2
    for text, code in (
        ("7.555", "invalid-input"),
        ("NaN", "invalid-input"),
        ("1e400", "invalid-input"),
        ("-1e12", "invalid-input"),
        (" 7.500 ", "invalid-input"),
        ("1000000000", "out-of-range"),
    ):
        for _ in range(2):
            with pytest.raises(DomainError) as refused:
                parse_mark(text, field="marks[3].value")
            assert refused.value.code == code
            assert "marks[3].value" in str(refused.value)
