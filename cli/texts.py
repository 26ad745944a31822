"""What the ``registry`` commands say, in the user's language: Russian, Kazakh or English
(``--lang``, else the ``LANG`` environment variable, else Russian), from the API's catalogs —
``cli`` for the commands' own texts first, then the merged catalogs (``problems`` for the
refusals)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar

import click
from babel.messages.pofile import read_po

from api.i18n import LANGUAGES, TRANSLATED, catalog_path, translator
from api.messages import Message
from domain.errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])


def language_of(given: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``--lang``, else the language of ``LANG`` (``kk_KZ.UTF-8`` → kk) when it is one of
    ours, else Russian."""
    if given:
        return given
    env = os.environ if environ is None else environ
    code = env.get("LANG", "").split(".")[0].split("_")[0].lower()
    return code if code in LANGUAGES else "ru"


class Texts:
    """This command's texts in one language: its own catalog (``cli``) first, then the
    merged catalogs (``api.i18n``); ``tr`` translates the problems."""

    def __init__(self, lang: str) -> None:
        self.tr = translator(lang)
        self.lang = self.tr.lang
        self._own = _own_catalog(self.lang)

    def gettext(self, message: str, /, **params: Any) -> str:
        text = self._own.get(message) or self.tr.gettext(message)
        return text % params if params else text

    def message(self, template: str, params: Mapping[str, Any]) -> str:
        """A problem's message (its msgid and parameters) in this language."""
        return Message(template, params).text(self.tr)


@cache
def _own_catalog(lang: str) -> dict[str, str]:
    path = catalog_path(lang, "cli")
    if lang not in TRANSLATED or not path.exists():
        return {}
    with path.open("rb") as source:
        catalog = read_po(source, locale=lang, domain="cli")
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
    }


class Failed(click.ClickException):
    """A refusal, in the user's language, exit 1."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def lang_option(command: F) -> F:
    """The ``--lang`` option of a command that speaks to the user."""
    return click.option(
        "--lang",
        type=click.Choice(LANGUAGES),
        default=None,
        help="Language of the messages (default: from LANG, else ru).",
    )(command)


def refusal(error: DomainError, tr: Texts) -> Failed:
    """A domain refusal as the command's failure, in the user's language (exit 1)."""
    return Failed(
        tr.gettext(
            "Refused: %(message)s", message=Message(error.template, error.params).text(tr.tr)
        )
    )
