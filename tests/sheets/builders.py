"""Files built in the tests, byte by byte where no writer makes them: ``.xlsx`` (XlsxWriter,
or a raw zip for what XlsxWriter never writes), ``.ods`` (a zip with a ``content.xml``) and
``.xls`` (a BIFF8 workbook stream in an OLE compound file)."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import xlsxwriter

Cell = str | int | float | bool | date | None


def xlsx(
    sheets: dict[str, Sequence[Sequence[Cell]]],
    *,
    then: Callable[[Any, Any], None] | None = None,
) -> bytes:
    """An ``.xlsx`` of ``sheets`` (rows from A1); ``then(workbook, first_sheet)`` adds more."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    dated = book.add_format({"num_format": "dd.mm.yyyy"})
    first = None
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        first = first or sheet
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, (date, datetime)):
                    sheet.write_datetime(r, c, value, dated)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif value is not None:
                    sheet.write(r, c, value)
    if then is not None:
        then(book, first)
    book.close()
    return buffer.getvalue()


def zipped(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    b'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
    b'workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    b'sheet1.xml"/></Relationships>'
)


def raw_xlsx(
    sheet_xml: bytes, *, name: str = "Данные", extra: dict[str, bytes] | None = None
) -> bytes:
    """An ``.xlsx`` whose one worksheet is ``sheet_xml`` (as written: prefixes, missing
    ``r`` attributes, a lying dimension...)."""
    workbook = (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        f'officeDocument/2006/relationships"><sheets><sheet name={quoteattr(name)} sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    ).encode()
    return zipped(
        {
            "[Content_Types].xml": _CONTENT_TYPES,
            "_rels/.rels": _RELS,
            "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
            "xl/worksheets/sheet1.xml": sheet_xml,
            **(extra or {}),
        }
    )


MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(rows: Sequence[Sequence[str]], *, dimension: str | None = None) -> bytes:
    """A worksheet of inline strings (``r`` on rows and cells)."""
    parts = [b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + MAIN_NS + b">"]
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>'.encode())
    parts.append(b"<sheetData>")
    for r, row in enumerate(rows, start=1):
        parts.append(f'<row r="{r}">'.encode())
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'.encode())
        parts.append(b"</row>")
    parts.append(b"</sheetData></worksheet>")
    return b"".join(parts)


# ------------------------------------------------------------------ ods

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)
_ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"
_MANIFEST = (
    b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
    b'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
    b'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
    b'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-'
    b'type="text/xml"/></manifest:manifest>'
)


def ods_cell(value: Cell, **attributes: str) -> str:
    attrs = "".join(
        f" {k.replace('__', ':').replace('_', '-')}={quoteattr(v)}" for k, v in attributes.items()
    )
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, bool):
        kind = f' office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
        shown = str(value).upper()
    elif isinstance(value, (int, float)):
        kind = f' office:value-type="float" office:value="{value}"'
        shown = str(value)
    elif isinstance(value, date):
        kind = f' office:value-type="date" office:date-value="{value.isoformat()}"'
        shown = value.isoformat()
    else:
        kind = ' office:value-type="string"'
        shown = value
    return f"<table:table-cell{attrs}{kind}><text:p>{escape(shown)}</text:p></table:table-cell>"


def ods_row(cells: Sequence[Cell] | str, **attributes: str) -> str:
    attrs = "".join(
        f" {k.replace('__', ':').replace('_', '-')}={quoteattr(v)}" for k, v in attributes.items()
    )
    inner = cells if isinstance(cells, str) else "".join(ods_cell(c) for c in cells)
    return f"<table:table-row{attrs}>{inner}</table:table-row>"


def ods(sheets: dict[str, Sequence[Sequence[Cell]] | str]) -> bytes:
    """An ``.ods`` of ``sheets``: rows of values, or the sheet's rows as written XML."""
    tables = []
    for name, rows in sheets.items():
        body = rows if isinstance(rows, str) else "".join(ods_row(row) for row in rows)
        tables.append(f"<table:table table:name={quoteattr(name)}>{body}</table:table>")
    content = (_ODS_HEAD + "".join(tables) + _ODS_TAIL).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODS_MIMETYPE, zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# ------------------------------------------------------------------ xls (BIFF8 in CFB)


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _wide(text: str, length_size: str = "<H") -> bytes:
    return struct.pack(length_size, len(text)) + b"\x01" + text.encode("utf-16-le")


