"""Proofs for every size at once: k-induction, then PDR, on the counter abstraction.

`prove_all_sizes` takes a model, values for its finite params and the names of its unbound
int params, and decides each obligation (invariants, `always P`, deadlock, runtime errors)
for every value of the unbound params allowed by the assumptions and every family size:
  - proved: k-induction's proof re-derived from a fresh encoding, or PDR's invariant
    re-checked by fresh solvers (NOTE(certificate) in checker/engines/symbolic/certificate.py);
  - broken for some size: the counter run (the base case of k-induction, or PDR's
    derivation) gives the param values where it breaks and the length of the run; the
    caller confirms it on a concrete instance before anything is called "violated";
  - unknown, with the reason (not inductive, solver gave up, time budget).
NOTE(budgets) in checker/engines/symbolic/encode.py: `options.timeout` is seconds per
property: the safety obligations share one pool, the budget times their number, for
k-induction (which decides them together) and then PDR (at most the budget for each one
left); each liveness property has its own budget.
Each verdict lands as soon as it is final (NOTE(streaming) in checker/semantics/control.py).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import z3

from forkproof.engines.symbolic import kind as K
from forkproof.engines.symbolic.bmc import obligations, solve
from forkproof.engines.symbolic.certificate import Slot
from forkproof.engines.counters.abstraction import CounterEncoding, Ineligible
from forkproof.engines.symbolic import solver as S
from forkproof.engines.symbolic.encode import SymbolicOptions, SymProp, conj, out_of_time
from forkproof.engines.counters.l2s import LassoMonitor, Unsupported
from forkproof.engines.symbolic.pdr import Known, prove_one
from forkproof.semantics.compile import mentions
from forkproof.semantics.gcfence import fresh_z3_context, gc_fence
from forkproof.semantics.temporal import classify, fair_groups, group_label
from forkproof.semantics.verdict import Status, Verdict
from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str


@dataclass(frozen=True)
class SizeVerdict:
    name: str
    kind: str
    status: Status  # PROVED, VIOLATED (for the sizes in `witness`, not yet confirmed) or UNKNOWN
    engine: str
    seconds: float
    reason: str | None = None
    notes: tuple[str, ...] = ()
    witness: dict[str, int] | None = None  # param values of a counter run that breaks it
    depth: int | None = None  # steps of that run
    cti: dict[str, int] | None = None  # unknown: param values of k-induction's counterexample to induction
    smallest: bool = False  # NOTE(deep-base): no run as long breaks it at sizes with a smaller sum


@dataclass(frozen=True)
class AllSizes:
    verdicts: tuple[SizeVerdict, ...]
    ineligible: str | None  # why the counter abstraction does not apply (then no verdicts)
    seconds: float
    local_states: int = 0
    stopped: str | None = None  # a budget crossed before any verdict (NOTE(phase-budget)), then no verdicts


def assumption_text(model: I.Model, symbolic: list[str]) -> str:
    """"all N with N >= 1": the scope of an all-sizes verdict."""
    names = ", ".join(symbolic)
    conds = [expr_str(a.expr) for a in model.assumes if mentions(a.expr, symbolic)]
    by_name = {p.name: p for p in model.params}
    for n in symbolic:
        ty = by_name[n].ty
        if isinstance(ty, I.IntType) and ty.bounded:
            conds.insert(0, f"{n} in {ty}")
    return f"all {names}" + (f" with {' and '.join(conds)}" if conds else "")


def prove_all_sizes(model: I.Model, bound: dict[str, object], symbolic: list[str],
                    options: SymbolicOptions) -> AllSizes:
    # NOTE(z3-determinism) in checker/semantics/gcfence.py; a fresh context, so that nothing
    # the process did before changes Spacer's search (NOTE(order))
    with gc_fence(), fresh_z3_context():
        return _prove_all_sizes(model, bound, symbolic, options)


def _prove_all_sizes(model: I.Model, bound: dict[str, object], symbolic: list[str],
                     options: SymbolicOptions) -> AllSizes:
    start = time.perf_counter()
    make = lambda _inst=None: CounterEncoding(model, bound, symbolic)
    try:
        enc = make()
    except Ineligible as e:
        return AllSizes((), str(e), time.perf_counter() - start)
    props = obligations(enc, options.deadlock)
    known = Known()
    out = _decide(enc, props, make, options.depth, options.deadlock, options, start, known)
    merged: dict[tuple[str, str], SizeVerdict] = {}
    rank = {Status.VIOLATED: 0, Status.UNKNOWN: 1, Status.PROVED: 2}
    for i, p in enumerate(props):
        v = out[i]
        key = (p.name, p.kind)
        if key not in merged or rank[v.status] < rank[merged[key].status]:
            merged[key] = v
        elif v.status is Status.VIOLATED is merged[key].status and (v.depth or 0) < (merged[key].depth or 0):
            merged[key] = v  # "runtime" in states and in steps: the shorter run
    for v in _liveness(model, enc, make, options, start, known):
        merged[(v.name, v.kind)] = v
    local = sum(len(x) for x in enc.local_states.values())
    return AllSizes(tuple(merged.values()), None, time.perf_counter() - start, local)


def _decide(enc, props, make, depth: int, deadlock: bool, options: SymbolicOptions, start: float, known: Known,
            tag: str = "counters") -> dict[int, SizeVerdict]:
    """k-induction up to `depth`, then PDR (each obligation within the invariants proved
    before it, collected in `known`), on an encoding-like object; `make()` builds a fresh
    one for the re-check.  NOTE(budgets): one pool, the budget times the number of
    obligations, for k-induction and then PDR, which gives each obligation at most the budget."""
    out: dict[int, SizeVerdict] = {}
    opened = {i: K.Open() for i in range(len(props))}
    stop = None
    k_reached = -1
    n = len({p.name for p in props})
    deadline = options.deadline(n)
    budget = options.budget_text(n)
    kind_start = time.perf_counter()
    states = [enc.vars(0)]
    path = [enc.init(states[0]), enc.wf(states[0])]
    for k in range(depth + 1):
        if k > 0:
            states.append(enc.vars(k))
            path += [enc.trans(states[k - 1], states[k], k), enc.wf(states[k])]
        options.working(f"every size: k-induction on the {_what(tag)}, k = {k}")
        bad = {i: K.negation(props[i], states, k) for i in opened if not (props[i].step and k == 0)}
        while bad:
            said: list[str] = []
            res, m = solve(path, z3.Or(*bad.values()), deadline, said)
            if res != z3.sat:
                if res == z3.unknown:
                    stop = K.why_unknown(deadline, f"the base case at k = {k} on the {_what(tag)}", budget, said)
                break
            witness = _witness(enc, m, states[0])
            for i in [i for i, b in bad.items() if z3.is_true(m.eval(b, model_completion=True))]:
                out[i] = SizeVerdict(props[i].name, props[i].kind, Status.VIOLATED, f"kind ({tag})",
                                     time.perf_counter() - start, witness=witness, depth=k)
                del bad[i], opened[i]
        if stop:
            break
        proved, stop = K.induction_step(enc, props, list(opened), k, opened, deadline, budget)
        k_reached = k
        if proved:
            ok = K.recheck(None, sorted(proved), deadlock, k, deadline, make=make)
            for i in proved:
                if ok:
                    out[i] = SizeVerdict(props[i].name, props[i].kind, Status.PROVED, f"kind (k={k}, {tag})",
                                         time.perf_counter() - start,
                                         notes=(f"proved by {k}-induction on the {_what(tag)}, re-checked",))
                else:
                    why = (S.out_of_time(budget, f"the re-check of the {k}-induction proof on the {_what(tag)}")
                           if out_of_time(deadline) else "the k-induction proof did not re-check (a bug)")
                    out[i] = SizeVerdict(props[i].name, props[i].kind, Status.UNKNOWN, f"kind ({tag})",
                                         time.perf_counter() - start, reason=why)
                del opened[i]
        if not opened or stop:
            break
    why_kind = stop or f"not k-inductive for k <= {k_reached} on the {_what(tag)}"
    kind_seconds = time.perf_counter() - kind_start
    for i, v in list(out.items()):  # decided together: each took the joint k-induction's time
        out[i] = dataclasses.replace(v, seconds=kind_seconds)
    slots = {f"{name}@inv": Slot(label, tuple(ty.members) if isinstance(ty, I.EnumType) else None)
             for name, label, ty in _slots(enc)}
    # PDR on each obligation in model order, within the invariants proved before it
    # (NOTE(strengthening) in checker/engines/symbolic/pdr.py), each with its own budget
    for i in sorted(opened):
        deep = (lambda i=i: _deep_base(enc, props[i], states, path, k_reached, options, start)) \
            if tag == "counters" and not stop else None  # NOTE(deep-base)
        o, secs = _pdr(enc, props[i], known, slots, options, deadline, tag, deep)
        if isinstance(o, SizeVerdict):
            out[i] = dataclasses.replace(o, seconds=kind_seconds + secs)
            continue
        if o is not None and o.status is Status.PROVED and o.invariant is not None \
                and not z3.is_true(z3.simplify(o.invariant)):
            known.names.append(props[i].name)
            known.invariants.append(o.invariant)
        out[i] = _pdr_verdict(enc, props[i], o, kind_seconds + secs, opened[i].cti, why_kind, tag, budget)
    if tag == "counters":  # the monitor's caller lands its own (NOTE(streaming))
        for v in out.values():
            _land(options, v)
    return out


# NOTE(deep-base): k-induction on the counters stops at ALL_SIZES_K, and PDR finds a
# counterexample by building frames, which on a model with sums over three families (the
# Cardano model's committee, DReps and pools) reached frame 5 in 30 s: a committee rule
# broken at C = 2 in 5 steps stayed unknown.  So when PDR's first restart has not decided
# an obligation (NOTE(restarts)), the base case goes on before the next: a bounded search
# over every size at once (the sizes are unknowns of the query), the obligation alone, up
# to DEEP_K steps, each step count within DEEP_RLIMIT solver steps (counted, not timed, so
# that the outcome does not depend on the machine's load; on the Cardano model the steps
# up to the violation took 5-13 million each) and all within DEEP_SHARE of what is left of
# the obligation's budget.  An obligation PDR decides at once costs nothing more; one it
# proves later pays for the search (on that model 53 million steps before a step count
# needs more than the limit).  A run the search finds is a run of the counter system for
# some sizes; the sizes are then made small (the largest of the symbolic params, then their
# sum, decreased while a run of the same length exists), and the caller confirms the run on that instance
# before anything is called violated (checker/run/sizes.py), like any counter violation.
# Nothing is concluded from what it does not find.
DEEP_K = 12
DEEP_ENGINE = "bmc (counters)"  # the engine of its verdicts, which the caller confirms by bmc
DEEP_SHARE = 0.5
DEEP_RLIMIT = 25_000_000


def _deep_base(enc, p, states: list, path: list, k_reached: int, options: SymbolicOptions,
               start: float) -> SizeVerdict | None:
    """NOTE(deep-base): a violation of `p` found by a bounded search on the counters from
    k_reached + 1 to DEEP_K steps, with the smallest sizes found, or None."""
    mine = options.deadline()
    if mine is None:
        return None
    deadline = time.perf_counter() + (mine - time.perf_counter()) * DEEP_SHARE
    sizes = [states[0][at] for at in enc.param_at.values()]
    for k in range(k_reached + 1, DEEP_K + 1):
        while len(states) <= k:
            j = len(states)
            states.append(enc.vars(j))
            path += [enc.trans(states[j - 1], states[j], j), enc.wf(states[j])]
        options.working(f"every size: a bounded search on the counter abstraction: {p.name}, {k} steps")
        bad = K.negation(p, states, k)
        res, m = solve(path[:2 * (k + 1)], bad, deadline, rlimit=DEEP_RLIMIT)
        if res == z3.sat:
            m, exact = _smallest(path[:2 * (k + 1)], bad, sizes, m, deadline)
            return SizeVerdict(p.name, p.kind, Status.VIOLATED, DEEP_ENGINE, time.perf_counter() - start,
                               witness=_witness(enc, m, states[0]), depth=k, smallest=exact)
        if res == z3.unknown or out_of_time(deadline):
            return None
    return None


def _smallest(path: list, bad, sizes: list, m, deadline) -> tuple[object, bool]:
    """A model of `path` and `bad` with small sizes: the largest size as small as it gets
    (tried from 1 up), then their sum decreased, as far as the deadline and the step limit
    allow; and whether the sum is the least (the last query said there is no smaller)."""
    if not sizes:
        return m, True
    top = max(m.eval(x, model_completion=True).as_long() for x in sizes)
    for b in range(1, top):
        res, smaller = solve(path, z3.And(bad, *[x <= b for x in sizes]), deadline, rlimit=DEEP_RLIMIT)
        if res == z3.sat:
            m = smaller
            break
        if res != z3.unsat:
            return m, False
    total = z3.Sum(*sizes) if len(sizes) > 1 else sizes[0]
    while True:
        res, smaller = solve(path, z3.And(bad, total < m.eval(total, model_completion=True)), deadline,
                             rlimit=DEEP_RLIMIT)
        if res != z3.sat:
            return m, res == z3.unsat
        m = smaller


# NOTE(restarts): Spacer's time on one obligation is heavy-tailed over its random seed.  On
# the broadcast model (models/srikanth_toueg_broadcast.fork) alone in a process, correctness
# was unknown after 20 s with seed 0 and proved in 1.2-11 s with seeds 1-5; relay_to_all took
# 1.7-10.3 s over seeds 0-5.  So PDR restarts: seeds 0, 1 and 2 each get a resource limit
# (Z3's rlimit, a count of solver steps: the same on a loaded machine as on a quiet one, so
# the outcome, and the invariant printed, do not depend on the load), doubling from
# RESTART_RLIMIT, about 2 s of a quiet machine's time; seed 3 gets what is left of the
# budget.  Every attempt also stops at the budget's deadline.  A proof that seed 0 finds
# only after the first limit is found later, by seed 3, if the budget allows; one that most
# seeds find within 2 s, which one unlucky seed would miss, is not lost.
RESTART_RLIMIT = 25_000_000  # Spacer on the broadcast model: 10-14 million a second, quiet
RESTARTS = 3


def _pdr(enc, p, known: Known, slots, options: SymbolicOptions, pool: float | None, tag: str, deep=None):
    """PDR on one obligation within `known`, for its own budget and within the pool's
    deadline, with restarts (NOTE(restarts)): the outcome (None when no time was left to
    start it) and the seconds it took.  After the first restart, `deep()` may find a
    violation by a bounded search (NOTE(deep-base)): then that verdict is the outcome."""
    t0 = time.perf_counter()
    mine = options.deadline()
    mine = pool if mine is None else min(mine, pool) if pool is not None else mine
    if out_of_time(mine):
        return None, 0.0
    options.working(f"every size: PDR on the {_what(tag)}: {p.name}")
    o = None
    for seed in range(RESTARTS + 1):
        limit = RESTART_RLIMIT << seed if seed < RESTARTS else None
        if seed == 1 and deep is not None:
            found = deep()
            if found is not None:
                return found, time.perf_counter() - t0
            if out_of_time(mine):
                break
        o = prove_one(enc, p, mine, slots, known, options.budget_text(), every_size=True, seed=seed, rlimit=limit)
        if limit is None or o.status is not Status.UNKNOWN or out_of_time(mine):
            break
    return o, time.perf_counter() - t0


def _pdr_verdict(enc, p, o, seconds: float, cti, why_kind: str, tag: str, budget: str) -> SizeVerdict:
    if o is None:
        return SizeVerdict(p.name, p.kind, Status.UNKNOWN, f"kind ({tag})", seconds,
                           reason=f"{why_kind}; {S.out_of_time(budget, 'k-induction, before PDR started')}")
    if o.status is Status.PROVED:
        return SizeVerdict(p.name, p.kind, Status.PROVED, f"pdr ({tag})", seconds, notes=o.notes)
    if o.status is Status.VIOLATED and o.states:
        return SizeVerdict(p.name, p.kind, Status.VIOLATED, f"pdr ({tag})", seconds,
                           witness=_witness_state(enc, o.states[0]), depth=len(o.states) - 1)
    notes = (_cti_text(enc, p, cti),) if cti and isinstance(enc, CounterEncoding) else ()
    return SizeVerdict(p.name, p.kind, Status.UNKNOWN, f"kind, pdr ({tag})", seconds,
                       reason=f"{why_kind}; PDR: {o.reason}", notes=notes,
                       cti=_witness_state(enc, cti[1][-1]) if cti else None)


def _land(options: SymbolicOptions, v: SizeVerdict) -> None:
    """NOTE(streaming): an every-size verdict as it is decided (a violation is confirmed on an
    instance before it is reported: the stream says so)."""
    reason = v.reason
    if v.status is Status.VIOLATED and v.witness:
        sizes = ", ".join(f"{k} = {x}" for k, x in v.witness.items())
        reason = f"the counters break it at {sizes}; to be confirmed on that instance"
    options.landed(Verdict(v.name, v.kind, v.status, "", v.engine, None, v.depth, v.seconds, reason=reason))


def _what(tag: str) -> str:
    return {"counters": "counter abstraction", "counters, l2s": "counter abstraction (liveness to safety)"}.get(tag, tag)


def _slots(enc) -> list[tuple[str, str, object]]:
    """(name, label, type) of each slot (NOTE(slot-labels)): a counter encoding's, or a liveness
    monitor's (its state, the saved copy, and its flags)."""
    if isinstance(enc, LassoMonitor):
        return list(zip(enc.names, enc.labels, enc.types))
    return list(zip(enc.inst.slot_names, enc.inst.slot_labels, enc.inst.slot_types))


