"""A synthetic event history shaped like real championships, for benchmarks and big tests.

Events are made by the domain's own commands (so every rule holds) and stored in bulk through
the application's mapper and recorder. Each championship has 10 competitions of 20
competitors, schemes of 6 measurement and 4 judgement aspects, 4 experts and a chief; marks
arrive as sheets (a competitor's measurements, each expert's judgement scores) in half of the
competitions and one mark per event in the other half, interleaved across competitions as
they would be in a workshop; a few corrections; every competition locked and published.

The builders of a championship's cast (``organisations``, ``expert_accounts``,
``participants``, ``open_for_marking``) serve ``bench/audit_feed.py``'s big competition too.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.account import Account
from domain.championship import Championship
from domain.competition import Competition
from domain.ids import SYSTEM_ACTOR
from domain.organisation import Organisation
from domain.participant import Participant
from domain.values import Aspect, AspectType

if TYPE_CHECKING:
    from registry.application import RegistryApplication

COMPETITIONS = 10
COMPETITORS = 20
Clock = Callable[[], datetime]


def _aspects(
    prefix: str, criteria: str, description: str, kind: AspectType, count: int
) -> list[Aspect]:
    """``count`` aspects of 10.00: the first half of criterion ``criteria[0]``, the rest of
    ``criteria[1]``."""
    return [
        Aspect(
            f"{prefix}{i}", criteria[i * 2 // count], f"{description} {i}", Decimal("10.00"), kind
        )
        for i in range(count)
    ]


SCHEME = (
    *_aspects("A", "AB", "Измерение", AspectType.MEASUREMENT, 6),
    *_aspects("J", "CD", "Судейская оценка", AspectType.JUDGEMENT, 4),
)
REGIONS = ("VKO", "AST", "ALA", "KAR", "PAV", "ABA", "AKM")


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=3)
        return self.now


def organisations(
    actor: UUID, kind: str, names: Sequence[tuple[str, str, str]], clock: Clock
) -> list[Organisation]:
    """Organisations of ``kind``, one per ``(name_ru, name_kk, region)``."""
    return [
        Organisation.register(
            actor=actor, name_ru=ru, name_kk=kk, kind=kind, region=region, at=clock()
        )
        for ru, kk, region in names
    ]


def expert_accounts(actor: UUID, names: Sequence[str], clock: Clock) -> list[Account]:
    """Experts' accounts (no token); the first is the chief expert."""
    return [
        Account.create(
            actor=actor,
            name=name,
            role="chief_expert" if i == 0 else "expert",
            token_hash="",
            at=clock(),
        )
        for i, name in enumerate(names)
    ]


def participants(
    actor: UUID, names: Sequence[str], orgs: Sequence[Organisation], born: int, clock: Clock
) -> list[Participant]:
    """Participants of ``orgs`` in turn, born in the year ``born`` on dates spread over it."""
    return [
        Participant.register(
            actor=actor,
            full_name=name,
            organisation_id=orgs[i % len(orgs)].id,
            birth_date=date(born, 1 + i % 12, 1 + i % 28),
            at=clock(),
        )
        for i, name in enumerate(names)
    ]


def open_for_marking(
    competition: Competition,
    actor: UUID,
    people: Sequence[Participant],
    region: str,
    experts: Sequence[Account],
    expert_org: Organisation,
    clock: Clock,
) -> None:
    """Enter ``people`` (as of ``region``), assign ``experts`` of ``expert_org`` (the first as
    the chief) and start marking."""
    for person in people:
        competition.add_entrant(
            actor=actor,
            participant_id=person.id,
            full_name=person.full_name,
            organisation_id=person.organisation_id,
            region=region,
            at=clock(),
        )
    for i, expert in enumerate(experts):
        competition.assign_expert(
            actor=actor,
            account_id=expert.id,
            name=expert.name,
            role="chief" if i == 0 else "expert",
            organisation_id=expert_org.id,
            at=clock(),
        )
    competition.start(actor=actor, at=clock())


