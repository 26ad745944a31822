"""Pure scoring rules (RULES.md "Marking scheme", "Entering marks", "Results").

Everything here is a pure function of its arguments: no I/O, no clock, no globals that
change.  Marks and totals are ``Decimal`` throughout; no float ever touches one.  Where a
division is needed it runs in a local decimal context of ample precision, so the result
does not depend on the caller's context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, localcontext
from uuid import UUID

import msgspec

from domain.errors import DomainError
from domain.values import (
    HUNDRED,
    ZERO,
    Aspect,
    AspectType,
    ChampionshipKind,
    Medal,
    round_half_up,
)

__all__ = [
    "MEDALLION_POINTS",
    "MEDAL_POINTS",
    "SCALED_SCORE_FORMULA",
    "SCALED_SCORE_FORMULA_VERSION",
    "BestInput",
    "BestOfRegion",
    "MedalCount",
    "MedalInput",
    "ResultInput",
    "ResultRow",
    "best_of_region",
    "best_score",
    "check_scheme",
    "competitor_total",
    "compute_results",
    "criterion_subtotals",
    "earns_medallion",
    "is_disputed",
    "judgement_mark",
    "marks_expected",
    "medal_for",
    "medal_table_by_organisation",
    "medal_table_by_region",
    "median",
    "rank",
    "scaled_scores",
]

#: Name and version of the scaled-score formula, recorded with published results so that
#: they can be recomputed exactly as they were published.
SCALED_SCORE_FORMULA: str = "ws-median-mad"
SCALED_SCORE_FORMULA_VERSION: int = 1

#: Points of the medal table.
MEDAL_POINTS: dict[Medal, int] = {Medal.GOLD: 4, Medal.SILVER: 3, Medal.BRONZE: 2}
MEDALLION_POINTS: int = 1

#: Precision of the local decimal context used for sums and divisions.  Marks have two
#: places and are far below 1e9, so 60 significant digits leave every sum exact and every
#: quotient far more precise than the final rounding.
_PRECISION = 60

_SCALED_CENTRE = Decimal(700)
_SCALED_SPREAD = Decimal(20)
_MAD_FACTOR = Decimal("1.4826")
_SCALED_MIN = 0
_SCALED_MAX = 1000
_MEDALLION_SCALED = 700
_MEDALLION_TOTAL = Decimal("70.00")
_WHOLE = Decimal(1)
_JUDGEMENT_SCORES = 3
_JUDGEMENT_MAX_SCORE = 3

_CRITERION = re.compile(r"[A-Z]{1,3}")
_MEDAL_BY_RANK: dict[int, Medal] = {1: Medal.GOLD, 2: Medal.SILVER, 3: Medal.BRONZE}


# --------------------------------------------------------------------------- scheme


def _decimal_places(value: Decimal) -> int:
    """Number of significant decimal places of a finite Decimal ("7.50" -> 1, "7.55" -> 2).

    Works on the digit tuple, so no context precision can round it.
    """
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    trailing = 0
    for digit in reversed(digits):
        if digit != 0 or trailing == len(digits) - 1:
            break
        trailing += 1
    return max(0, -(exponent + trailing))


def _blank(text: object) -> bool:
    return not isinstance(text, str) or not text.strip()


def check_scheme(aspects: Sequence[Aspect]) -> None:
    """Refuse a marking scheme that breaks RULES.md "Marking scheme".

    Raises ``DomainError("invalid-scheme")`` for an empty scheme, a duplicate aspect id, a
    blank id, criterion or description, a criterion that is not 1-3 uppercase Latin
    letters, an unknown aspect type, or a ``max_mark`` that is not a finite Decimal > 0 with
    at most two places; ``DomainError("scheme-total")`` when the max marks do not add up to
    exactly 100.00.
    """
    if not aspects:
        raise DomainError("invalid-scheme", "a marking scheme needs at least one aspect")
    seen: set[str] = set()
    for position, aspect in enumerate(aspects, start=1):
        if _blank(aspect.id):
            raise DomainError(
                "invalid-scheme",
                "aspect %(position)s: the id is empty",
                params={"position": position},
            )
        if aspect.id in seen:
            raise DomainError(
                "invalid-scheme", "aspect %(aspect)r: duplicate aspect id", aspect=aspect.id
            )
        seen.add(aspect.id)
        if _blank(aspect.criterion):
            raise DomainError(
                "invalid-scheme", "aspect %(aspect)r: the criterion is empty", aspect=aspect.id
            )
        if _CRITERION.fullmatch(aspect.criterion) is None:
            raise DomainError(
                "invalid-scheme",
                "aspect %(aspect)r: criterion %(criterion)r is not 1-3 uppercase Latin "
                "letters (A, B, ..., AA)",
                params={"criterion": aspect.criterion},
                aspect=aspect.id,
            )
        if _blank(aspect.description):
            raise DomainError(
                "invalid-scheme", "aspect %(aspect)r: the description is empty", aspect=aspect.id
            )
        try:
            AspectType(aspect.type)
        except ValueError:
            raise DomainError(
                "invalid-scheme",
                "aspect %(aspect)r: unknown aspect type %(type)r",
                params={"type": aspect.type},
                aspect=aspect.id,
            ) from None
        max_mark = aspect.max_mark
        if not isinstance(max_mark, Decimal) or not max_mark.is_finite():
            raise DomainError(
                "invalid-scheme",
                "aspect %(aspect)r: max_mark must be a finite decimal",
                aspect=aspect.id,
            )
        if max_mark <= 0:
            raise DomainError(
                "invalid-scheme",
                "aspect %(aspect)r: max_mark must be greater than 0",
                aspect=aspect.id,
            )
        if _decimal_places(max_mark) > 2:
            raise DomainError(
                "invalid-scheme",
                "aspect %(aspect)r: max_mark %(max)s has more than two decimal places",
                params={"max": max_mark},
                aspect=aspect.id,
            )
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        total = sum((aspect.max_mark for aspect in aspects), ZERO)
        if total != HUNDRED:
            shown = round_half_up(total) if total.adjusted() < _PRECISION - 3 else total
            raise DomainError(
                "scheme-total",
                "max marks add up to %(total)s, not %(hundred)s",
                params={"hundred": HUNDRED},
                total=str(shown),
            )


# --------------------------------------------------------------------------- marks


def _score(value: object) -> int:
    """One judgement score as an int 0..3; an integral Decimal is accepted too."""
    if isinstance(value, bool):
        raise ValueError(f"a judgement score must be an integer 0-3, not {value!r}")
    if isinstance(value, int):
        score = value
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        score = int(value)
    else:
        raise ValueError(f"a judgement score must be an integer 0-3, not {value!r}")
    if not 0 <= score <= _JUDGEMENT_MAX_SCORE:
        raise ValueError(f"a judgement score must be 0-3, not {score}")
    return score


def judgement_mark(max_mark: Decimal, scores: Sequence[int]) -> Decimal:
    """The mark of a judgement aspect: ``max_mark × mean(scores) / 3``, half-up to 2 places.

    Exactly three integer scores 0..3 (else ``ValueError``).  Computed as
    ``max_mark × sum / 9`` with a single division, so no intermediate rounding.
    """
    if len(scores) != _JUDGEMENT_SCORES:
        raise ValueError(f"a judgement aspect needs exactly 3 scores, got {len(scores)}")
    total = 0
    for score in scores:
        # a plain int 0..3 as it is (the usual case), anything else checked by _score
        total += score if type(score) is int and 0 <= score <= 3 else _score(score)
    key = (max_mark, total)
    mark = _JUDGEMENT_MARKS.get(key) if max_mark.is_finite() else None
    if mark is None:
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            mark = round_half_up(max_mark * total / Decimal(9))
        if len(_JUDGEMENT_MARKS) < _JUDGEMENT_MARKS_KEPT:
            _JUDGEMENT_MARKS[key] = mark
    return mark


#: Judgement marks already computed, by (max mark, sum of the scores): a scheme has a few
#: max marks and a sum is 0..9, while standings need the mark of every judged aspect of every
#: competitor. Equal max marks (10.0 == 10.00) give the same mark: it is rounded to 2 places.
_JUDGEMENT_MARKS: dict[tuple[Decimal, int], Decimal] = {}
_JUDGEMENT_MARKS_KEPT = 10_000


def is_disputed(scores: Sequence[int]) -> bool:
    """A judgement aspect is disputed when its scores differ by more than 1."""
    return len(scores) >= 2 and max(scores) - min(scores) > 1


def competitor_total(aspect_marks: Iterable[Decimal]) -> Decimal:
    """A competitor's total: the exact sum of their aspect marks, with 2 places."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return round_half_up(sum(aspect_marks, ZERO))


