r"""The tables a read answers, and the rows of cells made into one.

:class:`Limits` (what a file may be), :class:`Table` and its :class:`Row`\ s, the column
letters ("A", "AA") and cell names ("B7") the refusals use, and :func:`_table`: the cells a
reader found (calamine's, :mod:`sheets.reader.cells`, or a CSV file's,
:mod:`sheets.reader.csv_text`) as a table — blank rows skipped, the first non-empty row the
header, texts stripped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import compress
from typing import Any

import msgspec

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a file may be. ``max_rows`` counts the rows below the header of one sheet (its
    used range: empty rows with formatting count), ``max_unzipped`` the bytes a zip's
    members declare, ``max_ratio`` how many times one member (of over 16 MiB) may be packed."""

    max_bytes: int = 10 * MIB
    max_rows: int = 50_000
    max_columns: int = 500
    max_unzipped: int = 200 * MIB
    max_ratio: int = 200
    #: members of a zip (a workbook has a few dozen)
    max_members: int = 2_000


class Row(msgspec.Struct, frozen=True, gc=False):
    """One non-empty row (a ``msgspec`` struct: made ten times faster than a dataclass, for
    every row of a list; it holds no reference cycle, so the collector need not track it)."""

    #: the row number a spreadsheet program shows (1-based)
    number: int
    #: str | int | float | bool | date | datetime | None (str stripped, blank → None)
    cells: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Table:
    sheet: str
    #: the first non-empty row, as texts ("" for an empty cell)
    header: tuple[str, ...]
    #: the non-empty rows below it
    rows: tuple[Row, ...]
    #: the row number of the header
    header_row: int = field(default=1)


def column_letter(index: int) -> str:
    """The letters of a column: 0 → "A", 25 → "Z", 26 → "AA"."""
    if index < 0:
        raise ValueError("a column index is 0 or more")
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The index of a column's letters: "A" → 0, "AA" → 26."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def cell_name(row: int, column: int) -> str:
    """ "B7" for row 7 (1-based, as shown) and column index 1."""
    return f"{column_letter(column)}{row}"


_PLAIN = frozenset({float, int, bool, date, datetime})
_TEXT = {str}
#: a stripped text as a cell holds it (``_BLANK.get(text, text)``: "" is None)
_BLANK: dict[str, None] = {"": None}


def _odd(value: object) -> object:
    """A cell value of no column's kind (a time, a duration) as its text."""
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _cell(value: object) -> object:
    """A cell as a table holds it: a text stripped (blank: None), a value of no column's
    kind as its text (``_odd``); the values of ``_PLAIN`` stay as they are."""
    if value.__class__ is str:
        return value.strip() or None  # type: ignore[attr-defined]
    return _odd(value)


def _table(sheet: str, values: list[list[Any]]) -> Table:
    """Rows of cells (calamine's or CSV's) as a table: blank rows skipped, the first
    non-empty row the header (rows shorter than the longest padded with empty cells).

    Below the header, column by column: each distinct cell that is not a plain value (a
    text, a time) is converted once (``_cell``) and the column mapped through what it
    became — a list's names, organisations and codes repeat, and ``map`` and ``zip`` run
    without a Python frame per cell; a column of numbers and dates (the header's text kept
    apart) is taken as it is. Only texts and odd values are keys of that mapping: a text
    never equals a number or a date, so a plain value is never mistaken for another one
    (``1``, ``1.0`` and ``True`` are equal as keys, and are left alone)."""
    plain = _PLAIN
    width = max(map(len, values), default=0)
    blank = (None,) * width
    header_row = 0  # the number of the first row that is not blank
    for raw in values:
        header_row += 1
        cells = tuple([c if c.__class__ in plain else _cell(c) for c in raw])
        cells += blank[len(cells) :]
        if cells != blank:
            break
    else:
        return Table(sheet, (), (), 1)
    header = tuple(_header_text(c) for c in cells)
    below = values[header_row:]
    if not below:
        return Table(sheet, header, (), header_row)
    if min(map(len, below)) != width:  # ragged rows: padded with empty cells
        below = [row if len(row) == width else [*row, *[""] * (width - len(row))] for row in below]
    columns = []
    for column in zip(*below):
        kinds = set(map(type, column))
        if kinds <= plain:
            columns.append(column)  # numbers and dates only: nothing to convert
        elif kinds == _TEXT:  # texts only: stripped, and a blank one is None
            stripped = tuple(map(str.strip, column))
            columns.append(
                tuple(map(_BLANK.get, stripped, stripped)) if "" in stripped else stripped
            )
        else:
            converted = {c: _cell(c) for c in set(column) if c.__class__ not in plain}
            columns.append(tuple(map(converted.get, column, column)))
    rows = list(zip(*columns))
    numbers = range(header_row + 1, header_row + 1 + len(rows))
    kept = list(compress(zip(numbers, rows), map(blank.__ne__, rows)))
    return Table(sheet, header, tuple(map(Row, *zip(*kept))) if kept else (), header_row)


def _header_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, (date, datetime)):
        return cell.isoformat()
    return str(cell).strip()
