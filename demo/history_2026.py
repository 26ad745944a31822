"""The demo's regional championship of 2026, under way on the demo's "today" (2 December
2026): its loading steps (:class:`Loading2026`, mixed into :mod:`demo.history`'s loader, whose
registrations, marking and sign-offs it uses) and its newcomers (:func:`newcomers_2026`).
The tables are :mod:`demo.data_2026`'s."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from uuid import UUID

from demo import data
from demo.records import CHAMPIONSHIP_AS_IS as _CHAMPIONSHIP_AS_IS
from demo.records import same_named as _same_named
from demo.records import two as _two
from domain.values import AspectType, CompetitionStatus
from registry.application import AspectInput


class Loading2026:
    """The 2026 steps of the demo loader (``demo.history._Loader``)."""

    def championship_2026(self) -> UUID:
        """The regional championship under way on the demo's "today" (2 December 2026):
        created in October, its newcomers registered; every competition set up as far as
        its stage asks; then, day by day, marking starts and stops where the stage says.
        A step whose competition has moved on (somebody started, locked or published it
        since) is left alone, so a rerun adds nothing."""
        champ = data.CHAMPIONSHIP_2026
        starts = date.fromisoformat(champ.starts_on)
        self.clock.jump_to(starts - timedelta(days=35))
        championship_id = self.app.create_championship(
            actor=self.organiser,
            starts_on=starts,
            ends_on=date.fromisoformat(champ.ends_on),
            **_same_named(champ, *_CHAMPIONSHIP_AS_IS),
        ).id
        self.register_people(p for p in data.PEOPLE if p.key in newcomers_2026())
        self.clock.jump_to(starts - timedelta(days=14))
        competition_ids = [self.setup_2026(championship_id, comp) for comp in champ.competitions]
        for index, (comp, competition_id) in enumerate(
            zip(champ.competitions, competition_ids, strict=True)
        ):
            if comp.stage in ("setup", "setup_partial"):
                continue
            self.clock.jump_to(starts + timedelta(days=min(index, 2)), hour_utc=4)
            self.mark_2026(comp, competition_id)
        return championship_id

    def setup_2026(self, championship_id: UUID, comp: data.DemoCompetition) -> UUID:
        app, o = self.app, self.organiser
        competency = self.competencies[comp.competency]
        competition_id = app.add_competition(
            actor=o,
            championship_id=championship_id,
            category=comp.category,
            **_same_named(competency, "code", "title_ru", "title_kk"),
        ).id
        self.competition_ids.add(competition_id)
        state = app.competition(competition_id)
        if state.status is not CompetitionStatus.SETUP:
            return competition_id  # started by an earlier run (or by somebody since)
        partial = comp.stage == "setup_partial"
        if comp.stage != "setup" and not state.scheme:
            app.set_scheme(
                actor=o,
                competition_id=competition_id,
                aspects=[
                    AspectInput(a.id, a.criterion, a.description, a.max_mark, AspectType(a.type))
                    for a in competency.scheme
                ],
            )
        entrants = comp.competitors[: (len(comp.competitors) + 1) // 2 if partial else None]
        for key in entrants:
            if self.people[key] not in state.entrants:
                app.add_entrant(
                    actor=o, competition_id=competition_id, participant_id=self.people[key]
                )
        panel = [(comp.chief, "chief")]
        if not partial:
            panel += [(key, "expert") for key in comp.experts]
        for key, role in panel:
            account = self.experts[key]
            if account in state.experts or (role == "chief" and state.chief() is not None):
                continue
            app.assign_expert(
                actor=o,
                competition_id=competition_id,
                account_id=account,
                role=role,
                organisation_id=self.orgs[self.expert_org[key]],
            )
        return competition_id

    def mark_2026(self, comp: data.DemoCompetition, competition_id: UUID) -> None:
        """Start marking and enter the stage's marks: all of them (``locked``,
        ``disputed``: one judgement aspect scored 1, 3, 3), or the first modules for
        everyone and the next ones for the first competitors (``marking``); then the
        sign-offs and the lock the stage asks for."""
        app = self.app
        app.start_marking(actor=self.organiser, competition_id=competition_id)
        state = app.competition(competition_id)
        if state.status is not CompetitionStatus.MARKING:
            return  # locked (or published) since
        sheets: dict[tuple[str, UUID], list[tuple[UUID, str, str | int]]] = {}
        for expert, person, aspect_id, value in self._plan_2026(comp):
            sheets.setdefault((expert, person), []).append((person, aspect_id, value))
        for (expert, _person), marks in sheets.items():
            self.enter(state, competition_id, expert, marks)
        if comp.stage == "marking":
            return
        self.clock.jump_to(self.clock.now.date(), hour_utc=11)
        if comp.stage == "disputed":
            # The experts confirm their sheets; the chief has the dispute to settle.
            self.sign_off_all(competition_id, chief_too=False, once=True)
            return
        self.sign_off_all(competition_id)
        app.lock(actor=self.experts[comp.chief], competition_id=competition_id)

    def _plan_2026(self, comp: data.DemoCompetition) -> list[tuple[str, UUID, str, str | int]]:
        """(expert key, competitor, aspect, value) of the marks the stage holds, each
        entered by an expert free of conflict with the competitor."""
        champ = data.CHAMPIONSHIP_2026
        competency = self.competencies[comp.competency]
        rng = random.Random(f"{champ.key}/{comp.competency}/{comp.category}")
        measurement = [a for a in competency.scheme if a.type == "measurement"]
        judgement = [a for a in competency.scheme if a.type == "judgement"]
        partial = comp.stage == "marking"
        plan: list[tuple[str, UUID, str, str | int]] = []
        for position, key in enumerate(comp.competitors):
            skill = 0.93 if position == 0 else rng.uniform(0.45, 0.84)
            person, markers = self.people[key], self._markers(comp, key)
            for index, aspect in enumerate(measurement):
                share = min(1.0, max(0.0, skill + rng.uniform(-0.06, 0.06)))
                value = _two(Decimal(aspect.max_mark) * Decimal(str(round(share, 4))))
                if partial and aspect.criterion not in ("AB" if position >= 3 else "ABC"):
                    continue  # the afternoon's modules: not marked yet
                plan.append((markers[(position + index) % len(markers)], person, aspect.id, value))
            base = max(0, min(3, round(skill * 3 + rng.uniform(-0.4, 0.4))))
            judges = 3 if not partial else {0: 3, 1: 3, 2: 1}.get(position, 0)
            for n, expert in enumerate(markers[:judges]):
                for aspect in judgement:
                    score = max(0, min(3, base + rng.choice((-1, 0, 0, 0, 1)) * (n % 2)))
                    if (comp.competency, position, aspect.id) == data.DISPUTE_2026:
                        score = 1 if n == 0 else 3  # the first expert sees it otherwise
                    plan.append((expert, person, aspect.id, score))
        return plan


@cache
def newcomers_2026() -> frozenset[str]:
    """The competitors of 2026 who did not compete in 2025: registered with the 2026
    championship, not at the start of the demo."""

    def keys(championships: Iterable[data.DemoChampionship]) -> set[str]:
        return {k for ch in championships for c in ch.competitions for k in c.competitors}

    return frozenset(keys([data.CHAMPIONSHIP_2026]) - keys(data.CHAMPIONSHIPS))