def _criterion_key(criterion: str) -> tuple[int, str]:
    # Spreadsheet order: A, B, ..., Z, AA, AB, ...
    return (len(criterion), criterion)


def criterion_subtotals(
    aspect_marks: Mapping[str, Decimal], criterion_of: Mapping[str, str]
) -> dict[str, Decimal]:
    """Sum of the marks per criterion.

    ``aspect_marks`` maps aspect id to mark, ``criterion_of`` aspect id to criterion.  Every
    criterion of ``criterion_of`` is present (0.00 when none of its aspects has a mark),
    keys in criterion order (A, B, ..., Z, AA).  A mark for an aspect that is not in
    ``criterion_of`` is a ``ValueError``.
    """
    if not aspect_marks.keys() <= criterion_of.keys():
        unknown = sorted(set(aspect_marks) - set(criterion_of))
        raise ValueError(f"marks for aspects not in the scheme: {', '.join(unknown)}")
    sums: dict[str, Decimal] = {criterion: ZERO for criterion in criterion_of.values()}
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        for aspect_id, mark in aspect_marks.items():
            criterion = criterion_of[aspect_id]
            sums[criterion] = sums[criterion] + mark
        return {c: round_half_up(sums[c]) for c in _criterion_order(tuple(sums))}


def _criterion_order(criteria: tuple[str, ...]) -> list[str]:
    """``criteria`` in criterion order; a scheme's criteria are sorted once, not per
    competitor (remembered for a bounded number of schemes)."""
    order = _CRITERION_ORDERS.get(criteria)
    if order is None:
        order = sorted(criteria, key=_criterion_key)
        if len(_CRITERION_ORDERS) < 1_000:
            _CRITERION_ORDERS[criteria] = order
    return order


