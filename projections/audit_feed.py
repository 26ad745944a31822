"""The audit feed: its NDJSON lines, made in one place for ``GET /api/v1/audit/events`` and
for ``registry audit export``, and the aggregate histories of
``GET /api/v1/audit/aggregates/{id}``. Rows come from the one reader of the events table
(``store.events.EventReader``).

A line is one stored event as JSON, in position order::

    {"position": 42, "time": "2025-05-12T04:00:14.000000Z",
     "actor": {"id": "…", "name": "Эксперт …"}, "type": "registry.Competition.MarksEntered",
     "aggregate_id": "…", "version": 14, "data": {…}}

* ``type`` is the event's stored topic, exactly (``registry.<Aggregate>.<Event>``): topics are
  explicit and stable, so the name an auditor filters on never moves with the code.
* ``time`` is the event's own timestamp in UTC, fixed width with microseconds (the audit
  index's form, so text order is time order).
* ``data`` is every field of the event as the current code stores it (times, decimals, ids
  as strings; ``timestamp`` and ``actor`` included; ``class_version`` for event classes past
  version 1). Events stored in the current shape are spliced in as their stored JSON, never
  decoded; events stored in an older shape are decoded, upcast and encoded again, so a
  reader only ever sees the current shape.
* ``actor.name`` is the account's name (accounts are aggregates; names are looked up once
  per reader, :class:`CreatedNames`), ``"system"`` / ``"prize policy"`` for the registry's
  own actors, else null.

Export lines carry one more field, ``state``: the stored bytes exactly as stored (base64;
still encrypted or compressed if the store is), which is what ``registry audit import``
writes back — with the position, ``aggregate_id``, ``version`` and ``type`` (the topic).

Memory is constant whatever the history's length: rows are read in batches of a few
thousand and each batch becomes one chunk of bytes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain import ids
from domain.account import Account
from domain.aggregates import AGGREGATES
from domain.participant import Participant
from projections.store import ViewStore
from store.events import EventReader, EventStore, RawRow, StoredNotification, tuple_cursor
from store.mapper import codec_for, encode_state

BATCH = 2_000
#: an index lookup answers at most this many positions per query
INDEX_BATCH = 1_000

_json = msgspec.json.Encoder()


class FeedError(ValueError):
    """A parameter of the feed cannot be used; the message says why (a 400 answer).

    ``template`` is an English msgid with ``%(name)s`` placeholders filled from ``params``
    (the API translates it, catalog domain ``problems``); ``message`` is the English text.
    """

    def __init__(self, field: str, template: str, /, **params: Any) -> None:
        message = template % params if params else template
        super().__init__(f"{field}: {message}")
        self.field = field
        self.template = template
        self.params = params
        self.message = message


# ---------------------------------------------------------------------- types


def known_topics() -> frozenset[str]:
    """Every event topic the domain defines (the values ``type`` can take)."""
    topics = set()
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event):
                topic = get_topic(value)
                if not topic.endswith(".Event"):  # the abstract bases are never stored
                    topics.add(topic)
    return frozenset(topics)


def resolve_types(values: Iterable[str]) -> tuple[str, ...]:
    """The topics that ``type`` values name.

    A value is a full topic (``registry.Competition.MarksEntered``), the topic without the
    ``registry.`` prefix (``Competition.MarksEntered``) or just the event's name
    (``MarksEntered``; ``Created`` names the creation of every kind of aggregate). Several
    values (repeated, or comma-separated) select any of them. A value naming no event is an
    error rather than an empty feed: a typo must not look like "nothing happened".
    """
    topics = known_topics()
    chosen: set[str] = set()
    for raw in values:
        for value in (v.strip() for v in raw.split(",")):
            if not value:
                continue
            if value in topics:
                chosen.add(value)
            elif f"registry.{value}" in topics:
                chosen.add(f"registry.{value}")
            else:
                matches = {t for t in topics if t.endswith("." + value)}
                if not matches:
                    raise FeedError(
                        "type",
                        "%(value)r names no event; e.g. MarksEntered, "
                        "Competition.MarkAmended or registry.Account.Created",
                        value=value,
                    )
                chosen |= matches
    return tuple(sorted(chosen))


# ---------------------------------------------------------------------- times


def normalise_time(text: str) -> str:
    """A stored timestamp as fixed-width UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    if text.endswith("Z"):
        if len(text) == 27:
            return text
        if len(text) == 20:  # stored without microseconds
            return text[:19] + ".000000Z"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:  # never written by our mapper; read as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_moment(value: str, field: str) -> datetime:
    """A client's ISO 8601 time; it must carry an offset (``Z`` or ``+05:00``): a bare local
    time would be read differently in Oskemen and in the data centre."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FeedError(
            field,
            "%(value)r is not an ISO 8601 time (e.g. 2025-05-12T10:00:00+05:00)",
            value=value,
        ) from None
    if moment.tzinfo is None:
        raise FeedError(field, "%(value)r has no UTC offset (add Z or e.g. +05:00)", value=value)
    return moment.astimezone(UTC)


def time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------------- filters


class FeedFilter(msgspec.Struct, frozen=True):
    """What a feed selects. ``since`` is inclusive, ``until`` exclusive (UTC texts)."""

    aggregate_id: UUID | None = None
    actor: UUID | None = None
    types: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None


class _Head(msgspec.Struct):
    """The fields every stored event has, read from its stored JSON without a typed decode."""

    timestamp: str
    actor: str = ""
    reason: str | None = None
    class_version: int = 1


_head = msgspec.json.Decoder(_Head).decode


#: One stored event, as stored (``id`` is its position).
Row = StoredNotification


# ---------------------------------------------------------------------- actor names


#: Actors that are the registry itself, not accounts (``domain.ids.PSEUDO_ACTORS``).
PSEUDO_ACTORS: dict[str, str] = {str(key): short for key, (short, _) in ids.PSEUDO_ACTORS.items()}


class CreatedNames:
    """Names by aggregate id, each read once from the ``field`` of the aggregate's creation
    event (``topic``); None for an id that is not such an aggregate.

    Names never change (no event renames an account or an organisation), so a reader keeps
    what it has looked up for as long as it lives (one request, one export, one application).
    """

    def __init__(
        self,
        app: EventStore,
        topic: str,
        field: str,
        reader: EventReader | None = None,
        known: dict[str, str | None] | None = None,
    ) -> None:
        self.app = app
        self.reader = reader or EventReader.of(app)
        self.topic = topic
        self.field = field
        self._names: dict[str, str | None] = dict(known or {})
        mapper = app.mapper
        #: whether the stored JSON cannot be read as it is: compressed or encrypted at rest,
        #: or stored by an older version of the event class (it may need upcasting)
        self._opaque = bool(mapper.cipher or mapper.compressor)
        self._opaque |= codec_for(topic).class_version > 1
        named = msgspec.defstruct("Named", [(field, str)])
        self._decode = msgspec.json.Decoder(named).decode

    def name(self, key: str) -> str | None:
        if key in self._names:
            return self._names[key]
        try:
            rows = self.reader.rows(self.reader.aggregate(UUID(key), limit=1))
        except ValueError:
            rows = []
        name = self._names[key] = self._name_in(rows[0] if rows else None)
        return name

    def prefetch(self, keys: Iterable[str]) -> None:
        """Look the names of ``keys`` not known yet up together, in one query (a page of
        rows naming a few organisations: one round trip to the database, not one each)."""
        wanted: dict[str, UUID] = {}
        for key in keys:
            if key in self._names or key in wanted:
                continue
            try:
                wanted[key] = UUID(key)
            except ValueError:
                self._names[key] = None
        if len(wanted) < 2:
            return  # name() looks one up as cheaply
        found = {
            row.aggregate_key: row
            for row in self.reader.rows(self.reader.firsts(list(wanted.values())))
        }
        for key, value in wanted.items():
            self._names[key] = self._name_in(found.get(str(value)))

    def _name_in(self, row: Row | None) -> str | None:
        """The name in a creation event's row (None: no row, or not of this topic)."""
        if row is None or row.topic != self.topic:
            return None
        if self._opaque:
            event = self.app.mapper.to_domain_event(_stored(row))
        else:
            event = self._decode(row.state)
        name: str = getattr(event, self.field)
        return name


