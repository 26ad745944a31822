"""The texts of problem documents, in the request's language (catalog domain ``problems``).

A text is a :class:`Message`: an English msgid with named ``%(name)s`` placeholders and its
parameters. ``str(message)`` is the English text (logs, ``ApiProblem.detail``);
``message.text(translator)`` is the text in a language (``api.i18n``), rendered when the answer
is written (``ApiProblem.to_response``). Values (ids, numbers, field names) are parameters and
never translated; a parameter that is a :class:`~domain.errors.Phrase` (a msgid) or a nested
:class:`Message` is translated with the message.

What libraries say (msgspec's and Litestar's validation: "Expected `str`, got `int`", "Invalid
RFC3339 encoded date", "Object missing required field `x`"; the JSON decoder's "JSON is
malformed: ...") is rewritten here, and only here, into the user's words
(:func:`library_message`, :func:`unreadable_body`): a message no pattern knows becomes a plain
"this value is not accepted" rather than a library's phrase.

Adding a problem message: write the English text as a literal msgid (in ``DomainError(...)``,
``ApiProblem(...)``, ``forbidden(...)``, ``unauthorized(...)``, ``found(...)`` or ``N_(...)``)
with its values as ``%(name)s`` parameters, then ``python -m api.i18n extract problems`` and
translate the new msgid in ``api/locales/{ru,kk}/LC_MESSAGES/problems.po``; ``python -m
api.i18n check`` (and ``tests/api/test_i18n.py``) lists what is missing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from babel.messages.pofile import read_po

from api.i18n import TRANSLATED, Translator, catalog_path
from domain.errors import N_, DomainError, Phrase

logger = logging.getLogger("api")


class Message:
    """A msgid and its parameters: English by ``str()``, any language by :meth:`text`."""

    __slots__ = ("params", "template")

    def __init__(self, template: str, params: Mapping[str, Any] | None = None) -> None:
        self.template = template
        self.params = dict(params or {})

    def __str__(self) -> str:
        values = {k: str(v) if isinstance(v, Message) else v for k, v in self.params.items()}
        return self.template % values if values else self.template

    def __repr__(self) -> str:
        return f"Message({self.template!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.template, self.params) == (other.template, other.params)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def text(self, tr: Translator) -> str:
        """The message in ``tr``'s language (English when a translation cannot be filled)."""
        try:
            return gettext(tr, self.template, **translated_params(tr, self.params))
        except (KeyError, ValueError, TypeError):
            logger.warning("the %s translation of %r cannot be filled", tr.lang, self.template)
            return str(self)


@cache
def _own(lang: str) -> dict[str, str]:
    """The ``problems`` catalog's translations: a short msgid such as "published" may be
    translated otherwise in a page's catalog (all are merged in ``api.i18n.translations``);
    a problem's text takes its own."""
    path = catalog_path(lang, "problems")
    if lang not in TRANSLATED or not path.exists():
        return {}
    with path.open("rb") as source:
        catalog = read_po(source, locale=lang, domain="problems")
    return {
        message.id: message.string
        for message in catalog
        if isinstance(message.id, str) and message.id and message.string and not message.fuzzy
    }


def gettext(tr: Translator, template: str, /, **params: Any) -> str:
    """``template`` in ``tr``'s language (the ``problems`` catalog first), filled."""
    text = _own(tr.lang).get(template) or tr.gettext(template)
    return text % params if params else text


