"""A zip member searched without trusting it: read in windows of :data:`CHUNK` bytes that
overlap by :data:`MARGIN` (a marker on a window's edge is found once), XML declaring a
``DOCTYPE`` refused, and a member that is damaged or inflates to other than it declares
refused as damaged (``zipfile`` checks its size and CRC). The ``.xlsx`` and ``.ods`` scans
(:mod:`sheets.reader.xlsx`, :mod:`sheets.reader.ods`) read their members through it.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

from sheets.reader.refusals import _damaged
from sheets.reader.tables import MIB

CHUNK = MIB
#: how far a scan looks around a marker (a cell's reference before a formula, the end of
#: an ODS row after a repeat)
MARGIN = 64 * 1024


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
