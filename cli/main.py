"""The ``registry`` command line.

Every command reads ``REGISTRY_DATABASE_URL`` (or ``--database-url``); bad settings or a
refused command print a clear message and exit non-zero, storing nothing.
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import click

from cli.audit import audit
from cli.certificates import certificate_key_group
from cli.common import check_port_free, open_registry, processes_option, settings_problem
from cli.imports import import_file
from cli.personal_data import personal_data
from cli.texts import (
    Failed,
    Misused,
    RegistryGroup,
    language_option,
    store_name,
    texts_of,
)
from store.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings

if TYPE_CHECKING:
    from api.supervisor import ProjectorProcess


@click.group(cls=RegistryGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="REGISTRY_DATABASE_URL",
    default=None,
    metavar="URL",
    help=f"sqlite:///path or postgresql://user@host:port/db[?schema=s] "
    f"(env REGISTRY_DATABASE_URL; default {DEFAULT_DATABASE_URL}).",
)
@language_option
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """Registry of skills-championship results of East Kazakhstan region (event-sourced).

    Messages in Russian, Kazakh or English: --lang (here or after the command), else the
    LANG environment variable, else Russian.
    """
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url


@main.command()
@language_option
@click.pass_context
def info(ctx: click.Context) -> None:
    """Print the store, the number of stored events and the head position."""
    tr = texts_of(ctx)
    with open_registry(ctx) as app:
        click.echo(tr.gettext("Registry: %(store)s", store=store_name(app.settings, tr)))
        click.echo(tr.gettext("Events stored: %(events)s", events=app.event_count()))
        click.echo(tr.gettext("Last position: %(position)s", position=app.head_position()))


@main.command()
@click.option("--quiet", is_flag=True, help="Print only the one-line result.")
@language_option
@click.pass_context
def demo(ctx: click.Context, quiet: bool) -> None:
    """Load the demo history of the region's 2025 championships and of the 2026 one still in
    progress (idempotent).

    A second run adds nothing and says so.
    """
    from demo.history import load_demo

    tr = texts_of(ctx)
    with open_registry(ctx, create=True) as app:
        progress = None if quiet else (lambda title: click.echo(f"  … {title}", err=True))
        report = load_demo(app, progress=progress)
        if report.added:
            click.echo(
                tr.gettext(
                    "Demo history loaded: %(added)s events added (%(events)s in the registry, "
                    "last position %(position)s) in %(seconds)s s.",
                    added=report.added,
                    events=report.events_after,
                    position=report.head_position,
                    seconds=format(report.seconds, ".1f"),
                )
            )
        else:
            click.echo(
                tr.gettext(
                    "The demo history is already there: nothing added (%(events)s events, "
                    "last position %(position)s).",
                    events=report.events_after,
                    position=report.head_position,
                )
            )
        if quiet:
            return
        click.echo(tr.gettext("Registry: %(store)s", store=store_name(app.settings, tr)))
        for summary in report.championships:
            medals = summary.vko_medals
            if summary.published < summary.competitions:  # still in progress
                statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items()))
                click.echo(
                    "- "
                    + tr.gettext(
                        "%(title)s [%(level)s]: %(competitions)s competitions, %(entrants)s "
                        "entrants, in progress: %(statuses)s",
                        title=summary.title,
                        level=summary.level,
                        competitions=summary.competitions,
                        entrants=summary.entrants,
                        statuses=statuses,
                    )
                )
                continue
            click.echo(
                "- "
                + tr.gettext(
                    "%(title)s [%(level)s]: %(competitions)s competitions, %(entrants)s "
                    "entrants, %(published)s published; VKO medals %(gold)s gold / "
                    "%(silver)s silver / %(bronze)s bronze",
                    title=summary.title,
                    level=summary.level,
                    competitions=summary.competitions,
                    entrants=summary.entrants,
                    published=summary.published,
                    gold=medals["gold"],
                    silver=medals["silver"],
                    bronze=medals["bronze"],
                )
            )
        if report.podiums:
            click.echo(tr.gettext("VKO podiums at republican championships:"))
            for line in report.podiums:
                click.echo(f"  {line}")
        if report.prizes:
            click.echo(tr.gettext("Prizes: %(prizes)s", prizes=report.prizes))
        for refusal in report.refusals:
            click.echo(
                tr.gettext("Refused as intended (nothing recorded): %(refusal)s", refusal=refusal)
            )


def _progress_printer(label: str) -> Callable[[int, int, float], None]:
    """A progress bar with events/s and ETA on a terminal; plain lines in logs."""
    tr = texts_of()
    tty = sys.stderr.isatty()
    last = [0.0]

    def show(done: int, total: int, seconds: float) -> None:
        rate = done / seconds if seconds > 0 else 0.0
        left = max(total - done, 0)
        eta = left / rate if rate > 0 else 0.0
        if not tty and seconds - last[0] < 2.0 and done < total:
            return  # plain lines in logs: one every 2 s, and the last
        counts = tr.gettext(
            "%(done)s/%(total)s, %(rate)s events/s, %(eta)s s left",
            done=done,
            total=total,
            rate=format(rate, ",.0f"),
            eta=format(eta, ".0f"),
        )
        if tty:
            width = 30
            filled = int(width * min(done / total, 1.0)) if total else width
            bar = "#" * filled + "-" * (width - filled)
            click.echo(f"\r{label} [{bar}] {counts}", err=True, nl=False)
        else:
            last[0] = seconds
            click.echo(f"{label}: {counts}", err=True)

    return show


@main.command()
@click.option(
    "--exit-when-caught-up",
    is_flag=True,
    help="Process what is stored, then exit (0) instead of following the store.",
)
@click.option("--batch-size", default=1000, show_default=True, help="Events per transaction.")
@click.option("--wake-socket", default=None, hidden=True, help="(registry serve) wake-ups.")
@click.option("--parent-pid", default=None, type=int, hidden=True, help="(registry serve)")
@language_option
@click.pass_context
def project(
    ctx: click.Context,
    exit_when_caught_up: bool,
    batch_size: int,
    wake_socket: str | None,
    parent_pid: int | None,
) -> None:
    """Run the projector (keep the views up to date) and the prize policy.

    On PostgreSQL it follows the store live with LISTEN/NOTIFY, so any number of API
    processes can share this one projector; on SQLite it polls. A failing event stops it
    with an error naming the position (exit code 3); nothing is ever skipped.
    `registry serve` runs it as its child process on SQLite (--projector process).
    """
    from projections.base import ProjectionError
    from projections.runner import Projector
    from projections.store import ViewStore
    from registry.policy import PrizePolicy
    from store.runtime import tune_gc

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    tr = texts_of(ctx)
    with open_registry(ctx) as app:
        store = ViewStore(app.settings)
        try:
            projector = Projector(app, store, batch_size=batch_size)
            tune_gc()
            click.echo(
                tr.gettext(
                    "Projector: %(views)s, views at position %(position)s, last at %(head)s.",
                    views=str(store.path),
                    position=projector.position,
                    head=app.head_position(),
                ),
                err=True,
            )
            policy = PrizePolicy(app)
            if exit_when_caught_up:
                proposals = policy.catch_up()
                stats = projector.catch_up()
                click.echo(
                    tr.gettext(
                        "Caught up: %(events)s events in %(seconds)s s, views at position "
                        "%(position)s; prize policy at %(policy)s (%(count)s notifications).",
                        events=stats.events,
                        seconds=format(stats.seconds, ".2f"),
                        position=stats.position,
                        policy=policy.position,
                        count=proposals,
                    )
                )
                return
            listener = None
            if wake_socket:  # a child of registry serve: its API processes wake it
                from api.supervisor import WakeListener

                listener = WakeListener(wake_socket, projector, parent_pid).start()
            policy.start()
            try:
                projector.run_forever()
            except KeyboardInterrupt:
                pass
            finally:
                policy.stop()
                if listener is not None:
                    listener.close()
            click.echo(tr.gettext("Projector stopped."), err=True)
        except ProjectionError as error:
            click.echo(
                tr.gettext(
                    "The projector stopped at position %(position)s; nothing was skipped. "
                    "Details for the developers: %(reason)s",
                    position=error.position,
                    reason=error,
                ),
                err=True,
            )
            ctx.exit(3)
        finally:
            store.close()


@main.command()
@click.option(
    "--exit-when-caught-up",
    is_flag=True,
    help="Process what is stored, then exit (0) instead of following the store.",
)
@language_option
@click.pass_context
def policy(ctx: click.Context, exit_when_caught_up: bool) -> None:
    """Run the prize policy alone: propose the akimat's prize entries from published results.

    `registry serve` (SQLite) and `registry project` already run it; this runs it as its own
    process. Exactly once: its proposals and its position are stored in one transaction, so
    it can be killed at any moment and restarted, and two copies never propose twice.
    """
    from registry.policy import PrizePolicy

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    tr = texts_of(ctx)
    with open_registry(ctx) as app:
        follower = PrizePolicy(app)
        click.echo(
            tr.gettext(
                "Prize policy at position %(position)s, last event at %(head)s.",
                position=follower.position,
                head=app.head_position(),
            ),
            err=True,
        )
        if exit_when_caught_up:
            count = follower.catch_up()
            click.echo(
                tr.gettext(
                    "Prize policy caught up: %(count)s notifications processed, at position "
                    "%(position)s.",
                    count=count,
                    position=follower.position,
                )
            )
            return
        try:
            follower.run_forever()
        except KeyboardInterrupt:
            click.echo(tr.gettext("Prize policy stopped."), err=True)


@main.command()
@click.argument("views", nargs=-1)
@language_option
@click.pass_context
def rebuild(ctx: click.Context, views: tuple[str, ...]) -> None:
    """Rebuild VIEWS (default: all of them) from position 0.

    The new rows are built aside and swapped in at once, so readers never see a half-empty
    table. View names: results, audit, seal, prizes.
    """
    from projections.base import ProjectionError
    from projections.runner import rebuild as rebuild_views
    from projections.runner import select_projections
    from projections.store import ViewStore

    tr = texts_of(ctx)
    try:
        selected = [cls.name for cls in select_projections(views)]
    except ValueError:
        from projections.runner import PROJECTIONS

        raise Misused(
            tr.gettext(
                "There is no view %(unknown)s. The views are: %(known)s.",
                unknown=", ".join(v for v in views if v not in PROJECTIONS),
                known=", ".join(PROJECTIONS),
            )
        ) from None
    with open_registry(ctx) as app:
        store = ViewStore(app.settings)
        try:
            stats = rebuild_views(
                app,
                store,
                selected,
                progress=_progress_printer(
                    tr.gettext("Rebuilding %(views)s", views=", ".join(selected))
                ),
            )
        except ProjectionError as error:
            raise Failed(
                tr.gettext(
                    "The rebuild stopped at position %(position)s; nothing was skipped. "
                    "Details for the developers: %(reason)s",
                    position=error.position,
                    reason=error,
                )
            ) from None
        finally:
            store.close()
        if sys.stderr.isatty():
            click.echo("", err=True)
        click.echo(
            tr.gettext(
                "Rebuilt %(views)s: %(events)s events in %(seconds)s s (%(rate)s events/s), "
                "views at position %(position)s.",
                views=", ".join(selected),
                events=stats.events,
                seconds=format(stats.seconds, ".2f"),
                rate=format(stats.rate, ",.0f"),
                position=stats.position,
            )
        )


# ---------------------------------------------------------------------- accounts and serve


@main.group()
def accounts() -> None:
    """Create accounts, rotate their tokens, revoke them (acting as the system)."""


@accounts.command("create")
@click.option("--name", required=True, help="The account's name (its natural key).")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "organiser", "chief_expert", "expert", "akimat", "auditor"]),
    help="The account's role.",
)
@click.option(
    "--competition",
    "competitions",
    multiple=True,
    type=click.UUID,
    metavar="ID",
    help="Scope an expert to this competition (repeatable).",
)
@language_option
@click.pass_context
def accounts_create(
    ctx: click.Context, name: str, role: str, competitions: tuple[UUID, ...]
) -> None:
    """Create an account and print its bearer token (shown only now).

    The first admin is made this way; the admin then makes the others over the API.
    """
    from domain.ids import SYSTEM_ACTOR

    tr = texts_of(ctx)
    with open_registry(ctx, create=True) as app:
        created = app.create_account(
            actor=SYSTEM_ACTOR, name=name, role=role, competition_ids=list(competitions)
        )
    if created.token is None:
        click.echo(
            tr.gettext(
                "The account %(account)s already exists (%(role)s); its token is not shown "
                "again: issue a new one with `registry accounts rotate %(account)s`.",
                account=created.id,
                role=role,
            )
        )
        return
    # KEY: value lines, for scripts; what to do with them, in words, on stderr
    click.echo(f"account: {created.id}")
    click.echo(f"role:    {role}")
    click.echo(f"token:   {created.token}")
    click.echo(
        tr.gettext(
            "The account is created. Its token is shown only now: hand it to its owner "
            "privately; whoever holds it acts as this account."
        ),
        err=True,
    )


@accounts.command("rotate")
@click.argument("account_id", type=click.UUID, metavar="ID")
@language_option
@click.pass_context
def accounts_rotate(ctx: click.Context, account_id: UUID) -> None:
    """Issue a new token for account ID and print it; the old token is refused at once."""
    from domain.ids import SYSTEM_ACTOR

    with open_registry(ctx) as app:
        rotated = app.rotate_token(actor=SYSTEM_ACTOR, account_id=account_id)
    click.echo(f"account: {rotated.id}")  # KEY: value lines, for scripts
    click.echo(f"token:   {rotated.token}")
    click.echo(
        texts_of(ctx).gettext(
            "A new token is issued; the old one is refused from now on. The new token is "
            "shown only now: hand it to its owner privately."
        ),
        err=True,
    )


@accounts.command("revoke")
@click.argument("account_id", type=click.UUID, metavar="ID")
@click.option("--reason", required=True, help="Why (recorded in the history).")
@language_option
@click.pass_context
def accounts_revoke(ctx: click.Context, account_id: UUID, reason: str) -> None:
    """Revoke account ID: its token is refused at once, on every API process."""
    from domain.ids import SYSTEM_ACTOR

    with open_registry(ctx) as app:
        result = app.revoke_account(actor=SYSTEM_ACTOR, account_id=account_id, reason=reason)
    tr = texts_of(ctx)
    click.echo(
        tr.gettext(
            "The account %(account)s is revoked: its token is refused from now on.",
            account=result.id,
        )
        if result.recorded
        else tr.gettext(
            "The account %(account)s was revoked before: nothing new was recorded.",
            account=result.id,
        )
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@processes_option("--workers", "uvicorn worker processes.")
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Load the demo history first and write tokens for its accounts to --tokens-file.",
)
@click.option(
    "--tokens-file",
    default="var/demo-tokens.txt",
    show_default=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where --demo writes the demo accounts' tokens (mode 600).",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (costs about 40 % of a small request's throughput).",
)
@click.option(
    "--projector",
    type=click.Choice(["process", "in-process", "external"]),
    default=None,
    help="Run the projector as a child process of this one (default on SQLite with more "
    "than one CPU), in this process (default on SQLite with one CPU), or rely on a separate "
    "`registry project` (default on PostgreSQL). Env REGISTRY_PROJECTOR.",
)
@language_option
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    workers: int,
    with_demo: bool,
    tokens_file: str,
    access_log: bool,
    projector: str | None,
) -> None:
    """Serve the web pages, the HTTP API and the results (uvicorn, factory
    api.server:create_server_app_from_env), with the projector.

    Pages at / (sign-in at /login); OpenAPI at /schema (Swagger UI /schema/swagger, ReDoc
    /schema/redoc); /healthz, /readyz.
    """
    import os

    tr = texts_of(ctx)
    check_port_free(host, port)  # before anything starts, demo or store
    if projector:
        os.environ["REGISTRY_PROJECTOR"] = projector
    from api.server import requested_projector_mode

    try:
        requested_projector_mode()  # a wrong REGISTRY_PROJECTOR: refused before the store
    except SettingsError as error:
        raise Failed(settings_problem(error, tr)) from None
    with open_registry(ctx, create=True) as app:  # fails fast, clearly, on a bad store
        os.environ["REGISTRY_DATABASE_URL"] = app.settings.database_url
        from api.server import default_projector_mode

        try:
            mode = default_projector_mode(app, serving=True)
        except SettingsError as error:
            raise Failed(settings_problem(error, tr)) from None
        if with_demo:
            from demo.history import load_demo
            from demo.tokens import issue_demo_tokens

            report = load_demo(app)
            click.echo(
                tr.gettext(
                    "Demo history: %(added)s events added (%(events)s in the registry).",
                    added=report.added,
                    events=report.events_after,
                )
            )
            issued = issue_demo_tokens(app, Path(tokens_file))
            click.echo(
                tr.gettext(
                    "Tokens of %(count)s demo accounts (%(roles)s) are written to %(file)s "
                    "(readable by you only).",
                    count=len(issued),
                    roles=", ".join(sorted({t.role for t in issued})),
                    file=str(Path(tokens_file).resolve()),
                )
            )
    import uvicorn

    follower = child = None
    if mode == "process":
        child = _start_projector_process(ctx)
    elif mode == "in-process" and workers > 1:
        # One projector for all workers: it runs here, in the supervising process.
        from projections.runner import Projector
        from projections.store import ViewStore
        from registry.application import RegistryApplication
        from registry.policy import PrizePolicy

        projector_app = RegistryApplication(load_settings())
        follower = Projector(projector_app, ViewStore(projector_app.settings)).start()
        prize_policy = PrizePolicy(projector_app).start()
        os.environ["REGISTRY_PROJECTOR"] = "external"
    address = f"http://{host}:{port}"
    click.echo(
        tr.gettext(
            "The registry is open at %(address)s/ (sign-in: %(address)s/login; API: "
            "%(address)s/schema/swagger); projector: %(mode)s.",
            address=address,
            mode=mode,
        )
    )
    if with_demo:
        click.echo(
            tr.gettext(
                "Sign in at %(address)s/login with a token from %(file)s (the auditor's "
                "token opens the audit workbench at /audit).",
                address=address,
                file=str(Path(tokens_file).resolve()),
            )
        )
    from api.limits import LimitedHttpToolsProtocol

    try:
        uvicorn.run(
            "api.server:create_server_app_from_env",
            factory=True,
            http=LimitedHttpToolsProtocol,  # bounded request headers (431)
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
        )
    finally:
        if follower is not None:
            prize_policy.stop()
            follower.stop()
        if child is not None:
            child.stop()
            shutil.rmtree(Path(child.status_path).parent, ignore_errors=True)


def _start_projector_process(ctx: click.Context) -> ProjectorProcess:
    """``registry project`` as this server's child (:mod:`api.supervisor`): started now
    (it catches up first), restarted if it exits, woken by the API processes' saves through
    a datagram socket; the API processes read the views as with an external projector."""
    import os
    import tempfile

    from api.supervisor import ProjectorProcess

    tr = texts_of(ctx)
    folder = Path(tempfile.mkdtemp(prefix="registry-serve-"))
    wake, status = str(folder / "wake.sock"), folder / "projector.json"
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "--lang",
        tr.lang,
        "project",
        "--wake-socket",
        wake,
        "--parent-pid",
        str(os.getpid()),
    ]

    def notify(event: str, params: dict[str, object]) -> None:
        if event == "started":
            text = tr.gettext(
                "The projector runs as its own process (pid %(pid)s); it keeps the views up "
                "to date and is restarted if it stops.",
                **params,
            )
        elif event == "exited":
            text = tr.gettext(
                "The projector process (pid %(pid)s) stopped with exit code %(code)s: the "
                "views are not updated now. It is restarted in %(delay)s s; see its messages "
                "above. /readyz answers 503 meanwhile.",
                pid=params["pid"],
                code=params["code"],
                delay=format(float(str(params["delay"])), ".0f"),
            )
        else:
            text = tr.gettext(
                "The projector process is restarted (pid %(pid)s, restart %(restarts)s).",
                **params,
            )
        click.echo(text, err=True)

    child = ProjectorProcess(command, status_path=status, wake_path=wake, notify=notify)
    child.start()
    os.environ["REGISTRY_PROJECTOR"] = "external"  # the API processes read the views
    os.environ["REGISTRY_PROJECTOR_WAKE"] = wake
    os.environ["REGISTRY_PROJECTOR_STATUS"] = str(status)
    return child


main.add_command(audit)
main.add_command(personal_data)
main.add_command(import_file)
main.add_command(certificate_key_group)


def run() -> None:  # pragma: no cover - console entry point
    main(prog_name="registry")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(prog_name="registry"))
