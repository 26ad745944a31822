"""``GET /api/v1/audit/verify`` over HTTP (SQLite and PostgreSQL): auditors and admins only;
an intact history, then an edited, deleted and inserted row, each named at its position."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.server import build_app
from tests.api.conftest import ROLES, Ctx, make_ctx
from tests.projections.tamper import Tamper

PATH = "/api/v1/audit/verify"


@pytest.fixture
async def sealed(app) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Ctx, list[int]]]:
    ctx = make_ctx(app)
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        assert client.app.state.read_side.wait_for(app.head_position(), 30)
        yield client, ctx, Tamper(app).positions()


async def test_only_auditors_and_admins_verify(sealed):
    client, ctx, positions = sealed
    for role in (*ROLES, None):
        response = await client.get(PATH, headers=ctx.auth(role))
        if role in ("auditor", "admin"):
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["ok"] is True and body["checked"] == len(positions)
            assert body["head_position"] == positions[-1] and len(body["head_hash"]) == 64
            assert body["sealed_position"] == positions[-1] and body["unsealed"] == 0
            assert "first_bad_position" not in body
        else:
            expected = 401 if role is None else 403
            assert response.status_code == expected, (role, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    bogus = await client.get(PATH, headers={"Authorization": "Bearer nope"})
    assert bogus.status_code == 401


@pytest.mark.parametrize("change", ["edit", "delete", "insert"])
async def test_a_changed_row_is_named_at_its_position(sealed, change):
    client, ctx, positions = sealed
    tamper = Tamper(ctx.registry)
    bad = positions[8]
    if change == "edit":
        tamper.edit_one_byte(bad)
    elif change == "delete":
        tamper.delete(bad)
    else:
        bad = -1
        tamper.insert_copy(bad, of=positions[8])
    response = await client.get(PATH, headers=ctx.auth("auditor"))
    assert response.status_code == 200, response.text
    body = response.json()
    kind = {"edit": "edited", "delete": "deleted", "insert": "inserted"}[change]
    assert (body["ok"], body["first_bad_position"], body["problem"]) == (False, bad, kind)
    assert body["checked"] == (0 if change == "insert" else 8)


async def test_the_endpoint_is_documented(sealed):
    client, _, _ = sealed
    document = (await client.get("/schema/openapi.json")).json()
    operation = document["paths"][PATH]["get"]
    assert "**Roles:** auditor, admin." in operation["description"]
    assert operation["security"] == [{"bearerAuth": []}]
    for status in ("401", "403", "503"):
        assert "application/problem+json" in operation["responses"][status]["content"]
    assert "first_bad_position" in str(document["components"]["schemas"])


async def test_the_newest_events_deleted_with_their_seals_fail_the_endpoint_too(sealed):
    """Issue 13, point 15: the endpoint answers as ``registry audit verify`` does."""
    from projections.seal import SEAL_TABLE

    client, ctx, positions = sealed
    intact = (await client.get(PATH, headers=ctx.auth("auditor"))).json()
    assert (intact["ok"], intact["status"]) == (True, "intact")
    store = client.app.state.read_side.store
    for position in positions[-2:]:
        Tamper(ctx.registry).delete(position)
    with store.transaction(commit=True) as cursor:
        store.execute(
            cursor, f"DELETE FROM {store.table(SEAL_TABLE)} WHERE position > ?", (positions[-3],)
        )
    body = (await client.get(PATH, headers=ctx.auth("auditor"))).json()
    assert (body["ok"], body["status"], body["problem"]) == (False, "broken", "truncated")
    assert body["first_bad_position"] == positions[-3] + 1
