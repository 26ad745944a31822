"""The one reader of the events table: every query on the event store's table, for the
projector, the audit feed and histories, time travel, the seal chain, the audit commands and
the registry's own lookups. The table's qualified name, position column (SQLite's ``rowid``,
PostgreSQL's ``notification_id``) and placeholder are set up once (:class:`EventsTable`).

* :class:`EventReader` — bulk reads in position order: the projector's batches, the feed's
  filtered scans, one aggregate's events, rows at given positions, the seal chain's raw rows.
* :class:`RestoreWriter` — ``registry audit import`` writing an export back, positions and all.
* :class:`SQLiteReaders`, :class:`EventLookups` — primary-key lookups cheap enough for every
  request.
* :class:`EventStore` — what the read side needs of the application that owns the store (a
  protocol: ``projections/`` never imports ``registry/``).

Reading the notification log in bulk, fast. The library's ``select_notifications`` builds a
frozen dataclass and parses a UUID for every row (about 9 µs a row on SQLite here). Followers
and rebuilds read millions of rows, so this reads the same table with one plain query, plain
tuples and light named tuples, and parses each aggregate id once (ids repeat: a competition
has hundreds of events). The rows are exactly the library's rows; ordering and ``> after``
semantics are the same.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, NamedTuple, Protocol, Self
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.errors import DomainError
from store.settings import Settings

# --------------------------------------------------------------------- what the read side needs


class Datastore(Protocol):
    """A library datastore (``SQLiteDatastore``, ``PostgresDatastore``): a transaction
    yields a cursor; ``close`` is only ever called on one this module opened."""

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...

    def close(self) -> None: ...


class EventStore(Protocol):
    """What the read side (``projections/``, the audit commands, the benchmarks) needs of the
    application that owns the event store. ``registry.application.RegistryApplication``
    satisfies it structurally, so the read side never imports the write side."""

    #: where the store is (backend, SQLite file, PostgreSQL schema)
    settings: Settings
    #: stored events to domain events (``store.mapper.MsgspecMapper``); its ``cipher`` and
    #: ``compressor`` say whether stored state is plain JSON
    mapper: Mapper[UUID]
    #: aggregates at a version (the results views rebuild an evicted competition with it)
    repository: Repository[UUID]
    #: the library's recorder: its ``datastore`` (:func:`datastore_of`) and, on PostgreSQL,
    #: ``subscribe`` (LISTEN/NOTIFY)
    recorder: ApplicationRecorder
    #: the registry's clock (time travel refuses a moment after it)
    clock: Callable[[], datetime]

    @property
    def events_table(self) -> str:
        """The events table's name (unqualified)."""
        ...

    def head_position(self) -> int:
        """The last notification position (0: none)."""
        ...

    def on_recorded(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(position)`` after this process records events."""
        ...


def datastore_of(app: EventStore) -> Datastore:
    """The application's datastore (its connection pool): both of the library's recorders,
    SQLite and PostgreSQL, keep one, though the recorders' common type does not say so."""
    datastore: Datastore = app.recorder.datastore  # type: ignore[attr-defined]
    return datastore


def postgres_datastore(
    settings: Settings, *, pool_size: int, max_overflow: int, **options: Any
) -> Datastore:
    """A datastore on the PostgreSQL database and schema of ``settings`` (the views' and the
    seal verifier's own connections; the event store's come from the library's factory)."""
    from eventsourcing.postgres import PostgresDatastore

    return PostgresDatastore(
        **settings.pg_datastore(),
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_timeout=settings.pg_pool_timeout,  # the pool's wait for a connection
        **options,
    )


def own_datastore(settings: Settings, sqlite_path: str | None) -> Datastore:
    """A plain datastore (one connection) on the store of ``settings``: the SQLite file at
    ``sqlite_path`` (the events' or the views'), or the PostgreSQL schema."""
    if settings.backend == "sqlite":
        from eventsourcing.sqlite import SQLiteDatastore

        assert sqlite_path is not None
        return SQLiteDatastore(sqlite_path, lock_timeout=30, pool_size=1, max_overflow=1)
    return postgres_datastore(settings, pool_size=1, max_overflow=1)


def tuple_cursor(cursor: Any, sqlite: bool) -> Any:
    """Plain tuples from this cursor: no ``sqlite3.Row`` or dict per row."""
    if sqlite:
        cursor.row_factory = None
    else:
        from psycopg.rows import tuple_row

        cursor.row_factory = tuple_row  # the pool's connections default to dicts
    return cursor


# --------------------------------------------------------------------- the events table


class StoredNotification(NamedTuple):
    """One row of the notification log (the attributes the library's mapper reads)."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    #: the aggregate id in canonical text form (parsed once per aggregate)
    aggregate_key: str


#: A raw row, as every read selects it: ``(position, stored id, version, topic, state)``; the
#: stored id is hex text on SQLite and a uuid on PostgreSQL.
RawRow = tuple[Any, ...]


class EventsTable:
    """The events table ``table`` of one store: its qualified name (``table``), position
    column (``pos``), placeholder (``mark``) and the columns every read selects, set up once
    for the queries of the classes below."""

    def __init__(self, settings: Settings, datastore: Datastore, table: str) -> None:
        self.settings = settings
        self.datastore = datastore
        #: the unqualified name (the library's)
        self.name = table
        self.sqlite = settings.backend == "sqlite"
        if self.sqlite:
            self.table, self.pos, self.mark = table, "rowid", "?"
        else:
            self.table = f'"{settings.pg_schema}"."{table}"'
            self.pos, self.mark = "notification_id", "%s"
        #: the row shape every read selects: (position, stored id, version, topic, state)
        self.columns = f"{self.pos}, originator_id, originator_version, topic, state"

    @classmethod
    def of(cls, app: EventStore) -> Self:
        """On the application's own connections."""
        return cls(app.settings, datastore_of(app), app.events_table)

    @classmethod
    def connect(cls, settings: Settings, table: str) -> Self:
        """With a connection of its own (a worker process: no application, so nothing is
        created or written); :meth:`close` it."""
        return cls(settings, own_datastore(settings, settings.sqlite_path), table)

    def close(self) -> None:
        """Close the connection of :meth:`connect` (never the application's)."""
        self.datastore.close()

    def fetch(self, statement: str, params: Sequence[Any]) -> list[RawRow]:
        """The rows of one statement as plain tuples: on SQLite in a read transaction of its
        own; on PostgreSQL in autocommit (one statement sees one snapshot), so one round
        trip instead of three (BEGIN, the statement, ROLLBACK)."""
        opened = (
            self.datastore.transaction(commit=False) if self.sqlite else self.datastore.cursor()
        )
        with opened as cursor:
            tuple_cursor(cursor, self.sqlite)
            cursor.execute(statement, tuple(params))
            return list(cursor.fetchall())

    def select(self, where: Sequence[str], tail: str, columns: str | None = None) -> str:
        """``SELECT columns FROM table [WHERE a AND b ...] tail``."""
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"SELECT {columns or self.columns} FROM {self.table}{clause} {tail}"

    def span(self, after: int | None, upto: int | None, params: list[Any]) -> list[str]:
        """The conditions ``after < position <= upto`` (None: unbounded); their values are
        appended to ``params``."""
        where = []
        if after is not None:
            where.append(f"{self.pos} > {self.mark}")
            params.append(after)
        if upto is not None:
            where.append(f"{self.pos} <= {self.mark}")
            params.append(upto)
        return where

    def topics(self, topics: Sequence[str], params: list[Any]) -> list[str]:
        """The condition "one of these topics" (none when ``topics`` is empty)."""
        if not topics:
            return []
        if self.sqlite:
            params.extend(topics)
            return [f"topic IN ({', '.join('?' for _ in topics)})"]
        params.append(list(topics))
        return ["topic = ANY(%s)"]

    def id_param(self, value: UUID) -> Any:
        """An aggregate id as the table stores it (hex text on SQLite, uuid on PostgreSQL)."""
        return value.hex if self.sqlite else value


#: aggregate ids an :class:`EventReader` keeps parsed (then it starts afresh): enough for
#: the competitions marked at the same time (whose events repeat) and bounded for a history
#: of a million events (tens of thousands of aggregates, each created once)
KEYS_KEPT = 16_384


class EventReader(EventsTable):
    """Reads of the events table in position order (one aggregate's: in version order), each
    its own short transaction, so a slow client never holds a connection between batches.
    Reads answer raw rows (:data:`RawRow`); :meth:`rows` makes notifications of them, each
    aggregate id parsed once."""

    def __init__(self, settings: Settings, datastore: Datastore, table: str) -> None:
        super().__init__(settings, datastore, table)
        self._ids: dict[Any, tuple[UUID, str]] = {}
        self._next = self.select([f"{self.pos} > {self.mark}"], self._in_order_limited)
        # The seal hashes ids as bytes: PostgreSQL sends them so (``uuid_send``), unparsed.
        binary = getattr(datastore, "originator_id_type", "uuid") == "uuid"
        oid = "uuid_send(originator_id)" if binary and not self.sqlite else "originator_id"
        #: the columns of a seal chain's rows (:meth:`chain_rows`), for a reader of its own
        self.chain_columns = f"{self.pos}, {oid}, originator_version, topic, state"

    @property
    def _in_order_limited(self) -> str:
        return f"ORDER BY {self.pos} LIMIT {self.mark}"

    # ------------------------------------------------------------------ notifications

    def key(self, raw: Any) -> tuple[UUID, str]:
        """A stored id (hex text on SQLite, uuid on PostgreSQL) as a UUID and canonical text,
        parsed once per aggregate (ids repeat: a competition has thousands of events)."""
        cached = self._ids.get(raw)
        if cached is None:
            if len(self._ids) > KEYS_KEPT:
                self._ids.clear()
            value = raw if isinstance(raw, UUID) else UUID(raw)
            cached = self._ids[raw] = (value, str(value))
        return cached

    def row(self, raw: RawRow) -> StoredNotification:
        """One raw row as a notification."""
        position, raw_id, version, topic, state = raw
        uuid, key = self.key(raw_id)
        return StoredNotification(position, uuid, version, topic, bytes(state), key)

    def rows(self, raws: Iterable[RawRow]) -> list[StoredNotification]:
        """Raw rows as notifications."""
        return self._notifications(raws, as_stored=False)

    def _notifications(
        self, raws: Iterable[RawRow], *, as_stored: bool
    ) -> list[StoredNotification]:
        key = self.key
        result = []
        append = result.append
        for position, raw_id, version, topic, state in raws:
            originator, text = key(raw_id)
            if not as_stored:
                state = bytes(state)
            append(StoredNotification(position, originator, version, topic, state, text))
        return result

    def read(self, after: int, limit: int) -> list[StoredNotification]:
        """The projector's batch: up to ``limit`` notifications with positions greater than
        ``after``, in order. SQLite's state is passed on as stored (an edit outside the
        registry may have left text there: the seal view then stops at it as malformed)."""
        return self._notifications(self.fetch(self._next, (after, limit)), as_stored=self.sqlite)

    # ------------------------------------------------------------------ raw rows

    def scan(self, after: int, upto: int, limit: int, topics: Sequence[str] = ()) -> list[RawRow]:
        """Rows with ``after < position <= upto`` (of the given topics), in position order."""
        params: list[Any] = []
        where = self.span(after, upto, params) + self.topics(topics, params)
        return self.fetch(self.select(where, self._in_order_limited), [*params, limit])

    def aggregate(
        self,
        aggregate_id: UUID,
        *,
        after: int = 0,
        upto: int | None = None,
        after_version: int = 0,
        limit: int | None = None,
        topics: Sequence[str] = (),
    ) -> list[RawRow]:
        """One aggregate's rows after ``after_version`` in version order (= position order),
        by the table's primary key."""
        m = self.mark
        params: list[Any] = [self.id_param(aggregate_id), after_version]
        where = [f"originator_id = {m}", f"originator_version > {m}"]
        where += self.span(after, upto, params) + self.topics(topics, params)
        tail = "ORDER BY originator_version"
        if limit is not None:
            tail += f" LIMIT {m}"
            params.append(limit)
        return self.fetch(self.select(where, tail), params)

    def firsts(self, aggregate_ids: Sequence[UUID]) -> list[RawRow]:
        """The first event (version 1) of each of these aggregates that has one, by the
        table's primary key, in one query (names read from creation events)."""
        if not aggregate_ids:
            return []
        if self.sqlite:
            marks = ", ".join("?" for _ in aggregate_ids)
            where, params = f"originator_id IN ({marks})", [i.hex for i in aggregate_ids]
        else:
            where, params = "originator_id = ANY(%s)", [list(aggregate_ids)]
        statement = self.select([where, "originator_version = 1"], f"ORDER BY {self.pos}")
        return self.fetch(statement, params)

    def positions(self, positions: Sequence[int]) -> list[RawRow]:
        """The rows at these positions, in position order."""
        if not positions:
            return []
        if self.sqlite:
            where, params = f"rowid IN ({', '.join('?' for _ in positions)})", list(positions)
        else:
            where, params = "notification_id = ANY(%s)", [list(positions)]
        return self.fetch(self.select([where], f"ORDER BY {self.pos}"), params)

    def chain_rows(self, after: int | None, limit: int, until: int | None = None) -> list[RawRow]:
        """The seal chain's rows: up to ``limit`` with ``after < position <= until`` (None:
        unbounded; unlike the projector's reads this starts below position 1, where an
        edit can put a row), in position order, nothing parsed or decoded. The stored id is
        hex text on SQLite, its 16 bytes on PostgreSQL."""
        params: list[Any] = []
        where = self.span(after, until, params)
        statement = self.select(where, self._in_order_limited, self.chain_columns)
        rows = self.fetch(statement, [*params, limit])
        if not self.sqlite:
            rows = [r if type(r[4]) is bytes else (*r[:4], _as_bytes(r[4])) for r in rows]
        return rows


def _as_bytes(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview | bytearray) else value


class RestoreWriter(EventsTable):
    """``registry audit import``: stored rows written back exactly — positions included —
    into an empty events table, inside the caller's transaction (a ``cursor`` of
    :attr:`datastore`, so the settings, pool and schema are the application's)."""

    def lock_and_count(self, cursor: Any) -> int:
        """Take the writers' lock (held until the transaction ends), then count the events."""
        if self.sqlite:
            cursor.execute(f"DELETE FROM {self.table} WHERE 0")  # the write lock, first
            cursor.execute(f"SELECT COUNT(*) FROM {self.table}")
            return int(cursor.fetchone()[0])
        cursor.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")
        cursor.execute(f"SELECT COUNT(*) AS n FROM {self.table}")
        return int(cursor.fetchone()["n"])

    def insert(self, cursor: Any, rows: Sequence[tuple[int, UUID, int, str, bytes]]) -> None:
        """Rows ``(position, aggregate id, version, topic, state)``, exactly."""
        if not rows:
            return
        m = self.mark
        values: Sequence[tuple[Any, ...]] = rows
        if self.sqlite:
            values = [(p, i.hex, v, t, s) for p, i, v, t, s in rows]
        cursor.executemany(
            f"INSERT INTO {self.table} ({self.columns}) VALUES ({m}, {m}, {m}, {m}, {m})", values
        )

    def finish(self, cursor: Any, last_position: int | None) -> None:
        """PostgreSQL: the position sequence continues after the last restored position
        (SQLite's rowid does so by itself), and followers are woken."""
        if self.sqlite or last_position is None:
            return
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)",
            (self.table, last_position),
        )
        # the channel the library's recorder LISTENs on (its ``channel_name``)
        cursor.execute(f'NOTIFY "{self.name.replace(".", "_")}"')


