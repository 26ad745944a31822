"""Bearer tokens and the accounts they authenticate.

A token is ``<account id hex>.<32 random bytes, URL-safe>``: shown once, stored only as a
hash (in the account's events). The id prefix lets every process find the account and see a
revocation or rotation at once, from the store. ``AccountCache`` answers the account of a
token on every request with one indexed lookup of the account's stored version.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain.account import Account

MAX_CACHED_ACCOUNTS = 10_000


class AccountCreated(msgspec.Struct, frozen=True):
    id: UUID
    position: int
    recorded: bool
    token: str | None  # shown once; None when the account already existed


def hash_token(token: str) -> str:
    """Tokens are stored only as this hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(account_id: UUID) -> str:
    """A fresh bearer token ``<account id hex>.<32 random bytes, URL-safe>``.

    The id prefix lets every process find the account (and see a revocation or rotation at
    once, from the store); only the hash of the whole token is stored.
    """
    return f"{account_id.hex}.{secrets.token_urlsafe(32)}"


def token_account_id(token: str) -> UUID | None:
    """The account id a token names, or None when it is not shaped like one of ours."""
    prefix, dot, secret = token.partition(".")
    if not dot or len(prefix) != 32 or len(secret) < 32:
        return None
    try:
        return UUID(hex=prefix)
    except ValueError:
        return None


class AccountCache:
    """Accounts as last read, re-read only when the store holds a newer version of one.

    ``find``: the aggregate stored under an id (None: none); ``stored_version``: its newest
    stored version, by one cheap lookup.
    """

    def __init__(
        self,
        find: Callable[[UUID], Aggregate | None],
        stored_version: Callable[[UUID], int],
    ) -> None:
        self._find = find
        self._stored_version = stored_version
        self._accounts: dict[UUID, Account] = {}

    def authenticate(self, token: str) -> Account | None:
        """The live account a bearer token belongs to, or None (unknown, rotated, revoked).

        Every call looks up the account's newest version in the store (one indexed lookup), and
        reads its events again when it changed, so a revocation or rotation made by any process
        is seen at once. The account answered is shared by the requests of this process: read
        it, never change it.
        """
        account_id = token_account_id(token)
        if account_id is None:
            return None
        return self.authenticate_hash(account_id, hash_token(token))

    def authenticate_hash(self, account_id: UUID, token_hash: str) -> Account | None:
        """As :meth:`authenticate`, from the account id and the hash of its token (a web
        session keeps these, never the token): None once the token is rotated or revoked."""
        return self.authenticate_at(account_id, token_hash, self._stored_version(account_id))

    def authenticate_at(
        self, account_id: UUID, token_hash: str, stored_version: int | None
    ) -> Account | None:
        """As :meth:`authenticate_hash`, given the account's newest stored version as just
        looked up (None or 0: no such aggregate); reads the account only if it changed."""
        account: Aggregate | None = self._accounts.get(account_id)
        if account is None or account.version != stored_version:
            account = self._find(account_id) if stored_version else None
            if isinstance(account, Account):
                if len(self._accounts) >= MAX_CACHED_ACCOUNTS:
                    self._accounts.clear()
                self._accounts[account_id] = account
        return _live(account, token_hash)

    def cached(self, account_id: UUID, stored_version: int | None) -> bool:
        """Whether the account is held here at that version: :meth:`authenticate_at` then
        reads nothing (it may run on the event loop)."""
        account = self._accounts.get(account_id)
        return account is not None and account.version == stored_version


def _live(account: Aggregate | None, token_hash: str) -> Account | None:
    """The account, if it is live and the token's hash is its current one."""
    if not isinstance(account, Account) or account.revoked or not account.token_hash:
        return None
    if not hmac.compare_digest(account.token_hash, token_hash):
        return None
    return account
