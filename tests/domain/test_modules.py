"""One module per aggregate (DESIGN.md): each aggregate's event classes keep their explicit
topics wherever the code lives, the topics resolve to those classes, and ``domain.aggregates``
lists every one of them."""

from __future__ import annotations

import importlib

import pytest
from eventsourcing.utils import resolve_topic

from domain.aggregates import AGGREGATES

MODULES = {
    "Organisation": "domain.organisation",
    "Participant": "domain.participant",
    "Account": "domain.account",
    "Championship": "domain.championship",
    "Competition": "domain.competition",
    "PrizeProgramme": "domain.prize_programme",
    "SpreadsheetImport": "domain.imports",
}


def event_classes(aggregate: type) -> list[type]:
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and getattr(value, "TOPIC", None) and name != "Event"
    ]


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.__name__)
def test_each_aggregate_lives_in_its_module_and_keeps_its_topics(aggregate):
    name = aggregate.__name__
    assert aggregate.__module__ == MODULES[name]
    assert getattr(importlib.import_module(MODULES[name]), name) is aggregate
    assert f"registry.{name}" == aggregate.TOPIC
    assert resolve_topic(aggregate.TOPIC) is aggregate
    events = event_classes(aggregate)
    assert events
    for cls in events:
        assert f"registry.{name}.{cls.__name__}" == cls.TOPIC
        assert resolve_topic(cls.TOPIC) is cls


def test_the_list_names_every_aggregate_once():
    assert sorted(a.__name__ for a in AGGREGATES) == sorted(MODULES)
