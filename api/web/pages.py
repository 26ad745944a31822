"""What every page shares: the viewer, the language, rendering, error pages.

A page handler is thin: it reads the viewer and the language, calls the same query or command
as the JSON endpoint, and renders a template with :func:`render`. Every template extends
``base.html`` and gets in its context:

* ``lang`` (``ru``, ``kk``, ``en``), ``t`` (:class:`api.i18n.Translator`: ``t.date``,
  ``t.datetime``, ``t.number``, ``t.integer`` format per locale);
* ``_``/``gettext``/``ngettext`` (Jinja's *new style* gettext: ``_("Rank %(n)s", n=1)``,
  ``{% trans %}...{% endtrans %}``; values are escaped, the catalog's text is trusted);
* ``viewer`` (the signed-in :class:`domain.account.Account` or None) and ``role``;
* ``path`` (the request path), ``lang_links`` (this page in each language), ``csrf_input``
  (the hidden field every ``<form method="post">`` must carry), ``title`` (set by the page).

Macros imported from another template must be imported ``with context`` to see ``_``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from api.i18n import (
    LANG_COOKIE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    Translator,
    choose,
    translator,
)
from api.messages import Message, refusal_text
from api.problems import ApiProblem
from domain.account import Account
from domain.errors import DomainError

logger = logging.getLogger("api.web")
LANG_COOKIE_AGE = 365 * 24 * 3600
AnyRequest = Request[Any, Any, Any]


def language(request: AnyRequest) -> str:
    """``?lang=``, else the ``lang`` cookie, else ``Accept-Language``, else Russian."""
    return choose(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def viewer(request: AnyRequest) -> Account | None:
    """The signed-in account (a web session or a bearer token), or None: the public."""
    account = request.scope.get("user")
    return account if isinstance(account, Account) else None


def _gettext(translations: Translator) -> Any:
    @pass_context
    def gettext(context: Context, message: str, /, **variables: Any) -> str:
        text = translations._translations.gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables else text

    return gettext


def _ngettext(translations: Translator) -> Any:
    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        text = translations._translations.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % {"num": num, **variables}

    return ngettext


def lang_links(request: AnyRequest) -> dict[str, str]:
    """This page's address in each language (``?lang=`` replaced, other parameters kept)."""
    links = {}
    for code in LANGUAGES:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        params.append(("lang", code))
        links[code] = f"{request.url.path}?{urlencode(params)}"
    return links


def page_context(request: AnyRequest) -> dict[str, Any]:
    """The context every template gets (see the module docstring)."""
    lang = language(request)
    t = translator(lang)
    account = viewer(request)
    gettext = _gettext(t)
    return {
        "lang": lang,
        "t": t,
        "_": gettext,
        "gettext": gettext,
        "ngettext": _ngettext(t),
        "viewer": account,
        "role": account.role.value if account is not None else None,
        "path": request.url.path,
        # pages without a CSRF token (the public ones) show "Sign out" as a link to /logout
        "can_post": bool(value_or_default(ScopeState.from_scope(request.scope).csrf_token, "")),
        "lang_links": lang_links(request),
        "language_names": LANGUAGE_NAMES,
        "role_names": ROLE_NAMES,
    }


def lang_cookie(request: AnyRequest) -> list[Cookie]:
    """The ``lang`` cookie to set when ``?lang=`` chose a language the cookie does not hold."""
    chosen = request.query_params.get("lang")
    if chosen and chosen.strip().lower() in LANGUAGES:
        value = chosen.strip().lower()
        if request.cookies.get(LANG_COOKIE) != value:
            return [
                Cookie(
                    key=LANG_COOKIE,
                    value=value,
                    max_age=LANG_COOKIE_AGE,
                    path="/",
                    samesite="lax",
                    httponly=True,
                )
            ]
    return []


