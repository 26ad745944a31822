"""Every event type round-trips through the real store (SQLite and PostgreSQL) with exact
types, and an event stored in an older shape is upcast into today's class."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import msgspec
from eventsourcing.persistence import StoredEvent

from domain.aggregates import (
    AGGREGATES,
    Account,
    Championship,
    Organisation,
    Participant,
    PrizeProgramme,
)
from domain.prizes import Placing, Prize
from domain.values import Aspect, AspectType, ChampionshipKind, Level, MarkValue
from registry.mapper import MsgspecMapper

FIXTURES = Path(__file__).parent.parent / "fixtures"
KAZAKH = "Әлихан Ғабит Қайрат Ңң Өмір Ұлан Үміт Һ Іңкәр"


def all_event_classes() -> set[type]:
    classes = set()
    for aggregate in AGGREGATES:
        for name, value in vars(aggregate).items():
            if isinstance(value, type) and getattr(value, "TOPIC", None) and name != "Event":
                classes.add(value)
    return classes


def one_of_every_event() -> list:
    """Every event type of every aggregate, made by the domain's own commands."""
    actor = uuid4()
    at = datetime(2025, 5, 13, 9, 30, 15, 123456, tzinfo=UTC)
    org = Organisation.register(
        actor=actor,
        name_ru="Ульбинский металлургический завод",
        name_kk="Үлбі металлургия зауыты",
        kind="enterprise",
        region="VKO",
        at=at,
    )
    other = Organisation.register(
        actor=actor, name_ru="Колледж", name_kk="Колледж", kind="college", region="VKO", at=at
    )
    person = Participant.register(
        actor=actor,
        full_name=KAZAKH,
        organisation_id=other.id,
        birth_date=date(2008, 2, 29),
        disability="нарушение слуха",
        at=at,
    )
    account = Account.create(
        actor=actor, name="Бас сарапшы Қасым", role="chief_expert", token_hash="ab" * 32
    )
    expert = Account.create(actor=actor, name="Сарапшы", role="expert", token_hash="cd" * 32)
    championship = Championship.create(
        actor=actor,
        kind="abilympics",
        level="republican",
        year=2025,
        region="AST",
        title_ru="Абилимпикс-2025",
        title_kk="Абилимпикс-2025",
        title_en="Abilympics 2025",
        starts_on=date(2025, 10, 1),
        ends_on=date(2025, 10, 3),
        tie_tolerance=Decimal("0.5"),
        min_competitors_for_medals=2,
        at=at,
    )
    competition = championship.add_competition(
        actor=actor, code="sewing", title_ru="Швея", title_kk="Тігінші", category="students", at=at
    )
    scheme = (
        Aspect("A1", "A", "Точность кроя", Decimal("60.00"), AspectType.MEASUREMENT),
        Aspect("B1", "B", "Өнімнің сыртқы түрі", Decimal("40.00"), AspectType.JUDGEMENT),
    )
    competition.set_scheme(actor=actor, aspects=scheme)
    competition.add_entrant(
        actor=actor,
        participant_id=person.id,
        full_name=person.full_name,
        organisation_id=other.id,
        region="VKO",
    )
    competition.assign_expert(
        actor=actor, account_id=account.id, name=account.name, role="chief", organisation_id=org.id
    )
    for helper in (expert.id, uuid4()):
        competition.assign_expert(
            actor=actor, account_id=helper, name="Э", role="expert", organisation_id=org.id
        )
    account.grant_scope(actor=actor, competition_id=competition.id)
    competition.start(actor=actor)
    competition.enter_marks(actor=account.id, marks=[(person.id, "A1", "59.99")])
    for marker in list(competition.experts)[:3]:
        competition.enter_marks(actor=marker, marks=[(person.id, "B1", 2)])
    competition.correct_mark(
        actor=account.id, competitor_id=person.id, aspect_id="A1", value="58.50", reason="перемер"
    )
    competition.lock(actor=account.id)
    competition.reopen(actor=account.id, reason="жалоба участника")
    competition.lock(actor=account.id)
    competition.publish(actor=actor)
    competition.amend_mark(
        actor=actor, competitor_id=person.id, aspect_id="A1", value="57.25", reason="апелляция"
    )
    account.rotate_token(actor=actor, token_hash="ef" * 32)
    account.revoke(actor=actor, reason="сменил работу")
    programme = PrizeProgramme.create(
        actor=actor,
        title_ru="Призы акима ВКО — Год рабочих профессий 2025",
        title_kk="ШҚО әкімінің сыйлықтары — 2025",
        year=2025,
        region="VKO",
        kinds=("worldskills", "abilympics"),
        prizes_by_place=(
            Prize(1, "Ноутбук", 500_000),
            Prize(2, "Планшет", 300_000),
            Prize(3, "Сертификат", 150_000),
        ),
        at=at,
    )
    placing = Placing(
        championship.id,
        competition.id,
        person.id,
        person.full_name,
        other.id,
        "VKO",
        ChampionshipKind.ABILYMPICS,
        Level.REPUBLICAN,
        2,
    )
    programme.consider(actor=actor, placing=placing, reason="Абилимпикс-2025, 2 место")
    [entry] = programme.entries
    programme.decide(actor=actor, entry_id=entry, decision="approve")
    programme.decide(actor=actor, entry_id=entry, decision="award", awarded_on=date(2025, 12, 20))
    programme.consider(
        actor=actor, placing=msgspec.structs.replace(placing, place=4), reason="Поправка: 4 место"
    )
    _, nomination = programme.define_nomination(
        actor=actor, title_ru="Лучший меценат года", title_kk="Жылдың үздік меценаты"
    )
    _, nominee = programme.nominate(
        actor=actor,
        nomination_id=nomination,
        organisation_id=org.id,
        citation="За поддержку колледжей",
    )
    programme.decide_nominee(
        actor=actor, nomination_id=nomination, nominee_id=nominee, decision="approve"
    )
    events = []
    for aggregate in (org, other, person, account, expert, championship, competition, programme):
        events.extend(aggregate.collect_events())
    return events


