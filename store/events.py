"""The one reader of the events table: bulk reads of the notification log and cheap
primary-key lookups.

Reading the notification log in bulk, fast.

The library's ``select_notifications`` builds a frozen dataclass and parses a UUID for every
row (about 9 µs a row on SQLite here). Followers and rebuilds read millions of rows, so this
reads the same table with one plain query and light named tuples, and parses each aggregate id
once (ids repeat: a competition has hundreds of events). The rows are exactly the library's
rows; ordering and ``> after`` semantics are the same.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID


class StoredNotification(NamedTuple):
    """One row of the notification log (the attributes the library's mapper reads)."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    #: the aggregate id in canonical text form (parsed once per aggregate)
    aggregate_key: str


class NotificationReader:
    """Plain SQL over the event store's table, ids parsed once per aggregate. The projector
    reads with :meth:`read`; ``projections.feed_lines.StoreReader`` adds the audit feed's
    filtered reads on the same table, columns and rows."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.backend = app.settings.backend
        self.sqlite = self.backend == "sqlite"
        self._ids: dict[Any, tuple[UUID, str]] = {}
        table = app.events_table
        if self.sqlite:
            self.table, self.pos, self.mark = table, "rowid", "?"
        else:
            self.table = f'"{app.settings.pg_schema}"."{table}"'
            self.pos, self.mark = "notification_id", "%s"
        #: the row shape every reader selects: (position, stored id, version, topic, state)
        self.columns = f"{self.pos}, originator_id, originator_version, topic, state"
        self.statement = (
            f"SELECT {self.columns} FROM {self.table} WHERE {self.pos} > {self.mark} "
            f"ORDER BY {self.pos} LIMIT {self.mark}"
        )

    def key(self, raw: Any) -> tuple[UUID, str]:
        """A stored id (hex text on SQLite, uuid on PostgreSQL) as a UUID and canonical text,
        parsed once per aggregate (ids repeat: a competition has thousands of events)."""
        cached = self._ids.get(raw)
        if cached is None:
            if len(self._ids) > 200_000:
                self._ids.clear()
            value = raw if isinstance(raw, UUID) else UUID(raw)
            cached = self._ids[raw] = (value, str(value))
        return cached

    _uuid = key

    def row(self, raw: tuple[Any, ...]) -> StoredNotification:
        """One raw row ``(position, stored id, version, topic, state)`` as a notification."""
        position, raw_id, version, topic, state = raw
        uuid, key = self.key(raw_id)
        return StoredNotification(position, uuid, version, topic, bytes(state), key)

    def read(self, after: int, limit: int) -> list[StoredNotification]:
        """Up to ``limit`` notifications with positions greater than ``after``, in order."""
        uuid = self._uuid
        with self.app.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.statement, (after, limit))
            rows = cursor.fetchall()
        sqlite = self.backend == "sqlite"
        result = []
        append = result.append
        for r in rows:
            if sqlite:
                position, raw_id, version, topic, state = r
            else:
                position, raw_id, version, topic, state = (
                    r["notification_id"],
                    r["originator_id"],
                    r["originator_version"],
                    r["topic"],
                    bytes(r["state"]),
                )
            originator, key = uuid(raw_id)
            append(StoredNotification(position, originator, version, topic, state, key))
        return result


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
