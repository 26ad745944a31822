"""Server-Sent Events (API.md "Push"): live standings and the live audit feed.

* ``GET /api/v1/competitions/{id}/standings/stream`` — an event ``standings`` whose data is
  the standings body exactly as ``GET .../standings`` answers it (the same bytes: both come
  from :class:`api.reading.ReadSide`'s encoded answers), once on connect and again whenever
  the competition's rows change (marks, a lock, a publication, an amendment); ``id:`` is the
  view position it reflects (its ``as_of_position``). Visibility as for the GET, checked
  before the stream starts (404/401/403 problems) and again for every event.
* ``GET /api/v1/audit/events/stream?after=N`` — auditors and admins: one event per stored
  event, ``id:`` its notification position, data the NDJSON feed's line for it
  (:mod:`projections.audit_feed`, the same withholding); ``Last-Event-ID`` (which wins over
  ``after``) resumes after that position; after catching up it follows new events.

Both send a keep-alive comment every :data:`KEEP_ALIVE` seconds, and end a stream whose token
has been revoked or rotated (checked every :data:`REAUTHENTICATE` seconds).

Fan-out (:class:`StreamHub`, one per process, started and stopped with the app): one watcher
task follows the read side. With the projector in this process it is woken by the results
view after each commit, told which competitions changed; with the projector elsewhere it
polls the views' position every :data:`POLL` seconds and looks again at the competitions
that have subscribers. For each such competition it takes the standings once per change,
through the read path the GET uses, encodes one SSE event and hands the same bytes object to
every subscriber allowed to see it. A subscriber keeps only the newest event not yet sent
(one reference): a slow reader skips intermediate standings, never queues them. Audit
subscribers need every event, so each reads its own from its cursor in batches of at most
:data:`AUDIT_BATCH` (bounded memory), woken by the watcher when the store's head moves (this
process's saves at once; other processes' within :data:`POLL` seconds).

Shutdown: uvicorn waits for open responses before it tells the app to stop, so the hub also
ends every stream as soon as the process is asked to stop (SIGINT/SIGTERM, chained before
uvicorn's own handler, in the main thread only); browsers reconnect (``retry:``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from types import FrameType
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get
from litestar.concurrency import sync_to_thread
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from api.audit import READ_PROBLEMS, whole_parameter
from api.auth import AUDITORS
from api.messages import Message
from api.problems import invalid_field, problem_responses
from api.reading import ReadSide
from api.results import check_visible, may_see
from api.routes import SECURITY, doc
from domain.values import Role
from projections.audit_feed import Feed, FeedError
from projections.results import ResultsProjection
from registry.application import RegistryApplication

log = logging.getLogger("api.streams")

#: seconds between keep-alive comments on an idle stream
KEEP_ALIVE = 15.0
#: seconds between looks at the views' position (projector elsewhere) or the store's head
POLL = 0.15
#: seconds between looks at a streaming token (revoked or rotated: the stream ends)
REAUTHENTICATE = 60.0
#: stored events read (and sent) at once by an audit stream
AUDIT_BATCH = 2_000
#: milliseconds a browser waits before reconnecting (sent with the first event)
RETRY_MS = 2_000
EVENT_STREAM = "text/event-stream"


class Encoded(ServerSentEventMessage):
    """One or more SSE events encoded once: the same bytes for every subscriber
    (Litestar's :class:`ServerSentEvent` sends what ``encode()`` answers)."""

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        self.raw = raw

    def encode(self) -> bytes:
        return self.raw


KEEP_ALIVE_EVENT = Encoded(b": keep-alive\r\n\r\n")


def standings_event(position: int, body: bytes) -> Encoded:
    """``event: standings`` with ``id:`` = ``position`` (the body is one line of JSON)."""
    return Encoded(
        b"id: %d\r\nevent: standings\r\ndata: %b\r\nretry: %d\r\n\r\n" % (position, body, RETRY_MS)
    )


def audit_chunk(lines: list[bytes]) -> tuple[Encoded, int]:
    """The feed's lines (``{"position":N,...}``, one line of JSON each) as SSE events with
    ``id:`` = their positions, in one chunk; and the last position."""
    out = []
    position = 0
    for line in lines:
        position = int(line[12 : line.index(b",", 12)])
        out.append(b"id: %d\r\ndata: %b\r\n\r\n" % (position, line))
    return Encoded(b"".join(out)), position


class Subscriber:
    """One open stream: who reads it, and the newest event not yet sent (at most one)."""

    __slots__ = ("account", "allowed", "checked", "credential", "pending", "wake")

    def __init__(
        self,
        account: Any,
        credential: Callable[[], Any] | None,
        allowed: Callable[[Any], bool],
    ) -> None:
        self.account = account
        #: looks the account up again (a bearer token, a web session); None for the public
        self.credential = credential
        #: whether an account (as authenticated again) may still read this stream
        self.allowed = allowed
        self.checked = time.monotonic()
        self.pending: Encoded | None = None
        self.wake = asyncio.Event()

    def offer(self, event: Encoded) -> None:
        self.pending = event  # replaces one not sent yet: a slow reader gets the newest
        self.wake.set()


class Channel:
    """A competition with subscribers: its newest standings, encoded once."""

    __slots__ = ("competition_id", "event", "key", "lock", "position", "status", "subscribers")

    def __init__(self, competition_id: UUID) -> None:
        self.competition_id = competition_id
        self.subscribers: set[Subscriber] = set()
        self.status: str | None = None
        #: the view position of the newest standings taken
        self.position = -1
        #: the body without its ``as_of_position``: what tells a change
        self.key = b""
        self.event: Encoded | None = None
        self.lock = asyncio.Lock()


Standings = tuple[str, bytes, bytes, int]


def take_standings(side: ReadSide, competition_id: UUID) -> Standings | None:
    """``(status, head, tail, position)``: the standings body is ``head + position + tail``,
    exactly the GET's answer (the read side's remembered bytes, else the views, remembered).
    Runs in a worker thread."""
    hit = side.cached_standings(competition_id)
    if hit is not None:
        return hit
    live = side.queries.standings_at_position(competition_id)
    if live is None:
        return None
    standings, changed = live
    encoded = side.remember_standings(competition_id, changed, standings)
    head, _, rest = encoded.partition(b'"as_of_position":')
    return standings.status, head + b'"as_of_position":', rest[len(str(changed)) :], changed


class StreamHub:
    """The watcher of one process and its subscribers (see the module's docstring)."""

    def __init__(
        self,
        registry: RegistryApplication,
        side: ReadSide,
        *,
        poll: float = POLL,
        keep_alive: float = KEEP_ALIVE,
        reauthenticate: float = REAUTHENTICATE,
    ) -> None:
        self.registry = registry
        self.side = side
        self.poll = poll
        self.keep_alive = keep_alive
        self.reauthenticate = reauthenticate
        self.channels: dict[UUID, Channel] = {}
        self.followers: set[Subscriber] = set()
        #: the store's head as last seen (audit streams read up to it)
        self.head = 0
        self.closing = False
        self._views_position = -1
        self._changed: set[UUID] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._results: ResultsProjection | None = None
        self._signals: dict[int, Any] = {}
        self._recorded_hook = False

    @property
    def streams(self) -> int:
        return sum(len(c.subscribers) for c in self.channels.values()) + len(self.followers)

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        self.closing = False
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        projector = self.side.projector
        if projector is not None:
            for projection in projector.projections:
                if isinstance(projection, ResultsProjection):
                    self._results = projection
                    projection.listeners.append(self._written)
        if not self._recorded_hook:  # the registry keeps its callbacks for its whole life
            self.registry.on_recorded(self._recorded)
            self._recorded_hook = True
        try:
            self.head = await sync_to_thread(self.registry.head_position)
        except Exception as error:  # the store is away: the watcher looks again
            log.warning("streams: the store's head is unknown for now: %s", error)
        self._task = asyncio.create_task(self._watch(), name="registry-streams")
        self._chain_signals()

    async def stop(self) -> None:
        self._unchain_signals()
        self.close_streams()
        if self._results is not None:
            with contextlib.suppress(ValueError):
                self._results.listeners.remove(self._written)
            self._results = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._loop = None

    def close_streams(self) -> None:
        """End every stream (the process is stopping)."""
        self.closing = True
        for channel in self.channels.values():
            for subscriber in channel.subscribers:
                subscriber.wake.set()
        for subscriber in self.followers:
            subscriber.wake.set()

    def _chain_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = self._loop
        for number in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(number)

            def handler(sig: int, frame: FrameType | None, previous: Any = previous) -> None:
                with contextlib.suppress(RuntimeError):  # a closed loop
                    if loop is not None:
                        loop.call_soon_threadsafe(self.close_streams)
                if callable(previous):
                    previous(sig, frame)
                elif previous == signal.SIG_DFL and sig == signal.SIGINT:
                    raise KeyboardInterrupt

            try:
                signal.signal(number, handler)
            except (ValueError, OSError):  # pragma: no cover - not the main interpreter
                continue
            self._signals[number] = (previous, handler)

    def _unchain_signals(self) -> None:
        for number, (previous, handler) in self._signals.items():
            if signal.getsignal(number) is handler:
                with contextlib.suppress(ValueError, OSError, TypeError):
                    signal.signal(number, previous)
        self._signals.clear()

    # ------------------------------------------------------------------ wake-ups (threads)

    def _call(self, callback: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody listens
            loop.call_soon_threadsafe(callback)

    def _written(self, written: dict[UUID, int]) -> None:
        """The results view committed new rows of these competitions (projector thread)."""
        if any(c in self.channels for c in written):
            changed = [c for c in written if c in self.channels]
            self._call(lambda: self._mark_changed(changed))

    def _mark_changed(self, changed: list[UUID]) -> None:
        self._changed.update(changed)
        if self._wake is not None:
            self._wake.set()

    def _recorded(self, position: int) -> None:
        """This process recorded events up to ``position`` (a writer thread)."""
        if self.followers:
            self._call(lambda: self._head_moved(position))

    def _head_moved(self, position: int) -> None:
        if position > self.head:
            self.head = position
            for subscriber in self.followers:
                subscriber.wake.set()

    # ------------------------------------------------------------------ the watcher

    async def _watch(self) -> None:
        assert self._wake is not None
        wake = self._wake
        while True:
            pause = self.poll if (self.followers or self.side.projector is None) else 1.0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await wake.wait()
            wake.clear()
            try:
                if self.channels:
                    await self._refresh_standings()
                if self.followers:
                    head = await sync_to_thread(self.registry.head_position)
                    self._head_moved(head)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a lost database: the streams wait, then resume
                log.warning("stream watcher: %s: %s", type(error).__name__, error)
                await asyncio.sleep(min(1.0, self.poll * 4))

    async def _refresh_standings(self) -> None:
        if self.side.projector is not None:
            # The projector here says what changed (its positions may trail its commits).
            changed, self._changed = self._changed, set()
            targets = [self.channels[c] for c in changed if c in self.channels]
        else:
            position = await sync_to_thread(self.side.results_position)
            if position == self._views_position:
                return
            self._views_position = position
            targets = list(self.channels.values())
        for channel in targets:
            await self._refresh(channel)

    async def _refresh(self, channel: Channel) -> None:
        taken = await sync_to_thread(take_standings, self.side, channel.competition_id)
        self._apply(channel, taken)

    def _apply(self, channel: Channel, taken: Standings | None) -> None:
        """Newer standings of a channel: encoded once, offered to each allowed subscriber."""
        if taken is None:
            return
        status, head, tail, position = taken
        if position < channel.position:
            return  # an older look finished last
        channel.position = position
        key = head + tail
        if key == channel.key and channel.status == status:
            return  # the rows did not change: only the views' position moved
        channel.key, channel.status = key, status
        channel.event = event = standings_event(position, head + str(position).encode() + tail)
        for subscriber in channel.subscribers:
            if may_see(subscriber.account, channel.competition_id, status):
                subscriber.offer(event)

    # ------------------------------------------------------------------ subscribers

    async def subscribe_standings(
        self, request: Request[Any, Any, Any], competition_id: UUID
    ) -> tuple[Channel, Subscriber]:
        """A subscriber of a competition's standings, with the newest standings pending;
        the GET's problems (404, 403) if the caller may not see them."""
        channel = self.channels.get(competition_id)
        if channel is None:
            channel = self.channels[competition_id] = Channel(competition_id)
        try:
            async with channel.lock:  # many connecting at once: one of them takes it
                if channel.event is None:
                    self._apply(
                        channel,
                        await sync_to_thread(take_standings, self.side, competition_id),
                    )
            check_visible(request, competition_id, channel.status)
        except BaseException:
            if not channel.subscribers and self.channels.get(competition_id) is channel:
                del self.channels[competition_id]
            raise
        account = request.scope.get("user")

        def allowed(now: Any) -> bool:
            return may_see(now, competition_id, channel.status)

        subscriber = Subscriber(account, _credential(request), allowed)
        subscriber.pending = channel.event
        channel.subscribers.add(subscriber)
        return channel, subscriber

    def unsubscribe(self, channel: Channel, subscriber: Subscriber) -> None:
        channel.subscribers.discard(subscriber)
        if not channel.subscribers and self.channels.get(channel.competition_id) is channel:
            del self.channels[channel.competition_id]

    async def still_allowed(self, subscriber: Subscriber) -> bool:
        """Whether a stream may go on: its token, looked up again every so often, is still
        live and its account still allowed (a revoked or rotated token ends the stream)."""
        if subscriber.credential is None:
            return True
        now = time.monotonic()
        if now - subscriber.checked < self.reauthenticate:
            return True
        subscriber.checked = now
        account = await sync_to_thread(subscriber.credential)
        if account is None or not subscriber.allowed(account):
            return False
        subscriber.account = account
        return True

    async def wait(self, subscriber: Subscriber) -> bool:
        """Wait for a wake-up (True) or the keep-alive period (False)."""
        subscriber.wake.clear()
        if subscriber.pending is not None or self.closing:
            return True
        try:
            async with asyncio.timeout(self.keep_alive):
                await subscriber.wake.wait()
        except TimeoutError:
            return False
        return True

    async def standings_events(
        self, channel: Channel, subscriber: Subscriber
    ) -> AsyncIterator[Encoded]:
        """What one standings stream sends, until the client goes or the process stops."""
        try:
            while not self.closing:
                event = subscriber.pending
                if event is not None:
                    subscriber.pending = None
                    yield event
                elif not await self.wait(subscriber):
                    if not await self.still_allowed(subscriber):
                        return
                    yield KEEP_ALIVE_EVENT
        finally:
            self.unsubscribe(channel, subscriber)

    def follow(self, request: Request[Any, Any, Any]) -> Subscriber:
        subscriber = Subscriber(request.scope.get("user"), _credential(request), _reads_the_audit)
        self.followers.add(subscriber)
        if self._wake is not None:
            self._wake.set()  # look at the head now
        return subscriber

    async def audit_events(self, subscriber: Subscriber, after: int) -> AsyncIterator[Encoded]:
        """What one audit stream sends: every stored event after ``after``, then each new
        one, in batches read from its own cursor."""
        feed = Feed(self.registry, head=after, after=after, limit=AUDIT_BATCH)
        try:
            cursor = after
            while not self.closing:
                if cursor < self.head:
                    lines = await sync_to_thread(_feed_lines, feed, cursor, self.head)
                    if lines:
                        event, cursor = audit_chunk(lines)
                        yield event
                    else:  # nothing stored in between (gaps in the positions)
                        cursor = feed.head
                    continue
                if not await self.wait(subscriber):
                    if not await self.still_allowed(subscriber):
                        return
                    yield KEEP_ALIVE_EVENT
        finally:
            self.followers.discard(subscriber)


def _feed_lines(feed: Feed, after: int, head: int) -> list[bytes]:
    """The feed's next lines after ``after`` (at most its limit), up to ``head``."""
    feed.after, feed.head = after, head
    return [line for chunk in feed.chunks() for line in chunk.split(b"\n") if line]


def _reads_the_audit(account: Any) -> bool:
    return account is not None and account.role in (Role.AUDITOR, Role.ADMIN)


def _credential(request: Request[Any, Any, Any]) -> Callable[[], Any] | None:
    """How to look the streaming account up again: its bearer token, else its web session
    (account id, token hash, expiry; :mod:`api.web.session`), else None (the public)."""
    registry = request.app.state.registry
    header = request.headers.get("authorization")
    if header is not None:
        token = header.strip().partition(" ")[2].strip()
        return (lambda: registry.authenticate(token)) if token else None
    session = request.scope.get("session")
    if request.scope.get("user") is None or not isinstance(session, dict):
        return None
    try:
        account_id = UUID(str(session["account_id"]))
        token_hash = str(session["token_hash"])
        expires = float(session["expires"])
    except (KeyError, TypeError, ValueError):
        return None

    def by_session() -> Any:
        if time.time() >= expires:
            return None
        return registry.authenticate_session(account_id, token_hash)

    return by_session


def stream_hub(request: Request[Any, Any, Any]) -> StreamHub:
    return request.app.state.streams  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- endpoints

_STREAM_HEADERS = {"Cache-Control": "no-store"}


def _sse_response(description: str) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            data_container=str,
            description=description,
            media_type=EVENT_STREAM,
            generate_examples=False,
        )
    }


