"""The demo history: the region's 2025 championships and its 2026 one in progress, made only
through the application service.

Deterministic: the same run always records the same events (ids, order, values and times —
times come from a simulated clock that walks through the real championship dates). Running it
again on a store that has it adds nothing: every step is a repeat the service answers as
such, and the few steps that are not naturally repeatable (a wrong mark later corrected, a
reopening) look at the state first. The akimat's prize decisions touch only the demo's own
entries and nominees (those of its competitions and its nominations), and only while their
history of decisions is still a beginning of the demo's own plan for them: an entry proposed
for a result published later, or one somebody decided otherwise, is never decided by the
demo, so a rerun adds nothing, whatever happened in between.

The story, per competition: entrants and experts are registered, the marking scheme is set,
marking starts; experts enter sheets of marks; in some competitions an expert mistypes and
corrects with a reason; in regional welding one judgement aspect is disputed (scores 0, 2, 2),
the chief's first lock is refused, the expert corrects, and the lock goes through; in regional
CNC turning an expert from the competitor's own college tries to mark them and is refused
(nothing is stored); one competition is reopened on appeal; every competition is locked
(each assigned expert signs off first) and published; one republican result is amended after
publication.

Then the regional championship of 2026, under way on the demo's "today" (2 December 2026):
welding is marked, signed off and locked, waiting for publication; in cooking everything is
marked but one judgement aspect is disputed (scores 1, 3, 3), the experts have signed off and
the chief has it to settle; electrical installation and car repair are partly marked (the
first modules for everyone, the next ones for the first competitors); restaurant service has
its scheme and its first entrants, hairdressing its entrants and experts but no scheme yet.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import msgspec

from demo import data
from demo.history_2026 import Loading2026, newcomers_2026
from demo.records import CHAMPIONSHIP_AS_IS as _CHAMPIONSHIP_AS_IS
from demo.records import same_named as _same_named
from demo.records import two as _two
from domain import ids
from domain.competition import Competition
from domain.errors import DomainError
from domain.prize_programme import PrizeProgramme
from domain.prizes import PUBLIC_STATUSES, EntryStatus, Prize
from domain.standings import standings
from domain.values import AspectType, CompetitionStatus, ExpertRole, Level
from registry.application import AspectInput, RegistryApplication
from registry.policy import PrizePolicy

ORGANISER_NAME = "Организатор чемпионатов ВКО (демо)"
ADMIN_NAME = "Администратор реестра (демо)"
AKIMAT_NAME = "Акимат ВКО, управление образования (демо)"
AUDITOR_NAME = "Аудитор (демо)"

#: Mistyped marks later corrected, as (championship, competency, competitor, aspect index).
CORRECTIONS = (
    ("ws_shygys_2025", "electrical", 1, 0),
    ("ws_shygys_2025", "cooking", 2, 1),
    ("ws_kazakhstan_2025", "welding", 1, 0),
    ("abilympics_2025", "abl_sewing", 0, 0),
)
DISPUTE = ("ws_shygys_2025", "welding")
REOPENED = ("ws_shygys_2025", "electrical")
AMENDED = ("ws_kazakhstan_2025", "cooking")


class ChampionshipSummary(msgspec.Struct):
    title: str
    level: str
    competitions: int
    entrants: int
    published: int
    vko_medals: dict[str, int]
    #: competitions by status ("setup", "marking", "locked", "published")
    statuses: dict[str, int] = msgspec.field(default_factory=dict)


class DemoReport(msgspec.Struct):
    events_before: int
    events_after: int
    head_position: int
    seconds: float
    championships: list[ChampionshipSummary]
    refusals: list[str]
    podiums: list[str]
    #: the prize programme: entries by status, nominees approved, promised tenge
    prizes: str = ""

    @property
    def added(self) -> int:
        return self.events_after - self.events_before


class DemoClock:
    """A clock that walks through the story's dates, a few seconds per command."""

    def __init__(self) -> None:
        self.now = datetime(2025, 4, 1, 4, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=7)
        return self.now

    def jump_to(self, day: date, hour_utc: int = 4) -> None:
        target = datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)
        self.now = max(self.now, target)


