"""SQLite or PostgreSQL, for the SQL the layers above keep beside the events.

The events table is read by ``store.events`` and the views are written through
``projections.store``; this module is for the other tables and lookups of our own (the API's
``Idempotency-Key`` answers, the read side's lookups in the views' file): the placeholder,
the column types, a table's qualified name, how concurrent ``CREATE TABLE`` statements are
kept apart, and whether a lookup may read a local file directly. ``ON CONFLICT ... DO NOTHING
RETURNING`` and the rest of the SQL we write are the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from store.events import SQLiteReaders
from store.settings import Settings


class Cursor(Protocol):
    """A DB-API cursor of the library's datastores."""

    def execute(self, statement: str, params: Any = ...) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    """How to write a table of our own in the store of ``settings``."""

    settings: Settings
    #: the parameter placeholder (``?`` or ``%s``)
    placeholder: str
    #: column types: bytes, a float (seconds since the epoch)
    blob: str
    real: str

    def table(self, name: str) -> str:
        """The table's name as a statement names it (PostgreSQL: in the registry's schema,
        a name the settings validated: a lower-case identifier)."""
        if self.settings.backend == "sqlite":
            return name
        return f'"{self.settings.pg_schema}"."{name}"'

    def where(self, name: str) -> str:
        """Where the table lives, for people."""
        if self.settings.backend == "sqlite":
            return f"table {name} in the SQLite file {self.settings.sqlite_path}"
        return f"table {self.settings.pg_schema}.{name} in PostgreSQL {self.settings.pg_dbname}"

    def serialise_ddl(self, cursor: Cursor, key: int) -> None:
        """Keep concurrent ``CREATE TABLE IF NOT EXISTS`` apart until the transaction ends:
        on PostgreSQL they race when several processes start at once (a transaction-scoped
        advisory lock on ``key``); SQLite's writer lock already does."""
        if self.settings.backend == "postgres":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (key,))


def dialect_of(settings: Settings) -> Dialect:
    if settings.backend == "sqlite":
        return Dialect(settings, placeholder="?", blob="BLOB", real="REAL")
    return Dialect(settings, placeholder="%s", blob="BYTEA", real="DOUBLE PRECISION")


def local_reader(settings: Settings, path: str) -> SQLiteReaders | None:
    """Per-thread readers of the database file at ``path`` when the store's lookups are local
    (``settings.local_lookups``: SQLite), else None (ask through the datastore instead)."""
    return SQLiteReaders(path) if settings.local_lookups else None
