"""Every view against hand-computed expectations on a small championship (SQLite and
PostgreSQL), read-your-writes, live following, and failures that stop instead of skipping."""

from __future__ import annotations

import threading
import time
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from demo.history import load_demo
from projections.audit import AuditProjection
from projections.base import ProjectionError
from projections.queries import ViewQueries
from projections.results import ResultsProjection
from projections.runner import Projector, rebuild
from registry.application import RegistryApplication
from tests.helpers import ORGANISER, build_world, mark_everything, sign_off_all
from tests.projections.conftest import dump
from tests.registry.test_application import JUDGE, MEASURE


def published_world(app):
    world = build_world(app)
    mark_everything(app, world, MEASURE, JUDGE)
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    app.publish(actor=ORGANISER, competition_id=world.competition)
    return world


def test_every_results_view_hand_computed(app, views):
    world = published_world(app)
    Projector(app, views).catch_up()
    q = ViewQueries(views)

    standings = q.standings(world.competition)
    assert standings.status == "published"
    assert standings.as_of_position == app.head_position()
    # Totals: 95.17, 78.56, 78.56, 29.44 (see tests/registry/test_application.py); the tie at
    # rank 2 is ordered by name; scaled: median 78.56, MAD 8.305, s = 12.312993.
    assert [(r.rank, r.full_name, r.total, r.medal, r.scaled_score) for r in standings.rows] == [
        (1, "Нұрланов Әлихан", "95.17", "gold", 727),
        (2, "Иванов Дмитрий Сергеевич", "78.56", "silver", 700),
        (2, "Қасымова Айгүл", "78.56", "silver", 700),
        (4, "Өмірбекова Ұлжан", "29.44", None, 620),
    ]
    assert standings.rows[0].criteria == {"A": "48.50", "B": "46.67"}
    assert standings.rows[0].organisation == "Высший колледж ВКТУ"
    assert not any(r.medallion for r in standings.rows)
    assert (standings.progress.entered, standings.progress.expected) == (32, 32)
    assert standings.disputed == []
    assert standings.scaled_score_formula == "ws-median-mad"

    detail = q.competition(world.competition)
    assert [a.id for a in detail.scheme] == ["A1", "A2", "B1", "B2"]
    assert detail.scheme[0].max_mark == "30.00"
    assert len(detail.entrants) == 4 and len(detail.experts) == 5
    assert [e.role for e in detail.experts].count("chief") == 1

    [summary] = q.championships()
    assert (summary.competitions, summary.published) == (1, 1)
    championship = q.championship(world.championship)
    assert [c.id for c in championship.competitions] == [world.competition]

    medals = q.medals(world.championship)
    # College A: gold (Әлихан) + silver (Айгүл) = 4 + 3 = 7; college B: silver = 3.
    assert [(m.name_ru, m.gold, m.silver, m.bronze, m.points) for m in medals.by_organisation] == [
        ("Высший колледж ВКТУ", 1, 1, 0, 7),
        ("Восточно-Казахстанский политехнический колледж", 0, 1, 0, 3),
    ]
    assert [
        (m.region, m.gold, m.silver, m.bronze, m.medallions, m.points) for m in medals.by_region
    ] == [("VKO", 1, 2, 0, 0, 10)]
    assert [(b.region, b.full_name, b.score) for b in medals.best_of_region] == [
        ("VKO", "Нұрланов Әлихан", "727")
    ]

    person = q.participant_results(world.people["Нұрланов Әлихан"])
    assert person.organisation == "Высший колледж ВКТУ"
    assert [(r.rank, r.medal, r.total, r.status) for r in person.results] == [
        (1, "gold", "95.17", "published")
    ]


def test_medal_tables_count_published_competitions_only(app, views):
    world = build_world(app)
    mark_everything(app, world, MEASURE, JUDGE)
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    projector = Projector(app, views)
    projector.catch_up()
    q = ViewQueries(views)
    assert q.standings(world.competition).status == "locked"
    assert q.medals(world.championship).by_organisation == []
    app.publish(actor=ORGANISER, competition_id=world.competition)
    projector.catch_up()
    assert len(q.medals(world.championship).by_organisation) == 2


def test_audit_index_is_searchable(app, views):
    world = published_world(app)
    Projector(app, views).catch_up()
    rows = views.fetchall(f"SELECT * FROM {views.table('v_audit')} ORDER BY position")
    positions = [n.id for n in app.recorder.select_notifications(start=None, limit=10_000)]
    assert [r["position"] for r in rows] == positions
    e1 = str(world.experts["e1"])
    by_actor = views.fetchall(
        f"SELECT type FROM {views.table('v_audit')} WHERE actor = ? ORDER BY position", (e1,)
    )
    assert by_actor and {r["type"] for r in by_actor} == {
        "registry.Competition.MarksEntered",
        "registry.Competition.SignedOff",
    }
    by_aggregate = views.fetchall(
        f"SELECT version FROM {views.table('v_audit')} WHERE aggregate_id = ? ORDER BY position",
        (str(world.competition),),
    )
    assert [r["version"] for r in by_aggregate] == list(range(1, len(by_aggregate) + 1))
    first, last = rows[0]["time"], rows[-1]["time"]
    assert len(first) == len("2025-05-12T04:00:07.000000Z") and first <= last
    names = views.fetchall(f"SELECT name FROM {views.table('v_actor')} WHERE id = ?", (e1,))
    assert names[0]["name"] == "Эксперт e1"


