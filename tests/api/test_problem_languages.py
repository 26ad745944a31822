"""Problem documents in the request's language (API.md: ``title`` and ``detail`` follow
``Accept-Language``, ru by default; ``type`` never changes), through the real HTTP app on both
stores.

Each refusal is asked for with no ``Accept-Language`` (Russian), ``kk``, ``en`` and
``kk-KZ,ru;q=0.5`` (Kazakh): everything but ``title``, ``detail`` and ``errors[].message`` is
identical, and those are the ``problems`` catalog's texts (read from the ``.po`` files, not
copied from the code's output). No library phrase leaks into Russian or Kazakh, and Kazakh
letters arrive as UTF-8.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import cache
from typing import Any
from uuid import uuid4

import pytest
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.i18n import LANGUAGES, catalog_path
from api.problems import TITLES
from api.server import build_app
from registry.application import RegistryApplication
from tests.api.conftest import Ctx, make_ctx

#: header sent -> the language of the answer
ASKED: dict[str | None, str] = {None: "ru", "kk": "kk", "en": "en", "kk-KZ,ru;q=0.5": "kk"}
LIBRARY_PHRASES = ("Expected `", "RFC3339", "msgspec", "Object missing", "Object contains")
KAZAKH_LETTERS = set("ӘҒҚҢӨҰҮҺІәғқңөұүһі")


@cache
def catalog(lang: str) -> dict[str, str]:
    """The ``problems`` catalog of ``lang`` (msgid -> msgstr; English: the msgid itself)."""
    if lang == "en":
        return {}
    with catalog_path(lang, "problems").open("rb") as source:
        po = read_po(source, locale=lang, domain="problems")
    return {m.id: m.string for m in po if isinstance(m.id, str) and m.id and m.string}


def text(lang: str, msgid: str, **params: Any) -> str:
    """The catalog's text for ``msgid`` in ``lang``, filled."""
    if lang != "en":
        assert msgid in catalog(lang), f"{msgid!r} is not in the {lang} catalog"
    template = catalog(lang).get(msgid, msgid)
    return template % params if params else template


def title(lang: str, code: str) -> str:
    return text(lang, TITLES[code])


@pytest.fixture
def ctx(app: RegistryApplication) -> Ctx:
    return make_ctx(app)


