"""The demo history: idempotent, deterministic, and telling the story it promises."""

from __future__ import annotations

from collections import Counter

from domain.standings import standings
from domain.values import CompetitionStatus, Medal
from registry import demo_data as data
from registry.application import RegistryApplication
from registry.demo import load_demo
from registry.settings import parse_database_url


def history(app: RegistryApplication) -> list[tuple]:
    return [
        (n.originator_id, n.originator_version, n.topic, n.state)
        for n in app.recorder.select_notifications(start=None, limit=1_000_000)
    ]


def test_demo_twice_adds_nothing_the_second_time(app):
    first = load_demo(app)
    assert first.added > 500
    assert first.events_after == app.event_count()
    second = load_demo(app)
    assert second.added == 0
    assert app.event_count() == first.events_after
    assert app.head_position() == first.head_position


def test_demo_is_deterministic(app, tmp_path):
    load_demo(app)
    other = RegistryApplication(parse_database_url(f"sqlite:///{tmp_path}/other.sqlite"))
    try:
        load_demo(other)
        assert history(other) == history(app)
    finally:
        other.close()


def test_demo_tells_its_story(app):
    report = load_demo(app)
    codes = [line.split(":")[0] for line in report.refusals]
    assert codes == ["disputed-aspect", "conflict-of-interest"]
    topics = Counter(n.topic for n in app.recorder.select_notifications(start=None, limit=100_000))
    assert topics["registry.Championship.Created"] == len(data.CHAMPIONSHIPS) == 4
    competitions = sum(len(c.competitions) for c in data.CHAMPIONSHIPS)
    assert topics["registry.Competition.Published"] == competitions
    assert topics["registry.Competition.MarkCorrected"] >= 4
    assert topics["registry.Competition.Reopened"] == 1
    assert topics["registry.Competition.MarkAmended"] == 1
    events = list(app.recorder.select_notifications(start=None, limit=100_000))
    decoded = [app.mapper.to_domain_event(n) for n in events]
    reasons = [e.reason for e in decoded if hasattr(e, "reason")]
    assert reasons and all(r.strip() for r in reasons)
    regional = next(c for c in data.CHAMPIONSHIPS if c.level == "regional")
    assert len(regional.competitions) >= 6
    champs = {
        app.championship(e.originator_id).title_ru: e.originator_id
        for e in decoded
        if type(e).__name__ == "Created" and e.originator_topic == "registry.Championship"
    }
    # Every regional competition is published and won by the competitor listed first.
    regional_id = champs[regional.title_ru]
    people = {p.key: p.full_name for p in data.PEOPLE}
    for competition_id, spec in zip(
        app.championship(regional_id).competition_ids, regional.competitions, strict=True
    ):
        competition = app.competition(competition_id)
        assert competition.status is CompetitionStatus.PUBLISHED
        top = standings(competition).rows[0]
        assert (top.rank, top.medal, top.full_name) == (1, Medal.GOLD, people[spec.competitors[0]])
    # VKO competitors place at the republican championships.
    podium = [line for line in report.podiums if "WorldSkills Kazakhstan" in line]
    assert podium


def test_rejected_conflict_of_interest_left_no_trace(app):
    load_demo(app)
    expert_key = data.CONFLICT_OF_INTEREST_DEMO[2]
    expert_name = next(e.name for e in data.EXPERTS if e.key == expert_key)
    expert_org = next(e.organisation for e in data.EXPERTS if e.key == expert_key)
    same_org = {p.full_name for p in data.PEOPLE if p.organisation == expert_org}
    events = [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=None, limit=100_000)
    ]
    account = next(
        e.originator_id
        for e in events
        if type(e).__name__ == "Created" and getattr(e, "name", None) == expert_name
    )
    for event in events:
        if type(event).__name__ == "MarksEntered" and event.actor == account:
            competition = app.competition(event.originator_id)
            for mark in event.marks:
                assert competition.entrants[mark.competitor_id].full_name not in same_org
