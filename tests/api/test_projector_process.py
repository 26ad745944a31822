"""The projector as ``registry serve``'s child process (:mod:`api.supervisor`), on both
stores: the API reads the views it writes, read-your-writes and the live standings follow it,
``/readyz`` reports it, a child that dies is restarted, stopping stops it; and the real
``registry serve`` on SQLite runs it by default, and stops it when it stops."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from api.server import build_app, default_projector_mode
from api.supervisor import (
    HURRY,
    ChildStatus,
    ProjectorProcess,
    WakeListener,
    Waker,
    describe,
    read_status,
)
from tests.api.conftest import make_ctx
from tests.api.test_availability import NO_RATES, serving
from tests.api.test_serve import free_port, interrupted, registry
from tests.api.test_streams import open_stream, stream_path
from tests.helpers import ORGANISER

WAIT = 20.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def until(check, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def child_of(app, folder: Path) -> ProjectorProcess:
    wake = str(folder / "wake.sock")
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "project",
        "--wake-socket",
        wake,
        "--parent-pid",
        str(os.getpid()),
    ]
    env = {**os.environ, "REGISTRY_DATABASE_URL": app.settings.database_url}
    events: list[tuple[str, dict]] = []
    child = ProjectorProcess(
        command,
        status_path=folder / "projector.json",
        wake_path=wake,
        env=env,
        notify=lambda event, params: events.append((event, params)),
    )
    child.events = events  # type: ignore[attr-defined]
    return child


@pytest.mark.slow
async def test_the_api_follows_a_child_projector(app, tmp_path):
    ctx = make_ctx(app)
    child = child_of(app, tmp_path).start()
    try:
        api = build_app(
            app,
            projector="process",
            limits=NO_RATES,
            child=(child.wake_path, str(child.status_path)),
        )
        assert api.state.read_side.projector is None  # the views are the child's
        with serving(api) as url:
            async with httpx.AsyncClient(base_url=url, timeout=WAIT) as client:
                ready = (await client.get("/readyz")).json()
                assert ready["projector"].startswith("process: running"), ready
                # read-your-writes: the child is woken by this process's save
                position = ctx.registry.add_competition(
                    actor=ORGANISER,
                    championship_id=ctx.world.championship,
                    code="extra",
                    title_ru="Компетенция",
                    title_kk="Құзыреттілік",
                    category="main",
                ).position
                started = time.monotonic()
                answer = await client.get(
                    f"/api/v1/championships/{ctx.world.championship}",
                    headers=ctx.auth("organiser", **{"X-Registry-Min-Position": str(position)}),
                )
                assert answer.status_code == 200, answer.text
                assert time.monotonic() - started < 2.0
                assert "extra" in answer.text
                # the live standings follow the child's views
                async with open_stream(client, stream_path(ctx), ctx.auth("chief")) as events:
                    first = json.loads((await events.next_data())["data"])
                    assert first["progress"]["entered"] == 0
                    ctx.registry.enter_mark(
                        actor=ctx.world.experts["e1"],
                        competition_id=ctx.world.competition,
                        competitor_id=ctx.world.people["Қасымова Айгүл"],
                        aspect_id="A1",
                        value="25.00",
                    )
                    body = json.loads((await events.next_data())["data"])
                    assert body["progress"]["entered"] == 1
                # a child that dies: /readyz says so (503), then it is restarted
                pid = child.process.pid
                os.kill(pid, signal.SIGKILL)
                await until(lambda: not alive(pid) and child.restarts == 1)
                down = await client.get("/readyz")
                restarted = read_status(child.status_path)
                assert restarted is not None
                if restarted.state != "running":
                    assert down.status_code == 503, down.text
                    assert "exited with code -9" in down.json()["projector"]
                await until(
                    lambda: (read_status(child.status_path) or restarted).state == "running"
                )
                up = await client.get("/readyz")
                assert up.status_code == 200, up.text
                assert "restarts 1" in up.json()["projector"]
                assert [e for e, _ in child.events] == ["started", "exited", "restarted"]
                # and it still follows
                position = ctx.registry.enter_mark(
                    actor=ctx.world.experts["e1"],
                    competition_id=ctx.world.competition,
                    competitor_id=ctx.world.people["Қасымова Айгүл"],
                    aspect_id="A2",
                    value="5.00",
                ).position
                answer = await client.get(
                    "/api/v1/championships", headers={"X-Registry-Min-Position": str(position)}
                )
                assert answer.status_code == 200, answer.text
    finally:
        last = child.process.pid
        child.stop()
    assert not alive(last)
    assert read_status(child.status_path).state == "stopped"


def test_wake_ups_reach_the_listener(tmp_path):
    calls: list[str] = []
    projector = SimpleNamespace(
        wake=lambda _position=None: calls.append("wake"),
        hurry=lambda: calls.append("hurry"),
        stop=lambda timeout=10.0: calls.append("stop"),
    )
    path = str(tmp_path / "wake.sock")
    waker = Waker(path)
    waker.recorded(1)  # nobody listens yet: never an error
    listener = WakeListener(path, projector, os.getppid()).start()  # type: ignore[arg-type]
    try:
        waker.recorded(2)
        waker.hurry()
        deadline = time.monotonic() + 5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert calls == ["wake", "hurry"]
    finally:
        listener.close()
        waker.close()
    assert HURRY == b"h"
    assert not os.path.exists(path)


def test_an_orphaned_listener_stops_its_projector(tmp_path):
    calls: list[str] = []
    projector = SimpleNamespace(
        wake=lambda _position=None: None,
        hurry=lambda: None,
        stop=lambda timeout=10.0: calls.append("stop"),
    )
    listener = WakeListener(str(tmp_path / "w.sock"), projector, -1).start()  # type: ignore[arg-type]
    try:
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert calls == ["stop"]
    finally:
        listener.close()


def test_readiness_texts():
    assert describe(None) == (False, "process: unknown")
    assert describe(ChildStatus("running", pid=7)) == (True, "process: running (pid 7, restarts 0)")
    ready, text = describe(ChildStatus("restarting", pid=7, restarts=2, exit_code=3, retry_in=4))
    assert not ready and text == "process: exited with code 3, restarting in 4 s (restarts 2)"


def test_serve_defaults_to_a_child_process_on_sqlite_only(app, monkeypatch):
    monkeypatch.delenv("REGISTRY_PROJECTOR", raising=False)
    monkeypatch.setattr("api.server.available_cpus", lambda: 2)
    serving_mode = default_projector_mode(app, serving=True)
    assert serving_mode == ("process" if app.settings.backend == "sqlite" else "external")
    assert default_projector_mode(app) == app.settings.default_projector  # build_app, tests
    monkeypatch.setattr("api.server.available_cpus", lambda: 1)
    assert default_projector_mode(app, serving=True) == app.settings.default_projector
    monkeypatch.setenv("REGISTRY_PROJECTOR", "in-process")
    assert default_projector_mode(app, serving=True) == "in-process"


@pytest.mark.slow
def test_registry_serve_runs_and_stops_its_child_projector(tmp_path):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: the projector runs in the API process")
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path}/registry.sqlite"}
    env.pop("REGISTRY_PROJECTOR", None)
    port = free_port()
    server = subprocess.Popen(
        registry("--lang", "en", "serve", "--port", str(port)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    child = None
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                ready = httpx.get(f"{base}/readyz", timeout=1)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("registry serve did not come up")
        projector = ready.json()["projector"]
        assert projector.startswith("process: running (pid "), projector
        child = int(projector.split("pid ")[1].split(",")[0])
        assert alive(child)
    finally:
        output = interrupted(server, timeout=30)
    assert server.returncode == 0, output
    assert "projector: process" in output, output
    assert "The projector runs as its own process" in output, output
    assert "Traceback" not in output, output
    if child is not None:
        assert not alive(child)