def test_rebuild_from_zero_equals_incremental_views(app, views):
    projector = Projector(app, views, batch_size=7, poll_interval=0.05).start()
    try:
        load_demo(app)
        assert projector.wait_for(app.head_position(), timeout=60)
    finally:
        projector.stop()
    incremental = dump(views)
    assert sum(len(rows) for rows in incremental.values()) > 1000
    stats = rebuild(app, views)
    assert stats.position == app.head_position()
    assert dump(views) == incremental
    # A second rebuild over the swapped-in tables works the same.
    rebuild(app, views, ["audit"])
    assert dump(views) == incremental


def test_read_your_writes_wakes_at_once_on_this_process_saves(app, views):
    world = build_world(app)
    projector = Projector(app, views, poll_interval=30).start()  # polling alone would be slow
    try:
        assert projector.wait_for(app.head_position(), timeout=10)
        started = time.monotonic()
        result = app.enter_mark(
            actor=world.experts["e1"],
            competition_id=world.competition,
            competitor_id=world.people["Нұрланов Әлихан"],
            aspect_id="A1",
            value="12.25",
        )
        assert projector.wait_for(result.position, timeout=5)
        assert time.monotonic() - started < 2
        standings = ViewQueries(views).standings(world.competition)
        alikhan = next(r for r in standings.rows if r.full_name == "Нұрланов Әлихан")
        assert alikhan.total == "12.25"
        assert standings.as_of_position >= result.position
    finally:
        projector.stop()


