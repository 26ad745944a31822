"""docs/SPREADSHEETS.md lists every layout's columns and the reader's limits as the code has
them."""

from __future__ import annotations

from pathlib import Path

from sheets.layouts import LAYOUTS
from sheets.reader import MIB, Limits

DOC = Path(__file__).resolve().parents[2] / "docs" / "SPREADSHEETS.md"


def test_every_column_of_every_layout_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for kind, layout in LAYOUTS.items():
        section = text.split(f"### `{kind}` — sheet «{layout.sheet}» / «{layout.sheet_kk}»")[1]
        section = section.split("\n### ")[0]
        for field in layout.fields:
            row = f"| `{field.key}` | {field.ru} | {field.kk} | {field.en} | "
            assert row + ("yes" if field.required else "no") in section, (kind, field.key)
            for choice in field.choices:
                assert f"`{choice}`" in section, (kind, choice)


def test_the_limits_are_documented():
    text = DOC.read_text(encoding="utf-8")
    limits = Limits()
    assert f"| file size | {limits.max_bytes // MIB} MiB |" in text
    assert f"| {limits.max_rows:,} |" in text
    assert f"| columns of one sheet | {limits.max_columns} |" in text
    assert f"| {limits.max_unzipped // MIB} MiB |" in text
    assert f"packed | {limits.max_ratio} |" in text
    assert f"| members of a zip | {limits.max_members:,} |" in text
