"""k-induction with simple-path constraints: unbounded proofs for one instance.

For k = 0, 1, ... up to options.depth:
  base  no obligation fails on a run of at most k steps from an initial state (this is BMC
        at depth k: a failure is a real violation, shortest by construction);
  step  on any path of k + 1 steps through distinct well-formed states on which every
        candidate holds for the first k + 1 states (and k transitions), each candidate also
        holds at the end.
NOTE(mutual-induction): all undecided obligations are proved together, each one assuming
the others.  That is sound only for a set that passes the step as a whole, so a candidate
that fails the step is dropped from the hypotheses and the rest are checked again, until
the set is stable.  The simple-path constraint makes the method complete on a finite
instance (k eventually exceeds the longest simple path).

A candidate that fails the step at the largest k gets a counterexample to induction: the
k + 1 states that hold it and the step that breaks it.  That state is usually unreachable,
and the fact that rules it out is the invariant the user should add.

A proof is re-derived from scratch (a new encoding, fresh solvers) before it is reported.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from forkproof.engines.symbolic.bmc import obligations, solve, violation_verdict
from forkproof.semantics.compile import compile_program
from forkproof.engines.symbolic import solver as S
from forkproof.engines.symbolic.encode import Encoding, SymbolicOptions, SymProp, out_of_time
from forkproof.semantics.instance import Instance
from forkproof.semantics.replay import action_label, successors
from forkproof.semantics.verdict import EngineResult, Status, Verdict


@dataclass
class Open:
    """What is known about an obligation still being worked on."""

    cti: tuple[int, list[tuple]] | None = None  # (k, states) of the last counterexample to induction


def kind_safety(inst: Instance, options: SymbolicOptions, enc: Encoding, start: float, deadline: float | None
                ) -> EngineResult:
    """k-induction on the state and step obligations; liveness is lasso.py's (engine.py runs both)."""
    props = obligations(enc, options.deadlock)
    verdicts: dict[int, Verdict] = {}
    opened = {i: Open() for i in range(len(props))}
    base_states = [enc.vars(0)]
    base_path = [enc.init(base_states[0]), enc.wf(base_states[0])]
    scope = inst.scope()
    k_reached = -1
    stop = None
    budget = options.budget_text(len({p.name for p in props}))
    for k in range(options.depth + 1):
        options.working(f"kind: invariants, k = {k}")
        if k > 0:
            base_states.append(enc.vars(k))
            base_path += [enc.trans(base_states[k - 1], base_states[k], k), enc.wf(base_states[k])]
        # base case: violations of length exactly k (shorter ones were found earlier)
        bad = {i: negation(props[i], base_states, k) for i in opened if not (props[i].step and k == 0)}
        while bad:
            said: list[str] = []
            res, model = solve(base_path, z3.Or(*bad.values()), deadline, said)
            if res != z3.sat:
                if res == z3.unknown:
                    stop = why_unknown(deadline, f"the base case at k = {k}", budget, said,
                                       f"no violation up to depth {k - 1}" if k else None)
                break
            trace = [enc.decode(model, s) for s in base_states]
            for i in [i for i, b in bad.items() if z3.is_true(model.eval(b, model_completion=True))]:
                verdicts[i] = violation_verdict(inst, props[i], trace, k, time.perf_counter() - start, "kind")
                del bad[i], opened[i]
                _land(options, props, verdicts, opened, i)
        if stop:
            break
        # step case
        proved, stop = induction_step(enc, props, list(opened), k, opened, deadline, budget)
        k_reached = k
        rechecked = bool(proved) and recheck(inst, sorted(proved), options.deadlock, k, deadline)
        for i in proved:
            if rechecked:
                verdicts[i] = Verdict(props[i].name, props[i].kind, Status.PROVED, scope, f"kind (k={k})", None, k,
                                      time.perf_counter() - start,
                                      notes=(f"proved by {k}-induction for {scope or 'the model'} (a fixed instance), re-checked",))
            else:
                why = (S.out_of_time(budget, f"the re-check of the {k}-induction proof") if out_of_time(deadline)
                       else "the k-induction proof did not re-check (a bug)")
                verdicts[i] = Verdict(props[i].name, props[i].kind, Status.UNKNOWN, scope, "kind", None, k,
                                      time.perf_counter() - start, reason=why)
            del opened[i]
            _land(options, props, verdicts, opened, i)
        if not opened or stop:
            break
    seconds = time.perf_counter() - start
    for i, o in list(opened.items()):
        reason = stop or f"not k-inductive for k <= {k_reached} (with every other invariant assumed)"
        notes = (_describe_cti(inst, props[i], o.cti),) if o.cti else ()
        verdicts[i] = Verdict(props[i].name, props[i].kind, Status.UNKNOWN, scope, "kind", None, k_reached, seconds,
                              reason=reason, notes=notes)
        del opened[i]
        _land(options, props, verdicts, opened, i)
    return EngineResult(_merge(props, verdicts), 0, max(k_reached, 0), 0, seconds, False, [])


