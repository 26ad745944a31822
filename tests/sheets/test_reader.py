"""The spreadsheet reader (``sheets.reader``): every format read alike, and every hostile file
refused before it is parsed, with a message that names the place. Each file is built here."""

from __future__ import annotations

import codecs
import io
import random
import struct
import time
import warnings
import zipfile
from datetime import date

import pytest

from sheets.reader import Limits, SheetRefused, column_index, column_letter, read_tables
from tests.sheets import builders as b

NAMES = [
    "Әлихан Ғалымжанұлы Қасымов",
    "Аңсар Өмірзақ Ұлан",
    "Үміт Һәкімова Іңкәр",
    "Ёлкин Пётр",
]


def refused(data: bytes, filename: str | None = None, **limits: int) -> SheetRefused:
    with pytest.raises(SheetRefused) as caught:
        read_tables(data, filename, limits=Limits(**limits))
    error = caught.value
    assert error.code == "invalid-input"
    assert error.status == 422
    assert error.details["field"] == "file"
    return error


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip
    assert all(column_index(column_letter(i)) == i for i in range(2000))
    with pytest.raises(ValueError):
        column_letter(-1)


# ------------------------------------------------------------------ good files, every format

ROWS = [
    ["ФИО", "Дата рождения", "Балл", "Организация"],
    [f"  {NAMES[0]}  ", date(2004, 3, 5), 5, "Колледж «Қазмырыш»"],
    [],  # an empty row inside the data: skipped
    [NAMES[1], None, 7.5, "ШҚТУ"],
    [NAMES[2], date(2001, 12, 31), 10, "   "],
    [NAMES[3], None, None, "Ғылым"],
]


def check_rows(table, *, dates: bool = True, numbers: bool = True) -> None:
    assert table.header == ("ФИО", "Дата рождения", "Балл", "Организация")
    assert [row.number for row in table.rows] == [2, 4, 5, 6]
    names = [row.cells[0] for row in table.rows]
    assert names == NAMES  # stripped, every Kazakh letter intact
    first, second, third, fourth = table.rows
    if dates:
        assert first.cells[1] == date(2004, 3, 5)
        assert third.cells[1] == date(2001, 12, 31)
    if numbers:
        assert first.cells[2] == 5.0 and isinstance(first.cells[2], float)  # whole stays float
        assert second.cells[2] == 7.5
    assert second.cells[1] is None
    assert third.cells[3] is None  # a blank string is no value
    assert fourth.cells[2] is None
    assert first.cells[3] == "Колледж «Қазмырыш»"


def test_xlsx_round_trips_kazakh_names_dates_and_numbers():
    tables = read_tables(b.xlsx({"Участники": ROWS, "Пустой": []}), "список.xlsx")
    assert list(tables) == ["Участники", "Пустой"]
    check_rows(tables["Участники"])
    assert tables["Пустой"].header == () and tables["Пустой"].rows == ()


def test_ods_round_trips_kazakh_names_dates_and_numbers():
    tables = read_tables(b.ods({"Участники": [[*r] for r in ROWS]}), "список.ods")
    check_rows(tables["Участники"])


def test_xls_round_trips_kazakh_names_and_numbers():
    rows = [[None if isinstance(c, date) else c for c in r] for r in ROWS]  # no date cells
    table = read_tables(b.xls({"Участники": rows}))["Участники"]
    check_rows(table, dates=False)


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
@pytest.mark.parametrize("separator", [";", ","])
def test_csv_round_trips_with_or_without_bom_and_either_separator(bom, separator):
    lines = [
        separator.join(["ФИО", "Дата рождения", "Балл", "Организация"]),
        separator.join([f"  {NAMES[0]}  ", "05.03.2004", "5", '"Колледж «Қазмырыш»"']),
        separator * 3,  # an empty row
        separator.join([NAMES[1], "", "7,5" if separator == ";" else "7.5", "ШҚТУ"]),
        separator.join([NAMES[2], "31.12.2001", "10", "   "]),
        separator.join([NAMES[3], "", "", f'"Ғылым{separator} ""ғарыш"""']),
    ]
    data = bom + "\r\n".join(lines).encode("utf-8")
    table = read_tables(data, "C:\\Users\\office\\участники.csv")["участники"]
    check_rows_text = [row.cells for row in table.rows]
    assert [row.number for row in table.rows] == [2, 4, 5, 6]
    assert [cells[0] for cells in check_rows_text] == NAMES
    assert check_rows_text[0][1:] == ("05.03.2004", "5", "Колледж «Қазмырыш»")  # CSV: texts
    assert check_rows_text[2][3] is None
    assert check_rows_text[3][3] == f'Ғылым{separator} "ғарыш"'


