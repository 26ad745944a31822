"""Spreadsheet bytes to tables: ``.xlsx``/``.xlsm``, ``.xls``, ``.ods`` and ``.csv``.

:func:`read_tables` answers every sheet of a workbook as a :class:`Table` (its header row and
its non-empty rows, each with the row number a spreadsheet program shows). The cells are read
by ``python-calamine`` (a Rust reader); what a person sent is first checked here, without
trusting it, and a hostile or unusable file is refused with a :class:`SheetRefused` whose
message says in the user's words what is wrong and what to do:

* the format is told by the content, never by the name: a zip holding ``xl/workbook.xml`` is
  an Excel workbook, one whose ``mimetype`` says so is an OpenDocument spreadsheet, an OLE
  compound file holding a ``Workbook`` stream is an ``.xls``; anything else must be UTF-8 text
  (CSV, ``;``, ``,`` or a tab: :func:`_sniff`). A picture, a PDF, a Word document, a
  web page, random bytes: "not a spreadsheet", naming what it looks like;
* size: the file over ``Limits.max_bytes``; a zip whose members declare more than
  ``Limits.max_unzipped`` bytes, or one member of over 16 MiB packed more than
  ``Limits.max_ratio`` times (a zip bomb), refused from the zip's directory without
  inflating anything. The members
  calamine reads are then inflated here, in chunks, by ``zipfile`` (which never yields more
  than a member declares and checks its CRC), so a member lying about its size is refused
  as damaged before calamine sees it;
* formulas: the sheets' XML is searched in chunks (``<f>`` elements of ``.xlsx``,
  ``table:formula`` attributes of ``.ods``; ``FORMULA`` records of ``.xls``), and the first
  formula's cell is named ("B7");
* used range: a sheet reaching beyond ``Limits.max_rows`` rows below the header (or
  ``Limits.max_columns`` columns) is refused from its declared dimension or while it is
  searched, before calamine reads it: 100,000 empty rows cost a scan of their XML, no more;
  ODS rows and cells repeated (``number-rows-repeated``) count when they hold a value;
* merged cells (calamine's merged ranges of ``.xlsx``/``.xls``, ``number-*-spanned`` of
  ``.ods``): the first range is named ("B7:D7");
* a password-protected workbook; XML with a ``DOCTYPE`` (entities); CSV not in UTF-8.

Cells: strings are stripped (an empty or blank string is None), numbers stay as calamine
answers them (a whole number is a float in ``.xlsx``: the layout decides what a column
holds), dates are ``date`` or ``datetime``, CSV cells are strings. Empty rows are skipped;
the header is the first non-empty row (row 1 of a template). Whether the right sheet is
there is the caller's check (``sheets.layouts.table_of``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import unescape
from itertools import compress
from typing import IO, Any, NoReturn

import msgspec
import python_calamine as calamine

from domain.errors import N_, DomainError, Phrase

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


class SheetRefused(DomainError):
    """A file refused before or while it is read: ``sheet``, ``row`` (the number a
    spreadsheet program shows), ``column`` (a letter) and ``value`` say where, when known.

    The message is an English msgid (``%(name)s`` placeholders, the API translates it); the
    place is also in the problem's extension members."""

    def __init__(
        self,
        template: str,
        /,
        *,
        params: Mapping[str, Any] | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        code: str = "invalid-input",
    ) -> None:
        shown = None if value is None else _shown(value)
        super().__init__(
            code,
            template,
            params=params,
            sheet=sheet,
            row=row,
            column=column,
            value=shown,
            field="file",
        )
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = shown


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


def read_tables(
    data: bytes, filename: str | None = None, *, limits: Limits = Limits()
) -> dict[str, Table]:
    """Every worksheet of the file, in workbook order (a CSV file is one sheet, named after
    the file). Refuses (:class:`SheetRefused`) what the module's docstring lists."""
    if len(data) > limits.max_bytes:
        _refuse(
            N_(
                "The file is %(size)s MB; at most %(limit)s MB are accepted. Split the list "
                "into several files, or delete pictures and other sheets from it."
            ),
            size=_megabytes(len(data)),
            limit=_megabytes(limits.max_bytes),
        )
    if not data.strip():
        _refuse(N_("The file is empty. Choose the filled-in spreadsheet and send it again."))
    if data.startswith(_ZIP_MAGIC):
        return _read_zip(data, limits)
    if data.startswith(_OLE_MAGIC):
        return _read_ole(data, limits)
    return _read_csv(data, filename, limits)


