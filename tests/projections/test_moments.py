"""Checkpoints of competitions for time travel (``projections/moments.py``), SQLite and
PostgreSQL: written every ``CHECKPOINT_EVERY`` versions from the events alone (position,
latest timestamp, publication, state), the same by a restarted projector and by a rebuild;
and every moment found from them — by position and by time, with the views behind or
caught up, segments evicted and read again — equals the full replay's answer."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from domain.competition import Competition
from domain.competition_state import decode, from_state, to_state
from domain.standings import standings
from projections import moments, time_travel
from projections.runner import Projector, rebuild
from tests.domain.test_competition_state import recorded
from tests.helpers import ORGANISER, World, build_world, mark_everything, sign_off_all
from tests.projections.conftest import dump
from tests.registry.test_application import JUDGE, MEASURE

IVANOV = "Иванов Дмитрий Сергеевич"
EVERY = 5


class WobblyClock:
    """A second a step, but every seventh step 3.5 s back (a writer whose clock is behind),
    so a competition's timestamps are not in version order everywhere."""

    def __init__(self) -> None:
        self.now = datetime(2025, 5, 12, 4, 0, tzinfo=UTC)
        self.steps = 0

    def __call__(self) -> datetime:
        self.steps += 1
        back = self.steps % 7 == 0
        self.now += timedelta(seconds=-3.5 if back else 1)
        return self.now


@pytest.fixture
def every(monkeypatch):
    monkeypatch.setattr(moments, "CHECKPOINT_EVERY", EVERY)
    return EVERY


def correct_back_and_forth(app, world: World, times: int) -> None:
    for i in range(times):
        app.correct_mark(
            actor=world.experts["e1"],
            competition_id=world.competition,
            competitor_id=world.people[IVANOV],
            aspect_id="A2",
            value="17.50" if i % 2 == 0 else "18.00",
            reason="Перемер: Қ/Ұ",
        )


def amend_back_and_forth(app, world: World, times: int) -> None:
    for i in range(times):
        app.amend_mark(
            actor=ORGANISER,
            competition_id=world.competition,
            competitor_id=world.people[IVANOV],
            aspect_id="A2",
            value="16.75" if i % 2 == 0 else "18.00",
            reason="Апелляция",
        )


def finish(app, world: World) -> None:
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    app.publish(actor=ORGANISER, competition_id=world.competition)
    for value in ("30.00", "27.25", "29.00"):
        app.amend_mark(
            actor=ORGANISER,
            competition_id=world.competition,
            competitor_id=world.people[IVANOV],
            aspect_id="A1",
            value=value,
            reason="Апелляция (Әділқазылар алқасы)",
        )


def story(app) -> World:
    app.clock = WobblyClock()
    world = build_world(app)
    mark_everything(app, world, MEASURE, JUDGE)
    correct_back_and_forth(app, world, 9)
    finish(app, world)
    return world


def events_of(app, competition_id):
    return list(app.events.get(competition_id))


def checkpoint_rows(views) -> list[dict]:
    rows = views.fetchall(f"SELECT * FROM {views.table(moments.TABLE)} ORDER BY version")
    return [dict(row) for row in rows]


def test_checkpoints_come_from_the_events_alike_incremental_restarted_and_rebuilt(
    app, views, every
):
    app.clock = WobblyClock()
    world = build_world(app)
    Projector(app, views, batch_size=3).catch_up()
    mark_everything(app, world, MEASURE, JUDGE)
    correct_back_and_forth(app, world, 5)
    # a projector of another process: it never saw the competition's earlier events
    Projector(app, views, batch_size=4).catch_up()
    correct_back_and_forth(app, world, 4)
    finish(app, world)
    Projector(app, views, batch_size=7).catch_up()

    events = events_of(app, world.competition)
    assert len(events) >= 8 * every
    rows = checkpoint_rows(views)
    assert [row["version"] for row in rows] == list(range(every, len(events) + 1, every))
    latest = None
    published = False
    by_version = {}
    for event in events:
        latest = event.timestamp if latest is None else max(latest, event.timestamp)
        published = published or isinstance(event, Competition.Published)
        by_version[event.originator_version] = (moments.micros(latest), published)
    # the clock went back: a version's timestamp is not always the latest so far
    assert any(e.timestamp < events[i - 1].timestamp for i, e in enumerate(events) if i)
    for row in rows:
        version = row["version"]
        assert row["competition_id"] == str(world.competition)
        assert row["position"] == app.position_of(world.competition, version)
        assert (row["latest"], bool(row["published"])) == by_version[version]
        replayed = app.repository.get(world.competition, version=version)
        state = decode(row["state"])
        assert state == to_state(replayed)
        assert recorded(from_state(state)) == recorded(replayed)
    assert {bool(row["published"]) for row in rows} == {False, True}

    incremental = dump(views)
    rebuild(app, views, ["results"])
    assert dump(views) == incremental
    rebuild(app, views)
    assert dump(views) == incremental


def replayed_moment(travel: time_travel.TimeTravel, competition_id, as_of):
    timeline = travel.timeline(competition_id)
    assert timeline is not None
    return travel.at(timeline, as_of)


