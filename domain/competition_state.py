"""A competition's whole state as a plain value, and the aggregate back from it.

:func:`to_state` reads a ``Competition`` aggregate into a :class:`CompetitionState` (a
msgspec Struct: JSON-encodable and exact — Decimals keep their places, datetimes their UTC
offset); :func:`from_state` makes the aggregate again. The two are inverse:
``from_state(to_state(c))`` has every recorded attribute of ``c`` equal, every dict in the
same order (the order entrants, experts and scores were first recorded in, which standings
and their disputes follow), so it behaves exactly as ``c`` — the aggregate replayed from its
events up to the same version — for every command and every rule.

Time travel keeps such states every few hundred versions of a competition (the projector's
checkpoints, ``projections/moments.py``), so that a past moment costs one decode and at most
a few hundred events, not a replay of the whole history. Pure: no I/O.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import msgspec

from domain.competition import Competition, Entrant, Expert
from domain.values import Aspect, Category, ChampionshipKind, CompetitionStatus, Level


class CompetitionState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Every recorded attribute of a ``Competition`` aggregate (see the aggregate for their
    meaning).

    Dicts are lists of their items in the dict's order. The marks are flat lists of
    integers, a fixed number per mark, naming people (competitors, experts), aspects and
    measured values by their index in ``people``, ``aspects`` and ``values`` (each listed
    once, in the order first met): a state of 10,000 marks decodes in a few milliseconds.
    """

    id: UUID
    version: int
    created_on: datetime
    modified_on: datetime
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
    entrants: tuple[Entrant, ...]
    experts: tuple[Expert, ...]
    marks_entered: int
    published_formula: tuple[str, int] | None
    published_at: datetime | None
    reopen_count: int
    amendment_count: int
    #: (expert, version of the sign-off)
    signed_off: tuple[tuple[UUID, int], ...]
    people: tuple[UUID, ...]
    aspects: tuple[str, ...]
    values: tuple[Decimal, ...]
    #: per measurement: competitor, aspect, value, the expert who entered it
    measurements: tuple[int, ...]
    #: per judged aspect: competitor, aspect, the number of scores n, then n x (expert, score)
    judgements: tuple[int, ...]
    #: per mark: competitor, aspect, expert (:data:`NONE` for a measurement), the version of
    #: the event that set it
    mark_versions: tuple[int, ...]


#: the expert of a measurement's key in ``mark_versions`` (None in the aggregate)
NONE = -1

#: the aggregate's attributes a state holds besides the library's (``_id``, ``_version``,
#: ``_created_on``, ``_modified_on``, ``_pending_events``); anything else the aggregate keeps
#: is private and derived on demand (an index, a memo)
STATE_ATTRIBUTES = frozenset(
    {
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
        "status",
        "scheme",
        "entrants",
        "experts",
        "measurements",
        "judgements",
        "mark_versions",
        "marks_entered",
        "published_formula",
        "published_at",
        "reopen_count",
        "amendment_count",
        "signed_off",
    }
)


class _Numbering:
    """Numbers of people (by their UUID's integer, hashed in C), aspect ids (the scheme's
    first) and measured values (by their text, so ``0.5`` and ``0.50`` stay apart), in the
    order first met. The loops of :func:`to_state` look known ones up directly."""

    def __init__(self, competition: Competition) -> None:
        self.people: dict[int, int] = {}
        self.uuids: list[UUID] = []
        for person in (*competition.entrants, *competition.experts):
            self.person(person)
        self.aspects: dict[str, int] = {}
        for aspect in competition.scheme:
            self.aspect(aspect.id)
        self.values: dict[str, int] = {}
        self.decimals: list[Decimal] = []

    def person(self, value: UUID) -> int:
        number = self.people.get(value.int)
        if number is None:
            number = self.people[value.int] = len(self.uuids)
            self.uuids.append(value)
        return number

    def aspect(self, value: str) -> int:
        return self.aspects.setdefault(value, len(self.aspects))

    def value(self, text: str, value: Decimal) -> int:
        number = self.values[text] = len(self.decimals)
        self.decimals.append(value)
        return number


