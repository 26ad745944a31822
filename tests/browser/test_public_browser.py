"""The public pages in a real Chromium against `registry serve --demo` (issue 14): each page in
Russian and Kazakh with no serious or critical axe violation, the language switch remembered,
320 px wide without sideways scrolling of the page, the printed protocol, and the standings
updating by themselves when a competition is published through the JSON API."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.i18n import translator
from tests.browser.conftest import PageLog
from tests.browser.harness import JsonApi, RegistryServer, assert_accessible


def say(lang: str, message: str, **params: Any) -> str:
    return translator(lang).gettext(message, **params)


def with_published(api: JsonApi, kind: str) -> dict[str, Any]:
    """The first championship of ``kind`` whose public detail lists a competition (the demo's
    2026 championship, still in progress, and championships other tests create list none)."""
    for championship in api.get("championships"):
        if championship["kind"] == kind:
            detail = api.get(f"championships/{championship['id']}")
            if detail["competitions"]:
                return detail  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} championship with a published competition")


def public_paths(api: JsonApi) -> dict[str, str]:
    """One page of each kind, reachable from ``/``."""
    detail = with_published(api, "worldskills")
    competition = detail["competitions"][0]
    standings = api.get(f"competitions/{competition['id']}/standings")
    person = standings["rows"][0]
    programme = api.get("prize-programmes")[0]
    return {
        "home": "/",
        "championship": f"/championships/{detail['id']}",
        "competition": f"/competitions/{competition['id']}",
        "search": "/participants?q=" + person["full_name"].split()[0][:4],
        "participant": f"/participants/{person['competitor_id']}",
        "prizes": f"/prizes/{programme['id']}",
    }


def every_kind_of_page(api: JsonApi) -> dict[str, str]:
    """:func:`public_paths`, every championship, a competition of each kind of championship
    (Abilympics and AgroSkills have no scaled score), the search form alone and a search
    that finds nobody."""
    paths = public_paths(api)
    for championship in api.get("championships"):
        paths[f"championship {championship['id']}"] = f"/championships/{championship['id']}"
        detail = api.get(f"championships/{championship['id']}")
        if detail["competitions"]:  # a championship still in progress lists none publicly
            first = detail["competitions"][0]["id"]
            paths[f"competition of {championship['kind']}"] = f"/competitions/{first}"
    paths["search form"] = "/participants"
    paths["search, nobody"] = "/participants?q=zzzz"
    return paths


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_public_page_in_both_languages_is_accessible(
    page: Page, page_log: PageLog, open_page, api: JsonApi, lang: str
):
    for kind, path in every_kind_of_page(api).items():
        open_page(path, lang=lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)
        # headings in order: never a level skipped
        levels = page.eval_on_selector_all(
            "main h1, main h2, main h3, main h4", "els => els.map(e => Number(e.tagName[1]))"
        )
        assert levels[0] == 1, (kind, levels)
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (kind, levels)
    # and the page of what is not there (or not public)
    open_page("/competitions/00000000-0000-0000-0000-000000000000", lang=lang, status=404)
    assert_accessible(page)
    assert page_log.blocked == [] and page_log.page_errors == []


def test_the_standings_show_medals_as_text_and_the_search_finds_people(
    page: Page, open_page, api: JsonApi
):
    paths = public_paths(api)
    open_page(paths["competition"], lang="kk")
    table = page.get_by_role("table", name=say("kk", "Final standings (results published)"))
    expect(table).to_be_visible()
    expect(table.get_by_text(say("kk", "Gold"), exact=True)).to_have_count(1)
    # the search box of the home page, as a person would use it
    open_page("/", lang="ru")
    name = api.get(paths["competition"].replace("/competitions/", "competitions/") + "/standings")[
        "rows"
    ][0]["full_name"]
    page.get_by_label(say("ru", "Find a participant by name")).fill(name.split()[0].lower())
    page.get_by_role("button", name=say("ru", "Search")).click()
    expect(page).to_have_url(re.compile(r"/participants[?]q="))
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_the_language_switch_is_remembered(page: Page, open_page, api: JsonApi):
    paths = public_paths(api)
    open_page(paths["championship"])
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.locator(".lang-switch").get_by_role("link", name="Қазақша").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", name=say("kk", "Medal table"))).to_be_visible()
    # another page, no ?lang=: still Kazakh (the cookie)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", level=1)).to_have_text(say("kk", "Championships"))
    page.locator(".lang-switch").get_by_role("link", name="Русский").click()
    page.goto(paths["competition"])
    expect(page.locator("html")).to_have_attribute("lang", "ru")


def test_a_phone_320_px_wide_never_scrolls_the_page_sideways(
    new_page, api: JsonApi, registry_server: RegistryServer
):
    page, log = new_page(viewport={"width": 320, "height": 640}, is_mobile=True)
    for kind, path in every_kind_of_page(api).items():
        for lang in ("ru", "kk"):
            page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (kind, lang, overflow)
    # the standings table is wider than the phone: it scrolls inside its wrapper
    page.goto(public_paths(api)["competition"])
    wrap = page.locator(".standings .table-wrap")
    sizes = wrap.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1], sizes
    wrap.focus()  # reachable by keyboard (tabindex=0), so it can be scrolled with the arrows
    page.keyboard.press("ArrowRight")
    assert log.page_errors == []


def test_the_standings_and_the_medal_table_print_as_a_protocol(page: Page, open_page, api: JsonApi):
    paths = public_paths(api)
    championship = api.get(paths["championship"].replace("/championships/", "championships/"))
    competition = api.get(paths["competition"].replace("/competitions/", "competitions/"))
    open_page(paths["competition"])
    expect(page.locator(".print-header")).to_be_hidden()
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".lang-switch")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    header = page.locator(".print-header")
    expect(header).to_be_visible()
    expect(header).to_contain_text(championship["title_ru"])
    expect(header).to_contain_text(competition["title_ru"])
    expect(header).to_contain_text("2025")
    expect(page.locator(".standings table")).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")

    page.emulate_media(media="screen")
    open_page(paths["championship"])
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".print-header")).to_contain_text(championship["title_ru"])
    expect(page.get_by_role("table", name=say("ru", "By organisation"))).to_be_visible()
    expect(page.locator("#competitions-heading")).to_be_hidden()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_printable_protocols_read_in_the_language_and_pass_axe(
    page: Page, open_page, api: JsonApi, lang: str
):
    """The standalone printable protocols (``/competitions/{id}/protocol``,
    ``/championships/{id}/protocol``): in the page's language, a row per competitor in the
    order of the standings (Kazakh names intact; in Kazakh the organisations' Kazakh names),
    no serious or critical axe violation."""
    paths = public_paths(api)
    competition_id = paths["competition"].rsplit("/", 1)[1]
    championship_id = paths["championship"].rsplit("/", 1)[1]
    standings = api.get(f"competitions/{competition_id}/standings")
    competition = api.get(f"competitions/{competition_id}")
    open_page(f"/competitions/{competition_id}/protocol", lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    title = competition["title_kk" if lang == "kk" else "title_ru"]
    expect(page).to_have_title(say(lang, "Results protocol: %(what)s", what=title))
    rows = page.locator("section.competition tbody tr")
    expect(rows).to_have_count(len(standings["rows"]))
    for index, row in enumerate(standings["rows"]):
        expect(rows.nth(index)).to_contain_text(row["full_name"])
        kazakh = lang == "kk" and row["organisation_kk"]
        expect(rows.nth(index)).to_contain_text(
            row["organisation_kk"] if kazakh else row["organisation"]
        )
    assert_accessible(page)

    championship = api.get(f"championships/{championship_id}")
    open_page(f"/championships/{championship_id}/protocol", lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("section.competition")).to_have_count(len(championship["competitions"]))
    assert_accessible(page)


def test_without_javascript_the_standings_page_is_complete(new_page, api: JsonApi):
    page, _ = new_page(java_script_enabled=False)
    path = public_paths(api)["competition"]
    standings = api.get(path.replace("/competitions/", "competitions/") + "/standings")
    page.goto(path)
    rows = page.locator(".standings tbody tr")
    expect(rows).to_have_count(len(standings["rows"]))
    expect(rows.first).to_contain_text(standings["rows"][0]["full_name"])


# ------------------------------------------------------------------ live


def done(api: JsonApi, method: str, path: str, **kwargs: Any) -> Any:
    """A command through the JSON API that must succeed (200 or 201)."""
    answer = api.request(method, path, expect=None, **kwargs)
    assert answer.status_code in (200, 201), (path, answer.status_code, answer.text[:500])
    return answer.json()


def locked_competition(api: JsonApi) -> tuple[str, list[str]]:
    """A new competition in a demo championship, every mark entered and locked, not published
    (made through the JSON API as the organiser, an admin and a new chief expert)."""
    detail = with_published(api, "worldskills")
    championship = detail
    published = detail["competitions"][0]
    rows = api.get(f"competitions/{published['id']}/standings")["rows"][:3]
    code = f"live_{uuid.uuid4().hex[:8]}"
    body = {"code": code, "title_ru": "Живая компетенция", "title_kk": "Тірі құзырет"}
    competition = done(
        api,
        "POST",
        f"championships/{championship['id']}/competitions",
        json={**body, "category": "main"},
        role="organiser",
    )["id"]
    aspect = {
        "id": "A1",
        "criterion": "A",
        "description": "Измерение",
        "max_mark": "100.00",
        "type": "measurement",
    }
    done(
        api,
        "PUT",
        f"competitions/{competition}/scheme",
        json={"aspects": [aspect]},
        role="organiser",
    )
    for row in rows:
        done(
            api,
            "POST",
            f"competitions/{competition}/entrants",
            json={"participant_id": row["competitor_id"]},
            role="organiser",
        )
    theirs = {row["organisation_id"] for row in rows}
    other = next(
        o["organisation_id"]
        for o in api.get(f"championships/{championship['id']}/medals")["by_organisation"]
        if o["organisation_id"] not in theirs
    )
    chief = done(
        api,
        "POST",
        "accounts",
        json={"name": f"Главный эксперт {code}", "role": "chief_expert"},
        role="admin",
    )
    done(
        api,
        "POST",
        f"competitions/{competition}/experts",
        json={"account_id": chief["id"], "role": "chief", "organisation_id": other},
        role="organiser",
    )
    done(api, "POST", f"competitions/{competition}/start", role="organiser")
    marks = [
        {"competitor_id": row["competitor_id"], "aspect_id": "A1", "value": value}
        for row, value in zip(rows, ("88.50", "77.25", "66.00"), strict=True)
    ]
    token = chief["token"]
    done(api, "POST", f"competitions/{competition}/marks", json={"marks": marks}, token=token)
    # sign-off (API.md additions) where the server has it; without it, a lock needs none
    signed = api.request("POST", f"competitions/{competition}/sign-off", token=token, expect=None)
    assert signed.status_code in (200, 201, 404), signed.text
    locked = done(api, "POST", f"competitions/{competition}/lock", token=token)
    wait = {"X-Registry-Min-Position": str(locked["position"])}
    detail = api.get(f"competitions/{competition}", role="organiser", headers=wait)
    assert detail["status"] == "locked"
    return competition, [row["full_name"] for row in rows]


def test_the_standings_update_by_themselves_when_published(
    page: Page,
    page_log: PageLog,
    open_page,
    new_page,
    api: JsonApi,
    registry_server: RegistryServer,
):
    competition, names = locked_competition(api)
    path = f"/competitions/{competition}"
    # the public does not see it yet; a signed-in auditor sees the marking progress only
    open_page(path, status=404)
    auditor = registry_server.tokens.account("auditor")
    open_page(f"/login?next={path}")
    page.get_by_label(say("ru", "Access token")).fill(auditor.token)
    page.get_by_label(say("ru", "Access token")).press("Enter")
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", name=say("ru", "Marking progress"))).to_be_visible()
    expect(page.locator(".standings table")).to_have_count(0)
    status = page.locator("#live-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(say("ru", "The results on this page update by themselves."))

    done(api, "POST", f"competitions/{competition}/publish", role="organiser")

    # no reload: the standings arrive, with their medals, and the update is announced
    table = page.get_by_role("table", name=say("ru", "Final standings (results published)"))
    expect(table).to_be_visible(timeout=10_000)
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first).to_contain_text(names[0])
    expect(table.locator("tbody tr").first).to_contain_text(say("ru", "Gold"))
    expect(status).to_contain_text(say("ru", "The results were updated at %(time)s.")[:20])
    assert page_log.page_errors == [] and page_log.blocked == []

    # the public now sees the same standings, and a public page follows the API stream
    public, log = new_page()
    public.goto(path)
    expect(public.locator(".standings tbody tr")).to_have_count(3)
    stream = public.locator("#standings-live").get_attribute("data-stream")
    assert stream == f"/api/v1/competitions/{competition}/standings/stream"
    expect(public.locator("#live-status")).to_have_text(
        say("ru", "The results on this page update by themselves.")
    )
    assert log.page_errors == [] and log.blocked == []
