"""The akimat's review and the administrator's accounts in a real Chromium against
`registry serve --demo` (issue 15): the akimat approves, rejects, reconsiders, awards and
approves several entries at once; the admin creates an account (its token shown once, with a
copy button) and revokes it. Each result is asserted through the JSON API of the same process;
axe-core on these pages in Russian and Kazakh.

Tests that record something work on their own data: the akimat's test creates a programme of
its own (the prize policy proposes its entries from the demo's published results), the
admin's test an account of its own. The demo's programme is only read.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.i18n import translator
from domain.values import local_date
from tests.browser.conftest import PageLog
from tests.browser.harness import JsonApi, RegistryServer, assert_accessible

PROGRAMME = {
    "title_ru": "Призы браузерного теста 2025",
    "title_kk": "Браузер сынағының сыйлықтары 2025",
    "year": 2025,
    "region": "VKO",
    "kinds": ["worldskills", "agroskills", "abilympics"],
    "prizes": [
        {"place": 1, "description": "Ноутбук", "amount_kzt": 500000},
        {"place": 2, "description": "Планшет", "amount_kzt": 300000},
        {"place": 3, "description": "Смартфон", "amount_kzt": 200000},
    ],
}
#: how long the prize policy of the served process may take to propose a new programme's entries
POLICY_SECONDS = 30.0


def say(lang: str, message: str, **params: Any) -> str:
    return translator(lang).gettext(message, **params)


def sign_in(page: Page, token: str, lang: str = "ru") -> None:
    go(page, "/login", lang)
    field = page.get_by_label(say(lang, "Access token"))
    field.fill(token)
    field.press("Enter")
    expect(page.locator(".account__name")).to_be_visible()


def go(page: Page, path: str, lang: str | None = None) -> Page:
    """Open ``path`` (``lang``: with ``?lang=``, which the cookie then remembers); 200."""
    target = f"{path}{'&' if '?' in path else '?'}lang={lang}" if lang else path
    answer = page.goto(target)
    assert answer is not None and answer.status == 200, (target, answer and answer.status)
    return page


def programme(api: JsonApi, programme_id: str) -> dict[str, Any]:
    head = api.get("/readyz")["head_position"]
    return api.get(
        f"prize-programmes/{programme_id}",
        role="akimat",
        headers={"X-Registry-Min-Position": str(head)},
    )


def own_programme(api: JsonApi, wanted: int) -> tuple[str, list[dict[str, Any]]]:
    """The test's own programme (created once per server) and its entries, once the prize
    policy has proposed at least ``wanted`` of them."""
    created = api.request("POST", "prize-programmes", role="akimat", json=PROGRAMME, expect=None)
    assert created.status_code in (200, 201), created.text
    programme_id = created.json()["id"]
    deadline = time.monotonic() + POLICY_SECONDS
    while True:
        entries = programme(api, programme_id)["entries"]
        if len(entries) >= wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # the policy proposes in the background; bounded by the deadline
    assert len(entries) >= wanted, f"the policy proposed {len(entries)} entries: {entries}"
    return programme_id, entries


def by_id(api: JsonApi, programme_id: str) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in programme(api, programme_id)["entries"]}


def entry_row(page: Page, entry_id: str):
    return page.locator(f"#entry-{entry_id}")


# ------------------------------------------------------------------ the akimat


def test_the_akimat_approves_rejects_reconsiders_awards_and_approves_in_bulk(
    page: Page, page_log: PageLog, open_page, registry_server: RegistryServer, api: JsonApi
):
    programme_id, entries = own_programme(api, 5)
    assert all(e["status"] == "proposed" for e in entries)
    first, second, third, fourth, fifth = (e["id"] for e in entries[:5])
    akimat = registry_server.tokens.account("akimat")
    sign_in(page, akimat.token)
    expect(page.get_by_role("heading", level=1)).to_have_text(say("ru", "Prize programmes"))
    page.get_by_role("link", name=PROGRAMME["title_ru"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME["title_ru"])

    # each entry shows its reason and links to the published standings
    listed = by_id(api, programme_id)
    row = entry_row(page, first)
    expect(row).to_contain_text(listed[first]["full_name"])
    expect(row).to_contain_text(listed[first]["competition"])
    expect(row).to_contain_text(say("ru", "Place %(place)s", place=listed[first]["place"]))
    expect(
        row.locator(f'a[href="/competitions/{listed[first]["competition_id"]}"]')
    ).to_be_visible()

    # approve
    entry_row(page, first).get_by_role("button", name=say("ru", "Approve")).click()
    expect(page.get_by_role("status")).to_have_text(say("ru", "The entry was approved."))
    assert by_id(api, programme_id)[first]["status"] == "approved"

    # reject with a reason, then reconsider with a reason
    row = entry_row(page, second)
    row.locator(f"#reject-reason-{second}").fill("Не житель области на дату чемпионата")
    row.get_by_role("button", name=say("ru", "Reject")).click()
    expect(page.get_by_role("status")).to_have_text(say("ru", "The entry was rejected."))
    stored = by_id(api, programme_id)[second]
    assert (stored["status"], stored["reason"]) == (
        "rejected",
        "Не житель области на дату чемпионата",
    )
    row = entry_row(page, second)
    row.locator(f"#reconsider-reason-{second}").fill("Справка о прописке представлена: Әсел Қ.")
    row.get_by_role("button", name=say("ru", "Reconsider")).click()
    expect(page.get_by_role("status")).to_have_text(
        say("ru", "The rejection was reconsidered: the entry is proposed again.")
    )
    assert by_id(api, programme_id)[second]["status"] == "proposed"

    # award the approved entry, dated today (the form's default)
    row = entry_row(page, first)
    today = local_date(datetime.now(UTC)).isoformat()
    expect(row.locator(f"#award-date-{first}")).to_have_value(today)
    row.get_by_role("button", name=say("ru", "Mark as handed over")).click()
    expect(page.get_by_role("status")).to_have_text(
        say("ru", "The prize was marked as handed over.")
    )
    stored = by_id(api, programme_id)[first]
    assert (stored["status"], stored["awarded_on"]) == ("awarded", today)

    # a date in the future is refused next to the entry, in the user's language
    page.goto(f"/akimat/programmes/{programme_id}")
    entry_row(page, third).get_by_role("button", name=say("ru", "Approve")).click()
    expect(page.get_by_role("status")).to_be_visible()
    row = entry_row(page, third)
    row.locator(f"#award-date-{third}").evaluate("field => field.removeAttribute('max')")
    row.locator(f"#award-date-{third}").fill("2099-01-01")
    row.get_by_role("button", name=say("ru", "Mark as handed over")).click()
    refusal = say(
        "ru",
        "awarded_on: %(date)s is in the future (today is %(today)s)",
        date="2099-01-01",
        today=today,
    )
    expect(entry_row(page, third).get_by_role("alert")).to_have_text(refusal)
    assert by_id(api, programme_id)[third]["status"] == "approved"

    # bulk: the fourth and fifth at once
    page.goto(f"/akimat/programmes/{programme_id}?status=proposed")
    for entry in (fourth, fifth):
        page.locator(f"#select-{entry}").check()
    page.get_by_role("button", name=say("ru", "Approve the selected entries")).click()
    expect(page.get_by_role("status")).to_contain_text(
        say("ru", "The selected entries were approved.")
    )
    stored = by_id(api, programme_id)
    assert stored[fourth]["status"] == stored[fifth]["status"] == "approved"
    assert stored[second]["status"] == "proposed"
    assert page_log.page_errors == [] and page_log.blocked == []


# ------------------------------------------------------------------ the administrator


def test_the_admin_creates_an_account_sees_its_token_once_and_revokes_it(
    page: Page, page_log: PageLog, open_page, registry_server: RegistryServer, api: JsonApi
):
    admin = registry_server.tokens.account("admin")
    sign_in(page, admin.token)
    go(page, "/admin/accounts")
    name = "Аудитор браузерного теста Ұлжан"
    page.get_by_label(say("ru", "Name"), exact=True).fill(name)
    page.get_by_label(say("ru", "Role"), exact=True).select_option("auditor")
    page.get_by_role("button", name=say("ru", "Create the account")).click()
    expect(
        page.get_by_role("heading", level=2, name=say("ru", "Account created: %(name)s", name=name))
    ).to_be_visible()
    token = page.locator("#issued-token").input_value()
    assert token and token not in page.url
    # the copy button (our script) copies it and says so
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name=say("ru", "Copy")).click()
    expect(page.locator("#copy-status")).to_have_text(say("ru", "Copied"))
    # the token works (JSON API) and is never shown again
    api.request("GET", "audit/verify", token=token)
    page.goto("/admin/accounts")
    expect(page.locator("#issued-token")).to_have_count(0)
    assert token not in page.content()
    row = page.locator("tr", has_text=name)
    expect(row).to_contain_text(say("ru", "auditor"))

    # revoked with a reason: its token is refused from then on
    row.get_by_label(say("ru", "Reason for the revocation")).fill("Проверка окончена")
    row.get_by_role("button", name=say("ru", "Revoke")).click()
    expect(page.get_by_role("status")).to_have_text(
        say("ru", "The account was revoked; its token no longer works.")
    )
    api.request("GET", "audit/verify", token=token, expect=401)
    expect(page.locator("tr", has_text=name)).to_contain_text(say("ru", "revoked"))
    assert page_log.page_errors == [] and page_log.blocked == []


# ------------------------------------------------------------------ accessibility


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_the_office_pages_are_accessible(
    page: Page, new_page, registry_server: RegistryServer, api: JsonApi, locale: str
):
    lang = locale[:2]
    demo = next(p for p in api.get("prize-programmes") if p["title_ru"] != PROGRAMME["title_ru"])
    sign_in(page, registry_server.tokens.token("akimat"), lang)
    for path in (
        "/akimat/programmes",
        f"/akimat/programmes/{demo['id']}",
        f"/akimat/programmes/{demo['id']}?status=awarded",
    ):
        go(page, path, lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_accessible(page)

    admin_page, log = new_page(locale)
    sign_in(admin_page, registry_server.tokens.token("admin"), lang)
    go(admin_page, "/admin/accounts", lang)
    expect(admin_page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(admin_page)
    # the answer that shows a token once
    admin_page.get_by_label(say(lang, "Name"), exact=True).fill(f"Аудитор доступности {lang}")
    admin_page.get_by_label(say(lang, "Role"), exact=True).select_option("auditor")
    admin_page.get_by_role("button", name=say(lang, "Create the account")).click()
    expect(admin_page.locator("#issued-token")).to_be_visible()
    assert_accessible(admin_page)
    assert log.page_errors == [] and log.blocked == []
