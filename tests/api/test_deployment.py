"""docker-compose.yml and the Dockerfile run only real ``registry`` commands, with real options.

Every command is parsed by the real click command tree (``cli.main.main``) without being
run, so a renamed command or option breaks this test rather than the deployment.
"""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def check_registry_command(argv: list[str]) -> None:
    """Parse ``argv`` (starting with ``registry``) with the real command tree, without running
    it: ``--help`` is eager, so click resolves every sub-command and refuses unknown options,
    then prints the help of the command that would run and stops."""
    assert argv[0] == "registry", argv
    result = CliRunner().invoke(main, [*argv[1:], "--help"], prog_name="registry")
    assert result.exit_code == 0, f"{argv}: {result.output}"
    usage = result.output.splitlines()[0].split()
    assert usage[:2] == ["Usage:", "registry"], result.output
    path = list(itertools.takewhile(lambda word: not word.startswith("["), usage[2:]))
    leaf: click.Command = main
    for name in path:
        assert isinstance(leaf, click.Group) and name in leaf.commands, f"{argv}: {name}"
        leaf = leaf.commands[name]
    assert not isinstance(leaf, click.Group), f"{argv}: {path} needs a sub-command"
    assert [word for word in argv[1:] if word in path] == path, argv


def as_argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def services() -> dict[str, dict]:
    return COMPOSE["services"]


def test_the_services_of_the_deployment():
    assert set(services()) >= {"postgres", "api", "projector"}
    postgres = services()["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(as_argv(postgres["healthcheck"]["test"]))
    api = services()["api"]
    assert api.get("deploy", {}).get("replicas", 1) >= 2
    assert "/healthz" in " ".join(as_argv(api["healthcheck"]["test"]))
    for name in ("api", "projector"):
        service = services()[name]
        url = service["environment"]["REGISTRY_DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:" in url
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", sorted(COMPOSE["services"]))
def test_every_compose_command_is_a_real_registry_command(name):
    service = services()[name]
    for key in ("entrypoint", "command"):
        if key in service and as_argv(service[key])[0] == "registry":
            check_registry_command(as_argv(service[key]))
    if name in ("api", "projector"):
        assert as_argv(service["command"])[0] == "registry"


def test_the_dockerfile_runs_registry_serve_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert re.search(r"^RUN pip install \.", dockerfile, re.M)
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and user[-1] not in ("root", "0")
    cmd = re.findall(r"^CMD (\[.*\])", dockerfile, re.M)[-1]
    argv = yaml.safe_load(cmd)
    check_registry_command(argv)
    assert argv[:2] == ["registry", "serve"]


def test_the_checker_accepts_nested_commands_with_arguments():
    check_registry_command(
        ["registry", "accounts", "rotate", "5e1f0c3a-0000-4000-8000-000000000000"]
    )
    check_registry_command(
        ["registry", "--database-url", "sqlite:///x.sqlite", "serve", "--port", "80"]
    )


def test_the_checker_catches_what_does_not_exist():
    for argv in (
        ["registry", "no-such-command"],
        ["registry", "serve", "--no-such-option"],
        ["registry", "accounts"],
    ):
        with pytest.raises(AssertionError):
            check_registry_command(argv)