def _championship(number: int, rng: random.Random, clock: _Clock) -> Iterator[list[Any]]:
    """Yield lists of pending events (one list per aggregate touched), in recording order."""
    actor = SYSTEM_ACTOR
    year = 2000 + number % 100
    region = REGIONS[number % len(REGIONS)]
    colleges = [
        (f"Колледж №{number}-{i}", f"№{number}-{i} колледж", REGIONS[(number + i) % len(REGIONS)])
        for i in range(8)
    ]
    orgs = organisations(actor, "college", colleges, clock)
    enterprise = (f"Предприятие №{number}", f"№{number} кәсіпорын", region)
    [expert_org] = organisations(actor, "enterprise", [enterprise], clock)
    yield [*orgs, expert_org]
    experts = expert_accounts(actor, [f"Эксперт {number}-{i}" for i in range(5)], clock)
    yield experts
    names = [f"Қатысушы {number}-{i}" for i in range(COMPETITIONS * COMPETITORS // 2)]
    people = participants(actor, names, orgs, 2004, clock)
    yield people
    championship = Championship.create(
        actor=actor,
        kind="worldskills",
        level="republican" if number % 2 else "regional",
        year=year,
        region=region,
        title_ru=f"Чемпионат {number}",
        title_kk=f"Чемпионат {number}",
        starts_on=date(year, 5, 1),
        ends_on=date(year, 5, 5),
        at=clock(),
    )
    competitions = []
    for c in range(COMPETITIONS):
        competition = championship.add_competition(
            actor=actor,
            code=f"skill{c}",
            title_ru=f"Компетенция {c}",
            title_kk=f"Құзырет {c}",
            category="main",
            at=clock(),
        )
        competition.set_scheme(actor=actor, aspects=SCHEME, at=clock())
        entrants = [people[(c * COMPETITORS // 2 + p) % len(people)] for p in range(COMPETITORS)]
        open_for_marking(competition, actor, entrants, orgs[0].region, experts, expert_org, clock)
        competitions.append(competition)
    yield [championship, *competitions]

    # Marking, interleaved across competitions.
    plans = [
        _marking_plan(c, competition, experts, rng) for c, competition in enumerate(competitions)
    ]
    while plans:
        for plan in list(plans):
            step = next(plan, None)
            if step is None:
                plans.remove(plan)
                continue
            step(clock())
            yield [step.__self__] if hasattr(step, "__self__") else []
    for competition in competitions:
        for expert in competition.not_signed_off():  # RULES.md: every expert signs off
            competition.sign_off(actor=expert.account_id, at=clock())
        competition.lock(actor=experts[0].id, at=clock())
        competition.publish(actor=actor, at=clock())
    yield competitions


class _Step:
    def __init__(self, competition: Competition, fn: Any) -> None:
        self.__self__ = competition
        self.fn = fn

    def __call__(self, at: datetime) -> None:
        self.fn(at)


def _marking_plan(
    index: int, competition: Competition, experts: list[Account], rng: random.Random
) -> Iterator[_Step]:
    sheets = index % 2 == 0
    markers = experts[1:]
    for competitor in list(competition.entrants):
        skill = rng.uniform(0.4, 0.95)
        values = [
            (
                competitor,
                a.id,
                str(
                    (a.max_mark * Decimal(str(round(skill + rng.uniform(-0.05, 0.05), 2))))
                    .quantize(Decimal("0.01"))
                    .min(a.max_mark)
                    .max(Decimal("0.00"))
                ),
            )
            for a in SCHEME
            if a.type is AspectType.MEASUREMENT
        ]
        marker = markers[rng.randrange(len(markers))].id
        if sheets:
            yield _Step(
                competition,
                lambda at, v=values, m=marker: competition.enter_marks(actor=m, marks=v, at=at),
            )
        else:
            for value in values:
                yield _Step(
                    competition,
                    lambda at, v=value, m=marker: competition.enter_marks(
                        actor=m, marks=[v], at=at
                    ),
                )
        base = max(0, min(3, round(skill * 3)))
        for n, expert in enumerate(markers[:3]):
            scores = [
                (competitor, a.id, max(0, min(3, base + (n % 2) * rng.choice((-1, 0, 1)))))
                for a in SCHEME
                if a.type is AspectType.JUDGEMENT
            ]
            if sheets:
                yield _Step(
                    competition,
                    lambda at, s=scores, e=expert.id: competition.enter_marks(
                        actor=e, marks=s, at=at
                    ),
                )
            else:
                for score in scores:
                    yield _Step(
                        competition,
                        lambda at, s=score, e=expert.id: competition.enter_marks(
                            actor=e, marks=[s], at=at
                        ),
                    )
        if rng.random() < 0.05:
            aspect, value = values[0][1], Decimal(values[0][2])
            new = value - Decimal("0.50") if value >= Decimal("0.50") else value + Decimal("0.50")
            yield _Step(
                competition,
                lambda at, a=aspect, n=new, m=marker, c=competitor: competition.correct_mark(
                    actor=m, competitor_id=c, aspect_id=a, value=n, reason="Ошибка ввода", at=at
                ),
            )


def generate(app: RegistryApplication, events: int, *, seed: int = 2025, chunk: int = 2_000) -> int:
    """Store about ``events`` synthetic events (whole championships); returns how many."""
    rng = random.Random(seed)
    clock = _Clock()
    mapper = app.mapper
    pending: list[Any] = []
    written = 0
    number = 0
    while written + len(pending) < events:
        number += 1
        for aggregates in _championship(number, rng, clock):
            for aggregate in aggregates:
                pending.extend(mapper.to_stored_event(e) for e in aggregate.collect_events())
            if len(pending) >= chunk:
                app.recorder.insert_events(pending)
                written += len(pending)
                pending = []
    if pending:
        app.recorder.insert_events(pending)
        written += len(pending)
    return written
