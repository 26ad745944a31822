"""The certificates view (issue 16, RULES.md "Certificates"): one row per certificate issued.

A certificate attests one honour (``domain.certificates``): a medal of a colour or a Medallion
for Excellence held by a competitor in a published competition, or an awarded prize entry.
Its code is the HMAC of its identity under the store's certificate key
(``store.certificate_key``), so a rebuild of this view gives the same codes.

* ``Competition.Published``: a certificate for every medal and medallion of the published
  standings, issued at the Published event's position.
* ``Competition.MarkAmended``: the standings are recomputed; every certificate of the
  competition whose competitor's result (rank, total, scaled score, medal, medallion)
  changed is marked ``amended`` (with the current result and the amendment's position); one
  whose honour is no longer held is ``revoked`` (a silver that became gold: the silver
  certificate is revoked and a gold one issued at the amendment's position); an honour held
  for the first time gets its certificate there.
* ``PrizeProgramme`` events: an entry becoming ``awarded`` gets its certificate at that event;
  a later place change (an amendment moved the competitor) marks it ``amended``; an entry no
  longer awarded or under review (revoked, rejected, reconsidered) makes it ``revoked``.

Standings come from ``domain.standings.standings`` over the ``Competition`` aggregate
advanced by its own events (a bounded cache, as the results view keeps; a miss rebuilds it
from the event store at exactly the version before the event), prize entries from the
``PrizeProgramme`` aggregate advanced likewise — the domain's rules, never a second copy.
Names of organisations, championships, competitions, programmes and the seal hash of the
issuing position are joined at query time (:class:`CertificateQueries`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

import msgspec

from domain import certificates
from domain.certificates import Kind
from domain.competition import Competition
from domain.prize_programme import PrizeEntry, PrizeProgramme
from domain.prizes import EntryStatus
from domain.scoring import ResultRow
from domain.standings import standings
from projections import models
from projections.base import ViewProjection
from projections.prizes import PrizesProjection
from projections.results import ResultsProjection
from projections.seal import SEAL_TABLE, SealProjection
from projections.store import ViewStore
from store.certificate_key import certificate_key
from store.events import StoredNotification, datastore_of

TABLE = "v_certificate"
#: an awarded entry's certificate stands while the entry is awarded or under review
_PRIZE_HOLDS = frozenset({EntryStatus.AWARDED, EntryStatus.NEEDS_REVIEW})


class Facts(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a certificate attests, or what stands now (stored as JSON)."""

    rank: int | None = None
    total: str | None = None
    scaled_score: int | None = None
    medal: str | None = None
    medallion: bool = False
    #: prizes: the prize's description and amount, the award's date, the entry's status
    description: str | None = None
    amount_kzt: int | None = None
    awarded_on: date | None = None
    status: str | None = None

    def prize_terms(self) -> tuple[int | None, str | None, int | None]:
        """What an amendment of a prize changes: the place and the prize."""
        return self.rank, self.description, self.amount_kzt


class Certificate(msgspec.Struct):
    """A row of ``v_certificate`` (columns in this order)."""

    code: str
    kind: str
    #: the medal's colour (medal certificates)
    honour: str | None
    competition_id: str
    competitor_id: str
    championship_id: str
    programme_id: str | None
    entry_id: str | None
    full_name: str
    organisation_id: str
    region: str
    attested: str
    current: str
    issued_position: int
    issued_at: str
    amended: int = 0
    amended_position: int | None = None
    revoked: int = 0
    revoked_position: int | None = None

    def row(self) -> tuple[Any, ...]:
        return msgspec.structs.astuple(self)


_COLUMNS = Certificate.__struct_fields__
_encode = msgspec.json.Encoder().encode
_facts = msgspec.json.Decoder(Facts).decode


def _json(facts: Facts) -> str:
    return _encode(facts).decode()


def _time(event: Any) -> str:
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def result_facts(row: ResultRow) -> Facts:
    return Facts(
        rank=row.rank,
        total=str(row.total),
        scaled_score=row.scaled_score,
        medal=str(row.medal) if row.medal else None,
        medallion=row.medallion,
    )


