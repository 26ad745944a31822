"""The spreadsheet-import aggregate: the record that a file was imported (issue 16).

An import applies a whole spreadsheet (an entrant list, the experts of a competition, a
marking scheme, an expert's mark sheet) through the same commands as the API, all in one
transaction together with this record. Its id is derived from the kind, the competition and
the file's SHA-256 (``import_id``), so the same file submitted again is recognised by its
content and records nothing new: the record answers what the first import created.

The record holds no personal data: the file's name, its hash and the counts of what it
created (``created``: e.g. ``{"participants": 12, "entrants": 12}``) and of the data rows it
read.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import ids
from domain.errors import DomainError
from domain.events import RegistryEvent, checked_optional_text, copy_fields


class ImportKind(enum.StrEnum):
    """What a spreadsheet holds (``sheets.layouts.LAYOUTS`` has one layout per kind)."""

    PARTICIPANTS = "participants"
    EXPERTS = "experts"
    SCHEME = "scheme"
    MARKS = "marks"


_SHA256 = re.compile(r"[0-9a-f]{64}")
#: the cap of a file name kept in the record (characters)
MAX_FILENAME = 255


def _file_name(filename: str | None) -> str | None:
    """A file's name as recorded: its last path part, printable characters only (a name is
    what the uploader's program sent: never a reason to refuse the file), at most
    ``MAX_FILENAME`` characters; None when nothing is left."""
    if filename is None:
        return None
    last = re.split(r"[\\/]", filename)[-1]
    printable = "".join(char if char.isprintable() else " " for char in last)
    return checked_optional_text(printable[:MAX_FILENAME], "filename")


def import_id(kind: ImportKind | str, competition_id: UUID | None, sha256: str) -> UUID:
    """The id of the import of a file (its SHA-256, hex) of ``kind`` into a competition."""
    competition = str(competition_id) if competition_id is not None else ""
    return uuid5(ids.NAMESPACE, f"import/{ImportKind(kind)}/{competition}/{sha256.lower()}")


class SpreadsheetImport(Aggregate):
    """One imported file: who imported it, when, what it was and what it created."""

    TOPIC = "registry.SpreadsheetImport"

    class Event(RegistryEvent):
        TOPIC = "registry.SpreadsheetImport.Event"

    class Imported(Event, Aggregate.Created):
        """The file was applied as a whole; ``created`` counts what it recorded, by what
        (``organisations``, ``participants``, ``entrants``, ``experts``, ``aspects``,
        ``marks``), ``rows`` the data rows read."""

        TOPIC = "registry.SpreadsheetImport.Imported"
        kind: ImportKind
        competition_id: UUID | None
        sha256: str
        filename: str | None
        created: dict[str, int]
        rows: int

        def apply(self, aggregate: Any) -> None:
            copy_fields(self, aggregate)

    #: the library's name for the creation event: the same class (no second event type)
    Created = Imported

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        kind: ImportKind
        competition_id: UUID | None
        sha256: str
        filename: str | None
        created: dict[str, int]
        rows: int

    @classmethod
    def record(
        cls,
        *,
        actor: UUID,
        kind: ImportKind | str,
        competition_id: UUID | None,
        sha256: str,
        filename: str | None,
        created: Mapping[str, int],
        rows: int,
        at: datetime | None = None,
    ) -> SpreadsheetImport:
        """The record of an import (saved with the events the file made, in one
        transaction)."""
        kind = ImportKind(kind)
        digest = sha256.lower()
        if _SHA256.fullmatch(digest) is None:
            raise DomainError("invalid-input", "sha256: expected 64 hexadecimal digits")
        name = _file_name(filename)
        counts = {str(key): int(value) for key, value in created.items()}
        if any(value < 0 for value in counts.values()) or rows < 0:
            raise DomainError("invalid-input", "created: counts are not negative")
        return cls._create(
            cls.Imported,
            id=import_id(kind, competition_id, digest),
            actor=actor,
            kind=kind,
            competition_id=competition_id,
            sha256=digest,
            filename=name,
            created=counts,
            rows=int(rows),
            timestamp=at,
        )
