"""The keys that seal each person's sensitive fields (crypto-shredding, RULES.md "Erasure").

One random 256-bit AES key per participant, kept in a table of our own beside the events (the
same database: ``registry_personal_keys``, SQLite or PostgreSQL), never in an event. Today's
code stores a person's birth date and disability only sealed with their key (AES-GCM, a fresh
96-bit nonce per seal, the participant's id as associated data so a sealed text cannot be
moved to another person); :meth:`PersonalKeys.destroy` deletes the key, after which the sealed
text in the events (which are never edited) can never be opened again.

A destroyed key leaves a tombstone (the row, with no key and the time of erasure), so a key
is never made again for that person: :meth:`PersonalKeys.seal` refuses (``KeyErased``).

What a deletion reaches: SQLite overwrites the freed page (``PRAGMA secure_delete``) and the
write-ahead log is checkpointed and truncated; PostgreSQL's table is vacuumed so the dead row
is cleared from its pages. Copies made before (backups, replicas, PostgreSQL's WAL archive)
still hold the key until they are rotated away: that is outside this module's reach.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from store.dialect import dialect_of
from store.settings import Settings

TABLE = "registry_personal_keys"
#: the prefix of a sealed text: the format's version (AES-GCM, 12-byte nonce first)
PREFIX = "k1:"
_NONCE = 12


class KeyErased(LookupError):
    """The person's key was destroyed: nothing is sealed with it again."""


class Datastore(Protocol):
    """The library's datastore (SQLite or PostgreSQL): a transaction as a context."""

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...


class PersonalKeys:
    """The per-person keys of one store, through the event store's own connection pool."""

    def __init__(self, settings: Settings, datastore: Datastore) -> None:
        self.settings = settings
        self.datastore = datastore
        self.dialect = dialect_of(settings)
        self.table = self.dialect.table(TABLE)
        self._create_table()

    def _sql(self, statement: str) -> str:
        return statement.format(table=self.table, p=self.dialect.placeholder)

    def _create_table(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            self.dialect.serialise_ddl(cursor, 0x4B45_5953)
            cursor.execute(
                self._sql(
                    "CREATE TABLE IF NOT EXISTS {table} (participant_id TEXT PRIMARY KEY, "
                    f"key {self.dialect.blob}, created_at {self.dialect.real} NOT NULL, "
                    f"erased_at {self.dialect.real})"
                )
            )

    def _row(self, participant_id: UUID) -> tuple[bytes | None, bool] | None:
        """``(key, erased)`` of a person, or None when they have no row."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                self._sql("SELECT key, erased_at FROM {table} WHERE participant_id = {p}"),
                (str(participant_id),),
            )
            row = cursor.fetchone()
        if row is None:
            return None
        key, erased_at = row["key"], row["erased_at"]
        return (bytes(key) if key is not None else None), erased_at is not None

    def key_of(self, participant_id: UUID) -> bytes | None:
        """The person's key, or None when they have none (never made, or destroyed). Read
        every time, never cached: another process may have destroyed it."""
        row = self._row(participant_id)
        return None if row is None else row[0]

    def erased(self, participant_id: UUID) -> bool:
        row = self._row(participant_id)
        return row is not None and row[1]

    def _key_for_sealing(self, participant_id: UUID) -> bytes:
        """The person's key, made on first use (get-or-create; concurrent makers agree on
        the first one written)."""
        key = self.key_of(participant_id)
        if key is not None:
            return key
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self._sql(
                    "INSERT INTO {table} (participant_id, key, created_at) VALUES ({p}, {p}, {p}) "
                    "ON CONFLICT (participant_id) DO NOTHING"
                ),
                (str(participant_id), AESGCM.generate_key(bit_length=256), time.time()),
            )
        row = self._row(participant_id)
        if row is None or row[0] is None:
            raise KeyErased(f"the personal data of participant {participant_id} was erased")
        return row[0]

    def make_keys(self, participant_ids: Iterable[UUID]) -> None:
        """Make the keys of many people at once, in one transaction (a spreadsheet's entrant
        list), so that sealing their data finds them instead of making each in a
        transaction of its own. A person who has a key (or whose key was destroyed) keeps
        it as it is."""
        rows = [
            (str(participant_id), AESGCM.generate_key(bit_length=256), time.time())
            for participant_id in dict.fromkeys(participant_ids)
        ]
        if not rows:
            return
        with self.datastore.transaction(commit=True) as cursor:
            cursor.executemany(
                self._sql(
                    "INSERT INTO {table} (participant_id, key, created_at) VALUES ({p}, {p}, {p}) "
                    "ON CONFLICT (participant_id) DO NOTHING"
                ),
                rows,
            )

    def seal(self, participant_id: UUID, plain: bytes) -> str:
        """``plain`` sealed with the person's key (made on first use): ``k1:`` + base64 of
        nonce and ciphertext. :class:`KeyErased` when their key was destroyed."""
        key = self._key_for_sealing(participant_id)
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(key).encrypt(nonce, plain, participant_id.bytes)
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, participant_id: UUID, sealed: str) -> bytes | None:
        """The plain bytes of a sealed text, or None when the person's key is gone. A text
        that is not the person's (a wrong id, a changed byte) raises ``ValueError``."""
        key = self.key_of(participant_id)
        if key is None:
            return None
        if not sealed.startswith(PREFIX):
            raise ValueError(f"not a sealed text of this registry: {sealed[:8]!r}")
        raw = base64.b64decode(sealed[len(PREFIX) :])
        try:
            return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], participant_id.bytes)
        except InvalidTag:
            raise ValueError(
                f"sealed text does not open for participant {participant_id}"
            ) from None

    def destroy(self, participant_id: UUID) -> None:
        """Delete the person's key for ever, leaving a tombstone (idempotent)."""
        sqlite = self.settings.backend == "sqlite"
        now = time.time()  # the tombstone is made at the moment of erasure
        with self.datastore.transaction(commit=True) as cursor:
            if sqlite:  # the freed bytes are overwritten, not merely unlinked
                cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(
                self._sql("DELETE FROM {table} WHERE participant_id = {p}"),
                (str(participant_id),),
            )
            cursor.execute(
                self._sql(
                    "INSERT INTO {table} (participant_id, key, created_at, erased_at) "
                    "VALUES ({p}, NULL, {p}, {p})"
                ),
                (str(participant_id), now, now),
            )
        self._scrub()

    def _scrub(self) -> None:
        """Clear the deleted key from the database's files (see the module's docstring)."""
        if self.settings.backend == "sqlite":
            with self.datastore.transaction(commit=False) as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        import psycopg

        with psycopg.connect(self.settings.pg_conninfo(), autocommit=True) as conn:
            conn.execute(self._sql("VACUUM {table}"))  # type: ignore[arg-type]
