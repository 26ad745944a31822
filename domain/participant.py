"""The participant aggregate: a person who competes. Their identity does not depend on their
organisation (RULES.md "Who and what"): the organisation is recorded per competition entry,
and the one given at registration (``organisation_id``) is only the default for entries that
name none. A person registered since issue 15 has the id ``ids.person_id(name, birth date)``;
one registered before keeps the id it was given (``ids.participant_id(organisation, name,
birth date)``), and so does a person the organiser declared distinct from a namesake
(``new_person``: the registering organisation tells them apart).

Two people with the same name are the same person when both birth dates are known and equal;
when either is unknown (not given, or erased) they may be, and are never merged silently:
``identify`` tells the application which namesakes are doubtful, and the organiser says
``same_person`` or ``new_person`` (recorded as ``distinct_from``).

A person's sensitive fields (RULES.md "Erasure": the birth date and the disability) are
never recorded in the clear by today's code: the application seals them with the person's
own key before the aggregate records its ``Created`` event (``sealed``, an opaque text the
domain never opens), and opens them for reads. The domain stays pure: sealing and opening
are functions handed in (``Seal``, ``Open``). Erasing (``erase_personal_data``) records
``PersonalDataErased``; the application destroys the key, so the sealed text can never be
opened again, and the state keeps nothing personal from then on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain import ids
from domain.errors import DomainError
from domain.events import (
    RegistryEvent,
    checked_optional_text,
    checked_reason,
    checked_text,
    clone,
)


class PersonalData(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A person's sensitive fields, as they are sealed (and read back when opened)."""

    birth_date: date | None = None
    disability: str | None = None


#: seals a person's data with their key: (participant id, data) -> an opaque text
Seal = Callable[[UUID, PersonalData], str]
#: opens a sealed text: None when the key is gone (the data was erased)
Open = Callable[[UUID, str], PersonalData | None]


#: the birth dates a person may have (``Participant.check_registration``)
_BORN_FROM, _BORN_UNTIL = date(1900, 1, 1), date(2100, 1, 1)


class Registration(NamedTuple):
    """A registration checked by ``Participant.check_registration`` (nothing recorded)."""

    id: UUID
    full_name: str
    personal: PersonalData
    name_latin: str | None


class Namesake(NamedTuple):
    """A registered person of the same (normalised) name as a new registration."""

    id: UUID
    full_name: str
    organisation_id: UUID
    #: None when unknown: never given, or erased
    birth_date: date | None


def identify(
    birth_date: date | None, namesakes: Sequence[Namesake]
) -> tuple[Namesake | None, list[Namesake]]:
    """Who a registration of ``birth_date`` is among its ``namesakes``: the same person (both
    birth dates known and equal), and the namesakes it may be (either birth date unknown),
    whom only the organiser can tell apart. Namesakes with another known birth date are other
    people."""
    same = next(
        (n for n in namesakes if birth_date is not None and n.birth_date == birth_date), None
    )
    doubtful = [n for n in namesakes if birth_date is None or n.birth_date is None]
    return same, doubtful


