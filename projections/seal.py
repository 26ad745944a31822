"""The seal chain (DESIGN.md "Projections", issue 6): proof that the history was not rewritten.

``h[n] = sha256(h[n-1] ‖ canonical bytes of stored event n)`` over every stored event in
position order, starting from :data:`~projections.sealing.GENESIS` (definitions in
``projections.sealing``). Three parts:

* :class:`SealProjection` — a view like the others: it follows the store and records the seal
  of every stored event, ``v_seal(position, hash)``, in the same transaction as its tracking
  position (exactly once, crash-safe). It reads the stored bytes only (no decoding), so it
  seals exactly what is stored.
* :func:`verify_seals` — recomputes the chain from the stored rows (raw reads in large
  batches, no decoding) and compares it with the recorded seals.
* checkpoints — the chain head at a position, signed with Ed25519 (:func:`sign_checkpoint`),
  kept outside the database; :func:`verify_checkpoint` recomputes the chain from the stored
  events alone, so a rewrite of both the events and the seal table is still caught.

What :func:`verify_seals` decides. Let ``T`` be the sealed head: the seal view's tracking
position (or its last seal, if larger). Walking stored events and seals by position:

* a stored event and a seal at the same position whose hash differs from the recomputed
  chain → ``edited`` (the first such position is reported; every later seal differs too);
* a seal at a position with no stored event → ``deleted``;
* a stored event at a position ``<= T`` without a seal → ``inserted`` (before the first seal,
  or into a gap of the sealed range: PostgreSQL positions have gaps);
* a stored row that cannot be what the registry stores (state not bytes, a bad aggregate id,
  a version that is not an integer) → ``malformed``;
* stored events above ``T`` are **not yet sealed**: the projector has not reached them. They
  are chained and counted (``checked``, ``unsealed``) and the head covers them, but they are
  not a failure — nothing recorded contradicts them yet. A signed checkpoint is what protects
  them (and everything else) once it is taken.

Limits, by construction. The seal table lives beside the events: someone who can rewrite both
can make them agree again, and the sealing follower (or a rebuild) would seal whatever history
it finds. Hence (1) a rebuild of the seal view refuses to replace seals that disagree with the
history it recomputed (:meth:`SealProjection.swap_into_place`), and (2) signed checkpoints kept
elsewhere are the anchor: ``registry audit verify --checkpoint FILE`` does not trust the seal
table at all.

Speed. Verification is a tight loop: one plain query per 10,000 rows (tuples, no row objects,
no decoding; aggregate ids and topics converted once each), one ``sha256`` per event over
``h ‖ struct-packed head ‖ topic ‖ state``, and the recorded seals of the batch compared in
bulk: one aggregate query answers their count, positions and hashes concatenated in position
order, matched against the recomputed ones with two string comparisons; only a mismatch reads
the seals row by row to name the first bad position. The packed encoding is byte for byte
:func:`~projections.sealing.canonical_bytes` + :func:`~projections.sealing.next_hash` —
checked when this module is imported and by the tests, which recompute the seal table with
those functions literally. The sealing follower runs the same loop, a batch at a time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import multiprocessing
import struct
from bisect import bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, ClassVar, NamedTuple
from uuid import UUID

import msgspec
from eventsourcing.persistence import Notification

from projections.base import Item, ProjectionError, ViewProjection
from projections.sealing import GENESIS, canonical_bytes, next_hash
from projections.store import ViewStore, postgres_datastore, views_sqlite_path
from store.events import StoredNotification
from store.settings import Settings

SEAL_TABLE = "v_seal"
_HEAD = struct.Struct(">q16sq")  # position, aggregate id, version: canonical_bytes' first 32
#: (position, aggregate id as text, version, topic, state) of a StoredNotification
_STORED_ROW = itemgetter(0, 5, 2, 3, 4)
_POSITION = itemgetter(0)
BATCH = 10_000
#: ``>= MIN_POSITION`` covers every position a row can have (SQLite rowids may be 0 or negative)
MIN_POSITION = -(2**63)

# --------------------------------------------------------------------------- the follower


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

    def __init__(self, app: Any, store: ViewStore, *, suffix: str = "", bulk: bool = False) -> None:
        super().__init__(app, store, suffix=suffix, bulk=bulk)
        #: (position, hash) of the last seal, loaded from the table on first use
        self._head: tuple[int, bytes] | None = None
        self._chainer = _Chainer()
        self.clear_pending()

    def clear_pending(self) -> None:
        self.rows: list[tuple[int, str]] = []

    def reset_cache(self) -> None:
        self._head = None

    def _checked_head(self, start: int, first: Notification) -> tuple[int, bytes]:
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
        if type(notifications[0]) is StoredNotification:  # the projector's reader
            rows = list(map(_STORED_ROW, notifications))  # ids as text: cheap to cache
        else:
            rows = [
                (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in notifications
            ]
        try:
            digests = self._chainer.links(rows, head[1])
        except Exception:
            digests, problem = self._chainer.links_until_error(rows, head[1])
            self.reset_cache()
            bad = items[len(digests)][0]
            raise ProjectionError(self.name, bad, problem or TypeError("malformed")) from None
        end = rows[-1][0]
        self.rows = list(zip(map(_POSITION, rows), map(bytes.hex, digests), strict=True))
        self.commit(start, end)
        self._head = (end, digests[-1])
        return end

    def apply(self, notification: Notification, event: Any) -> None:
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

    def swap_into_place(self) -> None:
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
        super().swap_into_place()


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

    def links(self, rows: Sequence[tuple[Any, ...]], h: bytes) -> list[bytes]:
        """The chain value after each row, starting from ``h``. Raises on a malformed row."""
        ids, topics = self.ids, self.topics
        if len(ids) > 200_000:
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

    def links_until_error(
        self, rows: Sequence[tuple[Any, ...]], h: bytes
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


# --------------------------------------------------------------------------- raw reads


def _tuple_cursor(cursor: Any, sqlite: bool) -> Any:
    """Plain tuples from this cursor: no ``sqlite3.Row`` or dict per row."""
    if sqlite:
        cursor.row_factory = None
    else:
        from psycopg.rows import tuple_row

        cursor.row_factory = tuple_row
    return cursor


class RawEventReader:
    """Stored events as plain tuples ``(position, id, version, topic, state)``, in position
    order, in large batches: no row objects, no UUID parsing, no decoding. Unlike the
    projector's reader it starts below position 1 (a row can be put at rowid 0 or below)."""

    def __init__(self, app: Any) -> None:
        self._setup(app.settings, app.events_table, app.recorder.datastore)

    @classmethod
    def connect(cls, settings: Settings, events_table: str) -> RawEventReader:
        """A reader with a connection of its own (a worker process): no table is created,
        nothing is written. ``close()`` it."""
        reader = cls.__new__(cls)
        assert settings.sqlite_path is not None or settings.backend != "sqlite"
        reader._setup(settings, events_table, _datastore(settings, settings.sqlite_path))
        return reader

    def _setup(self, settings: Settings, table: str, datastore: Any) -> None:
        self.datastore = datastore
        self.sqlite = settings.backend == "sqlite"
        if self.sqlite:
            self.position = "rowid"
            columns = "rowid, originator_id, originator_version, topic, state"
            self.source = table
        else:
            self.position = "notification_id"
            uuid_type = getattr(datastore, "originator_id_type", "uuid") == "uuid"
            oid = "uuid_send(originator_id)" if uuid_type else "originator_id"
            columns = f"notification_id, {oid}, originator_version, topic, state"
            self.source = f'"{settings.pg_schema}"."{table}"'
        self.columns = columns
        self._statements: dict[tuple[bool, bool], str] = {}

    def close(self) -> None:
        self.datastore.close()

    def _statement(self, lower: bool, upper: bool) -> str:
        key = (lower, upper)
        statement = self._statements.get(key)
        if statement is None:
            mark = "?" if self.sqlite else "%s"
            where = []
            if lower:
                where.append(f"{self.position} > {mark}")
            if upper:
                where.append(f"{self.position} <= {mark}")
            clause = f" WHERE {' AND '.join(where)}" if where else ""
            statement = self._statements[key] = (
                f"SELECT {self.columns} FROM {self.source}{clause} "
                f"ORDER BY {self.position} LIMIT {mark}"
            )
        return statement

    def read(self, after: int | None, limit: int, until: int | None = None) -> list[tuple]:
        """Up to ``limit`` rows with ``after < position <= until`` (None: unbounded)."""
        params: list[int] = []
        if after is not None:
            params.append(after)
        if until is not None:
            params.append(until)
        params.append(limit)
        with self.datastore.transaction(commit=False) as cursor:
            _tuple_cursor(cursor, self.sqlite)
            cursor.execute(self._statement(after is not None, until is not None), params)
            rows = cursor.fetchall()
        if not self.sqlite:
            rows = [r if type(r[4]) is bytes else (*r[:4], _as_bytes(r[4])) for r in rows]
        return rows


