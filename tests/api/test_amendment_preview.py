"""`POST /competitions/{id}/amendments/preview` over HTTP (SQLite and PostgreSQL): what an
amendment would change — the rows of the standings diff the recorded amendment then gives,
and the prize entries the policy then moves — while nothing is recorded; refused exactly as
the amendment would be."""

from __future__ import annotations

from uuid import UUID

from domain.ids import SYSTEM_ACTOR
from domain.prizes import EntryStatus
from registry.policy import PrizePolicy
from tests.api.conftest import bearer
from tests.prizes_world import build_prize_world, create_programme

IVANOV = "Иванов Дмитрий Сергеевич"
NURLANOV = "Нұрланов Әлихан"
KASYMOVA = "Қасымова Айгүл"


def organiser(app) -> dict[str, str]:
    created = app.create_account(actor=SYSTEM_ACTOR, name="Организатор поправок", role="organiser")
    assert created.token
    return bearer(created.token)


async def settle(client, position: int) -> None:
    response = await client.get(
        "/api/v1/prize-programmes", headers={"X-Registry-Min-Position": str(position)}
    )
    assert response.status_code == 200


async def test_the_preview_is_what_the_amendment_then_does(app, client):
    w = build_prize_world(app)
    programme = create_programme(app, w.akimat)
    PrizePolicy(app).catch_up()
    entries = app.prize_programme(programme).entries
    by_name = {e.placing.full_name: entry_id for entry_id, e in entries.items()}
    app.decide_prize_entry(
        actor=w.akimat, programme_id=programme, entry_id=by_name[NURLANOV], decision="approve"
    )
    headers = organiser(app)
    competition = w.world.competition
    body = {
        "competitor_id": str(w.world.people[IVANOV]),
        "aspect_id": "A1",
        "value": "29.00",
        "reason": "Апелляция: өлшем қайта тексерілді",
    }
    head = app.head_position()
    await settle(client, head)
    versions = (app.competition(competition).version, app.prize_programme(programme).version)

    response = await client.post(
        f"/api/v1/competitions/{competition}/amendments/preview", json=body, headers=headers
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    # nothing recorded: the head, the competition and the programme are as they were
    assert app.head_position() == head
    assert (app.competition(competition).version, app.prize_programme(programme).version) == (
        versions
    )
    assert preview["as_of_position"] == head
    assert preview["mark"] == {
        "competitor_id": body["competitor_id"],
        "aspect_id": "A1",
        "expert_id": str(w.world.experts["e1"]),
        "previous": "25.00",
        "value": "29.00",
    }
    moved = {
        c["full_name"]: (c["before"]["rank"], c["after"]["rank"])
        for c in preview["changes"]
        if "rank" in c["changed"]
    }
    assert moved == {IVANOV: (3, 2), NURLANOV: (2, 3), KASYMOVA: (3, 4)}
    # the median moved: the others' scaled scores (WorldSkills) change, nothing else
    assert {
        c["full_name"]: c["changed"] for c in preview["changes"] if c["full_name"] not in moved
    } == {"Астанаев Арман": ["scaled_score"], "Өмірбекова Ұлжан": ["scaled_score"]}
    ivanov = next(c for c in preview["changes"] if c["full_name"] == IVANOV)
    assert (ivanov["before"]["medal"], ivanov["after"]["medal"]) == ("bronze", "silver")
    assert {"rank", "total", "medal"} <= set(ivanov["changed"])
    flagged = {
        e["full_name"]: (e["place_before"], e["place_after"], e["status_before"], e["needs_review"])
        for e in preview["prize_entries"]
    }
    assert flagged == {
        NURLANOV: (2, 3, "approved", True),
        IVANOV: (3, 2, "proposed", False),
        KASYMOVA: (3, 4, "proposed", True),
    }

    # the amendment itself, then the policy: the same change
    recorded = await client.post(
        f"/api/v1/competitions/{competition}/amendments", json=body, headers=headers
    )
    assert recorded.status_code == 201, recorded.text
    diff = await client.get(
        f"/api/v1/competitions/{competition}/standings/diff?from={head}",
        headers=headers,
    )
    assert diff.status_code == 200, diff.text
    assert diff.json()["changes"] == preview["changes"]
    PrizePolicy(app).catch_up()
    after = app.prize_programme(programme).entries
    assert {
        e.placing.full_name for e in after.values() if e.status is EntryStatus.NEEDS_REVIEW
    } == {name for name, (*_, review) in flagged.items() if review}
    assert {e.placing.full_name: e.placing.place for e in after.values()} == {
        name: place for name, (_, place, *_) in flagged.items()
    }


async def test_a_repeat_changes_nothing(app, client):
    w = build_prize_world(app)
    headers = organiser(app)
    response = await client.post(
        f"/api/v1/competitions/{w.world.competition}/amendments/preview",
        json={
            "competitor_id": str(w.world.people[IVANOV]),
            "aspect_id": "B1",
            "value": 2,
            "expert_id": str(w.world.experts["e2"]),
            "reason": "то же значение",
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["changes"] == []
    assert response.json()["prize_entries"] == []
    assert response.json()["mark"]["previous"] == response.json()["mark"]["value"] == "2"


async def test_refused_as_the_amendment_would_be(app, client):
    w = build_prize_world(app)
    headers = organiser(app)
    path = f"/api/v1/competitions/{w.world.competition}/amendments/preview"
    ivanov = str(w.world.people[IVANOV])
    head = app.head_position()
    for body, status, code in (
        ({"competitor_id": ivanov, "aspect_id": "Z9", "value": "1.00", "reason": "x"}, 404, None),
        (
            {"competitor_id": ivanov, "aspect_id": "A1", "value": "31.00", "reason": "x"},
            422,
            "out-of-range",
        ),
        (
            {"competitor_id": ivanov, "aspect_id": "B1", "value": 1, "reason": "x"},
            422,
            "invalid-input",
        ),
        (
            {
                "competitor_id": ivanov,
                "aspect_id": "B1",
                "value": 0,
                "expert_id": str(w.world.experts["e1"]),
                "reason": "x",
            },
            409,
            "disputed-aspect",
        ),
        ({"competitor_id": ivanov, "aspect_id": "A1", "value": "1.00"}, 422, "invalid-input"),
        (
            {"competitor_id": ivanov, "aspect_id": "A1", "value": "1.00", "reason": " "},
            422,
            "invalid-input",
        ),
    ):
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
        if code:
            assert response.json()["type"] == f"/problems/{code}", body
    unknown = "/api/v1/competitions/5e1f0c3a-0000-4000-8000-000000000000/amendments/preview"
    body = {"competitor_id": ivanov, "aspect_id": "A1", "value": "1.00", "reason": "x"}
    assert (await client.post(unknown, json=body, headers=headers)).status_code == 404
    assert app.head_position() == head


async def test_before_publication_there_is_nothing_to_amend(app, client):
    w = build_prize_world(app, publish=False)
    headers = organiser(app)
    response = await client.post(
        f"/api/v1/competitions/{w.world.competition}/amendments/preview",
        json={
            "competitor_id": str(w.world.people[IVANOV]),
            "aspect_id": "A1",
            "value": "29.00",
            "reason": "рано",
        },
        headers=headers,
    )
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/invalid-state"
    assert isinstance(w.world.competition, UUID)
