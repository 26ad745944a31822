"""A competition's state as a value (``domain.competition_state``): state -> aggregate -> state
round-trips exactly, the aggregate made from a state equals the one replayed from the events
(every attribute, every dict in its order) and behaves the same under further events and
commands; and ``Competition.results`` equals ``competitor_result`` of every entrant."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.competition import Competition
from domain.competition_state import (
    STATE_ATTRIBUTES,
    CompetitionState,
    decode,
    encode,
    from_state,
    to_state,
)
from domain.errors import DomainError
from domain.standings import standings
from domain.values import AspectType
from tests.domain.test_competition import CHIEF, CONFLICTED, E1, E2, E3, E4, ORG, PEOPLE, ready

EXPERTS = (E1, E2, E3, E4, CONFLICTED, CHIEF)
LIBRARY = ("_id", "_version", "_created_on", "_modified_on")


def recorded(competition: Competition) -> dict[str, Any]:
    """Every recorded attribute, dicts as lists of items (so their order counts)."""
    values: dict[str, Any] = {name: getattr(competition, name) for name in LIBRARY}
    for name in STATE_ATTRIBUTES:
        value = getattr(competition, name)
        if name == "judgements":
            value = [(key, list(scores.items())) for key, scores in value.items()]
        elif isinstance(value, dict):
            value = list(value.items())
        values[name] = value
    return values


def history(seed: int, steps: int = 120) -> list[Any]:
    """The events of a competition driven by random commands (a refusal records nothing):
    marks entered in a random order and corrected, sign-offs (withdrawn by later changes),
    a lock, sometimes a reopening, publication, amendments."""
    rng = random.Random(seed)
    c = ready()
    people = [PEOPLE[key][0] for key in PEOPLE]
    aspects = list(c.scheme)
    plan = [
        (person, aspect, expert)
        for person in people
        for aspect in aspects
        for expert in (
            (rng.choice((E1, E2, E3)),)
            if aspect.type is AspectType.MEASUREMENT
            else rng.sample((E1, E2, E3, E4), 3)
        )
    ]
    rng.shuffle(plan)

    base = {(p, a.id): rng.randrange(3) for p in people for a in aspects}

    def value_for(person: Any, aspect: Any) -> Any:
        if aspect.type is AspectType.MEASUREMENT:
            return f"{rng.uniform(0, float(aspect.max_mark)):.2f}"
        if rng.random() < 0.05:
            return rng.randrange(4)  # maybe disputed, until a correction
        return base[(person, aspect.id)] + rng.randrange(2)

    for _ in range(steps):
        roll = rng.random()
        person, aspect = rng.choice(people), rng.choice(aspects)
        expert = rng.choice(EXPERTS)
        value = value_for(person, aspect)
        status = str(c.status)
        try:
            if status == "marking" and plan and roll < 0.75:
                person, aspect, expert = plan.pop()
                c.enter_marks(actor=expert, marks=[(person, aspect.id, value_for(person, aspect))])
            elif status == "marking" and roll < 0.35:
                c.correct_mark(
                    actor=expert,
                    competitor_id=person,
                    aspect_id=aspect.id,
                    value=value,
                    reason="Қате енгізілді",
                )
            elif status == "marking" and roll < 0.85:
                c.sign_off(actor=expert)
            elif status == "marking":
                c.lock(actor=CHIEF, override_reason="Уақыт бітті")
            elif status == "locked" and roll < 0.2:
                c.reopen(actor=ORG, reason="Қайта ашу")
            elif status == "locked":
                c.publish(actor=ORG)
            else:
                c.amend_mark(
                    actor=ORG,
                    competitor_id=person,
                    aspect_id=aspect.id,
                    value=value,
                    reason="Апелляция",
                    expert_id=expert if aspect.type is AspectType.JUDGEMENT else None,
                )
        except DomainError:
            pass
    return list(c.collect_events())


def replay(events: list[Any]) -> Competition:
    competition = None
    for event in events:
        competition = event.mutate(competition)
    assert competition is not None
    return competition


def round_trip(competition: Competition) -> Competition:
    state = to_state(competition)
    again = decode(encode(state))
    assert again == state
    restored = from_state(again)
    assert to_state(restored) == state
    return restored


@pytest.mark.parametrize("seed", range(6))
def test_every_version_round_trips_and_equals_the_replay(seed):
    events = history(seed)
    assert len(events) > 50
    kinds = {type(e).__name__ for e in events}
    assert {"MarksEntered", "SignedOff"} <= kinds, kinds
    competition = None
    for event in events:
        competition = event.mutate(copy.deepcopy(competition))
        restored = round_trip(competition)
        assert recorded(restored) == recorded(competition), event.originator_version
        assert standings(restored) == standings(competition)
        # nothing else is kept: an attribute the aggregate gains must join the state
        assert {k for k in vars(restored) if not k.startswith("_")} == STATE_ATTRIBUTES
        assert {k for k in vars(competition) if not k.startswith("_")} == STATE_ATTRIBUTES


@pytest.mark.parametrize("seed", range(6, 10))
def test_a_restored_competition_goes_on_as_the_replayed_one(seed):
    """The next events apply to it alike, and a command on it records the same event."""
    events = history(seed, steps=160)
    middle = len(events) // 2
    restored = round_trip(replay(events[:middle]))
    for event in events[middle:]:
        event.mutate(restored)
    replayed = replay(events)
    assert recorded(restored) == recorded(replayed)
    assert standings(restored) == standings(replayed)
    person = PEOPLE["dmitry"][0]
    results = []
    for competition in (restored, replayed):
        try:
            competition.amend_mark(
                actor=ORG, competitor_id=person, aspect_id="A1", value="1.25", reason="Тексеру"
            )
            competition.sign_off(actor=E2)
        except DomainError as refusal:
            results.append(("refused", refusal.code))
            continue
        results.append(
            [
                {k: v for k, v in vars(e).items() if k != "timestamp"}
                for e in competition.collect_events()
            ]
        )
    assert results[0] == results[1]


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=200))
def test_any_moment_of_any_history_round_trips(seed, steps):
    events = history(seed, steps)
    version = random.Random(seed).randrange(1, len(events) + 1)
    competition = replay(events[:version])
    assert recorded(round_trip(competition)) == recorded(competition)


def test_measured_values_keep_their_places_and_people_outside_the_lists_count():
    c = ready()
    c.enter_marks(actor=E1, marks=[(PEOPLE["alikhan"][0], "A1", "0.50")])
    c.collect_events()
    stranger = PEOPLE["aigul"][0]
    # as an aggregate could hold them: 0.5 and 0.50 are equal numbers, not the same text
    c.measurements[(stranger, "A1")] = (Decimal("0.5"), E2)
    c.mark_versions[(stranger, "A1", None)] = 9
    state = to_state(c)
    restored = from_state(decode(encode(state)))
    values = [str(value) for value, _ in restored.measurements.values()]
    assert values == ["0.50", "0.5"]
    assert recorded(restored) == recorded(c)


def test_a_competition_with_pending_events_has_no_state():
    c = ready()
    with pytest.raises(ValueError):
        to_state(c)
    c.collect_events()
    assert isinstance(to_state(c), CompetitionState)


@pytest.mark.parametrize("seed", range(4))
def test_results_together_equal_each_competitors_result(seed):
    """``results`` gathers the marks of many competitors in one pass: the totals and
    subtotals are exactly those of ``competitor_result``, whichever path it takes."""
    events = history(seed, steps=200)
    for version in (len(events) // 3, len(events)):
        competition = replay(events[:version])
        one_by_one = copy.deepcopy(competition)
        expected = {c: one_by_one.competitor_result(c) for c in one_by_one.entrants}
        fresh = copy.deepcopy(competition)
        fresh.__dict__.pop("_results_memo", None)
        assert fresh.results() == expected  # every entrant missing: one pass
        partly = copy.deepcopy(competition)
        partly.__dict__.pop("_results_memo", None)
        partly.competitor_result(next(iter(partly.entrants)))
        assert partly.results() == expected
        assert list(partly.results()) == list(competition.entrants)