def to_state(competition: Competition) -> CompetitionState:
    """The aggregate's state (it must have no pending events: a state is of what is
    recorded)."""
    if competition.pending_events:
        raise ValueError("a competition with pending events has no recorded state")
    n = _Numbering(competition)
    person, known = n.person, n.people.get
    aspect, known_aspect = n.aspect, n.aspects.get
    value, known_value = n.value, n.values.get
    measurements: list[int] = []
    add = measurements.extend
    for (competitor, aspect_id), (measured, expert) in competition.measurements.items():
        c, e, a = known(competitor.int), known(expert.int), known_aspect(aspect_id)
        if c is None or e is None or a is None:
            c, e, a = person(competitor), person(expert), aspect(aspect_id)
        text = str(measured)
        v = known_value(text)
        add((c, a, value(text, measured) if v is None else v, e))
    judgements: list[int] = []
    for (competitor, aspect_id), scores in competition.judgements.items():
        judgements += (person(competitor), aspect(aspect_id), len(scores))
        for expert, score in scores.items():
            judgements += (person(expert), score)
    mark_versions: list[int] = []
    add = mark_versions.extend
    for (competitor, aspect_id, by), version in competition.mark_versions.items():
        c, a = known(competitor.int), known_aspect(aspect_id)
        e = NONE if by is None else known(by.int)
        if c is None or e is None or a is None:
            c, a, e = person(competitor), aspect(aspect_id), NONE if by is None else person(by)
        add((c, a, e, version))
    return CompetitionState(
        id=competition.id,
        version=competition.version,
        created_on=competition.created_on,
        modified_on=competition.modified_on,
        championship_id=competition.championship_id,
        code=competition.code,
        title_ru=competition.title_ru,
        title_kk=competition.title_kk,
        category=competition.category,
        kind=competition.kind,
        level=competition.level,
        region=competition.region,
        tie_tolerance=competition.tie_tolerance,
        min_competitors_for_medals=competition.min_competitors_for_medals,
        status=competition.status,
        scheme=tuple(competition.scheme),
        entrants=tuple(competition.entrants.values()),
        experts=tuple(competition.experts.values()),
        marks_entered=competition.marks_entered,
        published_formula=competition.published_formula,
        published_at=competition.published_at,
        reopen_count=competition.reopen_count,
        amendment_count=competition.amendment_count,
        signed_off=tuple(competition.signed_off.items()),
        people=tuple(n.uuids),
        aspects=tuple(n.aspects),
        values=tuple(n.decimals),
        measurements=tuple(measurements),
        judgements=tuple(judgements),
        mark_versions=tuple(mark_versions),
    )


def from_state(state: CompetitionState) -> Competition:
    """The aggregate with exactly this state, as if replayed from its events."""
    people, aspects, values = state.people, state.aspects, state.values
    m = state.measurements
    measurements = {
        (people[c], aspects[a]): (values[v], people[e])
        for c, a, v, e in zip(m[0::4], m[1::4], m[2::4], m[3::4], strict=True)
    }
    judgements: dict[tuple[UUID, str], dict[UUID, int]] = {}
    j, at = state.judgements, 0
    while at < len(j):
        end = at + 3 + 2 * j[at + 2]
        scores = j[at + 3 : end]
        judgements[(people[j[at]], aspects[j[at + 1]])] = {
            people[e]: score for e, score in zip(scores[0::2], scores[1::2], strict=True)
        }
        at = end
    experts = (*people, None)  # NONE (-1) is the last: None
    v = state.mark_versions
    mark_versions = {
        (people[c], aspects[a], experts[e]): version
        for c, a, e, version in zip(v[0::4], v[1::4], v[2::4], v[3::4], strict=True)
    }
    competition = object.__new__(Competition)
    competition.__dict__.update(
        {
            "_id": state.id,
            "_version": state.version,
            "_created_on": state.created_on,
            "_modified_on": state.modified_on,
            "_pending_events": [],
            "championship_id": state.championship_id,
            "code": state.code,
            "title_ru": state.title_ru,
            "title_kk": state.title_kk,
            "category": state.category,
            "kind": state.kind,
            "level": state.level,
            "region": state.region,
            "tie_tolerance": state.tie_tolerance,
            "min_competitors_for_medals": state.min_competitors_for_medals,
            "status": state.status,
            "scheme": state.scheme,
            "entrants": {e.participant_id: e for e in state.entrants},
            "experts": {e.account_id: e for e in state.experts},
            "measurements": measurements,
            "judgements": judgements,
            "mark_versions": mark_versions,
            "marks_entered": state.marks_entered,
            "published_formula": state.published_formula,
            "published_at": state.published_at,
            "reopen_count": state.reopen_count,
            "amendment_count": state.amendment_count,
            "signed_off": dict(state.signed_off),
        }
    )
    return competition


_encoder = msgspec.json.Encoder(decimal_format="string", uuid_format="canonical")
_decoder = msgspec.json.Decoder(CompetitionState)


def encode(state: CompetitionState) -> bytes:
    """The state as JSON (Decimals as strings: exact)."""
    return _encoder.encode(state)


def decode(data: bytes | str) -> CompetitionState:
    """A state from :func:`encode`'s JSON."""
    return _decoder.decode(data)