def _datastore(settings: Settings, sqlite_path: str | None) -> Any:
    """A plain datastore (one connection) on the store of ``settings``: the event store's
    file or the views' file on SQLite, the schema on PostgreSQL."""
    if settings.backend == "sqlite":
        from eventsourcing.sqlite import SQLiteDatastore

        assert sqlite_path is not None
        return SQLiteDatastore(sqlite_path, lock_timeout=30, pool_size=1, max_overflow=1)
    return postgres_datastore(settings, pool_size=1, max_overflow=1)


def _as_bytes(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview | bytearray) else value


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
        reader._setup(settings.backend, _datastore(settings, path), qualified)
        reader.exists = True  # a worker is started only when there are seals
        return reader

    def close(self) -> None:
        self.datastore.close()

    def _setup(self, backend: str, datastore: Any, table: str) -> None:
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
            _tuple_cursor(cursor, self.sqlite)
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


# --------------------------------------------------------------------------- verification


class SealReport(msgspec.Struct, omit_defaults=True):
    """The answer of :func:`verify_seals` (and of ``GET /api/v1/audit/verify``)."""

    #: no recorded seal contradicts the stored history
    ok: bool
    #: stored events chained and found consistent (sealed ones and not-yet-sealed ones)
    checked: int
    #: the last of them (0 when there are none) and the chain value there (hex)
    head_position: int
    head_hash: str
    #: the sealed head ``T``: the seal view's position
    sealed_position: int
    #: how many of ``checked`` are above ``T`` (not sealed yet: not a failure)
    unsealed: int
    #: where the history first contradicts its seals, and how
    first_bad_position: int | None = None
    #: ``edited``, ``deleted``, ``inserted`` or ``malformed``
    problem: str | None = None
    detail: str | None = None


