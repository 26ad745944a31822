"""Sign-off and the lock over HTTP (SQLite and PostgreSQL): each expert confirms their marks
(`POST .../sign-off`), a correction withdraws the sign-off (in the history), the chief locks
only when everyone has signed off or with an override reason, recorded in the `Locked`
event; `GET /competitions/{id}` shows who has signed off."""

from __future__ import annotations

from uuid import UUID

from tests.api.conftest import Ctx, bearer
from tests.helpers import mark_everything
from tests.registry.test_application import JUDGE, MEASURE

KK = {"Accept-Language": "kk"}


def path(ctx: Ctx, tail: str = "") -> str:
    return f"/api/v1/competitions/{ctx.world.competition}{tail}"


async def signed_off(client, ctx: Ctx, position: int) -> dict[str, bool]:
    """Each expert's sign-off as the competition's JSON shows it, by account id."""
    response = await client.get(
        path(ctx), headers=ctx.auth("chief", **{"X-Registry-Min-Position": str(position)})
    )
    assert response.status_code == 200, response.text
    return {e["account_id"]: e["signed_off"] for e in response.json()["experts"]}


async def history(client, ctx: Ctx) -> list[dict]:
    response = await client.get(
        f"/api/v1/audit/aggregates/{ctx.world.competition}", headers=ctx.auth("auditor")
    )
    assert response.status_code == 200, response.text
    return response.json()["events"]


async def test_sign_off_withdrawal_and_lock(client, ctx):
    registry, world = ctx.registry, ctx.world
    mark_everything(registry, world, MEASURE, JUDGE)
    e1 = str(world.experts["e1"])

    first = await client.post(path(ctx, "/sign-off"), headers=ctx.auth("expert"))
    assert first.status_code == 200, first.text
    assert first.json()["recorded"] is True
    assert first.json()["position"] == registry.head_position()
    for body in (None, {}):  # a retry, with no body or an empty one: the same answer
        again = await client.post(path(ctx, "/sign-off"), json=body, headers=ctx.auth("expert"))
        assert again.status_code == 200, again.text
        assert again.json() == {**first.json(), "recorded": False}
    shown = await signed_off(client, ctx, first.json()["position"])
    assert shown == {str(account): str(account) == e1 for account in world.experts.values()}

    # the chief cannot lock: the problem names who has not signed off
    refused = await client.post(path(ctx, "/lock"), headers=ctx.auth("chief"))
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"] == "/problems/sign-off-missing"
    missing = {m["expert_id"]: m["name"] for m in problem["missing"]}
    assert missing == {
        str(world.experts[k]): f"Эксперт {k}" for k in ("chief", "e2", "e3", "e_conflicted")
    }
    assert "Эксперт e_conflicted" in problem["detail"]
    assert "не подписали" in problem["detail"]  # Russian by default
    kazakh = await client.post(path(ctx, "/lock"), headers=ctx.auth("chief", **KK))
    assert "Эксперт e2" in kazakh.json()["detail"]
    assert "қол қоймады" in kazakh.json()["detail"]

    # e1 corrects a mark: the sign-off is withdrawn, and the history says so
    corrected = await client.post(
        path(ctx, "/corrections"),
        json={
            "competitor_id": str(world.people["Қасымова Айгүл"]),
            "aspect_id": "B1",
            "value": 3,
            "reason": "Қайта бағаланды",
        },
        headers=ctx.auth("expert"),
    )
    assert corrected.status_code == 201, corrected.text
    assert (await signed_off(client, ctx, corrected.json()["position"]))[e1] is False
    events = await history(client, ctx)
    assert [e["type"] for e in events[-3:]] == [
        "registry.Competition.SignedOff",
        "registry.Competition.MarkCorrected",
        "registry.Competition.SignOffWithdrawn",
    ]
    withdrawn = events[-1]
    assert withdrawn["reason"] == "Қайта бағаланды"
    assert withdrawn["data"]["expert_id"] == e1
    assert withdrawn["actor"]["id"] == e1

    # everyone signs off (e1 again, over HTTP): the chief locks without a body
    again = await client.post(path(ctx, "/sign-off"), headers=ctx.auth("expert"))
    assert again.json()["recorded"] is True
    for key in ("chief", "e2", "e3", "e_conflicted"):
        registry.sign_off(actor=world.experts[key], competition_id=world.competition)
    locked = await client.post(path(ctx, "/lock"), headers=ctx.auth("chief"))
    assert locked.status_code == 200, locked.text
    assert (await history(client, ctx))[-1]["data"]["override_reason"] is None
    shown = await signed_off(client, ctx, locked.json()["position"])
    assert all(shown.values())
    # a sign-off that still holds is a repeat, even after the lock
    assert (await client.post(path(ctx, "/sign-off"), headers=ctx.auth("expert"))).json()[
        "recorded"
    ] is False


async def test_lock_with_an_override_reason(client, ctx):
    registry, world = ctx.registry, ctx.world
    mark_everything(registry, world, MEASURE, JUDGE)
    registry.sign_off(actor=world.experts["chief"], competition_id=world.competition)
    for body, status in (
        ({"override_reason": ""}, 422),
        ({"override_reason": "   "}, 422),
        ({"override": "эксперт выбыл"}, 422),
        ({"override_reason": 7}, 422),
        ({}, 409),
        (None, 409),
    ):
        refused = await client.post(path(ctx, "/lock"), json=body, headers=ctx.auth("chief"))
        assert refused.status_code == status, (body, refused.text)
    reason = "Сарапшы e3 ауырып қалды — Эксперт e3 выбыл по болезни"
    locked = await client.post(
        path(ctx, "/lock"), json={"override_reason": reason}, headers=ctx.auth("chief")
    )
    assert locked.status_code == 200, locked.text
    last = (await history(client, ctx))[-1]
    assert last["type"] == "registry.Competition.Locked"
    assert last["data"]["override_reason"] == reason
    assert last["actor"]["id"] == str(world.experts["chief"])
    again = await client.post(
        path(ctx, "/lock"), json={"override_reason": reason}, headers=ctx.auth("chief")
    )
    assert again.json() == {**locked.json(), "recorded": False}


async def test_sign_off_is_refused_outside_marking_and_to_others(client, ctx):
    registry, world = ctx.registry, ctx.world
    mark_everything(registry, world, MEASURE, JUDGE)
    registry.lock(
        actor=world.experts["chief"], competition_id=world.competition, override_reason="тест"
    )
    refused = await client.post(path(ctx, "/sign-off"), headers=ctx.auth("expert"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "/problems/invalid-state"
    other = await client.post(path(ctx, "/sign-off"), headers=ctx.auth("outsider"))
    assert other.status_code == 403
    assert other.json()["type"] == "/problems/not-assigned"
    # a chief_expert account that is not an expert of this competition
    stranger = registry.create_account(
        actor=ctx.actors.ids["admin"], name="Главный другой компетенции", role="chief_expert"
    )
    assert stranger.token
    response = await client.post(path(ctx, "/sign-off"), headers=bearer(stranger.token))
    assert response.status_code == 403
    assert registry.competition(world.competition).signed_off == {}
    assert isinstance(world.experts["e1"], UUID)
