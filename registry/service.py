"""The application service's plumbing below its commands (``registry.application``).

The event store's wiring (a process recorder, so a policy saves its events and its tracking
position in one transaction), the cache kept honest after every save, the lookups on the
events table, the writer that runs the commands on single aggregates (``registry.writer``)
and its retry policy for the commands on several, loading aggregates, and the natural-key
create every registration shares.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import ProcessRecorder, Tracking

from domain.errors import N_, DomainError
from registry.accounts import AccountCache
from registry.writer import Cache, CommandResult, FileTurns, Writer
from store.events import EventLookups
from store.settings import Settings, load_settings, prepare_store

#: The refusals naming what was looked for (msgids, one per kind of record: no grammar is
#: built from a record's name).
NOT_FOUND: dict[str, str] = {
    "organisation": N_("no organisation with id %(id)s"),
    "participant": N_("no participant with id %(id)s"),
    "championship": N_("no championship with id %(id)s"),
    "competition": N_("no competition with id %(id)s"),
    "account": N_("no account with id %(id)s"),
    "prize programme": N_("no prize programme with id %(id)s"),
}
ALREADY_EXISTS: dict[str, str] = {
    "organisation": N_("a different organisation with the same natural key exists: %(id)s"),
    "participant": N_("a different participant with the same natural key exists: %(id)s"),
    "championship": N_("a different championship with the same natural key exists: %(id)s"),
    "prize programme": N_("a different prize programme with the same natural key exists: %(id)s"),
}

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


class _WriterStore:
    """The writer's view of the application (``registry.writer.Store``)."""

    def __init__(self, app: ServiceBase) -> None:
        self.app = app

    @property
    def cache(self) -> Cache | None:
        return self.app.repository.cache  # type: ignore[return-value]

    def get(self, aggregate_id: UUID, cls: type[A], what: str) -> A:
        return self.app._get(aggregate_id, cls, what)

    def save(self, aggregate: Aggregate) -> list[int]:
        return [int(recording.notification.id) for recording in self.app.save(aggregate)]

    def stored_version(self, aggregate_id: UUID) -> int:
        return self.app.stored_version(aggregate_id)

    def position_of(self, aggregate_id: UUID, version: int) -> int:
        return self.app.position_of(aggregate_id, version)

    def events_after(self, aggregate_id: UUID, version: int) -> Iterable[DomainEventProtocol[UUID]]:
        return self.app.events.get(aggregate_id, gt=version)