def answer(app, moment) -> tuple:
    if moment is None:
        return (None,)
    body = msgspec.json.encode(time_travel.standings_at(app, moment))
    return (moment.version, moment.as_of_position, moment.position, moment.time, body)


def moments_to_ask(app, competition_id, rng: random.Random) -> list[time_travel.AsOf]:
    """Every position from before the competition to the head, and times: each event's own,
    a microsecond either side, and random ones in between."""
    events = events_of(app, competition_id)
    first = app.position_of(competition_id, 1)
    asked = [time_travel.AsOf(position=p) for p in range(first - 2, app.head_position() + 1)]
    stamps = sorted({e.timestamp for e in events})
    tiny = timedelta(microseconds=1)
    for stamp in stamps:
        asked += [time_travel.AsOf(moment=stamp + d) for d in (-tiny, timedelta(0), tiny)]
    for _ in range(30):
        offset = timedelta(seconds=rng.uniform(-2, (stamps[-1] - stamps[0]).total_seconds() + 2))
        asked.append(time_travel.AsOf(moment=stamps[0] + offset))
    rng.shuffle(asked)
    return asked


def test_every_moment_from_checkpoints_equals_the_full_replay(app, views, every):
    world = story(app)
    # the views have reached only part of the history: the later moments start further back
    Projector(app, views).catch_up(until=app.position_of(world.competition, 3 * every + 2))
    amend_back_and_forth(app, world, 3)
    replay = time_travel.TimeTravel(app)  # no views: every moment replayed from creation
    rng = random.Random(17)
    for stage in ("views behind", "views caught up"):
        # few segments kept: they are evicted and read again
        travel = time_travel.TimeTravel(app, views, segment_budget=100)
        history = travel.history(world.competition)
        assert history is not None and history.published
        assert len(history.marks) >= 3
        asked = moments_to_ask(app, world.competition, rng)
        assert len(asked) > 150
        for as_of in asked:
            got = travel.at(travel.history(world.competition), as_of)
            expected = replayed_moment(replay, world.competition, as_of)
            assert answer(app, got) == answer(app, expected), (stage, as_of)
            if got is not None:
                fresh = app.repository.get(world.competition, version=got.version)
                assert standings(got.competition) == standings(fresh)
                assert recorded(got.competition) == recorded(fresh)
        Projector(app, views).catch_up()
    assert (
        len(travel.history(world.competition).marks)
        == len(events_of(app, world.competition)) // every
    )


def test_moments_of_a_growing_competition_asked_from_many_threads(app, views, every):
    world = story(app)
    projector = Projector(app, views, batch_size=5, poll_interval=0.05).start()
    travel = time_travel.TimeTravel(app, views, segment_budget=150)
    replay = time_travel.TimeTravel(app)
    failures: list[BaseException] = []

    def ask(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(40):
                head = app.head_position()
                as_of = time_travel.AsOf(position=rng.randrange(head - 40, head + 1))
                history = travel.history(world.competition)
                assert history is not None
                got = answer(app, travel.at(history, as_of))
                assert got == answer(app, replayed_moment(replay, world.competition, as_of))
        except BaseException as error:  # reported below
            failures.append(error)

    try:
        threads = [threading.Thread(target=ask, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        amend_back_and_forth(app, world, 6)
        for thread in threads:
            thread.join()
    finally:
        projector.stop()
    assert not failures, failures[0]


def test_a_time_travel_without_checkpoints_in_the_views_still_answers(app, views):
    """A store older than the checkpoints (or views being rebuilt): no rows, every moment
    replayed from the competition's creation."""
    world = story(app)
    Projector(app, views).catch_up()
    assert checkpoint_rows(views) == []  # fewer versions than CHECKPOINT_EVERY
    travel = time_travel.TimeTravel(app, views)
    replay = time_travel.TimeTravel(app)
    head = time_travel.AsOf(position=app.head_position())
    history = travel.history(world.competition)
    assert history is not None
    assert answer(app, travel.at(history, head)) == answer(
        app, replayed_moment(replay, world.competition, head)
    )
    assert travel.history(world.orgs["kazzinc"]) is None  # not a competition


def test_organisation_names_looked_up_together_equal_one_by_one(app):
    """The as_of answer names the entrants' organisations in one query (``prefetch``); the
    names are those found one by one, blank for an id that is no organisation's."""
    from domain.organisation import Organisation
    from projections.audit_feed import CreatedNames

    world = build_world(app)
    keys = [str(k) for k in world.orgs.values()]
    keys += [str(world.competition), "5e1f0c3a-0000-4000-8000-000000000000", "not-a-uuid"]
    one_by_one = CreatedNames(app, Organisation.Created.TOPIC, "name_ru")
    expected = {key: one_by_one.name(key) for key in keys}
    assert expected[str(world.orgs["kazzinc"])] == "ТОО «Казцинк»"
    assert [expected[k] for k in keys[-3:]] == [None, None, None]
    together = CreatedNames(app, Organisation.Created.TOPIC, "name_ru")
    together.prefetch(keys)
    assert together._names == expected
    names = time_travel.organisation_names(app, world.orgs.values())
    assert names(world.orgs["vkgu"]) == "ВКУ им. С. Аманжолова"
    assert names(world.competition) == ""
