"""Verification of the seal chain (DESIGN.md "Projections", issue 6): the stored history
against its recorded seals.

:func:`verify_seals` recomputes the chain from the stored rows (raw reads in large batches,
no decoding) and compares it with the recorded seals. What it decides. Let ``T`` be the
sealed head: the seal view's tracking position (or its last seal, if larger). Walking stored
events and seals by position:

* a stored event and a seal at the same position whose hash differs from the recomputed
  chain → ``edited`` (the first such position is reported; every later seal differs too);
* a seal at a position with no stored event → ``deleted``;
* a stored event at a position ``<= T`` without a seal → ``inserted`` (before the first seal,
  or into a gap of the sealed range: PostgreSQL positions have gaps);
* a stored row that cannot be what the registry stores (state not bytes, a bad aggregate id,
  a version that is not an integer) → ``malformed``;
* stored events above ``T`` are **not yet sealed**: the projector has not reached them. They
  are chained and counted (``checked``, ``unsealed``) and the head covers them, but they are
  not a failure — nothing recorded contradicts them yet — and not a success either: the
  report's ``status`` is ``unsealed`` (``intact`` only when every stored event is sealed), and
  ``registry audit verify`` says so and exits 2. A signed checkpoint
  (``projections.seal.checkpoints``) is what protects them (and everything else) once it is
  taken;
* the store's head behind the sealed head ``T`` (the seal view's position is always a stored
  event's), or behind the newest checkpoint recorded in the register beside the events
  (``projections.seal.checkpoints.newest_checkpoint``, signature checked) → ``truncated``:
  the newest events were deleted together with their seals. A recorded checkpoint whose
  signature fails → ``bad-checkpoint``.

Limits, by construction. The seal table lives beside the events: someone who can rewrite both
can make them agree again, and the sealing follower (or a rebuild) would seal whatever history
it finds. Hence (1) a rebuild of the seal view refuses to replace seals that disagree with the
history it recomputed (``SealProjection.swap_into_place``), and (2) signed checkpoints kept
elsewhere are the anchor: ``registry audit verify --checkpoint FILE`` does not trust the seal
table at all.

Speed. Verification is a tight loop: one plain query per 10,000 rows (tuples, no row objects,
no decoding), the chain computed by ``_Chainer`` (the sealing follower runs the same loop, a
batch at a time), and the recorded seals of the batch compared in bulk: one aggregate query
answers their count, positions and hashes concatenated in position order, matched against
the recomputed ones with two string comparisons; only a mismatch reads the seals row by row
to name the first bad position.
"""

from __future__ import annotations

import multiprocessing
from bisect import bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

import msgspec

from projections.seal.chain import BATCH, GENESIS, SealProjection, _Chainer, _SealReader
from projections.seal.checkpoints import Checkpoint, check_signature, newest_checkpoint
from projections.store import ViewStore
from store.events import EventReader, EventStore, RawRow, tuple_cursor


class SealReport(msgspec.Struct, omit_defaults=True):
    """The answer of :func:`verify_seals` (and of ``GET /api/v1/audit/verify``)."""

    #: no recorded seal contradicts the stored history
    ok: bool
    #: stored events chained and found consistent (sealed ones and not-yet-sealed ones)
    checked: int
    #: the last of them (0 when there are none) and the chain value there (hex)
    head_position: int
    head_hash: str
    #: the sealed head ``T``: the seal view's position
    sealed_position: int
    #: how many of ``checked`` are above ``T`` (not sealed yet: not a failure)
    unsealed: int
    #: where the history first contradicts its seals, and how
    first_bad_position: int | None = None
    #: ``edited``, ``deleted``, ``inserted``, ``malformed``, ``truncated`` or
    #: ``bad-checkpoint``
    problem: str | None = None
    detail: str | None = None
    #: ``intact`` (every stored event sealed, nothing contradicts), ``unsealed`` (nothing
    #: contradicts, but ``unsealed`` events are not sealed yet) or ``broken``
    status: str | None = None
    #: the newest checkpoint recorded in the register beside the events, if any
    checkpoint_position: int | None = None


def sealed_head(store: ViewStore) -> int:
    """``T``: the seal view's tracking position, or its last seal if that is larger."""
    last = _SealReader(store).last_position()
    return max(store.position(SealProjection.name), last if last is not None else 0)


def _first_problem(
    positions: Sequence[int],
    digests: Sequence[bytes],
    seals: Sequence[tuple],
    sealed: int,
) -> tuple[int, int, str, str] | None:
    """Merge one batch of events with its seals: ``(good events before, position, problem,
    detail)`` of the first contradiction, or None."""
    i = j = 0
    while True:
        event = positions[i] if i < len(positions) else None
        seal = seals[j][0] if j < len(seals) else None
        if event is None and seal is None:
            return None
        if seal is None or (event is not None and event < seal):
            assert event is not None
            if event > sealed:  # above the sealed head: not sealed yet, and so are the rest
                return None
            return (
                i,
                event,
                "inserted",
                f"the stored event at position {event} is not sealed although the seals "
                f"reach position {sealed}: an event was inserted (or its seal removed)",
            )
        if event is None or seal < event:
            return (
                i,
                seal,
                "deleted",
                f"position {seal} is sealed but no stored event has it: an event was deleted",
            )
        if digests[i].hex() != seals[j][1]:
            return (
                i,
                event,
                "edited",
                f"the stored event at position {event} does not match its seal: it was "
                "changed after it was sealed",
            )
        i += 1
        j += 1


