"""The processes of ``bench/http.py`` (and of ``bench/pages.py``, ``bench/faults.py``): the
real server, a separate projector, their environment and CPU, py-spy, and the canned-answer
server that measures the load generator's own ceiling."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
V1 = "/api/v1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def say(text: str) -> None:
    print(text, flush=True)


# ====================================================================== processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def registry_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("registry")
    if script.exists():
        return [str(script), *args]
    found = shutil.which("registry")
    return [found, *args] if found else [sys.executable, "-m", "cli.main", *args]


def projector_option(projector: str) -> list[str]:
    """``registry serve``'s option for a topology of ``--projector`` (none: its default)."""
    if projector == "default":
        return []
    return ["--projector", "external" if projector == "separate" else projector]


def child_env(**extra: str) -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_PROJECTOR")},
        "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else ""),
        **extra,
    }


#: every child started by this run, stopped in ``main``'s ``finally`` whatever happens
CHILDREN: list[subprocess.Popen[bytes]] = []


def spawn(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    CHILDREN.append(process)
    return process


def spawn_real(
    url: str,
    appname: str,
    port: int,
    projector: str,
    workers: int,
    log: Path,
    projector_log: Path,
) -> list[subprocess.Popen[bytes]]:
    """``registry serve`` on ``port`` in ``projector``'s topology with ``workers`` API
    processes and, for ``separate``, its own ``registry project`` process (as
    docker-compose.yml deploys it): the processes, the server first. Their PostgreSQL
    connections are named ``<appname>-api`` and ``<appname>-projector``."""
    env = child_env(REGISTRY_DATABASE_URL=url, PGAPPNAME=f"{appname}-api")
    command = registry_command(
        "serve", "--port", str(port), *projector_option(projector), "--workers", str(workers)
    )
    group = [spawn(command, log, env)]
    if projector == "separate":
        env = {**env, "PGAPPNAME": f"{appname}-projector"}
        group.append(spawn(registry_command("project"), projector_log, env))
    return group


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (uvicorn's graceful shutdown), then SIGKILL; only this child's own group."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == current)
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def start_profiler(pid: int, seconds: float, path: Path) -> subprocess.Popen[bytes]:
    """py-spy (if installed) samples ``pid`` for the measured window: raw collapsed stacks."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            "200",
            "--format",
            "raw",
            "--nonblocking",
            "--gil",  # only the thread holding the GIL: where the CPU goes
            "--output",
            str(path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ====================================================================== canned server


def serve_canned(port: int, get_body_file: str | None) -> None:
    """A minimal HTTP/1.1 keep-alive server answering every request with canned bytes: what
    the load generator achieves against it is the generator's own ceiling."""
    post_body = (
        b'{"id":"00000000-0000-0000-0000-000000000000","position":1,"recorded":true,"version":1}'
    )
    get_body = Path(get_body_file).read_bytes() if get_body_file else post_body

    def answer(status: bytes, body: bytes) -> bytes:
        return (
            b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )

    post_answer, get_answer = answer(b"201 Created", post_body), answer(b"200 OK", get_body)

    class Canned(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            buffer = self.buffer + data
            while True:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buffer[:end].lower()
                length = 0
                at = head.find(b"content-length:")
                if at >= 0:
                    stop = head.find(b"\r\n", at)
                    length = int(head[at + 15 : stop if stop >= 0 else len(head)])
                if len(buffer) < end + 4 + length:
                    break
                buffer = buffer[end + 4 + length :]
                self.transport.write(post_answer if head.startswith(b"post") else get_answer)
            self.buffer = buffer

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Canned, HOST, port)
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        run_loop(main())


def run_loop(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
