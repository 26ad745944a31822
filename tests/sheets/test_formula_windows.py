"""The formula scan of a worksheet (``sheets.reader.xlsx._scan_worksheet``) reads the XML in
windows of ``CHUNK`` bytes overlapping by ``MARGIN``: a formula's ``<f>`` starting just
before, on or just after a window's edge is found once, and named by its cell — with and
without a namespace prefix, and whatever follows the tag's name (``>``, a space, ``/``)."""

from __future__ import annotations

import pytest

from sheets import reader
from sheets.reader import SheetRefused, read_tables
from tests.sheets.builders import raw_xlsx

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: where the first window ends: a worksheet longer than a chunk is searched in two
EDGE = reader.CHUNK - reader.MARGIN


def worksheet(prefix: str, formula: str, at: int) -> bytes:
    """A worksheet whose only formula's ``<f`` starts at byte ``at``; long enough to be
    read in more than one window."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    head = f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}><{p}sheetData>'
    first = f'<{p}row r="1"><{p}c r="A1" t="inlineStr"><{p}is><{p}t>'
    close = f"</{p}t></{p}is></{p}c></{p}row>"
    before = f'<{p}row r="2"><{p}c r="A2"><{p}v>1</{p}v></{p}c><{p}c r="B2">'
    padding = at - len((head + first + close + before).encode())
    assert padding > 0
    tail = "".join(
        f'<{p}row r="{r}"><{p}c r="A{r}" t="inlineStr"><{p}is><{p}t>{"y" * 60}</{p}t></{p}is>'
        f"</{p}c></{p}row>"
        for r in range(3, 3 + 2 * reader.MARGIN // 60)
    )
    text = (
        head
        + first
        + "x" * padding
        + close
        + before
        + formula
        + f"<{p}v>2</{p}v></{p}c></{p}row>"
        + tail
        + f"</{p}sheetData></{p}worksheet>"
    )
    data = text.encode()
    assert data.find(f"<{p}f".encode()) == at and len(data) > reader.CHUNK
    return data


@pytest.mark.parametrize("prefix", ["", "x"])
@pytest.mark.parametrize("shift", [-9, -4, -3, -2, -1, 0, 1, 2, 3, 8])
def test_a_formula_at_a_windows_edge_is_found_and_named(prefix: str, shift: int) -> None:
    p = f"{prefix}:" if prefix else ""
    for formula, text in (
        (f"<{p}f>A2*2</{p}f>", "=A2*2"),
        (f'<{p}f t="shared" ref="B2:B2" si="0">A2*2</{p}f>', "=A2*2"),
        (f'<{p}f t="shared" si="0"/>', None),
    ):
        data = raw_xlsx(worksheet(prefix, formula, EDGE + shift))
        with pytest.raises(SheetRefused) as refused:
            read_tables(data, "list.xlsx")
        error = refused.value
        assert (error.row, error.column, error.params["cell"]) == (2, "B", "B2"), formula
        assert error.value == text
