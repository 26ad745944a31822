"""Issue 15, point 11 (and the akimat's reconsider/revoke of point 10) over HTTP, on SQLite
and PostgreSQL: a prize in kind (no amount), a programme's eligibility recorded when it is
created and obeyed by the prize policy, programmes stored before eligibility existed read
with the default rule (upcast), and the exports' "in kind"."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.ids import SYSTEM_ACTOR
from domain.values import Level
from registry.policy import PrizePolicy
from tests.api.conftest import bearer
from tests.prizes_world import build_prize_world

FIXTURES = Path(__file__).parent.parent / "fixtures" / "events"

PROGRAMME = {
    "title_ru": "Гранты акима ВКО 2025",
    "title_kk": "ШҚО әкімінің гранттары 2025",
    "year": 2025,
    "region": "VKO",
    "kinds": ["worldskills"],
    "prizes": [
        {"place": 1, "description": "Ноутбук", "amount_kzt": 500000},
        {"place": 2, "description": "Грант на обучение", "amount_kzt": None},
        {"place": 3, "description": "Сертификат «Өнер»", "amount_kzt": None},
    ],
}


def tokens(app) -> dict[str, str]:
    made = {}
    for role in ("akimat", "organiser"):
        made[role] = app.create_account(
            actor=SYSTEM_ACTOR, name=f"{role} (in kind)", role=role
        ).token
    return made


async def create(client, token: str, body: dict) -> UUID:
    response = await client.post("/api/v1/prize-programmes", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return UUID(response.json()["id"])


async def read(app, client, programme: UUID, token: str | None) -> dict:
    headers = {"X-Registry-Min-Position": str(app.head_position())}
    if token:
        headers.update(bearer(token))
    response = await client.get(f"/api/v1/prize-programmes/{programme}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_prizes_in_kind_with_the_default_eligibility(app, client):
    build_prize_world(app)  # republican, VKO: places 2, 3, 3 are VKO's
    t = tokens(app)
    programme = await create(client, t["akimat"], PROGRAMME)
    PrizePolicy(app).catch_up()
    out = await read(app, client, programme, t["akimat"])
    assert out["eligibility"] == {
        "kinds": ["worldskills"],
        "levels": ["republican"],
        "places": [1, 2, 3],
        "region": "VKO",
        "year": 2025,
    }
    assert [p["amount_kzt"] for p in out["prizes"]] == [500000, None, None]
    entries = sorted((e["place"], e["prize"], e["amount_kzt"]) for e in out["entries"])
    assert entries == [
        (2, "Грант на обучение", None),
        (3, "Сертификат «Өнер»", None),
        (3, "Сертификат «Өнер»", None),
    ]
    for entry in out["entries"]:
        url = f"/api/v1/prize-programmes/{programme}/entries/{entry['id']}/approve"
        approved = await client.post(url, headers=bearer(t["akimat"]))
        assert approved.status_code == 200, approved.text
    public = await read(app, client, programme, None)
    assert public["totals"]["entries"] == 3 and public["totals"]["amount_kzt"] == 0
    assert public["totals"]["in_kind"] == 3
    csv_response = await client.get(
        f"/api/v1/prize-programmes/{programme}/export.csv",
        headers={"X-Registry-Min-Position": str(app.head_position())},
    )
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    assert {row[7] for row in rows[1:]} == {"в натуральной форме"}
    page = await client.get(f"/api/v1/prize-programmes/{programme}/print")
    assert "в натуральной форме" in page.text and "заттай түрде" in page.text
    for lang, words in (("ru", "в натуральной форме"), ("kk", "заттай түрде")):
        site = await client.get(f"/prizes/{programme}?lang={lang}")
        assert site.status_code == 200 and site.text.count(words) == 3, lang


async def test_recorded_eligibility_is_what_the_policy_proposes_by(app, client):
    build_prize_world(app, level="regional")  # a regional championship: not today's rule
    t = tokens(app)
    default = await create(client, t["akimat"], PROGRAMME)
    wide = await create(
        client,
        t["akimat"],
        {
            **PROGRAMME,
            "title_ru": "Гранты акима: все уровни",
            "eligibility": {"levels": ["regional", "republican"], "places": [2], "region": None},
        },
    )
    PrizePolicy(app).catch_up()
    assert (await read(app, client, default, t["akimat"]))["entries"] == []
    out = await read(app, client, wide, t["akimat"])
    assert out["eligibility"] == {
        "kinds": ["worldskills"],
        "levels": ["regional", "republican"],
        "places": [2],
        "region": None,
        "year": 2025,
    }
    assert [(e["full_name"], e["place"]) for e in out["entries"]] == [("Нұрланов Әлихан", 2)]
    # the same settings again are a repeat; other eligibility under the same title is not
    body = {**PROGRAMME, "title_ru": "Гранты акима: все уровни"}
    again = await client.post(
        "/api/v1/prize-programmes",
        json={
            **body,
            "eligibility": {"levels": ["republican", "regional"], "places": [2], "region": None},
        },
        headers=bearer(t["akimat"]),
    )
    assert again.status_code == 200 and again.json()["recorded"] is False
    other = await client.post("/api/v1/prize-programmes", json=body, headers=bearer(t["akimat"]))
    assert other.status_code == 409 and other.json()["type"] == "/problems/already-exists"
    before = app.event_count()
    for bad in (
        {"places": [4]},
        {"levels": ["galactic"]},
        {"colour": "red"},
        {"places": [1], "kinds": []},
    ):
        refused = await client.post(
            "/api/v1/prize-programmes",
            json={**PROGRAMME, "title_ru": "Плохие правила", "eligibility": bad},
            headers=bearer(t["akimat"]),
        )
        assert refused.status_code in (400, 422), (bad, refused.text)
    missing = await client.post(
        "/api/v1/prize-programmes",
        json={
            **PROGRAMME,
            "title_ru": "Без описания",
            "prizes": [{"place": 1, "description": " ", "amount_kzt": None}],
        },
        headers=bearer(t["akimat"]),
    )
    assert missing.status_code == 422
    assert app.event_count() == before


async def test_reconsider_an_entry_and_revoke_a_nominee(app, client):
    w = build_prize_world(app)
    t = tokens(app)
    programme = await create(client, t["akimat"], PROGRAMME)
    PrizePolicy(app).catch_up()
    entry = (await read(app, client, programme, t["akimat"]))["entries"][0]["id"]
    base = f"/api/v1/prize-programmes/{programme}"
    akimat = bearer(t["akimat"])
    early = await client.post(
        f"{base}/entries/{entry}/reconsider", json={"reason": "рано"}, headers=akimat
    )
    assert early.status_code == 409 and early.json()["type"] == "/problems/invalid-state"
    await client.post(
        f"{base}/entries/{entry}/reject", json={"reason": "не житель"}, headers=akimat
    )
    back = await client.post(
        f"{base}/entries/{entry}/reconsider", json={"reason": "справка о прописке"}, headers=akimat
    )
    assert back.status_code == 200 and back.json()["id"] == entry
    [held] = [
        e for e in (await read(app, client, programme, t["akimat"]))["entries"] if e["id"] == entry
    ]
    assert held["status"] == "proposed" and held["reason"] == "справка о прописке"
    assert [h["action"] for h in held["history"]][-2:] == ["reject", "reconsider"]
    nomination = (
        await client.post(
            f"{base}/nominations",
            json={"title_ru": "Лучший меценат года", "title_kk": "Жылдың үздік меценаты"},
            headers=akimat,
        )
    ).json()["id"]
    nominee = (
        await client.post(
            f"{base}/nominations/{nomination}/nominees",
            json={"organisation_id": str(w.world.orgs["vkgu"]), "citation": "За помощь"},
            headers=akimat,
        )
    ).json()["id"]
    url = f"{base}/nominations/{nomination}/nominees/{nominee}"
    assert (await client.post(f"{url}/approve", headers=akimat)).status_code == 200
    revoked = await client.post(f"{url}/revoke", json={"reason": "ошибка"}, headers=akimat)
    assert revoked.status_code == 200 and revoked.json()["recorded"] is True
    public = await read(app, client, programme, None)
    assert public["nominations"][0]["nominees"] == []
    for path, body in (
        (f"{base}/entries/{entry}/reconsider", {"reason": "x"}),
        (f"{url}/revoke", {"reason": "x"}),
    ):
        refused = await client.post(path, json=body, headers=bearer(t["organiser"]))
        assert refused.status_code == 403


async def test_a_programme_stored_before_eligibility_reads_with_the_default(app, client):
    """The stored bytes of a version 1 ``PrizeProgramme.Created`` (no eligibility; its third
    prize had an amount) put in the store as they were: the programme reads, and the policy
    proposes, by the default rule."""
    build_prize_world(app)
    stored = (FIXTURES / "registry.PrizeProgramme.Created.v1.json").read_bytes()
    programme = UUID("7a1f5c2e-0000-4000-8000-000000000015")
    app.recorder.insert_events(
        [StoredEvent(programme, 1, "registry.PrizeProgramme.Created", stored)]
    )
    held = app.prize_programme(programme)
    assert held.eligibility.levels == (Level.REPUBLICAN,)
    assert held.eligibility.places == (1, 2, 3) and held.eligibility.region == "VKO"
    PrizePolicy(app).catch_up()
    out = await read(app, client, programme, None)
    assert out["eligibility"]["levels"] == ["republican"]
    assert out["eligibility"]["year"] == 2025
    full = await read(app, client, programme, tokens(app)["akimat"])
    assert sorted(e["place"] for e in full["entries"]) == [2, 3, 3]
