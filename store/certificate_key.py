"""The registry's certificate key: the secret that makes certificate codes unguessable.

32 random bytes, made once per store and kept in a table of our own beside the events
(``registry_certificate_key``, one row, in the events' SQLite file or the store's PostgreSQL
schema), never in an event nor in the views (which are public data, rebuilt from the events).
Every process of a store reads the same row: the first to ask writes it (``INSERT ... ON
CONFLICT DO NOTHING``), and everyone reads back the row that won, so concurrent first uses
agree. Rebuilding the views keeps the key, so the codes stay the same.

A backup that is to keep the certificates verifiable must carry the key with the events: a
store restored into a fresh database would make a new key, and every printed code would stop
verifying. ``registry certificate-key export FILE`` writes it to a file of its own (never into
the event feed, which auditors read) and ``registry certificate-key import FILE`` installs it
into a restored store before its first certificate is shown (:func:`install_certificate_key`).
"""

from __future__ import annotations

import os
import time

from store.dialect import dialect_of
from store.events import Datastore
from store.settings import Settings

TABLE = "registry_certificate_key"
KEY_BYTES = 32


def certificate_key(settings: Settings, datastore: Datastore) -> bytes:
    """The store's certificate key, made on first use (get-or-create)."""
    return _key(settings, datastore, None)[0]


def install_certificate_key(settings: Settings, datastore: Datastore, key: bytes) -> bool:
    """Install ``key`` (a backup's) as the store's key; True when it was installed, False when
    the store holds this very key already. A store holding another key is refused
    (:class:`KeyConflict`): its printed codes would stop verifying."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a certificate key is {KEY_BYTES} bytes")
    held, written = _key(settings, datastore, key)
    if held != key:
        raise KeyConflict
    return written


def replace_certificate_key(settings: Settings, datastore: Datastore, key: bytes) -> None:
    """Make ``key`` the store's key whatever it held (a restore whose views, and so the codes
    they show, were made under a key of its own: rebuild the views afterwards)."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a certificate key is {KEY_BYTES} bytes")
    _key(settings, datastore, key)
    dialect = dialect_of(settings)
    table, p = dialect.table(TABLE), dialect.placeholder
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"UPDATE {table} SET key = {p}, created_at = {p} WHERE id = 1", (key, time.time())
        )


class KeyConflict(Exception):
    """The store has a certificate key already, and it is another one."""


def _key(settings: Settings, datastore: Datastore, new: bytes | None) -> tuple[bytes, bool]:
    """The store's key, and whether this call wrote it; when the store has none, ``new`` (or
    random bytes) becomes it."""
    dialect = dialect_of(settings)
    table, p = dialect.table(TABLE), dialect.placeholder
    select = f"SELECT key FROM {table} WHERE id = 1"
    with datastore.transaction(commit=False) as cursor:
        if _exists(settings, cursor):
            cursor.execute(select)
            row = cursor.fetchone()
            if row is not None:
                return bytes(row["key"]), False
    candidate = new if new is not None else os.urandom(KEY_BYTES)
    with datastore.transaction(commit=True) as cursor:
        dialect.serialise_ddl(cursor, 0x4345_5254)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY CHECK (id = 1), "
            f"key {dialect.blob} NOT NULL, created_at {dialect.real} NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {table} (id, key, created_at) VALUES (1, {p}, {p}) "
            "ON CONFLICT (id) DO NOTHING",
            (candidate, time.time()),
        )
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(select)
        row = cursor.fetchone()
    key = bytes(row["key"])
    if len(key) != KEY_BYTES:  # pragma: no cover - only a hand-edited table
        raise RuntimeError(
            f"the certificate key in {dialect.where(TABLE)} is not {KEY_BYTES} bytes"
        )
    return key, key == candidate  # another process may have won the race


def _exists(settings: Settings, cursor: object) -> bool:
    """Whether the key's table exists (a read that creates nothing)."""
    if settings.backend == "sqlite":
        cursor.execute(  # type: ignore[attr-defined]
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        )
    else:
        cursor.execute(  # type: ignore[attr-defined]
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (settings.pg_schema, TABLE),
        )
    return cursor.fetchone() is not None  # type: ignore[attr-defined]
