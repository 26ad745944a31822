"""The results views: championships, competitions, standings, medal tables, best of region,
participants' results (standings rows by competitor) and the reference data they name.

Competition state is the domain's own ``Competition`` aggregate, advanced event by event with
the events' own ``mutate``; standings come from ``domain.standings.standings`` and medal tables
from ``domain.scoring`` — the same functions the time-travel queries use, so the two can never
disagree. Aggregates are kept in a bounded LRU cache; on a miss the aggregate is rebuilt from
the event store at exactly the version the views have reached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple
from uuid import UUID

import msgspec

from domain import scoring
from domain.championship import Championship
from domain.competition import Competition
from domain.organisation import Organisation
from domain.participant import Participant
from domain.standings import Standings, standings
from domain.values import ChampionshipKind, CompetitionStatus, Medal
from projections.base import ViewProjection
from projections.moments import COLUMNS as CHECKPOINT_COLUMNS
from projections.moments import TABLE as CHECKPOINT_TABLE
from projections.moments import CheckpointWriter
from store.events import StoredNotification

_json = msgspec.json.Encoder(decimal_format="string")
_PUBLISHED = CompetitionStatus.PUBLISHED


def _dumps(value: Any) -> str:
    return _json.encode(value).decode()


#: the shares a parallel rebuild divides the competitions into, by their championship
SHARES = 1000


class Share(NamedTuple):
    """The part of the results views a parallel rebuild builds in one process: the
    competitions whose championship's share (``championship_id.int % SHARES``; random ids:
    evenly spread) is in ``low <= share < high`` — all of a championship's competitions are
    built in the same process, which computes its medal tables — and, with ``reference``,
    the organisations, participants and championships (one process builds those)."""

    low: int
    high: int
    reference: bool

    def holds(self, championship_id: UUID) -> bool:
        return self.low <= championship_id.int % SHARES < self.high


class ResultsProjection(ViewProjection):
    name = "results"
    EVENTS = (Competition.Event, Organisation.Created, Participant.Created, Championship.Created)
    CACHE_SIZE = 256
    #: a bulk load (rebuild) writes a competition when it leaves the cache: a smaller cache
    #: still holds every competition marked at the same time (a region's busiest day: 45;
    #: more than this many interleaved would reload them from the store) in less memory
    #: (at 1,000,000 events, 128 of them held about 25 MB more than 64 in a rebuild's
    #: worker, for the same CPU time)
    BULK_CACHE_SIZE = 64

    TABLES: ClassVar[dict[str, str]] = {
        "v_organisation": "id TEXT PRIMARY KEY, name_ru TEXT NOT NULL, name_kk TEXT NOT NULL, "
        "kind TEXT NOT NULL, region TEXT NOT NULL",
        "v_participant": "id TEXT PRIMARY KEY, full_name TEXT NOT NULL, "
        "organisation_id TEXT NOT NULL, birth_date TEXT, disability TEXT",
        "v_championship": "id TEXT PRIMARY KEY, kind TEXT NOT NULL, level TEXT NOT NULL, "
        "year INTEGER NOT NULL, region TEXT NOT NULL, title_ru TEXT NOT NULL, "
        "title_kk TEXT NOT NULL, title_en TEXT, starts_on TEXT NOT NULL, ends_on TEXT NOT NULL, "
        "tie_tolerance TEXT NOT NULL, min_competitors INTEGER NOT NULL, version INTEGER NOT NULL",
        "v_competition": "id TEXT PRIMARY KEY, championship_id TEXT NOT NULL, "
        "created_at BIGINT NOT NULL, code TEXT NOT NULL, title_ru TEXT NOT NULL, "
        "title_kk TEXT NOT NULL, category TEXT NOT NULL, kind TEXT NOT NULL, "
        "level TEXT NOT NULL, status TEXT NOT NULL, scheme TEXT NOT NULL, "
        "entrants TEXT NOT NULL, experts TEXT NOT NULL, marks_entered INTEGER NOT NULL, "
        "marks_expected INTEGER NOT NULL, disputed TEXT NOT NULL, formula TEXT, "
        "formula_version INTEGER, version INTEGER NOT NULL, position BIGINT NOT NULL",
        "v_standing": "competition_id TEXT NOT NULL, competitor_id TEXT NOT NULL, "
        "ord INTEGER NOT NULL, rank INTEGER NOT NULL, full_name TEXT NOT NULL, "
        "organisation_id TEXT NOT NULL, region TEXT NOT NULL, total TEXT NOT NULL, "
        "scaled_score INTEGER, medal TEXT, medallion INTEGER NOT NULL, criteria TEXT NOT NULL, "
        "PRIMARY KEY (competition_id, competitor_id)",
        "v_medal_org": "championship_id TEXT NOT NULL, organisation_id TEXT NOT NULL, "
        "ord INTEGER NOT NULL, gold INTEGER NOT NULL, silver INTEGER NOT NULL, "
        "bronze INTEGER NOT NULL, medallions INTEGER NOT NULL, points INTEGER NOT NULL, "
        "PRIMARY KEY (championship_id, organisation_id)",
        "v_medal_region": "championship_id TEXT NOT NULL, region TEXT NOT NULL, "
        "ord INTEGER NOT NULL, gold INTEGER NOT NULL, silver INTEGER NOT NULL, "
        "bronze INTEGER NOT NULL, medallions INTEGER NOT NULL, points INTEGER NOT NULL, "
        "PRIMARY KEY (championship_id, region)",
        "v_best": "championship_id TEXT NOT NULL, region TEXT NOT NULL, "
        "competitor_id TEXT NOT NULL, ord INTEGER NOT NULL, full_name TEXT NOT NULL, "
        "score TEXT NOT NULL, PRIMARY KEY (championship_id, region, competitor_id)",
        # every few hundred versions of a competition, its state (time travel)
        CHECKPOINT_TABLE: CHECKPOINT_COLUMNS,
    }
    INDEXES: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("by_championship", "v_competition", "championship_id, created_at"),
        ("by_competitor", "v_standing", "competitor_id"),
    )

    def setup(self) -> None:
        #: the competitions by aggregate key (text: its hash is computed once; a UUID's is
        #: computed at every lookup, several times per event)
        self.competitions: OrderedDict[str, Competition] = OrderedDict()
        self.created_at: dict[UUID, int] = {}
        #: championship -> competition -> (medal inputs, best-of-region inputs) of its
        #: published standings; loaded from the views on first use after a restart
        self.published: dict[UUID, dict[UUID, tuple[list, list]]] = {}
        #: competition -> (last position, version) applied and not yet written
        self.dirty: dict[str, tuple[int, int]] = {}
        self.medals_dirty: set[UUID] = set()
        #: bulk mode: competitions evicted from the cache while dirty, to write next
        self.flush_queue: list[tuple[Competition, int]] = []
        #: told, after each commit, which competitions' rows were rewritten and at which
        #: position (``api.results.ReadSide`` serves standings from memory with it)
        self.listeners: list[Callable[[dict[UUID, int]], None]] = []
        self._written: dict[UUID, int] = {}
        self.checkpoints = CheckpointWriter(self)
        #: a rebuild's certificates view, told of every competition event with the
        #: competition after it (:meth:`CertificatesProjection.follow`): one replay for both
        self.feed: Callable[[int, Any, Competition], None] | None = None
        #: competition -> (version, standings) computed for the fed view at that version
        #: and not yet written here (:meth:`standings_of`)
        self._standings: dict[UUID, tuple[int, Standings]] = {}
        #: a bulk load of a share of the views (:class:`Share`; None: all of them), and the
        #: competitions in it (their aggregate keys)
        self.share: Share | None = None
        self.owned: set[str] = set()

    def clear_pending(self) -> None:
        self.checkpoints.clear()
        self.organisations: dict[UUID, tuple] = {}
        self.participants: dict[UUID, tuple] = {}
        self.championships: dict[UUID, tuple] = {}

    def reset_cache(self) -> None:
        self.competitions.clear()
        self.created_at.clear()
        self.published.clear()
        self.dirty.clear()
        self.medals_dirty.clear()
        self.flush_queue.clear()
        self._standings.clear()

    # ------------------------------------------------------------------ apply

    def takes(self, cls: type) -> bool | None:
        """A share: the reference data if they are the share's; the competitions' events
        one by one (:meth:`wants`)."""
        share = self.share
        if share is None or not issubclass(cls, self.EVENTS):
            return super().takes(cls)
        return None if issubclass(cls, Competition.Event) else share.reference

    def wants(self, notification: StoredNotification, cls: type) -> bool:
        """A share: the events of the competitions in it. A competition's creation names
        its championship: it is decoded here already (the projector decodes a whole batch
        before any view applies it, and the competition's next events may be in it)."""
        key = notification.aggregate_key
        if key in self.owned:
            return True
        if self.share is None or not issubclass(cls, Competition.Created):
            return False
        try:
            created = self.source.mapper.to_domain_event(notification)
        except Exception:
            return True  # the projector's own decoding fails, and says where
        if self.share.holds(created.championship_id):
            self.owned.add(key)
            return True
        return False

    def _in_share(self, notification: StoredNotification, event: Any) -> bool:
        assert self.share is not None
        if isinstance(event, Competition.Created):
            if not self.share.holds(event.championship_id):
                return False
            self.owned.add(notification.aggregate_key)
            return True
        return notification.aggregate_key in self.owned

    def _competition(self, key: str, event: Any) -> Competition:
        # Rebuilt from the store at exactly the version the views have reached.
        competition = self.source.repository.get(
            event.originator_id, version=event.originator_version - 1
        )
        self._remember(key, competition)
        return competition

    def _remember(self, key: str, competition: Competition) -> None:
        self.competitions[key] = competition
        if len(self.competitions) > (self.BULK_CACHE_SIZE if self.bulk else self.CACHE_SIZE):
            evicted_key, evicted = self.competitions.popitem(last=False)
            if self.bulk and evicted_key in self.dirty:
                position, _ = self.dirty.pop(evicted_key)
                self.flush_queue.append((evicted, position))

    def apply(self, notification: StoredNotification, event: Any) -> None:
        share = self.share
        if isinstance(event, Competition.Event):
            if share is not None and not self._in_share(notification, event):
                return
            key = notification.aggregate_key
            if isinstance(event, Competition.Created):
                competition = event.mutate(None)
                self._remember(key, competition)
                self.created_at[event.originator_id] = notification.id
            else:
                competition = self.competitions.get(key)
                if competition is None:
                    competition = self._competition(key, event)
                else:
                    self.competitions.move_to_end(key)
                event.mutate(competition)
            self.checkpoints.applied(notification, event, competition)
            if self.feed is not None:
                self.feed(notification.id, event, competition)
            # the event's id and version are the aggregate's now (``mutate`` checked them)
            self.dirty[key] = (notification.id, event.originator_version)
            if competition.status is _PUBLISHED:
                self.medals_dirty.add(competition.championship_id)
        elif share is not None and not share.reference:
            return  # the reference data are another share's
        elif isinstance(event, Organisation.Created):
            self.organisations[event.originator_id] = (
                str(event.originator_id),
                event.name_ru,
                event.name_kk,
                str(event.kind),
                event.region,
            )
        elif isinstance(event, Participant.Created):
            # The birth date and the disability are never copied into a view (issue 13):
            # they are read through the application, which opens them with the person's
            # key and honours an erasure. The columns stay for the tables' shape.
            self.participants[event.originator_id] = (
                str(event.originator_id),
                event.full_name,
                str(event.organisation_id),
                None,
                None,
            )
        elif isinstance(event, Championship.Created):
            self.championships[event.originator_id] = (
                str(event.originator_id),
                str(event.kind),
                str(event.level),
                event.year,
                event.region,
                event.title_ru,
                event.title_kk,
                event.title_en,
                event.starts_on.isoformat(),
                event.ends_on.isoformat(),
                str(event.tie_tolerance),
                event.min_competitors_for_medals,
                event.originator_version,
            )
        # Other events (accounts, CompetitionAdded) change no result view.

    # ------------------------------------------------------------------ write

    def write(self, cursor: Any) -> None:
        store = self.store
        self.checkpoints.write(cursor)
        store.executemany(
            cursor,
            f"INSERT INTO {self.t('v_organisation')} VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            list(self.organisations.values()),
        )
        store.executemany(
            cursor,
            f"INSERT INTO {self.t('v_participant')} VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            list(self.participants.values()),
        )
        store.executemany(
            cursor,
            f"INSERT INTO {self.t('v_championship')} VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            list(self.championships.values()),
        )
        if self.bulk:
            # A bulk load (rebuild aside) is invisible until it is swapped in and restarts
            # from zero if interrupted, so standings are computed once per competition: when
            # it leaves the cache, and for the rest in finish().
            queue, self.flush_queue = self.flush_queue, []
            self._write_competitions(cursor, queue)
            return
        queue = []
        for key, (position, version) in self.dirty.items():
            competition = self.competitions.get(key)
            if competition is None or competition.version != version:
                # Evicted within the batch: rebuild it at the version this batch reached.
                competition = self.source.repository.get(UUID(key), version=version)
            queue.append((competition, position))
        self.dirty.clear()
        self._write_competitions(cursor, queue)
        self._written = {competition.id: position for competition, position in queue}
        medals, self.medals_dirty = self.medals_dirty, set()
        for championship_id in medals:
            self._write_medals(cursor, championship_id)

    def committed(self) -> None:
        written, self._written = self._written, {}
        if written:
            for listener in self.listeners:
                listener(written)

    def finish(self) -> None:
        """Bulk mode: write what was deferred (a position that is already tracked)."""
        queue = [(self.competitions[c], position) for c, (position, _) in self.dirty.items()]
        queue += self.flush_queue
        with self.store.transaction(commit=True) as cursor:
            self._write_competitions(cursor, queue)
            for championship_id in self.medals_dirty:
                self._write_medals(cursor, championship_id)
        self.dirty.clear()
        self.flush_queue.clear()
        self.medals_dirty.clear()

    def _write_competitions(self, cursor: Any, queue: list[tuple[Competition, int]]) -> None:
        store = self.store
        competition_rows, standing_rows, stale = [], [], []
        computed = self._standings
        for competition, position in queue:
            known = computed.pop(competition.id, None) if computed else None
            result = (
                known[1] if known and known[0] == competition.version else standings(competition)
            )
            competition_rows.append(self._competition_row(competition, result, position))
            stale.append((str(competition.id),))
            standing_rows.extend(self._standing_rows(competition, result))
            if competition.status is CompetitionStatus.PUBLISHED:
                published = self._published(cursor, competition.championship_id)
                published[competition.id] = self._medal_inputs(competition.kind, result.rows)
        store.executemany(cursor, f"DELETE FROM {self.t('v_competition')} WHERE id = ?", stale)
        store.insert(cursor, self.t("v_competition"), competition_rows)
        store.executemany(
            cursor, f"DELETE FROM {self.t('v_standing')} WHERE competition_id = ?", stale
        )
        store.insert(cursor, self.t("v_standing"), standing_rows)

    def standings_of(self, competition: Competition) -> Standings:
        """The standings of a competition of this replay (for the view it feeds), kept
        until the competition is written here at the same version, so they are computed
        once (a competition is most often written just after its publication)."""
        result = standings(competition)
        self._standings[competition.id] = (competition.version, result)
        return result

    def _created_at(self, competition: Competition) -> int:
        created = self.created_at.get(competition.id)
        if created is None:
            row = self.store.fetchone(
                f"SELECT created_at FROM {self.t('v_competition')} WHERE id = ?",
                (str(competition.id),),
            )
            created = int(row["created_at"]) if row else 0
            self.created_at[competition.id] = created
        return created

    def _competition_row(self, competition: Competition, result: Standings, position: int) -> tuple:
        formula = competition.published_formula
        signed_off = competition.signed_off
        return (
            str(competition.id),
            str(competition.championship_id),
            self._created_at(competition),
            competition.code,
            competition.title_ru,
            competition.title_kk,
            str(competition.category),
            str(competition.kind),
            str(competition.level),
            str(competition.status),
            _dumps(list(competition.scheme)),
            _dumps(list(competition.entrants.values())),
            _dumps(
                [
                    {**msgspec.structs.asdict(e), "signed_off": e.account_id in signed_off}
                    for e in competition.experts.values()
                ]
            ),
            result.progress.entered,
            result.progress.expected,
            _dumps(list(result.disputed)),
            formula[0] if formula else None,
            formula[1] if formula else None,
            competition.version,
            position,
        )

    @staticmethod
    def _standing_rows(competition: Competition, result: Standings) -> list[tuple]:
        rows = []
        for order, row in enumerate(result.rows):
            rows.append(
                (
                    str(competition.id),
                    str(row.competitor_id),
                    order,
                    row.rank,
                    row.full_name,
                    str(row.organisation_id),
                    row.region,
                    str(row.total),
                    row.scaled_score,
                    str(row.medal) if row.medal else None,
                    1 if row.medallion else 0,
                    _dumps(row.criteria),
                )
            )
        return rows

    @staticmethod
    def _medal_inputs(kind: str, rows: Any) -> tuple[list, list]:
        worldskills = kind == ChampionshipKind.WORLDSKILLS
        medals = [
            scoring.MedalInput(
                organisation_id=row.organisation_id,
                region=row.region,
                medal=row.medal,
                medallion=row.medallion,
            )
            for row in rows
        ]
        best = [
            scoring.BestInput(
                region=row.region,
                competitor_id=row.competitor_id,
                full_name=row.full_name,
                score=Decimal(row.scaled_score) if worldskills else row.total,
            )
            for row in rows
        ]
        return medals, best

    def _published(self, cursor: Any, championship_id: UUID) -> dict[UUID, tuple[list, list]]:
        """The published standings of a championship (from the views after a restart)."""
        published = self.published.get(championship_id)
        if published is not None:
            return published
        published = self.published[championship_id] = {}
        if self.bulk:
            return published  # a bulk load starts from empty tables: nothing to read
        self.store.execute(
            cursor,
            f"SELECT s.competition_id, s.organisation_id, s.region, s.medal, s.medallion, "
            f"s.competitor_id, s.full_name, s.total, s.scaled_score, c.kind "
            f"FROM {self.t('v_standing')} s JOIN {self.t('v_competition')} c "
            "ON c.id = s.competition_id WHERE c.championship_id = ? AND c.status = 'published'",
            (str(championship_id),),
        )
        by_competition: dict[UUID, tuple[str, list[scoring.ResultRow]]] = {}
        for row in cursor.fetchall():
            kind, rows = by_competition.setdefault(UUID(row["competition_id"]), (row["kind"], []))
            rows.append(
                scoring.ResultRow(
                    rank=0,  # not needed for medal tables
                    competitor_id=UUID(row["competitor_id"]),
                    full_name=row["full_name"],
                    organisation_id=UUID(row["organisation_id"]),
                    region=row["region"],
                    total=Decimal(row["total"]),
                    scaled_score=row["scaled_score"],
                    medal=Medal(row["medal"]) if row["medal"] else None,
                    medallion=bool(row["medallion"]),
                    criteria={},
                )
            )
        for competition_id, (kind, rows) in by_competition.items():
            published[competition_id] = self._medal_inputs(kind, rows)
        return published

    def _write_medals(self, cursor: Any, championship_id: UUID) -> None:
        store = self.store
        published = self._published(cursor, championship_id)
        medal_inputs = [m for medals, _ in published.values() for m in medals]
        best_inputs = [b for _, best in published.values() for b in best]
        key = (str(championship_id),)
        for table in ("v_medal_org", "v_medal_region", "v_best"):
            store.execute(cursor, f"DELETE FROM {self.t(table)} WHERE championship_id = ?", key)

        def counts(c: scoring.MedalCount) -> tuple[int, ...]:
            return (c.gold, c.silver, c.bronze, c.medallions, c.points)

        store.executemany(
            cursor,
            f"INSERT INTO {self.t('v_medal_org')} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (*key, c.key, order, *counts(c))
                for order, c in enumerate(scoring.medal_table_by_organisation(medal_inputs))
            ],
        )
        store.executemany(
            cursor,
            f"INSERT INTO {self.t('v_medal_region')} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (*key, c.key, order, *counts(c))
                for order, c in enumerate(scoring.medal_table_by_region(medal_inputs))
            ],
        )
        store.executemany(
            cursor,
            f"INSERT INTO {self.t('v_best')} VALUES (?, ?, ?, ?, ?, ?)",
            [
                (*key, b.region, str(b.competitor_id), order, b.full_name, str(b.score))
                for order, b in enumerate(scoring.best_of_region(best_inputs))
            ],
        )
