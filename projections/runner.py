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
from eventsourcing.utils import resolve_topic

from projections.accounts import AccountsProjection
from projections.audit import AuditProjection
from projections.base import Item, ProjectionError, ViewProjection, swap_into_place
from projections.certificates import CertificatesProjection
from projections.prizes import PrizesProjection
from projections.rebuild_worker import Worker, peak_mb
from projections.results import SHARES, ResultsProjection, Share
from projections.seal import SealProjection
from projections.store import ResyncNeeded, ViewStore
from store.events import EventReader, EventStore, StoredNotification
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


#: whether a topic's events are decoded: always, never, or if this says so of the event
#: (one or more projections' ``ViewProjection.wants``), asked with the topic's class
_Wanted = bool | tuple[type, Callable[[StoredNotification, type], bool]]


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
        #: topic -> whether its events are decoded (:meth:`_wanted`)
        self._decoded: dict[str, _Wanted] = {}
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
                decoded = self._decoded
                append = items.append
                for notification in notifications:
                    wanted = decoded.get(notification.topic)
                    if wanted is None:
                        wanted = self._wanted(notification.topic)
                    if wanted is not True and (
                        wanted is False or not wanted[1](notification, wanted[0])
                    ):
                        append((notification, None))
                        continue
                    try:
                        append((notification, to_domain_event(notification)))
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

    def _wanted(self, topic: str) -> _Wanted:
        """Whether any projection here acts on events of ``topic`` (their ``EVENTS``), so
        that they are decoded: an event none of them reads is passed on as None, undecoded
        (accounts and prizes ignore the marks, most of a history). If only partial ones
        do (a share of a parallel rebuild), the event's class and those to ask
        (:meth:`ViewProjection.wants`). A topic that names no class is decoded, to fail as
        it always has."""
        try:
            cls = resolve_topic(topic)
        except Exception:
            return True
        takes = [(p, p.takes(cls)) for p in self.projections]
        askers = [p.wants for p, taken in takes if taken is None]
        wanted: _Wanted = False
        if any(taken for _, taken in takes):
            wanted = True
        elif len(askers) == 1:
            wanted = (cls, askers[0])
        elif askers:

            def ask(notification: StoredNotification, cls: type) -> bool:
                return any(wants(notification, cls) for wants in askers)

            wanted = (cls, ask)
        self._decoded[topic] = wanted
        return wanted

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
        """Process until nothing is left (or exactly up to ``until``). Raises on failure."""
        started = time.perf_counter()
        done = 0
        target = until if until is not None else self.app.head_position()
        while True:
            if until is not None and self.position >= until:
                break
            count = self.run_once(
                None if until is None else min(self.batch_size, until - self.position)
            )
            if count == 0:
                break
            done += count
            if progress:
                progress(done, max(target, self.position), time.perf_counter() - started)
        return CatchUpStats(done, time.perf_counter() - started, self.position)

    # ------------------------------------------------------------------ following

    def wake(self, _position: int | None = None) -> None:
        self._wake.set()

    def hurry(self) -> None:
        """Someone in another process waits for a position: process now, no coalescing."""
        self._wake.set()
        self._hurry.set()

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
#: the process that called :func:`rebuild`. The worker's read the stored bytes only (nothing
#: is decoded there): the seal chain (a hash per event) and the audit index (a row and three
#: index entries per event). Here: the results (decoding and replaying every competition),
#: the certificates (from the same replay: :meth:`CertificatesProjection.follow`), prizes
#: and accounts (which decode their own few events only).
REBUILT_ELSEWHERE = frozenset({AuditProjection.name, SealProjection.name})


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
    and reads the events itself, and so are the results and certificates of a share of the
    championships (:data:`WORKER_SHARE`), into tables of their own (``__part``). Each
    process writes only its own tables (SQLite takes their transactions in turn), both up
    to the head as it was when the rebuild began; this process then copies the worker's
    share into the aside tables, builds their indexes, catches every view up to the head
    and swaps them all in.

    Each event is decoded only where a view applies it (:meth:`ViewProjection.takes`), and
    the certificates are computed from the results view's replay of the competitions
    (:meth:`CertificatesProjection.follow`), not from a second one.
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
    _reset(store, aside)
    if parallel is None:
        parallel = app.head_position() >= PARALLEL_MIN_EVENTS and _cpus() > 1
    elsewhere = [p for p in aside if p.name in REBUILT_ELSEWHERE] if parallel else []
    if len(elsewhere) == len(aside):
        elsewhere = []  # nothing would be left to do here
    here = [p for p in aside if p not in elsewhere]
    # The worker also builds a share of the results (and their certificates) aside of the
    # aside tables; they are copied into them once both processes have reached ``until``.
    parts = _parts(app, store, here) if elsewhere else []
    _reset(store, parts)
    _share_replay(here)
    _share_replay(parts)
    until = app.head_position() if parts else None
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        worker = None
        if elsewhere:
            opened = (type(app), app.settings)
            orders = [_Order(p.name, p.suffix, None) for p in elsewhere]
            orders += [_Order(p.name, p.suffix, _share(p)) for p in parts]
            worker = Worker(_build_aside, opened, orders, batch_size, until)
            stack.callback(worker.stop)  # ended at once if this process fails
        projector = Projector(app, store, here, batch_size=batch_size)
        stats = projector.catch_up(until=until, progress=progress)
        for projection in here:
            projection.finish()
        worker_peak_mb = 0.0
        if worker is not None:
            try:
                worker_peak_mb = worker.result()
            except ProjectionError:
                raise  # the history itself: building them here would stop at it too
            except Exception as error:  # the worker could not run: build them here
                log.warning("rebuild: worker process failed (%s); building its views here", error)
                _reset(store, elsewhere + parts)
                Projector(app, store, elsewhere + parts, batch_size=batch_size).catch_up(
                    until=until
                )
                _finish_bulk(elsewhere + parts)
        _merge(store, parts)
        for projection in here:
            projection.create_indexes()
    # The views built elsewhere, as their worker left them (tables, indexes, positions).
    aside = here + [type(p)(app, store, suffix="__next") for p in elsewhere]
    # Events recorded meanwhile: catch up once more (incrementally, every share), then swap.
    for projection in aside:
        projection.bulk = False
        if isinstance(projection, CertificatesProjection):
            projection.follow(None)
        elif isinstance(projection, ResultsProjection):
            projection.feed = None
            projection.share = None
    projector = Projector(app, store, aside, batch_size=batch_size)
    more = projector.catch_up()
    swap_into_place(aside)
    for projection in aside:
        # Freed now, by reference counting: left to the collector, the first collection
        # after the rebuild would walk every object of a cache that is in a cycle.
        projection.reset_cache()
    seconds = time.perf_counter() - started
    return CatchUpStats(stats.events + more.events, seconds, projector.position, worker_peak_mb)


