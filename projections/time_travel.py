"""Time travel: a competition exactly as it was at a past position or time, its standings then,
what changed between two moments, and every value each mark ever had.

The state at a moment is the domain's own ``Competition`` aggregate replayed from its stored
events up to that moment, and standings come from ``domain.standings.standings`` — the
function the live views call — so a past answer is computed by the same rules as the live
one, and at the head the two are equal (the tests compare their JSON).

Moments (``as_of``):

* a **position** ``N``: every event of the competition at a position ``<= N``; the answer's
  ``as_of_position`` is ``N`` itself (the standings held from the competition's last event
  before ``N`` until its next one, so they are exact "as of N"). A position beyond the head
  is refused: the future is not known yet.
* a **time** (ISO 8601 with an offset): the events stamped at or before it — precisely, the
  longest run of the competition's versions whose timestamps are all ``<= T`` (events of
  one aggregate are recorded in version order; should clocks ever disagree, a later version
  never slips in before an earlier one). ``as_of_position`` is then the position of the last
  event included. A time in the future (by the registry's clock) is refused.

Speed. A replay of a competition with 10,000 marks costs 130-300 ms here (reading, typed
decoding and applying every event), against targets of 50 ms for the first request of a
process and 10 ms after. So a moment is found from the results view's **checkpoints**
(``projections/moments.py``: the competition's whole state every ``CHECKPOINT_EVERY``
versions, with the position and the latest timestamp up to it): the nearest checkpoint at or
before the moment, and the events after it, fewer than ``CHECKPOINT_EVERY``, read by
primary-key range (:class:`History`, :class:`Segment`). Each process keeps the segments it
has read — a checkpoint's decoded state and the events up to the next checkpoint — in an LRU
of bounded size (``SEGMENT_BUDGET``); a moment then costs a copy of that state, the events up
to the moment and the standings. Where the views have no checkpoint yet (the projector
behind, a store older than the checkpoints), the segment simply starts further back: the
answer is the same.

:class:`Timeline` (every event of a competition, decoded) serves what needs the whole history:
the diff of two moments lists the events between them, and every value of every mark.
"""

from __future__ import annotations

import bisect
import copy
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple, TypeVar
from uuid import UUID

import msgspec

from domain.amendments import AmendmentPreview
from domain.competition import Competition
from domain.organisation import Organisation
from domain.standings import Standings, standings
from domain.values import AspectType
from projections import models
from projections.audit_feed import (
    ActorNames,
    CreatedNames,
    FeedError,
    parse_moment,
    time_text,
)
from projections.moments import Checkpoints, Mark, micros
from projections.queries import standings_from_state
from projections.store import ViewStore
from store.events import EventReader, EventStore, StoredNotification

CACHE_SIZE = 8
#: what the segments kept by a process (of every competition) may hold, in marks of their
#: states plus twice their events: about 400 bytes each, so about 100 MB (every segment of
#: two competitions of 10,000 marks one per event: 39 segments of 2 MB on average each)
SEGMENT_BUDGET = 250_000
CHECKPOINT_EVERY = 500
#: the standings of the moments asked last, by competition and version, kept by a process
#: (a few KB each): a competition's state at a version never changes, since events are never
#: edited, so neither do its standings — a moment asked again skips their computation (8 of
#: 12 ms at 10,000 marks when every competitor's total changed since the checkpoint)
STANDINGS_KEPT = 64
_READ_BATCH = 5_000


class AsOf(NamedTuple):
    """A moment: a notification position, or a time (UTC)."""

    position: int | None = None
    moment: datetime | None = None

    def describe(self) -> str:
        if self.position is not None:
            return f"position {self.position}"
        assert self.moment is not None
        return time_text(self.moment)


def parse_as_of(value: str, field: str = "as_of") -> AsOf:
    """``<position>`` (digits) or ``<ISO 8601 time with an offset>``; else :class:`FeedError`."""
    text = value.strip()
    if text.isdigit():
        if len(text) > 18:
            raise FeedError(field, "%(text)s is not a notification position", text=text)
        return AsOf(position=int(text))
    if not text:
        raise FeedError(field, "give a notification position or an ISO 8601 time")
    return AsOf(moment=parse_moment(text, field))


