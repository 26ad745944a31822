"""Server-Sent Events over real HTTP (uvicorn serving the real app; SQLite and PostgreSQL):
live standings (the GET's body on connect and after each change, visibility, both projector
modes) and the live audit feed (roles, ids = positions, resumption, new events, the feed's
lines), keep-alive comments, a revoked token ending its stream. Every wait has a timeout, so
a broken stream fails instead of hanging."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from api.server import build_app
from api.streams import StreamHub
from domain.ids import SYSTEM_ACTOR
from projections.runner import Projector
from projections.store import ViewStore
from tests.api.conftest import ROLES, Ctx, make_ctx
from tests.api.test_availability import NO_RATES, serving
from tests.helpers import mark_everything, sign_off_all
from tests.registry.test_application import JUDGE, MEASURE

WAIT = 10.0  # seconds any one event may take
AUDIT = "/api/v1/audit/events/stream"
FEED = "/api/v1/audit/events"


def stream_path(ctx: Ctx, competition: Any = None) -> str:
    return f"/api/v1/competitions/{competition or ctx.world.competition}/standings/stream"


class Events:
    """The events of one open stream, parsed as ``EventSource`` would (comments kept)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def next(self, timeout: float = WAIT) -> dict[str, Any]:
        event: dict[str, Any] = {}
        async with asyncio.timeout(timeout):
            async for line in self.lines:
                if line == "":
                    if event:
                        return event
                    continue
                if line.startswith(":"):
                    event.setdefault("comments", []).append(line[1:].strip())
                    continue
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data" and "data" in event:
                    value = event["data"] + "\n" + value
                event[name] = value
        raise AssertionError(f"the stream ended; last event {event}")

    async def next_data(self, timeout: float = WAIT) -> dict[str, Any]:
        """The next event that carries data (keep-alive comments skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.next(timeout)
                if "data" in event:
                    return event

    async def ended(self, timeout: float = WAIT) -> bool:
        async with asyncio.timeout(timeout):
            async for _line in self.lines:
                pass
        return True


@asynccontextmanager
async def served(
    app: Any, mode: str = "in-process"
) -> AsyncIterator[tuple[httpx.AsyncClient, Ctx]]:
    ctx = make_ctx(app)
    api = build_app(app, projector=mode, limits=NO_RATES)
    with serving(api) as url:
        async with httpx.AsyncClient(base_url=url, timeout=WAIT) as client:
            client.hub = api.state.streams  # type: ignore[attr-defined]
            yield client, ctx


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None, **params: Any
) -> AsyncIterator[Events]:
    async with client.stream("GET", path, headers=headers or {}, params=params) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


async def released(hub: StreamHub) -> None:
    """A closed stream leaves nothing behind in the hub (the server notices at once)."""
    async with asyncio.timeout(WAIT):
        while hub.streams or hub.channels:
            await asyncio.sleep(0.02)


def head(app: Any) -> dict[str, str]:
    return {"X-Registry-Min-Position": str(app.head_position())}


async def publish_through_the_api(client: httpx.AsyncClient, ctx: Ctx) -> int:
    """Every mark and the lock (commands), then the publication over HTTP: its position."""
    mark_everything(ctx.registry, ctx.world, MEASURE, JUDGE)
    sign_off_all(ctx.registry, ctx.world)
    ctx.registry.lock(actor=ctx.world.experts["chief"], competition_id=ctx.world.competition)
    answer = await client.post(
        f"/api/v1/competitions/{ctx.world.competition}/publish", headers=ctx.auth("organiser")
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["position"])


# ---------------------------------------------------------------------- standings


async def test_standings_on_connect_and_after_a_publication(app):
    async with served(app) as (client, ctx):
        organiser = ctx.auth("organiser")
        got = await client.get(
            f"/api/v1/competitions/{ctx.world.competition}/standings",
            headers={**organiser, **head(app)},
        )
        assert got.status_code == 200
        async with open_stream(client, stream_path(ctx), organiser) as events:
            first = await events.next_data()
            assert first["event"] == "standings"
            assert first["data"] == got.text  # the GET's very bytes
            assert first["id"] == str(got.json()["as_of_position"])
            assert got.json()["status"] == "marking"

            position = await publish_through_the_api(client, ctx)
            while True:  # marks first (the organiser sees them), then the publication
                event = await events.next_data()
                body = json.loads(event["data"])
                assert int(event["id"]) == body["as_of_position"]
                if body["status"] == "published":
                    break
            assert body["as_of_position"] >= position
            assert [(r["rank"], r["full_name"], r["total"], r["medal"]) for r in body["rows"]] == [
                (1, "Нұрланов Әлихан", "95.17", "gold"),
                (2, "Иванов Дмитрий Сергеевич", "78.56", "silver"),
                (2, "Қасымова Айгүл", "78.56", "silver"),
                (4, "Өмірбекова Ұлжан", "29.44", None),
            ]
            again = await client.get(
                f"/api/v1/competitions/{ctx.world.competition}/standings",
                headers={"X-Registry-Min-Position": event["id"]},
            )
            assert json.loads(event["data"])["rows"] == again.json()["rows"]

        # once published, the public streams them too, and sees an amendment arrive
        async with open_stream(client, stream_path(ctx)) as public:
            shown = json.loads((await public.next_data())["data"])
            assert shown["status"] == "published" and shown["rows"] == body["rows"]
            amended = await client.post(
                f"/api/v1/competitions/{ctx.world.competition}/amendments",
                json={
                    "competitor_id": str(ctx.world.people["Өмірбекова Ұлжан"]),
                    "aspect_id": "A1",
                    "expert_id": str(ctx.world.experts["e1"]),
                    "value": "30.00",
                    "reason": "Апелляция қанағаттандырылды",
                },
                headers=ctx.auth("organiser"),
            )
            assert amended.status_code in (200, 201), amended.text
            event = await public.next_data()
            changed = json.loads(event["data"])
            assert int(event["id"]) >= amended.json()["position"]
            assert changed["rows"] != shown["rows"]
        await released(client.hub)  # type: ignore[attr-defined]


async def test_the_streams_visibility_matches_the_get(app):
    async with served(app) as (client, ctx):
        await client.get("/api/v1/championships", headers=head(app))
        expected = {
            "public": 404,
            "bogus": 401,
            "akimat": 403,
            "outsider": 403,
            "expert": 200,
            "chief": 200,
            "organiser": 200,
            "auditor": 200,
            "admin": 200,
        }
        for role, status in expected.items():
            if role == "public":
                headers = {}
            elif role == "bogus":
                headers = {"Authorization": "Bearer " + "x" * 60}
            else:
                headers = ctx.auth(role)
            async with client.stream("GET", stream_path(ctx), headers=headers) as response:
                assert response.status_code == status, role
                if status == 200:
                    event = await Events(response).next_data()
                    assert json.loads(event["data"])["status"] == "marking"
                else:
                    assert response.headers["content-type"].startswith("application/problem+json")
                    problem = json.loads(await response.aread())
                    get = await client.get(
                        stream_path(ctx).removesuffix("/stream"), headers=headers
                    )
                    assert get.status_code == status and problem["type"] == get.json()["type"]
        unknown = stream_path(ctx, "5e1f0c3a-0000-4000-8000-000000000000")
        assert (await _status(client, unknown, ctx.auth("organiser"))) == 404
        assert (await _status(client, unknown, {})) == 404


async def _status(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> int:
    async with client.stream("GET", path, headers=headers) as response:
        return response.status_code


async def test_marks_reach_privileged_streams_before_publication(app):
    async with served(app) as (client, ctx):
        await client.get("/api/v1/championships", headers=head(app))
        async with (
            open_stream(client, stream_path(ctx), ctx.auth("expert")) as expert,
            open_stream(client, stream_path(ctx), ctx.auth("auditor")) as auditor,
        ):
            before = [await expert.next_data(), await auditor.next_data()]
            assert before[0]["data"] == before[1]["data"]  # the same bytes for both
            person = ctx.world.people["Нұрланов Әлихан"]
            answer = await client.post(
                f"/api/v1/competitions/{ctx.world.competition}/marks",
                json={"competitor_id": str(person), "aspect_id": "A1", "value": "28.50"},
                headers=ctx.auth("expert"),
            )
            assert answer.status_code in (200, 201), answer.text
            for events in (expert, auditor):
                event = await events.next_data()
                assert int(event["id"]) >= answer.json()["position"]
                row = next(
                    r
                    for r in json.loads(event["data"])["rows"]
                    if r["competitor_id"] == str(person)
                )
                assert row["total"] == "28.50"


@pytest.mark.parametrize("mode", ["external"])
async def test_a_projector_elsewhere_is_followed(app, mode):
    """The projector runs in "another process" (here: by hand); the watcher polls."""
    store = ViewStore(app.settings)
    projector = Projector(app, store)
    try:
        async with served(app, mode) as (client, ctx):
            await asyncio.to_thread(projector.catch_up)
            async with open_stream(client, stream_path(ctx), ctx.auth("chief")) as events:
                first = json.loads((await events.next_data())["data"])
                assert first["progress"]["entered"] == 0
                ctx.registry.enter_mark(
                    actor=ctx.world.experts["e1"],
                    competition_id=ctx.world.competition,
                    competitor_id=ctx.world.people["Қасымова Айгүл"],
                    aspect_id="A1",
                    value="25.00",
                )
                await asyncio.to_thread(projector.catch_up)
                event = await events.next_data()
                body = json.loads(event["data"])
                assert body["progress"]["entered"] == 1
                assert int(event["id"]) == app.head_position()
    finally:
        store.close()


async def test_keep_alive_and_a_revoked_token_ends_the_stream(app):
    async with served(app) as (client, ctx):
        hub: StreamHub = client.hub  # type: ignore[attr-defined]
        hub.keep_alive, hub.reauthenticate = 0.2, 0.0
        await client.get("/api/v1/championships", headers=head(app))
        async with open_stream(client, stream_path(ctx), ctx.auth("organiser")) as events:
            await events.next_data()
            quiet = await events.next()
            assert quiet == {"comments": ["keep-alive"]}
            ctx.registry.revoke_account(
                actor=SYSTEM_ACTOR, account_id=ctx.actors.ids["organiser"], reason="уволен"
            )
            assert await events.ended()


# ---------------------------------------------------------------------- audit


async def test_the_audit_stream_needs_an_auditor(app):
    async with served(app) as (client, ctx):
        for role in (*ROLES, None):
            status = await _status(client, AUDIT, ctx.auth(role))
            wanted = 200 if role in ("auditor", "admin") else (401 if role is None else 403)
            assert status == wanted, role
        for bad in ({"after": "-1"}, {"after": "x"}):
            answer = await client.get(AUDIT, params=bad, headers=ctx.auth("auditor"))
            assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "after"
        answer = await client.get(AUDIT, headers={**ctx.auth("auditor"), "Last-Event-ID": "nope"})
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["field"] == "Last-Event-ID"


async def test_the_audit_stream_resumes_and_follows(app):
    async with served(app) as (client, ctx):
        auditor = ctx.auth("auditor")
        lines = [
            json.loads(line) for line in (await client.get(FEED, headers=auditor)).text.splitlines()
        ]
        assert len(lines) > 20
        async with open_stream(client, AUDIT, auditor) as events:
            for line in lines:  # every stored event, its position as id, the feed's object
                event = await events.next_data()
                assert int(event["id"]) == line["position"]
                assert json.loads(event["data"]) == line
            made = await client.post(
                "/api/v1/organisations",
                json={
                    "name_ru": "Колледж Әділет",
                    "name_kk": "Әділет колледжі ҒҚҢӨҰҮҺІ",
                    "kind": "college",
                    "region": "VKO",
                },
                headers=ctx.auth("organiser"),
            )
            assert made.status_code == 201
            event = await events.next_data()
            assert int(event["id"]) == made.json()["position"]
            live = json.loads(event["data"])
            assert live["type"] == "registry.Organisation.Created"
            assert live["data"]["name_kk"] == "Әділет колледжі ҒҚҢӨҰҮҺІ"

        middle = lines[10]["position"]
        resumed = {**auditor, "Last-Event-ID": str(middle)}
        async with open_stream(client, AUDIT, resumed, after="0") as events:
            event = await events.next_data()  # the header wins over after=0
            assert int(event["id"]) == lines[11]["position"]
            assert json.loads(event["data"]) == lines[11]
        async with open_stream(client, AUDIT, auditor, after=str(lines[-1]["position"])) as events:
            event = await events.next_data()
            assert int(event["id"]) == made.json()["position"]
        # events recorded by another process reach the stream too (the head is polled)
        async with open_stream(
            client, AUDIT, auditor, after=str(made.json()["position"])
        ) as events:
            await asyncio.sleep(0.3)
            other = await asyncio.to_thread(_record_elsewhere, app)
            event = await events.next_data()
            assert int(event["id"]) == other


def _record_elsewhere(app: Any) -> int:
    from registry.application import RegistryApplication

    elsewhere = RegistryApplication(app.settings)
    try:
        return elsewhere.create_account(
            actor=SYSTEM_ACTOR, name="Аудитор Қайрат", role="auditor"
        ).position
    finally:
        elsewhere.close()


async def test_personal_fields_are_withheld_as_in_the_feed(app):
    from datetime import date

    async with served(app) as (client, ctx):
        auditor = ctx.auth("auditor")
        after = app.head_position()
        registered = ctx.registry.register_participant(
            actor=SYSTEM_ACTOR,
            full_name="Әбілқасымова Іңкәр",
            organisation_id=ctx.world.orgs["college_b"],
            birth_date=date(2009, 4, 3),
            disability="нарушение слуха",
        )
        async with open_stream(client, AUDIT, auditor, after=str(after)) as events:
            event = await events.next_data()
        line = (await client.get(FEED, params={"after": str(after)}, headers=auditor)).text
        assert event["data"] == line.strip()
        assert json.loads(event["data"])["data"]["full_name"] == "Әбілқасымова Іңкәр"
        assert '"withheld"' in event["data"]
        assert "нарушение" not in event["data"] and "2009" not in event["data"]
        assert registered.position == int(event["id"])
