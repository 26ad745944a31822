"""Strict input over HTTP (issue 13, points 4, 5, 6, 9, 11), on SQLite and PostgreSQL.

Every refusal is a 422 problem naming the field, and changes nothing stored (the event count
and the competition's marks are as before):

* marks: exactly ASCII ``0|[1-9][0-9]*`` with an optional ``.`` and one or two digits; a
  judgement score only the JSON integer 0-3 (README "Strict input");
* a JSON object that gives a key twice, at any depth;
* names and texts with invisible or control characters; too long; stored NFC;
* an award dated in the future or before the result was published;
* confirming an awarded entry flagged by an amendment keeps it awarded, with its date.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.ids import SYSTEM_ACTOR
from registry.policy import PrizePolicy
from tests.api.conftest import Ctx
from tests.api.test_prizes import TODAY, full_list, scene
from tests.prizes_world import KAZAKH_LETTERS


def marks_path(ctx: Ctx) -> str:
    return f"/api/v1/competitions/{ctx.world.competition}/marks"


def person(ctx: Ctx, name: str = "Иванов Дмитрий Сергеевич") -> str:
    return str(ctx.world.people[name])


def state(ctx: Ctx) -> tuple[int, Any, Any]:
    """What a refusal must leave as it was: the events and the competition's marks."""
    competition = ctx.registry.competition(ctx.world.competition)
    return ctx.registry.event_count(), dict(competition.measurements), competition.judgements


async def refused(client, ctx: Ctx, path: str, body: Any, field: str, role: str = "expert"):
    """POST ``body`` (raw bytes, or a value sent as JSON): 422 naming ``field``; nothing stored."""
    before = state(ctx)
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await client.post(
        path, content=content, headers=ctx.auth(role, **{"Content-Type": "application/json"})
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] in ("/problems/invalid-input", "/problems/out-of-range"), problem
    assert [e["field"] for e in problem["errors"]] == [field], problem
    assert state(ctx) == before
    return problem


# ------------------------------------------------------------------ point 4: marks

MEASUREMENTS_REFUSED = [
    " 1.00",
    "1.00 ",
    "+1.00",
    "-1.00",
    "-0.00",
    "1e0",
    "1E1",
    ".5",
    "1.",
    "0_1.0_0",
    "1_000",
    "01.00",
    "00",
    "7.555",
    "1,50",
    "\u0661.\u0660\u0660",  # Arabic-Indic digits
    "\uff11.\uff10\uff10",  # full-width digits
    "\u0967",  # Devanagari one
    "1.\u00a0",
    "NaN",
    "Infinity",
    "",
    "0x1",
]


@pytest.mark.parametrize("value", MEASUREMENTS_REFUSED, ids=ascii)
async def test_measurement_marks_outside_the_contract_are_refused(app, client, ctx, value):
    body = {"competitor_id": person(ctx), "aspect_id": "A1", "value": value}
    await refused(client, ctx, marks_path(ctx), body, "value")


async def test_judgement_scores_are_json_integers_0_to_3_only(app, client, ctx):
    who = f'"competitor_id": "{person(ctx)}"'
    for raw in ("3.0", "2.0", "0.0", "1e0", "true", "false", '"2"', '"2.00"', "4", "-1", "[2]"):
        body = obj(who, '"aspect_id": "B1"', f'"value": {raw}')
        await refused(client, ctx, marks_path(ctx), body.encode(), "value")
    # a measurement sent as a JSON number (7.5 or 7) is refused too: marks are strings
    for raw in ("7.5", "7", "7.50"):
        body = obj(who, '"aspect_id": "A1"', f'"value": {raw}')
        await refused(client, ctx, marks_path(ctx), body.encode(), "value")


async def test_a_refused_mark_in_a_sheet_names_its_index(app, client, ctx):
    ok = [{"competitor_id": person(ctx), "aspect_id": f"A{n}", "value": "1.00"} for n in (1, 2)]
    judged = {"competitor_id": person(ctx), "aspect_id": "B1", "value": 2}
    for index, bad in ((2, {**judged, "value": "2"}), (3, {**judged, "value": True})):
        sheet = [*ok, judged, judged][: index + 1]
        sheet[index] = bad
        await refused(client, ctx, marks_path(ctx), {"marks": sheet}, f"marks[{index}].value")
    sheet = [*ok, {"competitor_id": person(ctx), "aspect_id": "A2", "value": "+1.00"}]
    await refused(client, ctx, marks_path(ctx), {"marks": sheet}, "marks[2].value")


