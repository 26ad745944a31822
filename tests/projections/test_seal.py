"""The seal chain (issue 6) on SQLite and PostgreSQL: the seal view is the chain of the stored
events; edited, deleted and inserted rows are found at their position; events not sealed yet
are not failures; rebuilds reproduce the seals and refuse to launder a changed history; signed
checkpoints catch a rewrite of the events and the seals together."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import msgspec
import pytest

from domain.ids import SYSTEM_ACTOR
from projections.base import ProjectionError
from projections.runner import Projector, rebuild
from projections.seal import (
    GENESIS,
    SEAL_TABLE,
    Checkpoint,
    SealMismatch,
    SealProjection,
    _Chainer,
    canonical_bytes,
    chain_head,
    check_signature,
    checkpoint_message,
    new_seed,
    next_hash,
    public_key_hex,
    sign_checkpoint,
    verify_checkpoint,
    verify_seals,
)
from tests.helpers import build_world
from tests.projections.conftest import dump
from tests.projections.tamper import Tamper

SEED = bytes(range(32))


def seal(app, views, *, batch_size: int = 1000) -> int:
    """Run the projector (every view) until it has sealed the head."""
    return Projector(app, views, batch_size=batch_size).catch_up().position


def seals(views) -> list[tuple[int, str]]:
    rows = views.fetchall(f"SELECT position, hash FROM {views.table(SEAL_TABLE)} ORDER BY position")
    return [(r["position"], r["hash"]) for r in rows]


def more_events(app, count: int = 3) -> None:
    for i in range(count):
        app.register_organisation(
            actor=SYSTEM_ACTOR,
            name_ru=f"Колледж {i}",
            name_kk=f"Колледж {i}",
            kind="college",
            region="VKO",
        )


@pytest.fixture
def sealed(app, views) -> list[int]:
    """A small sealed history (about 30 events); its positions."""
    build_world(app)
    seal(app, views, batch_size=7)
    return Tamper(app).positions()


def test_the_seal_view_is_the_chain_of_the_canonical_bytes(app, views, sealed):
    """Recomputed here with the library's own reader and the shared primitives, literally."""
    h, expected = GENESIS, []
    for n in app.recorder.select_notifications(start=None, limit=10_000):
        h = next_hash(
            h, canonical_bytes(n.id, n.originator_id, n.originator_version, n.topic, n.state)
        )
        expected.append((n.id, h.hex()))
    assert seals(views) == expected and len(expected) == len(sealed) > 20
    report = verify_seals(app, views, batch_size=5)
    assert report.ok and report.problem is None and report.first_bad_position is None
    assert (report.checked, report.unsealed) == (len(sealed), 0)
    assert (report.head_position, report.head_hash) == expected[-1]
    assert report.sealed_position == sealed[-1] == views.position("seal")
    assert chain_head(app).hash == expected[-1][1]
    assert chain_head(app, sealed[9]).hash == expected[9][1]


@pytest.mark.parametrize(
    ("position", "version", "topic", "state"),
    [
        (1, 1, "registry.Competition.MarksEntered", b'{"x":1}'),
        (0, 0, "", b""),
        (-(2**63), 2**63 - 1, "Құзырет.Ü", bytes(range(256))),
        (2**63 - 1, 7, "registry.Account.Created", b"\x00"),
    ],
)
def test_the_fast_links_equal_next_hash_of_canonical_bytes(position, version, topic, state):
    oid = uuid4()
    expected = next_hash(b"\x01" * 32, canonical_bytes(position, oid, version, topic, state))
    for key in (oid.hex, str(oid), oid, oid.bytes):
        assert _Chainer().links([(position, key, version, topic, state)], b"\x01" * 32) == [
            expected
        ]


@pytest.mark.parametrize("batch_size", [4, 10_000])
def test_an_edited_row_is_found_at_its_position(app, views, sealed, batch_size):
    target = sealed[10]
    Tamper(app).edit_one_byte(target)
    report = verify_seals(app, views, batch_size=batch_size)
    assert not report.ok
    assert (report.first_bad_position, report.problem) == (target, "edited")
    assert f"position {target}" in report.detail
    assert (report.checked, report.head_position) == (10, sealed[9])
    assert report.head_hash == seals(views)[9][1]


def test_a_deleted_row_is_found_at_its_position(app, views, sealed):
    Tamper(app).delete(sealed[5])
    report = verify_seals(app, views, batch_size=4)
    assert (report.ok, report.first_bad_position, report.problem) == (False, sealed[5], "deleted")
    assert report.checked == 5


