"""The auditor's workbench, reading: the audit feed newest first (:func:`newest_first`,
windows of positions going down, each a :class:`projections.audit_feed.Feed` of its own),
its rows told (:func:`rows_of`), the accounts and event types to filter by, and the times as
shown in Oskemen (``domain.values.LOCAL_TIME``, UTC+5; a time typed without an offset is
read in it).

The pages are in :mod:`api.web.audit`; the sentences, in :mod:`api.web.audit_story`.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from markupsafe import Markup

from api.i18n import Translator
from api.web.audit_story import AGGREGATE_NAMES, EVENT_NAMES, Names, Story, Storyteller
from domain.account import Account
from domain.values import LOCAL_TIME
from projections.audit_feed import Feed, FeedFilter, aggregate_type, known_topics
from store.events import EventStore

#: events on one page of ``/audit``
PAGE_SIZE = 50
#: the first window of positions read below ``upto`` (grows fourfold while too few match)
FIRST_WINDOW = 4 * PAGE_SIZE

# ------------------------------------------------------------------ times and values


def local_time(text: str | None) -> datetime | None:
    """A stored UTC time text as an aware time in Oskemen."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(LOCAL_TIME)


def moment_text(value: str | None) -> str | None:
    """A time typed in a form (``2025-05-16T16:00``, ``2025-05-16 16:00``) as ISO 8601 with
    Oskemen's offset when it has none; positions and texts with an offset unchanged; None for
    an empty value."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return text
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return text  # the query refuses it, naming the field
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)
    return moment.isoformat()


def local_input(value: str) -> str:
    """A time of the query as a ``datetime-local`` field shows it (Oskemen, to the minute);
    a value that is not a time is kept as typed."""
    text = moment_text(value)
    if not text or text.isdigit():
        return value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return value
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")


# ------------------------------------------------------------------ the feed, newest first


class _Actor(msgspec.Struct):
    id: str
    name: str | None


class FeedLine(msgspec.Struct):
    """One line of the audit feed (``projections.audit_feed``'s format)."""

    position: int
    time: str
    actor: _Actor
    type: str
    aggregate_id: UUID
    version: int
    data: msgspec.Raw


_line = msgspec.json.Decoder(FeedLine).decode
_data = msgspec.json.Decoder(dict[str, Any]).decode


def _feed_lines(feed: Feed) -> Iterable[FeedLine]:
    for chunk in feed.chunks():
        for line in chunk.splitlines():
            if line:
                yield _line(line)


def newest_first(
    app: EventStore,
    views: Any,
    selected: FeedFilter,
    *,
    head: int,
    upto: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
    window: int = FIRST_WINDOW,
) -> tuple[list[FeedLine], bool]:
    """A page of the feed, newest first, and whether older matching events may exist.

    ``after``: the oldest ``size`` events above it. Else the newest ``size`` at or below
    ``upto`` (default: the head), read in windows of positions going down, each a feed of
    its own (so the index, the filters and the withholding are the feed's)."""
    if after is not None:
        feed = Feed(app, head=head, after=after, limit=size, selected=selected, views=views)
        lines = list(_feed_lines(feed))
        if len(lines) == size or after == 0:
            lines.reverse()
            return lines, after > 0
        # the newest page holds fewer than ``size`` above ``after``: show the newest page
        upto = head
    top = head if upto is None else min(upto, head)
    kept: list[FeedLine] = []
    high, left_over = top, False
    while high > 0 and len(kept) < size:
        low = max(0, high - window)
        found: deque[FeedLine] = deque(maxlen=size)  # the newest of the window are wanted
        count = 0
        for line in _feed_lines(Feed(app, head=high, after=low, selected=selected, views=views)):
            found.append(line)
            count += 1
        taken = min(size - len(kept), count)
        kept.extend(reversed(list(found)[len(found) - taken :]))
        left_over = count > taken
        high, window = low, window * 4
    return kept, left_over or high > 0


class Row(msgspec.Struct):
    """One row of the ``/audit`` table."""

    position: int
    time: datetime | None
    actor_id: str
    actor: Markup
    type: str
    event: str
    aggregate_id: UUID
    aggregate_kind: str
    aggregate_name: str | None
    story: Story
    reason: str | None


def rows_of(lines: Iterable[FeedLine], names: Names, tr: Translator) -> list[Row]:
    rows = []
    for line in lines:
        data = _data(line.data)
        kind = aggregate_type(line.type)
        teller = Storyteller(names, tr)
        rows.append(
            Row(
                position=line.position,
                time=local_time(line.time),
                actor_id=line.actor.id,
                actor=teller.actor(line.actor.id),
                type=line.type,
                event=tr.gettext(EVENT_NAMES[line.type]) if line.type in EVENT_NAMES else line.type,
                aggregate_id=line.aggregate_id,
                aggregate_kind=tr.gettext(AGGREGATE_NAMES.get(kind, kind)),
                aggregate_name=names.of(kind, line.aggregate_id),
                story=teller.tell(line.type, data, line.actor.id),
                reason=data.get("reason") if isinstance(data.get("reason"), str) else None,
            )
        )
    return rows


# ------------------------------------------------------------------ the accounts to filter by


class _Accounts:
    """Every account (id, name, role) from the feed's ``Account.Created`` lines, brought up
    to date by reading only the positions it has not seen (one per application)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.position = 0
        self.known: dict[str, tuple[str, str]] = {}

    def update(self, app: EventStore, head: int) -> list[tuple[str, str, str]]:
        with self.lock:
            if head > self.position:
                selected = FeedFilter(types=(Account.Created.TOPIC,))
                feed = Feed(app, head=head, after=self.position, selected=selected)
                for line in _feed_lines(feed):
                    data = _data(line.data)
                    self.known[str(line.aggregate_id)] = (str(data["name"]), str(data["role"]))
                self.position = head
            listed = [(key, name, role) for key, (name, role) in self.known.items()]
        return sorted(listed, key=lambda item: (item[1].casefold(), item[0]))


_accounts: weakref.WeakKeyDictionary[Any, _Accounts] = weakref.WeakKeyDictionary()
_accounts_lock = threading.Lock()


def accounts(app: EventStore, head: int) -> list[tuple[str, str, str]]:
    """``(id, name, role)`` of every account, by name."""
    with _accounts_lock:
        known = _accounts.get(app)
        if known is None:
            known = _accounts[app] = _Accounts()
    return known.update(app, head)


def event_choices(tr: Translator) -> list[tuple[str, list[tuple[str, str]]]]:
    """The event types to filter by, grouped by kind of aggregate: ``(group, [(value,
    label)])``; the value is the topic without ``registry.``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for topic in sorted(known_topics()):
        kind = aggregate_type(topic)
        label = tr.gettext(EVENT_NAMES[topic]) if topic in EVENT_NAMES else topic.rsplit(".")[-1]
        groups.setdefault(kind, []).append((topic.removeprefix("registry."), label))
    order = list(AGGREGATE_NAMES)
    return [
        (tr.gettext(AGGREGATE_NAMES.get(kind, kind)), sorted(items, key=lambda i: i[1]))
        for kind, items in sorted(
            groups.items(), key=lambda g: order.index(g[0]) if g[0] in order else len(order)
        )
    ]