def test_concurrent_writers_all_arrive_in_position_order(app, views):
    world = build_world(app)
    projector = Projector(app, views, batch_size=5, poll_interval=0.05).start()
    people = list(world.people.values())
    errors = []

    def expert(key: str, aspect_ids: tuple[str, ...]) -> None:
        try:
            for person in people:
                for aspect in aspect_ids:
                    if key == "e3" and aspect == "A2":
                        continue
                    app.enter_mark(
                        actor=world.experts[key],
                        competition_id=world.competition,
                        competitor_id=person,
                        aspect_id=aspect,
                        value=3 if aspect.startswith("B") else "5.00",
                    )
        except Exception as error:
            errors.append(error)

    threads = [
        threading.Thread(target=expert, args=("e1", ("A1", "B1", "B2"))),
        threading.Thread(target=expert, args=("e2", ("A2", "B1", "B2"))),
        threading.Thread(target=expert, args=("e3", ("B1", "B2"))),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors
        assert projector.wait_for(app.head_position(), timeout=30)
    finally:
        projector.stop()
    positions = [n.id for n in app.recorder.select_notifications(start=None, limit=100_000)]
    audit = views.fetchall(f"SELECT position FROM {views.table('v_audit')} ORDER BY position")
    assert [r["position"] for r in audit] == positions
    standings = ViewQueries(views).standings(world.competition)
    # Every competitor: A1 5.00 + A2 5.00 + B1 30.00 + B2 20.00 (all scores 3) = 60.00.
    assert {r.total for r in standings.rows} == {"60.00"}
    assert standings.progress.entered == standings.progress.expected == 32


def test_a_bad_stored_event_stops_the_projector_naming_its_position(app, views):
    world = build_world(app)
    projector = Projector(app, views)
    projector.catch_up()
    before = projector.position
    app.recorder.insert_events(
        [StoredEvent(world.competition, 100, "registry.Competition.MarksEntered", b'{"oops": 1}')]
    )
    bad = app.head_position()
    with pytest.raises(ProjectionError) as info:
        projector.catch_up()
    assert f"position {bad}" in str(info.value)
    assert views.position("results") == before and views.position("audit") == before
    # Running again does not skip it.
    with pytest.raises(ProjectionError):
        Projector(app, views).catch_up()
    assert views.position("results") == before


class BrokenAudit(AuditProjection):
    def apply(self, notification, event):
        if notification.topic == "registry.Competition.MarkingStarted":
            raise RuntimeError("handler bug")
        super().apply(notification, event)


def test_a_failing_handler_stops_a_live_projector_with_its_position(app, views):
    world = build_world(app, start=False)
    projector = Projector(
        app,
        views,
        [ResultsProjection(app, views), BrokenAudit(app, views)],
        batch_size=1,
        poll_interval=0.05,
    ).start()
    try:
        assert projector.wait_for(app.head_position(), timeout=10)
        started = app.start_marking(actor=ORGANISER, competition_id=world.competition)
        assert not projector.wait_for(started.position, timeout=2)
        assert isinstance(projector.error, ProjectionError)
        assert f"position {started.position}" in str(projector.error)
        assert "handler bug" in str(projector.error)
        assert views.position("audit") == started.position - 1
    finally:
        projector.stop()


def test_another_process_writes_are_followed_live(app, views, settings):
    """A second application (another API process) writes; the projector sees it promptly
    (PostgreSQL: LISTEN/NOTIFY; SQLite: polling, here every 0.2 s)."""
    world = build_world(app)
    interval = 30 if settings.backend == "postgres" else 0.2
    projector = Projector(app, views, poll_interval=interval).start()
    other = RegistryApplication(settings)
    try:
        assert projector.wait_for(app.head_position(), timeout=10)
        time.sleep(0.3)  # the listener is subscribed
        result = other.enter_mark(
            actor=world.experts["e2"],
            competition_id=world.competition,
            competitor_id=world.people["Иванов Дмитрий Сергеевич"],
            aspect_id="A2",
            value="4.50",
        )
        started = time.monotonic()
        assert projector.wait_for(result.position, timeout=10)
        assert time.monotonic() - started < 3
    finally:
        projector.stop()
        other.close()


def test_gathering_marks_never_delays_a_caller_waiting_for_its_position(app, views):
    """After a batch the projector lets events gather (``coalesce``) before the next one; a
    caller waiting for a position (read-your-writes) is served at once, not after it."""
    world = build_world(app)
    mark = {
        "actor": world.experts["e2"],
        "competition_id": world.competition,
        "competitor_id": world.people["Иванов Дмитрий Сергеевич"],
        "aspect_id": "A2",
    }
    projector = Projector(app, views, coalesce=30).start()
    try:
        assert projector.wait_for(app.head_position(), timeout=10)
        for write in (  # each lands while the projector gathers after its previous batch
            lambda: app.enter_mark(**mark, value="4.50"),
            lambda: app.correct_mark(**mark, value="5.00", reason="опечатка"),
        ):
            result = write()
            started = time.monotonic()
            assert projector.wait_for(result.position, timeout=10)
            assert time.monotonic() - started < 5  # not the 30 s of gathering
    finally:
        projector.stop()


def test_views_start_empty_and_unknown_ids_are_none(app, views):
    q = ViewQueries(views)
    assert q.championships() == []
    missing = UUID(int=1)
    assert q.standings(missing) is None and q.medals(missing) is None
    assert q.competition(missing) is None and q.participant_results(missing) is None


def test_audit_queries_by_actor_aggregate_and_time(app, views):
    world = published_world(app)
    app.amend_mark(
        actor=ORGANISER,
        competition_id=world.competition,
        competitor_id=world.people["Өмірбекова Ұлжан"],
        aspect_id="A1",
        value="11.00",
        reason="Апелляция: пересчёт",
    )
    Projector(app, views).catch_up()
    q = ViewQueries(views)
    mine = q.audit(actor=world.experts["e2"])
    assert mine and all(e.actor == world.experts["e2"] for e in mine)
    assert mine[0].actor_name == "Эксперт e2"
    history = q.audit(aggregate_id=world.competition, limit=10_000)
    assert [e.version for e in history] == list(range(1, len(history) + 1))
    assert history[-1].type == "registry.Competition.MarkAmended"
    assert history[-1].reason == "Апелляция: пересчёт"
    every = q.audit(limit=10_000)
    middle = every[len(every) // 2].time
    later = q.audit(since=middle, limit=10_000)
    earlier = q.audit(until=middle, limit=10_000)
    assert len(later) + len(earlier) == len(every)
    assert all(e.time >= middle for e in later) and all(e.time < middle for e in earlier)
    page = q.audit(after=every[9].position, limit=5)
    assert [e.position for e in page] == [e.position for e in every[10:15]]


def test_cached_standings_follow_their_competition_and_the_views_position(app, views):
    world = build_world(app)
    projector = Projector(app, views)
    projector.catch_up()
    q = ViewQueries(views)
    first = q.standings(world.competition)
    assert {r.total for r in first.rows} == {"0.00"}
    assert q.standings(world.competition) == first  # served from the cache
    app.enter_mark(
        actor=world.experts["e1"],
        competition_id=world.competition,
        competitor_id=world.people["Нұрланов Әлихан"],
        aspect_id="A1",
        value="3.00",
    )
    projector.catch_up()
    second = q.standings(world.competition)
    assert second.as_of_position > first.as_of_position
    assert next(r for r in second.rows if r.full_name == "Нұрланов Әлихан").total == "3.00"
    # An event of another aggregate moves the position, not this competition's rows.
    app.register_organisation(
        actor=ORGANISER,
        name_ru="Новый колледж",
        name_kk="Жаңа колледж",
        kind="college",
        region="VKO",
    )
    projector.catch_up()
    third = q.standings(world.competition)
    assert third.as_of_position == app.head_position() > second.as_of_position
    assert third.rows == second.rows
