"""The judges' pages through the real app (SQLite and PostgreSQL): the marking sheet (a plain
form posting the whole sheet, all or nothing; refusals next to their cells; conflict-of-interest
cells disabled), the script's JSON endpoint behind the CSRF token, corrections, sign-off, and
the chief expert's page (disputes with each expert's score, sign-offs, lock, reopen); who may
open them.

Expected texts come from the recorded events, the domain's refusals and the gettext catalogs
(``api.i18n``), never from the pages' own output.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.i18n import translator
from api.messages import refusal_text
from api.server import build_app
from domain.errors import DomainError
from registry.application import RegistryApplication
from tests.api.conftest import Ctx, make_ctx

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
NAMES = ("Нұрланов Әлихан", "Қасымова Айгүл", "Иванов Дмитрий Сергеевич", "Өмірбекова Ұлжан")


def ru(message: str, **params: object) -> str:
    return translator("ru").gettext(message, **params)


def kk(message: str, **params: object) -> str:
    return translator("kk").gettext(message, **params)


def text_of(page: str) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    body = page.split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def cell_name(competitor: UUID, aspect: str) -> str:
    return f"m.{competitor}.{aspect}"


def input_tag(page: str, name: str) -> str:
    match = re.search(r"<input[^>]*name=\"" + re.escape(name) + r"\"[^>]*>", page)
    assert match, f"no input {name}"
    return match.group(0)


def cell_html(page: str, name: str) -> str:
    """The table cell holding the input ``name``."""
    start = page.index(f'name="{name}"')
    cell_start = page.rindex("<td", 0, start)
    return page[cell_start : page.index("</td>", start)]


class Judges:
    """The test world (four competitors, experts e1, e2, e3, a conflicted one, the chief), with
    signed-in web sessions for the judges who use the pages."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.registry = ctx.registry
        self.world = ctx.world
        self.competition = ctx.world.competition
        self.tokens = dict(ctx.actors.tokens)
        for key in ("e2", "e3", "e_conflicted"):
            rotated = self.registry.rotate_token(
                actor=ctx.actors.ids["admin"], account_id=ctx.world.experts[key]
            )
            assert rotated.token
            self.tokens[key] = rotated.token
        self.tokens["e1"] = ctx.actors.tokens["expert"]

    def person(self, name: str) -> UUID:
        return self.world.people[name]


@pytest.fixture
async def web(app: RegistryApplication) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Judges]]:
    judges = Judges(make_ctx(app))
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        yield client, judges


async def sign_in(client: AsyncTestClient[Litestar], token: str) -> str:
    """Signs ``client`` in with ``token``; answers the CSRF token of its forms."""
    page = await client.get("/login")
    form = {"token": token, "_csrf_token": CSRF_FIELD.search(page.text).group(1)}  # type: ignore[union-attr]
    answer = await client.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    page = await client.get("/login")
    return CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]


async def post_form(
    client: AsyncTestClient[Litestar], path: str, csrf: str, form: dict[str, str]
) -> Any:
    return await client.post(path, data={"_csrf_token": csrf, **form}, follow_redirects=False)


def stored_marks(judges: Judges) -> tuple[dict[Any, Any], dict[Any, Any]]:
    competition = judges.registry.competition(judges.competition)
    return dict(competition.measurements), {k: dict(v) for k, v in competition.judgements.items()}


# ------------------------------------------------------------------ who may open the pages


