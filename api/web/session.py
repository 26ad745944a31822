"""Sign-in for the working roles: a server-side session started from an account's token.

``GET /login`` shows a form; ``POST /login`` takes the token once, checks it exactly as the API
checks a bearer token, and starts a session: the session cookie (``registry_session``: 32
random bytes, HttpOnly, SameSite=Strict, Secure when ``REGISTRY_SECURE_COOKIES=1``, i.e. behind
HTTPS) names a record on the server that holds the account id and the *hash* of its token —
never the token. Every request re-checks that record against the store
(:meth:`RegistryApplication.authenticate_session`), so a revoked or rotated token ends its
sessions at once, in every process. A session ends ``REGISTRY_SESSION_HOURS`` (8) after
sign-in, or at ``POST /logout``. A new session id is issued at every sign-in.

Every form POST carries a CSRF token (Litestar's CSRF middleware, double-submit cookie; the
secret is ``REGISTRY_CSRF_SECRET`` or a random one kept 0600 beside the store). The JSON API
(``/api``) needs none: it is authenticated by the ``Authorization`` header, which a browser
never sends on its own.

Sessions are kept in files (``litestar.stores.file.FileStore``) under :func:`state_directory`
(``REGISTRY_WEB_DIR``, else ``web/`` beside the SQLite store, else ``var/web``): every process
of one machine shares them.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get, post
from litestar.concurrency import sync_to_thread
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.enums import MediaType, RequestEncodingType
from litestar.middleware import ASGIMiddleware
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template
from litestar.stores.file import FileStore
from litestar.types import ASGIApp, Receive, Scope, Send

from api.auth import authenticate_hash
from api.web.pages import local_path, redirect, render, viewer
from domain.values import Role
from registry.accounts import hash_token
from store.settings import Settings, private_directory, private_file

SESSION_COOKIE = "registry_session"
CSRF_COOKIE = "registry_csrf"
#: Paths with no session and no CSRF check: the JSON API, the OpenAPI pages, probes, assets.
NO_SESSION = ["^/api/", "^/schema", "^/healthz", "^/readyz", "^/static/"]
_NOT_PAGES = re.compile("|".join(NO_SESSION))
MAX_TOKEN_LENGTH = 512
_NEW_SESSION = "registry.new_session"

#: Where each role starts after signing in.
HOME: dict[Role, str] = {
    Role.AUDITOR: "/audit",
    Role.ADMIN: "/audit",
    Role.AKIMAT: "/akimat/programmes",
    Role.EXPERT: "/mark",
    Role.CHIEF_EXPERT: "/mark",
}


def is_page(path: str) -> bool:
    """A page (HTML) rather than the JSON API, the OpenAPI pages, a probe or an asset."""
    return _NOT_PAGES.match(path) is None


def session_hours() -> float:
    try:
        return max(0.05, float(os.environ.get("REGISTRY_SESSION_HOURS", "8")))
    except ValueError:
        return 8.0


def secure_cookies() -> bool:
    return os.environ.get("REGISTRY_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes")


def state_directory(settings: Settings) -> Path:
    """Where sessions (``sessions/``) and the CSRF secret live: ``REGISTRY_WEB_DIR``, else
    ``web/`` beside the SQLite store, else ``var/web``. Created 0700."""
    configured = os.environ.get("REGISTRY_WEB_DIR", "").strip()
    if configured:
        directory = Path(configured)
    elif settings.backend == "sqlite" and settings.sqlite_path not in (None, "", ":memory:"):
        directory = Path(str(settings.sqlite_path)).expanduser().resolve().parent / "web"
    else:
        directory = Path("var") / "web"
    private_directory(directory)
    return directory


class _RotatingBackend(ServerSideSessionBackend):
    """Issues a fresh session id when a request signs in (no session fixation), and keeps no
    record (and sets no cookie) for a visitor who never signed in."""

    async def store_in_message(
        self, scope_session: Any, message: Any, connection: ASGIConnection
    ) -> None:
        if not scope_session and self.config.key not in connection.cookies:
            return  # the public: nothing to keep, no cookie
        await super().store_in_message(scope_session, message, connection)

    def get_session_id(self, connection: ASGIConnection) -> str:
        if connection.scope.get(_NEW_SESSION):  # type: ignore[misc]
            fresh = connection.scope.get("registry.session_id")  # type: ignore[misc]
            if not fresh:
                fresh = self.generate_session_id()
                connection.scope["registry.session_id"] = fresh  # type: ignore[typeddict-unknown-key]
            return str(fresh)
        return super().get_session_id(connection)


class SessionConfig(ServerSideSessionConfig):
    _backend_class = _RotatingBackend  # type: ignore[assignment]


def session_config() -> SessionConfig:
    return SessionConfig(
        key=SESSION_COOKIE,
        max_age=int(session_hours() * 3600),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(),
        exclude=NO_SESSION,
        store="sessions",
    )


def session_store(settings: Settings) -> FileStore:
    directory = state_directory(settings) / "sessions"
    private_directory(directory)
    return FileStore(directory, create_directories=True)


def csrf_secret(settings: Settings) -> str:
    """``REGISTRY_CSRF_SECRET``, else a random secret kept 0600 beside the sessions."""
    configured = os.environ.get("REGISTRY_CSRF_SECRET", "").strip()
    if configured:
        return configured
    path = state_directory(settings) / "csrf-secret"
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as target:
                target.write(secrets.token_hex(32))
    private_file(path)
    return path.read_text().strip()


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=csrf_secret(settings),
        cookie_name=CSRF_COOKIE,
        cookie_httponly=True,
        cookie_samesite="strict",
        cookie_secure=secure_cookies(),
        exclude=NO_SESSION,
    )


class SessionAuthMiddleware(ASGIMiddleware):
    """Pages: the account of the web session as ``request.user`` (unless a bearer token
    already authenticated the request). An expired, revoked or rotated session is cleared."""

    def should_bypass_for_scope(self, scope: Scope) -> bool:
        return not is_page(scope["path"])

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session = scope.get("session")
        if scope.get("user") is None and isinstance(session, dict) and session:
            account = None
            try:
                account_id = UUID(str(session.get("account_id")))
                expires = float(session.get("expires", 0))
                token_hash = str(session.get("token_hash", ""))
            except (TypeError, ValueError):
                account_id, expires, token_hash = None, 0.0, ""
            if account_id is not None and expires > time.time():
                account = await authenticate_hash(scope["app"].state, account_id, token_hash)
            if account is None:
                session.clear()
            else:
                scope["user"] = account
                scope["auth"] = account.id
        await next_app(scope, receive, send)


@get("/login", name="login", sync_to_thread=False, include_in_schema=False)
def login_form(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template:
    return render(
        request,
        "login.html",
        next=local_path(next, ""),
        failed=False,
        signed_in=viewer(request) is not None,
    )


@post("/login", include_in_schema=False, status_code=303, media_type=MediaType.HTML)
async def login(
    request: Request[Any, Any, Any],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Any:
    token = str(data.get("token", "")).strip()
    target = local_path(data.get("next"), "")
    account = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        account = await sync_to_thread(request.app.state.registry.authenticate, token)
    if account is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=target,
            failed=True,
            signed_in=False,
        )
    request.scope[_NEW_SESSION] = True  # type: ignore[typeddict-unknown-key]
    request.set_session(
        {
            "account_id": str(account.id),
            "token_hash": hash_token(token),
            "expires": time.time() + session_hours() * 3600,
        }
    )
    return redirect(target or HOME.get(account.role, "/"))


@get("/logout", name="logout-page", sync_to_thread=False, include_in_schema=False)
def logout_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Sign out from a page that has no form: one button, with its CSRF token."""
    if viewer(request) is None:
        return redirect("/")
    return render(request, "logout.html")


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return redirect("/")


SESSION_HANDLERS: list[Any] = [login_form, login, logout_page, logout]
