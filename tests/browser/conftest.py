"""Fixtures of the browser tests: the real ``registry serve --demo`` on each store of
``REGISTRY_TEST_DATABASES`` (SQLite, PostgreSQL), driven by Debian's Chromium via Playwright's
sync API. See ``README.md`` beside this file; the classes and helpers are in ``harness.py``.

* ``registry_server`` (package scope, parametrised ``sqlite``/``postgres``): a
  :class:`~tests.browser.harness.RegistryServer` — ``base_url``, ``tokens`` (the demo tokens
  by role), ``directory`` (its working directory and store), ``database_url``, ``log()``.
  One process per store for all the browser tests; tests share it, so a test that records
  something must not rely on being the only one that did.
* ``browser`` (package scope): Chromium. Missing Chromium or Playwright FAILS the tests, never
  skips them.
* ``page`` (a new context per test, locale from the ``locale`` fixture, default ``ru-RU``;
  override with ``@pytest.mark.parametrize("locale", ["kk-KZ"])``), with every request to
  another host aborted and recorded in ``page_log.blocked``; ``page_log`` also collects
  console errors and uncaught page errors.
* ``new_page(locale=..., **context_args) -> (Page, PageLog)`` for more pages or contexts in
  one test (two users, another locale); closed at the end of the test.
* ``open_page(path, lang=None, *, page=None, status=200) -> Page``: go to ``path`` on the
  server (``lang`` adds ``?lang=``), check the answer's status.
* ``api``: a :class:`~tests.browser.harness.JsonApi` on the server, with the demo tokens.

Scope: the server and the browser are per package (all of ``tests/browser``), not per whole
session: they are stopped as soon as the browser tests are done, and Playwright's event loop
never lives on while the asyncio tests of other packages run. Browser tests are plain ``def``
functions (Playwright's sync API refuses to run inside a running asyncio loop; the suite's
``asyncio_mode = "auto"`` only touches ``async def`` tests).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from store.settings import parse_database_url
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JsonApi,
    RegistryServer,
    block_external,
)
from tests.conftest import DATABASES, drop_schema, postgres_schema_url

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

#: how long each store's server took to start, for the terminal summary
STARTUPS: list[tuple[str, float]] = []
#: Playwright's default is 30 s; a page of ours that needs more is a failure worth seeing
PAGE_TIMEOUT_MS = 15_000


@dataclass
class PageLog:
    """What one page did that a test may want to assert on."""

    blocked: list[str] = field(default_factory=list)  # requests to other hosts, aborted
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions


# ------------------------------------------------------------------------------ the server


@pytest.fixture(scope="package", params=DATABASES)
def registry_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryServer]:
    """The real ``registry serve --demo --projector in-process`` on a fresh store (a SQLite
    file in a temp folder, or a PostgreSQL schema of its own, dropped afterwards), ready:
    ``/readyz`` answered 200 with the views at the head."""
    store = request.param
    directory = tmp_path_factory.mktemp(f"serve-{store}")
    if store == "sqlite":
        url = f"sqlite:///{directory}/var/registry.sqlite"
    else:
        url = postgres_schema_url(f"b_{uuid.uuid4().hex[:16]}")
    server = RegistryServer(store, url, directory)
    try:
        server.start()
        assert server.startup_seconds is not None
        STARTUPS.append((store, server.startup_seconds))
        yield server
    finally:
        server.stop()
        if store == "postgres":
            drop_schema(parse_database_url(url))


@pytest.fixture
def api(registry_server: RegistryServer) -> Iterator[JsonApi]:
    """The served process's JSON API (``api.get("championships")``, ``role="organiser"``)."""
    client = registry_server.api()
    yield client
    client.close()


# ------------------------------------------------------------------------------ the browser


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium under Playwright (headless)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"the browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium "
            "(.ci/run does it). They fail rather than skip.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.fail(
            f"the browser tests need Playwright ({error}): pip install -e '.[dev]'",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def locale() -> str:
    """The browser's locale (Accept-Language) of ``page``; parametrise to change it."""
    return "ru-RU"


@pytest.fixture
def new_page(
    browser: Browser, registry_server: RegistryServer
) -> Iterator[Callable[..., tuple[Page, PageLog]]]:
    """``new_page(locale="ru-RU", **context_args) -> (page, log)``: a page in a new browser
    context (its own cookies) with ``base_url`` set to the server, so ``page.goto("/x")``
    works; requests to other hosts are aborted and listed in ``log.blocked``."""
    contexts: list[Any] = []

    def make(locale: str = "ru-RU", **context_args: Any) -> tuple[Page, PageLog]:
        context = browser.new_context(
            locale=locale, base_url=registry_server.base_url, **context_args
        )
        contexts.append(context)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        log = PageLog(blocked=block_external(context, registry_server.base_url))
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                log.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: log.page_errors.append(str(error)))
        return page, log

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def _page_and_log(
    new_page: Callable[..., tuple[Page, PageLog]], locale: str
) -> tuple[Page, PageLog]:
    return new_page(locale=locale)


@pytest.fixture
def page(_page_and_log: tuple[Page, PageLog]) -> Page:
    """A fresh page (new context) on the server; see ``new_page``."""
    return _page_and_log[0]


@pytest.fixture
def page_log(_page_and_log: tuple[Page, PageLog]) -> PageLog:
    """What ``page`` did: ``blocked`` external requests, ``console_errors``, ``page_errors``."""
    return _page_and_log[1]


@pytest.fixture
def open_page(page: Page) -> Callable[..., Page]:
    """``open_page(path, lang=None, *, page=None, status=200) -> Page``: navigate (``page``
    by default) to ``path`` on the server, ``lang`` (ru, kk, en) as ``?lang=``; the answer
    must have ``status`` (``None``: any)."""

    def go(
        path: str, lang: str | None = None, *, page: Page = page, status: int | None = 200
    ) -> Page:
        if lang is not None:
            path += ("&" if "?" in path else "?") + f"lang={lang}"
        response = page.goto(path)
        assert response is not None, f"no answer for {path}"
        if status is not None:
            assert response.status == status, (
                f"GET {path} answered {response.status}, expected {status}:\n"
                f"{response.text()[:2000]}"
            )
        return page

    return go


# ------------------------------------------------------------------------------ reporting


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failing browser test shows the tail of the server's log beside its traceback."""
    report = yield
    server = getattr(item, "funcargs", {}).get("registry_server")
    if report.failed and isinstance(server, RegistryServer):
        report.sections.append(
            (f"registry serve log ({server.store}, last 80 lines)", server.log(80))
        )
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for store, seconds in STARTUPS:
        terminalreporter.write_line(
            f"browser tests: `registry serve --demo` ready on {store} in {seconds:.1f} s"
        )
