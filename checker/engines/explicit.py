"""The explicit engine: breadth-first search over the states of a finite instance.

States are tuples (NOTE(layout) in checker/semantics/instance.py), expressions closures compiled
once (checker/semantics/compile.py).  BFS order makes every counterexample a shortest one.

NOTE(symmetry): with symmetry on, a state is stored in canonical form: the per-copy
chunks of each eligible family sorted.  A family is eligible when no state variable holds
or is indexed by one of its ids, so ids appear only as action arguments and binders,
which the type checker keeps from being compared by order or written as literals: every
guard, update and property then commutes with a permutation of the copies.  Traces are
made concrete again by replaying from an initial state (`_concretize`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from typing import Callable

from forkproof.semantics.control import Control, resident_bytes
from forkproof.semantics.gcpause import collector_paused
from forkproof.engines.fingerprints import (FingerprintSet, ParentLog, Spill, Workdir, collision_probability,
                                            make_fingerprint, show_size)
from forkproof.engines.liveness import liveness_verdicts
from forkproof.semantics.replay import action_label, make_trace, successors
from forkproof.semantics.temporal import Liveness, SafetyCheck, safety_checks
from forkproof.semantics.compile import ActionInstance, EvalError, Fn, ValueLimit, compile_program, walk
from forkproof.semantics.instance import Instance
from forkproof.semantics.verdict import EngineResult, Status, Trace, Verdict
from forkproof.spec.ir import MapType, ProcType, Type



@dataclass(frozen=True)
class ExplicitOptions:
    symmetry: bool = True
    deadlock: bool = True
    max_states: int | None = None
    timeout: float | None = None
    control: Control | None = None  # cancellation and progress reports (NOTE(interrupt), NOTE(progress))
    store: str = "exact"  # "exact": every state kept whole; "fingerprint": NOTE(fingerprints)
    memory: int | None = None  # NOTE(memory): the budget in bytes; None: no budget
    spill_dir: str | None = None  # fingerprint store: where the parent log and spilled levels go
    spill_bytes: int | None = None  # fingerprint store: bytes of a BFS level (pickled) kept in memory; None: from `memory`


ExplicitResult = EngineResult  # the explicit engine's result is the shared engine result


@dataclass(frozen=True)
class Failure:
    """Where a check failed or a runtime error struck: the canonical state, and for a
    transition the action instance and the canonical successor."""

    state: tuple
    length: int  # transitions in the trace that shows it
    action: ActionInstance | None = None
    succ: tuple | None = None
    message: str = ""
    phase: str = ""  # runtime errors: "init" | "guard" | "update" | "check"
    check: SafetyCheck | None = None
    where: object = None  # where the search keeps `state`, for an engine whose states are not in `parent`


# ---------------------------------------------------------------- symmetry


def symmetric_families(inst: Instance) -> tuple[list[tuple[int, int, int]], list[str]]:
    """(base, copies, chunk) for every family that can be reduced; notes for the others."""
    groups, notes = [], []
    variables = [(v.shown, v) for v in inst.model.globals]
    variables += [(f"{f.name}.{v.shown}", v) for f in inst.model.families for v in f.locals]
    first: dict[str, tuple[str, object]] = {}  # family -> the first variable whose type names its ids
    for name, v in variables:  # one walk per variable, not one per variable and family (2,679 families: 10 s)
        for x in walk(v.ty):
            if isinstance(x, ProcType):
                first.setdefault(x.family, (name, v))
    for fam in inst.model.families:
        n, chunk = inst.family_sizes[fam.name], inst.chunk[fam.name]
        culprit = first.get(fam.name)
        if culprit is not None:
            name, v = culprit
            how = "holds" if _holds_id(v.ty, fam.name) else "is indexed by"
            ids = "a " + fam.name + " id" if how == "holds" else fam.name + " ids"
            notes.append(f"symmetry off for {fam.name}: variable {name} {how} {ids}")
        elif n > 1 and chunk > 0:
            groups.append((inst.family_base[fam.name], n, chunk))
    return groups, notes


def _holds_id(ty: Type, family: str) -> bool:
    while isinstance(ty, MapType):
        ty = ty.value
    return isinstance(ty, ProcType) and ty.family == family


def make_canon(groups: list[tuple[int, int, int]], width: int) -> Callable[[tuple], tuple] | None:
    """The canonical form for states of `width` slots: each group's chunks sorted.  Generated
    as one straight-line function from the layout's integers (twice as fast as slicing)."""
    if not groups:
        return None
    lines, parts, pos = [], [], 0
    for g, (b, n, c) in enumerate(groups):
        parts.append(f"*t[{pos}:{b}]")
        chunks = [f"({', '.join(f't[{b + i * c + j}]' for j in range(c))},)" if c > 1 else f"t[{b + i}]"
                  for i in range(n)]
        lines.append(f"    g{g} = sorted([{', '.join(chunks)}])")
        if c > 1:
            parts.extend(f"*g{g}[{i}]" for i in range(n))
        else:
            parts.append(f"*g{g}")
        pos = b + n * c
    parts.append(f"*t[{pos}:{width}]")
    src = "def canon(t):\n" + "\n".join(lines) + f"\n    return ({', '.join(parts)},)\n"
    ns: dict = {}
    exec(src, ns)
    return ns["canon"]


# ---------------------------------------------------------------- search


def check_explicit(inst: Instance, options: ExplicitOptions) -> ExplicitResult:
    """Explore every reachable state of `inst` and decide its safety properties."""
    if options.store == "fingerprint":
        return _FingerprintSearch(inst, options).run()
    return Search(inst, options).run()


class Search:
    def __init__(self, inst: Instance, options: ExplicitOptions):
        self.inst, self.opt = inst, options
        self.control = options.control if options.control is not None else Control()
        self.start = time.monotonic()
        self.prog = compile_program(inst)
        self.checks, self.liveness = safety_checks(self.prog)
        groups, self.notes = symmetric_families(inst) if options.symmetry else ([], [])
        self.canon = make_canon(groups, len(inst.slot_names))
        self.parent: dict[tuple, tuple | None] = {}
        self.depth_of_level = 0  # levels fully discovered and checked
        self.failed: dict[str, Failure] = {}  # check name -> its first (shortest) failure
        self.deadlock: Failure | None = None
        self.runtime: Failure | None = None
        self.transitions = 0
        self.stopped: str | None = None  # why the search ended early
        self.state_checks: list[SafetyCheck] = []
        self.step_checks: list[SafetyCheck] = []
        self.last_progress = -1.0
        self.ever_enabled = bytearray(len(self.prog.actions))  # per action instance: enabled in a reached state
        self._refresh()

    # ------------------------------------------------------------ the BFS

    def _stored(self) -> int:
        """How many distinct states the search has stored."""
        return len(self.parent)

    def run(self) -> ExplicitResult:
        env = self.prog.new_env()
        level = 0
        self.control.searching()  # NOTE(phase-budget): from here this search's own budgets rule
        try:
            with collector_paused():  # NOTE(gc) in checker/semantics/gcpause.py
                frontier = self._initial(env)
                while frontier and self.stopped is None:
                    nxt = self._expand(frontier, level, env)
                    if nxt and self.stopped is None:
                        level += 1
                    frontier = nxt
        except KeyboardInterrupt:  # NOTE(interrupt) in checker/semantics/control.py
            self.control.cancel()
            self.stopped = f"interrupted (Ctrl-C): {self._stored():,} states explored, depth {level} complete"
        except ValueLimit as e:  # NOTE(limits) in spec/limits.py: an int grew past `digits`
            self.stopped = (f"{self.inst.model.limits.past_digits(e)}: "
                            f"{self._stored():,} states explored, depth {level} complete")
        self.depth_of_level = level
        return self._result(complete=self.stopped is None)

    def _initial(self, env: list) -> list[tuple]:
        frontier: list[tuple] = []
        limit = self.opt.max_states
        try:
            for k, s in enumerate(self.inst.initial_states()):
                if k & 255 == 255 and self._out_of_time(len(frontier), 0, "incomplete"):  # many collapse by symmetry
                    break
                c = self.canon(s) if self.canon else s
                if c in self.parent:
                    continue
                if limit is not None and self._stored() >= limit:
                    self.stopped = f"state limit reached: {limit} initial states, depth 0 incomplete"
                    break
                self.parent[c] = None
                self._check_state(c, 0, env)
                frontier.append(c)
        except EvalError as e:
            self.runtime = Failure((), 0, message=str(e), phase="init")
            self.stopped = f"the initial state could not be computed: {e}"
        if not frontier and self.stopped is None:
            self.notes.append("the instance has no initial states: every invariant holds vacuously")
        return frontier

    def _check_state(self, c: tuple, length: int, env: list) -> None:
        for chk in self.state_checks:
            try:
                ok = chk.fn(c, None, env)
            except EvalError as e:
                self._runtime(Failure(c, length, message=str(e), phase="check", check=chk))
                continue
            if not ok:
                self.failed[chk.name] = Failure(c, length, check=chk)
                self._refresh()

    def _refresh(self) -> None:
        live = [c for c in self.checks if c.name not in self.failed]
        self.state_checks = [c for c in live if not c.step]
        self.step_checks = [c for c in live if c.step]
        want_deadlock = self.opt.deadlock and self.deadlock is None
        # runtime errors are a finding too: only a found one (or a full search) decides it
        if not live and not want_deadlock and self.runtime is not None and (self.checks or self.opt.deadlock):
            self.stopped = "everything is decided"

    def _runtime(self, f: Failure) -> None:
        if self.runtime is None or f.length < self.runtime.length:
            self.runtime = f

    def _expand(self, frontier: list[tuple], level: int, env: list) -> list[tuple]:
        """Every successor of one BFS level; the hot loop, so it works on locals."""
        parent, fire = self.parent, self._fire
        acts = [(a.guard, a.update, a, i) for i, a in enumerate(self.prog.actions)]
        limit = self.opt.max_states if self.opt.max_states is not None else float("inf")
        nxt: list[tuple] = []
        for k, s in enumerate(frontier):
            if k & 255 == 0 and self._out_of_time(len(frontier) - k + len(nxt), level):
                return nxt
            for c in fire(s, level, env, acts):
                if c in parent:
                    continue
                if len(parent) >= limit:
                    self.stopped = f"state limit reached: {len(parent)} states explored, depth {level} complete"
                    return nxt
                parent[c] = s
                if self.state_checks:
                    self._check_state(c, level + 1, env)
                nxt.append(c)
            if self.stopped:
                return nxt
        return nxt

    def _fire(self, s: tuple, level: int, env: list, acts: list) -> list[tuple]:
        """The canonical successors of s, duplicates included, every transition's step checks
        run, runtime errors and a deadlock recorded on the way: the hot loop's body, which
        both stores share."""
        canon, seen, out = self.canon, self.ever_enabled, []  # seen: indexed, not a set (hashing an action instance hashes its IR)
        enabled = False
        for g, update, a, i in acts:
            if g is not None:
                try:
                    if not g(s, None, env):
                        continue
                except EvalError as e:
                    self._runtime(Failure(s, level, a, message=str(e), phase="guard"))
                    enabled = True
                    continue
            enabled = True
            seen[i] = 1
            try:
                t = update(s, env)
            except EvalError as e:
                self._runtime(Failure(s, level, a, message=str(e), phase="update"))
                continue
            c = t if canon is None else canon(t)
            if self.step_checks:
                self._check_step(s, t, c, a, level, env)
            out.append(c)
        self.transitions += len(out)
        if not enabled and self.opt.deadlock and self.deadlock is None:
            self.deadlock = Failure(s, level)
            self._refresh()
        return out

    def _check_step(self, s: tuple, t: tuple, c: tuple, a: ActionInstance, level: int, env: list) -> None:
        for chk in self.step_checks:
            try:
                ok = chk.fn(s, t, env)
            except EvalError as e:
                self._runtime(Failure(s, level, a, c, str(e), "check", chk))
                continue
            if not ok:
                self.failed[chk.name] = Failure(s, level + 1, a, c, check=chk)
                self._refresh()

    def _out_of_time(self, queue: int, level: int, depth: str = "complete") -> bool:
        """Whether a budget ran out (setting `stopped`); `depth`: whether `level` was explored
        whole ("complete") or is the level being explored ("incomplete")."""
        elapsed = time.monotonic() - self.start
        if self.control.cancelled:
            self.stopped = (f"interrupted (Ctrl-C): {self._stored():,} states explored, depth {level} {depth}")
            return True
        if self.control.progress is not None and elapsed - self.last_progress >= self.control.interval:
            self.last_progress = elapsed
            self.control.report(self._stored(), level, queue, elapsed)
        if self.opt.timeout is not None and elapsed > self.opt.timeout:
            self.stopped = (f"FP701: timeout after {self.opt.timeout:g} s: {self._stored():,} states explored, "
                            f"depth {level} {depth}")
        elif self.opt.memory is not None and (rss := resident_bytes()) > self.opt.memory:  # NOTE(memory)
            self.stopped = (f"memory budget of {show_size(self.opt.memory)} reached ({show_size(rss)} in use): "
                            f"{self._stored():,} states explored, depth {level} {depth}")
        return self.stopped is not None

    # ------------------------------------------------------------ verdicts

    def _result(self, complete: bool) -> ExplicitResult:
        seconds = time.monotonic() - self.start
        states, depth = self._stored(), self.depth_of_level
        scope = self.inst.scope()
        limit_reason = None if complete or self.stopped == "everything is decided" else self.stopped
        skipped = ("a runtime error cut transitions (see 'runtime'): this covers the states reached without it",) \
            if self.runtime is not None else ()

        def verdict(name: str, kind: str, f: Failure | None) -> Verdict:
            if f is not None:
                return Verdict(name, kind, Status.VIOLATED, scope, "explicit", states, f.length, seconds,
                               self._trace(f))
            if limit_reason is not None:
                return Verdict(name, kind, Status.UNKNOWN, scope, "explicit", states, depth, seconds,
                               reason=limit_reason)
            return Verdict(name, kind, Status.HOLDS, scope, "explicit", states, depth, seconds, notes=skipped)

        out = [verdict(c.name, c.kind, self.failed.get(c.name)) for c in self.checks]
        out += self._liveness(scope, limit_reason, states, depth, seconds)
        order = {p.name: i for i, p in enumerate(self.inst.model.properties)}  # properties in model order
        props = sorted((v for v in out if v.kind == "property"), key=lambda v: order.get(v.name, 0))
        out = [v for v in out if v.kind in ("invariant", "step invariant")] + props
        notes = list(self.notes)
        if complete and self.runtime is None:
            for name in self._never_enabled():
                notes.append(f"vacuity: action '{name}' is never enabled in any reachable state ({scope or 'the model'})")
        if self.opt.deadlock:
            out.append(verdict("deadlock", "deadlock", self.deadlock))
        if self.runtime is not None:
            trace, reason = self._runtime_trace(self.runtime)
            out.append(Verdict("runtime", "runtime", Status.VIOLATED, scope, "explicit", states,
                               self.runtime.length, seconds, trace, reason))
        return ExplicitResult(out, states, depth, self.transitions, seconds, complete, notes)

    def _never_enabled(self) -> list[str]:
        names = {a.action.name for a, on in zip(self.prog.actions, self.ever_enabled) if on}
        return [a.name for a in self.inst.model.actions if a.name not in names
                and any(x.action is a for x in self.prog.actions)]

    def _liveness(self, scope: str, limit_reason: str | None, states: int, depth: int, seconds: float) -> list[Verdict]:
        """Verdicts for the properties other than `always P` (checker/engines/liveness.py)."""
        forms = [x for x in self.liveness if isinstance(x, Liveness)]
        odd = [x for x in self.liveness if not isinstance(x, Liveness)]
        if limit_reason is not None and forms:
            return [Verdict(x.name, "property", Status.UNKNOWN, scope, "explicit", states, depth, seconds,
                            reason=f"{limit_reason}; liveness needs the whole state graph") for x in forms] + \
                   [Verdict(n, "property", Status.UNKNOWN, scope, "explicit", states, depth, seconds, reason=r)
                    for n, r in odd]
        deadline = self.start + self.opt.timeout if self.opt.timeout is not None else None
        out, notes, _ = liveness_verdicts(self.prog, forms, odd, scope, self.opt.max_states, deadline, self.control,
                                          canon=self.canon)
        self.notes.extend(n for n in notes if n not in self.notes)
        return out

    # ------------------------------------------------------------ traces

    def _canon(self, t: tuple) -> tuple:
        return self.canon(t) if self.canon else t

    def _path_of(self, f: Failure) -> list:
        """The canonical states (or what `_concretize` takes) from an initial state to f's."""
        return self._path(f.state)

    def _path(self, c: tuple) -> list[tuple]:
        path = [c]
        while (p := self.parent[path[-1]]) is not None:
            path.append(p)
        return path[::-1]

    def _successors(self, x: tuple, env: list):
        return successors(self.prog, x, env)

    def _concretize(self, path: list[tuple], env: list) -> tuple[list[tuple], list[ActionInstance | None]]:
        """A concrete run through the canonical states of `path` (NOTE(symmetry))."""
        xs, acts = [path[0]], [None]
        for c in path[1:]:
            a, t = _first((a, t) for a, t in self._successors(xs[-1], env) if self._canon(t) == c)
            xs.append(t)
            acts.append(a)
        return xs, acts

    def _trace(self, f: Failure) -> Trace:
        env = self.prog.new_env()
        xs, acts = self._concretize(self._path_of(f), env)
        if f.action is not None:  # a step invariant: the offending transition ends the trace
            x = xs[-1]
            a, t = _first((a, t) for a, t in self._successors(x, env)
                          if self._canon(t) == f.succ and not _holds(f.check.fn, x, t, env))
            xs.append(t)
            acts.append(a)
        return self._make_trace(xs, acts)

    def _runtime_trace(self, f: Failure) -> tuple[Trace | None, str]:
        if f.phase == "init":
            return None, f"initial state: {f.message}"
        env = self.prog.new_env()
        xs, acts = self._concretize(self._path_of(f), env)
        where, message = self._find_error(f, xs[-1], env)
        return self._make_trace(xs, acts), f"{where}: {message}"

    def _find_error(self, f: Failure, x: tuple, env: list) -> tuple[str, str]:
        """The runtime error again, on the concrete state x (its arguments may be permuted)."""
        if f.action is None:  # a check on a state
            try:
                f.check.fn(x, None, env)
            except EvalError as e:
                return f"{f.check.kind} {f.check.name}", str(e)
            return f"{f.check.kind} {f.check.name}", f.message
        for a in self.prog.actions:
            if a.action is not f.action.action:
                continue
            try:
                if a.guard is not None and not a.guard(x, None, env):
                    continue
            except EvalError as e:
                return f"guard of action {self._label(a)}", str(e)
            try:
                t = a.update(x, env)
            except EvalError as e:
                return f"action {self._label(a)}", str(e)
            if f.phase == "check":
                try:
                    f.check.fn(x, t, env)
                except EvalError as e:
                    return f"{f.check.kind} {f.check.name} after action {self._label(a)}", str(e)
        return f"action {self._label(f.action)}", f.message

    def _label(self, a: ActionInstance) -> str:
        return action_label(a)

    def _make_trace(self, xs: list[tuple], acts: list[ActionInstance | None]) -> Trace:
        return make_trace(self.inst, xs, acts)


