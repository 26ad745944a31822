"""Tests of the pure scoring rules (RULES.md "Marking scheme", "Entering marks", "Results").

Every expected value is worked out by hand in a comment next to it; none is produced by
the code under test.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.scoring import (
    MEDAL_POINTS,
    MEDALLION_POINTS,
    SCALED_SCORE_FORMULA,
    SCALED_SCORE_FORMULA_VERSION,
    BestInput,
    BestOfRegion,
    MedalCount,
    MedalInput,
    ResultInput,
    ResultRow,
    best_of_region,
    best_score,
    check_scheme,
    competitor_total,
    compute_results,
    criterion_subtotals,
    earns_medallion,
    is_disputed,
    judgement_mark,
    marks_expected,
    medal_for,
    medal_table_by_organisation,
    medal_table_by_region,
    median,
    rank,
    scaled_scores,
)
from domain.values import Aspect, AspectType, ChampionshipKind, Medal

D = Decimal
WS = ChampionshipKind.WORLDSKILLS
AGRO = ChampionshipKind.AGROSKILLS
ABIL = ChampionshipKind.ABILYMPICS
M = AspectType.MEASUREMENT
J = AspectType.JUDGEMENT
GOLD, SILVER, BRONZE = Medal.GOLD, Medal.SILVER, Medal.BRONZE

FAST = settings(max_examples=200, deadline=None)


def uid(n: int) -> UUID:
    return UUID(int=n)


def aspect(
    id: str = "A1",
    max_mark: str | Decimal = "100.00",
    *,
    criterion: str = "A",
    description: str = "Dimensions within tolerance",
    type: AspectType = M,
) -> Aspect:
    mark = max_mark if isinstance(max_mark, Decimal) else D(max_mark)
    return Aspect(id=id, criterion=criterion, description=description, max_mark=mark, type=type)


def refused(code: str, aspects: list[Aspect]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        check_scheme(aspects)
    assert caught.value.code == code
    return caught.value


# --------------------------------------------------------------------------- constants


def test_constants() -> None:
    assert SCALED_SCORE_FORMULA == "ws-median-mad"
    assert SCALED_SCORE_FORMULA_VERSION == 1
    assert MEDAL_POINTS == {GOLD: 4, SILVER: 3, BRONZE: 2}
    assert MEDALLION_POINTS == 1


# --------------------------------------------------------------------------- scheme


def test_scheme_of_exactly_100_is_accepted() -> None:
    # 30.00 + 20.50 + 49.50 = 100.00
    check_scheme(
        [
            aspect("A1", "30.00"),
            aspect("A2", "20.50", type=J),
            aspect("B1", "49.50", criterion="B"),
        ]
    )


def test_single_aspect_and_many_small_aspects_are_accepted() -> None:
    check_scheme([aspect("A1", "100.00")])
    # 3 x 33.33 = 99.99; + 0.01 = 100.00; criteria A, B, C, AA
    check_scheme(
        [
            aspect("A1", "33.33"),
            aspect("B1", "33.33", criterion="B"),
            aspect("C1", "33.33", criterion="C"),
            aspect("AA1", "0.01", criterion="AA"),
        ]
    )


def test_scheme_total_99_99_is_refused() -> None:
    # 30.00 + 20.50 + 49.49 = 99.99
    error = refused(
        "scheme-total",
        [aspect("A1", "30.00"), aspect("A2", "20.50"), aspect("B1", "49.49", criterion="B")],
    )
    assert "99.99" in error.message
    assert "100.00" in error.message
    assert error.status == 422


def test_scheme_total_100_01_is_refused() -> None:
    # 30.00 + 20.50 + 49.51 = 100.01
    error = refused(
        "scheme-total",
        [aspect("A1", "30.00"), aspect("A2", "20.50"), aspect("B1", "49.51", criterion="B")],
    )
    assert "100.01" in error.message


def test_scheme_total_with_whole_numbers_is_shown_with_two_places() -> None:
    # 50 + 40 = 90 -> shown as 90.00
    error = refused("scheme-total", [aspect("A1", D(50)), aspect("A2", D(40))])
    assert "90.00" in error.message


def test_empty_scheme_is_refused() -> None:
    refused("invalid-scheme", [])


def test_duplicate_aspect_ids_are_refused() -> None:
    # 50.00 + 50.00 = 100.00, so only the duplicate can be the reason
    error = refused("invalid-scheme", [aspect("A1", "50.00"), aspect("A1", "50.00")])
    assert "A1" in error.message


@pytest.mark.parametrize("bad_id", ["", "   ", "\t"])
def test_blank_aspect_id_is_refused(bad_id: str) -> None:
    refused("invalid-scheme", [aspect(bad_id, "100.00")])


@pytest.mark.parametrize("description", ["", "  "])
def test_blank_description_is_refused(description: str) -> None:
    refused("invalid-scheme", [aspect("A1", "100.00", description=description)])


@pytest.mark.parametrize(
    "criterion",
    ["", " ", "a", "Ab", "ABCD", "A1", "1", "\u0410", "\u00c4", "A ", " A", "A\n", "A-B"],
)
def test_bad_criterion_is_refused(criterion: str) -> None:
    # "\u0410" is the Cyrillic A, "\u00c4" is A with diaeresis: not Latin A-Z
    refused("invalid-scheme", [aspect("A1", "100.00", criterion=criterion)])


@pytest.mark.parametrize("criterion", ["A", "Z", "AA", "ZZZ", "ABC"])
def test_good_criteria_are_accepted(criterion: str) -> None:
    check_scheme([aspect("X1", "100.00", criterion=criterion)])


@pytest.mark.parametrize(
    "max_mark",
    [
        D("0"),
        D("0.00"),
        D("-5.00"),
        D("-0.01"),
        D("10.555"),
        D("0.001"),
        D("NaN"),
        D("Infinity"),
        D("-Infinity"),
    ],
)
def test_bad_max_mark_is_refused(max_mark: Decimal) -> None:
    # the other aspect makes the sum irrelevant: the aspect check comes first
    refused("invalid-scheme", [aspect("A1", max_mark), aspect("A2", "100.00")])


def test_float_max_mark_is_refused() -> None:
    bad = Aspect(id="A1", criterion="A", description="d", max_mark=100.0, type=M)  # type: ignore[arg-type]
    refused("invalid-scheme", [bad])


def test_unknown_aspect_type_is_refused() -> None:
    bad = Aspect(id="A1", criterion="A", description="d", max_mark=D("100.00"), type="vote")  # type: ignore[arg-type]
    refused("invalid-scheme", [bad])


def test_max_mark_with_trailing_zero_third_place_is_two_places() -> None:
    # 50.000 is 50.00 (like parse_mark accepts "7.500"); 50.000 + 50.00 = 100.00
    check_scheme([aspect("A1", "50.000"), aspect("A2", "50.00")])


# --------------------------------------------------------------------------- judgement


@pytest.mark.parametrize(
    ("max_mark", "scores", "expected"),
    [
        ("10.00", [2, 2, 3], "7.78"),  # 10 * 7 / 9 = 7.777... -> 7.78
        ("10.00", [1, 1, 2], "4.44"),  # 10 * 4 / 9 = 4.444... -> 4.44
        ("10.00", [0, 0, 0], "0.00"),  # 10 * 0 / 9 = 0
        ("10.00", [3, 3, 3], "10.00"),  # 10 * 9 / 9 = 10 = max
        ("7.50", [3, 3, 3], "7.50"),  # 7.5 * 9 / 9 = 7.5 = max
        ("10.00", [1, 2, 3], "6.67"),  # 10 * 6 / 9 = 6.666... -> 6.67
        ("33.33", [2, 2, 1], "18.52"),  # 33.33 * 5 / 9 = 166.65 / 9 = 18.5166... -> 18.52
        ("33.33", [1, 1, 1], "11.11"),  # 33.33 * 3 / 9 = 11.11 exactly
        ("0.01", [1, 0, 0], "0.00"),  # 0.01 * 1 / 9 = 0.00111... -> 0.00
        ("0.05", [3, 3, 2], "0.04"),  # 0.05 * 8 / 9 = 0.0444... -> 0.04
        ("4.50", [0, 1, 0], "0.50"),  # 4.5 * 1 / 9 = 0.5 exactly
        # half-up, not half-even: 1.125 * 9 / 9 = 1.125 -> 1.13 (half-even would give 1.12)
        ("1.125", [3, 3, 3], "1.13"),
    ],
)
def test_judgement_mark(max_mark: str, scores: list[int], expected: str) -> None:
    mark = judgement_mark(D(max_mark), scores)
    assert mark == D(expected)
    assert str(mark) == expected  # exactly two places


def test_judgement_mark_is_independent_of_score_order() -> None:
    # 10 * (3 + 2 + 2) / 9 = 7.777... -> 7.78 in every order
    for scores in ([2, 2, 3], [2, 3, 2], [3, 2, 2]):
        assert judgement_mark(D("10.00"), scores) == D("7.78")


def test_judgement_mark_accepts_integral_decimal_scores() -> None:
    # as stored in MarkValue.value: 10 * (2 + 2 + 3) / 9 -> 7.78
    assert judgement_mark(D("10.00"), [D("2"), D("2"), D("3")]) == D("7.78")  # type: ignore[list-item]


@pytest.mark.parametrize(
    "scores",
    [[], [1], [1, 2], [1, 2, 3, 0], [0, 0, 0, 0]],
)
def test_judgement_mark_needs_exactly_three_scores(scores: list[int]) -> None:
    with pytest.raises(ValueError):
        judgement_mark(D("10.00"), scores)


@pytest.mark.parametrize(
    "scores",
    [[1, 2, 4], [4, 4, 4], [-1, 0, 0], [True, 1, 1], [1.0, 1, 1], ["1", 1, 1], [D("1.5"), 1, 1]],
)
def test_judgement_mark_refuses_bad_scores(scores: list[int]) -> None:
    with pytest.raises(ValueError):
        judgement_mark(D("10.00"), scores)


@pytest.mark.parametrize(
    ("scores", "disputed"),
    [
        ([0, 2], True),  # 2 - 0 = 2 > 1
        ([1, 2], False),  # 2 - 1 = 1, not > 1
        ([0, 1, 2], True),  # 2 - 0 = 2
        ([3, 3, 1], True),  # 3 - 1 = 2
        ([0, 3, 3], True),  # 3 - 0 = 3
        ([1, 2, 2], False),  # 2 - 1 = 1
        ([2, 2, 2], False),  # 0
        ([2, 3, 3], False),  # 1
        ([0], False),  # fewer than two scores: nothing to compare
        ([], False),
    ],
)
def test_is_disputed(scores: list[int], disputed: bool) -> None:
    assert is_disputed(scores) is disputed


# --------------------------------------------------------------------------- totals


def test_competitor_total() -> None:
    # 7.78 + 4.44 + 10.00 + 0.01 = 22.23
    total = competitor_total([D("7.78"), D("4.44"), D("10.00"), D("0.01")])
    assert total == D("22.23")
    assert str(total) == "22.23"


def test_competitor_total_of_nothing_is_zero_with_two_places() -> None:
    assert str(competitor_total([])) == "0.00"


def test_competitor_total_accepts_a_generator_and_keeps_two_places() -> None:
    # 50 + 50 = 100 -> "100.00"
    assert str(competitor_total(d for d in (D(50), D(50)))) == "100.00"


def test_competitor_total_is_exact_for_many_marks() -> None:
    # 10 000 marks of 0.01 = 100.00 (no float drift)
    assert competitor_total([D("0.01")] * 10_000) == D("100.00")


def test_criterion_subtotals() -> None:
    marks = {"A1": D("5.00"), "A2": D("2.50"), "B1": D("7.78"), "AA1": D("1.01")}
    criterion_of = {"B1": "B", "A1": "A", "C1": "C", "A2": "A", "AA1": "AA", "Z1": "Z"}
    subtotals = criterion_subtotals(marks, criterion_of)
    # A: 5.00 + 2.50 = 7.50; B: 7.78; C: no mark -> 0.00; Z: 0.00; AA: 1.01
    assert subtotals == {
        "A": D("7.50"),
        "B": D("7.78"),
        "C": D("0.00"),
        "Z": D("0.00"),
        "AA": D("1.01"),
    }
    assert list(subtotals) == ["A", "B", "C", "Z", "AA"]  # Z before AA, like columns
    assert str(subtotals["C"]) == "0.00"


def test_criterion_subtotals_refuses_a_mark_of_an_unknown_aspect() -> None:
    with pytest.raises(ValueError):
        criterion_subtotals({"X9": D("1.00")}, {"A1": "A"})


# --------------------------------------------------------------------------- ranking


def totals(*values: str) -> list[Decimal]:
    return [D(v) for v in values]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((), []),
        (("50.00",), [1]),
        (("90.00", "80.00", "90.00"), [1, 3, 1]),  # two at 90 share 1, 80 is 1 + 2 = 3
        (("70.00", "70.00", "70.00", "60.00"), [1, 1, 1, 4]),  # 60 is 1 + 3 = 4
        (("90.00", "89.99"), [1, 2]),  # default tolerance 0.00: 0.01 apart is no tie
        (("10.00", "20.00", "30.00"), [3, 2, 1]),
        (("80.0", "80.00", "79.99"), [1, 1, 3]),  # 80.0 == 80.00 as numbers
        (("0.00", "0.00"), [1, 1]),
    ],
)
def test_rank(values: tuple[str, ...], expected: list[int]) -> None:
    assert rank(totals(*values)) == expected


@pytest.mark.parametrize(
    ("values", "tolerance", "expected"),
    [
        # anchored at 90.00: 90.00 - 89.60 = 0.40 <= 0.50 -> 1; 90.00 - 89.20 = 0.80 > 0.50
        # -> new group, rank 1 + 2 = 3 (not chained through 89.60, 89.60 - 89.20 = 0.40)
        (("90.00", "89.60", "89.20"), "0.50", [1, 1, 3]),
        # 89.20 anchors a new group; 89.20 - 88.80 = 0.40 -> 3
        (("90.00", "89.60", "89.20", "88.80"), "0.50", [1, 1, 3, 3]),
        # difference exactly equal to the tolerance is a tie: 90.00 - 89.50 = 0.50
        (("90.00", "89.50"), "0.50", [1, 1]),
        # 90.00 - 89.49 = 0.51 > 0.50
        (("90.00", "89.49"), "0.50", [1, 2]),
        # input in another order gives each value the same rank
        (("89.20", "90.00", "89.60"), "0.50", [3, 1, 1]),
        # 0.01 tolerance: 80.00 - 79.99 = 0.01 -> tie; 80.00 - 79.98 = 0.02 -> rank 3
        (("80.00", "79.99", "79.98"), "0.01", [1, 1, 3]),
    ],
)
def test_rank_with_tolerance(values: tuple[str, ...], tolerance: str, expected: list[int]) -> None:
    assert rank(totals(*values), D(tolerance)) == expected


def test_tolerance_ties_are_independent_of_input_order() -> None:
    # 90.00 -> 1, 89.60 -> 1 (0.40 <= 0.50), 89.20 -> 3 (0.80 > 0.50), in every order
    expected = {D("90.00"): 1, D("89.60"): 1, D("89.20"): 3}
    orders = [
        ["90.00", "89.60", "89.20"],
        ["90.00", "89.20", "89.60"],
        ["89.60", "90.00", "89.20"],
        ["89.60", "89.20", "90.00"],
        ["89.20", "90.00", "89.60"],
        ["89.20", "89.60", "90.00"],
    ]
    for order in orders:
        values = totals(*order)
        assert rank(values, D("0.50")) == [expected[v] for v in values]


@pytest.mark.parametrize("tolerance", [D("-0.01"), D("NaN"), D("Infinity")])
def test_rank_refuses_a_bad_tolerance(tolerance: Decimal) -> None:
    with pytest.raises(ValueError):
        rank(totals("1.00", "2.00"), tolerance)


# --------------------------------------------------------------------------- medals


@pytest.mark.parametrize(
    ("place", "competitors", "expected"),
    [
        (1, 3, GOLD),
        (2, 3, SILVER),
        (3, 3, BRONZE),
        (4, 10, None),
        (10, 10, None),
        (1, 2, None),  # 2 competitors < 3: no medals
        (1, 0, None),
        (1, 1, None),
    ],
)
def test_medal_for(place: int, competitors: int, expected: Medal | None) -> None:
    assert medal_for(place, competitors) == expected


def test_two_golds_mean_no_silver_and_rank_three_is_bronze() -> None:
    # totals 90, 90, 80 -> ranks 1, 1, 3 -> gold, gold, bronze; nobody has rank 2
    ranks = rank(totals("90.00", "90.00", "80.00"))
    assert ranks == [1, 1, 3]
    assert [medal_for(r, 3) for r in ranks] == [GOLD, GOLD, BRONZE]


def test_three_golds_mean_no_silver_and_no_bronze() -> None:
    # 4 competitors at 70, 70, 70, 60 -> 1, 1, 1, 4 -> gold x3, nothing
    ranks = rank(totals("70.00", "70.00", "70.00", "60.00"))
    assert [medal_for(r, 4) for r in ranks] == [GOLD, GOLD, GOLD, None]


def test_min_competitors_for_medals_is_a_setting() -> None:
    assert medal_for(1, 4, min_competitors_for_medals=5) is None
    assert medal_for(1, 5, min_competitors_for_medals=5) == GOLD
    assert medal_for(1, 1, min_competitors_for_medals=1) == GOLD


def test_medal_for_refuses_rank_zero() -> None:
    with pytest.raises(ValueError):
        medal_for(0, 5)


# --------------------------------------------------------------------------- median


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("3",), "3"),
        (("5", "1", "3"), "3"),  # sorted 1, 3, 5
        (("1", "2", "3", "4"), "2.5"),  # (2 + 3) / 2
        (("90.00", "80.00"), "85.00"),  # (80 + 90) / 2
        (("80.00", "80.01"), "80.005"),  # (80.00 + 80.01) / 2, exact, not rounded
        (("4", "1", "3", "2"), "2.5"),  # unsorted input
        (("7.00", "7.00", "7.00", "9.00"), "7.00"),  # (7 + 7) / 2
    ],
)
def test_median(values: tuple[str, ...], expected: str) -> None:
    assert median(totals(*values)) == D(expected)


def test_median_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        median([])


# --------------------------------------------------------------------------- scaled score


def test_scaled_scores_with_non_trivial_mad() -> None:
    # totals 60, 70, 80, 90, 100: median 80; |t - 80| = 20, 10, 0, 10, 20 -> sorted
    # 0, 10, 10, 20, 20 -> MAD 10; s = 1.4826 * 10 = 14.826.
    # 60:  700 + 20 * (-20) / 14.826 = 700 - 26.9796 = 673.02 -> 673
    # 70:  700 + 20 * (-10) / 14.826 = 700 - 13.4898 = 686.51 -> 687
    # 80:  700
    # 90:  700 + 13.4898 = 713.49 -> 713
    # 100: 700 + 26.9796 = 726.98 -> 727
    assert scaled_scores(totals("60.00", "70.00", "80.00", "90.00", "100.00")) == [
        673,
        687,
        700,
        713,
        727,
    ]


def test_scaled_scores_keep_input_order() -> None:
    # same numbers as above, shuffled
    assert scaled_scores(totals("90.00", "60.00", "100.00", "80.00", "70.00")) == [
        713,
        673,
        727,
        700,
        687,
    ]


def test_scaled_scores_with_an_even_count() -> None:
    # totals 60, 70, 80, 90: median (70 + 80) / 2 = 75; |t - 75| = 15, 5, 5, 15 ->
    # MAD (5 + 15) / 2 = 10; s = 14.826.
    # 60: 700 - 20 * 15 / 14.826 = 700 - 300 / 14.826 = 700 - 20.2347 = 679.77 -> 680
    # 70: 700 - 20 * 5 / 14.826  = 700 - 100 / 14.826 = 700 - 6.7449  = 693.26 -> 693
    # 80: 700 + 6.7449  = 706.74 -> 707
    # 90: 700 + 20.2347 = 720.23 -> 720
    assert scaled_scores(totals("60.00", "70.00", "80.00", "90.00")) == [680, 693, 707, 720]


def test_scaled_scores_with_mad_zero_use_s_one() -> None:
    # totals 80, 80, 80, 90: median (80 + 80) / 2 = 80; |t - 80| = 0, 0, 0, 10 -> MAD 0
    # -> s = 1; 90: 700 + 20 * 10 / 1 = 900
    assert scaled_scores(totals("80.00", "80.00", "80.00", "90.00")) == [700, 700, 700, 900]


def test_scaled_scores_with_mad_zero_small_difference() -> None:
    # totals 80, 80, 80.30: median 80, MAD 0 -> s = 1; 80.30: 700 + 20 * 0.30 = 706
    assert scaled_scores(totals("80.00", "80.00", "80.30")) == [700, 700, 706]


def test_scaled_scores_all_equal() -> None:
    # median 55.55, every deviation 0 -> MAD 0 -> s = 1 -> 700 each
    assert scaled_scores(totals("55.55", "55.55", "55.55")) == [700, 700, 700]


def test_scaled_scores_with_fewer_than_three_competitors_use_s_one() -> None:
    # two: median (60 + 80) / 2 = 70; s = 1 (fewer than 3, even though MAD would be 10)
    # 80: 700 + 20 * 10 = 900; 60: 700 - 20 * 10 = 500
    assert scaled_scores(totals("80.00", "60.00")) == [900, 500]
    # one: median = own total -> 700
    assert scaled_scores(totals("55.55")) == [700]
    assert scaled_scores([]) == []


def test_scaled_scores_are_clamped() -> None:
    # totals 50, 50, 50, 90, 10: median 50; |t - 50| = 0, 0, 0, 40, 40 -> MAD 0 -> s = 1
    # 90: 700 + 20 * 40 = 1500 -> 1000; 10: 700 - 20 * 40 = -100 -> 0
    assert scaled_scores(totals("50.00", "50.00", "50.00", "90.00", "10.00")) == [
        700,
        700,
        700,
        1000,
        0,
    ]


def test_scaled_scores_clamp_with_two_competitors() -> None:
    # median (100 + 0) / 2 = 50, s = 1: 700 + 20 * 50 = 1700 -> 1000; 700 - 1000 = -300 -> 0
    assert scaled_scores(totals("100.00", "0.00")) == [1000, 0]


def test_scaled_scores_round_half_up() -> None:
    # two competitors: median (80.00 + 80.05) / 2 = 80.025, s = 1
    # 80.05: 700 + 20 * 0.025 = 700.5 -> 701 (half-even would give 700)
    # 80.00: 700 - 20 * 0.025 = 699.5 -> 700
    assert scaled_scores(totals("80.00", "80.05")) == [700, 701]


# --------------------------------------------------------------------------- medallion


@pytest.mark.parametrize(
    ("kind", "medal", "total", "scaled", "expected"),
    [
        (WS, None, "50.00", 700, True),  # WS: scaled 700 without medal
        (WS, None, "95.00", 699, False),  # WS: the total does not count, scaled 699 < 700
        (WS, None, "10.00", 1000, True),
        (WS, GOLD, "99.00", 900, False),  # has a medal
        (WS, BRONZE, "80.00", 710, False),
        (AGRO, None, "70.00", None, True),  # others: 70.00 or more
        (AGRO, None, "69.99", None, False),
        (ABIL, None, "70.00", None, True),
        (ABIL, None, "69.99", 900, False),  # a scaled score is ignored for other kinds
        (ABIL, None, "100.00", None, True),
        (ABIL, SILVER, "95.00", None, False),
        (AGRO, BRONZE, "70.00", None, False),
    ],
)
def test_earns_medallion(
    kind: ChampionshipKind, medal: Medal | None, total: str, scaled: int | None, expected: bool
) -> None:
    assert earns_medallion(kind, medal, D(total), scaled) is expected


def test_worldskills_medallion_needs_a_scaled_score() -> None:
    with pytest.raises(ValueError):
        earns_medallion(WS, None, D("90.00"), None)


# --------------------------------------------------------------------------- results


def entry(n: int, name: str, total: str, *, org: int = 100, region: str = "VKO") -> ResultInput:
    return ResultInput(
        competitor_id=uid(n),
        full_name=name,
        organisation_id=uid(org),
        region=region,
        total=D(total),
        criteria={"A": D(total)},
    )


def test_compute_results_worldskills() -> None:
    names = ["Aigerim", "Bolat", "Chingiz", "Dana", "Erlan", "Farida", "Gulnar"]
    values = ["85.00", "100.00", "50.00", "90.00", "60.00", "95.00", "80.00"]
    entries = [entry(i + 1, names[i], values[i], org=200 + i) for i in range(7)]
    rows = compute_results(entries, kind=WS)
    # sorted: 100, 95, 90, 85, 80, 60, 50 -> median 85;
    # |t - 85| = 15, 10, 5, 0, 5, 25, 35 -> sorted 0, 5, 5, 10, 15, 25, 35 -> MAD 10
    # s = 14.826:
    #   100: 700 + 300 / 14.826 = 700 + 20.2347 = 720.23 -> 720   rank 1 gold
    #    95: 700 + 200 / 14.826 = 700 + 13.4898 = 713.49 -> 713   rank 2 silver
    #    90: 700 + 100 / 14.826 = 700 +  6.7449 = 706.74 -> 707   rank 3 bronze
    #    85: 700                                          -> 700   rank 4, medallion
    #    80: 700 - 6.7449 = 693.26 -> 693                          rank 5, no medallion
    #    60: 700 - 500 / 14.826 = 700 - 33.7245 = 666.28 -> 666    rank 6
    #    50: 700 - 700 / 14.826 = 700 - 47.2143 = 652.79 -> 653    rank 7
    expected = [
        (1, "Bolat", "100.00", 720, GOLD, False),
        (2, "Farida", "95.00", 713, SILVER, False),
        (3, "Dana", "90.00", 707, BRONZE, False),
        (4, "Aigerim", "85.00", 700, None, True),
        (5, "Gulnar", "80.00", 693, None, False),
        (6, "Erlan", "60.00", 666, None, False),
        (7, "Chingiz", "50.00", 653, None, False),
    ]
    assert [
        (r.rank, r.full_name, str(r.total), r.scaled_score, r.medal, r.medallion) for r in rows
    ] == expected
    bolat = rows[0]
    assert bolat == ResultRow(
        rank=1,
        competitor_id=uid(2),
        full_name="Bolat",
        organisation_id=uid(201),
        region="VKO",
        total=D("100.00"),
        scaled_score=720,
        medal=GOLD,
        medallion=False,
        criteria={"A": D("100.00")},
    )


def test_compute_results_other_kind_ties_and_display_order() -> None:
    entries = [
        entry(1, "boris", "80.00"),
        entry(2, "Anna", "80.00"),
        entry(3, "Carl", "70.00"),
        entry(4, "dina", "69.99"),
        entry(5, "Ed", "72.00"),
    ]
    rows = compute_results(entries, kind=AGRO)
    # desc: 80, 80, 72, 70, 69.99 -> ranks 1, 1, 3, 4, 5; Anna before boris (casefold)
    # medals gold, gold, bronze (no silver); Carl 70.00 -> medallion, dina 69.99 -> none
    assert [(r.rank, r.full_name, r.medal, r.medallion, r.scaled_score) for r in rows] == [
        (1, "Anna", GOLD, False, None),
        (1, "boris", GOLD, False, None),
        (3, "Ed", BRONZE, False, None),
        (4, "Carl", None, True, None),
        (5, "dina", None, False, None),
    ]


def test_compute_results_same_name_same_rank_by_competitor_id() -> None:
    entries = [entry(9, "Same Name", "50.00"), entry(3, "same name", "50.00")]
    rows = compute_results(entries, kind=ABIL, min_competitors_for_medals=1)
    # both rank 1, same casefolded name -> id 3 before id 9; both gold (min 1)
    assert [(r.rank, r.competitor_id, r.medal) for r in rows] == [
        (1, uid(3), GOLD),
        (1, uid(9), GOLD),
    ]


def test_compute_results_with_tolerance() -> None:
    entries = [entry(1, "A", "89.20"), entry(2, "B", "90.00"), entry(3, "C", "89.60")]
    rows = compute_results(entries, kind=ABIL, tie_tolerance=D("0.50"))
    # 90.00 - 89.60 = 0.40 <= 0.50 -> 1; 90.00 - 89.20 = 0.80 -> 3
    assert [(r.full_name, r.rank, r.medal) for r in rows] == [
        ("B", 1, GOLD),
        ("C", 1, GOLD),
        ("A", 3, BRONZE),
    ]


def test_compute_results_with_fewer_competitors_than_min_awards_no_medals() -> None:
    rows = compute_results([entry(1, "A", "80.00"), entry(2, "B", "60.00")], kind=WS)
    # 2 < 3: no medals; fewer than 3 -> s = 1, median 70: 900 and 500
    # without a medal, 900 >= 700 earns the medallion
    assert [(r.rank, r.medal, r.scaled_score, r.medallion) for r in rows] == [
        (1, None, 900, True),
        (2, None, 500, False),
    ]


def test_compute_results_min_competitors_setting() -> None:
    entries = [entry(i, f"N{i}", f"{90 - i}.00") for i in range(1, 5)]
    rows = compute_results(entries, kind=AGRO, min_competitors_for_medals=5)
    # 4 < 5: nobody gets a medal; 89, 88, 87, 86 >= 70 -> all medallions
    assert [(r.rank, r.medal, r.medallion) for r in rows] == [
        (1, None, True),
        (2, None, True),
        (3, None, True),
        (4, None, True),
    ]


def test_compute_results_empty_and_duplicates() -> None:
    assert compute_results([], kind=WS) == []
    with pytest.raises(ValueError):
        compute_results([entry(1, "A", "1.00"), entry(1, "A", "2.00")], kind=AGRO)


# --------------------------------------------------------------------------- medal table


def won(org: int, medal: Medal | None = None, medallion: bool = False, region: str = "VKO"):
    return MedalInput(organisation_id=uid(org), region=region, medal=medal, medallion=medallion)


def test_medal_table_by_organisation_order() -> None:
    rows = [
        won(9, GOLD),  # org 9: g1 = 4
        won(8, SILVER),
        won(8, medallion=True),  # org 8: s1 m1 = 3 + 1 = 4
        won(7, BRONZE),
        won(7, BRONZE),  # org 7: b2 = 2 + 2 = 4
        won(6, BRONZE),
        won(6, medallion=True),
        won(6, medallion=True),  # org 6: b1 m2 = 2 + 1 + 1 = 4
        *[won(5, medallion=True) for _ in range(4)],  # org 5: m4 = 4
        won(1, GOLD),
        won(1, GOLD),  # org 1: g2 = 8
        won(3, BRONZE),  # org 3: b1 = 2
        won(2, BRONZE),  # org 2: b1 = 2
        won(4),
        won(4),  # org 4: nothing -> not listed
    ]
    table = medal_table_by_organisation(rows)
    # 8 points first; among the 4-point ones gold, then silver, then bronze decide
    # (9: g1; 8: s1; 7: b2; 6: b1; 5: only medallions); 2 and 3 tie -> key ascending
    assert table == [
        MedalCount(key=str(uid(1)), gold=2, points=8),
        MedalCount(key=str(uid(9)), gold=1, points=4),
        MedalCount(key=str(uid(8)), silver=1, medallions=1, points=4),
        MedalCount(key=str(uid(7)), bronze=2, points=4),
        MedalCount(key=str(uid(6)), bronze=1, medallions=2, points=4),
        MedalCount(key=str(uid(5)), medallions=4, points=4),
        MedalCount(key=str(uid(2)), bronze=1, points=2),
        MedalCount(key=str(uid(3)), bronze=1, points=2),
    ]
    assert table[0].key == "00000000-0000-0000-0000-000000000001"


def test_medal_table_by_region() -> None:
    rows = [
        won(1, GOLD, region="VKO"),
        won(2, medallion=True, region="VKO"),  # VKO: g1 m1 = 5
        won(3, SILVER, region="Almaty"),
        won(4, SILVER, region="Almaty"),  # Almaty: s2 = 6
        won(5, GOLD, region="Turkestan"),  # Turkestan: g1 = 4
        won(6, BRONZE, region="Pavlodar"),
        won(7, BRONZE, region="Pavlodar"),  # Pavlodar: b2 = 4, no gold -> after Turkestan
        won(8, BRONZE, region="Zhetysu"),  # Zhetysu: b1 = 2
        won(9, BRONZE, region="Karaganda"),  # Karaganda: b1 = 2 -> before Zhetysu by key
        won(10, region="Abai"),  # nothing -> not listed
    ]
    assert medal_table_by_region(rows) == [
        MedalCount(key="Almaty", silver=2, points=6),
        MedalCount(key="VKO", gold=1, medallions=1, points=5),
        MedalCount(key="Turkestan", gold=1, points=4),
        MedalCount(key="Pavlodar", bronze=2, points=4),
        MedalCount(key="Karaganda", bronze=1, points=2),
        MedalCount(key="Zhetysu", bronze=1, points=2),
    ]


def test_medal_table_gold_silver_bronze_tiebreaks_at_equal_points() -> None:
    rows = [
        # X: g1 s1 b1 = 4 + 3 + 2 = 9
        won(1, GOLD, region="X"),
        won(1, SILVER, region="X"),
        won(1, BRONZE, region="X"),
        # W: s3 = 9, no gold -> after X
        *[won(2, SILVER, region="W") for _ in range(3)],
        # V: s1 b3 = 3 + 6 = 9, one silver -> after W
        won(3, SILVER, region="V"),
        *[won(3, BRONZE, region="V") for _ in range(3)],
        # U: s1 b2 m2 = 3 + 4 + 2 = 9, fewer bronzes than V -> after V
        won(4, SILVER, region="U"),
        won(4, BRONZE, region="U"),
        won(4, BRONZE, region="U"),
        won(4, medallion=True, region="U"),
        won(4, medallion=True, region="U"),
    ]
    assert [c.key for c in medal_table_by_region(rows)] == ["X", "W", "V", "U"]
    assert {c.points for c in medal_table_by_region(rows)} == {9}


def test_medal_tables_of_nothing_are_empty() -> None:
    assert medal_table_by_organisation([]) == []
    assert medal_table_by_region(iter([won(1), won(2)])) == []


# --------------------------------------------------------------------------- best of region


def best(region: str, n: int, name: str, score: str) -> BestInput:
    return BestInput(region=region, competitor_id=uid(n), full_name=name, score=D(score))


def test_best_of_region_with_ties_and_another_region() -> None:
    rows = [
        best("VKO", 1, "Anna", "720"),
        best("VKO", 2, "Boris", "735"),
        best("VKO", 3, "Askar", "735"),
        best("VKO", 2, "Boris", "735"),  # Boris again, same score in another competition
        best("VKO", 2, "Boris", "700"),
        best("Almaty", 4, "Dana", "88.50"),
        best("Almaty", 5, "Erlan", "90.00"),
    ]
    # Almaty: 90.00 > 88.50 -> Erlan; VKO: 735 = 735 > 720 -> Askar and Boris (once each)
    assert best_of_region(rows) == [
        BestOfRegion(region="Almaty", competitor_id=uid(5), full_name="Erlan", score=D("90.00")),
        BestOfRegion(region="VKO", competitor_id=uid(3), full_name="Askar", score=D("735")),
        BestOfRegion(region="VKO", competitor_id=uid(2), full_name="Boris", score=D("735")),
    ]


def test_best_of_region_counts_a_competitor_with_their_best_row() -> None:
    rows = [
        best("VKO", 1, "Anna", "600"),
        best("VKO", 2, "Boris", "740"),
        best("VKO", 1, "Anna", "750"),  # Anna's best: 750 > 740
    ]
    assert best_of_region(rows) == [
        BestOfRegion(region="VKO", competitor_id=uid(1), full_name="Anna", score=D("750"))
    ]


def test_best_of_region_of_nothing_is_empty() -> None:
    assert best_of_region([]) == []


def result_row(total: str, scaled: int | None) -> ResultRow:
    return ResultRow(
        rank=1,
        competitor_id=uid(1),
        full_name="A",
        organisation_id=uid(2),
        region="VKO",
        total=D(total),
        scaled_score=scaled,
        medal=None,
        medallion=False,
        criteria={},
    )


def test_best_score() -> None:
    assert best_score(WS, result_row("81.25", 713)) == D(713)
    assert best_score(AGRO, result_row("81.25", None)) == D("81.25")
    assert best_score(ABIL, result_row("81.25", None)) == D("81.25")
    with pytest.raises(ValueError):
        best_score(WS, result_row("81.25", None))


# --------------------------------------------------------------------------- progress


@pytest.mark.parametrize(
    ("competitors", "measurement", "judgement", "expected"),
    [
        (10, 4, 2, 100),  # 10 * (4 + 3 * 2) = 10 * 10
        (7, 5, 0, 35),  # 7 * 5
        (3, 0, 4, 36),  # 3 * (3 * 4)
        (0, 5, 5, 0),
        (12, 0, 0, 0),
    ],
)
def test_marks_expected(competitors: int, measurement: int, judgement: int, expected: int) -> None:
    assert marks_expected(competitors, measurement, judgement) == expected


def test_marks_expected_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        marks_expected(-1, 1, 1)


# --------------------------------------------------------------------------- properties

# totals 0.00..100.00 with two places, built exactly from hundredths (cheaper than st.decimals)
mark_totals = st.lists(
    st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2)),
    max_size=10,
)
# few distinct values, so that ties are frequent
tied_totals = st.lists(st.sampled_from(totals("90.00", "89.60", "89.20", "70.00")), max_size=8)
any_totals = st.one_of(mark_totals, tied_totals)
tolerances = st.sampled_from(totals("0.00", "0.01", "0.10", "0.50", "1.00", "5.00"))


# Each property is a plain function; one hypothesis test drives them all with the same
# generated table (one run of 200 examples instead of four keeps the file fast).


def check_independent_of_input_order(
    values: list[Decimal], tolerance: Decimal, permutation: list[int]
) -> None:
    ranks = rank(values, tolerance)
    shuffled = [values[i] for i in permutation]
    assert rank(shuffled, tolerance) == [ranks[i] for i in permutation]


def check_down_the_table(values: list[Decimal], tolerance: Decimal) -> None:
    ranks = rank(values, tolerance)
    assert len(ranks) == len(values)
    table = sorted(zip(values, ranks, strict=True), key=lambda pair: pair[0], reverse=True)
    for position, (total, place) in enumerate(table):
        assert 1 <= place <= position + 1
        if position:
            previous_total, previous_place = table[position - 1]
            assert place >= previous_place  # never decreases down the table
            if total == previous_total:
                assert place == previous_place  # equal totals always share
        # a rank r is anchored by the competitor at position r - 1, whose own rank is r
        anchor_total, anchor_place = table[place - 1]
        assert anchor_place == place
        assert anchor_total - total <= tolerance
    if table:
        assert table[0][1] == 1


def check_no_tolerance_is_one_plus_those_strictly_above(values: list[Decimal]) -> None:
    assert rank(values) == [1 + sum(other > own for other in values) for own in values]


def check_medals_are_consistent(values: list[Decimal], tolerance: Decimal, minimum: int) -> None:
    n = len(values)
    medals = [medal_for(r, n, minimum) for r in rank(values, tolerance)]
    golds, silvers, bronzes = (medals.count(m) for m in (GOLD, SILVER, BRONZE))
    if n < minimum:
        assert golds == silvers == bronzes == 0
        return
    if n > 0:
        assert golds >= 1
    if golds >= 2:
        assert silvers == 0
    if golds >= 3:
        assert bronzes == 0
    if golds + silvers >= 3:
        assert bronzes == 0
    if silvers:
        assert golds == 1  # rank 2 exists only behind a single rank 1
    if bronzes:
        assert golds + silvers == 2  # rank 3 exists only behind exactly two


@FAST
@given(
    values=any_totals,
    tolerance=tolerances,
    minimum=st.integers(min_value=1, max_value=5),
    data=st.data(),
)
def test_rank_and_medal_properties(
    values: list[Decimal], tolerance: Decimal, minimum: int, data: st.DataObject
) -> None:
    permutation = data.draw(st.permutations(range(len(values))), label="permutation")
    check_independent_of_input_order(values, tolerance, permutation)
    check_down_the_table(values, tolerance)
    check_no_tolerance_is_one_plus_those_strictly_above(values)
    check_medals_are_consistent(values, tolerance, minimum)


@FAST
@given(values=mark_totals)
def test_scaled_scores_are_in_range_and_follow_the_order(values: list[Decimal]) -> None:
    scores = scaled_scores(values)
    assert len(scores) == len(values)
    assert all(0 <= s <= 1000 for s in scores)
    pairs = sorted(zip(values, scores, strict=True))
    for (low_total, low_score), (high_total, high_score) in pairwise(pairs):
        assert low_score <= high_score
        if low_total == high_total:
            assert low_score == high_score
