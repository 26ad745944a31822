"""The API documentation pages in a real browser: everything comes from the server itself.

``/schema/swagger`` and ``/schema/redoc`` (api/openapi_assets.py) must render the operations
with no request to any other host — Swagger UI and ReDoc come from installed packages, served
by the app; ReDoc's logo on its CDN is refused by the pages' Content-Security-Policy.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageLog
from tests.browser.harness import RegistryServer

MARKS_PATH = "/api/v1/competitions/{competition_id}/marks"
MARKS_SUMMARY = "Enter a mark or a sheet of marks (the caller is the expert)"
STANDINGS_PATH = "/api/v1/competitions/{competition_id}/standings"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def record_requests(page: Page) -> tuple[list[str], dict[str, str]]:
    """Every URL the page asks for from now on, and why those that failed failed."""
    seen: list[str] = []
    failed: dict[str, str] = {}
    page.on("request", lambda request: seen.append(request.url))
    page.on("requestfailed", lambda request: failed.update({request.url: request.failure or ""}))
    return seen, failed


def assert_only_the_server(
    requests: tuple[list[str], dict[str, str]],
    log: PageLog,
    server: RegistryServer,
    refused_by_policy: tuple[str, ...] = (),
) -> None:
    """Every request the page made went to the server, except ``refused_by_policy``: those
    the page's Content-Security-Policy stopped inside the browser (they never reached the
    network, nor ``block_external``'s route)."""
    seen, failed = requests
    origin = urlsplit(server.base_url).netloc
    network = [url for url in seen if urlsplit(url).scheme in ("http", "https")]
    assert network, "the page made no request at all"
    elsewhere = [url for url in network if urlsplit(url).netloc != origin]
    assert sorted(elsewhere) == sorted(refused_by_policy), f"requests to other hosts: {elsewhere}"
    for url in elsewhere:
        # Chromium's reason for a request its Content-Security-Policy check stopped
        assert failed.get(url) in ("csp", "net::ERR_BLOCKED_BY_CSP"), (url, failed.get(url))
    assert log.blocked == [], f"requests to other hosts reached the network: {log.blocked}"
    assert log.page_errors == [], f"uncaught errors in the page: {log.page_errors}"
    mine = [url for url in network if urlsplit(url).netloc == origin]
    assert not any(url in failed for url in mine), failed


def test_swagger_renders_the_operations_from_the_server_alone(
    page: Page, page_log: PageLog, open_page, registry_server: RegistryServer
):
    requests = record_requests(page)
    open_page("/schema/swagger")

    # POST: the path also has a GET (the marks read of issue 15)
    marks = page.locator(f'.opblock-post .opblock-summary-path[data-path="{MARKS_PATH}"]')
    expect(marks).to_be_visible()
    expect(page.locator(f'.opblock-summary-path[data-path="{STANDINGS_PATH}"]')).to_be_visible()
    # the operation opens on a click and shows its documentation (roles, errors)
    marks.click()
    operation = page.locator(".opblock.is-open")
    expect(operation).to_contain_text(MARKS_SUMMARY)
    expect(operation).to_contain_text("chief_expert")
    # every script and style came from the server and ran: Swagger UI drew its own DOM
    assert page.evaluate("typeof SwaggerUIBundle") == "function"
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"):
        assert f"{registry_server.base_url}/schema/assets/swagger/{asset}" in requests[0]
    assert_only_the_server(requests, page_log, registry_server)
    assert page_log.console_errors == [], page_log.console_errors


def test_redoc_renders_from_the_server_alone(
    page: Page, page_log: PageLog, open_page, registry_server: RegistryServer
):
    requests = record_requests(page)
    open_page("/schema/redoc")

    expect(page.get_by_role("heading", name=re.compile("VKO skills registry"))).to_be_visible()
    # the operation's heading and its path are drawn in the body
    expect(page.get_by_role("heading", name=MARKS_SUMMARY)).to_be_visible()
    expect(page.get_by_text(MARKS_PATH, exact=False).first).to_be_attached()
    assert f"{registry_server.base_url}/schema/assets/redoc/redoc.standalone.js" in requests[0]
    # ReDoc's bundle always draws the "API docs by Redocly" logo from its CDN: the page's
    # policy refuses it in the browser, so nothing goes out
    assert_only_the_server(requests, page_log, registry_server, refused_by_policy=(REDOC_LOGO,))
    # the only complaint allowed: the policy refusing ReDoc's logo on its CDN
    others = [m for m in page_log.console_errors if "Content Security Policy" not in m]
    assert others == [], others
    refused = [m for m in page_log.console_errors if "Content Security Policy" in m]
    assert len(refused) == 1 and REDOC_LOGO in refused[0], refused
