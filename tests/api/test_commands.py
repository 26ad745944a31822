"""A championship registered, marked, locked, published and amended entirely over HTTP."""

from __future__ import annotations

import unicodedata
from uuid import UUID

from domain.values import CompetitionStatus
from tests.api.conftest import bearer

KK_ORGANISATION = "Шығыс Қазақстан өңірлік жоғары колледжі — ӘҒҚҢӨҰҮҺІ әғқңөұүһі"
RU_ORGANISATION = "Восточно-Казахстанский высший колледж «Ёлка» — ЁЖЩЪЭ"


async def post(client, path, token, body=None, status=None, **headers):
    response = await client.post(path, json=body, headers={**bearer(token), **headers})
    if status is not None:
        assert response.status_code == status, response.text
    return response


async def test_a_championship_over_http(app, client, ctx):
    organiser, admin = ctx.actors.tokens["organiser"], ctx.actors.tokens["admin"]
    v1 = "/api/v1"

    # registration: creates answer 201, a repeat of the natural key 200 with the same answer
    org_body = {
        "name_ru": RU_ORGANISATION,
        "name_kk": KK_ORGANISATION,
        "kind": "college",
        "region": "vko",
    }
    first = await post(client, f"{v1}/organisations", organiser, org_body, 201)
    assert first.headers["etag"] == '"1"'
    again = await post(client, f"{v1}/organisations", organiser, org_body, 200)
    assert again.json() == {**first.json(), "recorded": False}
    college = first.json()["id"]
    other = (
        await post(
            client,
            f"{v1}/organisations",
            organiser,
            {
                "name_ru": "АО «Востокмашзавод»",
                "name_kk": "«Шығысмашзауыт» АҚ",
                "kind": "enterprise",
                "region": "VKO",
            },
            201,
        )
    ).json()["id"]

    people = []
    for name in ("Әбдірахманова Ақмарал", "Ким Сергей", "Үсенов Нұрсұлтан"):
        answer = await post(
            client,
            f"{v1}/participants",
            organiser,
            {"full_name": name, "organisation_id": college, "birth_date": "2004-05-06"},
            201,
        )
        people.append(answer.json()["id"])

    championship = (
        await post(
            client,
            f"{v1}/championships",
            organiser,
            {
                "kind": "agroskills",
                "level": "regional",
                "year": 2025,
                "region": "VKO",
                "title_ru": "AgroSkills ВКО 2025",
                "title_kk": "AgroSkills ШҚО 2025",
                "starts_on": "2025-06-02",
                "ends_on": "2025-06-04",
                "tie_tolerance": "0.50",
            },
            201,
        )
    ).json()["id"]
    created = await post(
        client,
        f"{v1}/championships/{championship}/competitions",
        organiser,
        {"code": "agronomy", "title_ru": "Агрономия", "title_kk": "Агрономия", "category": "main"},
        201,
    )
    competition = created.json()["id"]
    c = f"{v1}/competitions/{competition}"

    scheme = {
        "aspects": [
            {
                "id": "A1",
                "criterion": "A",
                "description": "Всхожесть",
                "max_mark": "50.00",
                "type": "measurement",
            },
            {
                "id": "B1",
                "criterion": "B",
                "description": "Культура работы",
                "max_mark": "50",
                "type": "judgement",
            },
        ]
    }
    response = await client.put(f"{c}/scheme", json=scheme, headers=bearer(organiser))
    assert response.status_code == 200, response.text
    assert response.json()["recorded"] is True
    for person in people:
        await post(client, f"{c}/entrants", organiser, {"participant_id": person}, 201)

    # experts: accounts made by the admin over HTTP, tokens shown once
    tokens: dict[str, str] = {}
    ids: dict[str, str] = {}
    for key, role in (
        ("chief", "chief_expert"),
        ("x1", "expert"),
        ("x2", "expert"),
        ("x3", "expert"),
    ):
        account = await post(
            client, f"{v1}/accounts", admin, {"name": f"Сарапшы {key}", "role": role}, 201
        )
        tokens[key], ids[key] = account.json()["token"], account.json()["id"]
        await post(
            client,
            f"{c}/experts",
            organiser,
            {
                "account_id": ids[key],
                "role": "chief" if key == "chief" else "expert",
                "organisation_id": other,
            },
            201,
        )
    started = await post(client, f"{c}/start", organiser, None, 200)
    assert started.json()["recorded"] is True
    assert (await post(client, f"{c}/start", organiser, None, 200)).json()["recorded"] is False

    # marking: a sheet per expert; an identical retry answers the same position
    sheet = {
        "marks": [
            {"competitor_id": p, "aspect_id": "A1", "value": f"{40 + i}.25"}
            for i, p in enumerate(people)
        ]
    }
    entered = await post(client, f"{c}/marks", tokens["x1"], sheet, 201)
    retried = await post(client, f"{c}/marks", tokens["x1"], sheet, 200)
    assert retried.json()["position"] == entered.json()["position"]
    assert retried.json()["recorded"] is False
    for n, key in enumerate(("x1", "x2", "x3")):
        for i, person in enumerate(people):
            await post(
                client,
                f"{c}/marks",
                tokens[key],
                {"competitor_id": person, "aspect_id": "B1", "value": 3 - (i + n) % 2},
                201,
            )
    # a different value where a mark exists is refused: a correction is needed
    refused = await post(
        client,
        f"{c}/marks",
        tokens["x1"],
        {"competitor_id": people[0], "aspect_id": "A1", "value": "1.00"},
        409,
    )
    assert refused.json()["type"] == "/problems/mark-exists"
    await post(
        client,
        f"{c}/corrections",
        tokens["x1"],
        {
            "competitor_id": people[0],
            "aspect_id": "A1",
            "value": "45.00",
            "reason": "Қате енгізілді",
        },
        201,
    )

    for key in ("chief", "x1", "x2", "x3"):  # every assigned expert signs off
        await post(client, f"{c}/sign-off", tokens[key], None, 200)
    locked = await post(client, f"{c}/lock", tokens["chief"], None, 200)
    assert locked.headers["etag"] == f'"{locked.json()["version"]}"'
    await post(client, f"{c}/reopen", tokens["chief"], {"reason": "Апелляция"}, 200)
    await post(client, f"{c}/lock", tokens["chief"], None, 200)
    await post(client, f"{c}/publish", organiser, None, 200)
    amended = await post(
        client,
        f"{c}/amendments",
        organiser,
        {"competitor_id": people[1], "aspect_id": "A1", "value": "49.00", "reason": "Протокол №2"},
        201,
    )

    state = app.competition(UUID(competition))
    assert state.status is CompetitionStatus.PUBLISHED
    assert state.version == amended.json()["version"]
    assert str(state.measurements[(UUID(people[1]), "A1")][0]) == "49.00"
    assert str(state.measurements[(UUID(people[0]), "A1")][0]) == "45.00"
    assert amended.json()["position"] == app.head_position()