_CRITERION_ORDERS: dict[tuple[str, ...], list[str]] = {}


# --------------------------------------------------------------------------- results


def rank(totals: Sequence[Decimal], tie_tolerance: Decimal = ZERO) -> list[int]:
    """Standard competition ranking (1, 1, 3) of ``totals``, in input order.

    Ties within ``tie_tolerance`` are anchored: sorted descending, a competitor shares the
    rank of the current tie group when the group's highest total minus their own is at
    most ``tie_tolerance``; otherwise they start a new group ranked 1 + the number of
    competitors above.  The result depends only on the values, not on the input order.
    """
    if not isinstance(tie_tolerance, Decimal) or not tie_tolerance.is_finite():
        raise ValueError("tie_tolerance must be a finite Decimal")
    if tie_tolerance < 0:
        raise ValueError("tie_tolerance must not be negative")
    order = sorted(range(len(totals)), key=lambda i: totals[i], reverse=True)
    ranks = [0] * len(totals)
    anchor: Decimal | None = None
    group_rank = 0
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        for position, index in enumerate(order):
            total = totals[index]
            if anchor is None or anchor - total > tie_tolerance:
                anchor = total
                group_rank = position + 1
            ranks[index] = group_rank
    return ranks


def medal_for(rank: int, competitors: int, min_competitors_for_medals: int = 3) -> Medal | None:
    """Rank 1 gold, 2 silver, 3 bronze; no medals below ``min_competitors_for_medals``."""
    if rank < 1:
        raise ValueError(f"a rank starts at 1, not {rank}")
    if competitors < min_competitors_for_medals:
        return None
    return _MEDAL_BY_RANK.get(rank)


