"""The invariants the demo tables (:mod:`demo.data`, :mod:`demo.data_2026`) promise:
:func:`check` asserts them (run ``python -m demo.data_check``)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from demo.data import (
    ALL_CHAMPIONSHIPS,
    CHAMPIONSHIP_2026,
    CHAMPIONSHIPS,
    COMPETENCIES,
    CONFLICT_OF_INTEREST_DEMO,
    DISPUTE_2026,
    EXPERTS,
    NOMINATIONS,
    ORGANISATIONS,
    PEOPLE,
    TOKENS_2026,
    DemoCompetency,
)

# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------

_HUNDRED = Decimal("100.00")
_MARK_PATTERN = re.compile(r"^\d{1,3}\.\d{2}$")
_CATEGORIES_BY_KIND: dict[str, frozenset[str]] = {
    "worldskills": frozenset({"main", "juniors"}),
    "agroskills": frozenset({"main"}),
    "abilympics": frozenset({"schoolchildren", "students", "specialists"}),
}
#: Allowed age (in whole years, on the first day of the championship) by category.
_AGES_BY_CATEGORY: dict[str, tuple[int, int]] = {
    "main": (16, 22),
    "juniors": (14, 16),
    "schoolchildren": (14, 18),
    "students": (16, 25),
    "specialists": (20, 50),
}
_REGIONS = frozenset({"VKO", "AST", "ALA", "KAR", "PAV", "ABA", "AKM"})
_KAZAKH_LETTERS = frozenset("ӘҒҚҢӨҰҮҺІәғқңөұүһі")


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _unique(keys: list[str], what: str) -> None:
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"duplicate {what}: {duplicates}"


def _check_scheme(competency: DemoCompetency) -> None:
    scheme = competency.scheme
    code = competency.code
    assert 6 <= len(scheme) <= 12, f"{code}: {len(scheme)} aspects"
    _unique([aspect.id for aspect in scheme], f"aspect ids of {code}")
    criteria = {aspect.criterion for aspect in scheme}
    assert 3 <= len(criteria) <= 5, f"{code}: {len(criteria)} criteria"
    assert criteria <= set("ABCDE"), f"{code}: criteria {sorted(criteria)}"
    total = Decimal("0.00")
    for aspect in scheme:
        assert aspect.id.startswith(aspect.criterion), f"{code}/{aspect.id}: criterion"
        assert aspect.description.strip(), f"{code}/{aspect.id}: description"
        assert _MARK_PATTERN.match(aspect.max_mark), f"{code}/{aspect.id}: {aspect.max_mark}"
        mark = Decimal(aspect.max_mark)
        assert mark > 0, f"{code}/{aspect.id}: max_mark must be positive"
        total += mark
    assert total == _HUNDRED and str(total) == "100.00", f"{code}: scheme adds up to {total}"
    kinds = [aspect.type for aspect in scheme]
    assert kinds.count("judgement") >= 2, f"{code}: fewer than 2 judgement aspects"
    assert kinds.count("measurement") >= 1, f"{code}: no measurement aspect"


def check() -> None:
    """Assert every invariant the demo tables promise; raise AssertionError on the first miss."""
    organisations = {o.key: o for o in ORGANISATIONS}
    competencies = {c.code: c for c in COMPETENCIES}
    people = {p.key: p for p in PEOPLE}
    experts = {e.key: e for e in EXPERTS}
    championships = {c.key: c for c in CHAMPIONSHIPS}

    # Unique keys and natural keys.
    _unique([o.key for o in ORGANISATIONS], "organisation keys")
    _unique([o.name_ru for o in ORGANISATIONS], "organisation Russian names")
    _unique([o.name_kk for o in ORGANISATIONS], "organisation Kazakh names")
    _unique([c.code for c in COMPETENCIES], "competency codes")
    _unique([p.key for p in PEOPLE], "person keys")
    _unique([e.key for e in EXPERTS], "expert keys")
    _unique([p.full_name for p in PEOPLE] + [e.name for e in EXPERTS], "names of people")
    _unique([c.key for c in CHAMPIONSHIPS], "championship keys")
    _unique([n.key for n in NOMINATIONS], "nomination keys")

    # Organisations.
    for org in ORGANISATIONS:
        assert org.key.isascii() and org.key == org.key.lower(), org.key
        assert org.kind in {"college", "university", "enterprise", "state_body"}, org.key
        assert org.region in _REGIONS, org.key
    vko_colleges = [o for o in ORGANISATIONS if o.region == "VKO" and o.kind == "college"]
    assert len(vko_colleges) >= 8, "fewer than 8 VKO colleges"
    other_colleges = [o for o in ORGANISATIONS if o.region != "VKO" and o.kind == "college"]
    assert len(other_colleges) >= 4, "fewer than 4 colleges of other regions"
    for key in ("kazzinc", "uktmk", "umz", "uktec", "vku", "vktu", "kasu", "upr_vko"):
        assert organisations[key].region == "VKO", key

    # Competencies.
    for competency in COMPETENCIES:
        assert competency.code.isascii(), competency.code
        assert competency.kind in _CATEGORIES_BY_KIND, competency.code
        _check_scheme(competency)
    by_kind = [c.kind for c in COMPETENCIES]
    assert by_kind.count("worldskills") >= 8, "fewer than 8 WorldSkills competencies"
    assert by_kind.count("agroskills") >= 2, "fewer than 2 AgroSkills competencies"
    assert by_kind.count("abilympics") >= 3, "fewer than 3 Abilympics competencies"

    # People and experts.
    for person in PEOPLE:
        assert person.organisation in organisations, f"{person.key}: {person.organisation}"
        date.fromisoformat(person.birth_date)
        assert len(person.full_name.split()) in (2, 3), person.full_name
    for expert in EXPERTS:
        assert expert.organisation in organisations, f"{expert.key}: {expert.organisation}"
        assert organisations[expert.organisation].kind != "state_body", expert.key
    names = [p.full_name for p in PEOPLE] + [e.name for e in EXPERTS]
    kazakh = [name for name in names if _KAZAKH_LETTERS & set(name)]
    assert len(kazakh) >= len(names) // 3, "too few names with Kazakh letters"
    for name in names:
        assert not (set(name) & set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")), (
            f"Latin letter in a Cyrillic name: {name!r}"
        )

    # Championships and competitions.
    competing: set[str] = set()
    judging: set[str] = set()
    in_abilympics: set[str] = set()
    conflicts: list[tuple[str, str, str]] = []
    for champ in ALL_CHAMPIONSHIPS:
        finished = champ is not CHAMPIONSHIP_2026
        assert champ.kind in _CATEGORIES_BY_KIND, champ.key
        assert champ.level in {"regional", "republican", "international"}, champ.key
        assert champ.region in _REGIONS, champ.key
        assert champ.year == (2025 if finished else 2026), champ.key
        assert {c.stage == "published" for c in champ.competitions} == {finished}, champ.key
        starts, ends = date.fromisoformat(champ.starts_on), date.fromisoformat(champ.ends_on)
        assert starts <= ends and starts.year == ends.year == champ.year, champ.key
        assert _MARK_PATTERN.match(champ.tie_tolerance), champ.key
        assert champ.min_competitors_for_medals == 3, champ.key
        assert champ.title_ru and champ.title_kk, champ.key
        _unique(
            [f"{c.competency}/{c.category}" for c in champ.competitions],
            f"competitions of {champ.key}",
        )
        _unique(
            [p for c in champ.competitions for p in c.competitors],
            f"competitors entered twice in {champ.key}",
        )
        _unique([c.chief for c in champ.competitions], f"chiefs of two competitions in {champ.key}")
        panels = [e for c in champ.competitions for e in (c.chief, *c.experts)]
        overloaded = sorted({e for e in panels if panels.count(e) > 2})
        assert not overloaded, f"{champ.key}: experts in more than 2 competitions: {overloaded}"
        for comp in champ.competitions:
            where = f"{champ.key}/{comp.competency}/{comp.category}"
            assert comp.competency in competencies, where
            assert competencies[comp.competency].kind == champ.kind, f"{where}: kind"
            assert comp.category in _CATEGORIES_BY_KIND[champ.kind], f"{where}: category"
            assert 4 <= len(comp.competitors) <= 8, f"{where}: {len(comp.competitors)} entrants"
            _unique(list(comp.competitors), f"competitors of {where}")
            assert comp.chief in experts, f"{where}: chief {comp.chief}"
            assert comp.chief not in comp.experts, f"{where}: chief listed among experts"
            _unique(list(comp.experts), f"experts of {where}")
            assert len(comp.experts) >= 3, f"{where}: fewer than 3 non-chief experts"
            low, high = _AGES_BY_CATEGORY[comp.category]
            regions = set()
            competitor_orgs = set()
            for key in comp.competitors:
                assert key in people, f"{where}: unknown competitor {key}"
                person = people[key]
                age = _age_on(date.fromisoformat(person.birth_date), starts)
                assert low <= age <= high, f"{where}: {key} is {age}"
                regions.add(organisations[person.organisation].region)
                competitor_orgs.add(person.organisation)
                competing.add(key)
                if champ.kind == "abilympics":
                    in_abilympics.add(key)
            if champ.level == "regional":
                assert regions == {champ.region}, f"{where}: competitor from another region"
            else:
                assert "VKO" in regions and len(regions) >= 3, f"{where}: regions {regions}"
            for expert_key in (comp.chief, *comp.experts):
                assert expert_key in experts, f"{where}: unknown expert {expert_key}"
                judging.add(expert_key)
                if finished and experts[expert_key].organisation in competitor_orgs:
                    conflicts.append((champ.key, comp.competency, expert_key))
            # Every competitor can be scored by the chief and three unconflicted experts.
            for key in comp.competitors:
                org = people[key].organisation
                if finished:
                    assert experts[comp.chief].organisation != org, f"{where}: chief conflicted"
                free = [e for e in comp.experts if experts[e].organisation != org]
                assert len(free) >= 3, f"{where}: fewer than 3 unconflicted experts for {key}"
    ws_regional = championships["ws_shygys_2025"]
    assert ws_regional.kind == "worldskills" and ws_regional.level == "regional"
    assert len(ws_regional.competitions) >= 6, "fewer than 6 regional WorldSkills competitions"
    assert any(c.category == "juniors" for c in ws_regional.competitions), "no juniors"
    assert {c.kind for c in CHAMPIONSHIPS if c.level == "republican"} == set(_CATEGORIES_BY_KIND)
    abilympics = [c for c in CHAMPIONSHIPS if c.kind == "abilympics"]
    assert {comp.category for c in abilympics for comp in c.competitions} == set(
        _CATEGORIES_BY_KIND["abilympics"]
    ), "Abilympics must have one competition per category"

    # 2026: a competition at every stage; its chiefs are chiefs of 2025 (no account changes
    # role); the expert (listed first) and the chief of the competition in marking whose
    # tokens the demo issues each share a college with a competitor (a refusal to try); the
    # chief of the disputed competition may correct the disputed score.
    stages = {c.stage for c in CHAMPIONSHIP_2026.competitions}
    assert stages == {"setup_partial", "setup", "marking", "disputed", "locked"}, stages
    chiefs_2025 = {c.chief for ch in CHAMPIONSHIPS for c in ch.competitions}
    assert {c.chief for c in CHAMPIONSHIP_2026.competitions} <= chiefs_2025
    by_code = {c.competency: c for c in CHAMPIONSHIP_2026.competitions}
    for stage, code in TOKENS_2026.items():
        assert by_code[code].stage == stage, code
    marking = by_code[TOKENS_2026["marking"]]
    home = {people[key].organisation for key in marking.competitors}
    assert experts[marking.chief].organisation in home, "the chief has no competitor to refuse"
    assert experts[marking.experts[0]].organisation in home, "the expert has none to refuse"
    code, position, aspect_id = DISPUTE_2026
    disputed = by_code[code]
    assert by_code[code].stage == "disputed"
    aspect = next(a for a in competencies[code].scheme if a.id == aspect_id)
    assert aspect.type == "judgement", DISPUTE_2026
    assert experts[disputed.chief].organisation != (
        people[disputed.competitors[position]].organisation
    ), "the chief cannot correct the disputed score"

    # Conflict of interest: exactly the declared one, in a competition it identifies uniquely.
    assert conflicts == [CONFLICT_OF_INTEREST_DEMO], f"conflicts: {conflicts}"
    champ_key, code, _ = CONFLICT_OF_INTEREST_DEMO
    matching = [c for c in championships[champ_key].competitions if c.competency == code]
    assert len(matching) == 1, "the conflict demo must name exactly one competition"

    # Everyone is used; disability is recorded for exactly the Abilympics participants.
    assert competing == set(people), f"people never competing: {sorted(set(people) - competing)}"
    assert judging == set(experts), f"experts never judging: {sorted(set(experts) - judging)}"
    for person in PEOPLE:
        if person.key in in_abilympics:
            assert person.disability, f"{person.key}: Abilympics participant without disability"
        else:
            assert person.disability is None, f"{person.key}: disability outside Abilympics"

    # Nominations.
    assert len(NOMINATIONS) == 3
    for nomination in NOMINATIONS:
        assert nomination.winners and nomination.citation, nomination.key
        for winner in nomination.winners:
            assert winner in organisations, f"{nomination.key}: {winner}"


if __name__ == "__main__":
    check()
    print("ok")