# ------------------------------------------------------------------ refusals


def _refuse(template: str, /, **params: Any) -> NoReturn:
    place = {k: params.pop(k) for k in ("sheet", "row", "column", "value") if k in params}
    raise SheetRefused(template, params=params, **place)


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def _megabytes(size: int) -> str:
    return format(size / MIB, ".1f").rstrip("0").rstrip(".")


def _not_a_spreadsheet(what: str) -> NoReturn:
    _refuse(
        N_(
            "This file is not a spreadsheet (it looks like %(found)s). Send an Excel workbook "
            "(.xlsx or .xls), an OpenDocument spreadsheet (.ods) or a CSV file in UTF-8."
        ),
        found=Phrase(what),
    )


def _damaged() -> NoReturn:
    _refuse(
        N_(
            "The file is damaged or incomplete and cannot be read. Open it in a spreadsheet "
            "program, save it again and send the new file."
        )
    )


def _password() -> NoReturn:
    _refuse(
        N_(
            "The file is protected with a password and cannot be read. Remove the password "
            "(in Excel: File, Info, Protect Workbook, Encrypt with Password, clear it), save "
            "the file and send it again."
        )
    )


def _formula(sheet: str, cell: str, value: str | None = None) -> NoReturn:
    place = re.fullmatch(r"([A-Z]{1,3})([0-9]{1,7})", cell)
    _refuse(
        N_(
            'Cell %(cell)s of sheet "%(sheet)s" holds a formula; only values are accepted. '
            "Replace the formulas with their values (copy the cells, then Paste Special, "
            "Values), save and send the file again."
        ),
        cell=cell,
        sheet=sheet,
        row=int(place.group(2)) if place else None,
        column=place.group(1) if place else None,
        value=value,
    )


def _merged(sheet: str, top: int, left: int, bottom: int, right: int) -> NoReturn:
    """Refuses the merged range of 1-based rows and 0-based columns."""
    _refuse(
        N_(
            'Cells %(range)s of sheet "%(sheet)s" are merged; a list cannot have merged '
            "cells. Unmerge them (Home, Merge and Center, Unmerge Cells), put each value in "
            "its own cell, save and send the file again."
        ),
        range=f"{cell_name(top, left)}:{cell_name(bottom, right)}",
        sheet=sheet,
        row=top,
        column=column_letter(left),
    )


def _too_many_rows(sheet: str, last: int, limits: Limits) -> NoReturn:
    _refuse(
        N_(
            'Sheet "%(sheet)s" reaches row %(last)s, more than the %(limit)s rows a list may '
            "have below its header. If the rows below your data look empty, they still hold "
            "formatting or spaces: select them, delete the rows, save and send the file "
            "again; else split the list into several files."
        ),
        sheet=sheet,
        last=last,
        limit=limits.max_rows,
        row=last,
    )


def _too_many_columns(sheet: str, last: int, limits: Limits) -> NoReturn:
    _refuse(
        N_(
            'Sheet "%(sheet)s" reaches column %(last)s, more than the %(limit)s columns a '
            "list may have. Delete the columns to the right of your data, save and send the "
            "file again."
        ),
        sheet=sheet,
        last=column_letter(last - 1),
        limit=limits.max_columns,
        column=column_letter(last - 1),
    )


def _check_extent(sheet: str, rows: int, columns: int, limits: Limits) -> None:
    """Refuses a used range reaching row ``rows`` or column ``columns`` (1-based) over the
    limits (the header row and ``max_rows`` below it)."""
    if rows > limits.max_rows + 1:
        _too_many_rows(sheet, rows, limits)
    if columns > limits.max_columns:
        _too_many_columns(sheet, columns, limits)


# ------------------------------------------------------------------ zip: xlsx and ods

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
#: members declaring less than this are not refused for their ratio (inflating one costs
#: little, and is bounded by what it declares): 100,000 empty rows pack very well, and are
#: refused as rows, with what to do
_RATIO_FLOOR = 16 * MIB
CHUNK = MIB
#: how far a scan looks around a marker (a cell's reference before a formula, the end of
#: an ODS row after a repeat)
MARGIN = 64 * 1024


