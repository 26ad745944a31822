"""The load generator of ``bench/http.py``: a minimal raw-asyncio HTTP/1.1 client (or httpx),
closed-loop phases bounded in time and in count, their outcomes and latencies, and the
sampler of the PostgreSQL backends' waits."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.serving import (
    HOST,
    machine_busy,
    process_tree_cpu,
    start_profiler,
    tail,
)

GRACE = 30.0  # seconds a phase may overrun its end before its requests are cancelled


# ====================================================================== HTTP clients


class Response:
    __slots__ = ("body", "status")

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class RawConnection:
    """One HTTP/1.1 keep-alive connection over asyncio streams: write the request bytes,
    read the head, read ``content-length`` bytes. Nothing else (no chunked bodies)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.prefix = f" HTTP/1.1\r\nhost: {host}:{port}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, limit=1 << 20
        )

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, token: str | None = None, body: bytes | None = None
    ) -> Response:
        if self.writer is None:
            await self.connect()
        assert self.reader is not None and self.writer is not None
        head = method + " " + path + self.prefix
        if token is not None:
            head += "authorization: Bearer " + token + "\r\n"
        if body is not None:
            head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
            self.writer.write(head.encode() + body)
        else:
            self.writer.write((head + "\r\n").encode())
        answer = await self.reader.readuntil(b"\r\n\r\n")
        status = int(answer[9:12])
        lower = answer.lower()
        at = lower.find(b"content-length:")
        if at < 0:
            if b"transfer-encoding" in lower:
                raise RuntimeError("chunked answers are not supported by the raw client")
            return Response(status, b"")
        length = int(lower[at + 15 : lower.index(b"\r\n", at)])
        return Response(status, await self.reader.readexactly(length) if length else b"")


class HttpxConnection:
    """The same interface over one httpx.AsyncClient with one keep-alive connection."""

    def __init__(self, host: str, port: int) -> None:
        import httpx

        self.client = httpx.AsyncClient(
            base_url=f"http://{host}:{port}",
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=GRACE,
        )

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        await self.client.aclose()

    async def request(
        self, method: str, path: str, token: str | None = None, body: bytes | None = None
    ) -> Response:
        headers = {}
        if token is not None:
            headers["authorization"] = "Bearer " + token
        if body is not None:
            headers["content-type"] = "application/json"
        answer = await self.client.request(method, path, headers=headers, content=body)
        return Response(answer.status_code, answer.content)


# ====================================================================== load phases


@dataclass(slots=True)
class Item:
    method: str
    path: str
    token: str | None
    body: bytes | None
    marks: int = 0
    #: what to remember about it for the check (e.g. the marks it carries)
    tag: Any = None


@dataclass
class PhaseResult:
    name: str
    server: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    marks: int = 0
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    other_cpu: float = 0.0
    exhausted: bool = False
    cancelled: int = 0
    #: PostgreSQL: the server's backends by what they were doing (mean count per sample)
    waits: dict[str, float] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def mark_rate(self) -> float:
        return self.marks / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))


@dataclass
class Outcomes:
    """What the load generator learned about each mark-carrying request."""

    acked: list[Any] = field(default_factory=list)  # answered 2xx
    repeats: int = 0  # answered 200 (recorded: false)
    refused: list[Any] = field(default_factory=list)  # answered 4xx/5xx
    unknown: list[Any] = field(default_factory=list)  # no answer (connection lost, cancelled)
    max_position: int = 0


def problem_type(body: bytes) -> str:
    try:
        return str(json.loads(body).get("type", "?"))
    except Exception:
        return "?"


