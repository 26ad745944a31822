"""The writer on its own: a tiny aggregate, a fake store, no database, no application.

The fake store keeps events in memory and behaves as the real one where the writer depends on
it: a save of a version already stored raises ``IntegrityError`` and stores nothing; each
"process" (``FakeStore``) has its own cache over the shared events (``Events``). Knobs make a
save conflict, or store and then fail (a crash between the append and the answer).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from uuid import UUID

import pytest
from eventsourcing.application import Cache, project_aggregate
from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from eventsourcing.persistence import IntegrityError, OperationalError

from domain.errors import DomainError
from registry.writer import CommandResult, FileTurns, Retry, Writer

FAST = Retry(attempts=5, step=0.0)


class Tally(Aggregate):
    """A set of items, each added once: a repeat records nothing, a bad item is refused."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}  # item -> the version of the event that added it

    @event("Added")
    def _added(self, item: str) -> None:
        self.items[item] = len(self.items) + 2  # version 1 is the creation

    def add(self, item: str, needs: str | None = None) -> tuple[bool, int]:
        if item in self.items:
            return False, self.items[item]
        if item.startswith("bad") or (needs is not None and needs not in self.items):
            raise DomainError("invalid-input", f"{item} refused")
        self._added(item)
        return True, self.version


class Events:
    """The stored events, shared by every process of the fake store."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stored: dict[UUID, list[DomainEventProtocol[UUID]]] = {}
        self.positions: dict[tuple[UUID, int], int] = {}
        self.head = 0
        self.conflicts = 0  # IntegrityErrors raised

    def append(self, aggregate: Aggregate) -> list[int]:
        pending = aggregate.collect_events()
        with self.lock:
            stored = self.stored.setdefault(aggregate.id, [])
            if pending[0].originator_version != len(stored) + 1:
                self.conflicts += 1
                raise IntegrityError(f"version {pending[0].originator_version} is taken")
            positions = []
            for domain_event in pending:
                self.head += 1
                stored.append(domain_event)
                self.positions[(aggregate.id, domain_event.originator_version)] = self.head
                positions.append(self.head)
            return positions


class FakeStore:
    """One process's view of ``events`` (``registry.writer.Store``), with its own cache."""

    def __init__(self, events: Events | None = None) -> None:
        self.events = events or Events()
        self.cache: Cache[UUID, Aggregate] | None = Cache()
        self.gets = 0
        self.saves = 0
        self.conflict_next = 0  # this many saves raise IntegrityError, storing nothing
        #: the next save stores its events, then raises this (a crash before the answer)
        self.fail_after_store: BaseException | None = None

    def get(self, aggregate_id: UUID, cls: type[Aggregate], what: str) -> Aggregate:
        self.gets += 1
        with self.events.lock:
            stored = list(self.events.stored.get(aggregate_id, ()))
        aggregate = project_aggregate(None, stored)
        if not isinstance(aggregate, cls):
            raise DomainError("not-found", f"no {what} with id {aggregate_id}")
        return aggregate

    def save(self, aggregate: Aggregate) -> list[int]:
        self.saves += 1
        if self.conflict_next:
            self.conflict_next -= 1
            aggregate.collect_events()
            raise IntegrityError("another writer got there first")
        positions = self.events.append(aggregate)
        failure, self.fail_after_store = self.fail_after_store, None
        if failure is not None:
            raise failure
        return positions

    def stored_version(self, aggregate_id: UUID) -> int:
        with self.events.lock:
            return len(self.events.stored.get(aggregate_id, ()))

    def position_of(self, aggregate_id: UUID, version: int) -> int:
        return self.events.positions[(aggregate_id, version)]

    def events_after(self, aggregate_id: UUID, version: int) -> Iterable[DomainEventProtocol[UUID]]:
        with self.events.lock:
            return self.events.stored[aggregate_id][version:]

    def create(self) -> UUID:
        tally = Tally()
        self.events.append(tally)
        return tally.id

    def items(self, aggregate_id: UUID) -> dict[str, int]:
        return self.get(aggregate_id, Tally, "tally").items  # type: ignore[attr-defined]


