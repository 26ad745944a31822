"""The import layouts (``sheets.layouts``): templates that read back through the reader,
headers recognised in three languages, and the sheet found or refused."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from domain.values import AspectType, ExpertRole, OrganisationKind
from sheets.layouts import (
    INSTRUCTION_SHEETS,
    LAYOUTS,
    ExtraColumn,
    header_map,
    normalised,
    table_of,
    template,
)
from sheets.reader import SheetRefused, Table, read_tables
from tests.sheets import builders as b

KINDS = ("participants", "experts", "scheme", "marks")


def sheet_xml(data: bytes, index: int = 1) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{index}.xml").decode()


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_template_reads_back_with_every_column_and_no_rows(kind, lang):
    layout = LAYOUTS[kind]
    data = template(kind, lang=lang)
    tables = read_tables(data, f"{kind}.xlsx")
    assert list(tables) == [layout.sheet_name(lang), INSTRUCTION_SHEETS[lang]]
    table = table_of(tables, layout)
    assert table.rows == ()  # no example rows: they would be imported by mistake
    assert header_map(layout, table.header) == {f.key: i for i, f in enumerate(layout.fields)}
    # the header: the language asked first, then Russian (or Kazakh), required marked
    for field, header in zip(layout.fields, table.header, strict=True):
        assert header.startswith(field.title(lang))
        second = field.kk if lang == "ru" else field.ru
        assert second in header
        assert header.endswith(" *") == field.required
    # frozen header row
    assert 'state="frozen"' in sheet_xml(data) and 'ySplit="1"' in sheet_xml(data)
    # the instruction sheet explains every column in Russian and Kazakh
    instructions = tables[INSTRUCTION_SHEETS[lang]]
    explained = {row.cells[0]: row.cells for row in instructions.rows if row.cells[0]}
    for field in layout.fields:
        cells = explained[field.header(lang)]
        assert field.help_ru in cells and (field.help_kk in cells or lang == "en")


def test_coded_columns_have_drop_downs_of_the_domain_values():
    cases = {
        "participants": [kind.value for kind in OrganisationKind],
        "experts": [role.value for role in ExpertRole],
        "scheme": [kind.value for kind in AspectType],
    }
    for kind, codes in cases.items():
        xml = sheet_xml(template(kind))
        lists = re.findall(r'<formula1>"([^<]*)"</formula1>', xml)
        assert lists == [",".join(codes)], kind


def test_a_pre_filled_mark_sheet_reads_back():
    columns = [
        ExtraColumn("A1", "number", note="A: Безопасность (max 2.50)"),
        ExtraColumn("B2", "integer", ("0", "1", "2", "3"), "B: Қауіпсіздік (max 3.00)"),
    ]
    rows = [["Нұрланов Әлихан"], ["Үміт Һәкімова"]]
    data = template("marks", lang="kk", extra_rows=rows, extra_columns=columns)
    table = table_of(read_tables(data), LAYOUTS["marks"])
    assert table.sheet == "Бағалар"
    assert header_map(LAYOUTS["marks"], table.header) == {"competitor": 0}
    assert table.header[1:] == ("A1", "B2")
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("Нұрланов Әлихан", None, None)),
        (3, ("Үміт Һәкімова", None, None)),
    ]
    assert '<formula1>"0,1,2,3"</formula1>' in sheet_xml(data)


def test_a_template_saved_as_csv_reads_back():
    layout = LAYOUTS["participants"]
    header = ";".join(f.header("kk") for f in layout.fields)
    table = table_of(read_tables(header.encode() + b"\n", "Қатысушылар.csv"), layout)
    assert set(header_map(layout, table.header)) == {f.key for f in layout.fields}


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize(
    "header",
    [
        ("ФИО", "Организация", "Роль"),
        ("full_name", "organisation", "region"),
        ("  аты-жөні ", "ҰЙЫМ (ОРЫС ТІЛІНДЕ)*", "Өңір:"),
        ("Full Name", "Organization", "Дата рождения"),
        ("№", "Фамилия, имя, отчество / Тегі, аты, әкесінің аты *", "Организация (на русском)"),
        ("№ п/п", "Фамилия, Имя, Отчество", "ұйым"),
    ],
)
def test_headers_are_recognised_in_three_languages_by_key_and_synonym(header):
    layout = LAYOUTS["participants"]
    if "Роль" in header:
        with pytest.raises(SheetRefused):
            header_map(layout, header)
        return
    found = header_map(layout, header)
    assert {"full_name", "organisation"} <= set(found)
    assert all(header[i] and normalised(header[i]) not in ("№", "№ п/п") for i in found.values())


def test_an_unknown_column_is_refused_naming_it():
    with pytest.raises(SheetRefused) as caught:
        header_map(LAYOUTS["experts"], ("Эксперт", "Роль", "Ұйым", "Телефон"), sheet="Эксперты")
    error = caught.value
    assert error.template.startswith('Column %(column)s is headed "%(value)s"')
    assert (error.sheet, error.row, error.column, error.value) == ("Эксперты", 1, "D", "Телефон")
    assert "«Роль»" in error.message


def test_a_column_given_twice_is_refused():
    with pytest.raises(SheetRefused) as caught:
        header_map(LAYOUTS["scheme"], ("Критерий", "Код аспекта", "Aspect id", "Type", "Max"))
    error = caught.value
    assert (error.column, error.params["first"]) == ("C", "B")
    assert "Columns B and C are both" in error.message


def test_a_required_column_missing_is_refused_naming_it():
    with pytest.raises(SheetRefused) as caught:
        header_map(LAYOUTS["scheme"], ("Критерий", "Код аспекта", "Описание", "Тип"))
    error = caught.value
    assert error.template.startswith("The list has no column %(headers)s")
    assert error.params["headers"] == "«Максимальный балл / Ең жоғары балл»"


def test_a_mark_sheet_leaves_other_columns_to_the_caller():
    assert header_map(LAYOUTS["marks"], ("№", "Участник", "A1", "B2", "")) == {"competitor": 1}


# ------------------------------------------------------------------ the sheet


def _table(name: str, header: tuple[str, ...] = ("ФИО",)) -> Table:
    return Table(name, header, ())


def test_the_sheet_is_found_by_its_name_in_any_language():
    layout = LAYOUTS["participants"]
    for name in ("Участники", "қатысушылар", "PARTICIPANTS", "participants"):
        tables = {"Инструкция": _table("Инструкция"), name: _table(name), "Лист2": _table("Лист2")}
        assert table_of(tables, layout).sheet == name


def test_the_only_filled_sheet_is_taken_whatever_its_name():
    tables = {
        "Лист1": _table("Лист1"),
        "Лист2": _table("Лист2", ()),
        "Нұсқаулық": _table("Нұсқаулық"),
    }
    assert table_of(tables, LAYOUTS["experts"]).sheet == "Лист1"


def test_a_sheet_missing_is_refused_listing_the_sheets():
    tables = {"Лист1": _table("Лист1"), "Лист2": _table("Лист2")}
    with pytest.raises(SheetRefused) as caught:
        table_of(tables, LAYOUTS["scheme"])
    error = caught.value
    assert error.template.startswith('The file has no sheet "%(expected)s"')
    assert error.params == {**error.params, "expected": "Схема оценки / Бағалау схемасы"}
    assert error.params["found"] == "«Лист1», «Лист2»"


def test_an_empty_sheet_is_refused():
    data = b.xlsx({"Оценки": []})
    with pytest.raises(SheetRefused) as caught:
        table_of(read_tables(data), LAYOUTS["marks"])
    assert caught.value.sheet == "Оценки"
    assert caught.value.template.startswith('Sheet "%(sheet)s" is empty')
