"""The spreadsheet upload page (``/import``) in Chromium, on the real ``registry serve --demo``
(SQLite and PostgreSQL), in Russian and Kazakh: the organiser downloads the entrant-list
template, fills it (XlsxWriter, as a spreadsheet program would: Kazakh names), checks a file
with a bad cell (the problem shown in the table with its row and column; nothing recorded),
checks the corrected file (the preview says what would be created), imports it and sees what
was created; the entrants are read back through the JSON API. axe-core finds no serious or
critical violation on the page without a preview, with a table of problems, with a preview
and with the result.

The test makes its own championship and competition through the JSON API, never the demo's.
"""

from __future__ import annotations

import io
import random
import string
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from playwright.sync_api import Page, expect

from api.i18n import translator
from api.messages import Message
from sheets.layouts import LAYOUTS
from sheets.reader import column_letter, read_tables
from tests.browser.conftest import PageLog
from tests.browser.harness import JsonApi, assert_accessible
from tests.browser.test_marking_browser import sign_in

#: the entrants the organiser lists (each run gives them other birth dates: other people)
NAMES = ("Әлімжанова Ұлпан Серікқызы", "Құрманғазиев Іңкәр Өмірұлы", "Һасенов Үсен Ғабитұлы")
BAD_DATE = "31.02.2005"


def say(lang: str, message: str, **params: Any) -> str:
    return translator(lang).gettext(message, **params)


def competition_of_this_test(api: JsonApi) -> tuple[str, str, str]:
    """A championship and a competition in setup, and an organisation already registered:
    (competition id, its region, the organisation's Russian name)."""
    region = "T" + "".join(random.choice(string.ascii_uppercase) for _ in range(7))
    name_ru = f"Колледж импорта {region}"
    api.post(
        "organisations",
        {
            "name_ru": name_ru,
            "name_kk": f"Импорт колледжі {region}",
            "kind": "college",
            "region": region,
        },
        role="organiser",
        expect=201,
    )
    championship = api.post(
        "championships",
        {
            "kind": "worldskills",
            "level": "regional",
            "year": 2026,
            "region": region,
            "title_ru": f"Чемпионат импорта {region}",
            "title_kk": f"Импорт чемпионаты {region}",
            "starts_on": "2026-11-30",
            "ends_on": "2026-12-04",
        },
        role="organiser",
        expect=201,
    )["id"]
    competition = api.post(
        f"championships/{championship}/competitions",
        {
            "code": "plumbing",
            "title_ru": f"Сантехника {region}",
            "title_kk": f"Сантехника {region}",
            "category": "main",
        },
        role="organiser",
        expect=201,
    )["id"]
    # The import page lists competitions from the views: a page opened next must find this one.
    assert now(api, f"competitions/{competition}")["id"] == competition
    return competition, region, name_ru


def filled(template: bytes, rows: list[dict[str, str]]) -> bytes:
    """The template's data sheet with its header row as downloaded, and ``rows`` (by the
    layout's keys) below it, written by XlsxWriter."""
    layout = LAYOUTS["participants"]
    tables = read_tables(template, "template.xlsx")
    sheet = next(iter(tables.values()))
    keys = [layout.key_of(text) for text in sheet.header]
    assert "full_name" in keys and "organisation" in keys, sheet.header
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    page = book.add_worksheet(sheet.sheet)
    page.write_row(0, 0, sheet.header)
    for number, row in enumerate(rows, start=1):
        for column, key in enumerate(keys):
            if key in row:
                page.write_string(number, column, row[key])
    book.close()
    return buffer.getvalue()


def now(api: JsonApi, path: str) -> Any:
    head = api.get("/readyz")["head_position"]
    return api.get(path, role="organiser", headers={"X-Registry-Min-Position": str(head)})


