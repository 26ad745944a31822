"""The organiser's pages (``/manage/...``) through the real app (SQLite and PostgreSQL): who
may open them; an amendment's preview records nothing and shows what would change, the
amendment recorded from it matches; the scheme editor refuses a scheme that does not add up
to 100.00; start and publish; every form's effect checked through the JSON API.

Expected texts come from the gettext catalogs and the recorded data, never from the pages'
own output.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.i18n import translator
from api.server import build_app
from registry.application import RegistryApplication
from tests.api.conftest import Ctx, make_ctx
from tests.helpers import mark_everything, sign_off_all

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
LAST = "Өмірбекова Ұлжан"
MEASUREMENTS = {
    "Нұрланов Әлихан": ("28.00", "20.00"),
    "Қасымова Айгүл": ("25.00", "18.00"),
    "Иванов Дмитрий Сергеевич": ("22.00", "15.00"),
    LAST: ("20.00", "10.00"),
}
JUDGEMENTS = {name: ((2, 2, 2), (2, 2, 2)) for name in MEASUREMENTS}
REASON = "Протокол қайта тексерілді: ӘҒҚҢӨҰҮҺІ"


def ru(message: str, **params: object) -> str:
    return translator("ru").gettext(message, **params)


def kk(message: str, **params: object) -> str:
    return translator("kk").gettext(message, **params)


def text_of(page: str) -> str:
    body = page.split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def row_of(page: str, element_id: str) -> str:
    match = re.search(rf'<(tr|li) id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element {element_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


@dataclass
class Manage:
    client: AsyncTestClient[Litestar]
    app: RegistryApplication
    ctx: Ctx

    @property
    def competition(self) -> UUID:
        return self.ctx.world.competition

    async def api(self, path: str, role: str = "organiser") -> Any:
        answer = await self.client.get(
            f"/api/v1/{path}",
            headers={
                **self.ctx.auth(role),
                "X-Registry-Min-Position": str(self.app.head_position()),
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def sign_in(self, role: str = "organiser", lang: str = "ru") -> None:
        self.client.cookies.clear()
        token = await self.csrf("/login?lang=" + lang)
        answer = await self.client.post(
            "/login",
            data={"token": self.ctx.actors.tokens[role], "_csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        assert page.status_code == 200, page.text
        match = CSRF_FIELD.search(page.text)
        assert match, "the page carries no CSRF token"
        return match.group(1)

    async def post(self, path: str, data: dict[str, Any], from_page: str = "/manage") -> Any:
        token = await self.csrf(from_page)
        return await self.client.post(
            path, data={**data, "_csrf_token": token}, follow_redirects=False
        )


def publishable(app: RegistryApplication, ctx: Ctx) -> None:
    """The world's competition marked in full, signed off and locked: waiting to publish."""
    world = ctx.world
    mark_everything(app, world, MEASUREMENTS, JUDGEMENTS)
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)


@pytest.fixture
async def manage(app: RegistryApplication) -> AsyncIterator[Manage]:
    ctx = make_ctx(app)
    publishable(app, ctx)
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        assert client.app.state.read_side.wait_for(app.head_position(), 30)
        yield Manage(client, app, ctx)


# ------------------------------------------------------------------ who may open them


