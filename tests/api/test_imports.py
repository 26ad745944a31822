"""``POST /api/v1/imports`` over HTTP (the real app, SQLite and PostgreSQL): every kind with a
good file (what was stored read back through the JSON API), one bad cell (422, the cell named,
nothing stored), the same file twice, a dry run, a possible duplicate, hostile files, the size
limit, roles, the messages' languages and Kazakh names round-tripping into the API."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from api.imports import MAX_FILE_BYTES, MAX_UPLOAD_BYTES
from tests.api.conftest import Ctx
from tests.registry.test_imports import (
    KAZAKH_NAMES,
    experts_file,
    marks_file,
    participants_file,
    scheme_file,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def post_file(
    client: Any,
    ctx: Ctx,
    role: str | None,
    kind: str,
    data: bytes,
    competition: Any = None,
    *,
    dry_run: bool = False,
    lang: str | None = None,
    filename: str = "list.xlsx",
) -> Any:
    query = f"kind={kind}&dry_run={'true' if dry_run else 'false'}"
    if competition is not None:
        query += f"&competition_id={competition}"
    headers = ctx.auth(role) if role else {}
    if lang:
        headers["Accept-Language"] = lang
    return await client.post(
        f"/api/v1/imports?{query}", files={"file": (filename, data, XLSX)}, headers=headers
    )


async def read(client: Any, ctx: Ctx, path: str, role: str = "organiser") -> Any:
    response = await client.get(
        path,
        headers=ctx.auth(role, **{"X-Registry-Min-Position": str(ctx.registry.head_position())}),
    )
    assert response.status_code == 200, response.text
    return response.json()


def entrant_rows() -> list[list[object]]:
    return [
        [
            KAZAKH_NAMES[0],
            "03.04.2006",
            "Жаңа техникалық колледж",
            "Жаңа техникалық колледжі",
            "college",
            "VKO",
        ],
        [KAZAKH_NAMES[1], "12.09.2005", "Высший колледж ВКТУ"],
        [KAZAKH_NAMES[2], "2007-01-30", "Жаңа техникалық колледж"],
    ]


async def test_an_entrant_list_over_http(client, ctx):
    competition = ctx.competition2
    data = participants_file(entrant_rows())
    head = ctx.registry.head_position()
    preview = await post_file(
        client, ctx, "organiser", "participants", data, competition, dry_run=True
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["would_create"] == {"organisations": 1, "participants": 3, "entrants": 3}
    assert body["problems"] == [] and body["created"] is None and body["rows"] == 3
    assert ctx.registry.head_position() == head

    done = await post_file(client, ctx, "organiser", "participants", data, competition)
    assert done.status_code == 201, done.text
    answer = done.json()
    assert answer["created"] == body["would_create"] and answer["problems"] == []
    assert answer["position"] == ctx.registry.head_position()
    detail = await read(client, ctx, f"/api/v1/competitions/{competition}")
    names = {e["full_name"] for e in detail["entrants"]}
    assert set(KAZAKH_NAMES) <= names  # Ә Ғ Қ Ң Ө Ұ Ү Һ І, as written
    people = await read(client, ctx, "/api/v1/participants?q=Үсенова")
    assert [p["full_name"] for p in people["items"]] == [KAZAKH_NAMES[2]]
    organisations = await read(client, ctx, "/api/v1/organisations?q=Жаңа")
    assert [o["name_kk"] for o in organisations["items"]] == ["Жаңа техникалық колледжі"]

    head = ctx.registry.head_position()
    again = await post_file(client, ctx, "organiser", "participants", data, competition)
    assert again.status_code == 200
    assert again.json()["already_imported"] is True
    assert again.json()["created"] == answer["created"]
    assert again.json()["position"] == answer["position"]
    assert ctx.registry.head_position() == head


async def test_one_bad_cell_is_422_and_nothing_is_stored(client, ctx):
    rows = entrant_rows()
    rows[2][1] = "30.02.2007"
    before = await read(client, ctx, f"/api/v1/competitions/{ctx.competition2}")
    head = ctx.registry.head_position()
    response = await post_file(
        client, ctx, "organiser", "participants", participants_file(rows), ctx.competition2
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/invalid-input"
    [cell] = problem["problems"]
    assert (cell["sheet"], cell["row"], cell["column"], cell["value"]) == (
        "Участники",
        4,
        "B",
        "30.02.2007",
    )
    assert "не дата" in cell["message"], cell  # Russian by default
    assert ctx.registry.head_position() == head
    assert await read(client, ctx, f"/api/v1/competitions/{ctx.competition2}") == before
    organisations = await read(client, ctx, "/api/v1/organisations?q=Жаңа")
    assert organisations["items"] == []


async def test_problems_in_kazakh_and_english(client, ctx):
    rows = entrant_rows()
    rows[0][1] = "ертең"
    data = participants_file(rows)
    kk = await post_file(
        client, ctx, "organiser", "participants", data, ctx.competition2, dry_run=True, lang="kk"
    )
    en = await post_file(
        client, ctx, "organiser", "participants", data, ctx.competition2, dry_run=True, lang="en"
    )
    assert kk.status_code == en.status_code == 200
    assert kk.headers["content-language"] == "kk"
    [kk_problem], [en_problem] = kk.json()["problems"], en.json()["problems"]
    assert "күн емес" in kk_problem["message"], kk_problem
    assert en_problem["message"].startswith("birth_date: ertең is not a date") or (
        "is not a date" in en_problem["message"]
    )


async def test_a_possible_duplicate_over_http(client, ctx):
    registry = ctx.registry
    held = registry.register_participant(
        actor=ctx.actors.ids["organiser"],
        full_name="Серікова Дана",
        organisation_id=ctx.world.orgs["college_b"],
    ).id
    rows = [["Серікова Дана", "05.05.2006", "Восточно-Казахстанский политехнический колледж"]]
    response = await post_file(
        client, ctx, "organiser", "participants", participants_file(rows), ctx.competition2
    )
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["code"] == "possible-duplicate" and str(held) in problem["message"]
    assert problem["column"] == "I"


async def test_experts_scheme_and_marks_over_http(client, ctx):
    registry, world = ctx.registry, ctx.world
    competition = ctx.competition2
    scheme = [
        ["A", "A1", "Выход блюда", "measurement", 60],
        ["B", "B1", "Подача", "judgement", "40,00"],
    ]
    response = await post_file(client, ctx, "organiser", "scheme", scheme_file(scheme), competition)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == {"aspects": 2}
    experts = [["Эксперт e3", "expert", "ВКУ им. С. Аманжолова"]]
    response = await post_file(
        client, ctx, "organiser", "experts", experts_file(experts), competition
    )
    assert response.status_code == 201, response.text
    entrants = [
        ["Иванов Дмитрий Сергеевич", "01.03.2004", "Восточно-Казахстанский политехнический колледж"]
    ]
    response = await post_file(
        client, ctx, "organiser", "participants", participants_file(entrants), competition
    )
    assert response.status_code == 201, response.text
    registry.start_marking(actor=ctx.actors.ids["organiser"], competition_id=competition)
    detail = await read(client, ctx, f"/api/v1/competitions/{competition}")
    assert [a["id"] for a in detail["scheme"]] == ["A1", "B1"]
    assert "Эксперт e3" in [e["name"] for e in detail["experts"]]

    e3 = registry.rotate_token(actor=ctx.actors.ids["admin"], account_id=world.experts["e3"])
    ctx.actors.tokens["e3"] = e3.token
    sheet = marks_file(["A1", "B1"], [["Иванов Дмитрий Сергеевич", "55,5", 3]])
    response = await post_file(client, ctx, "e3", "marks", sheet, competition)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == {"marks": 2}
    marks = await read(client, ctx, f"/api/v1/competitions/{competition}/marks", "e3")
    values = sorted((m["aspect_id"], str(m["value"])) for m in _marks(marks))
    assert values == [("A1", "55.50"), ("B1", "3")]

    bad = marks_file(["A1"], [["Иванов Дмитрий Сергеевич", "61"]])
    response = await post_file(client, ctx, "e3", "marks", bad, competition, lang="kk")
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["code"] == "out-of-range" and (problem["row"], problem["column"]) == (2, "B")
    english = "value: aspect A1 takes 0.00 to 60.00, not 61"
    assert problem["message"] != english and "60.00" in problem["message"]
    same = marks_file(["A1"], [["Иванов Дмитрий Сергеевич", 55.5]])  # the held mark: no-op
    response = await post_file(client, ctx, "e3", "marks", same, competition)
    assert response.status_code == 201 and response.json()["created"] == {"marks": 0}


def _marks(body: Any) -> list[dict[str, Any]]:
    return list(body["marks"])


async def test_hostile_files_are_refused_with_the_problem(client, ctx):
    head = ctx.registry.head_position()
    picture = await post_file(
        client,
        ctx,
        "organiser",
        "participants",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
        ctx.competition2,
        filename="list.xlsx",
    )
    assert picture.status_code == 422
    problem = picture.json()
    assert problem["problems"][0]["message"] == problem["detail"]
    assert "не электронная таблица" in problem["detail"] or "таблиц" in problem["detail"]
    with_formula = _formula_workbook()
    formula = await post_file(
        client, ctx, "organiser", "participants", with_formula, ctx.competition2
    )
    assert formula.status_code == 422, formula.text
    [cell] = formula.json()["problems"]
    assert cell["column"] == "C" and cell["row"] == 2
    assert ctx.registry.head_position() == head


def _formula_workbook() -> bytes:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Участники")
    for column, header in enumerate(("ФИО", "Дата рождения", "Организация")):
        sheet.write_string(0, column, header)
    sheet.write_string(1, 0, "Тестов Тест")
    sheet.write_string(1, 1, "01.01.2005")
    sheet.write_formula(1, 2, '=CONCATENATE("Высший ","колледж ВКТУ")', None, "Высший колледж ВКТУ")
    book.close()
    return buffer.getvalue()


async def test_the_size_limit_is_413(client, ctx):
    head = ctx.registry.head_position()
    over_body = await post_file(
        client, ctx, "organiser", "participants", b"x" * (MAX_UPLOAD_BYTES + 1), ctx.competition2
    )
    assert over_body.status_code == 413
    assert over_body.json()["type"] == "/problems/payload-too-large"
    over_file = await post_file(
        client, ctx, "organiser", "participants", b"x" * (MAX_FILE_BYTES + 1), ctx.competition2
    )
    assert over_file.status_code == 413
    assert ctx.registry.head_position() == head


@pytest.mark.parametrize(
    ("role", "kind", "status", "type_"),
    [
        (None, "participants", 401, "/problems/unauthorized"),
        ("auditor", "participants", 403, "/problems/forbidden"),
        ("admin", "scheme", 403, "/problems/forbidden"),
        ("expert", "participants", 403, "/problems/forbidden"),
        ("organiser", "marks", 403, "/problems/forbidden"),
        ("outsider", "marks", 403, "/problems/not-assigned"),
    ],
)
async def test_wrong_roles_are_403(client, ctx, role, kind, status, type_):
    head = ctx.registry.head_position()
    data = participants_file(entrant_rows())
    response = await post_file(client, ctx, role, kind, data, ctx.world.competition)
    assert response.status_code == status, response.text
    assert response.json()["type"] == type_
    assert ctx.registry.head_position() == head


async def test_bad_queries(client, ctx):
    data = participants_file(entrant_rows())
    response = await client.post(
        "/api/v1/imports?kind=people",
        files={"file": ("x.xlsx", data, XLSX)},
        headers=ctx.auth("organiser"),
    )
    assert response.status_code == 400
    response = await client.post(
        f"/api/v1/imports?kind=scheme&competition_id={ctx.world.championship}",
        files={"file": ("x.xlsx", scheme_file([]), XLSX)},
        headers=ctx.auth("organiser"),
    )
    assert response.status_code == 404
    response = await client.post(
        "/api/v1/imports?kind=participants",
        data={"nofile": "1"},
        headers=ctx.auth("organiser"),
    )
    assert response.status_code in (400, 422)
    assert response.status_code < 500


async def test_the_endpoint_is_documented(client):
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/imports"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "201", "413", "422"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} >= {"kind", "competition_id", "dry_run"}


def test_problem_documents_decode():
    # the answer Struct round-trips through msgspec (what helper pages reuse)
    from api.imports import ImportOut

    raw = msgspec.json.encode(
        ImportOut("marks", True, "0" * 64, {"marks": 1}, None, [], False, None, None, 1, False)
    )
    assert msgspec.json.decode(raw, type=ImportOut).would_create == {"marks": 1}


async def test_the_import_is_in_the_audit_history_and_the_seal_holds(client, ctx):
    """The new kind of aggregate goes through the views, the feed, the seal and the audit
    pages like any other."""
    data = participants_file(entrant_rows())
    done = await post_file(client, ctx, "organiser", "participants", data, ctx.competition2)
    assert done.status_code == 201
    import_id, position = done.json()["import_id"], done.json()["position"]
    wait = {"X-Registry-Min-Position": str(position)}
    feed = await client.get(
        f"/api/v1/audit/events?after={position - 1}", headers=ctx.auth("auditor", **wait)
    )
    assert feed.status_code == 200
    [line] = [msgspec.json.decode(x) for x in feed.text.splitlines()]
    assert line["type"] == "registry.SpreadsheetImport.Imported"
    assert line["aggregate_id"] == import_id and line["data"]["rows"] == 3
    assert line["data"]["created"] == done.json()["created"]
    history = await client.get(
        f"/api/v1/audit/aggregates/{import_id}", headers=ctx.auth("auditor", **wait)
    )
    assert history.status_code == 200, history.text
    verified = await client.get("/api/v1/audit/verify", headers=ctx.auth("auditor", **wait))
    assert verified.status_code == 200 and verified.json()["ok"] is True
    page = await client.get(f"/audit/aggregates/{import_id}", headers=ctx.auth("auditor"))
    assert page.status_code == 200, page.text
    assert "Загружена таблица" in page.text  # the event's name in the auditor's language