def _counters_of(enc) -> CounterEncoding:
    return enc.base if isinstance(enc, LassoMonitor) else enc


def _witness(enc, m, x) -> dict[str, int]:
    return _witness_state(enc, enc.decode(m, x))


def _witness_state(enc, state: tuple) -> dict[str, int]:
    return _counters_of(enc).param_values(tuple(state)[:_counters_of(enc).n])


def _liveness(model: I.Model, enc: CounterEncoding, make, options: SymbolicOptions, start: float,
              known: Known) -> list[SizeVerdict]:
    """Every size at once for the properties other than `always P`: liveness to safety
    (NOTE(l2s) in checker/engines/counters/l2s.py) on the counters, then k-induction and PDR.  Exact because
    a counter state that repeats is a concrete state that repeats up to a permutation of
    the copies; going round the loop as many times as the permutation's order closes a
    concrete cycle, and fairness of whole actions does not see the permutation (nor does
    its condition, NOTE(fair-when): read like the guard, for a copy in one local state, nor
    an assumption, NOTE(assume): a state predicate over the counters)."""
    out = []
    per_copy = [f for f in model.fairness if any(isinstance(p.ty, I.ProcType) for p in
                                                 model.actions[[a.name for a in model.actions].index(f.action)].params
                                                 if p.name in f.per)]
    open_slots = unbounded_slots(enc)
    for prop in model.properties:
        form = classify(prop)
        if isinstance(form, str) or form.kind == "always":
            continue
        t0 = time.perf_counter()
        deadline = options.deadline()
        if form.kind == "initially":
            s = enc.vars("init")
            v, ok = enc.expr(form.p, s, None, {})
            res, m = solve([enc.init(s)], z3.Not(z3.BoolVal(v) if isinstance(v, bool) else v), deadline)
            if res == z3.unsat and ok is True:
                out.append(SizeVerdict(prop.name, "property", Status.PROVED, "counters", time.perf_counter() - start,
                                       notes=("every initial state satisfies it, for every size",)))
                _land(options, out[-1])
            elif res == z3.sat:
                out.append(SizeVerdict(prop.name, "property", Status.VIOLATED, "counters", time.perf_counter() - start,
                                       witness=enc.param_values(enc.decode(m, s)), depth=0))
                _land(options, out[-1])
            continue
        why = None
        if per_copy:
            why = (f"fairness per copy ({', '.join(f.action + '(' + ', '.join(f.per) + ')' for f in per_copy)}) "
                   f"tells copies apart, which counters do not")
        elif open_slots:
            why = f"unbounded state ({', '.join(open_slots)}): a run may never repeat a state"
        if why is None:
            groups = fair_groups(model, [(a.action, a.args) for a in enc.actions], group_label)
            try:  # built here only for what it refuses (Unsupported); `_alone` builds its own
                _Monitor(enc, form, groups)
            except Unsupported as e:
                why = str(e)
        if why is not None:
            out.append(SizeVerdict(prop.name, "property", Status.UNKNOWN, "counters", time.perf_counter() - t0,
                                   reason=why))
            _land(options, out[-1])
            continue
        got = _alone(model, form, groups, make, known, options, start)
        if got.status is Status.PROVED:
            got = SizeVerdict(got.name, got.kind, got.status, got.engine, got.seconds, got.reason,
                              ("liveness to safety on the counter abstraction: no fair lasso breaks it, for every "
                               "size",) + got.notes[:1], got.witness, got.depth)
        out.append(got)
        _land(options, got)
    return out


