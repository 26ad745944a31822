"""One lookup for the requests that ask at once (api.coalesce): shared, never stale, and
safe when a request goes away or the lookup fails."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from api.coalesce import Coalesced


class Table:
    """A lookup that records what it was asked and can be held in its worker thread."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.asked: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.fail: Exception | None = None

    def fetch(self, keys: Sequence[str]) -> dict[str, int]:
        self.asked.append(list(keys))
        snapshot = dict(self.values)  # what the lookup reads: the state when it starts
        self.entered.set()
        self.release.wait(5)
        if self.fail is not None:
            raise self.fail
        return {k: snapshot[k] for k in keys if k in snapshot}


async def _until(condition: threading.Event) -> None:
    for _ in range(500):
        if condition.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the lookup never started")


async def test_the_keys_of_one_moment_share_one_lookup():
    table = Table()
    table.values = {"a": 1, "b": 2}
    shared = Coalesced(table.fetch)
    answers = await asyncio.gather(*(shared.get(k) for k in ["a", "b", "a", "c", "b"]))
    assert answers == [1, 2, 1, None, 2]
    assert len(table.asked) == 1
    assert sorted(table.asked[0]) == ["a", "b", "c"]  # each key once
    assert (shared.lookups, shared.keys) == (1, 3)


async def test_a_key_asked_during_a_lookup_waits_for_a_fresh_one():
    """A request arriving while a lookup runs is answered by the next one, started after it
    arrived, never by the running one, whose reading may predate it (a revocation committed
    just before the request must be seen)."""
    table = Table()
    table.values = {"a": 1}
    shared = Coalesced(table.fetch)
    table.release.clear()
    first = asyncio.ensure_future(shared.get("a"))
    await _until(table.entered)  # the first lookup has read {"a": 1} and is held
    table.values = {"a": 2}  # a change committed after it read, before the next request
    second = asyncio.ensure_future(shared.get("a"))
    third = asyncio.ensure_future(shared.get("a"))
    await asyncio.sleep(0.05)
    assert not second.done()
    table.release.set()
    assert await first == 1
    assert await second == 2
    assert await third == 2
    assert table.asked == [["a"], ["a"]]  # the two late requests shared the second lookup


async def test_a_failed_lookup_reaches_every_request_and_the_next_one_works():
    table = Table()
    table.values = {"a": 1}
    table.fail = ConnectionError("server closed the connection")
    shared = Coalesced(table.fetch)
    results = await asyncio.gather(shared.get("a"), shared.get("b"), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    table.fail = None
    assert await shared.get("a") == 1


async def test_a_request_that_goes_away_does_not_cancel_the_others():
    table = Table()
    table.values = {"a": 1}
    shared = Coalesced(table.fetch)
    table.release.clear()
    leaving = asyncio.ensure_future(shared.get("a"))
    staying = asyncio.ensure_future(shared.get("a"))
    await _until(table.entered)
    leaving.cancel()
    table.release.set()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert await staying == 1
    assert await shared.get("a") == 1  # and the loop's state was left clean


async def test_a_request_asked_during_a_failing_lookup_hears_the_failure_at_once():
    """During an outage, a request never waits for a second lookup after the first one
    failed (each may take up to the pool's timeout): it hears the same failure."""
    table = Table()
    table.fail = ConnectionError("server closed the connection")
    shared = Coalesced(table.fetch)
    table.release.clear()
    first = asyncio.ensure_future(shared.get("a"))
    await _until(table.entered)
    meanwhile = asyncio.ensure_future(shared.get("b"))
    await asyncio.sleep(0.01)
    table.release.set()
    for waiting in (first, meanwhile):
        with pytest.raises(ConnectionError):
            await waiting
    assert table.asked == [["a"]]  # one lookup, no second one for "b"
    table.fail = None
    table.values = {"b": 2}
    assert await shared.get("b") == 2  # the next request looks afresh
