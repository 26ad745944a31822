"""The office pages: the akimat's prize review and the administrator's accounts.

Every action is a ``<form method="post">`` (with the CSRF token) that calls the command the
JSON endpoint of the same thing calls (:mod:`api.prizes`, :mod:`api.commands`); a refusal is
shown next to the entry, nominee or account that caused it, in the viewer's language
(:func:`api.messages.refusal_text`), with the page answered in the refusal's status; a
command that went through redirects (303) back to the page with a short confirmation
(post/redirect/get), once the views have processed it.

* ``/akimat/programmes`` — the programmes (``GET /prize-programmes``);
  ``/akimat/programmes/{id}?status=`` — the full list (``GET /prize-programmes/{id}`` as the
  akimat sees it) filtered by status: approve, reject, reconsider, award, revoke each entry;
  approve the selected entries at once (:meth:`RegistryApplication.decide_prize_entries`:
  one event per entry, all or nothing, in one save of the programme); nominations, their
  nominees and citations (define, nominate, approve, reject, revoke).
* ``/admin/accounts`` — accounts with role and competitions; create one (its token is shown
  once, on the answer to the form, never in an address and never again), revoke with a
  reason, rotate (the new token shown once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.concurrency import sync_to_thread
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from api.auth import ADMIN, AKIMAT
from api.i18n import N_, translator
from api.lists import MAX_LIMIT, account_list, organisation_list
from api.prizes import programme_answer
from api.problems import ApiProblem
from api.reading import read_side
from api.web.forms import (
    FormRefused,
    Refusal,
    act,
    actor_of,
    answer,
    form_of,
    form_post,
    refusal,
    registry_of,
    settle,
    text,
)
from api.web.pages import language, render
from api.web.public import ENTRY_STATUSES as STATUS_NAMES
from domain import prizes as prize_rules
from domain.errors import DomainError
from domain.values import Role, local_date
from registry.application import CommandResult

AnyRequest = Request[Any, Any, Any]

#: the statuses the review page filters by, in the order of the akimat's work
STATUSES: tuple[str, ...] = (
    "proposed",
    "needs_review",
    "approved",
    "awarded",
    "rejected",
    "revoked",
)
#: the decisions on an entry the page offers, in this order
ENTRY_DECISIONS: tuple[str, ...] = ("approve", "reject", "reconsider", "award", "revoke")
#: decisions that need a reason
WITH_REASON = prize_rules.REASONED
NOMINEE_DECISIONS: tuple[str, ...] = ("approve", "reject", "revoke")
ACTION_NAMES: Mapping[str, str] = {
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "reconsider": N_("Reconsider"),
    "award": N_("Mark as handed over"),
    "revoke": N_("Revoke"),
}

#: the label of the reason field of each decision that needs one
REASON_LABELS: Mapping[str, str] = {
    "reject": N_("Reason for the rejection"),
    "reconsider": N_("Reason for reconsidering"),
    "revoke": N_("Reason for the revocation"),
}

#: the confirmation shown after an action (``?done=``), by action
DONE: Mapping[str, str] = {
    "approve": N_("The entry was approved."),
    "reject": N_("The entry was rejected."),
    "reconsider": N_("The rejection was reconsidered: the entry is proposed again."),
    "award": N_("The prize was marked as handed over."),
    "revoke": N_("The entry was revoked."),
    "bulk": N_("The selected entries were approved."),
    "nomination": N_("The nomination was created."),
    "nominee": N_("The organisation was nominated."),
    "nominee-approve": N_("The nominee was approved."),
    "nominee-reject": N_("The nominee was rejected."),
    "nominee-revoke": N_("The nominee was revoked."),
    "account-revoke": N_("The account was revoked; its token no longer works."),
    "nothing": N_("Nothing changed: it was already so."),
}
NOTHING_SELECTED = N_("Select at least one entry to approve.")
CHOOSE_ORGANISATION = N_("Choose an organisation.")
CHOOSE_ROLE = N_("Choose a role.")
ROLES: tuple[str, ...] = tuple(role.value for role in Role)
#: accounts on one page of ``/admin/accounts``
ACCOUNTS_PAGE = 100


# ------------------------------------------------------------------ helpers


def entry_decisions() -> tuple[str, ...]:
    """The entry decisions the registry knows, in the page's order."""
    return tuple(d for d in ENTRY_DECISIONS if d in prize_rules.TRANSITIONS)


def allowed(decision: str, status: str) -> bool:
    """Whether the registry's table of transitions lets ``decision`` act on an entry that is
    ``status`` (the page offers only those; the registry decides all the same)."""
    sources = prize_rules.TRANSITIONS.get(decision, frozenset())
    return any(str(s) == status for s in sources)


def nominee_allowed(decision: str, status: str) -> bool:
    """The same for a nominee."""
    sources = prize_rules.NOMINEE_TRANSITIONS.get(decision, frozenset())
    return any(str(s) == status for s in sources)


# ------------------------------------------------------------------ the akimat's pages


@get(
    "/akimat/programmes",
    name="akimat-programmes",
    guards=[AKIMAT],
    sync_to_thread=True,
    include_in_schema=False,
)
def programmes_page(request: AnyRequest) -> Template:
    programmes = read_side(request).prizes.programmes()  # GET /api/v1/prize-programmes
    ordered = sorted(programmes, key=lambda p: (-p.year, p.title_ru))
    return render(request, "office/programmes.html", programmes=ordered)


def _organisations(request: AnyRequest, lang: str) -> list[tuple[UUID, str]]:
    """Every registered organisation (id, name in ``lang``), for the nominee form: the pages
    of ``GET /api/v1/organisations``."""
    found: list[tuple[UUID, str]] = []
    after: str | None = None
    while True:
        page = organisation_list(request, None, str(MAX_LIMIT), after)
        for item in page.items:
            name = item.name_kk if lang == "kk" and item.name_kk else item.name_ru
            found.append((item.id, name))
        if page.next is None:
            break
        after = str(page.next)
    return sorted(found, key=lambda item: item[1].casefold())


def _review(
    request: AnyRequest,
    programme_id: UUID,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    selected: frozenset[str] = frozenset(),
) -> Template:
    """The review page; ``errors`` by the id of the entry, nominee or nomination (or
    ``"bulk"``, ``"nomination"``) whose form was refused, ``values`` what was typed there."""
    programme = programme_answer(request, programme_id, full=True)  # GET /prize-programmes/{id}
    query = request.query_params
    status = query.get("status") or ""
    if status not in STATUSES:
        status = ""
    counts = {s: sum(1 for e in programme.entries if e.status == s) for s in STATUSES}
    entries = [e for e in programme.entries if not status or e.status == status]
    entries.sort(key=lambda e: (STATUSES.index(e.status), e.championship, e.competition, e.place))
    done = query.get("done") or ""
    decisions = entry_decisions()
    return render(
        request,
        "office/programme.html",
        status_code=status_code,
        programme=programme,
        entries=entries,
        status=status,
        statuses=STATUSES,
        counts=counts,
        status_names=STATUS_NAMES,
        decisions=decisions,
        with_reason=WITH_REASON,
        action_names=ACTION_NAMES,
        reason_labels=REASON_LABELS,
        allowed=allowed,
        nominee_actions=NOMINEE_DECISIONS,
        nominee_allowed=nominee_allowed,
        done=DONE.get(done),
        done_count=query.get("n") or "",
        errors=errors or {},
        values=values or {},
        selected=selected,
        organisations=_organisations(request, language(request)),
        today=local_date(datetime.now(UTC)).isoformat(),
    )


@get(
    "/akimat/programmes/{programme_id:uuid}",
    name="akimat-programme",
    guards=[AKIMAT],
    sync_to_thread=True,
    include_in_schema=False,
)
def programme_page(request: AnyRequest, programme_id: FromPath[UUID]) -> Template:
    return _review(request, programme_id)


def _path(programme_id: UUID) -> str:
    return f"/akimat/programmes/{programme_id}"


def _keep(request: AnyRequest, form: Any) -> str:
    """The status filter the form was sent from (kept across the redirect)."""
    status = text(form, "status")
    return status if status in STATUSES else ""


def _refused(
    request: AnyRequest,
    programme_id: UUID,
    key: str | Callable[[Refusal], str],
    values: Mapping[str, str],
    selected: frozenset[str] = frozenset(),
) -> Callable[[Refusal, str], Template]:
    """The programme's page again, the refusal next to ``key`` (the row or form)."""

    def page(error: Refusal, message: str) -> Template:
        errors = {key(error) if callable(key) else key: message}
        return _review(
            request,
            programme_id,
            status_code=error.status,
            errors=errors,
            values=values,
            selected=selected,
        )

    return page


@form_post(
    "/akimat/programmes/{programme_id:uuid}/entries/{entry_id:uuid}/{decision:str}",
    "akimat-entry-decision",
    guards=[AKIMAT],
)
async def decide_entry(
    request: AnyRequest,
    programme_id: FromPath[UUID],
    entry_id: FromPath[UUID],
    decision: FromPath[str],
) -> Any:
    """approve, reject (reason), reconsider (reason), award (date), revoke (reason)."""
    form = await form_of(request)
    registry = registry_of(request)
    reason = text(form, "reason")
    awarded_text = text(form, "awarded_on")
    values = {"reason": reason, "awarded_on": awarded_text, "decision": decision}
    if decision not in entry_decisions():
        raise NotFoundException()
    keywords: dict[str, Any] = {"entry_id": entry_id, "decision": decision}
    if decision in WITH_REASON:
        keywords["reason"] = reason
    if decision == "award":
        keywords["awarded_on"] = _date(awarded_text)
    return await act(
        request,
        lambda: registry.decide_prize_entry(
            actor=actor_of(request), programme_id=programme_id, **keywords
        ),
        on_refusal=_refused(request, programme_id, str(entry_id), values),
        back_to=_path(programme_id),
        done=decision,
        anchor=f"entry-{entry_id}",
        status=_keep(request, form),
    )


def _date(value: str) -> date | None:
    """A date field's value (a browser sends YYYY-MM-DD); none or not a date: None, which
    the registry refuses, naming the field."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@form_post(
    "/akimat/programmes/{programme_id:uuid}/approve-selected",
    "akimat-bulk-approve",
    guards=[AKIMAT],
)
async def approve_selected(request: AnyRequest, programme_id: FromPath[UUID]) -> Any:
    """Approve every selected entry in one action: one event per entry, all or nothing
    (:meth:`RegistryApplication.decide_prize_entries`)."""
    form = await form_of(request)
    registry = registry_of(request)
    chosen: list[UUID] = []
    for value in form.getall("entry", []):
        try:
            chosen.append(UUID(str(value)))
        except ValueError:
            continue
    chosen = list(dict.fromkeys(chosen))
    selected = frozenset(str(e) for e in chosen)
    if not chosen:
        tr = translator(language(request))
        return await sync_to_thread(
            lambda: _review(
                request,
                programme_id,
                status_code=422,
                errors={"bulk": tr.gettext(NOTHING_SELECTED)},
            )
        )
    return await act(
        request,
        lambda: registry.decide_prize_entries(
            actor=actor_of(request),
            programme_id=programme_id,
            decisions=[{"entry_id": e, "decision": "approve"} for e in chosen],
        ),
        on_refusal=_refused(
            request,
            programme_id,
            lambda error: str(getattr(error, "details", {}).get("entry_id") or "bulk"),
            {},
            selected,
        ),
        back_to=_path(programme_id),
        done="bulk",
        anchor="entries-heading",
        status=_keep(request, form),
        n=str(len(chosen)),
    )


@form_post(
    "/akimat/programmes/{programme_id:uuid}/nominations", name="akimat-nomination", guards=[AKIMAT]
)
async def define_nomination(request: AnyRequest, programme_id: FromPath[UUID]) -> Any:
    form = await form_of(request)
    registry = registry_of(request)
    values = {"title_ru": text(form, "title_ru"), "title_kk": text(form, "title_kk")}
    return await act(
        request,
        lambda: registry.define_nomination(
            actor=actor_of(request), programme_id=programme_id, **values
        ),
        on_refusal=_refused(request, programme_id, "nomination", values),
        back_to=_path(programme_id),
        done="nomination",
        anchor=lambda result: f"nomination-{result.id}",
    )


@form_post(
    "/akimat/programmes/{programme_id:uuid}/nominations/{nomination_id:uuid}/nominees",
    "akimat-nominee",
    guards=[AKIMAT],
)
async def nominate(
    request: AnyRequest, programme_id: FromPath[UUID], nomination_id: FromPath[UUID]
) -> Any:
    form = await form_of(request)
    registry = registry_of(request)
    values = {"organisation_id": text(form, "organisation_id"), "citation": text(form, "citation")}

    def command() -> CommandResult:
        try:
            organisation_id = UUID(values["organisation_id"])
        except ValueError:
            raise FormRefused(CHOOSE_ORGANISATION) from None
        return registry.nominate(
            actor=actor_of(request),
            programme_id=programme_id,
            nomination_id=nomination_id,
            organisation_id=organisation_id,
            citation=values["citation"],
        )

    return await act(
        request,
        command,
        on_refusal=_refused(request, programme_id, f"nomination-{nomination_id}", values),
        back_to=_path(programme_id),
        done="nominee",
        anchor=lambda result: f"nominee-{result.id}",
    )


@form_post(
    "/akimat/programmes/{programme_id:uuid}/nominations/{nomination_id:uuid}/nominees/"
    "{nominee_id:uuid}/{decision:str}",
    "akimat-nominee-decision",
    guards=[AKIMAT],
)
async def decide_nominee(
    request: AnyRequest,
    programme_id: FromPath[UUID],
    nomination_id: FromPath[UUID],
    nominee_id: FromPath[UUID],
    decision: FromPath[str],
) -> Any:
    form = await form_of(request)
    registry = registry_of(request)
    reason = text(form, "reason")
    values = {"reason": reason, "decision": decision}
    if decision not in prize_rules.NOMINEE_TRANSITIONS:
        raise NotFoundException()
    keywords: dict[str, Any] = {}
    if decision in WITH_REASON:
        keywords["reason"] = reason
    return await act(
        request,
        lambda: registry.decide_nominee(
            actor=actor_of(request),
            programme_id=programme_id,
            nomination_id=nomination_id,
            nominee_id=nominee_id,
            decision=decision,
            **keywords,
        ),
        on_refusal=_refused(request, programme_id, str(nominee_id), values),
        back_to=_path(programme_id),
        done=f"nominee-{decision}",
        anchor=f"nominee-{nominee_id}",
    )


# ------------------------------------------------------------------ the administrator's pages


def competition_titles(request: AnyRequest, lang: str) -> dict[UUID, str]:
    """Every competition's title (with its championship), for the scope column and form."""
    titles: dict[UUID, str] = {}
    side = read_side(request)
    for championship in side.queries.championships():
        detail = side.queries.championship(championship.id)
        if detail is None:
            continue
        name = (
            championship.title_kk
            if lang == "kk" and championship.title_kk
            else championship.title_ru
        )
        for competition in detail.competitions:
            title = (
                competition.title_kk
                if lang == "kk" and competition.title_kk
                else competition.title_ru
            )
            titles[competition.id] = f"{name}: {title}"
    return titles


def _accounts(
    request: AnyRequest,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    issued: Mapping[str, Any] | None = None,
) -> Template:
    lang = language(request)
    query = request.query_params
    q = (query.get("q") or "").strip()
    try:
        listed = account_list(request, q, str(ACCOUNTS_PAGE), query.get("after"))
    except ApiProblem:  # an "after" that is no account of the list: the first page
        listed = account_list(request, q, str(ACCOUNTS_PAGE), None)
    return render(
        request,
        "office/accounts.html",
        status_code=status_code,
        accounts=listed.items,
        next_after=listed.next,
        q=q,
        titles=competition_titles(request, lang),
        roles=ROLES,
        errors=errors or {},
        values=values or {},
        issued=issued,
        done=DONE.get(request.query_params.get("done") or ""),
    )


@get(
    "/admin/accounts",
    name="admin-accounts",
    guards=[ADMIN],
    sync_to_thread=True,
    include_in_schema=False,
)
def accounts_page(request: AnyRequest) -> Template:
    return _accounts(request)


def _scopes(form: Any) -> list[UUID]:
    """The competitions chosen (ids the form offers; anything else is not a choice)."""
    chosen: list[UUID] = []
    for value in form.getall("competition_ids", []):
        try:
            chosen.append(UUID(str(value)))
        except ValueError:
            continue
    return chosen


@form_post("/admin/accounts", name="admin-account-create", guards=[ADMIN], status_code=200)
async def create_account(request: AnyRequest) -> Template:
    """Create an account; the answer shows its token once (no redirect: the token is never
    in an address, and a second GET of the list never shows it)."""
    form = await form_of(request)
    registry = registry_of(request)
    values: dict[str, Any] = {"name": text(form, "name"), "role": text(form, "role")}
    try:
        scopes = _scopes(form)
        values["competition_ids"] = [str(s) for s in scopes]
        if values["role"] not in ROLES:
            raise FormRefused(CHOOSE_ROLE)
        created = await sync_to_thread(
            lambda: registry.create_account(
                actor=actor_of(request),
                name=values["name"],
                role=values["role"],
                competition_ids=scopes,
            )
        )
    except (DomainError, FormRefused) as error:
        message, status = refusal(request, error), error.status
        return await answer(
            lambda: _accounts(
                request, status_code=status, errors={"create": message}, values=values
            ),
        )
    await settle(request, created)
    issued = {"id": created.id, "name": values["name"], "token": created.token, "new": True}
    return await answer(lambda: _accounts(request, issued=issued))


@form_post(
    "/admin/accounts/{account_id:uuid}/rotate",
    "admin-account-rotate",
    guards=[ADMIN],
    status_code=200,
)
async def rotate_token(request: AnyRequest, account_id: FromPath[UUID]) -> Template:
    registry = registry_of(request)
    await form_of(request)
    try:
        rotated = await sync_to_thread(
            lambda: registry.rotate_token(actor=actor_of(request), account_id=account_id)
        )
        name = await sync_to_thread(lambda: registry.account(account_id).name)
    except DomainError as error:
        message, status = refusal(request, error), error.status
        return await answer(
            lambda: _accounts(request, status_code=status, errors={str(account_id): message}),
        )
    await settle(request, rotated)
    issued = {"id": account_id, "name": name, "token": rotated.token, "new": False}
    return await answer(lambda: _accounts(request, issued=issued))


@form_post("/admin/accounts/{account_id:uuid}/revoke", name="admin-account-revoke", guards=[ADMIN])
async def revoke_account(request: AnyRequest, account_id: FromPath[UUID]) -> Any:
    form = await form_of(request)
    registry = registry_of(request)
    reason = text(form, "reason")
    return await act(
        request,
        lambda: registry.revoke_account(
            actor=actor_of(request), account_id=account_id, reason=reason
        ),
        on_refusal=lambda error, message: _accounts(
            request,
            status_code=error.status,
            errors={str(account_id): message},
            values={"reason": reason, "account": str(account_id)},
        ),
        back_to="/admin/accounts",
        done="account-revoke",
        anchor=f"account-{account_id}",
    )


OFFICE_PAGE_HANDLERS: list[Any] = [
    programmes_page,
    programme_page,
    decide_entry,
    approve_selected,
    define_nomination,
    nominate,
    decide_nominee,
    accounts_page,
    create_account,
    rotate_token,
    revoke_account,
]
