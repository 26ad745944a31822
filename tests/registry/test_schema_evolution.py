"""Schema evolution (issue 6): every event type has a fixture of its stored bytes, kept in
``tests/fixtures/events/`` (``<topic>.v<class_version>.json``, written once by
``make_fixtures.py`` and never overwritten), and every fixture — today's shapes and every
older one — decodes with the current code, through the real store (SQLite and PostgreSQL)
and the application's mapper. A change of an event's shape without a new class version and
an upcaster fails here; so does a new event type without a fixture."""

from __future__ import annotations

import json
import re
import typing
from datetime import date, datetime
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from domain.aggregates import AGGREGATES
from domain.championship import Championship
from domain.participant import Participant
from store.mapper import MsgspecMapper

FIXTURES = Path(__file__).parent.parent / "fixtures" / "events"
NAME = re.compile(r"^(?P<topic>registry\.[A-Za-z.]+)\.v(?P<version>[0-9]+)\.json$")


def event_classes() -> list[type]:
    classes = []
    for aggregate in AGGREGATES:
        for name, value in vars(aggregate).items():
            if isinstance(value, type) and getattr(value, "TOPIC", None) and name != "Event":
                classes.append(value)
    return classes


def fixtures() -> list[tuple[str, int, bytes]]:
    found = []
    for path in sorted(FIXTURES.glob("*.json")):
        match = NAME.match(path.name)
        assert match, f"{path.name}: fixtures are named <topic>.v<class_version>.json"
        found.append((match["topic"], int(match["version"]), path.read_bytes()))
    return found


def current_version(cls: type) -> int:
    return int(getattr(cls, "class_version", 1))


def test_every_event_class_has_a_fixture_of_every_shape_it_ever_had():
    names = {(topic, version) for topic, version, _ in fixtures()}
    missing = [
        f"{get_topic(cls)}.v{version}.json"
        for cls in event_classes()
        for version in range(1, current_version(cls) + 1)
        if (get_topic(cls), version) not in names
    ]
    assert not missing, (
        f"no stored fixture for {missing}: run `python tests/fixtures/events/make_fixtures.py` "
        "(for an older shape: restore the bytes it had; they are never regenerated)"
    )


def test_every_fixture_names_a_known_topic_and_a_shape_not_newer_than_its_class():
    for topic, version, raw in fixtures():
        cls = resolve_topic(topic)
        assert get_topic(cls) == topic, topic
        assert 1 <= version <= current_version(cls), (topic, version)
        state = json.loads(raw)
        assert state.get("class_version", 1) == version, (topic, version)


def _check_types(event: object) -> None:
    """Every field holds exactly the type its annotation names (msgspec agrees, strictly)."""
    cls = type(event)
    hints = typing.get_type_hints(cls)
    for name, hint in hints.items():
        if name in ("originator_id", "originator_version"):  # the library's, checked apart
            continue
        if name.startswith("_") or typing.get_origin(hint) is typing.ClassVar:
            continue
        value = getattr(event, name)
        again = msgspec.convert(msgspec.to_builtins(value), type=hint, strict=False)
        assert again == value and type(again) is type(value), (cls.__qualname__, name, value)
    assert (
        isinstance(event.timestamp, datetime) and event.timestamp.utcoffset().total_seconds() == 0
    )
    assert isinstance(event.actor, UUID)


def test_every_fixture_decodes_through_the_store_and_the_mapper(app):
    """Stored on SQLite and PostgreSQL exactly as in the file, read back and decoded."""
    items = fixtures()
    ids = {(t, v): uuid5(NAMESPACE_URL, f"fixture:{t}:v{v}") for t, v, _ in items}
    app.recorder.insert_events([StoredEvent(ids[(t, v)], 1, t, raw) for t, v, raw in items])
    stored = {
        (n.topic, n.originator_id): n.state
        for n in app.recorder.select_notifications(start=None, limit=1000)
    }
    encode = MsgspecMapper(transcoder=None).to_stored_event  # type: ignore[arg-type]
    for topic, version, raw in items:
        originator_id = ids[(topic, version)]
        assert stored[(topic, originator_id)] == raw, "the store keeps the bytes exactly"
        [event] = list(app.events.get(originator_id))  # decoded by the application's mapper
        cls = resolve_topic(topic)
        assert type(event) is cls
        assert (event.originator_id, event.originator_version) == (originator_id, 1)
        _check_types(event)
        again = json.loads(encode(event).state)
        if version == current_version(cls):
            # today's shape: every field came back with its value (decimals keep places)
            assert again == json.loads(raw), topic
        else:
            # an older shape: re-encoded in today's shape, which decodes to the same event
            assert again.get("class_version", 1) == current_version(cls)
            assert app.mapper.to_domain_event(encode(event)) == event


