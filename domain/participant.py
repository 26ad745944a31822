"""The participant aggregate: a competitor as registered by their organisation. Its id is
derived from the organisation, the name and the date of birth."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.errors import DomainError
from domain.events import RegistryEvent, checked_optional_text, checked_text, same_fields

#: the state a repeated registration must match
_STATE = ("full_name", "organisation_id", "birth_date", "disability", "name_latin")


class Participant(Aggregate):
    TOPIC = "registry.Participant"

    class Event(RegistryEvent):
        TOPIC = "registry.Participant.Event"

    class Created(Event, Aggregate.Created):
        """Version 2 renamed ``birth_date`` to ``born_on`` (the dates events carry are
        ``*_on``: ``starts_on``, ``awarded_on``) and added ``name_latin``, the name as
        printed on international diplomas (None when not given). Events stored in the
        version 1 shape are upcast; the participant's state keeps ``birth_date``."""

        TOPIC = "registry.Participant.Created"
        class_version = 2
        full_name: str
        organisation_id: UUID
        born_on: date | None
        disability: str | None
        name_latin: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["born_on"] = state.pop("birth_date")
            state["name_latin"] = None

        def apply(self, aggregate: Any) -> None:
            aggregate.full_name = self.full_name
            aggregate.organisation_id = self.organisation_id
            aggregate.birth_date = self.born_on
            aggregate.disability = self.disability
            aggregate.name_latin = self.name_latin

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        full_name: str
        organisation_id: UUID
        birth_date: date | None
        disability: str | None
        name_latin: str | None

    @classmethod
    def register(
        cls,
        *,
        actor: UUID,
        full_name: str,
        organisation_id: UUID,
        birth_date: date | None = None,
        disability: str | None = None,
        name_latin: str | None = None,
        at: datetime | None = None,
    ) -> Participant:
        full_name = checked_text(full_name, "full_name")
        if birth_date is not None and not (date(1900, 1, 1) <= birth_date <= date(2100, 1, 1)):
            raise DomainError("out-of-range", "birth_date: not a plausible date of birth")
        return cls._create(
            cls.Created,
            id=ids.participant_id(organisation_id, full_name, birth_date),
            actor=actor,
            full_name=full_name,
            organisation_id=organisation_id,
            born_on=birth_date,
            disability=checked_optional_text(disability, "disability"),
            name_latin=checked_optional_text(name_latin, "name_latin"),
            timestamp=at,
        )

    def same_as(self, other: Participant) -> bool:
        return same_fields(self, other, _STATE)
