"""Prizes and nominations over HTTP (API.md), through the real app on SQLite and PostgreSQL:
the akimat's commands, what the public sees versus the akimat, the CSV export (BOM, ``;``,
Kazakh letters) and the printable page."""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.ids import PRIZE_POLICY_ACTOR, SYSTEM_ACTOR
from domain.values import local_date
from registry.policy import PrizePolicy
from tests.api.conftest import bearer
from tests.helpers import sign_off_all
from tests.prizes_world import EXPECTED, KAZAKH_LETTERS, build_prize_world

#: an award is dated between the result's publication (today, in these tests) and today
TODAY = local_date(datetime.now(UTC)).isoformat()

PROGRAMME = {
    "title_ru": "Призы акима ВКО 2025",
    "title_kk": "ШҚО әкімінің сыйлықтары 2025",
    "year": 2025,
    "region": "VKO",
    "kinds": ["worldskills", "agroskills", "abilympics"],
    "prizes": [
        {"place": 1, "description": "Ноутбук", "amount_kzt": 500000},
        {"place": 2, "description": "Планшет", "amount_kzt": 300000},
        {"place": 3, "description": "Сертификат «Өнер»", "amount_kzt": 150000},
    ],
}


class Scene:
    def __init__(self, app, w, tokens, programme: UUID) -> None:
        self.app, self.w, self.tokens, self.programme = app, w, tokens, programme

    def auth(self, role: str | None) -> dict[str, str]:
        return bearer(self.tokens[role]) if role else {}

    def fresh(self, role: str | None = None) -> dict[str, str]:
        return {**self.auth(role), "X-Registry-Min-Position": str(self.app.head_position())}

    @property
    def url(self) -> str:
        return f"/api/v1/prize-programmes/{self.programme}"


async def scene(app, client) -> Scene:
    w = build_prize_world(app)
    tokens = {}
    for role in ("akimat", "auditor", "organiser", "admin"):
        created = app.create_account(actor=SYSTEM_ACTOR, name=f"{role} (prizes)", role=role)
        tokens[role] = created.token
    response = await client.post(
        "/api/v1/prize-programmes", json=PROGRAMME, headers=bearer(tokens["akimat"])
    )
    assert response.status_code == 201, response.text
    programme = UUID(response.json()["id"])
    PrizePolicy(app).catch_up()  # the app's own policy thread may already have done it
    return Scene(app, w, tokens, programme)


async def full_list(s: Scene, client, role: str = "akimat") -> dict:
    response = await client.get(s.url, headers=s.fresh(role))
    assert response.status_code == 200, response.text
    return response.json()