class _Part(NamedTuple):
    """The verification of one range of positions."""

    checked: int
    unsealed: int
    #: the last event found intact (None: none in this range) and the chain value there
    head_position: int | None
    head_hash: bytes
    #: ``(position, problem, detail)`` of the first contradiction, if any
    problem: tuple[int, str, str] | None


def _verify_part(
    reader: EventReader,
    seals: _SealReader,
    sealed: int,
    *,
    after: int | None,
    until: int | None,
    h: bytes,
    batch_size: int,
    progress: Callable[[int], None] | None = None,
) -> _Part:
    """Verify the stored events and seals in ``(after, until]``, the chain entering the range
    at ``h`` (GENESIS, or the recorded seal at ``after``)."""
    chainer = _Chainer()
    checked = unsealed = 0
    head_position: int | None = None

    def part(problem: tuple[int, int, str, str] | None = None) -> _Part:
        return _Part(checked, unsealed, head_position, h, problem[1:] if problem else None)

    chain_rows = _chain_rows(reader)
    while True:
        rows = chain_rows(after, batch_size, until)
        if not rows:  # seals above the last stored event (of the range)?
            top = sealed if until is None else min(until, sealed)
            rest = seals.read(after, top) if after is None or after < top else []
            return part(_first_problem([], [], rest, sealed) if rest else None)
        positions = [r[0] for r in rows]
        digests, malformed = chainer.chain(rows, h)
        good = len(digests)
        # The seals this batch must match: up to its last event (or just below a malformed
        # row), never above the sealed head.
        end = min(positions[-1] if malformed is None else positions[good] - 1, sealed)
        n = bisect_right(positions, sealed, 0, good)  # events of the batch that are sealed
        fast = False
        if malformed is None:
            if after is not None and after >= end:
                fast = n == 0
            else:
                fast = seals.summary(after, end) == (
                    n,
                    ",".join(map(str, positions[:n])),
                    b"".join(digests[:n]).hex(),
                )
        problem = None
        if not fast:  # find exactly where, row by row
            batch_seals = seals.read(after, end) if after is None or after < end else []
            problem = _first_problem(positions[:good], digests, batch_seals, sealed)
        if problem is not None:
            count = problem[0]  # events before it all matched their seals
            if count:
                checked += count
                head_position, h = positions[count - 1], digests[count - 1]
            return part(problem)
        checked += good
        unsealed += good - n
        if good:
            head_position, h = positions[good - 1], digests[good - 1]
        if malformed is not None:
            position = positions[good]
            return part(
                (
                    good,
                    position,
                    "malformed",
                    f"the stored row at position {position} is not what the registry "
                    f"stores ({type(malformed).__name__}: {malformed}): it was edited outside "
                    "the registry",
                )
            )
        if progress is not None:
            progress(checked)
        after = positions[-1]


def _chain_rows(reader: EventReader) -> Callable[[int | None, int, int | None], list[RawRow]]:
    """``reader.chain_rows``; on PostgreSQL, the same rows read in binary (the states' bytes
    as they are, not in hex: half the bytes to send, none to decode) and by ``position >
    after`` alone, the rows past ``until`` dropped here (with ``position <= until`` too, the
    planner of a table not analysed yet reads the whole rest of the range, sorts it and keeps
    a batch, every batch again)."""
    if reader.sqlite:
        return reader.chain_rows
    datastore, pos = reader.datastore, reader.pos
    tail = f"ORDER BY {pos} LIMIT {reader.mark}"
    statements = {
        bounded: reader.select(
            [f"{pos} > {reader.mark}"] if bounded else [], tail, reader.chain_columns
        )
        for bounded in (False, True)
    }

    def chain_rows(after: int | None, limit: int, until: int | None) -> list[RawRow]:
        params = [limit] if after is None else [after, limit]
        with datastore.transaction(commit=False) as cursor:
            tuple_cursor(cursor, False)
            cursor.execute(statements[after is not None], params, binary=True)
            rows: list[RawRow] = cursor.fetchall()
        if until is not None and rows and rows[-1][0] > until:
            rows = [row for row in rows if row[0] <= until]
        return rows

    return chain_rows


