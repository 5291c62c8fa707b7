"""The cycle collector paused for a search loop (NOTE(gc)), one count for every pause in the
process.  Its own module: the budget watch never raises into it (NOTE(async-raise) in
checker/cli/common.py), since an exception between taking the lock and moving the count would
leave the collector off for good, or turn it on inside another pause.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # pauses open in this process (gc_fence's among them)
_restore = False  # whether the collector was on when the first of them opened


@contextmanager
def collector_paused() -> Iterator[None]:
    """NOTE(gc): the cycle collector off for a search loop, back as it was after.

    A search makes a tuple for every successor and keeps the new ones.  Reference counting
    frees the rest; the cycle collector adds nothing but work: a tuple stays on its lists until
    a collection finds it holds only ints, bools and Fractions (NOTE(values)), and every full
    collection walks all the containers the search holds (the visited dict, the frontier),
    touching each state.  The search loops make no reference cycles (states are tuples of
    atoms; a caught EvalError is dropped at the end of its `except`), so nothing is left for
    the collector to find.  Measured on the 0L model at N = 9 (bench/README.md, "The cycle
    collector"): the one-process search 5 % faster, the two workers of `--workers 2` 9 %
    (their batches of received states live long enough to reach the oldest generation).
    Nested and concurrent pauses (gc_fence in checker/semantics/gcfence.py is one) keep the
    collector off until the last one ends, then restore what the first one found."""
    global _depth, _restore
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()
