"""Eight experts marking one competition at once: no mark lost, none doubled."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from decimal import Decimal

from domain.ids import SYSTEM_ACTOR
from registry.application import AspectInput

EXPERTS = 8
COMPETITORS = 6


def test_eight_threads_of_experts_marking_one_competition(app):
    a = SYSTEM_ACTOR
    college = app.register_organisation(
        actor=a, name_ru="Колледж", name_kk="Колледж", kind="college", region="VKO"
    ).id
    plant = app.register_organisation(
        actor=a, name_ru="УМЗ", name_kk="ҮМЗ", kind="enterprise", region="VKO"
    ).id
    championship = app.create_championship(
        actor=a,
        kind="worldskills",
        level="regional",
        year=2025,
        region="VKO",
        title_ru="Ч",
        title_kk="Ч",
        starts_on=date(2025, 5, 12),
        ends_on=date(2025, 5, 16),
    ).id
    competition = app.add_competition(
        actor=a,
        championship_id=championship,
        code="mechatronics",
        title_ru="Мехатроника",
        title_kk="Мехатроника",
        category="main",
    ).id
    app.set_scheme(
        actor=a,
        competition_id=competition,
        aspects=[
            AspectInput(f"M{i}", "A", f"Аспект {i}", "12.50", "measurement") for i in range(8)
        ],
    )
    people = [
        app.register_participant(actor=a, full_name=f"Участник {i}", organisation_id=college).id
        for i in range(COMPETITORS)
    ]
    for person in people:
        app.add_entrant(actor=a, competition_id=competition, participant_id=person)
    experts = []
    for i in range(EXPERTS):
        account = app.create_account(actor=a, name=f"Эксперт {i}", role="expert").id
        app.assign_expert(
            actor=a,
            competition_id=competition,
            account_id=account,
            role="expert",
            organisation_id=plant,
        )
        experts.append(account)
    app.start_marking(actor=a, competition_id=competition)

    errors: list[BaseException] = []
    barrier = threading.Barrier(EXPERTS)

    def work(index: int) -> None:
        try:
            barrier.wait()
            for repeat in range(2):  # every mark is posted twice: a judge's retry
                for n, person in enumerate(people):
                    value = f"{(index + n) % 12}.{25 * repeat * 0:02d}"
                    app.enter_mark(
                        actor=experts[index],
                        competition_id=competition,
                        competitor_id=person,
                        aspect_id=f"M{index}",
                        value=value,
                    )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(EXPERTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    final = app.competition(competition)
    assert len(final.measurements) == EXPERTS * COMPETITORS
    for index in range(EXPERTS):
        for n, person in enumerate(people):
            value, owner = final.measurements[(person, f"M{index}")]
            assert value == Decimal(f"{(index + n) % 12}.00") and owner == experts[index]
    # In the stored history every mark appears exactly once.
    recorded = Counter(
        (m.competitor_id, m.aspect_id)
        for event in app.events.get(competition)
        if type(event).__name__ == "MarksEntered"
        for m in event.marks
    )
    assert len(recorded) == EXPERTS * COMPETITORS
    assert set(recorded.values()) == {1}
