"""The results protocols (issue 16, points 5 and 6) over the real HTTP app, SQLite and
PostgreSQL: each ``.xlsx`` opens without a warning (tests/xlsx_checks.py) and reads back with
the import reader (sheets.reader) to exactly what the JSON API answers the same caller —
ranks, subtotals, totals, scaled scores, medals, medallions, medal tables — with headers in
the requested language; the visibility is the standings'; the printable pages; the links
from the public pages. The expected values come from the JSON API; the words of codes
(medals, regions) from the tables below, written here, not from the export code."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.server import build_app
from domain.ids import SYSTEM_ACTOR
from registry.application import RegistryApplication
from tests.api.conftest import ROLES, Ctx, make_ctx
from tests.helpers import World, build_world, mark_everything, sign_off_all
from tests.xlsx_checks import check_xlsx, title_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')

COMPETITORS = (
    ("Нұрланов Әлихан", "college_a"),
    ("Қасымова Айгүл", "college_a"),
    ("Иванов Дмитрий Сергеевич", "college_b"),
    ("Һәкімов Іңкәр Үмітұлы", "college_b"),
    ("Өмірбекова Ұлжан", "college_c"),
)
MEASUREMENTS = {
    "Нұрланов Әлихан": ("30.00", "20.00"),
    "Қасымова Айгүл": ("28.00", "20.00"),
    "Иванов Дмитрий Сергеевич": ("25.00", "18.00"),
    "Һәкімов Іңкәр Үмітұлы": ("20.00", "15.00"),
    "Өмірбекова Ұлжан": ("5.00", "5.00"),
}
JUDGEMENTS = {
    "Нұрланов Әлихан": ((3, 3, 3), (3, 3, 3)),
    "Қасымова Айгүл": ((3, 3, 3), (3, 3, 2)),
    "Иванов Дмитрий Сергеевич": ((3, 3, 3), (2, 2, 2)),
    "Һәкімов Іңкәр Үмітұлы": ((3, 2, 2), (2, 2, 2)),  # 71.67: a medallion (Abilympics)
    "Өмірбекова Ұлжан": ((1, 1, 1), (0, 0, 0)),
}

HEADERS = {
    "ru": (
        "Место",
        "Участник",
        "Организация",
        "Регион",
        "Критерий A",
        "Критерий B",
        "Сумма баллов",
        "Шкалированный балл",
        "Медаль",
        "Медальон",
        "ID участника",
    ),
    "kk": (
        "Орын",
        "Қатысушы",
        "Ұйым",
        "Өңір",
        "A критерийі",
        "B критерийі",
        "Жалпы балл",
        "Шкалаланған балл",
        "Медаль",
        "Медальон",
        "Қатысушы ID",
    ),
    "en": (
        "Rank",
        "Competitor",
        "Organisation",
        "Region",
        "Criterion A",
        "Criterion B",
        "Total",
        "Scaled score",
        "Medal",
        "Medallion",
        "Competitor ID",
    ),
}
INDEX = {
    "ru": ("Компетенции", "Medals"),
    "kk": ("Құзыреттер", "Medals"),
    "en": ("Competitions", "Medals"),
}
MEDAL_SHEETS = {
    "ru": ("Медали по организациям", "Медали по регионам", "Лучшие в регионе"),
    "kk": ("Ұйымдар бойынша медальдар", "Өңірлер бойынша медальдар", "Өңірдің үздіктері"),
    "en": ("Medals by organisation", "Medals by region", "Best of region"),
}
MEDALS = {
    "ru": {"gold": "Золото", "silver": "Серебро", "bronze": "Бронза"},
    "kk": {"gold": "Алтын", "silver": "Күміс", "bronze": "Қола"},
    "en": {"gold": "Gold", "silver": "Silver", "bronze": "Bronze"},
}
REGIONS = {
    "ru": {"VKO": "Восточно-Казахстанская область"},
    "kk": {"VKO": "Шығыс Қазақстан облысы"},
    "en": {"VKO": "East Kazakhstan region"},
}
YES = {"ru": "да", "kk": "иә", "en": "yes"}
STATUS = {
    "ru": {"published": "результаты опубликованы", "marking": "идёт оценивание"},
    "kk": {"published": "нәтижелер жарияланды", "marking": "бағалау жүріп жатыр"},
    "en": {"published": "results published", "marking": "marking in progress"},
}
PROTOCOL = {"ru": "Протокол", "kk": "Хаттама", "en": "Protocol"}
CATEGORY = {
    "ru": {"main": "основная категория", "students": "студенты"},
    "kk": {"main": "негізгі санат", "students": "студенттер"},
    "en": {"main": "main category", "students": "students"},
}


@dataclass
class Published:
    client: AsyncTestClient[Litestar]
    app: RegistryApplication
    world: World
    kind: str
    tokens: dict[str, str]
    #: a second competition of the championship, still in setup
    hidden: UUID

    def fresh(self, role: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"X-Registry-Min-Position": str(self.app.head_position()), **extra}
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return headers

    async def json(self, path: str, role: str | None = None) -> Any:
        answer = await self.client.get(f"/api/v1/{path}", headers=self.fresh(role))
        assert answer.status_code == 200, answer.text
        return answer.json()


async def publish_world(app: RegistryApplication, client: AsyncTestClient, kind: str) -> Published:
    world = build_world(app, kind=kind, competitors=COMPETITORS)
    mark_everything(app, world, MEASUREMENTS, JUDGEMENTS)
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    app.publish(actor=SYSTEM_ACTOR, competition_id=world.competition)
    hidden = app.add_competition(
        actor=SYSTEM_ACTOR,
        championship_id=world.championship,
        code="welding",
        title_ru="Сварочные технологии (юниоры)",
        title_kk="Дәнекерлеу технологиясы (юниорлар)",
        category="juniors" if kind == "worldskills" else "specialists",
    ).id
    tokens = {}
    for role in ("organiser", "auditor"):
        created = app.create_account(actor=SYSTEM_ACTOR, name=f"{role} (protocols)", role=role)
        assert created.token
        tokens[role] = created.token
    return Published(client, app, world, kind, tokens, hidden)


@pytest.fixture
async def published(app: RegistryApplication, client) -> Published:
    return await publish_world(app, client, "worldskills")


def expected_rows(standings: dict[str, Any], lang: str) -> list[tuple[object, ...]]:
    """The rows a protocol's competition sheet must read back as, from the JSON standings
    (numbers come back from a workbook as floats)."""
    criteria = sorted({letter for row in standings["rows"] for letter in row["criteria"]})
    scaled = any(row["scaled_score"] is not None for row in standings["rows"])
    rows = []
    for row in standings["rows"]:
        organisation = row["organisation"]
        if lang == "kk" and row["organisation_kk"]:
            organisation = row["organisation_kk"]
        cells: list[object] = [
            float(row["rank"]),
            row["full_name"],
            organisation,
            REGIONS[lang][row["region"]],
            *(float(row["criteria"][c]) for c in criteria),
            float(row["total"]),
        ]
        if scaled:
            cells.append(None if row["scaled_score"] is None else float(row["scaled_score"]))
        cells += [
            MEDALS[lang].get(row["medal"]),
            YES[lang] if row["medallion"] else None,
            row["competitor_id"],
        ]
        rows.append(tuple(cells))
    return rows


def headers_for(lang: str, scaled: bool) -> tuple[str, ...]:
    headers = HEADERS[lang]
    return headers if scaled else tuple(h for i, h in enumerate(headers) if i != 7)


def filename_star(disposition: str) -> str:
    match = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert match, disposition
    return unquote(match.group(1))


# ------------------------------------------------------------------ a competition's protocol


@pytest.mark.parametrize(
    ("kind", "lang"), [("worldskills", "ru"), ("worldskills", "kk"), ("abilympics", "en")]
)
async def test_competition_protocol_reads_back_as_the_standings(app, client, kind, lang):
    w = await publish_world(app, client, kind)
    competition = w.world.competition
    standings = await w.json(f"competitions/{competition}/standings")
    detail = await w.json(f"competitions/{competition}")
    answer = await client.get(
        f"/api/v1/competitions/{competition}/protocol.xlsx?lang={lang}", headers=w.fresh()
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    disposition = answer.headers["content-disposition"]
    category = detail["category"]
    assert disposition.startswith(f'attachment; filename="protocol-welding-{category}.xlsx"')
    shown = filename_star(disposition)
    assert shown == f"{PROTOCOL[lang]} welding ({CATEGORY[lang][category]}).xlsx"
    tables = check_xlsx(answer.content)
    assert list(tables) == [INDEX[lang][0], "welding"]
    scaled = kind == "worldskills"
    sheet = tables["welding"]
    assert sheet.header == headers_for(lang, scaled)
    assert [row.cells for row in sheet.rows] == expected_rows(standings, lang)
    # every competitor, Kazakh letters intact, in the standings' order
    assert [row.cells[1] for row in sheet.rows] == [r["full_name"] for r in standings["rows"]]
    assert "Һәкімов Іңкәр Үмітұлы" in [row.cells[1] for row in sheet.rows]
    if kind == "abilympics":  # 71.67 without a medal: a medallion
        assert [row.cells[-2] for row in sheet.rows].count(YES[lang]) == 1
    [index] = tables[INDEX[lang][0]].rows
    title = detail["title_kk"] if lang == "kk" else detail["title_ru"]
    assert index.cells == (
        (await w.json(f"championships/{detail['championship_id']}"))[
            "title_kk" if lang == "kk" else "title_ru"
        ],
        title,
        CATEGORY[lang][category],
        detail["code"],
        STATUS[lang]["published"],
        float(len(standings["rows"])),
        "welding",
    )
    assert title in (title_of(answer.content) or "")


async def test_the_language_follows_lang_then_accept_language(published):
    w = published
    url = f"/api/v1/competitions/{w.world.competition}/protocol.xlsx"
    for headers, query, lang in (
        ({}, "", "ru"),
        ({"Accept-Language": "kk-KZ, ru;q=0.5"}, "", "kk"),
        ({"Accept-Language": "en"}, "", "en"),
        ({"Accept-Language": "kk"}, "?lang=ru", "ru"),
        ({"Accept-Language": "de"}, "", "ru"),
    ):
        answer = await w.client.get(url + query, headers=w.fresh(**headers))
        assert answer.status_code == 200
        assert check_xlsx(answer.content)["welding"].header == HEADERS[lang], (headers, query)
    for bad in ("de", "RU", ""):
        refused = await w.client.get(
            f"{url}?lang={bad}", headers=w.fresh(**{"Accept-Language": "kk"})
        )
        assert refused.status_code in (400, 422), bad
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "lang" in refused.text


async def test_unknown_ids_are_404(published):
    w = published
    unknown = "5e1f0c3a-0000-4000-8000-000000000000"
    for path in (
        f"competitions/{unknown}/protocol.xlsx",
        f"competitions/{unknown}/protocol/print",
        f"championships/{unknown}/protocol.xlsx",
        f"championships/{unknown}/protocol/print",
    ):
        for role in (None, "organiser"):
            answer = await w.client.get(f"/api/v1/{path}", headers=w.fresh(role))
            assert answer.status_code == 404, (path, role)


# ------------------------------------------------------------------ visibility


@pytest.fixture
async def marking(app) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Ctx]]:
    """The API tests' world: its competition in marking with some marks, a second one in
    setup; a token for every role."""
    ctx = make_ctx(app)
    mark_everything(
        app,
        ctx.world,
        {"Нұрланов Әлихан": ("28.50", "20.00"), "Қасымова Айгүл": ("12.00", "9.50")},
        {},
    )
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        yield client, ctx


async def test_a_competitions_protocol_is_seen_by_whoever_sees_its_standings(marking):
    client, ctx = marking
    wait = {"X-Registry-Min-Position": str(ctx.registry.head_position())}
    base = f"/api/v1/competitions/{ctx.world.competition}"
    for role in (*ROLES, None):
        headers = ctx.auth(role, **wait)
        standings = await client.get(f"{base}/standings", headers=headers)
        protocol = await client.get(f"{base}/protocol.xlsx?lang=ru", headers=headers)
        printed = await client.get(f"{base}/protocol/print?lang=ru", headers=headers)
        assert protocol.status_code == standings.status_code, role
        assert printed.status_code == standings.status_code, role
        if standings.status_code != 200:
            assert standings.status_code in (403, 404)
            continue
        rows = check_xlsx(protocol.content)["welding"].rows
        assert [r.cells for r in rows] == expected_rows(standings.json(), "ru"), role
        assert "Не опубликовано: идёт оценивание" in printed.text
    bogus = {"Authorization": "Bearer nonsense", **wait}
    assert (await client.get(f"{base}/protocol.xlsx", headers=bogus)).status_code == 401


async def test_a_championships_protocol_holds_the_competitions_its_listing_shows(marking):
    client, ctx = marking
    wait = {"X-Registry-Min-Position": str(ctx.registry.head_position())}
    base = f"/api/v1/championships/{ctx.world.championship}"
    seen = set()
    for role in (*ROLES, None):
        headers = ctx.auth(role, **wait)
        listing = (await client.get(base, headers=headers)).json()
        answer = await client.get(f"{base}/protocol.xlsx", headers=headers)
        assert answer.status_code == 200, role
        tables = check_xlsx(answer.content)
        codes = [c["code"] for c in listing["competitions"]]
        assert list(tables) == ["Компетенции", *codes, *MEDAL_SHEETS["ru"]], role
        assert [r.cells[3] for r in tables["Компетенции"].rows] == codes
        for competition in listing["competitions"]:
            standings = await client.get(
                f"/api/v1/competitions/{competition['id']}/standings", headers=headers
            )
            assert [r.cells for r in tables[competition["code"]].rows] == expected_rows(
                standings.json(), "ru"
            )
        seen.add(tuple(codes))
    # the public; the experts of one competition; those who see both
    assert seen == {(), ("welding",), ("cooking",), ("welding", "cooking")}


# ------------------------------------------------------------------ a championship's protocol


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_championship_protocol_reads_back_as_the_json_answers(published, lang):
    w = published
    championship = w.world.championship
    for role in (None, "organiser"):
        listing = await w.json(f"championships/{championship}", role)
        medals = await w.json(f"championships/{championship}/medals", role)
        answer = await w.client.get(
            f"/api/v1/championships/{championship}/protocol.xlsx?lang={lang}",
            headers=w.fresh(role),
        )
        assert answer.status_code == 200
        assert filename_star(answer.headers["content-disposition"]) == (
            f"{PROTOCOL[lang]} {listing['title_kk' if lang == 'kk' else 'title_ru']}.xlsx"
        )
        tables = check_xlsx(answer.content)
        competitions = listing["competitions"]
        names = (
            ["welding"] if role is None else ["welding (основная категория)", "welding (юниоры)"]
        )
        if lang == "kk" and role is not None:
            names = ["welding (негізгі санат)", "welding (юниорлар)"]
        assert list(tables) == [INDEX[lang][0], *names, *MEDAL_SHEETS[lang]]
        assert len(competitions) == len(names)
        index = tables[INDEX[lang][0]]
        assert [r.cells[3] for r in index.rows] == [c["code"] for c in competitions]
        assert [r.cells[6] for r in index.rows] == names
        for competition, name in zip(competitions, names, strict=True):
            standings = await w.json(f"competitions/{competition['id']}/standings", role)
            assert [r.cells for r in tables[name].rows] == expected_rows(standings, lang)
        by_org, by_region, best = (tables[n] for n in MEDAL_SHEETS[lang])
        name_field = "name_kk" if lang == "kk" else "name_ru"
        assert [r.cells for r in by_org.rows] == [
            (
                float(n),
                m[name_field],
                REGIONS[lang][m["region"]],
                *(float(m[k]) for k in ("gold", "silver", "bronze", "medallions", "points")),
            )
            for n, m in enumerate(medals["by_organisation"], start=1)
        ]
        assert [r.cells for r in by_region.rows] == [
            (
                float(n),
                REGIONS[lang][m["region"]],
                *(float(m[k]) for k in ("gold", "silver", "bronze", "medallions", "points")),
            )
            for n, m in enumerate(medals["by_region"], start=1)
        ]
        assert [r.cells for r in best.rows] == [
            (REGIONS[lang][b["region"]], b["full_name"], float(b["score"]), b["competitor_id"])
            for b in medals["best_of_region"]
        ]
        assert by_org.rows and best.rows  # the world has medals


# ------------------------------------------------------------------ the printable pages


async def test_printable_protocols(published):
    w = published
    competition, championship = w.world.competition, w.world.championship
    standings = await w.json(f"competitions/{competition}/standings")
    for lang, words in (
        ("ru", ("Протокол результатов", "Сумма баллов", "Золото", "Главный эксперт")),
        ("kk", ("Нәтижелер хаттамасы", "Жалпы балл", "Алтын", "Бас сарапшы")),
    ):
        page = await w.client.get(
            f"/api/v1/competitions/{competition}/protocol/print?lang={lang}", headers=w.fresh()
        )
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        text = page.text
        assert f'<html lang="{lang}">' in text and "@page" in text and "A4" in text
        for word in words:
            assert word in text, (lang, word)
        for row in standings["rows"]:
            assert row["full_name"] in text
        assert "Не опубликовано" not in text and "Жарияланбаған" not in text
    ru_page = (
        await w.client.get(f"/api/v1/competitions/{competition}/protocol/print", headers=w.fresh())
    ).text
    assert "100,00" in ru_page  # the total of the winner, in the Russian number format
    whole = await w.client.get(
        f"/api/v1/championships/{championship}/protocol/print", headers=w.fresh("organiser")
    )
    assert whole.status_code == 200
    assert whole.text.count("<section class=competition>") == 2
    assert "Не опубликовано: подготовка" in whole.text  # the organiser's unpublished one
    assert "Медальный зачёт" in whole.text and "По организациям" in whole.text
    public = await w.client.get(
        f"/api/v1/championships/{championship}/protocol/print", headers=w.fresh()
    )
    assert public.text.count("<section class=competition>") == 1
    hidden = await w.client.get(
        f"/api/v1/competitions/{w.hidden}/protocol/print", headers=w.fresh()
    )
    assert hidden.status_code == 404


# ------------------------------------------------------------------ the pages' links


async def sign_in(client: AsyncTestClient, token: str) -> None:
    client.cookies.clear()
    login = await client.get("/login")
    match = CSRF_FIELD.search(login.text)
    assert match
    answer = await client.post(
        "/login", data={"token": token, "_csrf_token": match.group(1)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


async def test_the_public_pages_link_the_protocols(published):
    w = published
    assert w.client.app.state.read_side.wait_for(w.app.head_position(), 30)
    championship, competition = w.world.championship, w.world.competition
    for lang, xlsx, printable in (
        ("ru", "Протокол (.xlsx)", "Печать протокола"),
        ("kk", "Хаттама (.xlsx)", "Хаттаманы басып шығару"),
    ):
        for page, target in (
            (f"/championships/{championship}", f"/championships/{championship}/protocol"),
            (f"/competitions/{competition}", f"/competitions/{competition}/protocol"),
        ):
            text = (await w.client.get(f"{page}?lang={lang}")).text
            assert f'href="{target}.xlsx?lang={lang}"' in text and xlsx in text, page
            assert f'href="{target}?lang={lang}"' in text and printable in text, page
            followed = await w.client.get(f"{target}.xlsx?lang={lang}")
            assert followed.status_code == 200 and followed.headers["content-type"] == XLSX
            api = await w.client.get(f"/api/v1{target.rsplit('/', 1)[0]}/protocol.xlsx?lang={lang}")
            assert check_xlsx(followed.content).keys() == check_xlsx(api.content).keys()
            assert (await w.client.get(f"{target}?lang={lang}")).status_code == 200
    # the public does not see the competition in setup; a signed-in organiser does
    refused = await w.client.get(f"/competitions/{w.hidden}/protocol.xlsx")
    assert refused.status_code == 404 and refused.headers["content-type"].startswith("text/html")
    await sign_in(w.client, w.tokens["organiser"])
    mine = await w.client.get(f"/competitions/{w.hidden}/protocol.xlsx")
    assert mine.status_code == 200
    assert list(check_xlsx(mine.content)) == ["Компетенции", "welding"]
    whole = await w.client.get(f"/championships/{championship}/protocol.xlsx")
    assert len(check_xlsx(whole.content)) == 1 + 2 + 3
