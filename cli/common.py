"""What every ``registry`` command shares: opening the registry with clear messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from domain.errors import DomainError
from registry.application import RegistryApplication
from store.settings import SettingsError, load_settings


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
