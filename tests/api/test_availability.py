"""Availability under abuse and faults (issue 13, points 1, 2, 3, 8), SQLite and PostgreSQL:
read-your-writes that holds no thread and refuses what it cannot wait for, bounded request
headers, per-address rates, the pool after PostgreSQL drops its connections, ETags that follow
the body."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import msgspec
import psycopg
import pytest
import uvicorn
from litestar.testing import AsyncTestClient

from api.i18n import translator
from api.limits import LimitedHttpToolsProtocol, Limits
from api.server import build_app
from projections.runner import Projector
from projections.store import ViewStore
from registry.application import RegistryApplication
from store.settings import Settings
from tests.api.conftest import Ctx, make_ctx
from tests.helpers import ORGANISER, mark_everything, sign_off_all
from tests.registry.test_application import JUDGE, MEASURE

MIN = "X-Registry-Min-Position"
NO_RATES = Limits(public_rate=0, failed_token_rate=0)


def add_competition(ctx: Ctx, code: str) -> int:
    """Record one more event (a competition) and answer its position."""
    return ctx.registry.add_competition(
        actor=ORGANISER,
        championship_id=ctx.world.championship,
        code=code,
        title_ru=f"Компетенция {code}",
        title_kk=f"Құзыреттілік {code}",
        category="main",
    ).position


@contextmanager
def serving(
    api: Any, protocol: type[LimitedHttpToolsProtocol] = LimitedHttpToolsProtocol
) -> Iterator[str]:
    """``api`` served by uvicorn in a thread (its own loop, as ``registry serve`` runs it):
    requests really run concurrently, which the test client's blocking portal does not."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(api, host="127.0.0.1", port=port, http=protocol, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.02)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@asynccontextmanager
async def served_by_test_client(
    app: RegistryApplication, limits: Limits = NO_RATES, mode: str = "in-process"
) -> AsyncIterator[tuple[AsyncTestClient[Any], Ctx]]:
    """The world, and the app around it in the test client (requests one at a time)."""
    ctx = make_ctx(app)
    async with AsyncTestClient(app=build_app(app, projector=mode, limits=limits)) as client:
        yield client, ctx


class Gate:
    """Holds the in-process projector before its next batch until opened."""

    def __init__(self, projector: Projector) -> None:
        self.open = threading.Event()
        run_once = projector.run_once

        def gated(limit: int | None = None) -> int:
            self.open.wait()
            return run_once(limit)

        projector.run_once = gated  # type: ignore[method-assign]


@pytest.fixture
async def gated(
    app: RegistryApplication,
) -> AsyncIterator[tuple[httpx.AsyncClient, Ctx, Gate, Any]]:
    """The served app with 2 worker threads, at most 3 waiting reads, and its projector held
    at the world's head."""
    ctx = make_ctx(app)
    limits = Limits(max_position_waiters=3, public_rate=0, failed_token_rate=0)
    api = build_app(app, projector="in-process", threads=2, limits=limits)
    with serving(api) as url:
        side = api.state.read_side
        assert await side.projector.reached(app.head_position(), 30)
        gate = Gate(side.projector)
        try:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                yield client, ctx, gate, side
        finally:
            gate.open.set()


# ------------------------------------------------------------------ 1. X-Registry-Min-Position


@pytest.mark.parametrize("mode", ["in-process", "external"])
async def test_min_position_is_a_short_decimal_and_never_beyond_the_head(app, mode):
    async with served_by_test_client(app, mode=mode) as (client, ctx):
        for bad in ("abc", "1e3", "-1", "0x10", "1" * 21, "1 2", ""):
            answer = await client.get("/api/v1/championships", headers={MIN: bad})
            assert answer.status_code == 422, (bad, answer.text)
            assert answer.json()["type"] == "/problems/invalid-input"
            assert answer.json()["errors"][0]["field"] == MIN
        head = app.head_position()
        for beyond in (head + 1, 10**19, 10**20 - 1):
            started = time.monotonic()
            answer = await client.get(
                f"/api/v1/competitions/{ctx.world.competition}/standings",
                headers=ctx.auth("organiser", **{MIN: str(beyond)}),
            )
            assert time.monotonic() - started < 1.0  # at once, not after the 5 s wait
            assert answer.status_code == 409, answer.text
            assert answer.json()["type"] == "/problems/position-not-recorded"
            assert answer.json()["head_position"] == head