@pytest.mark.parametrize(
    ("text", "header"),
    [
        ("Фамилия, имя, отчество;Роль\nҚасымов Ә.;chief\n", ("Фамилия, имя, отчество", "Роль")),
        ("Фамилия, имя, отчество / Тегі, аты, әкесінің аты *;Роль / Рөлі *\n",
         ("Фамилия, имя, отчество / Тегі, аты, әкесінің аты *", "Роль / Рөлі *")),
        ("ФИО,Роль,Организация\n\"Қасымов; Ә.\",chief,ВКТУ\n", ("ФИО", "Роль", "Организация")),
        ("ФИО\tРоль\nҚасымов, Әлихан\texpert\n", ("ФИО", "Роль")),
        ("ФИО\nҚасымов, Әлихан\n", ("ФИО",)),
    ],
    ids=["semicolon-commas-in-header", "template-header-only", "comma", "tab", "one-column"],
)  # fmt: skip
def test_the_csv_separator_is_the_one_that_splits_the_rows_alike(text, header):
    table = read_tables(text.encode(), "a.csv")["a"]
    assert table.header == header
    assert all(len(row.cells) == len(header) for row in table.rows)


def test_csv_quoted_line_break_is_one_row_and_short_rows_are_padded():
    data = 'ФИО;Примечание\n"Әлихан\nҚасымов";x\nҰлан\n'.encode()
    table = read_tables(data, "a.csv")["a"]
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("Әлихан\nҚасымов", "x")),
        (3, ("Ұлан", None)),
    ]


def test_the_format_is_told_by_the_content_not_the_name():
    workbook = b.xlsx({"Лист1": [["ФИО"], [NAMES[0]]]})
    assert read_tables(workbook, "list.csv")["Лист1"].rows[0].cells == (NAMES[0],)
    text = f"ФИО\n{NAMES[1]}\n".encode()
    assert read_tables(text, "list.xlsx")["list"].rows[0].cells == (NAMES[1],)
    assert list(read_tables(text)) == ["CSV"]


def test_header_is_the_first_non_empty_row():
    table = read_tables(b.xlsx({"Лист1": [[], [None, "ФИО"], [None, NAMES[0]]]}))["Лист1"]
    assert table.header == ("", "ФИО") and table.header_row == 2
    assert table.rows[0].number == 3 and table.rows[0].cells == (None, NAMES[0])


def test_numbers_in_a_header_are_texts_without_a_point_zero():
    table = read_tables(b.xlsx({"Оценки": [["Участник", 1, 2.5]]}))["Оценки"]
    assert table.header == ("Участник", "1", "2.5")


# ------------------------------------------------------------------ not a spreadsheet


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "a PNG picture"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "a PDF document"),
        (random.Random(16).randbytes(5000), "a file of unknown kind"),
        (b.zipped({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<T/>"}),
         "a Word document"),
        (b.zipped({"photo.jpg": b"\xff\xd8\xff" + b"x" * 100}), "a ZIP archive"),
        (b.compound({"WordDocument": b"x" * 5000}), "a Word document"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>",
         "a web page or an XML file"),
    ],
    ids=["png", "pdf", "random", "docx", "zip", "doc", "html"],
)  # fmt: skip
def test_not_a_spreadsheet_is_refused_naming_what_it_looks_like(data, found):
    error = refused(data, "list.xlsx")
    assert error.template.startswith("This file is not a spreadsheet (it looks like %(found)s)")
    assert error.params["found"] == found
    assert "Send an Excel workbook (.xlsx or .xls)" in error.message


def test_an_empty_file_is_refused():
    assert refused(b"  \n").template.startswith("The file is empty.")


def test_xlsb_is_refused_with_what_to_do():
    error = refused(b.zipped({"xl/workbook.bin": b"\x83\x01\x00", "[Content_Types].xml": b"<T/>"}))
    assert "save it as an Excel workbook (.xlsx)" in error.message


# ------------------------------------------------------------------ size and zip bombs


def test_a_file_over_the_size_limit_is_refused_before_anything_else():
    error = refused(b"x" * (10 * 1024 * 1024 + 1))
    assert error.template.startswith("The file is %(size)s MB; at most %(limit)s MB")
    assert error.params == {**error.params, "size": "10", "limit": "10"}
    assert refused(b.xlsx({"Лист1": [["ФИО"]]}), max_bytes=1000).params["limit"] == "0"


