"""The spreadsheet upload page (``/import``) through the real app (SQLite and PostgreSQL): the
check (a dry run) shows what would be created and every problem and records nothing; the
import commits the very file checked (only its hash is sent back) and what it created is read
through the JSON API; a bad cell is shown with its row and column, a hostile file's message
next to the file field, in Russian or Kazakh; an expert imports their own marks but not an
entrant list; the forms need their CSRF token; a file imported meanwhile answers "already
imported" and records nothing new.

Expected texts come from the gettext catalogs and the recorded data, never from the page's
own output.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
import xlsxwriter
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.i18n import translator
from api.messages import Message
from api.server import build_app
from registry.application import RegistryApplication
from sheets.layouts import LAYOUTS, header_map, table_of
from sheets.reader import read_tables
from tests.api.conftest import Ctx, make_ctx

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
SHA_FIELD = re.compile(r'name="sha256" value="([0-9a-f]{64})"')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: an entrant list: (full name, birth date, organisation ru, organisation kk, kind, region)
PEOPLE = (
    (
        "Сейітқазы Әйгерім Нұрланқызы",
        "2005-04-12",
        "Өскемен құрылыс колледжі",
        "Өскемен құрылыс колледжі",
        "college",
        "VKO",
    ),
    ("Жұмабаев Ғалымжан Қайратұлы", "2004-11-03", "Өскемен құрылыс колледжі", "", "", ""),
    ("Һадиева Үміт Ерланқызы", "2006-01-30", "Риддерский аграрно-технический колледж", "", "", ""),
)


def ru(message: str, **params: object) -> str:
    return translator("ru").gettext(message, **params)


def kk(message: str, **params: object) -> str:
    return translator("kk").gettext(message, **params)


def text_of(page: str) -> str:
    body = page.split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def element(page: str, element_id: str) -> str:
    """The text of the element with ``id``."""
    match = re.search(rf'<(\w+) [^>]*id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element {element_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


def workbook(sheet: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """An .xlsx made as a person's spreadsheet program would (values only)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    page = book.add_worksheet(sheet)
    page.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                page.write_string(number, column, value)
            else:
                page.write_number(number, column, value)
    book.close()
    return buffer.getvalue()


def participants_file(people: Sequence[Sequence[object]] = PEOPLE) -> bytes:
    layout = LAYOUTS["participants"]
    keys = (
        "full_name",
        "birth_date",
        "organisation",
        "organisation_kk",
        "organisation_kind",
        "region",
    )
    header = [layout.field(key).header("ru") for key in keys]
    return workbook(layout.sheet, header, people)


