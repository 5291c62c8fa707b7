"""Random simulation: runs of bounded depth from the initial states, for models too big to
enumerate (`--engine simulate`).

NOTE(simulate): each run starts in an initial state drawn at random and takes, at each step,
an enabled action instance drawn at random (uniformly among the enabled ones), up to
`depth` steps or a state where none is enabled.  Every safety check (invariants and
`always P`), deadlock and runtime errors are checked along the way, as the explicit search
checks them.  The runs are drawn from `random.Random(seed)`: the seed is printed, and the
same seed on the same instance gives the same runs.

What it concludes:
- a violation, with a trace.  A run is no shortest counterexample, so before it is shown it
  is shortened (NOTE(shorten)) and the result replayed through the step function
  (checker/semantics/replay.py): what the report shows is a real run of the model;
- otherwise "no violation in K runs of up to D steps" (`Status.SAMPLED`): never "holds", and no
  `--require` level counts it as success (exit 3), because a sample covers what it drew and
  nothing else;
- liveness properties are not checked (a finite run shows no lasso): unknown, with the reason.

Every run is bounded: `runs` runs of at most `depth` steps, within the time budget; a run cut
by the budget reports how many runs were completed.

NOTE(shorten): a violating run x0 -a1-> x1 ... -am-> xm is shortened, keeping x0, by
  1. cutting loops: when a state repeats, the steps between its visits go;
  2. dropping steps: chunks of action instances (halves, quarters, ... single steps) are
     left out when the remaining ones still apply in order from x0 (each guard holds, each
     update runs) and the same property still fails, at the end or earlier (the run is then
     cut there);
repeated until nothing changes or the attempts run out.  The result is a run of the model
that violates the same property, at most as long as the one found; it need not be the
shortest there is (the explicit engine or bmc gives that).
"""
from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, replace
from typing import Callable

from forkproof.semantics.compile import ActionInstance, EvalError, Program, compile_program
from forkproof.semantics.control import Control
from forkproof.semantics.instance import Instance
from forkproof.semantics.replay import action_label, make_trace, runtime_error_at
from forkproof.semantics.temporal import Liveness, SafetyCheck, safety_checks
from forkproof.semantics.verdict import EngineResult, Status, Trace, Verdict

MAX_SHORTEN_TRIES = 20_000  # replays spent on shortening one trace (NOTE(shorten))


@dataclass(frozen=True)
class SimulateOptions:
    runs: int = 1000
    depth: int = 100
    seed: int | None = None  # None: drawn from the operating system, and printed
    deadlock: bool = True
    timeout: float | None = None
    control: Control | None = None


def new_seed() -> int:
    """A seed for a run that was given none: printed, so that the run can be replayed."""
    return int.from_bytes(os.urandom(4), "big")


@dataclass(frozen=True)
class _Found:
    """A violation found by a run: the action instances (program indices) from `start`."""

    name: str
    kind: str
    start: tuple
    steps: tuple[int, ...]


def check_simulate(inst: Instance, options: SimulateOptions) -> EngineResult:
    """Random runs of `inst` (NOTE(simulate))."""
    return _Simulation(inst, options).run()


