"""What an amendment would change, before it is recorded (RULES.md "Closing a competition":
the organiser previews an amendment; the preview records nothing).

:func:`preview_amendment` applies the amendment to a *copy* of the competition with the
aggregate's own command (``Competition.amend_mark``: the very checks and refusals of the real
amendment), and offers the amended places to copies of the prize programmes with their own
``PrizeProgramme.consider`` (what the prize policy does after the real amendment). The copies'
events are read and dropped: nothing is saved. The standings before and after are those of
``domain.standings.standings`` (the function the views and time travel call), so the preview
shows exactly what recording the amendment would make the views and the policy show.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from domain.competition import Competition
from domain.prize_programme import PrizeProgramme
from domain.standings import placings

#: the events of a programme that move an entry (or propose one)
MOVES = (PrizeProgramme.EntryProposed, PrizeProgramme.EntryPlaceChanged)


class EntryChange(msgspec.Struct, frozen=True):
    """A prize entry the amendment would move: its place before and after, and whether it
    would be flagged ``needs_review`` (or newly proposed: ``status_before`` None)."""

    programme_id: UUID
    entry_id: UUID
    competitor_id: UUID
    full_name: str
    place_before: int | None
    place_after: int
    status_before: str | None
    status_after: str
    needs_review: bool


class AmendmentPreview(msgspec.Struct, frozen=True):
    """The competition before and after the amendment (copies: never saved), the mark it
    changes, and the prize entries it would move."""

    before: Competition
    after: Competition
    competitor_id: UUID
    aspect_id: str
    expert_id: UUID
    previous: Decimal
    value: Decimal
    #: False: the mark already holds this value (the amendment would be a repeat)
    changes_mark: bool
    entries: tuple[EntryChange, ...]


def preview_amendment(
    competition: Competition,
    programmes: Iterable[PrizeProgramme],
    *,
    actor: UUID,
    championship_year: int | None,
    at: datetime | None = None,
    **mark: Any,
) -> AmendmentPreview:
    """The amendment ``mark`` (``Competition.amend_mark``'s keywords: competitor_id,
    aspect_id, value, reason, expert_id) applied to copies; a refusal is the amendment's own
    ``DomainError``. ``competition`` and ``programmes`` are left as they were."""
    after = copy.deepcopy(competition)
    changed, _ = after.amend_mark(actor=actor, at=at, **mark)
    events = after.collect_events()
    if changed:
        amended = events[-1]
        previous, value, expert_id = amended.previous, amended.mark.value, amended.mark.expert_id
    else:  # a repeat: the mark already holds this value
        aspect = competition.aspect(mark["aspect_id"])
        value, expert_id = competition._held(
            aspect, mark["competitor_id"], mark.get("expert_id") or actor
        )
        previous = value
    entries: list[EntryChange] = []
    if changed:
        places = placings(after)
        for programme in programmes:
            trial = copy.deepcopy(programme)
            before = {
                entry_id: (entry.placing.place, str(entry.status))
                for entry_id, entry in trial.entries.items()
            }
            for placing in places:
                trial.consider(
                    actor=actor,
                    placing=placing,
                    reason="preview",
                    championship_year=championship_year,
                    at=at,
                )
            for event in trial.collect_events():
                if not isinstance(event, MOVES):
                    continue
                place_before, status_before = before.get(event.entry_id, (None, None))
                entry = trial.entries[event.entry_id]
                entries.append(
                    EntryChange(
                        programme_id=trial.id,
                        entry_id=event.entry_id,
                        competitor_id=event.placing.competitor_id,
                        full_name=event.placing.full_name,
                        place_before=place_before,
                        place_after=event.placing.place,
                        status_before=status_before,
                        status_after=str(entry.status),
                        needs_review=getattr(event, "needs_review", False),
                    )
                )
    return AmendmentPreview(
        before=competition,
        after=after,
        competitor_id=mark["competitor_id"],
        aspect_id=mark["aspect_id"],
        expert_id=expert_id,
        previous=previous,
        value=value,
        changes_mark=changed,
        entries=tuple(entries),
    )
