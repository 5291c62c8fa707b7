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

NOTE(streaming): engines also say when a property's verdict for the instance is final
(`landed`) and what they are working on (`working`, at most every `interval` seconds apart
from a change of what), so that a long proof never looks like a hang.  `landed` passes
(scope, verdict) to `on_verdict`; `working` passes (scope, what, seconds) to `on_work`.  A
verdict lands once per instance, when the engine will not change it any more (the `auto`
portfolio reports a stage's verdict only when no later stage can replace it); the result a
check reports for a property may still differ (the smallest violation over a sweep, the
every-size proof).  The CLI prints them (forkproof.cli.progress, NOTE(stream-lines)).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# (scope, states, depth, queue, seconds)
ProgressCallback = Callable[[str, int, int, int, float], None]
# (scope, verdict): a property's final verdict for one instance (NOTE(streaming))
VerdictCallback = Callable[[str, object], None]
# (scope, what, seconds): what a symbolic engine is working on, and for how long
WorkCallback = Callable[[str, str, float], None]


@dataclass
class Control:
    progress: ProgressCallback | None = None
    interval: float = 0.5  # seconds between progress reports
    cancelled: bool = False
    scope: str = ""  # the instance being explored, for progress reports
    on_verdict: VerdictCallback | None = None
    on_work: WorkCallback | None = None
    muted: int = 0  # > 0: engines run as a portfolio's stages; `landed` passes nothing on
    _work: tuple[str, float] = field(default=("", 0.0), repr=False)  # (what, since)

    def cancel(self) -> None:
        self.cancelled = True

    def report(self, states: int, depth: int, queue: int, seconds: float) -> None:
        if self.progress is not None:
            self.progress(self.scope, states, depth, queue, seconds)

    def landed(self, verdict) -> None:
        """NOTE(streaming): an engine's `verdict` (a forkproof.semantics.verdict.Verdict) is final
        for this instance; not passed on while `muted` (a portfolio running engines as stages)."""
        if not self.muted:
            self.announce(verdict)

    def announce(self, verdict) -> None:
        """NOTE(streaming): pass `verdict` on, muted or not (the portfolio's own final verdicts)."""
        if self.on_verdict is not None:
            self.on_verdict(self.scope, verdict)

    def working(self, what: str) -> None:
        """NOTE(streaming): an engine started (or goes on with) `what`, e.g. "kind: voting_closes, k = 3"."""
        if self.on_work is None:
            return
        now = time.perf_counter()
        if what != self._work[0]:
            self._work = (what, now)
        self.on_work(self.scope, what, now - self._work[1])
