"""The live progress line of long runs, and Ctrl-C.

NOTE(progress): on a terminal (stderr is a tty), or with `--progress`, the explicit engine
reports every `interval()` seconds; `Line` rewrites one stderr line in place:
    exploring N = 7: 27,551 states, depth 12, 61,402 states/s, queue 3,114, 0.4s
and clears it before the report is printed.  With `--no-progress`, or when stderr is not a
terminal (a CI log) and `--progress` is not given, nothing is written.

NOTE(interrupt): Ctrl-C (SIGINT) during a search sets `interrupted`; the explicit engine
stops at its next check (every 256 states) and reports what it found, "unknown" for the
rest; later instances of a sweep are not started.  A symbolic engine's solver call is
cancelled the same way, and everything it had not decided is "unknown".
"""
from __future__ import annotations

import os
import sys
import time

interrupted = False


def interval() -> float:
    """Seconds between progress reports (FORKPROOF_PROGRESS_INTERVAL overrides, for tests)."""
    try:
        return float(os.environ.get("FORKPROOF_PROGRESS_INTERVAL", "0.5"))
    except ValueError:
        return 0.5


class Line:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.scope = ""
        self.width = 0
        self.last = 0.0

    def __call__(self, states: int, depth: int, queue: int, seconds: float) -> None:
        rate = states / seconds if seconds > 0 else 0.0
        where = f"exploring {self.scope}: " if self.scope else "exploring: "
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
