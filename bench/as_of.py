"""Benchmark: ``?as_of=`` standings of competitions of 10,000 marks, the first request of a
fresh process (cold), a moment's first request on a running server and the following ones
(warm), in the server's own time — beside the full replay that time travel did before
checkpoints, in the same run. The one benchmark of ``as_of`` (``bench/audit_feed.py``
measures the feed only; its moments and its competition are measured here).

    python bench/as_of.py                  # 100,000 events of history + the competitions
    python bench/as_of.py --quick          # the same (the competitions are what count)
    python bench/as_of.py --samples 9 --database-url postgresql://postgres@127.0.0.1/test?schema=bench_asof

What it does:

1. generates a synthetic history (``bench/synthetic.py``) and two competitions of 50
   competitors x 200 measurement aspects, one mark per event, a few corrections, locked and
   published: ``bench/audit_feed.py``'s (marked competitor by competitor, 10,173 versions,
   two amendments) and one marked aspect by aspect (every competitor in turn: any few
   hundred events change every competitor's total, the worst case for standings after a
   checkpoint); then runs the projector over all of it, as a deployment's would have: the
   results view writes each competition's checkpoints (``projections/moments.py``) — all in
   a child process;
2. per competition, the moments near the end of its history (a moment costs more the more
   marks the competition holds then): a position just after the last checkpoint with a
   whole segment after it (one event to apply), the position just before the next one
   (``CHECKPOINT_EVERY - 1`` events: the most), that event's time, and the competition's
   last event (all 10,000 marks, amended); for warm, ``bench/audit_feed.py``'s moments
   (25 positions and 13 times spread over the history, the head) and these;
3. cold, in-process: ``--samples`` fresh processes per moment, each opening the registry and
   the views and tuning the collector as the server does, then timing what the handler
   calls (``TimeTravel.history`` -> ``check`` -> ``at`` -> ``standings_at`` -> JSON): wall
   time and the thread's CPU time (which the other work on this shared machine inflates
   less);
4. cold, over HTTP: ``--samples`` freshly started servers (``bench/timed_app.py``: the real
   app, which adds ``server-timing`` to each answer), each asked the competition's live
   standings first (the server's first request, no ``as_of``: auth, views), then the
   moment whose cold CPU was the most — the server's time for that first ``as_of``;
5. first visits: on the last server, one pass over the warm moments — each one's first
   request, which reads its checkpoint and events unless an earlier moment read them (what
   ``bench/audit_feed.py`` used to count as warm);
6. warm: the moments again in one process (``--rounds`` rounds, after the pass that loads
   them) and on the last server (server time; the client's too), p50 / p99 / max;
7. before (same run): the moment ``CHECKPOINT_EVERY - 1`` events after a checkpoint, cold,
   with time travel that has no views, so it replays the competition from its creation.

Every answer (in-process, over HTTP, from a full replay) is checked byte for byte against the
others. Goals (issue 17): cold < 50 ms (a fresh server's first ``as_of``, and a moment whose
checkpoint the server reads on its first request) and warm < 10 ms server time; the report's
lines take the worse competition of the two.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.figures import emit, limit  # noqa: E402
from bench.phases import open_registry, run_phased  # noqa: E402

GOAL_COLD_MS = 50.0
GOAL_WARM_MS = 10.0
#: the region of the championship of the competition marked aspect by aspect
ROUND_ROBIN_REGION = "BNCHRR"


def say(text: str) -> None:
    print(text, flush=True)


def round_robin_competition(app: Any) -> str:
    """A competition like ``bench/audit_feed.big_competition``'s (50 competitors x 200
    measurement aspects, one mark per event, corrections, locked, published, amended) but
    marked aspect by aspect, every competitor in turn: any few hundred events after a
    checkpoint change every competitor's total (the worst case for a moment's standings)."""
    from bench.synthetic import expert_accounts, open_for_marking, organisations, participants
    from domain.championship import Championship
    from domain.ids import SYSTEM_ACTOR
    from domain.values import Aspect, AspectType

    clock = [datetime(2025, 6, 1, 4, 0, tzinfo=UTC)]

    def at() -> datetime:
        clock[0] += timedelta(seconds=2)
        return clock[0]

    a = SYSTEM_ACTOR
    rng = random.Random(20_000)
    colleges = [(f"Колледж круга №{i}", f"Шеңбер колледжі №{i}", "VKO") for i in range(5)]
    orgs = organisations(a, "college", colleges, at)
    [company] = organisations(a, "enterprise", [("ТОО Круг", "Шеңбер ЖШС", "VKO")], at)
    experts = expert_accounts(a, [f"Эксперт круга {i}" for i in range(4)], at)
    people = participants(a, [f"Қатысушы шеңбері {i}" for i in range(50)], orgs, 2005, at)
    championship = Championship.create(
        actor=a,
        kind="worldskills",
        level="republican",
        year=2025,
        region=ROUND_ROBIN_REGION,
        title_ru="Чемпионат круга",
        title_kk="Шеңбер чемпионаты",
        starts_on=date(2025, 6, 1),
        ends_on=date(2025, 6, 5),
        at=at(),
    )
    competition = championship.add_competition(
        actor=a, code="rr", title_ru="По кругу", title_kk="Шеңбер", category="main", at=at()
    )
    scheme = tuple(
        Aspect(f"A{i}", "ABCDE"[i % 5], f"Аспект {i}", Decimal("0.50"), AspectType.MEASUREMENT)
        for i in range(200)
    )
    competition.set_scheme(actor=a, aspects=scheme, at=at())
    open_for_marking(competition, a, people, "VKO", experts, company, at)
    skills = {person.id: rng.uniform(0.3, 0.95) for person in people}
    for aspect in scheme:
        for person in people:
            value = min(Decimal("0.50"), Decimal(str(round(skills[person.id] * 0.5, 2))))
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
    for expert in competition.not_signed_off():
        competition.sign_off(actor=expert.account_id, at=at())
    competition.lock(actor=experts[0].id, at=at())
    competition.publish(actor=a, at=at())
    stored = []
    for aggregate in (*orgs, company, *experts, *people, championship, competition):
        stored.extend(app.mapper.to_stored_event(e) for e in aggregate.collect_events())
    for start in range(0, len(stored), 2_000):
        app.recorder.insert_events(stored[start : start + 2_000])
    return str(competition.id)


def round_robin_id() -> Any:
    from domain import ids

    championship = ids.championship_id("worldskills", "republican", 2025, ROUND_ROBIN_REGION)
    return ids.competition_id(championship, "rr", "main")


def generate(url: str, events: int) -> None:
    from bench.audit_feed import big_competition
    from bench.synthetic import generate as make
    from projections.runner import Projector
    from projections.store import ViewStore

    app = open_registry(url)
    started = time.perf_counter()
    written = make(app, events)
    competition = big_competition(app)
    other = round_robin_competition(app)
    say(
        f"generated {written:,} events + two competitions of 10,000 marks: {competition} "
        f"(marked competitor by competitor) and {other} (aspect by aspect)"
    )
    store = ViewStore(app.settings)
    stats = Projector(app, store, batch_size=5_000).catch_up()
    say(
        f"projected {stats.events:,} events ({stats.rate:,.0f} ev/s); "
        f"{time.perf_counter() - started:.1f} s in all"
    )
    store.close()
    app.close()


# ---------------------------------------------------------------------- one cold probe


def probe(url: str, competition: str, moment: str, views: bool) -> None:
    """A fresh process: open the registry (and its views), then time the first as_of of the
    competition as the handler makes it; prints one line of JSON."""
    from uuid import UUID

    import msgspec

    from projections import time_travel
    from projections.store import ViewStore
    from store.runtime import tune_gc

    app = open_registry(url)
    store = ViewStore(app.settings) if views else None
    tune_gc()  # as the server does at start-up
    competition_id = UUID(competition)
    wall, cpu = time.perf_counter(), time.thread_time()
    travel = time_travel.TimeTravel(app, store)
    history = travel.history(competition_id)
    assert history is not None
    as_of = time_travel.parse_as_of(moment)
    travel.check(as_of)
    found = travel.at(history, as_of)
    assert found is not None
    body = msgspec.json.encode(time_travel.standings_at(app, found))
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    result = {"ms": wall * 1000, "cpu_ms": cpu * 1000, "version": found.version}
    print(json.dumps({**result, "body": body.decode()}), flush=True)
    if store is not None:
        store.close()
    app.close()


def cold_in_process(
    url: str, competition: Any, moment: str, samples: int, views: bool = True
) -> list[dict]:
    results = []
    mode = "views" if views else "replay"
    for _ in range(samples):
        out = subprocess.run(
            [sys.executable, __file__, "--probe", url, str(competition), moment, mode],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


# ---------------------------------------------------------------------- measuring


def spread(values: list[float]) -> str:
    return f"min {min(values):.1f}, median {statistics.median(values):.1f} ms"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def on_a_fresh_server(
    url: str,
    folder: Path,
    token: str,
    competition_id: Any,
    cold_moment: str,
    warm_moments: list[str],
    rounds: int,
    answers: dict[str, bytes],
) -> dict[str, Any]:
    """A freshly started server (``bench/timed_app.py``): its first request the competition's
    live standings (no ``as_of``), then ``cold_moment`` (the server's first ``as_of``), then
    one pass over ``warm_moments`` (each one's first visit: its segment read from its
    checkpoint unless another moment already read it), then ``rounds`` over them (warm).
    Answers the server times of each kind (``cold``, ``first``, ``warm``), the client's
    times of the warm ones (``client``), and whether every answer was ``answers``'."""
    import httpx

    from bench.audit_feed import free_port, start_server
    from bench.timed_app import server_ms

    port = free_port()
    server = start_server(
        url, port, folder / "server.log", factory="bench.timed_app:create_timed_app_from_env"
    )
    identical = True
    client_ms: list[float] = []
    try:
        base = f"http://127.0.0.1:{port}/api/v1/competitions/{competition_id}/standings"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(timeout=60) as client:

            def get(moment: str | None) -> float:
                nonlocal identical
                params = {"as_of": moment} if moment is not None else {}
                started = time.perf_counter()
                answer = client.get(base, params=params, headers=headers)
                client_ms.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text
                if moment is not None:
                    identical &= answer.content == answers[moment]
                return server_ms(answer.headers)

            get(None)
            cold = get(cold_moment)
            first = [get(m) for m in warm_moments]
            del client_ms[:]
            warm = [get(m) for _ in range(rounds) for m in warm_moments]
            return {
                "cold": cold,
                "first": first,
                "warm": warm,
                "client": client_ms,
                "identical": identical,
            }
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def measure_competition(
    url: str, competition_id: Any, label: str, token: str, samples: int, rounds: int
) -> dict[str, Any]:
    """Every figure of one competition (see the module's docstring); prints them."""
    import msgspec

    from domain.competition import Competition
    from projections import moments, time_travel
    from projections.store import ViewStore
    from store.events import EventReader

    app = open_registry(url)
    store = ViewStore(app.settings)
    reader = EventReader.of(app)
    rows = reader.rows(reader.aggregate(competition_id))
    assert rows and rows[0].topic == Competition.Created.TOPIC
    events = [app.mapper.to_domain_event(row) for row in rows]

    def marks_up_to(version: int) -> int:
        return sum(
            len(e.marks) for e in events[:version] if isinstance(e, Competition.MarksEntered)
        )

    marks = marks_up_to(len(events))
    versions = [m.version for m in moments.Checkpoints(store).marks(competition_id)]
    every = moments.CHECKPOINT_EVERY
    assert versions, "the views hold no checkpoint of the competition"
    # At (nearly) all of the marks: the last checkpoint with a whole segment after it (the
    # cost of a moment grows with the competition's size at it, and the most events to
    # apply are every - 1), and the competition's last event (every mark, amended).
    full = [v for v in versions if v + every - 1 <= len(rows)]
    base = full[-1] if full else versions[0]
    after = rows[base].id  # version base + 1: one event after the checkpoint
    before = rows[base + every - 2].id  # version base + every - 1: every - 1 events
    before_time = events[base + every - 2].timestamp.isoformat()
    last = rows[-1].id
    head = app.head_position()
    say(
        f"competition {competition_id} ({label}): {len(rows):,} versions, {marks:,} marks; "
        f"checkpoints every {every} versions ({len(versions)} in the views)"
    )
    say(
        f"  moments: just after checkpoint v{base} (position {after}), just before the "
        f"next one (position {before}: {every - 1} events to apply, "
        f"{marks_up_to(base + every - 1):,} marks; and its time {before_time}), the "
        f"competition's last event (position {last}: {len(rows) - versions[-1]} events "
        f"after checkpoint v{versions[-1]}, {marks:,} marks)"
    )

    # cold, in-process; before: replayed from the competition's creation
    cold: dict[str, list[dict]] = {}
    for name, moment in (
        ("after", str(after)),
        ("before", str(before)),
        ("time", before_time),
        ("last", str(last)),
    ):
        cold[name] = cold_in_process(url, competition_id, moment, samples)
    cold["replay"] = cold_in_process(url, competition_id, str(before), samples, views=False)
    bodies = {name: {r["body"] for r in results} for name, results in cold.items()}
    assert all(len(b) == 1 for b in bodies.values()), "answers differ between processes"
    identical = bodies["before"] == bodies["replay"] == bodies["time"]
    for name, text in (
        ("after", "just after a checkpoint"),
        ("before", f"{every - 1} events after a checkpoint"),
        ("time", "the same moment by time"),
        ("last", "the competition's last event"),
        ("replay", "before: replayed from creation, no views"),
    ):
        results = cold[name]
        say(
            f"  cold in-process, {text}: wall {spread([r['ms'] for r in results])}; "
            f"cpu {spread([r['cpu_ms'] for r in results])} (version {results[0]['version']})"
        )
    # over HTTP: the moment whose cold CPU was the most
    worst_name = max(
        ("before", "time", "last"),
        key=lambda n: statistics.median(r["cpu_ms"] for r in cold[n]),
    )
    worst = {"before": str(before), "time": before_time, "last": str(last)}[worst_name]

    # warm, in-process: audit_feed.py's moments (25 positions and 13 times spread over the
    # history, the head) and the cold ones
    warm_moments = [str(before), before_time, str(after), str(last)]
    warm_moments += [str(rows[round(i * (len(rows) - 1) / 24)].id) for i in range(25)]
    warm_moments += [
        events[round(i * (len(events) - 1) / 12)].timestamp.isoformat() for i in range(13)
    ]
    warm_moments.append(str(head))
    from store.runtime import tune_gc

    tune_gc()  # as the server does at start-up (this process holds the decoded history)
    travel = time_travel.TimeTravel(app, store)
    answers: dict[str, bytes] = {}

    def ask(moment: str) -> float:
        started = time.perf_counter()
        history = travel.history(competition_id)
        assert history is not None
        as_of = time_travel.parse_as_of(moment)
        travel.check(as_of)
        found = travel.at(history, as_of)
        assert found is not None
        answers[moment] = msgspec.json.encode(time_travel.standings_at(app, found))
        return (time.perf_counter() - started) * 1000

    first_in_process = [ask(m) for m in warm_moments]  # each one's segment read
    warm = [ask(m) for _ in range(rounds) for m in warm_moments]
    warm_worst = [ask(worst) for _ in range(rounds * 10)]
    identical &= answers[str(before)].decode() in bodies["before"]
    identical &= answers[str(last)].decode() in bodies["last"]
    say(
        f"  first visits in-process ({len(first_in_process)} moments): p50 "
        f"{statistics.median(first_in_process):.1f}, max {max(first_in_process):.1f} ms"
    )
    say(
        f"  warm in-process ({len(warm)} calls over {len(warm_moments)} moments): p50 "
        f"{statistics.median(warm):.1f}, p99 {percentile(warm, 99):.1f}, max {max(warm):.1f} ms;"
        f" the worst moment alone: p50 {statistics.median(warm_worst):.1f}, p99 "
        f"{percentile(warm_worst, 99):.1f} ms"
    )

    # cold over HTTP (fresh servers), then first visits and warm over HTTP on the last one
    folder = Path(tempfile.mkdtemp(prefix="registry-bench-asof-"))
    server_cold: list[float] = []
    server: dict[str, Any] = {}
    try:
        for sample in range(samples):
            server = on_a_fresh_server(
                url,
                folder,
                token,
                competition_id,
                worst,
                warm_moments if sample == samples - 1 else [],
                rounds,
                answers,
            )
            server_cold.append(server["cold"])
            identical &= server["identical"]
    finally:
        for name in os.listdir(folder):
            os.remove(folder / name)
        folder.rmdir()
    first, server_warm, client = server["first"], server["warm"], server["client"]
    after_first = [*first, *server_warm]  # every request after the first as_of
    say(
        f"  cold over HTTP, the worst moment ({worst_name}), server time ({samples} fresh "
        f"servers): {spread(server_cold)}"
    )
    say(
        f"  first visits over HTTP on the running server, server time ({len(first)} "
        f"moments): p50 {statistics.median(first):.1f}, p99 {percentile(first, 99):.1f}, max "
        f"{max(first):.1f} ms"
    )
    say(
        f"  warm over HTTP, server time ({len(server_warm)} requests): p50 "
        f"{statistics.median(server_warm):.1f}, p99 {percentile(server_warm, 99):.1f}, max "
        f"{max(server_warm):.1f} ms (client: p50 {statistics.median(client):.1f}, p99 "
        f"{percentile(client, 99):.1f} ms)"
    )
    say(
        f"  every request after the first as_of, first visits counted ({len(after_first)}):"
        f" p50 {statistics.median(after_first):.1f}, p99 {percentile(after_first, 99):.1f} ms"
    )
    say(f"  answers identical (in-process, HTTP, full replay): {identical}")
    store.close()
    app.close()
    median = statistics.median
    return {
        "marks": marks,
        "every": every,
        "identical": identical,
        "worst": worst_name,
        "server_cold": median(server_cold),
        "server_cold_min": min(server_cold),
        "cold_wall": median(r["ms"] for r in cold[worst_name]),
        "cold_cpu": median(r["cpu_ms"] for r in cold[worst_name]),
        "cold_before_wall": median(r["ms"] for r in cold["before"]),
        "cold_time_wall": median(r["ms"] for r in cold["time"]),
        "cold_last_wall": median(r["ms"] for r in cold["last"]),
        "cold_after_wall": median(r["ms"] for r in cold["after"]),
        "replay_wall": median(r["ms"] for r in cold["replay"]),
        "replay_cpu": median(r["cpu_ms"] for r in cold["replay"]),
        "first_p50": median(first),
        "first_p99": percentile(first, 99),
        "first_max": max(first),
        "first_in_process_max": max(first_in_process),
        "warm_p50": median(server_warm),
        "warm_p99": percentile(server_warm, 99),
        "warm_client_p99": percentile(client, 99),
        "after_first_p99": percentile(after_first, 99),
        "warm_in_process_p99": percentile(warm, 99),
        "warm_worst_p99": percentile(warm_worst, 99),
    }


def measure(url: str, samples: int, rounds: int) -> None:
    from bench.audit_feed import auditor_token, big_competition_id

    app = open_registry(url)
    say(f"store: {app.settings.describe()}; head position {app.head_position():,}")
    app.close()
    say(
        f"(the machine is shared: each cold figure is {samples} fresh processes, min and "
        "median; cpu = the thread's CPU time, which other work does not inflate)"
    )
    token = auditor_token(url)
    figures = {
        label: measure_competition(url, competition_id, label, token, samples, rounds)
        for label, competition_id in (
            ("marked competitor by competitor", big_competition_id()),
            ("marked aspect by aspect", round_robin_id()),
        )
    }
    worst_cold = max(figures.items(), key=lambda item: item[1]["server_cold"])
    worst_first = max(figures.items(), key=lambda item: item[1]["first_p99"])
    worst_warm = max(figures.items(), key=lambda item: item[1]["warm_p99"])
    label, cold = worst_cold
    emit(
        [
            limit(
                "as_of.cold_worst",
                f"as_of at {cold['marks']:,} marks: cold, the worst moment near the end, "
                "server time (median of fresh servers)",
                cold["server_cold"],
                GOAL_COLD_MS,
                "ms",
                **{
                    "competition": label,
                    "moment": cold["worst"],
                    "server: min (ms)": round(cold["server_cold_min"], 1),
                    "in-process wall, median (ms)": round(cold["cold_wall"], 1),
                    "in-process CPU, median (ms)": round(cold["cold_cpu"], 1),
                    f"{cold['every'] - 1} events after a checkpoint, in-process wall, "
                    "median (ms)": round(cold["cold_before_wall"], 1),
                    "by time, in-process wall, median (ms)": round(cold["cold_time_wall"], 1),
                    "the last event, in-process wall, median (ms)": round(
                        cold["cold_last_wall"], 1
                    ),
                    "just after a checkpoint, in-process wall, median (ms)": round(
                        cold["cold_after_wall"], 1
                    ),
                    "before: full replay, in-process wall, median (ms)": round(
                        cold["replay_wall"], 1
                    ),
                    "before: full replay, in-process CPU, median (ms)": round(
                        cold["replay_cpu"], 1
                    ),
                },
            ),
            limit(
                "as_of.first_visit",
                f"as_of at {worst_first[1]['marks']:,} marks: a moment's first request on a "
                "running server (its checkpoint read), p99, server time",
                worst_first[1]["first_p99"],
                GOAL_COLD_MS,
                "ms",
                **{
                    "competition": worst_first[0],
                    "server p50 (ms)": round(worst_first[1]["first_p50"], 1),
                    "server max (ms)": round(worst_first[1]["first_max"], 1),
                    "in-process max (ms)": round(worst_first[1]["first_in_process_max"], 1),
                },
            ),
            limit(
                "as_of.warm_worst",
                f"as_of at {worst_warm[1]['marks']:,} marks: warm p99, server time",
                worst_warm[1]["warm_p99"],
                GOAL_WARM_MS,
                "ms",
                **{
                    "competition": worst_warm[0],
                    "server p50 (ms)": round(worst_warm[1]["warm_p50"], 1),
                    "client p99 (ms)": round(worst_warm[1]["warm_client_p99"], 1),
                    "every request after the first as_of, first visits counted: p99 (ms)": (
                        round(worst_warm[1]["after_first_p99"], 1)
                    ),
                    "in-process p99 (ms)": round(worst_warm[1]["warm_in_process_p99"], 1),
                    "in-process, the worst moment p99 (ms)": round(
                        worst_warm[1]["warm_worst_p99"], 1
                    ),
                },
            ),
        ],
        {
            "as_of answers are identical to the full replay's": all(
                f["identical"] for f in figures.values()
            )
        },
    )


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--probe":
        probe(sys.argv[2], sys.argv[3], sys.argv[4], views=sys.argv[5] == "views")
    else:
        run_phased(
            __doc__,
            __file__,
            default_events=100_000,
            generate=generate,
            measure=measure,
            options={
                "samples": (5, "fresh processes (and servers) per cold figure"),
                "rounds": (5, "warm rounds over the moments"),
            },
        )
