"""``RegistryApplication.decide_prize_entries`` (the akimat's bulk approval, SQLite and
PostgreSQL): several decisions on one programme, all or nothing — one refusal records none and
names its entry; otherwise one event per entry, saved together."""

from __future__ import annotations

import pytest

from domain.errors import DomainError
from domain.ids import SYSTEM_ACTOR
from domain.prize_programme import PrizeProgramme
from registry.application import RegistryApplication
from registry.policy import PrizePolicy
from tests.helpers import sign_off_all
from tests.prizes_world import build_prize_world, create_programme


def programme_with_entries(app: RegistryApplication) -> tuple[object, list]:
    w = build_prize_world(app, publish=False)
    sign_off_all(app, w.world)
    app.lock(actor=w.world.experts["chief"], competition_id=w.world.competition)
    app.publish(actor=SYSTEM_ACTOR, competition_id=w.world.competition)
    programme = create_programme(app, w.akimat)
    PrizePolicy(app).catch_up()
    entries = sorted(app.prize_programme(programme).entries, key=str)
    assert len(entries) == 3
    return (w, programme), entries


def test_one_refusal_records_none_and_names_its_entry(app: RegistryApplication):
    (w, programme), entries = programme_with_entries(app)
    akimat = w.akimat
    app.decide_prize_entry(
        actor=akimat, programme_id=programme, entry_id=entries[1], decision="reject", reason="x1"
    )
    before = app.event_count()
    with pytest.raises(DomainError) as refused:
        app.decide_prize_entries(
            actor=akimat,
            programme_id=programme,
            decisions=[{"entry_id": e, "decision": "approve"} for e in entries],
        )
    assert refused.value.code == "invalid-state"
    assert refused.value.details["entry_id"] == str(entries[1])
    assert app.event_count() == before
    held = app.prize_programme(programme).entries
    assert [str(held[e].status) for e in entries] == ["proposed", "rejected", "proposed"]


def test_the_decisions_are_recorded_together(app: RegistryApplication):
    (w, programme), entries = programme_with_entries(app)
    before = app.head_position()
    result = app.decide_prize_entries(
        actor=w.akimat,
        programme_id=programme,
        decisions=[{"entry_id": e, "decision": "approve"} for e in entries],
    )
    assert result.recorded and result.position == before + 3
    decided = [e for e in app.events.get(programme) if isinstance(e, PrizeProgramme.EntryDecided)]
    assert sorted(e.entry_id for e in decided) == entries
    assert all(e.decision == "approve" and e.actor == w.akimat for e in decided)
    # the same again is a repeat: nothing recorded
    again = app.decide_prize_entries(
        actor=w.akimat,
        programme_id=programme,
        decisions=[{"entry_id": e, "decision": "approve"} for e in entries],
    )
    assert not again.recorded and app.head_position() == result.position
