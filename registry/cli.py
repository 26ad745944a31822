"""The ``registry`` command line.

Every command reads ``REGISTRY_DATABASE_URL`` (or ``--database-url``); bad settings or a
refused command print a clear message and exit non-zero, storing nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from domain.errors import DomainError
from registry.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings


@contextmanager
def _application(ctx: click.Context) -> Iterator[object]:
    from registry.application import RegistryApplication

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="REGISTRY_DATABASE_URL",
    default=None,
    metavar="URL",
    help=f"sqlite:///path or postgresql://user@host:port/db[?schema=s] "
    f"(env REGISTRY_DATABASE_URL; default {DEFAULT_DATABASE_URL}).",
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """Registry of skills-championship results of East Kazakhstan region (event-sourced)."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url


@main.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """Print the store, the number of stored events and the head position."""
    with _application(ctx) as app:
        click.echo(f"store:         {app.settings.describe()}")  # type: ignore[attr-defined]
        click.echo(f"events:        {app.event_count()}")  # type: ignore[attr-defined]
        click.echo(f"head position: {app.head_position()}")  # type: ignore[attr-defined]


@main.command()
@click.option("--quiet", is_flag=True, help="Print only the one-line result.")
@click.pass_context
def demo(ctx: click.Context, quiet: bool) -> None:
    """Load the demo history of the region's 2025 championships (idempotent).

    A second run adds nothing and says so.
    """
    from registry.demo import load_demo

    with _application(ctx) as app:
        progress = None if quiet else (lambda title: click.echo(f"  … {title}", err=True))
        report = load_demo(app, progress=progress)  # type: ignore[arg-type]
        if report.added:
            click.echo(
                f"demo history loaded: {report.added} events added "
                f"({report.events_after} in the store, head position {report.head_position}) "
                f"in {report.seconds:.1f} s"
            )
        else:
            click.echo(
                f"demo history already present: nothing added "
                f"({report.events_after} events, head position {report.head_position})"
            )
        if quiet:
            return
        click.echo(f"store: {app.settings.describe()}")  # type: ignore[attr-defined]
        for summary in report.championships:
            medals = summary.vko_medals
            click.echo(
                f"- {summary.title} [{summary.level}]: {summary.competitions} competitions, "
                f"{summary.entrants} entrants, {summary.published} published; VKO medals "
                f"{medals['gold']} gold / {medals['silver']} silver / {medals['bronze']} bronze"
            )
        if report.podiums:
            click.echo("VKO podiums at republican championships:")
            for line in report.podiums:
                click.echo(f"  {line}")
        for refusal in report.refusals:
            click.echo(f"refused as intended (nothing stored): {refusal}")


def run() -> None:  # pragma: no cover - console entry point
    main(prog_name="registry")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(prog_name="registry"))
