"""Benchmark: the HTTP API under load — marks, sheets, standings — beside a bare Litestar
ceiling served the same way, in one run, on a fresh store.

    python bench/http.py            # ~10 s per phase
    python bench/http.py --quick    # ~3 s per phase
    python bench/http.py --database-url postgresql://postgres@127.0.0.1/test?schema=bench_http
    python bench/http.py --quick --compare-projector           # + sheets, the other topology
    python bench/http.py --quick --scaling 1,2,4 --database-url postgresql://...  # 1, 2, 4 APIs

What it does:

1. makes the first admin with ``registry accounts create``, starts the real server
   (``registry serve --port P``, 1 worker unless ``--workers``, in serve's default topology:
   on SQLite with more than one CPU the projector is serve's child process; ``--projector
   process|in-process`` names one; with ``--projector separate`` the projector is its own
   ``registry project`` process, started by this script) and sets
   up through the API a WorldSkills championship: 200 competitors from 8 colleges, 32 experts
   (and a chief) from an enterprise (so no conflict of interest), each with a token;
   competitions for single marks and for sheets (200 measurement aspects of 0.50 = 100.00,
   so 40,000 distinct marks each, filled one after the other), and one competition marked,
   locked and published for the standings;
2. starts the bare app (``bench/bare_app.py``: same uvicorn settings, a POST of the mark
   body's shape and a GET answering a Struct shaped like — and as big as — the real
   standings answer) and a canned-answer server that measures the load generator's own
   ceiling;
3. loads each endpoint from an asyncio client with HTTP/1.1 keep-alive connections, one
   request in flight per connection (closed loop), each phase bounded in time and in count:
   single marks from 32 experts, sheets of 50 marks from 32 experts, public standings GETs
   from 50 clients, each beside its bare twin;
4. checks that every mark answered 2xx is stored exactly once (read back from the store, and
   the competitions' marking progress through the API), and prints the table, the ratios and
   whether each target is met.

``--compare-projector`` then restarts the real server in the other topology (the projector
separate, or serve's default if it was separate) on the same store and loads sheets again, on
competitions of their own: the whole-sheet POST of both topologies in one run. Both sheet
phases then run on a server started afresh (the first topology's is restarted before its
sheets), so neither carries the set-up's heap and caches. ``--scaling
1,2,4`` restarts it with 1, 2 and 4 API processes (``--workers``) and the projector separate,
and loads single marks at each, on competitions of their own. Every mark
of these phases is checked too. The last line of the output is the figures for
``bench/report.py`` (``bench/figures.py``).

Targets (SQLite, this 2-core machine): single marks >= 3,000/s with p99 < 50 ms; sheets >=
25,000 marks/s; standings GETs >= 0.7 x the bare GET rate with p99 < 10 ms.

Limitation: the load generator runs on the same 2 cores as the server. The default client is
a minimal raw-asyncio HTTP/1.1 client (on uvloop when installed) whose CPU cost per request
is printed for every phase, beside its ceiling against the canned server; ``--client httpx``
uses httpx.AsyncClient instead, which needs ~1.3 ms of CPU per request here (~35 x the raw
client's ~40 us): ~750 requests/s with a whole core, below the bare app's own rate, so it
cannot load these servers. The CPU the server, the generator and everything else on the
machine used in each measured window is printed too (100% = one core), as is how busy the
machine was before the run.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import json
import math
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path and this file would shadow the standard
# library's http (imported by httpx, litestar...): put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.figures import LOWER, emit, figure  # noqa: E402

HOST = "127.0.0.1"
V1 = "/api/v1"
ASPECTS = 200  # 200 x 0.50 = 100.00; the most a scheme may have
CRITERIA = "ABCDE"
SHEET = 50
PUBLISHED_ASPECTS = 20  # 20 x 5.00 for the published competition
GRACE = 30.0  # seconds a phase may overrun its end before its requests are cancelled
CLK_TCK = os.sysconf("SC_CLK_TCK")

TARGET_SINGLE_RATE = 3_000
TARGET_SINGLE_P99 = 50.0
TARGET_SHEET_RATE = 25_000
TARGET_GET_RATIO = 0.7
TARGET_GET_P99 = 10.0
# issue 17, each against its floor in the same run
GOAL_SINGLE_RATIO = 0.5  # single-mark POST >= 0.5 x the bare POST
GOAL_SINGLE_P99_RATIO = 0.5  # p99 <= 2 x the bare p99 (ratio bare / ours)
GOAL_GET_RATIO = 1.0  # standings GET >= 1 x the bare GET
GOAL_TOPOLOGY_RATIO = 1.0  # sheets, serve's default topology >= the separate projector
GOAL_SCALING_RATIO = 1.0  # the issue names no figure: more API processes are not slower


def say(text: str) -> None:
    print(text, flush=True)


# ====================================================================== processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def registry_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("registry")
    if script.exists():
        return [str(script), *args]
    found = shutil.which("registry")
    return [found, *args] if found else [sys.executable, "-m", "cli.main", *args]


def projector_option(projector: str) -> list[str]:
    """``registry serve``'s option for a topology of ``--projector`` (none: its default)."""
    if projector == "default":
        return []
    return ["--projector", "external" if projector == "separate" else projector]


def child_env(**extra: str) -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_PROJECTOR")},
        "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else ""),
        **extra,
    }