def test_every_event_type_round_trips_exactly(app):
    events = one_of_every_event()
    assert {type(e) for e in events} == all_event_classes(), "an event type is not covered"
    app.events.put(events)
    by_aggregate: dict[UUID, list] = {}
    for event in events:
        by_aggregate.setdefault(event.originator_id, []).append(event)
    for aggregate_id, originals in by_aggregate.items():
        stored = list(app.events.get(aggregate_id))
        assert stored == originals
        for before, after in zip(originals, stored, strict=True):
            for name, value in vars(before).items():
                again = getattr(after, name)
                assert type(again) is type(value), (type(before).__name__, name)
                if isinstance(value, Decimal):
                    assert str(again) == str(value)  # places kept: "58.50" stays "58.50"
                if isinstance(value, tuple):
                    assert [type(v) for v in again] == [type(v) for v in value]
            assert (
                after.timestamp.tzinfo is not None
                and after.timestamp.utcoffset().total_seconds() == 0
            )


def test_kazakh_and_russian_text_is_stored_as_utf8(app):
    events = one_of_every_event()
    app.events.put(events)
    notifications = app.recorder.select_notifications(start=None, limit=100)
    texts = b"".join(n.state for n in notifications)
    assert KAZAKH.encode() in texts
    assert "Өнімнің сыртқы түрі".encode() in texts


def test_marks_keep_two_places_in_the_stored_bytes(app):
    events = one_of_every_event()
    app.events.put(events)
    corrected = [
        n
        for n in app.recorder.select_notifications(start=None, limit=100)
        if n.topic == "registry.Competition.MarkCorrected"
    ]
    state = json.loads(corrected[0].state)
    assert state["mark"]["value"] == "58.50" and state["previous"] == "59.99"


def test_an_event_stored_in_the_v1_shape_is_upcast(app):
    """Championship.Created v1 (before title_en) as its bytes sat in the store."""
    raw = (FIXTURES / "championship_created_v1.json").read_bytes()
    assert b"title_en" not in raw and b"class_version" not in raw
    championship_id = UUID("9336cc46-eccb-5c4a-88a6-521c557e19fd")
    app.recorder.insert_events(
        [StoredEvent(championship_id, 1, "registry.Championship.Created", raw)]
    )
    championship = app.championship(championship_id)
    assert championship.title_en is None
    assert championship.title_kk == "WorldSkills Shygys 2025 өңірлік чемпионаты"
    assert championship.kind is ChampionshipKind.WORLDSKILLS
    assert (
        championship.tie_tolerance == Decimal("0.00") and str(championship.tie_tolerance) == "0.00"
    )
    assert championship.starts_on == date(2025, 5, 12)
    # Re-encoding writes today's shape, with its class version.
    event = next(iter(app.events.get(championship_id)))
    assert isinstance(event, Championship.Created)
    again = json.loads(MsgspecMapper(transcoder=None).to_stored_event(event).state)  # type: ignore[arg-type]
    assert again["class_version"] == 2 and again["title_en"] is None


def test_mark_values_are_structs_after_decoding(app):
    events = one_of_every_event()
    app.events.put(events)
    competition = next(e.originator_id for e in events if hasattr(e, "marks"))
    entered = [e for e in app.events.get(competition) if hasattr(e, "marks")]
    assert entered and all(isinstance(m, MarkValue) for e in entered for m in e.marks)
    programme = events[-1].originator_id
    proposed = [e for e in app.events.get(programme) if hasattr(e, "placing")]
    assert proposed and all(isinstance(e.placing, Placing) for e in proposed)
