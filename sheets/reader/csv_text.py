"""CSV files: UTF-8 text (a byte-order mark allowed), its separator told by its rows
(:func:`_sniff`: ``;``, a tab or ``,``), one sheet named after the file. A picture, a PDF, an
archive, a web page or binary bytes are refused as not a spreadsheet, naming what they look
like; text in another encoding is refused with how to save it as UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from typing import Any, NoReturn

from domain.errors import N_
from sheets.reader.refusals import (
    _damaged,
    _not_a_spreadsheet,
    _refuse,
    _too_many_columns,
    _too_many_rows,
)
from sheets.reader.tables import Limits, Table, _table

_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_MAGIC_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", N_("a PNG picture")),
    (b"\xff\xd8\xff", N_("a JPEG picture")),
    (b"GIF8", N_("a GIF picture")),
    (b"%PDF", N_("a PDF document")),
    (b"\x1f\x8b", N_("a compressed (gzip) archive")),
    (b"Rar!", N_("a RAR archive")),
    (b"7z\xbc\xaf", N_("a 7-Zip archive")),
    (b"{\\rtf", N_("an RTF document")),
)


def _read_csv(data: bytes, filename: str | None, limits: Limits) -> dict[str, Table]:
    for magic, kind in _MAGIC_KINDS:
        if data.startswith(magic):
            _not_a_spreadsheet(kind)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _not_utf8(None)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if _BINARY.search(data, 0, 65536):
            _not_a_spreadsheet(N_("a file of unknown kind"))
        _not_utf8(data.count(b"\n", 0, error.start) + 1)
    if _BINARY.search(data, 0, 65536) or "\x00" in text:
        _not_a_spreadsheet(N_("a file of unknown kind"))
    opening = text.lstrip()[:200].lower()
    if opening.startswith(("<html", "<!doctype", "<?xml", "<table", "<head", "<body")):
        _not_a_spreadsheet(N_("a web page or an XML file"))
    sheet = _csv_sheet_name(filename)
    values: list[list[Any]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff(text))
        for number, cells in enumerate(reader, start=1):
            if number > limits.max_rows + 1:
                _too_many_rows(sheet, text.count("\n") + 1, limits)
            if len(cells) > limits.max_columns:
                _too_many_columns(sheet, len(cells), limits)
            values.append(cells if cells else [""])
    except csv.Error:
        _damaged()
    width = max((len(row) for row in values), default=0)
    for row in values:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    return {sheet: _table(sheet, values)}


def _not_utf8(line: int | None) -> NoReturn:
    _refuse(
        N_(
            'The CSV file is not in UTF-8 encoding. In Excel choose File, Save As, "CSV UTF-8 '
            '(Comma delimited)"; in LibreOffice tick "Edit filter settings" and choose '
            '"Unicode (UTF-8)". Then send the new file.'
        ),
        row=line,
    )


#: separators a CSV file may use, the likelier first when the rows cannot tell
_SEPARATORS = (";", "\t", ",")
_SNIFFED_ROWS = 50


def _sniff(text: str) -> str:
    """The separator of a CSV text: of those splitting the first non-empty row (the header)
    into several cells, the one splitting the most of the next rows into as many (a Russian
    header holds commas — «Фамилия, имя, отчество» — that the rows below do not); then ``;``
    (Excel's in Kazakhstan and Russia), a tab, ``,``. A single column: the separator the
    text holds least of, so that no cell is split."""
    best = min(_SEPARATORS, key=text.count)
    best_score = (-1.0, 0)
    for priority, separator in enumerate(reversed(_SEPARATORS)):
        rows = []
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
            for read, cells in enumerate(reader):
                if any(cell.strip() for cell in cells):
                    rows.append(len(cells))
                if len(rows) > _SNIFFED_ROWS or read > 20 * _SNIFFED_ROWS:
                    break
        except csv.Error:
            continue
        if not rows or rows[0] < 2:
            continue
        below = rows[1:]
        consistent = sum(width == rows[0] for width in below) / len(below) if below else 1.0
        score = (consistent, priority)
        if score > best_score:
            best, best_score = separator, score
    return best


def _csv_sheet_name(filename: str | None) -> str:
    if not filename:
        return "CSV"
    name = filename.replace("\\", "/").rpartition("/")[2]
    stem = name.rpartition(".")[0] if "." in name else name
    return stem.strip()[:31] or "CSV"
