"""The real ``registry`` console script, run as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

REGISTRY = shutil.which("registry") or ""


def run(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
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
    assert "demo history loaded" in first.stdout
    assert "WorldSkills Shygys 2025" in first.stdout
    events = int(first.stdout.split(" events added")[0].split()[-1])
    second = run("demo", url=store_url)
    assert second.returncode == 0, second.stderr
    assert "nothing added" in second.stdout
    info = run("info", url=store_url)
    assert info.returncode == 0, info.stderr
    assert f"events:        {events}" in info.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@y/z", "neither sqlite"),
        ("sqlite:///:memory:", "in-memory"),
        ("postgresql://postgres@127.0.0.1:1/test", "cannot"),
    ],
)
def test_bad_settings_give_a_clear_error_and_non_zero_exit(url, message):
    result = run("info", url=url)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
