"""Benchmark: the public standings page against the JSON standings, in one run.

    python bench/pages.py              # 6 rounds of 2 s phases, 32 connections
    python bench/pages.py --quick      # 2 rounds
    python bench/pages.py --database-url postgresql://postgres@127.0.0.1/test?schema=bench_pages

What it does:

1. starts the real server (``registry serve --demo --projector in-process``, one process) on a
   fresh SQLite store in a temp folder (or the store ``--database-url`` names), and waits
   until the views are at the head;
2. takes the published demo competition with the most competitors, checks that its page
   (``GET /competitions/{id}``) and its JSON standings (``GET /api/v1/competitions/{id}/
   standings``) both answer 200, and warms both up;
3. alternates short phases of ``--seconds`` each (the order swapped every round, so a change
   in the machine's load weighs on both alike): N keep-alive connections (no token: the public)
   GET the JSON standings as fast as the server answers, then the page (Russian, the
   default language) as a returning browser does, sending back the cookies the page set
   (``--first-visit``: none, so each answer sets the CSRF cookie anew); ``--rounds`` times;
4. prints each phase's requests per second, each round's page/JSON ratio, and the ratio of
   the medians.

Target (point 14 of issue 14): the page, rendered once per view position, language and kind of
viewer and served from that cache, answers at least 0.8 times as many GETs per second as the
JSON standings in the same run.

The client is one raw-asyncio process (uvloop when installed) on the same 2 cores as the
server; both endpoints are measured by the same client, so its cost weighs on both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.figures import emit, figure  # noqa: E402
from bench.load import (  # noqa: E402
    RawConnection,
    wait_caught_up,
    wait_http,
)
from bench.serving import (  # noqa: E402
    HOST,
    V1,
    child_env,
    free_port,
    registry_command,
    run_loop,
    spawn,
    stop,
    tail,
)

TARGET_RATIO = 0.8


def say(text: str) -> None:
    print(text, flush=True)


async def pick_competition(port: int) -> str:
    """The published competition with the most competitors."""
    conn = RawConnection(HOST, port)
    try:
        best: tuple[int, str] | None = None
        for championship in (await conn.request("GET", f"{V1}/championships")).json():
            detail = (await conn.request("GET", f"{V1}/championships/{championship['id']}")).json()
            for competition in detail["competitions"]:
                if competition["status"] == "published":
                    key = (competition["entrants"], competition["id"])
                    best = key if best is None or key > best else best
        assert best is not None, "no published competition in the demo"
        return best[1]
    finally:
        await conn.close()


async def browser_cookies(port: int, path: str) -> str:
    """The ``Cookie`` header a browser sends after its first visit of ``path`` (the cookies
    the page set: the CSRF cookie of the site's forms)."""
    import httpx

    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as client:
        answer = await client.get(path)
        answer.raise_for_status()
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


async def phase(
    port: int, path: str, connections: int, seconds: float, cookie: str = ""
) -> tuple[float, int]:
    """GET ``path`` on ``connections`` keep-alive connections for ``seconds`` (sending
    ``cookie`` if any): (req/s, bytes of one answer). Any answer but 200 fails the run."""
    done = 0
    size = 0
    until = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, size
        conn = RawConnection(HOST, port)
        if cookie:
            conn.prefix += f"cookie: {cookie}\r\n"
        try:
            while time.perf_counter() < until:
                answer = await conn.request("GET", path)
                if answer.status != 200:
                    raise RuntimeError(f"GET {path}: {answer.status} {answer.body[:300]!r}")
                size = len(answer.body)
                done += 1
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return done / (time.perf_counter() - started), size


async def run(args: argparse.Namespace, folder: Path) -> int:
    url = args.database_url or f"sqlite:///{folder}/registry.sqlite"
    seconds = args.seconds or 2.0
    rounds = args.rounds or (2 if args.quick else 6)
    store = "SQLite in " + str(folder) if args.database_url is None else args.database_url
    say(
        f"store: {store}; {args.connections} connections; {seconds:.0f} s per phase, "
        f"{rounds} round(s); machine: {os.cpu_count()} cores; client on "
        + ("uvloop" if "uvloop" in sys.modules else "asyncio")
    )
    port = free_port()
    log = folder / "server.log"
    server = spawn(
        registry_command(
            "serve",
            "--port",
            str(port),
            "--projector",
            "in-process",
            "--demo",
            "--tokens-file",
            str(folder / "demo-tokens.txt"),
        ),
        log,
        child_env(REGISTRY_DATABASE_URL=url, REGISTRY_SESSION_DIR=str(folder / "sessions")),
    )
    try:
        await wait_http(port, server, log, timeout=180)
        await wait_caught_up(port)
        competition = await pick_competition(port)
        paths = {
            "JSON standings": f"{V1}/competitions/{competition}/standings",
            "standings page": f"/competitions/{competition}",
        }
        # a returning browser sends back the cookies the page set (--first-visit: none)
        cookies = {
            "JSON standings": "",
            "standings page": ""
            if args.first_visit
            else await browser_cookies(port, paths["standings page"]),
        }
        say(
            f"server: registry serve --demo, pid {server.pid}; competition {competition}; "
            + ("first visits (no cookies)" if args.first_visit else "the page's cookies sent back")
        )
        for name, path in paths.items():  # warm up: both remembered by the server
            await phase(port, path, 4, 0.5, cookies[name])
        results: dict[str, list[float]] = {name: [] for name in paths}
        sizes: dict[str, int] = {}
        for number in range(1, rounds + 1):
            order = list(paths.items())
            if number % 2 == 0:
                order.reverse()
            for name, path in order:
                rate, sizes[name] = await phase(
                    port, path, args.connections, seconds, cookies[name]
                )
                results[name].append(rate)
            json_rate, page_rate = results["JSON standings"][-1], results["standings page"][-1]
            say(
                f"  round {number}: JSON {json_rate:7,.0f} req/s ({sizes['JSON standings']:,} B)"
                f"  page {page_rate:7,.0f} req/s ({sizes['standings page']:,} B)"
                f"  ratio {page_rate / json_rate:.2f}"
            )
        json_rate = statistics.median(results["JSON standings"])
        page_rate = statistics.median(results["standings page"])
        ratio = page_rate / json_rate
        say(
            f"page/JSON (medians): {page_rate:,.0f} / {json_rate:,.0f} req/s = {ratio:.2f} "
            f"(target >= {TARGET_RATIO}): " + ("MET" if ratio >= TARGET_RATIO else "NOT MET")
        )
        if args.json:
            print(json.dumps({"results": results, "sizes": sizes, "ratio": ratio}))
        visit = "first visits" if args.first_visit else "returning browser"
        emit(
            [
                figure(
                    "pages.standings",
                    f"standings page GET, {args.connections} clients ({visit})",
                    page_rate,
                    json_rate,
                    "req/s",
                    goal=TARGET_RATIO,
                    against="the JSON standings GET",
                    **{
                        "rounds' ratios": [
                            round(p / j, 2)
                            for p, j in zip(
                                results["standings page"], results["JSON standings"], strict=True
                            )
                        ]
                    },
                )
            ]
        )
        return 0 if ratio >= TARGET_RATIO else 1
    except Exception:
        say(tail(log))
        raise
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="two rounds")
    parser.add_argument("--seconds", type=float, help="seconds per phase (default 2)")
    parser.add_argument("--rounds", type=int, help="rounds of both phases (default 6)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument(
        "--first-visit",
        action="store_true",
        help="send no cookies: every page GET is a browser's first (the CSRF cookie is set)",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (store, log)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        code = run_loop(run(args, folder))
    finally:
        if args.keep:
            say(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
