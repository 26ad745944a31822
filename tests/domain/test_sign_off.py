"""RULES.md "Closing a competition": each expert signs off their marks; a correction by or of
an expert afterwards withdraws their sign-off (a ``SignOffWithdrawn`` event, recorded with
the change); the chief locks only when every assigned expert has signed off, or records an
override with a reason in the ``Locked`` event. Pure: on the aggregate, no store."""

from __future__ import annotations

from uuid import uuid4

from domain.competition import Competition
from tests.domain.test_competition import (
    CHIEF,
    CONFLICTED,
    E1,
    E2,
    E3,
    E4,
    SHEET,
    mark_all,
    new_competition,
    pid,
    ready,
    refused,
    sign_all,
)

EVERYONE = (CHIEF, E1, E2, E3, E4, CONFLICTED)


def marked() -> Competition:
    c = ready()
    mark_all(c)
    c.collect_events()
    return c


def test_an_expert_signs_off_once_and_a_repeat_records_nothing():
    c = marked()
    recorded, version = c.sign_off(actor=E1)
    assert recorded is True
    [event] = c.collect_events()
    assert isinstance(event, Competition.SignedOff)
    assert event.actor == E1
    assert c.signed_off == {E1: version}
    assert c.sign_off(actor=E1) == (False, version)  # a retry: the same version, no event
    assert c.collect_events() == []


def test_only_an_assigned_expert_signs_off_and_only_while_marking():
    c = marked()
    refused("not-assigned", c.sign_off, actor=uuid4())
    setup = new_competition()
    refused("not-assigned", setup.sign_off, actor=E1)  # nobody is assigned yet
    sign_all(c)
    c.lock(actor=CHIEF)
    assert c.sign_off(actor=E1)[0] is False  # still signed off: a repeat
    c.reopen(actor=CHIEF, reason="апелляция")
    c.correct_mark(
        actor=E1, competitor_id=pid("ulzhan"), aspect_id="A1", value="11.00", reason="перемер"
    )
    assert E1 not in c.signed_off
    assert c.sign_off(actor=E1)[0] is True  # marking again: E1 signs off anew


def test_lock_names_who_has_not_signed_off():
    c = marked()
    for expert in (CHIEF, E1, E2, E3):
        c.sign_off(actor=expert)
    error = refused("sign-off-missing", c.lock, actor=CHIEF)
    assert error.details["missing"] == [
        {"expert_id": str(E4), "name": f"Эксперт {E4}"},
        {"expert_id": str(CONFLICTED), "name": "Эксперт из колледжа A"},
    ]
    assert f"Эксперт {E4}, Эксперт из колледжа A" in error.message
    assert c.collect_events()[-1].__class__ is Competition.SignedOff  # nothing more recorded
    c.sign_off(actor=E4)
    c.sign_off(actor=CONFLICTED)
    assert c.lock(actor=CHIEF) is True
    locked = c.collect_events()[-1]
    assert isinstance(locked, Competition.Locked)
    assert locked.override_reason is None


def test_the_other_lock_rules_come_first():
    c = ready()
    refused("incomplete-marking", c.lock, actor=CHIEF, override_reason="эксперт выбыл")
    sheet = dict(SHEET)
    sheet["dmitry"] = (("25.00", "18.00"), ((0, 2, 2), (2, 3, 2)))  # disputed
    mark_all(c, sheet)
    sign_all(c)
    refused("disputed-aspect", c.lock, actor=CHIEF, override_reason="эксперт выбыл")


def test_an_override_reason_locks_without_the_missing_sign_offs_and_is_recorded():
    c = marked()
    c.sign_off(actor=CHIEF)
    refused("invalid-input", c.lock, actor=CHIEF, override_reason="  ")
    refused("not-allowed", c.lock, actor=E1, override_reason="эксперт выбыл")
    assert c.lock(actor=CHIEF, override_reason="Эксперт Е4 выбыл по болезни") is True
    locked = c.collect_events()[-1]
    assert isinstance(locked, Competition.Locked)
    assert locked.override_reason == "Эксперт Е4 выбыл по болезни"