def adding(item: str, **kwargs: str) -> Callable[[Tally], tuple[bool, int]]:
    return lambda tally: tally.add(item, **kwargs)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def writer(store: FakeStore) -> Iterator[Writer]:
    writer = Writer(store, retry=FAST)
    yield writer
    writer.close()


def change(writer: Writer, tally: UUID, decide: Callable[[Tally], object]) -> CommandResult:
    return writer.change(tally, Tally, "tally", decide)  # type: ignore[arg-type]


async def queued_together(
    writer: Writer, tally: UUID, decisions: list[Callable[[Tally], object]]
) -> list[object]:
    """Queue ``decisions`` in this order while the aggregate is busy (its lock held here),
    so that the writer thread takes them as one group; their answers or refusals."""
    lock = writer.lock_of(tally)
    with lock:
        tasks = [
            asyncio.ensure_future(writer.change_async(tally, Tally, "tally", decide))  # type: ignore[arg-type]
            for decide in decisions
        ]
        await asyncio.sleep(0)  # every task runs up to its wait: all are queued, in order
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_the_jobs_of_one_turn_of_the_event_loop_are_one_group(store, writer):
    """Handlers that run in one turn of the loop hand their jobs to the writer thread together
    at the turn's end: one group, one save, even when each handler lets go of the
    interpreter before queueing its job (as a lookup of the store does), which would let
    the writer thread start on the jobs queued so far."""
    tally = store.create()

    async def handler(item: str) -> CommandResult:
        time.sleep(0.002)  # the interpreter is free meanwhile
        return await writer.change_async(tally, Tally, "tally", adding(item))  # type: ignore[arg-type]

    async def one_turn() -> list[CommandResult]:
        return await asyncio.gather(*(handler(i) for i in "abcde"))

    answers = asyncio.run(one_turn())
    assert store.saves == 1
    assert [a.position for a in answers] == [2, 3, 4, 5, 6]
    assert list(store.items(tally)) == list("abcde")
    answers = asyncio.run(one_turn())  # the same again: repeats, nothing saved
    assert store.saves == 1 and not any(a.recorded for a in answers)


def test_jobs_run_in_arrival_order_each_on_the_state_the_previous_left(store, writer):
    tally = store.create()
    seen: list[list[str]] = []

    def then(item: str) -> Callable[[Tally], tuple[bool, int]]:
        def decide(t: Tally) -> tuple[bool, int]:
            seen.append(list(t.items))
            return t.add(item)

        return decide

    answers = asyncio.run(queued_together(writer, tally, [then(i) for i in "abac"]))
    assert seen == [[], ["a"], ["a", "b"], ["a", "b"]]
    a, b, again, c = answers
    assert isinstance(a, CommandResult) and isinstance(c, CommandResult)
    assert (a.recorded, b.recorded, again.recorded, c.recorded) == (True, True, False, True)
    assert again.position == a.position  # the repeat names the event holding the fact
    assert [r.version for r in answers] == [2, 3, 3, 4]
    assert store.saves == 1  # one transaction for the group
    assert [a.position, b.position, c.position] == [2, 3, 4]


def test_a_refused_job_does_not_disturb_the_others_of_its_group(store, writer):
    tally = store.create()

    def buggy(t: Tally) -> bool:
        raise ValueError("a bug")

    answers = asyncio.run(
        queued_together(writer, tally, [adding("a"), adding("bad"), buggy, adding("b")])
    )
    a, refused, bug, b = answers
    assert isinstance(refused, DomainError) and refused.code == "invalid-input"
    assert isinstance(bug, ValueError)  # its caller hears it; it stays out of the others'
    assert a.recorded and b.recorded and b.position == a.position + 1
    assert list(store.items(tally)) == ["a", "b"]


