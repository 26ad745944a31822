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
from cli.texts import Failed, Misused, Texts, language_option, texts_of
from store.settings import SEAL_KEY_ENV, SettingsError, load_seal_key

if TYPE_CHECKING:  # the commands import the seal chain when they run
    from projections.seal import Checkpoint, CheckpointReport, SealReport


#: the exit code of a verification that found nothing wrong but unsealed events
EXIT_UNSEALED = 2


def _n(number: int, tr: Texts) -> str:
    """A count, grouped as the user's language groups digits."""
    return tr.tr.integer(number)


def _seal_problem(report: SealReport, tr: Texts) -> str:
    """Why the history contradicts its seals, in the user's words (``report.problem``)."""
    position, sealed = report.first_bad_position, report.sealed_position
    head, checkpoint = report.head_position, report.checkpoint_position
    if report.problem == "edited":
        return tr.gettext(
            "the event stored at position %(position)s does not match its seal: it was "
            "changed after it was sealed",
            position=position,
        )
    if report.problem == "deleted":
        return tr.gettext(
            "position %(position)s is sealed but no stored event has it: an event was deleted",
            position=position,
        )
    if report.problem == "inserted":
        return tr.gettext(
            "the event stored at position %(position)s is not sealed although the seals reach "
            "position %(sealed)s: an event was inserted (or its seal removed)",
            position=position,
            sealed=sealed,
        )
    if report.problem == "malformed":
        return tr.gettext(
            "the row stored at position %(position)s is not what the registry stores: it was "
            "edited outside the registry",
            position=position,
        )
    if report.problem == "bad-checkpoint":
        return tr.gettext(
            "the newest checkpoint recorded beside the events (position %(position)s) is not "
            "genuine: its signature does not match",
            position=position,
        )
    if report.problem == "truncated" and sealed <= head and checkpoint is not None:
        return tr.gettext(
            "the registry's last event (position %(head)s) is behind the newest recorded "
            "checkpoint (position %(checkpoint)s): the events after position %(head)s were "
            "deleted",
            head=head,
            checkpoint=checkpoint,
        )
    if report.problem == "truncated":
        return tr.gettext(
            "the seals reach position %(sealed)s but the last stored event is at position "
            "%(head)s: the events after it were deleted together with their seals",
            sealed=sealed,
            head=head,
        )
    return report.detail or str(report.problem)


def _seal_report_lines(report: SealReport, tr: Texts) -> list[str]:
    if report.ok:
        if report.unsealed:
            return [
                tr.gettext(
                    "seal chain NOT FULLY VERIFIED: %(unsealed)s events written after the last "
                    "seal (position %(sealed)s) are not sealed yet — nothing contradicts them, "
                    "but no seal vouches for them; run it again once the projector has "
                    "caught up",
                    unsealed=_n(report.unsealed, tr),
                    sealed=report.sealed_position,
                ),
                tr.gettext(
                    "%(intact)s sealed events intact; %(checked)s events chained, head "
                    "position %(head)s, head hash %(hash)s",
                    intact=_n(report.checked - report.unsealed, tr),
                    checked=_n(report.checked, tr),
                    head=report.head_position,
                    hash=report.head_hash,
                ),
            ]
        return [
            tr.gettext(
                "seal chain intact: %(checked)s events checked, head position %(head)s, head "
                "hash %(hash)s",
                checked=_n(report.checked, tr),
                head=report.head_position,
                hash=report.head_hash,
            )
        ]
    return [
        tr.gettext(
            "seal chain BROKEN at position %(position)s (%(problem)s): %(detail)s",
            position=report.first_bad_position,
            problem=report.problem,
            detail=_seal_problem(report, tr),
        ),
        tr.gettext(
            "%(checked)s events before it are intact (last good position %(head)s, hash "
            "%(hash)s); sealed up to position %(sealed)s",
            checked=_n(report.checked, tr),
            head=report.head_position,
            hash=report.head_hash,
            sealed=report.sealed_position,
        ),
    ]


def _checkpoint_problem(
    report: CheckpointReport, checkpoint: Checkpoint, public_key: str | None, tr: Texts
) -> str:
    """Why a checkpoint fails, in the user's words (``report.problem``)."""
    from projections.seal.checkpoints import normalise_public_key

    if report.problem == "bad-signature":
        if public_key is not None:
            try:
                given = normalise_public_key(public_key)
            except ValueError:
                return tr.gettext(
                    "the key given with --public-key is not a public key (64 hexadecimal "
                    "digits or base64)"
                )
            if given != checkpoint.public_key.lower():
                return tr.gettext(
                    "the checkpoint is signed with key %(key)s, not with the key you gave",
                    key=checkpoint.public_key,
                )
        return tr.gettext(
            "the signature does not match the checkpoint's contents (altered, or forged)"
        )
    if report.problem == "malformed":
        return tr.gettext(
            "a stored row up to position %(position)s is not what the registry stores: it was "
            "edited outside the registry",
            position=report.position,
        )
    if report.problem == "history-changed":
        return tr.gettext(
            "the stored events up to position %(position)s do not chain to the checkpoint's "
            "head hash: the history before the checkpoint was changed",
            position=report.position,
        )
    return report.detail or str(report.problem)


