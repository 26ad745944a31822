"""Cell values as the rules read them: a cell as text, a date (DD.MM.YYYY or YYYY-MM-DD), a
coded value (its code, or a word for it in ru or kk), a mark; each converter raises the
``DomainError`` a row reports. A column's cells are converted once per distinct value
(:func:`_converted`). Also the layout's column keys (``sheets.layouts``) the kinds read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from domain.errors import DomainError
from domain.events import checked_text
from domain.values import AspectType, ExpertRole, OrganisationKind

T = TypeVar("T")


def _shown(value: object) -> str | None:
    """A cell's value as a problem shows it."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _text(value: object) -> str | None:
    """A cell as text (None when empty); a whole number read as a float loses its ``.0``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _required(field_name: str) -> Callable[[object], str]:
    """A text cell that must not be empty, in its stored form (``checked_text``)."""

    def convert(value: object) -> str:
        return checked_text(_text(value) or "", field_name)

    return convert


def _optional(field_name: str) -> Callable[[object], str | None]:
    def convert(value: object) -> str | None:
        text = _text(value)
        return checked_text(text, field_name, required=False) or None if text else None

    return convert


_DATE_FORMATS = (
    re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<d>[0-9]{1,2})[./](?P<m>[0-9]{1,2})[./](?P<y>[0-9]{4})"),
)


def _date(field_name: str) -> Callable[[object], date | None]:
    def convert(value: object) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value) or ""
        for pattern in _DATE_FORMATS:
            match = pattern.fullmatch(text)
            if match:
                try:
                    return date(int(match["y"]), int(match["m"]), int(match["d"]))
                except ValueError:
                    break
        raise DomainError(
            "invalid-input",
            "%(field)s: %(value)s is not a date; write it as DD.MM.YYYY or YYYY-MM-DD",
            params={"field": field_name, "value": _shown(value)},
        )

    return convert


_FULL_NAME = _required("full_name")
_BIRTH_DATE = _date("birth_date")
_DISABILITY = _optional("disability")
_NAME_LATIN = _optional("name_latin")


def _id_or_text(value: object) -> UUID | str | None:
    """A cell naming a record by its id (a UUID) or by its name."""
    text = _text(value)
    if text is None:
        return None
    try:
        return UUID(text)
    except ValueError:
        return text


#: words that choose a coded value, besides its code (any case; ru and kk)
_WORDS: dict[str, dict[str, str]] = {
    "organisation_kind": {
        "колледж": "college",
        "университет": "university",
        "вуз": "university",
        "предприятие": "enterprise",
        "кәсіпорын": "enterprise",
        "госорган": "state_body",
        "государственный орган": "state_body",
        "мемлекеттік орган": "state_body",
    },
    "expert_role": {
        "главный эксперт": "chief",
        "главный": "chief",
        "бас сарапшы": "chief",
        "эксперт": "expert",
        "сарапшы": "expert",
        "chief expert": "chief",
    },
    "aspect_type": {
        "m": "measurement",
        "j": "judgement",
        "измеримый": "measurement",
        "измеримая": "measurement",
        "измерение": "measurement",
        "объективная": "measurement",
        "өлшенетін": "measurement",
        "өлшем": "measurement",
        "судейский": "judgement",
        "судейская": "judgement",
        "судейская оценка": "judgement",
        "субъективная": "judgement",
        "сараптамалық": "judgement",
        "төрешілік": "judgement",
    },
}

E = TypeVar("E", OrganisationKind, ExpertRole, AspectType)


def _coded(enum: type[E], words: str, field_name: str) -> Callable[[object], E | None]:
    """A coded cell (a drop-down of the template): its code, or a word for it."""

    def convert(value: object) -> E | None:
        text = _text(value)
        if text is None:
            return None
        key = " ".join(text.split()).casefold()
        code = _WORDS[words].get(key, key.replace(" ", "_"))
        try:
            return enum(code)
        except ValueError:
            raise DomainError(
                "invalid-input",
                "%(field)s: %(value)s is not one of %(choices)s",
                params={
                    "field": field_name,
                    "value": _shown(value),
                    "choices": ", ".join(member.value for member in enum),
                },
            ) from None

    return convert


def _measurement(value: object) -> str:
    """A measurement mark or a maximum mark as the rules read it (a decimal string with at
    most two places): a number cell exactly as written, a text cell as it is (a decimal
    comma read as a point)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # the shortest text that is this number ("12.5"; "7.555" is refused: three places)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = _text(value) or ""
    return text.replace(",", ".") if re.fullmatch(r"[0-9]+,[0-9]+", text) else text


def _score(value: object) -> object:
    """A judgement score as the rules read it: a whole number cell or text is the integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]", value.strip()):
        return int(value.strip())
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: cells that are equal only when they are the same cell (a text never equals a date, and
#: ``datetime(2005, 1, 1)`` is not ``date(2005, 1, 1)``): safe keys of a conversion's memo
_DISTINCT_KEYS = frozenset({str, type(None), date, datetime})
#: numbers are, when the column holds one kind of them: ``1``, ``1.0`` and ``True`` are
#: equal keys but not the same cell (``0.0`` and ``-0.0`` are read alike: ``_text``)
_NUMBERS = frozenset({int, float, bool})


def _converted(cells: Sequence[object], convert: Callable[[object], T]) -> list[T | DomainError]:
    """``convert`` of each cell, a refusal answered as the ``DomainError`` itself (see
    ``_Context.converted``); each distinct cell converted once when cells equal as keys are
    the same cell."""

    kinds = set(map(type, cells))
    memo = kinds <= _DISTINCT_KEYS | _NUMBERS and len(kinds & _NUMBERS) <= 1
    done: dict[object, T | DomainError] = {}
    answers: list[T | DomainError] = []
    for value in set(cells) if memo else cells:
        try:
            answer: T | DomainError = convert(value)
        except DomainError as error:
            answer = error
        if memo:
            done[value] = answer
        else:
            answers.append(answer)
    return list(map(done.__getitem__, cells)) if memo else answers


# The layout's keys (``sheets.layouts``), as the import reads them.
FULL_NAME = "full_name"
BIRTH_DATE = "birth_date"
DISABILITY = "disability"
NAME_LATIN = "name_latin"
PERSON = "participant_id"
ORGANISATION = "organisation"
ORGANISATION_KK = "organisation_kk"
ORGANISATION_KIND = "organisation_kind"
REGION = "region"
ACCOUNT = "account"
EXPERT_ROLE = "role"
ASPECT_ID = "aspect_id"
CRITERION = "criterion"
DESCRIPTION = "description"
ASPECT_TYPE = "type"
MAX_MARK = "max_mark"
COMPETITOR = "competitor"
