"""Quorum intersection for a weighted support (`sum(v in V where ..: v.stake)`): do any two
passing sets of the same members share more than f of the weight?

NOTE(weighted-quorum): counting configurations (NOTE(configuration) in encode.py) forget
which copy is which, so two independent configurations cannot say how much two passing
sets share.  Instead one joint configuration counts the copies by their pair of local
states: a copy's weight (the locals the support's summand reads: `stake`) is the same in
both sets, and what it votes (every other local the rule reads that some action assigns) is
read twice, once per set (`vote` and its copy `vote (B)`); a local no action changes (a
delegation fixed at the start) is part of who the copy is, the same in both sets, or two
sets could differ where no run can.  The rule is read once over each.  The globals and the
threshold's own params the rule reads are shared (the same proposal, the same version).
The shared weight is the support's sum over the copies that support in both.  Z3 then looks
for two passing readings with a shared weight <= f (f = 0, or the `--faulty` param): none,
for every N allowed by the assumptions (or at N's values), is `proved`; one is `refuted`
with the smallest N and its configuration.  Weights range over their type (`1..MAXSTAKE`),
so this covers every assignment of weights in that range, not one distribution.
"""
from __future__ import annotations

import dataclasses
import time

import z3

from forkproof.analysis.encode import Config, Encoder, Unsupported, inline, preorder, py_value, zv
from forkproof.analysis.report import Verdict
from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str

SUFFIX = "__b"  # the second reading of a local; shown as "(B)"
TIMEOUT_MS = 20_000
SCAN = 12  # sizes tried one by one for the smallest counterexample
SCAN_SECONDS = 10.0  # ... within this budget, each size's query within SCAN_QUERY_MS
SCAN_QUERY_MS = 2_000
MAIN_QUERY_MS = 10_000  # the intersection query itself; undecided by then is unknown
MAX_CANONICAL = 48  # joint local states up to which the witness shown is the lexicographically smallest


class _PairEncoder(Encoder):
    """Only the locals the rule reads make a local state (the others do not change whether
    it passes), with the voting ones twice."""

    def __init__(self, model: I.Model, params: dict[str, object], slots: dict[str, list[tuple[str, I.Type]]]):
        super().__init__(model, params)
        self.slots = slots

    def locals_of(self, family: str) -> list[tuple[str, I.Type]]:
        return self.slots.get(family, super().locals_of(family))


def _rename(e: I.Expr | None, names: set[tuple[str, str]]) -> I.Expr | None:
    """`e` with each local (family, name) in `names` read as its second copy."""
    def second(n: I.Expr) -> I.Expr | None:
        if isinstance(n, I.LocalRef) and (n.family, n.name) in names:
            return dataclasses.replace(n, name=n.name + SUFFIX, proc=_rename(n.proc, names))
        return None
    return None if e is None else I.substitute(e, second)

def weighted_quorum(ctx, show) -> Verdict:
    """NOTE(weighted-quorum).  `ctx` is the threshold analysis' measure context
    (forkproof.analysis.thresholds._Ctx): its rule, support, params and assumptions;
    `show(model, cfg, encoder)` writes a configuration."""
    support = inline(ctx.support, ctx.model)
    if not (isinstance(support, I.Quant) and support.kind is I.QuantKind.SUM and isinstance(support.domain, I.ProcType)
            and support.body is not None):
        return Verdict("unknown", detail=f"the support '{expr_str(support)}' is not one weighted sum over a family")
    fam = support.domain.family
    weight = {n.name for n in preorder(support.body) if isinstance(n, I.LocalRef) and n.family == fam}
    read = {(n.family, n.name) for n in preorder(ctx.rule) if isinstance(n, I.LocalRef)}
    changed = _assigned(ctx.model)  # a local no action assigns (a delegation fixed at the start) is who the copy is
    voting = {(f, n) for f, n in read if (f, n) in changed and not (f == fam and n in weight)}
    if not any(f == fam for f, _ in voting):
        return Verdict("unknown", detail=f"the rule reads no local of {fam} besides the weight: nothing to vote with")
    model = _with_copies(ctx.model, voting)
    slots: dict[str, list[tuple[str, I.Type]]] = {}
    for f in {f for f, _ in read}:
        locals_ = {v.name: v.ty for v in model.family_named(f).locals}
        names = [n for n in locals_ if (f, n) in read or (f, n.removesuffix(SUFFIX)) in voting and n.endswith(SUFFIX)]
        slots[f] = [(n, locals_[n]) for n in names]
    rule_b = _rename(ctx.rule, voting)
    both = dataclasses.replace(support, cond=_and(support.cond, _rename(support.cond, voting)))
    try:
        params = ctx.symbolic_params(None)
        enc = _PairEncoder(model, params, slots)
        cfg = Config("q")
        ra, rb = enc.expr(ctx.rule, cfg, {}), enc.expr(rule_b, cfg, {})
        shared = zv(enc.expr(both, cfg, {}))
        f = enc.const(I.ParamRef(ctx.faulty, I.INT)) if ctx.faulty else z3.IntVal(0)
        facts = ctx.assumptions(enc) + cfg.wf + list(enc.guards)
        if ctx.pop_values is not None:
            facts.append(z3.Or([z3.Int(ctx.pop_param) == v for v in ctx.pop_values]))
    except Unsupported as e:
        return Verdict("unknown", detail=f"not analysed: {e}")
    scope = ctx.scope(enc, ctx.assumptions(enc))
    need = f"more than {ctx.faulty}" if ctx.faulty else "some"
    bad = facts + [ra, rb, shared <= f]
    res = _decide(bad, MAIN_QUERY_MS)
    if res == z3.unknown:
        return Verdict("unknown", scope, f"undecided within the time limit ({MAIN_QUERY_MS // 1000} s)")
    if res == z3.unsat:
        return Verdict("proved", scope, f"any two passing sets of the same members share {need} of the weight "
                                        f"(for every weight each member may have)")
    n_at = None
    if ctx.pop_param is not None:  # the smallest N with such a pair: small sizes one by one, within a budget
        n = z3.Int(ctx.pop_param)
        deadline = time.monotonic() + SCAN_SECONDS
        for v in (ctx.pop_values or range(1, SCAN + 1)):
            if time.monotonic() > deadline:
                break
            if _check(bad + [n == v], SCAN_QUERY_MS) == z3.sat:
                n_at = v
                break
        if n_at is not None:
            bad = bad + [n == n_at]
    try:
        counters = sum(len(c) for c in cfg.counters.values())
        if counters <= MAX_CANONICAL:
            mdl = ctx.canonical(bad, cfg)
        else:  # the lexicographically smallest takes a query per counter and step: the solver's own
            solver = z3.Solver()
            solver.set("timeout", TIMEOUT_MS)
            solver.add(*bad)
            if solver.check() != z3.sat:
                raise z3.Z3Exception("no model")
            mdl = solver.model()
    except z3.Z3Exception:  # the solver gave up on the smallest configuration: say so without one
        return Verdict("refuted", scope, f"two passing sets of the same members can share {need.replace('some', 'none')}"
                                         f" of the weight", n_at)
    got = py_value(mdl.eval(shared, model_completion=True))
    witness = show(mdl, cfg, enc).replace(SUFFIX, " (B)")
    return Verdict("refuted", scope, f"two passing sets of the same members can share only {got} of the weight "
                                     f"(need {need})",
                   n_at, witness)