class _Loader(Loading2026):
    def __init__(self, app: RegistryApplication) -> None:
        self.app = app
        self.clock = DemoClock()
        self.refusals: list[str] = []
        self.orgs: dict[str, UUID] = {}
        self.people: dict[str, UUID] = {}
        self.experts: dict[str, UUID] = {}
        self.person_org = {p.key: p.organisation for p in data.PEOPLE}
        self.expert_org = {e.key: e.organisation for e in data.EXPERTS}
        self.competencies = {c.code: c for c in data.COMPETENCIES}
        #: the demo's own competitions and nominees: its prize decisions touch nothing else
        self.competition_ids: set[UUID] = set()
        self.nominee_ids: set[UUID] = set()
        #: the prize policy runs after each publication and amendment, as it would live
        self.policy = PrizePolicy(app)
        #: the head when this run began (see ``catch_up_policy``)
        self.started_at = app.head_position()

    # ------------------------------------------------------------------ registration

    def accounts(self) -> None:
        a = ids.SYSTEM_ACTOR
        create = self.app.create_account
        self.admin = create(actor=a, name=ADMIN_NAME, role="admin", issue_token=False).id
        self.organiser = create(
            actor=a, name=ORGANISER_NAME, role="organiser", issue_token=False
        ).id
        self.akimat = create(actor=a, name=AKIMAT_NAME, role="akimat", issue_token=False).id
        self.auditor = create(actor=a, name=AUDITOR_NAME, role="auditor", issue_token=False).id
        chiefs = {c.chief for ch in data.ALL_CHAMPIONSHIPS for c in ch.competitions}
        for expert in data.EXPERTS:
            role = "chief_expert" if expert.key in chiefs else "expert"
            self.experts[expert.key] = create(
                actor=self.admin, name=expert.name, role=role, issue_token=False
            ).id

    def registrations(self) -> None:
        """Organisations, and the competitors of 2025 (the newcomers of 2026 are registered
        with their championship, see ``championship_2026``)."""
        for org in data.ORGANISATIONS:
            self.orgs[org.key] = self.app.register_organisation(
                actor=self.organiser, **_same_named(org, "name_ru", "name_kk", "kind", "region")
            ).id
        self.register_people(p for p in data.PEOPLE if p.key not in newcomers_2026())

    def register_people(self, people: Iterable[data.DemoPerson]) -> None:
        for person in people:
            self.people[person.key] = self.app.register_participant(
                actor=self.organiser,
                full_name=person.full_name,
                organisation_id=self.orgs[person.organisation],
                birth_date=date.fromisoformat(person.birth_date),
                disability=person.disability,
            ).id

    # ------------------------------------------------------------------ prizes

    def prize_programme(self) -> None:
        """The akimat's programme of the year and its nominations, made at the start of
        the year; entries are proposed by the policy as results are published."""
        spec = data.PRIZE_PROGRAMME
        app = self.app
        self.programme = app.create_prize_programme(
            actor=self.akimat,
            prizes=[Prize(p.place, p.description, p.amount_kzt) for p in spec.prizes],
            **_same_named(spec, "title_ru", "title_kk", "year", "region", "kinds"),
        ).id
        for nomination in data.NOMINATIONS:
            nomination_id = app.define_nomination(
                actor=self.akimat,
                programme_id=self.programme,
                **_same_named(nomination, "title_ru", "title_kk"),
            ).id
            for winner in nomination.winners:
                nominee = app.nominate(
                    actor=self.akimat,
                    programme_id=self.programme,
                    nomination_id=nomination_id,
                    organisation_id=self.orgs[winner],
                    citation=nomination.citation,
                )
                self.nominee_ids.add(nominee.id)

    def prize_decisions(self) -> None:
        """The akimat's review and the forum: the demo's nominees approved; the demo's
        proposed entries approved except the last one (still under review); approved entries
        awarded at the forum except two (handed over later). Entries flagged by the
        amendment stay for review.

        Only the demo's own entries (of its competitions) and nominees are looked at: the
        programme also holds what the policy proposed for results published later, which
        are the akimat's to decide, never the demo's."""
        app, spec = self.app, data.PRIZE_PROGRAMME
        self.catch_up_policy()
        self.clock.jump_to(spec.review_on, hour_utc=5)
        programme = app.prize_programme(self.programme)
        done = self._decisions_so_far()
        for nomination in programme.nominations.values():
            for nominee in nomination.nominees.values():
                if (
                    nominee.id in self.nominee_ids
                    and nominee.status is EntryStatus.PROPOSED
                    and not done.get(nominee.id)
                ):
                    app.decide_nominee(
                        actor=self.akimat,
                        programme_id=self.programme,
                        nomination_id=nomination.id,
                        nominee_id=nominee.id,
                        decision="approve",
                    )
        ordered = sorted(
            (
                entry.id
                for entry in programme.entries.values()
                if entry.placing.competition_id in self.competition_ids
            ),
            key=str,
        )
        self._decide_entries(ordered[:-1], EntryStatus.PROPOSED, [])
        self.amendment()
        self.clock.jump_to(spec.forum_on, hour_utc=6)
        self._decide_entries(ordered[2:], EntryStatus.APPROVED, ["approve"], spec.forum_on)

    def catch_up_policy(self) -> None:
        """Let the prize policy follow what this run recorded, as it would live. A run that
        recorded nothing (a rerun) leaves it alone: what it would propose then comes from
        results published by others, stamped by the demo's clock, which is not the demo's
        business (the running policy of ``serve`` or ``project`` proposes those)."""
        if self.app.head_position() > self.started_at:
            self.policy.catch_up()

    def _decisions_so_far(self) -> dict[UUID, list[tuple[str, UUID]]]:
        """Every decision recorded so far on an entry or a nominee of the programme, by id:
        (decision, actor), oldest first."""
        done: dict[UUID, list[tuple[str, UUID]]] = {}
        for event in self.app.events.get(self.programme):
            if isinstance(event, PrizeProgramme.EntryDecided):
                done.setdefault(event.entry_id, []).append((event.decision, event.actor))
            elif isinstance(event, PrizeProgramme.NomineeDecided):
                done.setdefault(event.nominee_id, []).append((event.decision, event.actor))
        return done

    def _decide_entries(
        self,
        entry_ids: list[UUID],
        status: EntryStatus,
        before: list[str],
        awarded_on: date | None = None,
    ) -> None:
        """Take the next decision of the demo's plan (approve, then award) on those of
        ``entry_ids`` that are still ``status`` and whose decisions so far are exactly the
        demo's own ``before``: a rerun finds them decided, and an entry somebody else
        decided (or decided otherwise) is left as it is."""
        decision = "award" if before else "approve"
        programme = self.app.prize_programme(self.programme)
        done = self._decisions_so_far()
        for entry_id in entry_ids:
            ours = [(step, self.akimat) for step in before]
            if programme.entries[entry_id].status is status and done.get(entry_id, []) == ours:
                self.app.decide_prize_entry(
                    actor=self.akimat,
                    programme_id=self.programme,
                    entry_id=entry_id,
                    decision=decision,
                    awarded_on=awarded_on,
                )

    def amendment(self) -> None:
        """After the akimat's review, the appeals commission of the republican championship
        raises a measurement of the third-placed competitor in cooking: she overtakes the
        region's competitor, whose approved entry the policy flags ``needs_review``."""
        app = self.app
        championship = next(c for c in data.CHAMPIONSHIPS if c.key == AMENDED[0])
        comp = next(c for c in championship.competitions if c.competency == AMENDED[1])
        competition_id = ids.competition_id(
            ids.championship_id(
                championship.kind, championship.level, championship.year, championship.region
            ),
            comp.competency,
            comp.category,
        )
        state = app.competition(competition_id)
        if state.amendment_count:
            return
        self.clock.jump_to(data.PRIZE_PROGRAMME.review_on + timedelta(days=2), hour_utc=9)
        person = self.people[comp.competitors[2]]
        aspect = next(a for a in state.scheme if a.type is AspectType.MEASUREMENT)
        held, _ = state.measurements[(person, aspect.id)]
        app.amend_mark(
            actor=self.organiser,
            competition_id=competition_id,
            competitor_id=person,
            aspect_id=aspect.id,
            value=str(min(aspect.max_mark, held + Decimal("2.00"))),
            reason="Апелляционная комиссия: пересчёт баллов по протоколу №7",
        )
        self.catch_up_policy()

    # ------------------------------------------------------------------ championships

    def championship(self, champ: data.DemoChampionship) -> UUID:
        starts = date.fromisoformat(champ.starts_on)
        self.clock.jump_to(starts - timedelta(days=20))
        championship_id = self.app.create_championship(
            actor=self.organiser,
            starts_on=starts,
            ends_on=date.fromisoformat(champ.ends_on),
            **_same_named(champ, *_CHAMPIONSHIP_AS_IS),
        ).id
        for index, comp in enumerate(champ.competitions):
            day = min(starts + timedelta(days=index % 3), date.fromisoformat(champ.ends_on))
            self.competition(champ, championship_id, comp, day)
        return championship_id

    def competition(
        self,
        champ: data.DemoChampionship,
        championship_id: UUID,
        comp: data.DemoCompetition,
        day: date,
    ) -> None:
        app, o = self.app, self.organiser
        competency = self.competencies[comp.competency]
        competition_id = app.add_competition(
            actor=o,
            championship_id=championship_id,
            category=comp.category,
            **_same_named(competency, "code", "title_ru", "title_kk"),
        ).id
        self.competition_ids.add(competition_id)
        app.set_scheme(
            actor=o,
            competition_id=competition_id,
            aspects=[
                AspectInput(a.id, a.criterion, a.description, a.max_mark, AspectType(a.type))
                for a in competency.scheme
            ],
        )
        for key in comp.competitors:
            app.add_entrant(actor=o, competition_id=competition_id, participant_id=self.people[key])
        for key, role in ((comp.chief, "chief"), *((k, "expert") for k in comp.experts)):
            app.assign_expert(
                actor=o,
                competition_id=competition_id,
                account_id=self.experts[key],
                role=role,
                organisation_id=self.orgs[self.expert_org[key]],
            )
        self.clock.jump_to(day, hour_utc=4)
        app.start_marking(actor=o, competition_id=competition_id)
        self.mark(champ, comp, competition_id)
        self.close(champ, comp, competition_id)

    # ------------------------------------------------------------------ marking

    def _markers(self, comp: data.DemoCompetition, person: str) -> list[str]:
        """Experts who may mark this competitor (no conflict of interest)."""
        org = self.person_org[person]
        return [k for k in comp.experts if self.expert_org[k] != org]

    def mark(
        self, champ: data.DemoChampionship, comp: data.DemoCompetition, competition_id: UUID
    ) -> None:
        app = self.app
        competency = self.competencies[comp.competency]
        rng = random.Random(f"{champ.key}/{comp.competency}/{comp.category}")
        state = app.competition(competition_id)
        if state.status is not CompetitionStatus.MARKING:
            return  # marked, locked and published by an earlier run
        measurement = [a for a in competency.scheme if a.type == "measurement"]
        judgement = [a for a in competency.scheme if a.type == "judgement"]
        # Regional: the first competitor listed is the strongest. Republican: the region's
        # competitor (listed first) meets strong rivals and places anywhere.
        if champ.level == "regional":
            skills = [0.93] + [rng.uniform(0.45, 0.84) for _ in comp.competitors[1:]]
        else:
            skills = [rng.uniform(0.70, 0.95)] + [
                rng.uniform(0.50, 0.92) for _ in comp.competitors[1:]
            ]
        conflict = data.CONFLICT_OF_INTEREST_DEMO
        for position, (key, skill) in enumerate(zip(comp.competitors, skills, strict=True)):
            person = self.people[key]
            markers = self._markers(comp, key)
            if (
                (champ.key, comp.competency) == conflict[:2]
                and conflict[2] not in markers
                and self.person_org[key] == self.expert_org[conflict[2]]
            ):
                self.try_conflict(competition_id, conflict[2], person, measurement[0].id)
            sheet = []
            for index, aspect in enumerate(measurement):
                share = min(1.0, max(0.0, skill + rng.uniform(-0.06, 0.06)))
                value = _two(Decimal(aspect.max_mark) * Decimal(str(round(share, 4))))
                if (champ.key, comp.competency, position, index) in CORRECTIONS:
                    self.mistype_then_correct(
                        state, competition_id, markers[0], person, aspect.id, value
                    )
                    continue
                sheet.append((person, aspect.id, value))
            self.enter(state, competition_id, markers[position % len(markers)], sheet)
            base = max(0, min(3, round(skill * 3 + rng.uniform(-0.4, 0.4))))
            for n, expert in enumerate(markers[:3]):
                scores = []
                for aspect in judgement:
                    score = max(0, min(3, base + rng.choice((-1, 0, 0, 0, 1)) * (n % 2)))
                    scores.append((person, aspect.id, score))
                if (champ.key, comp.competency) == DISPUTE and position == 1 and n == 0:
                    # The first expert scores 0 where the others give 2: a dispute.
                    scores[0] = (person, scores[0][1], 0)
                    for other in range(1, len(scores)):
                        scores[other] = (person, scores[other][1], 2)
                elif (champ.key, comp.competency) == DISPUTE and position == 1:
                    scores = [(person, aspect.id, 2) for aspect in judgement]
                self.enter(state, competition_id, expert, scores)

    def enter(
        self,
        state: Competition,
        competition_id: UUID,
        expert: str,
        marks: list[tuple[UUID, str, str | int]],
    ) -> None:
        """Enter the marks the competition does not hold yet (a rerun holds them all)."""
        account = self.experts[expert]
        missing = []
        for person, aspect_id, value in marks:
            if state.aspect(aspect_id).type is AspectType.MEASUREMENT:
                held = (person, aspect_id) in state.measurements
            else:
                scores = state.judgements.get((person, aspect_id), {})
                held = account in scores or len(scores) >= 3  # full: three others scored
            if not held:
                missing.append((person, aspect_id, value))
        if missing:
            self.app.enter_marks(actor=account, competition_id=competition_id, marks=missing)

    def mistype_then_correct(
        self,
        state: Competition,
        competition_id: UUID,
        expert: str,
        person: UUID,
        aspect_id: str,
        value: str,
    ) -> None:
        right = Decimal(value)
        wrong = right - Decimal("1.00") if right >= Decimal("1.00") else right + Decimal("1.00")
        self.enter(state, competition_id, expert, [(person, aspect_id, str(wrong))])
        self.app.correct_mark(
            actor=self.experts[expert],
            competition_id=competition_id,
            competitor_id=person,
            aspect_id=aspect_id,
            value=value,
            reason="Ошибка ввода: перепутаны цифры при переносе из протокола",
        )

    def try_conflict(self, competition_id: UUID, expert: str, person: UUID, aspect_id: str) -> None:
        before = self.app.head_position()
        try:
            self.app.enter_mark(
                actor=self.experts[expert],
                competition_id=competition_id,
                competitor_id=person,
                aspect_id=aspect_id,
                value="1.00",
            )
        except DomainError as error:
            assert self.app.head_position() == before
            self.refusals.append(f"{error.code}: {error.message}")
        else:  # pragma: no cover - the rule is broken
            raise AssertionError("a conflict of interest was accepted")

    # ------------------------------------------------------------------ closing

    def close(
        self, champ: data.DemoChampionship, comp: data.DemoCompetition, competition_id: UUID
    ) -> None:
        app = self.app
        chief = self.experts[comp.chief]
        state = app.competition(competition_id)
        if state.status is CompetitionStatus.MARKING:
            self.sign_off_all(competition_id)
            for competitor_id, aspect_id in state.disputed():
                try:
                    app.lock(actor=chief, competition_id=competition_id)
                except DomainError as error:
                    self.refusals.append(f"{error.code}: {error.message}")
                scores = state.judgements[(competitor_id, aspect_id)]
                low = min(scores, key=lambda e: scores[e])
                app.correct_mark(
                    actor=low,
                    competition_id=competition_id,
                    competitor_id=competitor_id,
                    aspect_id=aspect_id,
                    value=1,
                    reason="Пересмотр оценки после обсуждения экспертами (расхождение более 1)",
                )
            self.sign_off_all(competition_id)  # the correction withdrew that expert's
            app.lock(actor=chief, competition_id=competition_id)
        state = app.competition(competition_id)
        if (champ.key, comp.competency) == REOPENED and state.reopen_count == 0:
            app.reopen(
                actor=chief,
                competition_id=competition_id,
                reason="Апелляция участника: повторная проверка протокола измерений",
            )
            person = self.people[comp.competitors[-1]]
            aspect = next(a for a in state.scheme if a.type is AspectType.MEASUREMENT)
            held, _ = state.measurements[(person, aspect.id)]
            app.correct_mark(
                actor=chief,
                competition_id=competition_id,
                competitor_id=person,
                aspect_id=aspect.id,
                value=str(min(aspect.max_mark, held + Decimal("0.50"))),
                reason="Апелляция удовлетворена: ошибка в протоколе измерений",
            )
            self.sign_off_all(competition_id)
            app.lock(actor=chief, competition_id=competition_id)
        self.clock.jump_to(date.fromisoformat(champ.ends_on), hour_utc=11)
        app.publish(actor=self.organiser, competition_id=competition_id)
        self.catch_up_policy()

    def sign_off_all(
        self, competition_id: UUID, chief_too: bool = True, once: bool = False
    ) -> None:
        """Every assigned expert (the chief too, unless not ``chief_too``) whose sign-off
        does not hold signs off (RULES.md "Closing a competition"); with ``once``, only
        those who never signed off (a sign-off withdrawn since is theirs to renew)."""
        state = self.app.competition(competition_id)
        before = self._signed_off_ever(competition_id) if once else set()
        for expert in state.not_signed_off():
            if expert.account_id in before or (expert.role is ExpertRole.CHIEF and not chief_too):
                continue
            self.app.sign_off(actor=expert.account_id, competition_id=competition_id)

    def _signed_off_ever(self, competition_id: UUID) -> set[UUID]:
        return {
            event.actor
            for event in self.app.events.get(competition_id)
            if isinstance(event, Competition.SignedOff)
        }


