"""The XML of an ``.ods`` spreadsheet (``content.xml``) searched in chunks
(:mod:`sheets.reader.scan`) before calamine reads it: rows over the limits (repeated rows and
cells count when they hold a value), and — parsed only when the search found one — the first
formula or merged range, named by its cell.
"""

from __future__ import annotations

import re
import zipfile
from html import unescape

from sheets.reader.refusals import (
    _check_extent,
    _damaged,
    _formula,
    _merged,
    _too_many_columns,
    _too_many_rows,
)
from sheets.reader.scan import _XML_MEMBER, MARGIN, _drain, _reach, _scanned
from sheets.reader.tables import Limits, cell_name

_ODS_TABLE = b"<table:table "
_ODS_FORMULA = b"table:formula="
_ODS_ROWS = (b"<table:table-row ", b"<table:table-row>")
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ROWS_REPEATED = b'table:number-rows-repeated="'
_COLUMNS_REPEATED = b'table:number-columns-repeated="'
_NUMBER = re.compile(rb"[0-9]{1,12}")
_ODS_VALUE = (b"office:value", b"<text:", b"table:formula")
#: cells a file may make by repetition (a value repeated over rows and columns)
_REPEATED_CELLS = 2_000_000


def _scan_ods(archive: zipfile.ZipFile, names: set[str], limits: Limits) -> None:
    """``content.xml`` searched in chunks: formulas and merged cells send it to
    :func:`_locate_ods` (which names the cell), rows over the limits are refused; repeated
    rows and cells count when they hold a value. The other XML members are inflated."""
    if "content.xml" not in names:
        _damaged()
    sheet = "?"
    rows: dict[str, int] = {}
    amplified = 0
    suspicious = False
    for buffer, start, end in _scanned(archive, "content.xml"):
        if buffer.find(_ODS_FORMULA, start, _reach(buffer, end, _ODS_FORMULA)) >= 0:
            suspicious = True
            break
        spans = _numbers_after(buffer, b'-spanned="', start, end)
        if any(n > 1 for _, n in spans):
            suspicious = True
            break
        # rows of each sheet: the sheets' starts split the window
        cuts = []
        high = _reach(buffer, end, _ODS_TABLE)
        at = buffer.find(_ODS_TABLE, start, high)
        while at >= 0:
            cuts.append(at)
            at = buffer.find(_ODS_TABLE, at + 1, high)
        bounds = [start, *cuts, end]
        for i in range(len(bounds) - 1):
            if i > 0:
                found = _ODS_NAME.search(buffer, bounds[i], buffer.find(b">", bounds[i]) + 1)
                sheet = unescape(found.group(1).decode("utf-8", "replace")) if found else "?"
            low, high = bounds[i], bounds[i + 1]
            count = sum(buffer.count(row, low, _reach(buffer, high, row)) for row in _ODS_ROWS)
            rows[sheet] = rows.get(sheet, 0) + count
            for at, repeat in _numbers_after(buffer, _ROWS_REPEATED, low, high):
                if repeat > 1:
                    cells = _ods_row_cells(buffer, at)
                    if cells:
                        rows[sheet] += repeat - 1
                        amplified += repeat * cells
            _check_extent(sheet, rows[sheet], 0, limits)
        for at, repeat in _numbers_after(buffer, _COLUMNS_REPEATED, start, end):
            if repeat > 1 and _ods_cell_holds_value(buffer, at):
                if repeat > limits.max_columns:
                    _too_many_columns(sheet, repeat, limits)
                amplified += repeat
        if amplified > _REPEATED_CELLS:
            _too_many_rows(sheet, max(rows.get(sheet, 0), limits.max_rows + 2), limits)
    if suspicious:
        _locate_ods(archive)
    for name in sorted(names - {"content.xml"}):
        if name.endswith(_XML_MEMBER):
            _drain(archive, name)