def median(values: Sequence[Decimal]) -> Decimal:
    """The median; for an even count, the mean of the two middle values (exact)."""
    if not values:
        raise ValueError("the median of no values is undefined")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return (ordered[middle - 1] + ordered[middle]) / Decimal(2)


def scaled_scores(totals: Sequence[Decimal]) -> list[int]:
    """WorldSkills scaled scores, in input order.

    ``700 + 20 × (total − median) / s`` with ``s = 1.4826 × MAD``; ``s = 1`` when it is 0
    or there are fewer than 3 competitors.  Rounded half-up to a whole number, clamped to
    0..1000.
    """
    if not totals:
        return []
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        centre = median(totals)
        s = _WHOLE
        if len(totals) >= 3:
            mad = median([abs(total - centre) for total in totals])
            if mad != 0:
                s = _MAD_FACTOR * mad
        scores: list[int] = []
        for total in totals:
            value = _SCALED_CENTRE + _SCALED_SPREAD * (total - centre) / s
            whole = int(round_half_up(value, _WHOLE))
            scores.append(min(_SCALED_MAX, max(_SCALED_MIN, whole)))
        return scores


def earns_medallion(
    kind: ChampionshipKind, medal: Medal | None, total: Decimal, scaled: int | None
) -> bool:
    """Medallion for Excellence: no medal, and scaled >= 700 (WorldSkills) or total >= 70.00."""
    if medal is not None:
        return False
    if kind == ChampionshipKind.WORLDSKILLS:
        if scaled is None:
            raise ValueError("a WorldSkills medallion needs the scaled score")
        return scaled >= _MEDALLION_SCALED
    return total >= _MEDALLION_TOTAL


class ResultInput(msgspec.Struct, frozen=True):
    """One competitor of a competition, as the results computation needs them."""

    competitor_id: UUID
    full_name: str
    organisation_id: UUID
    region: str
    total: Decimal
    criteria: dict[str, Decimal]


class ResultRow(msgspec.Struct, frozen=True):
    """One row of a competition's standings."""

    rank: int
    competitor_id: UUID
    full_name: str
    organisation_id: UUID
    region: str
    total: Decimal
    scaled_score: int | None
    medal: Medal | None
    medallion: bool
    criteria: dict[str, Decimal]


