"""Checkpoints of the seal chain (DESIGN.md "Projections", issue 6): the chain head at a
position, signed with Ed25519 (:func:`sign_checkpoint`) and kept outside the database (a
file, a printout, an e-mail to the akimat). :func:`verify_checkpoint` recomputes the chain
from the stored events alone (``projections.seal.chain.chain_head``), so a rewrite of both the
events and the seal table is still caught.

The register of checkpoints (issue 13): ``registry audit checkpoint`` also records every
checkpoint it signs in the table ``seal_checkpoints`` of the registry's own database, beside
the events (:func:`record_checkpoint`). Plain verification (``registry audit verify``,
``GET /api/v1/audit/verify``) reads the newest recorded one (:func:`newest_checkpoint`) and
fails when the store's head is behind it: deleting the newest events together with their
seals is caught without a file at hand. The register helps, it is not the anchor: someone
who can delete events can delete rows of this table too (a forged row is refused: its
signature is checked), so the copies kept outside remain what settles a dispute.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from projections.seal.chain import BATCH, _SealReader, chain_head
from projections.store import ViewStore
from store.dialect import dialect_of
from store.events import EventStore, datastore_of

if TYPE_CHECKING:  # imported when used: most commands never sign or check a signature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CHECKPOINT_FORMAT = "vko-registry-seal-checkpoint/1"
#: the register of signed checkpoints, beside the events
CHECKPOINTS_TABLE = "seal_checkpoints"


class Checkpoint(msgspec.Struct):
    """A signed statement "the chain over the stored events up to ``position`` ends at
    ``head_hash``", kept outside the database (a file, a printout, an e-mail to the akimat).

    ``signature`` is Ed25519 over :func:`checkpoint_message`: the other five members as
    compact JSON with sorted keys, exactly what ``jq -cjS 'del(.signature)'`` prints.
    Hashes and keys are lowercase hex; ``time`` is UTC ISO 8601.
    """

    format: str
    position: int
    head_hash: str
    time: str
    public_key: str
    signature: str


def checkpoint_message(
    position: int, head_hash: str, time: str, public_key: str, format: str = CHECKPOINT_FORMAT
) -> bytes:
    """The signed bytes: one canonical encoding, so any tool can check the signature."""
    return msgspec.json.encode(
        {
            "format": format,
            "head_hash": head_hash,
            "position": position,
            "public_key": public_key,
            "time": time,
        },
        order="sorted",
    )


def _private_key(seed: bytes) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(seed: bytes) -> str:
    """The public key (hex) of an Ed25519 seed."""
    return _private_key(seed).public_key().public_bytes_raw().hex()


def new_seed() -> bytes:
    """A fresh Ed25519 private key seed (32 bytes)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes_raw()


def sign_checkpoint(
    seed: bytes, position: int, head_hash: str, at: datetime | None = None
) -> Checkpoint:
    """Sign ``(position, head_hash)`` with the Ed25519 seed."""
    key = _private_key(seed)
    public = key.public_key().public_bytes_raw().hex()
    moment = (at or datetime.now(tz=UTC)).astimezone(UTC)
    time = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    signature = key.sign(checkpoint_message(position, head_hash, time, public)).hex()
    return Checkpoint(CHECKPOINT_FORMAT, position, head_hash, time, public, signature)


def parse_checkpoint(data: bytes) -> Checkpoint:
    """A checkpoint from its JSON; :class:`ValueError` with a clear message otherwise."""
    try:
        checkpoint = msgspec.json.decode(data, type=Checkpoint)
    except msgspec.DecodeError as error:
        raise ValueError(f"not a seal checkpoint: {error}") from None
    if checkpoint.format != CHECKPOINT_FORMAT:
        raise ValueError(f"unknown checkpoint format {checkpoint.format!r}")
    return checkpoint


def _hex(value: str, size: int, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise ValueError(f"{what} must be {size * 2} hexadecimal digits")
    return raw


def normalise_public_key(value: str) -> str:
    """A public key given as hex (64 digits) or base64 → lowercase hex."""
    text = value.strip()
    try:
        return _hex(text, 32, "the public key").hex()
    except ValueError:
        pass
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=False)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("the public key must be 32 bytes, as hex or base64")
    return raw.hex()


