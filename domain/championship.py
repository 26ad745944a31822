"""The championship aggregate: one championship of a kind, level, year and region, whose
competitions it creates (``add_competition``); the tie tolerance and the medal threshold it
sets are copied into each competition."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.competition import Competition
from domain.errors import DomainError
from domain.events import (
    RegistryEvent,
    checked_optional_text,
    checked_region,
    checked_text,
    checked_year,
    copy_fields,
    same_fields,
)
from domain.values import CATEGORIES_BY_KIND, Category, ChampionshipKind, Level, parse_mark

#: what a championship is created with beyond its natural key, which a repeated create must match
_SETTINGS = (
    "title_ru",
    "title_kk",
    "title_en",
    "starts_on",
    "ends_on",
    "tie_tolerance",
    "min_competitors_for_medals",
)

#: what each of its competitions takes from the championship, under the same names
_INHERITED = ("kind", "level", "region", "tie_tolerance", "min_competitors_for_medals")


class Championship(Aggregate):
    TOPIC = "registry.Championship"

    class Event(RegistryEvent):
        TOPIC = "registry.Championship.Event"

    class Created(Event, Aggregate.Created):
        """Version 2 added the optional English title (``title_en``); events stored in the
        version 1 shape are upcast with ``title_en = None``."""

        TOPIC = "registry.Championship.Created"
        class_version = 2
        kind: ChampionshipKind
        level: Level
        year: int
        region: str
        title_ru: str
        title_kk: str
        title_en: str | None
        starts_on: date
        ends_on: date
        tie_tolerance: Decimal
        min_competitors_for_medals: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["title_en"] = None

        def apply(self, aggregate: Any) -> None:
            copy_fields(self, aggregate)
            aggregate.competition_ids = ()

    class CompetitionAdded(Event):
        TOPIC = "registry.Championship.CompetitionAdded"
        competition_id: UUID
        code: str
        category: Category

        def apply(self, aggregate: Any) -> None:
            aggregate.competition_ids = (*aggregate.competition_ids, self.competition_id)

    if TYPE_CHECKING:  # state set by the events; not dataclass fields
        kind: ChampionshipKind
        level: Level
        year: int
        region: str
        title_ru: str
        title_kk: str
        title_en: str | None
        starts_on: date
        ends_on: date
        tie_tolerance: Decimal
        min_competitors_for_medals: int
        competition_ids: tuple[UUID, ...]

    @classmethod
    def create(
        cls,
        *,
        actor: UUID,
        kind: ChampionshipKind | str,
        level: Level | str,
        year: int,
        region: str,
        title_ru: str,
        title_kk: str,
        starts_on: date,
        ends_on: date,
        title_en: str | None = None,
        tie_tolerance: Decimal | str = Decimal("0.00"),
        min_competitors_for_medals: int = 3,
        at: datetime | None = None,
    ) -> Championship:
        kind = ChampionshipKind(kind)
        level = Level(level)
        region = checked_region(region)
        year = checked_year(year)
        if ends_on < starts_on:
            raise DomainError("invalid-input", "ends_on: before starts_on")
        if starts_on.year != year:
            raise DomainError(
                "invalid-input",
                "starts_on: not in the championship's year %(year)s",
                params={"year": year},
            )
        tolerance = parse_mark(tie_tolerance, field="tie_tolerance")
        if not Decimal("0.00") <= tolerance <= Decimal("10.00"):
            raise DomainError("out-of-range", "tie_tolerance: expected 0.00 to 10.00")
        if not 1 <= min_competitors_for_medals <= 100:
            raise DomainError("out-of-range", "min_competitors_for_medals: expected 1 to 100")
        return cls._create(
            cls.Created,
            id=ids.championship_id(kind, level, year, region),
            actor=actor,
            kind=kind,
            level=level,
            year=year,
            region=region,
            title_ru=checked_text(title_ru, "title_ru"),
            title_kk=checked_text(title_kk, "title_kk"),
            title_en=checked_optional_text(title_en, "title_en"),
            starts_on=starts_on,
            ends_on=ends_on,
            tie_tolerance=tolerance,
            min_competitors_for_medals=min_competitors_for_medals,
            timestamp=at,
        )

    def same_as(self, other: Championship) -> bool:
        return same_fields(self, other, _SETTINGS)

    def add_competition(
        self,
        *,
        actor: UUID,
        code: str,
        title_ru: str,
        title_kk: str,
        category: Category,
        at: datetime | None = None,
    ) -> Competition:
        """Create a competition of this championship (both aggregates are saved together)."""
        category = Category(category)
        if category not in CATEGORIES_BY_KIND[self.kind]:
            allowed = ", ".join(sorted(CATEGORIES_BY_KIND[self.kind]))
            raise DomainError(
                "invalid-input",
                "category: %(kind)s competitions are one of: %(allowed)s",
                params={"kind": str(self.kind), "allowed": allowed},
            )
        code = code.strip().lower()
        if not code or len(code) > 64 or not code.replace("-", "").replace("_", "").isalnum():
            raise DomainError(
                "invalid-input", "code: expected 1-64 letters, digits, '-' or '_', e.g. 'welding'"
            )
        competition = Competition._create(
            Competition.Created,
            id=ids.competition_id(self.id, code, category),
            actor=actor,
            championship_id=self.id,
            code=code,
            title_ru=checked_text(title_ru, "title_ru"),
            title_kk=checked_text(title_kk, "title_kk"),
            category=category,
            timestamp=at,
            **{name: getattr(self, name) for name in _INHERITED},
        )
        self.trigger_event(
            self.CompetitionAdded,
            actor=actor,
            competition_id=competition.id,
            code=code,
            category=category,
            timestamp=at,
        )
        return competition
