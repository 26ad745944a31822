"""`GET /api/v1/competitions/{id}/marks` over HTTP (SQLite and PostgreSQL): an expert reads
the marks they hold with each one's history; the chief, organisers and auditors read every
mark (the audit endpoint's answer, shared code); admins, the akimat, other experts and the
public do not."""

from __future__ import annotations

from tests.api.conftest import Ctx

AIGUL = "Қасымова Айгүл"
IVANOV = "Иванов Дмитрий Сергеевич"


def marks_path(ctx: Ctx) -> str:
    return f"/api/v1/competitions/{ctx.world.competition}/marks"


def mark_some(ctx: Ctx) -> None:
    """e1 measures two aspects and scores B1; e2 scores B1; e1 then corrects A1 and the
    chief corrects e2's score."""
    registry, world = ctx.registry, ctx.world
    competition, people, experts = world.competition, world.people, world.experts
    registry.enter_marks(
        actor=experts["e1"],
        competition_id=competition,
        marks=[(people[AIGUL], "A1", "25.00"), (people[AIGUL], "A2", "18.00")],
    )
    for key, score in (("e1", 2), ("e2", 3)):
        registry.enter_mark(
            actor=experts[key],
            competition_id=competition,
            competitor_id=people[IVANOV],
            aspect_id="B1",
            value=score,
        )
    registry.correct_mark(
        actor=experts["e1"],
        competition_id=competition,
        competitor_id=people[AIGUL],
        aspect_id="A1",
        value="24.50",
        reason="Өлшеу қайталанды — перемер",
    )
    registry.correct_mark(
        actor=experts["chief"],
        competition_id=competition,
        competitor_id=people[IVANOV],
        aspect_id="B1",
        value=2,
        reason="Решение главного эксперта",
        expert_id=experts["e2"],
    )


async def test_an_expert_reads_their_own_marks_with_their_histories(client, ctx):
    mark_some(ctx)
    response = await client.get(marks_path(ctx), headers=ctx.auth("expert"))
    assert response.status_code == 200, response.text
    body = response.json()
    e1 = str(ctx.world.experts["e1"])
    assert body["competition_id"] == str(ctx.world.competition)
    assert body["status"] == "marking"
    assert body["as_of_position"] == ctx.registry.head_position()
    assert {m["expert_id"] for m in body["marks"]} == {e1}
    assert [(m["full_name"], m["aspect_id"], m["value"]) for m in body["marks"]] == [
        (AIGUL, "A1", "24.50"),
        (AIGUL, "A2", "18.00"),
        (IVANOV, "B1", "2"),
    ]
    corrected = body["marks"][0]["values"]
    assert [(v["kind"], v["value"], v["previous"], v["reason"]) for v in corrected] == [
        ("entered", "25.00", None, None),
        ("corrected", "24.50", "25.00", "Өлшеу қайталанды — перемер"),
    ]
    assert corrected[1]["actor"] == {"id": e1, "name": "Эксперт e1"}
    assert corrected[0]["position"] < corrected[1]["position"]


async def test_the_chief_organisers_and_auditors_read_every_mark(client, ctx):
    mark_some(ctx)
    audit = await client.get(
        f"/api/v1/audit/competitions/{ctx.world.competition}/marks", headers=ctx.auth("auditor")
    )
    assert audit.status_code == 200
    for role in ("chief", "organiser", "auditor"):
        response = await client.get(marks_path(ctx), headers=ctx.auth(role))
        assert response.status_code == 200, (role, response.text)
        assert response.json() == audit.json(), role
    marks = audit.json()["marks"]
    e2_score = next(m for m in marks if m["expert_id"] == str(ctx.world.experts["e2"]))
    assert [(v["kind"], v["value"], v["actor"]["name"]) for v in e2_score["values"]] == [
        ("entered", "3", "Эксперт e2"),
        ("corrected", "2", "Эксперт chief"),
    ]
    assert len(marks) == 4


async def test_who_may_not_read_marks(client, ctx):
    mark_some(ctx)
    assert (await client.get(marks_path(ctx))).status_code == 401
    for role, code in (
        ("admin", "forbidden"),
        ("akimat", "forbidden"),
        ("outsider", "not-assigned"),
    ):
        response = await client.get(marks_path(ctx), headers=ctx.auth(role))
        assert response.status_code == 403, (role, response.text)
        assert response.json()["type"] == f"/problems/{code}", role
    unknown = "/api/v1/competitions/5e1f0c3a-0000-4000-8000-000000000000/marks"
    assert (await client.get(unknown, headers=ctx.auth("organiser"))).status_code == 404
    assert (await client.get(unknown, headers=ctx.auth("expert"))).status_code == 403


async def test_an_expert_without_marks_reads_an_empty_list(client, ctx):
    e3 = ctx.registry.rotate_token(
        actor=ctx.actors.ids["admin"], account_id=ctx.world.experts["e3"]
    )
    mark_some(ctx)
    response = await client.get(marks_path(ctx), headers={"Authorization": f"Bearer {e3.token}"})
    assert response.status_code == 200, response.text
    assert response.json()["marks"] == []
