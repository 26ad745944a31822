"""Benchmark: the audit feed streamed to a real HTTP client, beside the floor of merely reading
and decoding the same events, in the same run. (``?as_of=`` standings: ``bench/as_of.py``.)

    python bench/audit_feed.py            # 1,000,000 events + a competition of 10,000 marks
    python bench/audit_feed.py --quick    # 100,000 events + the same competition
    python bench/audit_feed.py --events 300000 --database-url postgresql://postgres@127.0.0.1/test?schema=bench_feed

What it does:

1. generates a synthetic history (``bench/synthetic.py``) and one more competition of 10,000
   marks (50 competitors x 200 measurement aspects, one mark per event, a few corrections,
   locked, published, two amendments; ``bench/as_of.py`` measures time travel on it) in a
   child process, so its memory does not count;
2. floor: reads every stored event and decodes it through the mapper (nothing else);
3. the feed's lines made in this process (``projections.audit_feed.Feed``, no HTTP);
4. the real app under uvicorn (a subprocess, projector external so nothing else runs
   there), ``GET /api/v1/audit/events`` streamed by an httpx client that counts the lines and
   checks the last one's position; the client's own CPU time is printed (it shares the two
   cores with the server).

Each of the three is measured ``--repeats`` times, interleaved; the ratios use the medians.
Target (SQLite, this 2-core machine): feed over HTTP >= 100,000 events/s; goal (issue 17):
>= 1 x the read + decode floor.
"""

from __future__ import annotations

import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.figures import emit, figure  # noqa: E402
from bench.phases import open_registry, peak_rss_mb, read_and_decode, run_phased  # noqa: E402

if TYPE_CHECKING:  # imported by the phase that needs it
    from registry.application import RegistryApplication

TARGET_FEED_RATE = 100_000
# issue 17: the feed >= 1 x the read + decode floor
GOAL_FEED_RATIO = 1.0
MARKS = 10_000
COMPETITORS = 50
ASPECTS = 200  # 200 x 0.50 = 100.00
AUDITOR = "Аудитор бенчмарка"
#: a region of its own, so the competition's ids never meet the synthetic history's
REGION = "BNCH"