def compute_results(
    entries: Sequence[ResultInput],
    *,
    kind: ChampionshipKind,
    tie_tolerance: Decimal = ZERO,
    min_competitors_for_medals: int = 3,
) -> list[ResultRow]:
    """The standings of one competition (RULES.md "Results").

    Rank, medal, scaled score (WorldSkills only, else ``None``) and medallion of every
    entry; rows sorted by rank, then full name (casefolded), then competitor id.  A
    competitor appearing twice is a ``ValueError``.
    """
    ids = [entry.competitor_id for entry in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("a competitor appears more than once in the results")
    totals = [entry.total for entry in entries]
    ranks = rank(totals, tie_tolerance)
    scaled: list[int | None]
    if kind == ChampionshipKind.WORLDSKILLS:
        scaled = list(scaled_scores(totals))
    else:
        scaled = [None] * len(entries)
    rows: list[ResultRow] = []
    for entry, place, scaled_score in zip(entries, ranks, scaled, strict=True):
        medal = medal_for(place, len(entries), min_competitors_for_medals)
        rows.append(
            ResultRow(
                rank=place,
                competitor_id=entry.competitor_id,
                full_name=entry.full_name,
                organisation_id=entry.organisation_id,
                region=entry.region,
                total=entry.total,
                scaled_score=scaled_score,
                medal=medal,
                medallion=earns_medallion(kind, medal, entry.total, scaled_score),
                criteria=dict(entry.criteria),
            )
        )
    rows.sort(key=lambda row: (row.rank, row.full_name.casefold(), row.competitor_id))
    return rows


# --------------------------------------------------------------------------- medal table


class MedalInput(msgspec.Struct, frozen=True):
    """One result row of a published competition, as the medal table needs it."""

    organisation_id: UUID
    region: str
    medal: Medal | None
    medallion: bool


class MedalCount(msgspec.Struct):
    """One line of a medal table; ``key`` is the organisation id as str, or the region."""

    key: str
    gold: int = 0
    silver: int = 0
    bronze: int = 0
    medallions: int = 0
    points: int = 0


def _medal_table(
    rows: Iterable[MedalInput], key_of: Callable[[MedalInput], str]
) -> list[MedalCount]:
    counts: dict[str, MedalCount] = {}
    for row in rows:
        if row.medal is None and not row.medallion:
            continue
        key = key_of(row)
        count = counts.get(key)
        if count is None:
            count = counts[key] = MedalCount(key=key)
        if row.medal == Medal.GOLD:
            count.gold += 1
        elif row.medal == Medal.SILVER:
            count.silver += 1
        elif row.medal == Medal.BRONZE:
            count.bronze += 1
        if row.medallion:
            count.medallions += 1
    for count in counts.values():
        count.points = (
            MEDAL_POINTS[Medal.GOLD] * count.gold
            + MEDAL_POINTS[Medal.SILVER] * count.silver
            + MEDAL_POINTS[Medal.BRONZE] * count.bronze
            + MEDALLION_POINTS * count.medallions
        )
    return sorted(
        counts.values(),
        key=lambda c: (-c.points, -c.gold, -c.silver, -c.bronze, c.key),
    )


def medal_table_by_organisation(rows: Iterable[MedalInput]) -> list[MedalCount]:
    """Medal table keyed by organisation id (as str)."""
    return _medal_table(rows, lambda row: str(row.organisation_id))


def medal_table_by_region(rows: Iterable[MedalInput]) -> list[MedalCount]:
    """Medal table keyed by region."""
    return _medal_table(rows, lambda row: row.region)


# --------------------------------------------------------------------------- best of region


class BestInput(msgspec.Struct, frozen=True):
    """One result row; ``score`` is the scaled score (WorldSkills) or the total (others).
    The winners ``best_of_region`` answers are some of the rows it is given."""

    region: str
    competitor_id: UUID
    full_name: str
    score: Decimal


#: a winner of best-of-region: one of its input rows
BestOfRegion = BestInput


def best_of_region(rows: Iterable[BestInput]) -> list[BestOfRegion]:
    """For each region the competitor(s) with the highest score; all tied share it.

    A competitor with several rows in a region counts once, with their best row.  Sorted
    by region, then full name (casefolded), then competitor id.
    """
    best_row: dict[tuple[str, UUID], BestInput] = {}
    for row in rows:
        key = (row.region, row.competitor_id)
        current = best_row.get(key)
        if current is None or row.score > current.score:
            best_row[key] = row
    top: dict[str, Decimal] = {}
    for row in best_row.values():
        if row.region not in top or row.score > top[row.region]:
            top[row.region] = row.score
    winners = [row for row in best_row.values() if row.score == top[row.region]]
    winners.sort(key=lambda w: (w.region, w.full_name.casefold(), w.full_name, w.competitor_id))
    return winners


def best_score(kind: ChampionshipKind, row: ResultRow) -> Decimal:
    """The score that best-of-region compares: scaled score (WorldSkills) or total."""
    if kind == ChampionshipKind.WORLDSKILLS:
        if row.scaled_score is None:
            raise ValueError("a WorldSkills result row has no scaled score")
        return Decimal(row.scaled_score)
    return row.total


# --------------------------------------------------------------------------- progress


def marks_expected(competitors: int, measurement_aspects: int, judgement_aspects: int) -> int:
    """Marks a competition expects: competitors × (measurement + 3 × judgement)."""
    if min(competitors, measurement_aspects, judgement_aspects) < 0:
        raise ValueError("counts must not be negative")
    return competitors * (measurement_aspects + _JUDGEMENT_SCORES * judgement_aspects)