def test_a_deleted_last_event_is_found(app, views, sealed):
    Tamper(app).delete(sealed[-1])
    report = verify_seals(app, views)
    assert (report.ok, report.first_bad_position, report.problem) == (False, sealed[-1], "deleted")
    assert report.checked == len(sealed) - 1


@pytest.mark.parametrize("position", [0, -5])
def test_a_row_inserted_before_the_first_is_found(app, views, sealed, position):
    """Rowid 0 or below on SQLite, notification_id 0 or below on PostgreSQL: never read by
    the projector (it starts after position 0), read by the verifier."""
    Tamper(app).insert_copy(position, of=sealed[3])
    report = verify_seals(app, views, batch_size=4)
    assert (report.ok, report.first_bad_position, report.problem) == (False, position, "inserted")
    assert report.checked == 0 and report.head_hash == GENESIS.hex()


def test_a_row_inserted_into_a_gap_of_the_sealed_range_is_found(app, views):
    build_world(app)
    tamper = Tamper(app)
    gap = tamper.make_gap(2)
    more_events(app)
    seal(app, views)
    positions = tamper.positions()
    assert gap not in positions and gap + 1 not in positions and positions[-1] > gap + 1
    assert verify_seals(app, views).ok  # a gap is not a failure
    tamper.insert_copy(gap + 1, of=positions[2])
    report = verify_seals(app, views, batch_size=5)
    assert (report.ok, report.first_bad_position, report.problem) == (False, gap + 1, "inserted")
    assert report.checked == sum(1 for p in positions if p < gap + 1)
    assert "not sealed although the seals reach" in report.detail


def test_a_lost_version_race_leaves_a_gap_on_postgres_only(app):
    build_world(app)
    tamper = Tamper(app)
    tamper.lose_a_version_race()
    before = tamper.positions()
    more_events(app, 1)
    after = tamper.positions()
    assert after[-1] == before[-1] + (1 if app.settings.backend == "sqlite" else 2)


def test_events_above_the_sealed_head_are_chained_not_failures(app, views, sealed):
    more_events(app, 4)
    report = verify_seals(app, views, batch_size=3)
    assert report.ok and report.unsealed == 4 and report.checked == len(sealed) + 4
    assert report.sealed_position == sealed[-1]
    assert report.head_position == app.head_position()
    assert report.head_hash == chain_head(app).hash
    seal(app, views)
    again = verify_seals(app, views)
    assert again.ok and again.unsealed == 0 and again.head_hash == report.head_hash


def test_a_stored_row_the_registry_cannot_have_written_is_malformed(app, views, sealed):
    tamper = Tamper(app)
    tamper.edit(sealed[4], '{"text":"instead of a blob"}')  # SQLite stores it as TEXT
    report = verify_seals(app, views, batch_size=3)
    if app.settings.backend == "postgres":
        # PostgreSQL's columns are typed: the text arrives as bytes, an ordinary edit
        assert (report.ok, report.first_bad_position, report.problem) == (
            False,
            sealed[4],
            "edited",
        )
        return
    assert (report.ok, report.first_bad_position, report.problem) == (False, sealed[4], "malformed")
    assert report.checked == 4


def test_the_follower_stops_when_its_seal_table_was_changed(app, views, sealed):
    # The seal table loses its last row behind the follower's back.
    with views.transaction(commit=True) as cursor:
        views.execute(
            cursor, f"DELETE FROM {views.table(SEAL_TABLE)} WHERE position = ?", (sealed[-1],)
        )
    more_events(app, 1)
    with pytest.raises(ProjectionError) as info:
        Projector(app, views, [SealProjection(app, views)]).catch_up()
    assert "seal table" in str(info.value)
    assert views.position("seal") == sealed[-1]


def test_a_rebuild_equals_the_incremental_seals(app, views):
    build_world(app)
    projector = Projector(app, views, batch_size=3)
    projector.catch_up()
    more_events(app, 5)
    projector.catch_up()
    incremental = dump(views)
    assert len(incremental[SEAL_TABLE]) == len(Tamper(app).positions())
    stats = rebuild(app, views, ["seal"])
    assert stats.position == app.head_position()
    assert dump(views) == incremental
    rebuild(app, views)
    assert dump(views) == incremental
    assert verify_seals(app, views).ok


