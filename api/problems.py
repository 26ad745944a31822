"""RFC 9457 problem details for every error the API answers.

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
from typing import Any, TypeVar

from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsException

from api.schemas import Problem
from domain.errors import ERROR_STATUS, DomainError

logger = logging.getLogger("api")
T = TypeVar("T")

#: Codes whose problems list the offending fields in ``errors``.
FIELD_CODES = frozenset({"invalid-input", "out-of-range", "scheme-total", "invalid-scheme"})
_FIELD_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_\[\]\.]*): (.+)$", re.DOTALL)

TITLES: dict[str, str] = {
    "malformed-request": "Malformed request",
    "unauthorized": "Unauthorized",
    "forbidden": "Forbidden",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "invalid-input": "Invalid input",
    "idempotency-key-reused": "Idempotency key reused with another request",
    "idempotency-key-in-use": "A request with this idempotency key is in progress",
    "precondition-failed": "Precondition failed",
    "payload-too-large": "Payload too large",
    "store-unavailable": "The event store is unavailable",
    "position-not-recorded": "No event recorded at this position",
    "too-many-requests": "Too many requests",
    "headers-too-large": "Request header fields too large",
    "views-behind": "The views are behind",
    "too-many-waiters": "Too many reads waiting for a position",
    "internal-error": "Internal error",
    "already-exists": "Already exists",
    "conflict-of-interest": "Conflict of interest",
    "disputed-aspect": "Disputed aspect",
    "invalid-state": "Invalid state",
    "out-of-range": "Out of range",
    "not-assigned": "Not assigned to this competition",
    "scheme-total": "Marking scheme does not add up to 100.00",
    "invalid-scheme": "Invalid marking scheme",
    "scheme-frozen": "Marking scheme frozen",
    "mark-exists": "A different mark exists",
    "no-mark": "No mark to change",
    "judgement-full": "Judgement already has three scores",
    "incomplete-marking": "Marking incomplete",
    "not-allowed": "Not allowed",
    "version-conflict": "Version conflict",
}


def title_of(code: str) -> str:
    return TITLES.get(code) or code.replace("-", " ").capitalize()


class ApiProblem(ProblemDetailsException):
    """A problem answer: ``type`` ``/problems/<code>``, a title, the status, a detail."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        members: dict[str, Any] = dict(extra or {})
        if errors is not None:
            members["errors"] = errors
        super().__init__(
            detail=detail,
            status_code=status,
            headers=headers,
            extra=members or None,
            type_=f"/problems/{code}",
            title=title_of(code),
        )
        self.code = code


def unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(
        401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="registry"'}
    )


def forbidden(detail: str, code: str = "forbidden") -> ApiProblem:
    return ApiProblem(403, code, detail)


def invalid_field(field: str, message: str, detail: str | None = None) -> ApiProblem:
    """400 ``invalid-input`` naming the field (a query parameter, a header)."""
    return ApiProblem(
        400,
        "invalid-input",
        f"{field}: {message}" if detail is None else detail,
        errors=[{"field": field, "message": message}],
    )


def found(value: T | None, detail: str) -> T:
    """``value``, or 404 ``not-found`` with ``detail`` when there is none."""
    if value is None:
        raise ApiProblem(404, "not-found", detail)
    return value


# ------------------------------------------------------------------ conversions


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


#: Members of a problem that details of a refusal must not overwrite.
_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "errors"})


def _member(key: str) -> str:
    """The extension member for a detail (``status`` of a competition becomes ``state``)."""
    if key == "status":
        return "state"
    return f"domain_{key}" if key in _RESERVED else key


def domain_problem(error: DomainError) -> ApiProblem:
    """A refusal of the domain: its code is the problem type, its details extension members."""
    details = {_member(k): _jsonable(v) for k, v in error.details.items()}
    errors = None
    if error.code in FIELD_CODES:
        field = details.get("field")
        message = error.message
        match = _FIELD_PREFIX.match(message)
        if match:
            field = field or match.group(1)
            message = match.group(2)
        field = str(field or "body")
        if "index" in details and not field.startswith("marks["):
            field = f"marks[{details['index']}].{field}"
        errors = [{"field": field, "message": message}]
    return ApiProblem(
        ERROR_STATUS[error.code],
        error.code,
        error.message,
        errors=errors,
        extra={k: v for k, v in details.items() if k != "field"},
    )


def _validation_errors(extra: Any) -> list[dict[str, str]]:
    errors = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, Mapping):
            continue
        key = str(item.get("key") or "body")
        if key == "data":
            key = "body"
        message = str(item.get("message", "invalid"))
        if "matching regex" in message:
            message = "must not contain control characters (line breaks only in free text)"
        errors.append({"field": key, "message": message})
    return errors


def http_problem(error: HTTPException) -> ProblemDetailsException:
    """Litestar's own HTTP errors (routing, validation, body size...) as problems."""
    if isinstance(error, ProblemDetailsException):
        return error
    status = error.status_code
    headers = dict(error.headers or {})
    if isinstance(error, ValidationException) and isinstance(error.extra, list):
        errors = _validation_errors(error.extra)
        # A missing body reaches the validator as a missing "data" argument.
        if errors == [{"field": "body", "message": "'data'"}]:
            return ApiProblem(
                400, "malformed-request", "the request body is empty: a JSON object is expected"
            )
        return ApiProblem(
            422,
            "invalid-input",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid input",
            errors=errors,
        )
    code = {
        400: "malformed-request",
        401: "unauthorized",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        413: "payload-too-large",
    }.get(status, f"http-{status}")
    detail = str(error.detail or title_of(code))
    if status == 400:
        detail = f"the request could not be read: {detail}"
    if status == 404 and detail == "Not Found":
        detail = "nothing at this path (ids in paths are UUIDs)"
    if status == 413:
        detail = "the request body is larger than this endpoint accepts"
    if status >= 500:
        logger.error("HTTP %s: %s", status, error.detail, exc_info=error)
        detail = "the server could not answer; the error has been logged"
    return ApiProblem(status, code, detail, headers=headers or None)


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
