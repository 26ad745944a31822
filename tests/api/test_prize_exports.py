"""The prize list as CSV and ``.xlsx`` (issue 16, points 5 and 6) over the real HTTP app,
SQLite and PostgreSQL: with the entry's basis and decision reason and the nominations, prizes
in kind said in words, headers in the requested language; each file read back (the CSV with
the csv module and with the import reader, the workbook with the import reader after the
checks of tests/xlsx_checks.py) equals the JSON prize list the same caller gets. The words of
codes (statuses, categories) come from the tables below, not from the export code."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.ids import SYSTEM_ACTOR
from domain.values import local_date
from registry.application import RegistryApplication
from registry.policy import PrizePolicy
from sheets.reader import read_tables
from tests.api.conftest import bearer
from tests.api.test_protocols import sign_in
from tests.prizes_world import build_prize_world
from tests.xlsx_checks import cell_types, check_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRAMME = {
    "title_ru": "Призы акима ВКО 2025",
    "title_kk": "ШҚО әкімінің сыйлықтары 2025",
    "year": 2025,
    "region": "VKO",
    "kinds": ["worldskills"],
    "prizes": [
        {"place": 1, "description": "Ноутбук", "amount_kzt": 500000},
        {"place": 2, "description": "Планшет", "amount_kzt": 300000},
        {"place": 3, "description": "Сертификат «Өнер» на обучение", "amount_kzt": None},
    ],
}
CITATION = "=За непрерывное образование +100"  # looks like a formula to a spreadsheet
HEADERS = {
    "ru": [
        "Чемпионат",
        "Компетенция",
        "Категория",
        "Место",
        "Получатель",
        "Организация",
        "Приз",
        "Сумма, тенге",
        "Статус",
        "Дата вручения",
        "Код статуса",
        "ID записи",
        "Основание",
        "Причина решения",
    ],
    "kk": [
        "Чемпионат",
        "Құзырет",
        "Санат",
        "Орын",
        "Алушы",
        "Ұйым",
        "Сыйлық",
        "Сомасы, теңге",
        "Мәртебесі",
        "Табысталған күні",
        "Мәртебе коды",
        "Жазба ID",
        "Негіздеме",
        "Шешімнің себебі",
    ],
}
CSV_EXTRA = {"ru": ["Раздел", "Номинация"], "kk": ["Бөлім", "Номинация"]}
SECTION = {"ru": ("приз", "номинация"), "kk": ("сыйлық", "номинация")}
NOMINATION_HEADERS = {
    "ru": (
        "Номинация",
        "Организация",
        "Обоснование",
        "Статус",
        "Причина решения",
        "Код статуса",
        "ID номинанта",
    ),
    "kk": (
        "Номинация",
        "Ұйым",
        "Негіздемесі",
        "Мәртебесі",
        "Шешімнің себебі",
        "Мәртебе коды",
        "Номинант ID",
    ),
}
SHEETS = {"ru": ["Призы", "Номинации"], "kk": ["Сыйлықтар", "Номинациялар"]}
STATUS = {
    "ru": {
        "proposed": "предложен",
        "approved": "утверждён",
        "rejected": "отклонён",
        "awarded": "вручён",
    },
    "kk": {
        "proposed": "ұсынылды",
        "approved": "бекітілді",
        "rejected": "қабылданбады",
        "awarded": "табысталды",
    },
}
CATEGORY = {"ru": {"main": "основная категория"}, "kk": {"main": "негізгі санат"}}
IN_KIND = {"ru": "в натуральной форме", "kk": "заттай түрде"}


@dataclass
class Scene:
    client: AsyncTestClient[Litestar]
    app: RegistryApplication
    tokens: dict[str, str]
    programme: UUID

    def fresh(self, role: str | None = None) -> dict[str, str]:
        headers = {"X-Registry-Min-Position": str(self.app.head_position())}
        return {**headers, **(bearer(self.tokens[role]) if role else {})}

    @property
    def url(self) -> str:
        return f"/api/v1/prize-programmes/{self.programme}"

    async def post(self, path: str, body: Any = None) -> dict[str, Any]:
        answer = await self.client.post(
            f"{self.url}{path}", json=body, headers=self.fresh("akimat")
        )
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    async def listing(self, role: str | None) -> dict[str, Any]:
        answer = await self.client.get(self.url, headers=self.fresh(role))
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
async def scene(app: RegistryApplication, client) -> Scene:
    """Three proposed entries (2nd: a tablet; two 3rd: a certificate in kind): the 2nd
    approved and awarded, one 3rd approved, the other rejected with a reason; a nomination
    with one nominee approved (a citation that looks like a formula) and one rejected."""
    world = build_prize_world(app)
    tokens = {}
    for role in ("akimat", "organiser"):
        created = app.create_account(actor=SYSTEM_ACTOR, name=f"{role} (exports)", role=role)
        assert created.token
        tokens[role] = created.token
    answer = await client.post(
        "/api/v1/prize-programmes", json=PROGRAMME, headers=bearer(tokens["akimat"])
    )
    assert answer.status_code == 201, answer.text
    s = Scene(client, app, tokens, UUID(answer.json()["id"]))
    PrizePolicy(app).catch_up()
    entries = {e["full_name"]: e["id"] for e in (await s.listing("akimat"))["entries"]}
    assert set(entries) == {"Нұрланов Әлихан", "Қасымова Айгүл", "Иванов Дмитрий Сергеевич"}
    await s.post(f"/entries/{entries['Нұрланов Әлихан']}/approve")
    today = local_date(datetime.now(UTC)).isoformat()
    await s.post(f"/entries/{entries['Нұрланов Әлихан']}/award", {"awarded_on": today})
    await s.post(f"/entries/{entries['Иванов Дмитрий Сергеевич']}/approve")
    await s.post(f"/entries/{entries['Қасымова Айгүл']}/reject", {"reason": "Не житель области"})
    nomination = (
        await s.post(
            "/nominations",
            {"title_ru": "Лучший меценат года", "title_kk": "Жылдың үздік меценаты"},
        )
    )["id"]
    for key, citation in (("kazzinc", CITATION), ("vkgu", "Партнёр непрерывного образования")):
        nominee = (
            await s.post(
                f"/nominations/{nomination}/nominees",
                {"organisation_id": str(world.world.orgs[key]), "citation": citation},
            )
        )["id"]
        if key == "kazzinc":
            await s.post(f"/nominations/{nomination}/nominees/{nominee}/approve")
        else:
            await s.post(
                f"/nominations/{nomination}/nominees/{nominee}/reject",
                {"reason": "Не выполнены условия"},
            )
    return s


def pick(entry: dict[str, Any], field: str, lang: str) -> str:
    return entry[f"{field}_kk"] if lang == "kk" and entry[f"{field}_kk"] else entry[field]


def entry_cells(e: dict[str, Any], lang: str) -> list[object]:
    """An entry as its row must read back (typed: a workbook's numbers are floats, its date a
    date; :func:`as_text` makes the CSV's strings of them)."""
    amount: object = e["amount_kzt"]
    if amount is None:
        amount = IN_KIND[lang] if e["prize"] is not None else None
    else:
        amount = float(amount)
    return [
        e["championship"],
        pick(e, "competition", lang),
        CATEGORY[lang][e["category"]],
        float(e["place"]),
        e["full_name"],
        pick(e, "organisation", lang),
        e["prize"],
        amount,
        STATUS[lang][e["status"]],
        date.fromisoformat(e["awarded_on"]) if e.get("awarded_on") else None,
        e["status"],
        e["id"],
        e["basis"],
        e.get("reason"),
    ]


def nominee_cells(n: dict[str, Any], x: dict[str, Any], lang: str) -> list[object]:
    return [
        n["title_kk"] if lang == "kk" else n["title_ru"],
        x["name_kk"] if lang == "kk" else x["name_ru"],
        x["citation"],
        STATUS[lang][x["status"]],
        x.get("reason"),
        x["status"],
        x["id"],
    ]


def as_text(value: object) -> str:
    """A value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def expected_csv(listing: dict[str, Any], lang: str) -> list[list[str]]:
    prize, nomination = SECTION[lang]
    rows = [HEADERS[lang] + CSV_EXTRA[lang]]
    for e in listing["entries"]:
        rows.append([as_text(v) for v in entry_cells(e, lang)] + [prize, ""])
    for n in listing["nominations"]:
        for x in n["nominees"]:
            title, name, citation, status, reason, code, nominee_id = nominee_cells(n, x, lang)
            row = [None, None, None, None, name, name, None, None, status, None, code]
            row += [nominee_id, citation, reason]
            rows.append([as_text(v) for v in row] + [nomination, as_text(title)])
    return rows


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("role", [None, "organiser", "akimat"])
async def test_the_csv_reads_back_as_the_prize_list(scene, role, lang):
    s = scene
    listing = await s.listing(role)
    answer = await s.client.get(f"{s.url}/export.csv?lang={lang}", headers=s.fresh(role))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith(
        'attachment; filename="prizes-VKO-2025.csv"'
    )
    raw = answer.content
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows == expected_csv(listing, lang)
    # the import reader reads the same table (blank cells are None there)
    [table] = read_tables(raw, "prizes.csv").values()
    assert list(table.header) == rows[0]
    assert [[c or "" for c in r.cells] for r in table.rows] == rows[1:]
    statuses = {r[10] for r in rows[1:]}
    if role == "akimat":  # the whole list: the rejected entry and nominee, with their reasons
        assert statuses == {"approved", "awarded", "rejected"}
        assert "Не житель области" in {r[13] for r in rows[1:]}
        assert "Не выполнены условия" in {r[13] for r in rows[1:]}
    else:
        assert statuses == {"approved", "awarded"}
        assert {r[13] for r in rows[1:]} == {""}
    assert IN_KIND[lang] in {r[7] for r in rows[1:]}
    assert "'" + CITATION in {r[12] for r in rows[1:]}  # never a formula in a spreadsheet


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("role", [None, "akimat"])
async def test_the_workbook_reads_back_as_the_prize_list(scene, role, lang):
    s = scene
    listing = await s.listing(role)
    answer = await s.client.get(f"{s.url}/export.xlsx?lang={lang}", headers=s.fresh(role))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XLSX
    assert 'filename="prizes-VKO-2025.xlsx"' in answer.headers["content-disposition"]
    tables = check_xlsx(answer.content)
    assert list(tables) == SHEETS[lang]
    prizes, nominations = (tables[n] for n in SHEETS[lang])
    assert list(prizes.header) == HEADERS[lang]
    assert [list(r.cells) for r in prizes.rows] == [
        entry_cells(e, lang) for e in listing["entries"]
    ]
    assert nominations.header == NOMINATION_HEADERS[lang]
    assert [list(r.cells) for r in nominations.rows] == [
        nominee_cells(n, x, lang) for n in listing["nominations"] for x in n["nominees"]
    ]
    assert CITATION in {r.cells[2] for r in nominations.rows}  # the text itself, not a formula
    types = cell_types(answer.content, SHEETS[lang][0])
    assert types["D2"] == "n" and types["H2"] == "n"  # place and amount: numbers
    assert len(prizes.rows) == (3 if role == "akimat" else 2)
    assert len(nominations.rows) == (2 if role == "akimat" else 1)


async def test_an_unknown_programme_and_a_bad_language(scene):
    s = scene
    unknown = "5e1f0c3a-0000-4000-8000-000000000000"
    for suffix in ("export.csv", "export.xlsx"):
        missing = await s.client.get(f"/api/v1/prize-programmes/{unknown}/{suffix}")
        assert missing.status_code == 404
        refused = await s.client.get(f"{s.url}/{suffix}?lang=fr", headers=s.fresh())
        assert refused.status_code in (400, 422)
        assert refused.headers["content-type"].startswith("application/problem+json")
    default = await s.client.get(f"{s.url}/export.csv", headers=s.fresh())
    kazakh = await s.client.get(
        f"{s.url}/export.csv", headers={**s.fresh(), "Accept-Language": "kk"}
    )
    assert default.content.decode("utf-8-sig").startswith("Чемпионат;Компетенция;")
    assert kazakh.content.decode("utf-8-sig").startswith("Чемпионат;Құзырет;")


async def test_the_pages_link_the_files_and_the_akimat_gets_the_whole_list(scene):
    s = scene
    assert s.client.app.state.read_side.wait_for(s.app.head_position(), 30)
    page = (await s.client.get(f"/prizes/{s.programme}?lang=kk")).text
    assert f'href="/prizes/{s.programme}/export.xlsx?lang=kk"' in page
    assert f'href="/prizes/{s.programme}/export.csv?lang=kk"' in page
    assert "Сыйлықтар тізімі (.xlsx)" in page
    # the page's language: the cookie ?lang=kk left
    public = check_xlsx((await s.client.get(f"/prizes/{s.programme}/export.xlsx")).content)
    assert len(public["Сыйлықтар"].rows) == 2
    await sign_in(s.client, s.tokens["akimat"])
    review = (await s.client.get(f"/akimat/programmes/{s.programme}")).text
    assert f'href="/prizes/{s.programme}/export.xlsx?lang=ru"' in review
    assert "Весь список (.xlsx)" in review and "Весь список (CSV)" in review
    whole = check_xlsx((await s.client.get(f"/prizes/{s.programme}/export.xlsx?lang=ru")).content)
    assert len(whole["Призы"].rows) == 3 and len(whole["Номинации"].rows) == 2
    listed = await s.client.get(f"/prizes/{s.programme}/export.csv?lang=kk")
    assert listed.status_code == 200
    assert "Не житель области" in listed.content.decode("utf-8-sig")
