"""Zip files: ``.xlsx``/``.xlsm`` and ``.ods``. The zip's directory is checked before
anything is inflated (a password, a zip bomb, too many members, a name twice), the format told
by the members (``xl/workbook.xml``; an ODS ``mimetype``; ``.xlsb``, a Word document, a
presentation or another zip refused, naming what it is), its XML searched
(:mod:`sheets.reader.xlsx`, :mod:`sheets.reader.ods`), then its cells read
(:mod:`sheets.reader.cells`).
"""

from __future__ import annotations

import io
import zipfile
from typing import NoReturn

from domain.errors import N_
from sheets.reader.cells import _read_calamine
from sheets.reader.ods import _scan_ods
from sheets.reader.refusals import _damaged, _megabytes, _not_a_spreadsheet, _password, _refuse
from sheets.reader.tables import MIB, Limits, Table
from sheets.reader.xlsx import _scan_xlsx

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
#: members declaring less than this are not refused for their ratio (inflating one costs
#: little, and is bounded by what it declares): 100,000 empty rows pack very well, and are
#: refused as rows, with what to do
_RATIO_FLOOR = 16 * MIB


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