def _verify_part_elsewhere(
    database_url: str,
    events_table: str,
    after: int,
    until: int | None,
    h: bytes,
    sealed: int,
    batch_size: int,
) -> _Part:
    """:func:`_verify_part` in a worker process, with plain connections of its own (no
    application, no view store: nothing that creates tables, which concurrent processes
    must not do at once)."""
    from store.settings import parse_database_url

    settings = parse_database_url(database_url)
    events = EventReader.connect(settings, events_table)
    seals = _SealReader.connect(settings)
    try:
        return _verify_part(
            events, seals, sealed, after=after, until=until, h=h, batch_size=batch_size
        )
    finally:
        seals.close()
        events.close()


#: below this many sealed positions per job, one process is faster than starting more
MIN_POSITIONS_PER_JOB = 50_000


def _split(seals: _SealReader, sealed: int, jobs: int) -> list[tuple[int, bytes]]:
    """Recorded seals ``(position, hash)`` cutting the sealed range into ``jobs`` parts."""
    first = seals.first_position()
    if first is None or jobs < 2 or sealed - first < MIN_POSITIONS_PER_JOB * jobs:
        return []
    cuts: list[tuple[int, bytes]] = []
    for k in range(1, jobs):
        cut = seals.at_or_below(first + (sealed - first) * k // jobs)
        if cut is not None and cut[0] > first and (not cuts or cut[0] > cuts[-1][0]):
            cuts.append(cut)
    return cuts


def verify_seals(
    app: EventStore,
    store: ViewStore,
    *,
    batch_size: int = BATCH,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SealReport:
    """Recompute the chain over every stored event and compare it with the recorded seals.

    ``T`` is read first: every seal at or below it was committed after its event, and the
    store only grows above it, so reading events and seals batch by batch (no long
    transaction) is consistent while writers and the projector carry on.

    ``jobs > 1`` (a big history, a command line, never a server) cuts the sealed range at
    recorded seals and verifies the parts in parallel processes, each chain entering its part
    at the recorded seal where it starts. The result is the same as in one pass: each cut's
    seal is checked by the part before it, so if every part holds, the whole chain does;
    the first problem of the first broken part is the first problem.
    """
    sealed = sealed_head(store)
    seals = _SealReader(store)
    cuts = _split(seals, sealed, jobs) if jobs > 1 else []
    if not cuts:
        parts = [
            _verify_part(
                EventReader.of(app),
                seals,
                sealed,
                after=None,
                until=None,
                h=GENESIS,
                batch_size=batch_size,
                progress=progress,
            )
        ]
    else:
        bounds = [*(c[0] for c in cuts), None]
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        with ProcessPoolExecutor(max_workers=len(cuts), mp_context=context) as pool:
            others = [
                pool.submit(
                    _verify_part_elsewhere,
                    app.settings.database_url,
                    app.events_table,
                    cut,
                    bounds[i + 1],
                    digest,
                    sealed,
                    batch_size,
                )
                for i, (cut, digest) in enumerate(cuts)
            ]
            first = _verify_part(
                EventReader.of(app),
                seals,
                sealed,
                after=None,
                until=cuts[0][0],
                h=GENESIS,
                batch_size=batch_size,
                progress=progress,
            )
            parts = [first, *(other.result() for other in others)]
    checked = unsealed = head_position = 0
    head_hash = GENESIS
    recorded = newest_checkpoint(app)
    recorded_at = None if recorded is None else recorded.position
    problem: tuple[int, str, str] | None = None
    for part in parts:
        checked += part.checked
        unsealed += part.unsealed
        if part.head_position is not None:
            head_position, head_hash = part.head_position, part.head_hash
        if part.problem is not None:
            problem = part.problem
            break
    if problem is None:
        problem = _behind(head_position, sealed, recorded)
    if problem is not None:
        position, kind, detail = problem
        return SealReport(
            False,
            checked,
            head_position,
            head_hash.hex(),
            sealed,
            unsealed,
            position,
            kind,
            detail,
            "broken",
            recorded_at,
        )
    return SealReport(
        True,
        checked,
        head_position,
        head_hash.hex(),
        sealed,
        unsealed,
        status="unsealed" if unsealed else "intact",
        checkpoint_position=recorded_at,
    )


def _behind(head: int, sealed: int, recorded: Checkpoint | None) -> tuple[int, str, str] | None:
    """``(position, problem, detail)`` when the store's head is behind what was sealed or
    checkpointed (its newest events deleted with their seals), or the newest recorded
    checkpoint is forged; None otherwise."""
    if recorded is not None:
        bad = check_signature(recorded)
        if bad is not None:
            return (
                recorded.position,
                "bad-checkpoint",
                f"the newest recorded checkpoint (position {recorded.position}) is not "
                f"genuine: {bad}",
            )
    if sealed > head:
        return (
            head + 1,
            "truncated",
            f"the seals reach position {sealed} but the newest stored event is at position "
            f"{head}: the events after it were deleted together with their seals",
        )
    if recorded is not None and recorded.position > head:
        return (
            head + 1,
            "truncated",
            f"the store's head (position {head}) is behind the newest recorded checkpoint "
            f"(position {recorded.position}, signed {recorded.time} by key "
            f"{recorded.public_key}): the events after position {head} were deleted",
        )
    return None