class NotYet(FeedError):
    """A moment beyond what the store knows (a position past the head, a future time)."""


class Timeline:
    """The decoded events of one competition, with what finds a moment among them."""

    def __init__(self, competition_id: UUID) -> None:
        self.competition_id = competition_id
        self.lock = threading.Lock()
        self.events: list[Any] = []
        self.positions: list[int] = []
        #: running maximum of the timestamps: bisecting it finds the longest prefix <= T
        self.latest: list[datetime] = []
        #: version -> state after that version (never mutated: copied before use)
        self.checkpoints: dict[int, Competition] = {}
        self.head: Competition | None = None
        self.published = False

    @property
    def version(self) -> int:
        return len(self.events)

    def extend(self, rows: Sequence[StoredNotification], events: Sequence[Any]) -> None:
        for row, event in zip(rows, events, strict=True):
            self.head = event.mutate(None if self.head is None else self.head)
            self.events.append(event)
            self.positions.append(row.id)
            stamp = event.timestamp
            self.latest.append(max(stamp, self.latest[-1]) if self.latest else stamp)
            if isinstance(event, Competition.Published):
                self.published = True
            if event.originator_version % CHECKPOINT_EVERY == 0:
                self.checkpoints[event.originator_version] = copy.deepcopy(self.head)

    def cut(self, as_of: AsOf) -> int:
        """How many of the events (= the version) the moment includes; 0: none yet."""
        if as_of.position is not None:
            return bisect.bisect_right(self.positions, as_of.position)
        assert as_of.moment is not None
        return bisect.bisect_right(self.latest, as_of.moment)

    def state(self, version: int) -> Competition:
        """A private copy of the competition at ``version`` (1 .. self.version)."""
        assert 1 <= version <= self.version
        with self.lock:
            if version == self.version and self.head is not None:
                return copy.deepcopy(self.head)
            base = version - version % CHECKPOINT_EVERY
            start = self.checkpoints.get(base)
        competition = copy.deepcopy(start) if start is not None else None
        for event in self.events[base if start is not None else 0 : version]:
            competition = event.mutate(competition)
        assert competition is not None
        return competition


class Segment:
    """A competition from one checkpoint on (or from its creation): the state at the
    checkpoint and the decoded events after it, up to the next checkpoint (``end``) or, for
    the last segment, as far as read."""

    def __init__(self, base: Mark | None, state: Competition | None, end: int | None) -> None:
        #: the checkpoint (None: the competition's creation, version 0)
        self.base = base
        self.version0 = base.version if base is not None else 0
        #: the state at the checkpoint, never changed: copied for every moment
        self.state = state
        #: the version of the next checkpoint (None: none yet)
        self.end = end
        self.lock = threading.Lock()
        self.events: list[Any] = []
        self.positions: list[int] = []
        #: latest timestamp up to each event (microseconds), from the checkpoint's on
        self.latest: list[int] = []
        #: whether :attr:`state` holds every entrant's result
        self.results_known = False

    @property
    def version(self) -> int:
        return self.version0 + len(self.events)

    @property
    def weight(self) -> int:
        """What it holds (:data:`SEGMENT_BUDGET`): the marks of its state, its events."""
        marks = len(self.state.mark_versions) if self.state is not None else 0
        return marks + 2 * len(self.events)

    @property
    def complete(self) -> bool:
        return self.end is not None and self.version >= self.end

    def extend(self, rows: Sequence[StoredNotification], events: Sequence[Any]) -> None:
        latest = self.latest[-1] if self.latest else self.base.latest if self.base else None
        for row, event in zip(rows, events, strict=True):
            stamp = micros(event.timestamp)
            latest = stamp if latest is None or stamp > latest else latest
            self.events.append(event)
            self.positions.append(row.id)
            self.latest.append(latest)

    def cut(self, as_of: AsOf) -> int:
        """How many of the events the moment includes."""
        if as_of.position is not None:
            return bisect.bisect_right(self.positions, as_of.position)
        assert as_of.moment is not None
        return bisect.bisect_right(self.latest, micros(as_of.moment))

    def competition(self, count: int) -> Competition:
        """A private copy of the competition after the first ``count`` events.

        The state at the checkpoint holds every entrant's result (``Competition.results``,
        computed on its first use), so that a copy recomputes only the competitors whose
        marks the events up to the moment changed (as the live view does after a mark).
        Computed on the first use, not the second: the first request of a segment pays for
        it (once more for the competitors changed since, when every competitor was: 3.5 ms
        at 10,000 marks, within the cold goal), not the next one (within the warm goal)."""
        with self.lock:
            if not self.results_known and self.state is not None:
                self.state.results()
                self.results_known = True
            competition = copy.deepcopy(self.state) if self.state is not None else None
        for event in self.events[:count]:
            competition = event.mutate(competition)
        assert competition is not None
        return competition


