"""A projector process killed with SIGKILL in the middle of a large catch-up resumes with no
event applied twice or skipped; a follower that loses its connection resumes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from bench.synthetic import generate
from projections.runner import Projector, rebuild
from projections.store import ViewStore
from tests.conftest import DATABASES
from tests.helpers import build_world
from tests.projections.conftest import dump

REGISTRY = shutil.which("registry")


def projector_process(url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "REGISTRY_DATABASE_URL": url}
    command = [REGISTRY] if REGISTRY else [sys.executable, "-m", "cli.main"]
    return subprocess.Popen(
        [*command, "project", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.slow
def test_sigkilled_projector_resumes_exactly_once(app, views, store_url):
    generate(app, 25_000)
    head = app.head_position()
    process = projector_process(store_url, "--batch-size", "250")
    try:
        deadline = time.monotonic() + 120
        while views.position("audit") < head // 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    killed_at = (views.position("results"), views.position("audit"))
    assert min(killed_at) > 0 and max(killed_at) < head, "killed mid catch-up"

    finished = projector_process(store_url, "--exit-when-caught-up", "--batch-size", "250")
    _, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err.decode()
    assert views.position("results") == views.position("audit") == head

    # No event twice, none skipped: the audit index holds every position exactly once...
    audit = views.fetchall(f"SELECT position FROM {views.table('v_audit')} ORDER BY position")
    positions = [n.id for n in app.recorder.select_notifications(start=None, limit=1_000_000)]
    assert [r["position"] for r in audit] == positions
    # ...and every view equals a rebuild from zero, row for row.
    resumed = dump(views)
    rebuild(app, views)
    assert dump(views) == resumed


@pytest.mark.skipif("postgres" not in DATABASES, reason="PostgreSQL deselected explicitly")
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_follower_reconnects_after_its_connections_are_killed(app, views, settings):
    world = build_world(app)
    projector = Projector(app, views, poll_interval=0.2).start()
    try:
        assert projector.wait_for(app.head_position(), timeout=10)
        # Kill every pooled connection the projector uses (and only those).
        pids = set()
        for datastore in (app.recorder.datastore, views.datastore):
            held = [datastore.pool.getconn() for _ in range(2)]
            pids.update(conn.info.backend_pid for conn in held)
            for conn in held:
                datastore.pool.putconn(conn)
        with psycopg.connect(settings.pg_conninfo(), autocommit=True) as admin:
            killed = sum(
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
                for pid in pids
            )
        assert killed > 0
        time.sleep(0.5)
        result = app.enter_mark(
            actor=world.experts["e1"],
            competition_id=world.competition,
            competitor_id=world.people["Нұрланов Әлихан"],
            aspect_id="A1",
            value="9.00",
        )
        assert projector.wait_for(result.position, timeout=30)
        assert projector.error is None
    finally:
        projector.stop()
    again = ViewStore(settings)
    try:
        assert again.position("results") >= result.position
    finally:
        again.close()
