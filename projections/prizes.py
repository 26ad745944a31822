"""The prize-list views: programmes, their entries and nominations, and the history of every
entry and nominee (who proposed, approved, rejected, awarded or revoked it, when and why).

Rows mirror the ``PrizeProgramme`` aggregate's own ``apply`` methods, one SQL statement per
event, executed in event order inside the batch's transaction (prize events are few; clarity
beats bulk speed here). Names of competitions, championships and organisations are joined at
query time from the results views; actors' names from the audit view.

Visibility (RULES.md "Roles", API.md "Prizes and nominations"): the public sees approved and
awarded entries and approved nominees only, with no history and no decision reasons; the
akimat, auditors and admins see everything with its history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

import msgspec

from domain.ids import PSEUDO_ACTORS
from domain.prize_programme import PrizeProgramme
from domain.prizes import (
    DECIDED_STATUS,
    PUBLIC_STATUSES,
    Eligibility,
    EntryStatus,
    Prize,
    default_eligibility,
)
from projections.base import ViewProjection
from projections.store import ViewStore
from store.events import StoredNotification

_json = msgspec.json.Encoder()


def _pseudo_actor_name(actor: str) -> str | None:
    """The name people see for the registry's own actors (the policy, the system)."""
    pseudo = PSEUDO_ACTORS.get(UUID(actor))
    return pseudo[1] if pseudo else None


