"""The web pages: server-rendered HTML (Jinja2) beside the JSON API.

Layout (see docs/ARCHITECTURE.md, "Where a new page goes"):

* :mod:`api.web.pages` — what every page shares: viewer, language, :func:`render`, error pages;
* :mod:`api.web.session` — ``/login``, ``/logout``, the server-side session, CSRF;
* :mod:`api.web.public` — the public pages (results, medal tables, people, prizes);
* :mod:`api.web.audit` — the auditor's workbench;
* :mod:`api.web.office` — the akimat's prize review and the administrator's accounts;
* :mod:`api.web.manage` — the organiser's pages (``/manage/...``);
* :mod:`api.web.imports` — the spreadsheet upload with its preview (``/import``);
* ``templates/`` (``base.html``, ``public/``, ``audit/``), ``static/`` (``style.css``, our own
  small scripts), catalogs in ``api/locales`` (:mod:`api.i18n`).

:func:`web_config` gives the composition root (:mod:`api.server`) everything to mount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response, Router
from litestar.config.app import AppConfig
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException
from litestar.plugins import InitPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.template.config import TemplateConfig

from api.web.audit import AUDIT_PAGE_HANDLERS
from api.web.certificates import CERTIFICATE_PAGE_HANDLERS
from api.web.exports import EXPORT_PAGE_HANDLERS
from api.web.imports import IMPORT_PAGE_HANDLERS
from api.web.manage import MANAGE_PAGE_HANDLERS
from api.web.marking import MARKING_PAGE_HANDLERS
from api.web.office import OFFICE_PAGE_HANDLERS
from api.web.pages import page_error
from api.web.public import PUBLIC_PAGE_HANDLERS
from api.web.session import (
    SESSION_HANDLERS,
    SessionAuthMiddleware,
    csrf_config,
    is_page,
    session_config,
    session_store,
)
from domain.errors import DomainError
from store.settings import Settings

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES = WEB_DIR / "templates"
STATIC = WEB_DIR / "static"


def environment() -> Environment:
    """The Jinja2 environment: autoescaped HTML, i18n (new-style gettext), strict names."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    # per-request callables come with the page context (api.web.pages); these only mark the
    # environment as new-style so {% trans %} passes its variables as keywords
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def page_handlers() -> list[Any]:
    """Every page handler, in one list (the public pages, the workbench, sign-in)."""
    return [
        *SESSION_HANDLERS,
        *PUBLIC_PAGE_HANDLERS,
        *AUDIT_PAGE_HANDLERS,
        *MARKING_PAGE_HANDLERS,
        *OFFICE_PAGE_HANDLERS,
        *EXPORT_PAGE_HANDLERS,
        *MANAGE_PAGE_HANDLERS,
        *IMPORT_PAGE_HANDLERS,
        *CERTIFICATE_PAGE_HANDLERS,
    ]


class PageErrorsPlugin(InitPlugin):
    """Errors raised outside a page's own handlers (CSRF refusal, unknown page, guards run by
    the app) are answered as HTML pages on page paths; the API keeps its problem documents.
    Must come after the problem-details plugin, whose handlers it wraps."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        handlers = dict(app_config.exception_handlers)
        for key, handler in handlers.items():
            app_config.exception_handlers[key] = _page_or(handler)
        for key in (HTTPException, DomainError, Exception):
            if key not in handlers:
                app_config.exception_handlers[key] = page_error
        return app_config


def _page_or(handler: Any) -> Any:
    def handle(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        if is_page(request.url.path):
            return page_error(request, error)
        return handler(request, error)  # type: ignore[no-any-return]

    return handle


@dataclass
class WebConfig:
    """What :mod:`api.server` mounts for the pages."""

    route_handlers: list[Any]
    middleware: list[Any]
    after_auth_middleware: list[Any]
    template_config: TemplateConfig[JinjaTemplateEngine]
    csrf_config: CSRFConfig
    plugins: list[Any]
    stores: dict[str, Store] = field(default_factory=dict)


def web_config(settings: Settings) -> WebConfig:
    pages = Router(
        path="/",
        route_handlers=page_handlers(),
        exception_handlers={
            HTTPException: page_error,
            DomainError: page_error,
            Exception: page_error,
        },
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/static",
        directories=[STATIC],
        cache_control=None,
        include_in_schema=False,
        opt={"exclude_from_auth": True},
        name="static",
    )
    sessions = session_config()
    return WebConfig(
        route_handlers=[pages, static],
        middleware=[sessions.middleware],
        after_auth_middleware=[SessionAuthMiddleware()],
        template_config=template_config(),
        csrf_config=csrf_config(settings),
        plugins=[PageErrorsPlugin()],
        stores={"sessions": session_store(settings)},
    )
