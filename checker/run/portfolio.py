"""Engine dispatch, and `auto`: a portfolio that says which engine decided each property.

`auto` on one instance, within its time budget:
  1. explicit search, bounded in states: when it completes, its verdicts stand
     ("holds (exhaustive)" or "violated" with the shortest trace, a lasso for liveness),
     except liveness properties it left unknown (its state graph ran out of budget):
     those go on to the symbolic engines (checker/engines/symbolic/lasso.py);
  2. otherwise its violations stand, and what is left goes to k-induction (proofs and
     counterexamples to induction), then PDR (proofs), then BMC (bugs, or "holds up to
     depth k"), each on what the previous ones left undecided;
  3. with `--require proof`, properties that hold exhaustively are also handed to
     k-induction and PDR, so that they can be reported "proved" for the instance.

NOTE(budgets): every engine has a default time budget (`DEFAULT_BUDGETS`, docs/language.md
section 8.7), which `--timeout` replaces.  bmc, kind and pdr count it per property
(checker/engines/symbolic/encode.py); the explicit search decides every property in one
pass, and auto's stages hand the undecided ones on, so for those two it is per instance.
A budget that runs out gives `unknown` with how far the engine got, never a proof.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

from typing import TYPE_CHECKING

from forkproof.run.results import Budget
from forkproof.semantics.control import Control
from forkproof.semantics.verdict import EngineResult, Status, Verdict

if TYPE_CHECKING:
    from forkproof.engines.symbolic.encode import SymbolicOptions
    from forkproof.semantics.instance import Instance

# NOTE(lazy-engines): each engine is imported where it is run, not here: this module is on
# the path of every command that checks (the options read run/choices.py), and the symbolic
# engines load z3 (about 0.3 s), the explicit one numpy.  A check with the explicit engine
# and no open param never loads z3 (tests/test_startup.py pins that).

AUTO_STATE_BUDGET = 250_000
# NOTE(budgets): (seconds, per what) when --timeout is not given
DEFAULT_BUDGETS: dict[str, tuple[float, str]] = {
    "explicit": (600.0, "instance"),
    "bmc": (30.0, "property"),
    "kind": (30.0, "property"),
    "pdr": (30.0, "property"),
    "auto": (120.0, "instance"),
    "simulate": (60.0, "instance"),
}
AUTO_DEFAULT_SECONDS = DEFAULT_BUDGETS["auto"][0]


def budget_of(engine: str, timeout: float | None) -> Budget:
    """The budget an engine runs under: --timeout if given, else its default (NOTE(budgets))."""
    seconds, per = DEFAULT_BUDGETS[engine]
    return Budget(engine, timeout if timeout else seconds, per, timeout is None)


@dataclass(frozen=True)
class EngineOptions:
    engine: str = "explicit"
    symmetry: bool = True
    deadlock: bool = True
    max_states: int | None = None
    timeout: float | None = None  # --timeout: seconds per property or instance (NOTE(budgets)); None: the default
    depth: int = 20
    certificate: str | None = None
    require: str = "exhaustive"
    control: Control | None = None  # cancellation and progress (checker/semantics/control.py)
    up_to: int = 6  # params with no value: fixed sizes checked up to this value
    runs: int = 1000  # simulate: how many random runs (NOTE(simulate))
    seed: int | None = None  # simulate: the seed; None: drawn once per check and printed
    sim_depth: int = 100  # simulate: steps per run
    store: str = "exact"  # explicit: "exact" or "fingerprint" (NOTE(fingerprints))
    memory: int | None = None  # explicit: the memory budget in bytes (NOTE(memory)); None: half the machine's
    ray: str | None = None  # --ray ADDRESS: instances run as Ray tasks (NOTE(ray) in checker/run/distribute.py)
    workers: int = 1  # explicit: worker processes for one search (NOTE(parallel) in checker/engines/parallel.py)

    @property
    def budget(self) -> Budget:
        return budget_of(self.engine, self.timeout)

    def symbolic(self, timeout: float | None, until: float | None = None, control: Control | None = None
                 ) -> SymbolicOptions:
        from forkproof.engines.symbolic.encode import SymbolicOptions
        return SymbolicOptions(depth=self.depth, timeout=timeout, deadlock=self.deadlock, certificate=self.certificate,
                               until=until, control=control)


def initial_error(inst: Instance) -> str | None:
    """An initial value outside its variable's range makes every run of the instance a
    runtime error at step 0.  The explicit engine reports it; the symbolic encodings assume
    valid initial states, so they must not run on such an instance."""
    from forkproof.semantics.compile import EvalError
    try:
        next(iter(inst.initial_states()), None)
    except EvalError as e:
        return str(e)
    return None


def run_engine(inst: Instance, opt: EngineOptions) -> EngineResult:
    if opt.engine not in DEFAULT_BUDGETS:
        raise ValueError(f"unknown engine {opt.engine}")
    seconds = opt.budget.seconds
    if opt.engine != "explicit" and initial_error(inst) is not None:
        # every engine's answer here is the explicit one: a runtime error in the initial state
        res = _explicit(inst, opt, opt.max_states, DEFAULT_BUDGETS["explicit"][0])
        res.notes.append(f"the {opt.engine} engine did not run: an initial state is invalid, see 'runtime'")
        _land_all(opt.control, res)
        return res
    if opt.engine == "explicit":
        res = _explicit(inst, opt, opt.max_states, seconds)
        _land_all(opt.control, res)
        return res
    if opt.engine == "auto":
        return _auto(inst, opt)
    if opt.engine == "simulate":
        from forkproof.engines.simulate import SimulateOptions, check_simulate
        seed = opt.seed if opt.seed is not None else new_seed()  # the CLI draws one per check instead
        return check_simulate(inst, SimulateOptions(runs=opt.runs, depth=opt.sim_depth, seed=seed,
                                                    deadlock=opt.deadlock, timeout=seconds, control=opt.control))
    from forkproof.engines.symbolic.engine import check_bmc, check_kind, check_pdr
    engine = {"bmc": check_bmc, "kind": check_kind, "pdr": check_pdr}[opt.engine]
    return engine(inst, opt.symbolic(seconds, control=opt.control))


def backstop_seconds(model, per_property: float) -> float:
    """NOTE(phase-budget): how long the watch lets an engine run whose budget is per property
    and which builds its encodings as it goes, unpolled (bmc, kind, pdr, the counters): its
    budget for each property and two more, plus a second, behind its own budgets."""
    return per_property * (len(model.invariants) + len(model.properties) + 2) + 1.0


def stopped_result(model, scope: str, opt: EngineOptions, reason: str) -> EngineResult:
    """Every obligation of an instance unknown, with `reason`: its preparation crossed a budget
    or a limit (NOTE(phase-budget) in checker/semantics/control.py, NOTE(limits) in spec/limits.py)."""
    from forkproof.semantics.compile import has_primes
    def unknown(name: str, kind: str) -> Verdict:
        return Verdict(name, kind, Status.UNKNOWN, scope, opt.engine, None, None, 0.0, None, reason)
    verdicts = [unknown(i.name, "step invariant" if has_primes(i.expr) else "invariant") for i in model.invariants]
    verdicts += [unknown(p.name, "property") for p in model.properties]
    if opt.deadlock:
        verdicts.append(unknown("deadlock", "deadlock"))
    res = EngineResult(verdicts, 0, 0, 0, 0.0, False)
    _land_all(opt.control, res)
    return res


def _land_all(control: Control | None, res: EngineResult) -> None:
    """NOTE(streaming): the explicit search decides every property in one pass."""
    if control is not None:
        for v in res.verdicts:
            control.landed(v)


def new_seed() -> int:
    """The simulate engine's seed for a run given none (imported only when a simulation is asked for)."""
    from forkproof.engines.simulate import new_seed as draw
    return draw()


def _explicit(inst, opt: EngineOptions, max_states, timeout) -> EngineResult:
    from forkproof.engines.explicit import ExplicitOptions, check_explicit
    from forkproof.semantics.control import default_memory_budget
    memory = opt.memory if opt.memory is not None else default_memory_budget()
    options = ExplicitOptions(symmetry=opt.symmetry, deadlock=opt.deadlock, max_states=max_states, timeout=timeout,
                              control=opt.control, store=opt.store, memory=memory)
    if opt.workers > 1:  # multiprocessing (about 10 ms to import) only then
        from forkproof.engines.parallel import check_parallel
        return check_parallel(inst, options, opt.workers)
    return check_explicit(inst, options)


def _auto(inst: Instance, opt: EngineOptions) -> EngineResult:
    start = time.perf_counter()
    budget = opt.budget.seconds
    left = lambda share=1.0: max(0.5, (budget - (time.perf_counter() - start)) * share)
    if opt.control is not None:
        opt.control.muted += 1  # the stages' own verdicts are not final: only auto's land (NOTE(streaming))
    try:
        return _auto_stages(inst, opt, start, budget, left)
    finally:
        if opt.control is not None:
            opt.control.muted -= 1


def _auto_stages(inst: Instance, opt: EngineOptions, start: float, budget: float, left) -> EngineResult:
    first = _explicit(inst, opt, opt.max_states or AUTO_STATE_BUDGET, budget * 0.4)
    verdicts = {v.name: v for v in first.verdicts}
    notes = list(first.notes)
    if first.complete:
        todo = [n for n, v in verdicts.items() if v.status is Status.HOLDS] if opt.require == "proof" else []
        # a liveness property the explicit engine left open (its state graph ran out of time or
        # states after the search completed) goes to the symbolic engines too
        todo += [n for n, v in verdicts.items() if v.kind == "property" and v.status is Status.UNKNOWN]
    else:
        notes.append(f"explicit search stopped ({first.states:,} states); symbolic engines took over")
        todo = [n for n, v in verdicts.items() if v.status is Status.UNKNOWN]
        if "runtime" not in verdicts:
            todo.append("runtime")  # no runtime error found yet, but the search was not complete
    _land_final(opt.control, verdicts, todo)
    from forkproof.engines.symbolic.engine import check_bmc, check_kind, check_pdr
    stages = [("kind", check_kind, 0.5), ("pdr", check_pdr, 0.6), ("bmc", check_bmc, 1.0)]
    for name, engine, share in stages:
        if not todo:
            break
        if name == "bmc" and first.complete and all(n in verdicts and verdicts[n].status is not Status.UNKNOWN for n in todo):
            break  # nothing left that a bounded search could add
        # a stage's share of what is left of the instance's budget, per instance (NOTE(budgets))
        result = engine(inst, opt.symbolic(None, until=time.perf_counter() + left(share), control=opt.control))
        found = {v.name: v for v in result.verdicts}
        for n in list(todo):
            v = found.get(n)
            if v is None:
                if n == "runtime" and name != "bmc":
                    verdicts.pop("runtime", None)  # engines list "runtime" only when it is open or violated
                    todo.remove(n)
                continue
            bounded_news = name == "bmc" and v.status is not Status.UNKNOWN and \
                (n not in verdicts or verdicts[n].status is Status.UNKNOWN)  # never "up to depth k" over "exhaustive"
            if v.status in (Status.PROVED, Status.VIOLATED) or bounded_news:
                verdicts[n] = _noted(v, verdicts.get(n))
                todo.remove(n)
                if opt.control is not None:
                    opt.control.announce(verdicts[n])
    seconds = time.perf_counter() - start
    if "runtime" in todo and "runtime" not in verdicts:
        verdicts["runtime"] = Verdict("runtime", "runtime", Status.UNKNOWN, inst.scope(), "auto", None, None, seconds,
                                      reason="the search was not complete and no engine ruled runtime errors out")
    out = [verdicts[n] for n in verdicts]
    _land_final(opt.control, {n: verdicts[n] for n in todo if n in verdicts}, [])
    return EngineResult(out, first.states, first.depth, first.transitions, seconds, first.complete, notes)


def _land_final(control: Control | None, verdicts: dict[str, Verdict], todo: list[str]) -> None:
    """NOTE(streaming): auto's verdicts that no later stage will replace."""
    if control is not None:
        for n, v in verdicts.items():
            if n not in todo:
                control.announce(v)


def _noted(v: Verdict, before: Verdict | None) -> Verdict:
    if before is None or before.status is not Status.HOLDS:
        return v
    return replace(v, notes=v.notes + (f"also holds exhaustively: {before.states:,} states",))
