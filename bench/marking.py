"""What ``bench/http.py`` marks and checks: the championship set up over the API, the
request streams of each expert, and the check that every mark answered 2xx is stored exactly
once (read back from the store and through the API's marking progress)."""

from __future__ import annotations

import asyncio
import collections
import json
import random
import string
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bench.load import (
    Item,
    Outcomes,
    RawConnection,
)
from bench.serving import (
    HOST,
    ROOT,
    V1,
    child_env,
    registry_command,
    say,
)

ASPECTS = 200  # 200 x 0.50 = 100.00; the most a scheme may have
CRITERIA = "ABCDE"
SHEET = 50
PUBLISHED_ASPECTS = 20  # 20 x 5.00 for the published competition


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


async def mark_and_lock(
    api: Api,
    path: str,
    people: Sequence[str],
    aspects: int,
    tokens: Sequence[str],
    chief_token: str,
) -> int:
    """Every mark of a started competition (``path``) of ``aspects`` measurement aspects
    (``M000``...), the same pseudo-random values each run, in sheets of ``SHEET`` sent by
    ``tokens`` in turn; then the chief locks it with an override (the bench's experts do not
    sign off one by one). Answers how many marks were sent."""
    rng = random.Random(7)
    marks = [
        {
            "competitor_id": person,
            "aspect_id": f"M{a:03d}",
            "value": f"{rng.randint(100, 500) / 100:.2f}",
        }
        for person in people
        for a in range(aspects)
    ]
    for n in range(0, len(marks), SHEET):
        token = tokens[(n // SHEET) % len(tokens)]
        await api.call("POST", f"{path}/marks", token, {"marks": marks[n : n + SHEET]})
    override = {"override_reason": "bench: synthetic marks"}
    await api.call("POST", f"{path}/lock", chief_token, override)
    return len(marks)


async def create_championship(
    api: Api, organiser: str, region: str, title_ru: str, title_kk: str
) -> str:
    """A regional WorldSkills championship of March 2025; its id."""
    body = {
        "kind": "worldskills",
        "level": "regional",
        "year": 2025,
        "region": region,
        "title_ru": title_ru,
        "title_kk": title_kk,
        "starts_on": "2025-03-01",
        "ends_on": "2025-03-05",
    }
    return str((await api.call("POST", f"{V1}/championships", organiser, body))["id"])


async def prepare_competition(
    api: Api,
    path: str,
    organiser: str,
    marking: dict[str, Any],
    people: Sequence[str],
    experts: Sequence[tuple[str, str]],
    organisation: str,
) -> None:
    """A created competition (``path``) given its scheme, ``people`` as entrants and
    ``experts`` (account id, role) of ``organisation``, then started."""
    await api.call("PUT", f"{path}/scheme", organiser, marking)
    for person in people:
        await api.call("POST", f"{path}/entrants", organiser, {"participant_id": person})
    for account, role in experts:
        await api.call(
            "POST",
            f"{path}/experts",
            organiser,
            {"account_id": account, "role": role, "organisation_id": organisation},
        )
    await api.call("POST", f"{path}/start", organiser)


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
        championship = await create_championship(
            api, organiser, "B" + tag, f"Нагрузочный чемпионат {tag}", f"Жүктеме чемпионаты {tag}"
        )
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

        judges = [(chief["id"], "chief"), *((e["id"], "expert") for e in expert_accounts)]

        async def prepare(competition: str, kind: str) -> None:
            body = (
                scheme(PUBLISHED_ASPECTS, "5.00")
                if kind == "published"
                else scheme(ASPECTS, "0.50")
            )
            path = f"{V1}/competitions/{competition}"
            await prepare_competition(api, path, organiser, body, people, judges, enterprise)

        await api.each(prepare(c, k) for c, k in zip(competitions, kinds, strict=True))
        say(f"  set-up: {len(competitions)} competitions with schemes, entrants, experts, started")

        # the published competition: every mark by sheets, lock, publish
        published = competitions[-1]
        c = f"{V1}/competitions/{published}"
        tokens = [account["token"] for account in expert_accounts]
        marked = await mark_and_lock(api, c, people, PUBLISHED_ASPECTS, tokens, chief["token"])
        last = await api.call("POST", f"{c}/publish", organiser)
        standings = await fetch_standings(port, published, last["position"])
        say(
            f"  set-up: published competition ({marked:,} marks), standings "
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
