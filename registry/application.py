"""The write side: one method per command of API.md "Registration", "Marking" and closing.

Each command loads what it needs, calls the aggregate (which validates before it records
anything), and saves all touched aggregates in one transaction. A version conflict (another
writer got there first) is retried with a fresh read. Every command answers with the
aggregate's id and the notification position of its last event; a command that changes
nothing (a repeated create, an identical mark) answers with the position of the event that
recorded the existing fact and records nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import hmac
import logging
import os
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, OperationalError, ProcessRecorder, Tracking

from domain.aggregates import (
    Account,
    Championship,
    Competition,
    Organisation,
    Participant,
    PrizeProgramme,
)
from domain.errors import DomainError
from domain.ids import account_id as account_id_of
from domain.ids import clean_text as ids_clean
from domain.prizes import Prize
from domain.values import (
    Aspect,
    AspectType,
    Category,
    ChampionshipKind,
    ExpertRole,
    Level,
    OrganisationKind,
    Role,
)
from store.events import SQLiteReaders
from store.settings import Settings, load_settings, prepare_store

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writers stay optimistic
    fcntl = None  # type: ignore[assignment]

A = TypeVar("A", bound=Aggregate)

MAX_ATTEMPTS = 30
logger = logging.getLogger("registry")
MAX_CACHED_ACCOUNTS = 10_000


class _Job:
    """A command waiting for its turn on an aggregate (see ``RegistryApplication._change``).

    ``future``: an asyncio future of the caller's event loop, set when the job is done (the
    asynchronous path, :meth:`RegistryApplication._change_async`)."""

    __slots__ = ("decide", "error", "expected_version", "finished", "future", "result")

    def __init__(
        self,
        decide: Callable[[Any], Any],
        expected_version: int | None,
        future: asyncio.Future[CommandResult] | None = None,
    ) -> None:
        self.decide = decide
        self.expected_version = expected_version
        self.future = future
        self.finished = False
        self.result: CommandResult | None = None
        self.error: BaseException | None = None


def _wake(jobs: list[_Job]) -> None:
    """Answer the asynchronous callers of finished jobs (runs on their event loop)."""
    for job in jobs:
        future = job.future
        if future is None or future.done():  # e.g. the client went away: nothing to answer
            continue
        if job.error is not None:
            future.set_exception(job.error)
        else:
            future.set_result(job.result)  # type: ignore[arg-type]


def _settle(jobs: list[_Job]) -> None:
    """Wake the asynchronous callers of ``jobs``: one call per event loop, not per job."""
    waiting: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
    for job in jobs:
        if job.future is not None:
            waiting.setdefault(job.future.get_loop(), []).append(job)
    for loop, group in waiting.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_wake, group)


class CommandResult(msgspec.Struct, frozen=True):
    """What every command answers: the id, the position of its last event, and whether
    it recorded anything new."""

    id: UUID
    position: int
    recorded: bool
    #: the aggregate's version after the command (a strong ETag for clients)
    version: int = 1


class AccountCreated(msgspec.Struct, frozen=True):
    id: UUID
    position: int
    recorded: bool
    token: str | None  # shown once; None when the account already existed


class AspectInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    criterion: str
    description: str
    max_mark: str
    type: AspectType


def hash_token(token: str) -> str:
    """Tokens are stored only as this hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(account_id: UUID) -> str:
    """A fresh bearer token ``<account id hex>.<32 random bytes, URL-safe>``.

    The id prefix lets every process find the account (and see a revocation or rotation at
    once, from the store); only the hash of the whole token is stored.
    """
    return f"{account_id.hex}.{secrets.token_urlsafe(32)}"


def token_account_id(token: str) -> UUID | None:
    """The account id a token names, or None when it is not shaped like one of ours."""
    prefix, dot, secret = token.partition(".")
    if not dot or len(prefix) != 32 or len(secret) < 32:
        return None
    try:
        return UUID(hex=prefix)
    except ValueError:
        return None


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


