"""The writer: how the commands on one aggregate take turns, are combined and retried.

Every command that changes one aggregate is a job in that aggregate's queue (``Writer.change``,
or ``Writer.change_async`` for a caller on an event loop). Whoever gets the aggregate's lock
first loads it once, applies every job waiting then in arrival order (each validated on the
state the previous ones left; a refused one records nothing and does not disturb the others)
and saves all their events in one transaction. One retry policy (``Retry``) answers version
conflicts here and in the application's commands that touch several aggregates.

The mechanisms, each explained where it is written:

* striped locks (``Writer.lock_of``): one writer per aggregate in this process, and the
  library cache's gets of one aggregate serialised;
* a queue of jobs per aggregate, combined into one read and one commit per group;
* a writer thread for the asynchronous path (no worker thread held per request), handed the
  jobs of each turn of the caller's event loop at once (one wake-up, one group);
* turns at writing between the processes of one SQLite store (``FileTurns``, a file lock);
* deciding on this process's cached state (owned in an exclusive turn, caught up by one
  lookup of the stored version) instead of reading the store for every group.

The writer meets the event store only through ``Store`` (the application in production, a
fake in ``tests/registry/test_writer.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError, OperationalError

from domain.errors import DomainError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writers stay optimistic
    fcntl = None  # type: ignore[assignment]

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

#: what a job's decision answers: changed?, or (changed?, the version holding the answer)
Decision = bool | tuple[bool, int]

logger = logging.getLogger("registry")


class CommandResult(msgspec.Struct, frozen=True):
    """What every command answers: the id, the position of its last event, and whether
    it recorded anything new."""

    id: UUID
    position: int
    recorded: bool
    #: the aggregate's version after the command (a strong ETag for clients)
    version: int = 1


class Cache(Protocol):
    """The aggregates as last read or saved in this process (the library's cache)."""

    def get(self, key: UUID, *, evict: bool = False) -> Aggregate:
        """The cached aggregate (``evict``: taken out of the cache); KeyError when none."""
        ...

    def put(self, key: UUID, value: Aggregate) -> None: ...


class Store(Protocol):
    """What the writer needs of the event store."""

    @property
    def cache(self) -> Cache | None:
        """This process's cache of aggregates, or None when there is none."""
        ...

    def get(self, aggregate_id: UUID, cls: type[A], what: str) -> A:
        """The aggregate as stored now; ``DomainError`` ``not-found`` when there is no
        ``cls`` (called a ``what``) with that id."""
        ...

    def save(self, aggregate: Aggregate) -> Sequence[int]:
        """Store the aggregate's pending events in one transaction; their positions, in
        order. ``IntegrityError``: another writer stored one of these versions first."""
        ...

    def stored_version(self, aggregate_id: UUID) -> int:
        """The newest stored version of the aggregate (0: none), by one cheap lookup."""
        ...

    def position_of(self, aggregate_id: UUID, version: int) -> int:
        """The notification position of one stored event of the aggregate."""
        ...

    def events_after(self, aggregate_id: UUID, version: int) -> Iterable[DomainEventProtocol[UUID]]:
        """The aggregate's stored events after ``version``, in order."""
        ...


@dataclass(frozen=True)
class Retry:
    """The one retry policy of the write side. An attempt is a read-decide-save; when its save
    meets a version conflict (``IntegrityError``: another writer got there first) it runs again
    on a fresh read after a short random pause that grows with each attempt. After
    ``attempts`` the command is refused with ``version-conflict``.

    On PostgreSQL a library-level retry after a network blip can report a conflict for
    a save that did commit; the fresh read of the next attempt then sees the committed
    events and answers as a repeat.
    """

    attempts: int = 30
    #: seconds: the pause after the n-th conflict is uniform(0, step * n)
    step: float = 0.002

    def run(self, attempt: Callable[[int], T | None]) -> T:
        """``attempt(number)`` (0 first) until it answers. An attempt answering None found its
        decision out of date without a conflict: it runs again at once, on the same budget."""
        for number in range(self.attempts):
            try:
                result = attempt(number)
            except IntegrityError:
                time.sleep(random.uniform(0, self.step * (number + 1)))
                continue
            if result is not None:
                return result
        raise DomainError(
            "version-conflict", "too many concurrent changes to the same record; try again"
        )


RETRY = Retry()


def check_version(aggregate: Aggregate, expected_version: int | None) -> None:
    """``expected_version`` (a client's ``If-Match``) refuses the command with
    ``precondition-failed`` when the aggregate has moved on."""
    if expected_version is not None and aggregate.version != expected_version:
        raise DomainError(
            "precondition-failed",
            "the record is at version %(version)s, not %(expected)s",
            params={"expected": expected_version},
            version=aggregate.version,
        )


class FileTurns:
    """Turns at writing shared with the other processes of one SQLite store, through an
    advisory lock on the file at ``path`` (beside the store).

    On SQLite (one writer at a time anyway) the API processes of one store take turns, so a
    turn never conflicts with another process's: it checks the stored version (one lookup)
    instead of losing a save and reading again — two API workers marking one competition
    would otherwise conflict on nearly every save.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        # flock belongs to the open file, which this process's threads share: they take
        # turns among themselves on this lock first
        self._lock = threading.Lock()
        self._file: int | None = None

    @contextlib.contextmanager
    def turn(self) -> Iterator[bool]:
        """A turn at writing; yields whether it is exclusive (False without ``fcntl``)."""
        if fcntl is None:  # pragma: no cover - Windows
            yield False
            return
        with self._lock:
            if self._file is None:
                self._file = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._file, fcntl.LOCK_EX)
            try:
                yield True
            finally:
                fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                os.close(self._file)
                self._file = None


class _Job:
    """A command waiting for its turn on an aggregate (see ``Writer.change``).

    ``future``: an asyncio future of the caller's event loop, set when the job is done (the
    asynchronous path, :meth:`Writer.change_async`)."""

    __slots__ = ("decide", "error", "expected_version", "finished", "future", "result")

    def __init__(
        self,
        # Any: a queue holds the jobs of one aggregate, whose class only the caller names
        decide: Callable[[Any], Decision],
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


class Writer:
    """Runs the commands on single aggregates of one process (see the module's docstring).

    ``turns``: the turns shared with other processes (SQLite); None: the other processes
    meet the store's optimistic concurrency (PostgreSQL).
    """

    def __init__(
        self, store: Store, *, turns: FileTurns | None = None, retry: Retry = RETRY
    ) -> None:
        self.store = store
        self.turns = turns
        self.retry = retry
        # The library's cache fast-forwards a cached aggregate under its own lock but
        # deep-copies it outside that lock; concurrent gets of one aggregate then race
        # ("dictionary changed size during iteration"). Striped locks serialise gets of
        # the same aggregate (found by the 8-thread marking test).
        self._locks = [threading.RLock() for _ in range(64)]
        self._queues: dict[UUID, list[_Job]] = {}
        self._queues_lock = threading.Lock()
        # the asynchronous path: aggregates with jobs for the writer thread, and that thread
        self._ready: dict[UUID, tuple[type[Aggregate], str]] = {}
        self._ready_changed = threading.Condition(self._queues_lock)
        # ... and those whose jobs an event loop queued in its current turn, handed to the
        # writer thread together at the turn's end (``_hand_over``)
        self._pending: dict[asyncio.AbstractEventLoop, dict[UUID, tuple[type[Aggregate], str]]] = {}
        self._thread: threading.Thread | None = None
        self._closing = False

    def lock_of(self, aggregate_id: UUID) -> threading.RLock:
        """The aggregate's lock: held by its writer, and by every get of it (the store's
        ``get`` takes it too, so that a get never copies an owned aggregate being changed)."""
        return self._locks[hash(aggregate_id) % len(self._locks)]

    def change(
        self,
        aggregate_id: UUID,
        cls: type[A],
        what: str,
        decide: Callable[[A], Decision],
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
        Other processes of a SQLite store take turns with this one (``FileTurns``); on
        PostgreSQL they meet the store's optimistic concurrency.
        """
        job = _Job(decide, expected_version)
        with self._queues_lock:
            self._queues.setdefault(aggregate_id, []).append(job)
        with self.lock_of(aggregate_id):
            if not job.finished:
                self._run_queued(aggregate_id, cls, what)
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    async def change_async(
        self,
        aggregate_id: UUID,
        cls: type[A],
        what: str,
        decide: Callable[[A], Decision],
        expected_version: int | None = None,
    ) -> CommandResult:
        """``change`` for a caller on an event loop (the marking endpoints): the job joins
        the aggregate's queue and this process's writer thread runs it, combined with every
        other job waiting then (as ``change`` combines them), and answers it on the caller's
        loop. No worker thread is held per request, and a burst of marks becomes one
        transaction per competition per turn of the writer.

        The jobs a loop queues in one turn (the requests whose handlers ran in it) are handed
        to the writer thread together when the turn ends (``_hand_over``, the next callback of
        the loop): one wake-up of the writer per turn instead of one per job, and the writer
        takes them as one group instead of waking at the first and taking them one by one
        (it would get the interpreter at the loop's next release of it, e.g. the next
        request's token lookup). The hand-over waits for nothing but the callbacks already
        due on the loop."""
        loop = asyncio.get_running_loop()
        job = _Job(decide, expected_version, loop.create_future())
        with self._queues_lock:
            if self._closing:
                raise OperationalError("the registry is shutting down; retry shortly")
            self._queues.setdefault(aggregate_id, []).append(job)
            pending = self._pending.get(loop)
            if pending is None:
                pending = self._pending[loop] = {}
                loop.call_soon(self._hand_over, loop)
            pending[aggregate_id] = (cls, what)
        assert job.future is not None
        return await job.future

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """The end of a turn of ``loop``: the aggregates it queued jobs for go to the writer
        thread, woken once."""
        with self._queues_lock:
            pending = self._pending.pop(loop, None)
            if pending:
                self._ready.update(pending)
                self._wake_writer()

    def _wake_writer(self) -> None:
        """Wake the writer thread (started if need be); the caller holds ``_queues_lock``."""
        self._ready_changed.notify()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._write_loop, name="registry-writer", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Refuse new asynchronous jobs, let the writer thread finish the jobs already
        queued, and give up the turns file."""
        with self._queues_lock:
            self._closing = True
            for pending in self._pending.values():  # queued in a turn not yet ended
                self._ready.update(pending)
            self._pending.clear()
            if self._ready:
                self._wake_writer()
            self._ready_changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)  # it finishes the jobs already queued
        if self.turns is not None:
            self.turns.close()

    def _write_loop(self) -> None:
        while True:
            with self._queues_lock:
                while not self._ready and not self._closing:
                    self._ready_changed.wait()
                if not self._ready:
                    return
                ready, self._ready = self._ready, {}
            for aggregate_id, (cls, what) in ready.items():
                with self.lock_of(aggregate_id):
                    try:
                        self._run_queued(aggregate_id, cls, what)
                    except Exception:  # every job of the group holds the error
                        logger.exception("commands on %s failed", aggregate_id)

    def _run_queued(self, aggregate_id: UUID, cls: type[A], what: str) -> None:
        """Run every job queued for the aggregate (the caller holds its lock), then wake
        the asynchronous callers among them."""
        with self._queues_lock:
            jobs = self._queues.pop(aggregate_id, [])
        if not jobs:  # already run by a thread that took the lock first (``change``)
            return
        try:
            with self._turn() as exclusive:
                self._combine(aggregate_id, cls, what, jobs, exclusive)
        finally:
            _settle(jobs)

    def _turn(self) -> contextlib.AbstractContextManager[bool]:
        """A turn at writing; yields whether it is exclusive (no other process writes)."""
        return self.turns.turn() if self.turns is not None else contextlib.nullcontext(False)

    def _combine(
        self, aggregate_id: UUID, cls: type[A], what: str, jobs: list[_Job], exclusive: bool
    ) -> None:
        try:
            self.retry.run(
                lambda number: self._combine_once(
                    aggregate_id, cls, what, jobs, trust_cache=number == 0, exclusive=exclusive
                )
            )
        except DomainError as conflict:  # out of attempts: every job hears version-conflict
            for job in jobs:
                job.error = conflict
        except BaseException as error:  # e.g. the store is unreachable: every waiter hears it
            for job in jobs:
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
    ) -> Literal[True] | None:
        """One read-decide-save of a group. None: run again on a fresh read (a job failed
        unexpectedly and is left out, or a refusal was decided on an out-of-date state).

        ``trust_cache``: decide on this process's cached state without asking the store
        whether another process moved the aggregate on. That is safe: a save from an
        out-of-date state conflicts on the version (``IntegrityError``; the next attempt reads
        afresh), and a refusal is answered only once the store confirms the state it was
        decided on is the newest. ``exclusive`` (no other process writes meanwhile): the
        cached state is used only if it is the stored one, checked by one lookup.
        """
        store = self.store
        for job in jobs:  # refusals are decided again on the fresh state of this attempt
            if isinstance(job.error, DomainError):
                job.error = None
        cached = self._cached(aggregate_id, cls, own=exclusive) if trust_cache else None
        if cached is not None and exclusive:
            cached = self._caught_up(aggregate_id, cached)
        try:
            aggregate = cached if cached is not None else store.get(aggregate_id, cls, what)
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
                check_version(aggregate, job.expected_version)
                outcome = job.decide(aggregate)
            except DomainError as error:
                job.error = error  # validated before recording: the aggregate is unchanged
                continue
            except Exception as error:  # a bug: keep it out of the others' transaction
                job.error = error
                return None
            changed, version = outcome if isinstance(outcome, tuple) else (bool(outcome), 0)
            added = len(aggregate.pending_events) - before
            outcomes.append((job, changed, version or aggregate.version, added, aggregate.version))
        refused = any(isinstance(job.error, DomainError) for job in jobs)
        if (
            cached is not None
            and not exclusive
            and refused
            and store.stored_version(aggregate_id) != read_version
        ):
            return None  # refused on an out-of-date state: decide again on a fresh one
        positions: Sequence[int] = []
        if aggregate.pending_events:
            positions = store.save(aggregate)
        if store.cache is not None and (positions or (exclusive and cached is not None)):
            # The next command on this aggregate starts from this state (the saved one, or
            # the owned one given back unchanged) instead of reading the store again.
            store.cache.put(aggregate_id, aggregate)
        index = 0
        for job, changed, version, added, version_after in outcomes:
            if changed and added:
                index += added
                job.result = CommandResult(aggregate_id, positions[index - 1], True, version_after)
            else:
                position = store.position_of(aggregate_id, version)
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
        cache = self.store.cache
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
        if self.store.stored_version(aggregate_id) == aggregate.version:
            return aggregate
        moved = project_aggregate(
            aggregate, self.store.events_after(aggregate_id, aggregate.version)
        )
        assert moved is not None
        return moved