def sealed_head(store: ViewStore) -> int:
    """``T``: the seal view's tracking position, or its last seal if that is larger."""
    last = _SealReader(store).last_position()
    return max(store.position(SealProjection.name), last if last is not None else 0)


def _first_problem(
    positions: Sequence[int],
    digests: Sequence[bytes],
    seals: Sequence[tuple],
    sealed: int,
) -> tuple[int, int, str, str] | None:
    """Merge one batch of events with its seals: ``(good events before, position, problem,
    detail)`` of the first contradiction, or None."""
    i = j = 0
    while True:
        event = positions[i] if i < len(positions) else None
        seal = seals[j][0] if j < len(seals) else None
        if event is None and seal is None:
            return None
        if seal is None or (event is not None and event < seal):
            assert event is not None
            if event > sealed:  # above the sealed head: not sealed yet, and so are the rest
                return None
            return (
                i,
                event,
                "inserted",
                f"the stored event at position {event} is not sealed although the seals "
                f"reach position {sealed}: an event was inserted (or its seal removed)",
            )
        if event is None or seal < event:
            return (
                i,
                seal,
                "deleted",
                f"position {seal} is sealed but no stored event has it: an event was deleted",
            )
        if digests[i].hex() != seals[j][1]:
            return (
                i,
                event,
                "edited",
                f"the stored event at position {event} does not match its seal: it was "
                "changed after it was sealed",
            )
        i += 1
        j += 1


class _Part(NamedTuple):
    """The verification of one range of positions."""

    checked: int
    unsealed: int
    #: the last event found intact (None: none in this range) and the chain value there
    head_position: int | None
    head_hash: bytes
    #: ``(position, problem, detail)`` of the first contradiction, if any
    problem: tuple[int, str, str] | None


