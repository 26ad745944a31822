"""The real ``registry serve`` process (uvicorn running the app factory) on a SQLite store."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx

REGISTRY = shutil.which("registry")


def interrupted(server: subprocess.Popen[str], timeout: float) -> str:
    """Ctrl-C to a served process, as a person stops it; its output (killed if it does not
    end within ``timeout`` seconds)."""
    server.send_signal(signal.SIGINT)
    try:
        output, _ = server.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        output, _ = server.communicate()
    return output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def registry(*args: str) -> list[str]:
    return [REGISTRY, *args] if REGISTRY else [sys.executable, "-m", "cli.main", *args]


def test_registry_serve_answers_over_http(tmp_path):
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path}/registry.sqlite"}
    command = registry("accounts", "create", "--name", "Admin", "--role", "admin")
    created = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert created.returncode == 0, created.stderr
    token = next(
        line.split()[-1] for line in created.stdout.splitlines() if line.startswith("token")
    )

    port = free_port()
    command = registry("serve", "--port", str(port))
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("registry serve did not come up")
        headers = {"Authorization": f"Bearer {token}"}
        made = httpx.post(
            f"{base}/api/v1/accounts",
            json={"name": "Организатор", "role": "organiser"},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        organiser = {"Authorization": f"Bearer {made.json()['token']}"}
        org = httpx.post(
            f"{base}/api/v1/organisations",
            json={"name_ru": "Колледж", "name_kk": "Колледжі", "kind": "college", "region": "VKO"},
            headers=organiser,
        )
        assert org.status_code == 201, org.text
        assert org.headers["etag"] == '"1"'
        bad = httpx.post(f"{base}/api/v1/organisations", content=b"{", headers=organiser)
        assert bad.status_code == 400
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert httpx.get(f"{base}/schema/openapi.json").status_code == 200
    finally:
        output = interrupted(server, timeout=15)
    assert "Traceback" not in output, output
    assert "worker threads" in output  # the executor was sized at startup
