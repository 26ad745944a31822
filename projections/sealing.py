"""The seal chain's primitives (DESIGN.md "Projections", issue 6): one definition shared by the
sealing follower, ``registry audit verify``, checkpoints and backup/restore.

``h[0]`` is 32 zero bytes; ``h[n] = sha256(h[n-1] ‖ canonical bytes of stored event n)``. The
canonical bytes of a stored event are independent of the database (SQLite keeps ids as hex
text, PostgreSQL as uuid): the position (8 bytes, big-endian), the aggregate id (16 bytes),
the aggregate version (8 bytes, big-endian), the topic's length (4 bytes) and UTF-8 bytes,
then the stored state exactly as stored.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

GENESIS = bytes(32)


def canonical_bytes(
    position: int, originator_id: UUID, originator_version: int, topic: str, state: bytes
) -> bytes:
    encoded_topic = topic.encode()
    return b"".join(
        (
            position.to_bytes(8, "big", signed=True),
            originator_id.bytes,
            originator_version.to_bytes(8, "big", signed=True),
            len(encoded_topic).to_bytes(4, "big"),
            encoded_topic,
            bytes(state),
        )
    )


def next_hash(previous: bytes, canonical: bytes) -> bytes:
    """``sha256(previous ‖ canonical)``."""
    return hashlib.sha256(previous + canonical).digest()