def _numbers_after(buffer: bytes, marker: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """``(position, number)`` of each ``marker"N`` starting in ``[start, end)``."""
    found = []
    high = _reach(buffer, end, marker)
    at = buffer.find(marker, start, high)
    while at >= 0:
        number = _NUMBER.match(buffer, at + len(marker))
        found.append((at, int(number.group()) if number else 0))
        at = buffer.find(marker, at + 1, high)
    return found


def _ods_row_cells(buffer: bytes, at: int) -> int:
    """How many cells the row element around ``at`` (a repeat attribute) holds with a value,
    counting their repeats; 0 for an empty row. A row whose end is out of reach counts as
    holding :data:`MARGIN` cells."""
    close = buffer.find(b">", at)
    if close < 0:
        return MARGIN
    if buffer[close - 1 : close] == b"/":
        return 0
    end = buffer.find(b"</table:table-row>", close)
    if end < 0:
        return MARGIN
    content = buffer[close:end]
    if not any(marker in content for marker in _ODS_VALUE):
        return 0
    cells = content.count(b"<table:table-cell") + content.count(b"<table:covered-table-cell")
    for _, repeat in _numbers_after(content, _COLUMNS_REPEATED, 0, len(content)):
        cells += max(repeat - 1, 0)
    return cells


def _ods_cell_holds_value(buffer: bytes, at: int) -> bool:
    """Whether the element around ``at`` (a columns repeat) is a cell holding a value (an
    element out of reach does)."""
    tag = buffer.rfind(b"<", max(0, at - MARGIN), at)
    if tag < 0:
        return True
    if not buffer.startswith((b"<table:table-cell", b"<table:covered-table-cell"), tag):
        return False  # a column's style (table:table-column)
    close = buffer.find(b">", at)
    if close < 0:
        return True
    if buffer[close - 1 : close] == b"/":
        return any(marker in buffer[tag:close] for marker in _ODS_VALUE)
    end = buffer.find(b"</table:", close)
    if end < 0:
        return True
    return any(marker in buffer[tag:end] for marker in _ODS_VALUE)


class _Found(Exception):
    """Stops the parse of :func:`_locate_ods` at what it looked for."""


def _locate_ods(archive: zipfile.ZipFile) -> None:
    """Parses ``content.xml`` (expat, streamed) to name the first formula or merged range:
    the slow path of a file the scan found one in."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    state = {"sheet": "?", "row": 0, "column": 0, "repeat": 1, "depth": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "table:table":
            state["depth"] = int(state["depth"]) + 1
            if state["depth"] == 1:
                state.update(sheet=attrs.get("table:name", "?"), row=0)
        elif name == "table:table-row" and state["depth"] == 1:
            state["row"] = int(state["row"]) + 1
            state["column"] = 0
            state["repeat"] = _int(attrs.get("table:number-rows-repeated"))
        elif name in ("table:table-cell", "table:covered-table-cell") and state["depth"] == 1:
            row, column = int(state["row"]), int(state["column"])
            sheet = str(state["sheet"])
            if "table:formula" in attrs:
                text = attrs["table:formula"]
                raise _Found(lambda: _formula(sheet, cell_name(row, column), text))
            across = _int(attrs.get("table:number-columns-spanned"))
            down = _int(attrs.get("table:number-rows-spanned"))
            if across > 1 or down > 1:
                raise _Found(
                    lambda: _merged(sheet, row, column, row + down - 1, column + across - 1)
                )
            state["column"] = column + _int(attrs.get("table:number-columns-repeated"))

    def end(name: str) -> None:
        if name == "table:table":
            state["depth"] = int(state["depth"]) - 1
        elif name == "table:table-row" and state["depth"] == 1:
            state["row"] = int(state["row"]) + int(state["repeat"]) - 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        for buffer, low, high in _scanned(archive, "content.xml"):
            parser.Parse(buffer[low:high], False)
        parser.Parse(b"", True)
    except _Found as found:
        found.args[0]()
    except expat.ExpatError:
        _damaged()


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 12 else 1
