"""The akimat's prize rules (RULES.md "Prizes and nominations"), pure.

* eligibility: a competitor from the programme's region who placed 1-3 in a published
  competition of a republican championship of a kind the programme covers;
* the place behind an entry is the competitor's rank (standard competition ranking), so a tie
  at place 3 gives two entries and a tie at 2 leaves no place 3;
* an entry's life: proposed → approved | rejected (reason) → awarded (date) | revoked (reason);
  an amendment that changes the place behind an entry flags it ``needs_review``, from which
  the akimat confirms (approve: back to the status it had, an awarded entry stays awarded
  with its date), rejects or revokes it (``status_after``);
* an award's date is not in the future and not before the day the result was published
  (``check_award_date``; days in Kazakhstan, given by the application).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID, uuid5

import msgspec

from domain.errors import N_, DomainError
from domain.ids import NAMESPACE
from domain.values import ChampionshipKind, Level

PRIZE_PLACES = (1, 2, 3)


class EntryStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    AWARDED = "awarded"
    REVOKED = "revoked"
    NEEDS_REVIEW = "needs_review"


#: What each decision may follow.
TRANSITIONS: dict[str, frozenset[EntryStatus]] = {
    "approve": frozenset({EntryStatus.PROPOSED, EntryStatus.NEEDS_REVIEW}),
    "reject": frozenset({EntryStatus.PROPOSED, EntryStatus.NEEDS_REVIEW}),
    "award": frozenset({EntryStatus.APPROVED}),
    "revoke": frozenset({EntryStatus.APPROVED, EntryStatus.AWARDED, EntryStatus.NEEDS_REVIEW}),
}
#: The status each decision leads to.
DECIDED_STATUS: dict[str, EntryStatus] = {
    "approve": EntryStatus.APPROVED,
    "reject": EntryStatus.REJECTED,
    "award": EntryStatus.AWARDED,
    "revoke": EntryStatus.REVOKED,
}
#: Statuses whose prize is promised (approved or awarded): what the public sees, what the
#: totals in tenge count, what the printable list holds.
PUBLIC_STATUSES = frozenset({EntryStatus.APPROVED, EntryStatus.AWARDED})


class Prize(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The prize for a place: a description and an amount in tenge (a whole number)."""

    place: int
    description: str
    amount_kzt: int


class Placing(msgspec.Struct, frozen=True):
    """A competitor's place in a published competition, with what eligibility looks at."""

    championship_id: UUID
    competition_id: UUID
    competitor_id: UUID
    full_name: str
    organisation_id: UUID
    region: str
    kind: ChampionshipKind
    level: Level
    place: int


def check_prizes(prizes: Sequence[Prize]) -> None:
    """One prize per place 1-3, a description, a positive whole amount in tenge."""
    if not prizes:
        raise DomainError("invalid-input", "prizes: name the prize of at least one place")
    places = [p.place for p in prizes]
    if len(set(places)) != len(places):
        raise DomainError("invalid-input", "prizes: one prize per place")
    for index, prize in enumerate(prizes):
        if prize.place not in PRIZE_PLACES:
            raise DomainError(
                "out-of-range",
                "prizes[%(index)s].place: 1, 2 or 3, not %(place)s",
                params={"index": index, "place": prize.place},
            )
        if isinstance(prize.amount_kzt, bool) or not isinstance(prize.amount_kzt, int):
            raise DomainError(
                "invalid-input",
                "prizes[%(index)s].amount_kzt: a whole number of tenge",
                params={"index": index},
            )
        if not 0 < prize.amount_kzt <= 1_000_000_000:
            raise DomainError(
                "out-of-range",
                "prizes[%(index)s].amount_kzt: 1 to 1,000,000,000 tenge",
                params={"index": index},
            )
        if not prize.description.strip():
            raise DomainError(
                "invalid-input",
                "prizes[%(index)s].description: must not be empty",
                params={"index": index},
            )


def is_eligible(
    placing: Placing,
    *,
    region: str,
    kinds: Iterable[ChampionshipKind],
    prizes: Sequence[Prize],
    year: int | None = None,
    championship_year: int | None = None,
) -> bool:
    """Default eligibility of RULES.md (the competition is assumed published).

    A programme is kept for one year: given both ``year`` (the programme's) and
    ``championship_year``, a championship of another year never qualifies.
    """
    if year is not None and championship_year is not None and year != championship_year:
        return False
    return (
        placing.level is Level.REPUBLICAN
        and placing.kind in set(kinds)
        and placing.region == region
        and placing.place in {p.place for p in prizes}
    )


def entry_id(programme_id: UUID, competition_id: UUID, competitor_id: UUID) -> UUID:
    """One entry per programme, competition and competitor: proposing twice is a repeat."""
    return uuid5(NAMESPACE, f"prize-entry/{programme_id}/{competition_id}/{competitor_id}")


def nomination_id(programme_id: UUID, title_ru: str) -> UUID:
    from domain.ids import normalise_name

    return uuid5(NAMESPACE, f"nomination/{programme_id}/{normalise_name(title_ru)}")


def nominee_id(nomination: UUID, organisation_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"nominee/{nomination}/{organisation_id}")


def status_after(decision: str, status: EntryStatus, awarded_on: date | None) -> EntryStatus:
    """The status ``decision`` gives an entry that is ``status`` now (RULES.md "Prizes").

    Confirming (approving) an entry flagged ``needs_review`` restores the status it had: an
    entry that was awarded (it holds its award date, which only an award sets) stays awarded;
    any other becomes approved. Every other decision gives its own status."""
    if decision == "approve" and status is EntryStatus.NEEDS_REVIEW and awarded_on is not None:
        return EntryStatus.AWARDED
    return DECIDED_STATUS[decision]


def check_award_date(awarded_on: date, *, today: date, published_on: date) -> None:
    """A prize is handed over after its result was published and not after today (both days
    in Kazakhstan): a date in the future or before the publication is a typing error."""
    if awarded_on > today:
        raise DomainError(
            "invalid-input",
            "awarded_on: %(date)s is in the future (today is %(today)s)",
            params={"date": awarded_on.isoformat(), "today": today.isoformat()},
        )
    if awarded_on < published_on:
        raise DomainError(
            "invalid-input",
            "awarded_on: %(date)s is before the result was published (%(published)s)",
            params={"date": awarded_on.isoformat(), "published": published_on.isoformat()},
        )


def is_repeat(decision: str, status: EntryStatus, what: str = "entry") -> bool:
    """Whether ``decision`` repeats the one that gave ``status`` (nothing to record); any other
    decision must be allowed from ``status`` (``TRANSITIONS``) or it is refused."""
    if status is DECIDED_STATUS[decision]:
        return True
    allowed = TRANSITIONS[decision]
    if status not in allowed:
        wanted = " or ".join(sorted(allowed))
        if what == "nominee":
            template = N_("cannot %(decision)s a %(status)s nominee; it must be %(wanted)s")
        else:
            template = N_("cannot %(decision)s a %(status)s entry; it must be %(wanted)s")
        raise DomainError(
            "invalid-state",
            template,
            params={"decision": decision, "status": status, "wanted": wanted},
        )
    return False