class _FingerprintSearch(Search):
    """The same search with states remembered by fingerprint (NOTE(fingerprints) in
    checker/engines/fingerprints.py): candidates of CHUNK frontier states at a time are
    looked up together, the parent log and large levels go to disk."""

    CHUNK = 2048  # frontier states expanded between two batch lookups
    LEVEL_BYTES = 128 << 20  # at most this much of a BFS level (pickled) in memory, the rest on disk

    def __init__(self, inst: Instance, options: ExplicitOptions):
        super().__init__(inst, options)
        self.work = Workdir(options.spill_dir)
        self.seen = FingerprintSet()
        self.log = ParentLog(self.work.path)
        self.initial_fps: dict[int, tuple] = {}
        self.fingerprint = make_fingerprint(inst.slot_types, inst.slot_bounds)
        self.spill_limit = options.spill_bytes or (min(options.memory // 8, self.LEVEL_BYTES)
                                                   if options.memory is not None else self.LEVEL_BYTES)

    def _stored(self) -> int:
        return len(self.seen)

    def run(self) -> ExplicitResult:
        try:
            return super().run()
        finally:
            self.work.close()

    def _initial(self, env: list) -> Spill:  # type: ignore[override]
        import numpy as np  # NOTE(lazy-engines): only the fingerprint store pays for numpy
        frontier = Spill(self.work.path, "level_0", self.spill_limit)
        for c in super()._initial(env):  # the exact store holds the initial states: few
            self.initial_fps[self.fingerprint(c)] = c
        fps = np.fromiter(self.initial_fps, dtype=np.int64, count=len(self.initial_fps))
        self.seen.add_new(fps)
        frontier.append_many(list(self.initial_fps.values()))
        self.parent.clear()
        return frontier

    def _expand(self, frontier: Spill, level: int, env: list) -> Spill:  # type: ignore[override]
        nxt = Spill(self.work.path, f"level_{level + 1}", self.spill_limit)
        done = 0
        for batch in frontier.batches():
            for start in range(0, len(batch), self.CHUNK):
                if self.stopped is not None or self._out_of_time(len(frontier) - done + len(nxt), level):
                    return nxt
                chunk = batch[start:start + self.CHUNK]
                done += len(chunk)
                self._expand_chunk(chunk, level, env, nxt)
        return nxt

    def _expand_chunk(self, chunk: list[tuple], level: int, env: list, nxt: Spill) -> None:
        import numpy as np
        fingerprint, fire = self.fingerprint, self._fire
        acts = [(a.guard, a.update, a, i) for i, a in enumerate(self.prog.actions)]
        cand: dict[int, tuple] = {}  # fingerprint -> (canonical successor, parent fingerprint), first come first kept
        for s in chunk:
            fs = fingerprint(s)
            for c in fire(s, level, env, acts):
                fc = fingerprint(c)
                if fc not in cand:
                    cand[fc] = (c, fs)
        if not cand:
            return
        fps = np.fromiter(cand, dtype=np.int64, count=len(cand))
        fresh = np.nonzero(self.seen.add_new(fps))[0]
        if not len(fresh):
            return
        items = list(cand.values())
        new = [items[k] for k in fresh]
        self.log.append(level + 1, fps[fresh], np.fromiter((p for _, p in new), dtype=np.int64, count=len(new)))
        states = [c for c, _ in new]
        if self.state_checks:
            for c in states:
                self._check_state(c, level + 1, env)
        nxt.append_many(states)
        limit = self.opt.max_states
        if limit is not None and len(self.seen) >= limit and self.stopped is None:
            self.stopped = f"state limit reached: {len(self.seen)} states explored, depth {level} complete"

    def _result(self, complete: bool) -> ExplicitResult:
        res = super()._result(complete)
        p = collision_probability(res.states, res.transitions)
        res.notes.append(f"states stored as 64-bit fingerprints (--store fingerprint): the probability that two "
                         f"states shared one, so that a state was missed, is about {p:.1g} (states x transitions "
                         f"/ 2^64, as TLC estimates it); --store exact has no such caveat")
        return res

    def _liveness(self, scope: str, limit_reason: str | None, states: int, depth: int, seconds: float) -> list[Verdict]:
        if not self.liveness:
            return []
        why = "liveness needs the whole state graph in memory: check it with --store exact"
        return [Verdict(x.name if isinstance(x, Liveness) else x[0], "property", Status.UNKNOWN, scope, "explicit",
                        states, depth, seconds, reason=why if isinstance(x, Liveness) else x[1])
                for x in self.liveness]

    def _path(self, c: tuple) -> list[int]:  # type: ignore[override]
        """The fingerprints from an initial state to c's."""
        fc = self.fingerprint(c)
        if fc in self.initial_fps:
            return [fc]
        for level in range(1, self.depth_of_level + 2):  # the level c was first reached at, and its parent
            parent = self.log.parent(level, fc)
            if parent is not None:
                return self.log.path(level - 1, parent) + [fc]
        raise AssertionError(f"fingerprint {fc} is in no level of the parent log")

    def _concretize(self, path: list[int], env: list) -> tuple[list[tuple], list[ActionInstance | None]]:  # type: ignore[override]
        xs, acts = [self.initial_fps[path[0]]], [None]
        for fc in path[1:]:
            a, t = _first((a, t) for a, t in self._successors(xs[-1], env) if self.fingerprint(self._canon(t)) == fc)
            xs.append(t)
            acts.append(a)
        return xs, acts


def _first(pairs):
    for p in pairs:
        return p
    raise AssertionError("trace replay failed: symmetry reduction is unsound for this model")


def _holds(f: Fn, s: tuple, t: tuple | None, env: list) -> bool:
    try:
        return bool(f(s, t, env))
    except EvalError:
        return True
