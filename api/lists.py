"""The lists the organisers' and the admin's forms need (API.md "Additions (v1, 2026-12)"):
``GET /api/v1/organisations`` (public) and ``GET /api/v1/accounts`` (admin); the people's
list is :func:`api.participants.participant_list`.

Every list is paged the same way (:func:`paging`): ``q`` (every word must occur in a name, any
case, ё as е, Kazakh letters as they are), ``limit`` (1-200, default 50) and ``after`` (the
``next`` of the page before: the id of its last item). The answer is ``{items, next}``;
``next`` is null on the last page. Items are ordered by name (folded), then id, so a page
never repeats or skips an item while the list grows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from uuid import UUID

import msgspec
from litestar import Request
from litestar.params import QueryParameter

from api.auth import ADMIN
from api.problems import ApiProblem, invalid_field, problem_responses
from api.reading import read, read_side
from projections import models

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
LIST_PROBLEMS = problem_responses(400, 401, 403, 409, 422, 503)

Q = Annotated[
    str | None,
    QueryParameter(
        name="q",
        required=False,
        max_length=200,
        description="Words every item's name must hold (any case; ё = е).",
    ),
]
Limit = Annotated[
    str | None,
    QueryParameter(name="limit", required=False, description="Items per page, 1-200 (default 50)."),
]
After = Annotated[
    str | None,
    QueryParameter(
        name="after",
        required=False,
        description="The `next` of the previous page (the id of its last item).",
    ),
]

_Item = TypeVar("_Item")


class Paging(msgspec.Struct, frozen=True):
    text: str
    limit: int
    after: UUID | None


def paging(q: str | None, limit: str | None, after: str | None) -> Paging:
    """The paging parameters of a list request (400 naming a bad one)."""
    most = DEFAULT_LIMIT
    if limit is not None:
        text = limit.strip()
        if not (text.isdigit() and len(text) <= 4 and 1 <= int(text) <= MAX_LIMIT):
            raise invalid_field("limit", "expected a whole number from 1 to 200")
        most = int(text)
    start = None
    if after is not None and after.strip():
        try:
            start = UUID(after.strip())
        except ValueError:
            raise _after_problem() from None
    return Paging(q or "", most, start)


def _after_problem() -> ApiProblem:
    return invalid_field("after", "not the next of a page of this list")


def page_of(
    query: Callable[..., tuple[list[_Item], UUID | None]], given: Paging, **keywords: Any
) -> tuple[list[_Item], UUID | None]:
    """A page of ``query`` (a ``projections.queries`` list), 400 for an ``after`` that is not
    an item of the list."""
    try:
        return query(given.text, limit=given.limit, after=given.after, **keywords)
    except LookupError:
        raise _after_problem() from None


class OrganisationPage(msgspec.Struct, frozen=True):
    items: list[models.OrganisationOut]
    #: the ``after`` of the next page; null on the last one
    next: UUID | None


class AccountPage(msgspec.Struct, frozen=True):
    items: list[models.AccountListed]
    #: the ``after`` of the next page; null on the last one
    next: UUID | None


def organisation_list(
    request: Request[Any, Any, Any], q: str | None, limit: str | None, after: str | None
) -> OrganisationPage:
    """A page of organisations (anyone); the JSON list and the forms' pickers."""
    items, following = page_of(read_side(request).queries.organisations, paging(q, limit, after))
    return OrganisationPage(items, following)


def account_list(
    request: Request[Any, Any, Any], q: str | None, limit: str | None, after: str | None
) -> AccountPage:
    """A page of accounts (the caller must be an admin: the endpoint's guard, or the page's)."""
    items, following = page_of(read_side(request).queries.accounts, paging(q, limit, after))
    return AccountPage(items, following)


@read(
    "/organisations",
    summary="Organisations, by name (paged)",
    description="Public. `{items: [{id, name_ru, name_kk, kind, region}], next}`; `q` matches "
    "the Russian or the Kazakh name (every word, any case), `limit` 1-200 (default 50), "
    "`after` = the `next` of the previous page (null: the last page). 400 names a bad "
    "parameter.",
    responses=LIST_PROBLEMS,
    tags=["registration"],
)
def list_organisations(
    request: Request[Any, Any, Any], q: Q = None, limit: Limit = None, after: After = None
) -> OrganisationPage:
    return organisation_list(request, q, limit, after)


@read(
    "/accounts",
    summary="Accounts, by name (paged; admin)",
    description="Admins only. `{items: [{id, name, role, competition_ids, revoked}], next}` — "
    "never a token or its hash. `q` matches the name, `limit` 1-200 (default 50), `after` "
    "= the `next` of the previous page. 401 without a token, 403 for another role.",
    responses=LIST_PROBLEMS,
    tags=["accounts"],
    guards=[ADMIN],
)
def list_accounts(
    request: Request[Any, Any, Any], q: Q = None, limit: Limit = None, after: After = None
) -> AccountPage:
    return account_list(request, q, limit, after)


#: relative to ``/api/v1``
LIST_API_HANDLERS: list[Any] = [list_organisations, list_accounts]
