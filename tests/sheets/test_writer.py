"""sheets.writer: tables to .xlsx bytes that open without a warning and read back (with the
import reader, sheets.reader) to the values written — numbers as numbers, dates as dates,
text as text (never a formula), Kazakh letters intact."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import pytest

from sheets.writer import MAX_SHEET_NAME, Column, Sheet, sheet_names, write_workbook
from tests.xlsx_checks import MAIN, cell_types, check_xlsx, sheet_parts, title_of

KAZAKH = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"

PEOPLE = Sheet(
    "Участники",
    (
        Column("ФИО / Аты-жөні", width=30),
        Column("Балл", kind="number", number_format="0.00"),
        Column("Место", kind="integer"),
        Column("Дата рождения", kind="date"),
        Column("Категория", choices=("main", "juniors")),
    ),
    [
        (f"Тестов {KAZAKH}", Decimal("85.50"), 1, date(2004, 3, 1), "main"),
        ("Иванов Дмитрий", 70.25, 2, None, None),
        ("Қасымова Айгүл", 0, 3, date(2005, 12, 31), "juniors"),
    ],
)


def test_values_read_back_as_written():
    data = write_workbook([PEOPLE], title="Протокол")
    tables = check_xlsx(data)
    assert list(tables) == ["Участники"]
    table = tables["Участники"]
    assert table.header == ("ФИО / Аты-жөні", "Балл", "Место", "Дата рождения", "Категория")
    assert [row.cells for row in table.rows] == [
        (f"Тестов {KAZAKH}", 85.5, 1.0, date(2004, 3, 1), "main"),
        ("Иванов Дмитрий", 70.25, 2.0, None, None),
        ("Қасымова Айгүл", 0.0, 3.0, date(2005, 12, 31), "juniors"),
    ]
    assert [row.number for row in table.rows] == [2, 3, 4]
    types = cell_types(data, "Участники")
    assert types["B2"] == "n" and types["C2"] == "n" and types["D2"] == "n"  # numbers, a date
    assert types["A2"] == "s"
    assert title_of(data) == "Протокол"


def test_text_is_never_a_formula_a_number_or_a_link():
    tricky = ("=1+2", "+7 777 000", "-5", "@SUM(A1)", "007", "1e5", "http://example.kz", "TRUE")
    data = write_workbook(
        [
            Sheet(
                "Текст", (Column("Текст"), Column("Число", kind="number")), [(t, t) for t in tricky]
            )
        ]
    )
    table = check_xlsx(data)["Текст"]
    # a text in a text column, and a text in a number column, both stay the text
    assert [row.cells for row in table.rows] == [(t, t) for t in tricky]
    assert set(cell_types(data, "Текст").values()) == {"s"}


def test_header_bold_frozen_widths_and_drop_downs():
    data = write_workbook([PEOPLE])
    check_xlsx(data)  # bold frozen header, widths
    _, sheet = sheet_parts(data)["Участники"]
    widths = [float(c.get("width")) for c in sheet.iter(f"{MAIN}col")]
    assert widths[0] > widths[1]  # 30 characters, then the default 14
    [validation] = list(sheet.iter(f"{MAIN}dataValidation"))
    assert validation.get("type") == "list" and validation.get("sqref") == "E2:E1001"
    assert validation.find(f"{MAIN}formula1").text == '"main,juniors"'


def test_a_long_drop_down_list_goes_to_a_hidden_last_sheet():
    items = tuple(f"Организация №{n} «Қазақ», ТОО" for n in range(60))  # commas, > 255 chars
    rows = [("x",)] * 1500
    data = write_workbook([Sheet("Список", (Column("Организация", choices=items),), rows)])
    parts = sheet_parts(data)
    assert list(parts) == ["Список", "_lists"]
    assert parts["_lists"][0] == "hidden"
    _, sheet = parts["Список"]
    [validation] = list(sheet.iter(f"{MAIN}dataValidation"))
    assert validation.get("sqref") == "A2:A1501"  # every data row, beyond the default 1000
    assert validation.find(f"{MAIN}formula1").text == "_lists!$A$1:$A$60"
    tables = check_xlsx(data)
    assert [row.cells[0] for row in tables["_lists"].rows][:1] == ["Организация №1 «Қазақ», ТОО"]
    assert tables["_lists"].header == ("Организация №0 «Қазақ», ТОО",)


def test_sheet_names_are_cut_cleaned_and_unique():
    long = "Протокол: компетенция [Сварка]/юниоры*?" * 2
    names = sheet_names([long, "a", "A", "", "'quoted'", "x" * 40, "x" * 40, "_lists"])
    assert all(0 < len(n) <= MAX_SHEET_NAME for n in names)
    assert not any(set(n) & set("[]:*?/\\") for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[0] == "Протокол_ компетенция _Сварка__"
    assert names[1:5] == ["a", "A (2)", "Sheet", "quoted"]
    assert names[5] == "x" * 31 and names[6] == "x" * 27 + " (2)"
    assert names[7] != "_lists"
    data = write_workbook([Sheet(n, (Column("h"),), [("v",)]) for n in (long, "a", "A")])
    assert list(check_xlsx(data)) == sheet_names([long, "a", "A"])


def test_empty_values_and_odd_numbers():
    data = write_workbook(
        [
            Sheet(
                "Числа",
                (Column("n", kind="number"), Column("d", kind="date"), Column("t")),
                [
                    (math.nan, datetime(2025, 5, 12, 9, 30), True),
                    (math.inf, None, 12),
                    (None, None, "не пусто"),
                ],
            )
        ]
    )
    rows = [row.cells for row in check_xlsx(data)["Числа"].rows]
    assert rows == [
        (None, datetime(2025, 5, 12, 9, 30), True),
        (None, None, "12"),
        (None, None, "не пусто"),
    ]


def test_no_sheets_still_makes_a_workbook_and_long_text_is_cut():
    empty = check_xlsx(write_workbook([]))  # one empty sheet
    assert list(empty) == ["Sheet"] and empty["Sheet"].rows == ()
    text = "Ә" * 40_000
    data = write_workbook([Sheet("t", (Column("t"),), [(text,)])])
    [row] = check_xlsx(data)["t"].rows
    assert row.cells == ("Ә" * 32_767,)


def test_a_row_longer_than_the_columns_is_a_programming_error():
    with pytest.raises(ValueError, match="3 values for 2 columns"):
        write_workbook([Sheet("s", (Column("a"), Column("b")), [(1, 2, 3)])])
