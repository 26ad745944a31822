"""Sign-in, sign-out and the CSRF refusal in a real Chromium, against `registry serve --demo`."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from api.i18n import translator
from tests.browser.conftest import PageLog
from tests.browser.harness import RegistryServer, assert_accessible


def ru(message: str) -> str:
    return translator("ru").gettext(message)


def kk(message: str) -> str:
    return translator("kk").gettext(message)


def sign_in(page: Page, open_page, token: str, label: str) -> None:
    open_page("/login")
    page.get_by_label(label).fill(token)
    page.get_by_label(label).press("Enter")


def test_sign_in_and_out_through_the_form(
    page: Page, page_log: PageLog, open_page, registry_server: RegistryServer
):
    auditor = registry_server.tokens.account("auditor")
    sign_in(page, open_page, auditor.token, ru("Access token"))
    # the auditor lands on the workbench (or its sign-in target) with their name shown
    expect(page.locator(".account__name")).to_contain_text(auditor.name)
    assert "/login" not in page.url
    # the token is in no address and no page after sign-in
    assert auditor.token not in page.url
    assert auditor.token not in page.content()
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["registry_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert auditor.token not in session["value"]

    page.get_by_role("button", name=ru("Sign out")).click()
    expect(page.get_by_role("link", name=ru("Sign in"))).to_be_visible()
    expect(page.locator(".account__name")).to_have_count(0)
    assert page_log.page_errors == [] and page_log.blocked == []


def test_a_wrong_token_is_refused_next_to_the_field(page: Page, open_page):
    sign_in(page, open_page, "0" * 32 + "." + "y" * 43, ru("Access token"))
    field = page.get_by_label(ru("Access token"))
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(".account__name")).to_have_count(0)


def test_a_form_without_its_csrf_cookie_is_refused(
    page: Page, open_page, registry_server: RegistryServer
):
    auditor = registry_server.tokens.account("auditor")
    open_page("/login")
    # the page was opened, then the CSRF cookie is lost (an old tab, another site's form)
    page.context.clear_cookies()
    page.get_by_label(ru("Access token")).fill(auditor.token)
    with page.expect_navigation():
        page.get_by_role("button", name=ru("Sign in")).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ru("The form has expired"))
    assert "registry_session" not in {c["name"] for c in page.context.cookies()}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_sign_in_page_is_accessible_and_keyboard_operable(page: Page, open_page, lang):
    open_page("/login", lang=lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page)
    # the first Tab reaches the skip link, visibly
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link is off screen"
    label = translator(lang).gettext("Access token")
    page.get_by_label(label).focus()
    outline = page.get_by_label(label).evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none", "the focused field has no visible outline"
