"""What the ``registry`` commands say, in the user's language: Russian, Kazakh or English
(``--lang``, else the ``LANG`` environment variable, else Russian), from the API's catalogs —
``cli`` for the commands' own texts first, then the merged catalogs (``problems`` for the
refusals).

One rule for every command: ``--lang`` is an option of the ``registry`` group and of each
command that speaks (``registry --lang kk audit verify`` = ``registry audit verify --lang
kk``); the language given is kept in the click context (:func:`remember_language`), where
:func:`texts_of` — and so :func:`cli.common.open_registry` — finds it."""

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
from store.settings import Settings

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


def store_name(settings: Settings, tr: Texts) -> str:
    """The registry's database, in the user's words (``Settings.describe``, translated)."""
    if settings.backend == "sqlite":
        return tr.gettext("the SQLite file %(path)s", path=str(settings.sqlite_path))
    where = f"{settings.pg_user}@{settings.pg_host}:{settings.pg_port}/{settings.pg_dbname}"
    return tr.gettext(
        "the PostgreSQL database %(database)s, schema %(schema)s",
        database=where,
        schema=settings.pg_schema,
    )


class Failed(click.ClickException):
    """A refusal, in the user's language, exit 1."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class Misused(Failed):
    """A command given wrong arguments, in the user's language, exit 2 (as click's own)."""

    exit_code = 2


#: where the context keeps the language given with ``--lang``
LANG_KEY = "lang"


def remember_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Keep a ``--lang`` given in the context (a command's wins over the group's); the
    language given to this command or, failing that, to the group."""
    found = ctx.find_object(dict)
    if value:
        if found is None:
            found = ctx.ensure_object(dict)
        found[LANG_KEY] = value
        return value
    return None if found is None else found.get(LANG_KEY)


def texts_of(ctx: click.Context | None = None) -> Texts:
    """The texts in the language of the command running in ``ctx`` (default: the current
    one): its ``--lang`` or the group's, else ``LANG``, else Russian."""
    ctx = ctx if ctx is not None else click.get_current_context(silent=True)
    found = None if ctx is None else ctx.find_object(dict)
    return Texts(language_of(None if found is None else found.get(LANG_KEY)))


def _language_option(expose: bool) -> Callable[[F], F]:
    return click.option(
        "--lang",
        type=click.Choice(LANGUAGES),
        default=None,
        callback=remember_language,
        expose_value=expose,
        is_eager=True,  # known before the other options are checked
        help="Language of the messages (default: from LANG, else ru).",
    )


def lang_option(command: F) -> F:
    """The ``--lang`` option of a command that speaks to the user, passed as ``lang`` (the
    language given to the command or to the ``registry`` group; None: from ``LANG``)."""
    return _language_option(True)(command)


#: the ``--lang`` option of a command (or group) that reads it through :func:`texts_of`
language_option: Callable[[F], F] = _language_option(False)


def refusal(error: DomainError, tr: Texts) -> Failed:
    """A domain refusal as the command's failure, in the user's language (exit 1)."""
    return Failed(
        tr.gettext(
            "Refused: %(message)s", message=Message(error.template, error.params).text(tr.tr)
        )
    )


def usage_problem(error: click.UsageError) -> Misused:
    """Click's own complaint about the command line (a missing option, a value of the wrong
    kind, an unknown command) said in the user's language, exit 2 (as click's)."""
    tr = texts_of(error.ctx)
    text = _usage_text(error, tr)
    if error.ctx is not None:
        text += "\n" + tr.gettext("Help: %(command)s --help", command=error.ctx.command_path)
    return Misused(text)


def _param_hint(error: click.UsageError) -> str:
    hint = getattr(error, "param_hint", None)
    param = getattr(error, "param", None)
    if hint is None and param is not None:
        hint = param.get_error_hint(error.ctx)
    if isinstance(hint, str) or hint is None:
        return hint or ""
    return " / ".join(hint)


def _usage_text(error: click.UsageError, tr: Texts) -> str:
    param = getattr(error, "param", None)
    hint = _param_hint(error)
    if isinstance(error, click.MissingParameter):
        return tr.gettext("%(param)s is missing: give it.", param=hint)
    if isinstance(error, click.NoSuchOption):
        text = tr.gettext("There is no option %(option)s.", option=error.option_name)
        if error.possibilities:
            text += " " + tr.gettext(
                "Did you mean %(options)s?", options=", ".join(error.possibilities)
            )
        return text
    no_such_command = getattr(click.exceptions, "NoSuchCommand", None)
    if no_such_command is not None and isinstance(error, no_such_command):
        text = tr.gettext("There is no command %(command)s.", command=error.command_name)
        if error.possibilities:
            text += " " + tr.gettext(
                "Did you mean %(options)s?", options=", ".join(error.possibilities)
            )
        return text
    if isinstance(error, click.BadParameter) and param is not None:
        kind = param.type
        if isinstance(kind, click.types.UUIDParameterType):
            return tr.gettext(
                "%(param)s must be an id such as 6a8be9d9-04cc-503a-beef-f1cb33f90578.",
                param=hint,
            )
        if isinstance(kind, click.Choice):
            return tr.gettext(
                "%(param)s must be one of: %(choices)s.",
                param=hint,
                choices=", ".join(str(c) for c in kind.choices),
            )
        if isinstance(kind, click.IntRange) and (kind.min is not None or kind.max is not None):
            return tr.gettext(
                "%(param)s must be a whole number from %(min)s to %(max)s.",
                param=hint,
                min="…" if kind.min is None else kind.min,
                max="…" if kind.max is None else kind.max,
            )
        if isinstance(kind, click.types.IntParamType):
            return tr.gettext("%(param)s must be a whole number.", param=hint)
        if isinstance(kind, click.Path) and "does not exist" in error.message:
            return tr.gettext("%(param)s: there is no such file.", param=hint)
        return tr.gettext(
            "%(param)s has a wrong value: %(reason)s", param=hint, reason=error.message
        )
    return tr.gettext("The command is given wrongly: %(reason)s", reason=error.format_message())


class RegistryGroup(click.Group):
    """The ``registry`` group: click's complaints about the command line, of the group and
    of every command under it, are said in the user's language (:func:`usage_problem`)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise _translated(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _translated(error) from None


def _translated(error: click.UsageError) -> click.UsageError | Misused:
    help_only = getattr(click.exceptions, "NoArgsIsHelpError", None)
    if help_only is not None and isinstance(error, help_only):
        return error  # a bare `registry` (or group): its help, as click shows it
    return usage_problem(error)
