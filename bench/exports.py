"""Benchmark: the results protocol of a whole championship as ``.xlsx`` (issue 16, point 8).

    python bench/exports.py                      # 45 competitions x 20 competitors x 10 aspects
    python bench/exports.py --competitions 10    # a smaller world

The world is built through the application's commands on a SQLite file (organisations,
participants, a WorldSkills championship, its competitions with schemes, entrants and experts,
every mark, sign-offs, lock, publication), then served by the real app (projector in-process)
and asked over HTTP (Litestar's test client, in process): the championship protocol
(``GET /api/v1/championships/{id}/protocol.xlsx``: the reads of every competition's standings
and the medal table, and the workbook), one competition's protocol, and the printable page of
the championship. Each is asked ``--runs`` times after a first (cold) request; the median is
the figure. Target: the championship protocol in under one second.

Checks: the file opens with python-calamine and has one sheet per competition plus the index
and the three medal sheets, each competition sheet with a row per competitor.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder would come first on sys.path and bench/http.py would shadow
# the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.figures import emit, limit  # noqa: E402

GOAL_SECONDS = 1.0
REGIONS = ("VKO", "AST", "ALA", "KAR", "PAV", "ABA", "AKM")
LETTERS = "ӘҒҚҢӨҰҮҺІ"


def build_world(app: Any, competitions: int, competitors: int, aspects: int) -> UUID:
    """A published WorldSkills championship, made only through the application's commands."""
    from domain.ids import SYSTEM_ACTOR as a
    from registry.application import AspectInput

    rng = random.Random(2025)
    orgs = [
        app.register_organisation(
            actor=a,
            name_ru=f"Колледж №{n} {LETTERS[n % 9]}",
            name_kk=f"№{n} колледж {LETTERS[(n + 3) % 9]}",
            kind="college",
            region=REGIONS[n % len(REGIONS)],
        ).id
        for n in range(40)
    ]
    jury_org = app.register_organisation(
        actor=a,
        name_ru="Экспертный совет",
        name_kk="Сарапшылар кеңесі",
        kind="state_body",
        region="AST",
    ).id
    championship = app.create_championship(
        actor=a,
        kind="worldskills",
        level="republican",
        year=2025,
        region="AST",
        title_ru="WorldSkills Kazakhstan 2025",
        title_kk="WorldSkills Kazakhstan 2025",
        starts_on=date(2025, 12, 4),
        ends_on=date(2025, 12, 6),
    ).id
    maximum = 100 / aspects
    scheme = [
        AspectInput(
            f"{chr(65 + i // 2)}{i % 2 + 1}",
            chr(65 + i // 2),
            f"Аспект {i + 1}",
            f"{maximum:.2f}",
            "measurement",
        )
        for i in range(aspects)
    ]
    for c in range(competitions):
        competition = app.add_competition(
            actor=a,
            championship_id=championship,
            code=f"skill_{c:02d}",
            title_ru=f"Компетенция {c + 1}",
            title_kk=f"Құзырет {c + 1}",
            category="main",
        ).id
        app.set_scheme(actor=a, competition_id=competition, aspects=scheme)
        people = []
        for p in range(competitors):
            person = app.register_participant(
                actor=a,
                full_name=f"Қатысушы {LETTERS[p % 9]}{c:02d}-{p:02d} Ұлан",
                organisation_id=orgs[rng.randrange(len(orgs))],
                birth_date=date(2003, 1 + p % 12, 1 + c % 28),
            ).id
            app.add_entrant(actor=a, competition_id=competition, participant_id=person)
            people.append(person)
        chief = app.create_account(actor=a, name=f"Главный эксперт {c}", role="chief_expert").id
        expert = app.create_account(actor=a, name=f"Эксперт {c}", role="expert").id
        for account, role in ((chief, "chief"), (expert, "expert")):
            app.assign_expert(
                actor=a,
                competition_id=competition,
                account_id=account,
                role=role,
                organisation_id=jury_org,
            )
        app.start_marking(actor=a, competition_id=competition)
        for person in people:
            marks = [
                (person, aspect.id, f"{rng.randrange(0, int(maximum * 100) + 1) / 100:.2f}")
                for aspect in scheme
            ]
            app.enter_marks(actor=expert, competition_id=competition, marks=marks)
        for account in (chief, expert):
            app.sign_off(actor=account, competition_id=competition)
        app.lock(actor=chief, competition_id=competition)
        app.publish(actor=a, competition_id=competition)
    return championship


async def timed(
    client: Any, url: str, runs: int, headers: dict[str, str]
) -> tuple[float, float, Any]:
    """(cold seconds, median seconds of ``runs`` more, the last response)."""
    started = time.perf_counter()
    response = await client.get(url, headers=headers)
    cold = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = await client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return cold, statistics.median(times), response


async def render_only(client: Any, base: str, runs: int) -> float:
    """The median time of :func:`projections.protocols.championship_protocol_xlsx` alone, on
    the JSON API's answers for the same championship (no reads)."""
    import msgspec

    from api.exports import export_texts
    from projections import models
    from projections.protocols import CompetitionResults, championship_protocol_xlsx

    detail = msgspec.convert((await client.get(base)).json(), models.ChampionshipDetail)
    medals = msgspec.convert((await client.get(f"{base}/medals")).json(), models.MedalsOut)
    results = []
    for c in detail.competitions:
        answer = (await client.get(f"/api/v1/competitions/{c.id}/standings")).json()
        results.append(CompetitionResults(c, msgspec.convert(answer, models.StandingsOut)))
    texts = export_texts("ru")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        championship_protocol_xlsx(detail, results, medals, texts)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def measure(args: argparse.Namespace) -> None:
    from litestar.testing import AsyncTestClient

    from api.server import build_app
    from registry.application import RegistryApplication
    from sheets.reader import read_tables
    from store.settings import parse_database_url

    directory = tempfile.mkdtemp(prefix="bench-exports-")
    app = RegistryApplication(parse_database_url(f"sqlite:///{directory}/registry.sqlite"))
    started = time.perf_counter()
    championship = build_world(app, args.competitions, args.competitors, args.aspects)
    built = time.perf_counter() - started
    head = app.head_position()
    print(
        f"world:        {args.competitions} competitions x {args.competitors} competitors x "
        f"{args.aspects} aspects, {head:,} events, built in {built:.1f} s"
    )
    wait = {"X-Registry-Min-Position": str(head)}
    async with AsyncTestClient(app=build_app(app, projector="in-process"), timeout=120) as client:
        base = f"/api/v1/championships/{championship}"
        detail = (await client.get(base, headers=wait)).json()
        first = detail["competitions"][0]["id"]
        cold, whole, response = await timed(client, f"{base}/protocol.xlsx", args.runs, wait)
        data = response.content
        print(
            f"championship protocol .xlsx: cold {cold:.3f} s, median {whole:.3f} s, "
            f"{len(data) / 1024:,.0f} KB"
        )
        started = time.perf_counter()
        tables = read_tables(data, "protocol.xlsx")
        read_seconds = time.perf_counter() - started
        render = await render_only(client, base, args.runs)
        print(f"  of which the workbook alone (from the JSON answers): {render:.3f} s")
        cold_one, one, _ = await timed(
            client, f"/api/v1/competitions/{first}/protocol.xlsx", args.runs, wait
        )
        print(f"competition protocol .xlsx:  cold {cold_one:.3f} s, median {one:.3f} s")
        cold_page, page, printed = await timed(client, f"{base}/protocol/print", args.runs, wait)
        print(
            f"championship printable page: cold {cold_page:.3f} s, median {page:.3f} s, "
            f"{len(printed.content) / 1024:,.0f} KB"
        )
        print(f"read back with sheets.reader: {read_seconds:.3f} s")
    app.close()
    sheets = list(tables.values())
    checks = {
        "one sheet per competition, the index and three medal sheets": len(sheets)
        == args.competitions + 4,
        "every competition sheet has a row per competitor": all(
            len(t.rows) == args.competitors for t in sheets[1 : 1 + args.competitions]
        ),
        "the index lists every competition": len(sheets[0].rows) == args.competitions,
    }
    for what, ok in checks.items():
        print(f"check:        {what}: {'ok' if ok else 'FAILED'}")
    work = (
        f"championship protocol .xlsx over HTTP ({args.competitions} competitions x "
        f"{args.competitors} competitors x {args.aspects} aspects)"
    )
    emit(
        [
            limit(
                "exports.championship_protocol",
                work,
                whole,
                GOAL_SECONDS,
                "s",
                cold_seconds=round(cold, 3),
                workbook_alone_seconds=round(render, 3),
                bytes=len(data),
            ),
            limit(
                "exports.competition_protocol",
                f"competition protocol .xlsx over HTTP ({args.competitors} competitors)",
                one,
                GOAL_SECONDS,
                "s",
                cold_seconds=round(cold_one, 3),
            ),
            limit(
                "exports.championship_page",
                f"championship protocol printable page ({args.competitions} competitions)",
                page,
                GOAL_SECONDS,
                "s",
                cold_seconds=round(cold_page, 3),
            ),
        ],
        checks,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--competitions", type=int, default=45)
    parser.add_argument("--competitors", type=int, default=20)
    parser.add_argument("--aspects", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7, help="timed requests after the first")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
