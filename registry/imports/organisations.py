"""Organisations as the rows of an entrant or expert list name them: by id, or by their
natural key (region + Russian name; the competition's region when the cell is blank), each
looked up once; an entrant list registers those not registered yet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from uuid import UUID

from domain import ids
from domain.errors import N_, DomainError
from domain.events import checked_region
from domain.organisation import Organisation
from domain.values import OrganisationKind
from registry.imports.cells import (
    ORGANISATION,
    ORGANISATION_KIND,
    ORGANISATION_KK,
    REGION,
    _coded,
    _id_or_text,
    _optional,
    _required,
    _text,
)
from registry.imports.checking import _Context, _Plan, _Row

#: the domain's field names (in refusals) → the layout's keys
_ORGANISATION_FIELDS = {
    "name_ru": ORGANISATION,
    "name_kk": ORGANISATION_KK,
    "kind": ORGANISATION_KIND,
    "region": REGION,
}
#: the cells that name a row's organisation (``_Organisations.resolve``)
_ORGANISATION_COLUMNS = (ORGANISATION, REGION, ORGANISATION_KK, ORGANISATION_KIND)


class _Organisations:
    """Organisations as the rows name them (natural key: region + Russian name, or an id),
    each looked up once; with ``register``, those not registered are registered."""

    def __init__(self, context: _Context, plan: _Plan, *, default_region: str | None) -> None:
        self.context = context
        self.plan = plan
        self.default_region = default_region
        self._found: dict[UUID, Organisation | None] = {}
        self._new: dict[UUID, Organisation] = {}
        self._by_cells: dict[tuple[object, ...], Organisation] = {}

    @property
    def known(self) -> Mapping[tuple[object, ...], Organisation]:
        """The organisations resolved so far, by the cells that named them (``resolve``
        answers them again without a look)."""
        return self._by_cells

    def _lookup(self, organisation_id: UUID) -> Organisation | None:
        if organisation_id in self._new:
            return self._new[organisation_id]
        if organisation_id not in self._found:
            hit = self.context.registry._find(organisation_id)
            self._found[organisation_id] = hit if isinstance(hit, Organisation) else None
        return self._found[organisation_id]

    def resolve(self, row: _Row, *, register: bool) -> Organisation | None:
        """The row's organisation (None: a problem of its cells, reported), checked on its
        own cells only: a problem elsewhere in the row does not hide it."""
        cells = tuple(row.get(key) for key in _ORGANISATION_COLUMNS)
        known = self._by_cells.get(cells)
        if known is not None:  # the same cells as a row before: the same organisation
            return known
        elsewhere, row.bad = row.bad, False
        try:
            resolved = self._resolve(row, register=register)
        finally:
            ok, row.bad = not row.bad, row.bad or elsewhere
        if resolved is not None and ok:
            self._by_cells[cells] = resolved
        return resolved

    def _resolve(self, row: _Row, *, register: bool) -> Organisation | None:
        named = row.required(ORGANISATION, _id_or_text, "organisation")
        if named is None:
            return None
        if isinstance(named, UUID):
            hit = self._lookup(named)
            if hit is None:
                row.problem(
                    ORGANISATION,
                    N_("no organisation with id %(id)s"),
                    {"id": str(named)},
                    "not-found",
                )
            return hit
        name_ru = row.field(ORGANISATION, _required("organisation"))
        region = row.field(REGION, self._region)
        name_kk = row.field(ORGANISATION_KK, _optional("organisation_kk"))
        kind = row.field(
            ORGANISATION_KIND, _coded(OrganisationKind, "organisation_kind", "organisation_kind")
        )
        if row.bad or name_ru is None or region is None:
            return None
        organisation_id = ids.organisation_id(region, name_ru)
        hit = self._lookup(organisation_id)
        if hit is None and not register:
            row.problem(
                ORGANISATION,
                N_(
                    "no organisation %(name)s of region %(region)s is registered; register it first"
                ),
                {"name": name_ru, "region": region},
                "not-found",
            )
            return None
        if hit is None:
            if kind is None:
                row.problem(
                    ORGANISATION_KIND,
                    N_(
                        "organisation_kind: %(name)s is not registered yet: say whether it is "
                        "a college, university, enterprise or state body"
                    ),
                    {"name": name_ru},
                    "invalid-input",
                )
                return None
            try:
                new = Organisation.register(
                    actor=self.context.actor,
                    name_ru=name_ru,
                    name_kk=name_kk or "",
                    kind=kind,
                    region=region,
                    at=self.context.at,
                )
            except DomainError as error:
                row.refused(error, _ORGANISATION_FIELDS.get(_field_of(error), ORGANISATION))
                return None
            self._new[new.id] = new
            self.plan.keep(new)
            self.plan.counts["organisations"] = self.plan.counts.get("organisations", 0) + 1
            return new
        if name_kk is not None or kind is not None:
            again = Organisation.register(
                actor=self.context.actor,
                name_ru=name_ru,
                name_kk=name_kk or hit.name_kk,
                kind=kind or hit.kind,
                region=region,
                at=self.context.at,
            )
            if not hit.same_as(again):
                row.problem(
                    ORGANISATION,
                    N_(
                        "a different organisation with the same natural key exists: %(id)s "
                        "(%(name_kk)s, %(kind)s)"
                    ),
                    {"id": str(hit.id), "name_kk": hit.name_kk, "kind": str(hit.kind)},
                    "already-exists",
                )
                return None
        return hit

    def _region(self, value: object) -> str | None:
        text = _text(value)
        if text is None:
            if self.default_region is None:
                raise DomainError(
                    "invalid-input",
                    "region: empty; write the organisation's region code, e.g. VKO",
                )
            return self.default_region
        return checked_region(text)


_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[\d+\])?(?:\.[A-Za-z_]+)?: ")


def _field_of(error: DomainError) -> str | None:
    """The field a refusal names first (``"name_kk: must not be empty"``)."""
    explicit = error.details.get("field")
    if isinstance(explicit, str):
        return explicit
    match = _FIELD.match(error.message)
    return match.group(1) if match else None
