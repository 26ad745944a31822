"""The akimat's review pages and the administrator's accounts page through the real app
(SQLite and PostgreSQL): who may open them, every action through its form (with the CSRF
token of a signed-in session) and its effect checked through the JSON API, refusals shown
next to the entry that caused them in the viewer's language, bulk approval all or nothing,
a token shown once.

Expected texts come from the gettext catalogs and the recorded data, never from the pages'
own output.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.i18n import translator
from api.server import build_app
from domain.ids import SYSTEM_ACTOR
from domain.values import local_date
from registry.application import RegistryApplication
from registry.policy import PrizePolicy
from tests.api.conftest import bearer
from tests.helpers import sign_off_all
from tests.prizes_world import EXPECTED, PrizeWorld, build_prize_world, create_programme

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
TODAY = local_date(datetime.now(UTC))
KAZAKH_REASON = "Қайта қарау: құжаттар түзетілді ӘҒҚҢӨҰҮҺІ"


def ru(message: str, **params: object) -> str:
    return translator("ru").gettext(message, **params)


def kk(message: str, **params: object) -> str:
    return translator("kk").gettext(message, **params)


def text_of(page: str) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    body = page.split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def row_of(page: str, element_id: str) -> str:
    """The text of the table row (or list item) with ``id``."""
    match = re.search(rf'<(tr|li) id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element {element_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


@dataclass
class Office:
    client: AsyncTestClient[Litestar]
    app: RegistryApplication
    world: PrizeWorld
    programme: UUID
    tokens: dict[str, str]

    @property
    def page(self) -> str:
        return f"/akimat/programmes/{self.programme}"

    async def api(self, path: str, role: str = "akimat") -> Any:
        answer = await self.client.get(
            f"/api/v1/{path}",
            headers={
                **bearer(self.tokens[role]),
                "X-Registry-Min-Position": str(self.app.head_position()),
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def entries(self) -> dict[str, dict[str, Any]]:
        listed = await self.api(f"prize-programmes/{self.programme}")
        return {e["full_name"]: e for e in listed["entries"]}

    async def sign_in(self, role: str, lang: str = "ru") -> None:
        """A web session of ``role`` (the client keeps its cookies)."""
        self.client.cookies.clear()
        token = await self.csrf("/login?lang=" + lang)
        answer = await self.client.post(
            "/login",
            data={"token": self.tokens[role], "_csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        assert page.status_code == 200, page.text
        match = CSRF_FIELD.search(page.text)
        assert match, "the page carries no CSRF token"
        return match.group(1)

    async def post(self, path: str, data: dict[str, Any], *, from_page: str | None = None) -> Any:
        token = await self.csrf(from_page or self.page)
        return await self.client.post(
            path, data={**data, "_csrf_token": token}, follow_redirects=False
        )


@pytest.fixture
async def office(app: RegistryApplication) -> AsyncIterator[Office]:
    world = build_prize_world(app, publish=False)
    sign_off_all(app, world.world)
    app.lock(actor=world.world.experts["chief"], competition_id=world.world.competition)
    app.publish(actor=SYSTEM_ACTOR, competition_id=world.world.competition)
    tokens, ids = {}, {}
    for role in ("akimat", "admin", "organiser", "auditor"):
        created = app.create_account(actor=SYSTEM_ACTOR, name=f"{role} (office)", role=role)
        assert created.token
        tokens[role], ids[role] = created.token, created.id
    programme = create_programme(app, ids["akimat"])
    PrizePolicy(app).catch_up()
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        assert client.app.state.read_side.wait_for(app.head_position(), 30)
        yield Office(client, app, world, programme, tokens)


# ------------------------------------------------------------------ who may open them


async def test_only_the_akimat_reviews_and_only_the_admin_manages_accounts(office):
    client = office.client
    for path, role in ((office.page, "akimat"), ("/akimat/programmes", "akimat")):
        for other in ("admin", "organiser", "auditor"):
            answer = await client.get(path, headers=bearer(office.tokens[other]))
            assert answer.status_code == 403, (path, other)
            assert answer.headers["content-type"].startswith("text/html")
            assert ru("Not allowed") in answer.text
        answer = await client.get(path, headers=bearer(office.tokens[role]))
        assert answer.status_code == 200
        assert "Призы акима ВКО 2025" in answer.text
    for other in ("akimat", "organiser", "auditor"):
        answer = await client.get("/admin/accounts", headers=bearer(office.tokens[other]))
        assert answer.status_code == 403
    assert (
        await client.get("/admin/accounts", headers=bearer(office.tokens["admin"]))
    ).status_code == 200
    # the public is sent to sign in; a form posted by the public changes nothing
    for path in (office.page, "/akimat/programmes", "/admin/accounts"):
        answer = await client.get(path, follow_redirects=False)
        assert answer.status_code in (302, 303, 307)
        assert answer.headers["location"].startswith("/login?next=")
    before = office.app.event_count()
    entry = next(iter((await office.entries()).values()))["id"]
    answer = await client.post(f"{office.page}/entries/{entry}/approve", data={})
    assert answer.status_code in (401, 403) or answer.headers.get("location", "").startswith(
        "/login"
    )
    await office.sign_in("organiser")
    token = await office.csrf("/login")
    answer = await client.post(
        f"{office.page}/entries/{entry}/approve", data={"_csrf_token": token}
    )
    assert answer.status_code == 403
    assert office.app.event_count() == before


# ------------------------------------------------------------------ the review page


async def test_the_review_page_lists_every_entry_with_its_reason_and_filters(office):
    await office.sign_in("akimat")
    page = await office.client.get(office.page)
    assert page.status_code == 200
    listed = await office.entries()
    assert {(name, e["place"]) for name, e in listed.items()} == {
        (name, place) for name, place, _ in EXPECTED
    }
    for name, entry in listed.items():
        row = row_of(page.text, f"entry-{entry['id']}")
        assert name in row and entry["championship"] in row and entry["competition"] in row
        assert ru("Place %(place)s", place=entry["place"]) in row
        assert ru("proposed") in row
        assert f'href="/competitions/{entry["competition_id"]}"' in page.text
    proposed = await office.client.get(office.page + "?status=proposed")
    assert all(f"entry-{e['id']}" in proposed.text for e in listed.values())
    approved = await office.client.get(office.page + "?status=approved")
    assert not any(f"entry-{e['id']}" in approved.text for e in listed.values())
    assert ru("No entries with this status.") in text_of(approved.text)
    kazakh = await office.client.get(office.page + "?lang=kk")
    assert '<html lang="kk">' in kazakh.text
    assert kk("Approve the selected entries") in kazakh.text
    assert "ШҚО әкімінің сыйлықтары 2025" in kazakh.text


async def test_each_decision_through_its_form(office):
    await office.sign_in("akimat")
    entries = await office.entries()
    first = entries["Нұрланов Әлихан"]["id"]
    second = entries["Иванов Дмитрий Сергеевич"]["id"]

    answer = await office.post(f"{office.page}/entries/{first}/approve", {"status": "proposed"})
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith(office.page + "?") and "done=approve" in location
    assert "status=proposed" in location
    assert (await office.entries())["Нұрланов Әлихан"]["status"] == "approved"
    shown = await office.client.get(location)
    assert ru("The entry was approved.") in text_of(shown.text)

    answer = await office.post(
        f"{office.page}/entries/{first}/award", {"awarded_on": TODAY.isoformat()}
    )
    assert answer.status_code == 303
    awarded = (await office.entries())["Нұрланов Әлихан"]
    assert (awarded["status"], awarded["awarded_on"]) == ("awarded", TODAY.isoformat())

    answer = await office.post(
        f"{office.page}/entries/{second}/reject", {"reason": "Не житель области"}
    )
    assert answer.status_code == 303
    rejected = (await office.entries())["Иванов Дмитрий Сергеевич"]
    assert (rejected["status"], rejected["reason"]) == ("rejected", "Не житель области")

    answer = await office.post(
        f"{office.page}/entries/{second}/reconsider", {"reason": KAZAKH_REASON}
    )
    assert answer.status_code == 303, answer.text
    back = (await office.entries())["Иванов Дмитрий Сергеевич"]
    assert back["status"] == "proposed"

    answer = await office.post(
        f"{office.page}/entries/{first}/revoke", {"reason": "Документы не подтверждены"}
    )
    assert answer.status_code == 303
    assert (await office.entries())["Нұрланов Әлихан"]["status"] == "revoked"
    # the same decision again records nothing and says so
    before = office.app.event_count()
    answer = await office.post(f"{office.page}/entries/{first}/revoke", {"reason": "ещё раз"})
    assert answer.status_code == 303 and "done=nothing" in answer.headers["location"]
    assert office.app.event_count() == before


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_a_refusal_is_shown_next_to_its_entry_in_the_users_language(office, lang):
    await office.sign_in("akimat", lang)
    entries = await office.entries()
    target = entries["Қасымова Айгүл"]["id"]
    await office.post(f"{office.page}/entries/{target}/approve", {})
    before = office.app.event_count()
    future = (TODAY + timedelta(days=3)).isoformat()
    answer = await office.post(f"{office.page}/entries/{target}/award", {"awarded_on": future})
    assert answer.status_code == 422
    tr = translator(lang)
    expected = tr.gettext(
        "awarded_on: %(date)s is in the future (today is %(today)s)",
        date=future,
        today=TODAY.isoformat(),
    )
    assert expected != "awarded_on: %s is in the future" and future in expected
    row = row_of(answer.text, f"entry-{target}")
    assert expected in row
    for other in entries.values():
        if other["id"] != target:
            assert expected not in row_of(answer.text, f"entry-{other['id']}")
    # what was typed stays in the form
    assert f'value="{future}"' in answer.text
    # an empty reason is refused next to its entry as well
    answer = await office.post(f"{office.page}/entries/{target}/revoke", {"reason": " "})
    assert answer.status_code == 422
    assert 'role="alert"' in row_of_html(answer.text, f"entry-{target}")
    assert office.app.event_count() == before
    assert (await office.entries())["Қасымова Айгүл"]["status"] == "approved"


def row_of_html(page: str, element_id: str) -> str:
    match = re.search(rf'<tr id="{element_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert match
    return match.group(1)


async def test_bulk_approval_is_all_or_nothing(office):
    await office.sign_in("akimat")
    entries = await office.entries()
    ids = [e["id"] for e in entries.values()]
    rejected = entries["Иванов Дмитрий Сергеевич"]["id"]
    await office.post(f"{office.page}/entries/{rejected}/reject", {"reason": "Не житель"})
    before = office.app.event_count()
    # one of the selected is rejected: approving it is refused, so none is approved
    answer = await office.post(f"{office.page}/approve-selected", {"entry": ids})
    assert answer.status_code == 409, answer.text
    assert office.app.event_count() == before
    statuses = {e["id"]: e["status"] for e in (await office.entries()).values()}
    assert statuses[rejected] == "rejected"
    assert [s for i, s in statuses.items() if i != rejected] == ["proposed", "proposed"]
    refused_row = row_of_html(answer.text, f"entry-{rejected}")
    assert 'role="alert"' in refused_row
    for other in ids:
        if other != rejected:
            assert 'role="alert"' not in row_of_html(answer.text, f"entry-{other}")
            # the selection is kept for another try
            assert re.search(rf'value="{other}"[^>]*checked', answer.text)
    # nothing selected: said so, nothing recorded
    answer = await office.post(f"{office.page}/approve-selected", {})
    assert answer.status_code == 422
    assert ru("Select at least one entry to approve.") in text_of(answer.text)
    # the others alone: all approved in one action, one event each, in one transaction
    others = [i for i in ids if i != rejected]
    answer = await office.post(f"{office.page}/approve-selected", {"entry": others})
    assert answer.status_code == 303
    assert office.app.event_count() == before + len(others)
    statuses = {e["id"]: e["status"] for e in (await office.entries()).values()}
    assert all(statuses[i] == "approved" for i in others)
    shown = await office.client.get(answer.headers["location"])
    assert ru("The selected entries were approved.") in text_of(shown.text)


async def test_nominations_through_their_forms(office):
    await office.sign_in("akimat")
    before = office.app.event_count()
    answer = await office.post(
        f"{office.page}/nominations",
        {"title_ru": "Лучший меценат года", "title_kk": "Жылдың үздік меценаты"},
    )
    assert answer.status_code == 303
    listed = await office.api(f"prize-programmes/{office.programme}")
    nomination = listed["nominations"][0]
    assert nomination["title_kk"] == "Жылдың үздік меценаты"
    # a nominee without an organisation chosen: refused next to the nomination's form
    answer = await office.post(
        f"{office.page}/nominations/{nomination['id']}/nominees",
        {"organisation_id": "", "citation": "За поддержку"},
    )
    assert answer.status_code == 422
    assert ru("Choose an organisation.") in text_of(answer.text)
    organisation = office.world.world.orgs["kazzinc"]
    answer = await office.post(
        f"{office.page}/nominations/{nomination['id']}/nominees",
        {"organisation_id": str(organisation), "citation": "За поддержку колледжей Әлихан"},
    )
    assert answer.status_code == 303, answer.text
    nominee = (await office.api(f"prize-programmes/{office.programme}"))["nominations"][0][
        "nominees"
    ][0]
    assert (nominee["organisation_id"], nominee["citation"], nominee["status"]) == (
        str(organisation),
        "За поддержку колледжей Әлихан",
        "proposed",
    )
    page = await office.client.get(office.page)
    assert "За поддержку колледжей Әлихан" in row_of(page.text, f"nominee-{nominee['id']}")
    base = f"{office.page}/nominations/{nomination['id']}/nominees/{nominee['id']}"
    answer = await office.post(f"{base}/approve", {})
    assert answer.status_code == 303
    nominee = (await office.api(f"prize-programmes/{office.programme}"))["nominations"][0][
        "nominees"
    ][0]
    assert nominee["status"] == "approved"
    # the public sees the approved nominee
    public = await office.client.get(f"/prizes/{office.programme}")
    assert "За поддержку колледжей Әлихан" in public.text
    # revoked, with a reason
    answer = await office.post(f"{base}/revoke", {"reason": KAZAKH_REASON})
    assert answer.status_code == 303, answer.text
    nominee = (await office.api(f"prize-programmes/{office.programme}"))["nominations"][0][
        "nominees"
    ][0]
    assert (nominee["status"], nominee["reason"]) == ("revoked", KAZAKH_REASON)
    assert office.app.event_count() == before + 4


# ------------------------------------------------------------------ accounts


async def test_the_admin_creates_an_account_and_sees_its_token_once(office):
    await office.sign_in("admin")
    page = await office.client.get("/admin/accounts")
    for role in ("akimat (office)", "organiser (office)", "auditor (office)"):
        assert role in page.text
    competition = office.world.world.competition
    answer = await office.post(
        "/admin/accounts",
        {"name": "Эксперт Ұлжан Әлиқызы", "role": "expert", "competition_ids": [str(competition)]},
        from_page="/admin/accounts",
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    match = re.search(r'id="issued-token" value="([^"]+)"', answer.text)
    assert match, "the token is not shown"
    token = html.unescape(match.group(1))
    assert ru("This token is shown only once.") in text_of(answer.text)
    assert token not in answer.headers.get("location", "")
    # the token works, as the account it names, with its scope
    account = office.app.authenticate(token)
    assert account is not None and account.name == "Эксперт Ұлжан Әлиқызы"
    assert account.competition_ids == {competition}
    # a second GET never shows it again
    again = await office.client.get("/admin/accounts")
    assert token not in again.text
    assert "Эксперт Ұлжан Әлиқызы" in row_of(again.text, f"account-{account.id}")
    # the same name again: nothing created, no token
    before = office.app.event_count()
    answer = await office.post(
        "/admin/accounts",
        {"name": "Эксперт Ұлжан Әлиқызы", "role": "expert"},
        from_page="/admin/accounts",
    )
    assert answer.status_code == 200
    assert 'id="issued-token"' not in answer.text
    assert office.app.event_count() == before
    # no role: refused in the user's language, nothing recorded
    answer = await office.post(
        "/admin/accounts", {"name": "Без роли", "role": ""}, from_page="/admin/accounts"
    )
    assert answer.status_code == 422
    assert ru("Choose a role.") in text_of(answer.text)
    assert office.app.event_count() == before


async def test_the_admin_rotates_and_revokes(office):
    await office.sign_in("admin")
    created = office.app.create_account(actor=SYSTEM_ACTOR, name="Оператор Қ", role="organiser")
    old = created.token
    assert old is not None
    answer = await office.post(
        f"/admin/accounts/{created.id}/rotate", {}, from_page="/admin/accounts"
    )
    assert answer.status_code == 200
    match = re.search(r'id="issued-token" value="([^"]+)"', answer.text)
    assert match
    new = html.unescape(match.group(1))
    assert new != old
    assert office.app.authenticate(old) is None
    assert office.app.authenticate(new).id == created.id
    assert new not in (await office.client.get("/admin/accounts")).text
    # revoke without a reason: refused next to the account
    before = office.app.event_count()
    answer = await office.post(
        f"/admin/accounts/{created.id}/revoke", {"reason": ""}, from_page="/admin/accounts"
    )
    assert answer.status_code == 422
    assert 'role="alert"' in row_of_html(answer.text, f"account-{created.id}")
    assert office.app.event_count() == before
    answer = await office.post(
        f"/admin/accounts/{created.id}/revoke",
        {"reason": "Сотрудник уволился"},
        from_page="/admin/accounts",
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/admin/accounts?done=account-revoke")
    assert office.app.authenticate(new) is None
    refused = await office.client.get("/api/v1/championships", headers=bearer(new))
    assert refused.status_code == 401
    shown = await office.client.get(answer.headers["location"])
    assert ru("revoked") in row_of(shown.text, f"account-{created.id}")