def xls(
    sheets: dict[str, Sequence[Sequence[Cell]]],
    *,
    formula_at: tuple[int, int] | None = None,
    merged: tuple[int, int, int, int] | None = None,
    dimension_rows: int | None = None,
    password: bool = False,
) -> bytes:
    """An ``.xls`` (BIFF8) of ``sheets``: strings as LABEL records, numbers as NUMBER;
    ``formula_at`` (row, column; 0-based) adds a FORMULA record to the first sheet,
    ``merged`` (first row, last row, first column, last column) a merged range,
    ``dimension_rows`` a declared used range, ``password`` a FILEPASS record."""
    substreams = []
    for index, rows in enumerate(sheets.values()):
        records = [_bof(0x0010)]
        last_row = dimension_rows or len(rows)
        width = max((len(r) for r in rows), default=0)
        records.append(_record(0x0200, struct.pack("<IIHHH", 0, last_row, 0, width, 0)))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    records.append(_record(0x0204, struct.pack("<HHH", r, c, 0) + _wide(value)))
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    records.append(_record(0x0203, struct.pack("<HHHd", r, c, 0, float(value))))
        if index == 0 and formula_at is not None:
            r, c = formula_at
            rgce = b"\x1e\x03\x00"  # ptgInt 3
            body = struct.pack("<HHHdHIH", r, c, 0, 3.0, 0, 0, len(rgce)) + rgce
            records.append(_record(0x0006, body))
        if index == 0 and merged is not None:
            records.append(_record(0x00E5, struct.pack("<HHHHH", 1, *merged)))
        records.append(_record(0x000A, b""))
        substreams.append(b"".join(records))
    names = list(sheets)
    globals_ = [_bof(0x0005)]
    if password:
        globals_.append(_record(0x002F, b"\x01\x00" + b"\x00" * 52))
    globals_.append(_record(0x0042, struct.pack("<H", 1200)))
    bound_size = sum(4 + 6 + 2 + 2 * len(n) for n in names)
    offset = sum(len(r) for r in globals_) + bound_size + 4
    for name, sub in zip(names, substreams, strict=True):
        globals_.append(_record(0x0085, struct.pack("<IBB", offset, 0, 0) + _wide(name, "<B")))
        offset += len(sub)
    globals_.append(_record(0x000A, b""))
    stream = b"".join(globals_) + b"".join(substreams)
    if len(stream) < 4096:  # a stream this short would live in the mini stream
        stream += _record(0x0000, b"\x00" * (4096 - len(stream)))
    return compound({"Workbook": stream})


def compound(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (version 3, 512-byte sectors) holding ``streams``, each padded
    to 4096 bytes at least (so none lives in the mini stream)."""
    size = 512
    end, free, fat_mark, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    padded = {n: s + b"\x00" * max(0, 4096 - len(s)) for n, s in streams.items()}
    chains: list[tuple[str, int, int]] = []
    next_sector = 2
    sectors = []
    for name, data in padded.items():
        count = -(-len(data) // size)
        chains.append(
            (name, next_sector, len(streams[name]) if len(streams[name]) >= 4096 else len(data))
        )
        sectors.append(data + b"\x00" * (count * size - len(data)))
        next_sector += count
    total = next_sector
    assert total <= size // 4
    fat = [fat_mark, end] + [free] * (size // 4 - 2)
    sector = 2
    for data in sectors:
        count = len(data) // size
        for i in range(count):
            fat[sector + i] = sector + i + 1 if i < count - 1 else end
        sector += count

    def entry(name: str, kind: int, child: int, right: int, start: int, length: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(encoded), kind, 1, none, right, child)
            + b"\x00" * 16
            + struct.pack("<IQQIQ", 0, 0, 0, start, length)
        )

    entries = [entry("Root Entry", 5, 1 if chains else none, none, end, 0)]
    for i, (name, start, length) in enumerate(chains):
        right = i + 2 if i + 1 < len(chains) else none
        entries.append(entry(name, 2, none, right, start, length))
    directory = b"".join(entries).ljust(size, b"\x00")
    assert len(directory) == size
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *([free] * 108))
    )
    assert len(header) == 512
    fat_sector = struct.pack(f"<{size // 4}I", *fat)
    return header + fat_sector + directory + b"".join(sectors)
