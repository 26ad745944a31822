"""Strict values of the domain (issue 13, points 4, 6, 9), property-based where it fits:
``parse_mark`` accepts exactly the language of ``0|[1-9][0-9]*`` with an optional ``.`` and one
or two digits; ``parse_score`` exactly the integers 0-3; ``clean_text`` refuses every
invisible or control character and stores NFC; ``check_award_date`` refuses exactly the days
after today or before the publication."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.events import MAX_NAME, MAX_REASON, MAX_TITLE, checked_text
from domain.ids import clean_text
from domain.prizes import check_award_date
from domain.values import parse_mark, parse_score

#: the contract's language, written independently of ``domain.values.MARK_PATTERN``
CONTRACT = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]{1,2})?", re.ASCII)

#: characters that make near-misses likely: digits of other scripts, signs, separators
TRICKY = "0123456789.+-eE_ ,\u00a0\u0660\u0661\u06f1\u0966\u0967\uff10\uff11\u2212\u200b\n"


def refusal(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)
    return info.value


@given(st.from_regex(CONTRACT, fullmatch=True).filter(lambda t: len(t) <= 12))
def test_every_mark_of_the_contract_is_accepted_as_written(text):
    if Decimal(text) >= 10**9:  # in the language, but beyond any mark
        assert refusal(parse_mark, text).code == "out-of-range"
        return
    value = parse_mark(text)
    assert value == Decimal(text) and value.as_tuple().exponent == -2


@given(st.text(alphabet=TRICKY, max_size=12) | st.text(max_size=12))
@example(" 1.00")
@example("+1.00")
@example("1e0")
@example(".5")
@example("0_1.0_0")
@example("\u0661.\u0660\u0660")
@example("\uff11.\uff10\uff10")
@example("-0.00")
@example("1.")
@example("01")
@example("1.00\n")
def test_a_mark_is_accepted_exactly_when_it_is_in_the_contract(text):
    if CONTRACT.fullmatch(text) and Decimal(text) < 10**9:
        assert parse_mark(text) == Decimal(text)
        return
    error = refusal(parse_mark, text, field="marks[3].value")
    assert error.code == ("out-of-range" if CONTRACT.fullmatch(text) else "invalid-input")
    assert error.message.startswith("marks[3].value: ")
    # refused again, however often it is sent (refusals are never remembered)
    assert refusal(parse_mark, text).code == error.code


@given(st.integers() | st.floats() | st.booleans() | st.none())
def test_a_mark_is_never_a_number_a_boolean_or_nothing(raw):
    assert refusal(parse_mark, raw).code == "invalid-input"


@given(st.decimals(allow_nan=True, allow_infinity=True, places=None))
def test_decimals_from_the_registry_itself_are_checked_the_same_way(raw):
    ok = (
        raw.is_finite()
        and not raw.is_signed()
        and raw < 10**9
        and raw == raw.quantize(Decimal("0.01"))
    )
    if ok:
        assert parse_mark(raw) == raw
    else:
        assert refusal(parse_mark, raw).code in ("invalid-input", "out-of-range")


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_a_judgement_score_is_an_integer_0_to_3(raw):
    if 0 <= raw <= 3:
        assert parse_score(raw) == Decimal(raw)
    else:
        assert refusal(parse_score, raw).code == "out-of-range"


@given(st.floats() | st.booleans() | st.text(max_size=5) | st.none() | st.lists(st.integers()))
@example(3.0)
@example("2")
@example(True)
def test_a_judgement_score_is_never_a_float_a_boolean_or_a_string(raw):
    error = refusal(parse_score, raw, field="marks[1].value")
    assert error.code == "invalid-input" and error.message.startswith("marks[1].value: ")


# ------------------------------------------------------------------ texts

KAZAKH = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
INVISIBLE = st.characters(categories=["Cc", "Cf", "Co", "Cs"]).filter(lambda c: c not in "\t\n\r")


@given(st.text(max_size=20), INVISIBLE, st.text(max_size=20))
def test_a_text_with_an_invisible_or_control_character_is_refused(before, char, after):
    error = refusal(clean_text, before + char + after, "full_name")
    assert error.code == "invalid-input" and error.message.startswith("full_name: ")


@given(st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), max_size=40))
def test_a_visible_text_is_stored_nfc_with_white_space_collapsed(text):
    held = clean_text(text)
    assert held == " ".join(unicodedata.normalize("NFC", text).split())
    assert unicodedata.is_normalized("NFC", held)


def test_kazakh_letters_round_trip_and_decomposed_input_is_composed():
    assert clean_text(f"  {KAZAKH}  Қазақстан ") == f"{KAZAKH} Қазақстан"
    assert clean_text("И\u0306ерке") == "Йерке"
    assert clean_text("Ж\u0131ldyz\tжұлдыз\nаты") == "Ж\u0131ldyz жұлдыз аты"


@pytest.mark.parametrize(
    ("field", "cap"),
    [
        ("full_name", MAX_NAME),
        ("name_ru", MAX_NAME),
        ("title_kk", MAX_TITLE),
        ("aspects[2].description", MAX_TITLE),
        ("reason", MAX_REASON),
        ("citation", MAX_REASON),
    ],
)
def test_lengths_are_capped_by_field(field, cap):
    assert checked_text("ә" * cap, field) == "ә" * cap
    error = refusal(checked_text, "ә" * (cap + 1), field)
    assert error.message == f"{field}: longer than {cap} characters"


# ------------------------------------------------------------------ award dates


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2100, 1, 1)),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(min_value=0, max_value=400),
)
def test_an_award_is_dated_from_the_publication_to_today(awarded_on, published_on, days):
    today = published_on + timedelta(days=days)
    if published_on <= awarded_on <= today:
        check_award_date(awarded_on, today=today, published_on=published_on)
    else:
        error = refusal(check_award_date, awarded_on, today=today, published_on=published_on)
        assert error.code == "invalid-input" and error.message.startswith("awarded_on: ")
