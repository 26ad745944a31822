"""What the ``registry`` commands share: opening the registry with clear messages, and the
option of the commands that can spread their work over processes.

Only the commands that make a store (``serve``, ``demo``, ``accounts create`` — the first
admin of a new store — and ``audit import`` — a restore into an empty one) open a store that
does not exist yet; every other command refuses it, so a mistyped SQLite path or PostgreSQL
schema is an error (exit 1) rather than a new, empty store answering "0 events".
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click

from cli.texts import Failed, Texts, refusal, store_name, texts_of
from domain.errors import DomainError
from registry.application import RegistryApplication
from store.settings import SettingsError, load_settings, store_exists

F = TypeVar("F", bound=Callable[..., object])

#: the most processes a command may be asked to start
MAX_PROCESSES = 64


#: the library's events table in PostgreSQL, named after the application: its presence is
#: what makes a schema a store
EVENTS_TABLE = f"{RegistryApplication.name.lower()}_events"


@contextmanager
def open_registry(ctx: click.Context, *, create: bool = False) -> Iterator[RegistryApplication]:
    """The registry of the command's store; a store that does not exist is refused (exit 1,
    naming it) unless ``create`` (the commands that make a store). Its errors, and a refusal
    of the domain inside the block, are said in the command's language (``cli.texts``)."""
    tr = texts_of(ctx)
    try:
        settings = load_settings(ctx.obj.get("database_url"))
    except SettingsError as error:
        raise Failed(settings_problem(error, tr)) from None
    try:
        exists = create or store_exists(settings, EVENTS_TABLE)
        app = RegistryApplication(settings) if exists else None
    except Exception as error:  # the library reports an unreachable store in several ways
        if isinstance(error, SettingsError):  # ours: the server named, in the user's words
            reason = tr.gettext(error.template, **error.params)
        else:
            reason = str(error).strip() or type(error).__name__
        raise Failed(
            tr.gettext(
                "Cannot open the registry's database: %(reason)s. Check that the database "
                "server is running and REGISTRY_DATABASE_URL is right.",
                reason=reason,
            )
        ) from None
    if app is None:
        raise Failed(
            tr.gettext(
                "There is no registry at %(store)s. Check REGISTRY_DATABASE_URL or "
                "--database-url; a new registry is made by `registry serve`, `registry "
                "demo` or `registry accounts create`. Nothing was recorded.",
                store=store_name(settings, tr),
            )
        )
    try:
        yield app
    except DomainError as error:
        raise refusal(error, tr) from None
    finally:
        app.close()


def settings_problem(error: SettingsError, tr: Texts) -> str:
    """Wrong settings (``store.settings``, ``api.server``), in the user's language: what to
    change (the error's own msgid and parameters)."""
    return tr.gettext(
        "The settings cannot be used: %(reason)s Nothing was recorded.",
        reason=tr.gettext(error.template, **error.params),
    )


def processes_option(name: str, help: str) -> Callable[[F], F]:
    """An option ``name`` for how many processes a command runs in: 1 (the default) to
    ``MAX_PROCESSES``."""
    return click.option(
        name, default=1, show_default=True, type=click.IntRange(1, MAX_PROCESSES), help=help
    )


def check_port_free(host: str, port: int) -> None:
    """Refuse (exit 1, naming the port) to serve on ``host:port`` when it cannot be listened
    on — another server holds it, or the address is not this machine's — before anything is
    started. Bound the way uvicorn binds (SO_REUSEADDR), so a port in TIME_WAIT counts as
    free, as it is for uvicorn."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn chooses it
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            tr = texts_of()
            if error.errno == errno.EADDRINUSE:
                raise Failed(
                    tr.gettext(
                        "Port %(port)s is already in use (another server?): choose another "
                        "with --port. Nothing was started.",
                        port=port,
                    )
                ) from None
            raise Failed(
                tr.gettext(
                    "Cannot listen on %(address)s: %(reason)s. Nothing was started.",
                    address=":".join((host, str(port))),
                    reason=str(error.strerror or error),
                )
            ) from None
