"""``registry certificate-key export|import`` on real stores (SQLite and PostgreSQL): the key
that makes certificate codes travels with a backup into a restored store, never silently
replacing another one; messages in Russian and Kazakh, exit 1 on a refusal with nothing
changed."""

from __future__ import annotations

import stat
import uuid
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from cli import main as cli
from registry.application import RegistryApplication
from store.certificate_key import certificate_key
from store.events import datastore_of
from store.settings import parse_database_url
from tests.conftest import drop_schema, postgres_schema_url


def run(store_url: str, *args: str):
    return CliRunner().invoke(
        cli.main, ["--database-url", store_url, "certificate-key", *args], catch_exceptions=False
    )


@pytest.fixture
def other_stores(store_url, tmp_path) -> Iterator[list[RegistryApplication]]:
    """Two more fresh stores of the same kind as ``store_url``."""
    urls = (
        [f"sqlite:///{tmp_path}/restored-{n}.sqlite" for n in range(2)]
        if store_url.startswith("sqlite")
        else [postgres_schema_url(f"t_{uuid.uuid4().hex[:16]}") for _ in range(2)]
    )
    apps = [RegistryApplication(parse_database_url(url)) for url in urls]
    yield apps
    for application in apps:
        application.close()
    for url in urls:
        if not url.startswith("sqlite"):
            drop_schema(parse_database_url(url))


def key_of(application: RegistryApplication) -> bytes:
    return certificate_key(application.settings, datastore_of(application))


def url_of(application: RegistryApplication) -> str:
    return application.settings.database_url


def test_the_key_travels_with_a_backup_and_never_replaces_another_silently(
    app, store_url, other_stores, tmp_path
):
    original = key_of(app)
    file = tmp_path / "certificate.key"

    written = run(store_url, "export", str(file), "--lang", "ru")
    assert written.exit_code == 0, written.output
    assert "Ключ сертификатов записан" in written.stdout
    assert bytes.fromhex(file.read_text()) == original
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    again = run(store_url, "export", str(file), "--lang", "kk")
    assert again.exit_code == 1 and "бұрыннан бар" in again.output

    restored, used = other_stores
    installed = run(url_of(restored), "import", str(file), "--lang", "ru")
    assert installed.exit_code == 0, installed.output
    assert "Ключ сертификатов установлен" in installed.stdout
    assert key_of(restored) == original
    repeat = run(url_of(restored), "import", str(file), "--lang", "ru")
    assert repeat.exit_code == 0 and "ничего не изменено" in repeat.stdout

    own = key_of(used)  # a store that made its own key when its views were built
    assert own != original
    refused = run(url_of(used), "import", str(file), "--lang", "ru")
    assert refused.exit_code == 1
    assert "уже есть другой ключ" in refused.output and "--replace" in refused.output
    assert key_of(used) == own
    replaced = run(url_of(used), "import", str(file), "--replace", "--lang", "kk")
    assert replaced.exit_code == 0, replaced.output
    assert "registry rebuild" in replaced.stdout
    assert key_of(used) == original


def test_a_file_that_is_not_a_key_is_refused_and_changes_nothing(app, store_url, tmp_path):
    before = key_of(app)
    for content in ("not a key", "ab" * 31, "zz" * 32):
        file = tmp_path / "bad.key"
        file.write_text(content)
        refused = run(store_url, "import", str(file), "--lang", "kk")
        assert refused.exit_code == 1
        assert "сертификат кілті емес" in refused.output
    missing = run(store_url, "import", str(tmp_path / "absent.key"), "--lang", "ru")
    assert missing.exit_code == 1 and "Не удаётся прочитать" in missing.output
    assert key_of(app) == before