class History:
    """What time travel knows of one competition: its checkpoints (their versions,
    positions and latest timestamps, not their states) and whether it has been published
    (the live visibility rules ask; as :attr:`Timeline.published`)."""

    def __init__(self, competition_id: UUID) -> None:
        self.competition_id = competition_id
        self.lock = threading.Lock()
        self.marks: list[Mark] = []
        self.published = False
        #: whether the id is known to be a competition's
        self.known = False

    def beyond(self, as_of: AsOf) -> bool:
        """Whether a checkpoint written since the last one known could be at or before the
        moment (checkpoints only ever follow, with positions and latest times no lower)."""
        if not self.marks:
            return True
        last = self.marks[-1]
        if as_of.position is not None:
            return as_of.position > last.position
        assert as_of.moment is not None
        return micros(as_of.moment) >= last.latest

    def base(self, as_of: AsOf) -> int:
        """How many checkpoints are at or before the moment (the last of them is the one
        to start from)."""
        if as_of.position is not None:
            position = as_of.position
            return bisect.bisect_right(self.marks, position, key=lambda m: m.position)
        assert as_of.moment is not None
        return bisect.bisect_right(self.marks, micros(as_of.moment), key=lambda m: m.latest)


class Moment(NamedTuple):
    """A competition at a moment."""

    competition: Competition
    version: int
    #: the answer's ``as_of_position`` (see the module's docstring)
    as_of_position: int
    #: the position and time of the competition's last event included
    position: int
    time: datetime