#: The share of the competitions (of ``results.SHARES``, by championship) a parallel
#: rebuild's worker builds besides the views of :data:`REBUILT_ELSEWHERE`, so that the two
#: processes take about as long: there, reading every event, sealing and indexing it, and
#: replaying this share; here, replaying the rest.
WORKER_SHARE = 200


class _Order(NamedTuple):
    """A view group a parallel rebuild's worker builds: its name, its tables' suffix and
    (the results) its share."""

    name: str
    suffix: str
    share: Share | None


def _parts(
    app: EventStore, store: ViewStore, here: Sequence[ViewProjection]
) -> list[ViewProjection]:
    """The results (and certificates) of the worker's share, built beside the aside tables
    (``__part``); the results built here keep the rest and the reference data."""
    results = next((p for p in here if isinstance(p, ResultsProjection)), None)
    if results is None or WORKER_SHARE <= 0:
        return []
    results.share = Share(WORKER_SHARE, SHARES, reference=True)
    part = ResultsProjection(app, store, suffix="__part", bulk=True)
    part.share = Share(0, WORKER_SHARE, reference=False)
    parts: list[ViewProjection] = [part]
    if any(isinstance(p, CertificatesProjection) for p in here):
        parts.append(CertificatesProjection(app, store, suffix="__part", bulk=True))
    return parts


def _share(projection: ViewProjection) -> Share | None:
    return projection.share if isinstance(projection, ResultsProjection) else None


def _reset(store: ViewStore, projections: Sequence[ViewProjection]) -> None:
    """Empty tables and no position for these bulk loads."""
    with store.transaction(commit=True) as cursor:
        for projection in projections:
            projection.drop_tables(cursor)
            store.reset(projection.tracking_name, cursor)
    for projection in projections:
        projection.create_tables()


def _merge(store: ViewStore, parts: Sequence[ViewProjection]) -> None:
    """Copy the rows of the worker's share into the aside tables (before their indexes are
    built), then drop its tables and position."""
    if not parts:
        return
    with store.transaction(commit=True) as cursor:
        for part in parts:
            for table in part.TABLES:
                whole = store.table(table + "__next")
                cursor.execute(f"INSERT INTO {whole} SELECT * FROM {part.t(table)}")
            part.drop_tables(cursor)
            store.reset(part.tracking_name, cursor)


def _share_replay(projections: Sequence[ViewProjection]) -> None:
    """Bulk loads in one projector: the certificates take the competitions from the results
    view's replay (the results come first in a projector's order, as in :data:`PROJECTIONS`)."""
    results = None
    for projection in projections:
        if isinstance(projection, ResultsProjection):
            results = projection
        elif results is not None and isinstance(projection, CertificatesProjection):
            projection.follow(results)


def _finish_bulk(projections: Sequence[ViewProjection]) -> None:
    """After a bulk load has caught up: what it deferred, then its indexes (built once;
    none on a share's tables, which are copied into the aside ones)."""
    for projection in projections:
        projection.finish()
        if projection.suffix != "__part":
            projection.create_indexes()


def _build_aside(
    opened: tuple[Callable[[Settings], EventStore], Settings],
    orders: list[_Order],
    batch_size: int,
    until: int | None,
) -> float:
    """A parallel rebuild's worker (:class:`projections.rebuild_worker.Worker`): open the
    store as ``opened`` says (the application's class and settings), build the views of
    ``orders`` from the events as far as they reach (exactly ``until``, if given), through
    their bulk load and indexes; answer this process's peak resident memory (MB)."""
    open_store, settings = opened
    gc.disable()  # a process of its own, for this only (see _gc_paused)
    app = open_store(settings)
    store = ViewStore(settings)
    try:
        projections = []
        for order in orders:
            projection = PROJECTIONS[order.name](app, store, suffix=order.suffix, bulk=True)
            if isinstance(projection, ResultsProjection):
                projection.share = order.share
            projections.append(projection)
        _share_replay(projections)
        Projector(app, store, projections, batch_size=batch_size).catch_up(until=until)
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
