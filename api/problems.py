"""RFC 9457 problem details for every error the API answers.

``title`` and ``detail`` (and each ``errors[].message``) are in the request's language
(``Accept-Language``: ru, kk, en; Russian by default), translated when the answer is written
(:meth:`ApiProblem.to_response`, catalog domain ``problems``, ``api.messages``); ``type``,
``status``, the extension members and ``errors[].field`` never change with the language.

``type`` is ``/problems/<code>``: the domain's stable codes (``domain.errors.ERROR_STATUS``
gives their status) plus the API's own:

====================================  ======  ===============================================
type                                  status  when
====================================  ======  ===============================================
``/problems/malformed-request``       400     the body is not JSON (or is empty), a bad header
``/problems/unauthorized``            401     no token where one is needed; an unknown,
                                              rotated-out or revoked token (any endpoint)
``/problems/forbidden``               403     a known token without the role the endpoint needs
``/problems/not-assigned``            403     an expert naming a competition they do not judge
``/problems/not-allowed``             403     an expert of the competition who is not its chief
``/problems/not-found``               404     unknown path or id
``/problems/method-not-allowed``      405
``/problems/invalid-input``           422     wrong types, missing or unknown fields (with
                                              ``errors: [{field, message}]``), refused values
``/problems/idempotency-key-reused``  422     an ``Idempotency-Key`` sent again with another
                                              method, path or body
``/problems/idempotency-key-in-use``  409     the first request with that key is still running
``/problems/position-not-recorded``   409     ``X-Registry-Min-Position`` beyond the store's head
``/problems/precondition-failed``     412     ``If-Match`` does not match the current version
``/problems/payload-too-large``       413     the body is over the limit (1 MiB)
``/problems/too-many-requests``       429     a client address over its rate (``api.limits``)
``/problems/headers-too-large``       431     request headers over the limit (``api.limits``)
``/problems/store-unavailable``       503     the event store cannot be reached (retry)
``/problems/views-behind``            503     the views did not reach the position in 5 s
``/problems/too-many-waiters``        503     too many reads wait for a position (retry)
``/problems/internal-error``          500     a bug: logged, never caused by what a client sends
====================================  ======  ===============================================
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsException

from api.i18n import from_accept_language, translator
from api.messages import (
    FieldList,
    FieldRest,
    Message,
    gettext,
    library_message,
    unreadable_body,
)
from api.schemas import Problem
from domain.errors import ERROR_STATUS, N_, DomainError

logger = logging.getLogger("api")
T = TypeVar("T")

#: Codes whose problems list the offending fields in ``errors``.
FIELD_CODES = frozenset({"invalid-input", "out-of-range", "scheme-total", "invalid-scheme"})
_FIELD_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_\[\]\.]*): (.+)$", re.DOTALL)

TITLES: dict[str, str] = {
    "malformed-request": N_("Malformed request"),
    "unauthorized": N_("Unauthorized"),
    "forbidden": N_("Forbidden"),
    "not-found": N_("Not found"),
    "method-not-allowed": N_("Method not allowed"),
    "invalid-input": N_("Invalid input"),
    "idempotency-key-reused": N_("Idempotency key reused with another request"),
    "idempotency-key-in-use": N_("A request with this idempotency key is in progress"),
    "precondition-failed": N_("Precondition failed"),
    "payload-too-large": N_("Payload too large"),
    "store-unavailable": N_("The event store is unavailable"),
    "position-not-recorded": N_("No event recorded at this position"),
    "too-many-requests": N_("Too many requests"),
    "headers-too-large": N_("Request header fields too large"),
    "views-behind": N_("The views are behind"),
    "too-many-waiters": N_("Too many reads waiting for a position"),
    "internal-error": N_("Internal error"),
    "already-exists": N_("Already exists"),
    "possible-duplicate": N_("Possibly the same person"),
    "conflict-of-interest": N_("Conflict of interest"),
    "disputed-aspect": N_("Disputed aspect"),
    "invalid-state": N_("Invalid state"),
    "out-of-range": N_("Out of range"),
    "not-assigned": N_("Not assigned to this competition"),
    "scheme-total": N_("Marking scheme does not add up to 100.00"),
    "invalid-scheme": N_("Invalid marking scheme"),
    "scheme-frozen": N_("Marking scheme frozen"),
    "mark-exists": N_("A different mark exists"),
    "no-mark": N_("No mark to change"),
    "judgement-full": N_("Judgement already has three scores"),
    "incomplete-marking": N_("Marking incomplete"),
    "sign-off-missing": N_("Sign-off missing"),
    "not-allowed": N_("Not allowed"),
    "version-conflict": N_("Version conflict"),
}


def title_of(code: str) -> str:
    return TITLES.get(code) or code.replace("-", " ").capitalize()


def _message(text: str | Message, params: Mapping[str, Any] | None = None) -> Message:
    return text if isinstance(text, Message) else Message(text, params)


class ApiProblem(ProblemDetailsException):
    """A problem answer: ``type`` ``/problems/<code>``, a title, the status, a detail.

    ``detail`` is a msgid with ``%(name)s`` placeholders filled from ``params`` (or a
    :class:`~api.messages.Message`); an ``errors`` entry's ``message`` is a msgid or a Message
    too. ``self.detail`` and ``self.extra["errors"]`` hold the English texts;
    :meth:`to_response` writes them in the request's language.
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | Message,
        *,
        params: Mapping[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = _message(detail, params)
        self.field_messages = [
            (str(error["field"]), _message(error["message"])) for error in errors or ()
        ]
        members: dict[str, Any] = dict(extra or {})
        if errors is not None:
            members["errors"] = [
                {"field": field, "message": str(message)} for field, message in self.field_messages
            ]
        super().__init__(
            detail=str(self.message),
            status_code=status,
            headers=headers,
            extra=members or None,
            type_=f"/problems/{code}",
            title=title_of(code),
        )
        self.code = code

    def to_response(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """The problem document with ``title``, ``detail`` and ``errors[].message`` in the
        language of the request's ``Accept-Language`` (Russian when it names none we have)."""
        tr = translator(from_accept_language(request.headers.get("accept-language")))
        response = super().to_response(request)
        document = response.content
        if self.code in TITLES:
            document["title"] = gettext(tr, TITLES[self.code])
        document["detail"] = self.message.text(tr)
        if "errors" in document:
            document["errors"] = [
                {"field": field, "message": message.text(tr)}
                for field, message in self.field_messages
            ]
        response.headers["Content-Language"] = tr.lang
        return response


def unauthorized(detail: str | Message, params: Mapping[str, Any] | None = None) -> ApiProblem:
    return ApiProblem(
        401,
        "unauthorized",
        detail,
        params=params,
        headers={"WWW-Authenticate": 'Bearer realm="registry"'},
    )


def forbidden(
    detail: str | Message, code: str = "forbidden", params: Mapping[str, Any] | None = None
) -> ApiProblem:
    return ApiProblem(403, code, detail, params=params)


def invalid_field(
    field: str, message: str | Message, detail: str | Message | None = None
) -> ApiProblem:
    """400 ``invalid-input`` naming the field (a query parameter, a header): the detail is
    ``field: message`` unless given."""
    text = _message(message)
    whole = FieldList([(field, text)]) if detail is None else _message(detail)
    return ApiProblem(400, "invalid-input", whole, errors=[{"field": field, "message": text}])


def found(value: T | None, detail: str | Message, **params: Any) -> T:
    """``value``, or 404 ``not-found`` with ``detail`` (filled from ``params``) when there is
    none."""
    if value is None:
        raise ApiProblem(404, "not-found", detail, params=params)
    return value


# ------------------------------------------------------------------ conversions


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


#: Members of a problem that details of a refusal must not overwrite.
_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "errors"})


