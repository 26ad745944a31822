"""The organiser's pages in Chromium, on the real ``registry serve --demo`` (SQLite and
PostgreSQL): the organiser publishes a locked competition, previews an amendment (nothing
recorded) and records it; the scheme editor's script shows the running sum and does not send
a scheme that does not add up to 100.00. What is stored is asserted through the JSON API.
axe-core finds no serious or critical violation on these pages in Russian and Kazakh.

Each test makes its own competition through the JSON API (``make_competition`` of the judges'
browser tests: championship, scheme, entrants, experts), never the demo's.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.i18n import translator
from tests.browser.conftest import PageLog
from tests.browser.harness import JsonApi, RegistryServer, assert_accessible
from tests.browser.test_marking_browser import Judging, make_competition, sign_in

SUM_MESSAGE = "The maximum marks must add up to 100.00; now they add up to %(sum)s."
REASON = "Протокол қайта тексерілді: ӘҒҚҢӨҰҮҺІ"


def say(lang: str, message: str, **params: Any) -> str:
    return translator(lang).gettext(message, **params)


def head(api: JsonApi) -> int:
    return int(api.get("/readyz")["head_position"])


def now(api: JsonApi, path: str) -> Any:
    """A read once the views have caught up with the head."""
    return api.get(path, role="organiser", headers={"X-Registry-Min-Position": str(head(api))})


def locked_competition(api: JsonApi, tag: str) -> Judging:
    """A competition of this test, marked in full, signed off and locked by its chief."""
    judging = make_competition(api, tag)
    competition = judging.competition_id
    sheet = []
    for row, (_, person) in enumerate(judging.competitors):
        sheet += [
            {"competitor_id": person, "aspect_id": "A1", "value": f"{30 + 3 * row}.00"},
            {"competitor_id": person, "aspect_id": "A2", "value": f"2{row}.00"},
            {"competitor_id": person, "aspect_id": "B1", "value": 2},
        ]
    api.post(
        f"competitions/{competition}/marks",
        {"marks": sheet},
        token=judging.tokens["expert"],
        expect=201,
    )
    for key in ("expert2", "chief"):
        scores = [
            {"competitor_id": p, "aspect_id": "B1", "value": 2} for _, p in judging.competitors
        ]
        api.post(
            f"competitions/{competition}/marks",
            {"marks": scores},
            token=judging.tokens[key],
            expect=201,
        )
    for key in ("expert", "expert2", "chief"):
        api.post(f"competitions/{competition}/sign-off", token=judging.tokens[key])
    api.post(
        f"competitions/{competition}/lock",
        {"override_reason": "эксперт с конфликтом интересов не оценивал"},
        token=judging.tokens["chief"],
    )
    # The pages read the views: wait until they hold the lock, so that a page opened next
    # shows it (the views catch up a few milliseconds after the command's answer).
    assert now(api, f"competitions/{competition}")["status"] == "locked"
    return judging


def test_the_organiser_publishes_previews_and_records_an_amendment(
    page: Page, page_log: PageLog, api: JsonApi, registry_server: RegistryServer
) -> None:
    judging = locked_competition(api, "manage")
    competition = judging.competition_id
    path = f"/manage/competitions/{competition}"
    sign_in(page, registry_server.tokens.token("organiser"), path)
    expect(page.locator("#competition-status")).to_have_text(
        say("ru", "locked, awaiting publication")
    )
    assert_accessible(page)
    page.get_by_role("button", name=say("ru", "Publish the results")).click()
    expect(page.locator(".notice")).to_have_text(say("ru", "The results are published."))
    assert now(api, f"competitions/{competition}")["status"] == "published"

    # the last of the standings gets a higher A1: preview first
    standings = now(api, f"competitions/{competition}/standings")
    last = max(standings["rows"], key=lambda r: r["rank"])
    marks_before = now(api, f"competitions/{competition}/marks")["marks"]
    position = head(api)
    page.get_by_label(say("ru", "Competitor"), exact=True).select_option(last["competitor_id"])
    page.get_by_label(say("ru", "Aspect"), exact=True).select_option("A1")
    page.get_by_label(say("ru", "New value"), exact=True).fill("39.50")
    page.get_by_label(say("ru", "Reason for the amendment"), exact=True).fill(REASON)
    page.get_by_role("button", name=say("ru", "Preview")).click()
    preview = page.locator("#preview")
    expect(preview).to_be_visible()
    change = page.locator(f"#change-{last['competitor_id']}")
    expect(change).to_contain_text(say("ru", "rank"))
    expect(change).to_contain_text(last["full_name"])
    # nothing recorded by the preview
    assert head(api) == position
    assert now(api, f"competitions/{competition}/marks")["marks"] == marks_before
    assert_accessible(page)

    page.get_by_role("button", name=say("ru", "Record the amendment")).click()
    expect(page.locator(".notice")).to_have_text(say("ru", "The amendment was recorded."))
    marks = now(api, f"competitions/{competition}/marks")["marks"]
    mark = next(
        m for m in marks if m["competitor_id"] == last["competitor_id"] and m["aspect_id"] == "A1"
    )
    assert mark["value"] == "39.50"
    assert mark["values"][-1]["kind"] == "amended" and mark["values"][-1]["reason"] == REASON
    after = now(api, f"competitions/{competition}/standings")
    moved = next(r for r in after["rows"] if r["competitor_id"] == last["competitor_id"])
    assert moved["rank"] < last["rank"]
    # the published competition's page, with its amendment form, in Kazakh
    page.goto(f"{path}?lang=kk")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("button", name=say("kk", "Preview"))).to_be_visible()
    assert_accessible(page)
    assert page_log.page_errors == [] and page_log.blocked == []


def setup_competition(api: JsonApi, tag: str) -> str:
    """A competition in setup (no scheme) in a championship of this test."""
    judging = make_competition(api, tag)
    championship = now(api, f"competitions/{judging.competition_id}")["championship_id"]
    competition = api.post(
        f"championships/{championship}/competitions",
        {
            "code": "plumbing",
            "title_ru": f"Сантехника {tag}",
            "title_kk": f"Сантехника {tag}",
            "category": "main",
        },
        role="organiser",
        expect=201,
    )["id"]
    # The scheme page reads the views: a page opened next must find the new competition.
    assert now(api, f"competitions/{competition}")["id"] == competition
    return str(competition)


@pytest.mark.parametrize("locale", ["kk-KZ", "ru-RU"])
def test_the_scheme_editor_sums_live_and_the_pages_are_accessible(
    page: Page, page_log: PageLog, api: JsonApi, registry_server: RegistryServer, locale: str
) -> None:
    lang = locale[:2]
    competition = setup_competition(api, f"scheme-{lang}")
    path = f"/manage/competitions/{competition}/scheme"
    sign_in(page, registry_server.tokens.token("organiser"), path)
    page.goto(f"{path}?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page)
    rows = page.locator("tr.scheme-row")
    for index, (aspect, mark) in enumerate((("A1", "40.00"), ("B1", "50.50"))):
        row = rows.nth(index)
        row.locator("input[name^=id_]").fill(aspect)
        row.locator("input[name^=criterion_]").fill(aspect[0])
        row.locator("input[name^=description_]").fill(f"Аспект {aspect} ӘҒҚ")
        row.locator("input[name^=max_mark_]").fill(mark)
    expect(page.locator("#scheme-total")).to_have_text("90.50")
    position = head(api)
    page.get_by_role("button", name=say(lang, "Save the scheme")).click()
    expect(page.locator("#scheme-client-error")).to_have_text(
        say(
            lang,
            "The maximum marks must add up to 100.00; now they add up to %(sum)s.",
            sum="90.50",
        )
    )
    assert head(api) == position  # nothing was sent
    assert now(api, f"competitions/{competition}")["scheme"] == []
    rows.nth(1).locator("input[name^=max_mark_]").fill("60")
    expect(page.locator("#scheme-total")).to_have_text("100.00")
    page.get_by_role("button", name=say(lang, "Save the scheme")).click()
    expect(page.locator(".notice")).to_have_text(say(lang, "The marking scheme was saved."))
    scheme = now(api, f"competitions/{competition}")["scheme"]
    assert [(a["id"], a["max_mark"]) for a in scheme] == [("A1", "40.00"), ("B1", "60.00")]
    assert_accessible(page)  # the competition's page, with its forms
    for other in ("/manage", "/manage/people", f"/manage/competitions/{competition}?q=Айгүл"):
        page.goto(f"{other}{'&' if '?' in other else '?'}lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_accessible(page)
    assert page_log.page_errors == [] and page_log.blocked == []
