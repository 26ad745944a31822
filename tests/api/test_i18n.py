"""The gettext catalogs: complete in Russian and Kazakh, and the ``problems`` catalog in step
with the code (every msgid of a refusal extracted, placeholders and field names kept)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from api import i18n
from api.i18n import translator
from api.messages import Message, library_message, unreadable_body
from api.problems import domain_problem
from domain.errors import DomainError

PROBLEMS = next(domain for domain in i18n.DOMAINS if domain.name == "problems")
PLACEHOLDER = re.compile(r"%\(\w+\)[sr]")
#: a leading field name (``ends_on: ``, ``marks[%(index)s]: ``, ``%(field)s: ``)
FIELD_PREFIX = re.compile(r"^[A-Za-z_%][A-Za-z0-9_\[\]\.%()]*: ")


def test_every_msgid_has_a_russian_and_a_kazakh_translation():
    """Every text of every catalog (pages, problems), extracted from the code and templates
    as they are now, is translated into Russian and Kazakh."""
    assert i18n.missing_translations() == []


def _problem_files() -> list[Path]:
    return i18n._claimed_files()["problems"]


def _calls(path: Path) -> list[tuple[int, str, ast.expr]]:
    """``(line, function, msgid argument)`` of each call the problems domain extracts from."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in (PROBLEMS.keywords or {}):
            continue
        spec = (PROBLEMS.keywords or {})[name]
        index = (spec[0] if spec else 1) - 1
        if len(node.args) > index:
            found.append((node.lineno, name, node.args[index]))
    return found


def test_every_problem_message_is_a_literal_msgid_that_is_extracted():
    """A refusal's text is written where it is raised and babel finds it: no f-string (its
    values would be baked into the msgid), nothing the extraction misses."""
    extracted = {m.id for m in i18n.extract(PROBLEMS, _problem_files()) if m.id}
    f_strings, missed = [], []
    for path in _problem_files():
        where = path.relative_to(i18n.ROOT).as_posix()
        for line, name, arg in _calls(path):
            if isinstance(arg, ast.JoinedStr):
                f_strings.append(f"{where}:{line} {name}(f'...')")
            elif (
                isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and arg.value not in extracted
            ):
                missed.append(f"{where}:{line} {arg.value!r}")
    assert f_strings == []
    assert missed == []


@pytest.mark.parametrize("lang", i18n.TRANSLATED)
def test_translations_keep_placeholders_and_field_names(lang):
    with i18n.catalog_path(lang, "problems").open("rb") as source:
        catalog = read_po(source, locale=lang, domain="problems")
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string)):
            wrong.append(f"placeholders: {message.id!r} -> {message.string!r}")
        prefix = FIELD_PREFIX.match(message.id)
        if prefix and not message.string.startswith(prefix.group(0)):
            wrong.append(f"field name: {message.id!r} -> {message.string!r}")
    assert wrong == []


@pytest.mark.parametrize(
    ("said", "msgid"),
    [
        ("Expected `str`, got `int`", "expected %(expected)s, got %(got)s"),
        ("Expected `int | str`, got `float`", "expected %(expected)s, got %(got)s"),
        ("Invalid RFC3339 encoded date", "the date must be written as YYYY-MM-DD"),
        ("Invalid RFC3339 encoded datetime", None),
        ("Object missing required field `name_kk`", "the required field %(name)r is missing"),
        ("Object contains unknown field `web`", None),
        ("Expected `int` >= 0", "must be at least %(n)s"),
        ("Expected `int` <= 3", "must be at most %(n)s"),
        ("Expected `str` of length <= 1000", "must be at most %(n)s characters long"),
        ("Expected `array` of length >= 1", "must hold at least %(n)s items"),
        ("Invalid enum value 'worldskillsx'", "%(value)s is not one of the accepted values"),
        ("Invalid UUID", None),
        ("Expected `str` matching regex '\\\\A[^\\\\x00-\\\\x1f]*\\\\Z'", None),
        ("Something msgspec says one day", "this value is not accepted"),
    ],
)
def test_library_messages_are_rewritten_into_the_users_words(said, msgid):
    message = library_message(said)
    if msgid is not None:
        assert message.template == msgid
    for lang in i18n.TRANSLATED:
        text = message.text(translator(lang))
        assert text != str(message)  # translated
        for phrase in ("Expected `", "RFC3339", "Object ", "Invalid ", "msgspec"):
            assert phrase not in text


@pytest.mark.parametrize(
    "reason",
    [
        "Input data was truncated",
        "JSON is malformed: invalid character (byte 0)",
        "JSON is malformed: trailing characters (byte 12)",
        "JSON is malformed: something new (byte 3)",
        "the number 1e999 is out of range",
        "NaN is not JSON",
        "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
        "whatever else",
    ],
)
def test_json_decoding_faults_are_said_in_the_users_words(reason):
    message = unreadable_body(reason)
    for lang in i18n.TRANSLATED:
        text = message.text(translator(lang))
        assert "malformed" not in text and "codec" not in text and "truncated" not in text
        assert text != str(message)


def test_a_refusal_keeps_its_english_message_and_translates_when_rendered():
    error = DomainError(
        "invalid-input", "%(field)s: must not be empty", params={"field": "name_kk"}
    )
    assert error.message == "name_kk: must not be empty"  # logs, the CLI
    problem = domain_problem(error)
    assert problem.detail == "name_kk: must not be empty"
    assert problem.extra == {"errors": [{"field": "name_kk", "message": "must not be empty"}]}
    ru = translator("ru")
    whole = Message(error.template, error.params).text(ru)
    assert whole.startswith("name_kk: ") and whole != error.message
    [(field, message)] = problem.field_messages
    assert field == "name_kk" and message.text(ru) == whole[len("name_kk: ") :]