def _read_zip(data: bytes, limits: Limits) -> dict[str, Table]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        _damaged()
    if len(members) > limits.max_members:
        _bomb(limits)
    declared = 0
    for info in members:
        declared += info.file_size
        if info.flag_bits & 0x1:
            _password()
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _damaged()
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            _bomb(limits)
    if declared > limits.max_unzipped:
        _bomb(limits)
    names = {info.filename for info in members}
    if len({name.casefold() for name in names}) != len(members):
        _damaged()  # a name twice: this scan and calamine might read different members
    if "xl/workbook.xml" in names:
        _scan_xlsx(archive, names, limits)
    elif "xl/workbook.bin" in names:
        _refuse(
            N_(
                "This is an Excel binary workbook (.xlsb), which is not accepted. Open it in "
                "Excel and save it as an Excel workbook (.xlsx)."
            )
        )
    elif "mimetype" in names and _member(archive, "mimetype", 200).strip() == ODS_MIMETYPE:
        _scan_ods(archive, names, limits)
    else:
        _not_a_spreadsheet(_zip_kind(archive, names))
    return _read_calamine(data, limits)


def _bomb(limits: Limits) -> NoReturn:
    _refuse(
        N_(
            "The file unpacks to far more than a spreadsheet of its size would (over "
            "%(limit)s MB, or parts packed over %(ratio)s times): it is not opened. Save the "
            "list again in a spreadsheet program, or split it, and send the new file."
        ),
        limit=_megabytes(limits.max_unzipped),
        ratio=limits.max_ratio,
    )


def _zip_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "word/document.xml" in names:
        return N_("a Word document")
    if "ppt/presentation.xml" in names:
        return N_("a PowerPoint presentation")
    if "mimetype" in names:
        mimetype = _member(archive, "mimetype", 200)
        if b"opendocument.text" in mimetype:
            return N_("an OpenDocument text document")
        if b"opendocument" in mimetype:
            return N_("an OpenDocument file of another kind")
    return N_("a ZIP archive")


def _member(archive: zipfile.ZipFile, name: str, size: int) -> bytes:
    try:
        with archive.open(name) as stream:
            return stream.read(size)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
        _damaged()


def _windows(stream: IO[bytes]) -> Iterator[tuple[bytes, int, int]]:
    """The stream in windows ``(buffer, start, end)``: each position of the stream is in
    exactly one ``[start, end)``, and the buffer holds up to :data:`MARGIN` bytes before
    ``start`` and after ``end`` (at the end of the stream, ``end`` is the buffer's end)."""
    buffer = b""
    start = 0
    while True:
        chunk = stream.read(CHUNK)
        if chunk:
            buffer = buffer + chunk if buffer else chunk
        end = len(buffer) if not chunk else max(start, len(buffer) - MARGIN)
        yield buffer, start, end
        if not chunk:
            return
        keep = max(0, end - MARGIN)
        buffer = buffer[keep:]
        start = end - keep


def _reach(buffer: bytes, end: int, marker: bytes) -> int:
    """Where a search for ``marker`` starting before ``end`` must stop: a marker starting in
    a window may end after it."""
    return min(len(buffer), end + len(marker) - 1)


def _scanned(archive: zipfile.ZipFile, name: str) -> Iterator[tuple[bytes, int, int]]:
    """:func:`_windows` of a member, refusing XML declaring a DOCTYPE (entities) and a
    member that is damaged or inflates to other than it declares (``zipfile`` checks)."""
    try:
        with archive.open(name) as stream:
            first = True
            for window in _windows(stream):
                if first:
                    head = window[0][:4096]
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        _damaged()
                    first = False
                yield window
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError, zlib.error):
        _damaged()


def _drain(archive: zipfile.ZipFile, name: str) -> None:
    """Inflates a member (checked by ``zipfile``) without keeping it."""
    for _ in _scanned(archive, name):
        pass


_XML_MEMBER = (".xml", ".rels")

# ------------------------------------------------------------------ xlsx

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_RELATION_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_ROOT_PREFIX = re.compile(rb"<(\w+):worksheet\b")
_REF = re.compile(rb'\br="([A-Za-z]{0,3})([0-9]{1,7})"')


def _attributes(text: bytes) -> dict[str, str]:
    return {
        key.decode("utf-8", "replace"): unescape(value.decode("utf-8", "replace"))
        for key, value in _ATTRIBUTE.findall(text)
    }


