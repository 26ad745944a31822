"""The application service against the real stores: ids, positions, idempotency, refusals
that store nothing, and a whole competition through to publication and amendment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import DomainError
from domain.standings import standings
from domain.values import CompetitionStatus, Medal
from registry.application import AspectInput
from tests.helpers import ORGANISER, SCHEME, build_world, mark_everything, sign_off_all

MEASURE = {
    "Нұрланов Әлихан": ("28.50", "20.00"),
    "Қасымова Айгүл": ("25.00", "18.00"),
    "Иванов Дмитрий Сергеевич": ("25.00", "18.00"),
    "Өмірбекова Ұлжан": ("10.00", "5.00"),
}
JUDGE = {
    "Нұрланов Әлихан": ((3, 3, 2), (3, 3, 3)),
    "Қасымова Айгүл": ((2, 2, 2), (2, 3, 2)),
    "Иванов Дмитрий Сергеевич": ((2, 2, 2), (2, 3, 2)),
    "Өмірбекова Ұлжан": ((1, 1, 1), (0, 1, 1)),
}


def stored(app) -> tuple[int, int]:
    return app.event_count(), app.head_position()


def test_repeated_create_answers_the_first_id_and_stores_nothing(app):
    first = app.register_organisation(
        actor=ORGANISER,
        name_ru="ТОО «Казцинк»",
        name_kk="«Қазмырыш» ЖШС",
        kind="enterprise",
        region="VKO",
    )
    before = stored(app)
    again = app.register_organisation(
        actor=ORGANISER,
        name_ru="  ТОО   «Казцинк» ",
        name_kk="«Қазмырыш» ЖШС",
        kind="enterprise",
        region="vko",
    )
    assert (again.id, again.position, again.recorded) == (first.id, first.position, False)
    assert stored(app) == before
    with pytest.raises(DomainError) as info:
        app.register_organisation(
            actor=ORGANISER,
            name_ru="ТОО «Казцинк»",
            name_kk="Другое",
            kind="enterprise",
            region="VKO",
        )
    assert info.value.code == "already-exists"
    assert stored(app) == before


def test_ids_are_deterministic_across_stores(app):
    result = app.create_championship(
        actor=ORGANISER,
        kind="worldskills",
        level="republican",
        year=2025,
        region="AST",
        title_ru="WorldSkills Kazakhstan 2025",
        title_kk="WorldSkills Kazakhstan 2025",
        starts_on=date(2025, 12, 4),
        ends_on=date(2025, 12, 6),
    )
    import uuid

    from domain.ids import NAMESPACE

    assert result.id == uuid.uuid5(NAMESPACE, "championship/worldskills/republican/2025/AST")


def test_positions_grow_and_name_the_last_event(app):
    world = build_world(app)
    head = app.head_position()
    result = app.enter_mark(
        actor=world.experts["e1"],
        competition_id=world.competition,
        competitor_id=world.people["Нұрланов Әлихан"],
        aspect_id="A1",
        value="12.00",
    )
    assert result.recorded and result.position > head
    assert result.position == app.head_position()
    # An identical retry answers the same position and stores nothing.
    before = stored(app)
    retry = app.enter_mark(
        actor=world.experts["e1"],
        competition_id=world.competition,
        competitor_id=world.people["Нұрланов Әлихан"],
        aspect_id="A1",
        value="12.00",
    )
    assert (retry.position, retry.recorded) == (result.position, False)
    assert stored(app) == before


REFUSALS = [
    ("out-of-range", "A1", "30.01", "e1", "Иванов Дмитрий Сергеевич"),
    ("invalid-input", "A1", "-1", "e1", "Иванов Дмитрий Сергеевич"),
    ("invalid-input", "A1", "7.555", "e1", "Иванов Дмитрий Сергеевич"),
    ("invalid-input", "A1", "NaN", "e1", "Иванов Дмитрий Сергеевич"),
    ("invalid-input", "A1", "1e400", "e1", "Иванов Дмитрий Сергеевич"),
    ("out-of-range", "B1", 4, "e1", "Иванов Дмитрий Сергеевич"),
    ("not-found", "Z1", "1.00", "e1", "Иванов Дмитрий Сергеевич"),
    ("conflict-of-interest", "A1", "1.00", "e_conflicted", "Нұрланов Әлихан"),
]


@pytest.mark.parametrize(("code", "aspect", "value", "expert", "who"), REFUSALS)
def test_refused_marks_store_nothing(app, code, aspect, value, expert, who):
    world = build_world(app)
    before = stored(app)
    with pytest.raises(DomainError) as info:
        app.enter_mark(
            actor=world.experts[expert],
            competition_id=world.competition,
            competitor_id=world.people[who],
            aspect_id=aspect,
            value=value,
        )
    assert info.value.code == code
    assert stored(app) == before


def test_unknown_ids_and_unassigned_experts(app):
    world = build_world(app)
    before = stored(app)
    cases = [
        (
            "not-found",
            lambda: app.enter_mark(
                actor=world.experts["e1"],
                competition_id=uuid4(),
                competitor_id=world.people["Нұрланов Әлихан"],
                aspect_id="A1",
                value="1.00",
            ),
        ),
        (
            "not-found",
            lambda: app.enter_mark(
                actor=world.experts["e1"],
                competition_id=world.competition,
                competitor_id=uuid4(),
                aspect_id="A1",
                value="1.00",
            ),
        ),
        (
            "not-assigned",
            lambda: app.enter_mark(
                actor=uuid4(),
                competition_id=world.competition,
                competitor_id=world.people["Нұрланов Әлихан"],
                aspect_id="A1",
                value="1.00",
            ),
        ),
        (
            "not-found",
            lambda: app.add_entrant(
                actor=ORGANISER, competition_id=world.competition, participant_id=uuid4()
            ),
        ),
        (
            "not-found",
            lambda: app.register_participant(
                actor=ORGANISER, full_name="Кто-то", organisation_id=uuid4()
            ),
        ),
        # An organisation id is not a competition.
        (
            "not-found",
            lambda: app.start_marking(actor=ORGANISER, competition_id=world.orgs["kazzinc"]),
        ),
    ]
    for code, call in cases:
        with pytest.raises(DomainError) as info:
            call()
        assert info.value.code == code
    assert stored(app) == before


def test_scheme_of_99_99_is_refused_and_stores_nothing(app):
    world = build_world(app, start=False)
    before = stored(app)
    short = [*SCHEME[:3], AspectInput("B2", "B", "x", "19.99", "judgement")]
    with pytest.raises(DomainError) as info:
        app.set_scheme(actor=ORGANISER, competition_id=world.competition, aspects=short)
    assert info.value.code == "scheme-total"
    assert stored(app) == before


def test_whole_competition_to_publication_and_amendment(app):
    world = build_world(app)
    mark_everything(app, world, MEASURE, JUDGE)
    chief = world.experts["chief"]
    with pytest.raises(DomainError) as info:
        app.lock(actor=world.experts["e1"], competition_id=world.competition)
    assert info.value.code == "not-allowed"
    with pytest.raises(DomainError) as info:
        app.lock(actor=chief, competition_id=world.competition)
    assert info.value.code == "sign-off-missing"
    sign_off_all(app, world)
    app.lock(actor=chief, competition_id=world.competition)
    published = app.publish(actor=ORGANISER, competition_id=world.competition)
    competition = app.competition(world.competition)
    assert competition.status is CompetitionStatus.PUBLISHED
    result = standings(competition)
    assert [(r.full_name, r.total, r.rank, r.medal) for r in result.rows] == [
        ("Нұрланов Әлихан", Decimal("95.17"), 1, Medal.GOLD),
        ("Иванов Дмитрий Сергеевич", Decimal("78.56"), 2, Medal.SILVER),
        ("Қасымова Айгүл", Decimal("78.56"), 2, Medal.SILVER),
        ("Өмірбекова Ұлжан", Decimal("29.44"), 4, None),
    ]
    # Amendment: Ұлжан's A1 10.00 -> 30.00 gives 49.44; still 4th. Дмитрий's A1 25.00 -> 30.00
    # gives 83.56, alone in second place; Айгүл drops to bronze.
    amended = app.amend_mark(
        actor=ORGANISER,
        competition_id=world.competition,
        competitor_id=world.people["Иванов Дмитрий Сергеевич"],
        aspect_id="A1",
        value="30.00",
        reason="Апелляция: перемер образца",
    )
    assert amended.recorded and amended.position > published.position
    result = standings(app.competition(world.competition))
    assert [(r.full_name, r.total, r.rank, r.medal) for r in result.rows][:3] == [
        ("Нұрланов Әлихан", Decimal("95.17"), 1, Medal.GOLD),
        ("Иванов Дмитрий Сергеевич", Decimal("83.56"), 2, Medal.SILVER),
        ("Қасымова Айгүл", Decimal("78.56"), 3, Medal.BRONZE),
    ]


def test_a_correction_keeps_the_earlier_value_in_the_history(app):
    world = build_world(app)
    alikhan = world.people["Нұрланов Әлихан"]
    app.enter_mark(
        actor=world.experts["e1"],
        competition_id=world.competition,
        competitor_id=alikhan,
        aspect_id="A1",
        value="20.00",
    )
    app.correct_mark(
        actor=world.experts["e1"],
        competition_id=world.competition,
        competitor_id=alikhan,
        aspect_id="A1",
        value="21.50",
        reason="Ошибка ввода",
    )
    history = list(app.events.get(world.competition))
    corrected = history[-1]
    assert type(corrected).__name__ == "MarkCorrected"
    assert (corrected.previous, corrected.mark.value, corrected.reason) == (
        Decimal("20.00"),
        Decimal("21.50"),
        "Ошибка ввода",
    )
    entered = [e for e in history if type(e).__name__ == "MarksEntered"]
    assert entered[-1].marks[0].value == Decimal("20.00")  # never edited in place


def test_assigning_an_expert_scopes_the_account(app):
    world = build_world(app)
    account = app.account(world.experts["e1"])
    assert world.competition in account.competition_ids
    # Assigning again is a no-op.
    before = stored(app)
    again = app.assign_expert(
        actor=ORGANISER,
        competition_id=world.competition,
        account_id=world.experts["e1"],
        role="expert",
        organisation_id=world.orgs["kazzinc"],
    )
    assert not again.recorded and stored(app) == before
    # A chief needs a chief_expert account, and there is one chief only.
    with pytest.raises(DomainError) as info:
        app.assign_expert(
            actor=ORGANISER,
            competition_id=world.competition,
            account_id=world.experts["e2"],
            role="chief",
            organisation_id=world.orgs["kazzinc"],
        )
    assert info.value.code in ("invalid-input", "invalid-state")
    assert stored(app) == before
