"""The judges' shortcut for single marks (``api.marks_path``) answers exactly what the long way
answers, on SQLite and PostgreSQL.

Two apps share one registry: the served one (shortcut on) and one built with
``marks_shortcut=False`` (Litestar's whole path). Every request is sent to both, on the same
stored state: a refusal (which records nothing) must come back byte for byte the same —
status, headers, problem document, in Russian and Kazakh — and a repeat of a recorded mark
too. ``MarksShortcut.answered`` tells which requests the shortcut answered itself and which it
handed on; what it hands on is answered by the long way in both apps, so is the same anyway.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.marks_path import MarksShortcut
from api.server import MAX_BODY_BYTES, build_app
from registry.application import RegistryApplication
from tests.api.conftest import Ctx

Answer = tuple[int, list[tuple[str, str]], bytes]


@pytest.fixture
async def long_way(app: RegistryApplication) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The same registry through Litestar's whole path (no projector: commands only)."""
    async with AsyncTestClient(build_app(app, projector="external", marks_shortcut=False)) as c:
        yield c


def path(ctx: Ctx, competition: Any = None) -> str:
    return f"/api/v1/competitions/{competition or ctx.world.competition}/marks"


def mark(ctx: Ctx, name: str = "Иванов Дмитрий Сергеевич", value: Any = "12.50") -> bytes:
    body = {"competitor_id": str(ctx.world.people[name]), "aspect_id": "A1", "value": value}
    return json.dumps(body).encode()


def stored(ctx: Ctx) -> tuple[int, Any]:
    competition = ctx.registry.competition(ctx.world.competition)
    return ctx.registry.event_count(), dict(competition.measurements)


def seen(response: httpx.Response) -> Answer:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "date")
    return response.status_code, headers, response.content


async def both(
    client: AsyncTestClient[Litestar],
    long_way: AsyncTestClient[Litestar],
    url: str,
    body: bytes,
    headers: dict[str, str],
) -> tuple[Answer, Answer, int]:
    """The answers of the shortcut's app and of the long way, and how many of the two
    requests the shortcut answered itself."""
    before = MarksShortcut.answered
    short = seen(await client.post(url, content=body, headers=headers))
    answered = MarksShortcut.answered - before
    long = seen(await long_way.post(url, content=body, headers=headers))
    assert MarksShortcut.answered - before == answered  # the long way never takes it
    return short, long, answered


JSON = {"Content-Type": "application/json"}


async def test_a_plain_mark_is_answered_by_the_shortcut_as_the_long_way_answers_it(
    client: AsyncTestClient[Litestar], long_way: AsyncTestClient[Litestar], ctx: Ctx
) -> None:
    events = ctx.registry.event_count()
    before = MarksShortcut.answered
    first = await client.post(path(ctx), content=mark(ctx), headers=ctx.auth("expert", **JSON))
    assert MarksShortcut.answered == before + 1
    assert first.status_code == 201, first.text
    assert first.headers["etag"] == f'"{first.json()["version"]}"'
    assert first.headers["content-type"] == "application/json"
    assert ctx.registry.event_count() == events + 1
    # The repeat (same mark, same value) records nothing and answers the first position:
    # byte for byte the same both ways.
    short, long, answered = await both(
        client, long_way, path(ctx), mark(ctx), ctx.auth("expert", **JSON)
    )
    assert answered == 1 and short == long
    assert short[0] == 200 and json.loads(short[2])["position"] == first.json()["position"]
    assert ctx.registry.event_count() == events + 1
    # A sheet goes the same way.
    sheet = json.dumps({"marks": [json.loads(mark(ctx))]}).encode()
    short, long, answered = await both(
        client, long_way, path(ctx), sheet, ctx.auth("expert", **JSON)
    )
    assert answered == 1 and short == long and short[0] == 200


REFUSED_BODIES = [
    pytest.param(b'{"competitor_id": "x", "aspect_id": "A1"}', id="not-an-id-and-no-value"),
    pytest.param(b'{"aspect_id": "A1", "aspect_id": "A2"}', id="a-key-twice"),
    pytest.param(b"{not json", id="not-json"),
    pytest.param(b'{"value": 3.0}', id="a-float"),
    pytest.param(b'{"unknown": 1}', id="an-unknown-field"),
    pytest.param(b'{"aspect_id": "A1"}', id="missing-fields"),
    pytest.param(b"", id="no-body"),
]


