"""``.xls`` workbooks: the OLE compound file read without trusting it, a password or another
Office file refused, and the workbook stream's records searched (a password, each worksheet's
declared dimension and first formula) before calamine reads the cells
(:mod:`sheets.reader.cells`).
"""

from __future__ import annotations

import struct

from domain.errors import N_
from sheets.reader.cells import _read_calamine
from sheets.reader.refusals import _check_extent, _damaged, _formula, _not_a_spreadsheet, _password
from sheets.reader.tables import Limits, Table, cell_name

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
