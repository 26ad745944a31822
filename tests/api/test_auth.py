"""Tokens: rotation and revocation count at once on every process; precedence of refusals."""

from __future__ import annotations

import asyncio

import httpx
from litestar.testing import AsyncTestClient

from api.server import build_app, create_app, executor_threads
from registry.application import RegistryApplication
from tests.api.conftest import bearer
from tests.api.test_availability import NO_RATES, serving

ORG = {
    "name_ru": "Колледж связи",
    "name_kk": "Байланыс колледжі",
    "kind": "college",
    "region": "VKO",
}


async def test_revoked_and_rotated_tokens_are_refused_at_once_on_every_process(
    app, client, ctx, settings
):
    """Two API processes (two registries, two apps) on one store: a revocation or rotation
    made through one is refused by the other on the very next request."""
    other = RegistryApplication(settings)
    try:
        async with AsyncTestClient(app=create_app(other)) as second:
            admin = ctx.auth("admin")
            auditor_id = ctx.actors.ids["auditor"]
            auditor = ctx.actors.tokens["auditor"]
            organiser_id = ctx.actors.ids["organiser"]
            organiser = ctx.actors.tokens["organiser"]
            # warm both processes' caches with the accounts
            for c in (client, second):
                assert (
                    await c.post("/api/v1/organisations", json=ORG, headers=bearer(organiser))
                ).status_code in (200, 201)
                assert (
                    await c.post("/api/v1/organisations", json=ORG, headers=bearer(auditor))
                ).status_code == 403

            rotated = await client.post(f"/api/v1/accounts/{organiser_id}/rotate", headers=admin)
            assert rotated.status_code == 200
            new = rotated.json()["token"]
            assert new and new != organiser
            for c in (second, client):
                old = await c.post("/api/v1/organisations", json=ORG, headers=bearer(organiser))
                assert old.status_code == 401, old.text
                assert old.json()["type"] == "/problems/unauthorized"
                assert old.headers["www-authenticate"].startswith("Bearer")
                assert (
                    await c.post("/api/v1/organisations", json=ORG, headers=bearer(new))
                ).status_code == 200

            revoked = await second.post(
                f"/api/v1/accounts/{auditor_id}/revoke",
                json={"reason": "ушёл с должности"},
                headers=admin,
            )
            assert revoked.status_code == 200
            assert revoked.json()["recorded"] is True
            for c in (client, second):
                response = await c.post("/api/v1/organisations", json=ORG, headers=bearer(auditor))
                assert response.status_code == 401
                # any endpoint, even one that needs no token
                assert (await c.get("/api/v1/nothing", headers=bearer(auditor))).status_code == 404
            again = await client.post(
                f"/api/v1/accounts/{auditor_id}/revoke",
                json={"reason": "ушёл с должности"},
                headers=admin,
            )
            assert again.status_code == 200
            assert again.json()["recorded"] is False
            cannot = await client.post(f"/api/v1/accounts/{auditor_id}/rotate", headers=admin)
            assert cannot.status_code == 409  # a revoked account gets no new token
    finally:
        other.close()


async def test_a_revoked_account_cannot_replay_its_stored_answers(client, ctx):
    headers = ctx.auth("organiser", **{"Idempotency-Key": "before-revocation"})
    assert (
        await client.post("/api/v1/organisations", json=ORG, headers=headers)
    ).status_code == 201
    revoked = await client.post(
        f"/api/v1/accounts/{ctx.actors.ids['organiser']}/revoke",
        json={"reason": "test"},
        headers=ctx.auth("admin"),
    )
    assert revoked.status_code == 200
    assert (
        await client.post("/api/v1/organisations", json=ORG, headers=headers)
    ).status_code == 401


async def test_precedence_of_refusals(client, ctx):
    """401 before 403 before body validation before 404: see api/auth.py."""
    unknown = "00000000-0000-4000-8000-000000000000"
    c = ctx.world.competition
    cases = [
        # no token: 401 even with a bad body and an unknown id
        (None, f"/api/v1/competitions/{unknown}/marks", {"bad": 1}, 401, "unauthorized"),
        # wrong role: 403 even for an unknown id and a bad body
        ("auditor", f"/api/v1/competitions/{unknown}/start", None, 403, "forbidden"),
        ("akimat", f"/api/v1/competitions/{c}/marks", {"bad": 1}, 403, "forbidden"),
        ("organiser", f"/api/v1/competitions/{c}/lock", None, 403, "forbidden"),
        # an expert naming a competition they do not judge (or that does not exist): 403
        ("outsider", f"/api/v1/competitions/{c}/marks", {"bad": 1}, 403, "not-assigned"),
        ("expert", f"/api/v1/competitions/{unknown}/marks", {"bad": 1}, 403, "not-assigned"),
        ("chief", f"/api/v1/competitions/{unknown}/lock", None, 403, "not-assigned"),
        # an expert of the competition who is not its chief: 403
        ("expert", f"/api/v1/competitions/{c}/lock", None, 403, "forbidden"),
        # authorised: then the body (422), then the ids (404)
        ("expert", f"/api/v1/competitions/{c}/marks", {"bad": 1}, 422, "invalid-input"),
        ("organiser", f"/api/v1/competitions/{unknown}/start", None, 404, "not-found"),
        (
            "organiser",
            f"/api/v1/competitions/{unknown}/entrants",
            {"participant_id": unknown},
            404,
            "not-found",
        ),
    ]
    for role, path, body, status, type_ in cases:
        response = await client.post(path, json=body, headers=ctx.auth(role))
        assert (response.status_code, response.json()["type"]) == (status, f"/problems/{type_}"), (
            role,
            path,
            response.text,
        )


