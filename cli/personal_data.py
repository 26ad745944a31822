"""``registry personal-data ...``: a person's sensitive fields (RULES.md "Erasure").

``erase PARTICIPANT --reason R`` records who erased the person's birth date and disability
and why (``Participant.PersonalDataErased``, acting as the system: the operator at the shell),
then destroys the key they were sealed with (``store.keys``): no read returns them again,
results, names and the seal chain stay as they were. A repeat records nothing. See README
"Personal data and erasure" for what an erasure cannot reach (people registered before
sealing existed, backups).
"""

from __future__ import annotations

from uuid import UUID

import click

from cli.common import open_registry
from cli.texts import language_option, texts_of


@click.group("personal-data")
def personal_data() -> None:
    """Erase a person's sensitive personal data (birth date, disability)."""


@personal_data.command("erase")
@click.argument("participant_id", type=click.UUID, metavar="PARTICIPANT")
@click.option("--reason", required=True, help="Why (the lawful request; recorded).")
@language_option
@click.pass_context
def erase(ctx: click.Context, participant_id: UUID, reason: str) -> None:
    """Erase the birth date and disability of PARTICIPANT (an id) for ever."""
    from domain.ids import SYSTEM_ACTOR

    with open_registry(ctx) as app:
        result = app.erase_personal_data(
            actor=SYSTEM_ACTOR, participant_id=participant_id, reason=reason
        )
    tr = texts_of(ctx)
    click.echo(
        tr.gettext(
            "The birth date and disability of participant %(participant)s are erased and "
            "their key destroyed (position %(position)s).",
            participant=result.id,
            position=result.position,
        )
        if result.recorded
        else tr.gettext(
            "The personal data of participant %(participant)s were erased before: nothing "
            "new was recorded.",
            participant=result.id,
        )
    )
