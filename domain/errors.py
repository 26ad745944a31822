"""Typed refusals of the domain.

Every refusal carries a stable ``code`` (the API turns it into a problem ``type``
``/problems/<code>``) and a human-readable message.  A refused command stores nothing.
"""

from __future__ import annotations

from typing import Any

#: Stable codes and the HTTP status the API maps them to.
ERROR_STATUS: dict[str, int] = {
    "invalid-input": 422,
    "not-found": 404,
    "already-exists": 409,
    "conflict-of-interest": 409,
    "disputed-aspect": 409,
    "invalid-state": 409,
    "out-of-range": 422,
    "not-assigned": 403,
    "scheme-total": 422,
    "invalid-scheme": 422,
    "scheme-frozen": 409,
    "mark-exists": 409,
    "no-mark": 409,
    "judgement-full": 409,
    "incomplete-marking": 409,
    "not-allowed": 403,
    "version-conflict": 409,
    "precondition-failed": 412,
}


class DomainError(Exception):
    """A command refused by a rule. ``code`` is stable and machine-readable."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        if code not in ERROR_STATUS:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return ERROR_STATUS[self.code]

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"
