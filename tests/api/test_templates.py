"""``GET /api/v1/templates/{kind}.xlsx`` through the real HTTP app (SQLite and PostgreSQL):
the templates read back with the import reader, in Russian and Kazakh; pre-filled for a
competition for those who may read it; an unknown kind is a problem in the caller's language."""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote
from uuid import UUID

import pytest

from domain.ids import SYSTEM_ACTOR
from sheets.layouts import INSTRUCTION_SHEETS, LAYOUTS, header_map, table_of
from sheets.reader import read_tables
from tests.helpers import SCHEME

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNKNOWN = UUID("5e1f0c3a-0000-4000-8000-000000000000")


def waited(ctx, role: str | None = None, **headers: str) -> dict[str, str]:
    head = str(ctx.registry.head_position())
    return ctx.auth(role, **{"X-Registry-Min-Position": head, **headers})


def read_back(response, kind: str):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(XLSX)
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    tables = read_tables(response.content, f"{kind}.xlsx")
    table = table_of(tables, LAYOUTS[kind])
    return tables, table, header_map(LAYOUTS[kind], table.header)


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("kind", ["participants", "experts", "scheme", "marks"])
async def test_a_blank_template_is_public_and_reads_back(client, ctx, kind, lang):
    response = await client.get(f"/api/v1/templates/{kind}.xlsx?lang={lang}")
    tables, table, columns = read_back(response, kind)
    layout = LAYOUTS[kind]
    assert list(tables) == [layout.sheet_name(lang), INSTRUCTION_SHEETS[lang]]
    assert table.rows == ()
    assert columns == {f.key: i for i, f in enumerate(layout.fields)}
    assert all(h.startswith(f.title(lang)) for f, h in zip(layout.fields, table.header))
    disposition = response.headers["content-disposition"]
    assert f'filename="{kind}.xlsx"' in disposition
    assert unquote(disposition.rpartition("''")[2]) == f"{layout.sheet_name(lang)}.xlsx"


async def test_the_language_follows_accept_language(client, ctx):
    response = await client.get(
        "/api/v1/templates/participants.xlsx", headers={"Accept-Language": "kk, ru;q=0.5"}
    )
    _, table, _ = read_back(response, "participants")
    assert table.sheet == "Қатысушылар"
    assert table.header[0] == "Тегі, аты, әкесінің аты / Фамилия, имя, отчество *"


async def test_a_mark_sheet_is_pre_filled_with_the_entrants_and_aspect_ids(client, ctx):
    response = await client.get(
        f"/api/v1/templates/marks.xlsx?lang=kk&competition_id={ctx.world.competition}",
        headers=waited(ctx, "expert"),
    )
    tables, table, columns = read_back(response, "marks")
    assert columns == {"competitor": 0}
    assert table.header[1:] == tuple(a.id for a in SCHEME)
    assert [row.cells[0] for row in table.rows] == list(ctx.world.people)  # Kazakh names intact
    assert all(row.cells[1:] == (None,) * len(SCHEME) for row in table.rows)
    notes = {row.cells[0]: row.cells for row in tables["Нұсқаулық"].rows}
    assert "A: Размеры шва по чертежу (max 30.00)" in notes["A1"]
    assert "бүтін сан (0, 1, 2, 3)" in notes["B1"]  # a judgement: a drop-down of 0-3
    disposition = response.headers["content-disposition"]
    assert 'filename="marks-welding.xlsx"' in disposition
    assert unquote(disposition.rpartition("''")[2]) == "Бағалар - Дәнекерлеу технологиясы.xlsx"


async def test_namesakes_in_a_mark_sheet_are_named_by_their_ids(client, ctx):
    registry, a = ctx.registry, SYSTEM_ACTOR
    registry.set_scheme(actor=a, competition_id=ctx.competition2, aspects=SCHEME)
    twins = [
        registry.register_participant(
            actor=a,
            full_name="Сейітқали Ұлан",
            organisation_id=ctx.world.orgs["college_a"],
            birth_date=born,
        ).id
        for born in (date(2004, 1, 1), date(2005, 2, 2))
    ]
    single = ctx.world.people["Нұрланов Әлихан"]
    for person in (*twins, single):
        registry.add_entrant(actor=a, competition_id=ctx.competition2, participant_id=person)
    response = await client.get(
        f"/api/v1/templates/marks.xlsx?competition_id={ctx.competition2}",
        headers=waited(ctx, "organiser"),
    )
    _, table, _ = read_back(response, "marks")
    named = {row.cells[0] for row in table.rows}
    assert named == {str(twins[0]), str(twins[1]), "Нұрланов Әлихан"}


async def test_a_scheme_template_is_pre_filled_with_the_current_scheme(client, ctx):
    response = await client.get(
        f"/api/v1/templates/scheme.xlsx?competition_id={ctx.world.competition}",
        headers=waited(ctx, "organiser"),
    )
    _, table, columns = read_back(response, "scheme")
    rows = [
        tuple(row.cells[columns[key]] for key in ("criterion", "aspect_id", "type", "max_mark"))
        for row in table.rows
    ]
    assert rows == [(a.criterion, a.id, a.type, float(a.max_mark)) for a in SCHEME]
    assert [row.cells[columns["description"]] for row in table.rows] == [
        a.description for a in SCHEME
    ]


async def test_competition_id_is_ignored_for_participants_and_experts(client, ctx):
    for kind in ("participants", "experts"):
        response = await client.get(f"/api/v1/templates/{kind}.xlsx?competition_id={UNKNOWN}")
        assert read_back(response, kind)[1].rows == ()


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 404), ("outsider", 403), ("auditor", 200), ("chief", 200), ("akimat", 403)],
)
async def test_a_pre_filled_template_is_for_those_who_may_read_the_competition(
    client, ctx, role, status
):
    response = await client.get(
        f"/api/v1/templates/marks.xlsx?competition_id={ctx.world.competition}",
        headers=waited(ctx, role),
    )
    assert response.status_code == status, response.text
    if status != 200:
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_unknown_competition_is_404(client, ctx):
    response = await client.get(
        f"/api/v1/templates/scheme.xlsx?competition_id={UNKNOWN}", headers=waited(ctx, "admin")
    )
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize(
    ("lang", "title", "detail"),
    [
        ("ru", "Не найдено", "нет шаблона prizes.xlsx; шаблоны: participants.xlsx, experts"),
        ("kk", "Табылмады", "prizes.xlsx үлгісі жоқ; үлгілер: participants.xlsx, experts"),
        ("en", "Not found", "no template prizes.xlsx; the templates are participants.xlsx"),
    ],
)
async def test_an_unknown_kind_is_a_problem_in_the_callers_language(
    client, ctx, lang, title, detail
):
    response = await client.get("/api/v1/templates/prizes.xlsx", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/not-found"
    assert problem["title"] == title
    assert problem["detail"].startswith(detail)


@pytest.mark.parametrize("name", ["marks", "marks.csv", "MARKS.xlsx", ".xlsx", "x" * 41])
async def test_a_name_that_is_not_a_template_file_is_404(client, ctx, name):
    response = await client.get(f"/api/v1/templates/{name}")
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_bad_language_or_competition_id_is_422_in_the_callers_language(client, ctx):
    response = await client.get(
        "/api/v1/templates/marks.xlsx?lang=de", headers={"Accept-Language": "kk"}
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Деректер қате"
    assert response.json()["errors"][0]["field"] == "lang"
    response = await client.get("/api/v1/templates/marks.xlsx?competition_id=welding")
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")
