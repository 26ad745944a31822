"""Following the event store: the projector that keeps the views up to date, read-your-writes,
and rebuild-aside-then-swap.

* SQLite has no subscriptions in the library: the projector polls the notification log, and
  wakes at once when this process records events (``RegistryApplication.on_recorded``), so the
  lag is milliseconds, not the poll period.
* PostgreSQL: the library's LISTEN/NOTIFY subscription (``recorder.subscribe``) wakes the
  projector whenever any process commits events; ``registry project`` runs it as its own
  process so several API processes can share one projector.

Each notification is decoded once per batch and offered to every projection past it. A
projection that fails stops the projector with a :class:`ProjectionError` naming the position;
nothing is skipped. A lost database connection is retried with back-off from the tracked
position.

Read-your-writes without holding a thread: :meth:`Projector.reached` is awaited on an event
loop; the projector settles the waiters' futures (``loop.call_soon_threadsafe``) after each
batch, and hurries (no coalescing) while anyone waits. Where the projector runs elsewhere,
:func:`reached_in_store` polls the views' tracking rows with back-off, each poll a short trip
to the loop's executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

import msgspec
from eventsourcing.persistence import ApplicationRecorder, Subscription

from projections.accounts import AccountsProjection
from projections.audit import AuditProjection
from projections.base import Item, ProjectionError, ViewProjection, swap_into_place
from projections.certificates import CertificatesProjection
from projections.prizes import PrizesProjection
from projections.rebuild_worker import Worker, peak_mb
from projections.results import ResultsProjection
from projections.seal import SealProjection
from projections.store import ResyncNeeded, ViewStore
from store.events import EventReader, EventStore
from store.settings import Settings

log = logging.getLogger("registry.projector")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one batch.

    A batch allocates hundreds of thousands of short-lived objects (freed by reference
    counting) while the aggregate cache keeps many long-lived ones; automatic collections
    then rescan the cache over and over (about 30 % of a rebuild). Collection resumes
    after the batch.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Every view group, by name (``registry rebuild [VIEW...]`` takes these names).
PROJECTIONS: dict[str, type[ViewProjection]] = {
    ResultsProjection.name: ResultsProjection,
    AuditProjection.name: AuditProjection,
    SealProjection.name: SealProjection,
    PrizesProjection.name: PrizesProjection,
    AccountsProjection.name: AccountsProjection,
    CertificatesProjection.name: CertificatesProjection,
}


class CatchUpStats(msgspec.Struct):
    events: int
    seconds: float
    position: int
    #: a parallel rebuild: the peak resident memory of its worker process (MB)
    worker_peak_mb: float = 0.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


class _Waiter(NamedTuple):
    """A coroutine awaiting ``position``: its loop and the future the projector settles."""

    position: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def select_projections(names: Sequence[str] | None) -> list[type[ViewProjection]]:
    if not names:
        return list(PROJECTIONS.values())
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        raise ValueError(f"unknown view(s) {', '.join(unknown)}; known: {', '.join(PROJECTIONS)}")
    return [PROJECTIONS[n] for n in names]


#: Seconds the projector lets events gather after a batch before the next (unless someone
#: waits for a position). Standings are recomputed and rewritten per batch, so under a burst
#: of marks a longer gathering costs less per mark (bench/http.py --quick, one API process,
#: runs alternated: 0.02 s -> 0.25 s took single marks from 939-992 to 1,097-1,099/s and sheets
#: from 17,300-19,300 to 18,900-19,400 marks/s) while the public's standings trail the marks
#: by at most about this much.
COALESCE = 0.25


class Projector:
    """Applies new events to a set of projections, in position order, batch by batch."""

    def __init__(
        self,
        app: EventStore,
        store: ViewStore,
        projections: Sequence[ViewProjection] | None = None,
        *,
        batch_size: int = 1000,
        poll_interval: float = 0.5,
        coalesce: float = COALESCE,
    ) -> None:
        self.app = app
        self.store = store
        self.projections = list(
            projections
            if projections is not None
            else (cls(app, store) for cls in PROJECTIONS.values())
        )
        for projection in self.projections:
            projection.create_tables()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        #: after a batch, let events gather this long before the next one: under a burst of
        #: marks, standings are recomputed per batch, not per mark; a caller waiting for a
        #: position (read-your-writes) cuts the wait short
        self.coalesce = coalesce
        self.reader = EventReader.of(app)
        self.positions = {p.tracking_name: p.position() for p in self.projections}
        self.error: BaseException | None = None
        self._wake = threading.Event()
        self._hurry = threading.Event()  # someone waits for a position: no coalescing
        self._stopping = threading.Event()
        self._progress = threading.Condition()
        #: coroutines awaiting a position (:meth:`reached`), guarded by ``_progress``
        self._waiters: list[_Waiter] = []
        self._threads: list[threading.Thread] = []
        self._subscription: Subscription[ApplicationRecorder] | None = None

    # ------------------------------------------------------------------ positions

    @property
    def position(self) -> int:
        """The position every projection has reached (the views' consistent floor)."""
        return min(self.positions.values()) if self.positions else 0

    def lag(self) -> int:
        return max(0, self.app.head_position() - self.position)

    def resync(self) -> None:
        """Re-read positions from the store and forget cached state."""
        for projection in self.projections:
            projection.reset_cache()
            self.positions[projection.tracking_name] = projection.position()

    # ------------------------------------------------------------------ processing

    def run_once(self, limit: int | None = None) -> int:
        """Process one batch; returns how many notifications were read."""
        with _gc_paused():
            # the batch's notifications and events are freed (by reference counting) when
            # _process returns, before the collector resumes: alive until then, they were
            # walked by the collection its resumption sets off (a fifth of the projector's
            # time under a burst of sheets)
            count = self._process(self.position, limit or self.batch_size)
        if count:
            self._progressed()
        return count

    def _process(self, start: int, limit: int) -> int:
        """Read and apply the notifications after ``start`` (at most ``limit``); how many."""
        notifications = self.reader.read(start, limit)
        if notifications:
            items: list[Item] = []
            if any(p.NEEDS_EVENTS for p in self.projections):
                to_domain_event = self.app.mapper.to_domain_event
                for notification in notifications:
                    try:
                        items.append((notification, to_domain_event(notification)))
                    except Exception as error:
                        raise ProjectionError("decode", notification, error) from error
            else:
                items = [(notification, None) for notification in notifications]
            for projection in self.projections:
                own = self.positions[projection.tracking_name]
                mine = items if own <= start else [i for i in items if i[0].id > own]
                if mine:
                    self.positions[projection.tracking_name] = projection.process(mine, own)
        return len(notifications)

    def _progressed(self) -> None:
        """Tell the waiters: threads (``wait_for``) and coroutines (``reached``) whose
        position is reached, or all of them once the projector has stopped on an error."""
        with self._progress:
            self._progress.notify_all()
            position, failed = self.position, self.error is not None
            ready = [w for w in self._waiters if failed or w.position <= position]
            if not ready:
                return
            self._waiters = [w for w in self._waiters if not (failed or w.position <= position)]
        for waiter in ready:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                waiter.loop.call_soon_threadsafe(_settle, waiter.future)

    def catch_up(
        self,
        *,
        until: int | None = None,
        progress: Callable[[int, int, float], None] | None = None,
    ) -> CatchUpStats:
        """Process until nothing is left (or ``until`` is reached). Raises on failure."""
        started = time.perf_counter()
        done = 0
        target = until if until is not None else self.app.head_position()
        while True:
            if until is not None and self.position >= until:
                break
            count = self.run_once()
            if count == 0:
                break
            done += count
            if progress:
                progress(done, max(target, self.position), time.perf_counter() - started)
        return CatchUpStats(done, time.perf_counter() - started, self.position)

    # ------------------------------------------------------------------ following

    def wake(self, _position: int | None = None) -> None:
        self._wake.set()

    def start(self) -> Projector:
        """Follow the store in background threads (and wake on this process's saves)."""
        self.app.on_recorded(self.wake)
        thread = threading.Thread(target=self._follow, name="registry-projector", daemon=True)
        thread.start()
        self._threads.append(thread)
        self._start_listener()
        return self

    def _start_listener(self) -> None:
        if self.store.settings.subscriptions:
            listener = threading.Thread(target=self._listen, name="registry-listen", daemon=True)
            listener.start()
            self._threads.append(listener)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        self._hurry.set()
        subscription = self._subscription
        if subscription is not None:
            subscription.stop()  # ends the LISTEN wait at once
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def run_forever(self) -> None:
        """Follow in the calling thread until stopped; raises the error that stopped it."""
        self._start_listener()
        self.app.on_recorded(self.wake)
        self._follow()
        if self.error is not None:
            raise self.error

    def _follow(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                started = time.perf_counter()
                if self.run_once() == 0:
                    self._wake.wait(self.poll_interval)
                    self._wake.clear()
                elif self.coalesce and not self._waiters:
                    # At least as long as the batch took: under load the projector uses at
                    # most about half of the interpreter, the rest serves requests.
                    self._hurry.wait(max(self.coalesce, time.perf_counter() - started))
                    self._hurry.clear()
                backoff = 0.1
            except ResyncNeeded:
                log.warning("views moved under the projector (rebuild swapped?): resyncing")
                self.resync()
            except ProjectionError as error:
                log.error("%s", error)
                self.error = error
                self._progressed()
                return
            except Exception as error:  # a lost connection, a locked database: retry
                log.warning(
                    "projector: %s: %s; retrying in %.1f s", type(error).__name__, error, backoff
                )
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                try:
                    self.resync()
                except Exception:
                    log.debug("resync failed", exc_info=True)

    def _listen(self) -> None:
        """PostgreSQL: wake the projector on every NOTIFY, via the library's subscription."""
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                with self.app.recorder.subscribe(gt=self.app.head_position()) as subscription:
                    self._subscription = subscription
                    if self._stopping.is_set():
                        break
                    backoff = 0.5
                    for _notification in subscription:
                        self._wake.set()
                        if self._stopping.is_set():
                            break
            except Exception as error:  # the connection went away: subscribe again
                log.warning("listener: %s; resubscribing in %.1f s", error, backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    # ------------------------------------------------------------------ read-your-writes

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until every view has processed ``position``."""
        deadline = time.monotonic() + timeout
        with self._progress:
            while self.position < position:
                if self.error is not None:
                    return False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.set()
                self._hurry.set()
                self._progress.wait(min(remaining, 0.05))
        return True

    async def reached(self, position: int, timeout: float) -> bool:
        """Await (at most ``timeout`` s, holding no thread) until every view has processed
        ``position``; False on timeout or when the projector has stopped on an error."""
        if self.position >= position:
            return True
        loop = asyncio.get_running_loop()
        waiter = _Waiter(position, loop, loop.create_future())
        with self._progress:
            if self.position >= position:
                return True
            if self.error is not None:
                return False
            self._waiters.append(waiter)
        self._wake.set()
        self._hurry.set()
        try:
            await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            pass
        finally:
            with self._progress:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self.position >= position


def views_reached(store: ViewStore, position: int) -> bool:
    """Whether every view group has processed ``position`` (one lookup per group)."""
    return all(store.position(name) >= position for name in PROJECTIONS)


async def reached_in_store(store: ViewStore, position: int, timeout: float) -> bool:
    """Read-your-writes for a process that does not run the projector: poll the tracked
    positions of every view group with back-off (5 ms doubling to 100 ms), each poll a short
    trip to the loop's executor; the coroutine holds no thread in between."""
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + timeout
    pause = 0.005
    while not await loop.run_in_executor(None, views_reached, store, position):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(pause, remaining))
        pause = min(pause * 2, 0.1)
    return True


def wait_in_store(store: ViewStore, position: int, timeout: float) -> bool:
    """Read-your-writes for a process that does not run the projector (PostgreSQL API
    processes): poll the tracked positions of every view group."""
    deadline = time.monotonic() + timeout
    for name in PROJECTIONS:
        if not store.wait(name, position, max(0.0, deadline - time.monotonic())):
            return False
    return True


#: Below this many events a rebuild runs in one process: starting a second one (a fresh
#: interpreter that imports and opens the registry, about half a second) costs more than it
#: saves.
PARALLEL_MIN_EVENTS = 50_000

#: The view groups a parallel rebuild builds in its worker process; the others are built in
#: the process that called :func:`rebuild`. Chosen so that the two take about as long (each
#: reads and decodes every event): the results (replaying every competition), the seal chain,
#: prizes and accounts here; the certificates (replaying every competition too) and the audit
#: index (a row and three index entries per event) there.
REBUILT_ELSEWHERE = frozenset({AuditProjection.name, CertificatesProjection.name})


def rebuild(
    app: EventStore,
    store: ViewStore,
    names: Sequence[str] | None = None,
    *,
    batch_size: int = 10_000,
    progress: Callable[[int, int, float], None] | None = None,
    parallel: bool | None = None,
) -> CatchUpStats:
    """Rebuild views from position 0 aside, then swap them in at once.

    Readers keep the old rows until the swap; the swap replaces the tables and tracking
    positions of every rebuilt view in one transaction, and a live projector notices and
    continues from the new positions.

    With ``parallel`` (by default: a history of :data:`PARALLEL_MIN_EVENTS` or more on a
    machine with more than one CPU) the views of :data:`REBUILT_ELSEWHERE` are built at the
    same time in a worker process, which opens the store with the application's own class
    and reads the events itself. Each process writes only its own views' tables (SQLite
    takes their transactions in turn); then this process catches every view up to the head
    and swaps them all in.
    """
    with _gc_paused():  # a rebuild's live objects would be rescanned by every collection
        return _rebuild(
            app, store, names, batch_size=batch_size, progress=progress, parallel=parallel
        )


def _rebuild(
    app: EventStore,
    store: ViewStore,
    names: Sequence[str] | None,
    *,
    batch_size: int,
    progress: Callable[[int, int, float], None] | None,
    parallel: bool | None,
) -> CatchUpStats:
    aside = [cls(app, store, suffix="__next", bulk=True) for cls in select_projections(names)]
    with store.transaction(commit=True) as cursor:
        for projection in aside:
            projection.drop_tables(cursor)
            store.reset(projection.tracking_name, cursor)
    if parallel is None:
        parallel = app.head_position() >= PARALLEL_MIN_EVENTS and _cpus() > 1
    elsewhere = [p for p in aside if p.name in REBUILT_ELSEWHERE] if parallel else []
    if len(elsewhere) == len(aside):
        elsewhere = []  # nothing would be left to do here
    here = [p for p in aside if p not in elsewhere]
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        worker = None
        if elsewhere:
            opened = (type(app), app.settings)
            worker = Worker(_build_aside, opened, [p.name for p in elsewhere], batch_size)
            stack.callback(worker.stop)  # ended at once if this process fails
        projector = Projector(app, store, here, batch_size=batch_size)
        stats = projector.catch_up(progress=progress)
        _finish_bulk(here)
        worker_peak_mb = 0.0
        if worker is not None:
            try:
                worker_peak_mb = worker.result()
            except ProjectionError:
                raise  # the history itself: building them here would stop at it too
            except Exception as error:  # the worker could not run: build them here
                log.warning("rebuild: worker process failed (%s); building its views here", error)
                with store.transaction(commit=True) as cursor:
                    for projection in elsewhere:
                        projection.drop_tables(cursor)
                        store.reset(projection.tracking_name, cursor)
                Projector(app, store, elsewhere, batch_size=batch_size).catch_up()
                _finish_bulk(elsewhere)
    # The views built elsewhere, as their worker left them (tables, indexes, positions).
    aside = here + [type(p)(app, store, suffix="__next") for p in elsewhere]
    # Events recorded meanwhile: catch up once more (incrementally), then swap.
    for projection in aside:
        projection.bulk = False
    projector = Projector(app, store, aside, batch_size=batch_size)
    more = projector.catch_up()
    swap_into_place(aside)
    for projection in aside:
        # Freed now, by reference counting: left to the collector, the first collection
        # after the rebuild would walk every object of a cache that is in a cycle.
        projection.reset_cache()
    seconds = time.perf_counter() - started
    return CatchUpStats(stats.events + more.events, seconds, projector.position, worker_peak_mb)


def _finish_bulk(projections: Sequence[ViewProjection]) -> None:
    """After a bulk load has caught up: what it deferred, then its indexes (built once)."""
    for projection in projections:
        projection.finish()
        projection.create_indexes()


def _build_aside(
    opened: tuple[Callable[[Settings], EventStore], Settings], names: list[str], batch_size: int
) -> float:
    """A parallel rebuild's worker (:class:`projections.rebuild_worker.Worker`): open the
    store as ``opened`` says (the application's class and settings), build the views
    ``names`` aside from the events as far as they reach, through their bulk load and
    indexes; answer this process's peak resident memory (MB)."""
    open_store, settings = opened
    gc.disable()  # a process of its own, for this only (see _gc_paused)
    app = open_store(settings)
    store = ViewStore(settings)
    try:
        projections = [PROJECTIONS[n](app, store, suffix="__next", bulk=True) for n in names]
        Projector(app, store, projections, batch_size=batch_size).catch_up()
        _finish_bulk(projections)
        return peak_mb()
    finally:
        store.close()
        close = getattr(app, "close", None)
        if close is not None:
            close()


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
