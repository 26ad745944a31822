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
    naming it) unless ``create`` (the commands that make a store)."""
    try:
        settings = load_settings(ctx.obj.get("database_url"))
        if not create and not store_exists(settings, EVENTS_TABLE):
            raise SettingsError(
                f"no store at {settings.describe()}: check REGISTRY_DATABASE_URL or "
                "--database-url (`registry serve`, `registry demo` or `registry accounts "
                "create` make a new store)"
            )
        app = RegistryApplication(settings)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:  # the library reports an unreachable store in several ways
        raise click.ClickException(f"cannot open the event store: {error}") from None
    try:
        yield app
    except DomainError as error:
        raise click.ClickException(f"refused ({error.code}): {error.message}") from None
    finally:
        app.close()


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
            why = (
                f"port {port} is already in use (another server?): choose another with --port"
                if error.errno == errno.EADDRINUSE
                else str(error.strerror or error)
            )
            raise click.ClickException(f"cannot listen on {host}:{port}: {why}") from None
