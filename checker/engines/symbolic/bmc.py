"""Bounded model checking with Z3, incremental over depth.

One solver holds the initial state and the transitions unrolled so far; at each depth k
every undecided obligation is checked by a push/pop query "its negation at step k".  The
first depth with a model is the shortest violation, decoded and replayed through the
explicit step function (NOTE(replay)).  Undecided obligations end as "holds up to depth K",
never as a proof; solver `unknown` and the time budget end in "unknown" with the reason
(FP701, FP704: NOTE(solver-text) in checker/engines/symbolic/solver.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from forkproof.semantics.compile import compile_program
from forkproof.engines.symbolic import solver as S
from forkproof.engines.symbolic.encode import Encoding, SymbolicOptions, SymProp, out_of_time
from forkproof.semantics.instance import Instance
from forkproof.semantics.replay import replay, runtime_error_at
from forkproof.semantics.verdict import EngineResult, Status, Verdict


@dataclass
class _Outcome:
    status: Status
    depth: int | None = None
    states: list | None = None  # decoded concrete states of a counterexample
    reason: str | None = None


def obligations(enc: Encoding, deadlock: bool) -> list[SymProp]:
    return [p for p in enc.props if deadlock or p.kind != "deadlock"]


def state_checks(prog) -> list[tuple[str, str, object]]:
    """(name, kind, compiled fn) of every state invariant, to name runtime errors in them."""
    comp = prog.compiler
    return [(i.name, "invariant", comp.expr(i.expr)) for i in prog.inst.model.invariants if not i.step]


def bmc_safety(inst: Instance, options: SymbolicOptions, enc: Encoding, start: float, deadline: float | None
               ) -> EngineResult:
    """Bounded search for violations of the state and step obligations (invariants, deadlock,
    runtime errors) up to `options.depth`; liveness is lasso.py's (engine.py runs both)."""
    props = obligations(enc, options.deadlock)
    states = [enc.vars(0)]
    path = [enc.init(states[0]), enc.wf(states[0])]
    outcome: dict[int, _Outcome] = {}
    reached = 0
    stop_reason = None
    budget = options.budget_text(len({p.name for p in props}))
    for k in range(options.depth + 1):
        options.working(f"bmc: invariants at depth {k}")
        if k > 0:
            states.append(enc.vars(k))
            path += [enc.trans(states[k - 1], states[k], k), enc.wf(states[k])]
        bad = {i: z3.Not(p.pred(states[k - 1], states[k]) if p.step else p.pred(states[k], None))
               for i, p in enumerate(props) if i not in outcome and not (p.step and k == 0)}
        # NOTE(bmc-fresh): a fresh solver per depth.  Z3's incremental mode turns off the
        # preprocessing that makes these (mostly unsat) queries fast: 10x on the NEAR model.
        while bad:
            said: list[str] = []
            res, model = solve(path, z3.Or(*bad.values()), deadline, said)
            if res == z3.unknown:
                why = S.unknown_answer(" ".join(said), f"depth {k}", out_of_time(deadline), budget)
                for i in bad:
                    outcome[i] = _Outcome(Status.UNKNOWN, k, reason=f"{why}; no violation up to depth {k - 1}")
                break
            if res == z3.unsat:
                break
            trace = [enc.decode(model, s) for s in states]
            hit = [i for i, b in bad.items() if z3.is_true(model.eval(b, model_completion=True))]
            for i in hit:
                outcome[i] = _Outcome(Status.VIOLATED, k, trace)
                del bad[i]
        reached = k
        if len(outcome) == len(props):
            break
        if out_of_time(deadline) and k < options.depth:
            stop_reason = S.out_of_time(budget, f"depth {k + 1}", f"no violation up to depth {k}")
            break
    verdicts = _verdicts(inst, props, outcome, reached, None, stop_reason, time.perf_counter() - start, options)
    seconds = time.perf_counter() - start
    return EngineResult(verdicts, 0, reached, 0, seconds, False, [])


def solve(path: list, bad, deadline, said: list[str] | None = None,
          rlimit: int | None = None) -> tuple[object, z3.ModelRef | None]:
    """One fresh solver on `path` and `bad`, within the deadline (and `rlimit` solver steps);
    on `unknown` the solver's own reason is appended to `said` (for solver.py to classify,
    never to be shown)."""
    solver = z3.Solver()
    if deadline is not None:
        solver.set("timeout", max(1, int((deadline - time.perf_counter()) * 1000)))
    if rlimit is not None:
        solver.set("rlimit", rlimit)
    solver.add(*path, bad)
    res = solver.check()
    if res == z3.unknown and said is not None:
        said.append(solver.reason_unknown())
    return res, (solver.model() if res == z3.sat else None)


def _verdicts(inst, props, outcome, reached, complete_at, stop_reason, seconds, options) -> list[Verdict]:
    prog = compile_program(inst)
    scope = inst.scope()
    merged: dict[str, Verdict] = {}
    for i, p in enumerate(props):
        o = outcome.get(i)
        if o is None:
            if stop_reason:
                v = Verdict(p.name, p.kind, Status.UNKNOWN, scope, "bmc", None, reached, seconds, reason=stop_reason)
            elif complete_at is not None:
                v = Verdict(p.name, p.kind, Status.BOUNDED, scope, "bmc", None, complete_at, seconds,
                            notes=(f"no run is longer than {complete_at} steps, so this covers every reachable state",))
            else:
                v = Verdict(p.name, p.kind, Status.BOUNDED, scope, "bmc", None, options.depth, seconds)
        elif o.status is Status.VIOLATED:
            v = violation_verdict(inst, p, o.states, o.depth, seconds, "bmc", prog)
        else:
            v = Verdict(p.name, p.kind, Status.UNKNOWN, scope, "bmc", None, o.depth, seconds, reason=o.reason)
        old = merged.get(p.name)
        if old is None or _worse(v, old):
            merged[p.name] = v
    # like the explicit engine, "runtime" is a finding: shown only when something was found
    return [v for v in merged.values() if v.kind != "runtime" or v.status in (Status.VIOLATED, Status.UNKNOWN)]


def violation_verdict(inst: Instance, p: SymProp, states: list[tuple], depth: int, seconds: float, engine: str,
                      prog=None) -> Verdict:
    """A violation found symbolically: the decoded states replayed (NOTE(replay)) into a
    trace, and for a runtime error the error itself, named by the explicit evaluator."""
    prog = prog or compile_program(inst)
    states = states[: depth + 1]
    trace = replay(prog, states)
    reason = runtime_error_at(prog, states[-1], state_checks(prog)) if p.kind == "runtime" and not p.step else None
    return Verdict(p.name, p.kind, Status.VIOLATED, inst.scope(), engine, None, depth, seconds, trace, reason)


def _worse(a: Verdict, b: Verdict) -> bool:
    rank = {Status.VIOLATED: 0, Status.UNKNOWN: 1, Status.BOUNDED: 2, Status.HOLDS: 3, Status.PROVED: 4}
    if rank[a.status] != rank[b.status]:
        return rank[a.status] < rank[b.status]
    return (a.depth or 0) < (b.depth or 0)
