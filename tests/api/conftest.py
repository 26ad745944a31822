"""Fixtures of the API tests: the real Litestar app around the ``app`` fixture's registry
(SQLite AND PostgreSQL), an ``AsyncTestClient``, and a small world with a token per role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.server import build_app
from domain.ids import SYSTEM_ACTOR
from registry.application import RegistryApplication
from tests.helpers import World, build_world

#: The roles of the access matrix. ``chief`` and ``expert`` are the chief expert and an
#: expert of the world's competition; ``outsider`` is an expert of another competition.
ROLES = ("admin", "organiser", "chief", "expert", "outsider", "akimat", "auditor")


@dataclass
class Actors:
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, UUID] = field(default_factory=dict)

    def headers(self, role: str | None, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return headers


@dataclass
class Ctx:
    """A world (championship, competition in marking, a second competition in setup) with a
    token for every role."""

    registry: RegistryApplication
    world: World
    actors: Actors
    competition2: UUID
    extra: dict[str, Any] = field(default_factory=dict)

    def auth(self, role: str | None, **extra: str) -> dict[str, str]:
        return self.actors.headers(role, **extra)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_ctx(registry: RegistryApplication) -> Ctx:
    world = build_world(registry)
    a = SYSTEM_ACTOR
    actors = Actors()
    for role, name in (
        ("admin", "Администратор тестов"),
        ("organiser", "Организатор тестов"),
        ("akimat", "Акимат тестов"),
        ("auditor", "Аудитор тестов"),
    ):
        created = registry.create_account(actor=a, name=name, role=role)
        assert created.token
        actors.tokens[role], actors.ids[role] = created.token, created.id
    for role, key in (("chief", "chief"), ("expert", "e1")):
        rotated = registry.rotate_token(actor=a, account_id=world.experts[key])
        assert rotated.token
        actors.tokens[role], actors.ids[role] = rotated.token, rotated.id
    competition2 = registry.add_competition(
        actor=a,
        championship_id=world.championship,
        code="cooking",
        title_ru="Поварское дело",
        title_kk="Аспаздық іс",
        category="main",
    ).id
    outsider = registry.create_account(actor=a, name="Эксперт другой компетенции", role="expert")
    assert outsider.token
    registry.assign_expert(
        actor=a,
        competition_id=competition2,
        account_id=outsider.id,
        role="expert",
        organisation_id=world.orgs["kazzinc"],
    )
    actors.tokens["outsider"], actors.ids["outsider"] = outsider.token, outsider.id
    return Ctx(registry, world, actors, competition2)


@pytest.fixture
def api(app: RegistryApplication) -> Litestar:
    """The whole served app: commands, results (with the projector in-process), health."""
    return build_app(app, projector="in-process")


@pytest.fixture
async def client(api: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=api) as test_client:
        yield test_client


@pytest.fixture
def ctx(app: RegistryApplication) -> Ctx:
    return make_ctx(app)