async def test_a_chief_expert_assigned_as_a_plain_expert_cannot_lock(app, client, ctx):
    """The scope is the competition's experts, not only the account's role."""
    from domain.ids import SYSTEM_ACTOR

    chief_elsewhere = app.create_account(
        actor=SYSTEM_ACTOR, name="Главный эксперт другой", role="chief_expert"
    )
    app.assign_expert(
        actor=SYSTEM_ACTOR,
        competition_id=ctx.world.competition,
        account_id=chief_elsewhere.id,
        role="expert",
        organisation_id=ctx.world.orgs["kazzinc"],
    )
    response = await client.post(
        f"/api/v1/competitions/{ctx.world.competition}/lock", headers=bearer(chief_elsewhere.token)
    )
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/not-allowed"


async def test_accounts_scoped_in_advance_through_the_api(app, client, ctx):
    created = await client.post(
        "/api/v1/accounts",
        json={
            "name": "Эксперт заранее",
            "role": "expert",
            "competition_ids": [str(ctx.competition2)],
        },
        headers=ctx.auth("admin"),
    )
    assert created.status_code == 201, created.text
    account = app.account(__import__("uuid").UUID(created.json()["id"]))
    assert account.competition_ids == {ctx.competition2}
    # scoped but not assigned: the guard lets it through, the competition refuses (not its expert)
    response = await client.post(
        f"/api/v1/competitions/{ctx.competition2}/marks",
        json={
            "competitor_id": str(ctx.world.people["Қасымова Айгүл"]),
            "aspect_id": "A1",
            "value": "1.00",
        },
        headers=bearer(created.json()["token"]),
    )
    assert response.status_code in (403, 409)


async def test_healthz_and_the_schema_need_no_token(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (
        await client.get("/healthz", headers={"Authorization": "Bearer nonsense"})
    ).status_code == 200
    assert (
        await client.get("/schema/openapi.json", headers={"Authorization": "Bearer x"})
    ).status_code == 200


async def test_the_executor_is_sized_to_the_connection_pool(app, client):
    """Set at startup as the default executor of the loop that runs the lifespan (under
    uvicorn, the loop that serves the requests too)."""
    executor = client.app.state.executor
    assert executor._max_workers == executor_threads(app.settings)
    if app.settings.backend == "postgres":
        assert executor._max_workers == app.settings.pg_pool_size + app.settings.pg_max_overflow
    else:
        assert executor._max_workers == 15


async def test_tokens_checked_at_once_share_a_lookup_and_still_see_a_revocation(app, ctx):
    """Many requests at once, served by uvicorn as in production (PostgreSQL: one lookup of
    their accounts' versions for all, api.coalesce): each is answered as if it had looked
    alone, and a revocation made just before the next burst is seen by every request of it."""
    seen = {"X-Registry-Min-Position": str(app.head_position())}  # the views hold the world
    organiser = ctx.auth("organiser", **seen)
    auditor = ctx.auth("auditor", **seen)
    path = f"/api/v1/competitions/{ctx.world.competition}"
    burst = [organiser, auditor] * 10
    api = build_app(app, projector="in-process", limits=NO_RATES)
    with serving(api) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            answers = await asyncio.gather(*(client.get(path, headers=h) for h in burst))
            assert [a.status_code for a in answers] == [200] * len(burst)
            versions = api.state.get("account_versions")
            if app.settings.backend == "sqlite":
                assert versions is None  # a local file: every request looks for itself
            else:
                assert versions.keys <= 2 * versions.lookups  # the two accounts, per lookup
                assert versions.lookups < len(burst)  # shared
            revoked = await client.post(
                f"/api/v1/accounts/{ctx.actors.ids['auditor']}/revoke",
                json={"reason": "перевёлся в другой колледж"},
                headers=ctx.auth("admin"),
            )
            assert revoked.status_code == 200
            answers = await asyncio.gather(*(client.get(path, headers=h) for h in burst))
            assert [a.status_code for a in answers] == [200, 401] * 10
