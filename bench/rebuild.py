"""Benchmark: rebuild every view from a synthetic history, beside the floor of merely reading
and decoding the same events, in the same run.

    python bench/rebuild.py            # 1,000,000 events
    python bench/rebuild.py --quick    # 100,000 events
    python bench/rebuild.py --events 300000 --database-url postgresql://postgres@127.0.0.1/test?schema=bench

Targets (SQLite, this machine): rebuild >= 0.5 x floor and >= 150,000 events/s; peak RSS of the
measuring process < 250 MB. The history is generated in a child process so its memory does not
count.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.phases import generate_synthetic, open_registry, peak_rss_mb, read_and_decode, run_phased


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
    print(f"peak RSS:     {peak_rss_mb():,.0f} MB")
    store.close()
    app.close()


if __name__ == "__main__":
    run_phased(
        __doc__, __file__, default_events=1_000_000, generate=generate_synthetic, measure=measure
    )
