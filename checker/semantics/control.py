"""Run control: one object per check that engines poll to stop early and to report progress.

NOTE(interrupt): Ctrl-C (KeyboardInterrupt) during a search is caught by the engine that is
running; it calls `Control.cancel()` and reports what it found, "unknown" for the rest.
The explicit engine and the liveness graph builder also poll `cancelled` (every 256 states),
and the planner (forkproof.run) starts no further instance once it is set.  The flag belongs
to one check: `forkproof.run.check.check_model` makes a fresh `Control` when the caller
gives none, so a Ctrl-C in one check (a notebook cell, say) never affects the next.  Only
the command line (forkproof.cli) installs anything process-wide.

NOTE(progress): `report` is called by the explicit engine at most every `interval` seconds
with (states, depth, queue, seconds); it passes them on, with the scope being explored, to
the `progress` callback the caller gave (the CLI's live line, forkproof.cli.progress).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# (scope, states, depth, queue, seconds)
ProgressCallback = Callable[[str, int, int, int, float], None]


@dataclass
class Control:
    progress: ProgressCallback | None = None
    interval: float = 0.5  # seconds between progress reports
    cancelled: bool = False
    scope: str = ""  # the instance being explored, for progress reports

    def cancel(self) -> None:
        self.cancelled = True

    def report(self, states: int, depth: int, queue: int, seconds: float) -> None:
        if self.progress is not None:
            self.progress(self.scope, states, depth, queue, seconds)
