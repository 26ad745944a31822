"""The organisation aggregate: a college, university, enterprise or state body that
participants and experts come from. Its id is derived from its region and Russian name."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.events import RegistryEvent, checked_region, checked_text, copy_fields, same_fields
from domain.values import OrganisationKind

#: the state a repeated registration must match (all of it)
_STATE = ("name_ru", "name_kk", "kind", "region")


class Organisation(Aggregate):
    TOPIC = "registry.Organisation"

    class Event(RegistryEvent):
        TOPIC = "registry.Organisation.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "registry.Organisation.Created"
        name_ru: str
        name_kk: str
        kind: OrganisationKind
        region: str

        def apply(self, aggregate: Any) -> None:
            copy_fields(self, aggregate)

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        name_ru: str
        name_kk: str
        kind: OrganisationKind
        region: str

    @classmethod
    def register(
        cls,
        *,
        actor: UUID,
        name_ru: str,
        name_kk: str,
        kind: OrganisationKind,
        region: str,
        at: datetime | None = None,
    ) -> Organisation:
        name_ru = checked_text(name_ru, "name_ru")
        region = checked_region(region)
        return cls._create(
            cls.Created,
            id=ids.organisation_id(region, name_ru),
            actor=actor,
            name_ru=name_ru,
            name_kk=checked_text(name_kk, "name_kk"),
            kind=OrganisationKind(kind),
            region=region,
            timestamp=at,
        )

    def same_as(self, other: Organisation) -> bool:
        return same_fields(self, other, _STATE)
