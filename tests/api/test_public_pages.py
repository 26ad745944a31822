"""The public pages over HTTP (issue 14), on SQLite and PostgreSQL, through the real app.

Each page shows what its JSON endpoint answers to the same caller (the same query, the same
visibility); unknown or unpublished things are 404 pages; the language is chosen and
remembered; the standings page is served from its cache exactly while the standings are
unchanged. Point 6: a walk of every page reachable from ``/`` by links, in Russian and
Kazakh, finds no disability text, birth date, token or unpublished mark of the demo."""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from uuid import UUID

from babel.dates import format_date
from babel.numbers import format_decimal

from demo import data
from demo.history import load_demo
from domain import ids
from domain.ids import SYSTEM_ACTOR
from registry.application import AspectInput
from tests.api.conftest import Ctx, make_ctx
from tests.helpers import ORGANISER, mark_everything, sign_off_all
from tests.registry.test_application import JUDGE, MEASURE

HREF = re.compile(r'href="([^"]*)"')


def number(value: str, lang: str = "ru") -> str:
    """A mark or total as the pages print it (``t.number``)."""
    return format_decimal(Decimal(value), format="#,##0.00", locale=lang)


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


async def settle(client: Any, position: int) -> None:
    """Wait until the views have processed ``position`` (through the JSON API)."""
    answer = await client.get(
        "/api/v1/championships", headers={"X-Registry-Min-Position": str(position)}
    )
    assert answer.status_code == 200, answer.text


def publish_world(ctx: Ctx) -> int:
    """Every mark of the world's competition, locked and published: its position."""
    mark_everything(ctx.registry, ctx.world, MEASURE, JUDGE)
    sign_off_all(ctx.registry, ctx.world)
    ctx.registry.lock(actor=ctx.world.experts["chief"], competition_id=ctx.world.competition)
    return ctx.registry.publish(actor=ORGANISER, competition_id=ctx.world.competition).position


# ------------------------------------------------------------------ content