def test_a_version_conflict_is_retried_on_a_fresh_read(store, writer):
    tally = store.create()
    change(writer, tally, adding("a"))  # the cache now holds the saved state
    store.conflict_next = 3
    gets = store.gets
    result = change(writer, tally, adding("b"))
    assert result.recorded and store.saves == 1 + 4
    assert store.gets == gets + 3  # every attempt after a conflict reads afresh
    assert list(store.items(tally)) == ["a", "b"]


def test_a_stale_cache_loses_its_save_or_its_refusal_and_decides_again(store, writer):
    """Another process moves the aggregate on behind this one's cache: a new item still lands
    once, and a refusal only the out-of-date state would give is never answered."""
    tally = store.create()
    change(writer, tally, adding("a"))  # cached here
    change(Writer(FakeStore(store.events)), tally, adding("b"))  # another process
    assert change(writer, tally, adding("c")).recorded  # conflicted, then read afresh
    change(Writer(FakeStore(store.events)), tally, adding("d"))
    assert change(writer, tally, adding("e", needs="d")).recorded  # refused only when stale
    assert list(store.items(tally)) == ["a", "b", "c", "d", "e"]
    assert store.events.conflicts == 1


def test_the_writer_gives_up_after_its_retry_budget_with_version_conflict(store, writer):
    tally = store.create()
    store.conflict_next = 1_000
    with pytest.raises(DomainError) as refused:
        change(writer, tally, adding("a"))
    assert refused.value.code == "version-conflict"
    assert store.saves == FAST.attempts
    assert list(store.items(tally)) == []


def test_the_retry_policy_on_its_own():
    calls: list[int] = []

    def attempt(number: int) -> str | None:
        calls.append(number)
        if number < 2:
            raise IntegrityError("conflict")
        return None if number < 4 else "done"  # None: decide again at once

    assert Retry(attempts=5, step=0.0).run(attempt) == "done"
    assert calls == [0, 1, 2, 3, 4]
    with pytest.raises(DomainError, match="too many concurrent changes"):
        Retry(attempts=4, step=0.0).run(attempt)
    assert Retry().attempts == 30


