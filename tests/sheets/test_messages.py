"""A refused file's message in Russian and Kazakh, as the API writes it (the ``problems``
catalog): the place and the phrase naming what the file looks like are filled in."""

from __future__ import annotations

import pytest

from api.i18n import translator
from api.messages import refusal_text
from sheets.reader import SheetRefused, read_tables
from tests.sheets import builders as b


def refusal(data: bytes) -> SheetRefused:
    with pytest.raises(SheetRefused) as caught:
        read_tables(data)
    return caught.value


def test_a_formula_is_named_in_russian_and_kazakh():
    def formula(book, sheet):
        sheet.write_formula("B7", "=1+2", None, 3)

    error = refusal(b.xlsx({"Қатысушылар": [["ФИО"]]}, then=formula))
    assert refusal_text(error, translator("ru")).startswith(
        "В ячейке B7 листа «Қатысушылар» формула"
    )
    assert refusal_text(error, translator("kk")).startswith(
        "«Қатысушылар» парағының B7 ұяшығында формула бар"
    )


def test_what_a_file_looks_like_is_translated():
    error = refusal(b"%PDF-1.4\n\xff\xfe binary")
    assert "похоже, это документ PDF" in refusal_text(error, translator("ru"))
    assert "PDF құжаты сияқты" in refusal_text(error, translator("kk"))
    assert "it looks like a PDF document" in refusal_text(error, translator("en"))


def test_too_many_rows_in_russian_and_kazakh():
    error = refusal(b.xls({"Лист1": [["ФИО"]]}, dimension_rows=100_002))
    assert "доходит до строки 100002" in refusal_text(error, translator("ru"))
    assert "100002-жолға дейін жетеді" in refusal_text(error, translator("kk"))