def _land(options: SymbolicOptions, props: list[SymProp], verdicts: dict[int, Verdict], opened, i: int) -> None:
    """NOTE(streaming): a name's verdict is final once none of its obligations is open (the
    runtime check has a state and a step obligation); "runtime" is shown only when it is
    violated or open, as in `_merge`."""
    name = props[i].name
    if any(props[j].name == name for j in opened):
        return
    idx = [j for j, p in enumerate(props) if p.name == name]
    for v in _merge([props[j] for j in idx], {n: verdicts[j] for n, j in enumerate(idx)}):
        options.landed(v)


def negation(p: SymProp, xs: list, k: int) -> z3.BoolRef:
    return z3.Not(p.pred(xs[k - 1], xs[k]) if p.step else p.pred(xs[k], None))


def _holds_on_prefix(p: SymProp, xs: list, k: int) -> list:
    """p on the first k + 1 states (state obligations) or the first k transitions (step)."""
    if p.step:
        return [p.pred(xs[j], xs[j + 1]) for j in range(k)]
    return [p.pred(xs[j], None) for j in range(k + 1)]


def induction_step(enc: Encoding, props: list[SymProp], cands: list[int], k: int, opened, deadline,
                   budget: str = "the time budget"):
    """The candidates proved by the step case at k (with NOTE(mutual-induction)), and a
    reason if the solver could not decide."""
    xs = [enc.vars(f"ind{j}") for j in range(k + 2)]
    path = [enc.wf(x) for x in xs]
    path += [enc.trans(xs[j], xs[j + 1], f"ind{j}") for j in range(k + 1)]
    path += simple_path(xs, k + 1)
    last_new = simple_path_end(xs)
    live = list(cands)
    while live:
        hyps = [h for i in live for h in _holds_on_prefix(props[i], xs, k)]
        failed = None
        for i in live:
            goal = path + hyps + ([] if props[i].step else last_new)
            said: list[str] = []
            res, model = solve(goal, negation(props[i], xs, k + 1), deadline, said)
            if res == z3.unknown:
                return [], why_unknown(deadline, f"the step case at k = {k}", budget, said,
                                       f"no violation up to depth {k}")
            if res == z3.sat:
                opened[i].cti = (k, [enc.decode(model, x) for x in xs])
                failed = i
                break
        if failed is None:
            return live, None
        live.remove(failed)
    return [], None