async def test_waiting_reads_hold_no_worker_thread_and_are_bounded(gated):
    client, ctx, gate, side = gated
    position = str(add_competition(ctx, "waited"))  # the projector is held: views behind it
    waiting = [
        asyncio.create_task(client.get("/api/v1/championships", headers={MIN: position}))
        for _ in range(3)
    ]
    for _ in range(250):
        if side.waiters == 3:
            break
        await asyncio.sleep(0.02)
    assert side.waiters == 3
    # 3 waiting reads, 2 worker threads: a read that does not wait still answers at once
    started = time.monotonic()
    plain = await client.get(f"/api/v1/championships/{ctx.world.championship}")
    assert plain.status_code == 200
    # one more waiting read is refused at once
    refused = await client.get("/api/v1/championships", headers={MIN: position})
    assert time.monotonic() - started < 1.0
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert refused.json()["type"] == "/problems/too-many-waiters"
    assert not any(task.done() for task in waiting)
    gate.open.set()
    answers = await asyncio.gather(*waiting)
    assert [a.status_code for a in answers] == [200] * 3
    assert side.waiters == 0


async def test_an_external_projector_is_awaited_without_a_thread(app):
    ctx = make_ctx(app)
    api = build_app(app, projector="external", threads=2, limits=NO_RATES)
    store = ViewStore(app.settings)
    follower = Projector(app, store)
    try:
        with serving(api) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                position = str(app.head_position())  # the views have processed nothing
                waiting = [
                    asyncio.create_task(
                        client.get("/api/v1/championships", headers={MIN: position})
                    )
                    for _ in range(10)
                ]
                await asyncio.sleep(0.5)
                started = time.monotonic()
                plain = await client.get(f"/api/v1/championships/{ctx.world.championship}")
                assert plain.status_code == 404  # the views are empty, and a thread was free
                assert time.monotonic() - started < 1.0
                assert not any(task.done() for task in waiting)
                await asyncio.to_thread(follower.catch_up)
                assert [a.status_code for a in await asyncio.gather(*waiting)] == [200] * 10
    finally:
        store.close()


# ------------------------------------------------------------------ 8. ETags follow the body


async def test_championship_etag_changes_when_a_competition_is_added_or_published(app):
    async with served_by_test_client(app) as (client, ctx):
        path = f"/api/v1/championships/{ctx.world.championship}"

        async def get(role: str | None, position: int, etag: str | None = None) -> Any:
            headers = {MIN: str(position)}
            if etag:
                headers["If-None-Match"] = etag
            return await client.get(path, headers=ctx.auth(role, **headers))

        first = await get("organiser", app.head_position())
        etag = first.headers["etag"]
        assert (await get("organiser", app.head_position(), etag)).status_code == 304
        public = await get(None, app.head_position())
        assert public.json() != first.json() and public.headers["etag"] != etag

        added = add_competition(ctx, "added")  # the championship's version is unchanged
        after = await get("organiser", added, etag)
        assert after.status_code == 200, "a 304 would hide the new competition"
        assert len(after.json()["competitions"]) == len(first.json()["competitions"]) + 1
        assert after.headers["etag"] != etag

        public_etag = public.headers["etag"]
        mark_everything(ctx.registry, ctx.world, MEASURE, JUDGE)
        sign_off_all(ctx.registry, ctx.world)
        ctx.registry.lock(actor=ctx.world.experts["chief"], competition_id=ctx.world.competition)
        published = ctx.registry.publish(actor=ORGANISER, competition_id=ctx.world.competition)
        now = await get(None, published.position, public_etag)
        assert now.status_code == 200 and now.headers["etag"] != public_etag
        assert [c["status"] for c in now.json()["competitions"]] == ["published"]


async def test_a_read_etag_is_accepted_by_if_match(app):
    async with served_by_test_client(app) as (client, ctx):
        path = f"/api/v1/competitions/{ctx.competition2}"
        read = await client.get(
            path, headers=ctx.auth("organiser", **{MIN: str(app.head_position())})
        )
        etag = read.headers["etag"]
        assert etag.startswith(f'"{read.json()["version"]}-')
        started = await client.post(
            f"{path}/start-marking", headers=ctx.auth("organiser", **{"If-Match": etag})
        )
        assert started.status_code != 412, started.text