@get(
    "/competitions/{competition_id:uuid}/standings/stream",
    summary="Live standings of a competition (Server-Sent Events)",
    description="`text/event-stream`. An event `standings` whose `data` is the standings "
    "body exactly as `GET /api/v1/competitions/{id}/standings` answers it to the same "
    "caller, sent once on connect and again each time the standings change (marks and "
    "corrections before publication, for those who may see them then; the publication; "
    "an amendment). `id:` is the view position the body reflects (its `as_of_position`). "
    "A comment line `: keep-alive` every 15 s while nothing changes. A slow reader gets "
    "the newest standings, never a backlog. Visibility as for the standings: public once "
    "published; before that organisers, auditors, admins and the competition's experts "
    "(404 for the public, 403 for other tokens, before the stream starts). The stream "
    "ends when the token is revoked or rotated, or the server stops (the browser's "
    "`EventSource` reconnects after `retry:` ms).",
    media_type=EVENT_STREAM,
    responses={
        **_sse_response("events `standings`, keep-alive comments"),
        **problem_responses(400, 401, 403, 404, 503),
    },
    cache=False,
)
async def standings_stream(
    request: Request[Any, Any, Any], competition_id: FromPath[UUID]
) -> ServerSentEvent:
    hub = stream_hub(request)
    channel, subscriber = await hub.subscribe_standings(request, competition_id)
    return ServerSentEvent(hub.standings_events(channel, subscriber), headers=_STREAM_HEADERS)


LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        required=False,
        description="Resume after this position (what `EventSource` sends when it "
        "reconnects: the last `id:` seen); wins over `after`.",
    ),
]
StreamAfter = Annotated[
    str | None,
    QueryParameter(
        name="after",
        required=False,
        description="Start after this notification position (0 or absent: from the start).",
    ),
]


@get(
    "/audit/events/stream",
    guards=[AUDITORS],
    summary="The event feed, live (Server-Sent Events), resumable",
    description=doc(
        "`text/event-stream`: one event per stored event, in position order, `id:` its "
        "notification position and `data` the same JSON object as that event's line of "
        "`GET /api/v1/audit/events` (`{position, time, actor, type, aggregate_id, version, "
        "data}`, with the same fields withheld). From `after` (or the `Last-Event-ID` "
        "header, which wins: what `EventSource` sends when it reconnects) to the head, then "
        "each new event as it is recorded. A comment line `: keep-alive` every 15 s while "
        "nothing is recorded. The stream ends when the token is revoked or rotated, or the "
        "server stops.",
        "auditor, admin",
        "Errors are RFC 9457 problem details (`application/problem+json`): 400 a bad "
        "`after` or `Last-Event-ID` (`errors` names it), 401 no or an unknown token, 403 "
        "another role.",
    ),
    media_type=EVENT_STREAM,
    responses={**_sse_response("one event per stored event"), **READ_PROBLEMS},
    security=SECURITY,
    tags=["audit"],
    cache=False,
)
async def audit_events_stream(
    request: Request[Any, Any, Any],
    after: StreamAfter = None,
    last_event_id: LastEventId = None,
) -> ServerSentEvent:
    try:
        if last_event_id is not None:
            start = whole_parameter(last_event_id, "Last-Event-ID", minimum=0) or 0
        else:
            start = whole_parameter(after, "after", minimum=0) or 0
    except FeedError as error:
        raise invalid_field(error.field, Message(error.template, error.params)) from None
    hub = stream_hub(request)
    subscriber = hub.follow(request)
    return ServerSentEvent(hub.audit_events(subscriber, start), headers=_STREAM_HEADERS)


#: handlers under /api/v1
STREAM_API_HANDLERS: list[Any] = [standings_stream, audit_events_stream]
