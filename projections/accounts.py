"""The accounts view (issue 15, ``GET /api/v1/accounts``): each account's name, role, the
competitions it is scoped to and whether it is revoked — never its token's hash.

One row per account, folded from its events in order (creation, scopes granted, revocation;
a rotated token changes nothing shown here). A view of its own, so a store recorded before
it existed is caught up from the start by the projector like any new view.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from domain.account import Account
from projections.base import ViewProjection
from store.events import StoredNotification

_json = msgspec.json.Encoder()


class AccountsProjection(ViewProjection):
    name = "accounts"
    EVENTS = (Account.Event,)

    TABLES: ClassVar[dict[str, str]] = {
        "v_account": "id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, "
        "competition_ids TEXT NOT NULL, revoked INTEGER NOT NULL, position BIGINT NOT NULL",
    }

    def clear_pending(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def apply(self, notification: StoredNotification, event: Any) -> None:
        if not isinstance(event, Account.Event):
            return
        account = str(event.originator_id)
        table = self.t("v_account")
        if isinstance(event, Account.Created):
            self.statements.append(
                (
                    f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (account, event.name, str(event.role), "[]", 0, notification.id),
                )
            )
        elif isinstance(event, Account.ScopeGranted):
            # the scopes are kept as a JSON list; read, add and write back in the batch's order
            self.statements.append(("SCOPE", (account, str(event.competition_id), notification.id)))
        elif isinstance(event, Account.Revoked):
            self.statements.append(
                (
                    f"UPDATE {table} SET revoked = 1, position = ? WHERE id = ?",
                    (notification.id, account),
                )
            )
        # TokenRotated: the hash is never shown; nothing here changes

    def write(self, cursor: Any) -> None:
        table = self.t("v_account")
        for statement, params in self.statements:
            if statement != "SCOPE":
                self.store.execute(cursor, statement, params)
                continue
            account, competition, position = params
            self.store.execute(
                cursor, f"SELECT competition_ids FROM {table} WHERE id = ?", (account,)
            )
            row = cursor.fetchone()
            scopes: list[str] = msgspec.json.decode(row["competition_ids"]) if row else []
            if competition not in scopes:
                scopes.append(competition)
            self.store.execute(
                cursor,
                f"UPDATE {table} SET competition_ids = ?, position = ? WHERE id = ?",
                (_json.encode(sorted(scopes)).decode(), position, account),
            )