async def test_the_sheet_is_for_the_competitions_experts_and_the_chief_page_for_its_chief(web):
    client, judges = web
    sheet = f"/mark/{judges.competition}"
    chief = f"{sheet}/chief"
    # the public is sent to sign in
    answer = await client.get(sheet, follow_redirects=False)
    assert answer.status_code in (302, 303) and answer.headers["location"].startswith(
        "/login?next="
    )
    answer = await client.get(chief, follow_redirects=False)
    assert answer.status_code in (302, 303) and "/login" in answer.headers["location"]
    # the experts and the chief open the sheet
    for role in ("expert", "chief"):
        answer = await client.get(sheet, headers=judges.ctx.auth(role))
        assert answer.status_code == 200, (role, answer.text[:400])
        assert answer.headers["content-type"].startswith("text/html")
    # other roles, and an expert of another competition: a 403 page in their language
    for role in ("organiser", "auditor", "admin", "akimat", "outsider"):
        for path in (sheet, chief):
            answer = await client.get(path, headers=judges.ctx.auth(role))
            assert answer.status_code == 403, (role, path)
            assert answer.headers["content-type"].startswith("text/html")
            assert ru("Not allowed") in answer.text
    # the chief's page: the chief only, not an expert of the competition
    answer = await client.get(chief, headers=judges.ctx.auth("expert"))
    assert answer.status_code == 403
    answer = await client.get(chief, headers=judges.ctx.auth("chief"))
    assert answer.status_code == 200
    # posts are guarded the same way (with a valid CSRF token, a session of another role)
    csrf = await sign_in(client, judges.tokens["organiser"])
    competitor = judges.person(NAMES[2])
    answer = await post_form(client, sheet, csrf, {cell_name(competitor, "A1"): "10.00"})
    assert answer.status_code == 403
    answer = await post_form(client, f"{chief.rsplit('/', 1)[0]}/lock", csrf, {})
    assert answer.status_code == 403
    assert stored_marks(judges) == ({}, {})


# ------------------------------------------------------------------ the sheet


async def test_the_sheet_shows_every_competitor_and_aspect_and_disables_conflicts(web):
    client, judges = web
    registry, world = judges.registry, judges.world
    # another expert already entered a measurement; this expert a score
    registry.enter_marks(
        actor=world.experts["e1"],
        competition_id=judges.competition,
        marks=[(judges.person(NAMES[2]), "A1", "21.50"), (judges.person(NAMES[3]), "B1", 2)],
    )
    page = (
        await client.get(f"/mark/{judges.competition}", headers={**judges.ctx.auth("expert")})
    ).text
    # e1 here is the ctx's "expert": competitors × aspects
    for name in NAMES:
        assert name in page
    for aspect in ("A1", "A2", "B1", "B2"):
        assert f">{aspect}<" in page
    held = input_tag(page, cell_name(judges.person(NAMES[2]), "A1"))
    assert 'value="21.50"' in held
    assert 'value="2"' in input_tag(page, cell_name(judges.person(NAMES[3]), "B1"))
    assert ru("Your sheet") in page and ru("The whole competition") in page

    # the conflicted expert (college_a): the two competitors of college_a are disabled,
    # with the domain's own reason, in Kazakh when asked
    csrf = await sign_in(client, judges.tokens["e_conflicted"])
    page = (await client.get(f"/mark/{judges.competition}?lang=kk")).text
    assert '<html lang="kk">' in page
    competition = registry.competition(judges.competition)
    expert = competition.experts[world.experts["e_conflicted"]]
    for name in NAMES:
        entrant = competition.entrants[judges.person(name)]
        tag = input_tag(page, cell_name(entrant.participant_id, "A1"))
        if name in NAMES[:2]:
            assert re.search(r"\sdisabled\b", tag), name
            with pytest.raises(DomainError) as refused:
                competition.check_conflict(expert, entrant)
            assert html.escape(refusal_text(refused.value, translator("kk")), quote=False) in page
        else:
            assert not re.search(r"\sdisabled\b", tag), name
    # progress: e_conflicted's sheet has 2 competitors × 4 aspects open, one of them filled
    # (e1's measurement); the competition has 2 of 4 × (2 + 3 × 2) marks
    shown = text_of(page)
    assert f"{kk('Your sheet')}: 1 / 8" in shown
    assert f"{kk('The whole competition')}: 2 / 32" in shown
    assert csrf