class RegistryApplication(Application[UUID]):
    """The registry's application service (eventsourcing ``Application``)."""

    name = "Registry"

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        prepare_store(self.settings)
        self.clock = clock
        # The library's cache fast-forwards a cached aggregate under its own lock but
        # deep-copies it outside that lock; concurrent gets of one aggregate then race
        # ("dictionary changed size during iteration"). Striped locks serialise gets of
        # the same aggregate (found by the 8-thread marking test).
        self._get_locks = [threading.RLock() for _ in range(64)]
        self._recorded_callbacks: list[Callable[[int], None]] = []
        self._queues: dict[UUID, list[_Job]] = {}
        self._queues_lock = threading.Lock()
        # the asynchronous path: aggregates with jobs for the writer thread, and that thread
        self._ready: dict[UUID, tuple[type[Aggregate], str]] = {}
        self._ready_changed = threading.Condition(self._queues_lock)
        self._writer: threading.Thread | None = None
        self._closing = False
        # turns at writing shared with this store's other processes (SQLite): see _writing
        self._turn_lock = threading.Lock()
        self._turn_file: int | None = None
        # Accounts as last read, re-read only when the store holds a newer version of one
        # (checked on every request by one indexed lookup: see ``authenticate``).
        self._accounts: dict[UUID, Account] = {}
        self._readers = (  # primary-key lookups on every request (SQLite)
            SQLiteReaders(str(self.settings.sqlite_path))
            if self.settings.backend == "sqlite"
            else None
        )
        super().__init__(env={**self.settings.eventsourcing_env(), **(env or {})})

    # ------------------------------------------------------------------ infrastructure

    def construct_recorder(self) -> ProcessRecorder:
        """A process recorder: the event store plus the library's tracking table, so a
        policy (the prize proposals) records its new events and the position it has
        processed in one transaction — exactly once, however often it is restarted."""
        return self.factory.process_recorder()

    def save_tracked(self, aggregates: Sequence[Aggregate], tracking: Tracking) -> int:
        """Save the aggregates' pending events and ``tracking`` atomically (eventsourcing's
        ``ProcessingEvent``). A tracking position already recorded raises
        ``IntegrityError`` and stores nothing. Answers the last position written (the
        tracked position when there were no events)."""
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates)
        recordings = self._record(processing)
        self._notify(recordings)
        return int(recordings[-1].notification.id) if recordings else tracking.notification_id

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Any]:
        """Record, then drop the saved aggregates from the cache: with fast-forwarding the
        library leaves the cache at the state before the save, which a command deciding on
        the cached state (``_combine_once``, which puts its own saved state back) would only
        find out about by losing its save."""
        recordings = super()._record(processing_event)
        cache = self.repository.cache
        if cache is not None:
            for aggregate_id in processing_event.aggregates:
                with contextlib.suppress(KeyError):
                    cache.get(aggregate_id, evict=True)
        return recordings

    def tracked_position(self, name: str) -> int:
        """The last position a follower of this store (e.g. the prize policy) processed."""
        recorder: Any = self.recorder
        return int(recorder.max_tracking_id(name) or 0)

    def on_recorded(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(position)`` after this process records events (wakes followers)."""
        self._recorded_callbacks.append(callback)

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        if recordings:
            position = int(recordings[-1].notification.id)
            for callback in self._recorded_callbacks:
                callback(position)

    def close(self) -> None:
        with self._queues_lock:
            self._closing = True
            self._ready_changed.notify_all()
            writer = self._writer
        if writer is not None:
            writer.join(timeout=30)  # it finishes the jobs already queued
        if self._readers is not None:
            self._readers.close()
        with self._turn_lock:
            if self._turn_file is not None:
                os.close(self._turn_file)
                self._turn_file = None
        super().close()

    @property
    def events_table(self) -> str:
        return str(self.recorder.events_table_name)  # type: ignore[attr-defined]

    def head_position(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def event_count(self) -> int:
        if self._readers is not None:
            row = self._readers.one(f"SELECT COUNT(*) FROM {self.events_table}")
        else:
            row = self._pg_row("SELECT COUNT(*) FROM {}.{}", ())
        assert row is not None
        return int(row[0])

    def _pg_row(self, template: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        """The first row of a query on the PostgreSQL events table (``{}.{}`` in
        ``template``: its schema and name), as a tuple."""
        from psycopg import sql

        with self.recorder.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
            curs.execute(
                sql.SQL(template).format(
                    sql.Identifier(self.settings.pg_schema), sql.Identifier(self.events_table)
                ),
                params,
            )
            row = curs.fetchone()
        return None if row is None else tuple(row.values())

    def stored_version(self, aggregate_id: UUID) -> int:
        """The newest version of an aggregate in the store (0: none): one lookup in the
        events' primary key, without decoding anything — cheap enough for every request."""
        if self._readers is not None:
            row = self._readers.one(
                f"SELECT MAX(originator_version) FROM {self.events_table} WHERE originator_id = ?",
                (aggregate_id.hex,),
            )
        else:
            row = self._pg_row(
                "SELECT MAX(originator_version) FROM {}.{} WHERE originator_id = %s",
                (aggregate_id,),
            )
        return int(row[0] or 0) if row else 0

    def position_of(self, aggregate_id: UUID, version: int) -> int:
        """The notification position of one stored event of an aggregate."""
        if self._readers is not None:
            row = self._readers.one(
                f"SELECT rowid FROM {self.events_table} "
                "WHERE originator_id = ? AND originator_version = ?",
                (aggregate_id.hex, version),
            )
        else:
            row = self._pg_row(
                "SELECT notification_id FROM {}.{} "
                "WHERE originator_id = %s AND originator_version = %s",
                (aggregate_id, version),
            )
        if row is None:  # pragma: no cover - the event was just read from the store
            raise DomainError("not-found", f"event {aggregate_id} v{version} is not stored")
        return int(row[0])

    def _save(self, *aggregates: Aggregate) -> int:
        recordings = self.save(*aggregates)
        return int(recordings[-1].notification.id)

    def _run(self, attempt: Callable[[], A]) -> A:
        """Run a read-decide-save attempt, retrying on a version conflict.

        On PostgreSQL a library-level retry after a network blip can report a conflict for
        a save that did commit; the fresh read of the next attempt then sees the committed
        events and answers as a repeat.
        """
        for number in range(MAX_ATTEMPTS):
            try:
                return attempt()
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * (number + 1)))
        raise DomainError(
            "version-conflict", "too many concurrent changes to the same record; try again"
        )

    def _lock_of(self, aggregate_id: UUID) -> threading.RLock:
        return self._get_locks[hash(aggregate_id) % len(self._get_locks)]

    def _load(self, aggregate_id: UUID) -> Aggregate:
        with self._lock_of(aggregate_id):
            return self.repository.get(aggregate_id)

    def _get(self, aggregate_id: UUID, cls: type[A], what: str) -> A:
        try:
            aggregate = self._load(aggregate_id)
        except AggregateNotFoundError:
            raise DomainError("not-found", f"no {what} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise DomainError("not-found", f"no {what} with id {aggregate_id}")
        return aggregate

    def _find(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return self._load(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _create(self, new: A, same: Callable[[A, A], bool], what: str) -> CommandResult:
        existing = self._find(new.id)
        if existing is not None:
            if type(existing) is type(new) and same(existing, new):
                return CommandResult(new.id, self.position_of(new.id, 1), False, existing.version)
            raise DomainError(
                "already-exists",
                f"a different {what} with the same natural key exists: {new.id}",
                id=str(new.id),
            )
        return CommandResult(new.id, self._save(new), True, new.version)

    def _change(
        self,
        aggregate_id: UUID,
        cls: type[A],
        what: str,
        decide: Callable[[A], Any],
        expected_version: int | None = None,
    ) -> CommandResult:
        """Load, decide, save. ``decide`` returns a bool (changed?) or (changed, version).

        ``expected_version`` (a client's ``If-Match``) refuses the command with
        ``precondition-failed`` when the aggregate has moved on.

        Commands on one aggregate that arrive together in this process are combined: the
        thread that gets the aggregate's lock loads it once, applies every waiting command in
        arrival order (each one validated on the state the previous ones left, exactly as if
        they had run one after another; a refused one records nothing and does not disturb
        the others), and saves all their events in one transaction. Judges posting marks on
        one competition at once then cost one read and one commit per group, not per mark.
        Other processes of a SQLite store take turns with this one (``_writing``); on
        PostgreSQL they meet the store's optimistic concurrency.
        """
        job = _Job(decide, expected_version)
        with self._queues_lock:
            self._queues.setdefault(aggregate_id, []).append(job)
        with self._lock_of(aggregate_id):
            if not job.finished:
                self._run_queued(aggregate_id, cls, what)
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    async def _change_async(
        self,
        aggregate_id: UUID,
        cls: type[A],
        what: str,
        decide: Callable[[A], Any],
        expected_version: int | None = None,
    ) -> CommandResult:
        """``_change`` for a caller on an event loop (the marking endpoints): the job joins
        the aggregate's queue and this process's writer thread runs it, combined with every
        other job waiting then (as ``_change`` combines them), and answers it on the caller's
        loop. No worker thread is held per request, and a burst of marks becomes one
        transaction per competition per turn of the writer."""
        job = _Job(decide, expected_version, asyncio.get_running_loop().create_future())
        with self._queues_lock:
            if self._closing:
                raise OperationalError("the registry is shutting down; retry shortly")
            self._queues.setdefault(aggregate_id, []).append(job)
            self._ready[aggregate_id] = (cls, what)
            self._ready_changed.notify()
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._write_loop, name="registry-writer", daemon=True
                )
                self._writer.start()
        assert job.future is not None
        return await job.future

    def _write_loop(self) -> None:
        while True:
            with self._queues_lock:
                while not self._ready and not self._closing:
                    self._ready_changed.wait()
                if not self._ready:
                    return
                ready, self._ready = self._ready, {}
            for aggregate_id, (cls, what) in ready.items():
                with self._lock_of(aggregate_id):
                    try:
                        self._run_queued(aggregate_id, cls, what)
                    except Exception:  # every job of the group holds the error
                        logger.exception("commands on %s failed", aggregate_id)

    def _run_queued(self, aggregate_id: UUID, cls: type[A], what: str) -> None:
        """Run every job queued for the aggregate (the caller holds its lock), then wake
        the asynchronous callers among them."""
        with self._queues_lock:
            jobs = self._queues.pop(aggregate_id, [])
        try:
            with self._writing() as exclusive:
                self._combine(aggregate_id, cls, what, jobs, exclusive)
        finally:
            _settle(jobs)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[bool]:
        """A turn at writing. On SQLite (one writer at a time anyway) the API processes of one
        store take turns through an advisory lock on a file beside it, so a turn never
        conflicts with another process's: it checks the stored version (one lookup) instead
        of losing a save and reading again — two API workers marking one competition would
        otherwise conflict on nearly every save. Yields whether the turn is exclusive."""
        if fcntl is None or self.settings.backend != "sqlite":
            yield False
            return
        with self._turn_lock:
            if self._turn_file is None:
                self._turn_file = os.open(
                    f"{self.settings.sqlite_path}.write-lock", os.O_RDWR | os.O_CREAT, 0o600
                )
            fcntl.flock(self._turn_file, fcntl.LOCK_EX)
            try:
                yield True
            finally:
                fcntl.flock(self._turn_file, fcntl.LOCK_UN)

    def _combine(
        self, aggregate_id: UUID, cls: type[A], what: str, jobs: list[_Job], exclusive: bool
    ) -> None:
        try:
            for number in range(MAX_ATTEMPTS):
                try:
                    if self._combine_once(
                        aggregate_id, cls, what, jobs, trust_cache=number == 0, exclusive=exclusive
                    ):
                        return
                except IntegrityError:
                    time.sleep(random.uniform(0, 0.002 * (number + 1)))
            conflict = DomainError(
                "version-conflict", "too many concurrent changes to the same record; try again"
            )
            for job in jobs:
                job.error = conflict
        except BaseException as error:  # e.g. the store is unreachable: every waiter hears it
            for job in jobs:
                if not job.finished:
                    job.error = error
            raise
        finally:
            for job in jobs:
                job.finished = True

    def _combine_once(
        self,
        aggregate_id: UUID,
        cls: type[A],
        what: str,
        jobs: list[_Job],
        *,
        trust_cache: bool,
        exclusive: bool,
    ) -> bool:
        """One read-decide-save of a group. False: run again on a fresh read (a job failed
        unexpectedly and is left out, or a refusal was decided on an out-of-date state).

        ``trust_cache``: decide on this process's cached state without asking the store
        whether another process moved the aggregate on. That is safe: a save from an
        out-of-date state conflicts on the version (``IntegrityError``; the next attempt reads
        afresh), and a refusal is answered only once the store confirms the state it was
        decided on is the newest. ``exclusive`` (no other process writes meanwhile): the
        cached state is used only if it is the stored one, checked by one lookup.
        """
        for job in jobs:  # refusals are decided again on the fresh state of this attempt
            if isinstance(job.error, DomainError):
                job.error = None
        cached = self._cached(aggregate_id, cls, own=exclusive) if trust_cache else None
        if cached is not None and exclusive:
            cached = self._caught_up(aggregate_id, cached)
        try:
            aggregate = cached if cached is not None else self._get(aggregate_id, cls, what)
        except DomainError as error:
            for job in jobs:
                job.error = error
            return True
        read_version = aggregate.version
        outcomes: list[tuple[_Job, bool, int, int, int]] = []
        for job in jobs:
            if job.error is not None:
                continue
            before = len(aggregate.pending_events)
            try:
                self._check_version(aggregate, job.expected_version)
                outcome = job.decide(aggregate)
            except DomainError as error:
                job.error = error  # validated before recording: the aggregate is unchanged
                continue
            except Exception as error:  # a bug: keep it out of the others' transaction
                job.error = error
                return False
            changed, version = outcome if isinstance(outcome, tuple) else (bool(outcome), 0)
            added = len(aggregate.pending_events) - before
            outcomes.append((job, changed, version or aggregate.version, added, aggregate.version))
        refused = any(isinstance(job.error, DomainError) for job in jobs)
        if (
            cached is not None
            and not exclusive
            and refused
            and self.stored_version(aggregate_id) != read_version
        ):
            return False  # refused on an out-of-date state: decide again on a fresh one
        recordings = []
        if aggregate.pending_events:
            recordings = self.save(aggregate)
        if self.repository.cache is not None and (recordings or (exclusive and cached is not None)):
            # The next command on this aggregate starts from this state (the saved one, or
            # the owned one given back unchanged) instead of reading the store again.
            self.repository.cache.put(aggregate_id, aggregate)
        index = 0
        for job, changed, version, added, version_after in outcomes:
            if changed and added:
                index += added
                position = int(recordings[index - 1].notification.id)
                job.result = CommandResult(aggregate_id, position, True, version_after)
            else:
                position = self.position_of(aggregate_id, version)
                job.result = CommandResult(aggregate_id, position, False, version_after)
        return True

    def _cached(self, aggregate_id: UUID, cls: type[A], *, own: bool) -> A | None:
        """This process's cached state of the aggregate, as last read or saved here (None
        when not cached). The caller holds the aggregate's lock.

        ``own``: take the cached object itself out of the cache instead of a copy (which
        costs a walk of every mark of a competition, per group of commands). The command
        changes it in place and puts it back once saved; if anything fails it is simply not
        put back, and the next command reads the aggregate from the store. Only in an
        exclusive turn (SQLite), where a save cannot lose to another process, so that read
        stays rare.
        """
        cache = self.repository.cache
        if cache is None:
            return None
        try:
            aggregate = cache.get(aggregate_id, evict=own)
        except KeyError:
            return None
        if not isinstance(aggregate, cls):
            return None
        return aggregate if own else copy.deepcopy(aggregate)

    def _caught_up(self, aggregate_id: UUID, aggregate: A) -> A:
        """The aggregate with the events another process stored after it (one lookup of the
        stored version; the events only when there are any)."""
        if self.stored_version(aggregate_id) == aggregate.version:
            return aggregate
        moved = project_aggregate(aggregate, self.events.get(aggregate_id, gt=aggregate.version))
        assert moved is not None
        return moved

    @staticmethod
    def _check_version(aggregate: Aggregate, expected_version: int | None) -> None:
        if expected_version is not None and aggregate.version != expected_version:
            raise DomainError(
                "precondition-failed",
                f"the record is at version {aggregate.version}, not {expected_version}",
                version=aggregate.version,
            )

    # ------------------------------------------------------------------ queries

    def organisation(self, organisation_id: UUID) -> Organisation:
        return self._get(organisation_id, Organisation, "organisation")

    def participant(self, participant_id: UUID) -> Participant:
        return self._get(participant_id, Participant, "participant")

    def championship(self, championship_id: UUID) -> Championship:
        return self._get(championship_id, Championship, "championship")

    def competition(self, competition_id: UUID) -> Competition:
        return self._get(competition_id, Competition, "competition")

    def account(self, account_id: UUID) -> Account:
        return self._get(account_id, Account, "account")

    # ------------------------------------------------------------------ accounts

    def create_account(
        self,
        *,
        actor: UUID,
        name: str,
        role: Role | str,
        token: str | None = None,
        issue_token: bool = True,
        competition_ids: Sequence[UUID] = (),
    ) -> AccountCreated:
        """Create an account and issue its bearer token (returned once, stored hashed).

        With ``issue_token=False`` the account has no token yet (nobody can act as it until
        a token is rotated in): the demo history uses this to stay deterministic.
        ``competition_ids`` scopes the account to those (existing) competitions in advance;
        a repeat must name a subset of the scopes the account has.
        """
        token = (token or new_token(account_id_of(name))) if issue_token else None
        scopes = list(dict.fromkeys(competition_ids))
        for competition_id in scopes:
            self.competition(competition_id)  # unknown: not-found, nothing stored

        def attempt() -> AccountCreated:
            new = Account.create(
                actor=actor,
                name=name,
                role=Role(role),
                token_hash=hash_token(token) if token else "",
                at=self.clock(),
            )
            for competition_id in scopes:
                new.grant_scope(actor=actor, competition_id=competition_id, at=self.clock())
            existing = self._find(new.id)
            if existing is not None:
                if (
                    isinstance(existing, Account)
                    and existing.role == new.role
                    and set(scopes) <= existing.competition_ids
                ):
                    return AccountCreated(new.id, self.position_of(new.id, 1), False, None)
                raise DomainError(
                    "already-exists", f"an account named {new.name!r} exists", id=str(new.id)
                )
            return AccountCreated(new.id, self._save(new), True, token)

        return self._run(attempt)

    def rotate_token(self, *, actor: UUID, account_id: UUID) -> AccountCreated:
        """Issue a new token; the old one is refused from now on, on every process."""
        token = new_token(account_id)

        def attempt() -> AccountCreated:
            account = self.account(account_id)
            account.rotate_token(actor=actor, token_hash=hash_token(token), at=self.clock())
            return AccountCreated(account_id, self._save(account), True, token)

        return self._run(attempt)

    def revoke_account(self, *, actor: UUID, account_id: UUID, reason: str) -> CommandResult:
        return self._change(
            account_id,
            Account,
            "account",
            lambda a: a.revoke(actor=actor, reason=reason, at=self.clock()),
        )

    def authenticate(self, token: str) -> Account | None:
        """The live account a bearer token belongs to, or None (unknown, rotated, revoked).

        Every call looks up the account's newest version in the store (one indexed lookup), and
        reads its events again when it changed, so a revocation or rotation made by any process
        is seen at once. The account answered is shared by the requests of this process: read
        it, never change it.
        """
        account_id = token_account_id(token)
        if account_id is None:
            return None
        account: Aggregate | None = self._accounts.get(account_id)
        if account is None or account.version != self.stored_version(account_id):
            account = self._find(account_id)
            if isinstance(account, Account):
                if len(self._accounts) >= MAX_CACHED_ACCOUNTS:
                    self._accounts.clear()
                self._accounts[account_id] = account
        if not isinstance(account, Account) or account.revoked or not account.token_hash:
            return None
        if not hmac.compare_digest(account.token_hash, hash_token(token)):
            return None
        return account

    # ------------------------------------------------------------------ registration

    def register_organisation(
        self,
        *,
        actor: UUID,
        name_ru: str,
        name_kk: str,
        kind: OrganisationKind | str,
        region: str,
    ) -> CommandResult:
        return self._run(
            lambda: self._create(
                Organisation.register(
                    actor=actor,
                    name_ru=name_ru,
                    name_kk=name_kk,
                    kind=OrganisationKind(kind),
                    region=region,
                    at=self.clock(),
                ),
                Organisation.same_as,
                "organisation",
            )
        )

    def register_participant(
        self,
        *,
        actor: UUID,
        full_name: str,
        organisation_id: UUID,
        birth_date: date | None = None,
        disability: str | None = None,
    ) -> CommandResult:
        self.organisation(organisation_id)
        return self._run(
            lambda: self._create(
                Participant.register(
                    actor=actor,
                    full_name=full_name,
                    organisation_id=organisation_id,
                    birth_date=birth_date,
                    disability=disability,
                    at=self.clock(),
                ),
                Participant.same_as,
                "participant",
            )
        )

    def create_championship(
        self,
        *,
        actor: UUID,
        kind: ChampionshipKind | str,
        level: Level | str,
        year: int,
        region: str,
        title_ru: str,
        title_kk: str,
        starts_on: date,
        ends_on: date,
        title_en: str | None = None,
        tie_tolerance: Decimal | str = Decimal("0.00"),
        min_competitors_for_medals: int = 3,
    ) -> CommandResult:
        return self._run(
            lambda: self._create(
                Championship.create(
                    actor=actor,
                    kind=ChampionshipKind(kind),
                    level=Level(level),
                    year=year,
                    region=region,
                    title_ru=title_ru,
                    title_kk=title_kk,
                    title_en=title_en,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    tie_tolerance=tie_tolerance,  # type: ignore[arg-type]
                    min_competitors_for_medals=min_competitors_for_medals,
                    at=self.clock(),
                ),
                Championship.same_as,
                "championship",
            )
        )

    def add_competition(
        self,
        *,
        actor: UUID,
        championship_id: UUID,
        code: str,
        title_ru: str,
        title_kk: str,
        category: Category | str,
    ) -> CommandResult:
        def attempt() -> CommandResult:
            championship = self.championship(championship_id)
            competition = championship.add_competition(
                actor=actor,
                code=code,
                title_ru=title_ru,
                title_kk=title_kk,
                category=Category(category),
                at=self.clock(),
            )
            existing = self._find(competition.id)
            if existing is not None:
                if isinstance(existing, Competition) and (
                    existing.title_ru,
                    existing.title_kk,
                ) == (competition.title_ru, competition.title_kk):
                    return CommandResult(
                        competition.id, self.position_of(competition.id, 1), False, existing.version
                    )
                raise DomainError(
                    "already-exists",
                    f"this championship already has competition {code!r} ({category}) "
                    "with other titles",
                    id=str(competition.id),
                )
            return CommandResult(
                competition.id, self._save(competition, championship), True, competition.version
            )

        return self._run(attempt)

    def set_scheme(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        aspects: Sequence[AspectInput | Aspect],
        expected_version: int | None = None,
    ) -> CommandResult:
        from domain.values import parse_mark

        parsed = tuple(
            Aspect(
                id=a.id,
                criterion=a.criterion,
                description=a.description,
                max_mark=parse_mark(a.max_mark, field=f"aspects[{i}].max_mark"),
                type=AspectType(a.type),
            )
            for i, a in enumerate(aspects)
        )
        return self._change(
            competition_id,
            Competition,
            "competition",
            lambda c: c.set_scheme(actor=actor, aspects=parsed, at=self.clock()),
            expected_version=expected_version,
        )

    def add_entrant(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        participant_id: UUID,
        expected_version: int | None = None,
    ) -> CommandResult:
        person = self.participant(participant_id)
        organisation = self.organisation(person.organisation_id)
        return self._change(
            competition_id,
            Competition,
            "competition",
            lambda c: c.add_entrant(
                actor=actor,
                participant_id=participant_id,
                full_name=person.full_name,
                organisation_id=organisation.id,
                region=organisation.region,
                at=self.clock(),
            ),
            expected_version=expected_version,
        )

    def assign_expert(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        account_id: UUID,
        role: ExpertRole | str,
        organisation_id: UUID,
        expected_version: int | None = None,
    ) -> CommandResult:
        role = ExpertRole(role)
        self.organisation(organisation_id)

        def attempt() -> CommandResult:
            competition = self.competition(competition_id)
            self._check_version(competition, expected_version)
            account = self.account(account_id)
            allowed = (
                {Role.CHIEF_EXPERT}
                if role is ExpertRole.CHIEF
                else {
                    Role.EXPERT,
                    Role.CHIEF_EXPERT,
                }
            )
            if account.role not in allowed:
                raise DomainError(
                    "invalid-input",
                    f"account {account.name!r} has role {account.role}; a {role} of a "
                    f"competition needs {' or '.join(sorted(allowed))}",
                )
            changed = competition.assign_expert(
                actor=actor,
                account_id=account_id,
                name=account.name,
                role=role,
                organisation_id=organisation_id,
                at=self.clock(),
            )
            account.grant_scope(actor=actor, competition_id=competition_id, at=self.clock())
            if changed or account.pending_events:
                return CommandResult(
                    competition_id, self._save(competition, account), True, competition.version
                )
            return CommandResult(
                competition_id,
                self.position_of(competition_id, competition.version),
                False,
                competition.version,
            )

        return self._run(attempt)

    def start_marking(
        self, *, actor: UUID, competition_id: UUID, expected_version: int | None = None
    ) -> CommandResult:
        return self._change(
            competition_id,
            Competition,
            "competition",
            lambda c: c.start(actor=actor, at=self.clock()),
            expected_version=expected_version,
        )

    # ------------------------------------------------------------------ marking

    def enter_marks(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        marks: Sequence[tuple[UUID, str, str | int | Decimal]],
        expected_version: int | None = None,
    ) -> CommandResult:
        """A sheet of marks by the expert ``actor``: all or nothing; repeats are no-ops."""
        return self._change(
            competition_id,
            Competition,
            "competition",
            self._entering(actor, marks),
            expected_version=expected_version,
        )

    def _entering(
        self, actor: UUID, marks: Sequence[tuple[UUID, str, str | int | Decimal]]
    ) -> Callable[[Competition], Any]:
        sheet = list(marks)
        return lambda c: c.enter_marks(actor=actor, marks=sheet, at=self.clock())

    async def enter_marks_async(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        marks: Sequence[tuple[UUID, str, str | int | Decimal]],
        expected_version: int | None = None,
    ) -> CommandResult:
        """``enter_marks`` for a caller on an event loop (see ``_change_async``)."""
        return await self._change_async(
            competition_id,
            Competition,
            "competition",
            self._entering(actor, marks),
            expected_version=expected_version,
        )

    def enter_mark(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        competitor_id: UUID,
        aspect_id: str,
        value: str | int | Decimal,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self.enter_marks(
            actor=actor,
            competition_id=competition_id,
            marks=[(competitor_id, aspect_id, value)],
            expected_version=expected_version,
        )

    def correct_mark(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        competitor_id: UUID,
        aspect_id: str,
        value: str | int | Decimal,
        reason: str,
        expert_id: UUID | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            competition_id,
            Competition,
            "competition",
            lambda c: c.correct_mark(
                actor=actor,
                competitor_id=competitor_id,
                aspect_id=aspect_id,
                value=value,
                reason=reason,
                expert_id=expert_id,
                at=self.clock(),
            ),
            expected_version=expected_version,
        )

    def lock(
        self, *, actor: UUID, competition_id: UUID, expected_version: int | None = None
    ) -> CommandResult:
        return self._change(
            competition_id,
            Competition,
            "competition",
            lambda c: c.lock(actor=actor, at=self.clock()),
            expected_version=expected_version,
        )

    def reopen(
        self, *, actor: UUID, competition_id: UUID, reason: str, expected_version: int | None = None
    ) -> CommandResult:
        return self._change(
            competition_id,
            Competition,
            "competition",
            lambda c: c.reopen(actor=actor, reason=reason, at=self.clock()),
            expected_version=expected_version,
        )

    def publish(
        self, *, actor: UUID, competition_id: UUID, expected_version: int | None = None
    ) -> CommandResult:
        return self._change(
            competition_id,
            Competition,
            "competition",
            lambda c: c.publish(actor=actor, at=self.clock()),
            expected_version=expected_version,
        )

    def amend_mark(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        competitor_id: UUID,
        aspect_id: str,
        value: str | int | Decimal,
        reason: str,
        expert_id: UUID | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            competition_id,
            Competition,
            "competition",
            lambda c: c.amend_mark(
                actor=actor,
                competitor_id=competitor_id,
                aspect_id=aspect_id,
                value=value,
                reason=reason,
                expert_id=expert_id,
                at=self.clock(),
            ),
            expected_version=expected_version,
        )

    # ------------------------------------------------------------------ prizes (akimat)

    def prize_programme(self, programme_id: UUID) -> PrizeProgramme:
        return self._get(programme_id, PrizeProgramme, "prize programme")

    def create_prize_programme(
        self,
        *,
        actor: UUID,
        title_ru: str,
        title_kk: str,
        year: int,
        region: str,
        kinds: Sequence[ChampionshipKind | str],
        prizes: Sequence[Prize],
    ) -> CommandResult:
        """A programme's id is derived from region, year and Russian title: creating it again
        with the same settings is a repeat; with other settings, ``already-exists``."""

        def same(a: PrizeProgramme, b: PrizeProgramme) -> bool:
            keys = ("title_ru", "title_kk", "year", "region", "kinds", "prizes")
            return all(getattr(a, k) == getattr(b, k) for k in keys)

        try:
            kinds_checked = tuple(ChampionshipKind(k) for k in kinds)
        except ValueError as error:
            raise DomainError("invalid-input", f"kinds: {error}") from None
        return self._run(
            lambda: self._create(
                PrizeProgramme.create(
                    actor=actor,
                    title_ru=title_ru,
                    title_kk=title_kk,
                    year=year,
                    region=region,
                    kinds=kinds_checked,
                    prizes_by_place=tuple(prizes),
                    at=self.clock(),
                ),
                same,
                "prize programme",
            )
        )

    def decide_prize_entry(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        entry_id: UUID,
        decision: str,
        reason: str | None = None,
        awarded_on: date | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """approve | reject (reason) | award (date) | revoke (reason); a repeat records
        nothing."""
        return self._change(
            programme_id,
            PrizeProgramme,
            "prize programme",
            lambda p: p.decide(
                actor=actor,
                entry_id=entry_id,
                decision=decision,
                reason=reason,
                awarded_on=awarded_on,
                at=self.clock(),
            ),
            expected_version=expected_version,
        )

    def define_nomination(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        title_ru: str,
        title_kk: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Answers the nomination's id (derived from the programme and the Russian title)."""
        found: list[UUID] = []

        def decide(p: PrizeProgramme) -> bool:
            recorded, nomination = p.define_nomination(
                actor=actor, title_ru=title_ru, title_kk=title_kk, at=self.clock()
            )
            if not recorded and p.nominations[nomination].title_kk != ids_clean(title_kk):
                raise DomainError(
                    "already-exists",
                    "a nomination with this title exists with another Kazakh title",
                    id=str(nomination),
                )
            found.append(nomination)
            return recorded

        result = self._change(
            programme_id, PrizeProgramme, "prize programme", decide, expected_version
        )
        return msgspec.structs.replace(result, id=found[-1])

    def nominate(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        nomination_id: UUID,
        organisation_id: UUID,
        citation: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Propose an organisation in a nomination; answers the nominee's id."""
        self._get(organisation_id, Organisation, "organisation")
        found: list[UUID] = []

        def decide(p: PrizeProgramme) -> bool:
            recorded, nominee = p.nominate(
                actor=actor,
                nomination_id=nomination_id,
                organisation_id=organisation_id,
                citation=citation,
                at=self.clock(),
            )
            found.append(nominee)
            return recorded

        result = self._change(
            programme_id, PrizeProgramme, "prize programme", decide, expected_version
        )
        return msgspec.structs.replace(result, id=found[-1])

    def decide_nominee(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        nomination_id: UUID,
        nominee_id: UUID,
        decision: str,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            programme_id,
            PrizeProgramme,
            "prize programme",
            lambda p: p.decide_nominee(
                actor=actor,
                nomination_id=nomination_id,
                nominee_id=nominee_id,
                decision=decision,
                reason=reason,
                at=self.clock(),
            ),
            expected_version=expected_version,
        )