async def test_kazakh_and_russian_text_round_trip(app, client, ctx):
    organiser = ctx.actors.tokens["organiser"]
    # sent decomposed (NFD), stored composed (NFC), byte for byte what was meant
    name_kk = unicodedata.normalize("NFD", KK_ORGANISATION)
    response = await post(
        client,
        "/api/v1/organisations",
        organiser,
        {"name_ru": RU_ORGANISATION, "name_kk": name_kk, "kind": "university", "region": "VKO"},
        201,
    )
    stored = app.organisation(UUID(response.json()["id"]))
    assert stored.name_kk == unicodedata.normalize("NFC", KK_ORGANISATION)
    assert stored.name_ru == RU_ORGANISATION

    # and back out: a refusal names the people in Kazakh, in UTF-8 JSON
    conflicted = ctx.world.experts["e_conflicted"]
    token = app.rotate_token(actor=ctx.actors.ids["admin"], account_id=conflicted).token
    refusal = await post(
        client,
        f"/api/v1/competitions/{ctx.world.competition}/marks",
        token,
        {
            "competitor_id": str(ctx.world.people["Нұрланов Әлихан"]),
            "aspect_id": "A1",
            "value": "5.00",
        },
        409,
    )
    assert refusal.headers["content-type"].startswith("application/problem+json")
    problem = refusal.json()
    assert problem["type"] == "/problems/conflict-of-interest"
    assert "Нұрланов Әлихан" in problem["detail"]
    assert "Нұрланов Әлихан".encode() in refusal.content


async def test_a_sheet_is_all_or_nothing(app, client, ctx):
    expert = ctx.actors.tokens["expert"]
    people = ctx.world.people
    before = app.event_count()
    sheet = {
        "marks": [
            {
                "competitor_id": str(people["Иванов Дмитрий Сергеевич"]),
                "aspect_id": "A1",
                "value": "10.00",
            },
            {"competitor_id": str(people["Өмірбекова Ұлжан"]), "aspect_id": "A1", "value": "31.00"},
        ]
    }
    response = await post(
        client, f"/api/v1/competitions/{ctx.world.competition}/marks", expert, sheet, 422
    )
    problem = response.json()
    assert problem["type"] == "/problems/out-of-range"
    assert problem["index"] == 1
    assert problem["errors"] == [
        {"field": "marks[1].value", "message": problem["errors"][0]["message"]}
    ]
    assert app.event_count() == before


async def test_a_sheet_of_fifty_marks_fits_easily(app, client, ctx):
    registry, world = app, ctx.world
    competition = registry.add_competition(
        actor=ctx.actors.ids["organiser"],
        championship_id=world.championship,
        code="bricklaying",
        title_ru="Кирпичная кладка",
        title_kk="Кірпіш қалау",
        category="main",
    ).id
    aspects = [
        {
            "id": f"A{i}",
            "criterion": "A",
            "description": f"Размер {i}",
            "max_mark": "2.00",
            "type": "measurement",
        }
        for i in range(50)
    ]
    organiser = ctx.actors.tokens["organiser"]
    response = await client.put(
        f"/api/v1/competitions/{competition}/scheme",
        json={"aspects": aspects},
        headers=bearer(organiser),
    )
    assert response.status_code == 200, response.text
    person = world.people["Иванов Дмитрий Сергеевич"]
    await post(
        client,
        f"/api/v1/competitions/{competition}/entrants",
        organiser,
        {"participant_id": str(person)},
        201,
    )
    await post(
        client,
        f"/api/v1/competitions/{competition}/experts",
        organiser,
        {
            "account_id": str(ctx.actors.ids["expert"]),
            "role": "expert",
            "organisation_id": str(world.orgs["kazzinc"]),
        },
        201,
    )
    await post(client, f"/api/v1/competitions/{competition}/start", organiser, None, 200)
    sheet = {
        "marks": [
            {"competitor_id": str(person), "aspect_id": f"A{i}", "value": "1.75"} for i in range(50)
        ]
    }
    import json

    assert len(json.dumps(sheet)) < 8 * 1024
    before = app.event_count()
    response = await post(
        client, f"/api/v1/competitions/{competition}/marks", ctx.actors.tokens["expert"], sheet, 201
    )
    assert app.event_count() == before + 1
    assert response.json()["recorded"] is True