def _checkpoint_lines(
    report: CheckpointReport, checkpoint: Checkpoint, public_key: str | None, tr: Texts
) -> list[str]:
    if report.ok:
        return [
            tr.gettext(
                "checkpoint holds: the stored events up to position %(position)s (%(events)s "
                "events) chain to its signed head hash %(hash)s",
                position=report.position,
                events=_n(report.events or 0, tr),
                hash=report.expected_hash,
            )
        ]
    return [
        tr.gettext(
            "checkpoint at position %(position)s FAILS (%(problem)s): %(detail)s",
            position=report.position,
            problem=report.problem,
            detail=_checkpoint_problem(report, checkpoint, public_key, tr),
        )
    ]


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
@language_option
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

    tr = texts_of(ctx)
    checkpoint = None
    if checkpoint_file is not None:
        try:
            checkpoint = parse_checkpoint(checkpoint_file.read_bytes())
        except ValueError as error:
            raise Failed(
                tr.gettext(
                    "%(file)s is not a seal checkpoint (as `registry audit checkpoint` writes "
                    "it): %(reason)s",
                    file=str(checkpoint_file),
                    reason=error,
                )
            ) from None
    elif public_key is not None:
        raise Misused(
            tr.gettext("--public-key goes with --checkpoint: give the checkpoint to check.")
        )
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
                except ValueError:  # a malformed --public-key
                    raise Misused(
                        tr.gettext(
                            "the key given with --public-key is not a public key (64 "
                            "hexadecimal digits or base64)"
                        )
                    ) from None
        finally:
            store.close()
    if as_json:
        out: dict[str, Any] = {"seal": msgspec.to_builtins(report)}
        if checked is not None:
            out["checkpoint"] = msgspec.to_builtins(checked)
        click.echo(msgspec.json.encode(out).decode())
    else:
        for line in _seal_report_lines(report, tr):
            click.echo(line)
        if checked is not None and checkpoint is not None:
            for line in _checkpoint_lines(checked, checkpoint, public_key, tr):
                click.echo(line)
            if checked.ok and public_key is None:
                click.echo(
                    tr.gettext(
                        "note: signed by key %(key)s; pass --public-key to insist on the key "
                        "you trust",
                        key=checkpoint.public_key,
                    ),
                    err=True,
                )
    if not report.ok or (checked is not None and not checked.ok):
        if not as_json:
            click.echo(tr.gettext("verification FAILED: the stored history was changed"), err=True)
        ctx.exit(1)
    if report.unsealed:
        ctx.exit(EXIT_UNSEALED)


@click.command("checkpoint")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the checkpoint to this file (never overwrites one) instead of printing it.",
)
@language_option
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

    tr = texts_of(ctx)
    try:
        seed = load_seal_key()
    except SettingsError:
        raise Failed(
            tr.gettext(
                "%(variable)s is not a signing key: expected the 32-byte Ed25519 private key "
                "as 64 hexadecimal digits or as base64 (`registry audit keygen` makes one). "
                "Nothing was signed.",
                variable=SEAL_KEY_ENV,
            )
        ) from None
    if seed is None:
        raise Failed(
            tr.gettext(
                "%(variable)s is not set: a checkpoint is signed with it (`registry audit "
                "keygen` makes a key). Nothing was signed.",
                variable=SEAL_KEY_ENV,
            )
        )
    if output is not None and output.exists():
        raise Failed(
            tr.gettext(
                "%(file)s exists: a checkpoint is never overwritten. Choose a new file name.",
                file=str(output),
            )
        )
    with open_registry(ctx) as app:
        store = ViewStore(app.settings)
        try:
            report = verify_seals(app, store)
        finally:
            store.close()
        if not report.ok:
            for line in _seal_report_lines(report, tr):
                click.echo(line, err=True)
            raise Failed(
                tr.gettext(
                    "A history that contradicts its seals is never signed: nothing was signed "
                    "or recorded."
                )
            )
        signed = sign_checkpoint(seed, report.head_position, report.head_hash)
        if output is not None:  # never recorded for a file that cannot be written
            try:
                with output.open("x", encoding="utf-8"):
                    pass
            except OSError as error:
                raise Failed(
                    tr.gettext(
                        "Cannot write %(file)s: %(reason)s",
                        file=str(output),
                        reason=error.strerror or error,
                    )
                ) from None
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
        raise Failed(
            tr.gettext(
                "Cannot write %(file)s: %(reason)s",
                file=str(output),
                reason=error.strerror or error,
            )
        ) from None
    click.echo(
        tr.gettext(
            "checkpoint written to %(file)s and recorded beside the events: position "
            "%(position)s, head hash %(hash)s, public key %(key)s",
            file=str(output),
            position=signed.position,
            hash=signed.head_hash,
            key=signed.public_key,
        )
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
    click.echo(f"public key: {public_key_hex(seed)}")  # KEY: value, for scripts