class Participant(Aggregate):
    TOPIC = "registry.Participant"

    def __deepcopy__(self, memo: dict[int, Any]) -> Participant:
        """Every value a person holds is immutable (texts, a date, UUIDs, a tuple of them,
        a bool), so a copy of its attributes is a full copy — the repository copies a person
        from its cache on every read (a spreadsheet's rows read their namesakes), and
        ``copy.deepcopy`` walks every value. ``distinct_from`` upcast from a version 3 event
        is a list: copied."""
        copied = clone(self, memo)
        if isinstance(self.__dict__.get("distinct_from"), list):
            copied.__dict__["distinct_from"] = list(self.distinct_from)
        return copied

    class Event(RegistryEvent):
        TOPIC = "registry.Participant.Event"

    class Created(Event, Aggregate.Created):
        """Version 2 renamed ``birth_date`` to ``born_on`` (the dates events carry are
        ``*_on``: ``starts_on``, ``awarded_on``) and added ``name_latin``, the name as
        printed on international diplomas (None when not given). Version 3 added
        ``sealed``: the birth date and the disability sealed with the person's key
        (``PersonalData``); today's code writes them only there and leaves ``born_on`` and
        ``disability`` None. Events of versions 1 and 2 are upcast (``sealed`` None): their
        fields stay in the clear, as they were stored. The state keeps ``birth_date``.
        Version 4 (issue 15) added ``distinct_from``: the namesakes the organiser declared
        this person is not (``new_person``); empty for every earlier event.
        ``organisation_id`` is the organisation at registration: the default of the
        person's competition entries, not part of who they are."""

        TOPIC = "registry.Participant.Created"
        class_version = 4
        full_name: str
        organisation_id: UUID
        born_on: date | None
        disability: str | None
        name_latin: str | None = None
        sealed: str | None = None
        distinct_from: tuple[UUID, ...] = ()

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["born_on"] = state.pop("birth_date")
            state["name_latin"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["sealed"] = None

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            state["distinct_from"] = []

        def apply(self, aggregate: Any) -> None:
            aggregate.full_name = self.full_name
            aggregate.organisation_id = self.organisation_id
            aggregate.birth_date = self.born_on
            aggregate.disability = self.disability
            aggregate.name_latin = self.name_latin
            aggregate.sealed = self.sealed
            aggregate.distinct_from = self.distinct_from
            aggregate.erased = False

    class PersonalDataErased(Event):
        """The person's sensitive fields were erased (RULES.md "Erasure"): their key is
        destroyed, and the state forgets them. Who did it and why stay on record."""

        TOPIC = "registry.Participant.PersonalDataErased"
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.birth_date = None
            aggregate.disability = None
            aggregate.sealed = None
            aggregate.erased = True

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        full_name: str
        organisation_id: UUID
        birth_date: date | None
        disability: str | None
        name_latin: str | None
        sealed: str | None
        distinct_from: tuple[UUID, ...]
        erased: bool

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
        seal: Seal | None = None,
        new_person: bool = False,
        distinct_from: Sequence[UUID] = (),
        at: datetime | None = None,
    ) -> Participant:
        """Register a person. With ``seal`` (the application always hands one in) the
        birth date and the disability are recorded only sealed; without it (domain tests,
        benchmarks, fixtures of the old shapes) in the clear, as versions 1-2 did.

        The id is ``ids.person_id(name, birth date)``; ``new_person`` (the organiser says
        this is not the namesakes ``distinct_from``) derives it with the organisation
        (``ids.participant_id``), so it differs from theirs."""
        checked = cls.check_registration(
            full_name=full_name,
            organisation_id=organisation_id,
            birth_date=birth_date,
            disability=disability,
            name_latin=name_latin,
            new_person=new_person,
        )
        personal = checked.personal
        sealed = seal(checked.id, personal) if seal is not None else None
        return cls._create(
            cls.Created,
            id=checked.id,
            actor=actor,
            full_name=checked.full_name,
            organisation_id=organisation_id,
            born_on=None if sealed is not None else personal.birth_date,
            disability=None if sealed is not None else personal.disability,
            name_latin=checked.name_latin,
            sealed=sealed,
            distinct_from=tuple(dict.fromkeys(distinct_from)),
            timestamp=at,
        )

    @staticmethod
    def check_registration(
        *,
        full_name: str,
        organisation_id: UUID,
        birth_date: date | None = None,
        disability: str | None = None,
        name_latin: str | None = None,
        new_person: bool = False,
    ) -> Registration:
        """What ``register`` records, checked and refused exactly as it refuses, without
        recording anything: the person's id and fields in their stored form (a spreadsheet's
        dry run checks thousands of rows so, ``registry.imports``)."""
        full_name = checked_text(full_name, "full_name")
        if birth_date is not None and not (_BORN_FROM <= birth_date <= _BORN_UNTIL):
            raise DomainError("out-of-range", "birth_date: not a plausible date of birth")
        personal = PersonalData(birth_date, checked_optional_text(disability, "disability"))
        participant_id = (
            ids.participant_id(organisation_id, full_name, birth_date)
            if new_person
            else ids.person_id(full_name, birth_date)
        )
        return Registration(
            participant_id, full_name, personal, checked_optional_text(name_latin, "name_latin")
        )

    def personal_data(self, open_sealed: Open) -> PersonalData | None:
        """The person's sensitive fields, or None once erased (or when the key is gone)."""
        if self.erased:
            return None
        if self.sealed is not None:
            return open_sealed(self.id, self.sealed)
        return PersonalData(self.birth_date, self.disability)  # recorded in the clear (v1-2)

    def same_as(self, other: Participant, open_sealed: Open, *, organisation: bool = True) -> bool:
        """Whether ``other`` (a new registration) repeats this one: the same name,
        organisation (unless not ``organisation``: the same person registered by another
        one, whose name may be written in another case) and Latin name, and the same
        personal data once opened (an erased person's repeat compares the rest only: the id
        already names the same birth date)."""
        if self.name_latin != other.name_latin:
            return False
        if organisation and (self.full_name, self.organisation_id) != (
            other.full_name,
            other.organisation_id,
        ):
            return False
        if ids.normalise_name(self.full_name) != ids.normalise_name(other.full_name):
            return False
        return self.erased or self.personal_data(open_sealed) == other.personal_data(open_sealed)

    def erase_personal_data(self, *, actor: UUID, reason: str, at: datetime | None = None) -> bool:
        """Record the erasure of the person's sensitive fields; False (nothing recorded)
        when they were erased already."""
        reason = checked_reason(reason)
        if self.erased:
            return False
        self.trigger_event(self.PersonalDataErased, actor=actor, reason=reason, timestamp=at)
        return True