def _time(event: Any) -> str:
    return event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class PrizesProjection(ViewProjection):
    name = "prizes"
    EVENTS = (PrizeProgramme.Event,)

    TABLES: ClassVar[dict[str, str]] = {
        "v_programme": "id TEXT PRIMARY KEY, title_ru TEXT NOT NULL, title_kk TEXT NOT NULL, "
        "year INTEGER NOT NULL, region TEXT NOT NULL, kinds TEXT NOT NULL, prizes TEXT NOT NULL, "
        "created_at TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL",
        # a programme's recorded eligibility (issue 15); a programme without a row here was
        # recorded before eligibility was (or before this table was added to the views): its
        # rule is the default, as its upcast event says
        "v_programme_rule": "id TEXT PRIMARY KEY, eligibility TEXT NOT NULL",
        "v_prize_entry": "id TEXT PRIMARY KEY, programme_id TEXT NOT NULL, "
        "competitor_id TEXT NOT NULL, full_name TEXT NOT NULL, organisation_id TEXT NOT NULL, "
        "region TEXT NOT NULL, championship_id TEXT NOT NULL, competition_id TEXT NOT NULL, "
        "kind TEXT NOT NULL, place INTEGER NOT NULL, prize TEXT, amount_kzt BIGINT, "
        "status TEXT NOT NULL, basis TEXT NOT NULL, reason TEXT, awarded_on TEXT, "
        "proposed_at BIGINT NOT NULL",
        "v_nomination": "id TEXT PRIMARY KEY, programme_id TEXT NOT NULL, "
        "title_ru TEXT NOT NULL, title_kk TEXT NOT NULL, position BIGINT NOT NULL",
        "v_nominee": "id TEXT PRIMARY KEY, programme_id TEXT NOT NULL, "
        "nomination_id TEXT NOT NULL, organisation_id TEXT NOT NULL, citation TEXT NOT NULL, "
        "status TEXT NOT NULL, reason TEXT, position BIGINT NOT NULL",
        # one row per event of a programme: the life of each entry and nominee
        "v_prize_history": "position {BIGINT_PK}, programme_id TEXT NOT NULL, "
        "item_id TEXT, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, "
        "status TEXT, place INTEGER, reason TEXT, awarded_on TEXT",
    }
    INDEXES: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("by_programme", "v_prize_entry", "programme_id"),
        ("by_programme", "v_nominee", "programme_id"),
        ("by_item", "v_prize_history", "item_id, position"),
    )

    def clear_pending(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def _do(self, statement: str, *params: Any) -> None:
        self.statements.append((statement, params))

    def _history(
        self,
        notification: StoredNotification,
        event: Any,
        item: UUID | None,
        action: str,
        *,
        status: str | None = None,
        place: int | None = None,
        reason: str | None = None,
        awarded_on: date | None = None,
    ) -> None:
        self._do(
            f"INSERT INTO {self.t('v_prize_history')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            notification.id,
            str(event.originator_id),
            str(item) if item else None,
            _time(event),
            str(event.actor),
            action,
            status,
            place,
            reason,
            awarded_on.isoformat() if awarded_on else None,
        )

    def apply(self, notification: StoredNotification, event: Any) -> None:
        if not isinstance(event, PrizeProgramme.Event):
            return
        programme = str(event.originator_id)
        e = self.t("v_prize_entry")
        if isinstance(event, PrizeProgramme.Created):
            self._do(
                f"INSERT INTO {self.t('v_programme')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                programme,
                event.title_ru,
                event.title_kk,
                event.year,
                event.region,
                _json.encode([str(k) for k in event.kinds]).decode(),
                _json.encode(event.prizes).decode(),
                _time(event),
                event.originator_version,
                notification.id,
            )
            self._do(
                f"INSERT INTO {self.t('v_programme_rule')} VALUES (?, ?)",
                programme,
                _json.encode(event.eligibility).decode(),
            )
            self._history(notification, event, None, "created")
            return
        self._do(
            f"UPDATE {self.t('v_programme')} SET version = ?, position = ? WHERE id = ?",
            event.originator_version,
            notification.id,
            programme,
        )
        if isinstance(event, PrizeProgramme.EntryProposed):
            p, prize = event.placing, event.prize
            self._do(
                f"INSERT INTO {e} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                str(event.entry_id),
                programme,
                str(p.competitor_id),
                p.full_name,
                str(p.organisation_id),
                p.region,
                str(p.championship_id),
                str(p.competition_id),
                str(p.kind),
                p.place,
                prize.description,
                prize.amount_kzt,
                EntryStatus.PROPOSED.value,
                event.reason,
                None,
                None,
                notification.id,
            )
            self._history(
                notification,
                event,
                event.entry_id,
                "proposed",
                status=EntryStatus.PROPOSED.value,
                place=p.place,
                reason=event.reason,
            )
        elif isinstance(event, PrizeProgramme.EntryPlaceChanged):
            prize = event.prize
            self._do(
                f"UPDATE {e} SET place = ?, prize = ?, amount_kzt = ? WHERE id = ?",
                event.placing.place,
                prize.description if prize else None,
                prize.amount_kzt if prize else None,
                str(event.entry_id),
            )
            if event.needs_review:
                self._do(
                    f"UPDATE {e} SET status = ?, reason = ? WHERE id = ?",
                    EntryStatus.NEEDS_REVIEW.value,
                    event.reason,
                    str(event.entry_id),
                )
            self._history(
                notification,
                event,
                event.entry_id,
                "place_changed",
                status=EntryStatus.NEEDS_REVIEW.value if event.needs_review else None,
                place=event.placing.place,
                reason=event.reason,
            )
        elif isinstance(event, PrizeProgramme.EntryDecided):
            status = DECIDED_STATUS[event.decision].value
            if event.awarded_on is not None:
                self._do(
                    f"UPDATE {e} SET status = ?, reason = ?, awarded_on = ? WHERE id = ?",
                    status,
                    event.reason,
                    event.awarded_on.isoformat(),
                    str(event.entry_id),
                )
            elif event.decision == "approve":
                # Confirming an entry flagged needs_review restores it: one that was awarded
                # (it holds an award date) stays awarded (``domain.prizes.status_after``).
                self._do(
                    f"UPDATE {e} SET status = CASE WHEN status = ? AND awarded_on IS NOT NULL "
                    "THEN ? ELSE ? END, reason = ? WHERE id = ?",
                    EntryStatus.NEEDS_REVIEW.value,
                    EntryStatus.AWARDED.value,
                    status,
                    event.reason,
                    str(event.entry_id),
                )
            else:
                self._do(
                    f"UPDATE {e} SET status = ?, reason = ? WHERE id = ?",
                    status,
                    event.reason,
                    str(event.entry_id),
                )
            self._history(
                notification,
                event,
                event.entry_id,
                event.decision,
                status=status,
                reason=event.reason,
                awarded_on=event.awarded_on,
            )
            if event.decision == "approve":  # the status the entry was given, as above
                self._do(
                    f"UPDATE {self.t('v_prize_history')} SET status = "
                    f"(SELECT status FROM {e} WHERE id = ?) WHERE position = ?",
                    str(event.entry_id),
                    notification.id,
                )
        elif isinstance(event, PrizeProgramme.NominationDefined):
            self._do(
                f"INSERT INTO {self.t('v_nomination')} VALUES (?, ?, ?, ?, ?)",
                str(event.nomination_id),
                programme,
                event.title_ru,
                event.title_kk,
                notification.id,
            )
            self._history(notification, event, event.nomination_id, "nomination_defined")
        elif isinstance(event, PrizeProgramme.NomineeProposed):
            self._do(
                f"INSERT INTO {self.t('v_nominee')} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                str(event.nominee_id),
                programme,
                str(event.nomination_id),
                str(event.organisation_id),
                event.citation,
                EntryStatus.PROPOSED.value,
                None,
                notification.id,
            )
            self._history(
                notification,
                event,
                event.nominee_id,
                "proposed",
                status=EntryStatus.PROPOSED.value,
                reason=event.citation,
            )
        elif isinstance(event, PrizeProgramme.NomineeDecided):
            status = DECIDED_STATUS[event.decision].value
            self._do(
                f"UPDATE {self.t('v_nominee')} SET status = ?, reason = ? WHERE id = ?",
                status,
                event.reason,
                str(event.nominee_id),
            )
            self._history(
                notification,
                event,
                event.nominee_id,
                event.decision,
                status=status,
                reason=event.reason,
            )
        else:  # pragma: no cover - a new event type must be projected explicitly
            raise TypeError(f"the prize views do not know {type(event).__qualname__}")

    def write(self, cursor: Any) -> None:
        for statement, params in self.statements:
            self.store.execute(cursor, statement, params)


# ---------------------------------------------------------------------------- read models


class HistoryItem(msgspec.Struct, frozen=True):
    position: int
    time: str
    actor_id: UUID
    actor: str | None
    action: str
    status: str | None = None
    place: int | None = None
    reason: str | None = None
    awarded_on: date | None = None


class PrizeOut(msgspec.Struct, frozen=True):
    place: int
    description: str
    #: None: a prize in kind (the description says what)
    amount_kzt: int | None


class EntryOut(msgspec.Struct, frozen=True):
    id: UUID
    competitor_id: UUID
    full_name: str
    organisation_id: UUID
    organisation: str
    organisation_kk: str
    championship_id: UUID
    championship: str
    competition_id: UUID
    competition: str
    competition_kk: str
    category: str
    kind: str
    place: int
    #: the prize's description; None when the place no longer earns one
    prize: str | None
    #: None for a prize in kind (``prize`` set) or no prize (``prize`` None)
    amount_kzt: int | None
    status: str
    #: why the entry exists: championship, competency, place
    basis: str
    awarded_on: date | None = None
    #: the last decision's reason (rejection, revocation, review) — not shown to the public
    reason: str | None = None
    history: list[HistoryItem] | None = None


class NomineeOut(msgspec.Struct, frozen=True):
    id: UUID
    organisation_id: UUID
    name_ru: str
    name_kk: str
    citation: str
    status: str
    reason: str | None = None
    history: list[HistoryItem] | None = None


class NominationOut(msgspec.Struct, frozen=True):
    id: UUID
    title_ru: str
    title_kk: str
    nominees: list[NomineeOut]


class PlaceTotal(msgspec.Struct, frozen=True):
    place: int
    entries: int
    amount_kzt: int


class Totals(msgspec.Struct, frozen=True):
    """Prizes promised: entries approved or awarded, by place and in tenge."""

    by_place: list[PlaceTotal]
    entries: int
    amount_kzt: int
    awarded: int
    awarded_kzt: int
    #: of ``entries``, those whose prize is in kind (no tenge)
    in_kind: int = 0
    #: entries still waiting for a decision (proposed or needs_review); akimat view only
    pending: int | None = None


class ProgrammeSummary(msgspec.Struct, frozen=True):
    """A programme as listed; a prize list (``ProgrammeOut``) starts with these fields."""

    id: UUID
    title_ru: str
    title_kk: str
    year: int
    region: str
    kinds: list[str]


class EligibilityOut(msgspec.Struct, frozen=True):
    """A programme's rule of eligibility (``domain.prizes.Eligibility``)."""

    kinds: list[str]
    levels: list[str]
    places: list[int]
    region: str | None
    year: int | None


class ProgrammeOut(ProgrammeSummary, frozen=True):
    prizes: list[PrizeOut]
    eligibility: EligibilityOut
    entries: list[EntryOut]
    nominations: list[NominationOut]
    totals: Totals
    version: int
    #: whether this answer is the full list (akimat, auditors, admins) or the public one
    full: bool


class PrizeQueries:
    """Reads of the prize views (and the names they show from the results and audit views)."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        PrizesProjection(None, store).create_tables()
        from projections.audit import AuditProjection
        from projections.results import ResultsProjection

        ResultsProjection(None, store).create_tables()
        AuditProjection(None, store).create_tables()

    def t(self, table: str) -> str:
        return self.store.table(table)

    def programmes(self) -> list[ProgrammeSummary]:
        rows = self.store.fetchall(
            f"SELECT * FROM {self.t('v_programme')} ORDER BY year DESC, title_ru"
        )
        return [self._summary(r) for r in rows]

    @staticmethod
    def _summary(row: Any) -> ProgrammeSummary:
        return ProgrammeSummary(
            id=UUID(row["id"]),
            title_ru=row["title_ru"],
            title_kk=row["title_kk"],
            year=int(row["year"]),
            region=row["region"],
            kinds=msgspec.json.decode(row["kinds"]),
        )

    def version(self, programme_id: UUID) -> int | None:
        row = self.store.fetchone(
            f"SELECT version FROM {self.t('v_programme')} WHERE id = ?", (str(programme_id),)
        )
        return int(row["version"]) if row else None

    def programme(self, programme_id: UUID, *, full: bool) -> ProgrammeOut | None:
        """The prize list; ``full`` (akimat, auditors, admins) adds every status, reasons and
        histories, else approved and awarded entries and approved nominees only."""
        key = str(programme_id)
        row = self.store.fetchone(f"SELECT * FROM {self.t('v_programme')} WHERE id = ?", (key,))
        if row is None:
            return None
        histories = self._histories(key) if full else {}
        prizes = msgspec.json.decode(row["prizes"], type=list[PrizeOut])
        entries = [
            e for e in self._entries(key, histories, full) if full or e.status in PUBLIC_STATUSES
        ]
        nominations = self._nominations(key, histories, full)
        return ProgrammeOut(
            **msgspec.structs.asdict(self._summary(row)),
            prizes=prizes,
            eligibility=self._eligibility(row, prizes),
            entries=entries,
            nominations=nominations,
            totals=self._totals(entries, full),
            version=int(row["version"]),
            full=full,
        )

    def _eligibility(self, row: Any, prizes: list[PrizeOut]) -> EligibilityOut:
        """The recorded rule, or the default for a programme recorded without one."""
        found = self.store.fetchone(
            f"SELECT eligibility FROM {self.t('v_programme_rule')} WHERE id = ?", (row["id"],)
        )
        if found is not None:
            rule = msgspec.json.decode(found["eligibility"], type=Eligibility)
        else:
            rule = default_eligibility(
                kinds=msgspec.json.decode(row["kinds"]),
                region=row["region"],
                year=int(row["year"]),
                prizes=[Prize(p.place, p.description, p.amount_kzt) for p in prizes],
            )
        return msgspec.convert(msgspec.to_builtins(rule), EligibilityOut)

    def _entries(
        self, programme: str, histories: dict[str, list[HistoryItem]], full: bool
    ) -> list[EntryOut]:
        rows = self.store.fetchall(
            f"SELECT e.*, c.title_ru AS competition, c.title_kk AS competition_kk, "
            f"c.category AS category, ch.title_ru AS championship, "
            f"ch.starts_on AS starts_on, o.name_ru AS org_ru, o.name_kk AS org_kk "
            f"FROM {self.t('v_prize_entry')} e "
            f"LEFT JOIN {self.t('v_competition')} c ON c.id = e.competition_id "
            f"LEFT JOIN {self.t('v_championship')} ch ON ch.id = e.championship_id "
            f"LEFT JOIN {self.t('v_organisation')} o ON o.id = e.organisation_id "
            f"WHERE e.programme_id = ? "
            f"ORDER BY ch.starts_on, e.championship_id, c.title_ru, c.category, e.place, "
            f"e.full_name, e.id",
            (programme,),
        )
        return [
            EntryOut(
                id=UUID(r["id"]),
                competitor_id=UUID(r["competitor_id"]),
                full_name=r["full_name"],
                organisation_id=UUID(r["organisation_id"]),
                organisation=r["org_ru"] or "",
                organisation_kk=r["org_kk"] or "",
                championship_id=UUID(r["championship_id"]),
                championship=r["championship"] or "",
                competition_id=UUID(r["competition_id"]),
                competition=r["competition"] or "",
                competition_kk=r["competition_kk"] or "",
                category=r["category"] or "",
                kind=r["kind"],
                place=int(r["place"]),
                prize=r["prize"],
                amount_kzt=None if r["amount_kzt"] is None else int(r["amount_kzt"]),
                status=r["status"],
                basis=r["basis"],
                awarded_on=date.fromisoformat(r["awarded_on"]) if r["awarded_on"] else None,
                reason=r["reason"] if full else None,
                history=histories.get(r["id"], []) if full else None,
            )
            for r in rows
        ]

    def _nominations(
        self, programme: str, histories: dict[str, list[HistoryItem]], full: bool
    ) -> list[NominationOut]:
        nominations = self.store.fetchall(
            f"SELECT * FROM {self.t('v_nomination')} WHERE programme_id = ? ORDER BY position",
            (programme,),
        )
        nominees = self.store.fetchall(
            f"SELECT n.*, o.name_ru AS name_ru, o.name_kk AS name_kk "
            f"FROM {self.t('v_nominee')} n "
            f"LEFT JOIN {self.t('v_organisation')} o ON o.id = n.organisation_id "
            f"WHERE n.programme_id = ? ORDER BY n.position",
            (programme,),
        )
        by_nomination: dict[str, list[NomineeOut]] = {}
        for r in nominees:
            if not full and r["status"] != EntryStatus.APPROVED.value:
                continue
            by_nomination.setdefault(r["nomination_id"], []).append(
                NomineeOut(
                    id=UUID(r["id"]),
                    organisation_id=UUID(r["organisation_id"]),
                    name_ru=r["name_ru"] or "",
                    name_kk=r["name_kk"] or "",
                    citation=r["citation"],
                    status=r["status"],
                    reason=r["reason"] if full else None,
                    history=histories.get(r["id"], []) if full else None,
                )
            )
        return [
            NominationOut(
                id=UUID(n["id"]),
                title_ru=n["title_ru"],
                title_kk=n["title_kk"],
                nominees=by_nomination.get(n["id"], []),
            )
            for n in nominations
        ]

    def _histories(self, programme: str) -> dict[str, list[HistoryItem]]:
        rows = self.store.fetchall(
            f"SELECT h.*, a.name AS actor_name FROM {self.t('v_prize_history')} h "
            f"LEFT JOIN {self.t('v_actor')} a ON a.id = h.actor "
            f"WHERE h.programme_id = ? AND h.item_id IS NOT NULL ORDER BY h.position",
            (programme,),
        )
        histories: dict[str, list[HistoryItem]] = {}
        for r in rows:
            histories.setdefault(r["item_id"], []).append(
                HistoryItem(
                    position=int(r["position"]),
                    time=r["time"],
                    actor_id=UUID(r["actor"]),
                    actor=r["actor_name"] or _pseudo_actor_name(r["actor"]),
                    action=r["action"],
                    status=r["status"],
                    place=None if r["place"] is None else int(r["place"]),
                    reason=r["reason"],
                    awarded_on=date.fromisoformat(r["awarded_on"]) if r["awarded_on"] else None,
                )
            )
        return histories

    @staticmethod
    def _totals(entries: Iterable[EntryOut], full: bool) -> Totals:
        by_place: dict[int, list[int]] = {}
        count = amount = awarded = awarded_kzt = pending = in_kind = 0
        for entry in entries:
            status = EntryStatus(entry.status)
            if status in (EntryStatus.PROPOSED, EntryStatus.NEEDS_REVIEW):
                pending += 1
            if status not in PUBLIC_STATUSES or entry.prize is None:
                continue
            tenge = entry.amount_kzt or 0  # a prize in kind adds no tenge
            in_kind += entry.amount_kzt is None
            slot = by_place.setdefault(entry.place, [0, 0])
            slot[0] += 1
            slot[1] += tenge
            count += 1
            amount += tenge
            if status is EntryStatus.AWARDED:
                awarded += 1
                awarded_kzt += tenge
        return Totals(
            by_place=[PlaceTotal(p, n, a) for p, (n, a) in sorted(by_place.items())],
            entries=count,
            amount_kzt=amount,
            awarded=awarded,
            awarded_kzt=awarded_kzt,
            in_kind=in_kind,
            pending=pending if full else None,
        )
