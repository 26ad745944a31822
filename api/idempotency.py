"""``Idempotency-Key``: the first answer to a command, stored durably and replayed.

A client that retries a POST (or PUT) with the same ``Idempotency-Key`` header gets the first
answer back — status, body, ``ETag`` — and nothing is recorded again. Keys are scoped by the
account that sent them. The table ``api_idempotency`` lives in the registry's own database:

* SQLite: in the same file as the events (``settings.sqlite_path``);
* PostgreSQL: in the registry's schema (``settings.pg_schema``), beside the events table.

It is written through the event store's own connection pool (``registry.recorder.datastore``),
never nested inside another transaction, so a request holds at most one connection at a time.

Rules:

* The request is identified by its method, path and body, the body compared after decoding
  (so white space and key order do not matter). The same key with another method, path or
  body is refused: 422 ``/problems/idempotency-key-reused``.
* A key is claimed before the command runs (a row without an answer). A second request with
  the key while the first is running gets 409 ``/problems/idempotency-key-in-use`` (retry);
  a claim left behind by a crashed process is taken over after ``STALE_SECONDS``.
* Only successful (2xx) answers are stored. A refused command recorded nothing, so its key is
  released and a retry is decided afresh.
* Bearer tokens are never stored (tokens are kept only as hashes): the stored answer of an
  account creation or token rotation has ``"token": null``.
* Records expire: a key is kept for ``REGISTRY_IDEMPOTENCY_TTL`` seconds (default 86,400:
  24 h) from its answer (or, unanswered, from its claim). After that the key is free: the
  same key again is a fresh command, decided as any other (a natural repeat answers 200,
  nothing is replayed), and another body under it is no longer refused. Expired rows are
  deleted as keys are claimed, the whole table at most once a minute, so the table holds
  about one day of keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

import msgspec

from api.problems import ApiProblem
from registry.application import RegistryApplication
from store.dialect import dialect_of

TABLE = "api_idempotency"
STALE_SECONDS = 60.0
MAX_KEY_LENGTH = 255
TTL_ENV = "REGISTRY_IDEMPOTENCY_TTL"
#: how long a key is kept (seconds): a day, far longer than any client retries
DEFAULT_TTL_SECONDS = 24 * 3600.0
#: expired rows of other keys are pruned at most this often (seconds)
PRUNE_EVERY_SECONDS = 60.0


def ttl_from_env(environ: Mapping[str, str] | None = None) -> float:
    """``REGISTRY_IDEMPOTENCY_TTL``: seconds (a positive number) a key is kept; ValueError
    with a clear message when malformed."""
    value = (os.environ if environ is None else environ).get(TTL_ENV, "").strip()
    if not value:
        return DEFAULT_TTL_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{TTL_ENV}: expected a positive number of seconds, got {value!r}")
    return seconds


class StoredAnswer(msgspec.Struct, frozen=True):
    status: int
    headers: dict[str, str]
    body: bytes


def fingerprint(method: str, path: str, body: Any) -> str:
    """The identity of a request: method, path and the decoded body, canonically encoded."""
    canonical = (
        b"" if body is None else msgspec.json.encode(msgspec.to_builtins(body), order="sorted")
    )
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiProblem(
            400,
            "malformed-request",
            "Idempotency-Key: expected 1-%(most)s printable ASCII characters",
            params={"most": MAX_KEY_LENGTH},
        )
    return key


class IdempotencyStore:
    """The stored first answers, in the registry's database."""

    def __init__(
        self,
        registry: RegistryApplication,
        *,
        ttl_seconds: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        #: how long a key is kept after its answer (``REGISTRY_IDEMPOTENCY_TTL``)
        self.ttl_seconds = ttl_from_env() if ttl_seconds is None else ttl_seconds
        self.clock = clock
        self._next_prune = 0.0
        self.datastore = registry.recorder.datastore
        self.dialect = dialect_of(registry.settings)
        self.table = self.dialect.table(TABLE)
        self.location = self.dialect.where(TABLE)
        self._create_table()

    def _sql(self, statement: str) -> str:
        return statement.format(table=self.table, p=self.dialect.placeholder)

    def _create_table(self) -> None:
        statement = self._sql(
            "CREATE TABLE IF NOT EXISTS {table} ("
            " account_id TEXT NOT NULL,"
            " key TEXT NOT NULL,"
            " fingerprint TEXT NOT NULL,"
            " method TEXT NOT NULL,"
            " path TEXT NOT NULL,"
            " status INTEGER,"
            " headers TEXT,"
            f" body {self.dialect.blob},"
            f" created_at {self.dialect.real} NOT NULL,"
            f" completed_at {self.dialect.real},"
            " PRIMARY KEY (account_id, key))"
        )
        with self.datastore.transaction(commit=True) as cursor:
            # several API processes may start at once
            self.dialect.serialise_ddl(cursor, 0x1DE4_7E11)
            cursor.execute(statement)

    # ------------------------------------------------------------------ the protocol

    def begin(
        self, account_id: UUID, key: str, fingerprint: str, method: str, path: str
    ) -> StoredAnswer | None:
        """Claim ``key`` for this request (None) or answer with the stored first answer.

        Raises 422 ``idempotency-key-reused`` for another request under the same key, and
        409 ``idempotency-key-in-use`` while the first request is still running.
        """
        now = self.clock()
        account = str(account_id)
        if now >= self._next_prune:
            self._next_prune = now + PRUNE_EVERY_SECONDS
            self.prune(now)
        with self.datastore.transaction(commit=True) as cursor:
            # this key's own record, expired: the key is free again
            cursor.execute(
                self._sql(
                    "DELETE FROM {table} WHERE account_id = {p} AND key = {p}"
                    " AND COALESCE(completed_at, created_at) < {p}"
                ),
                (account, key, now - self.ttl_seconds),
            )
            cursor.execute(
                self._sql(
                    "INSERT INTO {table} (account_id, key, fingerprint, method, path, created_at)"
                    " VALUES ({p}, {p}, {p}, {p}, {p}, {p})"
                    " ON CONFLICT (account_id, key) DO NOTHING RETURNING key"
                ),
                (account, key, fingerprint, method, path, now),
            )
            if cursor.fetchone() is not None:
                return None
            cursor.execute(
                self._sql(
                    "SELECT fingerprint, method, path, status, headers, body, created_at"
                    " FROM {table} WHERE account_id = {p} AND key = {p}"
                ),
                (account, key),
            )
            row = cursor.fetchone()
            if row is None:  # pragma: no cover - released between the two statements
                return self.begin(account_id, key, fingerprint, method, path)
            if row["fingerprint"] != fingerprint:
                raise ApiProblem(
                    422,
                    "idempotency-key-reused",
                    "Idempotency-Key %(key)r was first used for %(method)s %(path)s "
                    "with another body; use a new key for a new request",
                    params={"key": key, "method": row["method"], "path": row["path"]},
                )
            if row["status"] is not None:
                return StoredAnswer(
                    status=int(row["status"]),
                    headers=json.loads(row["headers"] or "{}"),
                    body=bytes(row["body"] or b""),
                )
            if now - float(row["created_at"]) > STALE_SECONDS:
                # the first request's process died: take the claim over
                cursor.execute(
                    self._sql(
                        "UPDATE {table} SET created_at = {p}"
                        " WHERE account_id = {p} AND key = {p} AND status IS NULL"
                        " AND created_at = {p}"
                    ),
                    (now, account, key, row["created_at"]),
                )
                return None
        raise ApiProblem(
            409,
            "idempotency-key-in-use",
            "a request with Idempotency-Key %(key)r is still being processed; retry shortly",
            params={"key": key},
            headers={"Retry-After": "1"},
        )

    def complete(self, account_id: UUID, key: str, answer: StoredAnswer) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE {table} SET status = {p}, headers = {p}, body = {p}, completed_at = {p}"
                    " WHERE account_id = {p} AND key = {p}"
                ),
                (
                    answer.status,
                    json.dumps(answer.headers),
                    answer.body,
                    self.clock(),
                    str(account_id),
                    key,
                ),
            )

    def release(self, account_id: UUID, key: str) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self._sql(
                    "DELETE FROM {table} WHERE account_id = {p} AND key = {p} AND status IS NULL"
                ),
                (str(account_id), key),
            )

    def prune(self, now: float | None = None) -> int:
        """Delete every expired record; answers how many."""
        cutoff = (self.clock() if now is None else now) - self.ttl_seconds
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self._sql(
                    "DELETE FROM {table} WHERE COALESCE(completed_at, created_at) < {p}"
                    " RETURNING key"
                ),
                (cutoff,),
            )
            return len(cursor.fetchall())

    def count(self) -> int:
        """Stored keys (for tests and ``registry info``-style reports)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self._sql("SELECT COUNT(*) AS n FROM {table}"))
            row = cursor.fetchone()
            return int(row["n"])
