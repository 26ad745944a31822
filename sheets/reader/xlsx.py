"""The XML of an ``.xlsx`` workbook searched in chunks (:mod:`sheets.reader.scan`) before
calamine reads it: each worksheet's declared dimension and rows over the limits, and its first
formula (an ``<f>`` element) named by its cell; the other XML members inflated (checked).
"""

from __future__ import annotations

import re
import zipfile
from html import unescape

from sheets.reader.refusals import _check_extent, _formula
from sheets.reader.scan import _XML_MEMBER, MARGIN, _drain, _reach, _scanned
from sheets.reader.tables import Limits, cell_name, column_index

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
