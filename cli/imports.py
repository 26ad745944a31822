"""``registry import KIND FILE``: a spreadsheet imported from the command line (issue 16).

The same import as ``POST /api/v1/imports`` (:func:`registry.imports.run_import`), acting as
the account whose token is given (``--token`` or ``REGISTRY_TOKEN``): its role decides what it
may import (:func:`registry.imports.check_import_allowed`, as the API's guard). A progress bar
on stderr while the rows are checked; the problems as a table on stdout; messages in Russian,
Kazakh or English (``--lang``, else the ``LANG`` environment variable, else Russian), from the
API's catalogs (``cli`` for this command's texts, ``problems`` for the problems). Exit 0 when
the file was imported (or checked, with ``--dry-run``) without a problem, or was imported
before; 1 when it has problems or is refused — and then nothing is recorded.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from api.i18n import N_
from cli.common import open_registry
from cli.texts import Failed, Texts, lang_option, language_of, refusal
from domain.errors import DomainError
from domain.imports import ImportKind

if TYPE_CHECKING:  # the import itself is loaded when the command runs (``registry --help``
    # and the other commands never load the spreadsheet reader)
    from registry.imports import ImportAnswer, ImportProblem

KINDS = tuple(kind.value for kind in ImportKind)

#: what the counts of an answer name
COUNT_NAMES: Mapping[str, str] = {
    "organisations": N_("organisations"),
    "participants": N_("participants"),
    "entrants": N_("entries into the competition"),
    "experts": N_("experts assigned"),
    "aspects": N_("aspects of the marking scheme"),
    "marks": N_("marks"),
}


def _counts(counts: Mapping[str, int] | None, tr: Texts) -> str:
    return ", ".join(
        f"{tr.gettext(COUNT_NAMES[key]) if key in COUNT_NAMES else key}: {number}"
        for key, number in (counts or {}).items()
    )


def _table(problems: Sequence[ImportProblem], tr: Texts) -> list[str]:
    """The problems as a plain text table (sheet, row, column, value, problem)."""
    header = [
        tr.gettext("Sheet"),
        tr.gettext("Row"),
        tr.gettext("Column"),
        tr.gettext("Value"),
        tr.gettext("Problem"),
    ]
    rows = [
        [
            p.sheet,
            "" if p.row is None else str(p.row),
            p.column or "",
            _cut(p.value or "", 40),
            tr.message(p.message, p.params),
        ]
        for p in problems
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = []
    for cells in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells[:4], widths, strict=True)))
        lines[-1] += "  " + cells[4]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(header[4]))
    return lines


def _cut(text: str, most: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


def _progress(tr: Texts) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A click progress bar on stderr, made when the number of rows is known."""
    bars: list[Any] = []

    def update(done: int, total: int) -> None:
        if not bars:
            bar = click.progressbar(
                length=max(total, 1),
                label=tr.gettext("Checking the rows"),
                file=sys.stderr,
                show_pos=True,
            )
            bar.__enter__()
            bars.append(bar)
        bar = bars[0]
        if done > bar.pos:
            bar.update(done - bar.pos)

    def close() -> None:
        if bars:
            bars[0].__exit__(None, None, None)

    return update, close


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS), metavar="KIND")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE")
@click.option(
    "--competition",
    "competition_id",
    type=click.UUID,
    metavar="ID",
    help="The competition the file is for (needed except for participants).",
)
@click.option(
    "--dry-run", is_flag=True, help="Check the file and show the problems; record nothing."
)
@click.option(
    "--token",
    envvar="REGISTRY_TOKEN",
    default=None,
    metavar="TOKEN",
    help="The bearer token of the account that imports (env REGISTRY_TOKEN); its role "
    "decides what it may import, as through the API.",
)
@lang_option
@click.pass_context
def import_file(
    ctx: click.Context,
    kind: str,
    file: Path,
    competition_id: UUID | None,
    dry_run: bool,
    token: str | None,
    lang: str | None,
) -> None:
    """Import a spreadsheet FILE of KIND (participants, experts, scheme, marks).

    The whole file or nothing, through the same rules as the API; --dry-run shows what
    would be created and every problem. Exit 1 when the file has problems or is refused.
    """
    tr = Texts(language_of(lang))
    if not token:
        raise Failed(tr.gettext("A token is needed: give --token or set REGISTRY_TOKEN."))
    try:
        size = file.stat().st_size
    except OSError as error:
        raise Failed(
            tr.gettext("Cannot read %(file)s: %(reason)s", file=str(file), reason=error.strerror)
        ) from None
    from registry.imports import (
        SheetRefused,
        check_import_allowed,
        problem_of_refusal,
        run_import,
    )
    from sheets.reader import Limits

    most = Limits().max_bytes
    if size > most:  # refused before reading it into memory
        megabytes = format(size / 2**20, ".1f")
        raise Failed(
            tr.gettext(
                "The file is %(size)s MB; at most %(limit)s MB are accepted. Nothing was recorded.",
                size=megabytes,
                limit=most // 2**20,
            )
        )
    data = file.read_bytes()
    with open_registry(ctx) as app:
        account = app.authenticate(token)
        if account is None:
            raise Failed(tr.gettext("The token is unknown, rotated out or revoked."))
        update, close = _progress(tr)
        try:
            check_import_allowed(account, kind, competition_id)
            answer = run_import(
                app,
                actor=account.id,
                kind=kind,
                competition_id=competition_id,
                data=data,
                filename=file.name,
                dry_run=dry_run,
                progress=update,
            )
        except SheetRefused as error:
            close()
            _report_refused(problem_of_refusal(error), tr)
            ctx.exit(1)
        except DomainError as error:
            close()
            raise refusal(error, tr) from None
        close()
    ctx.exit(_report(answer, tr))


def _report_refused(problem: ImportProblem, tr: Texts) -> None:
    click.echo(tr.gettext("The file is refused; nothing was recorded."), err=True)
    for line in _table([problem], tr):
        click.echo(line)


def _report(answer: ImportAnswer, tr: Texts) -> int:
    """Print the answer; the exit code."""
    if answer.already_imported:
        click.echo(
            tr.gettext(
                "This file was imported before (position %(position)s); nothing new was recorded.",
                position=answer.position,
            )
        )
        click.echo(tr.gettext("It created: %(counts)s", counts=_counts(answer.created, tr)))
        return 0
    click.echo(tr.gettext("Rows read: %(rows)s", rows=answer.rows))
    if answer.problems:
        click.echo(
            tr.gettext(
                "The file has %(count)s problems; nothing was recorded.",
                count=len(answer.problems),
            ),
            err=True,
        )
        for line in _table(answer.problems, tr):
            click.echo(line)
        if answer.problems_truncated:
            click.echo(tr.gettext("(only the first problems are listed)"))
        return 1
    if answer.dry_run:
        click.echo(tr.gettext("Dry run: nothing was recorded."))
        click.echo(
            tr.gettext("It would create: %(counts)s", counts=_counts(answer.would_create, tr))
        )
        return 0
    click.echo(
        tr.gettext(
            "Imported (position %(position)s): %(counts)s",
            position=answer.position,
            counts=_counts(answer.created, tr),
        )
    )
    return 0
