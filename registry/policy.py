"""The prize policy: proposes the akimat's prize entries from published results.

It follows the event history like a projection, but what it writes are events — into the
same store, through the application, in the same transaction as its tracking position
(eventsourcing's process recorder: ``RegistryApplication.save_tracked``). So every relevant
notification is processed exactly once even if the process is killed at any instant: either
its proposals and its position are stored, or neither is. Two copies running at once are
safe as well: the second to commit a position meets the tracking row and gives way.

What it reacts to (in notification order):

* ``Competition.Published`` — the places of that competition are offered to every programme;
* ``Competition.MarkAmended`` — the places are offered again: an entry whose place changed
  follows it (and is flagged ``needs_review`` unless it was only proposed and still earns a
  prize); a competitor who newly reaches a prize place is proposed;
* ``PrizeProgramme.Created`` — a programme created after results were published picks up
  every competition published so far.

The places offered are always the competition's places as they stand now, not as they were
at the notification: a policy that lags behind (or replays from zero) meets later amendments
at once, and offering the same places again is a repeat. That is what makes a replay record
nothing — re-enacting old places would flip entries back and forth.

Whether a place earns a prize, and what the entry's life allows, are the pure rules of
``domain.prizes`` applied by ``PrizeProgramme.consider``; entry ids are derived from
programme, competition and competitor, so even a replay from zero under a new tracking name
records nothing new (``consider`` answers a repeat without an event).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification, Tracking

from domain.championship import Championship
from domain.competition import Competition
from domain.ids import PRIZE_POLICY_ACTOR
from domain.prize_programme import PrizeProgramme
from domain.prizes import Placing, entry_id
from domain.standings import placings
from domain.values import CATEGORY_RU
from registry.application import RegistryApplication

log = logging.getLogger("registry.policy")

PUBLISHED = Competition.Published.TOPIC
AMENDED = Competition.MarkAmended.TOPIC
PROGRAMME_CREATED = PrizeProgramme.Created.TOPIC
TOPICS = (PUBLISHED, AMENDED, PROGRAMME_CREATED)

MAX_ATTEMPTS = 30


class PrizePolicy:
    """Follows the store and proposes prize entries (see the module's docstring)."""

    NAME = "prize-policy"

    def __init__(
        self,
        app: RegistryApplication,
        *,
        name: str = NAME,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.app = app
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.clock = clock
        #: the last position whose proposals are stored (the tracking row)
        self.position = app.tracked_position(name)
        #: how far the log has been scanned (positions of no interest are not tracked)
        self.scanned = self.position
        self.programmes: list[UUID] = []
        self.published: dict[UUID, None] = {}  # an ordered set
        self._state_loaded = False
        self.error: BaseException | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ state

    def _select(self, after: int, stop: int, topics: tuple[str, ...]) -> list[Notification]:
        recorder: Any = self.app.recorder
        return list(
            recorder.select_notifications(
                start=after,
                limit=self.batch_size,
                stop=stop,
                topics=topics,
                inclusive_of_start=False,
            )
        )

    def _load_state(self) -> None:
        """The programmes and published competitions up to the tracked position (they are
        not kept anywhere: the log itself says, and only two topics are read)."""
        self.programmes.clear()
        self.published.clear()
        after = 0
        while after < self.position:
            notifications = self._select(after, self.position, (PUBLISHED, PROGRAMME_CREATED))
            if not notifications:
                break
            for n in notifications:
                self._remember(n)
            after = notifications[-1].id
        self._state_loaded = True

    def _remember(self, notification: Notification) -> None:
        if notification.topic == PROGRAMME_CREATED:
            if notification.originator_id not in self.programmes:
                self.programmes.append(notification.originator_id)
        elif notification.topic == PUBLISHED:
            self.published[notification.originator_id] = None

    # ------------------------------------------------------------------ processing

    def run_once(self) -> int:
        """Process the next batch of relevant notifications; answers how many."""
        if not self._state_loaded:
            self._load_state()
        head = self.app.head_position()
        if head <= self.scanned:
            return 0
        notifications = self._select(self.scanned, head, TOPICS)
        if not notifications:
            self.scanned = head
            return 0
        for notification in notifications:
            self._process(notification)
        if len(notifications) < self.batch_size:
            self.scanned = head
        return len(notifications)

    def catch_up(self) -> int:
        """Process everything stored now; answers how many relevant notifications."""
        total = 0
        while count := self.run_once():
            total += count
        return total

    def _process(self, notification: Notification) -> None:
        position = notification.id
        for number in range(MAX_ATTEMPTS):
            if self.app.tracked_position(self.name) >= position:
                break  # another copy of the policy processed it
            changed = self._decide(notification)
            try:
                self.app.save_tracked(changed, Tracking(self.name, position))
                break
            except IntegrityError:
                # An akimat decision on the same programme, or another copy of the policy,
                # got there first: decide again on the fresh state (or give way).
                time.sleep(0.002 * (number + 1))
        else:
            raise RuntimeError(f"prize policy: position {position} kept conflicting")
        self._remember(notification)
        self.position = self.scanned = position

    def _decide(self, notification: Notification) -> list[PrizeProgramme]:
        """The programmes this notification changes, with their new events pending."""
        at = (self.clock or self.app.clock)()
        if notification.topic == PROGRAMME_CREATED:
            programme = self.app.prize_programme(notification.originator_id)
            for competition_id in self.published:
                self._offer(programme, competition_id, at)
            return [programme] if programme.pending_events else []
        competition_id = notification.originator_id
        changed = []
        for programme_id in self.programmes:
            programme = self.app.prize_programme(programme_id)
            self._offer(programme, competition_id, at)
            if programme.pending_events:
                changed.append(programme)
        return changed

    def _offer(self, programme: PrizeProgramme, competition_id: UUID, at: datetime) -> None:
        competition = self.app.competition(competition_id)
        championship: Championship = self.app.championship(competition.championship_id)
        for placing in placings(competition):
            programme.consider(
                actor=PRIZE_POLICY_ACTOR,
                placing=placing,
                reason=self._reason(programme, championship, competition, placing),
                championship_year=championship.year,
                at=at,
            )

    @staticmethod
    def _reason(
        programme: PrizeProgramme,
        championship: Championship,
        competition: Competition,
        placing: Placing,
    ) -> str:
        what = f"{championship.title_ru} — {competition.title_ru}"
        if competition.category != "main":
            what += f" ({CATEGORY_RU.get(competition.category, competition.category)})"
        entry = programme.entries.get(
            entry_id(programme.id, placing.competition_id, placing.competitor_id)
        )
        if entry is not None and entry.placing.place != placing.place:
            return (
                f"{what}: место изменилось после поправки результатов "
                f"({entry.placing.place} → {placing.place})"
            )
        return f"{what}: {placing.place} место"

    # ------------------------------------------------------------------ following

    def wake(self, _position: int | None = None) -> None:
        self._wake.set()

    def start(self) -> PrizePolicy:
        """Follow the store in a background thread, polling every ``poll_interval``.

        It is not woken by every save: proposals are not urgent, and under a burst of marks a
        scan per save would cost the judges' throughput."""
        self._thread = threading.Thread(target=self._follow, name="prize-policy", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_forever(self) -> None:
        self._follow()

    def _follow(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                if self.run_once() == 0:
                    self._wake.wait(self.poll_interval)
                    self._wake.clear()
                backoff = 0.1
            except Exception as error:  # a lost connection, a locked database: retry
                self.error = error
                log.warning(
                    "prize policy: %s: %s; retrying in %.1f s", type(error).__name__, error, backoff
                )
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                self._state_loaded = False
                self.position = self.scanned = self.app.tracked_position(self.name)
