"""Benchmark: live standings over Server-Sent Events — how fast a change reaches N open
streams of one process, and what each open stream costs in memory.

    python bench/sse.py              # 1,000 streams
    python bench/sse.py --quick      # 200 streams
    python bench/sse.py --streams 2000 --competitors 40
    python bench/sse.py --database-url postgresql://postgres@127.0.0.1/test?schema=bench_sse

What it does:

1. makes the first admin with ``registry accounts create``, starts the real server
   (``registry serve --projector in-process``, one process) on a fresh SQLite store (or the
   store ``--database-url`` names), and sets
   up through the API a competition of ``--competitors`` competitors (20 measurement aspects),
   every mark entered by sheets, locked (not yet published);
2. phase "publication": opens N streams ``GET /api/v1/competitions/{id}/standings/stream``
   with the organiser's token (before publication only privileged viewers may stream), waits
   for every stream's first event, then publishes through the API and measures, per stream,
   the delay from the command's answer to that stream receiving the new standings;
3. phase "amendment": closes them, opens N public streams (no token), amends one mark through
   the API and measures the same;
4. prints p50/p99/max of each, how many streams received the change, and the server's RSS
   before and after opening the streams (memory per stream).

Target (SQLite, this 2-core machine): 1,000 open streams in one process; a change reaches all
of them within 1 s at p99.

The client is one raw-asyncio process (uvloop when installed) on the same 2 cores: it counts
``event: standings`` in the bytes it reads and parses nothing else. Its CPU time during each
fan-out is printed beside the server's; when it used most of a core the client, not the
server, may be what the figures measure (the output says so).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import string
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.figures import emit, limit  # noqa: E402
from bench.load import (  # noqa: E402
    wait_caught_up,
    wait_http,
)
from bench.marking import (  # noqa: E402
    Api,
    create_admin,
    create_championship,
    mark_and_lock,
    prepare_competition,
    scheme,
)
from bench.serving import (  # noqa: E402
    HOST,
    V1,
    child_env,
    free_port,
    process_tree_cpu,
    registry_command,
    run_loop,
    spawn,
    stop,
    tail,
)

ASPECTS = 20  # 20 x 5.00 = 100.00
MARKER = b"\nevent: standings\r\n"
TARGET_P99_MS = 1000.0


def say(text: str) -> None:
    print(text, flush=True)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------- streams


@dataclass(slots=True)
class Stream:
    """One open SSE connection, read raw: it counts ``event: standings`` as bytes arrive."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    events: int = 0
    #: perf_counter when the event numbered ``want`` arrived
    arrived: float | None = None
    want: int = 0
    carry: bytes = b""
    first: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def pump(self) -> None:
        reader = self.reader
        marker, size = MARKER, len(MARKER)
        clock = time.perf_counter
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while True:
                data = await reader.read(1 << 16)
                if not data:
                    return
                seen = self.carry + data
                found = seen.count(marker)
                self.carry = seen[-(size - 1) :]
                if found:
                    self.events += found
                    if self.events >= 1:
                        self.first.set()
                    if self.want and self.events >= self.want and self.arrived is None:
                        self.arrived = clock()
                        self.changed.set()

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


async def open_stream(port: int, path: str, token: str | None) -> Stream:
    reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
    head = f"GET {path} HTTP/1.1\r\nhost: {HOST}:{port}\r\naccept: text/event-stream\r\n"
    if token is not None:
        head += f"authorization: Bearer {token}\r\n"
    writer.write((head + "\r\n").encode())
    answer = await reader.readuntil(b"\r\n\r\n")
    if not answer.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"the stream answered {answer[:200]!r}")
    # the leading newline of MARKER: the status line's CRLF ends with one too
    stream = Stream(reader, writer, carry=b"\n")
    stream.task = asyncio.ensure_future(stream.pump())
    return stream


async def open_streams(port: int, path: str, token: str | None, count: int) -> list[Stream]:
    semaphore = asyncio.Semaphore(100)

    async def one() -> Stream:
        async with semaphore:
            return await open_stream(port, path, token)

    streams = await asyncio.gather(*(one() for _ in range(count)))
    async with asyncio.timeout(120):
        await asyncio.gather(*(s.first.wait() for s in streams))
    return list(streams)


# ---------------------------------------------------------------------- set-up


@dataclass
class World:
    organiser: str
    chief: str
    expert: str
    expert_token: str
    competition: str
    people: list[str]


async def set_up(port: int, admin: str, competitors: int) -> World:
    api = Api(port)
    tag = "".join(random.choices(string.ascii_uppercase, k=6))
    try:
        organiser = (
            await api.call(
                "POST", f"{V1}/accounts", admin, {"name": f"Organiser {tag}", "role": "organiser"}
            )
        )["token"]
        chief = await api.call(
            "POST", f"{V1}/accounts", admin, {"name": f"Chief {tag}", "role": "chief_expert"}
        )
        expert = await api.call(
            "POST", f"{V1}/accounts", admin, {"name": f"Expert {tag}", "role": "expert"}
        )

        async def organisation(kind: str, name: str) -> str:
            body = {"name_ru": name, "name_kk": name + " ҚҰ", "kind": kind, "region": "VKO"}
            return str((await api.call("POST", f"{V1}/organisations", organiser, body))["id"])

        colleges = [await organisation("college", f"Колледж {tag} №{i}") for i in range(4)]
        enterprise = await organisation("enterprise", f"Предприятие {tag}")
        people = [
            answer["id"]
            for answer in await api.each(
                api.call(
                    "POST",
                    f"{V1}/participants",
                    organiser,
                    {
                        "full_name": f"Қатысушы {tag} {i:03d}",
                        "organisation_id": colleges[i % len(colleges)],
                    },
                )
                for i in range(competitors)
            )
        ]
        championship = await create_championship(
            api, organiser, "S" + tag, f"Чемпионат {tag}", f"Чемпионаты {tag}"
        )
        competition = (
            await api.call(
                "POST",
                f"{V1}/championships/{championship}/competitions",
                organiser,
                {"code": "sse", "title_ru": "Сварка", "title_kk": "Дәнекерлеу", "category": "main"},
            )
        )["id"]
        c = f"{V1}/competitions/{competition}"
        judges = [(chief["id"], "chief"), (expert["id"], "expert")]
        marking = scheme(ASPECTS, "5.00")
        await prepare_competition(api, c, organiser, marking, people, judges, enterprise)
        await mark_and_lock(api, c, people, ASPECTS, [expert["token"]], chief["token"])
        return World(organiser, chief["token"], expert["id"], expert["token"], competition, people)
    finally:
        await api.close()


# ---------------------------------------------------------------------- phases