# ------------------------------------------------------------------ primary-key lookups

# Lookups by primary key in a local SQLite file, cheap enough for every request. The library's
# pool and transaction cost about eight times such a lookup; a connection of its own per
# thread, in autocommit mode, is a WAL reader that no writer ever blocks.


class SQLiteReaders:
    """One autocommit connection per thread to the SQLite file at ``path``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def one(self, statement: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of ``statement`` (the statement runs to its end, so no read
        transaction is left open)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._local.connection = connection
        row: tuple[Any, ...] | None = connection.execute(statement, params).fetchone()
        return row

    def close(self) -> None:
        """Close the calling thread's connection (the others close with their threads)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


class EventLookups(EventsTable):
    """The registry's lookups on the events table by primary key, cheap enough for every
    request: the number of events, an aggregate's newest version, the position of one event.
    SQLite: per-thread readers of the file (``SQLiteReaders``); PostgreSQL: a transaction of
    the library's ``datastore``."""

    def __init__(self, settings: Settings, datastore: Datastore, table: str) -> None:
        super().__init__(settings, datastore, table)
        self._readers = SQLiteReaders(str(settings.sqlite_path)) if self.sqlite else None

    def _one(self, statement: str, params: Sequence[Any] = ()) -> RawRow | None:
        """The first row of ``statement``."""
        if self._readers is not None:
            return self._readers.one(statement, params)
        rows = self.fetch(statement, params)
        return rows[0] if rows else None

    def count(self) -> int:
        row = self._one(f"SELECT COUNT(*) FROM {self.table}")
        assert row is not None
        return int(row[0])

    def stored_version(self, aggregate_id: UUID) -> int:
        """The newest version of an aggregate in the store (0: none): one lookup in the
        events' primary key, without decoding anything — cheap enough for every request."""
        row = self._one(
            f"SELECT MAX(originator_version) FROM {self.table} WHERE originator_id = {self.mark}",
            (self.id_param(aggregate_id),),
        )
        return int(row[0] or 0) if row else 0

    def stored_versions(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, int]:
        """:meth:`stored_version` of several aggregates in one lookup (the requests of one
        moment checking their tokens: ``api.coalesce``); an id with no event is left out."""
        if not aggregate_ids:
            return {}
        params: list[Any]
        if self.sqlite:
            params = [i.hex for i in aggregate_ids]
            where = f"originator_id IN ({', '.join('?' for _ in params)})"
        else:
            params, where = [list(aggregate_ids)], "originator_id = ANY(%s)"
        rows = self.fetch(
            f"SELECT originator_id, MAX(originator_version) FROM {self.table} "
            f"WHERE {where} GROUP BY originator_id",
            params,
        )
        return {_uuid(key): int(version) for key, version in rows}

    def position_of(self, aggregate_id: UUID, version: int) -> int:
        """The notification position of one stored event of an aggregate."""
        m = self.mark
        row = self._one(
            f"SELECT {self.pos} FROM {self.table} "
            f"WHERE originator_id = {m} AND originator_version = {m}",
            (self.id_param(aggregate_id), version),
        )
        if row is None:  # pragma: no cover - the event was just read from the store
            raise DomainError(
                "not-found",
                "event %(id)s v%(version)s is not stored",
                params={"id": aggregate_id, "version": version},
            )
        return int(row[0])

    def close(self) -> None:
        """Close the calling thread's SQLite reader (PostgreSQL: the datastore's pool is the
        application's to close)."""
        if self._readers is not None:
            self._readers.close()


def _uuid(value: UUID | str) -> UUID:
    """An aggregate id as read from the table (uuid on PostgreSQL, hex text on SQLite)."""
    return value if isinstance(value, UUID) else UUID(value)