def _alone(model: I.Model, form, groups, make, known: Known, options: SymbolicOptions, start: float) -> SizeVerdict:
    """One liveness property on its own monitor, in a new Z3 context: NOTE(order) (its verdict
    and time depend neither on the order of the properties nor on the others; given only the
    invariants of the safety properties proved before, all of which every property is given)."""
    with fresh_z3_context() as ctx:
        remake = lambda _inst=None: _Monitor(make(), form, groups)
        mon = remake()
        lifted = Known(list(known.names), [inv for x in known.invariants for inv in _both(x.translate(ctx), mon.n0)])
        return _decide(mon, mon.props, remake, 1, False, options, start, lifted, "counters, l2s")[0]


class _Monitor(LassoMonitor):
    """The liveness monitor with the definitions of the counters' quotients (NOTE(div-param)
    in checker/engines/symbolic/encode.py): facts of every step, and of every negated
    obligation, as in CounterEncoding.  (Its saved copy is compared, never evaluated.)"""

    def __init__(self, enc: CounterEncoding, prop, groups):
        super().__init__(enc, prop, groups)
        n = self.n0
        (p,) = self.props

        def pred(x, t=None):
            v, d = p.pred(x, t), enc.defs(x[:n])
            return v if d is True else z3.Implies(d, v)

        self.props = [SymProp(p.name, p.kind, p.step, pred)]

    def trans(self, x: list, y: list, tag=None) -> z3.BoolRef:
        step = super().trans(x, y, tag)
        d = conj(self.base.defs(x[:self.n0]), self.base.defs(y[:self.n0]))
        return step if d is True else z3.And(step, d)

    def fresh_vars(self, tag: str) -> list[z3.ExprRef]:
        return self.base.fresh_vars(tag)


