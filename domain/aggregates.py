"""The list of every aggregate; each lives in a module of its own (``organisation``,
``participant``, ``account``, ``championship``, ``competition``, ``prize_programme``,
``imports``; their shared base event in ``events``).

Importing this module defines every aggregate class and so registers every explicit topic
(``registry.<Aggregate>.<Event>``) with the library, which is what lets the store resolve a
stored event of any aggregate (``store.mapper`` imports it for that). Import an aggregate from
its own module.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from domain.account import Account
from domain.championship import Championship
from domain.competition import Competition
from domain.imports import SpreadsheetImport
from domain.organisation import Organisation
from domain.participant import Participant
from domain.prize_programme import PrizeProgramme

#: Every aggregate class, for registries of topics and fixtures.
AGGREGATES: tuple[type[Aggregate], ...] = (
    Organisation,
    Participant,
    Account,
    Championship,
    Competition,
    PrizeProgramme,
    SpreadsheetImport,
)