@pytest.mark.parametrize("version", [1, 2, 3])
def test_participant_created_v1_v2_are_upcast_to_v3(version):
    """v2 renamed ``birth_date`` to ``born_on`` (dates of events are ``*_on``) and added
    ``name_latin`` (default None); v3 added ``sealed`` (issue 13: the birth date and the
    disability sealed with the person's key, the clear fields left None). All three shapes
    decode into today's class; the older ones keep their fields in the clear."""
    raw = (FIXTURES / f"registry.Participant.Created.v{version}.json").read_bytes()
    assert (b'"birth_date"' in raw) is (version == 1)
    event = MsgspecMapper(transcoder=None).to_domain_event(  # type: ignore[arg-type]
        StoredEvent(UUID(int=1), 1, "registry.Participant.Created", raw)
    )
    assert isinstance(event, Participant.Created) and Participant.Created.class_version == 4
    assert event.distinct_from == ()  # v4 (issue 15): nobody declared distinct before
    assert not hasattr(event, "birth_date")
    latin = None if version == 1 else "Nurlanov Alikhan"  # v1 had no such field
    assert event.name_latin == latin and event.full_name == "Нұрланов Әлихан"
    participant = event.mutate(None)
    if version < 3:
        assert event.sealed is None and event.born_on == date(2008, 2, 29)
        assert event.disability == "нарушение слуха"
        assert participant.birth_date == date(2008, 2, 29) and participant.name_latin == latin
    else:  # nothing personal in the clear
        assert event.born_on is None and event.disability is None
        assert event.sealed.startswith("k1:") and b"2008" not in raw
        assert participant.birth_date is None and participant.sealed == event.sealed


def test_participant_created_v4_records_whom_the_organiser_declared_distinct():
    raw = (FIXTURES / "registry.Participant.Created.v4.json").read_bytes()
    event = MsgspecMapper(transcoder=None).to_domain_event(  # type: ignore[arg-type]
        StoredEvent(UUID(int=1), 1, "registry.Participant.Created", raw)
    )
    assert event.distinct_from == (UUID("6d0c3c0e-4b1a-5f0e-9a51-2f6b9d1e7c33"),)
    assert event.mutate(None).distinct_from == event.distinct_from


def test_prize_programme_created_v1_is_upcast_with_the_default_eligibility():
    """v2 (issue 15) records the programme's eligibility; a v1 programme was decided by the
    rule of its time, which is the default: republican, its kinds, region, year and places."""
    from domain.prizes import Eligibility
    from domain.values import ChampionshipKind, Level

    decoded = {}
    for version in (1, 2):
        raw = (FIXTURES / f"registry.PrizeProgramme.Created.v{version}.json").read_bytes()
        decoded[version] = MsgspecMapper(transcoder=None).to_domain_event(  # type: ignore[arg-type]
            StoredEvent(UUID(int=3), 1, "registry.PrizeProgramme.Created", raw)
        )
    kinds = (ChampionshipKind.ABILYMPICS, ChampionshipKind.WORLDSKILLS)
    assert decoded[1].eligibility == Eligibility(kinds, (Level.REPUBLICAN,), (1, 2, 3), "VKO", 2025)
    assert decoded[2].eligibility.levels == (Level.INTERNATIONAL, Level.REPUBLICAN)
    assert decoded[2].prizes[2].amount_kzt is None  # a prize in kind
    assert decoded[1].mutate(None).eligibility == decoded[1].eligibility


def test_championship_created_v1_is_upcast_to_v2():
    raw = (FIXTURES / "registry.Championship.Created.v1.json").read_bytes()
    event = MsgspecMapper(transcoder=None).to_domain_event(  # type: ignore[arg-type]
        StoredEvent(UUID(int=2), 1, "registry.Championship.Created", raw)
    )
    assert isinstance(event, Championship.Created) and event.title_en is None
    assert str(event.tie_tolerance) == "0.00" and event.starts_on == date(2025, 5, 12)


def test_the_generator_never_overwrites_a_fixture(tmp_path, monkeypatch, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    kept = tmp_path / "registry.Participant.Created.v4.json"
    kept.write_bytes(b"the bytes of an older run")
    assert module.main() == 0
    assert kept.read_bytes() == b"the bytes of an older run"
    written = {p.name for p in tmp_path.glob("*.json")}
    assert written == {f"{get_topic(c)}.v{current_version(c)}.json" for c in event_classes()}
    # Today's shapes, made again, are the committed bytes (the generator is deterministic).
    for path in tmp_path.glob("*.json"):
        if path != kept:
            assert path.read_bytes() == (FIXTURES / path.name).read_bytes(), path.name
    assert "1 existing kept" in capsys.readouterr().out