class ActorNames(CreatedNames):
    """Account names by id (and the registry's own actors' names)."""

    def __init__(self, app: EventStore, reader: EventReader | None = None) -> None:
        super().__init__(app, Account.Created.TOPIC, "name", reader, dict(PSEUDO_ACTORS))
        self._json: dict[str, bytes] = {}

    def json(self, actor: str) -> bytes:
        """``{"id": ..., "name": ...}`` encoded."""
        encoded = self._json.get(actor)
        if encoded is None:
            encoded = self._json[actor] = _json.encode({"id": actor, "name": self.name(actor)})
        return encoded


def _stored(row: Row) -> StoredEvent:
    return StoredEvent(
        originator_id=row.originator_id,
        originator_version=row.originator_version,
        topic=row.topic,
        state=row.state,
    )


# ---------------------------------------------------------------------- lines


class Decoded(NamedTuple):
    """What a line needs from one row."""

    time: str
    actor: str
    reason: str | None
    #: the event's data in the current shape, as JSON
    data: bytes


class LineMaker:
    """Rows → feed lines (bytes), with the actor names and topic texts cached."""

    def __init__(
        self,
        app: EventStore,
        reader: EventReader | None = None,
        *,
        export: bool = False,
        fast: bool = True,
    ) -> None:
        self.app = app
        self.reader = reader or EventReader.of(app)
        self.names = ActorNames(app, self.reader)
        self.export = export
        mapper = app.mapper
        self.cipher, self.compressor = mapper.cipher, mapper.compressor
        #: whether the stored bytes are plain JSON we may read the head from directly
        self.fast = fast and not (self.cipher or self.compressor)
        self._versions: dict[str, int] = {}
        self._topics: dict[str, bytes] = {}
        self._actors: dict[bytes, bytes] = {}
        self._keys: dict[Any, bytes] = {}
        #: topics whose event class is past version 1: stored events may need upcasting
        self._versioned = frozenset(t for t in known_topics() if self._current_version(t) > 1)

    def plain(self, state: bytes) -> bytes:
        """The stored JSON of a state (decrypted and decompressed when the store is)."""
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        return state

    def _current_version(self, topic: str) -> int:
        version = self._versions.get(topic)
        if version is None:
            try:
                version = codec_for(topic).class_version
            except Exception:  # a topic this code does not know: shown as stored
                version = 1
            self._versions[topic] = version
        return version

    def decode(self, row: Row) -> Decoded:
        plain = self.plain(row.state)
        head = _head(plain)
        data = plain
        if head.class_version < self._current_version(row.topic):
            # Stored in an older shape: decode (which upcasts) and store it again, in memory.
            data = encode_state(self.app.mapper.to_domain_event(_stored(row)))
        return Decoded(normalise_time(head.timestamp), head.actor, head.reason, data)

    def topic_json(self, topic: str) -> bytes:
        encoded = self._topics.get(topic)
        if encoded is None:
            encoded = self._topics[topic] = _json.encode(topic)
        return encoded

    def head(self, raw: RawRow) -> tuple[bytes, bytes, bytes]:
        """``(time, actor, data)`` of a raw row as bytes: ``time`` normalised, ``data`` the
        event's JSON in the current shape.

        The fast path reads the time and the actor straight from the stored bytes: the mapper
        writes ``vars(event)`` in field order, so every stored event starts with
        ``{"timestamp":"…"`` and has ``"actor":"<36 characters>"`` before any field of its
        own (only ``originator_topic`` can come between). Anything else — an encrypted or
        compressed store, a topic whose class is past version 1 (it may need upcasting), a
        time with another offset — takes the general path (:meth:`decode`). Both give the
        same bytes (the tests compare them over whole histories).
        """
        topic, state = raw[3], raw[4]
        if self.fast and topic not in self._versioned and state[:14] == b'{"timestamp":"':
            end = state.find(b'"', 14)
            stamp = state[14:end]
            at = state.find(b'"actor":"', end, end + 160)
            if at > 0 and state[at + 45 : at + 46] == b'"' and stamp[-1:] == b"Z":
                if len(stamp) == 27:
                    return stamp, state[at + 9 : at + 45], state
                if len(stamp) == 20:
                    return stamp[:19] + b".000000Z", state[at + 9 : at + 45], state
        decoded = self.decode(self.reader.row(raw))
        return decoded.time.encode(), decoded.actor.encode(), decoded.data

    def prefetch_actors(self, rows: Sequence[RawRow]) -> None:
        """Look the names of the actors of ``rows`` up together (one query for a batch, not
        one per account: a round trip each on PostgreSQL)."""
        actors = set(self._actors_of(rows)).difference(self._actors)
        names = self.names
        names.prefetch(actor.decode() for actor in actors)
        for actor in actors:
            self._actors[actor] = names.json(actor.decode())

    def _actors_of(self, rows: Sequence[RawRow]) -> Iterator[bytes]:
        """The actor of each row, as :meth:`head` finds it (only the actor: cheaper)."""
        head, versioned, fast = self.head, self._versioned, self.fast
        for raw in rows:
            state = raw[4]
            if fast and raw[3] not in versioned and state[:14] == b'{"timestamp":"':
                at = state.find(b'"actor":"', 14, 220)
                if at > 0 and state[at + 45 : at + 46] == b'"':
                    yield state[at + 9 : at + 45]
                    continue
            yield head(raw)[1]

    def actor_json(self, actor: bytes) -> bytes:
        encoded = self._actors.get(actor)
        if encoded is None:
            encoded = self._actors[actor] = self.names.json(actor.decode())
        return encoded

    def line(self, raw: RawRow, time: bytes, actor: bytes, data: bytes) -> bytes:
        """One NDJSON line (with ``state`` when exporting).

        What :func:`withhold` withholds is withheld from ``data`` (an export still carries
        the stored bytes, in ``state``, for an exact restore)."""
        position, raw_id, version, topic, state = raw
        data = withhold(topic, data)
        key = self._keys.get(raw_id)
        if key is None:
            if len(self._keys) > 100_000:  # bounded, like the reader's own cache
                self._keys.clear()
            key = self._keys[raw_id] = self.reader.key(raw_id)[1].encode()
        line = LINE % (
            position,
            time,
            self.actor_json(actor),
            self.topic_json(topic),
            key,
            version,
            data,
        )
        if self.export:
            return line[:-2] + b',"state":"' + base64.b64encode(state) + b'"}\n'
        return line