def load_demo(
    app: RegistryApplication, progress: Callable[[str], None] | None = None
) -> DemoReport:
    """Load the demo history into ``app``'s store (idempotent) and report what is there."""
    started = time.perf_counter()
    before = app.event_count()
    loader = _Loader(app)
    previous_clock = app.clock
    app.clock = loader.clock
    try:
        loader.accounts()
        loader.registrations()
        loader.prize_programme()
        championship_ids = []
        for champ in data.CHAMPIONSHIPS:
            if progress:
                progress(champ.title_ru)
            championship_ids.append(loader.championship(champ))
        loader.prize_decisions()
        if progress:
            progress(data.CHAMPIONSHIP_2026.title_ru)
        championship_ids.append(loader.championship_2026())
    finally:
        app.clock = previous_clock
    summaries, podiums = _summarise(app, championship_ids)
    return DemoReport(
        events_before=before,
        events_after=app.event_count(),
        head_position=app.head_position(),
        seconds=time.perf_counter() - started,
        championships=summaries,
        refusals=loader.refusals,
        podiums=podiums,
        prizes=_prize_summary(app),
    )


def _prize_summary(app: RegistryApplication) -> str:
    spec = data.PRIZE_PROGRAMME
    programme = app.prize_programme(ids.programme_id(spec.region, spec.year, spec.title_ru))
    statuses: dict[str, int] = {}
    promised = 0
    for entry in programme.entries.values():
        statuses[entry.status.value] = statuses.get(entry.status.value, 0) + 1
        if entry.status in PUBLIC_STATUSES and entry.prize:
            promised += entry.prize.amount_kzt
    nominees = sum(
        nominee.status is EntryStatus.APPROVED
        for nomination in programme.nominations.values()
        for nominee in nomination.nominees.values()
    )
    by_status = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    return (
        f"{programme.title_ru}: {len(programme.entries)} entries ({by_status}), "
        f"{promised:,} tenge approved or awarded; {len(programme.nominations)} nominations, "
        f"{nominees} organisations honoured"
    )