@pytest.mark.parametrize("body", REFUSED_BODIES)
@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_a_body_refused_is_refused_in_the_same_words_and_records_nothing(
    client: AsyncTestClient[Litestar],
    long_way: AsyncTestClient[Litestar],
    ctx: Ctx,
    body: bytes,
    lang: str,
) -> None:
    before = stored(ctx)
    headers = ctx.auth("expert", **JSON, **{"Accept-Language": lang})
    short, long, _ = await both(client, long_way, path(ctx), body, headers)
    assert short == long
    assert short[0] in (400, 422), short
    assert stored(ctx) == before


async def test_refusals_of_the_token_role_scope_and_rules_are_the_same_both_ways(
    client: AsyncTestClient[Litestar], long_way: AsyncTestClient[Litestar], ctx: Ctx
) -> None:
    cases: list[tuple[str, bytes, dict[str, str], int, int]] = [
        # (what, body, headers, status, answered by the shortcut)
        ("unknown token", mark(ctx), {"Authorization": "Bearer nope", **JSON}, 401, 0),
        ("not bearer", mark(ctx), {"Authorization": "Basic abc", **JSON}, 401, 0),
        ("no token", mark(ctx), JSON, 401, 0),
        ("organiser", mark(ctx), ctx.auth("organiser", **JSON), 403, 1),
        ("another competition's expert", mark(ctx), ctx.auth("outsider", **JSON), 403, 1),
        ("a value out of range", mark(ctx, value="31.00"), ctx.auth("expert", **JSON), 422, 1),
        ("three places", mark(ctx, value="1.555"), ctx.auth("expert", **JSON), 422, 1),
        ("a stale If-Match", mark(ctx), ctx.auth("expert", **JSON, **{"If-Match": '"1"'}), 412, 1),
        ("a weak If-Match", mark(ctx), ctx.auth("expert", **JSON, **{"If-Match": 'W/"9"'}), 412, 1),
        ("If-Match too long", mark(ctx), ctx.auth("expert", **{"If-Match": "1" * 201}), 422, 0),
    ]
    for lang in ("ru", "kk"):
        for what, body, headers, status, shortcut in cases:
            before = stored(ctx)
            asked = {**headers, "Accept-Language": lang}
            short, long, answered = await both(client, long_way, path(ctx), body, asked)
            assert short == long, what
            assert short[0] == status, (what, short)
            assert answered == shortcut, what
            assert stored(ctx) == before, what


async def test_a_body_over_the_limit_is_413_both_ways(
    client: AsyncTestClient[Litestar], long_way: AsyncTestClient[Litestar], ctx: Ctx
) -> None:
    before = stored(ctx)
    body = b'{"marks": [' + b" " * MAX_BODY_BYTES + b"]}"
    short, long, answered = await both(
        client, long_way, path(ctx), body, ctx.auth("expert", **JSON)
    )
    assert short == long and short[0] == 413 and answered == 0
    assert stored(ctx) == before


async def test_an_idempotency_key_takes_the_long_way_and_replays(
    client: AsyncTestClient[Litestar], ctx: Ctx
) -> None:
    headers = ctx.auth("expert", **JSON, **{"Idempotency-Key": "mark-alikhan-1"})
    body = mark(ctx, name="Нұрланов Әлихан", value="10.00")
    before = MarksShortcut.answered
    first = await client.post(path(ctx), content=body, headers=headers)
    again = await client.post(path(ctx), content=body, headers=headers)
    assert MarksShortcut.answered == before
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


async def test_only_the_marks_route_is_taken(client: AsyncTestClient[Litestar], ctx: Ctx) -> None:
    """Another command of the same competition goes the long way (and is still refused by
    its own guard: an expert may not lock)."""
    before = MarksShortcut.answered
    url = f"/api/v1/competitions/{ctx.world.competition}/lock"
    response = await client.post(url, content=b"{}", headers=ctx.auth("expert", **JSON))
    assert response.status_code == 403
    assert MarksShortcut.answered == before


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded"], ids=str
)
async def test_the_content_type_is_judged_alike(
    client: AsyncTestClient[Litestar],
    long_way: AsyncTestClient[Litestar],
    ctx: Ctx,
    content_type: str | None,
) -> None:
    """A JSON body sent under another content type (or none) gets the same answer both ways
    (here a refused value, so the two requests meet the same stored state)."""
    before = stored(ctx)
    headers = ctx.auth("expert", **({"Content-Type": content_type} if content_type else {}))
    short, long, _ = await both(client, long_way, path(ctx), mark(ctx, value="31.00"), headers)
    assert short == long
    assert stored(ctx) == before
