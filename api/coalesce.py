"""One lookup for the requests that ask the same kind of question at once.

On PostgreSQL, a request that checks its bearer token (the account's newest version) or a
remembered standings answer (the competition's row in the views) pays a round trip to the
database server and a trip to a worker thread, and both cost the API process more than
the rest of the request. Under load, many requests ask at the same moment: :class:`Coalesced`
answers all of them with one lookup of all their keys (``WHERE id = ANY(...)``), the way the
writer (``registry.writer``) saves the marks of one turn in one transaction.

Freshness is the same as a lookup of one's own: every key is answered by a lookup *started
after it was asked*. The keys asked while no lookup runs go into one at the end of the
event loop's turn (so the requests of that turn join it); those asked while one runs wait
for the next, started as soon as it ends. So a request never gets an answer read before it
arrived: a revocation committed before a request is always seen by it. A failed lookup (the
server gone) fails the requests asked during it too, at once: during an outage no request
waits for two lookups, each up to the pool's timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

from litestar.concurrency import sync_to_thread

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Turns(Generic[K, V]):
    """One busy event loop's keys waiting for the next lookup, and the lookup running (its
    task, held so that it is not collected); an idle loop has none."""

    __slots__ = ("task", "waiting")

    def __init__(self) -> None:
        self.waiting: dict[K, asyncio.Future[V | None]] = {}
        self.task: asyncio.Task[None] | None = None


class Coalesced(Generic[K, V]):
    """``fetch(keys) -> {key: value}`` (blocking: run in a worker thread) for coroutines that
    each want one key's value (None: the lookup did not find it); see the module."""

    def __init__(self, fetch: Callable[[Sequence[K]], Mapping[K, V]]) -> None:
        self._fetch = fetch
        self._loops: dict[asyncio.AbstractEventLoop, _Turns[K, V]] = {}
        #: lookups made, and keys answered by them (how much was shared)
        self.lookups = 0
        self.keys = 0

    async def get(self, key: K) -> V | None:
        """The key's value, from a lookup started after this call."""
        loop = asyncio.get_running_loop()
        turns = self._loops.get(loop)
        if turns is None:  # idle: a lookup at the turn's end, which its requests join
            turns = self._loops[loop] = _Turns()
            loop.call_soon(self._start, loop, turns)
        future = turns.waiting.get(key)
        if future is None:
            future = turns.waiting[key] = loop.create_future()
        # shielded: a request that goes away (its client disconnected) cancels its own wait,
        # never the lookup the other requests await
        return await asyncio.shield(future)

    def _start(self, loop: asyncio.AbstractEventLoop, turns: _Turns[K, V]) -> None:
        """Start a lookup of the keys waiting now; none: this loop is idle again."""
        batch, turns.waiting = turns.waiting, {}
        if not batch:
            del self._loops[loop]
            return
        turns.task = loop.create_task(self._run(loop, turns, batch))

    async def _run(
        self,
        loop: asyncio.AbstractEventLoop,
        turns: _Turns[K, V],
        batch: dict[K, asyncio.Future[V | None]],
    ) -> None:
        try:
            found = await sync_to_thread(self._fetch, list(batch))
        except asyncio.CancelledError:  # the loop is closing: nobody waits any more
            for future in (*batch.values(), *turns.waiting.values()):
                future.cancel()
            self._loops.pop(loop, None)
            raise
        except Exception as error:  # e.g. the server is unreachable: each request hears it,
            # and so do those asked meanwhile: an answer is never older than its request, but
            # a failure may be, so that no request waits for two lookups that time out
            waiting, turns.waiting = turns.waiting, {}
            for future in (*batch.values(), *waiting.values()):
                if not future.done():
                    future.set_exception(error)
                    future.exception()  # retrieved: no "never retrieved" log for a gone waiter
        else:
            self.lookups += 1
            self.keys += len(batch)
            for key, future in batch.items():
                if not future.done():
                    future.set_result(found.get(key))
        self._start(loop, turns)  # the keys asked meanwhile
