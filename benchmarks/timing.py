"""Timing helpers shared by the benchmarks (run as scripts, so imported by module name)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``run`` in seconds over ``repeat`` runs, after one warm-up run."""
    run()
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
