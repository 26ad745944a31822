"""REGISTRY_DATABASE_URL is turned into the library's settings in one place."""

from __future__ import annotations

import pytest

from store.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings, parse_database_url


def test_default_is_an_sqlite_file_under_var(monkeypatch):
    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.backend == "sqlite" and settings.sqlite_path == "var/registry.sqlite"
    env = settings.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == "var/registry.sqlite"
    assert env["MAPPER_TOPIC"] == "store.mapper:MsgspecMapper"


def test_absolute_sqlite_path():
    assert parse_database_url("sqlite:////srv/r.sqlite").sqlite_path == "/srv/r.sqlite"


def test_postgres_url_with_schema_and_password():
    settings = parse_database_url("postgresql://reg:p%40ss@db.local:6543/registry?schema=vko_2025")
    env = settings.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.local",
        "6543",
        "registry",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("reg", "p@ss")
    assert env["POSTGRES_SCHEMA"] == "vko_2025"
    assert env["POSTGRES_ENABLE_DB_FUNCTIONS"] == "n"  # never: followers could skip events
    assert "p@ss" not in settings.describe()


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u@h/db",
        "sqlite:///",
        "sqlite:///:memory:",
        "postgresql://u@h:5432/",
        "postgresql://u@h:port/db",
        "postgresql://u@h/db?schema=Robert'); DROP TABLE x;--",
    ],
)
def test_bad_urls_are_refused_with_a_message(url):
    with pytest.raises(SettingsError) as info:
        parse_database_url(url)
    assert "REGISTRY_DATABASE_URL" in str(info.value)
