"""The prize programme aggregate, with the entries (``PrizeEntry``) and the nominations
(``Nomination``, ``Nominee``) it holds. The rules of eligibility and of an entry's life are the
pure functions of ``prizes``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain import ids, prizes
from domain.errors import DomainError
from domain.events import (
    MAX_REASON,
    RegistryEvent,
    checked_reason,
    checked_region,
    checked_text,
    checked_year,
    copy_fields,
    same_fields,
)
from domain.values import ChampionshipKind, Level

#: what a programme is created with, which a repeated create must match (all of it)
_SETTINGS = ("title_ru", "title_kk", "year", "region", "kinds", "prizes", "eligibility")
#: the fields of an eligibility a create may give (the others take the default)
ELIGIBILITY_FIELDS = ("kinds", "levels", "places", "region", "year")


class PrizeEntry(msgspec.Struct):
    """A prize entry as the programme holds it (its history is in the events)."""

    id: UUID
    placing: prizes.Placing
    prize: prizes.Prize | None
    status: prizes.EntryStatus
    reason: str | None = None
    awarded_on: date | None = None


class Nominee(msgspec.Struct):
    id: UUID
    organisation_id: UUID
    citation: str
    status: prizes.EntryStatus
    reason: str | None = None


class Nomination(msgspec.Struct):
    id: UUID
    title_ru: str
    title_kk: str
    nominees: dict[UUID, Nominee]


class PrizeProgramme(Aggregate):
    """The akimat's list of prizes and nominations for a year (RULES.md, "Prizes and
    nominations"). Entries are proposed from published results by a policy, exactly once
    (their ids are derived from programme, competition and competitor)."""

    TOPIC = "registry.PrizeProgramme"

    class Event(RegistryEvent):
        TOPIC = "registry.PrizeProgramme.Event"

    class Created(Event, Aggregate.Created):
        """Version 2 added ``eligibility`` (issue 15: a setting of the programme, recorded
        when it is created) and allows a prize's ``amount_kzt`` to be None (in kind). A
        version 1 event is upcast with today's default rule (``prizes.default_eligibility``),
        which is what it was decided with."""

        TOPIC = "registry.PrizeProgramme.Created"
        class_version = 2
        title_ru: str
        title_kk: str
        year: int
        region: str
        kinds: tuple[ChampionshipKind, ...]
        prizes: tuple[prizes.Prize, ...]
        eligibility: prizes.Eligibility

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["eligibility"] = {
                "kinds": sorted(set(state["kinds"])),
                "levels": [Level.REPUBLICAN.value],
                "places": sorted({p["place"] for p in state["prizes"]}),
                "region": state["region"],
                "year": state["year"],
            }

        def apply(self, aggregate: Any) -> None:
            copy_fields(self, aggregate)
            aggregate.entries = {}
            aggregate.nominations = {}

    class EntryProposed(Event):
        TOPIC = "registry.PrizeProgramme.EntryProposed"
        entry_id: UUID
        placing: prizes.Placing
        prize: prizes.Prize
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.entries[self.entry_id] = PrizeEntry(
                self.entry_id, self.placing, self.prize, prizes.EntryStatus.PROPOSED
            )

    class EntryPlaceChanged(Event):
        """An amendment moved the competitor: the entry follows, and is flagged for review
        unless it was only proposed and still earns a prize."""

        TOPIC = "registry.PrizeProgramme.EntryPlaceChanged"
        entry_id: UUID
        placing: prizes.Placing
        prize: prizes.Prize | None
        needs_review: bool
        reason: str

        def apply(self, aggregate: Any) -> None:
            entry = aggregate.entries[self.entry_id]
            entry.placing, entry.prize = self.placing, self.prize
            if self.needs_review:
                entry.status, entry.reason = prizes.EntryStatus.NEEDS_REVIEW, self.reason

    class EntryDecided(Event):
        """approve, reject (reason), award (date) or revoke (reason)."""

        TOPIC = "registry.PrizeProgramme.EntryDecided"
        entry_id: UUID
        decision: str
        reason: str | None
        awarded_on: date | None

        def apply(self, aggregate: Any) -> None:
            entry = aggregate.entries[self.entry_id]
            entry.status = prizes.status_after(self.decision, entry.status, entry.awarded_on)
            entry.reason = self.reason
            if self.awarded_on is not None:
                entry.awarded_on = self.awarded_on

    class NominationDefined(Event):
        TOPIC = "registry.PrizeProgramme.NominationDefined"
        nomination_id: UUID
        title_ru: str
        title_kk: str

        def apply(self, aggregate: Any) -> None:
            aggregate.nominations[self.nomination_id] = Nomination(
                self.nomination_id, self.title_ru, self.title_kk, {}
            )

    class NomineeProposed(Event):
        TOPIC = "registry.PrizeProgramme.NomineeProposed"
        nomination_id: UUID
        nominee_id: UUID
        organisation_id: UUID
        citation: str

        def apply(self, aggregate: Any) -> None:
            aggregate.nominations[self.nomination_id].nominees[self.nominee_id] = Nominee(
                self.nominee_id, self.organisation_id, self.citation, prizes.EntryStatus.PROPOSED
            )

    class NomineeDecided(Event):
        TOPIC = "registry.PrizeProgramme.NomineeDecided"
        nomination_id: UUID
        nominee_id: UUID
        decision: str
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            nominee = aggregate.nominations[self.nomination_id].nominees[self.nominee_id]
            nominee.status = prizes.DECIDED_STATUS[self.decision]
            nominee.reason = self.reason

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        title_ru: str
        title_kk: str
        year: int
        region: str
        kinds: tuple[ChampionshipKind, ...]
        prizes: tuple[prizes.Prize, ...]
        eligibility: prizes.Eligibility
        entries: dict[UUID, PrizeEntry]
        nominations: dict[UUID, Nomination]

    @classmethod
    def create(
        cls,
        *,
        actor: UUID,
        title_ru: str,
        title_kk: str,
        year: int,
        region: str,
        kinds: Sequence[ChampionshipKind | str],
        prizes_by_place: tuple[prizes.Prize, ...],
        eligibility: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> PrizeProgramme:
        """``eligibility`` names the fields of the rule that differ from the default
        (``prizes.default_eligibility``: ``kinds``, ``levels``, ``places``, ``region``,
        ``year``; ``region``/``year`` None: any)."""
        try:
            kinds_checked = tuple(sorted({ChampionshipKind(k) for k in kinds}))
        except ValueError:
            unknown = next(k for k in kinds if k not in set(ChampionshipKind))
            raise DomainError(
                "invalid-input",
                "kinds: %(value)r is not a championship kind (%(kinds)s)",
                params={"value": unknown, "kinds": ", ".join(ChampionshipKind)},
            ) from None
        title_ru = checked_text(title_ru, "title_ru")
        region = checked_region(region)
        year = checked_year(year)
        if not kinds_checked:
            raise DomainError("invalid-input", "kinds: name at least one championship kind")
        checked = tuple(
            sorted(
                (
                    prizes.Prize(
                        p.place,
                        checked_text(p.description, f"prizes[{i}].description", required=False),
                        p.amount_kzt,
                    )
                    for i, p in enumerate(prizes_by_place)
                ),
                key=lambda p: p.place,
            )
        )
        prizes.check_prizes(checked)
        rule = _eligibility(
            prizes.default_eligibility(
                kinds=kinds_checked, region=region, year=year, prizes=checked
            ),
            eligibility or {},
            checked,
        )
        return cls._create(
            cls.Created,
            id=ids.programme_id(region, year, title_ru),
            actor=actor,
            title_ru=title_ru,
            title_kk=checked_text(title_kk, "title_kk"),
            year=year,
            region=region,
            kinds=kinds_checked,
            prizes=checked,
            eligibility=rule,
            timestamp=at,
        )

    def same_as(self, other: PrizeProgramme) -> bool:
        return same_fields(self, other, _SETTINGS)

    def prize_for(self, place: int) -> prizes.Prize | None:
        return next((p for p in self.prizes if p.place == place), None)

    def consider(
        self,
        *,
        actor: UUID,
        placing: prizes.Placing,
        reason: str,
        championship_year: int | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Propose an entry for an eligible placing, or follow a placing that changed.

        Exactly once: an entry that already holds this placing is a repeat (no event). A
        competitor who is not eligible and has no entry changes nothing.
        """
        eligible = (
            prizes.is_eligible(placing, self.eligibility, championship_year=championship_year)
            and self.prize_for(placing.place) is not None
        )
        entry_id = prizes.entry_id(self.id, placing.competition_id, placing.competitor_id)
        entry = self.entries.get(entry_id)
        if entry is None:
            if not eligible:
                return False
            self.trigger_event(
                self.EntryProposed,
                actor=actor,
                entry_id=entry_id,
                placing=placing,
                prize=self.prize_for(placing.place),
                reason=reason,
                timestamp=at,
            )
            return True
        if entry.placing.place == placing.place:
            return False
        prize = self.prize_for(placing.place) if eligible else None
        settled = entry.status in (prizes.EntryStatus.REJECTED, prizes.EntryStatus.REVOKED)
        needs_review = not settled and (
            entry.status is not prizes.EntryStatus.PROPOSED or prize is None
        )
        self.trigger_event(
            self.EntryPlaceChanged,
            actor=actor,
            entry_id=entry_id,
            placing=placing,
            prize=prize,
            needs_review=needs_review,
            reason=reason,
            timestamp=at,
        )
        return True

    def decide(
        self,
        *,
        actor: UUID,
        entry_id: UUID,
        decision: str,
        reason: str | None = None,
        awarded_on: date | None = None,
        today: date | None = None,
        published_on: date | None = None,
        at: datetime | None = None,
    ) -> bool:
        """approve | reject (reason) | award (date) | revoke (reason) | reconsider (reason: a
        rejected entry back to proposed) an entry.

        An award's date is checked against ``today`` and ``published_on`` (the day the
        entry's result was published), days the application gives: an award without them
        is refused, so no caller can skip the rule."""
        entry = self.entries.get(entry_id)
        if entry is None:
            raise DomainError(
                "not-found", "no entry %(entry)s in this programme", params={"entry": entry_id}
            )
        if decision not in prizes.TRANSITIONS:
            raise DomainError(
                "invalid-input",
                "decision: one of %(decisions)s",
                params={"decisions": sorted(prizes.TRANSITIONS)},
            )
        if prizes.is_repeat(decision, entry.status):
            return False
        reason = checked_reason(reason or "") if decision in prizes.REASONED else None
        if decision == "approve" and entry.prize is None:
            raise DomainError(
                "invalid-state", "the competitor no longer holds a prize place: reject or revoke"
            )
        if decision == "award":
            if awarded_on is None:
                raise DomainError("invalid-input", "awarded_on: the date the prize was handed over")
            if today is None or published_on is None:
                raise DomainError(
                    "invalid-state", "the entry's result has no publication date to check against"
                )
            prizes.check_award_date(awarded_on, today=today, published_on=published_on)
        else:
            awarded_on = None
        self.trigger_event(
            self.EntryDecided,
            actor=actor,
            entry_id=entry_id,
            decision=decision,
            reason=reason,
            awarded_on=awarded_on,
            timestamp=at,
        )
        return True

    def define_nomination(
        self, *, actor: UUID, title_ru: str, title_kk: str, at: datetime | None = None
    ) -> tuple[bool, UUID]:
        title_ru = checked_text(title_ru, "title_ru")
        nomination_id = prizes.nomination_id(self.id, title_ru)
        if nomination_id in self.nominations:
            return False, nomination_id
        self.trigger_event(
            self.NominationDefined,
            actor=actor,
            nomination_id=nomination_id,
            title_ru=title_ru,
            title_kk=checked_text(title_kk, "title_kk"),
            timestamp=at,
        )
        return True, nomination_id

    def nominate(
        self,
        *,
        actor: UUID,
        nomination_id: UUID,
        organisation_id: UUID,
        citation: str,
        at: datetime | None = None,
    ) -> tuple[bool, UUID]:
        nomination = self.nominations.get(nomination_id)
        if nomination is None:
            raise DomainError(
                "not-found",
                "no nomination %(nomination)s in this programme",
                params={"nomination": nomination_id},
            )
        nominee_id = prizes.nominee_id(nomination_id, organisation_id)
        if nominee_id in nomination.nominees:
            return False, nominee_id
        self.trigger_event(
            self.NomineeProposed,
            actor=actor,
            nomination_id=nomination_id,
            nominee_id=nominee_id,
            organisation_id=organisation_id,
            citation=checked_text(citation, "citation", max_len=MAX_REASON),
            timestamp=at,
        )
        return True, nominee_id

    def decide_nominee(
        self,
        *,
        actor: UUID,
        nomination_id: UUID,
        nominee_id: UUID,
        decision: str,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> bool:
        nomination = self.nominations.get(nomination_id)
        nominee = nomination.nominees.get(nominee_id) if nomination else None
        if nominee is None:
            raise DomainError(
                "not-found",
                "no nominee %(nominee)s in this nomination",
                params={"nominee": nominee_id},
            )
        if decision not in prizes.NOMINEE_TRANSITIONS:
            raise DomainError("invalid-input", "decision: approve, reject or revoke")
        if prizes.is_repeat(decision, nominee.status, "nominee"):
            return False
        self.trigger_event(
            self.NomineeDecided,
            actor=actor,
            nomination_id=nomination_id,
            nominee_id=nominee_id,
            decision=decision,
            reason=checked_reason(reason or "") if decision in prizes.REASONED else None,
            timestamp=at,
        )
        return True


def _eligibility(
    default: prizes.Eligibility, given: Mapping[str, Any], prizes_by_place: Sequence[prizes.Prize]
) -> prizes.Eligibility:
    """The default rule with the fields ``given`` replaced, checked."""
    unknown = sorted(set(given) - set(ELIGIBILITY_FIELDS))
    if unknown:
        raise DomainError(
            "invalid-input",
            "eligibility.%(field)s: not a setting of eligibility",
            params={"field": unknown[0]},
        )
    fields: dict[str, Any] = {}
    for name, enum, what in (("kinds", ChampionshipKind, "kinds"), ("levels", Level, "levels")):
        if name in given:
            try:
                fields[name] = tuple(enum(v) for v in given[name])
            except ValueError:
                raise DomainError(
                    "invalid-input",
                    "eligibility.%(field)s: one of %(values)s",
                    params={"field": what, "values": ", ".join(enum)},
                ) from None
    if "places" in given:
        fields["places"] = tuple(int(p) for p in given["places"])
    if "region" in given:
        region = given["region"]
        fields["region"] = None if region is None else checked_region(region)
    if "year" in given:
        year = given["year"]
        fields["year"] = None if year is None else checked_year(year)
    return prizes.checked_eligibility(msgspec.structs.replace(default, **fields), prizes_by_place)


#: Every aggregate class, for registries of topics and fixtures.
