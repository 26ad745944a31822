"""Where the views live, and how rows and tracking positions are written together.

Views are SQL tables beside the event store: on SQLite a file of their own next to the events
(``registry.sqlite`` → ``registry.views.sqlite``, so the projector never holds the writers'
lock), on PostgreSQL tables prefixed ``v_`` in the store's schema. Tracking positions are kept
by the library's tracking recorder (``SQLiteTrackingRecorder`` / ``PostgresTrackingRecorder``)
in the same database, and every batch of view rows is written in **one** transaction with
``_insert_tracking``: an event is applied exactly once, whatever instruction the process dies
at. A second writer (another projector, or a rebuild that swapped tables) is detected inside
that transaction and the batch is rolled back, never half-applied.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking

from store.events import postgres_datastore
from store.settings import Settings, private_sqlite_file


class ResyncNeeded(Exception):
    """The tracking position moved under us (a rebuild swapped, or another projector ran)."""


def views_sqlite_path(events_path: str) -> str:
    path = Path(events_path)
    return str(path.with_name(f"{path.stem}.views{path.suffix or '.sqlite'}"))


class ViewStore:
    """The views' database: a DB-API cursor per transaction, ``?`` placeholders everywhere."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.backend = settings.backend
        if self.backend == "sqlite":
            from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

            assert settings.sqlite_path is not None
            self.path = views_sqlite_path(settings.sqlite_path)
            private_sqlite_file(self.path)  # owner-only, like the events' file
            self.datastore: Any = SQLiteDatastore(self.path, lock_timeout=30, pool_size=4)
            # Views are derived data whose rows and tracking commit together: after a power
            # loss the last batches may roll back and are simply applied again. So WAL with
            # synchronous=NORMAL (no fsync per commit) is safe here; the event store keeps
            # the library's settings.
            # Freed pages are not overwritten with zeros (Debian's SQLite does by default):
            # a view holds nothing that the events do not hold in clear (a birth date or a
            # disability is never copied into one, see ``store.keys``), so zeroing protects
            # nothing, and it made a rebuild write every page of the generation it replaces
            # twice more (the drop, then its write-ahead log): 1.7 of 16 s at 300,000 events.
            create = self.datastore.pool._create_connection

            def create_connection() -> Any:
                connection = create()
                connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
                connection._sqlite_conn.execute("PRAGMA secure_delete=OFF")
                return connection

            self.datastore.pool._create_connection = create_connection
            self.tracking: Any = SQLiteTrackingRecorder(self.datastore)
            self.tracking_table = "tracking"
        else:
            from eventsourcing.postgres import PostgresTrackingRecorder

            self.path = settings.describe()
            self.datastore = postgres_datastore(
                settings,
                pool_size=4,
                max_overflow=4,
                pre_ping=True,
                # A big catch-up batch may take longer than the library's 5 s default.
                idle_in_transaction_session_timeout=120,
            )
            self.tracking = PostgresTrackingRecorder(
                self.datastore, tracking_table_name="v_tracking"
            )
            self.tracking_table = f'"{settings.pg_schema}".v_tracking'
        self.tracking.create_table()

    def close(self) -> None:
        self.datastore.close()

    # ------------------------------------------------------------------ SQL helpers

    def sql(self, statement: str) -> str:
        """Our SQL is written with ``?``; PostgreSQL wants ``%s``."""
        return statement if self.backend == "sqlite" else statement.replace("?", "%s")

    def table(self, name: str) -> str:
        """A view table's qualified name."""
        if self.backend == "sqlite":
            return name
        return f'"{self.settings.pg_schema}"."{name}"'

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield cursor

    def execute(self, cursor: Any, statement: str, params: Sequence[Any] = ()) -> None:
        cursor.execute(self.sql(statement), tuple(params))

    def executemany(self, cursor: Any, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            cursor.executemany(self.sql(statement), rows)

    def insert(self, cursor: Any, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (every column, in the table's order) into the qualified ``table``:
        SQLite, one prepared statement for all of them; PostgreSQL, ``COPY`` (psycopg's
        ``executemany`` costs tens of microseconds a row in Python, ``COPY`` about one)."""
        if not rows:
            return
        if self.backend == "sqlite":
            marks = ", ".join("?" * len(rows[0]))
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            return
        with cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _one_statement(self) -> AbstractContextManager[Any]:
        """A cursor for one read statement: SQLite, a read transaction; PostgreSQL,
        autocommit (one statement sees one snapshot): one round trip, not BEGIN, the
        statement and ROLLBACK."""
        if self.backend == "sqlite":
            return self.transaction(commit=False)
        return self.datastore.cursor()

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._one_statement() as cursor:
            cursor.execute(self.sql(statement), tuple(params))
            return list(cursor.fetchall())

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Any:
        with self._one_statement() as cursor:
            cursor.execute(self.sql(statement), tuple(params))
            return cursor.fetchone()

    def table_exists(self, name: str) -> bool:
        if self.backend == "sqlite":
            row = self.fetchone(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
            )
        else:
            row = self.fetchone(
                "SELECT 1 FROM information_schema.tables WHERE table_schema=? AND table_name=?",
                (self.settings.pg_schema, name),
            )
        return row is not None

    # ------------------------------------------------------------------ tracking

    def position(self, name: str) -> int:
        """The last notification position applied by the projection ``name`` (0: none)."""
        return int(self.tracking.max_tracking_id(name) or 0)

    def _locked_position(self, cursor: Any, name: str) -> int:
        suffix = "" if self.backend == "sqlite" else " FOR UPDATE"
        cursor.execute(
            self.sql(
                f"SELECT notification_id FROM {self.tracking_table} "
                f"WHERE application_name = ?{suffix}"
            ),
            (name,),
        )
        row = cursor.fetchone()
        return int(row[0] if self.backend == "sqlite" else row["notification_id"]) if row else 0

    @contextmanager
    def batch(self, name: str, start: int, end: int) -> Iterator[Any]:
        """A transaction that writes view rows and moves ``name`` from ``start`` to ``end``.

        Raises :class:`ResyncNeeded` (and writes nothing) if the tracking position is not
        ``start`` any more when the transaction begins.
        """
        with self.transaction(commit=True) as cursor:
            if self.backend == "sqlite":
                # Take the write lock first, so the position check holds until commit.
                cursor.execute("DELETE FROM tracking WHERE 0")
            if self._locked_position(cursor, name) != start:
                raise ResyncNeeded(name)
            yield cursor
            self.tracking._insert_tracking(cursor, Tracking(name, end))

    def reset(self, name: str, cursor: Any) -> None:
        cursor.execute(
            self.sql(f"DELETE FROM {self.tracking_table} WHERE application_name = ?"), (name,)
        )

    def rename_tracking(self, cursor: Any, old: str, new: str) -> None:
        self.reset(new, cursor)
        cursor.execute(
            self.sql(
                f"UPDATE {self.tracking_table} SET application_name = ? WHERE application_name = ?"
            ),
            (new, old),
        )

    def wait(self, name: str, position: int, timeout: float) -> bool:
        """Wait (polling, bounded) until ``name`` has applied ``position``."""
        deadline = time.monotonic() + timeout
        pause = 0.005
        while True:
            if self.position(name) >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, 0.1)
