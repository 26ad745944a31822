"""``registry audit ...``: the auditors' commands.

The group gathers the seal chain's commands (``cli.audit_seal``: verify, checkpoint, keygen)
and the history's (``cli.audit_feed``: export, import).
"""

from __future__ import annotations

import click

from cli import audit_feed, audit_seal


@click.group()
def audit() -> None:
    """Audit the history: export/import it, verify its seal chain, sign checkpoints."""


for _command in (
    audit_feed.export,
    audit_feed.import_,
    audit_seal.verify,
    audit_seal.checkpoint,
    audit_seal.keygen,
):
    audit.add_command(_command)
