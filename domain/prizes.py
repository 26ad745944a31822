"""The akimat's prize rules (RULES.md "Prizes and nominations"), pure.

* eligibility (``Eligibility``, a setting of the programme recorded when it is created): by
  default a competitor from the programme's region who placed 1-3 (the places it has prizes
  for) in a published competition of a republican championship of a kind the programme
  covers, of the programme's year (``default_eligibility``); ``is_eligible`` is the one pure
  function the programme (and so the prize policy) decides with;
* a prize is money (a whole number of tenge) or in kind (``amount_kzt`` None: a certificate,
  a grant in kind; its description says what);
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
#: the largest amount of one prize, in tenge
MAX_AMOUNT_KZT = 1_000_000_000


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
    "reconsider": frozenset({EntryStatus.REJECTED}),
}
#: What each decision on a nominee may follow.
NOMINEE_TRANSITIONS: dict[str, frozenset[EntryStatus]] = {
    "approve": frozenset({EntryStatus.PROPOSED}),
    "reject": frozenset({EntryStatus.PROPOSED}),
    "revoke": frozenset({EntryStatus.APPROVED}),
}
#: The status each decision leads to.
DECIDED_STATUS: dict[str, EntryStatus] = {
    "approve": EntryStatus.APPROVED,
    "reject": EntryStatus.REJECTED,
    "award": EntryStatus.AWARDED,
    "revoke": EntryStatus.REVOKED,
    "reconsider": EntryStatus.PROPOSED,
}
#: Decisions that must give a reason.
REASONED = frozenset({"reject", "revoke", "reconsider"})
#: Statuses whose prize is promised (approved or awarded): what the public sees, what the
#: totals in tenge count, what the printable list holds.
PUBLIC_STATUSES = frozenset({EntryStatus.APPROVED, EntryStatus.AWARDED})


class Prize(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The prize for a place: a description and an amount in tenge (a whole number), or
    ``None`` for a prize in kind (a certificate, a grant in kind: the description says what)."""

    place: int
    description: str
    amount_kzt: int | None


class Eligibility(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who a programme's prizes are for (RULES.md "Prizes and nominations"): competitors
    placed ``places`` in a published competition of a championship of one of ``kinds`` at one
    of ``levels``, from ``region`` (None: any region) and of ``year`` (None: any year)."""

    kinds: tuple[ChampionshipKind, ...]
    levels: tuple[Level, ...]
    places: tuple[int, ...]
    region: str | None
    year: int | None


def default_eligibility(
    *, kinds: Iterable[ChampionshipKind | str], region: str, year: int, prizes: Sequence[Prize]
) -> Eligibility:
    """Today's rule: republican championships of the programme's kinds, its region and year,
    the places it has prizes for."""
    return Eligibility(
        kinds=tuple(sorted({ChampionshipKind(k) for k in kinds})),
        levels=(Level.REPUBLICAN,),
        places=tuple(sorted({p.place for p in prizes})),
        region=region,
        year=year,
    )


def checked_eligibility(eligibility: Eligibility, prizes: Sequence[Prize]) -> Eligibility:
    """An eligibility in its stored form (sorted, no repeats), refused when a list is empty or
    a place has no prize."""
    if not eligibility.kinds:
        raise DomainError("invalid-input", "eligibility.kinds: name at least one championship kind")
    if not eligibility.levels:
        raise DomainError("invalid-input", "eligibility.levels: name at least one level")
    if not eligibility.places:
        raise DomainError("invalid-input", "eligibility.places: name at least one place")
    with_prize = {p.place for p in prizes}
    for place in eligibility.places:
        if place not in with_prize:
            raise DomainError(
                "invalid-input",
                "eligibility.places: place %(place)s has no prize in this programme",
                params={"place": place},
            )
    return Eligibility(
        kinds=tuple(sorted(set(eligibility.kinds))),
        levels=tuple(sorted(set(eligibility.levels))),
        places=tuple(sorted(set(eligibility.places))),
        region=eligibility.region,
        year=eligibility.year,
    )


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
    """One prize per place 1-3, a description, a positive whole amount in tenge or none (a
    prize in kind)."""
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
        if prize.amount_kzt is None:
            pass  # in kind: the description (required below) says what
        elif isinstance(prize.amount_kzt, bool) or not isinstance(prize.amount_kzt, int):
            raise DomainError(
                "invalid-input",
                "prizes[%(index)s].amount_kzt: a whole number of tenge",
                params={"index": index},
            )
        elif not 0 < prize.amount_kzt <= MAX_AMOUNT_KZT:
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
    placing: Placing, eligibility: Eligibility, *, championship_year: int | None = None
) -> bool:
    """Whether ``placing`` (in a published competition) earns a prize under ``eligibility``:
    the one rule the programme, and so the prize policy, decides with. A championship of
    another year never qualifies for a programme kept for one year (``championship_year``
    unknown: not checked)."""
    if (
        eligibility.year is not None
        and championship_year is not None
        and eligibility.year != championship_year
    ):
        return False
    return (
        placing.level in eligibility.levels
        and placing.kind in eligibility.kinds
        and (eligibility.region is None or placing.region == eligibility.region)
        and placing.place in eligibility.places
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
    decision must be allowed from ``status`` (``TRANSITIONS``, ``NOMINEE_TRANSITIONS``) or it
    is refused. Reconsidering is never a repeat: a proposed entry was not rejected."""
    if status is DECIDED_STATUS[decision] and decision != "reconsider":
        return True
    allowed = (NOMINEE_TRANSITIONS if what == "nominee" else TRANSITIONS)[decision]
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