def _verify_part(
    reader: RawEventReader,
    seals: _SealReader,
    sealed: int,
    *,
    after: int | None,
    until: int | None,
    h: bytes,
    batch_size: int,
    progress: Callable[[int], None] | None = None,
) -> _Part:
    """Verify the stored events and seals in ``(after, until]``, the chain entering the range
    at ``h`` (GENESIS, or the recorded seal at ``after``)."""
    chainer = _Chainer()
    checked = unsealed = 0
    head_position: int | None = None

    def part(problem: tuple[int, int, str, str] | None = None) -> _Part:
        return _Part(checked, unsealed, head_position, h, problem[1:] if problem else None)

    while True:
        rows = reader.read(after, batch_size, until)
        if not rows:  # seals above the last stored event (of the range)?
            top = sealed if until is None else min(until, sealed)
            rest = seals.read(after, top) if after is None or after < top else []
            return part(_first_problem([], [], rest, sealed) if rest else None)
        positions = [r[0] for r in rows]
        malformed: Exception | None = None
        try:
            digests = chainer.links(rows, h)
        except Exception:
            digests, malformed = chainer.links_until_error(rows, h)
        good = len(digests)
        # The seals this batch must match: up to its last event (or just below a malformed
        # row), never above the sealed head.
        end = min(positions[-1] if malformed is None else positions[good] - 1, sealed)
        n = bisect_right(positions, sealed, 0, good)  # events of the batch that are sealed
        fast = False
        if malformed is None:
            if after is not None and after >= end:
                fast = n == 0
            else:
                fast = seals.summary(after, end) == (
                    n,
                    ",".join(map(str, positions[:n])),
                    b"".join(digests[:n]).hex(),
                )
        problem = None
        if not fast:  # find exactly where, row by row
            batch_seals = seals.read(after, end) if after is None or after < end else []
            problem = _first_problem(positions[:good], digests, batch_seals, sealed)
        if problem is not None:
            count = problem[0]  # events before it all matched their seals
            if count:
                checked += count
                head_position, h = positions[count - 1], digests[count - 1]
            return part(problem)
        checked += good
        unsealed += good - n
        if good:
            head_position, h = positions[good - 1], digests[good - 1]
        if malformed is not None:
            position = positions[good]
            return part(
                (
                    good,
                    position,
                    "malformed",
                    f"the stored row at position {position} is not what the registry "
                    f"stores ({type(malformed).__name__}: {malformed}): it was edited outside "
                    "the registry",
                )
            )
        if progress is not None:
            progress(checked)
        after = positions[-1]


def _verify_part_elsewhere(
    database_url: str,
    events_table: str,
    after: int,
    until: int | None,
    h: bytes,
    sealed: int,
    batch_size: int,
) -> _Part:
    """:func:`_verify_part` in a worker process, with plain connections of its own (no
    application, no view store: nothing that creates tables, which concurrent processes
    must not do at once)."""
    from store.settings import parse_database_url

    settings = parse_database_url(database_url)
    events = RawEventReader.connect(settings, events_table)
    seals = _SealReader.connect(settings)
    try:
        return _verify_part(
            events, seals, sealed, after=after, until=until, h=h, batch_size=batch_size
        )
    finally:
        seals.close()
        events.close()


#: below this many sealed positions per job, one process is faster than starting more
MIN_POSITIONS_PER_JOB = 50_000