def test_a_rebuild_refuses_to_launder_a_changed_history(app, views, sealed):
    before = seals(views)
    Tamper(app).edit_one_byte(sealed[7])
    with pytest.raises(SealMismatch) as info:
        rebuild(app, views, ["seal"])
    assert f"position {sealed[-1]}" in str(info.value)
    assert seals(views) == before  # the recorded seals are kept
    report = verify_seals(app, views)
    assert (report.first_bad_position, report.problem) == (sealed[7], "edited")


# --------------------------------------------------------------------------- checkpoints


def test_a_checkpoint_holds_until_a_row_below_it_is_edited(app, views, sealed):
    report = verify_seals(app, views)
    checkpoint = sign_checkpoint(SEED, report.head_position, report.head_hash)
    assert checkpoint.public_key == public_key_hex(SEED)
    assert check_signature(checkpoint) is None
    assert check_signature(checkpoint, public_key_hex(SEED)) is None
    ok = verify_checkpoint(app, views, checkpoint)
    assert ok.ok and ok.actual_hash == report.head_hash and ok.events == len(sealed)
    more_events(app, 2)  # events after the checkpoint do not matter to it
    assert verify_checkpoint(app, views, checkpoint).ok

    Tamper(app).edit_one_byte(sealed[3])
    broken = verify_checkpoint(app, views, checkpoint)
    assert not broken.ok and broken.signature_ok and broken.problem == "history-changed"
    assert "the seal table still agrees with the checkpoint" in broken.detail


def test_a_checkpoint_catches_a_rewrite_of_events_and_seals_together(app, views, sealed):
    report = verify_seals(app, views)
    checkpoint = sign_checkpoint(SEED, report.head_position, report.head_hash)
    Tamper(app).edit_one_byte(sealed[3])
    # The attacker drops the seal view and seals the changed history afresh.
    projection = SealProjection(app, views)
    with views.transaction(commit=True) as cursor:
        projection.drop_tables(cursor)
        views.reset("seal", cursor)
    seal(app, views)
    assert verify_seals(app, views).ok  # the seal table alone is fooled...
    caught = verify_checkpoint(app, views, checkpoint)  # ...the checkpoint is not
    assert not caught.ok and caught.problem == "history-changed"
    assert "rewritten too" in caught.detail


def test_a_deleted_checkpoint_head_is_named(app, views, sealed):
    report = verify_seals(app, views)
    checkpoint = sign_checkpoint(SEED, report.head_position, report.head_hash)
    Tamper(app).delete(sealed[-1])
    caught = verify_checkpoint(app, views, checkpoint)
    assert not caught.ok and f"at position {sealed[-2]}: events were deleted" in caught.detail


def test_a_tampered_or_foreign_checkpoint_is_refused(app, views, sealed):
    checkpoint = sign_checkpoint(SEED, sealed[-1], seals(views)[-1][1])
    # Moved back to an earlier position (to hide later edits): the signature breaks.
    moved = msgspec.structs.replace(checkpoint, position=sealed[-2])
    refused = verify_checkpoint(app, views, moved)
    assert (refused.ok, refused.signature_ok, refused.problem) == (False, False, "bad-signature")
    flipped = checkpoint.signature[:-1] + ("0" if checkpoint.signature[-1] != "0" else "1")
    assert check_signature(msgspec.structs.replace(checkpoint, signature=flipped))
    assert check_signature(msgspec.structs.replace(checkpoint, signature="zz"))
    # Re-signed by someone else's key: valid on its own, refused when the key is pinned.
    other = new_seed()
    forged = sign_checkpoint(other, checkpoint.position, checkpoint.head_hash)
    assert check_signature(forged) is None
    pinned = verify_checkpoint(app, views, forged, public_key=public_key_hex(SEED))
    assert not pinned.ok and "not with the key you gave" in pinned.detail


def test_the_signed_message_is_canonical_json():
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    checkpoint = sign_checkpoint(SEED, 42, "ab" * 32, moment)
    assert checkpoint.time == "2026-01-02T03:04:05.000006Z"
    message = checkpoint_message(42, "ab" * 32, checkpoint.time, checkpoint.public_key)
    assert message == (
        b'{"format":"vko-registry-seal-checkpoint/1","head_hash":"' + b"ab" * 32 + b'",'
        b'"position":42,"public_key":"' + checkpoint.public_key.encode() + b'",'
        b'"time":"2026-01-02T03:04:05.000006Z"}'
    )
    assert msgspec.json.decode(msgspec.json.encode(checkpoint), type=Checkpoint) == checkpoint