_TOKEN_HASH = re.compile(rb'"token_hash":"[^"]*"')
#: a person's sensitive fields (RULES.md): clear in events stored before issue 13, sealed after
_PERSONAL = re.compile(rb'"(born_on|disability|sealed)":(?:null|"(?:[^"\\]|\\.)*")')
#: topic -> (pattern, replacement): one dict lookup per feed line, most topics miss
_WITHHELD: dict[str, tuple[re.Pattern[bytes], bytes]] = {
    Account.Created.TOPIC: (_TOKEN_HASH, b'"token_hash":"withheld"'),
    Account.TokenRotated.TOPIC: (_TOKEN_HASH, b'"token_hash":"withheld"'),
    Participant.Created.TOPIC: (_PERSONAL, rb'"\1":"withheld"'),
}


def withhold(topic: str, data: bytes) -> bytes:
    """An event's ``data`` as the feed and the histories show it, to every reader.

    * A bearer token's hash: an auditor learns that a token was issued or rotated, by whom
      and when, never a value to test guesses against.
    * A person's birth date, disability and sealed fields (``Participant.Created``), always
      ``"withheld"``, null or not (a null would tell who has no disability): RULES.md keeps
      them from admins, who read this feed, and an erasure must hide the clear fields of
      events stored before sealing, which the feed cannot know of row by row. Organisers and
      auditors read them, opened and erasure-aware, at ``GET /api/v1/participants/{id}``.
    """
    rule = _WITHHELD.get(topic)
    return data if rule is None else rule[0].sub(rule[1], data)


