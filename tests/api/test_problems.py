"""Problem details, and nothing a client sends produces a 500 or stores anything when refused.

Each table runs on one world per store; every row is checked (status, problem shape, type,
event count unchanged) and all mismatches are reported together.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import OperationalError

from api.problems import domain_problem
from domain.errors import ERROR_STATUS, DomainError
from tests.api.conftest import Ctx

RAW = object()  # marks a body given as raw bytes


def _check_problem(response, status: int, type_: str | None) -> list[str]:
    wrong = []
    if response.status_code != status:
        wrong.append(f"status {response.status_code} != {status}: {response.text[:300]}")
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        wrong.append(f"content-type {response.headers.get('content-type')}")
        return wrong
    problem = response.json()
    if problem.get("status") != response.status_code:
        wrong.append(f"problem status {problem.get('status')}")
    if not isinstance(problem.get("title"), str) or not problem["title"]:
        wrong.append("no title")
    if not isinstance(problem.get("detail"), str) or not problem["detail"]:
        wrong.append("no detail")
    if not str(problem.get("type", "")).startswith("/problems/"):
        wrong.append(f"type {problem.get('type')}")
    elif type_ is not None and problem["type"] != f"/problems/{type_}":
        wrong.append(f"type {problem['type']} != /problems/{type_}")
    if response.status_code in (400, 422) and problem.get("type") == "/problems/invalid-input":
        errors = problem.get("errors")
        if not errors or not all(set(e) == {"field", "message"} for e in errors):
            wrong.append(f"errors {errors}")
    return wrong


async def run_table(app, client, ctx: Ctx, rows: list[tuple], method: str, path: str, role: str):
    failures = []
    for name, body, status, type_ in rows:
        before = app.event_count()
        if isinstance(body, tuple) and body and body[0] is RAW:
            response = await client.request(
                method,
                path,
                content=body[1],
                headers=ctx.auth(role, **{"Content-Type": "application/json"}),
            )
        else:
            response = await client.request(method, path, json=body, headers=ctx.auth(role))
        wrong = _check_problem(response, status, type_)
        if app.event_count() != before:
            wrong.append("events were recorded")
        if wrong:
            failures.append(f"{name}: {'; '.join(wrong)}")
    assert not failures, "\n".join(failures)


def mark(ctx: Ctx, value: Any, **over: Any) -> dict[str, Any]:
    body = {
        "competitor_id": str(ctx.world.people["Иванов Дмитрий Сергеевич"]),
        "aspect_id": "A1",
        "value": value,
    }
    body.update(over)
    return body


async def test_malformed_marks(app, client, ctx):
    judgement = {"aspect_id": "B1"}
    rows = [
        ("malformed JSON", (RAW, b'{"competitor_id":'), 400, "malformed-request"),
        ("empty body", (RAW, b""), 400, "malformed-request"),
        ("not UTF-8", (RAW, b'{"value": "\xff\xfe"}'), 400, "malformed-request"),
        ("deep nesting", (RAW, b"[" * 100_000), 400, "malformed-request"),
        ("JSON number out of range", (RAW, b'{"value": 1e400}'), 400, "malformed-request"),
        ("JSON array", [], 422, "invalid-input"),
        ("JSON string", "7.50", 422, "invalid-input"),
        ("JSON null", (RAW, b"null"), 422, "invalid-input"),
        ("float value", mark(ctx, 7.5), 422, "invalid-input"),
        ("boolean value", mark(ctx, True), 422, "invalid-input"),
        ("object value", mark(ctx, {"v": 1}), 422, "invalid-input"),
        ("missing value", mark(ctx, None), 422, "invalid-input"),
        ("missing aspect", {"competitor_id": str(uuid4()), "value": "1.00"}, 422, "invalid-input"),
        ("non-UUID competitor", mark(ctx, "1.00", competitor_id="abc"), 422, "invalid-input"),
        ("unknown field", mark(ctx, "1.00", expert_id=str(uuid4())), 422, "invalid-input"),
        (
            "mark and sheet",
            {**mark(ctx, "1.00"), "marks": [mark(ctx, "1.00")]},
            422,
            "invalid-input",
        ),
        ("empty sheet", {"marks": []}, 422, "invalid-input"),
        ("sheet too long", {"marks": [mark(ctx, "1.00")] * 1001}, 422, "invalid-input"),
        ("7.555", mark(ctx, "7.555"), 422, "invalid-input"),
        ("-1", mark(ctx, "-1"), 422, "invalid-input"),
        ("NaN", mark(ctx, "NaN"), 422, "invalid-input"),
        ("Infinity", mark(ctx, "Infinity"), 422, "invalid-input"),
        ("1e400", mark(ctx, "1e400"), 422, "invalid-input"),
        ("huge integer", mark(ctx, 10**40), 422, "invalid-input"),
        ("huge decimal", mark(ctx, "1" * 20), 422, "out-of-range"),
        ("above max mark", mark(ctx, "30.01"), 422, "out-of-range"),
        ("empty string", mark(ctx, ""), 422, "invalid-input"),
        ("blank string", mark(ctx, "   "), 422, "invalid-input"),
        ("words", mark(ctx, "семь"), 422, "invalid-input"),
        ("judgement 4", mark(ctx, 4, **judgement), 422, "out-of-range"),
        ("judgement 2.5", mark(ctx, "2.5", **judgement), 422, "invalid-input"),
        ("judgement -1", mark(ctx, -1, **judgement), 422, "out-of-range"),
        ("control character", mark(ctx, "1.00", aspect_id="A\u00001"), 422, "invalid-input"),
        ("aspect id too long", mark(ctx, "1.00", aspect_id="A" * 65), 422, "invalid-input"),
        ("unknown aspect (Kazakh)", mark(ctx, "1.00", aspect_id="Ә1"), 404, "not-found"),
        ("unknown competitor", mark(ctx, "1.00", competitor_id=str(uuid4())), 404, "not-found"),
        (
            "oversize body",
            (RAW, b'{"marks": [' + b" " * (1024 * 1024) + b"]}"),
            413,
            "payload-too-large",
        ),
    ]
    path = f"/api/v1/competitions/{ctx.world.competition}/marks"
    await run_table(app, client, ctx, rows, "POST", path, "expert")


async def test_malformed_registration(app, client, ctx):
    org = {"name_ru": "Колледж", "name_kk": "Колледжі", "kind": "college", "region": "VKO"}
    rows = [
        ("empty names", {**org, "name_ru": "", "name_kk": " "}, 422, "invalid-input"),
        ("wrong kind", {**org, "kind": "school"}, 422, "invalid-input"),
        ("Cyrillic region", {**org, "region": "ВКО"}, 422, "invalid-input"),
        ("region null", {**org, "region": None}, 422, "invalid-input"),
        ("number as a name", {**org, "name_ru": 5}, 422, "invalid-input"),
        ("a name of 5000 letters", {**org, "name_ru": "Қ" * 5000}, 422, "invalid-input"),
        ("a name of 600 letters", {**org, "name_ru": "Ё" * 600}, 422, "invalid-input"),
        ("a line break in a name", {**org, "name_kk": "Колледжі\nжоқ"}, 422, "invalid-input"),
    ]
    await run_table(app, client, ctx, rows, "POST", "/api/v1/organisations", "organiser")
    championship = {
        "kind": "worldskills",
        "level": "regional",
        "year": 2026,
        "region": "VKO",
        "title_ru": "Чемпионат",
        "title_kk": "Чемпионаты",
        "starts_on": "2026-05-01",
        "ends_on": "2026-05-03",
    }
    rows = [
        ("huge year", {**championship, "year": 10**30}, 422, "out-of-range"),
        ("impossible date", {**championship, "starts_on": "2026-13-45"}, 422, "invalid-input"),
        ("ends before it starts", {**championship, "ends_on": "2026-04-01"}, 422, "invalid-input"),
        ("tolerance NaN", {**championship, "tie_tolerance": "NaN"}, 422, "invalid-input"),
        ("tolerance 1e400", {**championship, "tie_tolerance": "1e400"}, 422, "invalid-input"),
        ("tolerance 7.555", {**championship, "tie_tolerance": "7.555"}, 422, "invalid-input"),
        (
            "negative medal minimum",
            {**championship, "min_competitors_for_medals": -1},
            422,
            "out-of-range",
        ),
        ("unknown level", {**championship, "level": "galactic"}, 422, "invalid-input"),
    ]
    await run_table(app, client, ctx, rows, "POST", "/api/v1/championships", "organiser")
    scheme = [
        {
            "id": "A1",
            "criterion": "A",
            "description": "x",
            "max_mark": "60.00",
            "type": "measurement",
        },
        {
            "id": "B1",
            "criterion": "B",
            "description": "y",
            "max_mark": "40.00",
            "type": "judgement",
        },
    ]
    rows = [
        ("does not add up", {"aspects": scheme[:1]}, 422, "scheme-total"),
        (
            "max mark NaN",
            {"aspects": [{**scheme[0], "max_mark": "NaN"}, scheme[1]]},
            422,
            "invalid-input",
        ),
        (
            "unknown type",
            {"aspects": [{**scheme[0], "type": "vibes"}, scheme[1]]},
            422,
            "invalid-input",
        ),
        ("no aspects", {"aspects": []}, 422, None),
    ]
    path = f"/api/v1/competitions/{ctx.competition2}/scheme"
    await run_table(app, client, ctx, rows, "PUT", path, "organiser")


async def test_paths_that_are_not_ids_are_404(client, ctx):
    for path in (
        "/api/v1/competitions/not-a-uuid/marks",
        "/api/v1/competitions/12345/lock",
        "/api/v1/accounts/admin/rotate",
        "/api/v1/championships/%00/competitions",
        "/api/v1/nothing-here",
    ):
        response = await client.post(path, json={}, headers=ctx.auth("admin"))
        assert _check_problem(response, 404, "not-found") == [], path


async def test_headers_clients_get_wrong(app, client, ctx):
    path = f"/api/v1/competitions/{ctx.world.competition}/marks"
    body = mark(ctx, "5.00")
    before = app.event_count()
    for headers, status in (
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": "Bearer " + "x" * 5000}, 401),
        ({"Authorization": "Bearer ключ".encode()}, 401),
        (ctx.auth("expert", **{"Idempotency-Key": "k" * 300}), 422),
        ({**ctx.auth("expert"), "Idempotency-Key": "ключ".encode()}, 400),
        (ctx.auth("expert", **{"Idempotency-Key": "tab\there"}), 400),
        (ctx.auth("expert", **{"If-Match": "garbage"}), 412),
        (ctx.auth("expert", **{"If-Match": 'W/"1"'}), 412),
        (ctx.auth("expert", **{"Content-Length": "abc"}), 400),
    ):
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == status, (headers, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert app.event_count() == before
    response = await client.post(path, json=body, headers=ctx.auth("expert"))
    assert response.status_code == 201


async def test_problem_shape_of_a_domain_refusal(client, ctx):
    response = await client.post(
        f"/api/v1/competitions/{ctx.competition2}/marks",
        json=mark(ctx, "5.00"),
        headers=ctx.auth("outsider", **{"Accept-Language": "en"}),  # the msgids
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/invalid-state"
    assert problem["status"] == 409
    assert problem["title"] == "Invalid state"
    assert "setup" in problem["detail"]
    assert problem["state"] == "setup"  # a detail never overwrites a problem member


@pytest.mark.parametrize("code", sorted(ERROR_STATUS))
def test_every_domain_code_maps_to_its_status_and_type(code):
    problem = domain_problem(DomainError(code, "value: something is wrong", index=2))
    assert problem.status_code == ERROR_STATUS[code]
    assert problem.type_ == f"/problems/{code}"
    assert problem.title and problem.detail


async def test_an_unexpected_error_is_a_500_problem_without_internals(
    app, client, ctx, monkeypatch
):
    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app, "start_marking", boom)
    response = await client.post(
        f"/api/v1/competitions/{ctx.competition2}/start", headers=ctx.auth("organiser")
    )
    assert response.status_code == 500
    assert response.json()["type"] == "/problems/internal-error"
    assert "secret" not in response.text


async def test_an_unreachable_store_is_a_503_with_retry_after(app, client, ctx, monkeypatch):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(app, "start_marking", down)
    response = await client.post(
        f"/api/v1/competitions/{ctx.competition2}/start", headers=ctx.auth("organiser")
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"] == "/problems/store-unavailable"
    assert "connection refused" not in json.dumps(response.json())
