"""Commands of ``registry audit`` (see ``cli.audit``): the seal chain.

* ``registry audit verify [--checkpoint FILE [--public-key KEY]] [--json]`` — recompute the
  chain over the stored events and compare it with the recorded seals (and, with a
  checkpoint, with the signed head, without trusting the seal table). Exit 0: intact, every
  stored event sealed; 1: the history contradicts its seals or a checkpoint — the given one
  or the newest one recorded beside the events (the message names the position); 2: nothing
  contradicts, but events written after the last seal are not sealed yet (counted apart: run
  it again once the projector has caught up).
* ``registry audit checkpoint [--output FILE]`` — verify, then sign the head with the key in
  ``REGISTRY_SEAL_KEY``; print or write the checkpoint (JSON), and record it in the register
  beside the events (``projections.seal.checkpoints``), which every later verify checks the
  head against. Keep the file away from the database too: it is what catches a rewrite of
  the events, the seals and the register together.
* ``registry audit keygen`` — a new signing key for ``REGISTRY_SEAL_KEY`` and its public key.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import msgspec

from cli.common import open_registry, processes_option
from store.settings import SEAL_KEY_ENV, SettingsError, load_seal_key

if TYPE_CHECKING:  # the commands import the seal chain when they run
    from projections.seal import CheckpointReport, SealReport


#: the exit code of a verification that found nothing wrong but unsealed events
EXIT_UNSEALED = 2


def _seal_report_lines(report: SealReport) -> list[str]:
    if report.ok:
        if report.unsealed:
            return [
                f"seal chain NOT FULLY VERIFIED: {report.unsealed:,} events written after the "
                f"last seal (position {report.sealed_position}) are not sealed yet — nothing "
                "contradicts them, but no seal vouches for them; run it again once the "
                "projector has caught up",
                f"{report.checked - report.unsealed:,} sealed events intact; "
                f"{report.checked:,} events chained, head position {report.head_position}, "
                f"head hash {report.head_hash}",
            ]
        return [
            f"seal chain intact: {report.checked:,} events checked, head position "
            f"{report.head_position}, head hash {report.head_hash}"
        ]
    return [
        f"seal chain BROKEN at position {report.first_bad_position} ({report.problem}): "
        f"{report.detail}",
        f"{report.checked:,} events before it are intact (last good position "
        f"{report.head_position}, hash {report.head_hash}); sealed up to position "
        f"{report.sealed_position}",
    ]


def _checkpoint_lines(report: CheckpointReport) -> list[str]:
    if report.ok:
        return [
            f"checkpoint holds: the stored events up to position {report.position} "
            f"({report.events:,} events) chain to its signed head hash {report.expected_hash}"
        ]
    return [f"checkpoint at position {report.position} FAILS ({report.problem}): {report.detail}"]


@click.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also check this signed checkpoint: its signature, and that the stored events up to "
    "its position chain to its head hash (the seal table is not trusted for this).",
)
@click.option(
    "--public-key",
    metavar="KEY",
    help="Insist that the checkpoint is signed with this Ed25519 public key (hex or base64).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report(s) as JSON.")
@click.option("--batch-size", default=10_000, show_default=True, help="Rows per read.")
@processes_option(
    "--jobs", "Verify a big history in this many processes (same result, sooner on several cores)."
)
@click.pass_context
def verify(
    ctx: click.Context,
    checkpoint_file: Path | None,
    public_key: str | None,
    as_json: bool,
    batch_size: int,
    jobs: int,
) -> None:
    """Verify the seal chain: recompute it from the stored events and compare.

    Exit code 0 when the history is intact and sealed, 1 when it is not (the first bad
    position is named; a store whose head is behind its seals or behind the newest recorded
    checkpoint fails), 2 when nothing contradicts it but events written after the last seal
    are not sealed yet (counted apart).
    """
    from projections.seal import parse_checkpoint, verify_checkpoint, verify_seals
    from projections.store import ViewStore

    checkpoint = None
    if checkpoint_file is not None:
        try:
            checkpoint = parse_checkpoint(checkpoint_file.read_bytes())
        except ValueError as error:
            raise click.ClickException(f"{checkpoint_file}: {error}") from None
    elif public_key is not None:
        raise click.UsageError("--public-key goes with --checkpoint")
    with open_registry(ctx) as app:
        store = ViewStore(app.settings)
        try:
            report = verify_seals(app, store, batch_size=batch_size, jobs=jobs)
            checked = None
            if checkpoint is not None:
                try:
                    checked = verify_checkpoint(
                        app, store, checkpoint, public_key=public_key, batch_size=batch_size
                    )
                except ValueError as error:  # a malformed --public-key
                    raise click.UsageError(str(error)) from None
        finally:
            store.close()
    if as_json:
        out: dict[str, Any] = {"seal": msgspec.to_builtins(report)}
        if checked is not None:
            out["checkpoint"] = msgspec.to_builtins(checked)
        click.echo(msgspec.json.encode(out).decode())
    else:
        for line in _seal_report_lines(report):
            click.echo(line)
        if checked is not None and checkpoint is not None:
            for line in _checkpoint_lines(checked):
                click.echo(line)
            if checked.ok and public_key is None:
                click.echo(
                    f"note: signed by key {checkpoint.public_key}; pass --public-key to insist "
                    "on the key you trust",
                    err=True,
                )
    if not report.ok or (checked is not None and not checked.ok):
        if not as_json:
            click.echo("verification FAILED: the stored history was changed", err=True)
        ctx.exit(1)
    if report.unsealed:
        ctx.exit(EXIT_UNSEALED)


@click.command("checkpoint")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the checkpoint to this file (never overwrites one) instead of printing it.",
)
@click.pass_context
def checkpoint(ctx: click.Context, output: Path | None) -> None:
    """Verify the history, then print a signed checkpoint of its head.

    Signed with the Ed25519 key in REGISTRY_SEAL_KEY (`registry audit keygen`). A broken
    history is never signed. The checkpoint is also recorded beside the events, and every
    later `registry audit verify` fails if the store's head falls behind it. Keep checkpoints
    outside the database too: `registry audit verify --checkpoint FILE` then catches a
    rewrite of the events, the seals and that record together.
    """
    from projections.seal import sign_checkpoint, verify_seals
    from projections.seal.checkpoints import record_checkpoint
    from projections.store import ViewStore

    try:
        seed = load_seal_key()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    if seed is None:
        raise click.ClickException(
            f"{SEAL_KEY_ENV} is not set: a checkpoint is signed with it "
            "(`registry audit keygen` makes a key)"
        )
    if output is not None and output.exists():
        raise click.ClickException(f"{output} exists: a checkpoint is never overwritten")
    with open_registry(ctx) as app:
        store = ViewStore(app.settings)
        try:
            report = verify_seals(app, store)
        finally:
            store.close()
        if not report.ok:
            for line in _seal_report_lines(report):
                click.echo(line, err=True)
            raise click.ClickException("refusing to sign a history that contradicts its seals")
        signed = sign_checkpoint(seed, report.head_position, report.head_hash)
        if output is not None:  # never recorded for a file that cannot be written
            try:
                with output.open("x", encoding="utf-8"):
                    pass
            except OSError as error:
                raise click.ClickException(f"cannot write {output}: {error}") from None
        try:
            record_checkpoint(app, signed)
        except BaseException:
            if output is not None:  # no empty file left behind for a checkpoint never made
                output.unlink(missing_ok=True)
            raise
    text = msgspec.json.format(msgspec.json.encode(signed), indent=2).decode() + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error}") from None
    click.echo(
        f"checkpoint written to {output} and recorded beside the events: position "
        f"{signed.position}, head hash {signed.head_hash}, public key {signed.public_key}"
    )


@click.command("keygen")
def keygen() -> None:
    """Print a new Ed25519 signing key for REGISTRY_SEAL_KEY, and its public key.

    Keep the private key secret (set it only where checkpoints are signed); publish the
    public key, so that anyone can check a checkpoint with `--public-key`.
    """
    from projections.seal import new_seed, public_key_hex

    seed = new_seed()
    click.echo(f"{SEAL_KEY_ENV}={seed.hex()}")
    click.echo(f"public key: {public_key_hex(seed)}")
