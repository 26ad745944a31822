"""``registry certificate-key export FILE`` / ``import FILE``: the key that makes certificate
codes unguessable (``store.certificate_key``), carried with a backup.

The key lives in a table beside the events, never in an event, so the event feed that
auditors read (and ``registry audit export``) does not hold it. A store restored from a
backup makes a key of its own on first use, and every printed certificate code would stop
verifying; install the old store's key into the restored one to keep them. Messages in
Russian, Kazakh or English (``cli.texts``).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from cli.common import open_registry
from cli.texts import Failed, Texts, lang_option, language_of
from store.certificate_key import (
    KEY_BYTES,
    KeyConflict,
    certificate_key,
    install_certificate_key,
    replace_certificate_key,
)
from store.events import datastore_of


@click.group("certificate-key")
def certificate_key_group() -> None:
    """Carry the certificate key with a backup, so printed certificates keep verifying."""


@certificate_key_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE")
@lang_option
@click.pass_context
def export_key(ctx: click.Context, file: Path, lang: str | None) -> None:
    """Write the store's certificate key to FILE (a new file, readable by its owner only)."""
    tr = Texts(language_of(lang))
    with open_registry(ctx) as app:
        key = certificate_key(app.settings, datastore_of(app))
    try:
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Failed(
            tr.gettext("%(file)s exists already: choose a new file name.", file=str(file))
        ) from None
    except OSError as error:
        raise Failed(
            tr.gettext("Cannot write %(file)s: %(reason)s", file=str(file), reason=error.strerror)
        ) from None
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")
    click.echo(
        tr.gettext(
            "The certificate key is written to %(file)s. Keep it with the backup and as "
            "secret as the database: whoever holds it can compute certificate codes.",
            file=str(file),
        )
    )


@certificate_key_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE")
@click.option(
    "--replace",
    is_flag=True,
    help="Replace a key the store made itself (then rebuild the views: `registry rebuild`).",
)
@lang_option
@click.pass_context
def import_key(ctx: click.Context, file: Path, replace: bool, lang: str | None) -> None:
    """Install the certificate key of FILE (written by `export`) into this store."""
    tr = Texts(language_of(lang))
    try:
        text = file.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except OSError as error:
        raise Failed(
            tr.gettext("Cannot read %(file)s: %(reason)s", file=str(file), reason=error.strerror)
        ) from None
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise Failed(
            tr.gettext(
                "%(file)s is not a certificate key (64 hexadecimal digits, as `registry "
                "certificate-key export` writes). Nothing was changed.",
                file=str(file),
            )
        )
    with open_registry(ctx) as app:
        datastore = datastore_of(app)
        try:
            installed = install_certificate_key(app.settings, datastore, key)
        except KeyConflict:
            if not replace:
                raise Failed(
                    tr.gettext(
                        "This store has another certificate key already (it made its own "
                        "when its views were built). Nothing was changed. To install the "
                        "backup's key give --replace, then rebuild the views with `registry "
                        "rebuild`."
                    )
                ) from None
            replace_certificate_key(app.settings, datastore, key)
            click.echo(
                tr.gettext(
                    "The certificate key is replaced. Rebuild the views now (`registry "
                    "rebuild`) so the pages show the codes made with it."
                )
            )
            return
    click.echo(
        tr.gettext("The certificate key is installed: the printed codes verify again.")
        if installed
        else tr.gettext("This store holds this very key already: nothing was changed.")
    )