@dataclass
class Pages:
    client: AsyncTestClient[Litestar]
    app: RegistryApplication
    ctx: Ctx

    async def api(self, path: str, role: str = "organiser") -> Any:
        answer = await self.client.get(
            f"/api/v1/{path}",
            headers={
                **self.ctx.auth(role),
                "X-Registry-Min-Position": str(self.app.head_position()),
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def sign_in(self, role: str = "organiser", lang: str = "ru") -> None:
        self.client.cookies.clear()
        token = await self.csrf("/login?lang=" + lang)
        answer = await self.client.post(
            "/login",
            data={"token": self.ctx.actors.tokens[role], "_csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    async def csrf(self, path: str = "/import") -> str:
        page = await self.client.get(path)
        assert page.status_code == 200, page.text
        match = CSRF_FIELD.search(page.text)
        assert match, "the page carries no CSRF token"
        return match.group(1)

    async def check(
        self,
        kind: str,
        competition: UUID | None,
        content: bytes,
        name: str = "список.xlsx",
        *,
        csrf: bool = True,
    ) -> Any:
        data = {"kind": kind, "competition_id": str(competition) if competition else ""}
        if csrf:
            data["_csrf_token"] = await self.csrf()
        return await self.client.post(
            "/import/check",
            data=data,
            files={"file": (name, content, XLSX)},
            follow_redirects=False,
        )

    async def commit(self, sha256: str, *, csrf: bool = True) -> Any:
        data = {"sha256": sha256}
        if csrf:
            data["_csrf_token"] = await self.csrf()
        return await self.client.post("/import/commit", data=data, follow_redirects=False)


@pytest.fixture
async def pages(app: RegistryApplication) -> AsyncIterator[Pages]:
    ctx = make_ctx(app)
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        assert client.app.state.read_side.wait_for(app.head_position(), 30)
        yield Pages(client, app, ctx)


async def entrant_names(pages: Pages, competition: UUID) -> set[str]:
    detail = await pages.api(f"competitions/{competition}")
    return {entrant["full_name"] for entrant in detail["entrants"]}


# ------------------------------------------------------------------ check, then import


async def test_the_check_shows_what_would_be_created_and_records_nothing(pages: Pages) -> None:
    await pages.sign_in()
    competition = pages.ctx.competition2  # in setup
    form = await pages.client.get("/import")
    assert form.status_code == 200
    page = form.text
    for kind in ("participants", "experts", "scheme"):
        assert f'id="kind-{kind}"' in page
        assert f'href="/api/v1/templates/{kind}.xlsx?lang=ru"' in page
    assert 'id="kind-marks"' not in page  # marks are the experts' own
    assert f'<option value="{competition}"' in page
    assert 'href="/import"' in page  # the organiser's navigation links it

    head, count = pages.app.head_position(), pages.app.event_count()
    answer = await pages.check("participants", competition, participants_file())
    assert answer.status_code == 200, text_of(answer.text)
    assert pages.app.head_position() == head and pages.app.event_count() == count
    created = element(answer.text, "would-create")
    assert ru("New organisations: %(num)s", num="1") in created
    assert ru("New participants: %(num)s", num="3") in created
    assert ru("Entries into the competition: %(num)s", num="3") in created
    assert ru("No problems found.") in answer.text
    assert 'id="commit-form"' in answer.text
    assert await entrant_names(pages, competition) == set()


async def test_the_import_commits_the_checked_file(pages: Pages) -> None:
    await pages.sign_in(lang="kk")
    competition = pages.ctx.competition2
    content = participants_file()
    checked = await pages.check("participants", competition, content)
    assert checked.status_code == 200, text_of(checked.text)
    sha = SHA_FIELD.search(checked.text)
    assert sha and sha.group(1) == hashlib.sha256(content).hexdigest()
    # the commit form carries the hash only: no file is uploaded again
    assert 'name="file"' not in checked.text.split('id="commit-form"', 1)[1].split("</form>")[0]

    answer = await pages.commit(sha.group(1))
    assert answer.status_code == 303, text_of(answer.text)
    assert answer.headers["location"] == f"/import?done={sha.group(1)}"
    names = {person[0] for person in PEOPLE}
    assert await entrant_names(pages, competition) == names
    done = await pages.client.get(answer.headers["location"])
    assert kk("The file was imported.") in done.text
    assert kk("New participants: %(num)s", num="3") in element(done.text, "import-created")

    # the kept file is gone: the same hash cannot be committed again
    count = pages.app.event_count()
    again = await pages.commit(sha.group(1))
    assert again.status_code == 410
    assert element(again.text, "file-error") == kk(
        "The checked file is no longer kept (it is kept for an hour). Choose it and check it again."
    )
    # the same file checked again is recognised by its content
    repeat = await pages.check("participants", competition, content)
    assert repeat.status_code == 200
    assert kk("This file was imported before; nothing new was recorded.") in repeat.text
    assert 'id="commit-form"' not in repeat.text
    assert pages.app.event_count() == count


async def test_a_file_imported_meanwhile_is_already_imported(pages: Pages) -> None:
    """Checked on the page, imported through the JSON API, then committed on the page: the
    answer is "already imported" and nothing new is recorded."""
    await pages.sign_in()
    competition = pages.ctx.competition2
    content = participants_file(PEOPLE[:2])
    checked = await pages.check("participants", competition, content)
    sha = SHA_FIELD.search(checked.text)
    assert sha, text_of(checked.text)
    through_api = await pages.client.post(
        f"/api/v1/imports?kind=participants&competition_id={competition}",
        files={"file": ("список.xlsx", content, XLSX)},
        headers=pages.ctx.auth("organiser"),
    )
    assert through_api.status_code == 201, through_api.text
    count = pages.app.event_count()
    answer = await pages.commit(sha.group(1))
    assert answer.status_code == 303
    done = await pages.client.get(answer.headers["location"])
    assert ru("This file was imported before; nothing new was recorded.") in done.text
    assert pages.app.event_count() == count
    assert await entrant_names(pages, competition) == {p[0] for p in PEOPLE[:2]}


# ------------------------------------------------------------------ problems and refusals


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_a_bad_cell_is_shown_with_its_row_and_column(pages: Pages, lang: str) -> None:
    await pages.sign_in(lang=lang)
    people = [list(p) for p in PEOPLE]
    people[1][1] = "31.02.2004"  # row 3 of the sheet, column B
    count = pages.app.event_count()
    answer = await pages.check("participants", pages.ctx.competition2, participants_file(people))
    assert answer.status_code == 422
    assert pages.app.event_count() == count
    row = element(answer.text, "problem-1")
    message = Message(
        "%(field)s: %(value)s is not a date; write it as DD.MM.YYYY or YYYY-MM-DD",
        {"field": "birth_date", "value": "31.02.2004"},
    ).text(translator(lang))
    assert row.split()[:3] == [LAYOUTS["participants"].sheet, "3", "B"]
    assert "31.02.2004" in row and message in row
    assert 'id="problem-2"' not in answer.text
    assert 'id="commit-form"' not in answer.text  # nothing to import until it is corrected
    summary = translator(lang).gettext(
        "Problems found: %(num)s. Nothing can be imported until they are corrected.", num=1
    )
    assert summary in answer.text
    assert await entrant_names(pages, pages.ctx.competition2) == set()


async def test_a_hostile_file_is_refused_next_to_the_file_field(pages: Pages) -> None:
    await pages.sign_in()
    count = pages.app.event_count()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    answer = await pages.check("participants", pages.ctx.competition2, png, "photo.xlsx")
    assert answer.status_code == 422
    expected = Message(
        "This file is not a spreadsheet (it looks like %(found)s). Send an Excel workbook "
        "(.xlsx or .xls), an OpenDocument spreadsheet (.ods) or a CSV file in UTF-8.",
        {"found": ru("a PNG picture")},
    ).text(translator("ru"))
    assert element(answer.text, "file-error") == expected
    assert 'aria-invalid="true"' in answer.text
    # a formula where a value is expected
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(LAYOUTS["participants"].sheet)
    sheet.write_row(0, 0, ["ФИО", "Организация"])
    sheet.write_string(1, 0, "Әбілқасым Ұлан")
    sheet.write_formula(1, 1, '=CONCAT("Колледж ", "1")')
    book.close()
    answer = await pages.check("participants", pages.ctx.competition2, buffer.getvalue())
    assert answer.status_code == 422
    assert "B2" in element(answer.text, "file-error")
    assert pages.app.event_count() == count


async def test_an_expert_imports_own_marks_but_not_an_entrant_list(pages: Pages) -> None:
    await pages.sign_in("expert")
    world = pages.ctx.world
    form = (await pages.client.get("/import")).text
    assert 'id="kind-marks"' in form and 'id="kind-participants"' not in form
    assert f'<option value="{world.competition}"' in form
    assert f'<option value="{pages.ctx.competition2}"' not in form  # not the expert's

    count = pages.app.event_count()
    refused = await pages.check("participants", world.competition, participants_file())
    assert refused.status_code == 403
    expected = Message(
        "this import needs the role organiser; the account's role is %(role)s",
        {"role": "expert"},
    ).text(translator("ru"))
    assert element(refused.text, "kind-error") == expected
    outside = await pages.check("marks", pages.ctx.competition2, b"x")
    assert outside.status_code == 403
    assert element(outside.text, "competition-error") == Message(
        "you are not an expert of this competition"
    ).text(translator("ru"))
    assert pages.app.event_count() == count

    names = ["Нұрланов Әлихан", "Қасымова Айгүл"]
    header = [LAYOUTS["marks"].field("competitor").header("ru"), "A1", "A2", "B1", "B2"]
    sheet = workbook(LAYOUTS["marks"].sheet, header, [[n, 25.5, 18.0, 2, 3] for n in names])
    checked = await pages.check("marks", world.competition, sheet)
    assert checked.status_code == 200, text_of(checked.text)
    assert ru("Marks: %(num)s", num="8") in element(checked.text, "would-create")
    assert pages.app.event_count() == count
    sha = SHA_FIELD.search(checked.text)
    assert sha
    answer = await pages.commit(sha.group(1))
    assert answer.status_code == 303, text_of(answer.text)
    marks = await pages.api(f"audit/competitions/{world.competition}/marks", role="auditor")
    mine = {
        (m["competitor_id"], m["aspect_id"]): m["value"]
        for m in marks["marks"]
        if m["expert_id"] == str(pages.ctx.actors.ids["expert"])
    }
    for name in names:
        person = str(world.people[name])
        assert mine[(person, "A1")] == "25.50" and mine[(person, "A2")] == "18.00"
        assert (mine[(person, "B1")], mine[(person, "B2")]) == ("2", "3")


async def test_the_forms_need_their_csrf_token(pages: Pages) -> None:
    await pages.sign_in()
    count = pages.app.event_count()
    answer = await pages.check(
        "participants", pages.ctx.competition2, participants_file(), csrf=False
    )
    assert answer.status_code == 403
    assert ru("The form has expired") in answer.text
    checked = await pages.check("participants", pages.ctx.competition2, participants_file())
    sha = SHA_FIELD.search(checked.text)
    assert sha
    answer = await pages.commit(sha.group(1), csrf=False)
    assert answer.status_code == 403
    assert pages.app.event_count() == count
    assert await entrant_names(pages, pages.ctx.competition2) == set()


async def test_who_may_open_the_page(pages: Pages) -> None:
    client = pages.client
    for other in ("admin", "akimat", "auditor"):
        answer = await client.get("/import", headers=pages.ctx.auth(other))
        assert answer.status_code == 403, other
    answer = await client.get("/import", follow_redirects=False)
    assert answer.status_code in (302, 303, 307)
    assert answer.headers["location"].startswith("/login?next=")
    for role in ("organiser", "expert", "chief"):
        answer = await client.get("/import", headers=pages.ctx.auth(role))
        assert answer.status_code == 200, role


async def test_a_hash_never_checked_by_this_viewer_is_not_imported(pages: Pages) -> None:
    """The kept file belongs to the viewer who checked it: another account's commit of the
    same hash finds nothing."""
    await pages.sign_in()
    checked = await pages.check("participants", pages.ctx.competition2, participants_file())
    sha = SHA_FIELD.search(checked.text)
    assert sha
    await pages.sign_in("chief")
    count = pages.app.event_count()
    answer = await pages.commit(sha.group(1))
    assert answer.status_code == 410
    for bad in ("../../etc/passwd", "0" * 63, ""):
        answer = await pages.commit(bad)
        assert answer.status_code == 410
    assert pages.app.event_count() == count


async def test_an_upload_over_the_limit_is_refused_next_to_the_file_field(pages: Pages) -> None:
    from api.imports import MAX_UPLOAD_BYTES

    await pages.sign_in()
    count = pages.app.event_count()
    answer = await pages.check("participants", pages.ctx.competition2, b"a;b\n" * (3 << 20))
    assert answer.status_code == 413
    size = str(MAX_UPLOAD_BYTES // (1024 * 1024))
    expected = ru(
        "The file is larger than %(size)s MB; split the list into several files.", size=size
    )
    assert element(answer.text, "file-error") == expected
    assert pages.app.event_count() == count


# ------------------------------------------------------------------ filled-in templates


def nav_links(page: str) -> list[str]:
    nav = page.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', nav)


async def test_the_menu_leads_importers_to_the_page(pages: Pages) -> None:
    for role, shown in (("organiser", True), ("expert", True), ("chief", True), ("akimat", False)):
        await pages.sign_in(role, lang="kk")
        page = await pages.client.get("/")
        assert ("/import" in nav_links(page.text)) is shown, role
        if shown:
            assert translator("kk").gettext("Import") in text_of(
                page.text.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
            )


async def test_an_expert_downloads_a_filled_in_mark_sheet_of_their_competition(
    pages: Pages,
) -> None:
    await pages.sign_in("expert", lang="kk")
    world = pages.ctx.world
    form = (await pages.client.get("/import")).text
    assert 'id="template-form"' in form
    template_form = form.split('id="template-form"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{world.competition}"' in template_form
    assert f'<option value="{pages.ctx.competition2}"' not in template_form
    assert 'value="scheme"' not in template_form  # an expert imports marks only

    count = pages.app.event_count()
    answer = await pages.client.get(
        "/import/template",
        params={"kind": "marks", "competition_id": str(world.competition), "lang": "kk"},
    )
    # the same bytes as the API's pre-filled template for the expert's token
    api = await pages.client.get(
        f"/api/v1/templates/marks.xlsx?lang=kk&competition_id={world.competition}",
        headers={
            **pages.ctx.auth("expert"),
            "X-Registry-Min-Position": str(pages.app.head_position()),
        },
    )
    assert answer.status_code == 200, text_of(answer.text)
    assert answer.headers["content-type"].startswith(XLSX)
    assert api.status_code == 200
    mine, theirs = read_tables(answer.content, "m.xlsx"), read_tables(api.content, "m.xlsx")
    assert {k: (t.header, t.rows) for k, t in mine.items()} == {
        k: (t.header, t.rows) for k, t in theirs.items()
    }
    names = {row.cells[0] for row in mine[LAYOUTS["marks"].sheet_name("kk")].rows}
    assert names == set(await entrant_names(pages, world.competition))  # Kazakh names intact
    assert answer.headers["content-disposition"] == api.headers["content-disposition"]

    # another competition, a kind the expert may not import, or nothing chosen: the page
    # again, the reason by the template form, nothing recorded
    outside = await pages.client.get(
        "/import/template",
        params={"kind": "marks", "competition_id": str(pages.ctx.competition2)},
    )
    assert outside.status_code == 403
    assert element(outside.text, "template-error") == Message(
        "you are not an expert of this competition"
    ).text(translator("kk"))
    scheme = await pages.client.get(
        "/import/template", params={"kind": "scheme", "competition_id": str(world.competition)}
    )
    assert scheme.status_code == 422
    assert element(scheme.text, "template-error") == kk("Choose what the file holds.")
    missing = await pages.client.get("/import/template", params={"kind": "marks"})
    assert missing.status_code == 422
    assert element(missing.text, "template-error") == kk("Choose a competition.")
    assert pages.app.event_count() == count


async def test_an_organiser_downloads_the_current_scheme_and_the_public_signs_in(
    pages: Pages,
) -> None:
    world = pages.ctx.world
    answer = await pages.client.get(
        "/import/template",
        params={"kind": "scheme", "competition_id": str(world.competition)},
        follow_redirects=False,
    )
    assert answer.status_code in (302, 303, 307)
    assert answer.headers["location"].startswith("/login?next=")
    await pages.sign_in("organiser")
    answer = await pages.client.get(
        "/import/template",
        params={"kind": "scheme", "competition_id": str(world.competition), "lang": "ru"},
    )
    assert answer.status_code == 200, text_of(answer.text)
    table = table_of(read_tables(answer.content, "s.xlsx"), LAYOUTS["scheme"])
    columns = header_map(LAYOUTS["scheme"], table.header)
    detail = await pages.api(f"competitions/{world.competition}")
    assert [row.cells[columns["aspect_id"]] for row in table.rows] == [
        a["id"] for a in detail["scheme"]
    ]
