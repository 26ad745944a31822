"""What makes an ``.xlsx`` open in a spreadsheet program without a warning, checked on the
bytes: a sound zip whose parts are all declared and linked, well-formed XML, no formula
anywhere, a frozen bold header row with column widths on every data sheet, and
python-calamine (the reader) opens every sheet. Shared by the export tests."""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.etree import ElementTree

import python_calamine

from sheets.reader import Table, read_tables

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
DC = "{http://purl.org/dc/elements/1.1/}"
REQUIRED = (
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/core.xml",
    "docProps/app.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
)


def sheet_parts(data: bytes) -> dict[str, tuple[str, ElementTree.Element]]:
    """Each sheet's name → (its state: ``visible``/``hidden``, its parsed worksheet XML)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{PKG_REL}Relationship")}
        parts = {}
        for sheet in book.iter(f"{MAIN}sheet"):
            target = targets[sheet.get(f"{REL}id")]
            path = posixpath.normpath(posixpath.join("xl", target.lstrip("/")))
            if target.startswith("/"):
                path = target.lstrip("/")
            parts[sheet.get("name")] = (
                sheet.get("state", "visible"),
                ElementTree.fromstring(archive.read(path)),
            )
        return parts


def _child(element: ElementTree.Element, tag: str) -> ElementTree.Element:
    found = element.find(f"{MAIN}{tag}")
    assert found is not None, f"no {tag}"
    return found


def title_of(data: bytes) -> str | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        core = ElementTree.fromstring(archive.read("docProps/core.xml"))
    found = core.find(f"{DC}title")
    return None if found is None else found.text


def check_xlsx(data: bytes) -> dict[str, Table]:
    """Assert that ``data`` opens without a warning; answer its tables (read by
    :func:`sheets.reader.read_tables`, as an import would)."""
    assert data[:4] == b"PK\x03\x04", "not a zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None, "a damaged member"
        names = set(archive.namelist())
        for part in REQUIRED:
            assert part in names, f"missing {part}"
        for name in names:
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))  # well-formed
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{CT}Override")}
        defaults = {d.get("Extension") for d in types.iter(f"{CT}Default")}
        for name in names:
            if name.endswith("/"):
                continue
            assert name in overrides or name.rsplit(".", 1)[-1] in defaults, f"undeclared {name}"
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    fonts = list(_child(styles, "fonts"))
    xfs = list(_child(styles, "cellXfs"))
    parts = sheet_parts(data)
    for name, (state, sheet) in parts.items():
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\"), name
        assert sheet.find(f".//{MAIN}f") is None, f"a formula on sheet {name!r}"
        if state != "visible":
            continue
        header = sheet.find(f"{MAIN}sheetData/{MAIN}row")
        if header is None:
            continue
        assert header.get("r") == "1"
        pane = sheet.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
        assert pane is not None and pane.get("state") == "frozen", f"{name}: header not frozen"
        assert pane.get("ySplit") == "1" and pane.get("topLeftCell") == "A2"
        assert sheet.find(f"{MAIN}cols/{MAIN}col") is not None, f"{name}: no column widths"
        for cell in header.iter(f"{MAIN}c"):
            xf = xfs[int(cell.get("s", "0"))]
            font = fonts[int(xf.get("fontId", "0"))]
            assert font.find(f"{MAIN}b") is not None, f"{name}: header cell not bold"
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert workbook.sheet_names == list(parts)
    for name in workbook.sheet_names:
        workbook.get_sheet_by_name(name).to_python()
    return read_tables(data, "export.xlsx")


def visible_tables(data: bytes) -> dict[str, Table]:
    """:func:`check_xlsx`, without the hidden sheets (a writer's long drop-down lists)."""
    tables = check_xlsx(data)
    hidden = {name for name, (state, _) in sheet_parts(data).items() if state != "visible"}
    return {name: table for name, table in tables.items() if name not in hidden}


def cell_types(data: bytes, sheet: str) -> dict[str, str]:
    """``A2`` → the cell's XML type: ``n`` (a number), ``s`` (a shared string), ``str``,
    ``b``, ``inlineStr``."""
    _, root = sheet_parts(data)[sheet]
    return {c.get("r"): c.get("t", "n") for c in root.iter(f"{MAIN}c")}
