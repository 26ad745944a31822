"""The real ``registry`` console script, run as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

REGISTRY = shutil.which("registry") or ""


def run(
    *args: str, url: str | None = None, lang: str = "en_US.UTF-8"
) -> subprocess.CompletedProcess[str]:
    """The console script; it speaks English here (``LANG``; its texts in ru and kk:
    tests/registry/test_cli_languages.py)."""
    env = {**os.environ, "LANG": lang}
    if url is not None:
        env["REGISTRY_DATABASE_URL"] = url
    command = [REGISTRY, *args] if REGISTRY else [sys.executable, "-m", "cli.main", *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.mark.parametrize("command", [[], ["demo"], ["info"]])
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_demo_then_info_through_the_console_script(store_url):
    first = run("demo", url=store_url)
    assert first.returncode == 0, first.stderr
    assert "Demo history loaded" in first.stdout
    assert "WorldSkills Shygys 2025" in first.stdout
    # the 2026 championship is still in progress: its competitions by status, no medals
    [in_progress] = [
        line for line in first.stdout.splitlines() if "WorldSkills Shygys 2026" in line
    ]
    assert "in progress: 1 locked, 3 marking, 2 setup" in in_progress
    events = int(first.stdout.split(" events added")[0].split()[-1])
    second = run("demo", url=store_url)
    assert second.returncode == 0, second.stderr
    assert "nothing added" in second.stdout
    info = run("info", url=store_url)
    assert info.returncode == 0, info.stderr
    assert f"Events stored: {events}" in info.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@y/z", "neither sqlite"),
        ("sqlite:///:memory:", "in memory"),
        ("postgresql://postgres@127.0.0.1:1/test", "cannot"),
    ],
)
def test_bad_settings_give_a_clear_error_and_non_zero_exit(url, message):
    result = run("info", url=url)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _store_is_absent(url: str) -> bool:
    from cli.common import EVENTS_TABLE
    from store.settings import parse_database_url, store_exists

    return not store_exists(parse_database_url(url), EVENTS_TABLE)


@pytest.mark.parametrize(
    "command",
    [
        ["info"],
        ["project", "--exit-when-caught-up"],
        ["policy", "--exit-when-caught-up"],
        ["rebuild"],
        ["audit", "verify"],
        ["audit", "export", "out.jsonl"],
        ["accounts", "rotate", "00000000-0000-0000-0000-000000000001"],
    ],
)
def test_a_store_that_does_not_exist_is_refused_not_created(store_url, command, tmp_path):
    """Issue 13, point 10: a mistyped path (or schema) is an error naming the store, and
    leaves nothing behind; only serve, demo, accounts create and audit import make one."""
    if command[:2] == ["audit", "export"]:
        command = [*command[:2], str(tmp_path / "out.jsonl")]
    result = run(*command, url=store_url)
    assert result.returncode == 1, result.stdout
    assert "There is no registry at" in result.stderr and "Traceback" not in result.stderr
    assert _store_is_absent(store_url)


def test_accounts_create_still_makes_the_first_admin_of_a_new_store(store_url):
    made = run(
        "accounts", "create", "--name", "Первый администратор", "--role", "admin", url=store_url
    )
    assert made.returncode == 0, made.stderr
    assert not _store_is_absent(store_url)
    info = run("info", url=store_url)
    assert info.returncode == 0 and "Events stored:" in info.stdout, info.stderr


def test_serve_on_a_busy_port_fails_first_naming_the_port(store_url):
    """``serve`` checks its port before it makes the store, loads the demo or starts
    anything: it says which port, exits 1, and the store is still absent."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--demo", "--port", str(port), url=store_url)
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr, result.stderr
    assert "Demo history" not in result.stdout and "open at" not in result.stdout
    assert _store_is_absent(store_url)
