"""``registry accounts ...`` and ``registry serve`` (in-process with click's runner)."""

from __future__ import annotations

import stat
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner

from api.limits import LimitedHttpToolsProtocol
from cli import main as cli
from demo.tokens import read_tokens, wanted_accounts
from registry.application import RegistryApplication
from store.settings import parse_database_url


def invoke(url: str, *args: str):
    """The command in English (its texts in ru and kk: tests/registry/test_cli_languages.py)."""
    return CliRunner().invoke(
        cli.main, ["--lang", "en", "--database-url", url, *args], catch_exceptions=False
    )


@pytest.mark.parametrize(
    "command",
    [
        ["accounts"],
        ["accounts", "create"],
        ["accounts", "rotate"],
        ["accounts", "revoke"],
        ["serve"],
    ],
)
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli.main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def _field(output: str, name: str) -> str:
    return next(
        line.split(":", 1)[1].strip() for line in output.splitlines() if line.startswith(name)
    )


def test_accounts_create_rotate_revoke(store_url):
    created = invoke(
        store_url, "accounts", "create", "--name", "Первый администратор", "--role", "admin"
    )
    assert created.exit_code == 0, created.output
    account, token = UUID(_field(created.output, "account")), _field(created.output, "token")
    registry = RegistryApplication(parse_database_url(store_url))
    try:
        assert registry.authenticate(token).id == account

        again = invoke(
            store_url, "accounts", "create", "--name", "Первый администратор", "--role", "admin"
        )
        assert again.exit_code == 0
        assert "already exists" in again.output and "token:" not in again.output

        rotated = invoke(store_url, "accounts", "rotate", str(account))
        assert rotated.exit_code == 0, rotated.output
        new = _field(rotated.output, "token")
        assert registry.authenticate(token) is None
        assert registry.authenticate(new).id == account

        revoked = invoke(store_url, "accounts", "revoke", str(account), "--reason", "тест")
        assert revoked.exit_code == 0, revoked.output
        assert registry.authenticate(new) is None
        assert (
            "nothing new was recorded"
            in invoke(store_url, "accounts", "revoke", str(account), "--reason", "x").output
        )
    finally:
        registry.close()


def test_accounts_create_scoped_to_competitions(store_url, app):
    from tests.helpers import build_world

    world = build_world(app, start=False)
    result = invoke(
        store_url,
        "accounts",
        "create",
        "--name",
        "Эксперт из CLI",
        "--role",
        "expert",
        "--competition",
        str(world.competition),
    )
    assert result.exit_code == 0, result.output
    account = app.account(UUID(_field(result.output, "account")))
    assert account.competition_ids == {world.competition}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["accounts", "create", "--name", "X", "--role", "superuser"],
            "'--role' must be one of: admin, organiser",
        ),
        (["accounts", "create", "--role", "admin"], "'--name' is missing"),
        (["accounts", "create", "--name", " ", "--role", "admin"], "name: must not be empty"),
        (
            ["accounts", "create", "--name", "X", "--role", "expert", "--competition", "nope"],
            "'--competition' must be an id such as",
        ),
        (
            [
                "accounts",
                "create",
                "--name",
                "X",
                "--role",
                "expert",
                "--competition",
                "5e1f0c3a-0000-4000-8000-000000000000",
            ],
            "Refused: no competition with id 5e1f0c3a-0000-4000-8000-000000000000",
        ),
        (["accounts", "rotate", "not-an-id"], "'ID' must be an id such as"),
        # the store does not exist yet: only serve, demo and accounts create make one
        (["accounts", "rotate", "5e1f0c3a-0000-4000-8000-000000000000"], "no registry at"),
        (
            ["accounts", "revoke", "5e1f0c3a-0000-4000-8000-000000000000"],
            "'--reason' is missing",
        ),
        (["serve", "--port", "0"], "'--port' must be a whole number from 1 to 65535"),
    ],
)
def test_bad_input_is_a_clear_message_and_a_non_zero_exit(tmp_path, args, message):
    url = f"sqlite:///{tmp_path}/registry.sqlite"
    result = CliRunner().invoke(cli.main, ["--lang", "en", "--database-url", url, *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_serve_demo_loads_the_demo_and_writes_tokens_then_runs_uvicorn(tmp_path, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    # serve sets REGISTRY_DATABASE_URL for its workers; setenv makes the test undo it
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "sqlite:///placeholder.sqlite")
    url = f"sqlite:///{tmp_path}/registry.sqlite"
    tokens = tmp_path / "secret" / "tokens.txt"
    result = invoke(
        url, "serve", "--demo", "--tokens-file", str(tokens), "--port", "8123", "--workers", "2"
    )
    assert result.exit_code == 0, result.output
    assert str(tokens) in result.output
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert calls == [
        (
            ("api.server:create_server_app_from_env",),
            {
                "factory": True,
                "http": LimitedHttpToolsProtocol,  # bounded request headers
                "host": "127.0.0.1",
                "port": 8123,
                "workers": 2,
                "log_level": "info",
                "access_log": False,
            },
        )
    ]
    import os

    assert os.environ["REGISTRY_DATABASE_URL"] == url  # what the uvicorn workers read

    registry = RegistryApplication(parse_database_url(url))
    try:
        issued = read_tokens(tokens)
        roles = {registry.authenticate(token).role for token in issued.values()}
        assert roles == {"admin", "organiser", "chief_expert", "expert", "akimat", "auditor"}
        assert len(issued) == len(wanted_accounts())
        text = tokens.read_text(encoding="utf-8")
        assert "Смағұлова Жанар Төлегенқызы" in text and "NOT an expert" in text
        events = registry.event_count()
    finally:
        registry.close()

    # a restart keeps the working tokens: nothing recorded, the same file contents
    again = invoke(url, "serve", "--demo", "--tokens-file", str(tokens))
    assert again.exit_code == 0, again.output
    assert read_tokens(tokens) == issued
    registry = RegistryApplication(parse_database_url(url))
    try:
        assert registry.event_count() == events
    finally:
        registry.close()


def test_serve_refuses_a_bad_store_before_starting(monkeypatch, tmp_path):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not start"))
    result = CliRunner().invoke(
        cli.main, ["--lang", "en", "--database-url", "mysql://x@y/z", "serve"]
    )
    assert result.exit_code != 0
    assert "neither sqlite" in result.output
    assert not Path(tmp_path / "var").exists()