def test_one_writer_per_aggregate_from_many_threads_and_the_event_loop(store, writer):
    tallies = [store.create(), store.create()]
    active: dict[UUID, int] = dict.fromkeys(tallies, 0)
    most: dict[UUID, int] = dict.fromkeys(tallies, 0)
    guard = threading.Lock()

    def watched(tally: UUID, item: str) -> Callable[[Tally], tuple[bool, int]]:
        def decide(t: Tally) -> tuple[bool, int]:
            with guard:
                active[tally] += 1
                most[tally] = max(most[tally], active[tally])
            time.sleep(0.0002)
            with guard:
                active[tally] -= 1
            return t.add(item)

        return decide

    answers: dict[tuple[UUID, str], CommandResult] = {}
    barrier = threading.Barrier(9)

    def thread(k: int) -> None:
        barrier.wait()
        for n in range(15):
            tally = tallies[n % 2]
            item = f"t{k}-{n // 2}"
            answers[(tally, item)] = change(writer, tally, watched(tally, item))

    async def loop() -> None:
        barrier.wait()
        jobs = [(tallies[n % 2], f"a-{n}") for n in range(60)]
        results = await asyncio.gather(
            *(
                writer.change_async(t, Tally, "tally", watched(t, i))  # type: ignore[arg-type]
                for t, i in jobs
            )
        )
        answers.update(zip(jobs, results))

    threads = [threading.Thread(target=thread, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    asyncio.run(loop())
    for t in threads:
        t.join(10)
    assert most == dict.fromkeys(tallies, 1)
    assert len(answers) == 8 * 15 + 60
    stored = {tally: store.items(tally) for tally in tallies}
    assert sum(len(items) for items in stored.values()) == len(answers)  # each item once
    for (tally, item), answer in answers.items():  # each answer names its own event
        assert answer.recorded
        assert answer.position == store.position_of(tally, stored[tally][item])


@pytest.mark.parametrize("exclusive", [False, True], ids=["optimistic", "exclusive"])
def test_a_crash_between_append_and_answer(store, tmp_path, exclusive):
    """The save stores, then fails: the callers hear the error; the next command reads what
    was stored and answers it as a repeat, never deciding on the object the failed command
    changed (in an exclusive turn that object was taken out of the cache)."""
    turns = FileTurns(str(tmp_path / "store.write-lock")) if exclusive else None
    writer = Writer(store, turns=turns, retry=FAST)
    tally = store.create()
    decided: list[Tally] = []

    def remember(item: str) -> Callable[[Tally], tuple[bool, int]]:
        def decide(t: Tally) -> tuple[bool, int]:
            decided.append(t)
            return t.add(item)

        return decide

    try:
        change(writer, tally, remember("a"))  # the cache now holds the saved state
        store.fail_after_store = OperationalError("the connection broke after the commit")
        with pytest.raises(OperationalError):
            change(writer, tally, remember("b"))
        stored = store.position_of(tally, 3)
        again = change(writer, tally, remember("b"))
        assert not again.recorded and again.position == stored and again.version == 3
        assert all(decided[-1] is not crashed for crashed in decided[:-1])
        # a commit reported as a conflict (a library retry after a network blip) is a repeat
        store.fail_after_store = IntegrityError("duplicate key: the first try committed")
        late = change(writer, tally, remember("c"))
        assert not late.recorded and late.position == store.position_of(tally, 4)
        # an asynchronous caller hears the failure too
        store.fail_after_store = OperationalError("the connection broke after the commit")
        with pytest.raises(OperationalError):
            asyncio.run(writer.change_async(tally, Tally, "tally", adding("d")))  # type: ignore[arg-type]
        assert list(store.items(tally)) == ["a", "b", "c", "d"]
    finally:
        writer.close()


def test_an_unknown_aggregate_is_not_found_for_every_job(store, writer):
    with pytest.raises(DomainError) as missing:
        change(writer, UUID(int=7), adding("a"))
    assert missing.value.code == "not-found"


def test_two_processes_take_turns_and_never_lose_a_save(store, tmp_path):
    """Two writers with their own caches over one store (two API processes of one SQLite
    file) take turns through the lock file: each decides on its cached state, caught up by one
    lookup, and no save ever conflicts."""
    path = str(tmp_path / "store.write-lock")
    tally = store.create()
    writers = [Writer(FakeStore(store.events), turns=FileTurns(path)) for _ in range(2)]
    barrier = threading.Barrier(4)

    def work(writer: Writer, k: int) -> None:
        barrier.wait()
        for n in range(20):
            change(writer, tally, adding(f"{k}-{n}"))

    threads = [threading.Thread(target=work, args=(w, k)) for k, w in enumerate(writers + writers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    finally:
        for w in writers:
            w.close()
    assert len(store.items(tally)) == 80 and store.events.conflicts == 0


def test_close_finishes_queued_jobs_then_refuses_new_asynchronous_ones(store, writer):
    tally = store.create()

    async def close_while_queued() -> list[object]:
        with writer.lock_of(tally):
            tasks = [
                asyncio.ensure_future(writer.change_async(tally, Tally, "tally", adding(i)))  # type: ignore[arg-type]
                for i in "ab"
            ]
            await asyncio.sleep(0)
            closing = threading.Thread(target=writer.close)
            closing.start()
        answers = await asyncio.gather(*tasks)
        await asyncio.to_thread(closing.join, 10)
        return answers

    assert all(a.recorded for a in asyncio.run(close_while_queued()))
    with pytest.raises(OperationalError):
        asyncio.run(writer.change_async(tally, Tally, "tally", adding("c")))  # type: ignore[arg-type]
    assert list(store.items(tally)) == ["a", "b"]
