"""The auditor's workbench in a real Chromium against `registry serve --demo` (issue 14): sign-in
through the form, the event history's filter, time travel on a competition's page, the seal
verification of a store tampered with behind the server's back, and axe-core on every
workbench page in Russian and Kazakh. What the pages show is checked against the JSON API of
the same process."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from playwright.sync_api import Page, expect

from api.i18n import translator
from store.settings import parse_database_url
from tests.browser.conftest import PageLog
from tests.browser.harness import JsonApi, RegistryServer, assert_accessible, block_external
from tests.conftest import drop_schema, postgres_schema_url

#: the event store's table in a SQLite file, as the eventsourcing library names it
EVENTS_TABLE = "stored_events"


def say(lang: str, message: str, **params: Any) -> str:
    return translator(lang).gettext(message, **params)


def feed(api: JsonApi, **params: str) -> list[dict[str, Any]]:
    """The audit feed (NDJSON) of the served process, as the auditor reads it."""
    answer = api.request("GET", "audit/events", role="auditor", params=params)
    return [json.loads(line) for line in answer.text.splitlines() if line]


def sign_in(page: Page, open_page, token: str, lang: str = "ru") -> None:
    open_page("/login", lang=lang)
    field = page.get_by_label(say(lang, "Access token"))
    field.fill(token)
    field.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(say(lang, "Event history"))


def amendment(api: JsonApi) -> dict[str, Any]:
    """The demo's amendment after publication (a competition whose standings it changed)."""
    [event] = feed(api, type="MarkAmended")[:1]
    return event


# ------------------------------------------------------------------ sign-in and the history


def test_the_auditor_signs_in_and_filters_the_history(
    page: Page, page_log: PageLog, open_page, registry_server: RegistryServer, api: JsonApi
):
    auditor = registry_server.tokens.account("auditor")
    sign_in(page, open_page, auditor.token)
    assert page.url.endswith("/audit")
    head = api.get("/readyz")["head_position"]
    expect(page.locator("#audit-events tbody tr").first).to_have_id(f"p{head}")

    corrections = feed(api, type="MarkCorrected")
    assert corrections, "the demo has corrections"
    page.get_by_label(say("ru", "Event type")).select_option("Competition.MarkCorrected")
    page.get_by_role("button", name=say("ru", "Show events")).click()
    rows = page.locator("#audit-events tbody tr")
    expect(rows).to_have_count(len(corrections))
    newest = corrections[-1]
    expect(rows.first).to_have_id(f"p{newest['position']}")
    expect(rows.first).to_contain_text(newest["data"]["reason"])
    expect(rows.first).to_contain_text(newest["actor"]["name"])

    # narrowed further by the actor of the newest correction (the select names them)
    page.get_by_label(say("ru", "Actor")).select_option(newest["actor"]["id"])
    page.get_by_role("button", name=say("ru", "Show events")).click()
    mine = [c for c in corrections if c["actor"]["id"] == newest["actor"]["id"]]
    expect(rows).to_have_count(len(mine))

    # a row leads to its aggregate's history, at the event, told in words
    rows.first.get_by_role(
        "link", name=say("ru", "Position %(position)s in its history", position=newest["position"])
    ).click()
    event = page.locator(f"#event-{newest['position']}")
    expect(event).to_contain_text(newest["data"]["reason"])
    expect(event).to_contain_text(say("ru", "Mark corrected"))
    assert page_log.page_errors == [] and page_log.blocked == []


def test_the_history_fits_a_phone(new_page, registry_server: RegistryServer):
    page, log = new_page(viewport={"width": 320, "height": 640})
    auditor = registry_server.tokens.account("auditor")
    page.goto("/login")
    page.get_by_label(say("ru", "Access token")).fill(auditor.token)
    page.get_by_label(say("ru", "Access token")).press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(say("ru", "Event history"))
    # measured once the page has loaded with its stylesheet: the heading is in the document
    # before the stylesheet applies (a sign-in is a form's navigation, which the heading's
    # check does not wait for, unlike page.goto)
    page.wait_for_load_state("load")
    # the page itself never scrolls sideways; the table scrolls inside its region
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, width
    assert log.page_errors == []