class ServiceBase(Application[UUID]):
    """An eventsourcing ``Application`` with the registry's persistence and writer; the
    commands are ``RegistryApplication``'s."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        prepare_store(self.settings)
        self.clock = clock
        self._recorded_callbacks: list[Callable[[int], None]] = []
        # turns at writing shared with this store's other processes (SQLite): see FileTurns
        turns_path = self.settings.write_turns_path
        turns = FileTurns(turns_path) if turns_path is not None else None
        self.writer = Writer(_WriterStore(self), turns=turns)
        # Accounts as last read, re-read only when the store holds a newer version of one
        # (checked on every request by one indexed lookup: see ``authenticate``).
        self._accounts = AccountCache(self._find, self.stored_version)
        super().__init__(env={**self.settings.eventsourcing_env(), **(env or {})})
        # primary-key lookups on every request
        datastore = self.recorder.datastore  # type: ignore[attr-defined]
        self._lookups = EventLookups(self.settings, datastore, self.events_table)

    def construct_recorder(self) -> ProcessRecorder:
        """A process recorder: the event store plus the library's tracking table, so a
        policy (the prize proposals) records its new events and the position it has
        processed in one transaction — exactly once, however often it is restarted."""
        return self.factory.process_recorder()

    def save_tracked(self, aggregates: Sequence[Aggregate], tracking: Tracking) -> int:
        """Save the aggregates' pending events and ``tracking`` atomically (eventsourcing's
        ``ProcessingEvent``). A tracking position already recorded raises
        ``IntegrityError`` and stores nothing. Answers the last position written (the
        tracked position when there were no events)."""
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates)
        recordings = self._record(processing)
        self._notify(recordings)
        return int(recordings[-1].notification.id) if recordings else tracking.notification_id

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Any]:
        """Record, then drop the saved aggregates from the cache: with fast-forwarding the
        library leaves the cache at the state before the save, which a command deciding on
        the cached state (the writer's ``_combine_once``, which puts its own saved state
        back) would only find out about by losing its save."""
        recordings = super()._record(processing_event)
        cache = self.repository.cache
        if cache is not None:
            for aggregate_id in processing_event.aggregates:
                with contextlib.suppress(KeyError):
                    cache.get(aggregate_id, evict=True)
        return recordings

    def tracked_position(self, name: str) -> int:
        """The last position a follower of this store (e.g. the prize policy) processed."""
        recorder: Any = self.recorder
        return int(recorder.max_tracking_id(name) or 0)

    def on_recorded(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(position)`` after this process records events (wakes followers)."""
        self._recorded_callbacks.append(callback)

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        if recordings:
            position = int(recordings[-1].notification.id)
            for callback in self._recorded_callbacks:
                callback(position)

    def close(self) -> None:
        self.writer.close()  # it finishes the jobs already queued
        self._lookups.close()
        super().close()

    @property
    def events_table(self) -> str:
        return str(self.recorder.events_table_name)  # type: ignore[attr-defined]

    def head_position(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def event_count(self) -> int:
        return self._lookups.count()

    def stored_version(self, aggregate_id: UUID) -> int:
        """The newest version of an aggregate in the store (0: none), by one cheap lookup."""
        return self._lookups.stored_version(aggregate_id)

    def stored_versions(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, int]:
        """:meth:`stored_version` of several aggregates by one lookup (absent: none)."""
        return self._lookups.stored_versions(aggregate_ids)

    def position_of(self, aggregate_id: UUID, version: int) -> int:
        """The notification position of one stored event of an aggregate."""
        return self._lookups.position_of(aggregate_id, version)

    def _save(self, *aggregates: Aggregate) -> int:
        recordings = self.save(*aggregates)
        return int(recordings[-1].notification.id)

    def _run(self, attempt: Callable[[], R]) -> R:
        """Run a read-decide-save attempt on several aggregates, retried on a version
        conflict by the writer's policy (``registry.writer.Retry``)."""
        return self.writer.retry.run(lambda _number: attempt())

    def _load(self, aggregate_id: UUID) -> Aggregate:
        with self.writer.lock_of(aggregate_id):
            return self.repository.get(aggregate_id)

    def _get(self, aggregate_id: UUID, cls: type[A], what: str) -> A:
        aggregate = self._find(aggregate_id)
        if not isinstance(aggregate, cls):  # none, or another kind of aggregate
            template = NOT_FOUND.get(what, N_("no %(what)s with id %(id)s"))
            raise DomainError("not-found", template, params={"what": what, "id": aggregate_id})
        return aggregate

    def _find(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return self._load(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _create(
        self,
        new: A,
        same: Callable[[A, A], bool],
        what: str,
        *also: Aggregate,
        refusal: str | None = None,
        refusal_params: Mapping[str, Any] | None = None,
    ) -> CommandResult:
        """Save ``new`` (and ``also``, in the same transaction) unless its id is taken: by
        an aggregate ``same`` as it (a repeat: the position of its creation), or another
        (``already-exists`` with ``refusal``, a msgid filled from ``refusal_params``, or the
        natural-key message)."""
        existing = self._find(new.id)
        if existing is not None:
            if type(existing) is type(new) and same(existing, new):  # type: ignore[arg-type]
                return CommandResult(new.id, self.position_of(new.id, 1), False, existing.version)
            template = refusal or ALREADY_EXISTS.get(
                what, N_("a different %(what)s with the same natural key exists: %(id)s")
            )
            raise DomainError(
                "already-exists",
                template,
                params={"what": what, **(refusal_params or {})},
                id=str(new.id),
            )
        return CommandResult(new.id, self._save(new, *also), True, new.version)
