"""Spreadsheet bytes to tables: ``.xlsx``/``.xlsm``, ``.xls``, ``.ods`` and ``.csv``.

:func:`read_tables` answers every sheet of a workbook as a :class:`Table` (its header row and
its non-empty rows, each with the row number a spreadsheet program shows). The cells are read
by ``python-calamine`` (a Rust reader); what a person sent is first checked here, without
trusting it, and a hostile or unusable file is refused with a :class:`SheetRefused` whose
message says in the user's words what is wrong and what to do:

* the format is told by the content, never by the name: a zip holding ``xl/workbook.xml`` is
  an Excel workbook, one whose ``mimetype`` says so is an OpenDocument spreadsheet, an OLE
  compound file holding a ``Workbook`` stream is an ``.xls``; anything else must be UTF-8 text
  (CSV, ``;``, ``,`` or a tab: ``csv_text._sniff``). A picture, a PDF, a Word document, a
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

The package, by job (the names above are importable from it):

* ``tables`` — :class:`Limits`, :class:`Table` and its :class:`Row`, the column letters,
  and the rows of cells made a table (``_table``);
* ``refusals`` — :class:`SheetRefused` and the refusals the formats share, with their messages;
* ``scan`` — a zip member read in overlapping windows (``CHUNK``, ``MARGIN``), checked;
* ``zipped`` — a zip's directory checked, its format told (``.xlsx`` or ``.ods``);
* ``xlsx``, ``ods`` — their XML searched (dimension, rows, formulas, merged cells);
* ``xls`` — the OLE compound file and the workbook stream's records;
* ``cells`` — the cells of a checked workbook, read by calamine;
* ``csv_text`` — CSV: the encoding, the separator (``_sniff``), the rows.
"""

from __future__ import annotations

from domain.errors import N_
from sheets.reader.csv_text import _read_csv
from sheets.reader.refusals import SheetRefused, _megabytes, _refuse
from sheets.reader.scan import CHUNK, MARGIN
from sheets.reader.tables import MIB, Limits, Row, Table, cell_name, column_index, column_letter
from sheets.reader.xls import _OLE_MAGIC, _read_ole
from sheets.reader.zipped import _ZIP_MAGIC, ODS_MIMETYPE, _read_zip

__all__ = [
    "CHUNK",
    "MARGIN",
    "MIB",
    "ODS_MIMETYPE",
    "Limits",
    "Row",
    "SheetRefused",
    "Table",
    "cell_name",
    "column_index",
    "column_letter",
    "read_tables",
]


def read_tables(
    data: bytes,
    filename: str | None = None,
    *,
    limits: Limits = Limits(),  # noqa: B008
) -> dict[str, Table]:
    """Every worksheet of the file, in workbook order (a CSV file is one sheet, named after
    the file). Refuses (:class:`SheetRefused`) what the package's docstring lists."""
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