async def test_marks_in_the_contract_are_accepted(app, client, ctx):
    people = ["Иванов Дмитрий Сергеевич", "Қасымова Айгүл"]
    values = {"0": "0.00", "7": "7.00", "7.5": "7.50", "12.25": "12.25"}
    for n, (sent, held) in enumerate(values.items()):
        response = await client.post(
            marks_path(ctx),
            json={
                "competitor_id": person(ctx, people[n % 2]),
                "aspect_id": f"A{1 + n // 2}",
                "value": sent,
            },
            headers=ctx.auth("expert"),
        )
        assert response.status_code == 201, response.text
        key = (ctx.world.people[people[n % 2]], f"A{1 + n // 2}")
        stored = ctx.registry.competition(ctx.world.competition).measurements[key][0]
        assert str(stored) == held
    for score in (0, 3):
        response = await client.post(
            marks_path(ctx),
            json={
                "competitor_id": person(ctx, people[score % 2]),
                "aspect_id": "B1",
                "value": score,
            },
            headers=ctx.auth("expert"),
        )
        assert response.status_code == 201, response.text


async def test_a_scheme_max_mark_is_strict_too(app, client, ctx):
    path = f"/api/v1/competitions/{ctx.competition2}/scheme"
    aspects = [
        {
            "id": "A1",
            "criterion": "A",
            "description": "Точность",
            "max_mark": "60.00",
            "type": "measurement",
        },
        {
            "id": "B1",
            "criterion": "B",
            "description": "Чистота",
            "max_mark": "40.00",
            "type": "judgement",
        },
    ]
    for bad in ("+40.00", " 40.00", "4e1", "40.000", "４０"):
        body = {"aspects": [aspects[0], {**aspects[1], "max_mark": bad}]}
        before = ctx.registry.event_count()
        response = await client.put(path, json=body, headers=ctx.auth("organiser"))
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["aspects[1].max_mark"]
        assert ctx.registry.event_count() == before
    response = await client.put(path, json={"aspects": aspects}, headers=ctx.auth("organiser"))
    assert response.status_code in (200, 201), response.text


# ------------------------------------------------------------------ point 5: duplicate keys


def obj(*members: str) -> str:
    """A JSON object written by hand from its ``"key": value`` members (keys may repeat)."""
    return "{" + ", ".join(members) + "}"


