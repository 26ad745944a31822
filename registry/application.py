"""The write side: one method per command of API.md "Registration", "Marking" and closing.

Each command loads what it needs, calls the aggregate (which validates before it records
anything), and saves all touched aggregates in one transaction. A version conflict (another
writer got there first) is retried with a fresh read. Every command answers with the
aggregate's id and the notification position of its last event; a command that changes
nothing (a repeated create, an identical mark) answers with the position of the event that
recorded the existing fact and records nothing.

A command that passes its keywords on to the aggregate as they are declares them once, as a
``TypedDict`` (``NewChampionship``, ``MarkRevision``...), and forwards them with ``**``, instead
of listing them in its signature and again in its call.

How commands on one aggregate take turns, are combined and retried is ``registry.writer``'s;
the store's wiring, loading and the shared create are ``registry.service``'s; tokens and the
account cache are ``registry.accounts``'; the lookups on the events table are
``store.events.EventLookups``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Unpack
from uuid import UUID

import msgspec

from domain.account import Account
from domain.amendments import AmendmentPreview, preview_amendment
from domain.championship import Championship
from domain.competition import Competition
from domain.errors import N_, DomainError
from domain.ids import account_id as account_id_of
from domain.ids import clean_text as ids_clean
from domain.organisation import Organisation
from domain.participant import Namesake, Participant, PersonalData, identify
from domain.prize_programme import PrizeProgramme
from domain.prizes import Prize
from domain.values import (
    Aspect,
    AspectType,
    Category,
    ExpertRole,
    OrganisationKind,
    Role,
    local_date,
    parse_mark,
)
from registry.accounts import AccountCreated, hash_token, new_token
from registry.arguments import (
    AspectInput,
    AwardDays,
    EntryDecision,
    MarkRevision,
    Marks,
    NewChampionship,
    NewParticipant,
    NewProgramme,
    NomineeDecision,
)
from registry.people import Namesakes
from registry.service import ServiceBase
from registry.writer import CommandResult, Decision, check_version
from store.keys import KeyErased, PersonalKeys

__all__ = [
    "AccountCreated",
    "AspectInput",
    "CommandResult",
    "EntryDecision",
    "MarkRevision",
    "NewChampionship",
    "NewParticipant",
    "NewProgramme",
    "NomineeDecision",
    "RegistryApplication",
]


class RegistryApplication(ServiceBase):
    """The registry's application service (eventsourcing ``Application``): one method per
    command; the plumbing is ``ServiceBase``'s."""

    name = "Registry"

    def _on_competition(
        self,
        competition_id: UUID,
        expected_version: int | None,
        decide: Callable[[Competition], Decision],
    ) -> CommandResult:
        return self.writer.change(
            competition_id, Competition, "competition", decide, expected_version
        )

    def _on_programme(
        self,
        programme_id: UUID,
        expected_version: int | None,
        decide: Callable[[PrizeProgramme], Decision],
    ) -> CommandResult:
        return self.writer.change(
            programme_id, PrizeProgramme, "prize programme", decide, expected_version
        )

    # ------------------------------------------------------------------ queries

    def organisation(self, organisation_id: UUID) -> Organisation:
        return self._get(organisation_id, Organisation, "organisation")

    def participant(self, participant_id: UUID) -> Participant:
        return self._get(participant_id, Participant, "participant")

    def championship(self, championship_id: UUID) -> Championship:
        return self._get(championship_id, Championship, "championship")

    def competition(self, competition_id: UUID) -> Competition:
        return self._get(competition_id, Competition, "competition")

    def account(self, account_id: UUID) -> Account:
        return self._get(account_id, Account, "account")

    def prize_programme(self, programme_id: UUID) -> PrizeProgramme:
        return self._get(programme_id, PrizeProgramme, "prize programme")

    # ------------------------------------------------------------------ accounts

    def create_account(
        self,
        *,
        actor: UUID,
        name: str,
        role: Role | str,
        token: str | None = None,
        issue_token: bool = True,
        competition_ids: Sequence[UUID] = (),
    ) -> AccountCreated:
        """Create an account and issue its bearer token (returned once, stored hashed).

        With ``issue_token=False`` the account has no token yet (nobody can act as it until
        a token is rotated in): the demo history uses this to stay deterministic.
        ``competition_ids`` scopes the account to those (existing) competitions in advance;
        a repeat must name a subset of the scopes the account has.
        """
        token = (token or new_token(account_id_of(name))) if issue_token else None
        scopes = list(dict.fromkeys(competition_ids))
        for competition_id in scopes:
            self.competition(competition_id)  # unknown: not-found, nothing stored

        def attempt() -> CommandResult:
            new = Account.create(
                actor=actor,
                name=name,
                role=Role(role),
                token_hash=hash_token(token) if token else "",
                at=self.clock(),
            )
            for competition_id in scopes:
                new.grant_scope(actor=actor, competition_id=competition_id, at=self.clock())
            return self._create(
                new,
                lambda old, fresh: old.role == fresh.role and set(scopes) <= old.competition_ids,
                "account",
                refusal=N_("an account named %(name)r exists"),
                refusal_params={"name": new.name},
            )

        result = self._run(attempt)
        return AccountCreated(
            result.id, result.position, result.recorded, token if result.recorded else None
        )

    def rotate_token(self, *, actor: UUID, account_id: UUID) -> AccountCreated:
        """Issue a new token; the old one is refused from now on, on every process."""
        token = new_token(account_id)

        def attempt() -> AccountCreated:
            account = self.account(account_id)
            account.rotate_token(actor=actor, token_hash=hash_token(token), at=self.clock())
            return AccountCreated(account_id, self._save(account), True, token)

        return self._run(attempt)

    def revoke_account(self, *, actor: UUID, account_id: UUID, reason: str) -> CommandResult:
        return self.writer.change(
            account_id,
            Account,
            "account",
            lambda a: a.revoke(actor=actor, reason=reason, at=self.clock()),
        )

    def authenticate(self, token: str) -> Account | None:
        """The live account a bearer token belongs to, or None (unknown, rotated, revoked);
        see ``registry.accounts.AccountCache``. Read it, never change it."""
        return self._accounts.authenticate(token)

    def authenticate_at(
        self, account_id: UUID, token_hash: str, stored_version: int | None
    ) -> Account | None:
        """As :meth:`authenticate_session`, given the account's newest stored version as
        just looked up (``stored_versions``): reads the account only if it changed."""
        return self._accounts.authenticate_at(account_id, token_hash, stored_version)

    def account_held(self, account_id: UUID, stored_version: int | None) -> bool:
        """Whether :meth:`authenticate_at` would read nothing (the account is held here at
        that version): it may then run on the event loop."""
        return self._accounts.cached(account_id, stored_version)

    def authenticate_session(self, account_id: UUID, token_hash: str) -> Account | None:
        """The live account of a web session (its account id and token hash), or None once
        the token is rotated or the account revoked."""
        return self._accounts.authenticate_hash(account_id, token_hash)

    # ------------------------------------------------------------------ registration

    def register_organisation(
        self,
        *,
        actor: UUID,
        name_ru: str,
        name_kk: str,
        kind: OrganisationKind | str,
        region: str,
    ) -> CommandResult:
        return self._run(
            lambda: self._create(
                Organisation.register(
                    actor=actor,
                    name_ru=name_ru,
                    name_kk=name_kk,
                    kind=OrganisationKind(kind),
                    region=region,
                    at=self.clock(),
                ),
                Organisation.same_as,
                "organisation",
            )
        )

    def register_participant(
        self,
        *,
        actor: UUID,
        same_person: UUID | None = None,
        new_person: bool = False,
        **participant: Unpack[NewParticipant],
    ) -> CommandResult:
        """Register a person; their birth date and disability are recorded only sealed with
        their own key (``store.keys``), which the application makes here, before the
        aggregate records the event.

        Who they are does not depend on the organisation (``domain.participant``): a
        namesake with the same known birth date is this person (answered, nothing recorded;
        ``already-exists`` if the details differ); a namesake whose birth date, or this
        one's, is unknown may be, and the organiser must say (``possible-duplicate`` naming
        them): ``same_person`` (that person's id: answered, nothing recorded) or
        ``new_person`` (recorded as another person, ``distinct_from`` them). An exact
        repeat answers the first registration."""
        self.organisation(participant["organisation_id"])
        if same_person is not None and new_person:
            raise DomainError(
                "invalid-input", "same_person: not together with new_person; say one of them"
            )

        def attempt() -> CommandResult:
            namesakes = [self.participant(i) for i in self.namesakes.of(participant["full_name"])]
            if same_person is not None:
                held = next((p for p in namesakes if p.id == same_person), None)
                if held is None:
                    raise DomainError(
                        "invalid-input",
                        "same_person: %(id)s is not a registered person of this name",
                        params={"id": same_person},
                    )
                return CommandResult(held.id, self.position_of(held.id, 1), False, held.version)
            known = [
                Namesake(p.id, p.full_name, p.organisation_id, self._birth_date(p))
                for p in namesakes
            ]
            same, doubtful = identify(participant.get("birth_date"), known)
            try:
                new = Participant.register(
                    actor=actor,
                    **participant,
                    seal=self._seal,
                    new_person=new_person,
                    distinct_from=[n.id for n in doubtful] if new_person else (),
                    at=self.clock(),
                )
            except KeyErased:
                raise DomainError(
                    "already-exists",
                    "this participant exists and their personal data was erased; "
                    "it is not recorded again",
                ) from None
            existing = self._find(new.id)
            repeat = isinstance(existing, Participant) and existing.same_as(new, self._open)
            if not repeat and not new_person:
                if same is not None:
                    held = next(p for p in namesakes if p.id == same.id)
                    if not held.same_as(new, self._open, organisation=False):
                        raise DomainError(
                            "already-exists",
                            "a person with this name and birth date is registered with other "
                            "details: %(id)s",
                            id=str(held.id),
                        )
                    return CommandResult(held.id, self.position_of(held.id, 1), False, held.version)
                if doubtful:
                    raise DomainError(
                        "possible-duplicate",
                        "%(name)s may be a person registered already (%(ids)s): a birth date "
                        "is missing to tell them apart; send same_person with their id, or "
                        "new_person: true for another person",
                        params={
                            "name": new.full_name,
                            "ids": ", ".join(str(n.id) for n in doubtful),
                        },
                        people=[
                            {
                                "id": str(n.id),
                                "full_name": n.full_name,
                                "organisation_id": str(n.organisation_id),
                                "birth_date_known": n.birth_date is not None,
                            }
                            for n in doubtful
                        ],
                    )
            return self._create(
                new, lambda old, again: old.same_as(again, self._open), "participant"
            )

        return self._run(attempt)

    @cached_property
    def namesakes(self) -> Namesakes:
        """People by name, read from the store (``registry.people``)."""
        return Namesakes(self)

    def _birth_date(self, person: Participant) -> date | None:
        """A person's birth date, opened; None when not given or erased."""
        personal = person.personal_data(self._open)
        return personal.birth_date if personal is not None else None

    # ------------------------------------------------------------------ personal data

    @cached_property
    def personal_keys(self) -> PersonalKeys:
        """The per-person keys (a table beside the events), opened on first use."""
        return PersonalKeys(self.settings, self.recorder.datastore)  # type: ignore[attr-defined]

    def _seal(self, participant_id: UUID, personal: PersonalData) -> str:
        return self.personal_keys.seal(participant_id, msgspec.json.encode(personal))

    def _open(self, participant_id: UUID, sealed: str) -> PersonalData | None:
        plain = self.personal_keys.open(participant_id, sealed)
        return None if plain is None else msgspec.json.decode(plain, type=PersonalData)

    def personal_data(self, participant_id: UUID) -> PersonalData | None:
        """A person's sensitive fields, opened; None once erased. Only for the readers
        RULES.md allows (organisers and auditors): the caller decides who asks."""
        return self.participant(participant_id).personal_data(self._open)

    def erase_personal_data(
        self, *, actor: UUID, participant_id: UUID, reason: str
    ) -> CommandResult:
        """RULES.md "Erasure": record who erased a person's sensitive fields and why, then
        destroy their key, so the sealed fields of their events never open again. A repeat
        records nothing but still makes sure the key is gone (a crash between the two steps
        is finished by running the command again)."""
        result = self.writer.change(
            participant_id,
            Participant,
            "participant",
            lambda p: p.erase_personal_data(actor=actor, reason=reason, at=self.clock()),
        )
        self.personal_keys.destroy(participant_id)
        return result

    def create_championship(
        self, *, actor: UUID, **championship: Unpack[NewChampionship]
    ) -> CommandResult:
        return self._run(
            lambda: self._create(
                Championship.create(actor=actor, **championship, at=self.clock()),
                Championship.same_as,
                "championship",
            )
        )

    def add_competition(
        self,
        *,
        actor: UUID,
        championship_id: UUID,
        code: str,
        title_ru: str,
        title_kk: str,
        category: Category | str,
    ) -> CommandResult:
        def attempt() -> CommandResult:
            championship = self.championship(championship_id)
            competition = championship.add_competition(
                actor=actor,
                code=code,
                title_ru=title_ru,
                title_kk=title_kk,
                category=Category(category),
                at=self.clock(),
            )
            return self._create(
                competition,
                lambda old, new: (old.title_ru, old.title_kk) == (new.title_ru, new.title_kk),
                "competition",
                championship,
                refusal=N_(
                    "this championship already has competition %(code)r (%(category)s) "
                    "with other titles"
                ),
                refusal_params={"code": code, "category": category},
            )

        return self._run(attempt)

    def set_scheme(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        aspects: Sequence[AspectInput | Aspect],
        expected_version: int | None = None,
    ) -> CommandResult:
        parsed = tuple(
            Aspect(
                id=a.id,
                criterion=a.criterion,
                description=a.description,
                max_mark=parse_mark(a.max_mark, field=f"aspects[{i}].max_mark"),
                type=AspectType(a.type),
            )
            for i, a in enumerate(aspects)
        )
        return self._on_competition(
            competition_id,
            expected_version,
            lambda c: c.set_scheme(actor=actor, aspects=parsed, at=self.clock()),
        )

    def add_entrant(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        participant_id: UUID,
        organisation_id: UUID | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Enter a person, from ``organisation_id`` (the organisation of this entry; by
        default the one they were registered with). Entering them again from another
        organisation is refused (``already-exists``): the entry keeps the first."""
        person = self.participant(participant_id)
        organisation = self.organisation(organisation_id or person.organisation_id)

        def decide(c: Competition) -> Decision:
            entered = c.entrants.get(participant_id)
            if entered is not None and entered.organisation_id != organisation.id:
                raise DomainError(
                    "already-exists",
                    "this person is an entrant of the competition from another organisation: "
                    "%(organisation)s",
                    params={"organisation": entered.organisation_id},
                )
            return c.add_entrant(
                actor=actor,
                participant_id=participant_id,
                full_name=person.full_name,
                organisation_id=organisation.id,
                region=organisation.region,
                at=self.clock(),
            )

        return self._on_competition(competition_id, expected_version, decide)

    def assign_expert(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        account_id: UUID,
        role: ExpertRole | str,
        organisation_id: UUID,
        expected_version: int | None = None,
    ) -> CommandResult:
        role = ExpertRole(role)
        self.organisation(organisation_id)
        allowed = (
            {Role.CHIEF_EXPERT} if role is ExpertRole.CHIEF else {Role.EXPERT, Role.CHIEF_EXPERT}
        )

        def attempt() -> CommandResult:
            competition = self.competition(competition_id)
            check_version(competition, expected_version)
            account = self.account(account_id)
            if account.role not in allowed:
                if role is ExpertRole.CHIEF:
                    template = N_(
                        "account %(name)r has role %(role)s; a chief of a competition needs "
                        "chief_expert"
                    )
                else:
                    template = N_(
                        "account %(name)r has role %(role)s; a expert of a competition needs "
                        "chief_expert or expert"
                    )
                raise DomainError(
                    "invalid-input",
                    template,
                    params={"name": account.name, "role": account.role},
                )
            changed = competition.assign_expert(
                actor=actor,
                account_id=account_id,
                name=account.name,
                role=role,
                organisation_id=organisation_id,
                at=self.clock(),
            )
            account.grant_scope(actor=actor, competition_id=competition_id, at=self.clock())
            version = competition.version
            if changed or account.pending_events:
                return CommandResult(
                    competition_id, self._save(competition, account), True, version
                )
            position = self.position_of(competition_id, version)
            return CommandResult(competition_id, position, False, version)

        return self._run(attempt)

    def start_marking(
        self, *, actor: UUID, competition_id: UUID, expected_version: int | None = None
    ) -> CommandResult:
        return self._on_competition(
            competition_id, expected_version, lambda c: c.start(actor=actor, at=self.clock())
        )

    # ------------------------------------------------------------------ marking

    def enter_marks(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        marks: Marks,
        expected_version: int | None = None,
    ) -> CommandResult:
        """A sheet of marks by the expert ``actor``: all or nothing; repeats are no-ops."""
        return self._on_competition(competition_id, expected_version, self._entering(actor, marks))

    def _entering(self, actor: UUID, marks: Marks) -> Callable[[Competition], Decision]:
        sheet = list(marks)
        return lambda c: c.enter_marks(actor=actor, marks=sheet, at=self.clock())

    async def enter_marks_async(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        marks: Marks,
        expected_version: int | None = None,
    ) -> CommandResult:
        """``enter_marks`` for a caller on an event loop (see ``Writer.change_async``)."""
        return await self.writer.change_async(
            competition_id,
            Competition,
            "competition",
            self._entering(actor, marks),
            expected_version,
        )

    def enter_mark(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        competitor_id: UUID,
        aspect_id: str,
        value: str | int | Decimal,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self.enter_marks(
            actor=actor,
            competition_id=competition_id,
            marks=[(competitor_id, aspect_id, value)],
            expected_version=expected_version,
        )

    def correct_mark(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        expected_version: int | None = None,
        **mark: Unpack[MarkRevision],
    ) -> CommandResult:
        """Correct a mark during marking (its expert, or the chief expert)."""
        return self._on_competition(
            competition_id,
            expected_version,
            lambda c: c.correct_mark(actor=actor, **mark, at=self.clock()),
        )

    def amend_mark(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        expected_version: int | None = None,
        **mark: Unpack[MarkRevision],
    ) -> CommandResult:
        """Change a published mark (organiser)."""
        return self._on_competition(
            competition_id,
            expected_version,
            lambda c: c.amend_mark(actor=actor, **mark, at=self.clock()),
        )

    def sign_off(
        self, *, actor: UUID, competition_id: UUID, expected_version: int | None = None
    ) -> CommandResult:
        """The expert ``actor`` confirms their marks (a repeat while it holds is a no-op)."""
        return self._on_competition(
            competition_id, expected_version, lambda c: c.sign_off(actor=actor, at=self.clock())
        )

    def preview_amendment(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        programme_ids: Sequence[UUID] = (),
        **mark: Unpack[MarkRevision],
    ) -> AmendmentPreview:
        """What ``amend_mark`` with these keywords would change (the competition, and the
        entries of the prize programmes ``programme_ids``), refused exactly as the amendment
        would be; records nothing (``domain.amendments``)."""
        competition = self.competition(competition_id)
        championship = self.championship(competition.championship_id)
        programmes = [self.prize_programme(p) for p in programme_ids]
        return preview_amendment(
            competition,
            programmes,
            actor=actor,
            championship_year=championship.year,
            at=self.clock(),
            **mark,
        )

    def lock(
        self,
        *,
        actor: UUID,
        competition_id: UUID,
        override_reason: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """The chief locks; without every expert's sign-off only with ``override_reason``."""
        return self._on_competition(
            competition_id,
            expected_version,
            lambda c: c.lock(actor=actor, override_reason=override_reason, at=self.clock()),
        )

    def reopen(
        self, *, actor: UUID, competition_id: UUID, reason: str, expected_version: int | None = None
    ) -> CommandResult:
        return self._on_competition(
            competition_id,
            expected_version,
            lambda c: c.reopen(actor=actor, reason=reason, at=self.clock()),
        )

    def publish(
        self, *, actor: UUID, competition_id: UUID, expected_version: int | None = None
    ) -> CommandResult:
        return self._on_competition(
            competition_id, expected_version, lambda c: c.publish(actor=actor, at=self.clock())
        )

    # ------------------------------------------------------------------ prizes (akimat)

    def create_prize_programme(
        self, *, actor: UUID, prizes: Sequence[Prize], **programme: Unpack[NewProgramme]
    ) -> CommandResult:
        """A programme's id is derived from region, year and Russian title: creating it again
        with the same settings is a repeat; with other settings, ``already-exists``."""
        return self._run(
            lambda: self._create(
                PrizeProgramme.create(
                    actor=actor, **programme, prizes_by_place=tuple(prizes), at=self.clock()
                ),
                PrizeProgramme.same_as,
                "prize programme",
            )
        )

    def decide_prize_entry(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        expected_version: int | None = None,
        **entry: Unpack[EntryDecision],
    ) -> CommandResult:
        """approve | reject (reason) | award (date) | revoke (reason); a repeat records
        nothing. An award's date is checked against today and the day the entry's result was
        published (days in Kazakhstan, ``domain.values.local_date``)."""

        def decide(p: PrizeProgramme) -> bool:
            now = self.clock()
            return p.decide(actor=actor, **entry, **self._award_days(p, entry), at=now)

        return self._on_programme(programme_id, expected_version, decide)

    def decide_prize_entries(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        decisions: Sequence[EntryDecision],
        expected_version: int | None = None,
    ) -> CommandResult:
        """Several decisions on entries of one programme (the akimat's bulk approval), all
        or nothing: each is validated on the state the ones before it left, first on a copy
        of the programme, so that one refusal records none (its ``DomainError`` names the
        entry: ``details["entry_id"]``); then one event per entry that changes, all saved
        in one transaction. The entries are all in the one programme aggregate, so no
        other writer can slip between the check and the save."""

        def run(p: PrizeProgramme) -> bool:
            now = self.clock()
            changed = False
            for entry in decisions:
                try:
                    days = self._award_days(p, entry)
                    changed = p.decide(actor=actor, **entry, **days, at=now) or changed
                except DomainError as error:
                    error.details.setdefault("entry_id", str(entry["entry_id"]))
                    raise
            return changed

        def decide(p: PrizeProgramme) -> bool:
            run(copy.deepcopy(p))  # refused here: the programme itself is untouched
            return run(p)

        return self._on_programme(programme_id, expected_version, decide)

    def _award_days(self, programme: PrizeProgramme, entry: EntryDecision) -> AwardDays:
        """``today`` and ``published_on`` for an award (nothing for other decisions, or for
        an unknown entry, which the programme refuses)."""
        held = programme.entries.get(entry["entry_id"])
        if entry["decision"] != "award" or held is None:
            return {}
        published = self.competition(held.placing.competition_id).published_at
        return {
            "today": local_date(self.clock()),
            "published_on": local_date(published) if published is not None else None,
        }

    def define_nomination(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        title_ru: str,
        title_kk: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Answers the nomination's id (derived from the programme and the Russian title)."""

        def decide(p: PrizeProgramme) -> tuple[bool, UUID]:
            recorded, nomination = p.define_nomination(
                actor=actor, title_ru=title_ru, title_kk=title_kk, at=self.clock()
            )
            if not recorded and p.nominations[nomination].title_kk != ids_clean(title_kk):
                raise DomainError(
                    "already-exists",
                    "a nomination with this title exists with another Kazakh title",
                    id=str(nomination),
                )
            return recorded, nomination

        return self._naming(programme_id, expected_version, decide)

    def nominate(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        nomination_id: UUID,
        organisation_id: UUID,
        citation: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Propose an organisation in a nomination; answers the nominee's id."""
        self.organisation(organisation_id)
        return self._naming(
            programme_id,
            expected_version,
            lambda p: p.nominate(
                actor=actor,
                nomination_id=nomination_id,
                organisation_id=organisation_id,
                citation=citation,
                at=self.clock(),
            ),
        )

    def _naming(
        self,
        programme_id: UUID,
        expected_version: int | None,
        decide: Callable[[PrizeProgramme], tuple[bool, UUID]],
    ) -> CommandResult:
        """A change of a programme answered with the id of what it names (a nomination, a
        nominee: ``decide`` answers (recorded?, that id))."""
        named: list[UUID] = []

        def run(programme: PrizeProgramme) -> bool:
            recorded, named_id = decide(programme)
            named.append(named_id)
            return recorded

        result = self._on_programme(programme_id, expected_version, run)
        return msgspec.structs.replace(result, id=named[-1])

    def decide_nominee(
        self,
        *,
        actor: UUID,
        programme_id: UUID,
        expected_version: int | None = None,
        **nominee: Unpack[NomineeDecision],
    ) -> CommandResult:
        return self._on_programme(
            programme_id,
            expected_version,
            lambda p: p.decide_nominee(actor=actor, **nominee, at=self.clock()),
        )
