"""What a threshold rule really demands: smallest passing support per N, rule vs `meant`,
quorum intersection.  Every answer is a Z3 query over configurations (NOTE(configuration)
in checker/analysis/encode.py): exact, never sampled.

NOTE(threshold-scope): the population N is the size of the family whose `count` is the
support (or the upper bound of a bounded counter such as `blocks[x]: 0..BLOCKS`).
  - the per-N table covers N = 1..K (or the `--param` values of N); other int params
    without a value take their smallest value allowed by the assumptions at that N;
  - proofs (rule <=> meant, quorum intersection) keep N and every other int param without
    a value symbolic, constrained only by the assumptions: unsat means "for all N";
    a param with a value (default or --param) is used as given ("at N = 6");
  - an enum or bool param without a value that the rule reads gives one analysis per value.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import z3

from forkproof.analysis.report import Row, ThresholdReport, Variant, Verdict, compress
from forkproof.analysis.encode import Config, Encoder, Unsupported, defs_used, free_binders, inline, params_used, preorder
from forkproof.semantics.gcfence import gc_fence
from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str, value_str

TIMEOUT_MS = 20_000


def analyse(model: I.Model, bindings: dict[str, list[object]], up_to: int, faulty: str | None) -> list[ThresholdReport]:
    with gc_fence():  # NOTE(z3-determinism) in checker/semantics/gcfence.py
        return [_analyse_one(model, d, bindings, up_to, faulty) for d in model.defs if d.is_threshold]


def _param(model: I.Model, name: str) -> I.Param:
    return next(p for p in model.params if p.name == name)


def _fixed_values(model: I.Model, bindings: dict[str, list[object]]) -> dict[str, list[object]]:
    """Candidate values of every param that has one: --param, default or declared sweep."""
    out: dict[str, list[object]] = {}
    env: dict[str, object] = {}
    for p in model.params:
        if p.name in bindings:
            out[p.name] = list(bindings[p.name])
        elif p.default is not None or p.sweep is not None:
            enc = Encoder(model, {**env})
            try:
                if p.default is not None:
                    out[p.name] = [_py(enc.const(p.default))]
                else:
                    lo, hi = (_py(enc.const(b)) for b in p.sweep)
                    out[p.name] = list(range(lo, hi + 1))
            except Unsupported:
                continue
        if p.name in out and len(out[p.name]) == 1:
            env[p.name] = out[p.name][0]
    return out


def _py(t: z3.ExprRef):
    t = z3.simplify(t)
    if z3.is_int_value(t):
        return t.as_long()
    if z3.is_rational_value(t):
        f = Fraction(t.numerator_as_long(), t.denominator_as_long())
        return f.numerator if f.denominator == 1 else f
    if z3.is_true(t) or z3.is_false(t):
        return z3.is_true(t)
    raise Unsupported(f"'{t}' is not a constant")


def _find_support(model: I.Model, exprs: list[I.Expr], tparams: set[int]):
    """(support expression, kind, population expression) or None."""
    for kind in ("count", "sum", "counter"):
        for e in exprs:
            for n in preorder(e):
                if not free_binders(n) <= tparams:
                    continue
                if kind in ("count", "sum") and isinstance(n, I.Quant) and n.kind.value == kind and isinstance(n.domain, I.ProcType):
                    return n, kind, model.family_named(n.domain.family).size
                if kind == "counter" and isinstance(n, (I.VarRef, I.Index)) and isinstance(n.ty, I.IntType) and n.ty.bounded \
                        and isinstance(n.ty.lo, I.Lit) and n.ty.lo.value == 0:
                    return n, kind, n.ty.hi
    return None


def _analyse_one(model: I.Model, d: I.Def, bindings, up_to: int, faulty: str | None) -> ThresholdReport:
    rule = inline(d.body, model)
    meant = inline(d.meant, model) if d.meant is not None else None
    where = [(n, expr_str(inline(model.def_named(n).body, model))) for n in defs_used(d.body, model)
             if not model.def_named(n).params]
    tparams = {b.uid for b in d.params}
    found = _find_support(model, [x for x in (meant, rule) if x is not None], tparams)
    support, kind, pop_expr = found if found else (None, "", None)
    pop_param = pop_expr.name if isinstance(pop_expr, I.ParamRef) and isinstance(_param(model, pop_expr.name).ty, I.IntType) else None
    fixed = _fixed_values(model, bindings)
    if faulty is None and any(p.name == "F" for p in model.params):
        faulty = "F"
    k_text = f"{faulty} + 1" if faulty else "1"
    rep = ThresholdReport(
        d.name, f"({', '.join(f'{b.name}: {b.ty}' for b in d.params)})" if d.params else "", expr_str(d.body), where,
        expr_str(rule), expr_str(d.meant) if d.meant is not None else None, expr_str(support) if support is not None else None,
        kind, expr_str(pop_expr) if pop_expr is not None else None, k_text, [])
    used = params_used(rule, model) | (params_used(meant, model) if meant is not None else set())
    if pop_expr is not None:
        used |= params_used(pop_expr, model)
    if faulty:
        used.add(faulty)
    open_finite = [p for p in model.params if p.name in used and p.name not in fixed and isinstance(p.ty, (I.EnumType, I.BoolType))]
    many = [p for p in model.params if p.name in used and p.name != pop_param and len(fixed.get(p.name, [])) > 1]
    choices = []
    for p in open_finite:
        choices.append([(p.name, v) for v in (range(len(p.ty.members)) if isinstance(p.ty, I.EnumType) else (False, True))])
    for p in many:
        choices.append([(p.name, v) for v in fixed[p.name]])
    for combo in itertools.product(*choices):
        chosen = dict(combo)
        label = ", ".join(f"{n} = {value_str(v, _param(model, n).ty)}" for n, v in combo)
        base = {n: vs[0] for n, vs in fixed.items() if len(vs) == 1 and n != pop_param}
        base.update(chosen)
        v = Variant(label)
        ctx = _Ctx(model, d, rule, meant, support, kind, pop_expr, pop_param, base, faulty, fixed.get(pop_param))
        ctx.ranged = {n: vs for n, vs in fixed.items() if n not in base and n != pop_param}
        try:
            v.rows = ctx.rows(fixed.get(pop_param) if pop_param in bindings else None, up_to)
            v.equivalence = ctx.equivalence(v.rows) if meant is not None else None
            v.quorum = ctx.quorum(v.rows)
        except Unsupported as e:
            v.rows = []
            reason = f"not analysed: {e}"
            v.equivalence = Verdict("unknown", detail=reason) if meant is not None else None
            v.quorum = Verdict("unknown", detail=reason)
        rep.variants.append(v)
    if support is None:
        rep.note = "no count(...) over a process family and no bounded counter: the support cannot be measured"
    return rep


class _Ctx:
    """One threshold under one choice of the open enum/bool params."""

    def __init__(self, model, d, rule, meant, support, kind, pop_expr, pop_param, base, faulty, pop_values):
        self.model, self.d, self.rule, self.meant = model, d, rule, meant
        self.support, self.kind, self.pop_expr, self.pop_param = support, kind, pop_expr, pop_param
        self.base, self.faulty = base, faulty
        self.pop_values = pop_values  # N's values when it has some (default, sweep, --param): proofs use them

    # ---------------------------------------------------------- params

    ranged: dict[str, list[object]] = {}  # params with several values the rule does not read: any of them

    def _open_ints(self) -> list[I.Param]:
        return [p for p in self.model.params if p.name not in self.base and p.name != self.pop_param
                and isinstance(p.ty, (I.IntType, I.RatType))]

    def symbolic_params(self, n=None) -> dict[str, object]:
        params: dict[str, object] = dict(self.base)
        for p in self._open_ints():
            params[p.name] = z3.Real(p.name) if isinstance(p.ty, I.RatType) else z3.Int(p.name)
        if self.pop_param is not None:
            params[self.pop_param] = z3.Int(self.pop_param) if n is None else n
        return params

    def assumptions(self, enc: Encoder) -> list[z3.BoolRef]:
        facts = [enc.const(a.expr) for a in self.model.assumes]
        for name, values in self.ranged.items():
            if name in enc.params and isinstance(enc.params[name], z3.ExprRef):
                facts.append(z3.Or([enc.params[name] == v for v in values]))
        for p in self.model.params:  # a param of range type stays in its range
            if p.name in enc.params and isinstance(p.ty, I.IntType) and p.ty.bounded:
                x = enc.const(I.ParamRef(p.name, p.ty))
                facts += [x >= enc.const(p.ty.lo), x <= enc.const(p.ty.hi)]
        return facts

    def at(self, n: int | None) -> tuple[dict[str, object], str] | None:
        """Params for the table row at N = n (open ints at their smallest allowed value), or
        None when no values satisfy the assumptions."""
        params = self.symbolic_params(n)
        enc = Encoder(self.model, params)
        facts = self.assumptions(enc)
        s = z3.Solver()
        s.add(*facts)
        if s.check() != z3.sat:
            return None
        shown = []
        for p in self._open_ints():
            if not isinstance(p.ty, I.IntType) or p.name in self.ranged:
                continue  # a rat param, or one with several values the rule does not read, stays free
            opt = z3.Optimize()
            opt.add(*facts)
            h = opt.minimize(params[p.name])
            if opt.check() != z3.sat:
                raise Unsupported(f"cannot find the smallest allowed value of {p.name}")
            low = opt.lower(h)
            if not (z3.is_int_value(low) or z3.is_rational_value(low)):
                raise Unsupported(f"{p.name} has no smallest allowed value under the assumptions")
            params[p.name] = _py(low)
            facts.append(enc.const(I.ParamRef(p.name, p.ty)) == low)
            shown.append(f"{p.name} = {value_str(params[p.name], p.ty)}")
        return params, ", ".join(shown)

    # ---------------------------------------------------------- formulas

    def encode(self, params: dict[str, object], tags=("a",)):
        enc = Encoder(self.model, params)
        out = []
        for tag in tags:
            cfg = Config(tag)
            r = enc.expr(self.rule, cfg, {})
            m = enc.expr(self.meant, cfg, {}) if self.meant is not None else None
            s = enc.expr(self.support, cfg, {}) if self.support is not None else None
            out.append((cfg, r, m, s))
        pop = enc.const(self.pop_expr) if self.pop_expr is not None else None
        k = enc.const(I.ParamRef(self.faulty, I.INT)) + 1 if self.faulty else z3.IntVal(1)
        return enc, out, pop, k

    def _solver(self, facts) -> z3.Solver:
        s = z3.Solver()
        s.set("timeout", TIMEOUT_MS)
        s.add(*facts)
        return s

    def _defined(self, enc: Encoder, facts) -> None:
        if enc.guards:
            s = self._solver(facts)
            s.add(z3.Not(z3.And(enc.guards)))
            if s.check() != z3.unsat:
                raise Unsupported("a division by zero is possible in the rule")

    # ---------------------------------------------------------- the per-N table

    def rows(self, values: list[int] | None, up_to: int) -> list[Row]:
        if self.pop_param is None:
            ns: list[int | None] = [None]
        else:
            ns = list(values) if values is not None else list(range(1, up_to + 1))
        out = []
        for n in ns:
            got = self.at(n)
            if got is None:
                continue
            params, shown = got
            enc, [(cfg, r, m, s)], pop, k = self.encode(params)
            facts = self.assumptions(enc) + cfg.wf
            self._defined(enc, facts)
            pop_v = _py(pop) if pop is not None else None
            row = Row(n if n is not None else (pop_v if pop_v is not None else 0), shown, pop=pop_v)
            if s is not None:
                row.support, row.witness = self._minimum(facts + [r], s, cfg, enc)
            if m is not None:
                row.passes_not_meant = self._sat(facts + [r, z3.Not(m)])
                row.meant_not_passes = self._sat(facts + [m, z3.Not(r)])
            if row.support is not None and pop_v is not None and self.kind != "sum":
                row.k = _py(k)
                row.overlap = max(0, 2 * row.support - pop_v)
            out.append(row)
        return out

    def _sat(self, facts) -> bool:
        res = self._solver(facts).check()
        if res == z3.unknown:
            raise Unsupported("Z3 answered unknown")
        return res == z3.sat

    def _minimum(self, facts, s, cfg: Config, enc: Encoder) -> tuple[int | None, str]:
        solver = self._solver(facts)
        res = solver.check()
        if res == z3.unsat:
            return None, ""
        if res != z3.sat:
            raise Unsupported("Z3 answered unknown")
        hi = _py(solver.model().eval(s, model_completion=True))
        lo = 0
        if not isinstance(hi, int):
            raise Unsupported("the support is not an integer")
        if hi < 0:
            raise Unsupported("the support can be negative")
        while lo < hi:  # the smallest m with a passing configuration of support <= m
            mid = (lo + hi) // 2
            if self._sat(facts + [s <= mid]):
                hi = mid
            else:
                lo = mid + 1
        return lo, show_config(self.canonical(facts + [s == lo], cfg), cfg, enc)

    def canonical(self, facts, cfg: Config) -> z3.ModelRef:
        """The lexicographically smallest model over the configuration's values (counters in
        local-state order, then globals, then threshold params; false before true), so that
        the witness shown does not depend on the solver's history."""
        facts = list(facts)
        terms = [c for counters in cfg.counters.values() for c in counters.values()]
        terms += [t for _, t in sorted(cfg.globals.items(), key=lambda kv: kv[0])] + list(cfg.tparams.values())
        solver = self._solver(facts)
        for t in terms:
            if solver.check() != z3.sat:
                break
            cur = solver.model().eval(t, model_completion=True)
            if z3.is_bool(t):
                if z3.is_true(cur) and self._sat(facts + [z3.Not(t)]):
                    cur = z3.BoolVal(False)
            else:
                for _ in range(200):
                    if not self._sat(facts + [t < cur]):
                        break
                    probe = self._solver(facts + [t < cur])
                    probe.check()
                    cur = probe.model().eval(t, model_completion=True)
            facts.append(t == cur)
            solver.add(t == cur)
        solver.check()
        return solver.model()

    # ---------------------------------------------------------- proofs for all N

    def scope(self, enc: Encoder, facts) -> str:
        assumes = " and ".join(expr_str(a.expr) for a in self.model.assumes)
        fixed = [f"{p.name} = {value_str(self.base[p.name], p.ty)}" for p in self.model.params
                 if p.name in self.base and p.name in params_used(self.rule, self.model) | _used_pop(self)]
        if self.pop_values is not None:
            return f"at {self.pop_param} = {compress(self.pop_values)}" + (f", {', '.join(fixed)}" if fixed else "")
        if self.pop_param is None:
            head = "for every configuration" + (f" at {', '.join(fixed)}" if fixed else "")
        else:
            opt = z3.Optimize()
            opt.add(*facts)
            h = opt.minimize(z3.Int(self.pop_param))
            low = opt.lower(h) if opt.check() == z3.sat else None
            lo = f" >= {low.as_long()}" if low is not None and z3.is_int_value(low) else ""
            head = f"for all {self.pop_param}{lo}" + (f", {', '.join(fixed)}" if fixed else "")
        return head + (f" (assuming {assumes})" if assumes else "")

    def _symbolic(self, tags):
        params = self.symbolic_params(None)
        enc, cfgs, pop, k = self.encode(params, tags)
        facts = self.assumptions(enc) + [w for c, *_ in cfgs for w in c.wf]
        if self.pop_values is not None:  # N has values: the proof is for those only
            n = z3.Int(self.pop_param)
            facts.append(z3.Or([n == v for v in self.pop_values]))
        self._defined(enc, facts)
        return params, enc, cfgs, pop, k, facts

    def _in_scope(self, rows: list[Row]) -> list[Row]:
        """The table rows the proof speaks for: every row, or those of N's given values."""
        return rows if self.pop_values is None else [row for row in rows if row.n in self.pop_values]

    def equivalence(self, rows: list[Row]) -> Verdict:
        rows = self._in_scope(rows)
        params, enc, [(cfg, r, m, _)], pop, _, facts = self._symbolic(("a",))
        scope = self.scope(enc, self.assumptions(enc))
        solver = self._solver(facts + [r != m])
        res = solver.check()
        if res == z3.unknown:
            return Verdict("unknown", scope, f"Z3: {solver.reason_unknown()}")
        if res == z3.unsat:
            bad = [row.n for row in rows if row.passes_not_meant or row.meant_not_passes]
            if bad:  # the table and the proof disagree: a bug; never claim a proof then
                return Verdict("unknown", scope, f"internal disagreement at N = {bad[0]}")
            return Verdict("proved", scope, "the rule passes exactly when its meant bound holds")
        unsafe = [row.n for row in rows if row.passes_not_meant]
        missing = [row.n for row in rows if row.meant_not_passes]
        parts = []
        if unsafe:
            parts.append(f"passes but not meant: {_ns(self, unsafe)}")
        if missing:
            parts.append(f"meant but does not pass: {_ns(self, missing)}")
        smallest = min(unsafe + missing) if unsafe + missing else None
        if smallest is None:
            mdl = solver.model()
            n0 = mdl.eval(z3.Int(self.pop_param), model_completion=True) if self.pop_param else None
            parts.append(f"they differ beyond the table, e.g. at {self.pop_param} = {n0}" if n0 is not None else "they differ")
            smallest = n0.as_long() if n0 is not None else None
        return Verdict("refuted", scope, "; ".join(parts), smallest)

    def quorum(self, rows: list[Row]) -> Verdict:
        if self.support is None:
            return Verdict("unknown", detail="no support to intersect (no count(...) or bounded counter)")
        if self.kind == "sum":
            return Verdict("unknown", detail="a weighted support (sum): intersection by count does not apply")
        rows = self._in_scope(rows)
        params, enc, [(ca, ra, _, sa), (cb, rb, _, sb)], pop, k, facts = self._symbolic(("a", "b"))
        scope = self.scope(enc, self.assumptions(enc))
        solver = self._solver(facts + [ra, rb, sa + sb - pop < k])
        res = solver.check()
        if res == z3.unknown:
            return Verdict("unknown", scope, f"Z3: {solver.reason_unknown()}")
        if res == z3.unsat:
            bad = [row.n for row in rows if row.overlap is not None and row.overlap < row.k]
            if bad:
                return Verdict("unknown", scope, f"internal disagreement at N = {bad[0]}")
            return Verdict("proved", scope, f"any two passing configurations share at least {_k_words(self)} supporter(s)")
        bad = [row for row in rows if row.overlap is not None and row.overlap < row.k]
        if bad:
            row = bad[0]
            return Verdict("refuted", scope,
                           f"two passing configurations can share only {row.overlap} supporter(s) (need {row.k}); "
                           f"fails for {_ns(self, [r.n for r in bad])}", row.n,
                           f"each with {row.witness}" if row.witness else "")
        mdl = solver.model()
        n0 = mdl.eval(z3.Int(self.pop_param), model_completion=True) if self.pop_param else None
        return Verdict("refuted", scope, "two passing configurations can share too few supporters"
                       + (f", e.g. at {self.pop_param} = {n0}" if n0 is not None else ""),
                       n0.as_long() if n0 is not None and z3.is_int_value(n0) else None,
                       f"{show_config(self.canonical(facts + [ra, rb, sa + sb - pop < k], ca), ca, enc)}; and "
                       f"{show_config(self.canonical(facts + [ra, rb, sa + sb - pop < k], cb), cb, enc)}")


