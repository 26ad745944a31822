"""The seal chain itself (DESIGN.md "Projections", issue 6): its definition, the fast code that
computes it, and the seal view that records it — one definition shared by the sealing
follower, the verifier (``projections.seal.verify``), checkpoints and backup/restore.

``h[0]`` is :data:`GENESIS`, 32 zero bytes; ``h[n] = sha256(h[n-1] ‖ canonical bytes of stored
event n)`` over every stored event in position order. The canonical bytes of a stored event
(:func:`canonical_bytes`) are independent of the database (SQLite keeps ids as hex text,
PostgreSQL as uuid): the position (8 bytes, big-endian), the aggregate id (16 bytes), the
aggregate version (8 bytes, big-endian), the topic's length (4 bytes) and UTF-8 bytes, then
the stored state exactly as stored.

* :class:`SealProjection` — a view like the others: it follows the store and records the seal
  of every stored event, ``v_seal(position, hash)``, in the same transaction as its tracking
  position (exactly once, crash-safe). It reads the stored bytes only (no decoding), so it
  seals exactly what is stored.
* :class:`_Chainer` — the tight loop: one ``sha256`` per event over ``h ‖ struct-packed head ‖
  topic ‖ state``, aggregate ids and topics encoded once each. It is byte for byte
  :func:`canonical_bytes` + :func:`next_hash` — checked when this module is imported and by
  the tests, which recompute the seal table with those functions literally.
* :func:`chain_head` — the chain over the stored events alone, up to a position (what a
  checkpoint signs and is checked against).
* :class:`_SealReader` — the recorded seals, read in bulk as plain tuples.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, ClassVar
from uuid import UUID

import msgspec

from projections.base import Item, ProjectionError, ViewProjection
from projections.store import ViewStore, views_sqlite_path
from store.events import (
    Datastore,
    EventReader,
    EventStore,
    RawRow,
    StoredNotification,
    own_datastore,
    tuple_cursor,
)
from store.settings import Settings

GENESIS = bytes(32)
SEAL_TABLE = "v_seal"
_HEAD = struct.Struct(">q16sq")  # position, aggregate id, version: canonical_bytes' first 32
#: (position, aggregate id as text, version, topic, state) of a StoredNotification
_STORED_ROW = itemgetter(0, 5, 2, 3, 4)
_POSITION = itemgetter(0)
#: rows per read when chaining or verifying
BATCH = 10_000
#: ``>= MIN_POSITION`` covers every position a row can have (SQLite rowids may be 0 or negative)
MIN_POSITION = -(2**63)


def canonical_bytes(
    position: int, originator_id: UUID, originator_version: int, topic: str, state: bytes
) -> bytes:
    encoded_topic = topic.encode()
    return b"".join(
        (
            position.to_bytes(8, "big", signed=True),
            originator_id.bytes,
            originator_version.to_bytes(8, "big", signed=True),
            len(encoded_topic).to_bytes(4, "big"),
            encoded_topic,
            bytes(state),
        )
    )


def next_hash(previous: bytes, canonical: bytes) -> bytes:
    """``sha256(previous ‖ canonical)``."""
    return hashlib.sha256(previous + canonical).digest()


# --------------------------------------------------------------------------- the seal view


class SealMismatch(ProjectionError):
    """The seal view disagrees with the stored history: sealing stops instead of
    continuing (or replacing) a chain over a changed history."""

    def __init__(self, message: str, position: int) -> None:
        RuntimeError.__init__(self, message)
        self.position = position


class SealProjection(ViewProjection):
    """``v_seal``: the seal of every stored event, written with the tracking position.

    A batch is chained in one tight loop (:class:`_Chainer`, the same code the verifier
    runs) and written in one transaction with the tracking position. The chain continues
    from the last seal in the table, which must be the seal of the tracked position: if
    the table was changed behind the follower's back, it stops (:class:`SealMismatch`)
    instead of extending a chain it cannot vouch for.
    """

    name = "seal"
    NEEDS_EVENTS = False
    TABLES: ClassVar[dict[str, str]] = {
        # hash: lowercase hex of h[position]
        SEAL_TABLE: "position {BIGINT_PK}, hash TEXT NOT NULL",
    }

    def setup(self) -> None:
        #: (position, hash) of the last seal, loaded from the table on first use
        self._head: tuple[int, bytes] | None = None
        self._chainer = _Chainer()

    def clear_pending(self) -> None:
        self.rows: list[tuple[int, str]] = []

    def reset_cache(self) -> None:
        self._head = None

    def _checked_head(self, start: int, first: StoredNotification) -> tuple[int, bytes]:
        head = self._head
        if head is None:
            row = self.store.fetchone(
                f"SELECT position, hash FROM {self.t(SEAL_TABLE)} ORDER BY position DESC LIMIT 1"
            )
            head = (
                (0, GENESIS) if row is None else (int(row["position"]), bytes.fromhex(row["hash"]))
            )
            if head[0] != start:
                error = SealMismatch(
                    f"the seal table ends at position {head[0]} but the seal view has processed "
                    f"position {start}: the seal table was changed outside the registry; "
                    "run `registry audit verify`",
                    first.id,
                )
                raise ProjectionError(self.name, first, error) from error
            self._head = head
        return head

    def process(self, items: Sequence[Item], start: int) -> int:
        """Seal ``items`` (all after ``start``) and record their last position, atomically."""
        if not items:
            return start
        head = self._checked_head(start, items[0][0])
        notifications = [n for n, _ in items]
        if type(notifications[0]) is StoredNotification:  # the projector's reader's rows
            rows = list(map(_STORED_ROW, notifications))  # ids as text: cheap to cache
        else:
            rows = [
                (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in notifications
            ]
        digests, problem = self._chainer.chain(rows, head[1])
        if problem is not None:
            self.reset_cache()
            bad = items[len(digests)][0]
            raise ProjectionError(self.name, bad, problem) from None
        end = rows[-1][0]
        self.rows = list(zip(map(_POSITION, rows), map(bytes.hex, digests), strict=True))
        self.commit(start, end)
        self._head = (end, digests[-1])
        return end

    def apply(self, notification: StoredNotification, event: Any) -> None:
        """One event (``process`` seals whole batches the same way, faster)."""
        head = self._head
        if head is None:
            head = self._checked_head(self.position(), notification)
        row = (
            notification.id,
            notification.originator_id,
            notification.originator_version,
            notification.topic,
            notification.state,
        )
        [digest] = self._chainer.links([row], head[1])
        self._head = (notification.id, digest)
        self.rows.append((notification.id, digest.hex()))

    def write(self, cursor: Any) -> None:
        if self.store.backend == "postgres" and self.rows:
            # One statement for the batch (row-by-row inserts cost ~25 µs each there), its
            # two columns sent as array literals: integers and hex digits need no quoting,
            # and psycopg would otherwise inspect every element.
            positions, hashes = zip(*self.rows, strict=True)
            cursor.execute(
                f"INSERT INTO {self.t(SEAL_TABLE)} (position, hash) "
                "SELECT * FROM unnest(%s::bigint[], %s::text[])",
                ("{" + ",".join(map(str, positions)) + "}", "{" + ",".join(hashes) + "}"),
            )
            return
        self.store.executemany(cursor, f"INSERT INTO {self.t(SEAL_TABLE)} VALUES (?, ?)", self.rows)

    def check_swap(self) -> None:
        """Swap a rebuilt seal view in only if it agrees with the live one.

        Seals are a function of the stored history, so a rebuild must reproduce them. If it
        does not, the history changed after it was sealed, and swapping would launder the
        change: refuse, naming the position. One comparison suffices: the chain makes the
        hash at the live head a commitment to every event before it.
        """
        live = self.store.table(SEAL_TABLE)
        if self.store.table_exists(SEAL_TABLE):
            new_head = self.store.fetchone(f"SELECT MAX(position) AS p FROM {self.t(SEAL_TABLE)}")
            limit = new_head["p"] if new_head and new_head["p"] is not None else MIN_POSITION
            row = self.store.fetchone(
                f"SELECT position, hash FROM {live} WHERE position <= ? "
                "ORDER BY position DESC LIMIT 1",
                (limit,),
            )
            if row is not None:
                again = self.store.fetchone(
                    f"SELECT hash FROM {self.t(SEAL_TABLE)} WHERE position = ?", (row["position"],)
                )
                if again is None or again["hash"] != row["hash"]:
                    raise SealMismatch(
                        f"rebuilt seals disagree with the recorded seal at position "
                        f"{row['position']}: the stored history changed after it was sealed; "
                        "the recorded seals are kept (run `registry audit verify`)",
                        int(row["position"]),
                    )


# --------------------------------------------------------------------------- fast chaining


def _id_bytes(key: Any) -> bytes:
    """An aggregate id as stored (SQLite: hex text; PostgreSQL: ``uuid_send`` bytes)."""
    if isinstance(key, bytes) and len(key) == 16:
        return key
    if isinstance(key, UUID):
        return key.bytes
    if isinstance(key, str):
        return UUID(key).bytes
    raise TypeError(f"aggregate id {key!r} is not a UUID")


def _topic_bytes(topic: Any) -> bytes:
    if not isinstance(topic, str):
        raise TypeError(f"topic {topic!r} is not text")
    encoded = topic.encode()
    return len(encoded).to_bytes(4, "big") + encoded


class _Chainer:
    """Computes chain links for raw rows ``(position, id, version, topic, state)``.

    Equal to ``next_hash(h, canonical_bytes(...))`` (see the module's docstring), with the
    id and topic encodings cached: a history has few topics, and an aggregate's events
    repeat its id.
    """

    def __init__(self) -> None:
        self.ids: dict[Any, bytes] = {}
        self.topics: dict[Any, bytes] = {}

    def links(self, rows: Sequence[RawRow], h: bytes) -> list[bytes]:
        """The chain value after each row, starting from ``h``. Raises on a malformed row."""
        ids, topics = self.ids, self.topics
        if len(ids) > 16_384:  # bounded (a history's aggregates: tens of thousands)
            ids.clear()
        sha = hashlib.sha256
        join = b"".join
        pack = _HEAD.pack
        out: list[bytes] = []
        append = out.append
        for position, key, version, topic, state in rows:
            oid = ids.get(key)
            if oid is None:
                oid = ids[key] = _id_bytes(key)
            encoded = topics.get(topic)
            if encoded is None:
                encoded = topics[topic] = _topic_bytes(topic)
            # join refuses anything but bytes-like state (SQLite TEXT, NULL, numbers)
            h = sha(join((h, pack(position, oid, version), encoded, state))).digest()
            append(h)
        return out

    def chain(self, rows: Sequence[RawRow], h: bytes) -> tuple[list[bytes], Exception | None]:
        """:meth:`links`, and None; or, at a malformed row, the links before it and its error."""
        try:
            return self.links(rows, h), None
        except Exception as error:
            digests, problem = self.links_until_error(rows, h)
            return digests, problem or error

    def links_until_error(
        self, rows: Sequence[RawRow], h: bytes
    ) -> tuple[list[bytes], Exception | None]:
        """Like :meth:`links`, row by row, stopping at the first malformed row (its error)."""
        out: list[bytes] = []
        for row in rows:
            try:
                if type(row[4]) is not bytes:
                    raise TypeError(f"the stored state is {type(row[4]).__name__}, not bytes")
                [h] = self.links([row], h)
            except Exception as error:
                return out, error
            out.append(h)
        return out, None


def _self_check() -> None:
    """The fast encoding is canonical_bytes, byte for byte (else refuse to import)."""
    oid = UUID("12345678-9abc-4def-8123-456789abcdef")
    for position, version, topic, state in (
        (1, 1, "registry.Competition.MarksEntered", b'{"a":1}'),
        (-5, 2**40, "тема.Ü", b""),
        (2**62, 0, "", b"\x00\xff"),
    ):
        expected = next_hash(GENESIS, canonical_bytes(position, oid, version, topic, state))
        [got] = _Chainer().links([(position, oid.hex, version, topic, state)], GENESIS)
        assert got == expected, "the fast seal encoding differs from canonical_bytes"


_self_check()


# --------------------------------------------------------------------------- recorded seals


class _SealReader:
    """Recorded seals ``(position, hash hex)`` by position range, as plain tuples."""

    def __init__(self, store: ViewStore) -> None:
        self._setup(store.backend, store.datastore, store.table(SEAL_TABLE))
        self.exists = store.table_exists(SEAL_TABLE)

    @classmethod
    def connect(cls, settings: Settings) -> _SealReader:
        """A reader with a connection of its own (a worker process); ``close()`` it."""
        reader = cls.__new__(cls)
        path = views_sqlite_path(settings.sqlite_path) if settings.sqlite_path else None
        qualified = SEAL_TABLE if path else f'"{settings.pg_schema}"."{SEAL_TABLE}"'
        reader._setup(settings.backend, own_datastore(settings, path), qualified)
        reader.exists = True  # a worker is started only when there are seals
        return reader

    def close(self) -> None:
        self.datastore.close()

    def _setup(self, backend: str, datastore: Datastore, table: str) -> None:
        self.datastore = datastore
        self.sqlite = backend == "sqlite"

        def sql(statement: str) -> str:
            return statement if self.sqlite else statement.replace("?", "%s")

        select = f"SELECT position, hash FROM {table} WHERE"
        self.range = sql(f"{select} position > ? AND position <= ? ORDER BY position")
        self.range_from_start = sql(f"{select} position <= ? ORDER BY position")
        self.at = sql(f"SELECT hash FROM {table} WHERE position = ?")
        # One row per batch: how many seals, their positions and their hashes, concatenated
        # in position order, to compare with the recomputed chain in two string comparisons.
        if self.sqlite:
            # (group_concat follows the subquery's order in practice; were it not to, the
            # comparison would fail and the row-by-row merge would decide: still correct)
            self.summary_statement = (
                "SELECT COUNT(*), group_concat(position, ','), group_concat(hash, '') FROM "
                f"(SELECT position, hash FROM {table} WHERE position > ? AND position <= ? "
                "ORDER BY position)"
            )
        else:
            self.summary_statement = sql(
                "SELECT COUNT(*), string_agg(position::text, ',' ORDER BY position), "
                f"string_agg(hash, '' ORDER BY position) FROM {table} "
                "WHERE position > ? AND position <= ?"
            )
        self.highest = f"SELECT MAX(position) FROM {table}"
        self.lowest = f"SELECT MIN(position) FROM {table}"
        self.below = sql(
            f"SELECT position, hash FROM {table} WHERE position <= ? ORDER BY position DESC LIMIT 1"
        )

    def _rows(self, statement: str, params: tuple = ()) -> list[tuple]:
        with self.datastore.transaction(commit=False) as cursor:
            tuple_cursor(cursor, self.sqlite)
            cursor.execute(statement, params)
            return list(cursor.fetchall())

    def read(self, after: int | None, until: int) -> list[tuple]:
        """Seals with ``after < position <= until`` (``after`` None: from the first)."""
        if not self.exists:
            return []
        if after is None:
            return self._rows(self.range_from_start, (until,))
        return self._rows(self.range, (after, until))

    def summary(self, after: int | None, until: int) -> tuple[int, str, str]:
        """``(count, "p1,p2,...", "hash1hash2...")`` of the seals in ``(after, until]``."""
        if not self.exists:
            return (0, "", "")
        [(count, positions, hashes)] = self._rows(
            self.summary_statement, (MIN_POSITION if after is None else after, until)
        )
        return (int(count), positions or "", hashes or "")

    def hash_at(self, position: int) -> str | None:
        if not self.exists:
            return None
        rows = self._rows(self.at, (position,))
        return str(rows[0][0]) if rows else None

    def first_position(self) -> int | None:
        if not self.exists:
            return None
        [(position,)] = self._rows(self.lowest)
        return None if position is None else int(position)

    def at_or_below(self, position: int) -> tuple[int, bytes] | None:
        """The last seal at or below ``position``: ``(its position, its hash)``."""
        if not self.exists:
            return None
        rows = self._rows(self.below, (position,))
        return (int(rows[0][0]), bytes.fromhex(rows[0][1])) if rows else None

    def last_position(self) -> int | None:
        if not self.exists:
            return None
        [(position,)] = self._rows(self.highest)
        return None if position is None else int(position)


# --------------------------------------------------------------------------- the chain alone


class ChainHead(msgspec.Struct):
    """The chain recomputed from the stored events alone, up to a position."""

    events: int
    position: int
    hash: str
    #: the first unreadable row, if any (then ``position``/``hash`` stop before it)
    malformed_position: int | None = None


def chain_head(app: EventStore, until: int | None = None, *, batch_size: int = BATCH) -> ChainHead:
    """``h`` over every stored event at or below ``until`` — no seal is read."""
    reader = EventReader.of(app)
    chainer = _Chainer()
    h = GENESIS
    events = 0
    position = 0
    after: int | None = None
    while True:
        rows = reader.chain_rows(after, batch_size, until)
        if not rows:
            return ChainHead(events, position, h.hex())
        digests, problem = chainer.chain(rows, h)
        if problem is not None:
            events += len(digests)
            if digests:
                position, h = rows[len(digests) - 1][0], digests[-1]
            return ChainHead(events, position, h.hex(), rows[len(digests)][0])
        events += len(rows)
        position, h = rows[-1][0], digests[-1]
        after = position
