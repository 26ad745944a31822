"""The one convention every benchmark uses to hand its figures to ``bench/report.py``.

A benchmark ends its standard output with one line of JSON::

    {"report": [<figure>, ...], "checks": {"<what was checked>": true | false}}

Each figure is an object with at least:

* ``work`` — what was measured, in words (and how much of it: ``rebuild of all views (100,020
  events)``); ``bench/report.py --compare`` matches the lines of two runs by it;
* ``ours`` — the registry's figure; ``floor`` — the floor or peer measured in the same run (bare
  Litestar, read + decode of the events, the JSON GET...) or, for an absolute goal, the limit
  itself (``against`` says which); ``unit``;
* ``better`` — ``"higher"`` (rates) or ``"lower"`` (times, memory);
* ``ratio`` — ``ours / floor`` when higher is better, ``floor / ours`` when lower is better, so
  that **ratio >= goal always means met** (p99 <= 2 x the bare p99 is ``goal`` 0.5; an absolute
  limit is ``floor`` = the limit and ``goal`` 1.0);
* ``goal`` (the issue's), ``met`` (bool: ratio >= goal);
* ``key`` (a short stable name), ``against`` (what the floor is), ``extra`` (other figures of
  the same measurement, printed as notes).

``checks`` are what the benchmark verified beside its figures (every acknowledged mark stored
exactly once...): a failed check makes every figure of that benchmark not met.

:func:`figure` and :func:`limit` build figures, :func:`emit` prints the line; a benchmark may
also print the object or a list of figures by hand: ``bench/report.py`` takes any line of JSON
on standard output that is ``{"report": [...]}``, a figure (an object with ``work``) or a list
of figures.
"""

from __future__ import annotations

import json
import math
from typing import Any

HIGHER = "higher"
LOWER = "lower"


def ratio_of(ours: float | None, floor: float | None, better: str) -> float | None:
    """``ours / floor`` (higher is better) or ``floor / ours`` (lower is better); None when
    either is missing or the division means nothing."""
    if ours is None or floor is None:
        return None
    top, bottom = (ours, floor) if better == HIGHER else (floor, ours)
    if not (math.isfinite(top) and math.isfinite(bottom)) or bottom <= 0:
        return None
    return top / bottom


def figure(
    key: str,
    work: str,
    ours: float | None,
    floor: float | None,
    unit: str,
    *,
    goal: float,
    against: str,
    better: str = HIGHER,
    **extra: Any,
) -> dict[str, Any]:
    """One line of the report: ``ours`` beside ``floor`` measured in the same run."""
    if better not in (HIGHER, LOWER):
        raise ValueError(f"better: {better!r}")
    ratio = ratio_of(ours, floor, better)
    return {
        "key": key,
        "work": work,
        "ours": ours,
        "floor": floor,
        "unit": unit,
        "better": better,
        "ratio": ratio,
        "goal": goal,
        "met": ratio is not None and ratio >= goal,
        "against": against,
        "extra": extra,
    }


def limit(key: str, work: str, ours: float | None, most: float, unit: str, **extra: Any) -> dict:
    """An absolute goal (``ours`` at most ``most``: a time, a memory): the limit stands in the
    floor's column, ratio = limit / ours, goal 1.0."""
    return figure(key, work, ours, most, unit, goal=1.0, against="limit", better=LOWER, **extra)


def emit(figures: list[dict[str, Any]], checks: dict[str, bool] | None = None) -> None:
    """Print the report line (the last line of the benchmark's standard output)."""
    print(json.dumps({"report": figures, "checks": checks or {}}, ensure_ascii=False), flush=True)