def test_a_zip_declaring_more_than_the_limit_is_refused_from_its_directory():
    data = b.raw_xlsx(b.sheet_xml([["ФИО"]]), extra={"xl/media/big.bin": b"\0" * (3 << 20)})
    error = refused(data, max_unzipped=2 << 20, max_ratio=10**6)
    assert error.template.startswith("The file unpacks to far more than a spreadsheet")
    assert error.params["limit"] == "2"


def test_a_member_packed_over_the_ratio_is_refused_from_the_directory():
    zeros = b.sheet_xml([["ФИО"]]) + b" " * (17 << 20)  # 17 MiB of spaces: ~1000 times packed
    error = refused(b.raw_xlsx(zeros))
    assert error.template.startswith("The file unpacks to far more than a spreadsheet")
    assert error.params["ratio"] == 200


def _lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """``data`` with ``member``'s uncompressed size declared as ``size`` (both headers)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    patched = bytearray(data)
    struct.pack_into("<I", patched, info.header_offset + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == member.encode():
            struct.pack_into("<I", patched, central + 24, size)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(patched)


def test_a_member_inflating_to_more_than_it_declares_is_refused_as_damaged():
    rows = [["ФИО"], *[[f"{NAMES[i % 4]} {i}"] for i in range(3000)]]
    honest = b.raw_xlsx(b.sheet_xml(rows))
    lying = _lie_about_size(honest, "xl/worksheets/sheet1.xml", 1000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    error = refused(lying)
    assert error.template.startswith("The file is damaged or incomplete")
    # the same lie about a member calamine reads and the scan does not search
    lying = _lie_about_size(honest, "[Content_Types].xml", 10)
    assert refused(lying).template.startswith("The file is damaged or incomplete")


def test_a_zip_holding_a_name_twice_is_refused_as_damaged():
    """Two members of one name: the scan and the reader could each take another one."""
    clean = b.sheet_xml([["ФИО"], [NAMES[0]]])
    for name in ("xl/worksheets/sheet1.xml", "XL/Worksheets/Sheet1.xml"):
        buffer = io.BytesIO(b.raw_xlsx(clean))
        with zipfile.ZipFile(buffer, "a") as archive, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile's "Duplicate name"
            archive.writestr(name, clean)
        assert refused(buffer.getvalue()).template.startswith("The file is damaged")


def test_a_truncated_zip_is_refused_as_damaged():
    data = b.xlsx({"Лист1": [["ФИО"], [NAMES[0]]]})
    assert refused(data[: len(data) // 2]).template.startswith("The file is damaged")


# ------------------------------------------------------------------ formulas


def test_a_formula_in_xlsx_is_refused_naming_its_cell_and_text():
    def formula(book, sheet):
        sheet.write_formula("B7", "=SUM(C2:C6)*2", None, 0)

    error = refused(b.xlsx({"Участники": [["ФИО", "Балл"], [NAMES[0], 1]]}, then=formula))
    assert error.template.startswith('Cell %(cell)s of sheet "%(sheet)s" holds a formula')
    assert (error.sheet, error.row, error.column, error.value) == (
        "Участники", 7, "B", "=SUM(C2:C6)*2",
    )  # fmt: skip
    assert 'Cell B7 of sheet "Участники" holds a formula' in error.message


def test_a_formula_is_found_with_a_namespace_prefix_and_without_cell_references():
    xml = (
        b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c t="inlineStr"><x:is><x:t>'
        b'\xd0\xa4\xd0\x98\xd0\x9e</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>B</x:t>'
        b'</x:is></x:c></x:row><x:row r="3"><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is>'
        b"</x:c><x:c><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>"
    )
    error = refused(b.raw_xlsx(xml))
    assert (error.row, error.column, error.value) == (3, "B", "=1+1")


def test_a_shared_formula_cell_is_refused():
    xml = (
        b'<?xml version="1.0"?><worksheet ' + b.MAIN_NS + b"><sheetData>"
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>X</t></is></c></row>'
        b'<row r="2"><c r="C2"><f t="shared" ref="C2:C3" si="0"/><v>1</v></c></row>'
        b"</sheetData></worksheet>"
    )
    error = refused(b.raw_xlsx(xml))
    assert (error.row, error.column) == (2, "C")


def test_data_validation_formulas_are_not_cell_formulas():
    def validation(book, sheet):
        sheet.data_validation(1, 1, 100, 1, {"validate": "list", "source": ["chief", "expert"]})

    data = b.xlsx({"Эксперты": [["Эксперт", "Роль"], ["Бас сарапшы", "chief"]]}, then=validation)
    assert read_tables(data)["Эксперты"].rows[0].cells == ("Бас сарапшы", "chief")


def test_a_formula_in_ods_is_refused_naming_its_cell():
    rows = (
        b.ods_row(["ФИО", "Балл"])
        + b.ods_row([None], table__number_rows_repeated="3")
        + b.ods_row(
            b.ods_cell(NAMES[0])
            + b.ods_cell(None, table__number_columns_repeated="2")
            + '<table:table-cell table:formula="of:=[.B1]*2" office:value-type="float" '
            'office:value="2"><text:p>2</text:p></table:table-cell>'
        )
    )
    error = refused(b.ods({"Инструкция": [["текст"]], "Участники": rows}))
    assert (error.sheet, error.row, error.column, error.value) == (
        "Участники", 5, "D", "of:=[.B1]*2",
    )  # fmt: skip
    assert "Cell D5" in error.message


def test_a_formula_in_xls_is_refused_naming_its_cell():
    error = refused(b.xls({"Участники": [["ФИО", "Балл"], [NAMES[0], 1]]}, formula_at=(6, 2)))
    assert (error.sheet, error.row, error.column) == ("Участники", 7, "C")
    assert "Cell C7" in error.message


# ------------------------------------------------------------------ merged cells


def test_merged_cells_in_xlsx_are_refused_naming_the_range():
    def merge(book, sheet):
        sheet.merge_range("B7:D7", "Қасымов")

    error = refused(b.xlsx({"Участники": [["ФИО"]]}, then=merge))
    assert error.template.startswith('Cells %(range)s of sheet "%(sheet)s" are merged')
    assert error.params["range"] == "B7:D7"
    assert (error.sheet, error.row, error.column) == ("Участники", 7, "B")


def test_merged_cells_in_ods_are_refused_naming_the_range():
    rows = b.ods_row(["ФИО", "Балл"]) + b.ods_row(
        b.ods_cell(NAMES[0], table__number_columns_spanned="2", table__number_rows_spanned="3")
        + "<table:covered-table-cell/>"
    )
    error = refused(b.ods({"Участники": rows}))
    assert error.params["range"] == "A2:B4"
    assert (error.sheet, error.row, error.column) == ("Участники", 2, "A")


def test_a_span_of_one_is_not_a_merge():
    rows = b.ods_row(["ФИО"]) + b.ods_row(
        b.ods_cell(NAMES[0], table__number_columns_spanned="1", table__number_rows_spanned="1")
    )
    assert read_tables(b.ods({"Участники": rows}))["Участники"].rows[0].cells == (NAMES[0],)


def test_merged_cells_in_xls_are_refused_naming_the_range():
    error = refused(b.xls({"Участники": [["ФИО", "Балл"]]}, merged=(1, 2, 0, 1)))
    assert error.params["range"] == "A2:B3"


# ------------------------------------------------------------------ used range


def test_100000_empty_rows_are_refused_quickly_from_the_declared_dimension():
    def empty_rows(book, sheet):
        blank = book.add_format({"bg_color": "#FFFF00"})
        for row in range(3, 100_004):
            sheet.write_blank(row, 0, None, blank)

    data = b.xlsx({"Участники": [["ФИО"], [NAMES[0]]]}, then=empty_rows)
    started = time.perf_counter()
    error = refused(data)
    elapsed = time.perf_counter() - started
    assert error.template.startswith('Sheet "%(sheet)s" reaches row %(last)s, more than the')
    assert error.params["last"] == 100_004 and error.params["limit"] == 50_000
    assert (error.sheet, error.row) == ("Участники", 100_004)
    assert "delete the rows" in error.message
    assert elapsed < 2.0, elapsed


def test_100000_empty_rows_without_a_dimension_are_refused_while_scanned():
    rows = "".join(f'<row r="{r}"/>' for r in range(3, 100_003)).encode()
    xml = (
        b'<?xml version="1.0"?><worksheet ' + b.MAIN_NS + b"><sheetData>"
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>X</t></is></c></row>'
        + rows
        + b"</sheetData></worksheet>"
    )
    error = refused(b.raw_xlsx(xml))
    assert error.params["limit"] == 50_000 and error.params["last"] > 50_001


def test_a_lying_dimension_does_not_hide_the_rows():
    rows = [["ФИО"], *[["x"] for _ in range(60)]]
    error = refused(b.raw_xlsx(b.sheet_xml(rows, dimension="A1:A2")), max_rows=50)
    assert error.params["last"] > 51


def test_the_row_limit_counts_the_rows_below_the_header():
    rows = [["ФИО"], *[[f"{i}"] for i in range(50)]]
    assert len(read_tables(b.xlsx({"Лист1": rows}), limits=Limits(max_rows=50))["Лист1"].rows) == 50
    refused(b.xlsx({"Лист1": [*rows, ["one more"]]}), max_rows=50)


def test_too_many_columns_are_refused_naming_the_last():
    def far(book, sheet):
        sheet.write_string(5, 600, "x")

    error = refused(b.xlsx({"Лист1": [["ФИО"]]}, then=far))
    assert error.template.startswith('Sheet "%(sheet)s" reaches column %(last)s')
    assert error.params["last"] == column_letter(600) == error.column


def test_ods_empty_rows_repeated_to_the_end_of_the_sheet_are_read():
    """LibreOffice writes the rest of a sheet as one repeated empty row: not data."""
    rows = (
        b.ods_row(["ФИО"])
        + b.ods_row([NAMES[0]])
        + b.ods_row(
            '<table:table-cell table:number-columns-repeated="1024"/>',
            table__number_rows_repeated="1048574",
            table__style_name="ro1",
        )
    )
    table = read_tables(b.ods({"Участники": rows}))["Участники"]
    assert [r.cells for r in table.rows] == [(NAMES[0],)]


def test_ods_a_value_repeated_over_100000_rows_is_refused():
    rows = b.ods_row(["ФИО"]) + b.ods_row([NAMES[0]], table__number_rows_repeated="100000")
    error = refused(b.ods({"Участники": rows}))
    assert error.sheet == "Участники" and error.params["last"] > 50_001


def test_ods_100000_empty_row_elements_are_refused():
    rows = b.ods_row(["ФИО"]) + b.ods_row("<table:table-cell/>") * 100_000
    error = refused(b.ods({"Участники": rows}))
    assert error.sheet == "Участники" and error.params["limit"] == 50_000


def test_xls_declaring_100000_rows_is_refused():
    error = refused(b.xls({"Участники": [["ФИО"]]}, dimension_rows=100_002))
    assert (error.sheet, error.params["last"]) == ("Участники", 100_002)


def test_csv_with_100000_empty_rows_is_refused():
    error = refused("ФИО;Балл\n".encode() + b";\n" * 100_000, "a.csv")
    assert error.sheet == "a" and error.params["limit"] == 50_000


# ------------------------------------------------------------------ passwords, encodings, XML


def test_a_password_protected_workbook_is_refused():
    encrypted = b.compound({"EncryptionInfo": b"\x04\x00" * 100, "EncryptedPackage": b"x" * 5000})
    error = refused(encrypted, "list.xlsx")
    assert error.template.startswith("The file is protected with a password")
    assert "Remove the password" in error.message
    assert refused(b.xls({"Лист1": [["ФИО"]]}, password=True)).template == error.template


def test_an_encrypted_zip_is_refused():
    data = bytearray(b.xlsx({"Лист1": [["ФИО"]]}))
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 1  # the "encrypted" flag of the first member
    assert refused(bytes(data)).template.startswith("The file is protected with a password")


def test_csv_not_in_utf8_is_refused_naming_the_line():
    text = f"ФИО;Балл\n{NAMES[3]};1\nИванов Иван;2\n"
    error = refused(text.encode("cp1251"), "a.csv")
    assert error.template.startswith("The CSV file is not in UTF-8 encoding.")
    assert error.row == 1
    assert "CSV UTF-8" in error.message
    utf16 = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    assert refused(utf16, "a.csv").template == error.template


def test_xml_declaring_entities_is_refused():
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]><worksheet '
        + b.MAIN_NS
        + b"><sheetData/></worksheet>"
    )
    assert refused(b.raw_xlsx(xml)).template.startswith("The file is damaged or incomplete")


def test_a_refusal_keeps_a_long_value_short():
    def formula(book, sheet):
        sheet.write_formula("A2", "=" + "+".join(["1"] * 400), None, 400)

    error = refused(b.xlsx({"Лист1": [["ФИО"]]}, then=formula))
    assert error.value is not None and len(error.value) == 200 and error.value.endswith("…")
