"""What every aggregate shares: the base of every event and the helpers of their commands.

Commands validate first and only then trigger an event, so a refused command leaves no
pending event behind. Every event records the acting account (``actor``) and its time
(``timestamp``). Topics are explicit and stable (``registry.<Aggregate>.<Event>``): the
library registers a topic when its class is defined and stored events name only the topic,
so moving an aggregate to another module never breaks replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.errors import DomainError

#: Length caps of texts, in characters of the stored (NFC, collapsed) form: a person's,
#: organisation's or account's name; a title or a description; a reason, a citation, a
#: disability note. README "Strict input" lists them.
MAX_NAME = 200
MAX_TITLE = 300
MAX_REASON = 1000
#: The cap of each text field by its name (the field a refusal names); any other: MAX_TITLE.
TEXT_CAPS: dict[str, int] = {
    "name": MAX_NAME,
    "full_name": MAX_NAME,
    "name_latin": MAX_NAME,
    "name_ru": MAX_NAME,
    "name_kk": MAX_NAME,
    "reason": MAX_REASON,
    "override_reason": MAX_REASON,
    "citation": MAX_REASON,
    "disability": MAX_REASON,
}

_Copied = TypeVar("_Copied")


class RegistryEvent(Aggregate.Event):
    """Base of every event: who did it. ``timestamp`` (UTC) is when."""

    TOPIC = "registry.Event"
    actor: UUID


def copy_fields(event: object, aggregate: object) -> None:
    """Give ``aggregate`` the values of the fields the event's class itself declares (not
    those of its bases: ``actor``, ``timestamp``): a creation event whose every field is the
    new aggregate's state under the same name."""
    for name in vars(type(event)).get("__annotations__", {}):
        setattr(aggregate, name, getattr(event, name))


def same_fields(one: object, other: object, names: Iterable[str]) -> bool:
    """Whether two aggregates agree on ``names`` (a repeated create that changes nothing)."""
    return all(getattr(one, name) == getattr(other, name) for name in names)


def clone(aggregate: _Copied, memo: dict[int, Any], dicts: tuple[str, ...] = ()) -> _Copied:
    """A full copy of an aggregate whose values are all immutable: its attributes, with
    the dicts named in ``dicts`` and its pending events copied (the repository copies a
    cached aggregate for every command; ``copy.deepcopy`` walks every value)."""
    copied = object.__new__(type(aggregate))
    state = dict(aggregate.__dict__)
    for name in dicts:
        if name in state:
            state[name] = dict(state[name])
    state["_pending_events"] = list(state.get("_pending_events", ()))
    copied.__dict__.update(state)
    memo[id(aggregate)] = copied
    return copied


def checked_text(
    value: str, field: str, *, max_len: int | None = None, required: bool = True
) -> str:
    """A name, title, reason or citation in its stored form (``ids.clean_text``: NFC, no
    invisible or control character), refused when empty (unless not ``required``) or longer
    than ``max_len`` (by default the cap of its field, ``TEXT_CAPS``)."""
    cleaned = ids.clean_text(value, field)
    if required and not cleaned:
        raise DomainError("invalid-input", "%(field)s: must not be empty", params={"field": field})
    cap = max_len if max_len is not None else TEXT_CAPS.get(field.rpartition(".")[2], MAX_TITLE)
    if len(cleaned) > cap:
        raise DomainError(
            "invalid-input",
            "%(field)s: longer than %(cap)s characters",
            params={"field": field, "cap": cap},
        )
    return cleaned


def checked_optional_text(value: str | None, field: str) -> str | None:
    """An optional text: None when not given or blank."""
    if value is None:
        return None
    return checked_text(value, field, required=False) or None


def checked_reason(value: str) -> str:
    """The reason a correction, amendment, reopening or refusal must give (RULES.md)."""
    return checked_text(value, "reason", max_len=MAX_REASON)


def checked_region(value: str) -> str:
    """A region code: 2-8 Latin letters, upper case."""
    region = value.strip().upper()
    if not (2 <= len(region) <= 8) or not region.isascii() or not region.isalpha():
        raise DomainError("invalid-input", "region: expected a code of 2-8 Latin letters, e.g. VKO")
    return region


def checked_year(year: int) -> int:
    """A championship's or a prize programme's year."""
    if not 2000 <= year <= 2100:
        raise DomainError("out-of-range", "year: expected a year between 2000 and 2100")
    return year