def _xlsx_sheets(archive: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """``(sheet name, member)`` of the workbook's worksheets in workbook order, then any
    other member under ``xl/worksheets/`` (named by its path)."""
    workbook = b"".join(w[0][w[1] : w[2]] for w in _scanned(archive, "xl/workbook.xml"))
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        rels = b"".join(w[0][w[1] : w[2]] for w in _scanned(archive, "xl/_rels/workbook.xml.rels"))
        for match in _RELATION_TAG.finditer(rels):
            attrs = _attributes(match.group(1))
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[attrs.get("Id", "")] = path
    sheets: list[tuple[str, str]] = []
    for match in _SHEET_TAG.finditer(workbook):
        attrs = _attributes(match.group(1))
        relation = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        member = targets.get(relation)
        if member in names:
            sheets.append((attrs.get("name", member), member))
    listed = {member for _, member in sheets}
    for name in sorted(names):
        folded = name.casefold()
        if folded.startswith("xl/worksheets/") and folded.endswith(".xml") and name not in listed:
            sheets.append((name, name))
    return sheets


def _scan_xlsx(archive: zipfile.ZipFile, names: set[str], limits: Limits) -> None:
    sheets = _xlsx_sheets(archive, names)
    for sheet, member in sheets:
        _scan_worksheet(archive, member, sheet, limits)
    scanned = {member for _, member in sheets} | {"xl/workbook.xml"}
    for name in sorted(names - scanned):
        if name.endswith(_XML_MEMBER):
            _drain(archive, name)


def _scan_worksheet(archive: zipfile.ZipFile, member: str, sheet: str, limits: Limits) -> None:
    """One worksheet's XML, searched in chunks: its declared dimension and its rows over the
    limits, and the first ``<f>`` element (a formula) named by its cell."""
    prefix = b""
    marker, formula = b"<f", _FORMULA_TAG
    last_row = 0
    counted = 0
    first = True
    for buffer, start, end in _scanned(archive, member):
        if first:
            first = False
            head = buffer[:8192]
            if b"<worksheet" not in head:
                found = _ROOT_PREFIX.search(head)
                if found:
                    prefix = found.group(1) + b":"
                    marker = b"<" + prefix + b"f"
                    formula = re.compile(re.escape(marker) + _AFTER_TAG)
            dimension = head.find(b"<" + prefix + b"dimension ")
            if dimension >= 0:
                ref = _attributes(head[dimension : head.find(b">", dimension)]).get("ref", "")
                corner = ref.rpartition(":")[2]
                match = re.fullmatch(r"([A-Za-z]{1,3})([0-9]{1,7})", corner)
                if match:
                    _check_extent(
                        sheet, int(match.group(2)), column_index(match.group(1)) + 1, limits
                    )
        # rows: counted (a row without ``r``) and numbered (the last ``r``)
        rows = (b"<" + prefix + b"row ", b"<" + prefix + b"row>")
        for row_tag in rows:
            counted += buffer.count(row_tag, start, _reach(buffer, end, row_tag))
        at = buffer.rfind(rows[0], start, _reach(buffer, end, rows[0]))
        if at >= 0:
            ref = _REF.search(buffer, at, min(len(buffer), at + 200))
            if ref:
                last_row = max(last_row, int(ref.group(2)))
        _check_extent(sheet, max(last_row, counted), 0, limits)
        # formulas: ``<f>``, ``<f ...>``, ``<f/>`` starting in the window (a regular
        # expression: twice as fast as ``find`` of ``<f`` in XML full of ``<``)
        high = _reach(buffer, end, marker)  # a match starts before it, and may end after
        found = formula.search(buffer, start, min(len(buffer), high + len(marker)))
        if found:
            at = found.start()
            _formula(sheet, _cell_before(buffer, at, prefix), _formula_text(buffer, at))


#: what follows a formula's tag name: ``<f>``, ``<f t="shared" ...>``, ``<f/>``
_AFTER_TAG = rb"[ >/\t\n\r]"
_FORMULA_TAG = re.compile(rb"<f" + _AFTER_TAG)


def _formula_text(buffer: bytes, at: int) -> str | None:
    """The text of the ``<f>`` element at ``at`` ("=B2*2"), if it is in reach and not empty
    (a shared formula's other cells only point to the first)."""
    opened = buffer.find(b">", at)
    if opened < 0 or buffer[opened - 1 : opened] == b"/":
        return None
    closed = buffer.find(b"</", opened, opened + 4096)
    if closed < 0:
        return None
    text = unescape(buffer[opened + 1 : closed].decode("utf-8", "replace")).strip()
    return "=" + text if text else None


def _cell_before(buffer: bytes, at: int, prefix: bytes) -> str:
    """The reference of the ``<c>`` element holding position ``at`` ("B7"): its ``r``, else
    counted from its row (cells without ``r`` are consecutive)."""
    cell_tag = b"<" + prefix + b"c"
    row_tag = b"<" + prefix + b"row"
    low = max(0, at - MARGIN)
    row_at = buffer.rfind(row_tag, low, at)
    cell_at = at
    while True:
        cell_at = buffer.rfind(cell_tag, max(low, row_at), cell_at)
        if cell_at < 0 or buffer[cell_at + len(cell_tag) : cell_at + len(cell_tag) + 1] in (
            b" ",
            b">",
        ):
            break
    row_number = None
    if row_at >= 0:
        ref = _REF.search(buffer, row_at, buffer.find(b">", row_at) + 1)
        row_number = int(ref.group(2)) if ref else None
    if cell_at >= 0:
        ref = _REF.search(buffer, cell_at, buffer.find(b">", cell_at) + 1)
        if ref and ref.group(1):
            return (ref.group(1).decode() + ref.group(2).decode()).upper()
        if row_number is not None and row_at >= 0:
            stop = cell_at + len(cell_tag) + 1
            index = buffer.count(cell_tag + b" ", row_at, stop) + buffer.count(
                cell_tag + b">", row_at, stop
            )
            return cell_name(row_number, max(index - 1, 0))
    return f"A{row_number}" if row_number is not None else "?"


# ------------------------------------------------------------------ ods

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


# ------------------------------------------------------------------ xls (OLE compound file)


class _Compound:
    """The streams of an OLE compound file (MS-CFB), read without trusting it: every chain
    is bounded and a loop or an index out of the file is refused as damaged."""

    FREE, END = 0xFFFFFFFF, 0xFFFFFFFE

    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            _damaged()
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            _damaged()
        self.size = 1 << shift
        (fat_sectors, self.directory, _, self.cutoff, mini_fat, mini_fat_count, difat, _) = (
            struct.unpack_from("<IIIIIIII", data, 0x2C)
        )
        sectors = list(struct.unpack_from("<109I", data, 0x4C))
        seen = set()
        while difat not in (self.FREE, self.END) and len(sectors) < fat_sectors:
            if difat in seen:
                _damaged()
            seen.add(difat)
            block = self._sector(difat)
            count = self.size // 4
            values = struct.unpack(f"<{count}I", block)
            sectors.extend(values[:-1])
            difat = values[-1]
        self.fat: list[int] = []
        for sector in sectors[:fat_sectors]:
            if sector in (self.FREE, self.END):
                continue
            block = self._sector(sector)
            self.fat.extend(struct.unpack(f"<{self.size // 4}I", block))
        self.entries = self._directory()
        root = self.entries[0] if self.entries else None
        self.mini_fat: list[int] = []
        if mini_fat_count and mini_fat not in (self.FREE, self.END):
            raw = self._chain(mini_fat)
            self.mini_fat = list(struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))
        self.mini_stream = self._chain(root[1], root[2]) if root else b""

    def _sector(self, number: int) -> bytes:
        offset = (number + 1) * self.size
        if number >= 0xFFFFFFFA or offset + self.size > len(self.data):
            _damaged()
        return self.data[offset : offset + self.size]

    def _chain(self, first: int, size: int | None = None) -> bytes:
        parts = []
        sector = first
        limit = len(self.data) // self.size + 1
        while sector not in (self.END, self.FREE):
            if len(parts) > limit or sector >= len(self.fat):
                _damaged()
            parts.append(self._sector(sector))
            sector = self.fat[sector]
        joined = b"".join(parts)
        return joined if size is None else joined[:size]

    def _directory(self) -> list[tuple[str, int, int]]:
        """``(name, first sector, size)`` of each entry (the root first)."""
        raw = self._chain(self.directory)
        entries = []
        for offset in range(0, len(raw) - 127, 128):
            length = struct.unpack_from("<H", raw, offset + 0x40)[0]
            kind = raw[offset + 0x42]
            name = raw[offset : offset + min(max(length - 2, 0), 64)].decode("utf-16-le", "replace")
            first, size = struct.unpack_from("<IQ", raw, offset + 0x74)
            if self.size == 512:
                size &= 0xFFFFFFFF
            entries.append((name if kind else "", first, size))
        return entries

    def names(self) -> set[str]:
        return {name for name, _, _ in self.entries[1:] if name}

    def stream(self, name: str) -> bytes:
        for entry, first, size in self.entries[1:]:
            if entry == name:
                if size > len(self.data) * 2:
                    _damaged()
                if size >= self.cutoff:
                    return self._chain(first, size)
                parts = []
                sector = first
                while sector not in (self.END, self.FREE):
                    if len(parts) > len(self.mini_fat) or sector >= len(self.mini_fat):
                        _damaged()
                    parts.append(self.mini_stream[sector * 64 : sector * 64 + 64])
                    sector = self.mini_fat[sector]
                return b"".join(parts)[:size]
        _damaged()


