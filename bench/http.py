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
import itertools
import math
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path and this file would shadow the standard
# library's http (imported by httpx, litestar...): put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.figures import LOWER, emit, figure  # noqa: E402
from bench.load import (  # noqa: E402
    Item,
    Outcomes,
    PhaseResult,
    WaitSampler,
    run_phase,
    settle,
    wait_caught_up,
    wait_http,
)
from bench.marking import (  # noqa: E402
    ASPECTS,
    SHEET,
    create_admin,
    expert_marks,
    set_up,
    verify,
)
from bench.serving import (  # noqa: E402
    CHILDREN,
    V1,
    child_env,
    free_port,
    machine_busy,
    run_loop,
    say,
    serve_canned,
    spawn,
    spawn_real,
    stop,
    tail,
)

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


# ====================================================================== the run


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
