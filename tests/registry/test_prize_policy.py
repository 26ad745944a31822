"""The prize policy (RULES.md "Prizes and nominations"), on SQLite and PostgreSQL.

Proposals follow published results exactly once: when the policy runs again, replays from
zero, meets a repeated publication, runs twice at once, or is killed (SIGKILL) mid-way and
restarted. Amendments flag affected entries ``needs_review`` and propose newcomers.
Expected entries are worked out by hand in ``tests/prizes_world.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from domain.errors import DomainError
from domain.ids import PRIZE_POLICY_ACTOR, SYSTEM_ACTOR
from domain.prizes import EntryStatus
from registry.policy import PrizePolicy
from tests.helpers import sign_off_all
from tests.prizes_world import EXPECTED, build_prize_world, create_programme

ROOT = Path(__file__).resolve().parents[2]


def entries(app, programme_id) -> set[tuple[str, int, int]]:
    programme = app.prize_programme(programme_id)
    return {
        (e.placing.full_name, e.placing.place, e.prize.amount_kzt)
        for e in programme.entries.values()
    }


def proposed_events(app) -> Counter:
    """EntryProposed events per (programme, entry): each must be 1."""
    counts: Counter = Counter()
    for n in app.recorder.select_notifications(start=None, limit=1_000_000):
        if n.topic == "registry.PrizeProgramme.EntryProposed":
            event = app.mapper.to_domain_event(n)
            counts[(event.originator_id, event.entry_id)] += 1
    return counts


def test_publication_proposes_each_eligible_competitor_exactly_once(app):
    w = build_prize_world(app, publish=False)
    programme = create_programme(app, w.akimat)
    policy = PrizePolicy(app)
    policy.catch_up()
    assert entries(app, programme) == set()  # nothing is published yet
    sign_off_all(app, w.world)
    app.lock(actor=w.world.experts["chief"], competition_id=w.world.competition)
    app.publish(actor=SYSTEM_ACTOR, competition_id=w.world.competition)
    assert policy.catch_up() == 1
    assert entries(app, programme) == EXPECTED
    held = app.prize_programme(programme)
    for entry in held.entries.values():
        assert entry.status is EntryStatus.PROPOSED
        assert entry.placing.region == "VKO"
    events = app.event_count()
    # again, from zero under another name, after a repeated publication: nothing new
    assert policy.catch_up() == 0
    assert PrizePolicy(app, name="replay-from-zero").catch_up() >= 1
    repeat = app.publish(actor=SYSTEM_ACTOR, competition_id=w.world.competition)
    assert repeat.recorded is False
    assert PrizePolicy(app).catch_up() == 0
    assert app.event_count() == events
    assert set(proposed_events(app).values()) == {1}
    # every proposal records its actor and a reason naming championship, competency, place
    for n in app.recorder.select_notifications(start=None, limit=100_000):
        if n.topic.endswith("EntryProposed"):
            event = app.mapper.to_domain_event(n)
            assert event.actor == PRIZE_POLICY_ACTOR
            assert "Тестовый чемпионат 2025" in event.reason
            assert "Сварочные технологии" in event.reason
            assert f"{event.placing.place} место" in event.reason


def test_regional_results_never_qualify(app):
    w = build_prize_world(app, level="regional")
    programme = create_programme(app, w.akimat)
    PrizePolicy(app).catch_up()
    assert entries(app, programme) == set()


def test_other_region_year_or_kind_never_qualify(app):
    w = build_prize_world(app)
    other_region = create_programme(app, w.akimat, title="Призы акима области Абай", region="ABA")
    other_year = create_programme(app, w.akimat, title="Призы акима ВКО 2026", year=2026)
    other_kind = create_programme(app, w.akimat, title="Призы Абилимпикс", kinds=("abilympics",))
    vko = create_programme(app, w.akimat)
    PrizePolicy(app).catch_up()
    assert entries(app, other_region) == set()
    assert entries(app, other_year) == set()
    assert entries(app, other_kind) == set()
    assert entries(app, vko) == EXPECTED


def test_programme_created_after_publication_picks_up_the_results(app):
    w = build_prize_world(app)
    policy = PrizePolicy(app)
    assert policy.catch_up() == 1  # the publication: no programme yet
    programme = create_programme(app, w.akimat)
    assert policy.catch_up() == 1  # the programme's creation
    assert entries(app, programme) == EXPECTED


def test_amendment_flags_decided_entries_and_proposes_a_newcomer(app):
    w = build_prize_world(app)
    programme_id = create_programme(app, w.akimat)
    policy = PrizePolicy(app)
    policy.catch_up()
    held = app.prize_programme(programme_id)
    by_name = {e.placing.full_name: e.id for e in held.entries.values()}
    for name in ("Нұрланов Әлихан", "Қасымова Айгүл"):
        app.decide_prize_entry(
            actor=w.akimat, programme_id=programme_id, entry_id=by_name[name], decision="approve"
        )
    # Өмірбекова's measurements are amended to the full marks: she ties the Astana winner
    # for 1st; Нұрланов falls to 3rd, Қасымова and Иванов to 4th.
    person = w.world.people["Өмірбекова Ұлжан"]
    for aspect, value in (("A1", "30.00"), ("A2", "20.00")):
        app.amend_mark(
            actor=SYSTEM_ACTOR,
            competition_id=w.world.competition,
            competitor_id=person,
            aspect_id=aspect,
            value=value,
            reason="Апелляционная комиссия: ошибка в протоколе измерений",
        )
    assert policy.catch_up() == 2
    held = app.prize_programme(programme_id)
    state = {
        e.placing.full_name: (e.placing.place, e.status, e.prize.amount_kzt if e.prize else None)
        for e in held.entries.values()
    }
    assert state == {
        "Нұрланов Әлихан": (3, EntryStatus.NEEDS_REVIEW, 150_000),  # approved, moved
        "Қасымова Айгүл": (4, EntryStatus.NEEDS_REVIEW, None),  # approved, no prize now
        "Иванов Дмитрий Сергеевич": (4, EntryStatus.NEEDS_REVIEW, None),  # proposed, lost it
        "Өмірбекова Ұлжан": (1, EntryStatus.PROPOSED, 500_000),  # newly in a prize place
    }
    flagged = held.entries[by_name["Нұрланов Әлихан"]]
    assert "2 → 3" in flagged.reason
    # the akimat settles the review: confirm the one still placed, revoke the others
    app.decide_prize_entry(
        actor=w.akimat,
        programme_id=programme_id,
        entry_id=by_name["Нұрланов Әлихан"],
        decision="approve",
    )
    with pytest.raises(DomainError) as refused:
        app.decide_prize_entry(
            actor=w.akimat,
            programme_id=programme_id,
            entry_id=by_name["Қасымова Айгүл"],
            decision="approve",
        )
    assert refused.value.code == "invalid-state"
    app.decide_prize_entry(
        actor=w.akimat,
        programme_id=programme_id,
        entry_id=by_name["Қасымова Айгүл"],
        decision="revoke",
        reason="После поправки — 4 место",
    )
    events = app.event_count()
    assert PrizePolicy(app, name="replay").catch_up() >= 1
    assert app.event_count() == events  # a replay from zero changes nothing
    assert set(proposed_events(app).values()) == {1}


def test_two_policies_at_once_propose_once(app):
    w = build_prize_world(app, publish=False)
    programmes = [create_programme(app, w.akimat, title=f"Программа {i}") for i in range(6)]
    sign_off_all(app, w.world)
    app.lock(actor=w.world.experts["chief"], competition_id=w.world.competition)
    app.publish(actor=SYSTEM_ACTOR, competition_id=w.world.competition)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            PrizePolicy(app).catch_up()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    for programme in programmes:
        assert entries(app, programme) == EXPECTED
    assert set(proposed_events(app).values()) == {1}
    assert len(proposed_events(app)) == 3 * len(programmes)


def _policy_process(app, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "REGISTRY_DATABASE_URL": app.settings.database_url}
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "policy", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_killed_and_restarted_policy_process_proposes_exactly_once(app):
    """The real ``registry policy`` process is SIGKILLed while it works through a backlog of
    programmes created after a publication; what it stored is whole (every programme it
    tracked has its three entries, none other has any), and the restarted process completes
    the rest without proposing anything twice."""
    w = build_prize_world(app)
    policy = PrizePolicy(app)
    policy.catch_up()  # the publication (no programme yet)
    programmes = [create_programme(app, w.akimat, title=f"Программа №{i}") for i in range(120)]
    created_at = {p: app.position_of(p, 1) for p in programmes}
    last = max(created_at.values())
    process = _policy_process(app)
    try:
        deadline = time.monotonic() + 60
        while app.tracked_position(PrizePolicy.NAME) < min(created_at.values()):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the policy process did not start working"
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    reached = app.tracked_position(PrizePolicy.NAME)
    assert reached < last, "killed too late to prove anything"
    for programme, position in created_at.items():
        expected = EXPECTED if position <= reached else set()
        assert entries(app, programme) == expected, (position, reached)
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "policy", "--exit-when-caught-up"],
        cwd=ROOT,
        env={**os.environ, "REGISTRY_DATABASE_URL": app.settings.database_url},
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert app.tracked_position(PrizePolicy.NAME) >= last
    for programme in programmes:
        assert entries(app, programme) == EXPECTED
    counts = proposed_events(app)
    assert len(counts) == 3 * len(programmes) and set(counts.values()) == {1}