def _split(seals: _SealReader, sealed: int, jobs: int) -> list[tuple[int, bytes]]:
    """Recorded seals ``(position, hash)`` cutting the sealed range into ``jobs`` parts."""
    first = seals.first_position()
    if first is None or jobs < 2 or sealed - first < MIN_POSITIONS_PER_JOB * jobs:
        return []
    cuts: list[tuple[int, bytes]] = []
    for k in range(1, jobs):
        cut = seals.at_or_below(first + (sealed - first) * k // jobs)
        if cut is not None and cut[0] > first and (not cuts or cut[0] > cuts[-1][0]):
            cuts.append(cut)
    return cuts


def verify_seals(
    app: Any,
    store: ViewStore,
    *,
    batch_size: int = BATCH,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SealReport:
    """Recompute the chain over every stored event and compare it with the recorded seals.

    ``T`` is read first: every seal at or below it was committed after its event, and the
    store only grows above it, so reading events and seals batch by batch (no long
    transaction) is consistent while writers and the projector carry on.

    ``jobs > 1`` (a big history, a command line, never a server) cuts the sealed range at
    recorded seals and verifies the parts in parallel processes, each chain entering its part
    at the recorded seal where it starts. The result is the same as in one pass: each cut's
    seal is checked by the part before it, so if every part holds, the whole chain does;
    the first problem of the first broken part is the first problem.
    """
    sealed = sealed_head(store)
    seals = _SealReader(store)
    cuts = _split(seals, sealed, jobs) if jobs > 1 else []
    if not cuts:
        parts = [
            _verify_part(
                RawEventReader(app),
                seals,
                sealed,
                after=None,
                until=None,
                h=GENESIS,
                batch_size=batch_size,
                progress=progress,
            )
        ]
    else:
        bounds = [*(c[0] for c in cuts), None]
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        with ProcessPoolExecutor(max_workers=len(cuts), mp_context=context) as pool:
            others = [
                pool.submit(
                    _verify_part_elsewhere,
                    app.settings.database_url,
                    app.events_table,
                    cut,
                    bounds[i + 1],
                    digest,
                    sealed,
                    batch_size,
                )
                for i, (cut, digest) in enumerate(cuts)
            ]
            first = _verify_part(
                RawEventReader(app),
                seals,
                sealed,
                after=None,
                until=cuts[0][0],
                h=GENESIS,
                batch_size=batch_size,
                progress=progress,
            )
            parts = [first, *(other.result() for other in others)]
    checked = unsealed = head_position = 0
    head_hash = GENESIS
    for part in parts:
        checked += part.checked
        unsealed += part.unsealed
        if part.head_position is not None:
            head_position, head_hash = part.head_position, part.head_hash
        if part.problem is not None:
            position, kind, detail = part.problem
            return SealReport(
                False,
                checked,
                head_position,
                head_hash.hex(),
                sealed,
                unsealed,
                position,
                kind,
                detail,
            )
    return SealReport(True, checked, head_position, head_hash.hex(), sealed, unsealed)


class ChainHead(msgspec.Struct):
    """The chain recomputed from the stored events alone, up to a position."""

    events: int
    position: int
    hash: str
    #: the first unreadable row, if any (then ``position``/``hash`` stop before it)
    malformed_position: int | None = None


def chain_head(app: Any, until: int | None = None, *, batch_size: int = BATCH) -> ChainHead:
    """``h`` over every stored event at or below ``until`` — no seal is read."""
    reader = RawEventReader(app)
    chainer = _Chainer()
    h = GENESIS
    events = 0
    position = 0
    after: int | None = None
    while True:
        rows = reader.read(after, batch_size, until)
        if not rows:
            return ChainHead(events, position, h.hex())
        try:
            digests = chainer.links(rows, h)
        except Exception:
            digests, _ = chainer.links_until_error(rows, h)
            events += len(digests)
            if digests:
                position, h = rows[len(digests) - 1][0], digests[-1]
            return ChainHead(events, position, h.hex(), rows[len(digests)][0])
        events += len(rows)
        position, h = rows[-1][0], digests[-1]
        after = position


# --------------------------------------------------------------------------- checkpoints

CHECKPOINT_FORMAT = "vko-registry-seal-checkpoint/1"


class Checkpoint(msgspec.Struct):
    """A signed statement "the chain over the stored events up to ``position`` ends at
    ``head_hash``", kept outside the database (a file, a printout, an e-mail to the akimat).

    ``signature`` is Ed25519 over :func:`checkpoint_message`: the other five members as
    compact JSON with sorted keys, exactly what ``jq -cjS 'del(.signature)'`` prints.
    Hashes and keys are lowercase hex; ``time`` is UTC ISO 8601.
    """

    format: str
    position: int
    head_hash: str
    time: str
    public_key: str
    signature: str


def checkpoint_message(
    position: int, head_hash: str, time: str, public_key: str, format: str = CHECKPOINT_FORMAT
) -> bytes:
    """The signed bytes: one canonical encoding, so any tool can check the signature."""
    return msgspec.json.encode(
        {
            "format": format,
            "head_hash": head_hash,
            "position": position,
            "public_key": public_key,
            "time": time,
        },
        order="sorted",
    )


def _private_key(seed: bytes) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(seed: bytes) -> str:
    """The public key (hex) of an Ed25519 seed."""
    return _private_key(seed).public_key().public_bytes_raw().hex()  # type: ignore[no-any-return]


def new_seed() -> bytes:
    """A fresh Ed25519 private key seed (32 bytes)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes_raw()  # type: ignore[no-any-return]


def sign_checkpoint(
    seed: bytes, position: int, head_hash: str, at: datetime | None = None
) -> Checkpoint:
    """Sign ``(position, head_hash)`` with the Ed25519 seed."""
    key = _private_key(seed)
    public = key.public_key().public_bytes_raw().hex()
    moment = (at or datetime.now(tz=UTC)).astimezone(UTC)
    time = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    signature = key.sign(checkpoint_message(position, head_hash, time, public)).hex()
    return Checkpoint(CHECKPOINT_FORMAT, position, head_hash, time, public, signature)


def parse_checkpoint(data: bytes) -> Checkpoint:
    """A checkpoint from its JSON; :class:`ValueError` with a clear message otherwise."""
    try:
        checkpoint = msgspec.json.decode(data, type=Checkpoint)
    except msgspec.DecodeError as error:
        raise ValueError(f"not a seal checkpoint: {error}") from None
    if checkpoint.format != CHECKPOINT_FORMAT:
        raise ValueError(f"unknown checkpoint format {checkpoint.format!r}")
    return checkpoint


def _hex(value: str, size: int, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise ValueError(f"{what} must be {size * 2} hexadecimal digits")
    return raw


def normalise_public_key(value: str) -> str:
    """A public key given as hex (64 digits) or base64 → lowercase hex."""
    text = value.strip()
    try:
        return _hex(text, 32, "the public key").hex()
    except ValueError:
        pass
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=False)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("the public key must be 32 bytes, as hex or base64")
    return raw.hex()


def check_signature(checkpoint: Checkpoint, public_key: str | None = None) -> str | None:
    """None when the signature is good (and made by ``public_key``, if given); else why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = _hex(checkpoint.public_key, 32, "public_key")
        signature = _hex(checkpoint.signature, 64, "signature")
        if public_key is not None and normalise_public_key(public_key) != key.hex():
            return (
                f"the checkpoint is signed with key {checkpoint.public_key}, "
                "not with the key you gave"
            )
        Ed25519PublicKey.from_public_bytes(key).verify(
            signature,
            checkpoint_message(
                checkpoint.position,
                checkpoint.head_hash,
                checkpoint.time,
                checkpoint.public_key,
                checkpoint.format,
            ),
        )
    except ValueError as error:
        return str(error)
    except InvalidSignature:
        return "the signature does not match the checkpoint's contents (altered, or forged)"
    return None


class CheckpointReport(msgspec.Struct, omit_defaults=True):
    """The answer of :func:`verify_checkpoint`."""

    ok: bool
    position: int
    expected_hash: str
    signature_ok: bool
    #: the chain recomputed from the stored events up to ``position`` (no seal used)
    actual_hash: str | None = None
    events: int | None = None
    problem: str | None = None
    detail: str | None = None


def verify_checkpoint(
    app: Any,
    store: ViewStore | None,
    checkpoint: Checkpoint,
    *,
    public_key: str | None = None,
    batch_size: int = BATCH,
) -> CheckpointReport:
    """Check the signature, then that the chain recomputed from the stored events up to the
    checkpoint's position ends at its head hash. The seal table is consulted only to explain
    a mismatch (did it change as well?)."""
    bad_signature = check_signature(checkpoint, public_key)
    if bad_signature is not None:
        return CheckpointReport(
            False,
            checkpoint.position,
            checkpoint.head_hash,
            False,
            problem="bad-signature",
            detail=bad_signature,
        )
    head = chain_head(app, checkpoint.position, batch_size=batch_size)
    if head.malformed_position is not None:
        return CheckpointReport(
            False,
            checkpoint.position,
            checkpoint.head_hash,
            True,
            None,
            head.events,
            "malformed",
            f"the stored row at position {head.malformed_position} is not what the registry "
            "stores: it was edited outside the registry",
        )
    if head.hash == checkpoint.head_hash.lower():
        return CheckpointReport(
            True, checkpoint.position, checkpoint.head_hash, True, head.hash, head.events
        )
    detail = (
        f"the stored events up to position {checkpoint.position} do not chain to the "
        "checkpoint's head hash: the history before the checkpoint was changed"
    )
    if head.position != checkpoint.position:
        detail += (
            f" (the last stored event at or below it is at position {head.position}: "
            "events were deleted)"
        )
    if store is not None:
        recorded = _SealReader(store).hash_at(checkpoint.position)
        if recorded == checkpoint.head_hash.lower():
            detail += "; the seal table still agrees with the checkpoint (the seal verification "
            detail += "names the first changed position)"
        else:
            detail += "; the seal table does not agree with the checkpoint either: it was "
            detail += "rewritten too (or never reached that position)"
    return CheckpointReport(
        False,
        checkpoint.position,
        checkpoint.head_hash,
        True,
        head.hash,
        head.events,
        "history-changed",
        detail,
    )