def translated_params(tr: Translator, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with phrases and nested messages in ``tr``'s language."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Message):
            out[key] = value.text(tr)
        elif isinstance(value, Phrase):
            out[key] = gettext(tr, str(value))
        else:
            out[key] = value
    return out


def refusal_text(error: DomainError, tr: Translator) -> str:
    """A refusal of the domain in ``tr``'s language (for pages showing one)."""
    return Message(error.template, error.params).text(tr)


class OneOf(Message):
    """Alternatives ("a whole number or a text"), joined in the language of the answer."""

    __slots__ = ("choices",)

    def __init__(self, choices: Sequence[Message]) -> None:
        super().__init__("%(choices)s", {})
        self.choices = list(choices)

    def __str__(self) -> str:
        return self._join([str(choice) for choice in self.choices], None)

    def text(self, tr: Translator) -> str:
        return self._join([choice.text(tr) for choice in self.choices], tr)

    @staticmethod
    def _join(parts: list[str], tr: Translator | None) -> str:
        template = N_("%(one)s or %(other)s")
        joined = parts[0]
        for part in parts[1:]:
            if tr is None:
                joined = template % {"one": joined, "other": part}
            else:
                joined = gettext(tr, template, one=joined, other=part)
        return joined


class FieldRest(Message):
    """A refusal's text without its leading ``field: `` (what ``errors[].message`` shows when
    the detail is ``field: text``). The translation keeps the field name, a value, in front."""

    __slots__ = ("prefix",)

    def __init__(self, whole: Message, prefix: str) -> None:
        super().__init__(whole.template, whole.params)
        self.prefix = f"{prefix}: "

    def __str__(self) -> str:
        return _without(super().__str__(), self.prefix)

    def text(self, tr: Translator) -> str:
        return _without(super().text(tr), self.prefix)


def _without(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text


class FieldList(Message):
    """The detail of a validation problem: ``field: message`` for each field, ``; ``-joined."""

    __slots__ = ("errors",)

    def __init__(self, errors: Sequence[tuple[str, Message]]) -> None:
        super().__init__(N_("invalid input"), {})
        self.errors = list(errors)

    def __str__(self) -> str:
        if not self.errors:
            return self.template
        return "; ".join(f"{field}: {message}" for field, message in self.errors)

    def text(self, tr: Translator) -> str:
        if not self.errors:
            return gettext(tr, self.template)
        return "; ".join(f"{field}: {message.text(tr)}" for field, message in self.errors)


def fill(template: str, **params: Any) -> Message:
    """``Message(template, params)``, shorter at a call site."""
    return Message(template, params)


# ------------------------------------------------------------------ what libraries say

#: JSON types as msgspec names them, in the user's words.
TYPES: dict[str, str] = {
    "str": N_("a text"),
    "int": N_("a whole number"),
    "float": N_("a number with a fraction"),
    "bool": N_("true or false"),
    "null": N_("null"),
    "object": N_("a JSON object {...}"),
    "array": N_("a list [...]"),
    "uuid": N_("an id (a UUID)"),
    "date": N_("a date YYYY-MM-DD"),
    "datetime": N_("a time in ISO 8601 with an offset"),
    "decimal": N_("a decimal number"),
    "bytes": N_("base64 data"),
}


def _type(name: str) -> Message:
    """A msgspec type name (``int | str`` too) as words."""
    parts = [part.strip() for part in name.split("|")]
    words = [
        Message(TYPES[part]) if part in TYPES else Message("%(name)s", {"name": part})
        for part in parts
    ]
    return words[0] if len(words) == 1 else OneOf(words)


def _bound(op: str, n: str, what: str) -> Message:
    if what == "str":
        templates = {
            ">=": N_("must be at least %(n)s characters long"),
            "<=": N_("must be at most %(n)s characters long"),
        }
    elif what in ("array", "object"):
        templates = {
            ">=": N_("must hold at least %(n)s items"),
            "<=": N_("must hold at most %(n)s items"),
        }
    else:
        templates = {
            ">=": N_("must be at least %(n)s"),
            "<=": N_("must be at most %(n)s"),
            ">": N_("must be greater than %(n)s"),
            "<": N_("must be less than %(n)s"),
        }
    template = templates.get(op)
    return Message(template, {"n": n}) if template else Message(N_("this value is not accepted"))


_Rewrite = Callable[[re.Match[str]], Message]

#: msgspec's and Litestar's validation messages, by pattern (the first that matches).
LIBRARY: tuple[tuple[re.Pattern[str], _Rewrite], ...] = tuple(
    (re.compile(pattern), rewrite)
    for pattern, rewrite in (
        (
            r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`",
            lambda m: Message(
                N_("expected %(expected)s, got %(got)s"),
                {"expected": _type(m["expected"]), "got": _type(m["got"])},
            ),
        ),
        (
            r"Object missing required field `(?P<name>[^`]+)`",
            lambda m: Message(N_("the required field %(name)r is missing"), {"name": m["name"]}),
        ),
        (
            r"Object contains unknown field `(?P<name>[^`]+)`",
            lambda m: Message(
                N_("%(name)r is not a field of this request (check the spelling)"),
                {"name": m["name"]},
            ),
        ),
        (
            r"Invalid RFC3339 encoded date$",
            lambda m: Message(N_("the date must be written as YYYY-MM-DD")),
        ),
        (
            r"Invalid RFC3339 encoded datetime$",
            lambda m: Message(
                N_(
                    "the time must be written in ISO 8601 with an offset, "
                    "e.g. 2025-03-01T10:00:00+05:00"
                )
            ),
        ),
        (
            r"Invalid RFC3339 encoded time$",
            lambda m: Message(N_("the time of day must be written as HH:MM:SS")),
        ),
        (
            r"Expected `\w+` with a timezone component",
            lambda m: Message(N_("the time must have an offset (Z or e.g. +05:00)")),
        ),
        (
            r"Invalid UUID",
            lambda m: Message(
                N_("expected an id (a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)")
            ),
        ),
        (
            r"Invalid (?:enum )?value (?P<value>.+)",
            lambda m: Message(
                N_("%(value)s is not one of the accepted values"), {"value": m["value"]}
            ),
        ),
        (r"Invalid decimal string", lambda m: Message(N_('expected a decimal number like "7.50"'))),
        (
            r"Expected `(?P<what>\w+)` of length (?P<op>[<>]=?) (?P<n>\d+)",
            lambda m: _bound(m["op"], m["n"], m["what"]),
        ),
        (
            r"Expected `(?P<what>\w+)` (?P<op>[<>]=?) (?P<n>-?[\d.]+)",
            lambda m: _bound(m["op"], m["n"], m["what"]),
        ),
        (
            r"Expected `int` that's a multiple of (?P<n>\d+)",
            lambda m: Message(N_("must be a multiple of %(n)s"), {"n": m["n"]}),
        ),
        (
            r"(?:Integer value|Number) out of range",
            lambda m: Message(N_("the number is out of range")),
        ),
        (
            r"matching regex",
            lambda m: Message(
                N_("must not contain control characters (line breaks only in free text)")
            ),
        ),
        (
            r"the key is given more than once in one object",
            lambda m: Message(N_("the key is given more than once in one object")),
        ),
    )
)


def library_message(text: str) -> Message:
    """A library's validation message in the user's words (:data:`LIBRARY`)."""
    for pattern, rewrite in LIBRARY:
        match = pattern.search(text)
        if match:
            return rewrite(match)
    logger.info("a validation message without words of our own: %r", text)
    return Message(N_("this value is not accepted"))


#: What the JSON decoder says is wrong, in the user's words.
JSON_FAULTS: dict[str, str] = {
    "invalid character": N_("an unexpected character"),
    "trailing characters": N_("text after the end of the JSON value"),
    "trailing comma in array": N_("a comma before ]"),
    "trailing comma in object": N_("a comma before }"),
    "expected ':'": N_("a missing colon after a key"),
    "expected ',' or '}'": N_("a missing comma or }"),
    "expected ',' or ']'": N_("a missing comma or ]"),
    "expected '\"'": N_("a key not in double quotes"),
    "invalid escape character in string": N_("a wrong escape (\\) in a string"),
    "invalid escaped character": N_("a wrong escape (\\) in a string"),
    "invalid character in unicode escape": N_("a wrong \\u escape in a string"),
    "invalid utf-16 surrogate pair": N_("a wrong \\u escape in a string"),
    "unexpected end of escaped utf-16 surrogate pair": N_("a wrong \\u escape in a string"),
}


def unreadable_body(reason: str) -> Message:
    """Why a body is not JSON (what ``api.strict_json`` and msgspec say), in the user's words."""
    malformed = re.fullmatch(r"JSON is malformed: (?P<fault>.+) \(byte (?P<byte>\d+)\)", reason)
    if malformed:
        fault = JSON_FAULTS.get(malformed["fault"])
        if fault:
            return Message(
                N_("the body is not valid JSON: %(fault)s at byte %(byte)s"),
                {"fault": Message(fault), "byte": malformed["byte"]},
            )
        return Message(
            N_("the body is not valid JSON (at byte %(byte)s)"), {"byte": malformed["byte"]}
        )
    if reason.startswith("Input data was truncated"):
        return Message(N_("the body is not valid JSON: it ends too early"))
    number = re.fullmatch(r"the number (?P<number>\S+) is out of range", reason)
    if number:
        return Message(
            N_("the body is not valid JSON: the number %(number)s is out of range"),
            {"number": number["number"]},
        )
    constant = re.fullmatch(r"(?P<name>\w+) is not JSON", reason)
    if constant:
        return Message(
            N_("the body is not valid JSON: %(name)s is not JSON"), {"name": constant["name"]}
        )
    if "codec can't decode" in reason:
        return Message(N_("the body is not UTF-8 text"))
    if "recursion" in reason.lower() or "depth" in reason.lower():
        return Message(N_("the body is not valid JSON: it is nested too deeply"))
    return Message(N_("the body is not valid JSON"))