def _member(key: str) -> str:
    """The extension member for a detail (``status`` of a competition becomes ``state``)."""
    if key == "status":
        return "state"
    return f"domain_{key}" if key in _RESERVED else key


def domain_problem(error: DomainError) -> ApiProblem:
    """A refusal of the domain: its code is the problem type, its details extension members,
    its text the translation of its template (``domain.errors``)."""
    details = {_member(k): _jsonable(v) for k, v in error.details.items()}
    whole = Message(error.template, error.params)
    errors = None
    if error.code in FIELD_CODES:
        field = details.get("field")
        message: Message = whole
        match = _FIELD_PREFIX.match(error.message)
        if match:
            field = field or match.group(1)
            message = FieldRest(whole, match.group(1))
        field = str(field or "body")
        if "index" in details and not field.startswith("marks["):
            field = f"marks[{details['index']}].{field}"
        errors = [{"field": field, "message": message}]
    return ApiProblem(
        ERROR_STATUS[error.code],
        error.code,
        whole,
        errors=errors,
        extra={k: v for k, v in details.items() if k != "field"},
    )


def _validation_errors(extra: Any) -> list[tuple[str, str]]:
    """``(field, what the library says)`` of a validation error's ``extra``."""
    errors = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, Mapping):
            continue
        key = str(item.get("key") or "body")
        if key == "data":
            key = "body"
        errors.append((key, str(item.get("message", "invalid"))))
    return errors