@dataclass
class Phase:
    name: str
    streams: int
    received: int = 0
    delays_ms: list[float] = field(default_factory=list)
    before_answer: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    window: float = 0.0
    rss_before: float = 0.0
    rss_open: float = 0.0
    rss_after: float = 0.0
    bytes_per_event: int = 0

    def percentile(self, p: float) -> float:
        if not self.delays_ms:
            return float("nan")
        ordered = sorted(self.delays_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def phase(
    name: str,
    port: int,
    pid: int,
    world: World,
    count: int,
    stream_token: str | None,
    change: tuple[str, str, dict | None],
    wait: float,
) -> Phase:
    result = Phase(name, count)
    path = f"{V1}/competitions/{world.competition}/standings/stream"
    await asyncio.sleep(0.5)
    result.rss_before = rss_mb(pid)
    opened = time.perf_counter()
    streams = await open_streams(port, path, stream_token, count)
    say(
        f"  {name}: {count:,} streams open, first event on each, in "
        f"{time.perf_counter() - opened:.1f} s"
    )
    await asyncio.sleep(1.0)
    result.rss_open = rss_mb(pid)
    for s in streams:
        s.want = s.events + 1
    method, command, body = change
    api = Api(port, lanes=1)
    try:
        cpu_server, cpu_client = process_tree_cpu(pid), time.process_time()
        sent = time.perf_counter()
        await api.call(method, command, world.organiser, body)
        answered = time.perf_counter()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await asyncio.gather(*(s.changed.wait() for s in streams))
        done = time.perf_counter()
        result.window = done - sent
        result.server_cpu = process_tree_cpu(pid) - cpu_server
        result.client_cpu = time.process_time() - cpu_client
    finally:
        await api.close()
    for s in streams:
        if s.arrived is not None:
            result.received += 1
            if s.arrived < answered:
                result.before_answer += 1
            result.delays_ms.append(max(0.0, s.arrived - answered) * 1000)
    result.rss_after = rss_mb(pid)
    await asyncio.gather(*(s.close() for s in streams))
    return result


def report(r: Phase, reused: bool = False) -> None:
    per_stream = (r.rss_open - r.rss_before) * 1024 / r.streams if r.streams else 0.0
    say(
        f"  {r.name}: received by {r.received:,}/{r.streams:,} streams; delay from the "
        f"command's answer p50 {r.percentile(50):.0f} ms, p99 {r.percentile(99):.0f} ms, "
        f"max {max(r.delays_ms, default=float('nan')):.0f} ms"
        + (f" ({r.before_answer} arrived before the answer: 0 ms)" if r.before_answer else "")
    )
    say(
        f"    server RSS {r.rss_before:.1f} MB before opening, {r.rss_open:.1f} MB with the "
        f"streams open ({per_stream:.1f} KB per stream), {r.rss_after:.1f} MB after the change"
        + (" (the previous phase's streams left memory the process reuses)" if reused else "")
    )
    busy = r.client_cpu / r.window if r.window else 0.0
    say(
        f"    CPU during the fan-out ({r.window * 1000:.0f} ms from the command's request to "
        f"the last stream): server {r.server_cpu * 1000:.0f} ms, client "
        f"{r.client_cpu * 1000:.0f} ms ({busy:.0%} of a core)"
        + (
            " -> the client was busy most of the window: it, not the server, may bound these delays"
            if busy > 0.7
            else ""
        )
    )


async def run(args: argparse.Namespace, folder: Path) -> int:
    url = args.database_url or f"sqlite:///{folder}/registry.sqlite"
    count = args.streams or (200 if args.quick else 1000)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * count + 200  # the client's sockets and the server's (it inherits this)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, wanted), hard))
    store = "SQLite in " + str(folder) if args.database_url is None else args.database_url
    say(
        f"store: {store}; {count:,} streams; {args.competitors} competitors; "
        f"machine: {os.cpu_count()} cores; client on "
        + ("uvloop" if "uvloop" in sys.modules else "asyncio")
    )
    admin = create_admin(url, "".join(random.choices(string.ascii_uppercase, k=6)))
    port = free_port()
    log = folder / "server.log"
    server = spawn(
        registry_command("serve", "--port", str(port), "--projector", "in-process"),
        log,
        child_env(REGISTRY_DATABASE_URL=url),
    )
    try:
        await wait_http(port, server, log)
        world = await set_up(port, admin, args.competitors)
        await wait_caught_up(port)
        say(f"server: registry serve, pid {server.pid}; competition {world.competition} locked")
        published = await phase(
            "publication (organiser's streams)",
            port,
            server.pid,
            world,
            count,
            world.organiser,
            ("POST", f"{V1}/competitions/{world.competition}/publish", None),
            args.wait,
        )
        amendment = {
            "competitor_id": world.people[0],
            "aspect_id": "M000",
            "expert_id": world.expert,
            "value": "0.50",
            "reason": "Апелляция: қайта өлшеу",
        }
        amended = await phase(
            "amendment (public streams)",
            port,
            server.pid,
            world,
            count,
            None,
            ("POST", f"{V1}/competitions/{world.competition}/amendments", amendment),
            args.wait,
        )
        say("")
        report(published)
        report(amended, reused=True)
        met = all(
            r.received == r.streams and r.percentile(99) <= TARGET_P99_MS
            for r in (published, amended)
        )
        say(
            f"target: every stream receives the change, p99 <= {TARGET_P99_MS:.0f} ms: "
            + ("MET" if met else "NOT MET")
        )
        if args.json:
            print(json.dumps([r.__dict__ | {"delays_ms": None} for r in (published, amended)]))
        emit(
            [
                limit(
                    f"sse.{key}",
                    f"SSE: {r.name.split(' (')[0]} reaches {r.streams:,} open streams, p99",
                    r.percentile(99),
                    TARGET_P99_MS,
                    "ms",
                    **{"received by": f"{r.received:,}/{r.streams:,}"},
                    # the first phase's streams: the second's reuse the memory they left
                    **(
                        {
                            "server RSS per open stream (KB)": round(
                                (r.rss_open - r.rss_before) * 1024 / r.streams, 1
                            )
                        }
                        if key == "publication"
                        else {}
                    ),
                )
                for key, r in (("publication", published), ("amendment", amended))
            ],
            {
                "every stream received the publication": published.received == published.streams,
                "every stream received the amendment": amended.received == amended.streams,
            },
        )
        return 0 if met else 1
    except Exception:
        say(tail(log))
        raise
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 streams")
    parser.add_argument("--streams", type=int, help="open streams (default 1,000)")
    parser.add_argument("--competitors", type=int, default=25)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--wait", type=float, default=10.0, help="seconds to wait for every stream")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (store, log)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-sse-"))
    try:
        code = run_loop(run(args, folder))
    finally:
        if args.keep:
            say(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