def upload(page: Page, lang: str, competition: str, content: bytes, name: str) -> None:
    page.locator("#kind-participants").check()
    page.locator("#import-competition").select_option(competition)
    page.locator("#import-file").set_input_files(
        {
            "name": name,
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": content,
        }
    )
    page.get_by_role("button", name=say(lang, "Check the file")).click()


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_the_organiser_checks_and_imports_an_entrant_list(
    page: Page, page_log: PageLog, api: JsonApi, locale: str, tmp_path: Path
) -> None:
    lang = locale[:2]
    competition, region, organisation = competition_of_this_test(api)
    assert api.tokens is not None
    sign_in(page, api.tokens.token("organiser"), "/import")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        say(lang, "Import from a spreadsheet")
    )
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page)  # the form, no preview

    # the template of the chosen kind, downloaded from the page
    with page.expect_download() as download:
        page.locator("#template-participants").click()
    saved = tmp_path / "template.xlsx"
    download.value.save_as(saved)
    template = saved.read_bytes()

    born = date(2003, 1, 1) + timedelta(days=random.randrange(3000))
    rows = [
        {
            "full_name": name,
            "birth_date": (born + timedelta(days=40 * index)).strftime("%d.%m.%Y"),
            "organisation": organisation,
            "region": region,
        }
        for index, name in enumerate(NAMES)
    ]
    bad = [dict(r) for r in rows]
    bad[1]["birth_date"] = BAD_DATE  # row 3 of the sheet
    head = api.get("/readyz")["head_position"]
    upload(page, lang, competition, filled(template, bad), "қатысушылар.xlsx")
    problems = page.locator("table.import-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("caption")).to_have_text(say(lang, "Problems of the file"))
    row = problems.locator("tbody tr")
    expect(row).to_have_count(1)
    cells = row.first.locator("td, th")
    header = next(iter(read_tables(template).values())).header
    keys = [LAYOUTS["participants"].key_of(text) for text in header]
    expect(cells.nth(1)).to_have_text("3")
    expect(cells.nth(2)).to_have_text(column_letter(keys.index("birth_date")))
    expect(cells.nth(3)).to_have_text(BAD_DATE)
    message = Message(
        "%(field)s: %(value)s is not a date; write it as DD.MM.YYYY or YYYY-MM-DD",
        {"field": "birth_date", "value": BAD_DATE},
    ).text(translator(lang))
    expect(cells.nth(4)).to_have_text(message)
    expect(page.locator("#commit-form")).to_have_count(0)
    assert_accessible(page)  # with a table of problems
    assert api.get("/readyz")["head_position"] == head  # nothing recorded

    # the corrected file: the preview, then the import
    upload(page, lang, competition, filled(template, rows), "қатысушылар.xlsx")
    preview = page.locator("#would-create")
    expect(preview).to_contain_text(say(lang, "New participants: %(num)s", num="3"))
    expect(preview).to_contain_text(say(lang, "Entries into the competition: %(num)s", num="3"))
    expect(preview).to_contain_text(say(lang, "New organisations: %(num)s", num="0"))
    expect(page.locator("#no-problems")).to_have_text(say(lang, "No problems found."))
    assert_accessible(page)  # with a preview
    assert api.get("/readyz")["head_position"] == head
    assert now(api, f"competitions/{competition}")["entrants"] == []

    page.get_by_role("button", name=say(lang, "Import"), exact=True).click()
    result = page.locator(".import-result")
    expect(result.get_by_role("heading")).to_have_text(say(lang, "The file was imported."))
    expect(page.locator("#import-created")).to_contain_text(
        say(lang, "New participants: %(num)s", num="3")
    )
    assert_accessible(page)  # with the result
    entrants = now(api, f"competitions/{competition}")["entrants"]
    assert sorted(e["full_name"] for e in entrants) == sorted(NAMES)

    # the competition's own scheme template, from the form that needs no token
    page.locator("#template-kind").select_option("scheme")
    page.locator("#template-competition").select_option(competition)
    with page.expect_download() as download:
        page.get_by_role("button", name=say(lang, "Download the template")).click()
    saved = tmp_path / "scheme.xlsx"
    download.value.save_as(saved)
    tables = read_tables(saved.read_bytes(), "scheme.xlsx")
    assert next(iter(tables)) == LAYOUTS["scheme"].sheet_name(lang)
    assert f"Сантехника {region}" in download.value.suggested_filename
    assert page_log.blocked == [] and page_log.page_errors == []
