"""Commands of ``registry audit`` (see ``cli.audit``): ``export`` and ``import``,
the backup and the exact restore of the whole history.

``registry audit export FILE [--after N]`` writes the audit feed's lines (the same lines as
``GET /api/v1/audit/events``, made by :mod:`projections.audit_feed`) with one more field,
``state``: the stored bytes, base64, exactly as stored. With the line's ``position``,
``aggregate_id``, ``version`` and ``type`` (the stored topic) that is everything the store
holds. The file is written aside and renamed into place when complete, so a FILE that
exists is never a half export. A full export prints the head hash of the seal chain.

``registry audit import FILE`` writes those rows back into an **empty** store — same
positions, topics, state bytes and versions — in one transaction: a failed import leaves
the store empty. It checks as it goes that positions increase and each aggregate's versions
run 1, 2, 3…, and prints the head hash of the chain it wrote, to compare with the export's
(the seal chain commits to positions, ids, versions, topics and state bytes, so equal hashes
mean an identical history). Views are not copied: they are rebuilt from the events
(``registry rebuild``, or the projector catches up when it starts). The SQL of both
backends is ``store.events.RestoreWriter``'s.
"""

from __future__ import annotations

import base64
import binascii
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from uuid import UUID

import click
import msgspec

from api.i18n import N_
from cli.common import open_registry
from cli.texts import Failed, Texts, language_option, store_name, texts_of
from projections.audit_feed import Feed, Row
from projections.seal import GENESIS, canonical_bytes, next_hash
from store.events import EventStore, RestoreWriter
from store.settings import Settings

#: rows per INSERT statement; larger executemany batches once hung in psycopg's pipeline
IMPORT_BATCH = 2_000


class RestoreError(Exception):
    """The file cannot be restored (or the store is not empty); nothing was written. Its
    message is a msgid of the ``cli`` catalog with its parameters (:meth:`text`)."""

    def __init__(self, template: str, /, **params: object) -> None:
        super().__init__(template % self._words(params, Settings.describe))
        self.template = template
        self.params = params

    def text(self, tr: Texts) -> str:
        return tr.gettext(self.template, **self._words(self.params, lambda s: store_name(s, tr)))

    @staticmethod
    def _words(params: dict[str, object], name: Callable[[Settings], str]) -> dict[str, object]:
        """The parameters, a registry named in words."""
        return {k: name(v) if isinstance(v, Settings) else v for k, v in params.items()}


class RestoreReport(msgspec.Struct):
    events: int
    first_position: int | None
    last_position: int | None
    head_hash: str


class _Line(msgspec.Struct):
    """What the import reads from an export line (the other fields are for people)."""

    position: int
    aggregate_id: UUID
    version: int
    type: str
    state: str


_decode_line = msgspec.json.Decoder(_Line).decode


def restore(
    app: EventStore, lines: Iterable[bytes], *, progress: Callable[[int], None] | None = None
) -> RestoreReport:
    """Write the rows of an export into the (empty) store, exactly; all or nothing."""
    chain = GENESIS
    versions: dict[UUID, int] = {}
    count, first, last = 0, None, None
    writer = RestoreWriter.of(app)
    with writer.datastore.transaction(commit=True) as cursor:
        stored = writer.lock_and_count(cursor)
        if stored:
            raise RestoreError(
                N_(
                    "The registry at %(store)s is not empty (%(events)s events): a backup is "
                    "restored into an empty registry only."
                ),
                store=app.settings,
                events=stored,
            )
        pending: list[tuple[int, UUID, int, str, bytes]] = []
        for number, raw in enumerate(lines, start=1):
            if progress is not None:
                progress(len(raw))
            if not raw.strip():
                continue
            try:
                line = _decode_line(raw)
                state = base64.b64decode(line.state, validate=True)
            except (msgspec.DecodeError, msgspec.ValidationError, binascii.Error) as error:
                raise RestoreError(
                    N_("Line %(line)s is not a line of an export (%(reason)s)."),
                    line=number,
                    reason=error,
                ) from None
            if last is not None and line.position <= last:
                raise RestoreError(
                    N_(
                        "Line %(line)s: position %(position)s does not follow %(last)s: the "
                        "lines are out of order."
                    ),
                    line=number,
                    position=line.position,
                    last=last,
                )
            expected = versions.get(line.aggregate_id, 0) + 1
            if line.version != expected:
                raise RestoreError(
                    N_(
                        "Line %(line)s: version %(version)s of %(id)s where %(expected)s was "
                        "due: the file is not a whole history (exported with --after?)."
                    ),
                    line=number,
                    id=line.aggregate_id,
                    version=line.version,
                    expected=expected,
                )
            versions[line.aggregate_id] = line.version
            chain = next_hash(
                chain,
                canonical_bytes(line.position, line.aggregate_id, line.version, line.type, state),
            )
            pending.append((line.position, line.aggregate_id, line.version, line.type, state))
            count += 1
            first = line.position if first is None else first
            last = line.position
            if len(pending) >= IMPORT_BATCH:
                writer.insert(cursor, pending)
                pending = []
        writer.insert(cursor, pending)
        writer.finish(cursor, last)
    return RestoreReport(count, first, last, chain.hex())


