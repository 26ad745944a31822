"""Checkpoints of every competition's state, so that time travel finds a past moment without
replaying the competition's whole history.

The results view (``projections/results.py``) holds each competition's aggregate as it
applies its events; every :data:`CHECKPOINT_EVERY` versions it also writes the aggregate's
whole state (``domain.competition_state``, msgspec JSON) into ``v_checkpoint``, beside:

* ``position`` — the notification position of the event of that version;
* ``latest`` — the latest timestamp among the competition's events up to that version (UTC
  microseconds): the running maximum by which time travel finds "the longest run of versions
  stamped at or before T" (``projections/time_travel.py``), even should clocks disagree;
* ``published`` — whether the competition had been published by then.

Rows come only from events, in the same transaction as the results view's other rows and its
tracking position, so a rebuild writes exactly the rows the incremental projector wrote.

A moment then costs one checkpoint (the nearest at or before it: by position, or by time
through ``latest``) and at most ``CHECKPOINT_EVERY - 1`` events read by primary-key range —
:class:`Checkpoints` reads them. ``CHECKPOINT_EVERY`` bounds the worst case of a cold
``?as_of=`` (the moment just before the next checkpoint) and costs, per checkpoint, one state
of the competition's size (a few bytes per mark) and its encoding in the projector.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from domain.competition import Competition
from domain.competition_state import decode, encode, from_state, to_state
from projections.base import ViewProjection
from projections.store import ViewStore
from store.events import EventReader, StoredNotification

#: versions between two checkpoints of a competition (bench/as_of.py: the moment just before
#: a checkpoint of a 10,000-mark competition, cold, is the worst case)
CHECKPOINT_EVERY = 256

TABLE = "v_checkpoint"
COLUMNS = (
    "competition_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, "
    "latest BIGINT NOT NULL, published INTEGER NOT NULL, state TEXT NOT NULL, "
    "PRIMARY KEY (competition_id, version)"
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """A time (with its offset) as whole microseconds since 1970 UTC: exact, and ordered as
    the times are."""
    return (moment - _EPOCH) // _MICROSECOND


class CheckpointWriter:
    """The results view's part: told of every competition event it applied (with the
    aggregate after it), it keeps each competition's latest timestamp and collects a row
    every :data:`CHECKPOINT_EVERY` versions, written with the view's batch."""

    def __init__(self, projection: ViewProjection) -> None:
        self.projection = projection
        #: competition (its aggregate key: text hashes once) -> latest timestamp of its
        #: events applied so far (kept across batches; a batch rolled back and applied
        #: again leaves it as it was)
        self.latest: dict[str, datetime] = {}
        self.rows: list[tuple[Any, ...]] = []

    def applied(
        self, notification: StoredNotification, event: Any, competition: Competition
    ) -> None:
        key = notification.aggregate_key
        latest = self.latest.get(key)
        stamp = event.timestamp
        if latest is None:
            if competition.version > 1:
                latest = self._recover(competition.id, competition.version - 1)
            if latest is None or stamp > latest:
                latest = stamp
            self.latest[key] = latest
        elif stamp > latest:
            latest = self.latest[key] = stamp
        if competition.version % CHECKPOINT_EVERY == 0:
            self.rows.append(
                (
                    key,
                    competition.version,
                    notification.id,
                    micros(latest),
                    0 if competition.published_at is None else 1,
                    encode(to_state(competition)).decode(),
                )
            )

    def write(self, cursor: Any) -> None:
        """Insert the rows collected (inside the view's batch transaction)."""
        if self.rows:
            self.projection.store.executemany(
                cursor,
                f"INSERT INTO {self.projection.t(TABLE)} VALUES (?, ?, ?, ?, ?, ?)",
                self.rows,
            )
            self.rows = []

    def clear(self) -> None:
        """Forget the rows of a batch abandoned."""
        self.rows = []

    def _recover(self, competition_id: UUID, version: int) -> datetime | None:
        """The latest timestamp up to ``version`` of a competition this process has not
        followed from its creation (a restart): its last checkpoint at or before
        ``version``, and the events after it (fewer than ``CHECKPOINT_EVERY``)."""
        projection = self.projection
        row = projection.store.fetchone(
            f"SELECT version, latest FROM {projection.t(TABLE)} "
            "WHERE competition_id = ? AND version <= ? ORDER BY version DESC LIMIT 1",
            (str(competition_id), version),
        )
        start, latest = (int(row["version"]), int(row["latest"])) if row else (0, None)
        app = projection.source
        reader = EventReader.of(app)
        rows = reader.rows(
            reader.aggregate(competition_id, after_version=start, limit=version - start)
        )
        to_domain_event = app.mapper.to_domain_event
        for stored in rows:
            stamp = micros(to_domain_event(stored).timestamp)
            if latest is None or stamp > latest:
                latest = stamp
        return None if latest is None else _EPOCH + latest * _MICROSECOND


class Mark(NamedTuple):
    """A checkpoint, without its state."""

    version: int
    position: int
    #: latest timestamp up to it (:func:`micros`)
    latest: int
    published: bool


class Checkpoints:
    """Reading the checkpoints of the live results view."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        self.table = store.table(TABLE)

    def marks(self, competition_id: UUID, after_version: int = 0) -> list[Mark]:
        """A competition's checkpoints after ``after_version``, in version order."""
        rows = self.store.fetchall(
            f"SELECT version, position, latest, published FROM {self.table} "
            "WHERE competition_id = ? AND version > ? ORDER BY version",
            (str(competition_id), after_version),
        )
        return [
            Mark(int(r["version"]), int(r["position"]), int(r["latest"]), bool(r["published"]))
            for r in rows
        ]

    def state(self, competition_id: UUID, version: int) -> Competition | None:
        """The competition at a checkpoint's version (None: no such checkpoint, as after a
        rebuild with another ``CHECKPOINT_EVERY``)."""
        row = self.store.fetchone(
            f"SELECT state FROM {self.table} WHERE competition_id = ? AND version = ?",
            (str(competition_id), version),
        )
        return None if row is None else from_state(decode(row["state"]))