class _Simulation:
    def __init__(self, inst: Instance, options: SimulateOptions):
        self.inst, self.opt = inst, options
        self.seed = options.seed if options.seed is not None else new_seed()
        self.control = options.control if options.control is not None else Control()
        self.start = time.monotonic()
        self.prog: Program = compile_program(inst)
        self.checks, self.liveness = safety_checks(self.prog)
        self.state_checks = [c for c in self.checks if not c.step]
        self.step_checks = [c for c in self.checks if c.step]
        self.env = self.prog.new_env()
        self.found: dict[str, _Found] = {}  # property name -> its violating run (shortened later)
        self.runtime: _Found | None = None
        self.deadlock: _Found | None = None
        self.seen: set[int] = set()  # hashes of the states visited: how much the runs covered
        self.runs_done = 0
        self.first: tuple = ()  # the current run's initial state
        self.stopped: str | None = None
        self.last_progress = -1.0

    # ------------------------------------------------------------ the runs

    def run(self) -> EngineResult:
        self.control.searching()  # NOTE(phase-budget): this engine's own budget rules from here
        rng = random.Random(self.seed)
        try:
            initial = list(self.inst.initial_states())
        except EvalError as e:
            return self._initial_error(str(e))
        if initial:
            try:
                while self.runs_done < self.opt.runs and not self._decided():
                    if self._out_of_time():
                        break
                    self._one_run(rng, initial[rng.randrange(len(initial))])
                    self.runs_done += 1
            except KeyboardInterrupt:  # NOTE(interrupt) in checker/semantics/control.py
                self.control.cancel()
                self.stopped = f"interrupted (Ctrl-C) after {self.runs_done:,} runs"
        return self._result(bool(initial))

    def _decided(self) -> bool:
        want_deadlock = self.opt.deadlock and self.deadlock is None
        return not want_deadlock and self.runtime is not None and all(c.name in self.found for c in self.checks)

    def _out_of_time(self) -> bool:
        elapsed = time.monotonic() - self.start
        if self.control.cancelled:
            self.stopped = f"interrupted (Ctrl-C) after {self.runs_done:,} runs"
        elif self.opt.timeout is not None and elapsed > self.opt.timeout:
            self.stopped = f"time budget of {self.opt.timeout:g} s ran out after {self.runs_done:,} of {self.opt.runs:,} runs"
        elif elapsed - self.last_progress >= self.control.interval:
            self.last_progress = elapsed
            self.control.working(f"simulate: run {self.runs_done + 1:,} of {self.opt.runs:,}, "
                                 f"{len(self.seen):,} distinct states")
        return self.stopped is not None

    def _one_run(self, rng: random.Random, x: tuple) -> None:
        acts, env, steps = self.prog.actions, self.env, []
        state_checks, step_checks = self.state_checks, self.step_checks
        self.first = x
        self.seen.add(hash(x))
        if self._check_state(x, steps, state_checks):
            return
        for _ in range(self.opt.depth):
            enabled = []
            for i, a in enumerate(acts):
                try:
                    if a.guard is None or a.guard(x, None, env):
                        enabled.append(i)
                except EvalError:
                    self._runtime(steps)
                    return
            if not enabled:
                if self.opt.deadlock and self.deadlock is None:
                    self.deadlock = _Found("deadlock", "deadlock", self.first, tuple(steps))
                return
            i = enabled[rng.randrange(len(enabled))]
            try:
                t = acts[i].update(x, env)
            except EvalError:
                self._runtime(steps)
                return
            steps.append(i)
            for c in step_checks:
                if c.name in self.found:
                    continue
                try:
                    ok = c.fn(x, t, env)
                except EvalError:
                    self._runtime(steps[:-1])
                    return
                if not ok:
                    self.found[c.name] = _Found(c.name, c.kind, self.first, tuple(steps))
            x = t
            self.seen.add(hash(x))
            if self._check_state(x, steps, state_checks):
                return

    def _check_state(self, x: tuple, steps: list[int], checks: list[SafetyCheck]) -> bool:
        """Check x, the state `steps` reach; True when a runtime error ends the run."""
        for c in checks:
            if c.name in self.found:
                continue
            try:
                ok = c.fn(x, None, self.env)
            except EvalError:
                self._runtime(steps)
                return True
            if not ok:
                self.found[c.name] = _Found(c.name, c.kind, self.first, tuple(steps))
        return False

    def _runtime(self, steps: list[int]) -> None:
        """A runtime error in the state the steps reach (a guard, an update or a check there)."""
        if self.runtime is None or len(steps) < len(self.runtime.steps):
            self.runtime = _Found("runtime", "runtime", self.first, tuple(steps))

    # ------------------------------------------------------------ verdicts

    def _result(self, any_initial: bool) -> EngineResult:
        scope, seconds = self.inst.scope(), time.monotonic() - self.start
        states = len(self.seen)
        notes = [f"simulation seed {self.seed}: `--seed {self.seed}` draws the same runs again"]
        if not any_initial:
            notes.append("the instance has no initial states: nothing to simulate")
        if self.stopped is not None:
            notes.append(f"simulation stopped: {self.stopped}")
        sampled = f"{states:,} distinct states visited, seed {self.seed}"  # the detail beside "no violation in K runs"

        def verdict(name: str, kind: str, f: _Found | None) -> Verdict:
            if f is not None:
                xs, acts = self._shorten(f)
                return Verdict(name, kind, Status.VIOLATED, scope, "simulate", states, len(xs) - 1,
                               time.monotonic() - self.start, self._trace(f, xs, acts))
            if self.runs_done == 0:
                return Verdict(name, kind, Status.UNKNOWN, scope, "simulate", states, 0, seconds,
                               reason=self.stopped or "no run was made")
            return Verdict(name, kind, Status.SAMPLED, scope, "simulate", states, self.opt.depth, seconds,
                           reason=sampled, runs=self.runs_done)

        out = [verdict(c.name, c.kind, self.found.get(c.name)) for c in self.checks]
        for form in self.liveness:
            name = form.name if isinstance(form, Liveness) else form[0]
            why = ("simulation checks safety only: a finite run shows no lasso (use the explicit engine, "
                   "bmc or auto for liveness)") if isinstance(form, Liveness) else form[1]
            out.append(Verdict(name, "property", Status.UNKNOWN, scope, "simulate", states, None, seconds, reason=why))
        order = {p.name: i for i, p in enumerate(self.inst.model.properties)}
        props = sorted((v for v in out if v.kind == "property"), key=lambda v: order.get(v.name, 0))
        out = [v for v in out if v.kind != "property"] + props
        if self.opt.deadlock:
            out.append(verdict("deadlock", "deadlock", self.deadlock))
        if self.runtime is not None:
            xs, acts = self._shorten(self.runtime)
            why = runtime_error_at(self.prog, xs[-1], [(c.name, c.kind, c.fn) for c in self.state_checks])
            if why is None:  # a step check raised on the last transition
                why = self._step_error(xs[-1]) or "runtime error"
            out.append(Verdict("runtime", "runtime", Status.VIOLATED, scope, "simulate", states, len(xs) - 1,
                               time.monotonic() - self.start, self._trace(self.runtime, xs, acts), why))
        if self.opt.control is not None:
            for v in out:
                self.opt.control.landed(v)
        return EngineResult(out, states, self.opt.depth, 0, time.monotonic() - self.start, False, notes)

    def _trace(self, f: _Found, xs: list[tuple], acts: list[ActionInstance | None]) -> Trace:
        return replace(make_trace(self.inst, xs, acts), shortened_from=len(f.steps))

    def _initial_error(self, message: str) -> EngineResult:
        v = Verdict("runtime", "runtime", Status.VIOLATED, self.inst.scope(), "simulate", 0, 0,
                    time.monotonic() - self.start, None, f"initial state: {message}")
        return EngineResult([v], 0, 0, 0, v.seconds, False, [])

    def _step_error(self, x: tuple) -> str | None:
        for a in self.prog.actions:
            try:
                if a.guard is not None and not a.guard(x, None, self.env):
                    continue
                t = a.update(x, self.env)
            except EvalError:
                continue
            for c in self.checks:
                if c.step:
                    try:
                        c.fn(x, t, self.env)
                    except EvalError as e:
                        return f"{c.kind} {c.name} after action {action_label(a)}: {e}"
        return None

    # ------------------------------------------------------------ shortening

    def _shorten(self, f: _Found) -> tuple[list[tuple], list[ActionInstance | None]]:
        """NOTE(shorten): a shorter run from the same initial state that violates the same property."""
        fails = self._failure_test(f)
        steps = list(f.steps)
        xs = self._apply(f.start, steps, fails)
        assert xs is not None, "simulation: a violating run does not replay"
        steps = steps[:len(xs) - 1]
        tries = 0
        changed = True
        while changed and tries < MAX_SHORTEN_TRIES:
            changed = False
            cut = _cut_loops(steps, xs)
            if len(cut) < len(steps) and (ys := self._apply(f.start, cut, fails)) is not None:
                steps, xs = cut[:len(ys) - 1], ys
            chunk = max(1, len(steps) // 2)
            while chunk >= 1 and tries < MAX_SHORTEN_TRIES:
                i = 0
                while i < len(steps) and tries < MAX_SHORTEN_TRIES:
                    trial = steps[:i] + steps[i + chunk:]
                    tries += 1
                    ys = self._apply(f.start, trial, fails)
                    if ys is not None:
                        steps, xs, changed = trial[:len(ys) - 1], ys, True
                    else:
                        i += chunk
                chunk //= 2
        acts: list[ActionInstance | None] = [None] + [self.prog.actions[i] for i in steps]
        return xs, acts

    def _apply(self, x: tuple, steps: list[int], fails: Callable[[tuple, tuple | None], bool]) -> list[tuple] | None:
        """The states of `steps` applied in order from x, cut at the first that shows the
        failure; None when a step is not enabled or raises, or the failure never shows."""
        xs = [x]
        if fails(x, None):
            return xs
        for i in steps:
            a = self.prog.actions[i]
            try:
                if a.guard is not None and not a.guard(x, None, self.env):
                    return None
                t = a.update(x, self.env)
            except EvalError:
                return None
            xs.append(t)
            if fails(t, x):
                return xs
            x = t
        return None

    def _failure_test(self, f: _Found) -> Callable[[tuple, tuple | None], bool]:
        """Does the property fail at state x (reached from `before`)?"""
        env = self.env
        if f.kind == "deadlock":
            def no_action(x: tuple, before: tuple | None) -> bool:
                for a in self.prog.actions:
                    try:
                        if a.guard is None or a.guard(x, None, env):
                            return False
                    except EvalError:
                        return False
                return True
            return no_action
        if f.kind == "runtime":
            state_checks = [(c.name, c.kind, c.fn) for c in self.state_checks]

            def raises(x: tuple, before: tuple | None) -> bool:
                return runtime_error_at(self.prog, x, state_checks) is not None or self._step_error(x) is not None
            return raises
        check = next(c for c in self.checks if c.name == f.name)

        def violated(x: tuple, before: tuple | None) -> bool:
            if check.step and before is None:
                return False
            try:
                return not check.fn(before if check.step else x, x if check.step else None, env)
            except EvalError:
                return False
        return violated


def _cut_loops(steps: list[int], xs: list[tuple]) -> list[int]:
    """The steps left when, wherever a state repeats, the steps between its first and last
    visits go (NOTE(shorten)); xs[k] is the state after k steps."""
    last = {x: k for k, x in enumerate(xs)}
    out, k = [], 0
    while k < len(steps):
        k = max(k, last[xs[k]])
        if k < len(steps):
            out.append(steps[k])
            k += 1
    return out
