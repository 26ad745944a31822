"""Who gave which score of a disputed aspect (SQLite and PostgreSQL): the standings'
`disputed` entries carry `expert_scores: [{expert_id, name, score}]` for the competition's
chief, organisers and auditors — live and `?as_of=` — and never for other experts or admins,
whose answer stays the one everybody gets, byte for byte (the remembered standings)."""

from __future__ import annotations

from tests.api.conftest import Ctx
from tests.helpers import mark_everything
from tests.registry.test_application import JUDGE, MEASURE

IVANOV = "Иванов Дмитрий Сергеевич"


def standings_path(ctx: Ctx) -> str:
    return f"/api/v1/competitions/{ctx.world.competition}/standings"


def disputed_world(ctx: Ctx) -> int:
    """Every mark; Иванов's B1 scores are 0, 2, 2 (e1, e2, e3): disputed."""
    judge = dict(JUDGE)
    judge[IVANOV] = ((0, 2, 2), JUDGE[IVANOV][1])
    mark_everything(ctx.registry, ctx.world, MEASURE, judge)
    return ctx.registry.head_position()


async def get(client, ctx: Ctx, role: str, position: int, query: str = ""):
    response = await client.get(
        standings_path(ctx) + query,
        headers=ctx.auth(role, **{"X-Registry-Min-Position": str(position)}),
    )
    assert response.status_code == 200, (role, response.text)
    return response


async def test_the_chief_organisers_and_auditors_see_who_gave_which_score(client, ctx):
    position = disputed_world(ctx)
    experts = ctx.world.experts
    plain = await get(client, ctx, "expert", position)
    [entry] = plain.json()["disputed"]
    assert (entry["full_name"], entry["aspect_id"], entry["scores"]) == (IVANOV, "B1", [0, 2, 2])
    assert "expert_scores" not in entry
    expected = [
        {"expert_id": str(experts[key]), "name": f"Эксперт {key}", "score": score}
        for key, score in (("e1", 0), ("e2", 2), ("e3", 2))
    ]
    for role in ("chief", "organiser", "auditor", "chief"):  # twice: the remembered path too
        [seen] = (await get(client, ctx, role, position)).json()["disputed"]
        assert seen == {**entry, "expert_scores": expected}, role
    for role in ("expert", "admin"):  # the answer everybody else gets, byte for byte
        assert (await get(client, ctx, role, position)).content == plain.content, role
    # a moment in the past: the same rule
    as_of = f"?as_of={position}"
    [seen] = (await get(client, ctx, "chief", position, as_of)).json()["disputed"]
    assert seen["expert_scores"] == expected
    [seen] = (await get(client, ctx, "expert", position, as_of)).json()["disputed"]
    assert "expert_scores" not in seen
    assert b"expert_scores" not in (await get(client, ctx, "admin", position, as_of)).content


async def test_a_chief_expert_who_is_a_plain_expert_here_does_not_see_them(client, ctx):
    registry, world = ctx.registry, ctx.world
    other = registry.create_account(
        actor=ctx.actors.ids["admin"],
        name="Главный эксперт из другой компетенции",
        role="chief_expert",
    )
    registry.assign_expert(
        actor=ctx.actors.ids["organiser"],
        competition_id=world.competition,
        account_id=other.id,
        role="expert",
        organisation_id=world.orgs["kazzinc"],
    )
    position = disputed_world(ctx)
    response = await client.get(
        standings_path(ctx),
        headers={
            "Authorization": f"Bearer {other.token}",
            "X-Registry-Min-Position": str(position),
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["disputed"]
    assert b"expert_scores" not in response.content


async def test_nothing_disputed_is_the_same_answer_for_everyone(client, ctx):
    mark_everything(ctx.registry, ctx.world, MEASURE, JUDGE)
    position = ctx.registry.head_position()
    answers = {
        role: (await get(client, ctx, role, position)).content
        for role in ("expert", "chief", "organiser", "auditor")
    }
    assert len(set(answers.values())) == 1
    assert b'"disputed":[]' in answers["chief"]
