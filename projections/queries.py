"""Queries over the views, returning the Structs of ``projections.models`` (API.md "Results").

Queries read only the live view tables; ``as_of_position`` is the position the results views
had reached when the rows were read (a lower bound: rows may already include later events).
Visibility (public vs organisers) is the API's business; these queries return everything
except sensitive personal data, which no query here selects.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

import msgspec

from projections import models
from projections.accounts import AccountsProjection
from projections.audit import AuditProjection
from projections.results import ResultsProjection
from projections.store import ViewStore

_decode = msgspec.json.decode
_Model = TypeVar("_Model", bound=msgspec.Struct)


def _answer(row: Mapping[str, Any], model: type[_Model], **fields: Any) -> _Model:
    """``model`` from a view row whose columns bear its fields' names (other columns are
    ignored): ids, dates and 0/1 flags are stored as text and integers and parsed here;
    ``fields`` add to or replace the row's columns."""
    return msgspec.convert({**row, **fields}, model, strict=False)


#: the names of an organisation the views do not hold (blank, as a LEFT JOIN gives them)
_NO_ORGANISATION = {"organisation": "", "organisation_kk": ""}


class ViewQueries:
    STANDINGS_CACHE = 256

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        self.sql = store.sql
        #: (competition, the position that last changed it) -> standings; a competition's
        #: rows change only with its own events, so this never serves stale rows
        self._standings: OrderedDict[tuple[UUID, int], models.StandingsOut] = OrderedDict()
        self._standings_lock = threading.Lock()
        # The live tables always exist, even before the first event is projected.
        ResultsProjection(None, store).create_tables()
        AuditProjection(None, store).create_tables()
        AccountsProjection(None, store).create_tables()

    def t(self, table: str) -> str:
        return self.store.table(table)

    def results_position(self) -> int:
        return self.store.position(ResultsProjection.name)

    # ------------------------------------------------------------------ championships

    def championships(self) -> list[models.ChampionshipSummary]:
        rows = self.store.fetchall(
            f"SELECT ch.*, "
            f"(SELECT COUNT(*) FROM {self.t('v_competition')} c WHERE c.championship_id = ch.id) "
            f"AS competitions, "
            f"(SELECT COUNT(*) FROM {self.t('v_competition')} c WHERE c.championship_id = ch.id "
            f"AND c.status = 'published') AS published "
            f"FROM {self.t('v_championship')} ch ORDER BY ch.starts_on, ch.title_ru"
        )
        return [
            _answer(
                row, models.ChampionshipSummary, min_competitors_for_medals=row["min_competitors"]
            )
            for row in rows
        ]

    def championship(self, championship_id: UUID) -> models.ChampionshipDetail | None:
        row = self.store.fetchone(
            f"SELECT * FROM {self.t('v_championship')} WHERE id = ?", (str(championship_id),)
        )
        if row is None:
            return None
        competitions = self.store.fetchall(
            f"SELECT id, code, title_ru, title_kk, category, status, entrants, marks_entered, "
            f"marks_expected FROM {self.t('v_competition')} WHERE championship_id = ? "
            "ORDER BY created_at",
            (str(championship_id),),
        )
        return _answer(
            row,
            models.ChampionshipDetail,
            min_competitors_for_medals=row["min_competitors"],
            competitions=[
                _answer(c, models.CompetitionSummary, entrants=len(_decode(c["entrants"])))
                for c in competitions
            ],
        )

    # ------------------------------------------------------------------ competitions

    def _organisation_names(self, ids: set[str]) -> dict[str, dict[str, str]]:
        """An entrant's ``organisation`` (Russian) and ``organisation_kk`` fields, by the
        organisation's id."""
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = self.store.fetchall(
            f"SELECT id, name_ru, name_kk FROM {self.t('v_organisation')} WHERE id IN ({marks})",
            tuple(ids),
        )
        return {
            row["id"]: {"organisation": row["name_ru"], "organisation_kk": row["name_kk"]}
            for row in rows
        }

    def competition(self, competition_id: UUID) -> models.CompetitionDetail | None:
        row = self.store.fetchone(
            f"SELECT * FROM {self.t('v_competition')} WHERE id = ?", (str(competition_id),)
        )
        if row is None:
            return None
        entrants = _decode(row["entrants"])
        names = self._organisation_names({e["organisation_id"] for e in entrants})
        return _answer(
            row,
            models.CompetitionDetail,
            scheme=_decode(row["scheme"]),
            entrants=[
                _answer(
                    e,
                    models.EntrantOut,
                    competitor_id=e["participant_id"],
                    **names.get(e["organisation_id"], _NO_ORGANISATION),
                )
                for e in entrants
            ],
            experts=_decode(row["experts"]),
            progress=models.Progress(int(row["marks_entered"]), int(row["marks_expected"])),
        )

    def competition_status(self, competition_id: UUID) -> str | None:
        row = self.store.fetchone(
            f"SELECT status FROM {self.t('v_competition')} WHERE id = ?", (str(competition_id),)
        )
        return row["status"] if row else None

    def standings(self, competition_id: UUID) -> models.StandingsOut | None:
        """One read transaction: the position, the competition and its rows agree."""
        found = self.standings_at_position(competition_id)
        return found[0] if found else None

    def standings_at_position(self, competition_id: UUID) -> tuple[models.StandingsOut, int] | None:
        """The standings and the position of the event that last changed them."""
        store = self.store
        with store.transaction(commit=False) as cursor:

            def read(statement: str, params: tuple) -> list[Any]:
                cursor.execute(store.sql(statement), params)
                return list(cursor.fetchall())

            tracked = read(
                f"SELECT notification_id FROM {store.tracking_table} WHERE application_name = ?",
                (ResultsProjection.name,),
            )
            position = int(tracked[0]["notification_id"]) if tracked else 0
            found = read(
                f"SELECT id, championship_id, status, disputed, marks_entered, marks_expected, "
                f"formula, formula_version, position FROM {self.t('v_competition')} WHERE id = ?",
                (str(competition_id),),
            )
            if not found:
                return None
            competition = found[0]
            key = (competition_id, int(competition["position"]))
            with self._standings_lock:
                cached = self._standings.get(key)
            if cached is not None:
                return msgspec.structs.replace(cached, as_of_position=position), key[1]
            rows = read(
                f"SELECT s.*, o.name_ru AS organisation, o.name_kk AS organisation_kk "
                f"FROM {self.t('v_standing')} s "
                f"LEFT JOIN {self.t('v_organisation')} o ON o.id = s.organisation_id "
                "WHERE s.competition_id = ? ORDER BY s.ord",
                (str(competition_id),),
            )
        answer = models.StandingsOut(
            competition_id=UUID(competition["id"]),
            championship_id=UUID(competition["championship_id"]),
            status=competition["status"],
            as_of_position=position,
            rows=[self._standing_row(r) for r in rows],
            disputed=msgspec.convert(_decode(competition["disputed"]), list[models.DisputedOut]),
            progress=models.Progress(
                int(competition["marks_entered"]), int(competition["marks_expected"])
            ),
            scaled_score_formula=competition["formula"],
            scaled_score_formula_version=competition["formula_version"],
        )
        with self._standings_lock:
            self._standings[key] = answer
            if len(self._standings) > self.STANDINGS_CACHE:
                self._standings.popitem(last=False)
        return answer, key[1]

    def disputed_scores(
        self, competition_id: UUID, position: int
    ) -> tuple[list[list[models.ExpertScore]], dict[UUID, str]] | None:
        """Who gave which score of each disputed aspect (in the order of the standings'
        ``disputed``) and each expert's role, as the views held them at ``position`` (the
        standings' ``position``); None when the competition's rows have moved on since.
        Rows written before the views knew who gave a score have empty lists (a rebuild
        fills them)."""
        row = self.store.fetchone(
            f"SELECT disputed, experts FROM {self.t('v_competition')} WHERE id = ? "
            "AND position = ?",
            (str(competition_id), position),
        )
        if row is None:
            return None
        experts = {UUID(e["account_id"]): e for e in _decode(row["experts"])}
        scores = [
            [
                models.ExpertScore(
                    expert_id=UUID(expert_id),
                    name=experts[UUID(expert_id)]["name"] if UUID(expert_id) in experts else "",
                    score=score,
                )
                for expert_id, score in zip(d.get("expert_ids", ()), d["scores"], strict=False)
            ]
            for d in _decode(row["disputed"])
        ]
        return scores, {account: e["role"] for account, e in experts.items()}

    @staticmethod
    def _standing_row(row: Any) -> models.StandingRow:
        return _answer(
            row,
            models.StandingRow,
            organisation=row["organisation"] or "",
            organisation_kk=row["organisation_kk"] or "",
            criteria=_decode(row["criteria"]),
        )

    # ------------------------------------------------------------------ medals

    def medals(self, championship_id: UUID) -> models.MedalsOut | None:
        position = self.results_position()
        key = (str(championship_id),)
        if (
            self.store.fetchone(f"SELECT 1 FROM {self.t('v_championship')} WHERE id = ?", key)
            is None
        ):
            return None
        by_org = self.store.fetchall(
            f"SELECT m.*, o.name_ru, o.name_kk, o.region FROM {self.t('v_medal_org')} m "
            f"JOIN {self.t('v_organisation')} o ON o.id = m.organisation_id "
            "WHERE m.championship_id = ? ORDER BY m.ord",
            key,
        )
        by_region = self.store.fetchall(
            f"SELECT * FROM {self.t('v_medal_region')} WHERE championship_id = ? ORDER BY ord", key
        )
        best = self.store.fetchall(
            f"SELECT * FROM {self.t('v_best')} WHERE championship_id = ? ORDER BY ord", key
        )
        return models.MedalsOut(
            championship_id=championship_id,
            as_of_position=position,
            by_organisation=[_answer(r, models.MedalsByOrganisation) for r in by_org],
            by_region=[_answer(r, models.MedalsByRegion) for r in by_region],
            best_of_region=[_answer(r, models.BestOfRegionOut) for r in best],
        )

    # ------------------------------------------------------------------ participants

    def participant_results(self, participant_id: UUID) -> models.ParticipantResults | None:
        person = self.store.fetchone(
            f"SELECT p.full_name, p.organisation_id, o.name_ru AS organisation, "
            f"o.name_kk AS organisation_kk, o.region "
            f"FROM {self.t('v_participant')} p JOIN {self.t('v_organisation')} o "
            "ON o.id = p.organisation_id WHERE p.id = ?",
            (str(participant_id),),
        )
        if person is None:
            return None
        rows = self.store.fetchall(
            f"SELECT s.*, c.title_ru AS competition_title_ru, "
            f"c.title_kk AS competition_title_kk, c.category, c.status, c.championship_id, "
            f"ch.title_ru AS championship_title_ru, ch.title_kk AS championship_title_kk, "
            f"ch.level, ch.year, eo.name_ru AS organisation, eo.name_kk AS organisation_kk "
            f"FROM {self.t('v_standing')} s "
            f"JOIN {self.t('v_competition')} c ON c.id = s.competition_id "
            f"JOIN {self.t('v_championship')} ch ON ch.id = c.championship_id "
            f"LEFT JOIN {self.t('v_organisation')} eo ON eo.id = s.organisation_id "
            "WHERE s.competitor_id = ? ORDER BY ch.starts_on, c.created_at",
            (str(participant_id),),
        )
        return _answer(
            person,
            models.ParticipantResults,
            participant_id=participant_id,
            results=[
                _answer(
                    r,
                    models.ParticipantResult,
                    organisation=r["organisation"] or "",
                    organisation_kk=r["organisation_kk"] or "",
                )
                for r in rows
            ],
        )

    def find_participants(
        self, text: str, *, published_only: bool, limit: int = 50
    ) -> list[models.ParticipantFound]:
        """People whose name contains every word of ``text`` (any case, ё as е; Kazakh
        letters as they are), by name; ``published_only``: those with a published result.
        No words: nobody (the public search page asks for a name)."""
        if not _folded(text):
            return []
        return self.participants_page(text, published_only=published_only, limit=limit)[0]

    def participants_page(
        self, text: str = "", *, published_only: bool, limit: int = 50, after: UUID | None = None
    ) -> tuple[list[models.ParticipantFound], UUID | None]:
        """A page of people by name (``find_participants``; no words: everyone), after the
        person ``after`` (keyset: folded name, id), and the id to ask the next page after
        (None: this is the last). Matching is done here rather than in SQL so that both
        stores fold case alike. ``LookupError`` when ``after`` is not one of the list."""
        published = (
            f"WHERE EXISTS (SELECT 1 FROM {self.t('v_standing')} s "
            f"JOIN {self.t('v_competition')} c ON c.id = s.competition_id "
            "WHERE s.competitor_id = p.id AND c.status = 'published')"
            if published_only
            else ""
        )
        rows = self.store.fetchall(
            f"SELECT p.id, p.full_name, p.organisation_id, o.name_ru AS organisation, "
            f"o.name_kk AS organisation_kk, o.region "
            f"FROM {self.t('v_participant')} p JOIN {self.t('v_organisation')} o "
            f"ON o.id = p.organisation_id {published}"
        )
        page, next_after = _keyset(rows, text, lambda r: (r["full_name"],), limit, after)
        return [_answer(r, models.ParticipantFound) for r in page], next_after

    def organisations(
        self, text: str = "", *, limit: int = 50, after: UUID | None = None
    ) -> tuple[list[models.OrganisationOut], UUID | None]:
        """A page of organisations whose Russian or Kazakh name holds every word of ``text``,
        by Russian name (keyset, as ``participants_page``)."""
        rows = self.store.fetchall(f"SELECT * FROM {self.t('v_organisation')}")
        page, next_after = _keyset(rows, text, lambda r: (r["name_ru"], r["name_kk"]), limit, after)
        return [_answer(r, models.OrganisationOut) for r in page], next_after

    def accounts(
        self, text: str = "", *, limit: int = 50, after: UUID | None = None
    ) -> tuple[list[models.AccountListed], UUID | None]:
        """A page of accounts by name (keyset, as ``participants_page``): role, scopes,
        revoked; never a token's hash (the view holds none)."""
        rows = self.store.fetchall(
            f"SELECT id, name, role, competition_ids, revoked FROM {self.t('v_account')}"
        )
        page, next_after = _keyset(rows, text, lambda r: (r["name"],), limit, after)
        return [
            _answer(
                r,
                models.AccountListed,
                competition_ids=_decode(r["competition_ids"]),
                revoked=bool(r["revoked"]),
            )
            for r in page
        ], next_after

    # ------------------------------------------------------------------ audit index

    def audit(
        self,
        *,
        actor: UUID | None = None,
        aggregate_id: UUID | None = None,
        since: str | None = None,
        until: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[models.AuditEntry]:
        """Events by actor, aggregate and time range (UTC ISO text, ``until`` exclusive),
        in position order, from ``after`` on."""
        where, params = ["a.position > ?"], [after]
        if actor is not None:
            where.append("a.actor = ?")
            params.append(str(actor))
        if aggregate_id is not None:
            where.append("a.aggregate_id = ?")
            params.append(str(aggregate_id))
        if since is not None:
            where.append("a.time >= ?")
            params.append(since)
        if until is not None:
            where.append("a.time < ?")
            params.append(until)
        params.append(max(1, min(limit, 10_000)))
        rows = self.store.fetchall(
            f"SELECT a.*, n.name AS actor_name FROM {self.t('v_audit')} a "
            f"LEFT JOIN {self.t('v_actor')} n ON n.id = a.actor "
            f"WHERE {' AND '.join(where)} ORDER BY a.position LIMIT ?",
            tuple(params),
        )
        return [_answer(r, models.AuditEntry) for r in rows]


def _keyset(
    rows: list[Any],
    text: str,
    names: Callable[[Any], tuple[str, ...]],
    limit: int,
    after: UUID | None,
) -> tuple[list[Any], UUID | None]:
    """Rows whose names (``names``) hold every word of ``text`` between them, ordered by the
    first name folded and the id, from just after the row ``after`` (which need not match
    ``text``, but must be a row: else ``LookupError``); at most ``limit``, and the id of the
    last one when more follow."""
    words = _folded(text).split()

    def key(row: Any) -> tuple[str, str]:
        return (_folded(names(row)[0]), str(row["id"]))

    start: tuple[str, str] | None = None
    if after is not None:
        found = next((r for r in rows if str(r["id"]) == str(after)), None)
        if found is None:
            raise LookupError(after)
        start = key(found)
    matching = [
        r
        for r in rows
        if (start is None or key(r) > start)
        and all(any(w in _folded(n) for n in names(r)) for w in words)
    ]
    matching.sort(key=key)
    limit = max(1, limit)
    page = matching[:limit]
    more = len(matching) > limit
    return page, (UUID(str(page[-1]["id"])) if more else None)


def _folded(text: str) -> str:
    """``text`` for matching names: case folded, ``ё`` as ``е``, spaces collapsed."""
    return " ".join(text.casefold().replace("ё", "е").split())


#: the columns of ``v_standing``, in order (``ResultsProjection._standing_rows`` makes them)
_STANDING_COLUMNS = (
    "competition_id",
    "competitor_id",
    "ord",
    "rank",
    "full_name",
    "organisation_id",
    "region",
    "total",
    "scaled_score",
    "medal",
    "medallion",
    "criteria",
)


def standings_from_state(
    competition: Any,
    result: Any,
    *,
    as_of_position: int,
    organisation_name: Callable[[UUID], str],
    organisation_name_kk: Callable[[UUID], str],
) -> models.StandingsOut:
    """The standings answer built from a domain state instead of the view tables (time
    travel): the rows pass through the very conversions the views use
    (``ResultsProjection._standing_rows`` to write, ``ViewQueries._standing_row`` to read),
    so a past answer has exactly the live answer's shape and, at the head, its content
    (``organisation_name``/``_kk``: an organisation's Russian and Kazakh names)."""
    rows = []
    for values in ResultsProjection._standing_rows(competition, result):
        row = dict(zip(_STANDING_COLUMNS, values, strict=True))
        organisation_id = UUID(row["organisation_id"])
        row["organisation"] = organisation_name(organisation_id)
        row["organisation_kk"] = organisation_name_kk(organisation_id)
        rows.append(ViewQueries._standing_row(row))
    formula = competition.published_formula
    return models.StandingsOut(
        competition_id=competition.id,
        championship_id=competition.championship_id,
        status=str(competition.status),
        as_of_position=as_of_position,
        rows=rows,
        disputed=[
            models.DisputedOut(
                competitor_id=d.competitor_id,
                full_name=d.full_name,
                aspect_id=d.aspect_id,
                scores=list(d.scores),
            )
            for d in result.disputed
        ],
        progress=models.Progress(result.progress.entered, result.progress.expected),
        scaled_score_formula=formula[0] if formula else None,
        scaled_score_formula_version=formula[1] if formula else None,
    )
