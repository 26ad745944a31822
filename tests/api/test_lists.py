"""Issue 15, points 7 and 9, through the real app on SQLite and PostgreSQL: the lists the forms
need (organisations, participants, accounts: search in any case with Kazakh letters, keyset
paging, who sees what) and a person's identity (one history across organisations; namesakes
without a birth date are never merged silently)."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from domain.ids import SYSTEM_ACTOR, participant_id, person_id
from tests.api.conftest import Ctx

ORG_URL = "/api/v1/organisations"
PEOPLE_URL = "/api/v1/participants"


def fresh(ctx: Ctx, role: str | None) -> dict[str, str]:
    return ctx.auth(role, **{"X-Registry-Min-Position": str(ctx.registry.head_position())})


async def every_page(client, url: str, headers: dict[str, str], limit: int) -> list[dict]:
    """Every item of a list, page by page, checking each page's size and cursor."""
    items: list[dict] = []
    after = None
    for _ in range(100):
        query = f"{url}{'&' if '?' in url else '?'}limit={limit}" + (
            f"&after={after}" if after else ""
        )
        response = await client.get(query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        after = page["next"]
        if after is None:
            return items
        assert after == page["items"][-1]["id"]
    raise AssertionError("the pages never ended")


# ---------------------------------------------------------------------------- organisations


async def test_organisations_search_in_any_case_and_page_by_keyset(ctx: Ctx, client):
    ctx.registry.register_organisation(
        actor=SYSTEM_ACTOR,
        name_ru="Өскеменский колледж сервиса",
        name_kk="Өскемен сервис колледжі",
        kind="college",
        region="VKO",
    )
    everyone = await every_page(client, ORG_URL, fresh(ctx, None), 2)
    whole = await client.get(ORG_URL, headers=fresh(ctx, None))
    assert [o["id"] for o in everyone] == [o["id"] for o in whole.json()["items"]]
    assert len(everyone) == len(ctx.world.orgs) + 1 and whole.json()["next"] is None
    assert set(everyone[0]) == {"id", "name_ru", "name_kk", "kind", "region"}
    # Kazakh letters, any case, in the Russian or the Kazakh name
    for q in ("ӨСКЕМЕН", "өскемен СЕРВИС", "сервис колледжі"):
        found = await client.get(ORG_URL, params={"q": q}, headers=fresh(ctx, None))
        assert [o["name_ru"] for o in found.json()["items"]] == ["Өскеменский колледж сервиса"]
    nothing = await client.get(ORG_URL, params={"q": "Қытай"}, headers=fresh(ctx, None))
    assert nothing.json() == {"items": [], "next": None}
    for bad in ({"limit": "0"}, {"limit": "201"}, {"limit": "x"}, {"after": "nope"}):
        refused = await client.get(ORG_URL, params=bad, headers=ctx.auth(None))
        assert refused.status_code == 400, (bad, refused.text)
        assert refused.json()["errors"][0]["field"] == next(iter(bad))
    unknown = await client.get(
        ORG_URL, params={"after": "5e1f0c3a-0000-4000-8000-000000000000"}, headers=ctx.auth(None)
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "after"


# ---------------------------------------------------------------------------- participants


async def test_participants_list_who_sees_whom_and_what(ctx: Ctx, client):
    registry, world = ctx.registry, ctx.world
    erased = registry.register_participant(
        actor=SYSTEM_ACTOR,
        full_name="Сәрсенбаев Нұржан",
        organisation_id=world.orgs["college_a"],
        birth_date=date(2003, 4, 5),
        disability="нарушение слуха",
    ).id
    registry.erase_personal_data(actor=SYSTEM_ACTOR, participant_id=erased, reason="заявление")
    disabled = registry.register_participant(
        actor=SYSTEM_ACTOR,
        full_name="Жақсылықова Әсел",
        organisation_id=world.orgs["college_a"],
        birth_date=date(2002, 1, 2),
        disability="нарушение зрения",
    ).id
    # nothing is published: the public (and admins, experts, the akimat) list nobody
    for role in (None, "admin", "expert", "akimat"):
        page = await client.get(PEOPLE_URL, headers=fresh(ctx, role))
        assert page.status_code == 200 and page.json() == {"items": [], "next": None}, role
    for role in ("organiser", "auditor"):
        people = await every_page(client, PEOPLE_URL, fresh(ctx, role), 3)
        assert len(people) == len(world.people) + 2
        by_id = {UUID(p["id"]): p for p in people}
        assert by_id[disabled]["disability"] == "нарушение зрения"
        assert by_id[disabled]["birth_date"] == "2002-01-02"
        assert by_id[disabled]["personal_data"] == "shown"
        assert by_id[erased]["personal_data"] == "erased"
        assert by_id[erased]["disability"] is None and by_id[erased]["birth_date"] is None
        found = await client.get(PEOPLE_URL, params={"q": "ӘСЕЛ"}, headers=fresh(ctx, role))
        assert [p["id"] for p in found.json()["items"]] == [str(disabled)]
    # once published, the public lists the competitors, with no personal data
    world_people = set(world.people.values())
    ctx.extra["published"] = True
    from tests.api.test_access_matrix import prepare

    prepare(ctx, "published")
    for role in (None, "admin"):
        listed = await every_page(client, PEOPLE_URL, fresh(ctx, role), 2)
        assert {UUID(p["id"]) for p in listed} == world_people
        text = json.dumps(listed, ensure_ascii=False)
        assert "нарушение" not in text and "2004-03-01" not in text
        assert {p["personal_data"] for p in listed} == {"withheld"}


# ---------------------------------------------------------------------------- accounts


async def test_accounts_list_for_admins_only_never_a_token(ctx: Ctx, client):
    registry = ctx.registry
    revoked = registry.create_account(actor=SYSTEM_ACTOR, name="Уволенный эксперт", role="expert")
    registry.revoke_account(actor=SYSTEM_ACTOR, account_id=revoked.id, reason="уволился")
    accounts = await every_page(client, "/api/v1/accounts", fresh(ctx, "admin"), 4)
    by_id = {UUID(a["id"]): a for a in accounts}
    assert set(next(iter(by_id.values()))) == {"id", "name", "role", "competition_ids", "revoked"}
    assert by_id[revoked.id]["revoked"] is True and by_id[revoked.id]["role"] == "expert"
    chief = by_id[ctx.world.experts["chief"]]
    assert chief["role"] == "chief_expert" and chief["revoked"] is False
    assert chief["competition_ids"] == [str(ctx.world.competition)]
    assert by_id[ctx.actors.ids["outsider"]]["competition_ids"] == [str(ctx.competition2)]
    everything = json.dumps(accounts)
    for token in ctx.actors.tokens.values():
        assert token not in everything
    assert "token" not in everything and "hash" not in everything
    found = await client.get(
        "/api/v1/accounts", params={"q": "уволенный"}, headers=fresh(ctx, "admin")
    )
    assert [a["id"] for a in found.json()["items"]] == [str(revoked.id)]
    for role, status in (("organiser", 403), ("auditor", 403), (None, 401)):
        refused = await client.get("/api/v1/accounts", headers=ctx.auth(role))
        assert refused.status_code == status, role


# ---------------------------------------------------------------------------- identity


async def register(client, ctx: Ctx, **body) -> object:
    for key, value in list(body.items()):
        if isinstance(value, UUID):
            body[key] = str(value)
    return await client.post(PEOPLE_URL, json=body, headers=ctx.auth("organiser"))


async def test_namesakes_without_a_birth_date_are_never_merged_silently(ctx: Ctx, client):
    registry, orgs = ctx.registry, ctx.world.orgs
    name = "Серікбаев Дәулет"
    first = await register(client, ctx, full_name=name, organisation_id=orgs["college_a"])
    assert first.status_code == 201, first.text
    first_id = UUID(first.json()["id"])
    assert first_id == person_id(name, None)  # no organisation in the id
    # an exact repeat answers the first registration and records nothing
    before = registry.event_count()
    again = await register(client, ctx, full_name=name, organisation_id=orgs["college_a"])
    assert again.status_code == 200 and again.json()["id"] == str(first_id)
    assert again.json()["recorded"] is False
    # the same name (any case) from another organisation, with or without a birth date: asked
    for extra in ({}, {"birth_date": "2005-06-07"}):
        asked = await register(
            client, ctx, full_name=name.upper(), organisation_id=orgs["college_b"], **extra
        )
        assert asked.status_code == 409, asked.text
        problem = asked.json()
        assert problem["type"] == "/problems/possible-duplicate"
        assert problem["people"] == [
            {
                "id": str(first_id),
                "full_name": name,
                "organisation_id": str(orgs["college_a"]),
                "birth_date_known": False,
            }
        ]
        assert str(first_id) in problem["detail"]
    kazakh = await client.post(
        PEOPLE_URL,
        json={"full_name": name, "organisation_id": str(orgs["college_b"])},
        headers=ctx.auth("organiser", **{"Accept-Language": "kk"}),
    )
    assert kazakh.status_code == 409 and kazakh.json()["detail"] != problem["detail"]
    assert registry.event_count() == before
    # the organiser says: the same person (nothing recorded) ...
    same = await register(
        client, ctx, full_name=name, organisation_id=orgs["college_b"], same_person=first_id
    )
    assert same.status_code == 200 and same.json()["id"] == str(first_id)
    assert same.json()["recorded"] is False and registry.event_count() == before
    # ... or another person: a different id, derived with the organisation, recorded as such
    other = await register(
        client, ctx, full_name=name, organisation_id=orgs["college_b"], new_person=True
    )
    assert other.status_code == 201, other.text
    other_id = UUID(other.json()["id"])
    assert other_id == participant_id(orgs["college_b"], name, None) != first_id
    assert registry.participant(other_id).distinct_from == (first_id,)
    repeat = await register(
        client, ctx, full_name=name, organisation_id=orgs["college_b"], new_person=True
    )
    assert repeat.status_code == 200 and repeat.json()["id"] == str(other_id)
    # a third namesake is asked about both
    third = await register(client, ctx, full_name=name, organisation_id=orgs["vkgu"])
    assert third.status_code == 409
    assert {p["id"] for p in third.json()["people"]} == {str(first_id), str(other_id)}
    # refusals: both answers at once; same_person naming someone of another name
    for body in (
        {"same_person": str(first_id), "new_person": True},
        {"same_person": str(ctx.world.people["Нұрланов Әлихан"])},
    ):
        refused = await register(client, ctx, full_name=name, organisation_id=orgs["vkgu"], **body)
        assert refused.status_code == 422, refused.text


async def test_one_history_across_organisations(ctx: Ctx, client):
    """A person registered before issue 15 (the id derived with the organisation, as
    ``new_person`` still derives it) at one college moves to another: registering them again
    by name and birth date answers the same person, and each competition entry carries its
    own organisation into the entrants, the standings and the person's results."""
    registry, world = ctx.registry, ctx.world
    name = "Тоқтарова Айым"
    old_college, new_college = world.orgs["college_a"], world.orgs["vkgu"]
    person = registry.register_participant(
        actor=SYSTEM_ACTOR,
        full_name=name,
        organisation_id=old_college,
        birth_date=date(2004, 3, 1),
        new_person=True,
    ).id
    assert person == participant_id(old_college, name, date(2004, 3, 1))  # the old id
    registry.add_entrant(
        actor=SYSTEM_ACTOR, competition_id=world.competition, participant_id=person
    )
    moved = await register(
        client,
        ctx,
        full_name="ТОҚТАРОВА  айым",
        organisation_id=new_college,
        birth_date="2004-03-01",
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["id"], moved.json()["recorded"]) == (str(person), False)
    # a namesake with another known birth date is another person: no question asked
    namesake = await register(
        client, ctx, full_name=name, organisation_id=new_college, birth_date="2006-01-01"
    )
    assert namesake.status_code == 201, namesake.text
    assert namesake.json()["id"] == str(person_id(name, date(2006, 1, 1)))
    url = f"/api/v1/competitions/{ctx.competition2}/entrants"
    body = {"participant_id": str(person), "organisation_id": str(new_college)}
    entered = await client.post(url, json=body, headers=ctx.auth("organiser"))
    assert entered.status_code == 201, entered.text
    again = await client.post(url, json=body, headers=ctx.auth("organiser"))
    assert again.status_code == 200 and again.json()["recorded"] is False
    elsewhere = await client.post(
        url, json={"participant_id": str(person)}, headers=ctx.auth("organiser")
    )
    assert elsewhere.status_code == 409 and elsewhere.json()["type"] == "/problems/already-exists"
    names = {
        UUID(o["id"]): o["name_ru"]
        for o in (await client.get(ORG_URL, headers=fresh(ctx, None))).json()["items"]
    }
    for competition, organisation in (
        (world.competition, old_college),
        (ctx.competition2, new_college),
    ):
        detail = await client.get(
            f"/api/v1/competitions/{competition}", headers=fresh(ctx, "organiser")
        )
        [entrant] = [e for e in detail.json()["entrants"] if e["competitor_id"] == str(person)]
        assert entrant["organisation_id"] == str(organisation)
        assert entrant["organisation"] == names[organisation]
    standings = await client.get(
        f"/api/v1/competitions/{world.competition}/standings", headers=fresh(ctx, "organiser")
    )
    [row] = [r for r in standings.json()["rows"] if r["competitor_id"] == str(person)]
    assert (row["organisation_id"], row["organisation"]) == (str(old_college), names[old_college])
    results = await client.get(
        f"/api/v1/participants/{person}/results", headers=fresh(ctx, "organiser")
    )
    rows = {r["competition_id"]: r for r in results.json()["results"]}
    assert rows[str(world.competition)]["organisation_id"] == str(old_college)
    assert rows[str(world.competition)]["organisation"] == names[old_college]
