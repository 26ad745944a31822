"""Every event type round-trips through the real store (SQLite and PostgreSQL) with exact
types, and an event stored in an older shape is upcast into today's class."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.aggregates import AGGREGATES
from domain.championship import Championship
from domain.prizes import Placing
from domain.values import ChampionshipKind, MarkValue
from store.mapper import MsgspecMapper
from tests.fixtures.events import make_fixtures

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
    """Every event type of every aggregate, made by the domain's own commands — the
    fixture generator's events, with a name holding every Kazakh letter."""
    return make_fixtures.one_of_every_event(full_name=KAZAKH)


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


def test_the_versions_of_several_aggregates_come_from_one_lookup(app):
    """``stored_versions`` (the tokens of one moment checked together) answers what
    ``stored_version`` answers for each aggregate, and leaves out ids with no event."""
    from tests.helpers import build_world

    world = build_world(app)
    ids = [world.competition, *world.experts.values(), *world.people.values()]
    unknown = UUID("00000000-0000-4000-8000-000000000000")
    found = app.stored_versions([*ids, unknown])
    assert found == {i: app.stored_version(i) for i in ids}
    assert all(version >= 1 for version in found.values())
    assert found[world.competition] > 1  # created, then given aspects, entrants, experts
    assert app.stored_versions([]) == {}
    assert app.stored_versions([unknown]) == {}
