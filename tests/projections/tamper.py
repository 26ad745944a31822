"""Raw SQL on the event store, as an attacker (or a careless admin) with database access would
write it: edit, delete and insert stored rows behind the registry's back, on SQLite and
PostgreSQL alike. Positions: SQLite rowids, PostgreSQL ``notification_id``."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError, StoredEvent

from registry.application import RegistryApplication


class Tamper:
    def __init__(self, app: RegistryApplication) -> None:
        self.app = app
        self.sqlite = app.settings.backend == "sqlite"
        if self.sqlite:
            self.table, self.pos, self.m = app.events_table, "rowid", "?"
        else:
            self.table = f'"{app.settings.pg_schema}"."{app.events_table}"'
            self.pos, self.m = "notification_id", "%s"

    def execute(self, statement: str, params: tuple = ()) -> list[Any]:
        statement = statement.format(t=self.table, pos=self.pos, m=self.m)
        with self.app.recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(statement, params)
            try:
                return [tuple(dict(r).values()) for r in cursor.fetchall()]
            except Exception:  # no result set
                return []

    def positions(self) -> list[int]:
        return [r[0] for r in self.execute("SELECT {pos} FROM {t} ORDER BY {pos}")]

    def row(self, position: int) -> tuple[UUID, int, str, bytes]:
        [(originator_id, version, topic, state)] = self.execute(
            "SELECT originator_id, originator_version, topic, state FROM {t} WHERE {pos} = {m}",
            (position,),
        )
        oid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        return oid, version, topic, bytes(state)

    def edit(self, position: int, state: bytes | str) -> None:
        """Replace the stored state (``str``: as SQLite TEXT, a type the registry never writes)."""
        self.execute("UPDATE {t} SET state = {m} WHERE {pos} = {m}", (state, position))

    def edit_one_byte(self, position: int) -> None:
        """The smallest edit: one character of the stored JSON (a digit of the time)."""
        state = self.row(position)[3]
        index = state.index(b'"timestamp":"') + len(b'"timestamp":"') + 3
        digit = b"0" if state[index : index + 1] != b"0" else b"1"
        self.edit(position, state[:index] + digit + state[index + 1 :])

    def delete(self, position: int) -> None:
        self.execute("DELETE FROM {t} WHERE {pos} = {m}", (position,))

    def insert_copy(self, position: int, of: int) -> UUID:
        """Insert at ``position`` a copy of the event at ``of`` under a new aggregate id."""
        _, version, topic, state = self.row(of)
        new_id = uuid4()
        self.execute(
            "INSERT INTO {t} ({pos}, originator_id, originator_version, topic, state) "
            "VALUES ({m}, {m}, {m}, {m}, {m})",
            (position, new_id.hex if self.sqlite else new_id, version, topic, state),
        )
        return new_id

    def lose_a_version_race(self) -> None:
        """What a command that lost a version race does: its insert fails and rolls back.
        On PostgreSQL this consumes a position (a gap); on SQLite it does not."""
        last = self.positions()[-1]
        originator_id, version, topic, state = self.row(last)
        try:
            self.app.recorder.insert_events([StoredEvent(originator_id, version, topic, state)])
        except IntegrityError:
            return
        raise AssertionError("the duplicate insert should have failed")

    def make_gap(self, size: int = 2) -> int:
        """Leave ``size`` unused positions after the current head; returns the first one.

        PostgreSQL: lost version races (rolled-back inserts consume sequence values).
        SQLite allocates ``max(rowid) + 1`` and nothing is ever deleted, so it never has a
        gap of its own; a store restored from a PostgreSQL history keeps that history's
        positions, gaps included — made here by moving the head event up before sealing.
        """
        head = self.positions()[-1]
        if self.sqlite:
            self.execute("UPDATE {t} SET rowid = rowid + {m} WHERE rowid = {m}", (size, head))
            return head
        for _ in range(size):
            self.lose_a_version_race()
        return head + 1
