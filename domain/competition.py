"""The competition aggregate: one competency of a championship for one category — its
marking scheme, entrants, experts, marks and status (setup, marking, locked, published).

The marks are kept as they are entered (measurements by aspect, judgement scores by expert)
and totalled with the pure rules of ``scoring``, so standings computed here, in the views and
in time-travel queries never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain import scoring
from domain.errors import N_, DomainError, Phrase
from domain.events import RegistryEvent, checked_reason, checked_text, clone, copy_fields
from domain.values import (
    TWO_PLACES,
    ZERO,
    Aspect,
    AspectType,
    Category,
    ChampionshipKind,
    CompetitionStatus,
    ExpertRole,
    Level,
    MarkValue,
    parse_mark,
    parse_score,
)


class Entrant(msgspec.Struct, frozen=True):
    """A competitor of a competition, as registered (name and organisation at the time)."""

    participant_id: UUID
    full_name: str
    organisation_id: UUID
    region: str


class Expert(msgspec.Struct, frozen=True):
    """An expert (judge) of a competition."""

    account_id: UUID
    name: str
    role: ExpertRole
    organisation_id: UUID


MarkKey = tuple[UUID, str]
#: the scores of a judgement nobody has scored yet (read only)
_NO_SCORES: dict[UUID, int] = {}
#: the values ``check_marks`` parses once per aspect: a text (a measurement) and an int (a
#: score) equal only values of their own type (``1 == 1.0 == True``: floats, bools and
#: Decimals are parsed each time)
_PARSED_ONCE = frozenset({str, int})


def _version_key(
    aspect: Aspect, competitor_id: UUID, expert_id: UUID
) -> tuple[UUID, str, UUID | None]:
    """Where ``Competition.mark_versions`` keeps the version of the event that set a mark: a
    measurement aspect holds one mark whoever entered it, a judgement aspect one per expert."""
    return (competitor_id, aspect.id, None if aspect.type is AspectType.MEASUREMENT else expert_id)


#: Phrases that refusals take as parameters (statuses, roles), marked for the catalogs.
PHRASES = (
    N_("setup"),
    N_("marking"),
    N_("locked"),
    N_("published"),
    N_("setup or marking"),
    N_("chief"),
    N_("expert"),
    N_("sign off"),
)


class Competition(Aggregate):
    """One competency of a championship for one category: scheme, entrants, experts, marks."""

    TOPIC = "registry.Competition"

    class Event(RegistryEvent):
        TOPIC = "registry.Competition.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "registry.Competition.Created"
        championship_id: UUID
        code: str
        title_ru: str
        title_kk: str
        category: Category
        kind: ChampionshipKind
        level: Level
        region: str
        tie_tolerance: Decimal
        min_competitors_for_medals: int

        def apply(self, aggregate: Any) -> None:
            copy_fields(self, aggregate)
            aggregate.status = CompetitionStatus.SETUP
            aggregate.scheme = ()
            aggregate.entrants = {}
            aggregate.experts = {}
            aggregate.measurements = {}
            aggregate.judgements = {}
            aggregate.mark_versions = {}
            aggregate.marks_entered = 0
            aggregate.published_formula = None
            aggregate.published_at = None
            aggregate.reopen_count = 0
            aggregate.amendment_count = 0
            aggregate.signed_off = {}

    class SchemeSet(Event):
        TOPIC = "registry.Competition.SchemeSet"
        aspects: tuple[Aspect, ...]

        def apply(self, aggregate: Any) -> None:
            aggregate.scheme = self.aspects

    class EntrantAdded(Event):
        TOPIC = "registry.Competition.EntrantAdded"
        participant_id: UUID
        full_name: str
        organisation_id: UUID
        region: str

        def apply(self, aggregate: Any) -> None:
            aggregate.entrants[self.participant_id] = Entrant(
                self.participant_id, self.full_name, self.organisation_id, self.region
            )

    class ExpertAssigned(Event):
        TOPIC = "registry.Competition.ExpertAssigned"
        account_id: UUID
        name: str
        role: ExpertRole
        organisation_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.experts[self.account_id] = Expert(
                self.account_id, self.name, self.role, self.organisation_id
            )

    class MarkingStarted(Event):
        TOPIC = "registry.Competition.MarkingStarted"

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CompetitionStatus.MARKING

    class MarksEntered(Event):
        """A sheet of one or more new marks, accepted as a whole."""

        TOPIC = "registry.Competition.MarksEntered"
        marks: tuple[MarkValue, ...]

        def apply(self, aggregate: Any) -> None:
            aggregate._set_marks(self.marks, self.originator_version)
            aggregate.marks_entered += len(self.marks)

    class MarkCorrected(Event):
        """An expert (or the chief) changes a mark during marking, with a reason."""

        TOPIC = "registry.Competition.MarkCorrected"
        mark: MarkValue
        previous: Decimal
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate._set_mark(self.mark, self.originator_version)

    class SignedOff(Event):
        """An expert (or the chief) confirms their marks for the competition (RULES.md
        "Closing a competition"); ``actor`` is that expert."""

        TOPIC = "registry.Competition.SignedOff"

        def apply(self, aggregate: Any) -> None:
            aggregate.signed_off[self.actor] = self.originator_version

    class SignOffWithdrawn(Event):
        """An expert's sign-off no longer holds: a mark of theirs, or one they made, changed
        after they signed off (recorded with the change, in the same save). ``reason`` is
        the correction's reason, or None when the expert entered new marks (the event's
        ``actor`` is who made the change)."""

        TOPIC = "registry.Competition.SignOffWithdrawn"
        expert_id: UUID
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.signed_off.pop(self.expert_id, None)

    class Locked(Event):
        """Version 2 added ``override_reason``: the chief's reason for locking while some
        experts have not signed off (None when every expert had); version 1 events are
        upcast with None (sign-off did not exist then)."""

        TOPIC = "registry.Competition.Locked"
        class_version = 2
        override_reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["override_reason"] = None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CompetitionStatus.LOCKED

    class Reopened(Event):
        TOPIC = "registry.Competition.Reopened"
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CompetitionStatus.MARKING
            aggregate.reopen_count += 1

    class Published(Event):
        TOPIC = "registry.Competition.Published"
        scaled_score_formula: str
        scaled_score_formula_version: int

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CompetitionStatus.PUBLISHED
            aggregate.published_at = self.timestamp
            aggregate.published_formula = (
                self.scaled_score_formula,
                self.scaled_score_formula_version,
            )

    class MarkAmended(Event):
        """The organiser changes a mark after publication, with a reason."""

        TOPIC = "registry.Competition.MarkAmended"
        mark: MarkValue
        previous: Decimal
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate._set_mark(self.mark, self.originator_version)
            aggregate.amendment_count += 1

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        championship_id: UUID
        code: str
        title_ru: str
        title_kk: str
        category: Category
        kind: ChampionshipKind
        level: Level
        region: str
        tie_tolerance: Decimal
        min_competitors_for_medals: int
        status: CompetitionStatus
        scheme: tuple[Aspect, ...]
        entrants: dict[UUID, Entrant]
        experts: dict[UUID, Expert]
        #: (competitor, aspect) -> (value, expert who entered it)
        measurements: dict[MarkKey, tuple[Decimal, UUID]]
        #: (competitor, aspect) -> {expert: score}
        judgements: dict[MarkKey, dict[UUID, int]]
        #: (competitor, aspect, expert or None for measurement) -> version of the event that set it
        mark_versions: dict[tuple[UUID, str, UUID | None], int]
        marks_entered: int
        published_formula: tuple[str, int] | None
        #: when the results were published (an award may not be dated before that day)
        published_at: datetime | None
        reopen_count: int
        amendment_count: int
        #: expert -> version of their sign-off, while it holds
        signed_off: dict[UUID, int]

    # ---------------------------------------------------------------- state helpers

    def __deepcopy__(self, memo: dict[int, Any]) -> Competition:
        """A copy for a command (the repository copies cached aggregates).

        Every value held is immutable (frozen Structs, tuples, Decimals, UUIDs, ints), so
        copying the containers is a full copy — and hundreds of times cheaper than
        ``copy.deepcopy`` on a competition with thousands of marks.
        """
        # the inner judgement score dicts are never changed in place (``_set_mark``
        # replaces them), so copying the outer dict suffices
        dicts = (
            "entrants",
            "experts",
            "measurements",
            "mark_versions",
            "judgements",
            "signed_off",
        )
        copied = clone(self, memo, dicts)
        remembered = copied.__dict__.get("_results_memo")
        if remembered is not None:
            copied.__dict__["_results_memo"] = (remembered[0], dict(remembered[1]))
        return copied

    def _set_mark(self, mark: MarkValue, version: int) -> None:
        self._set_marks((mark,), version)

    def _set_marks(self, marks: Iterable[MarkValue], version: int) -> None:
        """Hold ``marks``, set by the event of ``version`` (where ``mark_versions`` keeps it:
        ``_version_key``). The one place marks change; replaying a history runs it for every
        mark ever entered, so the containers are looked up once per event, not per mark."""
        memo = self.__dict__.get("_results_memo")
        forget = memo[1].pop if memo is not None else None
        aspects = self._aspects_by_id()
        measurements, judgements = self.measurements, self.judgements
        versions = self.mark_versions
        measurement = AspectType.MEASUREMENT
        for mark in marks:
            competitor_id, aspect_id = mark.competitor_id, mark.aspect_id
            aspect = aspects.get(aspect_id) or self.aspect(aspect_id)
            if forget is not None:
                forget(competitor_id, None)
            key = (competitor_id, aspect_id)
            if aspect.type is measurement:
                measurements[key] = (mark.value, mark.expert_id)
                versions[(competitor_id, aspect_id, None)] = version
            else:
                # copy-on-write: a copy of the competition shares the score dicts it holds
                expert_id = mark.expert_id
                scores = judgements.get(key)
                score = int(mark.value)
                judgements[key] = {**scores, expert_id: score} if scores else {expert_id: score}
                versions[(competitor_id, aspect_id, expert_id)] = version

    def _aspects_by_id(self) -> dict[str, Aspect]:
        """The scheme's aspects by id (rebuilt when the scheme is replaced)."""
        index = self.__dict__.get("_aspect_index")
        if index is None or index[0] is not self.scheme:
            index = (self.scheme, {a.id: a for a in self.scheme})
            self.__dict__["_aspect_index"] = index
        aspects: dict[str, Aspect] = index[1]
        return aspects

    def aspect(self, aspect_id: str) -> Aspect:
        aspect = self._aspects_by_id().get(aspect_id)
        if aspect is None:
            raise DomainError(
                "not-found",
                "aspect %(aspect)r is not in the marking scheme",
                params={"aspect": aspect_id},
            )
        return aspect

    def aspect_marks(self, competitor_id: UUID) -> dict[str, Decimal]:
        """The marks a competitor has so far, by aspect (judgement: only once all 3 scores)."""
        marks: dict[str, Decimal] = {}
        for aspect in self.scheme:
            key = (competitor_id, aspect.id)
            if aspect.type is AspectType.MEASUREMENT:
                if key in self.measurements:
                    marks[aspect.id] = self.measurements[key][0]
            else:
                scores = self.judgements.get(key, {})
                if len(scores) == 3:
                    marks[aspect.id] = scoring.judgement_mark(
                        aspect.max_mark, list(scores.values())
                    )
        return marks

    def competitor_result(self, competitor_id: UUID) -> tuple[Decimal, dict[str, Decimal]]:
        """A competitor's total and per-criterion subtotals as the marks stand (the rules of
        ``scoring.competitor_total`` and ``scoring.criterion_subtotals``).

        Remembered per competitor until one of their marks changes (``_set_mark``) or the
        scheme is replaced, so standings after a mark recompute one competitor, not all of
        them (the projector recomputes standings after every batch of marks).
        """
        memo = self.__dict__.get("_results_memo")
        if memo is None or memo[0] is not self.scheme:
            memo = (self.scheme, {})
            self.__dict__["_results_memo"] = memo
        result = memo[1].get(competitor_id)
        if result is None:
            marks = self.aspect_marks(competitor_id)
            criterion_of = {aspect.id: aspect.criterion for aspect in self.scheme}
            result = (
                scoring.competitor_total(marks.values()),
                scoring.criterion_subtotals(marks, criterion_of),
            )
            memo[1][competitor_id] = result
        return result

    def results(self) -> dict[UUID, tuple[Decimal, dict[str, Decimal]]]:
        """Every entrant's :meth:`competitor_result`, in the entrants' order.

        When many entrants are not remembered (a competition just rebuilt or restored, a
        time-travel copy after many marks), their marks are gathered in one pass over the
        marks rather than one lookup per competitor and aspect: the same marks as
        :meth:`aspect_marks` gives (a measurement aspect's value; a judgement aspect's mark
        once it has its 3 scores), so the same totals — each a sum of exact decimals, which
        the order of adding cannot change.
        """
        memo = self.__dict__.get("_results_memo")
        if memo is None or memo[0] is not self.scheme:
            memo = (self.scheme, {})
            self.__dict__["_results_memo"] = memo
        known = memo[1]
        missing = {c.int: c for c in self.entrants if c not in known}
        marks_held = len(self.measurements) + len(self.judgements)
        # a lookup per competitor and aspect costs about twice a mark of one pass
        if 2 * len(missing) * len(self.scheme) > marks_held:
            aspects = self._aspects_by_id()
            measurement = AspectType.MEASUREMENT
            measured = {a.id for a in self.scheme if a.type is measurement}
            found: dict[int, dict[str, Decimal]] = {key: {} for key in missing}
            of_competitor = found.get
            for (competitor_id, aspect_id), held in self.measurements.items():
                marks = of_competitor(competitor_id.int)
                if marks is not None and aspect_id in measured:
                    marks[aspect_id] = held[0]
            for (competitor_id, aspect_id), scores in self.judgements.items():
                marks = found.get(competitor_id.int)
                aspect = aspects.get(aspect_id)
                if (
                    marks is not None
                    and len(scores) == 3
                    and aspect is not None
                    and aspect.type is not measurement
                ):
                    marks[aspect_id] = scoring.judgement_mark(
                        aspect.max_mark, list(scores.values())
                    )
            criterion_of = {aspect.id: aspect.criterion for aspect in self.scheme}
            for key, competitor_id in missing.items():
                marks = found[key]
                known[competitor_id] = (
                    scoring.competitor_total(marks.values()),
                    scoring.criterion_subtotals(marks, criterion_of),
                )
        return {c: self.competitor_result(c) for c in self.entrants}

    def disputed(self) -> list[tuple[UUID, str]]:
        """(competitor, aspect) pairs whose judgement scores differ by more than 1."""
        return sorted(
            (
                key
                for key, scores in self.judgements.items()
                if scoring.is_disputed(list(scores.values()))
            ),
            key=lambda k: (str(k[0]), k[1]),
        )

    def marks_expected(self) -> int:
        judgement = sum(1 for a in self.scheme if a.type is AspectType.JUDGEMENT)
        return scoring.marks_expected(len(self.entrants), len(self.scheme) - judgement, judgement)

    def marks_present(self) -> int:
        """Marks entered against the expected count (each judgement score counts once)."""
        return len(self.measurements) + sum(len(s) for s in self.judgements.values())

    @property
    def has_marks(self) -> bool:
        return bool(self.measurements or self.judgements)

    def chief(self) -> Expert | None:
        for expert in self.experts.values():
            if expert.role is ExpertRole.CHIEF:
                return expert
        return None

    def not_signed_off(self) -> list[Expert]:
        """The assigned experts (the chief too) whose sign-off does not hold now, in the
        order they were assigned."""
        return [e for e in self.experts.values() if e.account_id not in self.signed_off]

    # ---------------------------------------------------------------- commands

    def _require_status(self, *allowed: CompetitionStatus, doing: str) -> None:
        """``doing`` is a phrase marked ``N_`` ("enter marks"), translated with the refusal."""
        if self.status not in allowed:
            wanted = " or ".join(allowed)
            raise DomainError(
                "invalid-state",
                "cannot %(doing)s: the competition is %(now)s, not %(wanted)s",
                params={
                    "doing": Phrase(doing),
                    "now": Phrase(self.status),
                    "wanted": Phrase(wanted),
                },
                status=str(self.status),
            )

    def set_scheme(
        self, *, actor: UUID, aspects: tuple[Aspect, ...], at: datetime | None = None
    ) -> bool:
        """Set or replace the scheme. Returns False when it is already exactly this one."""
        aspects = tuple(
            Aspect(
                id=a.id.strip(),
                criterion=a.criterion.strip().upper(),
                description=checked_text(
                    a.description, f"aspects[{i}].description", required=False
                ),
                max_mark=a.max_mark,
                type=AspectType(a.type),
            )
            for i, a in enumerate(aspects)
        )
        scoring.check_scheme(aspects)
        aspects = tuple(
            Aspect(a.id, a.criterion, a.description, a.max_mark.quantize(TWO_PLACES), a.type)
            for a in aspects
        )
        if aspects == self.scheme:
            return False  # a repeat: the competition already has exactly this scheme
        self._require_status(
            CompetitionStatus.SETUP, CompetitionStatus.MARKING, doing=N_("set the scheme")
        )
        if self.has_marks:
            raise DomainError(
                "scheme-frozen", "the marking scheme is frozen: marks have been entered"
            )
        self.trigger_event(self.SchemeSet, actor=actor, aspects=aspects, timestamp=at)
        return True

    def add_entrant(
        self,
        *,
        actor: UUID,
        participant_id: UUID,
        full_name: str,
        organisation_id: UUID,
        region: str,
        at: datetime | None = None,
    ) -> bool:
        if participant_id in self.entrants:
            return False
        self._require_status(
            CompetitionStatus.SETUP, CompetitionStatus.MARKING, doing=N_("add an entrant")
        )
        self.trigger_event(
            self.EntrantAdded,
            actor=actor,
            participant_id=participant_id,
            full_name=full_name,
            organisation_id=organisation_id,
            region=region,
            timestamp=at,
        )
        return True

    def assign_expert(
        self,
        *,
        actor: UUID,
        account_id: UUID,
        name: str,
        role: ExpertRole,
        organisation_id: UUID,
        at: datetime | None = None,
    ) -> bool:
        role = ExpertRole(role)
        existing = self.experts.get(account_id)
        if existing is not None:
            if existing.role == role and existing.organisation_id == organisation_id:
                return False
            raise DomainError(
                "invalid-state",
                "%(name)s is already an %(role)s of this competition",
                params={"name": existing.name, "role": Phrase(existing.role)},
            )
        self._require_status(
            CompetitionStatus.SETUP, CompetitionStatus.MARKING, doing=N_("assign an expert")
        )
        chief = self.chief()
        if role is ExpertRole.CHIEF and chief is not None:
            raise DomainError(
                "invalid-state",
                "the competition already has a chief expert: %(name)s",
                params={"name": chief.name},
            )
        self.trigger_event(
            self.ExpertAssigned,
            actor=actor,
            account_id=account_id,
            name=name,
            role=role,
            organisation_id=organisation_id,
            timestamp=at,
        )
        return True

    def start(self, *, actor: UUID, at: datetime | None = None) -> bool:
        if self.status is not CompetitionStatus.SETUP:
            return False  # a repeat: marking has already started

        if not self.scheme:
            raise DomainError("invalid-state", "cannot start marking: no marking scheme")
        self.trigger_event(self.MarkingStarted, actor=actor, timestamp=at)
        return True

    def _expert(self, account_id: UUID) -> Expert:
        expert = self.experts.get(account_id)
        if expert is None:
            raise DomainError(
                "not-assigned", "you are not an expert of this competition", expert=str(account_id)
            )
        return expert

    def _entrant(self, competitor_id: UUID) -> Entrant:
        entrant = self.entrants.get(competitor_id)
        if entrant is None:
            raise DomainError(
                "not-found",
                "competitor %(competitor)s is not an entrant of this competition",
                params={"competitor": competitor_id},
                field="competitor_id",
            )
        return entrant

    def check_conflict(self, expert: Expert, entrant: Entrant) -> None:
        """Refuses (``conflict-of-interest``) an expert marking a competitor of their own
        organisation; pages ask it to show why a cell is disabled."""
        if expert.organisation_id == entrant.organisation_id:
            raise DomainError(
                "conflict-of-interest",
                "%(expert)s cannot mark %(competitor)s: both are from the same organisation",
                params={"expert": expert.name, "competitor": entrant.full_name},
                competitor_id=str(entrant.participant_id),
            )

    def _parse_value(self, aspect: Aspect, raw: str | int | Decimal) -> Decimal:
        if aspect.type is AspectType.JUDGEMENT:
            return parse_score(raw)
        value = parse_mark(raw)  # an int is refused: a measurement is a string
        if not ZERO <= value <= aspect.max_mark:
            raise DomainError(
                "out-of-range",
                "value: aspect %(aspect)s takes 0.00 to %(max)s, not %(value)s",
                params={"aspect": aspect.id, "max": aspect.max_mark, "value": raw},
                field="value",
            )
        return value

    def enter_marks(
        self,
        *,
        actor: UUID,
        marks: list[tuple[UUID, str, str | int | Decimal]],
        at: datetime | None = None,
    ) -> tuple[bool, int]:
        """Enter a sheet of marks (competitor, aspect, value) as the expert ``actor``.

        All or nothing. Marks identical to ones already held are no-ops (retries).
        Returns (whether an event was recorded, the version of the last relevant event).
        """
        new, last_version = self.check_marks(actor=actor, marks=marks)
        if not new:
            return False, last_version
        self.trigger_event(self.MarksEntered, actor=actor, marks=tuple(new), timestamp=at)
        self._withdraw_sign_offs(actor, (actor,), None, at)
        return True, self.version

    def check_marks(
        self, *, actor: UUID, marks: Sequence[tuple[UUID, str, str | int | Decimal]]
    ) -> tuple[list[MarkValue], int]:
        """The rules of :meth:`enter_marks`, which it records: the sheet ``marks`` of the
        expert ``actor`` checked and refused exactly as it refuses (the first refused mark's
        ``index`` in the refusal's details), recording nothing. Answers the new marks (those
        not identical to one held) and the version of the last event holding one that is
        (0: none). A spreadsheet's dry run checks a whole sheet so (``registry.imports``).

        A sheet's marks come competitor by competitor: a competitor met again at once (the
        same object) is not looked up and checked for a conflict again; a text or a whole
        number met before for the same aspect is not parsed again."""
        if not marks:
            raise DomainError("invalid-input", "marks: the sheet is empty")
        self._require_status(CompetitionStatus.MARKING, doing=N_("enter marks"))
        expert = self._expert(actor)
        # the marks by (competitor's int, aspect): a UUID's hash is a Python call
        new: dict[tuple[int, str], MarkValue] = {}
        last_version = 0
        aspects = self._aspects_by_id()
        measurements, judgements = self.measurements, self.judgements
        measurement = AspectType.MEASUREMENT
        parsed: dict[tuple[str, str | int], Decimal] = {}
        competitor: object = None  # the competitor of the mark before, checked
        entrant: Entrant | None = None
        for index, (competitor_id, aspect_id, raw) in enumerate(marks):
            try:
                if competitor_id is not competitor:
                    entrant = self._entrant(competitor_id)
                    aspect = aspects.get(aspect_id) or self.aspect(aspect_id)
                    self.check_conflict(expert, entrant)
                    competitor = competitor_id
                else:
                    aspect = aspects.get(aspect_id) or self.aspect(aspect_id)
                if type(raw) in _PARSED_ONCE:
                    value = parsed.get((aspect_id, raw))
                    if value is None:
                        value = parsed[(aspect_id, raw)] = self._parse_value(aspect, raw)
                else:
                    value = self._parse_value(aspect, raw)
            except DomainError as error:
                if len(marks) > 1:
                    error.details.setdefault("index", index)
                raise
            assert entrant is not None
            key = (competitor_id.int, aspect_id)
            if key in new:
                if new[key].value != value:
                    raise DomainError(
                        "invalid-input",
                        "marks[%(index)s]: the sheet gives two values for one mark",
                        index=index,
                    )
                continue
            mark_key = (competitor_id, aspect_id)
            if aspect.type is measurement:
                held = measurements.get(mark_key)
                held_value = held[0] if held else None
            else:
                scores = judgements.get(mark_key, _NO_SCORES)
                held_score = scores.get(actor)
                held_value = Decimal(held_score) if held_score is not None else None
                if held_value is None and len(scores) >= 3:
                    raise DomainError(
                        "judgement-full",
                        "aspect %(aspect)s already has three experts' scores for %(competitor)s",
                        params={"aspect": aspect_id, "competitor": entrant.full_name},
                        index=index,
                    )
            if held_value is not None:
                if held_value != value:
                    raise DomainError(
                        "mark-exists",
                        "a different mark (%(held)s) is already recorded for %(competitor)s, "
                        "aspect %(aspect)s: send a correction with a reason",
                        params={
                            "held": held_value,
                            "competitor": entrant.full_name,
                            "aspect": aspect_id,
                        },
                        index=index,
                    )
                version = self.mark_versions[_version_key(aspect, competitor_id, actor)]
                last_version = max(last_version, version)
                continue
            new[key] = MarkValue(competitor_id, aspect_id, actor, value)
        return list(new.values()), last_version

    def _withdraw_sign_offs(
        self, actor: UUID, experts: tuple[UUID, ...], reason: str | None, at: datetime | None
    ) -> None:
        """After a change of marks: the sign-offs of ``experts`` that hold no longer do (one
        ``SignOffWithdrawn`` each, recorded with the change). ``reason``: the correction's;
        None for new marks entered by an expert who had signed off."""
        for expert_id in dict.fromkeys(experts):
            if expert_id in self.signed_off:
                self.trigger_event(
                    self.SignOffWithdrawn,
                    actor=actor,
                    expert_id=expert_id,
                    reason=reason,
                    timestamp=at,
                )

    def _held(self, aspect: Aspect, competitor_id: UUID, expert_id: UUID) -> tuple[Decimal, UUID]:
        """The mark now held and its owner (measurement: who entered it)."""
        key = (competitor_id, aspect.id)
        if aspect.type is AspectType.MEASUREMENT:
            held = self.measurements.get(key)
            if held is None:
                raise DomainError(
                    "no-mark",
                    "no mark is recorded for aspect %(aspect)s yet",
                    params={"aspect": aspect.id},
                )
            return held
        score = self.judgements.get(key, {}).get(expert_id)
        if score is None:
            raise DomainError(
                "no-mark",
                "no score of this expert is recorded for aspect %(aspect)s yet",
                params={"aspect": aspect.id},
            )
        return Decimal(score), expert_id

    def _change_mark(
        self,
        event_class: type[Competition.MarkCorrected | Competition.MarkAmended],
        actor: UUID,
        aspect: Aspect,
        mark: MarkValue,
        previous: Decimal,
        reason: str,
        at: datetime | None,
    ) -> tuple[bool, int]:
        """Record a corrected or amended mark; a mark that already holds this value is a
        repeat, answered with the version of the event that set it."""
        if mark.value == previous:
            key = _version_key(aspect, mark.competitor_id, mark.expert_id)
            return False, self.mark_versions[key]
        self.trigger_event(
            event_class, actor=actor, mark=mark, previous=previous, reason=reason, timestamp=at
        )
        return True, self.version

    def correct_mark(
        self,
        *,
        actor: UUID,
        competitor_id: UUID,
        aspect_id: str,
        value: str | int | Decimal,
        reason: str,
        expert_id: UUID | None = None,
        at: datetime | None = None,
    ) -> tuple[bool, int]:
        """Correct a mark during marking: the expert who entered it, or the chief expert."""
        self._require_status(CompetitionStatus.MARKING, doing=N_("correct a mark"))
        expert = self._expert(actor)
        reason = checked_reason(reason)
        entrant = self._entrant(competitor_id)
        aspect = self.aspect(aspect_id)
        self.check_conflict(expert, entrant)
        new_value = self._parse_value(aspect, value)
        held, owner = self._held(aspect, competitor_id, expert_id or actor)
        if owner != actor and expert.role is not ExpertRole.CHIEF:
            raise DomainError(
                "not-allowed",
                "only the expert who entered a mark or the chief expert may correct it",
            )
        mark = MarkValue(competitor_id, aspect_id, owner, new_value)
        changed, version = self._change_mark(
            self.MarkCorrected, actor, aspect, mark, held, reason, at
        )
        if changed:
            # RULES.md: a correction by or of an expert withdraws their sign-off
            self._withdraw_sign_offs(actor, (owner, actor), reason, at)
            version = self.version
        return changed, version

    def sign_off(self, *, actor: UUID, at: datetime | None = None) -> tuple[bool, int]:
        """The expert ``actor`` confirms their marks (RULES.md "Closing a competition").

        While the sign-off holds, a repeat records nothing and answers the version of the
        event that recorded it; a correction by or of the expert, or a new mark of theirs,
        withdraws it (``SignOffWithdrawn``), and they sign off again."""
        expert = self._expert(actor)
        held = self.signed_off.get(expert.account_id)
        if held is not None:
            return False, held
        self._require_status(CompetitionStatus.MARKING, doing=N_("sign off"))
        self.trigger_event(self.SignedOff, actor=actor, timestamp=at)
        return True, self.version

    def lock(
        self, *, actor: UUID, override_reason: str | None = None, at: datetime | None = None
    ) -> bool:
        """Lock (the chief): every mark entered, nothing disputed, and every assigned expert
        signed off — or ``override_reason``, recorded in the ``Locked`` event."""
        if self.status in (CompetitionStatus.LOCKED, CompetitionStatus.PUBLISHED):
            return False  # a repeat: already locked (and maybe published since)
        self._require_status(CompetitionStatus.MARKING, doing=N_("lock"))
        expert = self._expert(actor)
        if expert.role is not ExpertRole.CHIEF:
            raise DomainError("not-allowed", "only the chief expert locks a competition")
        if not self.entrants:
            raise DomainError("invalid-state", "cannot lock: the competition has no entrants")
        missing = self.marks_expected() - self.marks_present()
        if missing > 0:
            raise DomainError(
                "incomplete-marking",
                "cannot lock: %(missing)s marks are still missing",
                params={"missing": missing},
            )
        disputed = self.disputed()
        if disputed:
            listing = ", ".join(f"{self.entrants[c].full_name} / {a}" for c, a in disputed)
            raise DomainError(
                "disputed-aspect",
                "cannot lock: judgement scores differ by more than 1 on %(listing)s",
                params={"listing": listing},
            )
        if override_reason is not None:
            override_reason = checked_text(override_reason, "override_reason")
        missing = self.not_signed_off()
        if missing and override_reason is None:
            raise DomainError(
                "sign-off-missing",
                "cannot lock: %(names)s have not signed off their marks; wait for their "
                "sign-off or lock with an override reason",
                params={"names": ", ".join(e.name for e in missing)},
                missing=[{"expert_id": str(e.account_id), "name": e.name} for e in missing],
            )
        self.trigger_event(
            self.Locked,
            actor=actor,
            override_reason=override_reason if missing else None,
            timestamp=at,
        )
        return True

    def reopen(self, *, actor: UUID, reason: str, at: datetime | None = None) -> bool:
        reason = checked_reason(reason)
        self._require_status(CompetitionStatus.LOCKED, doing=N_("reopen"))
        expert = self._expert(actor)
        if expert.role is not ExpertRole.CHIEF:
            raise DomainError("not-allowed", "only the chief expert reopens a competition")
        self.trigger_event(self.Reopened, actor=actor, reason=reason, timestamp=at)
        return True

    def publish(self, *, actor: UUID, at: datetime | None = None) -> bool:
        if self.status is CompetitionStatus.PUBLISHED:
            return False
        self._require_status(CompetitionStatus.LOCKED, doing=N_("publish"))
        self.trigger_event(
            self.Published,
            actor=actor,
            scaled_score_formula=scoring.SCALED_SCORE_FORMULA,
            scaled_score_formula_version=scoring.SCALED_SCORE_FORMULA_VERSION,
            timestamp=at,
        )
        return True

    def amend_mark(
        self,
        *,
        actor: UUID,
        competitor_id: UUID,
        aspect_id: str,
        value: str | int | Decimal,
        reason: str,
        expert_id: UUID | None = None,
        at: datetime | None = None,
    ) -> tuple[bool, int]:
        """Change a published mark (organiser). Judgement aspects name the expert's score."""
        self._require_status(CompetitionStatus.PUBLISHED, doing=N_("amend a mark"))
        reason = checked_reason(reason)
        self._entrant(competitor_id)
        aspect = self.aspect(aspect_id)
        new_value = self._parse_value(aspect, value)
        if aspect.type is AspectType.JUDGEMENT:
            if expert_id is None:
                raise DomainError(
                    "invalid-input", "expert_id: a judgement aspect's amendment names the expert"
                )
            held, owner = self._held(aspect, competitor_id, expert_id)
            scores = dict(self.judgements[(competitor_id, aspect_id)])
            scores[owner] = int(new_value)
            if scoring.is_disputed(list(scores.values())):
                raise DomainError(
                    "disputed-aspect",
                    "the amendment would leave the judgement scores more than 1 apart",
                )
        else:
            held, owner = self._held(aspect, competitor_id, actor)
        mark = MarkValue(competitor_id, aspect_id, owner, new_value)
        return self._change_mark(self.MarkAmended, actor, aspect, mark, held, reason, at)