async def test_the_whole_sheet_is_saved_at_once(web):
    client, judges = web
    csrf = await sign_in(client, judges.tokens["e1"])
    form = {}
    for name, a1, b1 in ((NAMES[0], "25.00", "3"), (NAMES[1], "24.5", "2"), (NAMES[2], "", "1")):
        form[cell_name(judges.person(name), "A1")] = a1
        form[cell_name(judges.person(name), "B1")] = b1
    answer = await post_form(client, f"/mark/{judges.competition}", csrf, form)
    assert answer.status_code == 303, answer.text[:1000]
    assert answer.headers["location"].startswith(f"/mark/{judges.competition}")
    measurements, judgements = stored_marks(judges)
    assert {k: v[0] for k, v in measurements.items()} == {
        (judges.person(NAMES[0]), "A1"): Decimal("25.00"),
        (judges.person(NAMES[1]), "A1"): Decimal("24.50"),
    }
    e1 = judges.world.experts["e1"]
    assert {k: v[e1] for k, v in judgements.items()} == {
        (judges.person(NAMES[0]), "B1"): 3,
        (judges.person(NAMES[1]), "B1"): 2,
        (judges.person(NAMES[2]), "B1"): 1,
    }
    page = (await client.get(answer.headers["location"])).text
    assert ru("The sheet is saved: every mark you typed is recorded.") in page
    assert 'value="24.50"' in input_tag(page, cell_name(judges.person(NAMES[1]), "A1"))
    # the same sheet again: repeats are no-ops, nothing new is recorded
    head = judges.registry.head_position()
    answer = await post_form(client, f"/mark/{judges.competition}", csrf, form)
    assert answer.status_code == 303
    assert judges.registry.head_position() == head


async def test_a_refused_sheet_records_nothing_and_shows_the_refusal_next_to_its_cell(web):
    client, judges = web
    csrf = await sign_in(client, judges.tokens["e1"])
    good = cell_name(judges.person(NAMES[0]), "A1")
    bad = cell_name(judges.person(NAMES[1]), "A2")  # A2 takes 0–20.00
    score = cell_name(judges.person(NAMES[2]), "B2")
    head = judges.registry.head_position()
    form = {good: "25.00", bad: "21.00", score: "2"}
    answer = await post_form(client, f"/mark/{judges.competition}?lang=kk", csrf, form)
    assert answer.status_code == 422
    assert judges.registry.head_position() == head
    assert stored_marks(judges) == ({}, {})
    page = answer.text
    # the domain's refusal, in Kazakh, in the cell of the refused mark, which is marked invalid
    competition = judges.registry.competition(judges.competition)
    with pytest.raises(DomainError) as refused:
        competition.enter_marks(
            actor=judges.world.experts["e1"],
            marks=[(judges.person(NAMES[1]), "A2", "21.00")],
        )
    expected = html.escape(refusal_text(refused.value, translator("kk")), quote=False)
    assert expected in cell_html(page, bad)
    assert expected not in cell_html(page, good)
    assert 'aria-invalid="true"' in input_tag(page, bad)
    assert "aria-invalid" not in input_tag(page, good)
    # what was typed is kept, so nothing has to be typed again
    assert 'value="25.00"' in input_tag(page, good)
    assert 'value="21.00"' in input_tag(page, bad)
    assert 'value="2"' in input_tag(page, score)
    assert kk("Nothing was saved.") in page
    assert kk("A mark was refused: the reason is shown next to its cell.") in page

    # a judgement score out of range, and a conflict of interest: each next to its cell
    csrf = await sign_in(client, judges.tokens["e_conflicted"])
    mine = cell_name(judges.person(NAMES[2]), "B1")
    theirs = cell_name(judges.person(NAMES[0]), "B1")  # same college: refused
    answer = await post_form(client, f"/mark/{judges.competition}", csrf, {mine: "4"})
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in input_tag(answer.text, mine)
    with pytest.raises(DomainError) as refused:
        competition.enter_marks(
            actor=judges.world.experts["e_conflicted"], marks=[(judges.person(NAMES[2]), "B1", 4)]
        )
    # (in Kazakh: the language chosen with ?lang=kk above is remembered)
    assert html.escape(refusal_text(refused.value, translator("kk")), quote=False) in cell_html(
        answer.text, mine
    )
    answer = await post_form(client, f"/mark/{judges.competition}", csrf, {mine: "2", theirs: "2"})
    assert answer.status_code == 409
    assert 'aria-invalid="true"' in input_tag(answer.text, theirs)
    assert stored_marks(judges) == ({}, {})


