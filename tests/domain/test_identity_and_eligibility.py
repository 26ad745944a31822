"""Issue 15, pure rules: who a new registration is among its namesakes (points 9), a programme's
recorded eligibility and prizes in kind (point 11), reconsidering a rejected entry and
revoking a nominee (point 10)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain import ids
from domain.errors import DomainError
from domain.participant import Namesake, Participant, identify
from domain.prize_programme import PrizeProgramme
from domain.prizes import Eligibility, EntryStatus, Placing, Prize, is_eligible
from domain.values import ChampionshipKind, Level

ACTOR = uuid4()
BORN = date(2004, 3, 1)


def namesake(birth: date | None) -> Namesake:
    return Namesake(uuid4(), "Серікбаев Дәулет", uuid4(), birth)


def test_identify_same_birth_date_is_the_person_an_unknown_one_is_doubtful():
    known, unknown, other = namesake(BORN), namesake(None), namesake(date(2006, 1, 1))
    assert identify(BORN, [known, unknown, other]) == (known, [unknown])
    assert identify(None, [known, unknown, other]) == (None, [known, unknown, other])
    assert identify(BORN, [other]) == (None, [])
    assert identify(None, []) == (None, [])


def test_a_persons_id_does_not_depend_on_the_organisation_unless_declared_new():
    one, two = uuid4(), uuid4()
    a = Participant.register(actor=ACTOR, full_name="Серікбаев  Дәулет", organisation_id=one)
    b = Participant.register(actor=ACTOR, full_name="СЕРІКБАЕВ Дәулет", organisation_id=two)
    assert a.id == b.id == ids.person_id("серікбаев дәулет", None)
    assert a.distinct_from == ()
    c = Participant.register(
        actor=ACTOR,
        full_name="Серікбаев Дәулет",
        organisation_id=two,
        new_person=True,
        distinct_from=[a.id, a.id],
    )
    assert c.id == ids.participant_id(two, "Серікбаев Дәулет", None) != a.id
    assert c.distinct_from == (a.id,)
    # the same person registered by another organisation: same_as without the organisation
    assert not a.same_as(b, lambda *_: None)
    assert a.same_as(b, lambda *_: None, organisation=False)


# ---------------------------------------------------------------------------- prizes

PRIZES = (Prize(1, "Ноутбук", 500_000), Prize(2, "Сертификат на обучение", None))


def programme(**eligibility) -> PrizeProgramme:
    return PrizeProgramme.create(
        actor=ACTOR,
        title_ru="Призы акима ВКО 2026",
        title_kk="ШҚО әкімінің сыйлықтары 2026",
        year=2026,
        region="VKO",
        kinds=("worldskills",),
        prizes_by_place=PRIZES,
        eligibility=eligibility or None,
    )


def placing(place: int, *, level=Level.REPUBLICAN, region="VKO", kind="worldskills") -> Placing:
    return Placing(
        uuid4(), uuid4(), uuid4(), "Нұрланов Әлихан", uuid4(), region, kind, level, place
    )


def test_default_eligibility_is_todays_rule_and_in_kind_needs_no_amount():
    p = programme()
    assert p.eligibility == Eligibility(
        kinds=(ChampionshipKind.WORLDSKILLS,),
        levels=(Level.REPUBLICAN,),
        places=(1, 2),
        region="VKO",
        year=2026,
    )
    assert p.prize_for(2) == Prize(2, "Сертификат на обучение", None)
    assert p.consider(actor=ACTOR, placing=placing(2), reason="2 место", championship_year=2026)
    [entry] = p.entries.values()
    assert entry.prize is not None and entry.prize.amount_kzt is None
    for refused in (
        placing(1, level=Level.REGIONAL),
        placing(1, region="AST"),
        placing(1, kind="abilympics"),
        placing(3),
    ):
        assert not p.consider(actor=ACTOR, placing=refused, reason="-", championship_year=2026)
    assert not p.consider(actor=ACTOR, placing=placing(1), reason="-", championship_year=2025)


def test_recorded_eligibility_decides_alone():
    p = programme(levels=["regional", "republican"], region=None, places=[1], year=None)
    rule = p.eligibility
    assert (rule.levels, rule.places, rule.region, rule.year) == (
        (Level.REGIONAL, Level.REPUBLICAN),
        (1,),
        None,
        None,
    )
    for good in (placing(1, level=Level.REGIONAL), placing(1, region="AST")):
        assert is_eligible(good, rule, championship_year=2019)
        assert p.consider(actor=ACTOR, placing=good, reason="1 место", championship_year=2019)
    assert not is_eligible(placing(2), rule)
    assert not is_eligible(placing(1, level=Level.INTERNATIONAL), rule)


@pytest.mark.parametrize(
    "eligibility",
    [
        {"places": [3]},  # no prize for place 3
        {"levels": ["worldwide"]},
        {"kinds": ["chess"]},
        {"kinds": []},
        {"levels": []},
        {"places": []},
        {"region": "ВКО"},
        {"year": 1900},
        {"colour": "red"},
    ],
)
def test_a_bad_eligibility_is_refused(eligibility):
    with pytest.raises(DomainError) as refused:
        programme(**eligibility)
    assert refused.value.code in ("invalid-input", "out-of-range")


def test_a_prize_in_kind_still_needs_a_description_and_money_a_valid_amount():
    for prizes in (
        (Prize(1, "  ", None),),
        (Prize(1, "Ноутбук", 0),),
        (Prize(1, "Ноутбук", 1_000_000_001),),
    ):
        with pytest.raises(DomainError):
            PrizeProgramme.create(
                actor=ACTOR,
                title_ru="x",
                title_kk="x",
                year=2026,
                region="VKO",
                kinds=("worldskills",),
                prizes_by_place=prizes,
            )


def test_reconsider_a_rejection_and_revoke_a_nominee():
    p = programme()
    p.consider(actor=ACTOR, placing=placing(1), reason="1 место", championship_year=2026)
    [entry] = p.entries
    with pytest.raises(DomainError):  # only a rejection is reconsidered
        p.decide(actor=ACTOR, entry_id=entry, decision="reconsider", reason="ещё раз")
    assert p.decide(actor=ACTOR, entry_id=entry, decision="reject", reason="не житель")
    with pytest.raises(DomainError):  # a reason is required
        p.decide(actor=ACTOR, entry_id=entry, decision="reconsider", reason=" ")
    assert p.decide(actor=ACTOR, entry_id=entry, decision="reconsider", reason="справка")
    assert p.entries[entry].status is EntryStatus.PROPOSED
    assert p.entries[entry].reason == "справка"
    assert p.decide(actor=ACTOR, entry_id=entry, decision="approve")
    _, nomination = p.define_nomination(actor=ACTOR, title_ru="Меценат", title_kk="Меценат")
    _, nominee = p.nominate(
        actor=ACTOR, nomination_id=nomination, organisation_id=uuid4(), citation="За помощь"
    )
    with pytest.raises(DomainError):  # a proposed nominee is rejected, not revoked
        p.decide_nominee(
            actor=ACTOR, nomination_id=nomination, nominee_id=nominee, decision="revoke", reason="x"
        )
    p.decide_nominee(actor=ACTOR, nomination_id=nomination, nominee_id=nominee, decision="approve")
    assert p.decide_nominee(
        actor=ACTOR,
        nomination_id=nomination,
        nominee_id=nominee,
        decision="revoke",
        reason="ошибка",
    )
    assert p.nominations[nomination].nominees[nominee].status is EntryStatus.REVOKED
    assert not p.decide_nominee(
        actor=ACTOR, nomination_id=nomination, nominee_id=nominee, decision="revoke", reason="ещё"
    )