def render(
    request: AnyRequest,
    template: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> Template:
    """``template`` with the page context and ``context``; remembers ``?lang=`` in a cookie."""
    return Template(
        template_name=template,
        context={**page_context(request), **context},
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store", **(headers or {})},
        cookies=lang_cookie(request),
    )


def render_html(request: AnyRequest, template: str, **context: Any) -> bytes:
    """``template`` rendered here, in the calling thread, with the context :func:`render`
    gives (and the ``request`` and ``csrf_input`` Litestar's ``Template`` adds): for pages
    kept as bytes and served from memory."""
    token = value_or_default(ScopeState.from_scope(request.scope).csrf_token, "")
    full = {
        **page_context(request),
        "request": request,
        "csrf_input": f'<input type="hidden" name="_csrf_token" value="{escape(token)}" />',
        **context,
    }
    engine = request.app.template_engine
    return engine.get_template(template).render(**full).encode()  # type: ignore[no-any-return]


def redirect(path: str, status_code: int = 303) -> Redirect:
    return Redirect(path=path, status_code=status_code)


def local_path(value: str | None, default: str = "/") -> str:
    """``value`` when it is a path on this site (never another host), else ``default``."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


# ------------------------------------------------------------------ errors

#: What a person reads for each status when a page cannot be shown (msgids).
ERROR_TEXTS: Mapping[int, tuple[str, str]] = {
    400: (
        N_("The request could not be read"),
        N_("Check the address or the form and try again."),
    ),
    403: (N_("Not allowed"), N_("Your account does not have the right to open this page.")),
    404: (
        N_("Page not found"),
        N_("There is nothing at this address, or it is not public yet."),
    ),
    409: (N_("Refused"), N_("The registry refused this action; nothing was changed.")),
    422: (N_("Check the form"), N_("Some values are not accepted; nothing was changed.")),
    429: (N_("Too many requests"), N_("Wait a moment and try again.")),
    503: (
        N_("Temporarily unavailable"),
        N_("The registry is busy or restarting; try again shortly."),
    ),
    500: (N_("Something went wrong"), N_("The error has been logged; nothing was changed.")),
}

#: A form sent without this site's CSRF token (an old page, another site's form).
FORM_EXPIRED = (
    N_("The form has expired"),
    N_(
        "For your safety the form was not accepted: it is out of date or was sent from "
        "another site. Open the page again and repeat the action."
    ),
)

#: How each role is named on the pages.
ROLE_NAMES: Mapping[str, str] = {
    "admin": N_("administrator"),
    "organiser": N_("organiser"),
    "chief_expert": N_("chief expert"),
    "expert": N_("expert"),
    "akimat": N_("akimat"),
    "auditor": N_("auditor"),
}


def _problem_status(error: Exception) -> int:
    if isinstance(error, DomainError):
        return error.status
    if isinstance(error, HTTPException):
        return error.status_code
    return 500


def _problem_detail(error: Exception, lang: str) -> str | None:
    """The refusal's own words in ``lang``, when it has them (a rule's refusal, a problem)."""
    tr = translator(lang)
    if isinstance(error, DomainError):
        return refusal_text(error, tr)
    message = getattr(error, "message", None)
    if isinstance(error, ApiProblem) and isinstance(message, Message):
        return message.text(tr)
    return None


def page_error(request: AnyRequest, error: Exception) -> Response[Any]:
    """An error on a page: sign-in for 401, else an HTML page in the viewer's language."""
    status = _problem_status(error)
    if status == 401 or isinstance(error, NotAuthorizedException):
        target = request.url.path
        if request.url.query:
            target = f"{target}?{request.url.query}"
        return redirect(f"/login?{urlencode({'next': target})}")
    if status >= 500 and not isinstance(error, HTTPException):
        logger.error("page error: %r", error, exc_info=error)
    lang = language(request)
    title, advice = ERROR_TEXTS.get(status, ERROR_TEXTS[500 if status >= 500 else 400])
    if status == 403 and "csrf" in str(getattr(error, "detail", "")).lower():
        title, advice = FORM_EXPIRED
    template = render(
        request,
        "error.html",
        status_code=status,
        error_title=title,
        error_advice=advice,
        error_detail=_problem_detail(error, lang),
        status=status,
    )
    headers = dict(getattr(error, "headers", None) or {})
    headers.pop("WWW-Authenticate", None)
    template.headers.update(headers)
    return template