async def test_the_scripts_endpoint_needs_the_csrf_token_and_saves_one_mark(web):
    client, judges = web
    csrf = await sign_in(client, judges.tokens["e1"])
    path = f"/mark/{judges.competition}/marks"
    body = {
        "competitor_id": str(judges.person(NAMES[0])),
        "aspect_id": "A1",
        "value": "12.25",
    }
    answer = await client.post(path, json=body)  # no token: refused
    assert answer.status_code == 403
    assert stored_marks(judges) == ({}, {})
    answer = await client.post(path, json=body, headers={"x-csrftoken": csrf})
    assert answer.status_code == 200, answer.text
    first = answer.json()
    assert first["recorded"] is True
    assert first["progress"]["entered"] == 1
    # the same mark again (a retry after a lost answer): success, recorded once
    answer = await client.post(path, json=body, headers={"x-csrftoken": csrf})
    assert answer.status_code == 200
    assert answer.json()["recorded"] is False
    assert answer.json()["position"] == first["position"]
    measurements, _ = stored_marks(judges)
    assert measurements[(judges.person(NAMES[0]), "A1")][0] == Decimal("12.25")
    # a refusal answers the domain's code and its text in the viewer's language
    answer = await client.post(
        path,
        json={**body, "value": "13.00"},
        headers={"x-csrftoken": csrf, "Accept-Language": "kk"},
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "mark-exists"
    # a judgement score is the integer
    answer = await client.post(
        path,
        json={"competitor_id": str(judges.person(NAMES[0])), "aspect_id": "B1", "value": 3},
        headers={"x-csrftoken": csrf},
    )
    assert answer.status_code == 200, answer.text


# ------------------------------------------------------------------ corrections and sign-off


async def test_an_expert_corrects_a_mark_with_a_reason_and_sees_its_history(web):
    client, judges = web
    competitor = judges.person(NAMES[2])
    judges.registry.enter_marks(
        actor=judges.world.experts["e1"],
        competition_id=judges.competition,
        marks=[(competitor, "A1", "20.00"), (competitor, "B1", 2)],
    )
    judges.registry.sign_off(actor=judges.world.experts["e1"], competition_id=judges.competition)
    csrf = await sign_in(client, judges.tokens["e1"])
    page = (await client.get(f"/mark/{judges.competition}")).text
    assert ru("You have signed off your marks for this competition.") in page
    assert f'value="{competitor}:A1"' in page  # the correction form offers the expert's marks

    reason = "опечатка: Әлихан Ұлы Қ"
    path = f"/mark/{judges.competition}/corrections"
    # no reason: refused by the domain, shown next to the correction form, nothing recorded
    head = judges.registry.head_position()
    answer = await post_form(
        client, path, csrf, {"target": f"{competitor}:A1", "value": "21.00", "reason": ""}
    )
    assert answer.status_code == 422
    assert judges.registry.head_position() == head
    assert ru("The correction was not recorded.") in answer.text
    assert 'id="correction-error"' in answer.text

    answer = await post_form(
        client, path, csrf, {"target": f"{competitor}:A1", "value": "21.00", "reason": reason}
    )
    assert answer.status_code == 303, answer.text[:800]
    page = (await client.get(answer.headers["location"])).text
    assert ru("The correction is recorded with its reason.") in page
    assert 'value="21.00"' in input_tag(page, cell_name(competitor, "A1"))
    measurements, _ = stored_marks(judges)
    assert measurements[(competitor, "A1")][0] == Decimal("21.00")
    # the history: entered, then corrected with the reason (as GET .../marks answers it)
    history = page[page.index('id="history"') :]
    assert html.escape(reason, quote=False) in history
    assert "20.00" in history and "21.00" in history
    # the correction withdrew the sign-off: the page offers to sign off again
    assert ru("You have not signed off your marks yet.") in page
    assert (
        judges.world.experts["e1"] not in judges.registry.competition(judges.competition).signed_off
    )

    answer = await post_form(client, f"/mark/{judges.competition}/sign-off", csrf, {})
    assert answer.status_code == 303
    assert judges.world.experts["e1"] in judges.registry.competition(judges.competition).signed_off
    page = (await client.get(answer.headers["location"])).text
    assert ru("You have signed off your marks for this competition.") in page


# ------------------------------------------------------------------ the chief expert's page


async def test_the_chief_sees_who_gave_which_score_resolves_the_dispute_and_locks(web):
    client, judges = web
    registry, world = judges.registry, judges.world
    marks = {"e1": (3, 2), "e2": (1, 2), "e3": (2, 2)}  # B1 of everyone: 3, 1, 2 — disputed
    for name in NAMES:
        person = judges.person(name)
        registry.enter_marks(
            actor=world.experts["e1"],
            competition_id=judges.competition,
            marks=[(person, "A1", "20.00"), (person, "A2", "10.00")],
        )
        for key, (b1, b2) in marks.items():
            registry.enter_marks(
                actor=world.experts[key],
                competition_id=judges.competition,
                marks=[(person, "B1", b1), (person, "B2", b2)],
            )
    csrf = await sign_in(client, judges.tokens["chief"])
    page = (await client.get(f"/mark/{judges.competition}/chief")).text
    disputes = page[page.index('id="disputes"') : page.index('id="sign-offs"')]
    text = text_of(disputes)
    for name in NAMES:
        assert name in text
    for key, (b1, _) in marks.items():
        assert f"Эксперт {key}: {b1}" in text
    # every expert still has to sign off (the chief too)
    signs = text_of(page[page.index('id="sign-offs"') :])
    assert ru("not signed off") in signs

    # the lock is refused while disputed: the domain's reason next to the lock form
    answer = await post_form(
        client, f"/mark/{judges.competition}/lock", csrf, {"override_reason": ""}
    )
    assert answer.status_code == 409
    assert 'id="lock-error"' in answer.text
    assert registry.competition(judges.competition).status == "marking"

    # the chief corrects e1's score of each competitor (3 → 2): no longer disputed
    for name in NAMES:
        answer = await post_form(
            client,
            f"/mark/{judges.competition}/corrections",
            csrf,
            {
                "back": "chief",
                "competitor_id": str(judges.person(name)),
                "aspect_id": "B1",
                "expert_id": str(world.experts["e1"]),
                "value": "2",
                "reason": "разброс оценок: согласовано с экспертами",
            },
        )
        assert answer.status_code == 303, answer.text[:800]
    page = (await client.get(f"/mark/{judges.competition}/chief")).text
    assert ru("No judgement aspect is disputed.") in page

    # nobody signed off: refused (sign-off-missing) without an override reason ...
    answer = await post_form(
        client, f"/mark/{judges.competition}/lock", csrf, {"override_reason": ""}
    )
    assert answer.status_code == 409
    assert "Эксперт e1" in text_of(answer.text[answer.text.index('id="lock-error"') :])
    assert registry.competition(judges.competition).status == "marking"
    # ... and locked with one
    answer = await post_form(
        client,
        f"/mark/{judges.competition}/lock",
        csrf,
        {"override_reason": "эксперт e_conflicted заболел"},
    )
    assert answer.status_code == 303, answer.text[:800]
    assert registry.competition(judges.competition).status == "locked"
    page = (await client.get(answer.headers["location"])).text
    assert ru("The competition is locked.") in page

    # reopen needs a reason
    answer = await post_form(client, f"/mark/{judges.competition}/reopen", csrf, {"reason": ""})
    assert answer.status_code == 422
    assert 'id="reopen-error"' in answer.text
    assert registry.competition(judges.competition).status == "locked"
    answer = await post_form(
        client, f"/mark/{judges.competition}/reopen", csrf, {"reason": "апелляция"}
    )
    assert answer.status_code == 303
    assert registry.competition(judges.competition).status == "marking"


async def test_the_judges_home_lists_their_competitions(web):
    client, judges = web
    # a judge signing in lands on their competitions
    page = await client.get("/login")
    form = {"token": judges.tokens["e2"], "_csrf_token": CSRF_FIELD.search(page.text).group(1)}  # type: ignore[union-attr]
    answer = await client.post("/login", data=form, follow_redirects=False)
    assert answer.headers["location"] == "/mark"
    await sign_in(client, judges.tokens["chief"])
    page = (await client.get("/mark")).text
    assert "Сварочные технологии" in page
    assert f'href="/mark/{judges.competition}/chief"' in page
    await sign_in(client, judges.tokens["e1"])
    page = (await client.get("/mark")).text
    assert f'href="/mark/{judges.competition}"' in page
    assert f'href="/mark/{judges.competition}/chief"' not in page
