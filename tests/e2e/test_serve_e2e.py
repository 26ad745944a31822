"""End to end: the real ``registry serve`` process, over real sockets, on SQLite and PostgreSQL.

One championship is built, marked, locked and published over HTTP only, and the public results
are checked against totals, ranks, scaled scores and medals computed by hand below. Then a
second competition is marked by a burst of concurrent single-mark POSTs, the server is killed
with SIGKILL in the middle of the burst and started again on the same store: every mark that
was answered 2xx is still there, none is doubled (checked over HTTP and directly in the stored
events), and every mark whose request failed can be retried safely.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from registry.application import RegistryApplication
from store.settings import parse_database_url
from tests.api.test_serve import free_port, registry

#: Ә Ғ Қ Ң Ө Ұ Ү Һ І — every one of them must survive the round trip.
KAZAKH_LETTERS = "\u04d8\u0492\u049a\u04a2\u04e8\u04b0\u04ae\u04ba\u0406"

STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
API = "/api/v1"
COUNTS = ("gold", "silver", "bronze", "medallions", "points")


# ---------------------------------------------------------------------------- the process


class Server:
    """One ``registry serve --projector in-process`` process on ``store_url``."""

    def __init__(self, store_url: str, workdir: Path, name: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("w", encoding="utf-8")
        env = {**os.environ, "REGISTRY_DATABASE_URL": store_url}
        env.pop("REGISTRY_PROJECTOR", None)
        self.process = subprocess.Popen(
            registry("serve", "--port", str(self.port), "--projector", "in-process"),
            env=env,
            cwd=workdir,
            stdout=self._log,  # a file, not a pipe: access logs must never block the server
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"registry serve exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"registry serve was not ready in time:\n{self.output()}")

    def sigkill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        """SIGINT, then SIGKILL if it does not stop in time; always bounded."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=STOP_TIMEOUT)
        finally:
            self._log.close()