def test_an_override_is_recorded_only_when_a_sign_off_was_missing():
    c = marked()
    sign_all(c)
    assert c.lock(actor=CHIEF, override_reason="на всякий случай") is True
    assert c.collect_events()[-1].override_reason is None


def test_a_correction_by_an_expert_withdraws_their_sign_off_only():
    c = marked()
    sign_all(c)
    c.collect_events()
    c.correct_mark(
        actor=E2, competitor_id=pid("aigul"), aspect_id="B1", value=3, reason="пересмотр"
    )
    corrected, withdrawn = c.collect_events()
    assert isinstance(corrected, Competition.MarkCorrected)
    assert isinstance(withdrawn, Competition.SignOffWithdrawn)
    assert (withdrawn.actor, withdrawn.expert_id, withdrawn.reason) == (E2, E2, "пересмотр")
    assert set(c.signed_off) == set(EVERYONE) - {E2}
    refused("sign-off-missing", c.lock, actor=CHIEF)


def test_the_chiefs_correction_of_another_experts_score_withdraws_both_sign_offs():
    c = marked()
    sign_all(c)
    c.collect_events()
    c.correct_mark(
        actor=CHIEF,
        competitor_id=pid("aigul"),
        aspect_id="B1",
        value=3,
        reason="решение главного эксперта",
        expert_id=E3,
    )
    events = c.collect_events()
    assert [type(e) for e in events] == [
        Competition.MarkCorrected,
        Competition.SignOffWithdrawn,
        Competition.SignOffWithdrawn,
    ]
    assert {e.expert_id for e in events[1:]} == {E3, CHIEF}
    assert set(c.signed_off) == {E1, E2, E4, CONFLICTED}


def test_a_repeated_correction_withdraws_nothing():
    c = marked()
    sign_all(c)
    c.collect_events()
    recorded, _ = c.correct_mark(
        actor=E1, competitor_id=pid("aigul"), aspect_id="A1", value="25.00", reason="то же"
    )
    assert recorded is False
    assert c.collect_events() == []
    assert set(c.signed_off) == set(EVERYONE)


def test_new_marks_after_a_sign_off_withdraw_it_but_a_repeat_does_not():
    c = ready()
    c.enter_marks(actor=E1, marks=[(pid("aigul"), "A1", "25.00")])
    c.sign_off(actor=E1)
    c.collect_events()
    c.enter_marks(actor=E1, marks=[(pid("aigul"), "A1", "25.00")])  # a retry: a no-op
    assert c.collect_events() == []
    assert E1 in c.signed_off
    c.enter_marks(actor=E1, marks=[(pid("aigul"), "A2", "18.00")])
    entered, withdrawn = c.collect_events()
    assert isinstance(entered, Competition.MarksEntered)
    assert isinstance(withdrawn, Competition.SignOffWithdrawn)
    assert (withdrawn.expert_id, withdrawn.reason) == (E1, None)
    assert E1 not in c.signed_off


def test_sign_offs_replay_from_the_events():
    c = ready()
    events = list(c.collect_events())
    mark_all(c)
    sign_all(c)
    c.correct_mark(
        actor=E1, competitor_id=pid("aigul"), aspect_id="A1", value="24.00", reason="перемер"
    )
    c.sign_off(actor=E1)
    c.correct_mark(
        actor=CHIEF,
        competitor_id=pid("aigul"),
        aspect_id="B2",
        value=2,
        reason="пересмотр",
        expert_id=E2,
    )
    events.extend(c.collect_events())
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert replayed.signed_off == c.signed_off
    assert set(replayed.signed_off) == {E1, E3, E4, CONFLICTED}
    copy = c.__deepcopy__({})
    copy.correct_mark(
        actor=E1, competitor_id=pid("aigul"), aspect_id="A1", value="23.00", reason="ещё раз"
    )
    assert E1 in c.signed_off  # a copy's change never leaks into the original
