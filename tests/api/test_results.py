"""The Results endpoints over HTTP (SQLite and PostgreSQL): visibility, read-your-writes,
ETags, no sensitive data, readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.server import build_app
from tests.api.conftest import Ctx, make_ctx
from tests.helpers import ORGANISER, mark_everything, sign_off_all
from tests.registry.test_application import JUDGE, MEASURE


@pytest.fixture
async def full(app) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Ctx]]:
    ctx = make_ctx(app)
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        yield client, ctx


def standings_path(ctx: Ctx) -> str:
    return f"/api/v1/competitions/{ctx.world.competition}/standings"


async def test_unpublished_results_are_hidden_from_the_public(full):
    client, ctx = full
    head = str(ctx.registry.head_position())
    wait = {"X-Registry-Min-Position": head}
    assert (await client.get(standings_path(ctx), headers=wait)).status_code == 404
    for role, status in (
        ("akimat", 403),
        ("outsider", 403),
        ("expert", 200),
        ("chief", 200),
        ("organiser", 200),
        ("auditor", 200),
        ("admin", 200),
    ):
        response = await client.get(standings_path(ctx), headers=ctx.auth(role, **wait))
        assert response.status_code == status, (role, response.text)
    listing = (
        await client.get(f"/api/v1/championships/{ctx.world.championship}", headers=wait)
    ).json()
    assert listing["competitions"] == []  # nothing published yet
    listing = (
        await client.get(
            f"/api/v1/championships/{ctx.world.championship}", headers=ctx.auth("organiser", **wait)
        )
    ).json()
    assert len(listing["competitions"]) == 2


async def test_read_your_writes_and_published_standings(full):
    client, ctx = full
    alikhan = ctx.world.people["Нұрланов Әлихан"]
    answer = await client.post(
        f"/api/v1/competitions/{ctx.world.competition}/marks",
        json={"competitor_id": str(alikhan), "aspect_id": "A1", "value": "28.50"},
        headers=ctx.auth("expert"),
    )
    assert answer.status_code in (200, 201), answer.text
    position = answer.json()["position"]
    seen = await client.get(
        standings_path(ctx),
        headers=ctx.auth("expert", **{"X-Registry-Min-Position": str(position)}),
    )
    body = seen.json()
    assert body["as_of_position"] >= position
    assert next(r for r in body["rows"] if r["full_name"] == "Нұрланов Әлихан")["total"] == "28.50"

    rest = {k: v for k, v in MEASURE.items() if k != "Нұрланов Әлихан"}
    rest["Нұрланов Әлихан"] = ("28.50", "20.00")
    ctx.registry.enter_mark(
        actor=ctx.world.experts["e1"],
        competition_id=ctx.world.competition,
        competitor_id=alikhan,
        aspect_id="A2",
        value="20.00",
    )
    mark_everything(
        ctx.registry, ctx.world, {k: v for k, v in rest.items() if k != "Нұрланов Әлихан"}, JUDGE
    )
    sign_off_all(ctx.registry, ctx.world)
    ctx.registry.lock(actor=ctx.world.experts["chief"], competition_id=ctx.world.competition)
    published = ctx.registry.publish(actor=ORGANISER, competition_id=ctx.world.competition)
    wait = {"X-Registry-Min-Position": str(published.position)}
    public = (await client.get(standings_path(ctx), headers=wait)).json()
    assert public["status"] == "published"
    assert [(r["rank"], r["full_name"], r["total"], r["medal"]) for r in public["rows"]] == [
        (1, "Нұрланов Әлихан", "95.17", "gold"),
        (2, "Иванов Дмитрий Сергеевич", "78.56", "silver"),
        (2, "Қасымова Айгүл", "78.56", "silver"),
        (4, "Өмірбекова Ұлжан", "29.44", None),
    ]
    medals = (await client.get(f"/api/v1/championships/{ctx.world.championship}/medals")).json()
    assert [(m["name_ru"], m["points"]) for m in medals["by_organisation"]] == [
        ("Высший колледж ВКТУ", 7),
        ("Восточно-Казахстанский политехнический колледж", 3),
    ]
    person = (await client.get(f"/api/v1/participants/{alikhan}/results")).json()
    assert [(r["rank"], r["medal"]) for r in person["results"]] == [(1, "gold")]


async def test_no_sensitive_data_in_public_answers(full):
    client, ctx = full
    registered = ctx.registry.register_participant(
        actor=ORGANISER,
        full_name="Әбілқасымова Іңкәр",
        organisation_id=ctx.world.orgs["college_b"],
        birth_date=date(2009, 4, 3),
        disability="нарушение слуха",
    )
    ctx.registry.add_entrant(
        actor=ORGANISER, competition_id=ctx.world.competition, participant_id=registered.id
    )
    head = {"X-Registry-Min-Position": str(ctx.registry.head_position())}
    texts = []
    for path in (
        f"/api/v1/championships/{ctx.world.championship}",
        f"/api/v1/championships/{ctx.world.championship}/medals",
        f"/api/v1/participants/{registered.id}/results",
        "/api/v1/championships",
    ):
        response = await client.get(path, headers=head)
        assert response.status_code == 200, path
        texts.append(response.text)
    organiser_view = await client.get(
        f"/api/v1/competitions/{ctx.world.competition}", headers=ctx.auth("organiser", **head)
    )
    assert "Әбілқасымова Іңкәр" in organiser_view.text
    texts.append(organiser_view.text)
    for text in texts:
        assert "нарушение" not in text and "2009-04-03" not in text
        assert "disability" not in text and "birth_date" not in text


async def test_etags_and_conditional_gets(full):
    client, ctx = full
    head = {"X-Registry-Min-Position": str(ctx.registry.head_position())}
    first = await client.get(
        f"/api/v1/competitions/{ctx.world.competition}", headers=ctx.auth("organiser", **head)
    )
    etag = first.headers["etag"]
    assert etag.startswith(f'"{first.json()["version"]}-')  # the version, then a digest
    again = await client.get(
        f"/api/v1/competitions/{ctx.world.competition}",
        headers=ctx.auth("organiser", **{"If-None-Match": etag}),
    )
    assert again.status_code == 304


async def test_min_position_header_errors(full):
    client, _ = full
    bad = await client.get("/api/v1/championships", headers={"X-Registry-Min-Position": "abc"})
    assert bad.status_code == 422 and bad.json()["type"] == "/problems/invalid-input"
    late = await client.get(
        "/api/v1/championships", headers={"X-Registry-Min-Position": str(10**12)}
    )
    assert late.status_code == 409  # beyond the store's head: at once, not after 5 s
    assert late.json()["type"] == "/problems/position-not-recorded"


async def test_readyz_reports_the_projector_lag(full):
    client, ctx = full
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["database"] == "ok" and body["projector"] == "running"
    assert body["head_position"] == ctx.registry.head_position()
    assert body["projector_lag"] >= 0


async def test_unknown_ids_are_404(full):
    client, ctx = full
    for path in (
        "/api/v1/championships/5e1f0c3a-0000-4000-8000-000000000000",
        "/api/v1/championships/5e1f0c3a-0000-4000-8000-000000000000/medals",
        "/api/v1/competitions/5e1f0c3a-0000-4000-8000-000000000000",
        "/api/v1/competitions/5e1f0c3a-0000-4000-8000-000000000000/standings",
        "/api/v1/participants/5e1f0c3a-0000-4000-8000-000000000000/results",
        "/api/v1/competitions/not-a-uuid/standings",
    ):
        response = await client.get(path, headers=ctx.auth("auditor"))
        assert response.status_code == 404, path