class TimeTravel:
    """Time travel over one registry's store (one per application: see :func:`for_app`)."""

    def __init__(
        self,
        app: EventStore,
        store: ViewStore | None = None,
        *,
        cache_size: int = CACHE_SIZE,
        segment_budget: int = SEGMENT_BUDGET,
    ) -> None:
        self.app = app
        self.reader = EventReader.of(app)
        self.cache_size = cache_size
        #: the results view's checkpoints (None: no views here; every moment is replayed
        #: from the competition's creation)
        self.checkpoints = Checkpoints(store) if store is not None else None
        self.segment_budget = segment_budget
        self._timelines: OrderedDict[UUID, Timeline] = OrderedDict()
        self._histories: OrderedDict[UUID, History] = OrderedDict()
        self._segments: OrderedDict[tuple[UUID, int], Segment] = OrderedDict()
        self._standings: OrderedDict[tuple[UUID, int], Standings] = OrderedDict()
        self._lock = threading.Lock()

    def use_views(self, store: ViewStore) -> None:
        """Read the checkpoints of these views (if none were given when this was made)."""
        if self.checkpoints is None:
            self.checkpoints = Checkpoints(store)

    # ------------------------------------------------------------------ moments

    def history(self, competition_id: UUID) -> History | None:
        """The competition's checkpoints as far as the views have written them, and whether
        it has been published; None when the id is not a competition's."""
        with self._lock:
            history = self._histories.get(competition_id)
            if history is None:
                history = self._histories[competition_id] = History(competition_id)
                while len(self._histories) > self.cache_size:
                    self._histories.popitem(last=False)
            else:
                self._histories.move_to_end(competition_id)
        reader = self.reader
        with history.lock:
            if history.known and history.published:
                return history  # both settled for good; new checkpoints: see moment()
            self._new_marks(history)
            if not history.known and not history.marks:
                first = reader.aggregate(competition_id, limit=1)
                if not first or first[0][3] != Competition.Created.TOPIC:
                    with self._lock:
                        self._histories.pop(competition_id, None)
                    return None
            history.known = True
            if not history.published:
                mark = history.marks[-1] if history.marks else None
                history.published = (mark is not None and mark.published) or bool(
                    reader.aggregate(
                        competition_id,
                        after_version=mark.version if mark is not None else 0,
                        topics=(Competition.Published.TOPIC,),
                        limit=1,
                    )
                )
        return history

    def _new_marks(self, history: History) -> None:
        """Add the checkpoints the views have written since (under ``history.lock``)."""
        if self.checkpoints is not None:
            last = history.marks[-1].version if history.marks else 0
            history.marks += self.checkpoints.marks(history.competition_id, after_version=last)

    def moment(self, history: History, as_of: AsOf) -> Moment | None:
        """The competition at ``as_of`` (checked: :meth:`check`), or None when it did not
        exist yet: from the nearest checkpoint at or before it."""
        with history.lock:
            if history.beyond(as_of):
                self._new_marks(history)
            marks = history.marks
            index = history.base(as_of)
            base = marks[index - 1] if index else None
            end = marks[index].version if index < len(marks) else None
        segment = self._segment(history, base, end)
        if segment is None:  # the views lost that checkpoint (a rebuild): start afresh
            with history.lock:
                history.marks = []
            segment = self._segment(history, None, None)
            assert segment is not None
        count = segment.cut(as_of)
        version = segment.version0 + count
        if version == 0:
            return None
        if count:
            position, time = segment.positions[count - 1], segment.events[count - 1].timestamp
            competition = segment.competition(count)
        else:
            assert segment.base is not None and segment.state is not None
            position, time = segment.base.position, segment.state.modified_on
            competition = segment.competition(0)
        return Moment(
            competition=competition,
            version=version,
            as_of_position=as_of.position if as_of.position is not None else position,
            position=position,
            time=time,
        )

    def _segment(self, history: History, base: Mark | None, end: int | None) -> Segment | None:
        """The segment from ``base`` (None: from creation), brought up to ``end`` (or, the
        last one, to the head); None when the views no longer hold that checkpoint."""
        competition_id = history.competition_id
        key = (competition_id, base.version if base is not None else 0)
        with self._lock:
            segment = self._segments.get(key)
            if segment is not None:
                self._segments.move_to_end(key)
        if segment is not None and segment.complete:
            return segment
        if segment is None:
            state = None
            if base is not None:
                assert self.checkpoints is not None
                state = self.checkpoints.state(competition_id, base.version)
                if state is None:
                    return None
            segment = Segment(base, state, end)
            with self._lock:
                segment = self._segments.setdefault(key, segment)
        to_domain_event = self.app.mapper.to_domain_event
        with segment.lock:
            if end is not None:
                segment.end = end
            while not segment.complete:
                wanted = _READ_BATCH if segment.end is None else segment.end - segment.version
                rows = self.reader.rows(
                    self.reader.aggregate(
                        competition_id,
                        after_version=segment.version,
                        limit=min(wanted, _READ_BATCH),
                    )
                )
                segment.extend(rows, [to_domain_event(row) for row in rows])
                if len(rows) < min(wanted, _READ_BATCH):
                    break
        with self._lock:  # the least recently used go, down to the budget (never this one)
            held = sum(s.weight for s in self._segments.values())
            while held > self.segment_budget and len(self._segments) > 1:
                oldest = next(iter(self._segments))
                if oldest == key:
                    self._segments.move_to_end(key)
                    continue
                held -= self._segments.pop(oldest).weight
        return segment

    # ------------------------------------------------------------------ whole histories

    def timeline(self, competition_id: UUID) -> Timeline | None:
        """The competition's events up to now, or None when it is not a competition."""
        with self._lock:
            timeline = self._timelines.get(competition_id)
            if timeline is None:
                timeline = self._timelines[competition_id] = Timeline(competition_id)
                while len(self._timelines) > self.cache_size:
                    self._timelines.popitem(last=False)
            else:
                self._timelines.move_to_end(competition_id)
        to_domain_event = self.app.mapper.to_domain_event
        with timeline.lock:
            while True:
                rows = self.reader.rows(
                    self.reader.aggregate(
                        competition_id, after_version=timeline.version, limit=_READ_BATCH
                    )
                )
                if not rows:
                    break
                if timeline.version == 0 and rows[0].topic != Competition.Created.TOPIC:
                    with self._lock:
                        self._timelines.pop(competition_id, None)
                    return None
                timeline.extend(rows, [to_domain_event(row) for row in rows])
                if len(rows) < _READ_BATCH:
                    break
        if timeline.version == 0:
            with self._lock:
                self._timelines.pop(competition_id, None)
            return None
        return timeline

    def check(self, as_of: AsOf, field: str = "as_of") -> None:
        """Refuse a moment the store cannot know yet (:class:`NotYet`)."""
        if as_of.position is not None:
            head = self.app.head_position()
            if as_of.position > head:
                raise NotYet(
                    field,
                    "position %(position)s is beyond the head (%(head)s)",
                    position=as_of.position,
                    head=head,
                )
        else:
            assert as_of.moment is not None
            now = self.app.clock()
            if as_of.moment > now:
                raise NotYet(
                    field,
                    "%(moment)s is in the future (now %(now)s)",
                    moment=time_text(as_of.moment),
                    now=time_text(now),
                )

    def standings(self, moment: Moment) -> Standings:
        """The standings of the competition at ``moment`` (``domain.standings``), computed
        once per competition and version among the last :data:`STANDINGS_KEPT` asked."""
        key = (moment.competition.id, moment.version)
        with self._lock:
            kept = self._standings.get(key)
            if kept is not None:
                self._standings.move_to_end(key)
                return kept
        result = standings(moment.competition)
        with self._lock:
            self._standings[key] = result
            while len(self._standings) > STANDINGS_KEPT:
                self._standings.popitem(last=False)
        return result

    def at(self, timeline: Timeline | History, as_of: AsOf) -> Moment | None:
        """The competition at ``as_of``, or None when it did not exist yet."""
        if isinstance(timeline, History):
            return self.moment(timeline, as_of)
        version = timeline.cut(as_of)
        if version == 0:
            return None
        position = timeline.positions[version - 1]
        return Moment(
            competition=timeline.state(version),
            version=version,
            as_of_position=as_of.position if as_of.position is not None else position,
            position=position,
            time=timeline.events[version - 1].timestamp,
        )


