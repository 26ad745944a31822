"""A view projection: tables, and how a batch of events becomes rows plus a tracking position."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from eventsourcing.utils import resolve_topic

from projections.store import ViewStore
from store.events import EventStore, StoredNotification

#: One decoded event (None for projections that read stored bytes only) with the
#: notification it came from.
Item = tuple[StoredNotification, Any]


class ProjectionError(RuntimeError):
    """A projection could not apply an event: the follower stops here, never skips it."""

    def __init__(self, name: str, notification: StoredNotification, error: BaseException) -> None:
        super().__init__(
            f"projection {name!r} failed at position {notification.id} "
            f"({notification.topic} of {notification.originator_id} "
            f"v{notification.originator_version}): {type(error).__name__}: {error}"
        )
        self.position = notification.id

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its class, message and position (a rebuild's worker process raises
        it in the process that started it)."""
        return (_projection_error, (type(self), str(self), self.position))


def _projection_error(cls: type[ProjectionError], message: str, position: int) -> ProjectionError:
    error = cls.__new__(cls)
    RuntimeError.__init__(error, message)
    error.position = position
    return error


class ViewProjection(ABC):
    """Base of every view group. Subclasses define ``name``, ``TABLES`` and the handlers
    (and ``setup`` for state of their own, rather than ``__init__``).

    ``suffix`` builds the same views aside (``__next``) for a rebuild that is swapped in
    when complete. ``app`` is None for a projection made only to create (or swap) its
    tables, as the queries do.
    """

    name: str = ""
    #: whether ``apply`` needs the decoded event (the audit index reads stored text only)
    NEEDS_EVENTS: ClassVar[bool] = True
    #: the event classes ``apply`` acts on (None: every one). An event of no class any
    #: projection of a projector names is not decoded: ``apply`` receives it as None.
    EVENTS: ClassVar[tuple[type, ...] | None] = None
    #: table -> column definitions (portable SQL: TEXT, INTEGER, BIGINT)
    TABLES: ClassVar[dict[str, str]] = {}
    #: (index suffix, table, columns)
    INDEXES: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def __init__(
        self, app: EventStore | None, store: ViewStore, *, suffix: str = "", bulk: bool = False
    ) -> None:
        self.app = app
        self.store = store
        self.suffix = suffix
        #: a bulk load (rebuild aside) creates its indexes once, after catching up
        self.bulk = bulk
        self.tracking_name = self.name + suffix
        #: topic -> whether it is one of ``EVENTS``' (:meth:`_mine`)
        self._topics: dict[str, bool] = {}
        self.setup()
        self.clear_pending()

    def setup(self) -> None:  # noqa: B027 - optional hook
        """Make what the projection keeps from batch to batch (caches, listeners); called
        once, by ``__init__``, after ``app``, ``store`` and ``suffix`` are set."""

    @property
    def source(self) -> EventStore:
        """The application whose events this projection applies."""
        assert self.app is not None, f"the {self.name} projection was made for its tables only"
        return self.app

    # ------------------------------------------------------------------ tables

    def t(self, table: str) -> str:
        """The qualified name of one of this projection's tables (with the suffix)."""
        return self.store.table(table + self.suffix)

    def create_tables(self) -> None:
        with self.store.transaction(commit=True) as cursor:
            # SQLite: only "INTEGER PRIMARY KEY" is the rowid (the fastest key there is);
            # PostgreSQL positions are bigint.
            sqlite = self.store.backend == "sqlite"
            pk = "INTEGER PRIMARY KEY" if sqlite else "BIGINT PRIMARY KEY"
            for table, columns in self.TABLES.items():
                columns = columns.replace("{BIGINT_PK}", pk)
                cursor.execute(f"CREATE TABLE IF NOT EXISTS {self.t(table)} ({columns})")
        if not self.bulk:
            self.create_indexes()

    def create_indexes(self) -> None:
        """Create the indexes the tables lack. Index names carry a random tag, so a table
        built aside keeps its indexes when it is renamed into place (SQLite cannot rename
        an index) and the next aside build never collides with them."""
        existing = self._index_names()
        with self.store.transaction(commit=True) as cursor:
            for index, table, columns in self.INDEXES:
                prefix = f"ix_{table}_{index}_"
                if any(name.startswith(prefix) for name in existing.get(table + self.suffix, ())):
                    continue
                name = prefix + uuid.uuid4().hex[:8]
                cursor.execute(f"CREATE INDEX {name} ON {self.t(table)} ({columns})")

    def _index_names(self) -> dict[str, list[str]]:
        tables = {table + self.suffix for _, table, _ in self.INDEXES}
        names: dict[str, list[str]] = {}
        for table in tables:
            if self.store.backend == "sqlite":
                rows = self.store.fetchall(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
                )
            else:
                rows = self.store.fetchall(
                    "SELECT indexname AS name FROM pg_indexes "
                    "WHERE schemaname = ? AND tablename = ?",
                    (self.store.settings.pg_schema, table),
                )
            names[table] = [row["name"] for row in rows]
        return names

    def drop_tables(self, cursor: Any) -> None:
        for table in self.TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {self.t(table)}")

    def swap_into_place(self) -> None:
        """Replace the live tables and position with this (aside-built) generation at once."""
        swap_into_place([self])

    def check_swap(self) -> None:  # noqa: B027 - optional hook
        """Before the swap: raise if this generation must not replace the live one."""

    def swap_in(self, cursor: Any) -> None:
        """Inside the swap's transaction: the live tables become the previous generation
        (``__old``), this generation's become the live ones, and so does its position."""
        assert self.suffix, "only an aside build is swapped in"
        self._previous().drop_tables(cursor)
        for table in self.TABLES:
            live = self.store.table(table)
            if self.store.table_exists(table):
                cursor.execute(f"ALTER TABLE {live} RENAME TO {self._bare(table + '__old')}")
            cursor.execute(f"ALTER TABLE {self.t(table)} RENAME TO {self._bare(table)}")
        self.store.rename_tracking(cursor, self.tracking_name, self.name)

    def drop_previous(self, cursor: Any) -> None:
        """After the swap: drop the generation it replaced."""
        self._previous().drop_tables(cursor)

    def _previous(self) -> ViewProjection:
        return type(self)(self.app, self.store, suffix="__old")

    def _bare(self, name: str) -> str:
        return name if self.store.backend == "sqlite" else f'"{name}"'

    def position(self) -> int:
        return self.store.position(self.tracking_name)

    def takes(self, cls: type) -> bool | None:
        """Whether ``apply`` acts on events of class ``cls`` (their ``EVENTS``): the
        projector decodes no event that no projection takes. None: ask :meth:`wants` of
        each event (a share of the views, built in a parallel rebuild)."""
        events = self.EVENTS
        return self.NEEDS_EVENTS and (events is None or issubclass(cls, events))

    def wants(self, notification: StoredNotification, cls: type) -> bool:
        """Whether ``apply`` acts on this event of class ``cls`` (one that :meth:`takes`
        leaves open), asked before it is decoded."""
        return True

    # ------------------------------------------------------------------ processing

    def reset_cache(self) -> None:  # noqa: B027 - optional hook
        """Forget in-memory state (after a resync); it is reloaded from the store on demand."""

    def process(self, items: Sequence[Item], start: int) -> int:
        """Apply ``items`` (all after ``start``) and record their last position, atomically."""
        if not items:
            return start
        end = items[-1][0].id
        for notification, event in self._mine(items):
            try:
                self.apply(notification, event)
            except Exception as error:
                self.reset_cache()
                raise ProjectionError(self.name, notification, error) from error
        self.commit(start, end)
        return end

    def _mine(self, items: Sequence[Item]) -> Sequence[Item]:
        """The items of ``EVENTS``' topics (``apply`` ignores the others, which may not
        even be decoded): a lookup of each topic, rather than a call of ``apply``."""
        if self.EVENTS is None:
            return items
        topics = self._topics
        for topic in {notification.topic for notification, _ in items} - topics.keys():
            try:
                topics[topic] = issubclass(resolve_topic(topic), self.EVENTS)
            except Exception:
                topics[topic] = True  # no such class: let ``apply`` meet it
        return [item for item in items if topics[item[0].topic]]

    def commit(self, start: int, end: int) -> None:
        """Write the pending rows and the position ``end`` in one transaction (which fails
        if the tracked position is no longer ``start``), then :meth:`committed`."""
        try:
            with self.store.batch(self.tracking_name, start, end) as cursor:
                self.write(cursor)
        except BaseException:
            self.reset_cache()
            raise
        finally:
            self.clear_pending()
        self.committed()

    def committed(self) -> None:  # noqa: B027 - optional hook
        """After the batch's rows and position are committed (readers can see them)."""

    @abstractmethod
    def apply(self, notification: StoredNotification, event: Any) -> None:
        """Fold one event into the rows pending for this batch."""

    @abstractmethod
    def write(self, cursor: Any) -> None:
        """Write the pending rows (inside the batch transaction)."""

    def clear_pending(self) -> None:  # noqa: B027 - optional hook
        """Forget the rows collected for the batch just written (or abandoned)."""

    def finish(self) -> None:  # noqa: B027 - optional hook
        """After a bulk load has caught up: write anything it deferred."""


def swap_into_place(projections: Sequence[ViewProjection]) -> None:
    """Replace the live tables and positions of ``projections`` (aside-built generations,
    all on one store) with theirs in **one** transaction: readers see every one of the old
    views or every one of the new. The generation they replace is dropped afterwards, in a
    transaction of its own, outside the readers' way."""
    if not projections:
        return
    for projection in projections:
        projection.check_swap()
    store = projections[0].store
    with store.transaction(commit=True) as cursor:
        if store.backend == "sqlite":
            cursor.execute("DELETE FROM tracking WHERE 0")  # take the write lock first
        for projection in projections:
            projection.swap_in(cursor)
    with store.transaction(commit=True) as cursor:
        for projection in projections:
            projection.drop_previous(cursor)