# ------------------------------------------------------------------ time travel


def test_time_travel_on_the_competition_page(
    page: Page, page_log: PageLog, open_page, registry_server: RegistryServer, api: JsonApi
):
    auditor = registry_server.tokens.account("auditor")
    amended = amendment(api)
    competition, position = amended["aggregate_id"], amended["position"]
    diff = api.get(
        f"competitions/{competition}/standings/diff",
        role="auditor",
        params={"from": str(position - 1), "to": str(position)},
    )
    assert diff["changes"], "the demo's amendment changed the standings"
    changed = diff["changes"][0]
    before = api.get(
        f"competitions/{competition}/standings",
        role="auditor",
        params={"as_of": str(position - 1)},
    )

    sign_in(page, open_page, auditor.token)
    open_page(f"/competitions/{competition}")
    page.get_by_label(say("ru", "Standings at")).fill(str(position - 1))
    page.get_by_role("button", name=say("ru", "Show"), exact=True).click()
    tr = translator("ru")
    expect(
        page.get_by_role(
            "heading",
            level=2,
            name=say(
                "ru", "Standings as of position %(position)s", position=tr.integer(position - 1)
            ),
        )
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text=changed["full_name"]).first
    old = next(r for r in before["rows"] if r["competitor_id"] == changed["competitor_id"])
    expect(row).to_contain_text(tr.number(old["total"]))

    page.get_by_label(say("ru", "Standings at")).fill(str(position))
    page.get_by_label(say("ru", "Compare with an earlier moment")).fill(str(position - 1))
    page.get_by_role("button", name=say("ru", "Show"), exact=True).click()
    table = page.get_by_role(
        "table", name=say("ru", "Competitors whose rank, total or medal changed")
    )
    expect(table).to_contain_text(changed["full_name"])
    expect(table).to_contain_text(tr.number(changed["after"]["total"]))
    between = page.get_by_role(
        "table",
        name=translator("ru").ngettext(
            "The %(num)s event in between", "The %(num)s events in between", 1
        ),
    )
    expect(between).to_contain_text(amended["data"]["reason"])
    assert page_log.page_errors == [] and page_log.blocked == []


def test_others_cannot_time_travel(
    page: Page, open_page, registry_server: RegistryServer, api: JsonApi
):
    amended = amendment(api)
    path = f"/competitions/{amended['aggregate_id']}?as_of={amended['position'] - 1}"
    # the public is sent to sign in
    open_page(path, status=None)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    # an organiser is refused
    organiser = registry_server.tokens.account("organiser")
    page.get_by_label(say("ru", "Access token")).fill(organiser.token)
    page.get_by_label(say("ru", "Access token")).press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(say("ru", "Not allowed"))


