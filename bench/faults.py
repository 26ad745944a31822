"""Fault figures of issue 13, against the real ``registry serve``, each printed:

1. **header flood** — the server's RSS before, at its peak during and after 32 MiB of request
   headers sent over 16 connections (2 MiB each, never ending the head), and how the
   connections were answered (431 and closed at once with the limit);
2. **beyond-head waiters** — public ``GET /api/v1/championships`` latency (p50/p99) from 10
   clients alone, then while 100 clients keep a read with ``X-Registry-Min-Position`` beyond
   the store's head open (each re-sent as soon as it is answered: they are refused at once
   with 409, so none stays open);
3. **PostgreSQL backend termination under marking load** (with ``--database-url
   postgresql://...``) — 8 experts enter single marks; after 1.5 s every backend of the server
   (``pg_terminate_backend`` on its ``application_name``) is terminated; a client retries a
   503 or a dropped connection with the same mark (natural idempotency) after
   ``Retry-After``. Then every mark is read back from the store: acknowledged (2xx), lost
   (acknowledged, not stored), doubled (stored twice), the 503s and the longest request.

    python -m bench.faults                                    # 1 and 2 on SQLite
    python -m bench.faults --database-url postgresql://postgres@127.0.0.1/test?schema=bench_faults
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import random
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder would come first on sys.path and bench/http.py would shadow
# the standard library's http: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    Item,
    RawConnection,
    settle,
    wait_caught_up,
    wait_http,
)
from bench.marking import (  # noqa: E402
    Setup,
    create_admin,
    expected_keys,
    expert_marks,
    set_up,
    stored_marks,
)
from bench.serving import (  # noqa: E402
    CHILDREN,
    HOST,
    V1,
    child_env,
    free_port,
    registry_command,
    say,
    spawn,
    stop,
)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def serve(url: str, folder: Path, name: str) -> tuple[int, Any]:
    port = free_port()
    log = folder / f"{name}.log"
    process = spawn(
        registry_command("serve", "--port", str(port), "--projector", "in-process"),
        log,
        # the server's PostgreSQL connections carry this name: phase 3 terminates them
        child_env(REGISTRY_DATABASE_URL=url, PGAPPNAME=f"bench-faults-{name}"),
    )
    await wait_http(port, process, log)
    return port, process


# ------------------------------------------------------------------ 1. header flood


async def flood(port: int, size: int) -> str:
    """Send ``size`` bytes of header lines on one connection; how it was answered."""
    reader, writer = await asyncio.open_connection(HOST, port)
    line = b"X-Flood: " + b"a" * 8180 + b"\r\n"
    sent = 0
    writer.write(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
    try:
        while sent < size:
            writer.write(line)
            sent += len(line)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    try:
        answer = await asyncio.wait_for(reader.read(200), 10)
    except (ConnectionError, OSError, TimeoutError):
        answer = b""
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    status = answer[9:12].decode() if answer.startswith(b"HTTP/1.1") else "closed"
    return f"{status} after {sent / 2**20:.2f} MiB sent"


async def header_flood(port: int, pid: int) -> None:
    before = rss_mib(pid)
    peak = before
    tasks = [asyncio.create_task(flood(port, 2 * 2**20)) for _ in range(16)]
    while not all(t.done() for t in tasks):
        peak = max(peak, rss_mib(pid))
        await asyncio.sleep(0.01)
    outcomes = collections.Counter(t.result().split(" after")[0] for t in tasks)
    await asyncio.sleep(0.5)
    after = rss_mib(pid)
    say(
        f"header flood (16 x 2 MiB = 32 MiB of headers): RSS {before:.1f} MiB before, "
        f"{peak:.1f} MiB peak, {after:.1f} MiB after; answers {dict(outcomes)} "
        f"(e.g. {tasks[0].result()})"
    )


# ------------------------------------------------------------------ 2. beyond-head waiters


async def public_gets(port: int, seconds: float, clients: int = 10) -> list[float]:
    latencies: list[float] = []
    until = time.monotonic() + seconds

    async def client() -> None:
        conn = RawConnection(HOST, port)
        try:
            while time.monotonic() < until:
                started = time.perf_counter()
                answer = await conn.request("GET", f"{V1}/championships")
                assert answer.status == 200, answer.status
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


async def waiters(
    port: int, position: int, until: float, out: collections.Counter[int], again: bool
) -> None:
    """One client asking for ``position``: once (then its connection stays open, idle), or
    ``again`` as soon as it is answered (a flood of such reads)."""
    conn = RawConnection(HOST, port)
    conn.prefix += f"x-registry-min-position: {position}\r\n"
    try:
        out[(await conn.request("GET", f"{V1}/championships")).status] += 1
        while time.monotonic() < until:
            if again:
                out[(await conn.request("GET", f"{V1}/championships")).status] += 1
            else:
                await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def beyond_head(port: int, head: int, seconds: float) -> None:
    def p(values: list[float]) -> str:
        return (
            f"p50 {percentile(values, 0.5):.1f} ms, p99 {percentile(values, 0.99):.1f} ms "
            f"({len(values)} requests)"
        )

    alone = await public_gets(port, seconds)
    say(f"public GET /api/v1/championships, 10 clients, alone: {p(alone)}")
    for again, what in ((False, "each sent once"), (True, "each re-sent when answered")):
        statuses: collections.Counter[int] = collections.Counter()
        until = time.monotonic() + seconds + 0.5
        open_waiters = [
            asyncio.create_task(waiters(port, head + 1000, until, statuses, again))
            for _ in range(100)
        ]
        await asyncio.sleep(0.3)
        loaded = await public_gets(port, seconds)
        await asyncio.gather(*open_waiters)
        say(
            f"  with 100 beyond-head waiters ({what}): {p(loaded)}; the waiters' answers "
            f"{dict(statuses)}"
        )


# ------------------------------------------------------------------ 3. termination


def terminate(url: str, application_name: str) -> int:
    import psycopg

    from store.settings import parse_database_url

    with psycopg.connect(parse_database_url(url).pg_conninfo(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (application_name,),
        ).fetchall()
    return len(rows)


class Marking:
    def __init__(self) -> None:
        self.acknowledged: list[Any] = []
        self.statuses: collections.Counter[str] = collections.Counter()
        self.longest = 0.0
        self.retries = 0


async def expert(port: int, items: list[Item], until: float, out: Marking) -> None:
    conn = RawConnection(HOST, port)
    try:
        for item in items:
            if time.monotonic() >= until:
                return
            for _attempt in range(20):
                started = time.perf_counter()
                try:
                    answer = await conn.request(item.method, item.path, item.token, item.body)
                    status = str(answer.status)
                except (ConnectionError, OSError, asyncio.IncompleteReadError):
                    await conn.close()
                    status = "dropped"
                out.longest = max(out.longest, time.perf_counter() - started)
                out.statuses[status] += 1
                if status in ("200", "201"):
                    out.acknowledged.append(item.tag)
                    break
                if status not in ("503", "dropped"):
                    break
                out.retries += 1
                await asyncio.sleep(1.0)  # the same mark again: a natural repeat
    finally:
        await conn.close()


async def termination(url: str, folder: Path, seconds: float) -> None:
    admin = create_admin(url, "".join(random.choices(string.ascii_uppercase, k=6)))
    port, process = await serve(url, folder, "pg")
    try:
        setup: Setup = await set_up(port, admin, competitors=20, experts=8, single=1, sheets=0)
        await wait_caught_up(port)
        out = Marking()
        until = time.monotonic() + seconds
        lanes = [
            expert(port, list(expert_marks(setup, setup.single, e, 1)), until, out)
            for e in range(len(setup.experts))
        ]

        async def kill() -> int:
            await asyncio.sleep(1.5)
            return await asyncio.to_thread(terminate, url, "bench-faults-pg")

        *_, killed = await asyncio.gather(*lanes, kill())
        await settle(port)
    finally:
        stop(process)
    keys = collections.Counter(expected_keys(setup, out.acknowledged))
    stored = stored_marks(url, setup.single)[setup.single[0]]
    found = collections.Counter({(setup.single[0], *key): count for key, count in stored.items()})
    lost = sum(1 for key in keys if found[key] == 0)
    doubled = sum(1 for count in found.values() if count > 1)
    say(
        f"PostgreSQL backend termination under marking load ({killed} backends terminated "
        f"after 1.5 s of {seconds:g} s): {len(keys)} marks acknowledged, {lost} lost, "
        f"{doubled} doubled, {sum(found.values()) - len(keys)} stored without an "
        f"acknowledgement; answers {dict(out.statuses)}, {out.retries} retries, longest "
        f"request {out.longest * 1000:.0f} ms"
    )


async def run(args: argparse.Namespace, folder: Path) -> None:
    url = f"sqlite:///{folder}/registry.sqlite"
    create_admin(url, "faults")
    port, process = await serve(url, folder, "sqlite")
    try:
        await header_flood(port, process.pid)
        conn = RawConnection(HOST, port)
        head = int((await conn.request("GET", "/readyz")).json()["head_position"])
        await conn.close()
        await beyond_head(port, head, args.seconds)
    finally:
        stop(process)
    if args.database_url:
        await termination(args.database_url, folder, args.seconds * 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL store for the termination phase")
    parser.add_argument("--seconds", type=float, default=3.0, help="per measured phase")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    say(f"logs in {folder}")
    try:
        asyncio.run(run(args, folder))
    finally:
        for child in CHILDREN:
            stop(child)


if __name__ == "__main__":
    main()
