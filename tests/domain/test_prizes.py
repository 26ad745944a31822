"""RULES.md "Prizes and nominations" on the PrizeProgramme aggregate (pure)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import msgspec
import pytest

from domain.errors import DomainError
from domain.prize_programme import PrizeProgramme
from domain.prizes import EntryStatus, Placing, Prize
from domain.values import ChampionshipKind, Level

#: the days an award is checked against: published on 16 May 2025, decided on 20 Dec 2025
DAYS = {"today": date(2025, 12, 20), "published_on": date(2025, 5, 16)}

AKIMAT = uuid4()
PRIZES = (
    Prize(1, "Ноутбук", 500_000),
    Prize(2, "Планшет", 300_000),
    Prize(3, "Сертификат", 150_000),
)
CHAMPIONSHIP, COMPETITION = uuid4(), uuid4()


def programme(kinds=("worldskills", "agroskills", "abilympics")) -> PrizeProgramme:
    return PrizeProgramme.create(
        actor=AKIMAT,
        title_ru="Призы акима ВКО 2025",
        title_kk="ШҚО әкімінің сыйлықтары 2025",
        year=2025,
        region="VKO",
        kinds=kinds,
        prizes_by_place=PRIZES,
    )


def placing(
    place: int,
    *,
    region="VKO",
    level=Level.REPUBLICAN,
    kind=ChampionshipKind.WORLDSKILLS,
    competitor=None,
) -> Placing:
    return Placing(
        CHAMPIONSHIP,
        COMPETITION,
        competitor or uuid4(),
        "Нұрланов Әлихан",
        uuid4(),
        region,
        kind,
        level,
        place,
    )


def refused(code, call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        call(**kwargs)
    assert info.value.code == code, info.value.message
    return info.value


@pytest.mark.parametrize(
    ("spec", "eligible"),
    [
        (placing(1), True),
        (placing(3), True),
        (placing(4), False),  # place 4 never
        (placing(1, level=Level.REGIONAL), False),  # regional results never qualify
        (placing(1, level=Level.INTERNATIONAL), False),
        (placing(2, region="AST"), False),  # another region's competitor never
    ],
)
def test_eligibility_edges(spec, eligible):
    p = programme()
    assert p.consider(actor=AKIMAT, placing=spec, reason="r") is eligible
    assert len(p.entries) == (1 if eligible else 0)
    if eligible:
        [entry] = p.entries.values()
        assert entry.status is EntryStatus.PROPOSED
        assert entry.prize == PRIZES[spec.place - 1]


def test_a_kind_the_programme_does_not_cover_never_qualifies():
    p = programme(kinds=("worldskills",))
    assert not p.consider(
        actor=AKIMAT, placing=placing(1, kind=ChampionshipKind.ABILYMPICS), reason="r"
    )


def test_a_tie_at_place_three_gives_two_entries():
    p = programme()
    for _ in range(2):
        p.consider(actor=AKIMAT, placing=placing(3), reason="tie")
    assert [e.placing.place for e in p.entries.values()] == [3, 3]


def test_proposing_again_is_a_repeat_exactly_once():
    p = programme()
    spec = placing(2)
    assert p.consider(actor=AKIMAT, placing=spec, reason="r") is True
    assert p.consider(actor=AKIMAT, placing=spec, reason="r") is False
    assert len(p.pending_events) == 2  # created + one proposal


def test_entry_life_and_reasons():
    p = programme()
    p.consider(actor=AKIMAT, placing=placing(1), reason="r")
    [entry_id] = p.entries
    refused(
        "invalid-state",
        p.decide,
        actor=AKIMAT,
        entry_id=entry_id,
        decision="award",
        awarded_on=date(2025, 12, 20),
        **DAYS,
    )
    refused(
        "invalid-input", p.decide, actor=AKIMAT, entry_id=entry_id, decision="reject", reason=" "
    )
    assert p.decide(actor=AKIMAT, entry_id=entry_id, decision="approve")
    assert not p.decide(actor=AKIMAT, entry_id=entry_id, decision="approve")  # a repeat
    refused("invalid-input", p.decide, actor=AKIMAT, entry_id=entry_id, decision="award")
    p.decide(
        actor=AKIMAT, entry_id=entry_id, decision="award", awarded_on=date(2025, 12, 20), **DAYS
    )
    assert p.entries[entry_id].status is EntryStatus.AWARDED
    assert p.entries[entry_id].awarded_on == date(2025, 12, 20)
    refused(
        "invalid-state",
        p.decide,
        actor=AKIMAT,
        entry_id=entry_id,
        decision="reject",
        reason="поздно",
    )
    p.decide(actor=AKIMAT, entry_id=entry_id, decision="revoke", reason="дисквалификация")
    assert (p.entries[entry_id].status, p.entries[entry_id].reason) == (
        EntryStatus.REVOKED,
        "дисквалификация",
    )
    refused("not-found", p.decide, actor=AKIMAT, entry_id=uuid4(), decision="approve")


def test_an_amendment_flags_approved_entries_for_review():
    p = programme()
    spec = placing(2)
    p.consider(actor=AKIMAT, placing=spec, reason="r")
    [entry_id] = p.entries
    p.decide(actor=AKIMAT, entry_id=entry_id, decision="approve")
    # The competitor moves up to 1st: the approved entry needs review, with the new prize.
    p.consider(actor=AKIMAT, placing=msgspec.structs.replace(spec, place=1), reason="поправка")
    entry = p.entries[entry_id]
    assert (entry.status, entry.prize, entry.reason) == (
        EntryStatus.NEEDS_REVIEW,
        PRIZES[0],
        "поправка",
    )
    p.decide(actor=AKIMAT, entry_id=entry_id, decision="approve")  # confirmed
    assert p.entries[entry_id].status is EntryStatus.APPROVED
    # Out of the prize places: review again, and it cannot be approved any more.
    p.consider(actor=AKIMAT, placing=msgspec.structs.replace(spec, place=4), reason="поправка 2")
    assert (
        p.entries[entry_id].status is EntryStatus.NEEDS_REVIEW and p.entries[entry_id].prize is None
    )
    refused("invalid-state", p.decide, actor=AKIMAT, entry_id=entry_id, decision="approve")
    p.decide(actor=AKIMAT, entry_id=entry_id, decision="revoke", reason="место изменено")


def test_a_proposed_entry_follows_a_new_prize_place_without_review():
    p = programme()
    spec = placing(3)
    p.consider(actor=AKIMAT, placing=spec, reason="r")
    p.consider(actor=AKIMAT, placing=msgspec.structs.replace(spec, place=2), reason="поправка")
    [entry] = p.entries.values()
    assert (entry.status, entry.prize) == (EntryStatus.PROPOSED, PRIZES[1])


def test_prizes_are_validated():
    def create(prizes):
        return PrizeProgramme.create(
            actor=AKIMAT,
            title_ru="П",
            title_kk="П",
            year=2025,
            region="VKO",
            kinds=("worldskills",),
            prizes_by_place=prizes,
        )

    refused("out-of-range", create, prizes=(Prize(4, "x", 1),))
    refused("invalid-input", create, prizes=(Prize(1, "x", 1), Prize(1, "y", 2)))
    refused("out-of-range", create, prizes=(Prize(1, "x", 0),))
    refused("invalid-input", create, prizes=())
    refused("invalid-input", create, prizes=(Prize(1, " ", 5),))


def test_nominations_have_several_winners_approved_one_by_one():
    p = programme()
    changed, nomination = p.define_nomination(
        actor=AKIMAT, title_ru="Лучший социальный партнер", title_kk="Үздік әлеуметтік серіктес"
    )
    assert changed and p.define_nomination(
        actor=AKIMAT, title_ru="Лучший  социальный партнер", title_kk="x"
    ) == (False, nomination)
    nominees = [
        p.nominate(
            actor=AKIMAT,
            nomination_id=nomination,
            organisation_id=uuid4(),
            citation="За развитие дуального обучения",
        )[1]
        for _ in range(3)
    ]
    p.decide_nominee(
        actor=AKIMAT, nomination_id=nomination, nominee_id=nominees[0], decision="approve"
    )
    p.decide_nominee(
        actor=AKIMAT,
        nomination_id=nomination,
        nominee_id=nominees[1],
        decision="reject",
        reason="не представлены документы",
    )
    statuses = [p.nominations[nomination].nominees[n].status for n in nominees]
    assert statuses == [EntryStatus.APPROVED, EntryStatus.REJECTED, EntryStatus.PROPOSED]
    refused(
        "not-found",
        p.nominate,
        actor=AKIMAT,
        nomination_id=uuid4(),
        organisation_id=uuid4(),
        citation="x",
    )


# ------------------------------------------------------------------ issue 13: points 9 and 11


def awarded_entry(place: int = 2) -> tuple[PrizeProgramme, object, Placing]:
    p = programme()
    spec = placing(place)
    p.consider(actor=AKIMAT, placing=spec, reason="r")
    [entry_id] = p.entries
    p.decide(actor=AKIMAT, entry_id=entry_id, decision="approve")
    p.decide(actor=AKIMAT, entry_id=entry_id, decision="award", awarded_on=date(2025, 6, 1), **DAYS)
    return p, entry_id, spec


def test_confirming_a_flagged_awarded_entry_keeps_it_awarded_with_its_date():
    """RULES.md "Prizes": confirming restores the status the entry had before the flag."""
    p, entry_id, spec = awarded_entry()
    p.consider(actor=AKIMAT, placing=msgspec.structs.replace(spec, place=1), reason="поправка")
    assert p.entries[entry_id].status is EntryStatus.NEEDS_REVIEW
    assert p.decide(actor=AKIMAT, entry_id=entry_id, decision="approve") is True
    entry = p.entries[entry_id]
    assert (entry.status, entry.awarded_on, entry.prize) == (
        EntryStatus.AWARDED,
        date(2025, 6, 1),
        PRIZES[0],
    )
    # replaying the events gives the same entry (the rule lives in the event's apply)
    copy = None
    for event in p.collect_events():
        copy = event.mutate(copy)
    assert copy.entries[entry_id] == entry
    # an approved entry flagged and confirmed is approved again
    q = programme()
    q.consider(actor=AKIMAT, placing=spec, reason="r")
    [other] = q.entries
    q.decide(actor=AKIMAT, entry_id=other, decision="approve")
    q.consider(actor=AKIMAT, placing=msgspec.structs.replace(spec, place=3), reason="поправка")
    q.decide(actor=AKIMAT, entry_id=other, decision="approve")
    assert (q.entries[other].status, q.entries[other].awarded_on) == (EntryStatus.APPROVED, None)


def test_a_flagged_awarded_entry_can_still_be_revoked():
    p, entry_id, spec = awarded_entry()
    p.consider(actor=AKIMAT, placing=msgspec.structs.replace(spec, place=5), reason="поправка")
    refused("invalid-state", p.decide, actor=AKIMAT, entry_id=entry_id, decision="approve")
    p.decide(actor=AKIMAT, entry_id=entry_id, decision="revoke", reason="не призёр")
    assert p.entries[entry_id].status is EntryStatus.REVOKED


@pytest.mark.parametrize(
    ("awarded_on", "ok"),
    [
        (date(2025, 5, 15), False),  # the day before publication
        (date(2025, 5, 16), True),  # the day of publication
        (date(2025, 12, 20), True),  # today
        (date(2025, 12, 21), False),  # tomorrow
        (date(2099, 1, 1), False),
    ],
)
def test_an_award_is_dated_between_publication_and_today(awarded_on, ok):
    p = programme()
    p.consider(actor=AKIMAT, placing=placing(1), reason="r")
    [entry_id] = p.entries
    p.decide(actor=AKIMAT, entry_id=entry_id, decision="approve")
    award = {"actor": AKIMAT, "entry_id": entry_id, "decision": "award", "awarded_on": awarded_on}
    if ok:
        assert p.decide(**award, **DAYS) is True
        assert p.entries[entry_id].awarded_on == awarded_on
        return
    error = refused("invalid-input", p.decide, **award, **DAYS)
    assert error.message.startswith("awarded_on: ")
    assert p.entries[entry_id].status is EntryStatus.APPROVED
    # without the days to check against, no award is recorded at all
    refused("invalid-state", p.decide, **award)
