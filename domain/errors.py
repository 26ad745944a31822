"""Typed refusals of the domain.

Every refusal carries a stable ``code`` (the API turns it into a problem ``type``
``/problems/<code>``) and a human-readable message.  A refused command stores nothing.

The message is an English gettext msgid with named ``%(name)s`` placeholders (``template``),
filled from ``params`` and the details; ``message`` is the English text, for logs and the CLI.
The API translates ``template`` into the request's language (``api.messages``, catalog domain
``problems``): write the msgid as a string literal in the ``DomainError(...)`` call (babel
extracts it), put values (ids, numbers, field names) in parameters, never in the text, and wrap
a parameter that is itself a phrase to translate in :class:`Phrase` (its msgid marked ``N_``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def N_(message: str) -> str:
    """Marks ``message`` as a msgid for extraction; translated later, where it is shown."""
    return message


class Phrase(str):
    """A parameter of a message that is itself a msgid (marked ``N_``): the API translates it
    along with the message (``"cannot %(doing)s"`` with ``doing=Phrase(N_("lock"))``)."""

    __slots__ = ()


#: Stable codes and the HTTP status the API maps them to.
ERROR_STATUS: dict[str, int] = {
    "invalid-input": 422,
    "not-found": 404,
    "already-exists": 409,
    "possible-duplicate": 409,
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
    "sign-off-missing": 409,
    "not-allowed": 403,
    "version-conflict": 409,
    "precondition-failed": 412,
}


class DomainError(Exception):
    """A command refused by a rule. ``code`` is stable and machine-readable.

    ``template`` is the msgid (``%(name)s`` placeholders filled from ``params`` and then
    ``details``); ``details`` also become the problem's extension members, ``params`` do not.
    """

    def __init__(
        self,
        code: str,
        template: str,
        /,
        *,
        params: Mapping[str, Any] | None = None,
        **details: Any,
    ) -> None:
        if code not in ERROR_STATUS:
            raise ValueError(f"unknown error code {code!r}")
        values = {**details, **(params or {})}
        message = template % values if values else template
        super().__init__(message)
        self.code = code
        self.template = template
        self.params = values
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return ERROR_STATUS[self.code]

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"
