"""Sign-in to the pages: token once, then a server-side session; CSRF on every form; languages.

Through the real app (``build_app``) on SQLite and PostgreSQL; the expected texts come from the
gettext catalogs (``api.i18n``), never from the pages' own output.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.i18n import translator
from api.server import build_app
from api.web import session as web_session
from domain.ids import SYSTEM_ACTOR
from registry.application import RegistryApplication
from tests.api.conftest import Ctx, make_ctx

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def ru(message: str) -> str:
    return translator("ru").gettext(message)


def kk(message: str) -> str:
    return translator("kk").gettext(message)


@pytest.fixture
async def web(app: RegistryApplication) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Ctx]]:
    ctx = make_ctx(app)
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        yield client, ctx


async def csrf_token(client: AsyncTestClient[Litestar], path: str = "/login") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF_FIELD.search(page.text)
    assert match, "the form carries no CSRF token"
    return match.group(1)


async def sign_in(client: AsyncTestClient[Litestar], token: str, next_path: str = "") -> object:
    form = {"token": token, "_csrf_token": await csrf_token(client)}
    if next_path:
        form["next"] = next_path
    return await client.post("/login", data=form, follow_redirects=False)


def session_cookie(response: object) -> str:
    headers = [
        value
        for key, value in response.headers.multi_items()  # type: ignore[attr-defined]
        if key.lower() == "set-cookie" and value.startswith(f"{web_session.SESSION_COOKIE}=")
    ]
    assert headers, "no session cookie was set"
    return headers[-1]


async def test_login_page_speaks_russian_by_default_and_kazakh_on_request(web):
    client, _ = web
    page = await client.get("/login")
    assert page.status_code == 200
    assert '<html lang="ru">' in page.text
    assert ru("Access token") in page.text and ru("Access token") != "Access token"
    # a visitor who never signed in gets no session cookie and leaves no session record
    assert web_session.SESSION_COOKIE not in page.headers.get("set-cookie", "")

    page = await client.get("/login", headers={"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.5"})
    assert '<html lang="kk">' in page.text and kk("Access token") in page.text

    page = await client.get("/login?lang=en")
    assert '<html lang="en">' in page.text and "Access token" in page.text
    assert "lang=en" in page.headers["set-cookie"]
    # the choice is remembered (cookie) over Accept-Language
    page = await client.get("/login", headers={"Accept-Language": "kk"})
    assert '<html lang="en">' in page.text


async def test_sign_in_starts_a_server_side_session_without_the_token(web, tmp_path: Path):
    client, ctx = web
    token = ctx.actors.tokens["auditor"]
    answer = await sign_in(client, token)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/audit"
    cookie = session_cookie(answer)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain HTTP here; REGISTRY_SECURE_COOKIES=1 behind HTTPS
    assert token not in cookie and token.split(".")[1] not in answer.headers.get("location", "")

    page = await client.get("/login")
    assert "Аудитор тестов" in page.text  # the account's name, as registered
    assert token not in page.text
    # the session record on the server keeps the account and the token's hash, not the token
    directory = web_session.state_directory(ctx.registry.settings) / "sessions"
    stored = b"".join(p.read_bytes() for p in directory.iterdir() if p.is_file())
    assert token.encode() not in stored and token.split(".")[1].encode() not in stored


async def test_a_new_session_id_is_issued_at_sign_in(web):
    client, ctx = web
    first = session_cookie(await sign_in(client, ctx.actors.tokens["organiser"]))
    second = session_cookie(await sign_in(client, ctx.actors.tokens["auditor"]))
    assert first.split(";")[0] != second.split(";")[0]


async def test_an_unknown_token_is_refused_in_the_users_language(web):
    client, _ = web
    answer = await sign_in(client, "0" * 32 + "." + "x" * 43)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/html")
    assert ru("Access token") in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert web_session.SESSION_COOKIE not in answer.headers.get("set-cookie", "")


async def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(web):
    client, ctx = web
    answer = await client.post(
        "/login", data={"token": ctx.actors.tokens["auditor"]}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert ru("The form has expired") in answer.text
    assert web_session.SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    # a forged token is refused the same way
    await client.get("/login")
    answer = await client.post(
        "/login",
        data={"token": ctx.actors.tokens["auditor"], "_csrf_token": "f" * 128},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    # the JSON API needs no CSRF token: it is authenticated by its header
    listed = await client.get("/api/v1/championships")
    assert listed.status_code == 200


async def test_sign_out_ends_the_session(web):
    client, ctx = web
    await sign_in(client, ctx.actors.tokens["auditor"])
    form = await client.get("/login")
    assert "Аудитор тестов" in form.text
    token = CSRF_FIELD.search(form.text).group(1)  # type: ignore[union-attr]
    answer = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert (
        "expires=" in session_cookie(answer).lower()
        or "max-age=0" in session_cookie(answer).lower()
    )
    page = await client.get("/login")
    assert "Аудитор тестов" not in page.text


async def test_revoking_or_rotating_the_token_ends_its_sessions(web):
    client, ctx = web
    await sign_in(client, ctx.actors.tokens["organiser"])
    assert "Организатор тестов" in (await client.get("/login")).text
    ctx.registry.rotate_token(actor=SYSTEM_ACTOR, account_id=ctx.actors.ids["organiser"])
    assert "Организатор тестов" not in (await client.get("/login")).text

    await sign_in(client, ctx.actors.tokens["auditor"])
    assert "Аудитор тестов" in (await client.get("/login")).text
    ctx.registry.revoke_account(
        actor=SYSTEM_ACTOR, account_id=ctx.actors.ids["auditor"], reason="left the office"
    )
    assert "Аудитор тестов" not in (await client.get("/login")).text


async def test_a_session_expires(web, monkeypatch):
    client, ctx = web
    await sign_in(client, ctx.actors.tokens["auditor"])
    assert "Аудитор тестов" in (await client.get("/login")).text
    later = web_session.time.time() + web_session.session_hours() * 3600 + 1
    monkeypatch.setattr(web_session.time, "time", lambda: later)
    assert "Аудитор тестов" not in (await client.get("/login")).text


async def test_secure_cookies_behind_https(app: RegistryApplication, monkeypatch):
    monkeypatch.setenv("REGISTRY_SECURE_COOKIES", "1")
    ctx = make_ctx(app)
    async with AsyncTestClient(
        app=build_app(app, projector="in-process"), base_url="https://registry.test"
    ) as client:
        answer = await sign_in(client, ctx.actors.tokens["auditor"])
        assert answer.status_code == 303
        assert "Secure" in session_cookie(answer)


async def test_only_local_paths_are_followed_after_sign_in(web):
    client, ctx = web
    answer = await sign_in(client, ctx.actors.tokens["organiser"], "//evil.example/x")
    assert answer.headers["location"] == "/"
    answer = await sign_in(client, ctx.actors.tokens["organiser"], "/participants?q=a")
    assert answer.headers["location"] == "/participants?q=a"


async def test_unknown_pages_are_html_and_the_api_keeps_problem_documents(web):
    client, _ = web
    page = await client.get("/no-such-page", headers={"Accept-Language": "kk"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert kk("Page not found") in page.text
    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


async def test_public_pages_mint_no_csrf_cookie_and_sign_out_goes_through_a_form(web):
    client, ctx = web
    home = await client.get("/")
    assert home.status_code == 200
    assert web_session.CSRF_COOKIE not in home.headers.get("set-cookie", "")
    assert "_csrf_token" not in home.text

    await sign_in(client, ctx.actors.tokens["auditor"])
    home = await client.get("/")
    assert 'href="/logout"' in home.text and 'action="/logout"' not in home.text
    confirm = await client.get("/logout")
    assert confirm.status_code == 200 and 'action="/logout"' in confirm.text
    token = CSRF_FIELD.search(confirm.text).group(1)  # type: ignore[union-attr]
    answer = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert "Аудитор тестов" not in (await client.get("/")).text
    # the public asking for /logout is simply sent home
    answer = await client.get("/logout", follow_redirects=False)
    assert answer.status_code in (302, 303) and answer.headers["location"] == "/"
