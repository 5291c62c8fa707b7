"""Shared by the benchmark scripts: the best wall time of a few runs."""
from __future__ import annotations

import time


def best(fn, repeat: int):
    """(the lowest wall time over `repeat` runs of fn(), the last run's result)."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out