def unbounded_slots(enc: CounterEncoding) -> list[str]:
    """Slots with no finite range (an unbounded int or a rat): liveness to safety needs every
    run of one instance to have finitely many states.  Counters are bounded by the family
    size and params are constant along a run."""
    out = []
    params = set(enc.param_at.values())
    for k, (name, ty) in enumerate(zip(enc.inst.slot_labels, enc.inst.slot_types)):
        if ty is None or k in params or isinstance(ty, (I.BoolType, I.EnumType, I.ProcType)):
            continue
        if isinstance(ty, I.IntType) and ty.bounded:
            continue
        out.append(name)
    return out


def _both(inv: z3.ExprRef, n: int) -> list[z3.ExprRef]:
    """A state invariant over Var(0..n-1), for the monitor's state and for its saved copy
    (a saved state was reached, so it satisfies every invariant too)."""
    return [inv, _shift(inv, n)]


def _shift(inv: z3.ExprRef, n: int) -> z3.ExprRef:
    sorts = {}
    _collect_vars(inv, sorts)
    repl = [z3.Var(n + j, sorts[j]) if j in sorts else z3.Var(n + j, z3.IntSort()) for j in range(max(sorts, default=-1) + 1)]
    return z3.substitute_vars(inv, *repl)


def _collect_vars(e: z3.ExprRef, out: dict) -> None:
    if z3.is_var(e):
        out[z3.get_var_index(e)] = e.sort()
        return
    for c in e.children():
        _collect_vars(c, out)


def _cti_text(enc: CounterEncoding, p, cti) -> str:
    k, xs = cti
    pre, post = enc.describe(xs[-2]), enc.describe(xs[-1])
    changed = {n: v for n, v in post.items() if pre.get(n) != v}
    changed.update({n: 0 for n in pre if n not in post})
    show = lambda d: ", ".join(f"{n} = {_show(v)}" for n, v in d.items())
    return (f"counterexample to induction on the counters (k = {k}): from [{show(pre)}], where {p.name} holds, "
            f"a step leads to [{show(changed) or 'nothing changes'}], where it fails (#F(...) counts the copies "
            f"of F in that local state); if that state is unreachable, an invariant that excludes it may "
            f"make the proof go through")


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)