async def test_only_organisers_manage(manage: Manage) -> None:
    client = manage.client
    paths = (
        "/manage",
        "/manage/people",
        f"/manage/championships/{manage.ctx.world.championship}",
        f"/manage/competitions/{manage.competition}",
        f"/manage/competitions/{manage.ctx.competition2}/scheme",
    )
    for path in paths:
        for other in ("admin", "akimat", "auditor", "chief", "expert"):
            answer = await client.get(path, headers=manage.ctx.auth(other))
            assert answer.status_code == 403, (path, other)
            assert ru("Not allowed") in answer.text
        answer = await client.get(path, follow_redirects=False)
        assert answer.status_code in (302, 303, 307)
        assert answer.headers["location"].startswith("/login?next=")
        answer = await client.get(path, headers=manage.ctx.auth("organiser"))
        assert answer.status_code == 200, (path, answer.text)
    # a form posted by another role changes nothing
    before = manage.app.event_count()
    await manage.sign_in("auditor")
    token = await manage.csrf("/login")
    answer = await client.post(
        f"/manage/competitions/{manage.competition}/publish",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert manage.app.event_count() == before


async def test_the_start_page_lists_championships_with_links(manage: Manage) -> None:
    await manage.sign_in()
    page = (await manage.client.get("/manage")).text
    assert "Тестовый чемпионат 2025" in page
    assert f'href="/manage/competitions/{manage.competition}"' in page
    assert f'href="/manage/championships/{manage.ctx.world.championship}"' in page
    await manage.sign_in(lang="kk")
    page = (await manage.client.get("/manage")).text
    assert "Сынақ чемпионаты 2025" in page
    assert kk("New championship") in page and kk("New championship") != "New championship"


# ------------------------------------------------------------------ publish, amend with preview


async def test_publish_then_preview_and_record_an_amendment(manage: Manage) -> None:
    await manage.sign_in()
    page_path = f"/manage/competitions/{manage.competition}"
    page = (await manage.client.get(page_path)).text
    assert ru("locked, awaiting publication") in text_of(page)
    answer = await manage.post(f"{page_path}/publish", {}, page_path)
    assert answer.status_code == 303, answer.text
    detail = await manage.api(f"competitions/{manage.competition}")
    assert detail["status"] == "published"
    page = (await manage.client.get(answer.headers["location"])).text
    assert ru("The results are published.") in page

    last = manage.ctx.world.people[LAST]
    standings = await manage.api(f"competitions/{manage.competition}/standings")
    rank_before = next(r["rank"] for r in standings["rows"] if r["competitor_id"] == str(last))
    assert rank_before == 4
    form = {
        "competitor_id": str(last),
        "aspect_id": "A1",
        "expert_id": "",
        "value": "29.50",
        "reason": REASON,
    }
    head, count = manage.app.head_position(), manage.app.event_count()
    answer = await manage.post(f"{page_path}/amendments/preview", form, page_path)
    assert answer.status_code == 200, answer.text
    # nothing recorded
    assert manage.app.head_position() == head and manage.app.event_count() == count
    change = row_of(answer.text, f"change-{last}")
    assert LAST in change and ru("rank") in change and ru("total") in change
    assert "20.00" in text_of(answer.text) and "29.50" in text_of(answer.text)
    # what the JSON preview says is what the page shows
    expected = await manage.client.post(
        f"/api/v1/competitions/{manage.competition}/amendments/preview",
        json={k: v for k, v in form.items() if v},
        headers=manage.ctx.auth("organiser"),
    )
    assert expected.status_code == 200, expected.text
    for item in expected.json()["changes"]:
        shown = row_of(answer.text, f"change-{item['competitor_id']}")
        assert ru("rank %(rank)s, total %(total)s", **item["after"]) in shown
    assert manage.app.event_count() == count
    # record the amendment from the preview's form
    match = re.search(r'<form method="post" action="([^"]*/amendments)"', answer.text)
    assert match
    answer = await manage.post(match.group(1), form, page_path)
    assert answer.status_code == 303, answer.text
    assert manage.app.event_count() == count + 1
    marks = await manage.api(f"competitions/{manage.competition}/marks")
    mark = next(
        m for m in marks["marks"] if m["competitor_id"] == str(last) and m["aspect_id"] == "A1"
    )
    assert mark["value"] == "29.50"
    assert mark["values"][-1]["kind"] == "amended" and mark["values"][-1]["reason"] == REASON
    standings = await manage.api(f"competitions/{manage.competition}/standings")
    row = next(r for r in standings["rows"] if r["competitor_id"] == str(last))
    assert row["rank"] != rank_before
    assert (
        next(i for i in expected.json()["changes"] if i["competitor_id"] == str(last))["after"][
            "rank"
        ]
        == row["rank"]
    )


async def test_a_refused_amendment_is_shown_next_to_the_form_and_records_nothing(
    manage: Manage,
) -> None:
    manage.app.publish(actor=manage.ctx.actors.ids["organiser"], competition_id=manage.competition)
    assert manage.client.app.state.read_side.wait_for(manage.app.head_position(), 30)
    await manage.sign_in(lang="kk")
    page_path = f"/manage/competitions/{manage.competition}"
    form = {
        "competitor_id": str(manage.ctx.world.people[LAST]),
        "aspect_id": "A1",
        "expert_id": "",
        "value": "31.00",  # the aspect's maximum is 30.00
        "reason": REASON,
    }
    count = manage.app.event_count()
    api_answer = await manage.client.post(
        f"/api/v1/competitions/{manage.competition}/amendments/preview",
        json={k: v for k, v in form.items() if v},
        headers={**manage.ctx.auth("organiser"), "Accept-Language": "kk"},
    )
    assert api_answer.status_code in (409, 422)
    for path in (f"{page_path}/amendments/preview", f"{page_path}/amendments"):
        answer = await manage.post(path, form, page_path)
        assert answer.status_code == api_answer.status_code, answer.text
        assert 'class="field__error"' in answer.text
        assert 'value="31.00"' in answer.text  # what was typed is kept
    assert manage.app.event_count() == count


# ------------------------------------------------------------------ scheme, start


async def test_the_scheme_editor_refuses_a_scheme_that_does_not_add_up(manage: Manage) -> None:
    await manage.sign_in()
    competition = manage.ctx.competition2
    path = f"/manage/competitions/{competition}/scheme"
    rows = {
        "id_0": "A1",
        "criterion_0": "A",
        "description_0": "Безопасность",
        "type_0": "measurement",
        "max_mark_0": "40.00",
        "id_1": "B1",
        "criterion_1": "B",
        "description_1": "Вкус блюда",
        "type_1": "judgement",
        "max_mark_1": "50,5",
        "id_2": "",
        "criterion_2": "",
        "description_2": "",
        "type_2": "measurement",
        "max_mark_2": "",
    }
    count = manage.app.event_count()
    answer = await manage.post(path, {**rows, "action": "check"}, path)
    assert answer.status_code == 200
    assert '<strong id="scheme-total">90.50</strong>' in answer.text
    assert ru("does not add up to 100.00") in answer.text
    answer = await manage.post(path, {**rows, "action": "save"}, path)
    assert answer.status_code in (409, 422), answer.text
    assert 'id="scheme-error"' in answer.text
    assert manage.app.event_count() == count
    assert (await manage.api(f"competitions/{competition}"))["scheme"] == []
    rows["max_mark_1"] = "60"
    answer = await manage.post(path, {**rows, "action": "save"}, path)
    assert answer.status_code == 303, answer.text
    scheme = (await manage.api(f"competitions/{competition}"))["scheme"]
    assert [(a["id"], a["type"], a["max_mark"]) for a in scheme] == [
        ("A1", "measurement", "40.00"),
        ("B1", "judgement", "60.00"),
    ]
    # start marking from the competition's page
    page_path = f"/manage/competitions/{competition}"
    answer = await manage.post(f"{page_path}/start", {}, page_path)
    assert answer.status_code == 303, answer.text
    assert (await manage.api(f"competitions/{competition}"))["status"] == "marking"


# ------------------------------------------------------------------ the forms


async def test_championship_competition_organisation_participant_entrant_expert(
    manage: Manage,
) -> None:
    await manage.sign_in()
    answer = await manage.post(
        "/manage/championships",
        {
            "kind": "worldskills",
            "level": "regional",
            "year": "2026",
            "region": "VKO",
            "title_ru": "Чемпионат форм 2026",
            "title_kk": "Формалар чемпионаты 2026 ӘҒҚ",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",  # before the start: refused
        },
    )
    assert answer.status_code in (409, 422), answer.text
    assert 'class="field__error"' in answer.text
    answer = await manage.post(
        "/manage/championships",
        {
            "kind": "worldskills",
            "level": "regional",
            "year": "2026",
            "region": "VKO",
            "title_ru": "Чемпионат форм 2026",
            "title_kk": "Формалар чемпионаты 2026 ӘҒҚ",
            "starts_on": "2026-05-01",
            "ends_on": "2026-05-05",
        },
    )
    assert answer.status_code == 303, answer.text
    championship = answer.headers["location"].split("?")[0].rsplit("/", 1)[1]
    listed = {c["id"]: c for c in await manage.api("championships")}
    assert listed[championship]["title_kk"] == "Формалар чемпионаты 2026 ӘҒҚ"

    path = f"/manage/championships/{championship}"
    answer = await manage.post(
        f"{path}/competitions",
        {
            "code": "plumbing",
            "title_ru": "Сантехника",
            "title_kk": "Сантехника",
            "category": "main",
        },
        path,
    )
    assert answer.status_code == 303, answer.text
    competition = answer.headers["location"].split("?")[0].rsplit("/", 1)[1]
    detail = await manage.api(f"competitions/{competition}")
    assert detail["code"] == "plumbing" and detail["status"] == "setup"

    answer = await manage.post(
        "/manage/organisations",
        {
            "name_ru": "Колледж форм",
            "name_kk": "Формалар колледжі",
            "kind": "college",
            "region": "VKO",
        },
        "/manage/people",
    )
    assert answer.status_code == 303, answer.text
    organisations = (await manage.api("organisations?q=Колледж форм"))["items"]
    assert [o["name_kk"] for o in organisations] == ["Формалар колледжі"]
    organisation = organisations[0]["id"]

    person = {"full_name": "Ғалымов Нұрсұлтан", "organisation_id": organisation}
    answer = await manage.post(
        "/manage/participants", {**person, "birth_date": "", "disability": ""}, "/manage/people"
    )
    assert answer.status_code == 303, answer.text
    first = (await manage.api("participants?q=Ғалымов"))["items"]
    assert len(first) == 1
    # a namesake without a birth date: the page asks
    count = manage.app.event_count()
    answer = await manage.post(
        "/manage/participants",
        {**person, "birth_date": "2005-02-03", "disability": ""},
        "/manage/people",
    )
    assert answer.status_code == 409, answer.text
    assert f'value="{first[0]["id"]}"' in answer.text and 'value="new"' in answer.text
    assert manage.app.event_count() == count
    answer = await manage.post(
        "/manage/participants",
        {**person, "birth_date": "2005-02-03", "disability": "", "same_person": first[0]["id"]},
        "/manage/people",
    )
    assert answer.status_code == 303 and manage.app.event_count() == count
    answer = await manage.post(
        "/manage/participants",
        {**person, "birth_date": "2005-02-03", "disability": "", "same_person": "new"},
        "/manage/people",
    )
    assert answer.status_code == 303
    people = (await manage.api("participants?q=Ғалымов"))["items"]
    assert len(people) == 2

    # enter the first one, found by name on the competition's page
    page_path = f"/manage/competitions/{competition}"
    page = (await manage.client.get(f"{page_path}?q=Ғалымов")).text
    assert f'value="{first[0]["id"]}"' in page
    answer = await manage.post(
        f"{page_path}/entrants", {"participant_id": first[0]["id"]}, page_path
    )
    assert answer.status_code == 303, answer.text
    detail = await manage.api(f"competitions/{competition}")
    assert [e["competitor_id"] for e in detail["entrants"]] == [first[0]["id"]]

    # assign an expert account found by name
    expert = manage.ctx.world.experts["e1"]
    page = (await manage.client.get(f"{page_path}?eq=Эксперт e1")).text
    assert f'value="{expert}"' in page
    answer = await manage.post(
        f"{page_path}/experts",
        {"account_id": str(expert), "role": "expert", "organisation_id": organisation},
        page_path,
    )
    assert answer.status_code == 303, answer.text
    detail = await manage.api(f"competitions/{competition}")
    assert [x["account_id"] for x in detail["experts"]] == [str(expert)]
    # a plain expert cannot be the chief: refused next to the form, nothing recorded
    count = manage.app.event_count()
    answer = await manage.post(
        f"{page_path}/experts",
        {"account_id": str(expert), "role": "chief", "organisation_id": organisation},
        page_path,
    )
    assert answer.status_code == 422, answer.text
    assert 'id="error-expert"' in answer.text
    assert manage.app.event_count() == count


async def test_a_competition_in_marking_shows_who_gave_which_disputed_score(
    app: RegistryApplication,
) -> None:
    ctx = make_ctx(app)
    mark_everything(app, ctx.world, MEASUREMENTS, {**JUDGEMENTS, LAST: ((0, 3, 3), (2, 2, 2))})
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        assert client.app.state.read_side.wait_for(app.head_position(), 30)
        manage = Manage(client, app, ctx)
        await manage.sign_in()
        page = (await client.get(f"/manage/competitions/{ctx.world.competition}")).text
        assert ru("marking in progress") in text_of(page)
        person = ctx.world.people[LAST]
        row = row_of(page, f"disputed-{person}-B1")
        assert LAST in row
        for key, score in (("e1", 0), ("e2", 3), ("e3", 3)):
            assert f"{app.account(ctx.world.experts[key]).name} — {score}" in row
        # the experts and their sign-offs
        for key in ("chief", "e1"):
            expert_row = row_of(page, f"expert-{ctx.world.experts[key]}")
            assert ru("no") in expert_row
