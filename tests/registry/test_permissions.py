"""Owner-only files (issue 13, point 14): the SQLite store, its ``-wal``/``-shm`` files, the
views' file and theirs are 0600 and the folders the registry makes 0700, whatever the umask;
so are the demo tokens file and its folder. (A PostgreSQL store has no files of ours.)"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.tokens import DemoToken, write_tokens
from domain.ids import SYSTEM_ACTOR
from projections.runner import Projector
from projections.store import ViewStore
from registry.application import RegistryApplication
from store.settings import parse_database_url


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_the_store_and_its_folders_are_owner_only(tmp_path, umask):
    store = tmp_path / "var" / "deep" / "registry.sqlite"
    app = RegistryApplication(parse_database_url(f"sqlite:///{store}"))
    views = ViewStore(app.settings)
    try:
        app.register_organisation(
            actor=SYSTEM_ACTOR, name_ru="Колледж", name_kk="Колледж", kind="college", region="VKO"
        )
        Projector(app, views).catch_up()
        files = sorted(p for p in store.parent.iterdir() if p.is_file())
        names = {p.name for p in files}
        assert {"registry.sqlite", "registry.sqlite-wal", "registry.views.sqlite"} <= names
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(tmp_path / "var") == mode(store.parent) == 0o700
    finally:
        views.close()
        app.close()


def test_an_existing_laxer_store_is_tightened_and_a_shared_folder_left_alone(tmp_path, umask):
    tmp_path.chmod(0o755)
    store = tmp_path / "registry.sqlite"
    app = RegistryApplication(parse_database_url(f"sqlite:///{store}"))
    app.close()
    store.chmod(0o644)
    RegistryApplication(parse_database_url(f"sqlite:///{store}")).close()
    assert mode(store) == 0o600 and mode(tmp_path) == 0o755


def test_the_demo_tokens_file_and_its_folder_are_owner_only(tmp_path, umask):
    path = tmp_path / "var" / "demo-tokens.txt"
    token = DemoToken("admin", "Админ", SYSTEM_ACTOR, "secret-token", "")
    write_tokens(path, [token], "SQLite file x")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