async def run_phase(
    name: str,
    server: str,
    port: int,
    streams: Sequence[Iterator[Item]],
    *,
    seconds: float,
    warmup: float,
    client: str,
    server_pid: int | None,
    outcomes: Outcomes | None = None,
    profile: Path | None = None,
) -> PhaseResult:
    """One closed-loop connection per stream; measure requests started after ``warmup``."""
    result = PhaseResult(name, server, len(streams))
    conns = [(RawConnection if client == "raw" else HttpxConnection)(HOST, port) for _ in streams]
    await asyncio.gather(*(c.connect() for c in conns))
    latencies = result.latencies
    statuses = result.statuses
    clock = time.perf_counter
    loop_start = clock()
    measure_from = loop_start + warmup
    deadline = measure_from + seconds
    last_done = [measure_from]
    marks = [0]
    exhausted = [False]
    in_flight: list[Item | None] = [None] * len(streams)
    cpu_marks: dict[str, float] = {}
    profiler: list[subprocess.Popen[bytes]] = []

    async def start_measuring() -> None:
        await asyncio.sleep(max(0.0, measure_from - clock()))
        cpu_marks["server"] = process_tree_cpu(server_pid) if server_pid else 0.0
        cpu_marks["machine"] = machine_busy()
        cpu_marks["client"] = time.process_time()
        cpu_marks["wall"] = clock()
        if profile is not None and server_pid:
            profiler.append(start_profiler(server_pid, seconds, profile))

    async def worker(index: int, conn: Any, stream: Iterator[Item]) -> None:
        while True:
            started = clock()
            if started >= deadline:
                return
            item = next(stream, None)
            if item is None:
                exhausted[0] = True
                return
            measured = started >= measure_from
            in_flight[index] = item
            try:
                answer = await conn.request(item.method, item.path, item.token, item.body)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
                in_flight[index] = None
                statuses[f"conn:{type(error).__name__}"] += 1
                if outcomes is not None:
                    outcomes.unknown.append(item.tag)
                await conn.close()
                continue
            in_flight[index] = None
            done = clock()
            ok = 200 <= answer.status < 300
            if measured:
                latencies.append(done - started)
                last_done[0] = done
                if ok:
                    marks[0] += item.marks
                    statuses[str(answer.status)] += 1
                else:
                    statuses[f"{answer.status} {problem_type(answer.body)}"] += 1
            if outcomes is not None:
                if ok:
                    outcomes.acked.append(item.tag)
                    if answer.status == 200:
                        outcomes.repeats += 1
                    position = json.loads(answer.body)["position"]
                    if position > outcomes.max_position:
                        outcomes.max_position = position
                else:
                    outcomes.refused.append((item.tag, answer.status, problem_type(answer.body)))

    measuring = asyncio.ensure_future(start_measuring())
    tasks = [
        asyncio.ensure_future(worker(i, conn, stream))
        for i, (conn, stream) in enumerate(zip(conns, streams, strict=True))
    ]
    _, pending = await asyncio.wait(tasks, timeout=warmup + seconds + GRACE)
    measuring.cancel()
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            statuses[f"client:{type(task.exception()).__name__}"] += 1
    for item in in_flight:
        if item is not None:
            result.cancelled += 1
            if outcomes is not None:
                outcomes.unknown.append(item.tag)
    end = last_done[0]
    if "wall" in cpu_marks and end > cpu_marks["wall"]:
        result.seconds = end - cpu_marks["wall"]
        result.client_cpu = (time.process_time() - cpu_marks["client"]) / result.seconds
        server_cpu = process_tree_cpu(server_pid) - cpu_marks["server"] if server_pid else 0.0
        result.server_cpu = server_cpu / result.seconds
        machine = machine_busy() - cpu_marks["machine"]
        result.other_cpu = max(
            0.0, machine / result.seconds - result.server_cpu - result.client_cpu
        )
    for process in profiler:
        try:
            process.wait(timeout=seconds + GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    result.marks = marks[0]
    result.exhausted = exhausted[0]
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    return result


class WaitSampler:
    """What the real server's PostgreSQL backends are doing, sampled from
    ``pg_stat_activity`` every 50 ms in a thread after ``delay`` seconds (the warm-up): per
    sample, each backend of the server's ``application_name`` (``PGAPPNAME``) that is active
    counts as running (on a CPU) or as its wait event (``Lock:relation``: a table lock,
    ``IO:WALSync``: fsync of the WAL...), one idle in a transaction as the app's own time.
    The answer: the mean number of backends in each state, the most frequent first."""

    def __init__(self, url: str, prefix: str, delay: float) -> None:
        import threading

        self.url, self.prefix, self.delay = url, prefix, delay
        self.done = threading.Event()
        self.counts: collections.Counter[str] = collections.Counter()
        self.samples = 0
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        import psycopg

        from store.settings import parse_database_url

        if self.done.wait(self.delay):
            return
        conninfo = parse_database_url(self.url).pg_conninfo()
        while True:  # the server may have no connection to spare at once (others' tests)
            try:
                connection = psycopg.connect(conninfo, autocommit=True)
                break
            except psycopg.OperationalError:
                if self.done.wait(0.2):
                    return
        with connection as c:
            while not self.done.wait(0.05):
                try:
                    rows = c.execute(
                        "SELECT application_name, state, wait_event_type, wait_event "
                        "FROM pg_stat_activity WHERE application_name LIKE %s",
                        (self.prefix + "%",),
                    ).fetchall()
                except psycopg.Error:
                    return
                self.samples += 1
                for name, state, kind, event in rows:
                    who = "projector " if name.endswith("-projector") else ""
                    if state == "active":
                        self.counts[who + ("running" if kind is None else f"{kind}:{event}")] += 1
                    elif state and state.startswith("idle in transaction"):
                        self.counts[who + "idle in transaction"] += 1

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.thread.join(timeout=10)
        if not self.samples:
            return {}
        means = {k: round(n / self.samples, 2) for k, n in self.counts.most_common()}
        return {k: v for k, v in means.items() if v >= 0.01}


# ====================================================================== waiting for a server


async def wait_http(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited:\n{tail(log)}")
        conn = RawConnection(HOST, port)
        try:
            if (await conn.request("GET", "/healthz")).status == 200:
                return
        except OSError:
            await asyncio.sleep(0.1)
        finally:
            await conn.close()
    raise RuntimeError(f"the server on port {port} did not come up:\n{tail(log)}")


async def wait_caught_up(port: int, timeout: float = 600) -> float:
    """Wait until ``/readyz`` reports the projector at the head; the seconds it took."""
    started = time.perf_counter()
    conn = RawConnection(HOST, port)
    try:
        while time.perf_counter() - started < timeout:
            answer = await conn.request("GET", "/readyz")
            ready = answer.json()
            if answer.status != 200:
                raise RuntimeError(f"/readyz: {ready}")
            if ready.get("projector_lag") == 0:
                return time.perf_counter() - started
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    raise RuntimeError(f"the projector did not catch up within {timeout:.0f} s")


async def settle(port: int, timeout: float = 120) -> None:
    """Wait until nothing more is being recorded (a cancelled request may still commit) and
    the views have caught up, so the check compares settled numbers."""
    started = time.perf_counter()
    conn = RawConnection(HOST, port)
    try:
        last = None
        while time.perf_counter() - started < timeout:
            ready = (await conn.request("GET", "/readyz")).json()
            now = (ready.get("head_position"), ready.get("projector_lag"))
            if now == last and now[1] == 0:
                return
            last = now
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