@pytest.mark.slow
@pytest.mark.parametrize("change", ["none", "edit-early", "delete-middle", "edit-late", "insert"])
def test_parallel_verification_equals_one_pass(app, views, sealed, monkeypatch, change):
    """``jobs=3`` cuts the range at recorded seals; its report is the one-pass report."""
    import projections.seal.verify as seal_module

    monkeypatch.setattr(seal_module, "MIN_POSITIONS_PER_JOB", 1)
    more_events(app, 3)  # not sealed yet: the last part chains them
    tamper = Tamper(app)
    if change == "edit-early":
        tamper.edit_one_byte(sealed[2])
    elif change == "delete-middle":
        tamper.delete(sealed[len(sealed) // 2])
    elif change == "edit-late":
        tamper.edit_one_byte(sealed[-2])
    elif change == "insert":
        tamper.insert_copy(0, of=sealed[1])
    one = verify_seals(app, views, batch_size=4)
    assert one.ok is (change == "none")
    assert len(seal_module._split(seal_module._SealReader(views), one.sealed_position, 3)) == 2
    assert verify_seals(app, views, batch_size=4, jobs=3) == one


# ---------------------------------------------------------------------- issue 13, point 15


def _truncate(app, views, count: int, *, reset_tracking: bool) -> int:
    """Delete the newest ``count`` events with their seals (and, with ``reset_tracking``,
    move the seal view's position back to the new head, as a careful attacker would);
    answers the new head."""
    positions = Tamper(app).positions()
    head = positions[-count - 1]
    for position in positions[-count:]:
        Tamper(app).delete(position)
    with views.transaction(commit=True) as cursor:
        views.execute(cursor, f"DELETE FROM {views.table(SEAL_TABLE)} WHERE position > ?", (head,))
        if reset_tracking:
            views.execute(
                cursor,
                f"UPDATE {views.tracking_table} SET notification_id = ? WHERE application_name = ?",
                (head, SealProjection.name),
            )
    return head


def test_deleting_the_newest_events_with_their_seals_fails_a_plain_verify(app, views, sealed):
    """The seal view's position still names the last deleted event: the head is behind it."""
    head = _truncate(app, views, 3, reset_tracking=False)
    report = verify_seals(app, views)
    assert (report.ok, report.status, report.problem) == (False, "broken", "truncated")
    assert report.first_bad_position == head + 1
    assert f"the newest stored event is at position {head}" in report.detail


def test_a_head_behind_the_newest_recorded_checkpoint_fails_a_plain_verify(app, views, sealed):
    """Events, seals and the seal view's position rolled back together: only the register
    of checkpoints beside the events still knows, and a plain verify reads it."""
    from projections.seal.checkpoints import newest_checkpoint, record_checkpoint

    report = verify_seals(app, views)
    assert (report.status, report.checkpoint_position) == ("intact", None)
    signed = sign_checkpoint(SEED, report.head_position, report.head_hash)
    record_checkpoint(app, signed)
    record_checkpoint(app, signed)  # a repeat is kept once
    assert newest_checkpoint(app) == signed
    assert verify_seals(app, views).checkpoint_position == sealed[-1]
    head = _truncate(app, views, 2, reset_tracking=True)
    report = verify_seals(app, views)
    assert (report.ok, report.problem, report.first_bad_position) == (False, "truncated", head + 1)
    assert f"behind the newest recorded checkpoint (position {sealed[-1]}" in report.detail
    assert report.checkpoint_position == sealed[-1]


def test_a_forged_recorded_checkpoint_fails_a_plain_verify(app, views, sealed):
    from projections.seal.checkpoints import record_checkpoint

    signed = sign_checkpoint(SEED, sealed[-1], seals(views)[-1][1])
    record_checkpoint(app, msgspec.structs.replace(signed, position=sealed[-1] + 1_000))
    report = verify_seals(app, views)
    assert (report.ok, report.problem) == (False, "bad-checkpoint")


def test_events_after_the_last_seal_are_counted_apart_not_a_success(app, views, sealed):
    more_events(app, 2)
    report = verify_seals(app, views)
    assert (report.ok, report.status, report.unsealed) == (True, "unsealed", 2)
    seal(app, views)
    assert verify_seals(app, views).status == "intact"
