"""What the ``registry`` commands share: opening the registry with clear messages, and the
option of the commands that can spread their work over processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click

from domain.errors import DomainError
from registry.application import RegistryApplication
from store.settings import SettingsError, load_settings

F = TypeVar("F", bound=Callable[..., object])

#: the most processes a command may be asked to start
MAX_PROCESSES = 64


@contextmanager
def open_registry(ctx: click.Context) -> Iterator[RegistryApplication]:
    try:
        settings = load_settings(ctx.obj.get("database_url"))
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