# NOTE(restarts) in checker/engines/counters/prove.py, for the intersection query: its time is
# heavy-tailed over the solver's path, which the random seed and the ids of the terms (what
# ran before in the process: NOTE(z3-determinism) in checker/semantics/gcfence.py) decide.  On
# the stake-weighted rule `yes / (yes + no) > 1/2` (tests/checker/test_weighted_quorum.py) it
# takes 3 to 150 ms over seeds 0-3, yet once in a full test run, after other queries in the
# same process, it was still undecided at 10 s.  So seeds 0, 1 and 2 each get a resource limit
# (Z3's rlimit: solver steps, the same on a loaded machine as on a quiet one) doubling from
# QUERY_RLIMIT, and seed 3 what is left of the time limit.  Any attempt's sat or unsat is the
# answer: a seed changes the path, not the formula.
QUERY_RLIMIT = 20_000_000
QUERY_RESTARTS = 3


def _decide(facts, timeout_ms: int) -> z3.CheckSatResult:
    """`facts` satisfiable?  With restarts (above); unknown when no attempt decides within
    `timeout_ms`."""
    deadline = time.monotonic() + timeout_ms / 1000
    for seed in range(QUERY_RESTARTS + 1):
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0:
            break
        res = _check(facts, left, seed, QUERY_RLIMIT << seed if seed < QUERY_RESTARTS else None)
        if res != z3.unknown:
            return res
    return z3.unknown


def _check(facts, timeout_ms: int = TIMEOUT_MS, seed: int | None = None, rlimit: int | None = None) -> z3.CheckSatResult:
    s = z3.Solver()
    s.set("timeout", timeout_ms)
    if seed is not None:
        s.set("random_seed", seed)
    if rlimit is not None:
        s.set("rlimit", rlimit)
    s.add(*facts)
    return s.check()


def _assigned(model: I.Model) -> set[tuple[str, str]]:
    """The locals (family, name) some action assigns: what a copy may vote differently."""
    out: set[tuple[str, str]] = set()

    def stmts(body):
        for st in body:
            if isinstance(st, I.Assign):
                t = st.target
                while isinstance(t, I.Index):
                    t = t.base
                if isinstance(t, I.LocalRef):
                    out.add((t.family, t.name))
            elif isinstance(st, I.If):
                stmts(st.then)
                stmts(st.else_)
            elif isinstance(st, I.For):
                stmts(st.body)

    for a in model.actions:
        stmts(a.body)
    return out


def _and(a: I.Expr | None, b: I.Expr | None) -> I.Expr | None:
    if a is None or b is None:
        return a if b is None else b
    return I.Binary(I.BinOp.AND, a, b, I.BOOL)


def _with_copies(model: I.Model, voting: set[tuple[str, str]]) -> I.Model:
    fams = []
    for fam in model.families:
        extra = tuple(dataclasses.replace(v, name=v.name + SUFFIX) for v in fam.locals if (fam.name, v.name) in voting)
        fams.append(dataclasses.replace(fam, locals=fam.locals + extra) if extra else fam)
    return dataclasses.replace(model, families=tuple(fams))