def create_first_admin(store_url: str, workdir: Path) -> str:
    env = {**os.environ, "REGISTRY_DATABASE_URL": store_url}
    created = subprocess.run(
        registry("accounts", "create", "--name", "Әкімші Администратор", "--role", "admin"),
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    lines = [line for line in created.stdout.splitlines() if line.startswith("token")]
    assert len(lines) == 1, created.stdout
    return lines[0].split()[-1]


# ---------------------------------------------------------------------------- HTTP helpers


class Api:
    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=15)
        self.last_position = 0

    def close(self) -> None:
        self.client.close()

    @staticmethod
    def _headers(token: str | None, min_position: int | None = None) -> dict[str, str]:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if min_position is not None:
            headers["X-Registry-Min-Position"] = str(min_position)
        return headers

    def command(
        self,
        method: str,
        path: str,
        token: str,
        body: Any = None,
        *,
        status: int,
        recorded: bool | None = True,
    ) -> dict[str, Any]:
        response = self.client.request(method, API + path, json=body, headers=self._headers(token))
        assert response.status_code == status, (method, path, response.text)
        answer: dict[str, Any] = response.json()
        if recorded is not None:
            assert answer["recorded"] is recorded, (path, answer)
        self.last_position = max(self.last_position, answer["position"])
        return answer

    def post(self, path: str, token: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        return self.command("POST", path, token, body, **kwargs)

    def refused(self, path: str, token: str, body: Any, status: int, problem: str) -> dict:
        response = self.client.post(API + path, json=body, headers=self._headers(token))
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        answer: dict[str, Any] = response.json()
        assert answer["type"] == f"/problems/{problem}", answer
        assert answer["status"] == status
        return answer

    def get(
        self, path: str, token: str | None = None, *, min_position: int | None = None
    ) -> dict[str, Any]:
        response = self.client.get(API + path, headers=self._headers(token, min_position))
        assert response.status_code == 200, (path, response.text)
        answer: dict[str, Any] = response.json()
        return answer


# ---------------------------------------------------------------------------- the story

ORGANISATIONS = {
    # key: (name_ru, name_kk, kind, region)
    "college_a": (
        "Высший колледж ВКТУ им. Д. Серикбаева",
        "Д. Серікбаев атындағы ШҚТУ Жоғары колледжі",
        "college",
        "VKO",
    ),
    "college_b": (
        "Риддерский аграрно-технический колледж",
        "Риддер аграрлық-техникалық колледжі",
        "college",
        "VKO",
    ),
    "college_pvl": ("Павлодарский высший колледж", "Павлодар жоғары колледжі", "college", "PVL"),
    "kazzinc": ("ТОО «Казцинк»", "«Қазмырыш» ЖШС", "enterprise", "VKO"),
    "university": (
        "ВКУ им. С. Аманжолова",
        "С. Аманжолов атындағы Шығыс Қазақстан университеті",
        "university",
        "VKO",
    ),
    "education": ("Управление образования ВКО", "ШҚО білім басқармасы", "state_body", "VKO"),
    "builders": (
        "Строительный колледж «Жаңа Үміт»",
        "«ЖАҢА ҮМІТ» құрылыс колледжі",
        "college",
        "VKO",
    ),
}

# Competitors of the first competition: key -> (full name, organisation, birth date).
COMPETITORS = {
    "p1": ("Нұрланов Әлихан", "college_a", "2004-03-11"),
    "p2": ("Қасымова Ғалия", "college_a", "2005-07-02"),
    "p3": ("Өмірбекова Ұлжан", "college_b", "2004-12-30"),
    "p4": ("Һидаятов Нұрсұлтан", "college_b", "2003-01-19"),
    "p5": ("Сейітова Іңкәр", "college_pvl", "2005-05-05"),
    "p6": ("Иванов Дмитрий Сергеевич", "college_pvl", "2004-09-14"),
    "p7": ("Ермекова Айгүл", "college_a", "2006-02-28"),
}

# Accounts: key -> (name, role). e1 is from college_a, whose competitors it must not mark.
ACCOUNTS = {
    "organiser": ("Ұйымдастырушы Сәуле Қайратқызы", "organiser"),
    "chief": ("Бас сарапшы Ғалым Жұмабаев", "chief_expert"),
    "e1": ("Сарапшы Әсел Нұрғалиева", "expert"),
    "e2": ("Сарапшы Мұрат Оспанов", "expert"),
    "e3": ("Сарапшы Гүлнар Сейітқали", "expert"),
    "e4": ("Сарапшы Ерлан Бақытжанов", "expert"),
}
# Their organisations at this championship (for the conflict-of-interest rule).
EXPERT_ORGANISATION = {
    "chief": "education",
    "e1": "college_a",
    "e2": "kazzinc",
    "e3": "university",
    "e4": "college_b",
}

# The first competition's scheme: 40 + 30 + 30 = 100.00.
SCHEME = [
    {
        "id": "M1",
        "criterion": "A",
        "description": "Размеры шва по чертежу / Жіктің өлшемдері",
        "max_mark": "40.00",
        "type": "measurement",
    },
    {
        "id": "M2",
        "criterion": "A",
        "description": "Герметичность соединения",
        "max_mark": "30.00",
        "type": "measurement",
    },
    {
        "id": "J1",
        "criterion": "B",
        "description": "Внешний вид шва / Жіктің сыртқы түрі",
        "max_mark": "30.00",
        "type": "judgement",
    },
]

# Measurement marks M1, M2 and the judgement scores of J1 by (e2, e3, chief).
# J1's mark is 30 × (sum of scores) / 9, half-up to two places:
#   sum 9 → 30.00, 8 → 26.666… → 26.67, 6 → 20.00, 5 → 16.666… → 16.67, 4 → 13.333… → 13.33.
MARKS = {
    #      M1       M2       J1 (e2, e3, chief)   J1 mark   total
    "p1": ("38.50", "27.25", (3, 3, 3)),  # 30.00   38.50 + 27.25 + 30.00 = 95.75
    "p2": ("30.50", "22.00", (2, 2, 2)),  # 20.00   30.50 + 22.00 + 20.00 = 72.50
    "p3": ("35.00", "25.00", (3, 3, 2)),  # 26.67   35.00 + 25.00 + 26.67 = 86.67
    "p4": ("28.00", "20.75", (2, 2, 2)),  # 20.00   28.00 + 20.75 + 20.00 = 68.75
    "p5": ("30.00", "30.00", (3, 2, 3)),  # 26.67   30.00 + 30.00 + 26.67 = 86.67
    "p6": ("25.25", "18.00", (2, 1, 2)),  # 16.67   25.25 + 18.00 + 16.67 = 59.92
    "p7": ("20.00", "15.50", (1, 1, 2)),  # 13.33   20.00 + 15.50 + 13.33 = 48.83
}
# e3 first gives p2 a 0 (scores 2, 0, 2: spread 2 > 1, disputed), then corrects it to 2.

# Expected standings, by hand. Totals sorted: 95.75, 86.67, 86.67, 72.50, 68.75, 59.92, 48.83.
# Ranks (tolerance 0.00): 1, 2, 2, 4, 5, 6, 7 → gold; silver, silver (no bronze: rank 3 is
# skipped); rank 4 and below no medal.
# Scaled score (WorldSkills): median = 72.50 (the 4th of 7). |t − median| = 23.25, 14.17,
# 14.17, 0.00, 3.75, 12.58, 23.67 → sorted 0.00, 3.75, 12.58, 14.17, 14.17, 23.25, 23.67 →
# MAD = 14.17; s = 1.4826 × 14.17 = 21.008442.
#   95.75: 700 + 20 × 23.25 / 21.008442 = 700 + 22.134… = 722.13 → 722
#   86.67: 700 + 20 × 14.17 / 21.008442 = 700 + 20 / 1.4826 = 713.49 → 713
#   72.50: 700 + 0 → 700 (no medal, scaled ≥ 700 → medallion)
#   68.75: 700 − 20 × 3.75 / 21.008442 = 700 − 3.570… = 696.43 → 696
#   59.92: 700 − 20 × 12.58 / 21.008442 = 700 − 11.976… = 688.02 → 688
#   48.83: 700 − 20 × 23.67 / 21.008442 = 700 − 22.533… = 677.47 → 677
# Row order: rank, then name case-folded: "сейітова…" (с U+0441) before "өмірбекова…" (ө U+04E9).
EXPECTED_ROWS = [
    # (competitor, rank, total, scaled, medal, medallion, criterion A, criterion B)
    ("p1", 1, "95.75", 722, "gold", False, "65.75", "30.00"),
    ("p5", 2, "86.67", 713, "silver", False, "60.00", "26.67"),
    ("p3", 2, "86.67", 713, "silver", False, "60.00", "26.67"),
    ("p2", 4, "72.50", 700, None, True, "52.50", "20.00"),
    ("p4", 5, "68.75", 696, None, False, "48.75", "20.00"),
    ("p6", 6, "59.92", 688, None, False, "43.25", "16.67"),
    ("p7", 7, "48.83", 677, None, False, "35.50", "13.33"),
]


def check_kazakh_coverage() -> None:
    names = " ".join(
        [
            *(n for ru_kk in ORGANISATIONS.values() for n in ru_kk[:2]),
            *(c[0] for c in COMPETITORS.values()),
            *(a[0] for a in ACCOUNTS.values()),
        ]
    )
    missing = [letter for letter in KAZAKH_LETTERS if letter not in names]
    assert not missing, missing
    assert unicodedata.is_normalized("NFC", names)  # so "exactly" means byte for byte


def test_serve_end_to_end_with_a_crash_in_the_middle_of_marking(store_url, tmp_path):
    check_kazakh_coverage()
    admin_token = create_first_admin(store_url, tmp_path)
    servers: list[Server] = []
    apis: list[Api] = []
    try:
        server = Server(store_url, tmp_path, "first")
        servers.append(server)
        server.wait_ready()
        api = Api(server.base)
        apis.append(api)

        world = publish_first_competition(api, admin_token)
        crash_marking(api, server, store_url, tmp_path, world, servers, apis)
    finally:
        for api in apis:
            api.close()
        for server in servers:
            server.stop()
    for server in servers[1:]:  # the first was killed on purpose
        assert server.process.returncode == 0, server.output()
        assert "Traceback" not in server.output(), server.output()


# ---------------------------------------------------------------------------- part 1


def publish_first_competition(api: Api, admin_token: str) -> dict[str, Any]:
    tokens: dict[str, str] = {}
    account_ids: dict[str, str] = {}
    for key, (name, role) in ACCOUNTS.items():
        made = api.post("/accounts", admin_token, {"name": name, "role": role}, status=201)
        tokens[key] = made["token"]
        account_ids[key] = made["id"]
    organiser = tokens["organiser"]

    orgs: dict[str, str] = {}
    for key, (name_ru, name_kk, kind, region) in ORGANISATIONS.items():
        body = {"name_ru": name_ru, "name_kk": name_kk, "kind": kind, "region": region}
        orgs[key] = api.post("/organisations", organiser, body, status=201)["id"]
    people: dict[str, str] = {}
    for key, (full_name, org, born) in COMPETITORS.items():
        body = {"full_name": full_name, "organisation_id": orgs[org], "birth_date": born}
        people[key] = api.post("/participants", organiser, body, status=201)["id"]

    championship = api.post(
        "/championships",
        organiser,
        {
            "kind": "worldskills",
            "level": "regional",
            "year": 2025,
            "region": "VKO",
            "title_ru": "Региональный чемпионат «WorldSkills Shygys – 2025»",
            "title_kk": "«WorldSkills Shygys – 2025» өңірлік чемпионаты",
            "starts_on": "2025-05-12",
            "ends_on": "2025-05-16",
        },
        status=201,
    )["id"]
    competition = api.post(
        f"/championships/{championship}/competitions",
        organiser,
        {
            "code": "welding",
            "title_ru": "Сварочные технологии",
            "title_kk": "Дәнекерлеу технологиялары",
            "category": "main",
        },
        status=201,
    )["id"]
    c = f"/competitions/{competition}"
    api.command("PUT", f"{c}/scheme", organiser, {"aspects": SCHEME}, status=200)
    for key in COMPETITORS:
        api.post(f"{c}/entrants", organiser, {"participant_id": people[key]}, status=201)
    for key in ("chief", "e1", "e2", "e3"):
        body = {
            "account_id": account_ids[key],
            "role": "chief" if key == "chief" else "expert",
            "organisation_id": orgs[EXPERT_ORGANISATION[key]],
        }
        api.post(f"{c}/experts", organiser, body, status=201)
    started = api.post(f"{c}/start", organiser, status=200)

    # e1 (college_a) may not mark college_a's competitors: a single mark and a whole sheet
    # containing one such mark are refused, and nothing of either is stored.
    refusal = api.refused(
        f"{c}/marks",
        tokens["e1"],
        {"competitor_id": people["p1"], "aspect_id": "M1", "value": "10.00"},
        409,
        "conflict-of-interest",
    )
    assert "Нұрланов Әлихан" in refusal["detail"], refusal
    api.refused(
        f"{c}/marks",
        tokens["e1"],
        {
            "marks": [
                {"competitor_id": people["p6"], "aspect_id": "M1", "value": "11.00"},
                {"competitor_id": people["p2"], "aspect_id": "M2", "value": "12.00"},
            ]
        },
        409,
        "conflict-of-interest",
    )
    chief = tokens["chief"]
    seen = api.get(c, chief, min_position=started["position"])
    assert seen["status"] == "marking"
    assert seen["progress"] == {"entered": 0, "expected": 35}  # 7 × (2 + 3 × 1)

    # e2 enters college_a's measurement marks: single marks (one retried) and a sheet.
    # Had the refused 10.00 been stored, 38.50 would now be refused as mark-exists.
    p1_m1 = {"competitor_id": people["p1"], "aspect_id": "M1", "value": MARKS["p1"][0]}
    first = api.post(f"{c}/marks", tokens["e2"], p1_m1, status=201)
    again = api.post(f"{c}/marks", tokens["e2"], p1_m1, status=200, recorded=False)
    assert again["position"] == first["position"]
    p1_m2 = {"competitor_id": people["p1"], "aspect_id": "M2", "value": MARKS["p1"][1]}
    api.post(f"{c}/marks", tokens["e2"], p1_m2, status=201)
    sheet = [
        {"competitor_id": people[p], "aspect_id": aspect, "value": MARKS[p][n]}
        for p in ("p2", "p7")
        for n, aspect in enumerate(("M1", "M2"))
    ]
    api.post(f"{c}/marks", tokens["e2"], {"marks": sheet}, status=201)
    # e1 enters the others' (p6 M1 included: the refused 11.00 was not stored).
    sheet = [
        {"competitor_id": people[p], "aspect_id": aspect, "value": MARKS[p][n]}
        for p in ("p3", "p4", "p5", "p6")
        for n, aspect in enumerate(("M1", "M2"))
    ]
    api.post(f"{c}/marks", tokens["e1"], {"marks": sheet}, status=201)

    # J1: a sheet of seven scores from each of e2, e3 (with a 0 for p2) and the chief.
    for index, key in enumerate(("e2", "e3", "chief")):
        sheet = [
            {
                "competitor_id": people[p],
                "aspect_id": "J1",
                "value": 0 if (key, p) == ("e3", "p2") else MARKS[p][2][index],
            }
            for p in COMPETITORS
        ]
        api.post(f"{c}/marks", tokens[key], {"marks": sheet}, status=201)

    standings = api.get(f"{c}/standings", chief, min_position=api.last_position)
    assert standings["progress"] == {"entered": 35, "expected": 35}
    assert [(d["competitor_id"], d["aspect_id"]) for d in standings["disputed"]] == [
        (people["p2"], "J1")
    ]
    assert sorted(standings["disputed"][0]["scores"]) == [0, 2, 2]
    api.refused(f"{c}/lock", chief, None, 409, "disputed-aspect")

    reason = "Бағалау қайта қаралды: жіктің сапасы қанағаттанарлық (балл 0 → 2)"
    api.post(
        f"{c}/corrections",
        tokens["e3"],
        {"competitor_id": people["p2"], "aspect_id": "J1", "value": 2, "reason": reason},
        status=201,
    )
    api.refused(f"{c}/lock", chief, None, 409, "sign-off-missing")
    for key in ("chief", "e1", "e2", "e3"):  # every assigned expert confirms their marks
        api.post(f"{c}/sign-off", tokens[key], status=200)
    api.post(f"{c}/lock", chief, status=200)
    published = api.post(f"{c}/publish", organiser, status=200)
    assert published["position"] == api.last_position

    # ---- the public (no token) reads the results, waiting for the publication's position
    public = api.get(f"{c}/standings", min_position=published["position"])
    assert public["status"] == "published"
    assert public["as_of_position"] >= published["position"]
    assert public["disputed"] == []
    assert public["progress"] == {"entered": 35, "expected": 35}
    assert public["scaled_score_formula"] == "ws-median-mad"
    org_name_of = {key: ORGANISATIONS[org][0] for key, (_, org, _) in COMPETITORS.items()}
    got = [
        (
            r["competitor_id"],
            r["full_name"],
            r["organisation"],
            r["rank"],
            r["total"],
            r["scaled_score"],
            r["medal"],
            r["medallion"],
            r["criteria"],
        )
        for r in public["rows"]
    ]
    expected = [
        (
            people[p],
            COMPETITORS[p][0],
            org_name_of[p],
            rank,
            total,
            scaled,
            medal,
            medallion,
            {"A": a, "B": b},
        )
        for p, rank, total, scaled, medal, medallion, a, b in EXPECTED_ROWS
    ]
    assert got == expected
    for row in public["rows"]:  # Kazakh names round-trip exactly, byte for byte
        name = COMPETITORS[next(p for p in people if people[p] == row["competitor_id"])][0]
        assert row["full_name"].encode() == name.encode()
    assert "birth_date" not in str(public) and "2004-03-11" not in str(public)

    medals = api.get(f"/championships/{championship}/medals", min_position=published["position"])
    # college_a: p1 gold (4) + p2 medallion (1) = 5; college_b: p3 silver = 3; college_pvl:
    # p5 silver = 3. The two 3-point lines tie on everything: ordered by organisation id.
    by_org = [
        tuple(m[k] for k in ("organisation_id", "name_ru", "name_kk", "region", *COUNTS))
        for m in medals["by_organisation"]
    ]

    def line(key: str, *counts: int) -> tuple:
        name_ru, name_kk, _, region = ORGANISATIONS[key]
        return (orgs[key], name_ru, name_kk, region, *counts)

    tied = sorted([line("college_b", 0, 1, 0, 0, 3), line("college_pvl", 0, 1, 0, 0, 3)])
    assert by_org == [line("college_a", 1, 0, 0, 1, 5), *tied]
    for m in medals["by_organisation"]:
        assert (
            m["name_kk"].encode()
            == ORGANISATIONS[next(k for k in orgs if orgs[k] == m["organisation_id"])][1].encode()
        )
    # VKO: gold 4 + silver 3 + medallion 1 = 8; PVL: silver 3.
    assert [
        (r["region"], r["gold"], r["silver"], r["bronze"], r["medallions"], r["points"])
        for r in medals["by_region"]
    ] == [("VKO", 1, 1, 0, 1, 8), ("PVL", 0, 1, 0, 0, 3)]
    # Best of region (WorldSkills: the scaled score): PVL p5 713 (p6 688); VKO p1 722.
    assert [
        (b["region"], b["competitor_id"], b["full_name"], b["score"])
        for b in medals["best_of_region"]
    ] == [
        ("PVL", people["p5"], COMPETITORS["p5"][0], "713"),
        ("VKO", people["p1"], COMPETITORS["p1"][0], "722"),
    ]

    detail = api.get(f"/championships/{championship}")
    assert detail["title_kk"] == "«WorldSkills Shygys – 2025» өңірлік чемпионаты"
    assert [(x["title_kk"], x["status"]) for x in detail["competitions"]] == [
        ("Дәнекерлеу технологиялары", "published")
    ]
    mine = api.get(f"/participants/{people['p2']}/results")
    assert mine["full_name"] == "Қасымова Ғалия"
    assert [(r["rank"], r["total"], r["medal"], r["medallion"]) for r in mine["results"]] == [
        (4, "72.50", None, True)
    ]
    return {
        "tokens": tokens,
        "account_ids": account_ids,
        "orgs": orgs,
        "championship": championship,
        "medals": medals,
    }


# ---------------------------------------------------------------------------- part 2

CRASH_COMPETITORS = 12
CRASH_ASPECTS = 20  # one aspect per criterion A..T, 5.00 each: its subtotal is its mark
BURST_EXPERTS = ("e1", "e2", "e3", "e4")
KILL_AFTER = 40  # successful marks before the SIGKILL


def crash_value(competitor: int, aspect: int) -> str:
    """A distinct, non-zero mark (0.25 … 4.00) for each (competitor, aspect)."""
    return f"{Decimal(1 + (competitor * 7 + aspect * 3) % 16) / 4:.2f}"


def aspect_id(aspect: int) -> str:
    return f"K{aspect:02d}"


def criterion(aspect: int) -> str:
    return chr(ord("A") + aspect)


Mark = tuple[int, int]  # (competitor index, aspect index)


def crash_marking(
    api: Api,
    server: Server,
    store_url: str,
    workdir: Path,
    world: dict[str, Any],
    servers: list[Server],
    apis: list[Api],
) -> None:
    tokens, orgs = world["tokens"], world["orgs"]
    organiser, chief = tokens["organiser"], tokens["chief"]
    competition = api.post(
        f"/championships/{world['championship']}/competitions",
        organiser,
        {
            "code": "bricklaying",
            "title_ru": "Кирпичная кладка",
            "title_kk": "Кірпіш қалау",
            "category": "main",
        },
        status=201,
    )["id"]
    c = f"/competitions/{competition}"
    scheme = [
        {
            "id": aspect_id(j),
            "criterion": criterion(j),
            "description": f"Өлшем {j + 1}: қалаудың тегістігі",
            "max_mark": "5.00",
            "type": "measurement",
        }
        for j in range(CRASH_ASPECTS)
    ]
    api.command("PUT", f"{c}/scheme", organiser, {"aspects": scheme}, status=200)
    people = []
    for i in range(CRASH_COMPETITORS):  # all from "builders": no expert's organisation
        body = {"full_name": f"Құрылысшы Өміржан №{i + 1}", "organisation_id": orgs["builders"]}
        person = api.post("/participants", organiser, body, status=201)["id"]
        api.post(f"{c}/entrants", organiser, {"participant_id": person}, status=201)
        people.append(person)
    for key in ("chief", *BURST_EXPERTS):
        body = {
            "account_id": world["account_ids"][key],
            "role": "chief" if key == "chief" else "expert",
            "organisation_id": orgs[EXPERT_ORGANISATION[key]],
        }
        api.post(f"{c}/experts", organiser, body, status=201)
    api.post(f"{c}/start", organiser, status=200)

    # ---- the burst: thread k (expert BURST_EXPERTS[k]) posts the aspects j ≡ k (mod 4)
    plan: dict[str, list[Mark]] = {
        key: [
            (i, j)
            for i in range(CRASH_COMPETITORS)
            for j in range(CRASH_ASPECTS)
            if j % len(BURST_EXPERTS) == k
        ]
        for k, key in enumerate(BURST_EXPERTS)
    }
    expert_of: dict[Mark, str] = {mark: key for key, marks in plan.items() for mark in marks}
    succeeded: dict[Mark, int] = {}  # mark -> the position its 2xx answer gave
    failed: list[Mark] = []
    unexpected: list[tuple[Mark, int, str]] = []
    lock = threading.Lock()
    enough = threading.Event()
    start = threading.Barrier(len(BURST_EXPERTS) + 1)

    def post_marks(key: str) -> None:
        headers = {"Authorization": f"Bearer {tokens[key]}"}
        with httpx.Client(base_url=server.base, timeout=10) as client:
            start.wait(timeout=10)
            for i, j in plan[key]:
                body = {"competitor_id": people[i], "aspect_id": aspect_id(j)}
                body["value"] = crash_value(i, j)
                try:
                    response = client.post(f"{API}{c}/marks", json=body, headers=headers)
                except httpx.TransportError:
                    with lock:
                        failed.append((i, j))
                    continue
                with lock:
                    if response.status_code == 201 and response.json()["recorded"]:
                        succeeded[(i, j)] = response.json()["position"]
                        if len(succeeded) >= KILL_AFTER:
                            enough.set()
                    else:
                        unexpected.append(((i, j), response.status_code, response.text))

    threads = [threading.Thread(target=post_marks, args=(key,)) for key in BURST_EXPERTS]
    for thread in threads:
        thread.start()
    start.wait(timeout=10)
    burst_began = time.monotonic()
    assert enough.wait(timeout=30), f"only {len(succeeded)} marks succeeded: {unexpected}"
    server.sigkill()
    killed_after = time.monotonic() - burst_began
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert not unexpected, unexpected[:5]
    total = CRASH_COMPETITORS * CRASH_ASPECTS
    assert len(succeeded) + len(failed) == total
    assert len(succeeded) >= KILL_AFTER and failed, (len(succeeded), killed_after)

    # ---- what the store holds right after the crash (the server is down)
    def by_mark(stored: StoredMarks) -> dict[Mark, list[tuple[str, str, int]]]:
        index = {person: i for i, person in enumerate(people)}
        found: dict[Mark, list[tuple[str, str, int]]] = {}
        for (person, aspect, expert), entries in stored.items():
            mark = (index[person], int(aspect[1:]))
            found.setdefault(mark, []).extend((value, expert, pos) for value, pos in entries)
        return found

    def expected_entry(mark: Mark) -> tuple[str, str]:
        return (crash_value(*mark), world["account_ids"][expert_of[mark]])

    before_raw = stored_marks(store_url, competition)
    # each (competitor, aspect, expert) in exactly one MarksEntered event
    assert all(len(entries) == 1 for entries in before_raw.values()), before_raw
    before = by_mark(before_raw)
    assert all(len(entries) == 1 for entries in before.values()), "a mark is doubled"
    for mark, position in succeeded.items():  # every 2xx mark is stored, with its value,
        ((value, expert, stored_at),) = before[mark]  # by its expert, at the answered position
        assert (value, expert) == expected_entry(mark)
        assert stored_at == position, (mark, stored_at, position)
    in_flight = [mark for mark in failed if mark in before]  # stored, but never answered
    assert set(before) == set(succeeded) | set(in_flight)

    # ---- restart on the same store
    again = Server(store_url, workdir, "restarted")
    servers.append(again)
    again.wait_ready()
    api2 = Api(again.base)
    apis.append(api2)
    head = max([*succeeded.values(), *(before[m][0][2] for m in in_flight), api.last_position])
    seen = api2.get(c, chief, min_position=head)
    assert seen["status"] == "marking"
    assert seen["progress"] == {"entered": len(before), "expected": total}
    standings = api2.get(f"{c}/standings", organiser, min_position=head)
    assert standings["progress"] == {"entered": len(before), "expected": total}
    rows = {r["competitor_id"]: r["criteria"] for r in standings["rows"]}
    for i, j in before:
        assert rows[people[i]][criterion(j)] == crash_value(i, j), (i, j)

    # ---- retry every failed mark: one stored before the crash answers 200 with its position
    for mark in failed:
        i, j = mark
        body = {"competitor_id": people[i], "aspect_id": aspect_id(j), "value": crash_value(i, j)}
        token = tokens[expert_of[mark]]
        if mark in before:
            answer = api2.post(f"{c}/marks", token, body, status=200, recorded=False)
            assert answer["position"] == before[mark][0][2]
        else:
            api2.post(f"{c}/marks", token, body, status=201, recorded=True)
    # ... and so does a retry of a mark that had succeeded
    mark, position = next(iter(succeeded.items()))
    i, j = mark
    body = {"competitor_id": people[i], "aspect_id": aspect_id(j), "value": crash_value(i, j)}
    retried = api2.post(f"{c}/marks", tokens[expert_of[mark]], body, status=200, recorded=False)
    assert retried["position"] == position

    # ---- everything is there exactly once, over HTTP and in the stored events
    final = api2.get(f"{c}/standings", chief, min_position=api2.last_position)
    assert final["progress"] == {"entered": total, "expected": total}
    assert {r["competitor_id"]: r["criteria"] for r in final["rows"]} == {
        people[i]: {criterion(j): crash_value(i, j) for j in range(CRASH_ASPECTS)}
        for i in range(CRASH_COMPETITORS)
    }
    after = by_mark(stored_marks(store_url, competition))
    assert {mark: [entry[:2] for entry in entries] for mark, entries in after.items()} == {
        (i, j): [expected_entry((i, j))]
        for i in range(CRASH_COMPETITORS)
        for j in range(CRASH_ASPECTS)
    }
    # the competition in marking is not public and changes no medal table
    hidden = api2.client.get(f"{API}{c}/standings")
    assert hidden.status_code == 404, hidden.text
    medals = api2.get(f"/championships/{world['championship']}/medals")
    assert medals["by_organisation"] == world["medals"]["by_organisation"]
    print(
        f"crash: SIGKILL {killed_after:.2f} s into the burst; {len(succeeded)} marks answered "
        f"2xx, {len(failed)} failed, {len(in_flight)} of them stored without an answer"
    )


#: (competitor id, aspect id, expert id) -> [(value, position), ...] of MarksEntered events
StoredMarks = dict[tuple[str, str, str], list[tuple[str, int]]]


def stored_marks(store_url: str, competition: str) -> StoredMarks:
    """The marks of a competition's MarksEntered events, read directly from the store."""
    app = RegistryApplication(parse_database_url(store_url))
    try:
        found: StoredMarks = {}
        notifications = app.recorder.select_notifications(start=None, limit=10_000_000)
        for notification in notifications:
            if UUID(str(notification.originator_id)) != UUID(competition):
                continue
            event = app.mapper.to_domain_event(notification)
            if type(event).__name__ != "MarksEntered":
                continue
            for m in event.marks:
                key = (str(m.competitor_id), m.aspect_id, str(m.expert_id))
                found.setdefault(key, []).append((f"{m.value:.2f}", notification.id))
        return found
    finally:
        app.close()
