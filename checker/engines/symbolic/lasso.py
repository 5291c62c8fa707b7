"""Liveness in the symbolic engines: bounded lasso search, and liveness to safety.

Every property that is not `always P` (NOTE(liveness-semantics) in checker/semantics/temporal.py)
gets a verdict from every symbolic engine through this module:
  - `initially P`: one query on the initial states (a violation is a one-state trace);
  - bmc: `search` looks for a fair lasso that breaks the property, shortest first;
  - kind, pdr: `prove` runs k-induction or PDR (checker/engines/symbolic/kind.py, checker/engines/symbolic/pdr.py, unchanged)
    on `Monitor`, the property turned into a safety property (NOTE(l2s-monitor)).

NOTE(lasso-search): for k = 0, 1, ..., a path s0..sk from an initial state (k steps of the
encoding's `trans`, step j choosing the action instance `action@j`) that either closes
(trans(sk, y) with y == s_l for some l <= k, the choice `action@close<k>`; the loop is steps
l..k and the closing step) or ends in a deadlock (no action instance enabled in sk: it
stutters forever; the loop is sk alone, with every group disabled), such that
  fair   every weak group is disabled in some loop state or taken on some loop step, every
         strong group disabled in every loop state or taken on some loop step;
  fails  eventually P: every state of the lasso is not-P; P ~> Q: some i with P at s_i and
         not-Q at every state from min(i, l) to k; always eventually Q: not-Q at every loop
         state; eventually always P: not-P at some loop state;
  assumed  (NOTE(assume) in checker/semantics/temporal.py) for each `always eventually A`, A
         at some loop state; for each `eventually always A`, A at every loop state (on a
         deadlock, A at sk).
"P" and "not-P" both require P to evaluate (encode.py's (value, defined)), and so does "A": a
state where a condition fails to evaluate never helps a violation.  One fresh solver per k (NOTE(bmc-fresh)
in checker/engines/symbolic/bmc.py); the first sat k gives a lasso with the fewest states.  The lasso is
decoded and replayed through the compiled program, with the solver's own action choices,
and fairness, the assumptions and the failure are checked again on the concrete states before
it is shown.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from forkproof.engines.symbolic import kind as K
from forkproof.engines.symbolic.bmc import solve
from forkproof.engines.symbolic.certificate import Slot
from forkproof.engines.symbolic.pdr import printing_slots, prove_one
from forkproof.semantics.compile import EvalError, Program, compile_program, is_temporal
from forkproof.engines.symbolic import solver as S
from forkproof.engines.symbolic.encode import Encoding, SymbolicOptions, SymProp, as_bool, conj, disj, neg, out_of_time
from forkproof.semantics.instance import Instance
from forkproof.semantics.replay import ReplayError, action_args, action_label, make_trace
from forkproof.semantics.temporal import (FairGroup, Liveness, assumed_on_loop, classify, explain_loop, fair_groups,
                                         group_label, loop_excluders)
from forkproof.semantics.verdict import Status, Step, Trace, Verdict
from forkproof.spec import ir as I


# ---------------------------------------------------------------- which properties


def liveness_forms(model: I.Model) -> list[tuple[str, Liveness | str]]:
    """The properties that `Encoding.props` does not cover (everything but `always P` with P
    a state or step condition), each with its form or the reason it is not checked."""
    out: list[tuple[str, Liveness | str]] = []
    for p in model.properties:
        e = p.expr
        if isinstance(e, I.Unary) and e.op is I.UnOp.ALWAYS and not is_temporal(e.arg):
            continue
        out.append((p.name, classify(p)))
    return out


def groups_of(enc) -> list[FairGroup]:
    return fair_groups(enc.inst.model, [(a.action, a.args) for a in enc.actions], group_label)


def _truth(enc, e: I.Expr, s: list) -> tuple[z3.BoolRef, z3.BoolRef]:
    """(e evaluates and holds, e evaluates and fails) in state s."""
    v, ok = enc.expr(e, s, None, {})
    return as_bool(conj(ok, v)), as_bool(conj(ok, neg(v)))


def _defined(enc, e: I.Expr | None, s: list):
    if e is None:
        return True
    return enc.expr(e, s, None, {})[1]


def fair_enabled(enc, g: FairGroup, s: list) -> z3.BoolRef:
    """The group is enabled for fairness in s (NOTE(fair-when) in checker/semantics/temporal.py):
    some member's guard holds (or fails to evaluate, as for deadlock) and the group's
    condition holds for that member (a condition that fails to evaluate does not).  Used by
    the fixed-size engines here and by the counters (checker/engines/counters/l2s.py)."""
    members = sorted(g.members)
    if g.when is None:
        return as_bool(disj(*[enc.actions[i].enabled(s) for i in members]))

    def holds(i: int | None):
        v, ok = enc.expr(g.when, s, None, {} if i is None else g.bound(enc.actions[i].args))
        return conj(ok, v)

    if not g.per_instance:
        return as_bool(conj(disj(*[enc.actions[i].enabled(s) for i in members]), holds(None)))
    return as_bool(disj(*[conj(enc.actions[i].enabled(s), holds(i)) for i in members]))


def _deadlocked(enc, s: list) -> z3.BoolRef:
    return as_bool(neg(disj(*[a.enabled(s) for a in enc.actions])))


def _taken(g: FairGroup, c: z3.ArithRef) -> z3.BoolRef:
    return as_bool(disj(*[c == i for i in sorted(g.members)]))


# ---------------------------------------------------------------- bounded lasso search


@dataclass(frozen=True)
class Lasso:
    states: list[tuple]  # s0..sk
    choices: list[int | None]  # the action instance of each step (None before s0)
    loop_start: int  # l
    closing: int | None  # the action instance of the closing step; None for a deadlock
    keys: tuple[tuple[str, tuple], ...] = ()  # (action, args) of each of the encoding's action instances


class _Path:
    """The unrolled path s0, s1, ... and, per state, the values the lasso conditions need."""

    def __init__(self, enc: Encoding, prop: Liveness, groups: list[FairGroup]):
        self.enc, self.prop, self.groups = enc, prop, groups
        self.xs: list[list] = []
        self.constraints: list = []
        self.info: list[dict] = []

    def grow(self) -> None:
        enc, j = self.enc, len(self.xs)
        x = enc.vars(j)
        self.xs.append(x)
        if j == 0:
            self.constraints += [enc.init(x), enc.wf(x)]
        else:
            self.constraints += [enc.trans(self.xs[j - 1], x, j), enc.wf(x)]
        p, q = self.prop.p, self.prop.q
        hp, fp = _truth(enc, p, x) if p is not None else (z3.BoolVal(True), z3.BoolVal(False))
        hq, fq = _truth(enc, q, x) if q is not None else (z3.BoolVal(True), z3.BoolVal(False))
        self.info.append({"hp": hp, "fp": fp, "hq": hq, "fq": fq,
                          "en": [fair_enabled(enc, g, x) for g in self.groups],
                          "ha": [_truth(enc, a.a, x)[0] for a in self.prop.assume]})

    def lasso_condition(self, k: int) -> tuple[z3.BoolRef, z3.ArithRef, z3.BoolRef, z3.ArithRef, list]:
        """NOTE(lasso-search) at k: (condition, loop start var, deadlock var, closing choice, y)."""
        enc, xs = self.enc, self.xs
        loop, dead = z3.Int(f"lasso@{k}"), z3.Bool(f"dead@{k}")
        y = enc.vars(f"close{k}")
        c_close = enc.choice_var(f"close{k}")
        choices = [None] + [enc.choice_var(j) for j in range(1, k + 1)]
        fair_at = self._fair_suffixes(k, choices, c_close)
        fail_at, fail_dead = self._fail_suffixes(k)
        assumed_at = self._assumed_suffixes(k)
        loops = [z3.And(loop == l, enc.same(y, xs[l]), fair_at[l], fail_at[l], assumed_at[l]) for l in range(k + 1)]
        closes = z3.And(z3.Not(dead), enc.trans(xs[k], y, f"close{k}"), z3.Or(*loops))
        stutters = z3.And(dead, loop == k, _deadlocked(enc, xs[k]), fail_dead, assumed_at[k])
        return z3.Or(closes, stutters), loop, dead, c_close, y

    def _fair_suffixes(self, k: int, choices: list, c_close) -> list[z3.BoolRef]:
        """fair(l) for l = 0..k: every group satisfied on the loop l..k (with the closing step)."""
        out = [[] for _ in range(k + 1)]
        for gi, g in enumerate(self.groups):
            taken = _taken(g, c_close)
            off_any, off_all = z3.BoolVal(False), z3.BoolVal(True)
            for l in range(k, -1, -1):
                off = z3.Not(self.info[l]["en"][gi])
                off_any, off_all = z3.Or(off, off_any), z3.And(off, off_all)
                if l < k:
                    taken = z3.Or(_taken(g, choices[l + 1]), taken)
                out[l].append(z3.Or(off_all if g.strong else off_any, taken))
        return [z3.And(*parts) if parts else z3.BoolVal(True) for parts in out]

    def _assumed_suffixes(self, k: int) -> list[z3.BoolRef]:
        """assumed(l) for l = 0..k: every assumption holds on the loop l..k (NOTE(assume));
        on a deadlock in sk, assumed(k): its one state."""
        out = [[] for _ in range(k + 1)]
        for i, a in enumerate(self.prop.assume):
            acc = z3.BoolVal(a.kind != "infinitely")
            for l in range(k, -1, -1):
                here = self.info[l]["ha"][i]
                acc = z3.Or(here, acc) if a.kind == "infinitely" else z3.And(here, acc)
                out[l].append(acc)
        return [z3.And(*parts) if parts else z3.BoolVal(True) for parts in out]

    def _fail_suffixes(self, k: int) -> tuple[list[z3.BoolRef], z3.BoolRef]:
        """fails(l) for l = 0..k on a closed loop, and fails on a deadlock in sk."""
        info, kind = self.info, self.prop.kind
        if kind == "eventually":
            every = z3.And(*[info[j]["fp"] for j in range(k + 1)])
            return [every] * (k + 1), every
        if kind == "stabilizes":
            out, some = [], z3.BoolVal(False)
            for l in range(k, -1, -1):
                some = z3.Or(info[l]["fp"], some)
                out.append(some)
            return out[::-1], info[k]["fp"]
        if kind in ("leadsto", "infinitely"):
            # A[l]: not-Q on l..k; fails(l) = (A[l] and P somewhere in l..k) or (P at i and A[i] for some i < l)
            a = [None] * (k + 1)
            acc = z3.BoolVal(True)
            for j in range(k, -1, -1):
                acc = z3.And(info[j]["fq"], acc)
                a[j] = acc
            out, p_from = [None] * (k + 1), z3.BoolVal(False)
            for l in range(k, -1, -1):
                p_from = z3.Or(info[l]["hp"], p_from)
                out[l] = z3.And(a[l], p_from)
            before = z3.BoolVal(False)
            for l in range(k + 1):
                out[l] = z3.Or(out[l], before)
                before = z3.Or(before, z3.And(info[l]["hp"], a[l]))
            return out, before
        raise ValueError(f"'{kind}' is not a lasso form")


@dataclass
class SearchOutcome:
    status: Status  # VIOLATED (lasso set), BOUNDED (none up to depth) or UNKNOWN
    depth: int
    lasso: Lasso | None = None
    reason: str | None = None


def search(enc: Encoding, prop: Liveness, groups: list[FairGroup], depth: int, deadline: float | None,
           start_at: int = 0, budget: str = "the time budget", options: SymbolicOptions | None = None
           ) -> SearchOutcome:
    """The shortest fair lasso of at most depth + 1 states that breaks `prop`
    (NOTE(lasso-search)); lassos of fewer than start_at + 1 states are not looked for."""
    path = _Path(enc, prop, groups)
    for k in range(depth + 1):
        path.grow()
        if k < start_at:
            continue
        if options is not None:
            options.working(f"bmc: {prop.name}, lassos of {k + 1} states")
        cond, loop, dead, c_close, _ = path.lasso_condition(k)
        said: list[str] = []
        res, model = solve(path.constraints, cond, deadline, said)
        if res == z3.unknown:
            why = S.unknown_answer(" ".join(said), f"the lasso search at depth {k}", out_of_time(deadline), budget)
            return SearchOutcome(Status.UNKNOWN, k, reason=f"{why}; no lasso up to depth {k - 1}")
        if res == z3.sat:
            ev = lambda e: model.eval(e, model_completion=True)
            states = [enc.decode(model, x) for x in path.xs]
            choices = [None] + [ev(enc.choice_var(j)).as_long() for j in range(1, k + 1)]
            is_dead = z3.is_true(ev(dead))
            keys = tuple((a.action, a.args) for a in enc.actions)
            lasso = Lasso(states, choices, ev(loop).as_long(), None if is_dead else ev(c_close).as_long(), keys)
            return SearchOutcome(Status.VIOLATED, k, lasso)
        if out_of_time(deadline) and k < depth:
            return SearchOutcome(Status.UNKNOWN, k, reason=S.out_of_time(budget, f"the lasso search at depth {k + 1}",
                                                                          f"no lasso up to depth {k}"))
    return SearchOutcome(Status.BOUNDED, depth)


# ---------------------------------------------------------------- replay


def replay_lasso(prog: Program, prop: Liveness, groups: list[FairGroup], lasso: Lasso) -> tuple[Trace, str]:
    """The lasso as a Trace (loop_start, closing step) and why it breaks the property, after
    checking on the concrete states that every step, and the closing step, is a transition by
    the chosen action instance (or that the last state is a deadlock), that the loop is fair
    and that the property fails there (NOTE(replay)); ReplayError otherwise."""
    env = prog.new_env()
    xs, l = lasso.states, lasso.loop_start
    # the program leaves out the instances whose guard is false whatever the state
    by_key = {(a.action.name, a.args): a for a in prog.actions}
    inst_of = [by_key.get(key) for key in lasso.keys]
    if xs[0] not in set(prog.inst.initial_states()):
        raise ReplayError("the first state of the lasso is not initial")
    acts = [None]
    for j in range(1, len(xs)):
        acts.append(_fire(inst_of, xs[j - 1], xs[j], lasso.choices[j], env, f"step {j}"))
    if not 0 <= l < len(xs):
        raise ReplayError(f"the loop start {l} is outside the lasso")
    enabled = [_enabled_mask(inst_of, x, env) for x in xs]
    if lasso.closing is None:
        if l != len(xs) - 1 or enabled[-1]:
            raise ReplayError("the last state of the lasso is not a deadlock")
        taken = 0
    else:
        close = _fire(inst_of, xs[-1], xs[l], lasso.closing, env, "the closing step")
        taken = 1 << lasso.closing
        for j in range(l + 1, len(xs)):
            taken |= 1 << lasso.choices[j]
    for g in groups:
        mask = sum(1 << i for i in g.members)
        fair_on = g.concrete(prog.compiler, inst_of, env)
        on = [fair_on(xs[j], enabled[j]) for j in range(l, len(xs))]
        if not taken & mask and ((g.strong and any(on)) or (not g.strong and all(on))):
            raise ReplayError(f"the loop is not fair to {g.label}")
    if not _fails(prog, prop, xs, l, env):
        raise ReplayError("the property does not fail on the lasso")
    holds = [[_value(prog, a.a, x, env) is True for x in xs[l:]] for a in prop.assume]
    for a, h in zip(prop.assume, holds):
        if not a.on_loop(h):
            raise ReplayError(f"the loop does not satisfy the assumption `{a.text}`")
    assumed = assumed_on_loop(prop.assume, holds, l)  # NOTE(assume)
    trace = make_trace(prog.inst, xs, acts, l)
    closing = None
    if lasso.closing is None:
        why = "the run reaches a deadlock (no action is enabled) and stutters there forever"
        why += f"; {assumed}" if assumed else ""
    else:
        closing = Step(close.action.name, action_args(close), prog.inst.display_state(xs[l]), ())
        # NOTE(lasso-fairness): the same explanation as the explicit engine's, from the replayed
        # states; whether the property holds once that fairness is added is not searched here
        labels = [(key[0], action_label(a) if a is not None else key[0]) for key, a in zip(lasso.keys, inst_of)]
        found = loop_excluders(prog.inst.model, labels, enabled[l:],
                               {i for i in range(len(labels)) if taken >> i & 1}, l)
        why = explain_loop(prog.inst.model, found, None, assumed)
    return Trace(trace.steps, l, closing), why


def _fire(acts: list, x: tuple, y: tuple, i: int, env: list, what: str):
    a = acts[i] if 0 <= i < len(acts) else None
    try:
        if a is not None and (a.guard is None or a.guard(x, None, env)) and a.update(x, env) == y:
            return a
    except EvalError:
        pass
    raise ReplayError(f"{what} of the lasso is not a transition of the model")


def _enabled_mask(acts: list, x: tuple, env: list) -> int:
    mask = 0
    for i, a in enumerate(acts):
        if a is None:
            continue
        try:
            if a.guard is None or a.guard(x, None, env):
                mask |= 1 << i
        except EvalError:
            mask |= 1 << i  # a guard that fails to evaluate counts as enabled
    return mask


def _value(prog: Program, e: I.Expr | None, x: tuple, env: list) -> bool | None:
    """e in state x; None when it fails to evaluate (neither holds nor fails) or is absent."""
    if e is None:
        return None
    try:
        return bool(prog.compiler.expr(e)(x, None, env))
    except EvalError:
        return None


def _fails(prog: Program, prop: Liveness, xs: list[tuple], l: int, env: list) -> bool:
    val = lambda e, x: _value(prog, e, x, env)

    k = len(xs) - 1
    if prop.kind == "eventually":
        return all(val(prop.p, x) is False for x in xs)
    if prop.kind == "stabilizes":
        return any(val(prop.p, x) is False for x in xs[l:])
    if prop.kind in ("leadsto", "infinitely"):
        p = [True if prop.p is None else val(prop.p, x) for x in xs]
        nq = [val(prop.q, x) is False for x in xs]
        return any(p[i] is True and all(nq[min(i, l):k + 1]) for i in range(k + 1))
    return False


# ---------------------------------------------------------------- verdicts


def _verdict(inst: Instance, name: str, status: Status, engine: str, depth: int | None, seconds: float,
             trace: Trace | None = None, reason: str | None = None, notes: tuple[str, ...] = ()) -> Verdict:
    return Verdict(name, "property", status, inst.scope(), engine, None, depth, seconds, trace, reason, notes)


def initially(inst: Instance, enc: Encoding, prop: Liveness, engine: str, deadline, prog=None) -> Verdict:
    """`P` on its own: P holds in every initial state (one query; a violation is one state)."""
    start = time.perf_counter()
    s = enc.vars("init")
    hp, fp = _truth(enc, prop.p, s)
    res, model = solve([enc.init(s), enc.wf(s)], fp, deadline)
    if res == z3.sat:
        prog = prog or compile_program(inst)
        x = enc.decode(model, s)
        if x not in set(inst.initial_states()) or _fails_initially(prog, prop, x) is not True:
            return _verdict(inst, prop.name, Status.UNKNOWN, engine, 0, time.perf_counter() - start,
                            reason="the initial state found by the solver did not replay (a bug)")
        return _verdict(inst, prop.name, Status.VIOLATED, engine, 0, time.perf_counter() - start,
                        make_trace(inst, [x], [None]))
    if res == z3.unsat:
        res2, _ = solve([enc.init(s), enc.wf(s)], z3.Not(hp), deadline)
        if res2 == z3.unsat:
            return _verdict(inst, prop.name, Status.PROVED, engine, 0, time.perf_counter() - start,
                            notes=(f"every initial state satisfies it ({inst.scope() or 'the model'})",))
        if res2 == z3.sat:
            return _verdict(inst, prop.name, Status.UNKNOWN, engine, 0, time.perf_counter() - start,
                            reason="the property fails to evaluate in an initial state")
    return _verdict(inst, prop.name, Status.UNKNOWN, engine, 0, time.perf_counter() - start,
                    reason=S.out_of_time("its time budget", "the initial states") if out_of_time(deadline)
                    else S.gave_up("the initial states"))


def _fails_initially(prog: Program, prop: Liveness, x: tuple) -> bool | None:
    try:
        return not prog.compiler.expr(prop.p)(x, None, prog.new_env())
    except EvalError:
        return None


def lasso_verdict(inst: Instance, prog: Program, prop: Liveness, groups: list[FairGroup], lasso: Lasso,
                  engine: str, seconds: float, notes: tuple[str, ...] = ()) -> Verdict:
    """VIOLATED with the replayed lasso, or UNKNOWN if it does not replay (a bug)."""
    try:
        trace, why = replay_lasso(prog, prop, groups, lasso)
    except ReplayError as e:
        return _verdict(inst, prop.name, Status.UNKNOWN, engine, None, seconds,
                        reason=f"the lasso found by {engine} did not replay (a bug): {e}")
    return _verdict(inst, prop.name, Status.VIOLATED, engine, len(lasso.states) - 1, seconds, trace, why, notes)


def _each_property(inst: Instance, engine: str, deadline: float | None, enc: Encoding | None, decide,
                   options: SymbolicOptions | None = None) -> list[Verdict]:
    """A verdict for every property other than `always P`: a form no engine checks is unknown
    with the reason, `P` is one query on the initial states, and `decide(name, form, enc, prog,
    groups, start, deadline)` gives the rest.  NOTE(budgets): each property has its own
    deadline, `options.deadline()` from its start, within `deadline` (the caller's cap)."""
    forms = liveness_forms(inst.model)
    if not forms:
        return []
    enc = enc or Encoding(inst)
    prog = compile_program(inst)
    groups = groups_of(enc)
    out = []
    for name, form in forms:
        start = time.perf_counter()
        mine = options.deadline() if options is not None else None
        if deadline is not None:
            mine = deadline if mine is None else min(mine, deadline)
        if isinstance(form, str):
            out.append(_verdict(inst, name, Status.UNKNOWN, engine, None, 0.0, reason=form))
        elif form.kind == "initially":
            out.append(initially(inst, enc, form, engine, mine, prog))
        else:
            out.append(decide(name, form, enc, prog, groups, start, mine))
        if options is not None:
            options.landed(out[-1])  # NOTE(streaming)
    return out


def bmc_verdicts(inst: Instance, depth: int, deadline: float | None, enc: Encoding | None = None,
                 options: SymbolicOptions | None = None) -> list[Verdict]:
    """checker/engines/symbolic/bmc.py: every property other than `always P`, by bounded lasso search."""
    budget = options.budget_text() if options is not None else "the time budget"

    def decide(name, form, enc, prog, groups, start, deadline) -> Verdict:
        o = search(enc, form, groups, depth, deadline, budget=budget, options=options)
        secs = time.perf_counter() - start
        if o.status is Status.VIOLATED:
            return lasso_verdict(inst, prog, form, groups, o.lasso, "bmc", secs)
        if o.status is Status.BOUNDED:
            return _verdict(inst, name, Status.BOUNDED, "bmc", depth, secs,
                            notes=(f"no lasso up to depth {depth} (not a proof)",))
        return _verdict(inst, name, Status.UNKNOWN, "bmc", o.depth, secs, reason=o.reason)

    return _each_property(inst, "bmc", deadline, enc, decide, options)


# ---------------------------------------------------------------- liveness to safety

# NOTE(l2s-monitor): `Monitor(enc, prop, groups)` is an encoding-like object (vars, sorts,
# init, trans, wf, choice_var, decode, props) whose one safety obligation "no bad state" holds
# iff no fair lasso breaks `prop` (NOTE(lasso-search)).  Its state is the model's state s, a
# saved copy h and Boolean flags; a transition is the model's step s -> t, and may save:
#   saved   set on one step (the next state's `saved` is free to turn true), and h := s then;
#           until then h follows s (h == s while not saved);
# from the saving step on, each step accumulates its pre-state and its action choice:
#   weak group g      ok_g: g disabled in some state or taken on some step since the save;
#   strong group g    en_g: g enabled in some state, tk_g: g taken on some step since the save;
#   keep  (P ~> Q, always eventually Q) not-Q in every state since the save;
#   seen  (eventually always P) not-P in some state since the save;
#   as_j  per assumption j (NOTE(assume)), after the groups' flags: `always eventually A`: A
#         in some state since the save; `eventually always A`: A in every state since it;
# and, from the initial state on:
#   never (eventually P) not-P in every state so far;
#   pend  (P ~> Q) some earlier-or-current state had P, and not-Q holds from it to now.
# Bad: saved, s == h (the run is back at the saved state s_l, so the states since the save
# are a loop l..k and the steps since the save its steps, the last one the closing step),
# every group fair (ok_g; en_g implies tk_g), every assumption met on it (as_j) and the
# property failing on that loop (never; pend and keep; seen) -- or a deadlock (no action
# enabled: s stutters forever with every group disabled) where every assumption's A holds
# and the property fails (never; pend; not-P at s).  And, when a condition of the property
# or of an assumption can fail to evaluate, a state where it does (then no proof is claimed).
# Why this is exact: a bad state's run gives the lasso s_0..s_k + loop back to s_l, fair and
# failing by the flags (pend at s_{k+1} = s_l with not-Q on the whole loop gives an i as
# NOTE(lasso-search) asks, and as_j the assumptions on the loop); conversely a fair failing
# lasso that meets the assumptions drives the monitor to bad by saving at l.  When every slot
# has a finite domain, every infinite run of the instance visits finitely many states, so a
# fair run that breaks the property and meets its assumptions has a fair failing lasso (its
# infinitely-often states form a cycle, which meets the assumptions: A infinitely often is A
# in one of them, A from some point on is A in all): "no bad state is reachable" is then a
# proof of the property.  `unbounded` names the slots that break this (engines say unknown).
# `wf` also states "not saved implies h == s and every loop flag false" and "pend implies
# not-Q, never implies not-P": facts of every reachable monitor state by construction,
# re-checked as inductive by `wf_inductive` before k-induction relies on them (PDR's
# certificate re-checks them as part of its invariant).


class Unsupported(Exception):
    """No unbounded method applies; the message says why."""


def unbounded(inst: Instance) -> list[str]:
    """The slots whose domain is not finite (unbounded int or rat)."""
    return [name for name, ty, b in zip(inst.slot_labels, inst.slot_types, inst.slot_bounds)
            if b is None and not isinstance(ty, (I.BoolType, I.EnumType, I.ProcType))]


class Monitor:
    def __init__(self, enc: Encoding, prop: Liveness, groups: list[FairGroup]):
        if prop.kind not in ("eventually", "leadsto", "infinitely", "stabilizes"):
            raise Unsupported(f"'{prop.kind}' is not a lasso form")
        self.base, self.prop, self.groups, self.inst = enc, prop, groups, enc.inst
        self.n0 = enc.n
        self.actions = enc.actions
        loop_flags = ["saved"] + {"leadsto": ["keep"], "infinitely": ["keep"], "stabilizes": ["seen"]}.get(prop.kind, [])
        for i, g in enumerate(groups):
            loop_flags += [f"en{i}", f"tk{i}"] if g.strong else [f"ok{i}"]
        loop_flags += [f"as{j}" for j in range(len(prop.assume))]
        self.loop_flags = loop_flags[1:]
        self.global_flags = {"eventually": ["never"], "leadsto": ["pend"], "infinitely": ["pend"]}.get(prop.kind, [])
        self.flag_names = loop_flags + self.global_flags
        self.n = 2 * self.n0 + len(self.flag_names)
        self.sorts = list(enc.sorts) * 2 + [z3.BoolSort()] * len(self.flag_names)
        self.names = (list(enc.inst.slot_names) + [f"{x}#saved" for x in enc.inst.slot_names]
                      + [f"#{f}" for f in self.flag_names])
        probe = enc.vars("probe")
        self.may_fail = any(_defined(enc, e, probe) is not True for e in prop.conditions())
        self.props = [SymProp(prop.name, "property", False, lambda x, t=None: z3.Not(self.bad(x)))]

    # ------------------------------------------------------------ layout

    def vars(self, tag) -> list[z3.ExprRef]:
        return [z3.Const(f"{name}@{tag}", sort) for name, sort in zip(self.names, self.sorts)]

    def parts(self, x: list) -> tuple[list, list, dict]:
        n = self.n0
        return x[:n], x[n:2 * n], dict(zip(self.flag_names, x[2 * n:]))

    def choice_var(self, tag) -> z3.ArithRef:
        return self.base.choice_var(tag)

    def decode(self, model: z3.ModelRef, x: list) -> tuple:
        s, h, f = self.parts(x)
        flags = tuple(z3.is_true(model.eval(v, model_completion=True)) for v in f.values())
        return tuple(self.base.decode(model, s)) + tuple(self.base.decode(model, h)) + flags

    # ------------------------------------------------------------ conditions

    def _p(self, s):
        return _truth(self.base, self.prop.p, s)

    def _q(self, s):
        return _truth(self.base, self.prop.q, s)

    def _extra_wf(self, x: list) -> z3.BoolRef:
        s, h, f = self.parts(x)
        parts = [z3.Implies(z3.Not(f["saved"]), z3.And(self.base.same(s, h), *[z3.Not(f[n]) for n in self.loop_flags]))]
        if "pend" in f:
            parts.append(z3.Implies(f["pend"], self._q(s)[1]))
        if "never" in f:
            parts.append(z3.Implies(f["never"], self._p(s)[1]))
        return z3.And(*parts)

    def wf(self, x: list) -> z3.BoolRef:
        s, h, _ = self.parts(x)
        return z3.And(self.base.wf(s), self.base.wf(h), self._extra_wf(x))

    def init(self, x: list) -> z3.BoolRef:
        s, h, f = self.parts(x)
        parts = [self.base.init(s), self.base.same(s, h), z3.Not(f["saved"])]
        parts += [z3.Not(f[n]) for n in self.loop_flags]
        if "never" in f:
            parts.append(f["never"] == self._p(s)[1])
        if "pend" in f:
            parts.append(f["pend"] == z3.And(self._p(s)[0], self._q(s)[1]))
        return z3.And(*parts)

    def same(self, x: list, y: list) -> z3.BoolRef:
        return z3.And(*[a == b for a, b in zip(x, y)])

    def trans(self, x: list, y: list, tag=None) -> z3.BoolRef:
        s, h, f = self.parts(x)
        t, h2, g = self.parts(y)
        if tag is None:
            tag = str(y[0]).rsplit("@", 1)[-1]
        c = self.choice_var(tag)
        was, now = f["saved"], g["saved"]
        acc = lambda old, new: z3.And(now, z3.Or(z3.And(was, old), new))  # "some since the save"
        parts = [self.base.trans(s, t, tag), z3.Implies(was, now)]
        parts += [b == z3.If(was, hb, z3.If(now, a, ta)) for a, b, hb, ta in zip(s, h2, h, t)]
        if "keep" in g:
            parts.append(g["keep"] == z3.And(now, z3.Or(z3.Not(was), f["keep"]), self._q(s)[1]))
        if "seen" in g:
            parts.append(g["seen"] == acc(f["seen"], self._p(s)[1]))
        if "never" in g:
            parts.append(g["never"] == z3.And(f["never"], self._p(t)[1]))
        if "pend" in g:
            hp, _ = self._p(t)
            parts.append(g["pend"] == z3.And(self._q(t)[1], z3.Or(hp, f["pend"])))
        for i, gr in enumerate(self.groups):
            en, tk = fair_enabled(self.base, gr, s), _taken(gr, c)
            if gr.strong:
                parts += [g[f"en{i}"] == acc(f[f"en{i}"], en), g[f"tk{i}"] == acc(f[f"tk{i}"], tk)]
            else:
                parts.append(g[f"ok{i}"] == acc(f[f"ok{i}"], z3.Or(z3.Not(en), tk)))
        for j, a in enumerate(self.prop.assume):
            holds = _truth(self.base, a.a, s)[0]
            if a.kind == "infinitely":
                parts.append(g[f"as{j}"] == acc(f[f"as{j}"], holds))
            else:  # "in every state since the save"
                parts.append(g[f"as{j}"] == z3.And(now, z3.If(was, z3.And(f[f"as{j}"], holds), holds)))
        return z3.And(*parts)

    def bad(self, x: list) -> z3.BoolRef:
        s, h, f = self.parts(x)
        fair = [z3.Implies(f[f"en{i}"], f[f"tk{i}"]) if g.strong else f[f"ok{i}"] for i, g in enumerate(self.groups)]
        kind = self.prop.kind
        if kind == "eventually":
            loop_fails = dead_fails = f["never"]
        elif kind == "stabilizes":
            loop_fails, dead_fails = f["seen"], self._p(s)[1]
        else:
            loop_fails, dead_fails = z3.And(f["pend"], f["keep"]), f["pend"]
        assumed = [f[f"as{j}"] for j in range(len(self.prop.assume))]
        assumed_dead = [_truth(self.base, a.a, s)[0] for a in self.prop.assume]
        out = [z3.And(f["saved"], self.base.same(s, h), *fair, *assumed, loop_fails),
               z3.And(_deadlocked(self.base, s), dead_fails, *assumed_dead)]
        if self.may_fail:
            out += [z3.Not(as_bool(_defined(self.base, e, s))) for e in self.prop.conditions()]
        return z3.Or(*out)


def wf_inductive(mon: Monitor, deadline) -> bool:
    """The monitor's structural facts in `wf` (NOTE(l2s-monitor)) hold initially and are
    kept by every step, checked by fresh solvers."""
    x, y = mon.vars("wf0"), mon.vars("wf1")
    first = solve([mon.init(x)], z3.Not(mon.wf(x)), deadline)[0]
    step = solve([mon.wf(x), mon.trans(x, y, "wf")], z3.Not(mon._extra_wf(y)), deadline)[0]
    return first == z3.unsat and step == z3.unsat


# ---------------------------------------------------------------- unbounded: kind and pdr


class _Lifted:
    """Invariants proved before (checker/engines/symbolic/pdr.py `Known`, over Var(i) for slot i of the
    model) stated for the monitor's state and its saved copy: a saved state was reached, so
    every invariant holds there too.  The certificate re-checks them with the rest."""

    def __init__(self, known, n0: int):
        self.names = list(known.names) if known is not None else []
        self.invariants = list(known.invariants) if known is not None else []
        self.n0 = n0

    def within(self, mon: Monitor, x: list) -> z3.BoolRef:
        n = self.n0
        lifted = [z3.substitute_vars(i, *x[:n]) for i in self.invariants]
        lifted += [z3.substitute_vars(i, *x[n:2 * n]) for i in self.invariants]
        return z3.And(mon.wf(x), *lifted)


def prove_verdicts(inst: Instance, engine: str, depth: int, deadline: float | None, known=None,
                   enc: Encoding | None = None, options: SymbolicOptions | None = None) -> list[Verdict]:
    """checker/engines/symbolic/kind.py (engine "kind") and checker/engines/symbolic/pdr.py ("pdr"): every property other than
    `always P`, by liveness to safety (NOTE(l2s-monitor)); `known` are PDR's invariants."""
    open_slots = unbounded(inst)
    budget = options.budget_text() if options is not None else "the time budget"

    def decide(name, form, enc, prog, groups, start, deadline) -> Verdict:
        if out_of_time(deadline):
            return _verdict(inst, name, Status.UNKNOWN, engine, None, 0.0,
                            reason=S.out_of_time(budget, f"{engine}, before it started on this property"))
        if options is not None:
            options.working(f"{engine}: {name} (liveness to safety)")
        mon = Monitor(enc, form, groups)
        got = _kind(inst, mon, depth, deadline, budget, options) if engine == "kind" else \
            _pdr(inst, mon, deadline, known, budget)
        return _finish(inst, prog, mon, got, engine, open_slots, deadline, start, budget)

    return _each_property(inst, engine, deadline, enc, decide, options)


@dataclass
class _Got:
    status: Status  # PROVED, VIOLATED (bad reached in `steps` monitor steps) or UNKNOWN
    steps: int | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()
    k: int | None = None


def _finish(inst, prog, mon: Monitor, got: _Got, engine: str, open_slots, deadline, start,
            budget: str = "the time budget") -> Verdict:
    prop, secs = mon.prop, lambda: time.perf_counter() - start
    label = f"{engine} (k={got.k}, l2s)" if engine == "kind" and got.k is not None else f"{engine} (l2s)"
    if got.status is Status.PROVED:
        if open_slots:
            return _verdict(inst, prop.name, Status.UNKNOWN, engine, got.k, secs(),
                            reason=f"no fair lasso breaks it, but the state is unbounded ({', '.join(open_slots)}): "
                                   f"a run may visit infinitely many states, so this is no proof")
        what = f"{got.k}-induction" if engine == "kind" else "PDR"
        note = (f"liveness to safety: {what} shows that no fair lasso breaks it, for "
                f"{inst.scope() or 'the model'} (a finite instance), re-checked")
        return _verdict(inst, prop.name, Status.PROVED, label, got.k, secs(), notes=(note,) + got.notes)
    if got.status is Status.VIOLATED:
        # the monitor's run has the length of a lasso of at most steps + 1 states: find the shortest
        o = search(mon.base, prop, mon.groups, got.steps, deadline, budget=budget)
        if o.status is Status.VIOLATED:
            return lasso_verdict(inst, prog, prop, mon.groups, o.lasso, engine, secs(), got.notes)
        if o.status is Status.UNKNOWN:
            return _verdict(inst, prop.name, Status.UNKNOWN, engine, o.depth, secs(),
                            reason=f"{engine} found a fair lasso that breaks it, but the search for its trace "
                                   f"stopped: {o.reason}")
        why = ("a condition of the property fails to evaluate in a reachable state" if mon.may_fail
               else f"{engine} reached a bad state of the liveness monitor, but no lasso of that length exists (a bug)")
        return _verdict(inst, prop.name, Status.UNKNOWN, engine, got.steps, secs(), reason=why)
    return _verdict(inst, prop.name, Status.UNKNOWN, engine, got.k, secs(), reason=got.reason, notes=got.notes)


def _kind(inst: Instance, mon: Monitor, depth: int, deadline, budget: str = "the time budget",
          options: SymbolicOptions | None = None) -> _Got:
    """k-induction (checker/engines/symbolic/kind.py) on the monitor; a proof is re-derived from a fresh
    encoding of the instance and a fresh monitor."""
    if not wf_inductive(mon, deadline):
        if out_of_time(deadline):
            return _Got(Status.UNKNOWN, reason=S.out_of_time(budget, "setting up liveness to safety"))
        return _Got(Status.UNKNOWN, reason="the liveness monitor's well-formedness facts did not re-check (a bug)")
    prop, props = mon.prop, mon.props
    def make(i: Instance) -> Monitor:
        fresh = Encoding(i)
        return Monitor(fresh, prop, groups_of(fresh))

    opened = {0: K.Open()}
    states = [mon.vars(0)]
    path = [mon.init(states[0]), mon.wf(states[0])]
    reached = -1
    for k in range(depth + 1):
        if options is not None:
            options.working(f"kind: {prop.name} (liveness to safety), k = {k}")
        if k > 0:
            states.append(mon.vars(k))
            path += [mon.trans(states[k - 1], states[k], k), mon.wf(states[k])]
        said: list[str] = []
        res, _ = solve(path, z3.Not(props[0].pred(states[k], None)), deadline, said)
        if res == z3.sat:
            return _Got(Status.VIOLATED, steps=k, k=k)
        if res == z3.unknown:
            return _Got(Status.UNKNOWN, k=reached,
                        reason=K.why_unknown(deadline, f"the base case at k = {k} (liveness to safety)", budget, said,
                                             f"no fair lasso of up to {k} states" if k else None))
        proved, stop = K.induction_step(mon, props, [0], k, opened, deadline, budget)
        reached = k
        if stop:
            return _Got(Status.UNKNOWN, reason=f"{stop} (liveness to safety)", k=reached)
        if proved:
            if K.recheck(inst, [0], False, k, deadline, make=make):
                return _Got(Status.PROVED, k=k)
            if out_of_time(deadline):
                return _Got(Status.UNKNOWN, reason=S.out_of_time(budget, f"the re-check of the {k}-induction proof"), k=k)
            return _Got(Status.UNKNOWN, reason="the k-induction proof did not re-check (a bug)", k=k)
    return _Got(Status.UNKNOWN, k=reached,
                reason=f"no fair lasso of up to {reached} states, and liveness to safety is not k-inductive "
                       f"for k <= {reached} (the pdr engine may prove it)")


def _pdr(inst: Instance, mon: Monitor, deadline, known, budget: str = "the time budget") -> _Got:
    """PDR (checker/engines/symbolic/pdr.py) on the monitor; a proof is its invariant, re-checked by fresh
    solvers as a certificate (NOTE(certificate))."""

    base = printing_slots(inst, "inv")
    slots = dict(base)
    for name in inst.slot_names:
        s = base[f"{name}@inv"]
        slots[f"{name}#saved@inv"] = Slot(f"saved({s.label})", s.members)
    for f in mon.flag_names:
        slots[f"#{f}@inv"] = Slot(f"#{f}")
    o = prove_one(mon, mon.props[0], deadline, slots, _Lifted(known, mon.n0), budget)
    if o.status is Status.PROVED:
        return _Got(Status.PROVED, notes=o.notes[:1])
    if o.status is Status.VIOLATED:
        return _Got(Status.VIOLATED, steps=len(o.states) - 1)
    return _Got(Status.UNKNOWN, reason=f"{o.reason} (PDR on liveness to safety)")