T = TypeVar("T")
_shared_lock = threading.Lock()


def _shared(
    instances: weakref.WeakKeyDictionary[EventStore, T], app: EventStore, make: Callable[[], T]
) -> T:
    """The application's one instance in ``instances`` (made on first use, shared by every
    request, gone with the application)."""
    with _shared_lock:
        instance = instances.get(app)
        if instance is None:
            instance = instances[app] = make()
        return instance


_instances: weakref.WeakKeyDictionary[EventStore, TimeTravel] = weakref.WeakKeyDictionary()


def for_app(app: EventStore, store: ViewStore | None = None) -> TimeTravel:
    """The application's :class:`TimeTravel` (its cache is shared by every request), reading
    the checkpoints of the views in ``store`` once one is given."""
    travel = _shared(_instances, app, lambda: TimeTravel(app, store))
    if store is not None:
        travel.use_views(store)
    return travel


# ---------------------------------------------------------------------- answers


#: an organisation's names by the field of its creation event (``name_ru``, ``name_kk``)
_org_names: dict[str, weakref.WeakKeyDictionary[EventStore, CreatedNames]] = {
    "name_ru": weakref.WeakKeyDictionary(),
    "name_kk": weakref.WeakKeyDictionary(),
}


def organisation_names(
    app: EventStore,
    prefetch: Iterable[UUID] = (),
    field: Literal["name_ru", "name_kk"] = "name_ru",
) -> Callable[[UUID], str]:
    """Organisation names from the store (an organisation is never renamed), in Russian
    (``field="name_kk"``: in Kazakh); blank for an unknown id, as the views show it. The
    names of ``prefetch`` are looked up together."""
    names = _shared(
        _org_names[field], app, lambda: CreatedNames(app, Organisation.Created.TOPIC, field)
    )
    names.prefetch(str(organisation_id) for organisation_id in prefetch)
    return lambda organisation_id: names.name(str(organisation_id)) or ""


