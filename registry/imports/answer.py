r"""What an import answers, and who may ask: :class:`ImportAnswer` and its
:class:`ImportProblem`\ s, the kinds of file and what each counts, the file's SHA-256 (which
names its record), a refused file as a problem, and :func:`check_import_allowed` — the rule the
API's guards and the CLI apply.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import msgspec

from domain.account import Account
from domain.errors import DomainError
from domain.imports import ImportKind
from domain.values import Role
from sheets.reader import SheetRefused

#: the problems an answer lists at most (then ``problems_truncated``)
MAX_PROBLEMS = 1000
#: the kinds of file, in the order the documentation lists them
KINDS: tuple[str, ...] = tuple(kind.value for kind in ImportKind)
#: what each kind counts in ``would_create`` / ``created``
COUNTS: Mapping[ImportKind, tuple[str, ...]] = {
    ImportKind.PARTICIPANTS: ("organisations", "participants", "entrants"),
    ImportKind.EXPERTS: ("experts",),
    ImportKind.SCHEME: ("aspects",),
    ImportKind.MARKS: ("marks",),
}


class ImportProblem(msgspec.Struct, frozen=True):
    """One thing wrong with a file: where (the sheet, the row a spreadsheet program shows,
    the column letter, the cell's value as read; row and column None for the whole sheet or
    file) and what (``message``: an English msgid with ``%(name)s`` placeholders filled from
    ``params``; ``code``: the stable code of the refusal, as the API's problem types)."""

    sheet: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    params: dict[str, Any] = {}
    code: str = "invalid-input"

    def english(self) -> str:
        """The message in English (logs, tests)."""
        return self.message % self.params if self.params else self.message


class ImportAnswer(msgspec.Struct):
    """What an import answers. A dry run: ``would_create`` and the problems. A commit:
    ``created`` (None when refused) and the problems (empty when recorded). The same file
    again: ``already_imported`` with the first import's ``created`` and ``position``."""

    kind: str
    dry_run: bool
    file_sha256: str
    would_create: dict[str, int] | None
    created: dict[str, int] | None
    problems: list[ImportProblem]
    already_imported: bool = False
    #: the position of the import's record (a commit, or the first import of the file)
    position: int | None = None
    import_id: UUID | None = None
    #: the data rows read
    rows: int = 0
    #: more than ``MAX_PROBLEMS`` problems: the list stops there
    problems_truncated: bool = False

    @property
    def recorded(self) -> bool:
        """Whether this call recorded the file."""
        return self.created is not None and not self.already_imported and not self.dry_run


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def problem_of_refusal(error: SheetRefused) -> ImportProblem:
    """A refused file (``SheetRefused``) as a problem (the API's 422 lists it)."""
    return ImportProblem(
        sheet=getattr(error, "sheet", None) or "",
        row=getattr(error, "row", None),
        column=getattr(error, "column", None),
        value=getattr(error, "value", None),
        message=error.template,
        params=dict(error.params),
        code=error.code,
    )


def check_import_allowed(account: Account, kind: str, competition_id: UUID | None) -> None:
    """Who may import what (the API's guards and the CLI ask the same): an entrant list,
    an expert list and a marking scheme are the organiser's; a mark sheet is an expert's or
    the chief expert's own, in a competition they are assigned to. Refused with
    ``not-allowed`` (the role) or ``not-assigned`` (the competition)."""
    wanted = _kind(kind)
    if wanted is ImportKind.MARKS:
        if account.role not in (Role.EXPERT, Role.CHIEF_EXPERT):
            raise DomainError(
                "not-allowed",
                "marks are imported by the experts of the competition; the account's role is "
                "%(role)s",
                params={"role": str(account.role)},
            )
        if competition_id is None or competition_id not in account.competition_ids:
            raise DomainError("not-assigned", "you are not an expert of this competition")
        return
    if account.role is not Role.ORGANISER:
        raise DomainError(
            "not-allowed",
            "this import needs the role organiser; the account's role is %(role)s",
            params={"role": str(account.role)},
        )


def _kind(kind: str) -> ImportKind:
    try:
        return ImportKind(kind)
    except ValueError:
        raise DomainError(
            "invalid-input",
            "kind: %(kind)s is not a kind of import (participants, experts, scheme, marks)",
            params={"kind": str(kind)[:40]},
        ) from None
