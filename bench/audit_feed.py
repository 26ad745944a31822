"""Benchmark: the audit feed streamed to a real HTTP client, and time-travel standings, beside
the floor of merely reading and decoding the same events, in the same run.

    python bench/audit_feed.py            # 1,000,000 events + a competition of 10,000 marks
    python bench/audit_feed.py --quick    # 100,000 events + the same competition
    python bench/audit_feed.py --events 300000 --database-url postgresql://postgres@127.0.0.1/test?schema=bench_feed

What it does:

1. generates a synthetic history (``bench/synthetic.py``) and one more competition of 10,000
   marks (50 competitors x 200 measurement aspects, one mark per event, a few corrections,
   locked, published, two amendments) and projects the results view (time travel starts
   from its checkpoints, as with a running projector) in a child process, so its memory does
   not count;
2. floor: reads every stored event and decodes it through the mapper (nothing else);
3. the feed's lines made in this process (``projections.audit_feed.Feed``, no HTTP);
4. (a) the real app under uvicorn (a subprocess, projector external so nothing else runs
   there), ``GET /api/v1/audit/events`` streamed by an httpx client that counts the lines and
   checks the last one's position; the client's own CPU time is printed (it shares the two
   cores with the server);
5. (b) ``?as_of=`` standings of the 10,000-mark competition at 25 moments spread over its
   history (positions and times) plus the head: in-process (cold first call, then p50/p99
   over several rounds) beside a plain replay (``repository.get(id, version=v)`` +
   ``standings``), and over HTTP (p50/p99).

Targets (SQLite, this 2-core machine): feed over HTTP >= 100,000 events/s; as_of standings of
a 10,000-mark competition < 50 ms.
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

from bench.figures import emit, figure, limit  # noqa: E402
from bench.phases import open_registry, peak_rss_mb, read_and_decode, run_phased  # noqa: E402

if TYPE_CHECKING:  # imported by the phase that needs it
    from registry.application import RegistryApplication

TARGET_FEED_RATE = 100_000
TARGET_AS_OF_MS = 50.0
# issue 17: the feed >= 1 x the read + decode floor; as_of at 10,000 marks, server time
GOAL_FEED_RATIO = 1.0
GOAL_AS_OF_COLD_MS = 50.0
GOAL_AS_OF_WARM_MS = 10.0
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
    # The results view, as a deployment's projector keeps it: time travel (as_of) starts
    # from its checkpoints of each competition (projections/moments.py).
    from projections.results import ResultsProjection
    from projections.runner import Projector
    from projections.store import ViewStore

    store = ViewStore(app.settings)
    Projector(app, store, [ResultsProjection(app, store)], batch_size=5_000).catch_up()
    store.close()
    app.close()


# ---------------------------------------------------------------------- measuring


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


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


def measure(url: str, rounds: int, repeats: int) -> None:
    import httpx
    import msgspec

    from domain.competition import Competition
    from domain.standings import standings
    from projections import time_travel
    from projections.store import ViewStore
    from store.events import EventReader

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
            f"(a) NDJSON feed over HTTP (httpx):        {spread(https)} ev/s "
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

        # (b) as_of standings of the big competition.
        competition_id = big_competition_id()
        reader = EventReader.of(app)
        rows = reader.rows(reader.aggregate(competition_id))
        assert rows[0].topic == Competition.Created.TOPIC
        marks_entered = sum(1 for r in rows if r.topic == Competition.MarksEntered.TOPIC)
        points = [rows[round(i * (len(rows) - 1) / 24)].id for i in range(25)]
        decode_head = msgspec.json.Decoder(dict).decode
        stamps = [
            decode_head(rows[round(i * (len(rows) - 1) / 12)].state)["timestamp"] for i in range(13)
        ]
        moments = [str(p) for p in points] + stamps + [str(head)]
        say(
            f"(b) competition {competition_id}: {len(rows):,} events, {marks_entered:,} mark "
            f"events; {len(moments)} moments ({len(points)} positions, {len(stamps)} times, head)"
        )
        # as the handler does: from the results view's checkpoints
        travel = time_travel.TimeTravel(app, ViewStore(app.settings))
        answers: dict[str, bytes] = {}

        def as_of_once(text: str) -> float:
            started = time.perf_counter()
            timeline = travel.history(competition_id)
            assert timeline is not None
            as_of = time_travel.parse_as_of(text)
            travel.check(as_of)
            moment = travel.at(timeline, as_of)
            assert moment is not None
            answers[text] = msgspec.json.encode(time_travel.standings_at(app, moment))
            return (time.perf_counter() - started) * 1000

        cold = as_of_once(moments[len(moments) // 2])
        timings = [as_of_once(m) for _ in range(rounds) for m in moments]
        p50, p99 = statistics.median(timings), percentile(timings, 99)
        say(
            f"    in-process: cold (a checkpoint and the events after it) {cold:.0f} ms; then "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(timings):.1f} ms over "
            f"{len(timings)} calls"
        )
        plain = []
        for version in (len(rows) // 4, len(rows) // 2, len(rows)):
            started = time.perf_counter()
            state = app.repository.get(competition_id, version=version)
            standings(state)
            plain.append((time.perf_counter() - started) * 1000)
        say(
            f"    plain replay (repository.get(version=v) + standings) at 1/4, 1/2, all: "
            f"{', '.join(f'{t:.0f}' for t in plain)} ms -> time travel is "
            f"{statistics.median(plain) / p50:.0f} x faster at p50"
        )
        http_times = []
        with httpx.Client(timeout=60) as client:
            headers = {"Authorization": f"Bearer {token}"}
            path = f"http://127.0.0.1:{port}/api/v1/competitions/{competition_id}/standings"
            for _ in range(rounds):
                for text in moments:
                    started = time.perf_counter()
                    answer = client.get(path, params={"as_of": text}, headers=headers)
                    http_times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, answer.text
                    assert answer.content == answers[text], text  # the in-process answer
        # the first HTTP call paid for the cold load in the server
        http_p50, http_p99 = statistics.median(http_times[1:]), percentile(http_times[1:], 99)
        say(
            f"    over HTTP: first {http_times[0]:.0f} ms (cold), then p50 {http_p50:.1f} ms, "
            f"p99 {http_p99:.1f} ms over {len(http_times) - 1} requests (answers identical "
            "to the in-process ones)"
        )
        worst = max(p99, http_p99)
        say(
            f"    target < {TARGET_AS_OF_MS:.0f} ms: "
            f"{'met' if worst < TARGET_AS_OF_MS else 'NOT met'} (p99, warm)"
        )
        # (c) the server's own time (bench/timed_app.py: ``server-timing``) on a server started
        # afresh, so its first as_of request for the competition is cold; as_of requests for
        # another competition (of the synthetic history) warm the rest of the server first.
        [first] = reader.scan(0, head, 1, topics=[Competition.Created.TOPIC])
        other = reader.key(first[1])[0]
        assert other != competition_id
        cold_ms, warm_ms = server_as_of(
            url, folder, token, competition_id, moments, rounds, warm=(other, str(head))
        )
        warm_p50, warm_p99 = statistics.median(warm_ms), percentile(warm_ms, 99)
        say(
            f"(c) as_of server time (a fresh server): first (cold) {cold_ms:.1f} ms, then p50 "
            f"{warm_p50:.1f} ms, p99 {warm_p99:.1f} ms over {len(warm_ms)} requests"
        )
        say(f"peak RSS of this (measuring) process: {peak_rss_mb():,.0f} MB")
        extra = {
            "in-process: cold (ms)": round(cold, 1),
            "in-process: p99 (ms)": round(p99, 1),
            "over HTTP: first (ms)": round(http_times[0], 1),
            "over HTTP: p99 (ms)": round(http_p99, 1),
        }
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
                    **{"client CPU (share of a core)": round(statistics.median(clients), 2)},
                ),
                limit(
                    "as_of.cold",
                    f"as_of standings at {marks_entered:,} marks: cold, server time",
                    cold_ms,
                    GOAL_AS_OF_COLD_MS,
                    "ms",
                    **extra,
                ),
                limit(
                    "as_of.warm",
                    f"as_of standings at {marks_entered:,} marks: warm p99, server time",
                    warm_p99,
                    GOAL_AS_OF_WARM_MS,
                    "ms",
                    **{"p50 (ms)": round(warm_p50, 1)},
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


def server_as_of(
    url: str,
    folder: Path,
    token: str,
    competition_id: UUID,
    moments: list[str],
    rounds: int,
    warm: tuple[UUID, str],
) -> tuple[float, list[float]]:
    """The server's milliseconds for as_of standings on a freshly started server: the first
    as_of request for the competition (cold; ``warm``: another competition and moment asked
    first), then ``rounds`` over ``moments`` (warm)."""
    import httpx

    from bench.timed_app import server_ms

    port = free_port()
    server = start_server(
        url, port, folder / "timed.log", factory="bench.timed_app:create_timed_app_from_env"
    )
    try:
        with httpx.Client(timeout=60) as client:
            headers = {"Authorization": f"Bearer {token}"}
            base = f"http://127.0.0.1:{port}/api/v1/competitions"

            def once(competition: UUID, text: str) -> float:
                path = f"{base}/{competition}/standings"
                answer = client.get(path, params={"as_of": text}, headers=headers)
                assert answer.status_code == 200, answer.text
                return server_ms(answer.headers)

            for _ in range(3):  # the server's first requests, not this competition's
                once(*warm)
            cold = once(competition_id, moments[len(moments) // 2])
            return cold, [once(competition_id, m) for _ in range(rounds) for m in moments]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


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
        options={
            "rounds": (4, "as_of rounds over the moments"),
            "repeats": (3, "passes of each throughput"),
        },
    )