#: every child started by this run, stopped in ``main``'s ``finally`` whatever happens
CHILDREN: list[subprocess.Popen[bytes]] = []


def spawn(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    CHILDREN.append(process)
    return process


def spawn_real(
    url: str,
    appname: str,
    port: int,
    projector: str,
    workers: int,
    log: Path,
    projector_log: Path,
) -> list[subprocess.Popen[bytes]]:
    """``registry serve`` on ``port`` in ``projector``'s topology with ``workers`` API
    processes and, for ``separate``, its own ``registry project`` process (as
    docker-compose.yml deploys it): the processes, the server first. Their PostgreSQL
    connections are named ``<appname>-api`` and ``<appname>-projector``."""
    env = child_env(REGISTRY_DATABASE_URL=url, PGAPPNAME=f"{appname}-api")
    command = registry_command(
        "serve", "--port", str(port), *projector_option(projector), "--workers", str(workers)
    )
    group = [spawn(command, log, env)]
    if projector == "separate":
        env = {**env, "PGAPPNAME": f"{appname}-projector"}
        group.append(spawn(registry_command("project"), projector_log, env))
    return group


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (uvicorn's graceful shutdown), then SIGKILL; only this child's own group."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == current)
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def start_profiler(pid: int, seconds: float, path: Path) -> subprocess.Popen[bytes]:
    """py-spy (if installed) samples ``pid`` for the measured window: raw collapsed stacks."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            "200",
            "--format",
            "raw",
            "--nonblocking",
            "--gil",  # only the thread holding the GIL: where the CPU goes
            "--output",
            str(path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ====================================================================== canned server


def serve_canned(port: int, get_body_file: str | None) -> None:
    """A minimal HTTP/1.1 keep-alive server answering every request with canned bytes: what
    the load generator achieves against it is the generator's own ceiling."""
    post_body = (
        b'{"id":"00000000-0000-0000-0000-000000000000","position":1,"recorded":true,"version":1}'
    )
    get_body = Path(get_body_file).read_bytes() if get_body_file else post_body

    def answer(status: bytes, body: bytes) -> bytes:
        return (
            b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )

    post_answer, get_answer = answer(b"201 Created", post_body), answer(b"200 OK", get_body)

    class Canned(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            buffer = self.buffer + data
            while True:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buffer[:end].lower()
                length = 0
                at = head.find(b"content-length:")
                if at >= 0:
                    stop = head.find(b"\r\n", at)
                    length = int(head[at + 15 : stop if stop >= 0 else len(head)])
                if len(buffer) < end + 4 + length:
                    break
                buffer = buffer[end + 4 + length :]
                self.transport.write(post_answer if head.startswith(b"post") else get_answer)
            self.buffer = buffer

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Canned, HOST, port)
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        run_loop(main())


def run_loop(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


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


# ====================================================================== setup over the API


@dataclass
class Setup:
    tag: str
    organiser: str
    chief: str
    experts: list[tuple[str, str]]  # (account id, token)
    competitors: list[str]
    single: list[str]  # competition ids, filled in this order
    sheets: list[str]
    published: str
    championship: str
    standings: bytes = b""


class Api:
    """Sequential JSON calls for the set-up (a few thousand), on one keep-alive connection
    per concurrent lane."""

    def __init__(self, port: int, lanes: int = 8) -> None:
        self.port = port
        self.pool: asyncio.Queue[RawConnection] = asyncio.Queue()
        for _ in range(lanes):
            self.pool.put_nowait(RawConnection(HOST, port))
        self.lanes = lanes

    async def call(
        self,
        method: str,
        path: str,
        token: str | None,
        body: Any = None,
        expect: Iterable[int] = (200, 201),
    ) -> Any:
        conn = await self.pool.get()
        try:
            data = None if body is None else json.dumps(body).encode()
            if method in ("POST", "PUT") and data is None:
                data = b""
            answer = await conn.request(method, path, token, data)
        finally:
            self.pool.put_nowait(conn)
        if answer.status not in tuple(expect):
            raise RuntimeError(
                f"{method} {path} answered {answer.status}: {answer.body[:500].decode()}"
            )
        return answer.json() if answer.body else None

    async def each(self, calls: Iterable[Any]) -> list[Any]:
        """Run coroutines at most ``lanes`` at a time, in order of the answers' list."""
        semaphore = asyncio.Semaphore(self.lanes)

        async def one(coroutine: Any) -> Any:
            async with semaphore:
                return await coroutine

        return await asyncio.gather(*(one(c) for c in calls))

    async def close(self) -> None:
        while not self.pool.empty():
            await self.pool.get_nowait().close()


def scheme(aspects: int, max_mark: str) -> dict[str, Any]:
    per = aspects // len(CRITERIA)
    return {
        "aspects": [
            {
                "id": f"M{i:03d}",
                "criterion": CRITERIA[min(i // per, len(CRITERIA) - 1)],
                "description": f"Измерение {i}",
                "max_mark": max_mark,
                "type": "measurement",
            }
            for i in range(aspects)
        ]
    }


async def set_up(
    port: int, admin: str, *, competitors: int, experts: int, single: int, sheets: int
) -> Setup:
    api = Api(port)
    tag = "".join(random.choices(string.ascii_uppercase, k=6))
    started = time.perf_counter()
    try:
        organiser = (
            await api.call(
                "POST",
                f"{V1}/accounts",
                admin,
                {"name": f"Bench organiser {tag}", "role": "organiser"},
            )
        )["token"]
        chief = await api.call(
            "POST", f"{V1}/accounts", admin, {"name": f"Bench chief {tag}", "role": "chief_expert"}
        )
        expert_accounts = await api.each(
            api.call(
                "POST",
                f"{V1}/accounts",
                admin,
                {"name": f"Bench expert {tag} {i:02d}", "role": "expert"},
            )
            for i in range(experts)
        )
        colleges = [
            (
                await api.call(
                    "POST",
                    f"{V1}/organisations",
                    organiser,
                    {
                        "name_ru": f"Колледж {tag} №{i}",
                        "name_kk": f"{tag} №{i} колледжі",
                        "kind": "college",
                        "region": "VKO",
                    },
                )
            )["id"]
            for i in range(8)
        ]
        enterprise = (
            await api.call(
                "POST",
                f"{V1}/organisations",
                organiser,
                {
                    "name_ru": f"Предприятие {tag}",
                    "name_kk": f"{tag} кәсіпорны",
                    "kind": "enterprise",
                    "region": "VKO",
                },
            )
        )["id"]
        people = [
            answer["id"]
            for answer in await api.each(
                api.call(
                    "POST",
                    f"{V1}/participants",
                    organiser,
                    {
                        "full_name": f"Участник {tag} {i:03d}",
                        "organisation_id": colleges[i % len(colleges)],
                        "birth_date": f"{2000 + i % 8}-0{1 + i % 9}-1{i % 10}",
                    },
                )
                for i in range(competitors)
            )
        ]
        say(f"  set-up: accounts, organisations, {len(people)} competitors")
        championship = (
            await api.call(
                "POST",
                f"{V1}/championships",
                organiser,
                {
                    "kind": "worldskills",
                    "level": "regional",
                    "year": 2025,
                    "region": "B" + tag,
                    "title_ru": f"Нагрузочный чемпионат {tag}",
                    "title_kk": f"Жүктеме чемпионаты {tag}",
                    "starts_on": "2025-03-01",
                    "ends_on": "2025-03-05",
                },
            )
        )["id"]
        kinds = ["single"] * single + ["sheets"] * sheets + ["published"]
        competitions = []
        for n, kind in enumerate(kinds):
            competitions.append(
                (
                    await api.call(
                        "POST",
                        f"{V1}/championships/{championship}/competitions",
                        organiser,
                        {
                            "code": f"bench-{kind}-{n:02d}",
                            "title_ru": f"Компетенция {kind} {n}",
                            "title_kk": f"Құзырет {kind} {n}",
                            "category": "main",
                        },
                    )
                )["id"]
            )

        async def prepare(competition: str, kind: str) -> None:
            c = f"{V1}/competitions/{competition}"
            body = (
                scheme(PUBLISHED_ASPECTS, "5.00")
                if kind == "published"
                else scheme(ASPECTS, "0.50")
            )
            await api.call("PUT", f"{c}/scheme", organiser, body)
            for person in people:
                await api.call("POST", f"{c}/entrants", organiser, {"participant_id": person})
            for account, role in [(chief, "chief"), *((e, "expert") for e in expert_accounts)]:
                await api.call(
                    "POST",
                    f"{c}/experts",
                    organiser,
                    {"account_id": account["id"], "role": role, "organisation_id": enterprise},
                )
            await api.call("POST", f"{c}/start", organiser)

        await api.each(prepare(c, k) for c, k in zip(competitions, kinds, strict=True))
        say(f"  set-up: {len(competitions)} competitions with schemes, entrants, experts, started")

        # the published competition: every mark by sheets, lock, publish
        published = competitions[-1]
        c = f"{V1}/competitions/{published}"
        rng = random.Random(7)
        marks = [
            {
                "competitor_id": person,
                "aspect_id": f"M{a:03d}",
                "value": f"{rng.randint(100, 500) / 100:.2f}",
            }
            for person in people
            for a in range(PUBLISHED_ASPECTS)
        ]
        for n in range(0, len(marks), SHEET):
            token = expert_accounts[(n // SHEET) % experts]["token"]
            await api.call("POST", f"{c}/marks", token, {"marks": marks[n : n + SHEET]})
        # the bench's experts do not sign off one by one: the chief records an override
        override = {"override_reason": "bench: synthetic marks"}
        await api.call("POST", f"{c}/lock", chief["token"], override)
        last = await api.call("POST", f"{c}/publish", organiser)
        standings = await fetch_standings(port, published, last["position"])
        say(
            f"  set-up: published competition ({len(marks):,} marks), standings "
            f"{len(standings):,} bytes; set-up took {time.perf_counter() - started:.1f} s"
        )
        return Setup(
            tag=tag,
            organiser=organiser,
            chief=chief["token"],
            experts=[(e["id"], e["token"]) for e in expert_accounts],
            competitors=people,
            single=competitions[:single],
            sheets=competitions[single : single + sheets],
            published=published,
            championship=championship,
            standings=standings,
        )
    finally:
        await api.close()


async def fetch_standings(port: int, competition: str, position: int) -> bytes:
    reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 22)
    try:
        writer.write(
            f"GET {V1}/competitions/{competition}/standings HTTP/1.1\r\nhost: {HOST}\r\n"
            f"x-registry-min-position: {position}\r\nconnection: close\r\n\r\n".encode()
        )
        data = await reader.read()
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"standings answered {head[:200]!r}")
    return body


# ====================================================================== request streams


def aspect_of(k: int) -> str:
    return f"M{k % ASPECTS:03d}"


def value_of(k: int, competition: int) -> str:
    return f"{((k * 7919 + competition * 13) % 51) / 100:.2f}"


def expert_marks(
    setup: Setup, competitions: Sequence[str], expert: int, size: int
) -> Iterator[Item]:
    """The marks of one expert, competition after competition: its share of the
    (competitor, aspect) pairs, one mark per request (``size`` 1) or sheets of ``size``."""
    token = setup.experts[expert][1]
    people = setup.competitors
    experts = len(setup.experts)
    for n, competition in enumerate(competitions):
        path = f"{V1}/competitions/{competition}/marks"
        mine = range(expert, len(people) * ASPECTS, experts)
        for start in range(0, len(mine), size):
            ks = mine[start : start + size]
            marks = [
                f'{{"competitor_id":"{people[k // ASPECTS]}","aspect_id":"{aspect_of(k)}",'
                f'"value":"{value_of(k, n)}"}}'
                for k in ks
            ]
            body = marks[0] if size == 1 else '{"marks":[' + ",".join(marks) + "]}"
            yield Item("POST", path, token, body.encode(), len(ks), (competition, expert, ks))


def stored_marks(url: str, competitions: Sequence[str]) -> dict[str, collections.Counter[Any]]:
    """Every mark stored in the competitions' MarksEntered events, read back from the store."""
    from uuid import UUID

    from domain.competition import Competition
    from registry.application import RegistryApplication
    from store.settings import parse_database_url

    app = RegistryApplication(parse_database_url(url))
    try:
        found: dict[str, collections.Counter[Any]] = {}
        for competition in competitions:
            counter: collections.Counter[Any] = collections.Counter()
            for event in app.repository.event_store.get(UUID(competition)):
                if isinstance(event, Competition.MarksEntered):
                    for mark in event.marks:
                        counter[(str(mark.competitor_id), mark.aspect_id, str(mark.expert_id))] += 1
            found[competition] = counter
        return found
    finally:
        app.close()


def expected_keys(setup: Setup, tags: Iterable[Any]) -> list[tuple[str, str, str, str]]:
    keys = []
    for competition, expert, ks in tags:
        expert_id = setup.experts[expert][0]
        for k in ks:
            keys.append((competition, setup.competitors[k // ASPECTS], aspect_of(k), expert_id))
    return keys


async def progress_entered(port: int, token: str, competition: str, position: int) -> int:
    conn = RawConnection(HOST, port)
    try:
        conn.prefix += f"x-registry-min-position: {position}\r\n"
        answer = await conn.request("GET", f"{V1}/competitions/{competition}", token)
    finally:
        await conn.close()
    if answer.status != 200:
        raise RuntimeError(f"competition {competition} answered {answer.status}")
    return int(answer.json()["progress"]["entered"])


async def verify(
    url: str, port: int, setup: Setup, pools: dict[str, tuple[list[str], Outcomes]]
) -> bool:
    """Every mark answered 2xx is stored exactly once, by its expert; nothing refused is."""
    ok = True
    say("")
    say("check: every mark answered 2xx is stored exactly once")
    for name, (competitions, outcomes) in pools.items():
        acked = expected_keys(setup, outcomes.acked)
        refused = expected_keys(setup, (tag for tag, _, _ in outcomes.refused))
        unknown = expected_keys(setup, outcomes.unknown)
        stored_by = await asyncio.to_thread(stored_marks, url, competitions)
        stored: collections.Counter[Any] = collections.Counter()
        for competition, counter in stored_by.items():
            for (person, aspect, expert), n in counter.items():
                stored[(competition, person, aspect, expert)] += n
        duplicates = sum(n - 1 for n in stored.values() if n > 1)
        acked_set = set(acked)
        missing = sum(1 for key in acked_set if stored[key] != 1)
        refused_stored = sum(1 for key in refused if key in stored)
        extra = set(stored) - acked_set - set(unknown)
        entered = 0
        for competition in competitions:
            entered += await progress_entered(
                port, setup.organiser, competition, outcomes.max_position
            )
        total = sum(stored.values())
        good = (
            len(acked_set) == len(acked)
            and duplicates == 0
            and missing == 0
            and refused_stored == 0
            and not extra
            and entered == total
        )
        ok = ok and good
        say(
            f"  {name}: {len(acked):,} marks answered 2xx ({outcomes.repeats} of them as "
            f"repeats), {len(refused):,} refused, {len(unknown):,} never answered"
        )
        say(
            f"    store ({len(competitions)} competition(s)): {total:,} marks; stored twice: "
            f"{duplicates}; answered 2xx but not stored exactly once: {missing}; refused but "
            f"stored: {refused_stored}; stored but never answered: {len(extra)}"
        )
        say(f"    API marking progress: {entered:,} entered -> " + ("OK" if good else "FAILED"))
    return ok


# ====================================================================== the run


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


def create_admin(url: str, tag: str) -> str:
    command = registry_command(
        "accounts", "create", "--name", f"Bench admin {tag}", "--role", "admin"
    )
    done = subprocess.run(
        command,
        env=child_env(REGISTRY_DATABASE_URL=url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"registry accounts create failed:\n{done.stdout}{done.stderr}")
    return next(line.split()[-1] for line in done.stdout.splitlines() if line.startswith("token"))


def fmt_row(r: PhaseResult) -> str:
    per_request = r.client_cpu * r.seconds / r.requests * 1e6 if r.requests else 0.0
    marks = f"{r.mark_rate:>10,.0f}" if r.marks else f"{'-':>10}"
    return (
        f"{r.name:<28} {r.server:<6} {r.concurrency:>4} {r.requests:>9,} {r.rate:>9,.0f} "
        f"{marks} {r.percentile(50):>7.2f} {r.percentile(99):>7.2f} "
        f"{r.server_cpu * 100:>6.0f}% {r.client_cpu * 100:>6.0f}% {per_request:>6.0f} "
        f"{r.other_cpu * 100:>6.0f}% {r.errors:>6,}"
    )


def print_table(results: list[PhaseResult]) -> None:
    say("")
    say(
        f"{'phase':<28} {'server':<6} {'conc':>4} {'requests':>9} {'req/s':>9} {'marks/s':>10} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'srv CPU':>7} {'cli CPU':>7} {'cli us':>6} "
        f"{'other':>7} {'errors':>6}"
    )
    for r in results:
        say(fmt_row(r))
    say(
        "(srv / cli CPU: share of one core used by the server's process tree / by this load "
        "generator in the measured window; cli us: the generator's CPU microseconds per "
        "request; other: CPU used by everything else on the machine — the projector in the "
        "API process or as serve's child counts as server, a separate one as other — 2 cores "
        "= 200%)"
    )
    for r in results:
        notes = []
        if r.exhausted:
            notes.append(f"its marks ran out after {r.seconds:.1f} s (bounded by count)")
        if r.cancelled:
            notes.append(f"{r.cancelled} requests cancelled at the end")
        bad = {k: v for k, v in r.statuses.items() if not k.startswith("2")}
        if bad:
            notes.append("errors: " + ", ".join(f"{k} x{v}" for k, v in sorted(bad.items())))
        if notes:
            say(f"  {r.name} ({r.server}): " + "; ".join(notes))


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def print_targets(by: dict[tuple[str, str], PhaseResult], store: str) -> None:
    single, bare_post = by[("single", "real")], by[("single", "bare")]
    sheets = by[("sheets", "real")]
    get_real, get_bare = by[("get", "real")], by[("get", "bare")]
    say("")
    say("ratios real / bare:")
    say(
        f"  single-mark POST: {single.rate / bare_post.rate:.3f} x the bare POST rate "
        f"(p50 {single.percentile(50) / bare_post.percentile(50):.1f} x, "
        f"p99 {single.percentile(99) / bare_post.percentile(99):.1f} x)"
    )
    say(
        f"  sheet POST:       {sheets.rate / bare_post.rate:.3f} x the bare POST request rate; "
        f"{sheets.mark_rate / max(single.mark_rate, 1e-9):.1f} x the single-mark marks/s"
    )
    say(
        f"  standings GET:    {get_real.rate / get_bare.rate:.3f} x the bare GET rate "
        f"(p50 {get_real.percentile(50) / get_bare.percentile(50):.1f} x, "
        f"p99 {get_real.percentile(99) / get_bare.percentile(99):.1f} x)"
    )
    say("")
    say(f"targets (set for SQLite on this 2-core machine; this run: {store}):")
    say(
        f"  single marks >= {TARGET_SINGLE_RATE:,}/s with p99 < {TARGET_SINGLE_P99:.0f} ms: "
        f"{single.mark_rate:,.0f}/s, p99 {single.percentile(99):.1f} ms -> "
        + verdict(
            single.mark_rate >= TARGET_SINGLE_RATE and single.percentile(99) < TARGET_SINGLE_P99
        )
    )
    say(
        f"  sheets >= {TARGET_SHEET_RATE:,} marks/s: {sheets.mark_rate:,.0f} marks/s -> "
        + verdict(sheets.mark_rate >= TARGET_SHEET_RATE)
    )
    ratio = get_real.rate / get_bare.rate
    say(
        f"  standings GETs >= {TARGET_GET_RATIO} x bare with p99 < {TARGET_GET_P99:.0f} ms: "
        f"{ratio:.2f} x, p99 {get_real.percentile(99):.1f} ms -> "
        + verdict(ratio >= TARGET_GET_RATIO and get_real.percentile(99) < TARGET_GET_P99)
    )
    # What the framework itself reaches here, for the targets that are absolute times: in a
    # closed loop the mean latency is clients / rate (Little's law), so a p99 below X ms at
    # C clients needs more than C / X requests per second from whatever serves them.
    say("the bare app in the same run (the framework's ceiling on this machine):")
    for name, bare, clients, target in (
        ("single-mark POST", bare_post, single.concurrency, TARGET_SINGLE_P99),
        ("standings GET", get_bare, get_real.concurrency, TARGET_GET_P99),
    ):
        say(
            f"  {name}: {bare.rate:,.0f}/s, p99 {bare.percentile(99):.1f} ms; a p99 under "
            f"{target:.0f} ms at {clients} clients needs over {clients / target * 1000:,.0f}/s "
            "(mean latency = clients / rate)"
        )


def report_figures(
    by: dict[tuple[str, str], PhaseResult], projector: str, other: str | None, scaling: list[int]
) -> list[dict[str, Any]]:
    """The figures for ``bench/report.py``: each real phase beside its floor in this run."""
    single, bare_post = by[("single", "real")], by[("single", "bare")]
    get_real, get_bare = by[("get", "real")], by[("get", "bare")]
    clients = single.concurrency

    def cpu(r: PhaseResult) -> dict[str, Any]:
        return {
            "server CPU (cores)": round(r.server_cpu, 2),
            "client CPU (cores)": round(r.client_cpu, 2),
            "other CPU (cores)": round(r.other_cpu, 2),
            **({"PostgreSQL backends (mean per sample)": r.waits} if r.waits else {}),
        }

    figures = [
        figure(
            "http.single.rate",
            f"single-mark POST, {clients} clients",
            single.rate,
            bare_post.rate,
            "req/s",
            goal=GOAL_SINGLE_RATIO,
            against="bare Litestar POST, same run",
            **cpu(single),
        ),
        figure(
            "http.single.p99",
            f"single-mark POST p99, {clients} clients",
            single.percentile(99),
            bare_post.percentile(99),
            "ms",
            better=LOWER,
            goal=GOAL_SINGLE_P99_RATIO,
            against="bare Litestar POST p99, same run",
        ),
    ]
    if other:
        mine = {projector: by[("sheets", "real")], other: by[("sheets-other", "real")]}
        apart = mine.pop("separate")
        (topology, inside), *_ = mine.items()
        figures.append(
            figure(
                "http.sheets.topology",
                f"whole-sheet POST ({SHEET} marks), {inside.concurrency} clients: registry "
                f"serve's {topology} topology",
                inside.mark_rate,
                apart.mark_rate,
                "marks/s",
                goal=GOAL_TOPOLOGY_RATIO,
                against="the projector as its own `registry project` process, same run",
                **{
                    f"{topology} p99 (ms)": round(inside.percentile(99), 1),
                    "separate p99 (ms)": round(apart.percentile(99), 1),
                    "measured first": projector,
                },
            )
        )
    figures.append(
        figure(
            "http.get.rate",
            f"standings GET, {get_real.concurrency} clients",
            get_real.rate,
            get_bare.rate,
            "req/s",
            goal=GOAL_GET_RATIO,
            against="bare Litestar GET, same run",
            **{
                "p99 (ms)": round(get_real.percentile(99), 1),
                "bare p99 (ms)": round(get_bare.percentile(99), 1),
            },
        )
    )
    for before, after in itertools.pairwise(scaling):
        was, now = by[(f"scale-{before}", "real")], by[(f"scale-{after}", "real")]
        figures.append(
            figure(
                f"http.scaling.{after}",
                f"single-mark POST, {after} vs {before} API processes (projector separate)",
                now.mark_rate,
                was.mark_rate,
                "marks/s",
                goal=GOAL_SCALING_RATIO,
                against=f"{before} API process(es), same run",
                **{f"{before} API: {k}": v for k, v in cpu(was).items()},
                **{f"{after} API: {k}": v for k, v in cpu(now).items()},
                **{f"{after} API: p99 (ms)": round(now.percentile(99), 1)},
            )
        )
    return figures


async def run(args: argparse.Namespace, folder: Path) -> int:
    url = args.database_url or f"sqlite:///{folder}/registry.sqlite"
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    # enough distinct marks for the targets' rates over a whole phase (bounded by count too)
    capacity = args.competitors * ASPECTS
    single_pool = args.single_competitions or math.ceil(
        TARGET_SINGLE_RATE * (seconds + warmup) / capacity
    )
    sheet_pool = args.sheet_competitions or math.ceil(
        TARGET_SHEET_RATE * (seconds + warmup) / capacity
    )
    from store.settings import parse_database_url

    sqlite = parse_database_url(url).backend == "sqlite"
    if args.projector == "default" and not sqlite:
        # serve's default there is an external projector: `registry project` beside it, as
        # docker-compose.yml deploys it
        args.projector = "separate"
    other = None
    if args.compare_projector:  # the separate projector against another topology
        other = (
            "separate" if args.projector != "separate" else "default" if sqlite else "in-process"
        )
        if not args.sheet_competitions:  # both topologies' pools: room for twice the target
            sheet_pool = math.ceil(2 * TARGET_SHEET_RATE * (seconds + warmup) / capacity)
    scaling = [int(n) for n in args.scaling.split(",")] if args.scaling else []
    # each step of the scaling: room for twice the target rate (several processes)
    per_step = math.ceil(2 * TARGET_SINGLE_RATE * (seconds + warmup) / capacity)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        settings = parse_database_url(url)
        say(
            f"store: {settings.describe()}; {seconds:g} s per phase after {warmup:g} s of warm-up; "
            f"server workers: {args.workers}; projector: {args.projector}; client: {args.client}"
            + (" on uvloop" if _has_uvloop() else " on asyncio")
        )
        before = machine_busy()
        await asyncio.sleep(1.0)
        say(
            f"machine: {os.cpu_count()} cores, {(machine_busy() - before) * 100:.0f}% busy "
            "(100% = one core) in the second before the run: other work skews every figure"
        )
        admin = create_admin(url, "".join(random.choices(string.ascii_uppercase, k=6)))
        # the real server's PostgreSQL connections are named, so their waits can be sampled
        appname = f"bench-http-{os.getpid()}"
        real_port, bare_port, canned_port = free_port(), free_port(), free_port()
        real_log, bare_log, canned_log = (folder / f"{n}.log" for n in ("real", "bare", "canned"))
        processes.extend(
            spawn_real(
                url,
                appname,
                real_port,
                args.projector,
                args.workers,
                real_log,
                folder / "projector.log",
            )
        )
        real = processes[0]
        await wait_http(real_port, real, real_log)
        say(f"real server: registry serve on port {real_port} (pid {real.pid}, log {real_log})")
        setup = await set_up(
            real_port,
            admin,
            competitors=args.competitors,
            experts=args.experts,
            single=single_pool + per_step * len(scaling),
            sheets=sheet_pool * (2 if other else 1),
        )
        steps = [
            setup.single[single_pool + i * per_step : single_pool + (i + 1) * per_step]
            for i in range(len(scaling))
        ]
        other_sheets = setup.sheets[sheet_pool:]
        setup.single, setup.sheets = setup.single[:single_pool], setup.sheets[:sheet_pool]
        real_group = list(processes)  # the real server (and its separate projector)
        standings_file = folder / "standings.json"
        standings_file.write_bytes(setup.standings)
        bare = spawn(
            [
                sys.executable,
                str(ROOT / "bench" / "bare_app.py"),
                "--port",
                str(bare_port),
                "--workers",
                str(args.workers),
            ],
            bare_log,
            child_env(BENCH_STANDINGS_FILE=str(standings_file)),
        )
        processes.append(bare)
        canned = spawn(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--serve-canned",
                str(canned_port),
                "--get-body",
                str(standings_file),
            ],
            canned_log,
            child_env(),
        )
        processes.append(canned)
        await wait_http(bare_port, bare, bare_log)
        await wait_http(canned_port, canned, canned_log)
        say(
            f"bare app: bench/bare_app.py on port {bare_port} (pid {bare.pid}); "
            f"canned server on port {canned_port}"
        )

        experts = len(setup.experts)
        results: list[PhaseResult] = []
        by: dict[tuple[str, str], PhaseResult] = {}
        common = {"seconds": seconds, "warmup": warmup, "client": args.client}

        servers = {
            "canned": (canned_port, canned.pid),
            "bare": (bare_port, bare.pid),
            "real": (real_port, real.pid),
        }

        async def phase(
            key: str, server: str, name: str, streams: Sequence[Iterator[Item]], **k: Any
        ) -> PhaseResult:
            """Run one phase against ``server``; its result is ``by[(key, server)]``."""
            port, pid = servers[server]
            if args.profile and server == "real":
                args.profile.mkdir(parents=True, exist_ok=True)
                k["profile"] = args.profile / f"{key}.txt"
            sampler = None
            if settings.backend == "postgres" and server == "real":
                sampler = WaitSampler(url, appname, warmup)
            result = await run_phase(name, server, port, streams, server_pid=pid, **common, **k)
            if sampler is not None:
                result.waits = sampler.stop()
            results.append(result)
            by[(key, server)] = result
            say(
                f"  {result.name} ({result.server}): {result.rate:,.0f} req/s, "
                + (f"{result.mark_rate:,.0f} marks/s, " if result.marks else "")
                + f"p50 {result.percentile(50):.2f} ms, p99 {result.percentile(99):.2f} ms"
            )
            if result.waits:
                say(
                    "    PostgreSQL backends of the server (mean per sample): "
                    + ", ".join(f"{k} {v:.2f}" for k, v in result.waits.items())
                )
            return result

        async def projector_caught_up() -> None:
            lag = await wait_caught_up(real_port)
            say(f"    projector caught up {lag:.1f} s after the phase")

        async def restart(projector: str, workers: int) -> None:
            """The real server again, on the same store, in ``projector``'s topology with
            ``workers`` API processes."""
            nonlocal real, real_port, real_log, real_group
            await settle(real_port)
            for process in reversed(real_group):
                stop(process)
            real_port = free_port()
            real_log = folder / f"real-{projector}-{workers}.log"
            real_group = spawn_real(
                url,
                appname,
                real_port,
                projector,
                workers,
                real_log,
                folder / f"projector-{workers}.log",
            )
            real = real_group[0]
            processes.extend(real_group)
            await wait_http(real_port, real, real_log)
            await wait_caught_up(real_port)
            servers["real"] = (real_port, real.pid)
            say(
                f"real server restarted: projector {projector}, {workers} API process(es), "
                f"port {real_port} (pid {real.pid})"
            )

        get_path = f"{V1}/competitions/{setup.published}/standings"
        get_item = Item("GET", get_path, None, None)
        # the bare POST: the same single-mark requests (same bytes), cycled
        bare_posts = [
            list(itertools.islice(expert_marks(setup, setup.single, e, 1), 500))
            for e in range(experts)
        ]

        def gets() -> list[Iterator[Item]]:
            return [itertools.repeat(get_item) for _ in range(args.get_clients)]

        def cycled_posts() -> list[Iterator[Item]]:
            return [itertools.cycle(items) for items in bare_posts]

        say("")
        say("load (each phase: closed loop, one request in flight per connection):")
        await phase("ceiling-post", "canned", "client ceiling: POST mark", cycled_posts())
        await phase("ceiling-get", "canned", "client ceiling: GET standings", gets())
        await phase("single", "bare", "a. single-mark POST", cycled_posts())
        await wait_caught_up(real_port)
        single_outcomes = Outcomes()
        singles = [expert_marks(setup, setup.single, e, 1) for e in range(experts)]
        await phase("single", "real", "a. single-mark POST", singles, outcomes=single_outcomes)
        await projector_caught_up()
        if other:
            # both topologies' sheets on a server started afresh, the same way: the first
            # one otherwise carries the set-up and the single marks (a heap and caches the
            # restarted one has not), which cost it 3-30 % in alternated runs
            await restart(args.projector, args.workers)
        sheet_outcomes = Outcomes()
        sheets = [expert_marks(setup, setup.sheets, e, SHEET) for e in range(experts)]
        await phase(
            "sheets", "real", f"b. sheet POST ({SHEET} marks)", sheets, outcomes=sheet_outcomes
        )
        await projector_caught_up()
        await phase("get", "bare", "c. standings GET", gets())
        await phase("get", "real", "c. standings GET", gets())

        pools = {
            "single marks": (setup.single, single_outcomes),
            "sheets": (setup.sheets, sheet_outcomes),
        }

        if other:
            await restart(other, args.workers)
            other_outcomes = Outcomes()
            streams = [expert_marks(setup, other_sheets, e, SHEET) for e in range(experts)]
            await phase(
                "sheets-other", "real", f"b2. sheets, {other}", streams, outcomes=other_outcomes
            )
            await projector_caught_up()
            pools[f"sheets, projector {other}"] = (other_sheets, other_outcomes)
        for workers, pool in zip(scaling, steps, strict=True):
            await restart("separate", workers)
            step_outcomes = Outcomes()
            streams = [expert_marks(setup, pool, e, 1) for e in range(experts)]
            await phase(
                f"scale-{workers}",
                "real",
                f"s. single marks, {workers} API",
                streams,
                outcomes=step_outcomes,
            )
            await projector_caught_up()
            pools[f"single marks, {workers} API processes"] = (pool, step_outcomes)
        if scaling:  # the check with the first topology's connections, not 4 processes' pools
            await restart(args.projector, args.workers)

        print_table(results)
        print_targets(by, settings.backend)
        await settle(real_port)
        try:
            ok = await verify(url, real_port, setup, pools)
        except Exception as error:  # the figures are still printed, with the check failed
            say(f"the check could not run: {type(error).__name__}: {error}")
            ok = False
        if real.poll() is not None:
            say(f"the real server exited early:\n{tail(real_log)}")
            ok = False
        say("")
        say("verification " + ("PASSED" if ok else "FAILED"))
        emit(
            report_figures(by, args.projector, other, scaling),
            {"every mark answered 2xx is stored exactly once": ok},
        )
        return 0 if ok else 1
    finally:
        for process in reversed(processes):
            stop(process)


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="~3 s per phase")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--seconds", type=float, help="measured seconds per phase (3 / 10)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per phase (0.5 / 1)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of both servers")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument(
        "--projector",
        choices=("default", "process", "in-process", "separate"),
        default="default",
        help="registry serve's default topology (on SQLite with more than one CPU: the "
        "projector as serve's child process), the projector as serve's child process, in the "
        "API process, or as its own `registry project` process started by this script (as "
        "docker-compose.yml runs it); with --workers > 1 in-process means the supervising "
        "process",
    )
    parser.add_argument(
        "--compare-projector",
        action="store_true",
        help="then load sheets again with the projector in the other topology (restarted on "
        "the same store)",
    )
    parser.add_argument(
        "--scaling",
        metavar="N,N,...",
        help="then load single marks with N API processes each (projector separate), e.g. 1,2,4",
    )
    parser.add_argument("--competitors", type=int, default=200)
    parser.add_argument("--experts", type=int, default=32, help="concurrent marking clients")
    parser.add_argument("--get-clients", type=int, default=50, help="concurrent GET clients")
    parser.add_argument(
        "--single-competitions",
        type=int,
        help="competitions (competitors x 200 marks each) to fill with single marks; default: "
        "enough for the target rate over a phase",
    )
    parser.add_argument(
        "--sheet-competitions",
        type=int,
        help="competitions (competitors x 200 marks each) to fill with sheets; default: "
        "enough for the target rate over a phase",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample the real server with py-spy (if installed) in each measured window: "
        "DIR/<phase>.txt, collapsed stacks",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (store, logs)")
    parser.add_argument("--serve-canned", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--get-body", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_canned:
        serve_canned(args.serve_canned, args.get_body)
        return
    folder = Path(tempfile.mkdtemp(prefix="registry-http-bench-"))

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    code = 1
    try:
        code = run_loop(run(args, folder))
    finally:
        for process in reversed(CHILDREN):
            stop(process)
        if args.keep:
            say(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