def standings_at(
    app: EventStore, moment: Moment, travel: TimeTravel | None = None
) -> models.StandingsOut:
    """The standings answer (the live answer's Struct) of a competition at a moment; with
    ``travel`` (the one that found the moment), its standings as it keeps them."""
    ids = [e.organisation_id for e in moment.competition.entrants.values()]
    return standings_from_state(
        moment.competition,
        standings(moment.competition) if travel is None else travel.standings(moment),
        as_of_position=moment.as_of_position,
        organisation_name=organisation_names(app, ids),
        organisation_name_kk=organisation_names(app, ids, "name_kk"),
    )


#: what a standings diff compares: rank, total, scaled score, medal, medallion
_RESULT = models.RowState.__struct_fields__


def _row_state(row: models.StandingRow) -> models.RowState:
    return models.RowState(**{field: getattr(row, field) for field in _RESULT})


def _moment_out(moment: Moment | None, as_of: AsOf | None = None) -> models.MomentOut:
    if moment is None:  # before the competition existed
        position = as_of.position if as_of is not None and as_of.position is not None else 0
        return models.MomentOut(
            as_of_position=position, position=0, time=None, version=0, status=None
        )
    return models.MomentOut(
        as_of_position=moment.as_of_position,
        position=moment.position,
        time=time_text(moment.time),
        version=moment.version,
        status=str(moment.competition.status),
    )


def diff(
    app: EventStore,
    timeline: Timeline,
    before: Moment | None,
    after: Moment,
    since: AsOf | None = None,
) -> models.StandingsDiff:
    """What changed in the standings between two moments, and the events that did it.
    ``before`` None: from before the competition existed (``since`` is that moment), so every
    competitor is new and every event up to ``after`` is listed."""
    changes = row_changes(
        standings_at(app, before).rows if before else [], standings_at(app, after).rows
    )
    names = ActorNames(app)
    first = before.version if before is not None else 0
    events = [
        _event_ref(event, timeline.positions[index], names)
        for index, event in enumerate(timeline.events[first : after.version], start=first)
    ]
    return models.StandingsDiff(
        competition_id=timeline.competition_id,
        from_=_moment_out(before, since),
        to=_moment_out(after),
        changes=changes,
        events=events,
    )


def row_changes(
    before: Sequence[models.StandingRow], after: Sequence[models.StandingRow]
) -> list[models.RowChange]:
    """The competitors whose rank, total, scaled score, medal or medallion differ between
    two standings (a diff of two moments, an amendment's preview)."""
    old = {r.competitor_id: r for r in before}
    new = {r.competitor_id: r for r in after}
    changes = []
    for competitor_id in [*new, *(c for c in old if c not in new)]:
        was, now = old.get(competitor_id), new.get(competitor_id)
        changed = [
            f for f in _RESULT if was is None or now is None or getattr(was, f) != getattr(now, f)
        ]
        if changed:
            shown = now or was
            assert shown is not None
            changes.append(
                models.RowChange(
                    competitor_id=competitor_id,
                    full_name=shown.full_name,
                    changed=changed,
                    before=_row_state(was) if was else None,
                    after=_row_state(now) if now else None,
                )
            )
    return changes