# ------------------------------------------------------------------ accessibility


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_workbench_page_is_accessible(
    page: Page,
    page_log: PageLog,
    open_page,
    registry_server: RegistryServer,
    api: JsonApi,
    lang: str,
):
    auditor = registry_server.tokens.account("auditor")
    amended = amendment(api)
    competition, position = amended["aggregate_id"], amended["position"]
    sign_in(page, open_page, auditor.token, lang)
    paths = [
        "/audit",
        "/audit?type=Competition.MarkCorrected",
        f"/audit/aggregates/{competition}",
        f"/audit/aggregates/{amended['data']['mark']['competitor_id']}",
        "/audit/verify",
        f"/competitions/{competition}?as_of={position - 1}",
        f"/competitions/{competition}?as_of={position}&compare={position - 1}",
        f"/competitions/{competition}",
    ]
    for path in paths:
        open_page(path, lang=lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_accessible(page)
    assert page_log.page_errors == [] and page_log.blocked == []


# ------------------------------------------------------------------ a tampered store


@pytest.fixture
def own_server(registry_server: RegistryServer, tmp_path: Path) -> Iterator[RegistryServer]:
    """A server of this test's own on the same kind of store (the shared one must stay
    intact for the other tests)."""
    if registry_server.store == "sqlite":
        url = f"sqlite:///{tmp_path}/var/registry.sqlite"
    else:
        url = postgres_schema_url(f"b_{uuid.uuid4().hex[:16]}")
    server = RegistryServer(registry_server.store, url, tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if registry_server.store == "postgres":
            drop_schema(parse_database_url(url))


def edit_one_byte(server: RegistryServer, position: int) -> None:
    """Change one digit of the stored event's time, with SQL on the store behind the running
    server's back (as someone with database access would)."""
    settings = parse_database_url(server.database_url)
    if server.store == "sqlite":
        import sqlite3

        with sqlite3.connect(str(settings.sqlite_path)) as connection:
            [(state,)] = connection.execute(
                f"SELECT state FROM {EVENTS_TABLE} WHERE rowid = ?", (position,)
            ).fetchall()
            changed = _one_byte(bytes(state))
            connection.execute(
                f"UPDATE {EVENTS_TABLE} SET state = ? WHERE rowid = ?", (changed, position)
            )
        return
    with psycopg.connect(settings.pg_conninfo(), autocommit=True) as connection:
        [(name,)] = connection.execute(  # the library names it after the application
            "SELECT table_name FROM information_schema.columns WHERE table_schema = %s "
            "AND column_name IN ('notification_id', 'originator_version', 'state') "
            "AND table_name NOT LIKE 'v%%' GROUP BY table_name HAVING COUNT(*) = 3",
            (settings.pg_schema,),
        ).fetchall()
        table = f'"{settings.pg_schema}"."{name}"'
        [(state,)] = connection.execute(
            f"SELECT state FROM {table} WHERE notification_id = %s", (position,)
        ).fetchall()
        connection.execute(
            f"UPDATE {table} SET state = %s WHERE notification_id = %s",
            (_one_byte(bytes(state)), position),
        )


def _one_byte(state: bytes) -> bytes:
    index = state.index(b'"timestamp":"') + len(b'"timestamp":"') + 3
    digit = b"0" if state[index : index + 1] != b"0" else b"1"
    return state[:index] + digit + state[index + 1 :]


def test_verification_shows_a_tampered_store_as_broken(browser, own_server: RegistryServer):
    context = browser.new_context(locale="ru-RU", base_url=own_server.base_url)
    try:
        blocked = block_external(context, own_server.base_url)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        auditor = own_server.tokens.account("auditor")
        page.goto("/login")
        page.get_by_label(say("ru", "Access token")).fill(auditor.token)
        page.get_by_label(say("ru", "Access token")).press("Enter")
        page.goto("/audit/verify")
        expect(page.locator(".seal-status--ok")).to_contain_text(
            say("ru", "Intact: every stored event matches its seal.")
        )
        bad = 123
        edit_one_byte(own_server, bad)
        page.get_by_role("button", name=say("ru", "Verify again")).click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(say("ru", "Broken: the history contradicts its seals."))
        expect(page.locator("#first-bad-position")).to_have_text(str(bad))
        client = own_server.api()
        try:
            report = client.get("audit/verify", role="auditor")
        finally:
            client.close()
        assert report["ok"] is False and report["first_bad_position"] == bad
        assert_accessible(page)
        assert errors == [] and blocked == []
    finally:
        context.close()


def test_new_events_appear_at_the_top_by_themselves(
    page: Page, page_log: PageLog, open_page, registry_server: RegistryServer, api: JsonApi
):
    auditor = registry_server.tokens.account("auditor")
    sign_in(page, open_page, auditor.token)
    name = f"Колледж live {uuid.uuid4().hex[:6]}"
    created = api.post(
        "organisations",
        {"name_ru": name, "name_kk": name, "kind": "college", "region": "VKO"},
        role="organiser",
        expect=201,
    )
    row = page.locator(f"#p{created['position']}")
    expect(row).to_be_visible()
    expect(row).to_contain_text(name)
    expect(page.locator("#audit-events tbody tr").first).to_have_id(f"p{created['position']}")
    expect(page.locator("#audit-live-status")).to_have_text(
        say("ru", "New events arrived at the top of the table.")
    )
    assert page_log.page_errors == [] and page_log.blocked == []
