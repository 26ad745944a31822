"""``registry audit ...``: the auditors' commands (issue 6).

The group is defined here; its commands live in ``registry.audit_seal_cli`` (verify,
checkpoint, keygen) and ``registry.audit_feed_cli`` (export, import), imported at the bottom
so that they register themselves on the group.
"""

from __future__ import annotations

import click


@click.group()
def audit() -> None:
    """Audit the history: export/import it, verify its seal chain, sign checkpoints."""


from registry import audit_feed_cli, audit_seal_cli  # noqa: E402, F401