@pytest.fixture
async def bare(app: RegistryApplication) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client that sends no ``Accept-Language`` of its own."""
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        assert "accept-language" not in client.headers
        yield client


async def ask_every_language(
    client: AsyncTestClient[Litestar],
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, dict[str, Any]]:
    """The same request in each language of :data:`ASKED`: ``{language: problem}``, after
    checking that only the translated members differ between the answers."""
    answers: dict[str, dict[str, Any]] = {}
    shapes = []
    for header, lang in ASKED.items():
        sent = dict(headers or {})
        if header is not None:
            sent["Accept-Language"] = header
        response = await client.request(method, path, headers=sent, **kwargs)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["content-language"] == lang
        problem = response.json()
        assert problem["status"] == response.status_code
        problem["_raw"] = response.content
        shape = {k: v for k, v in problem.items() if k not in ("title", "detail", "errors", "_raw")}
        shape["fields"] = [e["field"] for e in problem.get("errors", [])]
        shapes.append(shape)
        if header is not None and lang in answers:  # kk-KZ,ru;q=0.5 answers as kk does
            assert {k: v for k, v in problem.items() if k != "_raw"} == {
                k: v for k, v in answers[lang].items() if k != "_raw"
            }
        answers.setdefault(lang, problem)
    assert all(shape == shapes[0] for shape in shapes), shapes
    assert answers["ru"]["title"] != answers["en"]["title"]
    assert len({answers[lang]["detail"] for lang in LANGUAGES}) == 3
    for lang in ("ru", "kk"):
        said = " ".join(
            [answers[lang]["title"], answers[lang]["detail"]]
            + [e["message"] for e in answers[lang].get("errors", [])]
        )
        assert not [phrase for phrase in LIBRARY_PHRASES if phrase in said], said
    kazakh = answers["kk"]["title"] + answers["kk"]["detail"]
    letters = KAZAKH_LETTERS & set(kazakh)
    assert letters, kazakh
    assert all(letter.encode() in answers["kk"]["_raw"] for letter in letters)
    return answers


async def test_a_conflict_of_interest_in_each_language(app, bare, ctx):
    conflicted = ctx.world.experts["e_conflicted"]
    token = app.rotate_token(actor=ctx.actors.ids["admin"], account_id=conflicted).token
    competitor = "Нұрланов Әлихан"
    before = app.event_count()
    answers = await ask_every_language(
        bare,
        "POST",
        f"/api/v1/competitions/{ctx.world.competition}/marks",
        {"Authorization": f"Bearer {token}"},
        json={
            "competitor_id": str(ctx.world.people[competitor]),
            "aspect_id": "A1",
            "value": "5.00",
        },
    )
    assert app.event_count() == before
    for lang, problem in answers.items():
        assert problem["type"] == "/problems/conflict-of-interest"
        assert problem["status"] == 409
        assert problem["title"] == title(lang, "conflict-of-interest")
        assert problem["detail"] == text(
            lang,
            "%(expert)s cannot mark %(competitor)s: both are from the same organisation",
            expert="Эксперт e_conflicted",
            competitor=competitor,
        )
        assert competitor in problem["detail"]  # names are never translated


async def test_a_bad_date_in_a_championship_in_each_language(bare, ctx):
    body = {
        "kind": "worldskills",
        "level": "regional",
        "year": 2026,
        "region": "VKO",
        "title_ru": "Чемпионат 2026",
        "title_kk": "Чемпионат 2026",
        "starts_on": "12.05.2026",
        "ends_on": "2026-05-16",
    }
    answers = await ask_every_language(
        bare, "POST", "/api/v1/championships", ctx.auth("organiser"), json=body
    )
    for lang, problem in answers.items():
        assert problem["type"] == "/problems/invalid-input"
        assert problem["status"] == 422
        assert problem["title"] == title(lang, "invalid-input")
        message = text(lang, "the date must be written as YYYY-MM-DD")
        assert problem["errors"] == [{"field": "starts_on", "message": message}]
        assert problem["detail"] == f"starts_on: {message}"
    assert answers["ru"]["errors"][0]["message"] == "Дата должна быть в формате ГГГГ-ММ-ДД"
    assert answers["kk"]["errors"][0]["message"] == "Күн ЖЖЖЖ-АА-КК пішімінде болуы керек"


async def test_a_refusal_of_the_domain_names_its_field_in_each_language(bare, ctx):
    body = {
        "kind": "worldskills",
        "level": "regional",
        "year": 2026,
        "region": "VKO",
        "title_ru": "Чемпионат 2026",
        "title_kk": "Чемпионат 2026",
        "starts_on": "2026-05-16",
        "ends_on": "2026-05-12",
    }
    answers = await ask_every_language(
        bare, "POST", "/api/v1/championships", ctx.auth("organiser"), json=body
    )
    for lang, problem in answers.items():
        whole = text(lang, "ends_on: before starts_on")
        assert whole.startswith("ends_on: ")
        assert problem["detail"] == whole
        assert problem["errors"] == [{"field": "ends_on", "message": whole[len("ends_on: ") :]}]


async def test_an_unknown_field_and_a_wrong_type_in_each_language(bare, ctx):
    body = {"name_ru": "Колледж", "name_kk": 5, "kind": "college", "region": "VKO", "web": "x"}
    answers = await ask_every_language(
        bare, "POST", "/api/v1/organisations", ctx.auth("organiser"), json=body
    )
    for lang, problem in answers.items():
        assert problem["type"] == "/problems/invalid-input"
        messages = {e["field"]: e["message"] for e in problem["errors"]}
        expected = {
            "body": text(
                lang, "%(name)r is not a field of this request (check the spelling)", name="web"
            ),
            "name_kk": text(
                lang,
                "expected %(expected)s, got %(got)s",
                expected=text(lang, "a text"),
                got=text(lang, "a whole number"),
            ),
        }
        # msgspec stops at the first error it meets: one of the two is named
        assert len(messages) == 1 and set(messages) <= set(expected)
        for field, message in messages.items():
            assert message == expected[field]
            assert problem["detail"] == f"{field}: {message}"


async def test_a_missing_field_in_each_language(bare, ctx):
    answers = await ask_every_language(
        bare,
        "POST",
        "/api/v1/organisations",
        ctx.auth("organiser"),
        json={"name_ru": "Колледж", "kind": "college", "region": "VKO"},
    )
    for lang, problem in answers.items():
        [error] = problem["errors"]
        assert error["message"] == text(
            lang, "the required field %(name)r is missing", name="name_kk"
        )


async def test_a_body_that_is_not_json_in_each_language(bare, ctx):
    answers = await ask_every_language(
        bare,
        "POST",
        "/api/v1/organisations",
        {**ctx.auth("organiser"), "Content-Type": "application/json"},
        content=b'{"name_ru" "x"}',
    )
    for lang, problem in answers.items():
        assert problem["type"] == "/problems/malformed-request"
        assert problem["status"] == 400
        assert problem["title"] == title(lang, "malformed-request")
        assert problem["detail"] == text(
            lang,
            "the body is not valid JSON: %(fault)s at byte %(byte)s",
            fault=text(lang, "a missing colon after a key"),
            byte="11",
        )


async def test_a_404_in_each_language(bare):
    championship = uuid4()
    answers = await ask_every_language(bare, "GET", f"/api/v1/championships/{championship}")
    for lang, problem in answers.items():
        assert problem["type"] == "/problems/not-found"
        assert problem["title"] == title(lang, "not-found")
        assert problem["detail"] == text(
            lang, "no championship with id %(id)s", id=str(championship)
        )


async def test_a_401_in_each_language(bare):
    answers = await ask_every_language(
        bare, "POST", "/api/v1/organisations", {"Authorization": "Bearer no-such-token"}, json={}
    )
    for lang, problem in answers.items():
        assert problem["type"] == "/problems/unauthorized"
        assert problem["status"] == 401
        assert problem["title"] == title(lang, "unauthorized")
        assert problem["detail"] == text(lang, "the token is unknown, rotated out or revoked")


async def test_a_state_refusal_translates_its_phrases(bare, ctx):
    """``cannot %(doing)s``: the action and the states are phrases of the catalog too."""
    answers = await ask_every_language(
        bare,
        "POST",
        f"/api/v1/competitions/{ctx.competition2}/marks",
        ctx.auth("outsider"),
        json={
            "competitor_id": str(ctx.world.people["Иванов Дмитрий Сергеевич"]),
            "aspect_id": "A1",
            "value": "5.00",
        },
    )
    for lang, problem in answers.items():
        assert problem["type"] == "/problems/invalid-state"
        assert problem["state"] == "setup"  # a value of the API: never translated
        assert problem["detail"] == text(
            lang,
            "cannot %(doing)s: the competition is %(now)s, not %(wanted)s",
            doing=text(lang, "enter marks"),
            now=text(lang, "setup"),
            wanted=text(lang, "marking"),
        )


async def test_an_unknown_language_answers_russian(bare):
    championship = uuid4()
    response = await bare.get(
        f"/api/v1/championships/{championship}", headers={"Accept-Language": "de-DE,fr;q=0.8"}
    )
    assert response.headers["content-language"] == "ru"
    assert response.json()["detail"] == text(
        "ru", "no championship with id %(id)s", id=str(championship)
    )