def _read_ole(data: bytes, limits: Limits) -> dict[str, Table]:
    compound = _Compound(data)
    names = compound.names()
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        _password()
    stream = next((n for n in ("Workbook", "Book", "WORKBOOK", "BOOK") if n in names), None)
    if stream is None:
        if "WordDocument" in names:
            _not_a_spreadsheet(N_("a Word document"))
        if "PowerPoint Document" in names:
            _not_a_spreadsheet(N_("a PowerPoint presentation"))
        _not_a_spreadsheet(N_("an Office file of another kind"))
    _scan_biff(compound.stream(stream), limits)
    return _read_calamine(data, limits)


_BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
_DIMENSIONS, _FORMULA = 0x0200, 0x0006
_BIFF_FORMULAS = (0x0006, 0x0406, 0x0206)


def _scan_biff(stream: bytes, limits: Limits) -> None:
    """The workbook stream's records: a password (``FILEPASS``), then each worksheet's
    declared dimension and its first formula (``FORMULA``), named by its cell."""
    sheets: list[tuple[str, int, int]] = []  # name, offset of its BOF, type
    offset = 0
    biff8 = True
    while offset + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, offset)
        body = stream[offset + 4 : offset + 4 + size]
        if kind == _FILEPASS:
            _password()
        elif kind == _BOF and offset == 0 and len(body) >= 2:
            biff8 = struct.unpack_from("<H", body)[0] == 0x0600
        elif kind == _BOUNDSHEET and len(body) >= 8:
            position, _, sheet_type = struct.unpack_from("<IBB", body)
            sheets.append((_biff_name(body[6:], biff8), position, sheet_type))
        elif kind == _EOF:
            break
        offset += 4 + size
    for name, position, sheet_type in sheets:
        if sheet_type != 0:
            continue  # a chart, a macro sheet
        offset, depth = position, 0
        while offset + 4 <= len(stream):
            kind, size = struct.unpack_from("<HH", stream, offset)
            body = stream[offset + 4 : offset + 4 + size]
            if kind == _BOF:
                depth += 1
            elif kind == _EOF:
                depth -= 1
                if depth <= 0:
                    break
            elif kind == _DIMENSIONS and depth == 1 and len(body) >= 12:
                if biff8:
                    _, last_row, _, last_column = struct.unpack_from("<IIHH", body)
                else:
                    _, last_row, _, last_column = struct.unpack_from("<HHHH", body)
                _check_extent(name, last_row, last_column, limits)
            elif kind in _BIFF_FORMULAS and depth == 1 and len(body) >= 4:
                row, column = struct.unpack_from("<HH", body)
                _formula(name, cell_name(row + 1, column))
            offset += 4 + size


def _biff_name(body: bytes, biff8: bool) -> str:
    if not body:
        return "?"
    length = body[0]
    if not biff8:
        return body[1 : 1 + length].decode("cp1251", "replace")
    wide = len(body) > 1 and body[1] & 0x1
    raw = body[2 : 2 + length * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace")


# ------------------------------------------------------------------ calamine


def _read_calamine(data: bytes, limits: Limits) -> dict[str, Table]:
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        _password()
    except Exception:  # what calamine says of a damaged file (many kinds of errors)
        _damaged()
    tables: dict[str, Table] = {}
    with workbook:
        for index, meta in enumerate(workbook.sheets_metadata):
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = workbook.get_sheet_by_index(index)
                # calamine knows the merged ranges of .xlsx and .xls (.ods: _scan_ods)
                for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
                    if (top, left) != (bottom, right):
                        _merged(meta.name, top + 1, left, bottom + 1, right)
                corner = sheet.end
                if corner is not None:
                    _check_extent(meta.name, corner[0] + 1, corner[1] + 1, limits)
                values = sheet.to_python(skip_empty_area=False)
            except calamine.CalamineError:
                _damaged()
            tables[meta.name] = _table(meta.name, values)
    return tables


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


# ------------------------------------------------------------------ csv

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
