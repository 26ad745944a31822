"""The demo history: idempotent, deterministic, and telling the story it promises."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from uuid import UUID

import pytest

from demo import data
from demo.history import ORGANISER_NAME, load_demo
from domain import ids
from domain.errors import DomainError
from domain.prizes import EntryStatus
from domain.standings import standings
from domain.values import CompetitionStatus, Medal
from registry.application import RegistryApplication
from store.settings import parse_database_url


def history(app: RegistryApplication) -> list[tuple]:
    """Every stored event; a person's sealed personal data (a random key and nonce per
    store, issue 13) as what it opens to."""
    events = []
    for n in app.recorder.select_notifications(start=None, limit=1_000_000):
        state = n.state
        if n.topic == "registry.Participant.Created":
            opened = app.personal_data(n.originator_id)
            opened_text = repr(opened).encode()
            state = re.sub(rb'"sealed":"[^"]*"', lambda _, text=opened_text: text, state)
        events.append((n.originator_id, n.originator_version, n.topic, state))
    return events


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
    assert topics["registry.Championship.Created"] == len(data.ALL_CHAMPIONSHIPS) == 5
    competitions = sum(len(c.competitions) for c in data.CHAMPIONSHIPS)  # 2025: all published
    assert topics["registry.Competition.Published"] == competitions
    assert topics["registry.Competition.MarkCorrected"] >= 4
    assert topics["registry.Competition.Reopened"] == 1
    assert topics["registry.Competition.MarkAmended"] == 1
    events = list(app.recorder.select_notifications(start=None, limit=100_000))
    decoded = [app.mapper.to_domain_event(n) for n in events]
    # every reason given is a real one (approvals and awards carry none)
    reasons = [e.reason for e in decoded if getattr(e, "reason", None) is not None]
    assert reasons and all(r.strip() for r in reasons)
    for event in decoded:
        if type(event).__name__ == "EntryDecided" and event.decision in ("reject", "revoke"):
            assert event.reason
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


def test_demo_prize_programme(app):
    """The 2025 programme: an entry for every VKO competitor placed 1-3 in a published
    republican competition (worked out here from the standings, not from the policy), the
    seed's three nominations with their winners, decisions, and the amendment's review."""
    load_demo(app)
    spec = data.PRIZE_PROGRAMME
    programme = app.prize_programme(ids.programme_id(spec.region, spec.year, spec.title_ru))
    expected = set()
    for champ in data.CHAMPIONSHIPS:
        if champ.level != "republican":
            continue
        championship_id = ids.championship_id(champ.kind, champ.level, champ.year, champ.region)
        for competition_id in app.championship(championship_id).competition_ids:
            competition = app.competition(competition_id)
            assert competition.status is CompetitionStatus.PUBLISHED
            for row in standings(competition).rows:
                if row.region == "VKO" and row.rank <= 3:
                    expected.add((competition_id, row.competitor_id, row.rank))
    held = {
        (e.placing.competition_id, e.placing.competitor_id, e.placing.place)
        for e in programme.entries.values()
    }
    assert held == expected and len(expected) >= 10
    statuses = Counter(e.status for e in programme.entries.values())
    assert statuses[EntryStatus.AWARDED] >= 5
    assert statuses[EntryStatus.APPROVED] >= 1
    assert statuses[EntryStatus.PROPOSED] == 1
    assert statuses[EntryStatus.NEEDS_REVIEW] == 1
    [flagged] = [e for e in programme.entries.values() if e.status is EntryStatus.NEEDS_REVIEW]
    assert flagged.placing.place == 3 and flagged.prize.place == 3
    assert "2 → 3" in flagged.reason
    orgs = {o.key: ids.organisation_id(o.region, o.name_ru) for o in data.ORGANISATIONS}
    winners = {n.title_ru: {orgs[w] for w in n.winners} for n in data.NOMINATIONS}
    # the seed's winners (000_dfeed33ddd862e01.txt)
    assert winners["Лучший меценат года"] == {orgs["kazzinc"]}
    assert winners["Лучший социальный партнер"] == {orgs[k] for k in ("uktmk", "umz", "uktec")}
    assert winners["Партнер непрерывного образования"] == {orgs[k] for k in ("vku", "vktu", "kasu")}
    held_nominees = {
        n.title_ru: {x.organisation_id for x in n.nominees.values()}
        for n in programme.nominations.values()
    }
    assert held_nominees == winners
    assert all(
        x.status is EntryStatus.APPROVED
        for n in programme.nominations.values()
        for x in n.nominees.values()
    )


def test_demo_rerun_never_decides_entries_of_later_results(app, monkeypatch):
    """Issue 13, point 7: after the demo, a republican result published through the
    application makes the policy propose new entries in the demo's programme; running the
    demo again decides none of them (they are the akimat's), and adds nothing at all."""
    from registry.policy import PrizePolicy
    from tests.prizes_world import build_prize_world

    load_demo(app)
    register = app.register_organisation

    def register_elsewhere(**organisation):  # the test world's colleges are not the demo's
        return register(**{**organisation, "name_ru": organisation["name_ru"] + " (тест)"})

    monkeypatch.setattr(app, "register_organisation", register_elsewhere)
    spec = data.PRIZE_PROGRAMME
    programme_id = ids.programme_id(spec.region, spec.year, spec.title_ru)
    demo_entries = set(app.prize_programme(programme_id).entries)
    build_prize_world(app)
    PrizePolicy(app).catch_up()
    entries = app.prize_programme(programme_id).entries
    later = {entry_id: entry for entry_id, entry in entries.items() if entry_id not in demo_entries}
    assert len(later) == 3
    assert {entry.status for entry in later.values()} == {EntryStatus.PROPOSED}
    monkeypatch.undo()
    before = app.event_count()
    again = load_demo(app)
    assert again.added == 0 and app.event_count() == before
    after = app.prize_programme(programme_id).entries
    assert {entry_id: after[entry_id] for entry_id in later} == later


# ------------------------------------------------------------------ 2026: still in progress


def _competitions_2026(app: RegistryApplication) -> dict[str, tuple[data.DemoCompetition, UUID]]:
    """The 2026 championship's competitions by competency: (their table row, their id)."""
    champ = data.CHAMPIONSHIP_2026
    championship_id = ids.championship_id(champ.kind, champ.level, champ.year, champ.region)
    stored = app.championship(championship_id).competition_ids
    planned = {
        ids.competition_id(championship_id, c.competency, c.category): c for c in champ.competitions
    }
    assert set(stored) == set(planned)
    return {planned[i].competency: (planned[i], i) for i in stored}


def test_the_2026_championship_is_in_progress(app):
    """Issue 15, point 13: a championship of 2026 under way on 2 December 2026, each of its
    competitions in the state its stage names, built through the application's commands."""
    load_demo(app)
    champ = data.CHAMPIONSHIP_2026
    championship = app.championship(
        ids.championship_id(champ.kind, champ.level, champ.year, champ.region)
    )
    assert championship.year == 2026 and championship.title_ru.endswith("2026»")
    assert championship.starts_on <= date(2026, 12, 2) <= championship.ends_on
    people = {p.key: p for p in data.PEOPLE}
    competencies = {c.code: c for c in data.COMPETENCIES}
    accounts = {e.key: ids.account_id(e.name) for e in data.EXPERTS}
    by_stage: dict[str, list[str]] = {}
    for code, (spec, competition_id) in _competitions_2026(app).items():
        by_stage.setdefault(spec.stage, []).append(code)
        state = app.competition(competition_id)
        planned_entrants = {people[k].full_name for k in spec.competitors}
        entrants = {e.full_name for e in state.entrants.values()}
        panel = {accounts[spec.chief], *(accounts[k] for k in spec.experts)}
        scheme = [a.id for a in competencies[code].scheme]
        if spec.stage == "setup":  # entrants and experts, no scheme yet
            assert state.status is CompetitionStatus.SETUP
            assert not state.scheme and entrants == planned_entrants
            assert set(state.experts) == panel
            continue
        assert [a.id for a in state.scheme] == scheme
        if spec.stage == "setup_partial":  # the scheme, some entrants, only the chief
            assert state.status is CompetitionStatus.SETUP
            assert entrants < planned_entrants and entrants
            assert set(state.experts) == {accounts[spec.chief]}
            continue
        assert entrants == planned_entrants and set(state.experts) == panel
        present, expected = state.marks_present(), state.marks_expected()
        markers = {
            e.actor for e in app.events.get(competition_id) if type(e).__name__ == "MarksEntered"
        }
        assert len(markers) >= 3, code  # several experts marked
        if spec.stage == "marking":
            assert state.status is CompetitionStatus.MARKING
            assert 0 < present < expected, (code, present, expected)
            assert not state.disputed() and not state.signed_off
        elif spec.stage == "disputed":
            assert state.status is CompetitionStatus.MARKING and present == expected
            [(competitor, aspect_id)] = state.disputed()
            key, position, aspect = data.DISPUTE_2026
            assert (code, aspect_id) == (key, aspect)
            assert (
                state.entrants[competitor].full_name == people[spec.competitors[position]].full_name
            )
            scores = sorted(state.judgements[(competitor, aspect_id)].values())
            assert len(scores) == 3 and scores[-1] - scores[0] > 1
            # the experts signed off; the chief has the dispute to settle, and cannot lock
            assert [e.account_id for e in state.not_signed_off()] == [accounts[spec.chief]]
            before = app.event_count()
            with pytest.raises(DomainError) as refused:
                app.lock(actor=accounts[spec.chief], competition_id=competition_id)
            assert refused.value.code == "disputed-aspect" and app.event_count() == before
        else:
            assert spec.stage == "locked"
            assert state.status is CompetitionStatus.LOCKED and present == expected
            assert not state.disputed() and not state.not_signed_off()
            [locked] = [e for e in app.events.get(competition_id) if type(e).__name__ == "Locked"]
            assert locked.override_reason is None and locked.actor == accounts[spec.chief]
        # no expert marked a competitor of their own organisation
        for event in app.events.get(competition_id):
            if type(event).__name__ == "MarksEntered":
                home = state.experts[event.actor].organisation_id
                assert all(
                    state.entrants[m.competitor_id].organisation_id != home for m in event.marks
                )
    assert {stage: len(codes) for stage, codes in by_stage.items()} == {
        "locked": 1,
        "disputed": 1,
        "marking": 2,
        "setup_partial": 1,
        "setup": 1,
    }
    # nothing of 2026 is published, and nothing of it is dated after "today"
    last = app.mapper.to_domain_event(
        list(app.recorder.select_notifications(start=None, limit=1_000_000))[-1]
    )
    assert championship.starts_on <= last.timestamp.date() <= date(2026, 12, 2)


def test_work_on_the_2026_championship_then_the_demo_again_adds_nothing(app):
    """The pages' work on the demo (the chief settles the dispute, which withdraws an
    expert's sign-off; an expert marks; the organiser adds an entrant and publishes the
    locked competition) is never undone nor redone by running the demo again."""
    load_demo(app)
    competitions = _competitions_2026(app)
    accounts = {e.key: ids.account_id(e.name) for e in data.EXPERTS}
    people = {p.key: p for p in data.PEOPLE}
    organiser = ids.account_id(ORGANISER_NAME)

    spec, disputed = competitions[data.DISPUTE_2026[0]]
    state = app.competition(disputed)
    [(competitor, aspect_id)] = state.disputed()
    low = min(state.judgements[(competitor, aspect_id)].items(), key=lambda kv: kv[1])[0]
    app.correct_mark(
        actor=accounts[spec.chief],
        competition_id=disputed,
        competitor_id=competitor,
        aspect_id=aspect_id,
        value=2,
        expert_id=low,
        reason="Решение главного эксперта после обсуждения",
    )
    assert low in {e.account_id for e in app.competition(disputed).not_signed_off()}

    spec, marking = competitions[data.TOKENS_2026["marking"]]
    state = app.competition(marking)
    expert = accounts[spec.experts[0]]
    home = state.experts[expert].organisation_id
    cell = next(
        (p, a.id)
        for p, entrant in state.entrants.items()
        for a in state.scheme
        if entrant.organisation_id != home
        and a.type.value == "measurement"
        and (p, a.id) not in state.measurements
    )
    app.enter_mark(
        actor=expert, competition_id=marking, competitor_id=cell[0], aspect_id=cell[1], value="1.00"
    )

    spec, partial = next(c for c in competitions.values() if c[0].stage == "setup_partial")
    missing = next(
        k
        for k in spec.competitors
        if people[k].full_name
        not in {e.full_name for e in app.competition(partial).entrants.values()}
    )
    person = people[missing]
    org = next(o for o in data.ORGANISATIONS if o.key == person.organisation)
    registered = app.register_participant(  # a repeat: answers the registered person's id
        actor=organiser,
        full_name=person.full_name,
        organisation_id=ids.organisation_id(org.region, org.name_ru),
        birth_date=date.fromisoformat(person.birth_date),
        disability=person.disability,
    )
    assert not registered.recorded
    app.add_entrant(actor=organiser, competition_id=partial, participant_id=registered.id)

    _, locked = next(c for c in competitions.values() if c[0].stage == "locked")
    app.publish(actor=organiser, competition_id=locked)

    before = app.event_count()
    again = load_demo(app)
    assert again.added == 0 and app.event_count() == before
    assert low in {e.account_id for e in app.competition(disputed).not_signed_off()}
    assert app.competition(locked).status is CompetitionStatus.PUBLISHED
