"""Backup and restore: ``registry audit export`` then ``registry audit import`` moves the demo
history from SQLite to PostgreSQL and back to SQLite exactly — the same rows at the same
positions, the same seal-chain head hash, views rebuilt there equal to the original's — and
refuses what it must (a non-empty store, a broken or partial file) without writing anything."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import audit_feed as audit_feed_cli
from cli.main import main
from demo.history import load_demo
from projections.runner import rebuild
from projections.seal import GENESIS, canonical_bytes, next_hash
from projections.store import ViewStore
from registry.application import RegistryApplication
from store.settings import parse_database_url
from tests.conftest import DATABASES, drop_schema, postgres_schema_url
from tests.helpers import ORGANISER
from tests.projections.conftest import dump


def raw_rows(app: RegistryApplication) -> list[tuple[Any, ...]]:
    """Every stored row as the database holds it: position, id, version, topic, bytes."""
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state))
        for n in app.recorder.select_notifications(start=None, limit=10_000_000)
    ]


def head_hash(rows: list[tuple[Any, ...]]) -> str:
    chain = GENESIS
    for row in rows:
        chain = next_hash(chain, canonical_bytes(*row))
    return chain.hex()


def views_after_rebuild(app: RegistryApplication) -> dict[str, list[tuple]]:
    store = ViewStore(app.settings)
    try:
        rebuild(app, store)
        return dump(store)
    finally:
        store.close()


def cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["--lang", "en", "--database-url", url, "audit", *args])


def certificate_key_cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["--database-url", url, "certificate-key", *args])


def printed_hash(output: str) -> str:
    match = re.search(r"head hash:\s+([0-9a-f]{64})", output)
    assert match, output
    return match.group(1)


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Empty destination stores: a fresh SQLite file and (unless the run is SQLite-only) a
    fresh PostgreSQL schema, dropped afterwards."""
    urls = {"sqlite": f"sqlite:///{tmp_path}/restored.sqlite"}
    if "postgres" in DATABASES:
        urls["postgres"] = postgres_schema_url(f"t_{uuid.uuid4().hex[:16]}")
    yield urls
    if "postgres" in urls:
        drop_schema(parse_database_url(urls["postgres"]))


def test_the_demo_history_survives_sqlite_to_postgres_to_sqlite(tmp_path, stores, monkeypatch):
    # Small INSERT batches, so that a restore of the demo takes several of them.
    monkeypatch.setattr(audit_feed_cli, "IMPORT_BATCH", 97)
    source_url = f"sqlite:///{tmp_path}/source.sqlite"
    source = RegistryApplication(parse_database_url(source_url))
    try:
        load_demo(source)
        original = raw_rows(source)
        original_views = views_after_rebuild(source)
    finally:
        source.close()
    assert len(original) > 500
    backup = tmp_path / "backup.ndjson"
    exported = cli(source_url, "export", str(backup))
    assert exported.exit_code == 0, exported.output
    assert printed_hash(exported.output) == head_hash(original)
    assert not (tmp_path / "backup.ndjson.partial").exists()
    # The certificate key travels beside the events (never in the feed): without it a
    # restored store would make its own and every certificate code would change.
    key = tmp_path / "certificate.key"
    assert certificate_key_cli(source_url, "export", str(key)).exit_code == 0

    chain = [(source_url, backup)]
    # SQLite -> PostgreSQL -> SQLite (or SQLite -> SQLite on a SQLite-only run).
    for name in ("postgres", "sqlite"):
        if name not in stores:
            continue
        url = stores[name]
        imported = cli(url, "import", str(chain[-1][1]))
        assert imported.exit_code == 0, imported.output
        assert printed_hash(imported.output) == head_hash(original)
        installed = certificate_key_cli(url, "import", str(key))
        assert installed.exit_code == 0, installed.output
        restored = RegistryApplication(parse_database_url(url))
        try:
            assert raw_rows(restored) == original
            assert views_after_rebuild(restored) == original_views
            # The feed (and the export) read from the copy are the original's, byte for byte.
            again = tmp_path / f"from-{name}.ndjson"
            assert cli(url, "export", str(again)).exit_code == 0
            assert again.read_bytes() == backup.read_bytes()
            chain.append((url, again))
            # New events continue after the restored head, on both stores.
            head = original[-1][0]
            more = restored.register_organisation(
                actor=ORGANISER,
                name_ru="После восстановления",
                name_kk="Қалпына келтірілгеннен кейін",
                kind="college",
                region="VKO",
            )
            assert more.position == head + 1
        finally:
            restored.close()
    assert len(chain) == 1 + len(stores)


def test_import_refuses_a_store_that_is_not_empty(tmp_path, store_url):
    source_url = f"sqlite:///{tmp_path}/source.sqlite"
    source = RegistryApplication(parse_database_url(source_url))
    target = RegistryApplication(parse_database_url(store_url))
    try:
        load_demo(source)
        backup = tmp_path / "backup.ndjson"
        assert cli(source_url, "export", str(backup)).exit_code == 0
        target.register_organisation(
            actor=ORGANISER, name_ru="Уже есть", name_kk="Бар", kind="college", region="VKO"
        )
        before = raw_rows(target)
        refused = cli(store_url, "import", str(backup))
        assert refused.exit_code != 0
        assert "not empty" in refused.output and "Traceback" not in refused.output
        assert raw_rows(target) == before
        # Its own history again is refused too: it is not empty.
        assert cli(source_url, "import", str(backup)).exit_code != 0
    finally:
        source.close()
        target.close()


def test_a_broken_or_partial_file_writes_nothing(tmp_path, store_url):
    source_url = f"sqlite:///{tmp_path}/source.sqlite"
    source = RegistryApplication(parse_database_url(source_url))
    try:
        load_demo(source)
        head = source.head_position()
    finally:
        source.close()
    full, partial = tmp_path / "full.ndjson", tmp_path / "partial.ndjson"
    assert cli(source_url, "export", str(full)).exit_code == 0
    after = cli(source_url, "export", str(partial), "--after", str(head - 100))
    assert after.exit_code == 0, after.output
    lines = full.read_bytes().splitlines(keepends=True)
    assert partial.read_bytes() == b"".join(lines[-100:])  # exactly the lines after N

    broken = tmp_path / "broken.ndjson"
    broken.write_bytes(b"".join(lines[:600]) + b'{"position": "x"}\n' + b"".join(lines[600:]))
    shuffled = tmp_path / "shuffled.ndjson"
    shuffled.write_bytes(b"".join([lines[1], lines[0], *lines[2:]]))
    target = RegistryApplication(parse_database_url(store_url))
    try:
        for path, message in (
            (broken, "Line 601"),
            (partial, "not a whole history"),
            (shuffled, "does not follow"),
        ):
            refused = cli(store_url, "import", str(path))
            assert refused.exit_code != 0, path
            assert message in refused.output, refused.output
            assert raw_rows(target) == []  # one transaction: nothing of the first 600 lines
        assert cli(store_url, "import", str(full)).exit_code == 0
        assert target.head_position() == head
    finally:
        target.close()
