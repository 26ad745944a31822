"""Standings served from memory (``ReadSide.cached_standings``) are never stale and never
shown to someone who may not see them: every answer equals a fresh read of the views."""

from __future__ import annotations

import asyncio
from uuid import UUID

import msgspec

from api.reading import ReadSide
from domain.ids import SYSTEM_ACTOR
from tests.api.conftest import make_ctx


async def _settled(app, client, path: str, headers: dict[str, str]) -> dict:
    """The answer once the views hold the store's head (without asking to wait)."""
    side: ReadSide = client.app.state.read_side
    head = app.head_position()
    for _ in range(500):
        if side.projector.position >= head:
            break
        await asyncio.sleep(0.01)
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _mark_27_50(app, ctx) -> UUID:
    """Expert e1 gives Нұрланов Әлихан 27.50 on A1 (written to the store, not projected)."""
    person = ctx.world.people["Нұрланов Әлихан"]
    app.enter_mark(
        actor=ctx.world.experts["e1"],
        competition_id=ctx.world.competition,
        competitor_id=person,
        aspect_id="A1",
        value="27.50",
    )
    return person


async def test_answers_from_memory_follow_every_change(app, client):
    ctx = make_ctx(app)
    side: ReadSide = client.app.state.read_side
    path = f"/api/v1/competitions/{ctx.world.competition}/standings"
    organiser = ctx.auth("organiser")
    person = ctx.world.people["Нұрланов Әлихан"]
    first = await _settled(app, client, path, organiser)
    assert side.cached_standings(ctx.world.competition) is not None  # remembered
    again = await _settled(app, client, path, organiser)
    assert again == first  # served from memory, identical
    # a mark changes the standings: the next answer is the new one, never the remembered
    _mark_27_50(app, ctx)
    after = await _settled(app, client, path, organiser)
    row = next(r for r in after["rows"] if r["competitor_id"] == str(person))
    assert row["total"] == "27.50"
    assert after["as_of_position"] == app.head_position()
    fresh = side.queries.standings(ctx.world.competition)
    assert after["rows"] == [
        {
            **r,
            "competitor_id": str(r["competitor_id"]),
            "organisation_id": str(r["organisation_id"]),
        }
        for r in _plain(fresh)["rows"]
    ]
    # another competition's events move the position, not this competition's answer
    app.add_entrant(
        actor=SYSTEM_ACTOR,
        competition_id=ctx.competition2,
        participant_id=ctx.world.people["Иванов Дмитрий Сергеевич"],
    )
    moved = await _settled(app, client, path, organiser)
    assert moved["rows"] == after["rows"]
    assert moved["as_of_position"] == app.head_position() > after["as_of_position"]


async def test_memory_never_shows_an_unpublished_competition_to_the_public(app, client):
    ctx = make_ctx(app)
    path = f"/api/v1/competitions/{ctx.world.competition}/standings"
    await _settled(app, client, path, ctx.auth("organiser"))  # remembered for the organiser
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path, headers=ctx.auth("akimat"))).status_code == 403


def _plain(answer) -> dict:
    return msgspec.json.decode(msgspec.json.encode(answer))


async def test_answers_from_memory_with_the_projector_in_another_process(app):
    """With ``registry project`` elsewhere (two API workers), the answers kept in memory are
    checked against the views on every GET (the competition's row and the tracking row: the
    local file on SQLite, one round trip on PostgreSQL): a change made and projected by
    others is served at once, never the old answer; another competition's change moves only
    the position."""
    from litestar.testing import AsyncTestClient

    from api.server import build_app
    from projections.runner import Projector
    from projections.store import ViewStore

    ctx = make_ctx(app)
    store = ViewStore(app.settings)
    projector = Projector(app, store)  # "the other process": run by hand below
    try:
        projector.catch_up()
        api = build_app(app, projector="external")
        async with AsyncTestClient(app=api) as client:
            side: ReadSide = client.app.state.read_side
            path = f"/api/v1/competitions/{ctx.world.competition}/standings"
            organiser = ctx.auth("organiser")
            first = (await client.get(path, headers=organiser)).json()
            again = (await client.get(path, headers=organiser)).json()
            assert again == first
            remembered = side.cached_standings(ctx.world.competition)
            assert remembered is not None
            assert side.lookup_blocks == (app.settings.backend != "sqlite")
            person = _mark_27_50(app, ctx)
            unchanged = (await client.get(path, headers=organiser)).json()
            assert unchanged == first  # not projected yet: the views' answer, as before
            projector.catch_up()
            after = (await client.get(path, headers=organiser)).json()
            row = next(r for r in after["rows"] if r["competitor_id"] == str(person))
            assert row["total"] == "27.50"
            assert after["as_of_position"] == app.head_position()
            app.add_entrant(
                actor=SYSTEM_ACTOR,
                competition_id=ctx.competition2,
                participant_id=ctx.world.people["Иванов Дмитрий Сергеевич"],
            )
            projector.catch_up()
            moved = (await client.get(path, headers=organiser)).json()
            assert moved["rows"] == after["rows"]
            assert moved["as_of_position"] == app.head_position() > after["as_of_position"]
            # the public never gets the organiser's remembered answer of an unpublished one
            assert (await client.get(path)).status_code == 404
    finally:
        store.close()


async def test_standings_asked_at_once_share_a_lookup_and_each_is_fresh(app):
    """Many GETs at once, served by uvicorn, with ``registry project`` elsewhere: on
    PostgreSQL they check their remembered answer with one shared lookup (api.coalesce),
    and every answer after a projected change holds it."""
    import httpx

    from api.server import build_app
    from projections.runner import Projector
    from projections.store import ViewStore
    from tests.api.test_availability import NO_RATES, serving

    ctx = make_ctx(app)
    store = ViewStore(app.settings)
    projector = Projector(app, store)  # "the other process": run by hand below
    try:
        projector.catch_up()
        api = build_app(app, projector="external", limits=NO_RATES)
        side: ReadSide = api.state.read_side
        path = f"/api/v1/competitions/{ctx.world.competition}/standings"
        organiser = ctx.auth("organiser")
        with serving(api) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                before = (await client.get(path, headers=organiser)).json()  # remembered
                person = _mark_27_50(app, ctx)
                projector.catch_up()
                for _ in range(2):  # the first burst reads the views, the second memory
                    answers = await asyncio.gather(
                        *(client.get(path, headers=organiser) for _ in range(20))
                    )
                    bodies = [a.json() for a in answers]
                    assert all(a.status_code == 200 for a in answers)
                    for body in bodies:
                        assert body["as_of_position"] == app.head_position()
                        row = next(r for r in body["rows"] if r["competitor_id"] == str(person))
                        assert row["total"] == "27.50"
                        assert body["rows"] != before["rows"]
        if app.settings.backend == "sqlite":
            assert side.shared_rows is None  # the views' local file: each looks for itself
        else:
            assert 0 < side.shared_rows.lookups < 40
    finally:
        store.close()