def _views_position(app: EventStore) -> int:
    """The furthest position any view of this store has processed (0: none)."""
    from projections.runner import PROJECTIONS
    from projections.store import ViewStore

    store = ViewStore(app.settings)
    try:
        return max((store.position(name) for name in PROJECTIONS), default=0)
    finally:
        store.close()


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--after",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Export only the events after this position (an incremental export).",
)
@language_option
@click.pass_context
def export(ctx: click.Context, file: Path, after: int) -> None:
    """Write every event (after --after) to FILE as NDJSON: the audit feed's lines plus the
    stored bytes (`state`, base64), enough for `registry audit import` to restore the store
    exactly. Prints the seal chain's head hash for a full export."""

    with open_registry(ctx) as app:
        head = app.head_position()
        chain = [GENESIS]

        def seal(row: Row) -> None:
            chain[0] = next_hash(
                chain[0],
                canonical_bytes(
                    row.id, row.originator_id, row.originator_version, row.topic, row.state
                ),
            )

        feed = Feed(app, head=head, after=after, export=True, batch=5_000, observe=seal)
        aside = file.with_name(file.name + ".partial")
        try:
            with (
                aside.open("wb") as out,
                click.progressbar(
                    length=max(head - after, 0),
                    label=texts_of(ctx).gettext("Exporting"),
                    file=sys.stderr,
                ) as bar,
            ):
                done = after
                for chunk in feed.chunks():
                    out.write(chunk)
                    bar.update(feed.position - done)
                    done = feed.position
                out.flush()
                os.fsync(out.fileno())
            os.replace(aside, file)
        except BaseException:
            aside.unlink(missing_ok=True)
            raise
        tr = texts_of(ctx)
        click.echo(
            tr.gettext(
                "Exported %(events)s events (positions %(first)s..%(last)s) from %(store)s "
                "to %(file)s.",
                events=feed.lines,
                first=after + 1,
                last=head,
                store=store_name(app.settings, tr),
                file=str(file),
            )
            if feed.lines
            else tr.gettext(
                "Nothing to export after position %(after)s in %(store)s; %(file)s is empty.",
                after=after,
                store=store_name(app.settings, tr),
                file=str(file),
            )
        )
        if after == 0:
            click.echo(f"head position: {head}")
            click.echo(f"head hash:     {chain[0].hex()}")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@language_option
@click.pass_context
def import_(ctx: click.Context, file: Path) -> None:
    """Restore an export (FILE) into an EMPTY store: the same positions, topics, state bytes
    and versions, in one transaction. Refuses a store that holds any event. Prints the seal
    chain's head hash, to compare with the export's."""

    tr = texts_of(ctx)
    with open_registry(ctx, create=True) as app:
        size = file.stat().st_size
        try:
            with (
                file.open("rb") as source,
                click.progressbar(
                    length=size, label=tr.gettext("Importing"), file=sys.stderr
                ) as bar,
            ):
                report = restore(app, source, progress=bar.update)
        except RestoreError as error:
            raise Failed(
                tr.gettext("Nothing was imported: %(reason)s", reason=error.text(tr))
            ) from None
        click.echo(
            tr.gettext(
                "Imported %(events)s events (positions %(first)s..%(last)s) into %(store)s.",
                events=report.events,
                first=report.first_position,
                last=report.last_position,
                store=store_name(app.settings, tr),
            )
            if report.events
            else tr.gettext(
                "The file holds no events: nothing was imported into %(store)s.",
                store=store_name(app.settings, tr),
            )
        )
        click.echo(f"head position: {report.last_position or 0}")
        click.echo(f"head hash:     {report.head_hash}")
        views = _views_position(app)
        if views:
            click.echo(
                tr.gettext(
                    "Warning: the views of this registry are at position %(position)s of an "
                    "earlier history: run `registry rebuild`.",
                    position=views,
                ),
                err=True,
            )
