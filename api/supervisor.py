"""The projector as a child process of ``registry serve`` (the topology ``"process"``).

With more than one CPU, ``registry serve`` on SQLite runs the projector and the prize policy
(``registry project``) as a child process it starts, watches and stops, and the API
process(es) read the views as with an external projector. One interpreter lock then no longer
shares one core between request handling and the projector: each has a core of its own.

* **Wake-ups** (SQLite has no LISTEN/NOTIFY): the child binds a UNIX datagram socket
  (:class:`WakeListener`); every API process sends it one byte after each commit of events
  (:class:`Waker`, ``RegistryApplication.on_recorded``), ``w``, or ``h`` when a request waits
  for a position (``X-Registry-Min-Position``: the projector then skips its coalescing pause).
  A send never blocks: a full socket means a wake-up is already pending. The child still polls
  the store every half second, so a lost datagram delays the views, never stops them.
* **Supervision** (:class:`ProjectorProcess`): the child runs in its own session (a Ctrl-C of
  the terminal reaches ``registry serve``, which stops the child, never the child alone); a
  child that exits while the server runs is restarted after 1 s, doubling to 30 s while it
  keeps failing, and the server says so (``notify``) and writes the child's state to a small
  JSON file that ``/readyz`` reads (:func:`read_status`: 503 while it is not running).
  Stopping the server stops the child (SIGINT, then SIGKILL after 10 s); a child whose parent
  has gone (killed) notices within a second and stops itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import msgspec

log = logging.getLogger("api.supervisor")

WAKE = b"w"
HURRY = b"h"
#: seconds before restarting a child that exited, doubling while it keeps exiting
RESTART_FIRST = 1.0
RESTART_MOST = 30.0
#: a child that ran this long before exiting is restarted after RESTART_FIRST again
RESTART_RESET = 60.0
STOP_TIMEOUT = 10.0


class ChildStatus(msgspec.Struct):
    """What ``/readyz`` reads: the child projector's state, as its supervisor last wrote it."""

    #: "running", "restarting" (it exited; another starts after ``retry_in`` s) or "stopped"
    state: str
    pid: int | None = None
    restarts: int = 0
    exit_code: int | None = None
    retry_in: float | None = None


def read_status(path: str | os.PathLike[str]) -> ChildStatus | None:
    """The status file's content; None when it cannot be read (the server is stopping)."""
    try:
        return msgspec.json.decode(Path(path).read_bytes(), type=ChildStatus)
    except (OSError, msgspec.DecodeError):
        return None


def describe(status: ChildStatus | None) -> tuple[bool, str]:
    """Whether the child is running, and ``/readyz``'s ``projector`` field for it."""
    if status is None:
        return False, "process: unknown"
    if status.state == "running":
        return True, f"process: running (pid {status.pid}, restarts {status.restarts})"
    if status.state == "restarting":
        return False, (
            f"process: exited with code {status.exit_code}, restarting in "
            f"{status.retry_in or 0:.0f} s (restarts {status.restarts})"
        )
    return False, f"process: {status.state}"


class Waker:
    """Sends wake-ups to the child projector's datagram socket, from any thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.setblocking(False)

    def _send(self, what: bytes) -> None:
        # full (a wake-up is pending), not bound yet or gone (restarting): the child polls
        with contextlib.suppress(OSError):
            self._socket.sendto(what, self.path)

    def recorded(self, _position: int) -> None:
        """This process committed events (``RegistryApplication.on_recorded``)."""
        self._send(WAKE)

    def hurry(self) -> None:
        """A request waits for a position: no coalescing pause."""
        self._send(HURRY)

    def close(self) -> None:
        self._socket.close()


class Wakeable(Protocol):
    def wake(self, _position: int | None = None) -> None: ...

    def hurry(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...


class WakeListener:
    """In the child: wakes the projector on each datagram, and stops it when the parent
    process has gone (checked every second)."""

    def __init__(self, path: str, projector: Wakeable, parent_pid: int | None) -> None:
        self.path = path
        self.projector = projector
        self.parent_pid = parent_pid
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # left by a child killed before it could clean up
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.bind(path)
        self._socket.settimeout(1.0)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="registry-wake", daemon=True)

    def start(self) -> WakeListener:
        self._thread.start()
        return self

    def _run(self) -> None:
        receive = self._socket.recv
        projector = self.projector
        while not self._closed:
            try:
                data = receive(256)
            except TimeoutError:
                if self.parent_pid is not None and os.getppid() != self.parent_pid:
                    log.warning("the server (pid %d) has gone: stopping", self.parent_pid)
                    projector.stop()
                    return
                continue
            except OSError:
                return  # closed
            if HURRY in data:
                projector.hurry()
            else:
                projector.wake()

    def close(self) -> None:
        self._closed = True
        self._socket.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


#: what the supervisor tells the person running the server: an event and its figures
Notify = Callable[[str, dict[str, object]], None]


class ProjectorProcess:
    """Starts the child projector, restarts it when it exits, stops it with the server."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        status_path: str | os.PathLike[str],
        wake_path: str,
        notify: Notify | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.command = list(command)
        self.status_path = Path(status_path)
        self.wake_path = wake_path
        self.notify = notify or (lambda event, params: None)
        self.env = env
        self.restarts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None

    def _write(self, status: ChildStatus) -> None:
        spare = self.status_path.with_suffix(".tmp")
        spare.write_bytes(msgspec.json.encode(status))
        os.replace(spare, self.status_path)

    def _spawn(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        with self._lock:
            self.process = process
        self._write(ChildStatus("running", pid=process.pid, restarts=self.restarts))
        return process

    def start(self, ready_within: float = 30.0) -> ProjectorProcess:
        """Start the child and wait (at most ``ready_within`` s) until it listens for
        wake-ups: its views' tables then exist. Then watch it in a thread."""
        process = self._spawn()
        deadline = time.monotonic() + ready_within
        while not os.path.exists(self.wake_path):
            if process.poll() is not None or time.monotonic() > deadline:
                break  # the watcher reports and restarts it
            time.sleep(0.02)
        self.notify("started", {"pid": process.pid})
        self._thread = threading.Thread(
            target=self._watch, args=(process,), name="registry-projector-watch", daemon=True
        )
        self._thread.start()
        return self

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        delay = RESTART_FIRST
        while True:
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= RESTART_RESET:
                delay = RESTART_FIRST
            self.restarts += 1
            self._write(
                ChildStatus(
                    "restarting",
                    pid=process.pid,
                    restarts=self.restarts,
                    exit_code=code,
                    retry_in=delay,
                )
            )
            self.notify("exited", {"pid": process.pid, "code": code, "delay": delay})
            if self._stopping.wait(delay):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                process = self._spawn()
            self.notify("restarted", {"pid": process.pid, "restarts": self.restarts})
            delay = min(delay * 2, RESTART_MOST)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Stop the child (SIGINT: it finishes its batch; SIGKILL after ``timeout`` s)."""
        with self._lock:
            self._stopping.set()
            process = self.process
        code = None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)
            try:
                code = process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
        if self._thread is not None:
            self._thread.join(timeout)
        with contextlib.suppress(OSError):
            self._write(ChildStatus("stopped", restarts=self.restarts, exit_code=code))
        return code