# ------------------------------------------------------------------ 2. headers and rates


class SmallHeaders(LimitedHttpToolsProtocol):
    limits = Limits(max_header_bytes=4096, max_headers=20)


async def _hello(
    scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.fixture
def small_server() -> Iterator[int]:
    with serving(_hello, SmallHeaders) as url:
        yield int(url.rsplit(":", 1)[1])


def _exchange(port: int, head: bytes, stream: int = 0) -> tuple[bytes, int]:
    """Send ``head`` (then ``stream`` more header bytes in 64 KiB chunks); the answer and
    how many of the streamed bytes were sent before the server closed."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(head)
        try:
            while sent < stream:
                conn.sendall(b"X-Fill: " + b"a" * (64 * 1024 - 10) + b"\r\n")
                sent += 64 * 1024
        except OSError:  # the server closed the connection: what was read is the answer
            pass
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except OSError:
            pass
    return answer, sent


def test_request_headers_are_bounded_431_at_once(small_server):
    ok, _ = _exchange(small_server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200") and b"hello" in ok
    big = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n"
    answer, _ = _exchange(small_server, big)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:80]
    assert b"/problems/headers-too-large" in answer
    many = b"".join(b"X-%d: 1\r\n" % i for i in range(30)) + b"\r\n"
    english = b"GET / HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\n" + many
    answer, _ = _exchange(small_server, english)
    assert answer.startswith(b"HTTP/1.1 431") and b"header fields" in answer
    # in the language asked for before the limit was hit; Russian without one
    for language, header in (("kk", b"Accept-Language: kk\r\n"), ("ru", b"")):
        answer, _ = _exchange(small_server, b"GET / HTTP/1.1\r\nHost: x\r\n" + header + many)
        problem = msgspec.json.decode(answer.partition(b"\r\n\r\n")[2])
        assert problem["type"] == "/problems/headers-too-large"
        tr = translator(language)
        assert problem["detail"] == tr.gettext(
            "the request has more than %(most)s header fields", most=SmallHeaders.limits.max_headers
        )
        assert problem["detail"] != "the request has more than 20 header fields"
    # an endless head is cut off early, not read to the end
    answer, sent = _exchange(small_server, b"GET / HTTP/1.1\r\nHost: x\r\n", stream=32 * 2**20)
    assert answer.startswith(b"HTTP/1.1 431")
    assert sent < 32 * 2**20


async def test_requests_without_a_token_are_rate_limited_per_address(app):
    limits = Limits(public_rate=5, failed_token_rate=0, rate_limit_exempt=frozenset())
    async with served_by_test_client(app, limits) as (client, ctx):
        for _ in range(5):
            assert (await client.get("/api/v1/championships")).status_code == 200
        refused = await client.get("/api/v1/championships")
        assert refused.status_code == 429, refused.text
        assert refused.json()["type"] == "/problems/too-many-requests"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # a token is not counted; health checks never are
        assert (
            await client.get("/api/v1/championships", headers=ctx.auth("organiser"))
        ).status_code == 200
        assert (await client.get("/healthz")).status_code == 200


async def test_failed_token_checks_are_rate_limited_per_address(app):
    limits = Limits(public_rate=0, failed_token_rate=3, rate_limit_exempt=frozenset())
    async with served_by_test_client(app, limits) as (client, ctx):
        good = ctx.auth("organiser")
        for _ in range(5):  # good tokens are not counted
            assert (await client.get("/api/v1/championships", headers=good)).status_code == 200
        for _ in range(3):
            bad = await client.get(
                "/api/v1/championships", headers={"Authorization": f"Bearer {uuid.uuid4()}"}
            )
            assert bad.status_code == 401
        refused = await client.get("/api/v1/championships", headers=good)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.json()["type"] == "/problems/too-many-requests"
        # the public is not locked out by someone guessing tokens
        assert (await client.get("/api/v1/championships")).status_code == 200


async def test_loopback_is_exempt_by_default():
    assert Limits().rate_limit_exempt == {"127.0.0.1", "::1"}
    assert Limits.from_env({"REGISTRY_RATE_LIMIT_EXEMPT": ""}).rate_limit_exempt == set()
    assert Limits.from_env({"REGISTRY_PUBLIC_RATE": "7"}).public_rate == 7
    with pytest.raises(ValueError, match="REGISTRY_MAX_HEADERS"):
        Limits.from_env({"REGISTRY_MAX_HEADERS": "many"})


# ------------------------------------------------------------------ 3. PostgreSQL drops us


class Outage:
    """A TCP relay to PostgreSQL that can go down (every connection dropped, new ones
    refused) and come back, as a restarted or unreachable server would, without touching
    the server the other tests share."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._serve()

    def _serve(self) -> None:
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        self.listener.close()
        with self.lock:
            conns, self.conns = self.conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def up(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self._serve()


def _terminate(settings: Settings, application_name: str) -> int:
    with psycopg.connect(settings.pg_conninfo(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = %s",
            (application_name,),
        ).fetchall()
    return len(rows)


Sample = tuple[float, float, int, str | None]  # started, ended, status, Retry-After


async def _load(client: httpx.AsyncClient, ctx: Ctx, until: float, out: list[Sample]) -> None:
    """Authenticated reads (the token is checked in the store) and marks' reads, until."""
    path = f"/api/v1/competitions/{ctx.world.competition}"
    while time.monotonic() < until:
        started = time.monotonic()
        answer = await client.get(path, headers=ctx.auth("organiser"))
        out.append(
            (started, time.monotonic(), answer.status_code, answer.headers.get("retry-after"))
        )
        await asyncio.sleep(0.01)


def _check(samples: list[Sample], back: float) -> None:
    assert {status for _, _, status, _ in samples} <= {200, 503}, samples
    assert all(retry for _, _, status, retry in samples if status == 503)
    assert max(end - start for start, end, _, _ in samples) < 2.5, "a request hung"
    late = [status for start, _, status, _ in samples if start > back + 1.0]
    assert late and set(late) == {200}, "not back within 1 s of the server answering"


# PostgreSQL only: the store fixture is asked for its PostgreSQL variant alone (no skip)
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
async def test_postgres_backends_terminated_or_gone_mid_load(settings: Settings, monkeypatch):
    name = f"registry-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", name)  # this test's connections, and only them
    outage = Outage(settings.pg_host or "127.0.0.1", settings.pg_port)
    relayed = msgspec.structs.replace(settings, pg_host="127.0.0.1", pg_port=outage.port)
    registry = RegistryApplication(relayed)
    try:
        ctx = make_ctx(registry)
        api = build_app(registry, projector="in-process", limits=NO_RATES)
        with serving(api) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                warm = await client.get(
                    f"/api/v1/competitions/{ctx.world.competition}",
                    headers=ctx.auth("organiser", **{MIN: str(registry.head_position())}),
                )
                assert warm.status_code == 200
                # the backends are terminated: the server itself answers on
                samples: list[Sample] = []
                load = [_load(client, ctx, time.monotonic() + 3.0, samples) for _ in range(8)]

                async def terminate() -> float:
                    await asyncio.sleep(1.0)
                    assert await asyncio.to_thread(_terminate, settings, name) > 0
                    return time.monotonic()

                *_, killed = await asyncio.gather(*load, terminate())
                _check(samples, killed)

                # the server is gone for 3 s, then answers again
                samples = []
                load = [_load(client, ctx, time.monotonic() + 6.0, samples) for _ in range(8)]

                async def gone() -> float:
                    await asyncio.sleep(0.5)
                    outage.down()
                    await asyncio.sleep(3.0)
                    outage.up()
                    return time.monotonic()

                *_, back = await asyncio.gather(*load, gone())
                _check(samples, back)
                assert 503 in {status for _, _, status, _ in samples}

                # the projector reconnected too: a new event reaches the views
                position = add_competition(ctx, "after")
                answer = await client.get(
                    f"/api/v1/competitions/{ctx.world.competition}",
                    headers=ctx.auth("organiser", **{MIN: str(position)}),
                )
                assert answer.status_code == 200
    finally:
        registry.close()
        outage.down()
