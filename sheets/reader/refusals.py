"""Refusals of a file: :class:`SheetRefused`, and a function for each refusal more than one
format makes (not a spreadsheet, damaged, a password, a formula, merged cells, too many rows
or columns), with its message (an English msgid the API translates) saying in the user's words
what is wrong and what to do. The format modules call them where they find it; a refusal only
one format makes is in its module (a zip bomb and ``.xlsb``: ``zipped``; CSV not in UTF-8:
``csv_text``; the file's size and an empty file: ``read_tables``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NoReturn

from domain.errors import N_, DomainError, Phrase
from sheets.reader.tables import MIB, Limits, cell_name, column_letter


class SheetRefused(DomainError):
    """A file refused before or while it is read: ``sheet``, ``row`` (the number a
    spreadsheet program shows), ``column`` (a letter) and ``value`` say where, when known.

    The message is an English msgid (``%(name)s`` placeholders, the API translates it); the
    place is also in the problem's extension members."""

    def __init__(
        self,
        template: str,
        /,
        *,
        params: Mapping[str, Any] | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        code: str = "invalid-input",
    ) -> None:
        shown = None if value is None else _shown(value)
        super().__init__(
            code,
            template,
            params=params,
            sheet=sheet,
            row=row,
            column=column,
            value=shown,
            field="file",
        )
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = shown


def _refuse(template: str, /, **params: Any) -> NoReturn:
    place = {k: params.pop(k) for k in ("sheet", "row", "column", "value") if k in params}
    raise SheetRefused(template, params=params, **place)


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def _megabytes(size: int) -> str:
    return format(size / MIB, ".1f").rstrip("0").rstrip(".")


def _not_a_spreadsheet(what: str) -> NoReturn:
    _refuse(
        N_(
            "This file is not a spreadsheet (it looks like %(found)s). Send an Excel workbook "
            "(.xlsx or .xls), an OpenDocument spreadsheet (.ods) or a CSV file in UTF-8."
        ),
        found=Phrase(what),
    )


def _damaged() -> NoReturn:
    _refuse(
        N_(
            "The file is damaged or incomplete and cannot be read. Open it in a spreadsheet "
            "program, save it again and send the new file."
        )
    )


def _password() -> NoReturn:
    _refuse(
        N_(
            "The file is protected with a password and cannot be read. Remove the password "
            "(in Excel: File, Info, Protect Workbook, Encrypt with Password, clear it), save "
            "the file and send it again."
        )
    )


def _formula(sheet: str, cell: str, value: str | None = None) -> NoReturn:
    place = re.fullmatch(r"([A-Z]{1,3})([0-9]{1,7})", cell)
    _refuse(
        N_(
            'Cell %(cell)s of sheet "%(sheet)s" holds a formula; only values are accepted. '
            "Replace the formulas with their values (copy the cells, then Paste Special, "
            "Values), save and send the file again."
        ),
        cell=cell,
        sheet=sheet,
        row=int(place.group(2)) if place else None,
        column=place.group(1) if place else None,
        value=value,
    )


def _merged(sheet: str, top: int, left: int, bottom: int, right: int) -> NoReturn:
    """Refuses the merged range of 1-based rows and 0-based columns."""
    _refuse(
        N_(
            'Cells %(range)s of sheet "%(sheet)s" are merged; a list cannot have merged '
            "cells. Unmerge them (Home, Merge and Center, Unmerge Cells), put each value in "
            "its own cell, save and send the file again."
        ),
        range=f"{cell_name(top, left)}:{cell_name(bottom, right)}",
        sheet=sheet,
        row=top,
        column=column_letter(left),
    )


def _too_many_rows(sheet: str, last: int, limits: Limits) -> NoReturn:
    _refuse(
        N_(
            'Sheet "%(sheet)s" reaches row %(last)s, more than the %(limit)s rows a list may '
            "have below its header. If the rows below your data look empty, they still hold "
            "formatting or spaces: select them, delete the rows, save and send the file "
            "again; else split the list into several files."
        ),
        sheet=sheet,
        last=last,
        limit=limits.max_rows,
        row=last,
    )


def _too_many_columns(sheet: str, last: int, limits: Limits) -> NoReturn:
    _refuse(
        N_(
            'Sheet "%(sheet)s" reaches column %(last)s, more than the %(limit)s columns a '
            "list may have. Delete the columns to the right of your data, save and send the "
            "file again."
        ),
        sheet=sheet,
        last=column_letter(last - 1),
        limit=limits.max_columns,
        column=column_letter(last - 1),
    )


def _check_extent(sheet: str, rows: int, columns: int, limits: Limits) -> None:
    """Refuses a used range reaching row ``rows`` or column ``columns`` (1-based) over the
    limits (the header row and ``max_rows`` below it)."""
    if rows > limits.max_rows + 1:
        _too_many_rows(sheet, rows, limits)
    if columns > limits.max_columns:
        _too_many_columns(sheet, columns, limits)