def _summarise(
    app: RegistryApplication, championship_ids: list[UUID]
) -> tuple[list[ChampionshipSummary], list[str]]:
    summaries, podiums = [], []
    for championship_id in championship_ids:
        championship = app.championship(championship_id)
        medals = {"gold": 0, "silver": 0, "bronze": 0}
        statuses: dict[str, int] = {}
        entrants = 0
        for competition_id in championship.competition_ids:
            competition = app.competition(competition_id)
            entrants += len(competition.entrants)
            statuses[competition.status] = statuses.get(competition.status, 0) + 1
            if competition.status is not CompetitionStatus.PUBLISHED:
                continue  # no medals before publication
            for row in standings(competition).rows:
                if row.region == "VKO" and row.medal is not None:
                    medals[row.medal] += 1
                    if championship.level is Level.REPUBLICAN:
                        podiums.append(
                            f"{row.medal:<6} {row.full_name} — {competition.title_ru} "
                            f"({championship.title_ru})"
                        )
        summaries.append(
            ChampionshipSummary(
                title=championship.title_ru,
                level=championship.level,
                competitions=len(championship.competition_ids),
                entrants=entrants,
                published=statuses.get(CompetitionStatus.PUBLISHED, 0),
                vko_medals=medals,
                statuses={str(status): count for status, count in statuses.items()},
            )
        )
    return summaries, podiums
