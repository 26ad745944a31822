"""Lookups by primary key in a local SQLite file, cheap enough for every request.

The library's pool and transaction cost about eight times such a lookup; a connection of its
own per thread, in autocommit mode, is a WAL reader that no writer ever blocks.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any


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
