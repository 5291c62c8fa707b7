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

NOTE(phase-budget): the engines poll their own budgets (--timeout, --memory, --max-states)
inside their searches, but the work before a search is not a loop that polls: parsing,
type checking, making an instance, compiling it, encoding it for Z3.  Each of those runs
inside `within(name, seconds, memory)`: loading a file under --timeout (60 s by default) in
the command line, planning its instances likewise in forkproof.run.check, preparing an instance under that instance's time budget in
forkproof.run.distribute (for bmc, kind and pdr, which encode expressions for Z3 as they go,
the whole run: their budget per property times the properties and two more, plus a second, a
backstop behind their own budgets), both under the memory budget (--memory, by default half the
machine's).  The command line's watch (forkproof.cli.common.watch) looks at `over_budget()`
every 0.2 s through SIGALRM and raises BudgetExceeded in the running code; when the engine
starts its search it calls `searching()` and the watch leaves it alone.  BudgetExceeded,
MemoryError and a number past the limit `digits` while preparing an instance make each of
its verdicts unknown, with the phase, the step (parsing, compiling, ...) and the time; before
any model is loaded, the command prints the reason and exits 3.  A single operation in C
(building a list of 10^8 values) cannot be cut: the limits (NOTE(limits) in spec/limits.py)
keep every such operation small, so a phase ends within a second of its budget.  Off the main
thread (an embedding host) and in the Python API no watch runs, and only the engines'
budgets apply.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
FRONT_SECONDS = 60.0  # NOTE(phase-budget): loading a file, or planning its instances, when --timeout is not given


class BudgetExceeded(Exception):
    """NOTE(phase-budget): a phase outside the engines' own polled loops ran past its time or
    memory budget; `reason` says which, in which phase, how far it got."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Phase:
    """What the run is doing now (NOTE(phase-budget)): its name for people, since when, until
    when it may run (None: an engine's own budget rules), and the memory it may use."""

    name: str
    start: float
    deadline: float | None
    seconds: float | None
    memory: int | None

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
    phase: Phase | None = None  # NOTE(phase-budget)
    expired: str | None = None  # NOTE(phase-budget): the reason the watch last raised, in the latest phase
    owed_interrupt: bool = False  # a Ctrl-C the watch raises once out of Z3's API (NOTE(async-raise) in checker/cli/common.py)

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

    # ------------------------------------------------------------ NOTE(phase-budget)

    @contextmanager
    def within(self, name: str, seconds: float | None, memory: int | None) -> Iterator[None]:
        """Run a phase (`name`, "loading models/x.fork") under a time and memory budget that
        the command line's watch enforces; an engine's search inside it calls `searching()`,
        after which the engine's own budgets rule.  Nested phases restore the outer one."""
        outer = self.phase
        now = time.monotonic()
        self.expired = None
        self.phase = Phase(name, now, None if seconds is None else now + seconds, seconds, memory)
        try:
            yield
        finally:
            self.phase = outer

    def front(self, name: str, timeout: float | None, memory: int | None):
        """`within` for the work before any instance (loading a file, planning its instances):
        --timeout or FRONT_SECONDS, --memory or half the machine's."""
        return self.within(name, timeout or FRONT_SECONDS, default_memory_budget() if memory is None else memory)

    def expire(self, where: str | None = None) -> BudgetExceeded | None:
        """The exception the watch raises now, if the phase is past its budget (remembered in
        `expired`, which `budget_reason` reads); `where` as for over_budget."""
        reason = self.over_budget(where)
        if reason is None:
            return None
        self.expired = reason
        return BudgetExceeded(reason)

    def budget_reason(self, exc: BaseException) -> str | None:
        """The budget `exc` stands for, or None: a BudgetExceeded, or what the code it landed
        in wrapped it into (ctypes, under Z3's API, turns it into "ArgumentError: argument 1:
        BudgetExceeded: ..."), when the watch raised in this phase."""
        if isinstance(exc, BudgetExceeded):
            return exc.reason
        if self.expired is not None and BudgetExceeded.__name__ in str(exc):
            return self.expired
        return None

    def stop_reason(self, exc: BaseException, doing: str) -> str | None:
        """NOTE(phase-budget): why a phase ended before its work was done, or None (then `exc`
        is a bug, for the caller to raise again): memory ran out while `doing` ("loading
        x.fork"), or the budget `exc` stands for (budget_reason)."""
        if isinstance(exc, MemoryError):
            return f"memory ran out while {doing}"
        return self.budget_reason(exc)

    def searching(self) -> None:
        """An engine's polled search starts: the phase's deadline and memory budget give way
        to the engine's (its --timeout, --memory, --max-states checks, every 256 states)."""
        if self.phase is not None:
            self.phase.deadline = self.phase.memory = None

    def over_budget(self, where: str | None = None) -> str | None:
        """NOTE(phase-budget): why the current phase must stop now, or None.  Called by the
        command line's watch, a few times a second; `where`: the step it is in ("parsing")."""
        ph = self.phase
        if ph is None:
            return None
        now = time.monotonic()
        step = f", {where}" if where else ""
        if ph.deadline is not None and now > ph.deadline:
            return f"the time budget of {ph.seconds:g} s ran out while {ph.name}{step} (after {now - ph.start:.1f} s)"
        if ph.memory is not None and (rss := resident_bytes()) > ph.memory:
            return (f"the memory budget of {ph.memory / 2**20:,.0f} MiB was passed while {ph.name}{step} "
                    f"({rss / 2**20:,.0f} MiB in use after {now - ph.start:.1f} s)")
        return None


def resident_bytes() -> int:
    """The process's resident memory now (Linux: /proc/self/statm); 0 where unknown."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def machine_bytes() -> int:
    """The machine's physical memory; 0 where unknown."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * PAGE
    except (ValueError, OSError, AttributeError):
        return 0


def default_memory_budget() -> int | None:
    """NOTE(memory) in checker/engines/fingerprints.py: half of the machine's memory; None where
    it cannot be read."""
    total = machine_bytes()
    return total // 2 if total else None
