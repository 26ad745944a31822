"""Tables to ``.xlsx`` bytes (XlsxWriter, in memory).

One :class:`Sheet` is one worksheet: row 1 holds the column headers (bold, frozen), the data
follow from row 2. Values are written by the column's ``kind``: numbers as numbers, dates with
a date format, everything else as a string through ``write_string`` — a text starting with
``=`` or looking like a number or a link stays the text it is, never a formula. ``None`` (and a
non-finite number) leaves the cell empty. A column with ``choices`` gets a drop-down list (data
validation) over its data rows (a long list is kept on a last, hidden sheet ``_lists``).
Sheet names are made acceptable to Excel (31 characters, none of ``[]:*?/\\``, unique
regardless of case), so the file opens without a warning.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import xlsxwriter

__all__ = ["MAX_SHEET_NAME", "Column", "Sheet", "sheet_names", "write_workbook"]

#: Excel's limit on a worksheet name.
MAX_SHEET_NAME = 31
#: Excel's limit on the text of a cell.
MAX_CELL_TEXT = 32_767
#: Data rows a drop-down list covers at least (rows 2..1001), more if the sheet has more rows.
VALIDATION_ROWS = 1_000
#: A list typed into the validation itself may not exceed 255 characters; longer lists (or
#: items with a comma) go to a hidden sheet and the validation refers to its range.
_INLINE_LIST_LIMIT = 255
_LISTS_SHEET = "_lists"
_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})

Kind = Literal["text", "number", "integer", "date"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header (row 1), width in characters, kind of value and drop-down."""

    header: str
    width: float = 14.0
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    number_format: str | None = None


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: a name, the columns and the data rows (one value per column)."""

    name: str
    columns: tuple[Column, ...]
    rows: Sequence[Sequence[object]]


def sheet_names(names: Sequence[str]) -> list[str]:
    """The names Excel accepts for ``names``, in order: forbidden characters replaced by
    ``_``, no leading/trailing apostrophe, cut to 31 characters, unique regardless of case
    (a repeated name gets `` (2)``, `` (3)``… within the limit); an empty name is ``Sheet``."""
    taken: set[str] = {_LISTS_SHEET.casefold()}
    result: list[str] = []
    for raw in names:
        base = " ".join(str(raw).translate(_FORBIDDEN).split()).strip("'").strip()
        base = base[:MAX_SHEET_NAME].strip() or "Sheet"
        name = base
        n = 1
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        result.append(name)
    return result


def write_workbook(sheets: Sequence[Sheet], *, title: str | None = None) -> bytes:
    """The ``.xlsx`` file of ``sheets`` (in order; at least one sheet is always written).

    Raises ``ValueError`` for a row with more values than the sheet has columns (a
    programming error: a value would be lost silently otherwise)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    properties: dict[str, Any] = {}
    if title:
        properties["title"] = title
    if properties:
        book.set_properties(properties)
    header_format = book.add_format({"bold": True, "bottom": 1, "valign": "top", "text_wrap": True})
    formats: dict[str, Any] = {}

    def fmt(pattern: str) -> Any:
        if pattern not in formats:
            formats[pattern] = book.add_format({"num_format": pattern})
        return formats[pattern]

    lists: list[tuple[str, ...]] = []  # long drop-down lists, written last to a hidden sheet
    all_sheets = list(sheets) or [Sheet(name="Sheet", columns=(), rows=())]
    names = sheet_names([s.name for s in all_sheets])
    for sheet, name in zip(all_sheets, names, strict=True):
        ws = book.add_worksheet(name)
        columns = sheet.columns
        for c, column in enumerate(columns):
            ws.set_column(c, c, column.width)
            ws.write_string(0, c, _text(column.header), header_format)
        if columns:
            ws.freeze_panes(1, 0)
        cell_formats = [_cell_format(column, fmt) for column in columns]
        width = len(columns)
        for r, row in enumerate(sheet.rows, start=1):
            if len(row) > width:
                raise ValueError(
                    f"sheet {sheet.name!r} row {r + 1} has {len(row)} values for {width} columns"
                )
            for c, value in enumerate(row):
                if value is None:
                    continue
                _write(ws, r, c, columns[c].kind, value, cell_formats[c])
        last_row = max(VALIDATION_ROWS, len(sheet.rows))
        for c, column in enumerate(columns):
            if not column.choices:
                continue
            inline = ",".join(column.choices)
            if len(inline) <= _INLINE_LIST_LIMIT and not any(
                "," in item or '"' in item for item in column.choices
            ):
                source: Any = list(column.choices)
            else:
                letter = _column_letter(len(lists))
                source = f"={_LISTS_SHEET}!${letter}$1:${letter}${len(column.choices)}"
                lists.append(column.choices)
            ws.data_validation(
                1,
                c,
                last_row,
                c,
                {"validate": "list", "source": source, "ignore_blank": True},
            )
    if lists:
        hidden = book.add_worksheet(_LISTS_SHEET)
        for c, items in enumerate(lists):
            for r, item in enumerate(items):
                hidden.write_string(r, c, _text(item))
        hidden.hide()
    book.close()
    return buffer.getvalue()


def _cell_format(column: Column, fmt: Any) -> Any:
    if column.kind == "date":
        return fmt(column.number_format or "dd.mm.yyyy")
    if column.kind == "integer":
        return fmt(column.number_format or "0")
    if column.kind == "number" and column.number_format:
        return fmt(column.number_format)
    return None


def _write(ws: Any, r: int, c: int, kind: Kind, value: object, cell_format: Any) -> None:
    if kind in ("number", "integer") and _is_number(value):
        number = float(value)  # type: ignore[arg-type]
        if math.isfinite(number):
            ws.write_number(r, c, number, cell_format)
        return
    if kind == "date" and isinstance(value, date):
        ws.write_datetime(r, c, value, cell_format)
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value)
        return
    if isinstance(value, datetime | date):
        ws.write_string(r, c, value.isoformat())
        return
    ws.write_string(r, c, _text(value))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _text(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