LINE = (
    b'{"position":%d,"time":"%b","actor":%b,"type":%b,"aggregate_id":"%b","version":%d,"data":%b}\n'
)


class Feed:
    """The audit feed of one request (or one export): position order, from ``after`` up to
    ``head`` (the head when the request began), at most ``limit`` lines, filtered.

    How each filter is answered:

    * ``aggregate_id``: the event store's primary key (originator id, version) — exact and
      current, whatever the views' lag;
    * ``actor``: the audit index (``v_audit``, indexed by actor and position) for the
      positions the audit view has processed, then a scan of the store for the rest; the
      index finds one person's few acts among millions of events without reading the others;
    * ``type``: ``topic IN (...)`` in the store's SQL, so other events are never decoded;
    * ``since``/``until``: the stored timestamp of each row read (and in the index query when
      the index is used). Positions are only roughly in time order (each process stamps its
      own events), so a time range cannot be turned into a position range.

    Every row is checked against every filter before it becomes a line, so the index can
    only make the feed faster, never different.
    """

    def __init__(
        self,
        app: EventStore,
        *,
        head: int,
        after: int = 0,
        limit: int | None = None,
        selected: FeedFilter | None = None,
        views: ViewStore | None = None,
        export: bool = False,
        batch: int = BATCH,
        observe: Callable[[Row], None] | None = None,
        fast: bool = True,
    ) -> None:
        self.app = app
        self.head = head
        self.after = after
        self.limit = limit
        self.selected = selected or FeedFilter()
        self.views = views
        self.batch = batch
        #: called with every row that becomes a line (the export hashes the seal chain)
        self.observe = observe
        self.reader = EventReader.of(app)
        self.maker = LineMaker(app, self.reader, export=export, fast=fast)
        #: position of the last row read (a resumable cursor, for progress bars)
        self.position = after
        self.lines = 0

    # ------------------------------------------------------------------ row sources

    def _aggregate_rows(self) -> Iterator[list[RawRow]]:
        selected = self.selected
        assert selected.aggregate_id is not None
        after = self.after
        while True:
            rows = self.reader.aggregate(
                selected.aggregate_id,
                after=after,
                upto=self.head,
                limit=self.batch,
                topics=selected.types,
            )
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def _scan_rows(self, after: int) -> Iterator[list[RawRow]]:
        reader, head = self.reader, self.head
        if reader.sqlite:
            while after < head:
                rows = reader.scan(after, head, self.batch, self.selected.types)
                if not rows:
                    return
                yield rows
                after = rows[-1][0]
            return
        # PostgreSQL: ``position > after`` alone, the rows past the head dropped here. With
        # ``position <= head`` as well, the planner (which cannot tell how many positions
        # the range holds: a table not analysed yet estimates a few hundred) reads the whole
        # rest of the range, sorts it and keeps a batch — every batch again: 45 ms a batch
        # of 2,000 at 60,000 events to go, against 1.7 ms along the position index.
        # The rows come in binary (the state's bytes as they are, not in hex: half the
        # bytes to send and no hex to decode) and the aggregate id as text (no UUID object
        # made per row; ``EventReader.key`` parses each id once): 1.8 x the rows per second.
        params: list[Any] = []
        where = reader.span(after, None, params) + reader.topics(self.selected.types, params)
        columns = f"{reader.pos}, originator_id::text, originator_version, topic, state"
        statement = reader.select(where, f"ORDER BY {reader.pos} LIMIT {reader.mark}", columns)
        datastore = reader.datastore

        def fetch(values: list[Any]) -> list[RawRow]:
            with datastore.transaction(commit=False) as cursor:
                tuple_cursor(cursor, False)
                cursor.execute(statement, values, binary=True)
                return list(cursor.fetchall())

        while after < head:
            params[0] = after  # span's first value
            rows = fetch([*params, self.batch])
            if rows and rows[-1][0] > head:  # written since the request began
                rows = [row for row in rows if row[0] <= head]
                if rows:
                    yield rows
                return
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def _index_position(self) -> int:
        if self.views is None:
            return 0
        try:
            return int(self.views.position("audit"))
        except Exception:  # no audit view here: the store answers alone
            return 0

    def _index_rows(self, indexed: int) -> Iterator[list[RawRow]]:
        """Rows the audit index names (positions up to ``indexed``), in position order."""
        selected, views = self.selected, self.views
        assert views is not None
        table = views.table("v_audit")
        after = self.after
        while after < indexed:
            where = ["position > ?", "position <= ?", "actor = ?"]
            params: list[Any] = [after, indexed, str(selected.actor)]
            if selected.types:
                where.append(f"type IN ({', '.join('?' for _ in selected.types)})")
                params.extend(selected.types)
            if selected.since is not None:
                where.append("time >= ?")
                params.append(selected.since)
            if selected.until is not None:
                where.append("time < ?")
                params.append(selected.until)
            params.append(INDEX_BATCH)
            found = views.fetchall(
                f"SELECT position FROM {table} WHERE {' AND '.join(where)} "
                "ORDER BY position LIMIT ?",
                tuple(params),
            )
            positions = [int(r["position"]) for r in found]
            if not positions:
                return
            yield self.reader.positions(positions)
            if len(positions) < INDEX_BATCH:
                return
            after = positions[-1]

    def _rows(self) -> Iterator[list[RawRow]]:
        selected = self.selected
        if selected.aggregate_id is not None:
            yield from self._aggregate_rows()
            return
        if selected.actor is not None:
            indexed = min(self._index_position(), self.head)
            if indexed > self.after:
                yield from self._index_rows(indexed)
                yield from self._scan_rows(indexed)
                return
        yield from self._scan_rows(self.after)

    # ------------------------------------------------------------------ lines

    def chunks(self) -> Iterator[bytes]:
        """The feed as chunks of NDJSON (one chunk per batch read; none when empty)."""
        selected, maker = self.selected, self.maker
        actor = str(selected.actor).encode() if selected.actor is not None else None
        since = selected.since.encode() if selected.since is not None else None
        until = selected.until.encode() if selected.until is not None else None
        remaining = self.limit
        head, line, observe, row_of = maker.head, maker.line, self.observe, self.reader.row
        known = maker._actors.__contains__  # actors whose JSON is made
        for rows in self._rows():
            out = []
            append = out.append
            for index, raw in enumerate(rows):
                time, who, data = head(raw)
                if (
                    (actor is not None and who != actor)
                    or (since is not None and time < since)
                    or (until is not None and time >= until)
                ):
                    continue
                if not known(who):  # the names of the rest of the batch, in one query
                    maker.prefetch_actors(rows[index:])
                append(line(raw, time, who, data))
                if observe is not None:
                    observe(row_of(raw))
                if remaining is not None:
                    remaining -= 1
                    if remaining == 0:
                        break
            self.position = rows[-1][0] if remaining != 0 else raw[0]
            self.lines += len(out)
            if out:
                yield b"".join(out)
            if remaining == 0:
                return


