"""The live progress line of long runs.

NOTE(progress-line): on a terminal (stderr is a tty), or with `--progress`, the explicit
engine reports every `interval()` seconds (through checker/semantics/control.py,
NOTE(progress)); `Line` rewrites one stderr line in place:
    exploring N = 7: 27,551 states, depth 12, 61,402 states/s, queue 3,114, 0.4s
and clears it before the report is printed.  With `--no-progress`, or when stderr is not a
terminal (a CI log) and `--progress` is not given, nothing is written.  Ctrl-C:
NOTE(interrupt) in checker/semantics/control.py.
"""
from __future__ import annotations

import os
import sys
import time


def interval() -> float:
    """Seconds between progress reports (FORKPROOF_PROGRESS_INTERVAL overrides, for tests)."""
    try:
        return float(os.environ.get("FORKPROOF_PROGRESS_INTERVAL", "0.5"))
    except ValueError:
        return 0.5


class Line:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.width = 0
        self.last = 0.0

    def __call__(self, scope: str, states: int, depth: int, queue: int, seconds: float) -> None:
        rate = states / seconds if seconds > 0 else 0.0
        where = f"exploring {scope}: " if scope else "exploring: "
        text = (f"{where}{states:,} states, depth {depth}, {rate:,.0f} states/s, queue {queue:,}, "
                f"{seconds:.1f}s")
        pad = max(0, self.width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self.width = len(text)
        self.last = time.monotonic()

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
