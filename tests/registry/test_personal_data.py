"""Personal data (issue 13 points 12-13) on SQLite and PostgreSQL: a person's birth date and
disability are stored only sealed with their own key (``store.keys``, a table beside the
events); ``erase_personal_data`` records who erased them and why and destroys the key, after
which no read returns them while results, standings and the seal chain stay as they were.
People registered before sealing existed (``Participant.Created`` v1-v2, in the clear) stay
readable through upcasting; erasing them hides their data from every read, but the old
events, never edited, still hold it (README "Personal data and erasure")."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import DomainError
from domain.participant import Participant, PersonalData
from projections.queries import ViewQueries
from projections.runner import Projector
from projections.seal import verify_seals
from projections.store import ViewStore
from store.keys import TABLE, PersonalKeys
from tests.helpers import ORGANISER, build_world, mark_everything, sign_off_all

FIXTURES = Path(__file__).parent.parent / "fixtures" / "events"
BORN, DISABILITY = date(2006, 2, 3), "нарушение слуха (тугоухость II степени)"


@pytest.fixture
def views(app):
    store = ViewStore(app.settings)
    yield store
    store.close()


def stored_bytes(app) -> list[bytes]:
    return [n.state for n in app.recorder.select_notifications(start=None, limit=100_000)]


def register(app, org, **extra):
    return app.register_participant(
        actor=ORGANISER,
        full_name="Сейткали Мадина",
        organisation_id=org,
        birth_date=BORN,
        disability=DISABILITY,
        **extra,
    )


def test_a_new_person_is_stored_sealed_and_read_back_opened(app):
    org = build_world(app, kind="abilympics", start=False).orgs["college_a"]
    person = register(app, org)
    for state in stored_bytes(app):
        assert DISABILITY.encode() not in state and b"2006-02-03" not in state
    participant = app.participant(person.id)
    assert participant.sealed.startswith("k1:") and participant.disability is None
    assert app.personal_data(person.id) == PersonalData(BORN, DISABILITY)
    assert PersonalKeys(app.settings, app.recorder.datastore).key_of(person.id) is not None
    # a repeat answers the first registration (the sealed texts differ, the data does not)
    again = register(app, org)
    assert (again.id, again.position, again.recorded) == (person.id, person.position, False)
    with pytest.raises(DomainError) as refused:
        app.register_participant(
            actor=ORGANISER,
            full_name="Сейткали Мадина",
            organisation_id=org,
            birth_date=BORN,
            disability="другое",
        )
    assert refused.value.code == "already-exists"


def _published(app, views):
    world = build_world(app, kind="abilympics")
    names = list(world.people)
    mark_everything(
        app,
        world,
        {n: (f"{20 + i}.00", "15.00") for i, n in enumerate(names)},
        {n: ((2, 2, 2), (1, 1, 1)) for n in names},
    )
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    app.publish(actor=ORGANISER, competition_id=world.competition)
    Projector(app, views).catch_up()
    return world


def test_erasure_destroys_the_key_and_leaves_results_and_seals_as_they_were(app, views):
    world = _published(app, views)
    person = world.people["Нұрланов Әлихан"]
    queries = ViewQueries(views)
    standings = queries.standings(world.competition)
    results = queries.participant_results(person)
    created = app.participant(person).sealed
    key = PersonalKeys(app.settings, app.recorder.datastore).key_of(person)
    assert key is not None and len(key) == 32
    assert app.personal_data(person) == PersonalData(date(2004, 3, 1), None)
    assert verify_seals(app, views).ok

    erased = app.erase_personal_data(actor=ORGANISER, participant_id=person, reason="заявление")
    assert erased.recorded
    [event] = list(app.events.get(person, gt=erased.version - 1))
    assert isinstance(event, Participant.PersonalDataErased)
    assert (event.actor, event.reason) == (ORGANISER, "заявление")

    assert app.personal_data(person) is None
    keys = PersonalKeys(app.settings, app.recorder.datastore)
    assert keys.key_of(person) is None and keys.erased(person)
    if app.settings.backend == "sqlite":  # the key's bytes are gone from the files, WAL too
        folder = Path(app.settings.sqlite_path).parent
        assert not [f for f in folder.iterdir() if f.is_file() and key in f.read_bytes()]
    assert keys.open(person, created) is None  # the sealed text never opens again
    assert created.encode() in b"".join(stored_bytes(app))  # the event itself is untouched
    Projector(app, views).catch_up()
    queries = ViewQueries(views)
    assert queries.standings(world.competition).rows == standings.rows
    assert queries.participant_results(person) == results
    assert verify_seals(app, views).ok

    again = app.erase_personal_data(actor=ORGANISER, participant_id=person, reason="повтор")
    assert (again.recorded, again.position) == (False, erased.position)
    with pytest.raises(DomainError) as refused:  # the data is never recorded again
        app.register_participant(
            actor=ORGANISER,
            full_name="Нұрланов Әлихан",
            organisation_id=world.orgs["college_a"],
            birth_date=date(2004, 3, 1),
        )
    assert refused.value.code == "already-exists"
    # the key row is a tombstone: no key in it
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT COUNT(*) AS n FROM {keys.table} WHERE key IS NOT NULL")
        assert cursor.fetchone()["n"] == len(world.people) - 1
    assert TABLE in keys.table


def test_erasing_an_unknown_participant_is_refused(app):
    with pytest.raises(DomainError) as refused:
        app.erase_personal_data(
            actor=ORGANISER, participant_id=uuid5(NAMESPACE_URL, "x"), reason="r"
        )
    assert refused.value.code == "not-found"


@pytest.mark.parametrize("version", [1, 2])
def test_a_person_registered_before_sealing_is_read_and_erased_from_reads(app, version):
    """The old shapes hold the data in the clear: it is read through upcasting, and after an
    erasure no read returns it — but the old event's bytes still hold it (never edited)."""
    raw = (FIXTURES / f"registry.Participant.Created.v{version}.json").read_bytes()
    person = uuid5(NAMESPACE_URL, f"old-participant-v{version}")
    app.recorder.insert_events([StoredEvent(person, 1, Participant.Created.TOPIC, raw)])
    assert app.personal_data(person) == PersonalData(date(2008, 2, 29), "нарушение слуха")
    app.erase_personal_data(actor=ORGANISER, participant_id=person, reason="заявление")
    assert app.personal_data(person) is None
    assert "нарушение слуха".encode() in b"".join(stored_bytes(app))  # the honest limit
