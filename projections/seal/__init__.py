"""The seal chain (DESIGN.md "Projections", issue 6): proof that the history was not rewritten.

``h[n] = sha256(h[n-1] ‖ canonical bytes of stored event n)`` over every stored event in
position order, starting from :data:`GENESIS`. Three parts:

* ``chain`` — the definition (:func:`canonical_bytes`, :func:`next_hash`), the fast code that
  computes it, the seal view :class:`SealProjection` that records the seal of every stored
  event with its tracking position, and :func:`chain_head` (the chain over the events alone);
* ``verify`` — :func:`verify_seals`: the stored history against its recorded seals (edited,
  deleted, inserted or malformed rows, named at their position);
* ``checkpoints`` — the chain head at a position signed with Ed25519 and kept outside the
  database; :func:`verify_checkpoint` does not trust the seal table at all.

The command line's wording of their reports is in ``cli.audit_seal``.
"""

from projections.seal.chain import (
    BATCH,
    GENESIS,
    SEAL_TABLE,
    ChainHead,
    SealMismatch,
    SealProjection,
    _Chainer,
    canonical_bytes,
    chain_head,
    next_hash,
)
from projections.seal.checkpoints import (
    CHECKPOINT_FORMAT,
    Checkpoint,
    CheckpointReport,
    check_signature,
    checkpoint_message,
    new_seed,
    normalise_public_key,
    parse_checkpoint,
    public_key_hex,
    sign_checkpoint,
    verify_checkpoint,
)
from projections.seal.verify import SealReport, sealed_head, verify_seals

__all__ = [
    "BATCH",
    "CHECKPOINT_FORMAT",
    "GENESIS",
    "SEAL_TABLE",
    "ChainHead",
    "Checkpoint",
    "CheckpointReport",
    "SealMismatch",
    "SealProjection",
    "SealReport",
    "_Chainer",
    "canonical_bytes",
    "chain_head",
    "check_signature",
    "checkpoint_message",
    "new_seed",
    "next_hash",
    "normalise_public_key",
    "parse_checkpoint",
    "public_key_hex",
    "sealed_head",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_seals",
]
