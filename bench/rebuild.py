"""Benchmark: rebuild every view from a synthetic history, beside the floor of merely reading
and decoding the same events, in the same run.

    python bench/rebuild.py            # 1,000,000 events
    python bench/rebuild.py --quick    # 100,000 events
    python bench/rebuild.py --events 300000 --database-url postgresql://postgres@127.0.0.1/test?schema=bench

Targets (SQLite, this machine): rebuild >= 0.5 x floor and >= 150,000 events/s; peak RSS of the
rebuild < 250 MB: this process's and its worker's (a parallel rebuild), added. The history is
generated in a child process so its memory does not count.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import emit, figure, limit
from bench.phases import generate_synthetic, open_registry, peak_rss_mb, read_and_decode, run_phased

GOAL_RATIO = 0.5  # issue 17: rebuild >= 0.5 x the read + decode floor
GOAL_RSS_MB = 250.0


def measure(url: str) -> None:
    from projections.runner import rebuild
    from projections.store import ViewStore

    app = open_registry(url)
    total = app.event_count()

    # Floor: read every stored event and decode it with our mapper, nothing else.
    started = time.perf_counter()
    decoded = read_and_decode(app)
    floor_seconds = time.perf_counter() - started
    floor_rate = decoded / floor_seconds

    store = ViewStore(app.settings)
    started = time.perf_counter()
    stats = rebuild(app, store)
    rebuild_seconds = time.perf_counter() - started
    rebuild_rate = stats.events / rebuild_seconds
    print(f"store:        {app.settings.describe()}")
    print(f"events:       {total:,}")
    print(f"floor:        {decoded:,} read+decoded in {floor_seconds:.2f} s", end="")
    print(f" = {floor_rate:,.0f} events/s")
    print(
        f"rebuild all:  {stats.events:,} in {rebuild_seconds:.2f} s = {rebuild_rate:,.0f} events/s"
    )
    print(f"ratio:        {rebuild_rate / floor_rate:.2f} x floor")
    # A parallel rebuild's worker process (the views of stored bytes) runs at the same time:
    # its peak counts too.
    rss = peak_rss_mb() + stats.worker_peak_mb
    print(f"peak RSS:     {rss:,.0f} MB", end="")
    print(f" (this process {peak_rss_mb():,.0f} + worker {stats.worker_peak_mb:,.0f})")
    store.close()
    app.close()
    emit(
        [
            figure(
                "rebuild.rate",
                f"rebuild of all views ({total:,} events)",
                rebuild_rate,
                floor_rate,
                "events/s",
                goal=GOAL_RATIO,
                against="read + decode of every event",
            ),
            limit(
                "rebuild.rss",
                f"rebuild: peak RSS of its processes ({total:,} events)",
                rss,
                GOAL_RSS_MB,
                "MB",
            ),
        ]
    )


if __name__ == "__main__":
    run_phased(
        __doc__, __file__, default_events=1_000_000, generate=generate_synthetic, measure=measure
    )
