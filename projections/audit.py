"""The audit index: one row per stored event — position, time, actor, type, aggregate and
version (and the reason where the event carries one) — searchable by actor, aggregate and
time; plus the names of the accounts that act, for the auditor's eyes."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from domain.account import Account
from projections.base import ViewProjection
from store.events import StoredNotification


class _Head(msgspec.Struct):
    """The fields every stored event has, read as stored text (no typed decode needed)."""

    timestamp: str
    actor: str
    reason: str | None = None


class _AccountHead(msgspec.Struct):
    name: str
    role: str


_head = msgspec.json.Decoder(_Head).decode
_account = msgspec.json.Decoder(_AccountHead).decode
ACCOUNT_CREATED = Account.Created.TOPIC


class AuditProjection(ViewProjection):
    name = "audit"
    NEEDS_EVENTS = False  # unless the store is compressed or encrypted (see __init__)

    TABLES: ClassVar[dict[str, str]] = {
        # time: UTC, fixed width "YYYY-MM-DDTHH:MM:SS.ffffffZ", so text order is time order
        "v_audit": "position {BIGINT_PK}, time TEXT NOT NULL, actor TEXT NOT NULL, "
        "type TEXT NOT NULL, aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, reason TEXT",
        "v_actor": "id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL",
    }
    INDEXES: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("by_actor", "v_audit", "actor, position"),
        ("by_aggregate", "v_audit", "aggregate_id, position"),
        ("by_time", "v_audit", "time"),
    )

    def setup(self) -> None:
        mapper = self.app.mapper if self.app is not None else None
        #: stored state is plain JSON (no compressor, no cipher): read the head from it
        self.plain_state = mapper is None or not (mapper.cipher or mapper.compressor)
        self.NEEDS_EVENTS = not self.plain_state  # type: ignore[misc]

    def clear_pending(self) -> None:
        self.rows: list[tuple] = []
        self.actors: list[tuple] = []

    def apply(self, notification: StoredNotification, event: Any) -> None:
        if self.plain_state:
            head = _head(notification.state)
            time, actor, reason = head.timestamp, head.actor, head.reason
            if len(time) == 20:  # "…:SSZ": stored without microseconds
                time = time[:19] + ".000000Z"
        else:  # compressed or encrypted at rest: use the decoded event
            time = event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            actor, reason = str(event.actor), getattr(event, "reason", None)
        self.rows.append(
            (
                notification.id,
                time,
                actor,
                notification.topic,
                notification.aggregate_key,
                notification.originator_version,
                reason,
            )
        )
        if notification.topic == ACCOUNT_CREATED:
            if self.plain_state:
                account = _account(notification.state)
                name, role = account.name, account.role
            else:
                name, role = event.name, str(event.role)
            self.actors.append((notification.aggregate_key, name, role))

    def write(self, cursor: Any) -> None:
        self.store.insert(cursor, self.t("v_audit"), self.rows)
        self.store.executemany(
            cursor,
            f"INSERT INTO {self.t('v_actor')} VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
            self.actors,
        )