# ---------------------------------------------------------------------- histories


class ActorRef(msgspec.Struct, frozen=True):
    id: str
    name: str | None


class HistoryEvent(msgspec.Struct, frozen=True):
    """One event of an aggregate's history (``data`` as in the feed)."""

    position: int
    time: str
    actor: ActorRef
    type: str
    version: int
    reason: str | None
    data: msgspec.Raw


class AggregateHistory(msgspec.Struct, frozen=True):
    aggregate_id: UUID
    #: the aggregate's topic, e.g. ``registry.Competition``
    aggregate_type: str
    version: int
    events: list[HistoryEvent]


def aggregate_type(topic: str) -> str:
    """``registry.Competition.MarksEntered`` → ``registry.Competition``."""
    return topic.rsplit(".", 1)[0]


def aggregate_history(app: EventStore, aggregate_id: UUID) -> AggregateHistory | None:
    """Every event of one aggregate in version order, or None when it has none."""
    reader = EventReader.of(app)
    maker = LineMaker(app, reader)
    events: list[HistoryEvent] = []
    after_version = 0
    while True:
        rows = reader.rows(reader.aggregate(aggregate_id, after_version=after_version, limit=BATCH))
        for row in rows:
            decoded = maker.decode(row)
            events.append(
                HistoryEvent(
                    position=row.id,
                    time=decoded.time,
                    actor=ActorRef(decoded.actor, maker.names.name(decoded.actor)),
                    type=row.topic,
                    version=row.originator_version,
                    reason=decoded.reason,
                    data=msgspec.Raw(withhold(row.topic, decoded.data)),
                )
            )
        if len(rows) < BATCH:
            break
        after_version = rows[-1].originator_version
    if not events:
        return None
    return AggregateHistory(
        aggregate_id=aggregate_id,
        aggregate_type=aggregate_type(events[0].type),
        version=events[-1].version,
        events=events,
    )
