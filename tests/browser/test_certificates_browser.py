"""Certificates in a real Chromium against `registry serve --demo` (issue 16 point 7): a demo
medal's certificate reached from the standings, printed on one A4 page with a QR code of its
verification address, verified by anyone (Russian and Kazakh, axe clean), a revoked one, and a
forged or mistyped code plainly refused."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.i18n import translator
from api.web.certificates import qr_svg
from domain import certificates
from tests.browser.conftest import PageLog
from tests.browser.harness import JsonApi, RegistryServer, assert_accessible


def say(lang: str, message: str, **params: Any) -> str:
    return translator(lang).gettext(message, **params)


def medals(api: JsonApi) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``(competition, standings row)`` of every medal of the demo's published results."""
    found = []
    for championship in api.get("championships"):
        for competition in api.get(f"championships/{championship['id']}")["competitions"]:
            if competition["status"] != "published":
                continue
            standings = api.get(f"competitions/{competition['id']}/standings")
            found += [(competition, row) for row in standings["rows"] if row["medal"]]
    assert found, "the demo has published medals"
    return found


def certificate_of(api: JsonApi, competition_id: str, row: dict[str, Any]) -> dict[str, Any]:
    listed = api.get(f"participants/{row['competitor_id']}/certificates")
    [certificate] = [
        c
        for c in listed
        if c["competition"]["id"] == competition_id and c["kind"] == "medal" and c["valid"]
    ]
    return certificate  # type: ignore[no-any-return]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_demo_medal_certificate_is_printed_and_verified(
    page: Page,
    page_log: PageLog,
    open_page,
    api: JsonApi,
    registry_server: RegistryServer,
    lang: str,
):
    competition, row = next(
        (c, r) for c, r in medals(api) if r["medal"] == "gold" and r["scaled_score"] is not None
    )
    certificate = certificate_of(api, competition["id"], row)
    code = certificate["code"]

    # From the standings, as a person would: the certificate link of the medal's row.
    open_page(f"/competitions/{competition['id']}", lang=lang)
    link = page.get_by_role(
        "link", name=say(lang, "Certificate of %(name)s", name=row["full_name"])
    ).first
    expect(link).to_have_attribute("href", re.compile(re.escape(code)))
    link.click()
    expect(page).to_have_url(re.compile(f"/certificates/{code}$"))

    # The printable certificate: the person, the medal, the championship, the code, the QR.
    expect(page.locator("html")).to_have_attribute("lang", lang)
    sheet = page.locator("article.certificate")
    expect(sheet).to_contain_text(row["full_name"])
    expect(sheet).to_contain_text(say(lang, "Gold medal"))
    expect(sheet).to_contain_text(certificate["championship"][f"title_{lang}"])
    expect(sheet.locator(".cert-code")).to_have_text(code)
    url = f"{registry_server.base_url}/verify/{code}"
    expect(sheet.locator(".cert-url")).to_have_text(url)
    drawn = sheet.locator("svg.cert-qr__code path.qrline").get_attribute("d")
    expected = re.search(r'class="qrline"[^>]* d="([^"]+)"', str(qr_svg(url)))
    assert expected is not None and drawn == expected.group(1)  # the QR code holds ``url``
    assert_accessible(page)

    # Printed: one A4 page, without the site's menus, the QR code on it.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(sheet.locator("svg.cert-qr__code")).to_be_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    width, height = (float(v) for v in box.groups())
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 in points
    page.emulate_media(media="screen")

    # Anyone verifies it: the verdict in words, the facts, the standings behind them.
    page.get_by_role("link", name=say(lang, "Verify this certificate")).click()
    expect(page).to_have_url(re.compile(f"/verify/{code}$"))
    verdict = page.locator(".verdict")
    expect(verdict.get_by_role("heading", level=2)).to_have_text(
        re.compile(re.escape(say(lang, "Valid certificate")))
    )
    expect(page.locator(".cert-hash")).to_have_text(certificate["seal_hash"])
    expect(page.locator("main")).to_contain_text(str(certificate["published_position"]))
    expect(page.locator("main")).to_contain_text(row["full_name"])
    assert_accessible(page)
    page.get_by_role("link", name=say(lang, "Standings of the competition")).click()
    expect(page).to_have_url(re.compile(f"/competitions/{competition['id']}$"))
    assert page_log.blocked == [] and page_log.page_errors == []


def test_a_forged_or_mistyped_code_is_plainly_refused(
    page: Page, page_log: PageLog, open_page, api: JsonApi
):
    competition, row = medals(api)[0]
    code = certificate_of(api, competition["id"], row)["code"]
    made_up = certificates.grouped(certificates.code_for(os.urandom(32), "medal/forged"))
    open_page(f"/verify/{made_up}", status=404)
    refused = page.locator(".verdict")
    expect(refused.get_by_role("heading", level=2)).to_have_text(
        re.compile(say("ru", "Not a certificate of this registry"))
    )
    expect(refused).to_contain_text(made_up)
    assert_accessible(page)

    # A person types the code with one character wrong: told it was mistyped...
    field = page.get_by_label(say("ru", "Check another code"))
    wrong = ("Z" if code[0] != "Z" else "Y") + code[1:]
    field.fill(wrong.lower())
    page.get_by_role("button", name=say("ru", "Verify")).click()
    expect(page.locator(".verdict")).to_contain_text(say("ru", "Code checked:"))
    expect(page.locator(".verdict")).to_contain_text(
        say(
            "ru",
            "This is not a certificate code of this registry: its last two characters (the "
            "check) do not match the others, so a character was probably mistyped. Compare the "
            "code with the one printed on the certificate and type it again.",
        )
    )
    assert_accessible(page)
    # ...and typed again correctly (lower case, no hyphens), the certificate is there.
    page.get_by_label(say("ru", "Check another code")).fill(code.replace("-", "").lower())
    page.get_by_role("button", name=say("ru", "Verify")).click()
    expect(page).to_have_url(re.compile(f"/verify/{code}$"))
    expect(page.locator(".cert-code").first).to_have_text(code)
    expect(page.locator("main")).to_contain_text(row["full_name"])
    # The form alone, with nothing typed yet.
    open_page("/verify", lang="kk")
    expect(page.get_by_label(say("kk", "Certificate code"))).to_be_visible()
    assert_accessible(page)
    assert page_log.blocked == [] and page_log.page_errors == []


def test_a_revoked_demo_certificate_says_so(page: Page, page_log: PageLog, open_page, api):
    """The demo amends one republican result after publication: a medal it took away has a
    revoked certificate, which says so in words and points to the current one."""
    revoked = None
    for _competition, row in medals(api):
        for certificate in api.get(f"participants/{row['competitor_id']}/certificates"):
            if certificate["verdict"] == "revoked":
                revoked = certificate
                break
        if revoked:
            break
    assert revoked is not None, "the demo's amendment revoked a medal's certificate"
    open_page(f"/verify/{revoked['code']}", lang="kk")
    expect(page.locator(".verdict").get_by_role("heading", level=2)).to_have_text(
        re.compile(say("kk", "Revoked"))
    )
    expect(page.locator("main")).to_contain_text(say("kk", "As it stands now"))
    assert_accessible(page)
    open_page(f"/certificates/{revoked['code']}", lang="ru")
    expect(page.locator(".certificate__warning")).to_contain_text(say("ru", "Revoked."))
    assert_accessible(page)
    assert page_log.blocked == [] and page_log.page_errors == []