def check_signature(checkpoint: Checkpoint, public_key: str | None = None) -> str | None:
    """None when the signature is good (and made by ``public_key``, if given); else why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = _hex(checkpoint.public_key, 32, "public_key")
        signature = _hex(checkpoint.signature, 64, "signature")
        if public_key is not None and normalise_public_key(public_key) != key.hex():
            return (
                f"the checkpoint is signed with key {checkpoint.public_key}, "
                "not with the key you gave"
            )
        Ed25519PublicKey.from_public_bytes(key).verify(
            signature,
            checkpoint_message(
                checkpoint.position,
                checkpoint.head_hash,
                checkpoint.time,
                checkpoint.public_key,
                checkpoint.format,
            ),
        )
    except ValueError as error:
        return str(error)
    except InvalidSignature:
        return "the signature does not match the checkpoint's contents (altered, or forged)"
    return None


class CheckpointReport(msgspec.Struct, omit_defaults=True):
    """The answer of :func:`verify_checkpoint`."""

    ok: bool
    position: int
    expected_hash: str
    signature_ok: bool
    #: the chain recomputed from the stored events up to ``position`` (no seal used)
    actual_hash: str | None = None
    events: int | None = None
    problem: str | None = None
    detail: str | None = None


def verify_checkpoint(
    app: EventStore,
    store: ViewStore | None,
    checkpoint: Checkpoint,
    *,
    public_key: str | None = None,
    batch_size: int = BATCH,
) -> CheckpointReport:
    """Check the signature, then that the chain recomputed from the stored events up to the
    checkpoint's position ends at its head hash. The seal table is consulted only to explain
    a mismatch (did it change as well?)."""
    bad_signature = check_signature(checkpoint, public_key)
    if bad_signature is not None:
        return CheckpointReport(
            False,
            checkpoint.position,
            checkpoint.head_hash,
            False,
            problem="bad-signature",
            detail=bad_signature,
        )
    head = chain_head(app, checkpoint.position, batch_size=batch_size)
    if head.malformed_position is not None:
        return CheckpointReport(
            False,
            checkpoint.position,
            checkpoint.head_hash,
            True,
            None,
            head.events,
            "malformed",
            f"the stored row at position {head.malformed_position} is not what the registry "
            "stores: it was edited outside the registry",
        )
    if head.hash == checkpoint.head_hash.lower():
        return CheckpointReport(
            True, checkpoint.position, checkpoint.head_hash, True, head.hash, head.events
        )
    detail = (
        f"the stored events up to position {checkpoint.position} do not chain to the "
        "checkpoint's head hash: the history before the checkpoint was changed"
    )
    if head.position != checkpoint.position:
        detail += (
            f" (the last stored event at or below it is at position {head.position}: "
            "events were deleted)"
        )
    if store is not None:
        recorded = _SealReader(store).hash_at(checkpoint.position)
        if recorded == checkpoint.head_hash.lower():
            detail += "; the seal table still agrees with the checkpoint (the seal verification "
            detail += "names the first changed position)"
        else:
            detail += "; the seal table does not agree with the checkpoint either: it was "
            detail += "rewritten too (or never reached that position)"
    return CheckpointReport(
        False,
        checkpoint.position,
        checkpoint.head_hash,
        True,
        head.hash,
        head.events,
        "history-changed",
        detail,
    )


def _register(app: EventStore) -> tuple[str, str]:
    """The register's qualified name and placeholder, the table made if it is missing."""
    dialect = dialect_of(app.settings)
    table = dialect.table(CHECKPOINTS_TABLE)
    with datastore_of(app).transaction(commit=True) as cursor:
        dialect.serialise_ddl(cursor, 0x5EA1_C4E7)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ("
            " position BIGINT NOT NULL, head_hash TEXT NOT NULL, time TEXT NOT NULL,"
            " public_key TEXT NOT NULL, signature TEXT NOT NULL,"
            " PRIMARY KEY (position, public_key, time))"
        )
    return table, dialect.placeholder


def record_checkpoint(app: EventStore, checkpoint: Checkpoint) -> None:
    """Add ``checkpoint`` to the register beside the events (a repeat is kept once)."""
    table, p = _register(app)
    with datastore_of(app).transaction(commit=True) as cursor:
        cursor.execute(
            f"INSERT INTO {table} (position, head_hash, time, public_key, signature)"
            f" VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT DO NOTHING",
            (
                checkpoint.position,
                checkpoint.head_hash,
                checkpoint.time,
                checkpoint.public_key,
                checkpoint.signature,
            ),
        )


def newest_checkpoint(app: EventStore) -> Checkpoint | None:
    """The recorded checkpoint of the highest position (None: none recorded). Its signature
    is not checked here (:func:`check_signature`)."""
    table, _ = _register(app)
    with datastore_of(app).transaction(commit=False) as cursor:
        cursor.execute(
            f"SELECT position, head_hash, time, public_key, signature FROM {table}"
            " ORDER BY position DESC, time DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Checkpoint(
        CHECKPOINT_FORMAT,
        int(row["position"]),
        row["head_hash"],
        row["time"],
        row["public_key"],
        row["signature"],
    )
