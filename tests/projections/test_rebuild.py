"""A rebuild in two processes (some view groups in a worker process, the others here) equals
the incremental views row for row, swaps every view in at once, lets a live projector carry
on, stops on a worker's error with the live views untouched, and builds a worker's views here
when the worker cannot run (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import threading
from uuid import UUID

import pytest

from demo.history import load_demo
from domain.ids import SYSTEM_ACTOR
from projections import runner
from projections.base import ProjectionError
from projections.rebuild_worker import Worker
from projections.results import SHARES
from projections.runner import PROJECTIONS, Projector, rebuild
from tests.projections.conftest import dump
from tests.projections.tamper import Tamper


def more_events(app, count: int, prefix: str = "Колледж") -> None:
    for i in range(count):
        app.register_organisation(
            actor=SYSTEM_ACTOR,
            name_ru=f"{prefix} {i}",
            name_kk=f"{prefix} {i} колледжі",
            kind="college",
            region="VKO",
        )


@pytest.fixture
def incremental(app, views) -> dict[str, list[tuple]]:
    """The demo history, projected incrementally in small batches: every view's rows."""
    load_demo(app)
    Projector(app, views, batch_size=7).catch_up()
    rows = dump(views)
    assert sum(len(r) for r in rows.values()) > 1000
    return rows


def test_a_parallel_rebuild_equals_the_incremental_views(app, views, incremental):
    stats = rebuild(app, views, parallel=True, batch_size=500)
    assert stats.worker_peak_mb > 0  # the audit index and the seals were built elsewhere
    assert stats.position == app.head_position()
    assert dump(views) == incremental
    assert {name: views.position(name) for name in PROJECTIONS} == dict.fromkeys(
        PROJECTIONS, app.head_position()
    )
    # In one process, and over the tables swapped in by the parallel one: the same rows.
    stats = rebuild(app, views, parallel=False)
    assert stats.worker_peak_mb == 0
    assert dump(views) == incremental


def test_a_rebuild_whose_worker_builds_a_share_of_the_results_equals_them(
    app, views, incremental, monkeypatch
):
    """The worker builds the results and certificates of some championships (a share of
    them), this process the others, each from one replay: the same rows."""
    shares = sorted(
        UUID(row["id"]).int % SHARES
        for row in views.fetchall(f"SELECT id FROM {views.table('v_championship')}")
    )
    assert len(shares) >= 2
    for boundary in (shares[len(shares) // 2], SHARES):  # some championships there; all
        monkeypatch.setattr(runner, "WORKER_SHARE", boundary)
        rebuild(app, views, parallel=True, batch_size=97)
        assert dump(views) == incremental
        assert not views.table_exists("v_standing__part")
        assert {name: views.position(name) for name in PROJECTIONS} == dict.fromkeys(
            PROJECTIONS, app.head_position()
        )


def test_a_live_projector_carries_on_after_a_parallel_rebuild(app, views, incremental):
    projector = Projector(app, views, poll_interval=0.05, coalesce=0).start()
    writing = threading.Thread(target=more_events, args=(app, 40))
    try:
        writing.start()  # events recorded while the rebuild runs
        rebuild(app, views, parallel=True, batch_size=500)
        writing.join()
        more_events(app, 5, "Лицей")
        assert projector.wait_for(app.head_position(), timeout=60)
        assert projector.error is None
    finally:
        writing.join()
        projector.stop()
    followed = dump(views)
    assert len(followed["v_organisation"]) == len(incremental["v_organisation"]) + 45
    rebuild(app, views, parallel=False)
    assert dump(views) == followed


def test_a_failing_worker_stops_the_rebuild_and_the_live_views_stay(app, views, incremental):
    if app.settings.backend != "sqlite":
        pytest.skip("a stored state of the wrong type exists only on SQLite (TEXT in a BLOB)")
    tamper = Tamper(app)
    position = tamper.positions()[-3]
    # The same JSON stored as TEXT: decoded as before here, but the seal refuses it.
    tamper.edit(position, tamper.row(position)[3].decode())
    with pytest.raises(ProjectionError) as info:
        rebuild(app, views, parallel=True, batch_size=500)
    assert info.value.position == position
    assert f"position {position}" in str(info.value)
    assert dump(views) == incremental


def _exit_at_once(code: int) -> float:
    os._exit(code)


def test_a_worker_that_dies_is_reported():
    worker = Worker(_exit_at_once, 3)
    with pytest.raises(RuntimeError, match="exit code 3"):
        worker.result()
    worker.stop()


def test_views_of_a_worker_that_could_not_run_are_built_here(app, views, incremental, monkeypatch):
    class Unstartable(Worker):
        def __init__(self, function, *args) -> None:
            super().__init__(_exit_at_once, 1)

    monkeypatch.setattr(runner, "Worker", Unstartable)
    stats = rebuild(app, views, parallel=True, batch_size=500)
    assert stats.worker_peak_mb == 0
    assert dump(views) == incremental