async def test_programme_create_repeat_and_refusals(app, client):
    s = await scene(app, client)
    again = await client.post("/api/v1/prize-programmes", json=PROGRAMME, headers=s.auth("akimat"))
    assert again.status_code == 200 and again.json()["recorded"] is False
    assert again.json()["id"] == str(s.programme)
    before = app.event_count()
    bad_bodies = [
        {**PROGRAMME, "prizes": [{"place": 4, "description": "x", "amount_kzt": 1}]},
        {**PROGRAMME, "prizes": [{"place": 1, "description": "x", "amount_kzt": 0}]},
        {**PROGRAMME, "prizes": [{"place": 1, "description": "x", "amount_kzt": 1.5}]},
        {**PROGRAMME, "prizes": [{"place": 1, "description": "x", "amount_kzt": "100"}]},
        {**PROGRAMME, "prizes": [{"place": 1, "description": "x", "amount_kzt": 10**30}]},
        {**PROGRAMME, "kinds": []},
        {**PROGRAMME, "kinds": ["chess"]},
        {**PROGRAMME, "year": 1900},
        {**PROGRAMME, "title_ru": "   "},
        {**PROGRAMME, "unknown": 1},
        {**PROGRAMME, "title_ru": "Другой", "region": "ВКО"},
        {
            **PROGRAMME,
            "title_ru": "Дубль",
            "prizes": [
                {"place": 1, "description": "a", "amount_kzt": 1},
                {"place": 1, "description": "b", "amount_kzt": 2},
            ],
        },
        {**PROGRAMME, "title_kk": "иное казахское название"},  # same key, other settings
    ]
    for body in bad_bodies:
        response = await client.post(
            "/api/v1/prize-programmes", json=body, headers=s.auth("akimat")
        )
        assert response.status_code in (400, 409, 422), (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].startswith("/problems/")
    malformed = await client.post(
        "/api/v1/prize-programmes",
        content=b'{"title_ru": "x",',
        headers={**s.auth("akimat"), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert app.event_count() == before


async def test_public_sees_approved_and_awarded_only_the_akimat_everything(app, client):
    s = await scene(app, client)
    full = await full_list(s, client)
    assert full["full"] is True
    got = {(e["full_name"], e["place"], e["amount_kzt"]) for e in full["entries"]}
    assert got == EXPECTED
    assert all(e["status"] == "proposed" and e["history"] for e in full["entries"])
    assert full["totals"]["pending"] == 3 and full["totals"]["entries"] == 0
    public = await client.get(s.url, headers=s.fresh())
    assert public.status_code == 200
    assert public.json()["entries"] == [] and public.json()["full"] is False
    ids = {e["full_name"]: e["id"] for e in full["entries"]}

    approve = await client.post(
        f"{s.url}/entries/{ids['Нұрланов Әлихан']}/approve", headers=s.auth("akimat")
    )
    assert approve.status_code == 200 and approve.json()["recorded"] is True
    assert approve.headers["etag"] == f'"{approve.json()["version"]}"'
    repeat = await client.post(
        f"{s.url}/entries/{ids['Нұрланов Әлихан']}/approve", headers=s.auth("akimat")
    )
    assert repeat.json()["recorded"] is False
    reject = await client.post(
        f"{s.url}/entries/{ids['Иванов Дмитрий Сергеевич']}/reject",
        json={"reason": "Не является жителем области на дату чемпионата"},
        headers=s.auth("akimat"),
    )
    assert reject.status_code == 200, reject.text
    award = await client.post(
        f"{s.url}/entries/{ids['Нұрланов Әлихан']}/award",
        json={"awarded_on": TODAY},
        headers=s.auth("akimat"),
    )
    assert award.status_code == 200, award.text

    public = (await client.get(s.url, headers=s.fresh())).json()
    assert [(e["full_name"], e["status"]) for e in public["entries"]] == [
        ("Нұрланов Әлихан", "awarded")
    ]
    entry = public["entries"][0]
    assert entry["awarded_on"] == TODAY
    assert entry["reason"] is None and entry["history"] is None
    assert public["totals"] == {
        "by_place": [{"place": 2, "entries": 1, "amount_kzt": 300000}],
        "entries": 1,
        "amount_kzt": 300000,
        "awarded": 1,
        "awarded_kzt": 300000,
        "in_kind": 0,
        "pending": None,
    }
    text = (await client.get(s.url, headers=s.fresh())).text
    assert "birth_date" not in text and "disability" not in text and "2004-" not in text
    # organisers and experts are not the akimat: they see what the public sees
    organiser = (await client.get(s.url, headers=s.fresh("organiser"))).json()
    assert organiser["entries"] == public["entries"]

    for role in ("akimat", "auditor", "admin"):
        seen = await full_list(s, client, role)
        statuses = {e["full_name"]: e["status"] for e in seen["entries"]}
        assert statuses == {
            "Нұрланов Әлихан": "awarded",
            "Иванов Дмитрий Сергеевич": "rejected",
            "Қасымова Айгүл": "proposed",
        }
    seen = await full_list(s, client, "auditor")
    rejected = next(e for e in seen["entries"] if e["status"] == "rejected")
    assert rejected["reason"] == "Не является жителем области на дату чемпионата"
    awarded = next(e for e in seen["entries"] if e["status"] == "awarded")
    assert [h["action"] for h in awarded["history"]] == ["proposed", "approve", "award"]
    assert awarded["history"][1]["actor"] == "akimat (prizes)"
    assert awarded["history"][0]["actor_id"] == str(PRIZE_POLICY_ACTOR)
    assert "политика призов" in awarded["history"][0]["actor"]


async def test_decision_refusals_change_nothing(app, client):
    s = await scene(app, client)
    full = await full_list(s, client)
    entry = full["entries"][0]["id"]
    before = app.event_count()
    cases = [
        ("award", {"awarded_on": "2025-12-19"}, "akimat", (409,)),  # not approved yet
        ("reject", {}, "akimat", (422,)),  # a reason is required
        ("reject", {"reason": "  "}, "akimat", (422,)),
        ("award", {"awarded_on": "19.12.2025"}, "akimat", (400, 422)),
        ("award", {"awarded_on": "2025-12-19", "extra": 1}, "akimat", (400, 422)),
        ("approve", None, "organiser", (403,)),
        ("approve", None, None, (401,)),
    ]
    for decision, body, role, status in cases:
        response = await client.post(
            f"{s.url}/entries/{entry}/{decision}", json=body, headers=s.auth(role)
        )
        assert response.status_code in status, (decision, body, role, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    unknown = await client.post(f"{s.url}/entries/{UUID(int=7)}/approve", headers=s.auth("akimat"))
    assert unknown.status_code == 404
    unknown_programme = await client.post(
        f"/api/v1/prize-programmes/{UUID(int=8)}/entries/{entry}/approve",
        headers=s.auth("akimat"),
    )
    assert unknown_programme.status_code == 404
    stale = await client.post(
        f"{s.url}/entries/{entry}/approve", headers={**s.auth("akimat"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert app.event_count() == before
    missing = await client.get(f"/api/v1/prize-programmes/{UUID(int=9)}")
    assert missing.status_code == 404


async def test_nominations(app, client):
    s = await scene(app, client)
    a = s.auth("akimat")
    created = await client.post(
        f"{s.url}/nominations",
        json={"title_ru": "Лучший меценат года", "title_kk": "Жылдың үздік меценаты"},
        headers=a,
    )
    assert created.status_code == 201, created.text
    nomination = created.json()["id"]
    again = await client.post(
        f"{s.url}/nominations",
        json={"title_ru": "Лучший меценат года", "title_kk": "Жылдың үздік меценаты"},
        headers=a,
    )
    assert again.status_code == 200 and again.json()["id"] == nomination
    kazzinc, vkgu = s.w.world.orgs["kazzinc"], s.w.world.orgs["vkgu"]
    nominees = {}
    for org in (kazzinc, vkgu):
        response = await client.post(
            f"{s.url}/nominations/{nomination}/nominees",
            json={"organisation_id": str(org), "citation": "За оснащение мастерских колледжей"},
            headers=a,
        )
        assert response.status_code == 201, response.text
        nominees[org] = response.json()["id"]
    before = app.event_count()
    unknown_org = await client.post(
        f"{s.url}/nominations/{nomination}/nominees",
        json={"organisation_id": str(UUID(int=5)), "citation": "x"},
        headers=a,
    )
    assert unknown_org.status_code == 404
    unknown_nomination = await client.post(
        f"{s.url}/nominations/{UUID(int=6)}/nominees",
        json={"organisation_id": str(kazzinc), "citation": "x"},
        headers=a,
    )
    assert unknown_nomination.status_code == 404
    assert app.event_count() == before
    base = f"{s.url}/nominations/{nomination}/nominees"
    approved = await client.post(f"{base}/{nominees[kazzinc]}/approve", headers=a)
    assert approved.status_code == 200
    rejected = await client.post(
        f"{base}/{nominees[vkgu]}/reject", json={"reason": "Не выполнены условия"}, headers=a
    )
    assert rejected.status_code == 200
    public = (await client.get(s.url, headers=s.fresh())).json()
    [shown] = public["nominations"]
    assert [n["organisation_id"] for n in shown["nominees"]] == [str(kazzinc)]
    assert shown["nominees"][0]["name_ru"] == "ТОО «Казцинк»"
    assert shown["nominees"][0]["name_kk"] == "«Қазмырыш» ЖШС"
    full = (await client.get(s.url, headers=s.fresh("akimat"))).json()
    statuses = {n["organisation_id"]: n["status"] for n in full["nominations"][0]["nominees"]}
    assert statuses == {str(kazzinc): "approved", str(vkgu): "rejected"}
    reason = next(n for n in full["nominations"][0]["nominees"] if n["status"] == "rejected")
    assert reason["reason"] == "Не выполнены условия"


@pytest.mark.parametrize("role", ["akimat", None])
async def test_csv_export(app, client, role):
    s = await scene(app, client)
    full = await full_list(s, client)
    ids = {e["full_name"]: e["id"] for e in full["entries"]}
    for name in ids:
        await client.post(f"{s.url}/entries/{ids[name]}/approve", headers=s.auth("akimat"))
    response = await client.get(f"{s.url}/export.csv", headers=s.fresh(role))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:10] == [
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
    ]
    got = {(r[4], int(r[3]), int(r[7])) for r in body}
    assert got == EXPECTED
    assert {r[0] for r in body} == {"Тестовый чемпионат 2025"}
    assert {r[1] for r in body} == {"Сварочные технологии"}
    assert {r[8] for r in body} == {"утверждён"}
    assert "Сертификат «Өнер»" in {r[6] for r in body}
    everyone = {cell for row in body for cell in row}
    assert "Нұрланов Әлихан" in everyone and "Өмірбекова Ұлжан" not in everyone


async def test_csv_holds_every_kazakh_letter(app, client):
    """A competitor and an organisation named with all nine Kazakh letters (both cases)
    come back from the CSV export unchanged."""
    from tests.helpers import build_world, mark_everything

    name = f"Тестов {KAZAKH_LETTERS}"
    world = build_world(
        app,
        level="republican",
        start=False,
        competitors=(("Нұрланов Әлихан", "college_a"), ("Иванов Дмитрий Сергеевич", "college_b")),
    )
    org = app.register_organisation(
        actor=SYSTEM_ACTOR,
        name_ru=f"Колледж {KAZAKH_LETTERS}",
        name_kk=f"{KAZAKH_LETTERS} колледжі",
        kind="college",
        region="VKO",
    ).id
    person = app.register_participant(actor=SYSTEM_ACTOR, full_name=name, organisation_id=org).id
    app.add_entrant(actor=SYSTEM_ACTOR, competition_id=world.competition, participant_id=person)
    world.people[name] = person
    app.start_marking(actor=SYSTEM_ACTOR, competition_id=world.competition)
    marks = {
        "Нұрланов Әлихан": ("10.00", "10.00"),
        "Иванов Дмитрий Сергеевич": ("12.00", "10.00"),
        name: ("30.00", "20.00"),
    }
    mark_everything(app, world, marks, {n: ((1, 1, 1), (1, 1, 1)) for n in marks})
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    app.publish(actor=SYSTEM_ACTOR, competition_id=world.competition)
    akimat = app.create_account(actor=SYSTEM_ACTOR, name="Акимат (csv)", role="akimat")
    response = await client.post(
        "/api/v1/prize-programmes", json=PROGRAMME, headers=bearer(akimat.token)
    )
    programme = response.json()["id"]
    PrizePolicy(app).catch_up()
    csv_response = await client.get(
        f"/api/v1/prize-programmes/{programme}/export.csv",
        headers={**bearer(akimat.token), "X-Registry-Min-Position": str(app.head_position())},
    )
    rows = list(
        csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"), newline=""), delimiter=";")
    )
    winner = next(r for r in rows[1:] if r[3] == "1")
    assert winner[4] == name
    assert winner[5] == f"Колледж {KAZAKH_LETTERS}"
    assert all(letter in winner[4] for letter in KAZAKH_LETTERS)


async def test_printable_page(app, client):
    s = await scene(app, client)
    full = await full_list(s, client)
    approved = next(e for e in full["entries"] if e["place"] == 2)
    await client.post(f"{s.url}/entries/{approved['id']}/approve", headers=s.auth("akimat"))
    response = await client.get(f"{s.url}/print", headers=s.fresh())
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "@page" in page and "A4" in page
    for heading in ("Место / Орын", "Приз / Сыйлық", "ФИО / Аты-жөні", "Организация / Ұйым"):
        assert heading in page
    assert PROGRAMME["title_ru"] in page and PROGRAMME["title_kk"] in page
    assert approved["full_name"] in page
    # the list is read in both languages: the organisation and competition in Kazakh too
    for field in ("organisation", "organisation_kk", "competition", "competition_kk"):
        assert html.escape(approved[field]) in page, field
    assert approved["organisation_kk"] != approved["organisation"]
    assert "Қасымова Айгүл" not in page  # proposed only: not on the approved list
    assert "300\u202f000" in page


async def test_programme_list_and_etag(app, client):
    s = await scene(app, client)
    listed = await client.get("/api/v1/prize-programmes", headers=s.fresh())
    assert [p["id"] for p in listed.json()] == [str(s.programme)]
    first = await client.get(s.url, headers=s.fresh())
    etag = first.headers["etag"]
    cached = await client.get(s.url, headers={**s.fresh(), "If-None-Match": etag})
    assert cached.status_code == 304