def prize_facts(entry: PrizeEntry) -> Facts:
    prize = entry.prize
    return Facts(
        rank=entry.placing.place,
        description=prize.description if prize else None,
        amount_kzt=prize.amount_kzt if prize else None,
        awarded_on=entry.awarded_on,
        status=str(entry.status),
    )


def honours(competition_id: UUID, row: ResultRow) -> list[tuple[Kind, str | None, str]]:
    """``(kind, medal colour, identity)`` of each honour a standings row holds."""
    found: list[tuple[Kind, str | None, str]] = []
    if row.medal:
        medal = str(row.medal)
        identity = certificates.medal_identity(competition_id, row.competitor_id, medal)
        found.append((Kind.MEDAL, medal, identity))
    if row.medallion:
        identity = certificates.medallion_identity(competition_id, row.competitor_id)
        found.append((Kind.MEDALLION, None, identity))
    return found


def holds(certificate: Certificate, facts: Facts) -> bool:
    """Whether a medal or medallion certificate's honour is held with the result ``facts``."""
    if certificate.kind == Kind.MEDAL:
        return facts.medal == certificate.honour
    return facts.medallion


class CertificatesProjection(ViewProjection):
    name = "certificates"
    EVENTS = (Competition.Event, PrizeProgramme.Event)

    TABLES: ClassVar[dict[str, str]] = {
        TABLE: "code TEXT PRIMARY KEY, kind TEXT NOT NULL, honour TEXT, "
        "competition_id TEXT NOT NULL, competitor_id TEXT NOT NULL, "
        "championship_id TEXT NOT NULL, programme_id TEXT, entry_id TEXT, "
        "full_name TEXT NOT NULL, organisation_id TEXT NOT NULL, region TEXT NOT NULL, "
        "attested TEXT NOT NULL, current TEXT NOT NULL, issued_position BIGINT NOT NULL, "
        "issued_at TEXT NOT NULL, amended INTEGER NOT NULL, amended_position BIGINT, "
        "revoked INTEGER NOT NULL, revoked_position BIGINT",
    }
    INDEXES: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("by_competitor", TABLE, "competitor_id"),
        ("by_competition", TABLE, "competition_id"),
    )

    #: competitions kept advanced by their events (as the results view keeps its own)
    CACHE_SIZE = 256

    def setup(self) -> None:
        self._key: bytes | None = None
        #: the competitions come from the results view's replay (:meth:`follow`)
        self.followed = False
        self.prizes = True
        self._results: ResultsProjection | None = None
        self.competitions: OrderedDict[UUID, Competition] = OrderedDict()
        #: prize programmes, advanced by their own events (few and small)
        self.programmes: dict[UUID, PrizeProgramme] = {}

    def clear_pending(self) -> None:
        #: code -> the certificate as this batch leaves it
        self.pending: dict[str, Certificate] = {}
        #: competition -> code -> its medal and medallion certificates among ``pending``
        self.pending_results: dict[UUID, dict[str, Certificate]] = {}

    def reset_cache(self) -> None:
        self.competitions.clear()
        self.programmes.clear()

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = certificate_key(self.source.settings, datastore_of(self.source))
        return self._key

    # ------------------------------------------------------------------ reading back

    def _stored(self, where: str, params: tuple[Any, ...]) -> dict[str, Certificate]:
        rows = self.store.fetchall(f"SELECT * FROM {self.t(TABLE)} WHERE {where}", params)
        stored = {row["code"]: _certificate(row) for row in rows}
        return stored

    def _certificate(self, code: str) -> Certificate | None:
        if code in self.pending:
            return self.pending[code]
        return self._stored("code = ?", (code,)).get(code)

    def _of_competition(self, competition_id: UUID) -> dict[str, Certificate]:
        """The medal and medallion certificates of a competition, as this batch has them."""
        found = self._stored(
            "competition_id = ? AND kind IN (?, ?)",
            (str(competition_id), Kind.MEDAL.value, Kind.MEDALLION.value),
        )
        found.update(self.pending_results.get(competition_id, {}))
        return found

    def _pend(self, certificate: Certificate) -> None:
        self.pending[certificate.code] = certificate
        if certificate.kind != Kind.PRIZE:
            competition = UUID(certificate.competition_id)
            self.pending_results.setdefault(competition, {})[certificate.code] = certificate

    # ------------------------------------------------------------------ apply

    def follow(self, results: ResultsProjection | None) -> None:
        """A bulk load (rebuild): take the competitions from ``results``' replay of the same
        events (it tells :meth:`_followed` of each) instead of replaying them a second time;
        None: replay them here again. Both must process the same batches."""
        self.followed = results is not None
        self._results = results
        #: prize programmes' events are applied here (a share of a parallel rebuild: in
        #: the share that has the reference data)
        self.prizes = results is None or results.share is None or results.share.reference
        if results is not None:
            results.feed = self._followed

    def takes(self, cls: type) -> bool | None:
        """Followed: the results view takes the competitions' events; here, only the
        prize programmes' (if they are this share's)."""
        if not self.followed:
            return super().takes(cls)
        return self.prizes and issubclass(cls, PrizeProgramme.Event)

    def _followed(self, position: int, event: Any, competition: Competition) -> None:
        """A competition event applied by the results view, and the competition after it."""
        if isinstance(event, (Competition.Published, Competition.MarkAmended)):
            self._standings_changed(position, event, competition)

    def apply(self, notification: StoredNotification, event: Any) -> None:
        if isinstance(event, Competition.Event):
            if self.followed:
                return  # applied with the results view's replay (_followed)
            competition = self._competition(event)
            if isinstance(event, (Competition.Published, Competition.MarkAmended)):
                self._standings_changed(notification.id, event, competition)
        elif isinstance(event, PrizeProgramme.Event) and self.prizes:
            self._programme_event(notification.id, event)

    def _competition(self, event: Any) -> Competition:
        """The competition with ``event`` applied: the cached copy advanced by it, else (a
        miss, after a restart or an eviction) rebuilt from the event store at exactly the
        version before it."""
        if isinstance(event, Competition.Created):
            competition: Competition = event.mutate(None)
        else:
            cached = self.competitions.pop(event.originator_id, None)
            if cached is None or cached.version != event.originator_version - 1:
                cached = self.source.repository.get(
                    event.originator_id, version=event.originator_version - 1
                )
            competition = event.mutate(cached)
        self.competitions[competition.id] = competition
        if len(self.competitions) > self.CACHE_SIZE:
            self.competitions.popitem(last=False)
        return competition

    def _standings_changed(self, position: int, event: Any, competition: Competition) -> None:
        results = self._results
        result = standings(competition) if results is None else results.standings_of(competition)
        rows = {row.competitor_id: row for row in result.rows}
        # A competition is published once: before that it has no certificate to look up.
        published = isinstance(event, Competition.Published)
        existing = {} if published else self._of_competition(competition.id)
        for certificate in existing.values():
            row = rows.get(UUID(certificate.competitor_id))
            if row is None:  # pragma: no cover - entrants are never removed
                continue
            now = result_facts(row)
            changed = False
            if _facts(certificate.current) != now:
                certificate.current = _json(now)
                certificate.amended, certificate.amended_position = 1, position
                changed = True
            held = holds(certificate, now)
            if held == bool(certificate.revoked):
                certificate.revoked = 0 if held else 1
                certificate.revoked_position = None if held else position
                changed = True
            if changed:
                self._pend(certificate)
        for row in rows.values():
            for kind, medal, identity in honours(competition.id, row):
                code = certificates.code_for(self.key, identity)
                if code in existing:
                    continue  # held before (and updated above)
                facts = _json(result_facts(row))
                self._pend(
                    Certificate(
                        code=code,
                        kind=kind.value,
                        honour=medal,
                        competition_id=str(competition.id),
                        competitor_id=str(row.competitor_id),
                        championship_id=str(competition.championship_id),
                        programme_id=None,
                        entry_id=None,
                        full_name=row.full_name,
                        organisation_id=str(row.organisation_id),
                        region=row.region,
                        attested=facts,
                        current=facts,
                        issued_position=position,
                        issued_at=_time(event),
                    )
                )

    def _programme(self, event: Any) -> PrizeProgramme:
        if isinstance(event, PrizeProgramme.Created):
            programme: PrizeProgramme = event.mutate(None)
        else:
            programme = self.programmes.get(event.originator_id)  # type: ignore[assignment]
            if programme is None or programme.version != event.originator_version - 1:
                programme = self.source.repository.get(
                    event.originator_id, version=event.originator_version - 1
                )
            event.mutate(programme)
        self.programmes[programme.id] = programme
        return programme

    def _programme_event(self, position: int, event: Any) -> None:
        programme = self._programme(event)
        entry_id = getattr(event, "entry_id", None)
        if entry_id is None:
            return  # nominations and the programme itself: no certificate
        entry = programme.entries[entry_id]
        code = certificates.code_for(self.key, certificates.prize_identity(programme.id, entry_id))
        certificate = self._certificate(code)
        now = prize_facts(entry)
        if certificate is None:
            if entry.status is EntryStatus.AWARDED:
                placing = entry.placing
                self.pending[code] = Certificate(
                    code=code,
                    kind=Kind.PRIZE.value,
                    honour=None,
                    competition_id=str(placing.competition_id),
                    competitor_id=str(placing.competitor_id),
                    championship_id=str(placing.championship_id),
                    programme_id=str(programme.id),
                    entry_id=str(entry_id),
                    full_name=placing.full_name,
                    organisation_id=str(placing.organisation_id),
                    region=placing.region,
                    attested=_json(now),
                    current=_json(now),
                    issued_position=position,
                    issued_at=_time(event),
                )
            return
        before = _facts(certificate.current)
        if before.prize_terms() != now.prize_terms():
            certificate.amended, certificate.amended_position = 1, position
        certificate.current = _json(now)
        held = entry.status in _PRIZE_HOLDS
        if held == bool(certificate.revoked):
            certificate.revoked = 0 if held else 1
            certificate.revoked_position = None if held else position
        self.pending[code] = certificate

    # ------------------------------------------------------------------ write

    def write(self, cursor: Any) -> None:
        if not self.pending:
            return
        table = self.t(TABLE)
        codes = [(code,) for code in self.pending]
        self.store.executemany(cursor, f"DELETE FROM {table} WHERE code = ?", codes)
        marks = ", ".join("?" for _ in _COLUMNS)
        self.store.executemany(
            cursor,
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({marks})",
            [certificate.row() for certificate in self.pending.values()],
        )


