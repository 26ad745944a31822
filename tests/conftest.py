"""Shared fixtures: every store-backed test runs against SQLite AND the real PostgreSQL.

``REGISTRY_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``) names
the server; each test gets its own schema, dropped afterwards. PostgreSQL being unreachable is
a failure, never a skip: set ``REGISTRY_TEST_DATABASES=sqlite`` to run deliberately without it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from registry.application import RegistryApplication
from store.settings import Settings, parse_database_url

POSTGRES_URL = os.environ.get(
    "REGISTRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# Web sessions and the CSRF secret of the apps built by tests (PostgreSQL ones would otherwise
# use var/web in the working directory).
os.environ.setdefault("REGISTRY_WEB_DIR", tempfile.mkdtemp(prefix="registry-test-web-"))

DATABASES = [
    name.strip()
    for name in os.environ.get("REGISTRY_TEST_DATABASES", "sqlite,postgres").split(",")
    if name.strip()
]


def pytest_sessionstart(session: pytest.Session) -> None:
    unknown = set(DATABASES) - {"sqlite", "postgres"}
    if unknown:
        pytest.exit(f"REGISTRY_TEST_DATABASES: unknown store(s) {sorted(unknown)}", returncode=4)
    if "postgres" in DATABASES:
        settings = parse_database_url(POSTGRES_URL)
        try:
            with psycopg.connect(settings.pg_conninfo(), connect_timeout=5) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError as error:
            pytest.exit(
                f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}\n"
                "Start it, point REGISTRY_TEST_POSTGRES_URL at a server, or set "
                "REGISTRY_TEST_DATABASES=sqlite to run without it.",
                returncode=3,
            )


def postgres_schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}schema={schema}"


def drop_schema(settings: Settings) -> None:
    with psycopg.connect(settings.pg_conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(settings.pg_schema))
        )


@pytest.fixture(params=DATABASES)
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty store: a SQLite file or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store')}/registry.sqlite"
        return
    url = postgres_schema_url(f"t_{uuid.uuid4().hex[:16]}")
    yield url
    drop_schema(parse_database_url(url))


@pytest.fixture
def settings(store_url: str) -> Settings:
    return parse_database_url(store_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[RegistryApplication]:
    application = RegistryApplication(settings)
    yield application
    application.close()
