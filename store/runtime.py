"""How a long-running process of the registry runs: the API server and the projector alike.

Both hold the aggregate cache (``AGGREGATE_CACHE_MAXSIZE`` in :mod:`store.settings`): tens
of thousands of long-lived objects that the cyclic garbage collector would walk again and
again.
"""

from __future__ import annotations

import gc

#: The cyclic garbage collector's thresholds in a serving process. CPython's default (700, 10,
#: 10) runs a collection every 700 net allocations, and every 100th one walks every object —
#: here the cached competitions' tens of thousands of marks, so a sheet of 50 marks paid for
#: walks of the whole state (bench/http.py: 12,200 -> 18,100 marks/s with these). Almost all
#: garbage here is freed by reference counting; cycles still get collected, less often.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Leave what start-up loaded out of every collection and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
