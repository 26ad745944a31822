"""People by name, for the write side: who a new registration's namesakes are (RULES.md "Who
and what": two people with the same name and no birth date are never merged silently).

The index is read from the store's ``Participant.Created`` notifications (the name is in the
clear; the birth date is sealed and opened by the application for the few namesakes only),
incrementally: each call reads the creations recorded since the last one, by any process.
The PostgreSQL recorder inserts events under a table lock, so notification ids become
visible in order and an incremental read misses none.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from domain.ids import clean_text, normalise_name
from domain.participant import Participant

CREATED = Participant.Created.TOPIC


class Namesakes:
    """Participant ids by normalised name, caught up with the store on every question."""

    BATCH = 1000

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._scanned = 0
        self._by_name: dict[str, list[UUID]] = {}

    def of(self, full_name: str) -> list[UUID]:
        """The ids of the people registered under ``full_name`` (normalised: any case and
        spacing), in the order they were registered."""
        key = normalise_name(clean_text(full_name, "full_name"))
        with self._lock:
            self._catch_up()
            return list(self._by_name.get(key, ()))

    def of_many(self, keys: Iterable[str]) -> dict[str, list[UUID]]:
        """``of`` for many names at once (a spreadsheet's rows), caught up with the store
        once: the ids by name, for the names that have any. ``keys`` are names normalised
        as ``of`` normalises them (``normalise_name(clean_text(name))``)."""
        with self._lock:
            self._catch_up()
            return {key: list(self._by_name[key]) for key in set(keys) if key in self._by_name}

    def _catch_up(self) -> None:
        recorder = self.app.recorder
        while True:
            notifications = list(
                recorder.select_notifications(
                    start=self._scanned,
                    limit=self.BATCH,
                    topics=(CREATED,),
                    inclusive_of_start=False,
                )
            )
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                ids = self._by_name.setdefault(normalise_name(event.full_name), [])
                if event.originator_id not in ids:
                    ids.append(event.originator_id)
            if notifications:
                self._scanned = notifications[-1].id
            if len(notifications) < self.BATCH:
                return
