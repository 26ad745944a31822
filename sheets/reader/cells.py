"""The cells of a workbook the format checks passed, read by ``python-calamine`` (a Rust
reader): a password or a damaged file refused as calamine finds it, each worksheet's merged
ranges (``.xlsx``, ``.xls``) and used range checked, and its cells made a table
(:func:`sheets.reader.tables._table`).
"""

from __future__ import annotations

import io

import python_calamine as calamine

from sheets.reader.refusals import _check_extent, _damaged, _merged, _password
from sheets.reader.tables import Limits, Table, _table


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
