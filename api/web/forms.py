"""How a page's form POST is answered (post/redirect/get), once for every page.

:func:`act` runs the application command in a thread; on a refusal (the domain's
:class:`~domain.errors.DomainError`, or :class:`FormRefused` for a value the page itself cannot
send on) it answers the page again, built by the caller with the refusal's text in the viewer's
language next to the field or row that caused it, in the refusal's status; a command that went
through waits (briefly) for the views (:func:`settle`) and redirects (303) back to the page with
a confirmation (:func:`back`). The small helpers every form handler needs live here too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, post
from litestar.concurrency import sync_to_thread
from litestar.enums import MediaType
from litestar.response import Redirect, Template

from api.i18n import translator
from api.messages import refusal_text
from api.problems import ApiProblem
from api.reading import read_side
from api.web.pages import language, redirect, viewer
from domain.errors import DomainError
from registry.application import CommandResult, RegistryApplication

AnyRequest = Request[Any, Any, Any]

#: how long a redirect waits for the views to show what was recorded
SETTLE_SECONDS = 5.0


class FormRefused(Exception):
    """A form the page itself cannot send on (nothing chosen where a choice is needed):
    ``message`` is a msgid of this page's catalog."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class FieldRefused(FormRefused):
    """A value the page itself cannot send (not a date, not a number): next to ``field``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.details = {"field": field}


Refusal = DomainError | FormRefused


def field_of(error: Refusal, fields: tuple[str, ...], default: str) -> str:
    """The form field a refusal names (its ``field`` detail), else ``default``."""
    details = getattr(error, "details", None) or {}
    named = str(details.get("field") or "")
    for name in fields:
        if named == name or named.startswith(f"{name}.") or named.startswith(f"{name}["):
            return name
    return default


def registry_of(request: AnyRequest) -> RegistryApplication:
    """The application whose commands the forms run (the JSON API's)."""
    return request.app.state.registry  # type: ignore[no-any-return]


def pick(lang: str, thing: Any, name: str = "title") -> str:
    """``thing``'s ``<name>_<lang>`` (``title_kk``...), else its Russian one, else ``""``."""
    for code in (lang, "ru"):
        value = getattr(thing, f"{name}_{code}", None)
        if value:
            return str(value)
    return ""


def form_post(path: str, name: str, *, guards: list[Any], status_code: int = 303) -> Any:
    """The route of a page's form: ``POST path`` answered in HTML (a redirect, 303, unless
    ``status_code`` says otherwise), not part of the API's schema."""
    return post(
        path,
        name=name,
        guards=guards,
        include_in_schema=False,
        media_type=MediaType.HTML,
        status_code=status_code,
    )


def values_of(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields' values (:func:`text`)."""
    return {name: text(form, name) for name in names}


async def form_of(request: AnyRequest) -> Any:
    """The posted form."""
    return await request.form()


async def answer(build: Callable[[], Template]) -> Template:
    """The page ``build`` makes, built in a thread (it reads the views)."""
    return await sync_to_thread(build)


def text(form: Any, name: str) -> str:
    """A form field's value, stripped; absent: ``""``."""
    value = form.get(name)
    return str(value).strip() if value is not None else ""


async def settle(request: AnyRequest, result: CommandResult) -> None:
    """Wait (briefly) until the views show what was recorded, so the page after the
    redirect shows it; a slow projector only makes the page older, never the action lost."""
    with contextlib.suppress(ApiProblem):
        await read_side(request).reach(result.position, SETTLE_SECONDS)


def back(path: str, done: str, anchor: str = "", **params: str) -> Redirect:
    """303 to ``path?done=...`` (and the non-empty ``params``), at ``#anchor``."""
    query = urlencode({"done": done, **{k: v for k, v in params.items() if v}})
    return redirect(f"{path}?{query}{'#' + anchor if anchor else ''}")


def refusal(request: AnyRequest, error: Refusal) -> str:
    """The refusal in the viewer's language."""
    tr = translator(language(request))
    if isinstance(error, FormRefused):
        return tr.gettext(error.message)
    return refusal_text(error, tr)


def actor_of(request: AnyRequest) -> UUID:
    """The signed-in account acting (the guards let only a signed-in account through)."""
    account = viewer(request)
    assert account is not None
    return account.id


async def act(
    request: AnyRequest,
    command: Callable[[], CommandResult],
    *,
    on_refusal: Callable[[Refusal, str], Template],
    back_to: str | Callable[[CommandResult], str],
    done: str | Callable[[CommandResult], str],
    anchor: str | Callable[[CommandResult], str] = "",
    **params: str,
) -> Template | Redirect:
    """Run ``command`` (in a thread; it may raise :class:`FormRefused` or a
    :class:`DomainError`). Refused: the page ``on_refusal(error, text)`` builds (in a thread),
    ``text`` being the refusal in the viewer's language. Else, once the views show it, 303 to
    ``back_to`` (a text or a function of the result) with ``done`` (a text: ``"nothing"``
    instead when the command recorded nothing; a function: what it says of the result),
    ``anchor`` and ``params``."""
    try:
        result = await sync_to_thread(command)
    except (DomainError, FormRefused) as error:
        refused, message = error, refusal(request, error)
        return await sync_to_thread(lambda: on_refusal(refused, message))
    await settle(request, result)
    notice = done(result) if callable(done) else (done if result.recorded else "nothing")
    at = anchor(result) if callable(anchor) else anchor
    path = back_to(result) if callable(back_to) else back_to
    return back(path, notice, at, **params)