def http_problem(error: HTTPException) -> ProblemDetailsException:
    """Litestar's own HTTP errors (routing, validation, body size...) as problems."""
    if isinstance(error, ProblemDetailsException):
        return error
    status = error.status_code
    headers = dict(error.headers or {})
    if isinstance(error, ValidationException) and isinstance(error.extra, list):
        found_errors = _validation_errors(error.extra)
        # A missing body reaches the validator as a missing "data" argument.
        if found_errors == [("body", "'data'")]:
            return ApiProblem(
                400, "malformed-request", "the request body is empty: a JSON object is expected"
            )
        # what msgspec and Litestar say, in the user's words (api.messages)
        errors = [(field, library_message(text)) for field, text in found_errors]
        return ApiProblem(
            422,
            "invalid-input",
            FieldList(errors),
            errors=[{"field": field, "message": message} for field, message in errors],
        )
    code = {
        400: "malformed-request",
        401: "unauthorized",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        413: "payload-too-large",
    }.get(status, f"http-{status}")
    said = str(error.detail or title_of(code))
    detail = Message("%(reason)s", {"reason": said})  # Litestar's own words: rare
    if said == _PHRASES.get(status) and code in TITLES:
        detail = Message(TITLES[code])
    if status == 400:
        if said.startswith(_NOT_JSON):
            detail = unreadable_body(said[len(_NOT_JSON) :])
        else:
            detail = Message(N_("the request could not be read: %(reason)s"), {"reason": said})
    if status == 404 and said == "Not Found":
        detail = Message(N_("nothing at this path (ids in paths are UUIDs)"))
    if status == 405:
        detail = Message(
            N_("this path does not answer this method (the Allow header lists those it does)")
        )
    if status == 413:
        detail = Message(N_("the request body is larger than this endpoint accepts"))
    if status >= 500:
        logger.error("HTTP %s: %s", status, error.detail, exc_info=error)
        detail = Message(N_("the server could not answer; the error has been logged"))
    return ApiProblem(status, code, detail, headers=headers or None)


#: What ``api.strict_json`` says of a body that is not JSON, before the reason.
_NOT_JSON = "the body is not valid JSON: "
#: Litestar's default details (the HTTP reason phrases): the problem's title says it.
_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def store_unavailable(error: Exception) -> ApiProblem:
    logger.error("event store error: %s", error, exc_info=error)
    return ApiProblem(
        503,
        "store-unavailable",
        # the pools retry a lost server every 0.5 s (store.settings): a second is enough
        "the event store cannot be reached just now; retry shortly",
        headers={"Retry-After": "1"},
    )


def unexpected_problem(error: Exception) -> ApiProblem:
    logger.error("unexpected error: %r", error, exc_info=error)
    return ApiProblem(
        500, "internal-error", "the server could not answer; the error has been logged"
    )


# ------------------------------------------------------------------ OpenAPI

_DESCRIPTIONS = {
    400: "malformed JSON or an empty body (`/problems/malformed-request`)",
    401: "no token, or an unknown, rotated-out or revoked token (`/problems/unauthorized`)",
    403: "the token's account lacks the role or the scope (`/problems/forbidden`, "
    "`/problems/not-assigned`, `/problems/not-allowed`)",
    404: "an unknown id (`/problems/not-found`)",
    409: "a rule refuses the command (`/problems/invalid-state`, `/problems/already-exists`, "
    "`/problems/conflict-of-interest`, `/problems/mark-exists`, ...) or the same "
    "`Idempotency-Key` is in flight",
    412: "`If-Match` does not match the current version (`/problems/precondition-failed`)",
    413: "the body is larger than 1 MiB (`/problems/payload-too-large`)",
    422: "wrong types, missing or unknown fields, refused values (`/problems/invalid-input`, "
    "`/problems/out-of-range`, ...; `errors` lists the fields) or an `Idempotency-Key` "
    "reused with another body (`/problems/idempotency-key-reused`)",
    503: "the event store is unreachable (`/problems/store-unavailable`, `Retry-After`)",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI ``responses`` for the given problem statuses."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }
