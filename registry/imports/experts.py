"""An expert list (``experts``): existing accounts assigned to the competition with their
role and organisation, by the rules of ``assign_expert``, and the scope granted.
"""

from __future__ import annotations

from uuid import UUID

from domain import ids
from domain.account import Account
from domain.competition import Competition
from domain.errors import N_, DomainError
from domain.values import ExpertRole, Role
from registry.imports.cells import ACCOUNT, EXPERT_ROLE, _coded, _id_or_text
from registry.imports.checking import _Context, _Plan
from registry.imports.organisations import _Organisations


def _plan_experts(context: _Context, competition: Competition | None, plan: _Plan) -> None:
    assert competition is not None
    registry = context.registry
    organisations = _Organisations(context, plan, default_region=competition.region)
    accounts: dict[UUID, Account | None] = {}
    rows_of: dict[UUID, int] = {}
    stopped = False
    for row in context.rows():
        named = row.required(ACCOUNT, _id_or_text, "account")
        role = row.required(EXPERT_ROLE, _coded(ExpertRole, "expert_role", "role"), "role")
        organisation = organisations.resolve(row, register=False)
        if row.bad or named is None or role is None or organisation is None:
            continue
        account_id = named if isinstance(named, UUID) else ids.account_id(named)
        if account_id not in accounts:
            hit = registry._find(account_id)
            accounts[account_id] = hit if isinstance(hit, Account) else None
        account = accounts[account_id]
        if account is None:
            row.problem(
                ACCOUNT,
                N_("no account %(name)s: an administrator creates the expert's account first"),
                {"name": str(named)},
                "not-found",
            )
            continue
        if account.id in rows_of:
            row.problem(
                ACCOUNT,
                N_("%(name)s is listed twice in this file (row %(row)s)"),
                {"name": account.name, "row": rows_of[account.id]},
                "already-exists",
            )
            continue
        rows_of[account.id] = row.number
        allowed = (
            {Role.CHIEF_EXPERT} if role is ExpertRole.CHIEF else {Role.EXPERT, Role.CHIEF_EXPERT}
        )
        if account.role not in allowed:
            template = (
                N_(
                    "account %(name)r has role %(role)s; a chief of a competition needs "
                    "chief_expert"
                )
                if role is ExpertRole.CHIEF
                else N_(
                    "account %(name)r has role %(role)s; a expert of a competition needs "
                    "chief_expert or expert"
                )
            )
            row.problem(
                EXPERT_ROLE, template, {"name": account.name, "role": account.role}, "invalid-input"
            )
            continue
        if stopped:
            continue
        try:
            account.grant_scope(actor=context.actor, competition_id=competition.id, at=context.at)
        except DomainError as error:
            row.refused(error, ACCOUNT)
            continue
        try:
            changed = competition.assign_expert(
                actor=context.actor,
                account_id=account.id,
                name=account.name,
                role=role,
                organisation_id=organisation.id,
                at=context.at,
            )
        except DomainError as error:
            if error.code == "invalid-state" and "doing" in error.params:
                context.problems.whole(error)  # the competition's state
                stopped = True
            else:
                row.refused(error, EXPERT_ROLE)
            continue
        if changed:
            plan.counts["experts"] += 1
        plan.keep(account)
    plan.keep(competition)
