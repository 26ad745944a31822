"""Eight experts marking one competition at once: no mark lost, none doubled."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from domain.ids import SYSTEM_ACTOR
from registry.application import AspectInput, RegistryApplication

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
            answers[index] = _answer(app, world.competition, jobs[index])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    _check_answers(app, jobs, answers)
    stored = _stored_marks(app)
    assert set(stored.values()) == {1} and len(stored) == len(people) * len(experts)


def _answer(app, competition, job: tuple) -> object:
    """The answer to one mark entered on the threaded path: the result or the refusal."""
    from domain.errors import DomainError

    expert, person, aspect, value = job
    try:
        return app.enter_mark(
            actor=expert,
            competition_id=competition,
            competitor_id=person,
            aspect_id=aspect,
            value=value,
        )
    except DomainError as error:
        return error


def _check_answers(app, jobs: list[tuple], answers: dict[int, object]) -> None:
    """Every job was answered; the refused ones (aspect Z9, value 31.00) with a refusal, the
    others with the position of an event that holds exactly their mark."""
    from domain.errors import DomainError

    assert len(answers) == len(jobs)
    events = {
        n.id: app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=None, limit=100_000)
    }
    for index, (expert, person, aspect, value) in enumerate(jobs):
        answer = answers[index]
        if aspect == "Z9" or value == "31.00":
            assert isinstance(answer, DomainError), answer
            continue
        assert not isinstance(answer, DomainError), (index, answer)
        assert any(
            (m.expert_id, m.competitor_id, m.aspect_id, int(m.value))
            == (expert, person, aspect, value)
            for m in events[answer.position].marks
        ), (index, answer)


def _stored_marks(app) -> Counter:
    stored: Counter = Counter()
    for notification in app.recorder.select_notifications(start=None, limit=100_000):
        event = app.mapper.to_domain_event(notification)
        for mark in getattr(event, "marks", ()):
            stored[(mark.expert_id, mark.competitor_id, mark.aspect_id, str(mark.value))] += 1
    return stored


def test_a_process_deciding_on_its_cached_state_never_loses_doubles_or_wrongly_refuses(
    app, settings
):
    """Each process decides a command on its own cached state of the competition without
    asking the store first. Another process (a second registry on the same store) moves the
    competition on behind its back: a new mark still lands once (the version conflict makes it
    read afresh), a mark the other process already holds is a repeat or a conflict as on a
    fresh read, and a refusal that only the out-of-date state would give is never answered."""
    from domain.errors import DomainError
    from tests.helpers import build_world

    world = build_world(app, start=False)
    people = list(world.people.values())
    e1, e2 = world.experts["e1"], world.experts["e2"]
    app.competition(world.competition)  # this process has it cached: not started
    other = RegistryApplication(settings)
    try:
        other.start_marking(actor=SYSTEM_ACTOR, competition_id=world.competition)
        # the cached state says "setup": a mark would be refused on it, but not by the store
        first = app.enter_mark(
            actor=e1,
            competition_id=world.competition,
            competitor_id=people[0],
            aspect_id="A1",
            value="10.00",
        )
        assert first.recorded
        # the other process adds marks; this one's cache is behind again
        theirs = other.enter_mark(
            actor=e2,
            competition_id=world.competition,
            competitor_id=people[1],
            aspect_id="A1",
            value="11.00",
        )
        again = app.enter_mark(  # the same mark: a repeat, answered with their position
            actor=e2,
            competition_id=world.competition,
            competitor_id=people[1],
            aspect_id="A1",
            value="11.00",
        )
        assert not again.recorded and again.position == theirs.position
        other.enter_mark(
            actor=e2,
            competition_id=world.competition,
            competitor_id=people[2],
            aspect_id="A1",
            value="12.00",
        )
        with pytest.raises(DomainError) as refused:  # a different value: refused, as fresh
            app.enter_mark(
                actor=e1,
                competition_id=world.competition,
                competitor_id=people[2],
                aspect_id="A1",
                value="13.00",
            )
        assert refused.value.code == "mark-exists"
        other.enter_mark(
            actor=e2,
            competition_id=world.competition,
            competitor_id=people[3],
            aspect_id="A1",
            value="14.00",
        )
        new = app.enter_mark(  # a new mark on an out-of-date state: lands once
            actor=e1,
            competition_id=world.competition,
            competitor_id=people[3],
            aspect_id="A2",
            value="5.00",
        )
        assert new.recorded
        version = app.competition(world.competition).version
        assert new.version == version
    finally:
        other.close()
    stored = _stored_marks(app)
    assert set(stored.values()) == {1}
    assert sorted(v for (_, _, _, v) in stored) == ["10.00", "11.00", "12.00", "14.00", "5.00"]


def test_marks_from_an_event_loop_and_from_threads_at_once(app):
    """The asynchronous path (the marking endpoint's: the writer thread runs the jobs) and the
    threaded one share each competition's queue: 64 coroutines and 4 threads post marks and
    retries together; every mark is stored once, every answer names the event holding it,
    retries record nothing, refusals record nothing."""
    from domain.errors import DomainError
    from tests.helpers import build_world

    world = build_world(app)
    people = list(world.people.values())
    experts = [world.experts[k] for k in ("e1", "e2", "e3")]
    jobs = [
        (expert, person, aspect, (n + m) % 2 + 1)
        for aspect in ("B1", "B2")
        for n, person in enumerate(people)
        for m, expert in enumerate(experts)
    ]
    jobs += [(experts[0], people[0], "A1", "31.00"), (experts[1], people[1], "Z9", "1")]
    jobs += jobs[:6]  # retries

    async def post(index: int) -> object:
        expert, person, aspect, value = jobs[index]
        try:
            return await app.enter_marks_async(
                actor=expert, competition_id=world.competition, marks=[(person, aspect, value)]
            )
        except DomainError as error:
            return error

    threaded = set(range(0, len(jobs), 7))
    answers: dict[int, object] = {}

    def work(indexes: list[int]) -> None:
        for index in indexes:
            answers[index] = _answer(app, world.competition, jobs[index])

    async def everything() -> None:
        threads = [threading.Thread(target=work, args=(sorted(threaded)[k::4],)) for k in range(4)]
        for thread in threads:
            thread.start()
        coroutine_indexes = [i for i in range(len(jobs)) if i not in threaded]
        results = await asyncio.gather(*(post(i) for i in coroutine_indexes))
        answers.update(zip(coroutine_indexes, results, strict=True))
        for thread in threads:
            await asyncio.to_thread(thread.join, 60)

    asyncio.run(everything())
    _check_answers(app, jobs, answers)
    stored = _stored_marks(app)
    assert set(stored.values()) == {1} and len(stored) == 2 * len(people) * len(experts)


def test_a_closed_registry_refuses_new_asynchronous_work(settings):
    """After ``close`` the writer thread has finished what was queued and new marks are refused
    as a store that cannot be reached (503 through the API), never left hanging."""
    from eventsourcing.persistence import OperationalError

    from tests.helpers import build_world

    registry = RegistryApplication(settings)
    world = build_world(registry)
    person = next(iter(world.people.values()))

    async def one(value: str) -> object:
        return await registry.enter_marks_async(
            actor=world.experts["e1"],
            competition_id=world.competition,
            marks=[(person, "A1", value)],
        )

    assert asyncio.run(one("10.00")).recorded
    registry.close()
    with pytest.raises(OperationalError):
        asyncio.run(one("10.00"))


def test_two_processes_marking_one_competition_at_once(app, settings):
    """Two registries on one store (two API workers), four threads each, marking the same
    competition at once, every mark sent twice: each mark is stored exactly once, with the
    value sent, whichever process took it (SQLite: they take turns through the lock file;
    PostgreSQL: a lost save is decided again on a fresh read)."""
    from tests.helpers import build_world

    world = build_world(app)
    other = RegistryApplication(settings)
    people = list(world.people.values())
    experts = [world.experts[k] for k in ("e1", "e2", "e3")]
    cells = [
        (expert, person, aspect, (n + m + len(aspect)) % 2 + 1)
        for aspect in ("B1", "B2")
        for n, person in enumerate(people)
        for m, expert in enumerate(experts)
    ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(registry: RegistryApplication, offset: int) -> None:
        try:
            barrier.wait()
            for _retry in range(2):
                for expert, person, aspect, value in cells[offset::4]:
                    registry.enter_mark(
                        actor=expert,
                        competition_id=world.competition,
                        competitor_id=person,
                        aspect_id=aspect,
                        value=value,
                    )
        except BaseException as error:
            errors.append(error)

    try:
        threads = [
            threading.Thread(target=work, args=(registry, k))
            for registry in (app, other)
            for k in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
    finally:
        other.close()
    stored = _stored_marks(app)
    assert set(stored.values()) == {1}
    assert sorted((e, p, a, v) for (e, p, a, v) in stored) == sorted(
        (e, p, a, str(v)) for (e, p, a, v) in cells
    )