async def test_standings_page_shows_what_the_json_standings_answer(app, client):
    ctx = make_ctx(app)
    await settle(client, publish_world(ctx))
    path = f"/competitions/{ctx.world.competition}"
    json = (await client.get(f"/api/v1{path}/standings")).json()
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="ru">' in html
    body = text_of(html)
    assert "Сварочные технологии" in body and "Тестовый чемпионат 2025" in body
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("<tbody>", 1)[1], re.S)
    assert len(rows) == len(json["rows"]) == 4
    medals = {"gold": "Золото", "silver": "Серебро", "bronze": "Бронза", None: ""}
    for row, expected in zip(rows, json["rows"], strict=True):
        cells = [text_of(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        assert cells[0] == str(expected["rank"])
        assert cells[1] == expected["full_name"]
        assert cells[2] == expected["organisation"]
        # the order: total, scaled score, medal, medallion, then the criteria
        assert cells[3] == number(expected["total"])
        assert cells[4] == str(expected["scaled_score"])  # WorldSkills: the scaled score
        # the medal as text, not only a colour; a medal links its certificate (issue 16)
        certificate = " Сертификат" if expected["medal"] else ""
        assert cells[5] == medals[expected["medal"]] + certificate
        assert ('href="/certificates/' in row) == bool(expected["medal"] or expected["medallion"])
        assert (cells[6] != "") == expected["medallion"]
        criteria = [number(expected["criteria"][k]) for k in sorted(expected["criteria"])]
        assert cells[7:] == criteria
        assert f'href="/participants/{expected["competitor_id"]}"' in row
    # accessibility scaffolding of the table
    assert '<div class="table-wrap" tabindex="0" role="region" aria-labelledby=' in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    # the print header: championship, competency, dates
    header = text_of(html.split('<div class="print-header">', 1)[1].split("</div>", 1)[0])
    assert "Тестовый чемпионат 2025" in header and "Сварочные технологии" in header
    assert "12 мая 2025" in header
    # live updates: the script and the stream it subscribes to
    assert '<script src="/static/live.js" defer></script>' in html
    assert f'data-stream="/api/v1/competitions/{ctx.world.competition}/standings/stream"' in html
    script = await client.get("/static/live.js")
    assert script.status_code == 200 and "EventSource" in script.text

    fragment = await client.get(f"{path}?fragment=standings")
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section class="standings"')
    assert "<html" not in fragment.text and "data-version=" in fragment.text
    assert fragment.text in html  # the page holds the very same part


async def test_before_publication_only_the_marking_progress(app, client):
    ctx = make_ctx(app)
    mark_everything(ctx.registry, ctx.world, MEASURE, {})
    await settle(client, ctx.registry.head_position())
    path = f"/competitions/{ctx.world.competition}"
    # the public: 404, as the JSON API answers
    assert (await client.get(f"/api/v1{path}")).status_code == 404
    answer = await client.get(path)
    assert answer.status_code == 404 and "<html" in answer.text
    assert (await client.get(f"{path}?fragment=standings")).status_code == 404
    # an account that may not see it: 403, as the API
    assert (await client.get(path, headers=ctx.auth("outsider"))).status_code == 403
    for role in ("organiser", "auditor", "chief", "expert"):
        json = (await client.get(f"/api/v1{path}/standings", headers=ctx.auth(role))).json()
        page = await client.get(path, headers=ctx.auth(role))
        assert page.status_code == 200, role
        body = text_of(page.text)
        progress = json["progress"]
        assert f"{progress['entered']} из {progress['expected']} оценок" in body
        assert "идёт оценивание" in body
        assert "<table" not in page.text.split('id="standings-live"', 1)[1]
        for row in json["rows"]:  # names are there in the JSON, not one mark or total here
            assert row["total"] not in page.text and number(row["total"]) not in body
        # a signed-in viewer's page follows the page stream (the web session's)
        assert f'data-stream="/competitions/{ctx.world.competition}/live"' in page.text
    # the championship's page lists it only for those who may see it
    championship = f"/championships/{ctx.world.championship}"
    assert path not in (await client.get(championship)).text
    assert path in (await client.get(championship, headers=ctx.auth("organiser"))).text


async def test_championship_page_podiums_and_medal_tables(app, client):
    ctx = make_ctx(app)
    await settle(client, publish_world(ctx))
    championship = ctx.world.championship
    medals = (await client.get(f"/api/v1/championships/{championship}/medals")).json()
    standings = (await client.get(f"/api/v1/competitions/{ctx.world.competition}/standings")).json()
    answer = await client.get(f"/championships/{championship}?lang=kk")
    assert answer.status_code == 200
    html = answer.text
    assert '<html lang="kk">' in html
    body = text_of(html)
    assert "Сынақ чемпионаты 2025" in body  # the Kazakh title
    assert "Медальдық есеп" in body and "Ұйымдар бойынша" in body and "Өңірлер бойынша" in body
    # the competition with its status; the competition in setup is not public
    assert f'href="/competitions/{ctx.world.competition}"' in html
    assert str(ctx.competition2) not in html
    # podium: the medallists, medal as text
    podium = html.split('class="podium"', 1)[1].split("</ul>", 1)[0]
    medallists = [r for r in standings["rows"] if r["medal"]]
    assert podium.count("<li>") == len(medallists) == 3
    for row in medallists:
        assert row["full_name"] in podium
    assert "Алтын" in podium and "Күміс" in podium
    # the medal table by organisation: names (Kazakh), counts and points in the JSON's order
    table = html.split('id="medals-org-caption"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    assert len(rows) == len(medals["by_organisation"]) > 0
    for row, expected in zip(rows, medals["by_organisation"], strict=True):
        cells = [text_of(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        assert cells[1] == expected["name_kk"]
        assert cells[3:] == [
            str(expected[k]) for k in ("gold", "silver", "bronze", "medallions", "points")
        ]
    region = html.split('id="medals-region-caption"', 1)[1].split("</table>", 1)[0]
    assert "Шығыс Қазақстан облысы" in region
    best = html.split('id="best-caption"', 1)[1].split("</table>", 1)[0]
    for row in medals["best_of_region"]:
        assert row["full_name"] in best and row["score"] in best
    # the print header of the protocol
    assert '<div class="print-header">' in html
    # the language is remembered: a cookie, then a page without ?lang= is in Kazakh
    assert answer.cookies.get("lang") == "kk"
    again = await client.get(f"/championships/{championship}")
    assert '<html lang="kk">' in again.text
    assert '<html lang="ru">' in (await client.get("/?lang=ru")).text


async def test_home_lists_championships_by_year_and_kind(app, client):
    ctx = make_ctx(app)
    app.create_championship(
        actor=ORGANISER,
        kind="abilympics",
        level="republican",
        year=2024,
        region="AST",
        title_ru="Абилимпикс 2024",
        title_kk="Абилимпикс 2024 (kk)",
        starts_on=date(2024, 11, 5),
        ends_on=date(2024, 11, 7),
    )
    await settle(client, publish_world(ctx))
    html = (await client.get("/")).text
    body = text_of(html)
    # years newest first, each with its kinds
    assert html.index('id="year-2025"') < html.index('id="year-2024"')
    assert 'id="year-2025-worldskills"' in html and 'id="year-2024-abilympics"' in html
    assert "Тестовый чемпионат 2025" in body and "Абилимпикс 2024" in body
    assert f'href="/championships/{ctx.world.championship}"' in html
    assert "республиканский" in body and "региональный" in body
    assert "опубликовано: 1 из 2 компетенций" in body
    assert "Результаты пока не опубликованы" in body  # the 2024 one
    # the search box: a GET form to /participants
    assert 'action="/participants"' in html and 'name="q"' in html
    kk = text_of((await client.get("/?lang=kk")).text)
    assert "Абилимпикс 2024 (kk)" in kk and "Чемпионаттар" in kk


async def test_participant_search_and_page(app, client):
    ctx = make_ctx(app)
    hidden = app.register_participant(
        actor=ORGANISER,
        full_name="Әлиханова Жасырын",
        organisation_id=ctx.world.orgs["college_b"],
    )
    await settle(client, publish_world(ctx))
    alikhan = ctx.world.people["Нұрланов Әлихан"]
    # any case, any part, Kazakh letters; only people with a published result for the public
    for query in ("әлихан", "ӘЛИХАН", "нұрланов әли", "  Әлихан  "):
        html = (await client.get(f"/participants?q={quote(query)}")).text
        assert f'href="/participants/{alikhan}"' in html, query
        assert str(hidden.id) not in html and "Жасырын" not in html
    # an organiser finds everyone (the API's rule), still no personal data
    html = (await client.get("/participants?q=жасырын", headers=ctx.auth("organiser"))).text
    assert f'href="/participants/{hidden.id}"' in html
    nothing = text_of((await client.get("/participants?q=zzz")).text)
    assert "никого не найдено" in nothing
    empty = await client.get("/participants")
    assert empty.status_code == 200 and "<table" not in empty.text

    json = (await client.get(f"/api/v1/participants/{alikhan}/results")).json()
    page = await client.get(f"/participants/{alikhan}")
    assert page.status_code == 200
    body = text_of(page.text)
    assert "Нұрланов Әлихан" in body and json["organisation"] in body
    [result] = json["results"]
    assert number(result["total"]) in body and "Золото" in body
    assert f'href="/competitions/{result["competition_id"]}"' in page.text
    # no published result: 404 for the public, as GET /api/v1/participants/{id}
    assert (await client.get(f"/participants/{hidden.id}")).status_code == 404
    assert (await client.get(f"/api/v1/participants/{hidden.id}")).status_code == 404
    assert (
        await client.get(f"/participants/{hidden.id}", headers=ctx.auth("organiser"))
    ).status_code == 200


async def test_unknown_things_are_404_pages(app, client):
    ctx = make_ctx(app)
    await settle(client, ctx.registry.head_position())
    unknown = UUID(int=12345)
    for path in (
        f"/championships/{unknown}",
        f"/competitions/{unknown}",
        f"/competitions/{unknown}?fragment=standings",
        f"/participants/{unknown}",
        f"/prizes/{unknown}",
        "/championships/not-a-uuid",
        "/competitions/123",
        f"/competitions/{ctx.competition2}",  # in setup: not public
        f"/participants/{ctx.world.people['Нұрланов Әлихан']}",  # nothing published yet
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert "Страница не найдена" in answer.text, path
        kk = await client.get(path, headers={"Accept-Language": "kk"})
        assert '<html lang="kk">' in kk.text and kk.status_code == 404


async def test_standings_page_is_served_from_its_cache_while_unchanged(app, api, client):
    ctx = make_ctx(app)
    await settle(client, publish_world(ctx))
    path = f"/competitions/{ctx.world.competition}"
    first = await client.get(path)
    await client.get(f"/api/v1{path}/standings")  # the read side remembers the answer
    pages = api.state.standings_pages
    entries = dict(pages._pages)
    assert (ctx.world.competition, "ru", "page") in entries
    second = await client.get(path)
    assert second.content == first.content
    assert dict(pages._pages) == entries  # nothing rendered again
    kk = await client.get(f"{path}?lang=kk")
    assert kk.content != first.content and (ctx.world.competition, "kk", "page") in pages._pages
    # an amendment changes the standings: the page shows the new total at once
    alikhan = ctx.world.people["Нұрланов Әлихан"]
    amended = app.amend_mark(
        actor=ORGANISER,
        competition_id=ctx.world.competition,
        competitor_id=alikhan,
        aspect_id="A1",
        value="1.00",
        reason="ошибка при вводе",
    )
    await settle(client, amended.position)
    json = (await client.get(f"/api/v1{path}/standings")).json()
    total = next(r["total"] for r in json["rows"] if r["competitor_id"] == str(alikhan))
    after = await client.get(path)
    assert after.content != first.content
    assert number(total) in text_of(after.text)
    # a signed-in viewer gets the page with their name (not the public's cached page)
    signed = await client.get(path, headers=ctx.auth("auditor"))
    assert "Аудитор тестов" in signed.text and number(total) in text_of(signed.text)
    assert "Аудитор тестов" not in (await client.get(path)).text


async def test_time_travel_is_the_auditors_and_delegated(app, client):
    ctx = make_ctx(app)
    position = publish_world(ctx)
    await settle(client, position)
    path = f"/competitions/{ctx.world.competition}"
    # the live page: the auditor's (and admin's) form is there, never the public's
    assert 'name="as_of"' in (await client.get(path, headers=ctx.auth("auditor"))).text
    assert 'name="as_of"' in (await client.get(path, headers=ctx.auth("admin"))).text
    for role in (None, "organiser", "expert"):
        assert 'name="as_of"' not in (await client.get(path, headers=ctx.auth(role))).text
    # ?as_of= is answered by the workbench (api.web.audit), not by the cached live page
    answer = await client.get(f"{path}?as_of={position}", headers=ctx.auth("auditor"))
    assert answer.status_code == 200
    assert f'value="{position}"' in answer.text
    public = await client.get(f"{path}?as_of={position}", follow_redirects=False)
    assert public.status_code in (303, 401, 404), public.status_code  # the public: not here


async def test_prize_page_shows_what_the_public_may_see(app, client):
    load_demo(app)
    await settle(client, app.head_position())
    programmes = (await client.get("/api/v1/prize-programmes")).json()
    [programme] = programmes
    home = (await client.get("/")).text
    assert f'href="/prizes/{programme["id"]}"' in home
    public = (await client.get(f"/api/v1/prize-programmes/{programme['id']}")).json()
    akimat = app.create_account(actor=SYSTEM_ACTOR, name="Акимат проверки", role="akimat")
    assert akimat.token
    full = (
        await client.get(
            f"/api/v1/prize-programmes/{programme['id']}",
            headers={"Authorization": f"Bearer {akimat.token}"},
        )
    ).json()
    page = await client.get(f"/prizes/{programme['id']}")
    assert page.status_code == 200
    body = text_of(page.text)
    assert programme["title_ru"] in body
    shown = {e["id"] for e in public["entries"]}
    assert shown and {e["status"] for e in public["entries"]} <= {"approved", "awarded"}
    for entry in full["entries"]:
        link = f'href="/participants/{entry["competitor_id"]}"'
        if entry["id"] in shown:
            assert link in page.text, entry["full_name"]
    hidden = [e for e in full["entries"] if e["id"] not in shown]
    assert hidden  # the demo keeps one entry under review
    for entry in hidden:
        others = [e for e in public["entries"] if e["competitor_id"] == entry["competitor_id"]]
        if not others:
            assert entry["full_name"] not in body
    for nomination in public["nominations"]:
        assert nomination["title_ru"] in body
        for nominee in nomination["nominees"]:
            assert nominee["name_ru"] in body
    kk = text_of((await client.get(f"/prizes/{programme['id']}?lang=kk")).text)
    assert programme["title_kk"] in kk


# ------------------------------------------------------------------ point 6: the walk


def _secrets() -> set[str]:
    """Every demo disability text and birth date: ISO, dd.mm.yyyy and as pages print dates."""
    found: set[str] = set()
    for person in data.PEOPLE:
        born = date.fromisoformat(person.birth_date)
        found.update({born.isoformat(), born.strftime("%d.%m.%Y")})
        for lang in ("ru", "kk", "en"):
            for style in ("short", "medium", "long"):
                found.add(format_date(born, format=style, locale=lang))
        if person.disability:
            found.add(person.disability)
    return found


def _links(base: str, html: str) -> list[str]:
    """The same-site page links of ``html``, without ``lang`` (the walk sets the language)."""
    out = []
    for href in HREF.findall(html):
        href = unescape(href)
        if not href.startswith("/") or href.startswith("//"):
            continue
        parts = urlsplit(href)
        if parts.path.startswith(("/static/", "/api/", "/schema", "/logout")):
            continue
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"]
        out.append(parts.path + (f"?{urlencode(query)}" if query else ""))
    return out


async def _walk(client: Any, lang: str, headers: dict[str, str]) -> dict[str, str]:
    """Every page reachable from ``/`` (and two searches) by links: path -> body."""
    seen: dict[str, str] = {}
    queue = deque(["/", "/participants?q=%D0%B0", "/participants?q=%D3%99"])  # а, ә
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        answer = await client.get(path, headers={**headers, "Accept-Language": lang})
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        seen[path] = answer.text
        queue.extend(p for p in _links("", answer.text) if p not in seen)
    return seen


async def test_no_public_page_shows_personal_data_tokens_or_unpublished_marks(app, client):
    load_demo(app)
    # a purpose-built unpublished competition in a demo championship, with marks entered
    championship = data.CHAMPIONSHIPS[0]
    championship_id = ids.championship_id(
        championship.kind, championship.level, championship.year, championship.region
    )
    organisation, other = (ids.organisation_id(o.region, o.name_ru) for o in data.ORGANISATIONS[:2])
    secret_people = []
    for name in ("Құпиябаев Жасұлан Ерболұлы", "Тайнова Ёлка Ғаниқызы"):
        secret_people.append(
            app.register_participant(
                actor=ORGANISER,
                full_name=name,
                organisation_id=organisation,
                birth_date=date(2007, 2, 3),
                disability="тайное нарушение",
            ).id
        )
    competition = app.add_competition(
        actor=ORGANISER,
        championship_id=championship_id,
        code="secret_skill",
        title_ru="Неопубликованная компетенция",
        title_kk="Жарияланбаған құзырет",
        category="main",
    ).id
    app.set_scheme(
        actor=ORGANISER,
        competition_id=competition,
        aspects=[AspectInput("A1", "A", "Измерение", "100.00", "measurement")],
    )
    for person in secret_people:
        app.add_entrant(actor=ORGANISER, competition_id=competition, participant_id=person)
    expert = app.create_account(actor=SYSTEM_ACTOR, name="Эксперт тайный", role="chief_expert")
    app.assign_expert(
        actor=ORGANISER,
        competition_id=competition,
        account_id=expert.id,
        role="chief",
        organisation_id=other,
    )
    app.start_marking(actor=ORGANISER, competition_id=competition)
    marks = ("91.37", "13.79")
    app.enter_marks(
        actor=expert.id,
        competition_id=competition,
        marks=[(p, "A1", m) for p, m in zip(secret_people, marks, strict=True)],
    )
    app.sign_off(actor=expert.id, competition_id=competition)
    app.lock(actor=expert.id, competition_id=competition)  # locked, not published
    admin = app.create_account(actor=SYSTEM_ACTOR, name="Админ обхода", role="admin")
    tokens = [t for t in (expert.token, admin.token) if t]
    assert len(tokens) == 2
    await settle(client, app.head_position())

    secrets = _secrets() | {"тайное нарушение"} | set(tokens)
    unpublished = {
        str(competition),
        "Неопубликованная компетенция",
        "Жарияланбаған құзырет",
        *(str(p) for p in secret_people),
        "Құпиябаев",
        "Тайнова",
        *marks,
        *(number(m, lang) for m in marks for lang in ("ru", "kk", "en")),
    }
    walked = 0
    for lang in ("ru", "kk"):
        pages = await _walk(client, lang, {})
        assert len(pages) > 100, len(pages)  # championships, competitions, people, prizes
        kinds = {p.split("/")[1].split("?")[0] for p in pages}
        assert {"", "championships", "competitions", "participants", "prizes"} <= kinds
        for path, html in pages.items():
            text = html + " " + quote(html)
            leaked = sorted(s for s in secrets | unpublished if s in text)
            assert not leaked, (lang, path, leaked[:5])
        walked += len(pages)
    # the walk is not vacuous: an organiser's pages do show the unpublished competition
    organiser = app.create_account(actor=SYSTEM_ACTOR, name="Организатор обхода", role="organiser")
    signed = {"Authorization": f"Bearer {organiser.token}"}
    page = await client.get(f"/championships/{championship_id}", headers=signed)
    assert str(competition) in page.text
    found = await client.get("/participants?q=%D2%9B%D2%B1%D0%BF%D0%B8%D1%8F", headers=signed)
    assert str(secret_people[0]) in found.text  # "құпия"
    # ... and still never a mark before publication, nor personal data
    progress = await client.get(f"/competitions/{competition}", headers=signed)
    assert progress.status_code == 200
    assert not [m for m in marks if m in progress.text or number(m) in progress.text]
    assert "тайное нарушение" not in progress.text and "2007-02-03" not in progress.text
    assert walked > 200