def say(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------------- generation


def big_competition(app: RegistryApplication) -> str:
    """A competition of 10,000 marks, one mark per event, stored in bulk; returns its id."""
    from bench.synthetic import expert_accounts, open_for_marking, organisations, participants
    from domain.championship import Championship
    from domain.ids import SYSTEM_ACTOR
    from domain.values import Aspect, AspectType

    clock = [datetime(2025, 5, 1, 4, 0, tzinfo=UTC)]

    def at() -> datetime:
        clock[0] += timedelta(seconds=2)
        return clock[0]

    a = SYSTEM_ACTOR
    rng = random.Random(10_000)
    colleges = [(f"Колледж бенчмарка №{i}", f"Бенчмарк колледжі №{i}", "VKO") for i in range(5)]
    orgs = organisations(a, "college", colleges, at)
    [company] = organisations(a, "enterprise", [("ТОО Бенчмарк", "Бенчмарк ЖШС", "VKO")], at)
    experts = expert_accounts(a, [f"Эксперт бенчмарка {i}" for i in range(4)], at)
    names = [f"Қатысушы бенчмарка {i}" for i in range(COMPETITORS)]
    people = participants(a, names, orgs, 2005, at)
    championship = Championship.create(
        actor=a,
        kind="worldskills",
        level="republican",
        year=2025,
        region=REGION,
        title_ru="Чемпионат бенчмарка",
        title_kk="Бенчмарк чемпионаты",
        starts_on=date(2025, 5, 1),
        ends_on=date(2025, 5, 5),
        at=at(),
    )
    competition = championship.add_competition(
        actor=a, code="big", title_ru="Большая", title_kk="Үлкен", category="main", at=at()
    )
    scheme = tuple(
        Aspect(f"A{i}", "ABCDE"[i % 5], f"Аспект {i}", Decimal("0.50"), AspectType.MEASUREMENT)
        for i in range(ASPECTS)
    )
    competition.set_scheme(actor=a, aspects=scheme, at=at())
    open_for_marking(competition, a, people, "VKO", experts, company, at)
    for person in people:
        skill = rng.uniform(0.3, 0.95)
        for aspect in scheme:
            value = min(Decimal("0.50"), Decimal(str(round(skill * 0.5, 2))))
            marker = experts[1 + rng.randrange(3)].id
            competition.enter_marks(actor=marker, marks=[(person.id, aspect.id, value)], at=at())
            if rng.random() < 0.01:
                competition.correct_mark(
                    actor=marker,
                    competitor_id=person.id,
                    aspect_id=aspect.id,
                    value=Decimal("0.25"),
                    reason="Ошибка ввода",
                    at=at(),
                )
    for expert in competition.not_signed_off():  # RULES.md: every expert signs off
        competition.sign_off(actor=expert.account_id, at=at())
    competition.lock(actor=experts[0].id, at=at())
    competition.publish(actor=a, at=at())
    for person in people[:2]:
        competition.amend_mark(
            actor=a,
            competitor_id=person.id,
            aspect_id="A0",
            value=Decimal("0.10"),
            reason="Апелляция",
            at=at(),
        )
    stored = []
    for aggregate in (*orgs, company, *experts, *people, championship, competition):
        stored.extend(app.mapper.to_stored_event(e) for e in aggregate.collect_events())
    for start in range(0, len(stored), 2_000):
        app.recorder.insert_events(stored[start : start + 2_000])
    return str(competition.id)


def generate(url: str, events: int) -> None:
    from bench.synthetic import generate as make

    app = open_registry(url)
    started = time.perf_counter()
    written = make(app, events)
    competition = big_competition(app)
    say(
        f"generated {written:,} events + a competition of {MARKS:,} marks ({competition}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    app.close()


# ---------------------------------------------------------------------- measuring


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def auditor_token(url: str) -> str:
    from domain.ids import SYSTEM_ACTOR

    app = open_registry(url)
    try:
        created = app.create_account(actor=SYSTEM_ACTOR, name=AUDITOR, role="auditor")
        if created.token is None:
            created = app.rotate_token(actor=SYSTEM_ACTOR, account_id=created.id)
        assert created.token
        return created.token
    finally:
        app.close()


def start_server(
    url: str, port: int, log: Path, factory: str = "api.server:create_server_app_from_env"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_PROJECTOR": "external",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start; see {log}")


def stream_feed(port: int, token: str, head: int) -> tuple[int, int, float, float]:
    """GET the whole feed; returns (lines, bytes, seconds, client CPU seconds)."""
    import httpx

    lines = size = 0
    tail = b""
    started, started_cpu = time.perf_counter(), cpu()
    with (
        httpx.Client(timeout=600) as client,
        client.stream(
            "GET",
            f"http://127.0.0.1:{port}/api/v1/audit/events",
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        assert response.status_code == 200, response.read()
        assert int(response.headers["x-registry-head-position"]) == head
        for chunk in response.iter_raw(1 << 20):
            lines += chunk.count(b"\n")
            size += len(chunk)
            tail = (tail + chunk)[-4096:]
    seconds, client_cpu = time.perf_counter() - started, cpu() - started_cpu
    last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    assert last.startswith(b'{"position":%d,' % head), last[:80]
    return lines, size, seconds, client_cpu


def floor_pass(app: RegistryApplication) -> float:
    """Read every stored event and decode it with our mapper, nothing else: events/s."""
    started = time.perf_counter()
    decoded = read_and_decode(app)
    return decoded / (time.perf_counter() - started)


def lines_pass(app: RegistryApplication, head: int) -> tuple[float, int]:
    """The feed's lines made in this process (the server's work without HTTP)."""
    from projections.audit_feed import Feed

    started = time.perf_counter()
    feed = Feed(app, head=head)
    size = sum(len(chunk) for chunk in feed.chunks())
    return feed.lines / (time.perf_counter() - started), size // max(feed.lines, 1)


def server_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def spread(rates: list[float]) -> str:
    return f"median {statistics.median(rates):,.0f}, best {max(rates):,.0f}"


def measure(url: str, repeats: int) -> None:
    token = auditor_token(url)
    app = open_registry(url)
    head = app.head_position()
    total = app.event_count()
    say(f"store:        {app.settings.describe()}")
    say(f"events:       {total:,} (head position {head:,})")
    say(
        f"(the machine is shared: each throughput is measured {repeats} times, interleaved; "
        "ratios use the medians)"
    )
    folder = Path(tempfile.mkdtemp(prefix="registry-bench-feed-"))
    port = free_port()
    server = start_server(url, port, folder / "server.log")
    try:
        floors, lines, https, clients = [], [], [], []
        line_size = size = 0
        for _ in range(repeats):
            floors.append(floor_pass(app))
            rate, line_size = lines_pass(app, head)
            lines.append(rate)
            count, size, seconds, client_cpu = stream_feed(port, token, head)
            assert count == total, (count, total)
            https.append(count / seconds)
            clients.append(client_cpu / seconds)
        floor, made, served = (statistics.median(x) for x in (floors, lines, https))
        say(f"floor (read + decode through the mapper): {spread(floors)} ev/s")
        say(
            f"feed lines in-process:                   {spread(lines)} ev/s "
            f"({line_size} B/line) = {made / floor:.2f} x floor"
        )
        say(
            f"NDJSON feed over HTTP (httpx):            {spread(https)} ev/s "
            f"({served * size / total / 1e6:,.0f} MB/s) = {served / floor:.2f} x floor, "
            f"{served / made:.2f} x in-process lines; client CPU "
            f"{statistics.median(clients):.0%} of a core"
        )
        say(
            f"    server peak RSS after {repeats} x {total:,} events: "
            f"{server_peak_mb(server.pid):,.0f} MB (constant memory: batches of 2,000)"
        )
        say(
            f"    target >= {TARGET_FEED_RATE:,} ev/s: "
            f"{'met' if served >= TARGET_FEED_RATE else 'NOT met'} (median)"
        )
        say(f"peak RSS of this (measuring) process: {peak_rss_mb():,.0f} MB")
        emit(
            [
                figure(
                    "feed.http",
                    f"NDJSON audit feed over HTTP ({total:,} events)",
                    served,
                    floor,
                    "events/s",
                    goal=GOAL_FEED_RATIO,
                    against="read + decode of every event",
                    **{
                        "client CPU (share of a core)": round(statistics.median(clients), 2),
                        "in-process lines (x floor)": round(made / floor, 2),
                    },
                ),
            ]
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        app.close()
        for name in os.listdir(folder):
            os.remove(folder / name)
        folder.rmdir()


def big_competition_id() -> UUID:
    from domain import ids

    championship = ids.championship_id("worldskills", "republican", 2025, REGION)
    return ids.competition_id(championship, "big", "main")


if __name__ == "__main__":
    run_phased(
        __doc__,
        __file__,
        default_events=1_000_000,
        generate=generate,
        measure=measure,
        options={"repeats": (3, "passes of each throughput")},
    )