def recheck(inst: Instance, which: list[int], deadlock: bool, k: int, deadline, make=Encoding) -> bool:
    """Re-derive, from a new encoding (`make(inst)`) with fresh solvers, that the obligations
    at positions `which` hold: none fails on a run of at most k steps, and together they pass
    the step case at k.  (Positions, not names: "runtime" names a state and a step obligation.)"""
    enc = make(inst)
    every = obligations(enc, deadlock)
    props = [every[i] for i in which]
    xs = [enc.vars(f"re{j}") for j in range(k + 1)]
    path = [enc.init(xs[0])]
    for j in range(k + 1):
        if j > 0:
            path.append(enc.trans(xs[j - 1], xs[j], f"re{j}"))
        for p in props:
            if not (p.step and j == 0) and solve(path, negation(p, xs, j), deadline)[0] != z3.unsat:
                return False
    ys = [enc.vars(f"rs{j}") for j in range(k + 2)]
    step = [enc.wf(y) for y in ys] + [enc.trans(ys[j], ys[j + 1], f"rs{j}") for j in range(k + 1)]
    step += simple_path(ys, k + 1)
    step += [h for p in props for h in _holds_on_prefix(p, ys, k)]
    end = simple_path_end(ys)
    return all(solve(step + ([] if p.step else end), negation(p, ys, k + 1), deadline)[0] == z3.unsat for p in props)


def _distinct(a: list, b: list) -> z3.BoolRef:
    return z3.Or(*[x != y for x, y in zip(a, b)]) if a else z3.BoolVal(False)


def simple_path(xs: list, n: int) -> list:
    """The first n states pairwise distinct."""
    return [_distinct(xs[i], xs[j]) for i in range(n) for j in range(i + 1, n)]


def simple_path_end(xs: list) -> list:
    """The last state differs from every earlier one.  NOTE(simple-path): only for a state
    obligation, whose value in a repeated state is already assumed; a step obligation must
    also be checked on a transition back into the path (a self-loop breaks `x' != x`)."""
    return [_distinct(xs[i], xs[-1]) for i in range(len(xs) - 1)]


def why_unknown(deadline, where: str, budget: str = "the time budget", said: list[str] | None = None,
                reached: str | None = None) -> str:
    """FP701 (with how far it got) or what solver.py makes of the solver's reason (NOTE(solver-text))."""
    if out_of_time(deadline):
        return S.out_of_time(budget, where, reached)
    return S.gave_up(where, " ".join(said or ()))


def _describe_cti(inst: Instance, p: SymProp, cti: tuple[int, list[tuple]]) -> str:
    k, xs = cti
    prog = compile_program(inst)
    env = prog.new_env()
    pre, post = xs[-2], xs[-1]
    act = next((a for a, t in successors(prog, pre, env) if t == post), None)
    shown = inst.display_state(pre)
    changed = {n: v for n, v in inst.display_state(post).items() if shown[n] != v}
    pre_text = ", ".join(f"{n} = {_show(v)}" for n, v in shown.items())
    post_text = ", ".join(f"{n} = {_show(v)}" for n, v in changed.items()) or "nothing changes"
    step = action_label(act) if act else "a step"
    return (f"counterexample to induction (k = {k}): in the state [{pre_text}], where {p.name} holds"
            f"{' for the last ' + str(k + 1) + ' states' if k else ''}, {step} leads to [{post_text}], where it fails; "
            f"if that state is unreachable, an invariant that excludes it makes the proof go through")


def _merge(props: list[SymProp], verdicts: dict[int, Verdict]) -> list[Verdict]:
    """One verdict per name (runtime has a state and a step obligation): the worst wins;
    like the other engines, "runtime" is shown only when it is violated or undecided."""
    rank = {Status.VIOLATED: 0, Status.UNKNOWN: 1, Status.BOUNDED: 2, Status.HOLDS: 3, Status.PROVED: 4}
    out: dict[str, Verdict] = {}
    for i, p in enumerate(props):
        v = verdicts[i]
        if p.name not in out or rank[v.status] < rank[out[p.name].status]:
            out[p.name] = v
    return [v for v in out.values() if v.kind != "runtime" or v.status in (Status.VIOLATED, Status.UNKNOWN)]


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)