def _certificate(row: Mapping[str, Any]) -> Certificate:
    return msgspec.convert({name: row[name] for name in _COLUMNS}, Certificate, strict=False)


# ---------------------------------------------------------------------- queries


class CertificateQueries:
    """Reads of the certificates view, with the names it shows from the results and prize
    views and the seal hash from the seal view."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        for projection in (
            CertificatesProjection,
            ResultsProjection,
            PrizesProjection,
            SealProjection,
        ):
            projection(None, store).create_tables()

    def t(self, table: str) -> str:
        return self.store.table(table)

    def _select(self, where: str) -> str:
        t = self.t
        return (
            "SELECT c.*, o.name_ru AS organisation, o.name_kk AS organisation_kk, "
            "ch.kind AS ch_kind, ch.level AS ch_level, ch.year AS ch_year, "
            "ch.region AS ch_region, ch.title_ru AS ch_title_ru, ch.title_kk AS ch_title_kk, "
            "ch.title_en AS ch_title_en, co.code AS co_code, co.title_ru AS co_title_ru, "
            "co.title_kk AS co_title_kk, co.category AS co_category, "
            "p.title_ru AS p_title_ru, p.title_kk AS p_title_kk, s.hash AS seal_hash, "
            f"(SELECT x.code FROM {t(TABLE)} x WHERE c.kind IN ('medal', 'medallion') "
            "AND c.revoked = 1 AND x.competition_id = c.competition_id "
            "AND x.competitor_id = c.competitor_id AND x.kind IN ('medal', 'medallion') "
            "AND x.revoked = 0 ORDER BY x.issued_position DESC LIMIT 1) AS current_code "
            f"FROM {t(TABLE)} c "
            f"LEFT JOIN {t('v_organisation')} o ON o.id = c.organisation_id "
            f"LEFT JOIN {t('v_championship')} ch ON ch.id = c.championship_id "
            f"LEFT JOIN {t('v_competition')} co ON co.id = c.competition_id "
            f"LEFT JOIN {t('v_programme')} p ON p.id = c.programme_id "
            f"LEFT JOIN {t(SEAL_TABLE)} s ON s.position = c.issued_position "
            f"WHERE {where}"
        )

    def certificate(self, code: str) -> models.CertificateOut | None:
        """The certificate of a compact code (``domain.certificates.parse_code``'s)."""
        row = self.store.fetchone(self._select("c.code = ?"), (code,))
        return None if row is None else _answer(row)

    def of_participant(self, participant_id: UUID) -> list[models.CertificateOut]:
        """Every certificate issued to a person, oldest first."""
        rows = self.store.fetchall(
            self._select("c.competitor_id = ?") + " ORDER BY c.issued_position, c.kind",
            (str(participant_id),),
        )
        return [_answer(row) for row in rows]


def _answer(row: Mapping[str, Any]) -> models.CertificateOut:
    certificate = _certificate(row)
    attested, current = _facts(certificate.attested), _facts(certificate.current)
    prize = current_prize = None
    if certificate.kind == Kind.PRIZE:
        prize, current_prize = (_prize(row, certificate, facts) for facts in (attested, current))
    revoked = bool(certificate.revoked)
    amended = bool(certificate.amended)
    current_code = row["current_code"]
    return models.CertificateOut(
        valid=not revoked,
        verdict="revoked" if revoked else "amended" if amended else "valid",
        code=certificates.grouped(certificate.code),
        kind=certificate.kind,
        competitor=models.CertificateHolder(
            participant_id=UUID(certificate.competitor_id),
            full_name=certificate.full_name,
            organisation_id=UUID(certificate.organisation_id),
            organisation=row["organisation"] or "",
            organisation_kk=row["organisation_kk"] or "",
            region=certificate.region,
        ),
        championship=models.CertificateChampionship(
            id=UUID(certificate.championship_id),
            kind=row["ch_kind"] or "",
            level=row["ch_level"] or "",
            year=int(row["ch_year"] or 0),
            region=row["ch_region"] or "",
            title_ru=row["ch_title_ru"] or "",
            title_kk=row["ch_title_kk"] or "",
            title_en=row["ch_title_en"],
        ),
        competition=models.CertificateCompetition(
            id=UUID(certificate.competition_id),
            code=row["co_code"] or "",
            title_ru=row["co_title_ru"] or "",
            title_kk=row["co_title_kk"] or "",
            category=row["co_category"] or "",
        ),
        result=_result(attested),
        current_result=_result(current),
        medal=certificate.honour,
        medallion=certificate.kind == Kind.MEDALLION,
        prize=prize,
        current_prize=current_prize,
        published_position=int(certificate.issued_position),
        published_at=certificate.issued_at,
        seal_hash=row["seal_hash"],
        amended=amended,
        amended_position=certificate.amended_position,
        revoked=revoked,
        revoked_position=certificate.revoked_position,
        current_certificate=certificates.grouped(current_code) if current_code else None,
    )


def _prize(row: Mapping[str, Any], certificate: Certificate, facts: Facts) -> models.CertifiedPrize:
    return models.CertifiedPrize(
        programme_id=UUID(str(certificate.programme_id)),
        programme_title_ru=row["p_title_ru"] or "",
        programme_title_kk=row["p_title_kk"] or "",
        place=facts.rank,
        description=facts.description,
        amount_kzt=facts.amount_kzt,
        awarded_on=facts.awarded_on,
        status=facts.status or "",
    )


def _result(facts: Facts) -> models.CertifiedResult:
    return models.CertifiedResult(
        rank=facts.rank,
        total=facts.total,
        scaled_score=facts.scaled_score,
        medal=facts.medal,
        medallion=facts.medallion,
    )
