"""The shape every history benchmark shares: generate a synthetic store in one child process,
measure it in another (so the generator's memory never counts), in a fresh SQLite file unless
``--database-url`` names a store, removed afterwards.

    run_phased(__doc__, __file__, default_events=1_000_000, generate=generate, measure=measure,
               options={"runs": (3, "best of N runs")})

``measure(url, **options)`` receives each option by name; ``generate(url, events)``
(``generate_synthetic`` is the usual one). ``read_and_decode(app)`` is the floor every
history benchmark compares with; ``open_registry(url)`` and ``peak_rss_mb()`` are what every
phase needs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by the phase that needs it (the generator's child process)
    from registry.application import RegistryApplication


def run_phased(
    doc: str | None,
    script: str,
    *,
    default_events: int,
    generate: Callable[[str, int], None],
    measure: Callable[..., None],
    options: dict[str, tuple[int, str]] | None = None,
) -> None:
    options = options or {}
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=default_events)
    parser.add_argument("--quick", action="store_true", help="100,000 events")
    for name, (default, text) in options.items():
        parser.add_argument(f"--{name}", type=int, default=default, help=text)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--phase", choices=("all", "generate", "measure"), default="all")
    args = parser.parse_args()
    values: dict[str, Any] = {name: getattr(args, name) for name in options}
    events = 100_000 if args.quick else args.events
    folder = None
    url = args.database_url
    if url is None:
        folder = tempfile.mkdtemp(prefix="registry-bench-")
        url = f"sqlite:///{folder}/bench.sqlite"
    if args.phase == "generate":
        generate(url, events)
        return
    if args.phase == "measure":
        measure(url, **values)
        return
    me = [sys.executable, os.path.abspath(script), "--database-url", url]
    passed = [part for name, value in values.items() for part in (f"--{name}", str(value))]
    try:
        subprocess.run([*me, "--phase", "generate", "--events", str(events)], check=True)
        subprocess.run([*me, "--phase", "measure", *passed], check=True)
    finally:
        if folder:  # the store and whatever the servers left beside it (web/, sessions)
            shutil.rmtree(folder, ignore_errors=True)


def open_registry(url: str) -> RegistryApplication:
    """The registry on ``url``, imported here: each phase runs in its own process."""
    from registry.application import RegistryApplication
    from store.settings import parse_database_url

    return RegistryApplication(parse_database_url(url))


def generate_synthetic(url: str, events: int, *, reuse: bool = False) -> None:
    """The usual ``generate`` phase: about ``events`` events of ``bench/synthetic.py``. With
    ``reuse``, a store that already holds events is measured as it is."""
    from bench.synthetic import generate

    app = open_registry(url)
    try:
        if reuse and app.event_count():
            print(f"reusing the store: {app.event_count():,} events", flush=True)
            return
        started = time.perf_counter()
        written = generate(app, events)
        print(f"generated {written:,} events in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        app.close()


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MB (Linux counts it in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_and_decode(app: RegistryApplication, batch: int = 5000) -> int:
    """The floor: read every stored event with the projector's reader and decode it with our
    mapper, nothing else. Answers how many events were read."""
    from store.events import EventReader

    reader, after, count = EventReader.of(app), 0, 0
    to_domain_event = app.mapper.to_domain_event
    while rows := reader.read(after, batch):
        for notification in rows:
            to_domain_event(notification)
        count += len(rows)
        after = rows[-1].id
    return count
