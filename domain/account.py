"""The account aggregate: its role, the competitions an expert may mark, its token's hash and
whether it is revoked. Grants and revocations are events, so the audit shows who granted what."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.errors import DomainError
from domain.events import RegistryEvent, checked_reason, checked_text, clone
from domain.values import Role


class Account(Aggregate):
    """A person or office that acts in the registry. Tokens are stored only as hashes."""

    TOPIC = "registry.Account"

    def __deepcopy__(self, memo: dict[int, Any]) -> Account:
        """Every value an account holds is immutable (str, enum, frozenset, bool), so a copy of
        its attributes is a full copy — the bearer-token check copies an account from the
        cache on every request."""
        return clone(self, memo)

    class Event(RegistryEvent):
        TOPIC = "registry.Account.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "registry.Account.Created"
        name: str
        role: Role
        token_hash: str

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.role = self.role
            aggregate.token_hash = self.token_hash
            aggregate.competition_ids = frozenset()
            aggregate.revoked = False

    class ScopeGranted(Event):
        TOPIC = "registry.Account.ScopeGranted"
        competition_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.competition_ids = aggregate.competition_ids | {self.competition_id}

    class TokenRotated(Event):
        TOPIC = "registry.Account.TokenRotated"
        token_hash: str

        def apply(self, aggregate: Any) -> None:
            aggregate.token_hash = self.token_hash

    class Revoked(Event):
        TOPIC = "registry.Account.Revoked"
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.revoked = True

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        name: str
        role: Role
        token_hash: str
        competition_ids: frozenset[UUID]
        revoked: bool

    @classmethod
    def create(
        cls,
        *,
        actor: UUID,
        name: str,
        role: Role,
        token_hash: str,
        at: datetime | None = None,
    ) -> Account:
        name = checked_text(name, "name", max_len=200)
        return cls._create(
            cls.Created,
            id=ids.account_id(name),
            actor=actor,
            name=name,
            role=Role(role),
            token_hash=token_hash,
            timestamp=at,
        )

    def _require_active(self) -> None:
        if self.revoked:
            raise DomainError(
                "invalid-state", "account %(name)r is revoked", params={"name": self.name}
            )

    def grant_scope(self, *, actor: UUID, competition_id: UUID, at: datetime | None = None) -> None:
        self._require_active()
        if competition_id not in self.competition_ids:
            self.trigger_event(
                self.ScopeGranted, actor=actor, competition_id=competition_id, timestamp=at
            )

    def rotate_token(self, *, actor: UUID, token_hash: str, at: datetime | None = None) -> None:
        self._require_active()
        self.trigger_event(self.TokenRotated, actor=actor, token_hash=token_hash, timestamp=at)

    def revoke(self, *, actor: UUID, reason: str, at: datetime | None = None) -> bool:
        reason = checked_reason(reason)
        if self.revoked:
            return False  # a repeat
        self.trigger_event(self.Revoked, actor=actor, reason=reason, timestamp=at)
        return True