def _used_pop(ctx: _Ctx) -> set[str]:
    return params_used(ctx.pop_expr, ctx.model) if ctx.pop_expr is not None else set()


def _k_words(ctx: _Ctx) -> str:
    return f"{ctx.faulty} + 1" if ctx.faulty else "1"


def _ns(ctx: _Ctx, ns: list[int]) -> str:
    name = ctx.pop_param or "N"
    return f"{name} = {compress(ns)}"


def show_config(mdl: z3.ModelRef, cfg: Config, enc: Encoder) -> str:
    """"yes: 2 x (ballot = Yes), 1 x (ballot = No)" style: non-empty local states, then the
    globals and threshold params the rule read."""
    parts = []
    for fam, counters in cfg.counters.items():
        for st, c in counters.items():
            v = mdl.eval(c, model_completion=True).as_long()
            if v:
                parts.append(f"{v} x ({st.show})")
        if not any(mdl.eval(c, model_completion=True).as_long() for c in counters.values()):
            parts.append(f"no {fam}")
    for (name, path), t in sorted(cfg.globals.items(), key=lambda kv: kv[0]):
        var = next(v for v in enc.model.globals if v.name == name)
        ty = var.ty
        for _ in path:
            ty = ty.value
        parts.append(f"{name}{''.join(f'[{k}]' for k in path)} = {value_str(_py(mdl.eval(t, model_completion=True)), ty)}")
    binders = {b.uid: b for b in _all_binders(enc.model)}
    for uid, t in cfg.tparams.items():
        b = binders.get(uid)
        parts.append(f"{b.name if b else '?'} = {value_str(_py(mdl.eval(t, model_completion=True)), b.ty if b else None)}")
    return ", ".join(parts)


def _all_binders(model: I.Model):
    for d in model.defs:
        yield from d.params