def amendment_preview(
    app: EventStore, preview: AmendmentPreview, position: int
) -> models.AmendmentPreviewOut:
    """The answer of an amendment's preview (``domain.amendments``): the rows it would
    change, as a standings diff shows them, and the prize entries it would move; the
    standings of both states pass through the views' conversions (``standings_from_state``)."""
    names, names_kk = organisation_names(app), organisation_names(app, field="name_kk")

    def rows(state: Competition) -> list[models.StandingRow]:
        return standings_from_state(
            state,
            standings(state),
            as_of_position=position,
            organisation_name=names,
            organisation_name_kk=names_kk,
        ).rows

    return models.AmendmentPreviewOut(
        competition_id=preview.before.id,
        as_of_position=position,
        mark=models.PreviewMark(
            competitor_id=preview.competitor_id,
            aspect_id=preview.aspect_id,
            expert_id=preview.expert_id,
            previous=str(preview.previous),
            value=str(preview.value),
        ),
        changes=row_changes(rows(preview.before), rows(preview.after)),
        prize_entries=[
            models.EntryChangeOut(**msgspec.structs.asdict(entry)) for entry in preview.entries
        ],
    )


def _recorded(event: Any, position: int, names: ActorNames) -> dict[str, Any]:
    """Where, when, by whom and why ``event`` was recorded: the fields an event reference
    and a mark's change share."""
    return {
        "position": position,
        "time": time_text(event.timestamp),
        "version": event.originator_version,
        "actor": models.ActorOut(id=event.actor, name=names.name(str(event.actor))),
        "reason": getattr(event, "reason", None),
    }


def _event_ref(event: Any, position: int, names: ActorNames) -> models.EventRef:
    return models.EventRef(type=type(event).TOPIC, **_recorded(event, position, names))


_MARK_KINDS: dict[type, str] = {
    Competition.MarksEntered: "entered",
    Competition.MarkCorrected: "corrected",
    Competition.MarkAmended: "amended",
}


def marks_history(
    app: EventStore, timeline: Timeline, expert_id: UUID | None = None
) -> models.CompetitionMarks:
    """Every mark of a competition with every value it ever had, oldest first: entered,
    corrected (during marking, with a reason), amended (after publication, with a reason).
    ``expert_id``: only the marks that expert holds (an expert reading their own)."""
    names = ActorNames(app)
    head = timeline.state(timeline.version)
    history: dict[tuple[UUID, str, UUID], list[models.MarkChange]] = {}
    for index, event in enumerate(timeline.events):
        kind = _MARK_KINDS.get(type(event))
        if kind is None:
            continue
        recorded = _recorded(event, timeline.positions[index], names)
        marks = event.marks if kind == "entered" else (event.mark,)
        previous = None if kind == "entered" else str(event.previous)
        for mark in marks:
            if expert_id is not None and mark.expert_id != expert_id:
                continue
            history.setdefault((mark.competitor_id, mark.aspect_id, mark.expert_id), []).append(
                models.MarkChange(value=str(mark.value), kind=kind, previous=previous, **recorded)
            )
    order_competitor = {c: i for i, c in enumerate(head.entrants)}
    order_aspect = {a.id: i for i, a in enumerate(head.scheme)}
    aspects = {a.id: a for a in head.scheme}
    experts = head.experts
    rows = []
    for (competitor_id, aspect_id, expert_id), values in sorted(
        history.items(),
        key=lambda item: (
            order_competitor.get(item[0][0], len(order_competitor)),
            order_aspect.get(item[0][1], len(order_aspect)),
            experts[item[0][2]].name if item[0][2] in experts else str(item[0][2]),
        ),
    ):
        aspect = aspects.get(aspect_id)
        entrant = head.entrants.get(competitor_id)
        expert = experts.get(expert_id)
        rows.append(
            models.MarkHistory(
                competitor_id=competitor_id,
                full_name=entrant.full_name if entrant else "",
                aspect_id=aspect_id,
                criterion=aspect.criterion if aspect else "",
                aspect_type=str(aspect.type) if aspect else str(AspectType.MEASUREMENT),
                expert_id=expert_id,
                expert_name=expert.name if expert else names.name(str(expert_id)),
                value=values[-1].value,
                values=values,
            )
        )
    return models.CompetitionMarks(
        competition_id=timeline.competition_id,
        status=str(head.status),
        version=timeline.version,
        as_of_position=timeline.positions[-1],
        marks=rows,
    )
