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


def test_commands_arriving_together_are_combined_correctly(app):
    """16 threads at once on one competition: good marks, refused marks and retries. Each
    answer names the position of the event that holds its own mark; refusals record nothing."""
    from domain.errors import DomainError
    from tests.helpers import build_world

    world = build_world(app)
    people = list(world.people.values())
    experts = [world.experts[k] for k in ("e1", "e2", "e3")]
    jobs = []
    for n, person in enumerate(people):
        for m, expert in enumerate(experts):
            jobs.append((expert, person, "B1", (n + m) % 2 + 1))  # scores 1-2: no dispute
    jobs.append((experts[0], people[0], "A1", "31.00"))  # out of range: refused
    jobs.append((experts[0], people[1], "Z9", "1.00"))  # unknown aspect: refused
    jobs += jobs[:4]  # retries of identical marks
    answers: dict[int, object] = {}
    barrier = threading.Barrier(16)

    def work(offset: int) -> None:
        barrier.wait()
        for index in range(offset, len(jobs), 16):
            expert, person, aspect, value = jobs[index]
            try:
                answers[index] = app.enter_mark(
                    actor=expert,
                    competition_id=world.competition,
                    competitor_id=person,
                    aspect_id=aspect,
                    value=value,
                )
            except DomainError as error:
                answers[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == len(jobs)
    by_position = {
        n.id: app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=None, limit=100_000)
    }
    stored = Counter()
    for event in by_position.values():
        for mark in getattr(event, "marks", ()):
            stored[(mark.expert_id, mark.competitor_id, mark.aspect_id)] += 1
    for index, (expert, person, aspect, value) in enumerate(jobs):
        answer = answers[index]
        if aspect in ("Z9",) or value == "31.00":
            assert isinstance(answer, DomainError), answer
            continue
        assert not isinstance(answer, DomainError), answer
        event = by_position[answer.position]
        assert any(
            (m.expert_id, m.competitor_id, m.aspect_id, int(m.value))
            == (expert, person, aspect, value)
            for m in event.marks
        ), (index, answer)
    assert set(stored.values()) == {1} and len(stored) == len(people) * len(experts)
