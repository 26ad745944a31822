"""A parallel rebuild's second process (``projections.runner.rebuild`` builds some view
groups there while it builds the others).

:class:`Worker` starts it: a fresh interpreter (``python -c``), so nothing is forked from a
threaded process and, unlike ``multiprocessing``'s spawn, the caller's ``__main__`` is never
run again: any script may call ``rebuild``. The function (module-level: pickled by name) and
its arguments go to its standard input pickled; its value or error comes back on its standard
output (a ``ProjectionError`` arrives as raised). :func:`peak_mb` is what the worker reports
of its memory.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any


def peak_mb() -> float:
    """This process's peak resident memory since it started its program (``VmHWM``; not
    ``ru_maxrss``, which a new program inherits from the process it was forked from)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return 0.0


class Worker:
    """A worker process running ``function(*args)`` (a module-level function: it is pickled
    by name); :meth:`result` waits for its value, :meth:`stop` ends it early."""

    def __init__(self, function: Callable[..., float], *args: Any) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdin is not None
        with self.process.stdin as orders:
            pickle.dump(sys.path, orders)
            pickle.dump((function, args), orders)

    def result(self) -> float:
        """Wait for the worker's value; raise its error."""
        assert self.process.stdout is not None
        answer = self.process.stdout.read()
        code = self.process.wait()
        try:
            ok, value = pickle.loads(answer)
        except Exception:
            raise RuntimeError(
                f"the rebuild's worker process ended without answering (exit code {code})"
            ) from None
        if not ok:
            raise value
        return float(value)

    def stop(self) -> None:
        """End the worker if it still runs (its starter failed), and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


#: The worker's program: the starter's import path first, then :func:`worker_main`.
_BOOTSTRAP = (
    "import pickle, sys; sys.path[:0] = pickle.load(sys.stdin.buffer); "
    "from projections.rebuild_worker import worker_main; worker_main()"
)


def worker_main() -> None:
    """In the worker: read the function and its arguments, answer ``(True, value)`` or
    ``(False, error)`` on the standard output (whatever else is printed goes to the error
    output)."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    function, args = pickle.load(sys.stdin.buffer)
    try:
        answer: tuple[bool, Any] = (True, function(*args))
    except BaseException as error:
        try:
            pickle.dumps(error)
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}")
        answer = (False, error)
    with answers:
        pickle.dump(answer, answers)
