"""Aggregates and their events.

Commands validate first and only then trigger an event, so a refused command leaves no
pending event behind. Every event records the acting account (``actor``) and its time
(``timestamp``). Topics are explicit and stable (``registry.<Aggregate>.<Event>``): moving
code never breaks replay.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain import ids, prizes, scoring
from domain.errors import DomainError
from domain.values import (
    CATEGORIES_BY_KIND,
    TWO_PLACES,
    Aspect,
    AspectType,
    Category,
    ChampionshipKind,
    CompetitionStatus,
    ExpertRole,
    Level,
    MarkValue,
    OrganisationKind,
    Role,
    parse_mark,
)

MAX_TEXT = 500
MAX_REASON = 2000


def _clone(aggregate: Any, memo: dict[int, Any], dicts: tuple[str, ...] = ()) -> Any:
    """A full copy of an aggregate whose values are all immutable: its attributes, with
    the dicts named in ``dicts`` and its pending events copied (the repository copies a
    cached aggregate for every command; ``copy.deepcopy`` walks every value)."""
    clone = object.__new__(type(aggregate))
    state = dict(aggregate.__dict__)
    for name in dicts:
        if name in state:
            state[name] = dict(state[name])
    state["_pending_events"] = list(state.get("_pending_events", ()))
    clone.__dict__.update(state)
    memo[id(aggregate)] = clone
    return clone


def _text(value: str, field: str, *, max_len: int = MAX_TEXT, required: bool = True) -> str:
    cleaned = ids.clean_text(value)
    if required and not cleaned:
        raise DomainError("invalid-input", f"{field}: must not be empty")
    if len(cleaned) > max_len:
        raise DomainError("invalid-input", f"{field}: longer than {max_len} characters")
    return cleaned


def _region(value: str) -> str:
    region = value.strip().upper()
    if not (2 <= len(region) <= 8) or not region.isascii() or not region.isalpha():
        raise DomainError("invalid-input", "region: expected a code of 2-8 Latin letters, e.g. VKO")
    return region


def _reason(value: str) -> str:
    return _text(value, "reason", max_len=MAX_REASON)


class RegistryEvent(Aggregate.Event):
    """Base of every event: who did it. ``timestamp`` (UTC) is when."""

    TOPIC = "registry.Event"
    actor: UUID


# --------------------------------------------------------------------------- organisation


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
            aggregate.name_ru = self.name_ru
            aggregate.name_kk = self.name_kk
            aggregate.kind = self.kind
            aggregate.region = self.region

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
        name_ru = _text(name_ru, "name_ru")
        region = _region(region)
        return cls._create(
            cls.Created,
            id=ids.organisation_id(region, name_ru),
            actor=actor,
            name_ru=name_ru,
            name_kk=_text(name_kk, "name_kk"),
            kind=OrganisationKind(kind),
            region=region,
            timestamp=at,
        )

    def same_as(self, other: Organisation) -> bool:
        return (self.name_ru, self.name_kk, self.kind, self.region) == (
            other.name_ru,
            other.name_kk,
            other.kind,
            other.region,
        )


# ---------------------------------------------------------------------------- participant


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
        full_name = _text(full_name, "full_name")
        if birth_date is not None and not (date(1900, 1, 1) <= birth_date <= date(2100, 1, 1)):
            raise DomainError("out-of-range", "birth_date: not a plausible date of birth")
        if disability is not None:
            disability = _text(disability, "disability", required=False) or None
        if name_latin is not None:
            name_latin = _text(name_latin, "name_latin", required=False) or None
        return cls._create(
            cls.Created,
            id=ids.participant_id(organisation_id, full_name, birth_date),
            actor=actor,
            full_name=full_name,
            organisation_id=organisation_id,
            born_on=birth_date,
            disability=disability,
            name_latin=name_latin,
            timestamp=at,
        )

    def same_as(self, other: Participant) -> bool:
        mine = (self.full_name, self.organisation_id, self.birth_date, self.disability)
        theirs = (other.full_name, other.organisation_id, other.birth_date, other.disability)
        return mine == theirs and self.name_latin == other.name_latin


# -------------------------------------------------------------------------------- account


class Account(Aggregate):
    """A person or office that acts in the registry. Tokens are stored only as hashes."""

    TOPIC = "registry.Account"

    def __deepcopy__(self, memo: dict[int, Any]) -> Account:
        """Every value an account holds is immutable (str, enum, frozenset, bool), so a copy of
        its attributes is a full copy — the bearer-token check copies an account from the
        cache on every request."""
        return _clone(self, memo)  # type: ignore[no-any-return]

    class Event(RegistryEvent):
        TOPIC = "registry.Account.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "registry.Account.Created"
        name: str
        role: Role
        token_hash: str

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.role = self.role
            aggregate.token_hash = self.token_hash
            aggregate.competition_ids = frozenset()
            aggregate.revoked = False

    class ScopeGranted(Event):
        TOPIC = "registry.Account.ScopeGranted"
        competition_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.competition_ids = aggregate.competition_ids | {self.competition_id}

    class TokenRotated(Event):
        TOPIC = "registry.Account.TokenRotated"
        token_hash: str

        def apply(self, aggregate: Any) -> None:
            aggregate.token_hash = self.token_hash

    class Revoked(Event):
        TOPIC = "registry.Account.Revoked"
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.revoked = True

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        name: str
        role: Role
        token_hash: str
        competition_ids: frozenset[UUID]
        revoked: bool

    @classmethod
    def create(
        cls,
        *,
        actor: UUID,
        name: str,
        role: Role,
        token_hash: str,
        at: datetime | None = None,
    ) -> Account:
        name = _text(name, "name", max_len=200)
        return cls._create(
            cls.Created,
            id=ids.account_id(name),
            actor=actor,
            name=name,
            role=Role(role),
            token_hash=token_hash,
            timestamp=at,
        )

    def grant_scope(self, *, actor: UUID, competition_id: UUID, at: datetime | None = None) -> None:
        if self.revoked:
            raise DomainError("invalid-state", f"account {self.name!r} is revoked")
        if competition_id not in self.competition_ids:
            self.trigger_event(
                self.ScopeGranted, actor=actor, competition_id=competition_id, timestamp=at
            )

    def rotate_token(self, *, actor: UUID, token_hash: str, at: datetime | None = None) -> None:
        if self.revoked:
            raise DomainError("invalid-state", f"account {self.name!r} is revoked")
        self.trigger_event(self.TokenRotated, actor=actor, token_hash=token_hash, timestamp=at)

    def revoke(self, *, actor: UUID, reason: str, at: datetime | None = None) -> bool:
        reason = _reason(reason)
        if self.revoked:
            return False  # a repeat
        self.trigger_event(self.Revoked, actor=actor, reason=reason, timestamp=at)
        return True


# --------------------------------------------------------------------------- championship


class Championship(Aggregate):
    TOPIC = "registry.Championship"

    class Event(RegistryEvent):
        TOPIC = "registry.Championship.Event"

    class Created(Event, Aggregate.Created):
        """Version 2 added the optional English title (``title_en``); events stored in the
        version 1 shape are upcast with ``title_en = None``."""

        TOPIC = "registry.Championship.Created"
        class_version = 2
        kind: ChampionshipKind
        level: Level
        year: int
        region: str
        title_ru: str
        title_kk: str
        title_en: str | None
        starts_on: date
        ends_on: date
        tie_tolerance: Decimal
        min_competitors_for_medals: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["title_en"] = None

        def apply(self, aggregate: Any) -> None:
            for name in (
                "kind",
                "level",
                "year",
                "region",
                "title_ru",
                "title_kk",
                "title_en",
                "starts_on",
                "ends_on",
                "tie_tolerance",
                "min_competitors_for_medals",
            ):
                setattr(aggregate, name, getattr(self, name))
            aggregate.competition_ids = ()

    class CompetitionAdded(Event):
        TOPIC = "registry.Championship.CompetitionAdded"
        competition_id: UUID
        code: str
        category: Category

        def apply(self, aggregate: Any) -> None:
            aggregate.competition_ids = (*aggregate.competition_ids, self.competition_id)

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        kind: ChampionshipKind
        level: Level
        year: int
        region: str
        title_ru: str
        title_kk: str
        title_en: str | None
        starts_on: date
        ends_on: date
        tie_tolerance: Decimal
        min_competitors_for_medals: int
        competition_ids: tuple[UUID, ...]

    @classmethod
    def create(
        cls,
        *,
        actor: UUID,
        kind: ChampionshipKind,
        level: Level,
        year: int,
        region: str,
        title_ru: str,
        title_kk: str,
        starts_on: date,
        ends_on: date,
        title_en: str | None = None,
        tie_tolerance: Decimal = Decimal("0.00"),
        min_competitors_for_medals: int = 3,
        at: datetime | None = None,
    ) -> Championship:
        kind = ChampionshipKind(kind)
        level = Level(level)
        region = _region(region)
        if not 2000 <= year <= 2100:
            raise DomainError("out-of-range", "year: expected a year between 2000 and 2100")
        if ends_on < starts_on:
            raise DomainError("invalid-input", "ends_on: before starts_on")
        if starts_on.year != year:
            raise DomainError("invalid-input", f"starts_on: not in the championship's year {year}")
        tolerance = parse_mark(tie_tolerance, field="tie_tolerance")
        if not Decimal("0.00") <= tolerance <= Decimal("10.00"):
            raise DomainError("out-of-range", "tie_tolerance: expected 0.00 to 10.00")
        if not 1 <= min_competitors_for_medals <= 100:
            raise DomainError("out-of-range", "min_competitors_for_medals: expected 1 to 100")
        return cls._create(
            cls.Created,
            id=ids.championship_id(kind, level, year, region),
            actor=actor,
            kind=kind,
            level=level,
            year=year,
            region=region,
            title_ru=_text(title_ru, "title_ru"),
            title_kk=_text(title_kk, "title_kk"),
            title_en=_text(title_en, "title_en", required=False) or None if title_en else None,
            starts_on=starts_on,
            ends_on=ends_on,
            tie_tolerance=tolerance,
            min_competitors_for_medals=min_competitors_for_medals,
            timestamp=at,
        )

    def same_as(self, other: Championship) -> bool:
        keys = ("title_ru", "title_kk", "title_en", "starts_on", "ends_on", "tie_tolerance")
        keys += ("min_competitors_for_medals",)
        return all(getattr(self, k) == getattr(other, k) for k in keys)

    def add_competition(
        self,
        *,
        actor: UUID,
        code: str,
        title_ru: str,
        title_kk: str,
        category: Category,
        at: datetime | None = None,
    ) -> Competition:
        """Create a competition of this championship (both aggregates are saved together)."""
        category = Category(category)
        if category not in CATEGORIES_BY_KIND[self.kind]:
            allowed = ", ".join(sorted(CATEGORIES_BY_KIND[self.kind]))
            raise DomainError(
                "invalid-input", f"category: {self.kind} competitions are one of: {allowed}"
            )
        code = code.strip().lower()
        if not code or len(code) > 64 or not code.replace("-", "").replace("_", "").isalnum():
            raise DomainError(
                "invalid-input", "code: expected 1-64 letters, digits, '-' or '_', e.g. 'welding'"
            )
        competition = Competition._create(
            Competition.Created,
            id=ids.competition_id(self.id, code, category),
            actor=actor,
            championship_id=self.id,
            code=code,
            title_ru=_text(title_ru, "title_ru"),
            title_kk=_text(title_kk, "title_kk"),
            category=category,
            kind=self.kind,
            level=self.level,
            region=self.region,
            tie_tolerance=self.tie_tolerance,
            min_competitors_for_medals=self.min_competitors_for_medals,
            timestamp=at,
        )
        self.trigger_event(
            self.CompetitionAdded,
            actor=actor,
            competition_id=competition.id,
            code=code,
            category=category,
            timestamp=at,
        )
        return competition


# ---------------------------------------------------------------------------- competition


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
            for name in (
                "championship_id",
                "code",
                "title_ru",
                "title_kk",
                "category",
                "kind",
                "level",
                "region",
                "tie_tolerance",
                "min_competitors_for_medals",
            ):
                setattr(aggregate, name, getattr(self, name))
            aggregate.status = CompetitionStatus.SETUP
            aggregate.scheme = ()
            aggregate.entrants = {}
            aggregate.experts = {}
            aggregate.measurements = {}
            aggregate.judgements = {}
            aggregate.mark_versions = {}
            aggregate.marks_entered = 0
            aggregate.published_formula = None
            aggregate.reopen_count = 0
            aggregate.amendment_count = 0

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
            for mark in self.marks:
                aggregate._set_mark(mark, self.originator_version)
            aggregate.marks_entered += len(self.marks)

    class MarkCorrected(Event):
        """An expert (or the chief) changes a mark during marking, with a reason."""

        TOPIC = "registry.Competition.MarkCorrected"
        mark: MarkValue
        previous: Decimal
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate._set_mark(self.mark, self.originator_version)

    class Locked(Event):
        TOPIC = "registry.Competition.Locked"

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
        reopen_count: int
        amendment_count: int

    # ---------------------------------------------------------------- state helpers

    def __deepcopy__(self, memo: dict[int, Any]) -> Competition:
        """A copy for a command (the repository copies cached aggregates).

        Every value held is immutable (frozen Structs, tuples, Decimals, UUIDs, ints), so
        copying the containers is a full copy — and hundreds of times cheaper than
        ``copy.deepcopy`` on a competition with thousands of marks.
        """
        # the inner judgement score dicts are never changed in place (``_set_mark``
        # replaces them), so copying the outer dict suffices
        dicts = ("entrants", "experts", "measurements", "mark_versions", "judgements")
        clone: Competition = _clone(self, memo, dicts)
        remembered = clone.__dict__.get("_results_memo")
        if remembered is not None:
            clone.__dict__["_results_memo"] = (remembered[0], dict(remembered[1]))
        return clone

    def _set_mark(self, mark: MarkValue, version: int) -> None:
        memo = self.__dict__.get("_results_memo")
        if memo is not None:
            memo[1].pop(mark.competitor_id, None)
        key = (mark.competitor_id, mark.aspect_id)
        aspect = self.aspect(mark.aspect_id)
        if aspect.type is AspectType.MEASUREMENT:
            self.measurements[key] = (mark.value, mark.expert_id)
            self.mark_versions[(*key, None)] = version
        else:
            # copy-on-write: a copy of the competition shares the score dicts it holds
            scores = dict(self.judgements.get(key, ()))
            scores[mark.expert_id] = int(mark.value)
            self.judgements[key] = scores
            self.mark_versions[(*key, mark.expert_id)] = version

    def aspect(self, aspect_id: str) -> Aspect:
        index = self.__dict__.get("_aspect_index")
        if index is None or index[0] is not self.scheme:
            index = (self.scheme, {a.id: a for a in self.scheme})
            self.__dict__["_aspect_index"] = index
        aspect = index[1].get(aspect_id)
        if aspect is None:
            raise DomainError("not-found", f"aspect {aspect_id!r} is not in the marking scheme")
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

    # ---------------------------------------------------------------- commands

    def _require_status(self, *allowed: CompetitionStatus, doing: str) -> None:
        if self.status not in allowed:
            wanted = " or ".join(allowed)
            raise DomainError(
                "invalid-state",
                f"cannot {doing}: the competition is {self.status}, not {wanted}",
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
                description=ids.clean_text(a.description),
                max_mark=a.max_mark,
                type=AspectType(a.type),
            )
            for a in aspects
        )
        scoring.check_scheme(aspects)
        aspects = tuple(
            Aspect(a.id, a.criterion, a.description, a.max_mark.quantize(TWO_PLACES), a.type)
            for a in aspects
        )
        if aspects == self.scheme:
            return False  # a repeat: the competition already has exactly this scheme
        self._require_status(
            CompetitionStatus.SETUP, CompetitionStatus.MARKING, doing="set the scheme"
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
            CompetitionStatus.SETUP, CompetitionStatus.MARKING, doing="add an entrant"
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
                f"{existing.name} is already an {existing.role} of this competition",
            )
        self._require_status(
            CompetitionStatus.SETUP, CompetitionStatus.MARKING, doing="assign an expert"
        )
        chief = self.chief()
        if role is ExpertRole.CHIEF and chief is not None:
            raise DomainError(
                "invalid-state", f"the competition already has a chief expert: {chief.name}"
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
                f"competitor {competitor_id} is not an entrant of this competition",
                field="competitor_id",
            )
        return entrant

    def _check_conflict(self, expert: Expert, entrant: Entrant) -> None:
        if expert.organisation_id == entrant.organisation_id:
            raise DomainError(
                "conflict-of-interest",
                f"{expert.name} cannot mark {entrant.full_name}: both are from the same "
                "organisation",
                competitor_id=str(entrant.participant_id),
            )

    def _parse_value(self, aspect: Aspect, raw: str | int | Decimal) -> Decimal:
        if aspect.type is AspectType.JUDGEMENT:
            if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
                raise DomainError("invalid-input", f"value: aspect {aspect.id} takes a score 0-3")
            value = parse_mark(raw)
            if value != value.to_integral_value():
                raise DomainError(
                    "invalid-input", f"value: aspect {aspect.id} takes a whole score 0-3"
                )
            if not 0 <= value <= 3:
                raise DomainError(
                    "out-of-range", f"value: a judgement score is 0-3, not {raw}", field="value"
                )
            return Decimal(int(value))
        value = parse_mark(raw)
        if not Decimal("0.00") <= value <= aspect.max_mark:
            raise DomainError(
                "out-of-range",
                f"value: aspect {aspect.id} takes 0.00 to {aspect.max_mark}, not {raw}",
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
        if not marks:
            raise DomainError("invalid-input", "marks: the sheet is empty")
        self._require_status(CompetitionStatus.MARKING, doing="enter marks")
        expert = self._expert(actor)
        new: dict[tuple[UUID, str], MarkValue] = {}
        last_version = 0
        for index, (competitor_id, aspect_id, raw) in enumerate(marks):
            try:
                entrant = self._entrant(competitor_id)
                aspect = self.aspect(aspect_id)
                self._check_conflict(expert, entrant)
                value = self._parse_value(aspect, raw)
            except DomainError as error:
                if len(marks) > 1:
                    error.details.setdefault("index", index)
                raise
            key = (competitor_id, aspect_id)
            if key in new:
                if new[key].value != value:
                    raise DomainError(
                        "invalid-input",
                        f"marks[{index}]: the sheet gives two values for one mark",
                        index=index,
                    )
                continue
            if aspect.type is AspectType.MEASUREMENT:
                held = self.measurements.get(key)
                version_key: tuple[UUID, str, UUID | None] = (*key, None)
                held_value = held[0] if held else None
            else:
                scores = self.judgements.get(key, {})
                held_score = scores.get(actor)
                held_value = Decimal(held_score) if held_score is not None else None
                version_key = (*key, actor)
                if held_value is None and len(scores) >= 3:
                    raise DomainError(
                        "judgement-full",
                        f"aspect {aspect_id} already has three experts' scores for "
                        f"{entrant.full_name}",
                        index=index,
                    )
            if held_value is not None:
                if held_value != value:
                    raise DomainError(
                        "mark-exists",
                        f"a different mark ({held_value}) is already recorded for "
                        f"{entrant.full_name}, aspect {aspect_id}: send a correction with a reason",
                        index=index,
                    )
                last_version = max(last_version, self.mark_versions[version_key])
                continue
            new[key] = MarkValue(competitor_id, aspect_id, actor, value)
        if not new:
            return False, last_version
        self.trigger_event(self.MarksEntered, actor=actor, marks=tuple(new.values()), timestamp=at)
        return True, self.version

    def _held(self, aspect: Aspect, competitor_id: UUID, expert_id: UUID) -> tuple[Decimal, UUID]:
        """The mark now held and its owner (measurement: who entered it)."""
        key = (competitor_id, aspect.id)
        if aspect.type is AspectType.MEASUREMENT:
            held = self.measurements.get(key)
            if held is None:
                raise DomainError("no-mark", f"no mark is recorded for aspect {aspect.id} yet")
            return held
        score = self.judgements.get(key, {}).get(expert_id)
        if score is None:
            raise DomainError(
                "no-mark", f"no score of this expert is recorded for aspect {aspect.id} yet"
            )
        return Decimal(score), expert_id

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
        self._require_status(CompetitionStatus.MARKING, doing="correct a mark")
        expert = self._expert(actor)
        reason = _reason(reason)
        entrant = self._entrant(competitor_id)
        aspect = self.aspect(aspect_id)
        self._check_conflict(expert, entrant)
        new_value = self._parse_value(aspect, value)
        held, owner = self._held(aspect, competitor_id, expert_id or actor)
        if owner != actor and expert.role is not ExpertRole.CHIEF:
            raise DomainError(
                "not-allowed",
                "only the expert who entered a mark or the chief expert may correct it",
            )
        version_key = (
            competitor_id,
            aspect_id,
            None if aspect.type is AspectType.MEASUREMENT else owner,
        )
        if held == new_value:
            return False, self.mark_versions[version_key]
        self.trigger_event(
            self.MarkCorrected,
            actor=actor,
            mark=MarkValue(competitor_id, aspect_id, owner, new_value),
            previous=held,
            reason=reason,
            timestamp=at,
        )
        return True, self.version

    def lock(self, *, actor: UUID, at: datetime | None = None) -> bool:
        if self.status in (CompetitionStatus.LOCKED, CompetitionStatus.PUBLISHED):
            return False  # a repeat: already locked (and maybe published since)
        self._require_status(CompetitionStatus.MARKING, doing="lock")
        expert = self._expert(actor)
        if expert.role is not ExpertRole.CHIEF:
            raise DomainError("not-allowed", "only the chief expert locks a competition")
        if not self.entrants:
            raise DomainError("invalid-state", "cannot lock: the competition has no entrants")
        missing = self.marks_expected() - self.marks_present()
        if missing > 0:
            raise DomainError(
                "incomplete-marking", f"cannot lock: {missing} marks are still missing"
            )
        disputed = self.disputed()
        if disputed:
            listing = ", ".join(f"{self.entrants[c].full_name} / {a}" for c, a in disputed)
            raise DomainError(
                "disputed-aspect",
                f"cannot lock: judgement scores differ by more than 1 on {listing}",
            )
        self.trigger_event(self.Locked, actor=actor, timestamp=at)
        return True

    def reopen(self, *, actor: UUID, reason: str, at: datetime | None = None) -> bool:
        reason = _reason(reason)
        self._require_status(CompetitionStatus.LOCKED, doing="reopen")
        expert = self._expert(actor)
        if expert.role is not ExpertRole.CHIEF:
            raise DomainError("not-allowed", "only the chief expert reopens a competition")
        self.trigger_event(self.Reopened, actor=actor, reason=reason, timestamp=at)
        return True

    def publish(self, *, actor: UUID, at: datetime | None = None) -> bool:
        if self.status is CompetitionStatus.PUBLISHED:
            return False
        self._require_status(CompetitionStatus.LOCKED, doing="publish")
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
        self._require_status(CompetitionStatus.PUBLISHED, doing="amend a mark")
        reason = _reason(reason)
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
            version_key: tuple[UUID, str, UUID | None] = (competitor_id, aspect_id, owner)
        else:
            held, owner = self._held(aspect, competitor_id, actor)
            version_key = (competitor_id, aspect_id, None)
        if held == new_value:
            return False, self.mark_versions[version_key]
        self.trigger_event(
            self.MarkAmended,
            actor=actor,
            mark=MarkValue(competitor_id, aspect_id, owner, new_value),
            previous=held,
            reason=reason,
            timestamp=at,
        )
        return True, self.version


# ----------------------------------------------------------------------- prize programme


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
        TOPIC = "registry.PrizeProgramme.Created"
        title_ru: str
        title_kk: str
        year: int
        region: str
        kinds: tuple[ChampionshipKind, ...]
        prizes: tuple[prizes.Prize, ...]

        def apply(self, aggregate: Any) -> None:
            for name in ("title_ru", "title_kk", "year", "region", "kinds", "prizes"):
                setattr(aggregate, name, getattr(self, name))
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
            entry.status = prizes.DECIDED_STATUS[self.decision]
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
        kinds: tuple[ChampionshipKind, ...],
        prizes_by_place: tuple[prizes.Prize, ...],
        at: datetime | None = None,
    ) -> PrizeProgramme:
        title_ru = _text(title_ru, "title_ru")
        region = _region(region)
        if not 2000 <= year <= 2100:
            raise DomainError("out-of-range", "year: expected a year between 2000 and 2100")
        kinds = tuple(sorted({ChampionshipKind(k) for k in kinds}))
        if not kinds:
            raise DomainError("invalid-input", "kinds: name at least one championship kind")
        checked = tuple(
            sorted(
                (
                    prizes.Prize(p.place, ids.clean_text(p.description), p.amount_kzt)
                    for p in prizes_by_place
                ),
                key=lambda p: p.place,
            )
        )
        prizes.check_prizes(checked)
        return cls._create(
            cls.Created,
            id=ids.programme_id(region, year, title_ru),
            actor=actor,
            title_ru=title_ru,
            title_kk=_text(title_kk, "title_kk"),
            year=year,
            region=region,
            kinds=kinds,
            prizes=checked,
            timestamp=at,
        )

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
        eligible = prizes.is_eligible(
            placing,
            region=self.region,
            kinds=self.kinds,
            prizes=self.prizes,
            year=self.year,
            championship_year=championship_year,
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
        at: datetime | None = None,
    ) -> bool:
        """approve | reject (reason) | award (date) | revoke (reason) an entry."""
        entry = self.entries.get(entry_id)
        if entry is None:
            raise DomainError("not-found", f"no entry {entry_id} in this programme")
        if decision not in prizes.TRANSITIONS:
            raise DomainError("invalid-input", f"decision: one of {sorted(prizes.TRANSITIONS)}")
        if entry.status is prizes.DECIDED_STATUS[decision]:
            return False  # a repeat
        prizes.check_transition(decision, entry.status)
        reason = _reason(reason or "") if decision in ("reject", "revoke") else None
        if decision == "approve" and entry.prize is None:
            raise DomainError(
                "invalid-state", "the competitor no longer holds a prize place: reject or revoke"
            )
        if decision == "award":
            if awarded_on is None:
                raise DomainError("invalid-input", "awarded_on: the date the prize was handed over")
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
        title_ru = _text(title_ru, "title_ru")
        nomination_id = prizes.nomination_id(self.id, title_ru)
        if nomination_id in self.nominations:
            return False, nomination_id
        self.trigger_event(
            self.NominationDefined,
            actor=actor,
            nomination_id=nomination_id,
            title_ru=title_ru,
            title_kk=_text(title_kk, "title_kk"),
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
            raise DomainError("not-found", f"no nomination {nomination_id} in this programme")
        nominee_id = prizes.nominee_id(nomination_id, organisation_id)
        if nominee_id in nomination.nominees:
            return False, nominee_id
        self.trigger_event(
            self.NomineeProposed,
            actor=actor,
            nomination_id=nomination_id,
            nominee_id=nominee_id,
            organisation_id=organisation_id,
            citation=_text(citation, "citation", max_len=MAX_REASON),
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
            raise DomainError("not-found", f"no nominee {nominee_id} in this nomination")
        if decision not in ("approve", "reject"):
            raise DomainError("invalid-input", "decision: approve or reject")
        if nominee.status is prizes.DECIDED_STATUS[decision]:
            return False
        prizes.check_transition(decision, nominee.status, "nominee")
        self.trigger_event(
            self.NomineeDecided,
            actor=actor,
            nomination_id=nomination_id,
            nominee_id=nominee_id,
            decision=decision,
            reason=_reason(reason or "") if decision == "reject" else None,
            timestamp=at,
        )
        return True


#: Every aggregate class, for registries of topics and fixtures.
AGGREGATES: tuple[type[Aggregate], ...] = (
    Organisation,
    Participant,
    Account,
    Championship,
    Competition,
    PrizeProgramme,
)