async def test_a_key_given_twice_is_refused_at_any_depth(app, client, ctx):
    who = f'"competitor_id": "{person(ctx)}"'
    single = obj(who, '"aspect_id": "A1"', '"value": "1.00"', '"value": "9.00"')
    await refused(client, ctx, marks_path(ctx), single.encode(), "value")
    first, second = (obj(who, f'"aspect_id": "A{n}"', '"value": "1.00"') for n in (1, 2))
    twice = obj(who, '"aspect_id": "A2"', '"aspect_id": "A1"', '"value": "1.00"')
    sheet = obj(f'"marks": [{first}, {twice}]')
    await refused(client, ctx, marks_path(ctx), sheet.encode(), "marks[1].aspect_id")
    sheet = obj(f'"marks": [{first}]', f'"marks": [{second}]')
    await refused(client, ctx, marks_path(ctx), sheet.encode(), "marks")
    org = obj(*(f'"{k}": "{v}"' for k, v in ORG.items()), '"region": "AST"')
    await refused(client, ctx, "/api/v1/organisations", org.encode(), "region", "organiser")
    # the same key in two different objects is no duplicate
    response = await client.post(
        marks_path(ctx),
        content=obj(f'"marks": [{first}, {second}]').encode(),
        headers=ctx.auth("expert", **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "raw",
    [
        b'{"value": NaN}',
        b'{"value": Infinity}',
        b'{"value": 1e400}',
        b'{"a": "\\ud800"}',
        '{"value": "1.00"}'.encode("utf-16"),
    ],
    ids=["NaN", "Infinity", "1e400", "lone surrogate", "UTF-16"],
)
async def test_what_is_not_json_stays_a_400(app, client, ctx, raw):
    before = state(ctx)
    response = await client.post(
        marks_path(ctx),
        content=raw,
        headers=ctx.auth("expert", **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/malformed-request"
    assert state(ctx) == before


# ------------------------------------------------------------------ point 6: names and texts

ORG = {
    "name_ru": "Колледж связи",
    "name_kk": "Байланыс колледжі",
    "kind": "college",
    "region": "VKO",
}
INVISIBLE = {
    "zero-width space": "Колледж\u200bсвязи",
    "zero-width joiner": "Колледж\u200dсвязи",
    "BOM": "\ufeffКолледж",
    "soft hyphen": "Кол\u00adледж",
    "right-to-left override": "Колледж \u202eиждеЛ",
    "left-to-right isolate": "\u2066Колледж\u2069",
    "arabic letter mark": "Колледж\u061c",
    "bell": "Колледж\u0007",
    "escape": "Колледж\u001b[31m",
    "delete": "Колледж\u007f",
    "C1 control": "Колледж\u0085",
    "private use": "Колледж\ue000",
}


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
async def test_invisible_and_control_characters_in_names_are_refused(app, client, ctx, text):
    path = "/api/v1/organisations"
    await refused(client, ctx, path, {**ORG, "name_kk": text}, "name_kk", "organiser")
    body = {"full_name": text, "organisation_id": str(ctx.world.orgs["kazzinc"])}
    await refused(client, ctx, "/api/v1/participants", body, "full_name", "organiser")


async def test_lengths_are_capped_and_names_stored_nfc_with_kazakh_letters(app, client, ctx):
    path = "/api/v1/organisations"
    await refused(client, ctx, path, {**ORG, "name_ru": "К" * 201}, "name_ru", "organiser")
    org = str(ctx.world.orgs["kazzinc"])
    body = {"full_name": "А" * 201, "organisation_id": org}
    await refused(client, ctx, "/api/v1/participants", body, "full_name", "organiser")
    # a name of exactly 200 characters, NFD on the wire: stored NFC, Kazakh letters intact
    name = f"{KAZAKH_LETTERS} Йөрмөрт"
    sent = unicodedata.normalize("NFD", name) + " " + "ә" * (199 - len(name))
    assert sent != unicodedata.normalize("NFC", sent)
    response = await client.post(
        "/api/v1/participants",
        json={"full_name": sent, "organisation_id": org},
        headers=ctx.auth("organiser"),
    )
    assert response.status_code == 201, response.text
    held = ctx.registry.participant(UUID(response.json()["id"])).full_name
    assert held == unicodedata.normalize("NFC", sent) and len(held) == 200
    assert held.startswith(name) and all(letter in held for letter in KAZAKH_LETTERS)
    # a reason of 1,001 characters is refused, of 1,000 accepted (here: a reopening)
    reason = {"reason": "Ошибка" + "!" * 995}
    path = f"/api/v1/competitions/{ctx.world.competition}/reopen"
    await refused(client, ctx, path, reason, "reason", "chief")


# ------------------------------------------------------------------ point 9: award dates


async def test_an_award_date_in_the_future_or_before_publication_is_refused(app, client):
    s = await scene(app, client)
    entry = (await full_list(s, client))["entries"][0]["id"]
    url = f"{s.url}/entries/{entry}"
    assert (await client.post(f"{url}/approve", headers=s.auth("akimat"))).status_code == 200
    today = date.fromisoformat(TODAY)
    for day in (today + timedelta(days=1), date(2099, 1, 1), today - timedelta(days=1)):
        before = app.event_count()
        response = await client.post(
            f"{url}/award", json={"awarded_on": day.isoformat()}, headers=s.auth("akimat")
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "awarded_on"
        assert app.event_count() == before
    response = await client.post(
        f"{url}/award", json={"awarded_on": TODAY}, headers=s.auth("akimat")
    )
    assert response.status_code == 200, response.text


# ------------------------------------------------------------------ point 11: confirming


async def test_confirming_a_flagged_awarded_entry_keeps_it_awarded(app, client):
    s = await scene(app, client)
    ids = {e["full_name"]: e["id"] for e in (await full_list(s, client))["entries"]}
    url = f"{s.url}/entries/{ids['Нұрланов Әлихан']}"
    await client.post(f"{url}/approve", headers=s.auth("akimat"))
    award = await client.post(f"{url}/award", json={"awarded_on": TODAY}, headers=s.auth("akimat"))
    assert award.status_code == 200, award.text
    # an amendment moves him from 2nd to 3rd (Өмірбекова overtakes everyone): flagged
    for aspect, value in (("A1", "30.00"), ("A2", "20.00")):
        app.amend_mark(
            actor=SYSTEM_ACTOR,
            competition_id=s.w.world.competition,
            competitor_id=s.w.world.people["Өмірбекова Ұлжан"],
            aspect_id=aspect,
            value=value,
            reason="Апелляционная комиссия",
        )
    PrizePolicy(app).catch_up()
    flagged = {e["full_name"]: e for e in (await full_list(s, client))["entries"]}
    assert flagged["Нұрланов Әлихан"]["status"] == "needs_review"
    confirm = await client.post(f"{url}/approve", headers=s.auth("akimat"))
    assert confirm.status_code == 200 and confirm.json()["recorded"] is True
    for role in ("akimat", None):
        seen = (await client.get(s.url, headers=s.fresh(role))).json()
        entry = next(e for e in seen["entries"] if e["full_name"] == "Нұрланов Әлихан")
        assert (entry["status"], entry["awarded_on"]) == ("awarded", TODAY)
    history = next(
        e for e in (await full_list(s, client))["entries"] if e["full_name"] == "Нұрланов Әлихан"
    )["history"]
    assert history[-1]["action"] == "approve" and history[-1]["status"] == "awarded"
    held = app.prize_programme(s.programme).entries
    assert [
        (e.status, e.awarded_on)
        for e in held.values()
        if e.placing.full_name.startswith("Нұрланов")
    ] == [("awarded", date.fromisoformat(TODAY))]
