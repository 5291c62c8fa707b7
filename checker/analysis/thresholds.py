"""What a threshold rule really demands: smallest passing support per N, rule vs `meant`,
quorum intersection.  Every answer is a Z3 query over configurations (NOTE(configuration)
in checker/analysis/encode.py): exact, never sampled.

NOTE(threshold-scope): each rule is read as measures (NOTE(anatomy) in
checker/analysis/anatomy.py): a support and the population it is a share of.  The rows are
indexed by the size of the support's family (or the upper bound of a bounded counter such
as `blocks[x]: 0..BLOCKS`).
  - the per-N table covers the values the run covers: N's values (`--param`, default,
    sweep), else N = 1..K; other int params without a value take their smallest value
    allowed by the assumptions at that N;
  - a population that is a number per row (N, BLOCKS): the smallest passing support; one
    that varies (a total weight, a tally): the smallest passing share, exact by bisection;
  - proofs (rule <=> meant, quorum intersection) keep N and every other int param without
    a value symbolic, constrained only by the assumptions: unsat means "for all N";
    a param with a value from --param or a sweep is used as given ("at N = 6"), and so is a
    default that sizes what a configuration enumerates (a domain's or map key's bound such as
    NEAR's V, a family's size, a local's or the threshold param's type: _enumerated);
  - an int default the proofs read only as a number (NEAR's BLOCKS: a bar, a
    counter's bound) is kept symbolic, within the assumptions and its type (_general,
    _Ctx._for_all): unsat gives "for all BLOCKS >= 1, V = 2"; sat falls back to the proof at
    the default, whose detail then says where the property fails, with the params minimised
    first as in canonical ("...; fails at BLOCKS = 3 (they can share 0): <witness>");
    undecided, or a division by zero the other values allow, falls back silently.  The table
    stays at the default;
  - params that set the bar (enum/bool params without a value, int params without a value
    read outside the counts, threshold params read outside the counts) give one analysis
    per value.
"""
from __future__ import annotations

import dataclasses
import itertools
from fractions import Fraction

import z3

from forkproof.analysis.anatomy import (Anatomy, Measure, atom_kind, fold, infer, is_config, reads_outside_atoms,
                                        is_whole, kind_of, size_of as _size, stated)
from forkproof.analysis.quorum import weighted_quorum
from forkproof.analysis.report import ClauseReport, Row, Table, ThresholdReport, Variant, Verdict, compress
from forkproof.analysis.encode import (Config, Encoder, Unsupported, defs_used, entry_text, inline, params_used,
                                       preorder, py_value, zv)
from forkproof.semantics.gcfence import gc_fence
from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str, value_str

TIMEOUT_MS = 20_000


def analyse(model: I.Model, bindings: dict[str, list[object]], up_to: int, faulty: str | None,
            rules: list[str] | None = None) -> list[ThresholdReport]:
    """One report per threshold of `model` (those named in `rules` only, when given)."""
    with gc_fence():  # NOTE(z3-determinism) in checker/semantics/gcfence.py
        return [_analyse_one(model, d, bindings, up_to, faulty) for d in model.defs
                if d.is_threshold and (rules is None or d.name in rules)]


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
                    out[p.name] = [py_value(enc.const(p.default))]
                else:
                    lo, hi = (py_value(enc.const(b)) for b in p.sweep)
                    out[p.name] = list(range(lo, hi + 1))
            except Unsupported:
                continue
        if p.name in out and len(out[p.name]) == 1:
            env[p.name] = out[p.name][0]
    return out


def _evaluator(model: I.Model, params: dict[str, object]):
    """A constant evaluator over params with values (Unsupported for anything else)."""
    def value(e: I.Expr):
        return py_value(Encoder(model, params).const(e))
    return value


def _names(body: I.Expr, model: I.Model, value, sub: dict[int, I.Expr] | None = None,
           out: dict[str, str] | None = None) -> dict[str, str]:
    """The text of each def call the rule makes (directly or through other defs), inlined
    (and folded, as the anatomy reads it) -> the call as written with its arguments inlined:
    "yes", "signalled(u)", "drep_yes(NoConfidence)"."""
    out = {} if out is None else out
    for n in preorder(body):
        if isinstance(n, I.Call):
            args = tuple(inline(a, model, sub) for a in n.args)
            d = model.def_named(n.name)
            inner = {p.uid: a for p, a in zip(d.params, args)}
            full = inline(d.body, model, inner)
            call = expr_str(I.Call(n.name, args, n.ty))
            out.setdefault(expr_str(full), call)
            out.setdefault(expr_str(fold(full, value)), call)
            _names(d.body, model, value, inner, out)
    return out


def _anatomy(model: I.Model, rule: I.Expr, meant: I.Expr | None, value,
             given: tuple[I.Expr, I.Expr] | None = None) -> tuple[Anatomy, str]:
    """The rule's anatomy (NOTE(anatomy)): as stated (`measures S of P`), or inferred from
    the rule, or from the meant bound when the rule gives none; with where it came from."""
    a = infer(model, fold(rule, value), value)
    if given is not None:
        a.measures = [stated(model, given[0], given[1], a.clauses)]
        a.note = ""
        return a, "stated"
    if a.measures or meant is None:
        return a, "rule"
    b = infer(model, fold(meant, value), value)
    if b.measures:
        b.note = "; ".join(x for x in (f"from the meant bound ({a.note})" if a.note else "from the meant bound", b.note) if x)
        return b, "meant"
    return a, "rule"


def _size_param(model: I.Model, m: Measure | None) -> str | None:
    if m is None or not isinstance(m.size, I.ParamRef):
        return None
    return m.size.name if isinstance(_param(model, m.size.name).ty, I.IntType) else None


def _smallest_allowed(model: I.Model, p: I.Param, params: dict[str, object]) -> int | None:
    enc = Encoder(model, {**params, **{q.name: z3.Int(q.name) for q in model.params if q.name not in params
                                       and isinstance(q.ty, I.IntType)}})
    try:
        facts = [enc.const(a.expr) for a in model.assumes]
        x = enc.const(I.ParamRef(p.name, p.ty))
        if p.ty.bounded:
            facts += [x >= enc.const(p.ty.lo), x <= enc.const(p.ty.hi)]
    except Unsupported:
        return None
    opt = z3.Optimize()
    opt.set("timeout", TIMEOUT_MS)
    opt.add(*facts)
    h = opt.minimize(x)
    if opt.check() != z3.sat:
        return None
    low = opt.lower(h)
    return low.as_long() if z3.is_int_value(low) else None


def _label(model: I.Model, d: I.Def, combo) -> str:
    parts = []
    for key, v in combo:
        if isinstance(key, int):
            b = next(x for x in d.params if x.uid == key)
            parts.append(f"{b.name} = {value_str(v, b.ty)}")
        else:
            parts.append(f"{key} = {value_str(v, _param(model, key).ty)}")
    return ", ".join(parts)


def _named(text: str, names: dict[str, str]) -> str | None:
    """`text` with the def calls it is made of written by name ("ayes + nays"), or None
    when no def is in it."""
    if text in names:
        return names[text]
    out = text
    for full, name in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if len(full) > len(name) and full in out:
            out = out.replace(full, name)
    return out if out != text else None


def _table_of(m: Measure | None, names: dict[str, str], source: str) -> Table:
    if m is None:
        return Table(None, None, None, None, "", "", "", [])
    sup, pop = expr_str(m.support), expr_str(m.population)
    return Table(sup, _named(sup, names), pop, _named(pop, names), m.pop_kind, m.kind, m.family or "", [], source, m.note,
                 expr_str(m.size) if m.size is not None else "")


def _analyse_one(model: I.Model, d: I.Def, bindings, up_to: int, faulty: str | None) -> ThresholdReport:
    rule = inline(d.body, model)
    meant = inline(d.meant, model) if d.meant is not None else None
    where = [(n, expr_str(inline(model.def_named(n).body, model))) for n in defs_used(d.body, model)
             if not model.def_named(n).params]
    names = {text: name for name, text in where}
    fixed = _fixed_values(model, bindings)
    base0 = {n: vs[0] for n, vs in fixed.items() if len(vs) == 1}
    for part in (d.body, d.meant, d.support, d.population):
        if part is not None:
            names.update({k: v for k, v in _names(part, model, _evaluator(model, base0)).items() if k not in names})
    given = (inline(d.support, model), inline(d.population, model)) if d.support is not None and d.population is not None \
        else None
    try:
        anat0, source0 = _anatomy(model, rule, meant, _evaluator(model, base0), given)
    except Unsupported as e:
        anat0, source0 = Anatomy([], [], str(e)), "stated"
    primary = anat0.measures[0] if anat0.measures else None
    pop_param = _size_param(model, primary)
    if primary is None:  # e.g. an `if` over a threshold param: the rows are still the family's sizes
        size = next((_size(model, n) for n in preorder(rule) if atom_kind(n) is not None and _size(model, n) is not None), None)
        if isinstance(size, I.ParamRef) and isinstance(_param(model, size.name).ty, I.IntType):
            pop_param = size.name
    if faulty is None and any(p.name == "F" for p in model.params):
        faulty = "F"
    k_text = f"{faulty} + 1" if faulty else "1"
    head = _table_of(primary, names, source0)
    rep = ThresholdReport(
        d.name, f"({', '.join(f'{b.name}: {b.ty}' for b in d.params)})" if d.params else "", expr_str(d.body), where,
        expr_str(rule), expr_str(d.meant) if d.meant is not None else None, head.support,
        primary.kind if primary else "", head.population, k_text, [])
    rep.support_name, rep.population_name, rep.population_kind = head.support_name, head.population_name, head.pop_kind
    rep.source = source0
    used = params_used(rule, model) | (params_used(meant, model) if meant is not None else set())
    if primary is not None and primary.size is not None:
        used |= params_used(primary.size, model)
    if faulty:
        used.add(faulty)
    bar_params, bar_binders = reads_outside_atoms(rule)
    open_finite = [p for p in model.params if p.name in used and p.name not in fixed and isinstance(p.ty, (I.EnumType, I.BoolType))]
    many = [p for p in model.params if p.name in used and p.name != pop_param and len(fixed.get(p.name, [])) > 1]
    # an int param that sets the bar (`count(..) >= C`) and has no value: one table per value
    open_bar = [p for p in model.params if p.name in bar_params and p.name not in fixed and p.name != pop_param
                and isinstance(p.ty, I.IntType)]
    choices = []
    for p in open_finite:
        choices.append([(p.name, v) for v in (range(len(p.ty.members)) if isinstance(p.ty, I.EnumType) else (False, True))])
    for p in many:
        choices.append([(p.name, v) for v in fixed[p.name]])
    notes = []
    for p in open_bar:
        lo = _smallest_allowed(model, p, base0)
        lo = 1 if lo is None else lo
        if lo > up_to:
            notes.append(f"{p.name} has no value and its smallest allowed value {lo} is above {up_to} (--up-to)")
            continue
        choices.append([(p.name, v) for v in range(lo, up_to + 1)])
    # a threshold param that sets the bar (a tick, a kind): one table per value; one that only
    # picks what is counted (`signalled(u)`, `blocks[x]`) stays free
    for b in d.params:
        if b.uid not in bar_binders:
            continue
        try:
            dom = Encoder(model, base0).domain(b.ty)
        except Unsupported as e:
            notes.append(f"{b.name} sets the bar but is not analysed per value ({e}): the table takes the most lenient")
            continue
        choices.append([(b.uid, v) for v in dom])
    for combo in itertools.product(*choices):
        chosen = {k: v for k, v in combo if isinstance(k, str)}
        sub = {k: I.Lit(v, next(b.ty for b in d.params if b.uid == k)) for k, v in combo if isinstance(k, int)}
        label = _label(model, d, combo)
        base = {n: vs[0] for n, vs in fixed.items() if len(vs) == 1 and n != pop_param}
        base.update(chosen)
        rule_v = inline(rule, model, sub) if sub else rule
        meant_v = inline(meant, model, sub) if sub and meant is not None else meant
        try:
            given_v = given if given is None or not sub else (inline(given[0], model, sub), inline(given[1], model, sub))
            anat, source = _anatomy(model, rule_v, meant_v, _evaluator(model, {**base, **({pop_param: fixed[pop_param][0]} if pop_param in fixed and len(fixed[pop_param]) == 1 else {})}), given_v)
        except Unsupported as e:
            anat, source = Anatomy([], [], str(e)), "rule"
        v = Variant(label)
        v.note = anat.note if anat.note != anat0.note else ""
        ranged = {n: vs for n, vs in fixed.items() if n not in base and n != pop_param}
        ctxs = [_Ctx(model, d, rule_v, meant_v, m, base, faulty, fixed.get(_size_param(model, m)), _size_param(model, m))
                for m in anat.measures] or [_Ctx(model, d, rule_v, meant_v, None, base, faulty, fixed.get(pop_param), pop_param)]
        for ctx in ctxs:
            ctx.ranged = {n: vs for n, vs in ranged.items() if n != ctx.pop_param}
            ctx.general = _general(model, d, ctx, bindings)
        try:
            for ctx in ctxs:
                t = _table_of(ctx.measure, names, source)
                t.rows = ctx.rows(fixed.get(ctx.pop_param), up_to) if ctx.measure is not None else []
                v.tables.append(t)
            v.rows = v.tables[0].rows
            v.equivalence = ctxs[0].equivalence(v.rows) if meant is not None else None
            v.quorum = ctxs[0].quorum(v.rows)
        except Unsupported as e:
            v.rows = []
            for t in v.tables:
                t.rows = []
            reason = f"not analysed: {e}"
            v.equivalence = Verdict("unknown", detail=reason) if meant is not None else None
            v.quorum = Verdict("unknown", detail=reason)
        rep.variants.append(v)
    if anat0.note or notes:
        rep.note = _named("; ".join(x for x in [anat0.note] + notes if x), names) or "; ".join(x for x in [anat0.note] + notes if x)
    for v in rep.variants:
        v.note = _named(v.note, names) or v.note
    if primary is None and not anat0.note:
        rep.note = "no count(...) over a process family and no bounded counter: the support cannot be measured"
    rep.clauses = [_clause_report(c, names) for c in anat0.clauses]
    return rep


def _general(model: I.Model, d: I.Def, ctx: _Ctx, bindings) -> list[str]:
    """The params the proofs keep symbolic though they have a value (NOTE(threshold-scope)):
    an int param whose value is the model's default (not --param, not a sweep), that the
    proofs read (the rule, meant, the population, the faulty count) only as a number: not in
    the bounds of what a configuration enumerates (_enumerated).  Not a rat param: a value
    where it fails could not be minimised (below any rational there is a smaller one)."""
    parts = [x for x in (ctx.rule, ctx.meant, ctx.support, ctx.pop_expr, ctx.population) if x is not None]
    used = set().union(*(params_used(x, model) for x in parts)) | ({ctx.faulty} if ctx.faulty else set())
    skip = _enumerated(model, d, parts)
    return [p.name for p in model.params
            if p.name in used and p.name not in skip and p.name not in bindings and p.default is not None
            and p.sweep is None and isinstance(p.ty, I.IntType)
            and (p.name in ctx.base or (p.name == ctx.pop_param and ctx.pop_values is not None))]


def _type_params(ty: I.Type, model: I.Model, keys_only: bool = False) -> set[str]:
    """Params in the bounds of a type (of a map's keys only, with `keys_only`)."""
    out: set[str] = set()
    while isinstance(ty, I.MapType):
        out |= _type_params(ty.key, model)
        ty = ty.value
    if isinstance(ty, I.IntType) and not keys_only:
        out |= set().union(*(params_used(inline(b, model), model) for b in (ty.lo, ty.hi) if b is not None))
    return out


def _enumerated(model: I.Model, d: I.Def, parts: list[I.Expr]) -> set[str]:
    """Params that size what a configuration enumerates (NOTE(configuration) in encode.py),
    so a proof needs their values: the bounds of a domain a quantifier or a map's keys range
    over, the types of the threshold's params, and for a family counted over, its size (its
    copies are the population) and the types of its locals (its local states)."""
    out: set[str] = set()
    for b in d.params:
        out |= _type_params(b.ty, model)
    for e in parts:
        for n in preorder(e):
            if isinstance(n, I.Quant) and isinstance(n.domain, I.ProcType):
                fam = model.family_named(n.domain.family)
                out |= params_used(fam.size, model)
                for v in fam.locals:
                    out |= _type_params(v.ty, model)
            elif isinstance(n, I.Quant):
                out |= _type_params(n.domain, model)
            elif isinstance(n, I.VarRef):
                out |= _type_params(n.ty, model, keys_only=True)
            elif isinstance(n, I.BoundRef):
                out |= _type_params(n.binder.ty, model)
    return out


def _show(e: I.Expr | None, names: dict[str, str]) -> str:
    if e is None:
        return ""
    t = expr_str(e)
    return _named(t, names) or t


def _clause_report(c, names: dict[str, str]) -> ClauseReport:
    kind = "" if c.population is None else "tally" if not is_whole(c.population) else (
        "weight" if kind_of(c.population) == "sum" else "members")  # the words the tables use
    return ClauseReport(_show(c.expr, names), c.kind, [_show(a, names) for a in c.support],
                        [_show(a, names) for a in c.against], _show(c.population, names), kind, c.op,
                        _show(c.small, names) if c.kind == "measure" else "", _named(c.why, names) or c.why)


class _Ctx:
    """One measure of a threshold (its support and population, NOTE(anatomy)) under one
    choice of the params that get a table each."""

    def __init__(self, model, d, rule, meant, measure: Measure | None, base, faulty, pop_values, pop_param):
        self.model, self.d, self.rule, self.meant = model, d, rule, meant
        self.measure = measure
        self.support = measure.support if measure else None
        self.kind = measure.kind if measure else ""
        self.pop_expr = measure.size if measure else None  # the table's rows and the quorum's N
        self.population = measure.population if measure else None  # what the share divides by
        self.var_pop = self.population is not None and is_config(self.population)
        self.pop_param = pop_param
        self.base, self.faulty = base, faulty
        self.pop_values = pop_values  # N's values when it has some (default, sweep, --param): proofs use them
        self.general: list[str] = []  # params kept symbolic in the proofs (NOTE(threshold-scope)): see _general

    # ---------------------------------------------------------- params

    ranged: dict[str, list[object]] = {}  # params with several values the rule does not read: any of them

    def _open_ints(self) -> list[I.Param]:
        return [p for p in self.model.params if p.name not in self.base and p.name != self.pop_param
                and isinstance(p.ty, (I.IntType, I.RatType))]

    def symbolic_params(self, n=None, general: bool = False) -> dict[str, object]:
        """Params for an encoding: the values in `base`, the open ints symbolic, N = n (or
        symbolic); with `general`, the params of `self.general` symbolic too."""
        params: dict[str, object] = dict(self.base)
        for p in self._open_ints() + ([_param(self.model, g) for g in self.general] if general else []):
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
            params[p.name] = py_value(low)
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
            if self.var_pop:
                cfg.population = zv(enc.expr(self.population, cfg, {}))
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
        """One row per N the run covers: N's values (--param, default, sweep), else 1..up_to."""
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
            if self.var_pop:
                row = Row(n if n is not None else 0, shown)
                p = cfg.population
                try:  # a nonlinear share the solver leaves undecided: this row is unknown, not the rule
                    if s is not None:
                        got_share = self._min_share(facts + [r], s, p, cfg, enc)
                        if got_share is not None:
                            row.support, row.pop, row.witness = got_share
                    row.empty = self._sat(facts + [r, p == 0])
                except Unsupported as e:
                    row.unknown = str(e)
            else:
                pop_v = py_value(enc.const(self.population)) if self.population is not None else (py_value(pop) if pop is not None else None)
                row = Row(n if n is not None else (pop_v if pop_v is not None else 0), shown, pop=pop_v)
                if s is not None:
                    row.support, row.witness = self._minimum(facts + [r], s, cfg, enc)
                if row.support is not None and pop_v is not None and self.kind != "sum":
                    row.k = py_value(k)
                    row.overlap = max(0, 2 * row.support - pop_v)
            if m is not None:
                row.passes_not_meant = self._sat(facts + [r, z3.Not(m)])
                row.meant_not_passes = self._sat(facts + [m, z3.Not(r)])
            out.append(row)
        return out

    def _share(self, mdl: z3.ModelRef, s, p) -> tuple[Fraction, object, object]:
        sv, pv = py_value(mdl.eval(s, model_completion=True)), py_value(mdl.eval(p, model_completion=True))
        return Fraction(sv) / Fraction(pv), sv, pv

    def _min_share(self, facts, s, p, cfg: Config, enc: Encoder):
        """(support, population, witness) of a passing configuration whose share
        support/population is the smallest over every passing configuration with a
        population > 0, or None when none passes.  Exact: bisection on the share with linear
        queries `support * b <= a * population`, then a proof that nothing is below it."""
        pos = facts + [p > 0]
        solver = self._solver(pos)
        res = solver.check()
        if res == z3.unsat:
            return None
        if res != z3.sat:
            raise Unsupported(_undecided(solver))
        best = self._share(solver.model(), s, p)[0]
        if self._sat(pos + [s < 0]):
            raise Unsupported("the support can be negative")
        qmax = self._largest(pos, p)
        lo = Fraction(-1)  # every passing configuration has a share > lo
        if self._sat(pos + [s <= 0]):
            best = Fraction(0)
        else:
            lo = Fraction(0)
        for _ in range(200):
            if best == 0:
                break
            if qmax is None or not _fraction_between(lo, best, qmax):
                # nothing representable is left between: prove that nothing is below best
                probe = self._solver(pos + [s * best.denominator < best.numerator * p])
                res = probe.check()
                if res == z3.unsat:
                    break
                if res != z3.sat:
                    raise Unsupported(_undecided(probe))
                best = self._share(probe.model(), s, p)[0]
                continue
            mid = _between(lo, best, qmax)
            probe = self._solver(pos + [s * mid.denominator <= mid.numerator * p])
            res = probe.check()
            if res == z3.sat:
                best = min(best, self._share(probe.model(), s, p)[0])
            elif res == z3.unsat:
                lo = mid
            else:
                raise Unsupported(_undecided(probe))
        else:
            raise Unsupported("the smallest share was not found in 200 steps")
        mdl = self.canonical(pos + [s * best.denominator == best.numerator * p], cfg)
        _, sv, pv = self._share(mdl, s, p)
        return sv, pv, show_config(mdl, cfg, enc)

    def _largest(self, facts, p) -> int | None:
        """The largest population over `facts` (for the bisection's last step), or None."""
        opt = z3.Optimize()
        opt.set("timeout", TIMEOUT_MS)
        opt.add(*facts)
        h = opt.maximize(p)
        if opt.check() != z3.sat:
            return None
        up = opt.upper(h)
        if not z3.is_int_value(up) or up.as_long() > 5000:
            return None
        return up.as_long()

    def _sat(self, facts) -> bool:
        solver = self._solver(facts)
        res = solver.check()
        if res == z3.unknown:
            raise Unsupported(_undecided(solver))
        return res == z3.sat

    def _minimum(self, facts, s, cfg: Config, enc: Encoder) -> tuple[int | None, str]:
        solver = self._solver(facts)
        res = solver.check()
        if res == z3.unsat:
            return None, ""
        if res != z3.sat:
            raise Unsupported(_undecided(solver))
        hi = py_value(solver.model().eval(s, model_completion=True))
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

    def canonical(self, facts, cfg: Config, first=(), more: tuple[Config, ...] = ()) -> z3.ModelRef:
        """The lexicographically smallest model over `first` (params), then the configuration's
        values (counters in local-state order, then globals, then threshold params; false before
        true), then those of the configurations `more`, so that the witness shown does not
        depend on the solver's history."""
        facts = list(facts)
        counters, terms = [], list(first)
        for c in (cfg, *more):
            cs = [x for xs in c.counters.values() for x in xs.values()]
            counters += cs
            terms += cs + [t for _, t in sorted(c.globals.items(), key=lambda kv: kv[0])] + list(c.tparams.values())
        nonneg = {id(c) for c in counters}
        solver = self._solver(facts)
        for t in terms:
            if solver.check() != z3.sat:
                break
            cur = solver.model().eval(t, model_completion=True)
            if id(t) in nonneg and z3.is_int_value(cur) and cur.as_long() == 0:
                pass  # a counter is >= 0: 0 is already the smallest
            elif z3.is_bool(t):
                if z3.is_true(cur) and self._sat(facts + [z3.Not(t)]):
                    cur = z3.BoolVal(False)
            else:
                for _ in range(200):
                    probe = self._solver(facts + [t < cur])
                    res = probe.check()
                    if res == z3.unknown:
                        raise Unsupported(_undecided(probe))
                    if res == z3.unsat:
                        break
                    cur = probe.model().eval(t, model_completion=True)
            facts.append(t == cur)
            solver.add(t == cur)
        solver.check()
        return solver.model()

    # ---------------------------------------------------------- proofs for all N

    def scope(self, enc: Encoder, facts, general: bool = False) -> str:
        """For which values a proof speaks: `at N = 3, V = 2` when N has values, else
        `for all N >= 1, V = 2 (assuming ...)`; with `general`, the params of `self.general`
        are among the "for all" (`for all BLOCKS >= 1, V = 2`)."""
        assumes = " and ".join(expr_str(a.expr) for a in self.model.assumes)
        free = set(self.general) if general else set()
        fixed = [f"{p.name} = {value_str(self.base[p.name], p.ty)}" for p in self.model.params
                 if p.name in self.base and p.name not in free
                 and p.name in params_used(self.rule, self.model) | _used_pop(self)]
        alls = [self._range(enc, facts, g) for g in self.general if g in free]
        if self.pop_values is not None and self.pop_param not in free:
            at = f"at {self.pop_param} = {compress(self.pop_values)}" + (f", {', '.join(fixed)}" if fixed else "")
            if not alls:
                return at
            return "for all " + ", all ".join(alls) + f", {at}" + (f" (assuming {assumes})" if assumes else "")
        if self.pop_param is not None and self.pop_param not in free:
            opt = z3.Optimize()
            opt.add(*facts)
            h = opt.minimize(z3.Int(self.pop_param))
            low = opt.lower(h) if opt.check() == z3.sat else None
            lo = f" >= {low.as_long()}" if low is not None and z3.is_int_value(low) else ""
            alls.insert(0, f"{self.pop_param}{lo}")
        if alls:
            head = "for all " + ", all ".join(alls) + (f", {', '.join(fixed)}" if fixed else "")
        else:
            head = "for every configuration" + (f" at {', '.join(fixed)}" if fixed else "")
        return head + (f" (assuming {assumes})" if assumes else "")

    def _range(self, enc: Encoder, facts, name: str) -> str:
        """The values of a symbolic param the facts allow, as `BLOCKS >= 1`, `0 <= BPS <= 10000`
        or just `T` (a bound the solver does not give as a number is left out)."""
        p, x = _param(self.model, name), zv(enc.params[name])
        ends = []
        for lower in (True, False):
            opt = z3.Optimize()
            opt.set("timeout", TIMEOUT_MS)
            opt.add(*facts)
            h = opt.minimize(x) if lower else opt.maximize(x)
            b = (opt.lower(h) if lower else opt.upper(h)) if opt.check() == z3.sat else None
            ok = b is not None and (z3.is_int_value(b) or z3.is_rational_value(b))
            ends.append(value_str(py_value(b), p.ty) if ok else None)
        lo, hi = ends
        if lo is not None and hi is not None:
            return f"{lo} <= {name} <= {hi}"
        return f"{name} >= {lo}" if lo is not None else f"{name} <= {hi}" if hi is not None else name

    def _symbolic(self, tags, general: bool = False):
        params = self.symbolic_params(None, general)
        enc, cfgs, pop, k = self.encode(params, tags)
        facts = self.assumptions(enc) + [w for c, *_ in cfgs for w in c.wf]
        if self.pop_values is not None and not (general and self.pop_param in self.general):
            n = z3.Int(self.pop_param)  # N has values: the proof is for those only
            facts.append(z3.Or([n == v for v in self.pop_values]))
        self._defined(enc, facts)
        return params, enc, cfgs, pop, k, facts

    def _for_all(self, tags, fails):
        """The proof with the params of `self.general` symbolic (NOTE(threshold-scope)):
        `fails(cfgs, pop, k)` is the list of facts that break the property.  ("proved", scope)
        when no values allowed by the assumptions and types break it; ("fails", "BLOCKS = 3",
        model, encoder, configurations) with the params minimised first when some do; None when
        there is nothing to generalise, the encoding needs their values (a division by zero
        they allow, say) or the solver leaves it undecided: the proof at their values stands
        alone then."""
        if not self.general:
            return None
        try:
            params, enc, cfgs, pop, k, facts = self._symbolic(tags, general=True)
            bad = facts + fails(cfgs, pop, k)
            solver = self._solver(bad)
            res = solver.check()
            if res == z3.unsat:
                return ("proved", self.scope(enc, self.assumptions(enc), general=True))
            if res != z3.sat:
                return None
            names = list(self.general)
            if self.pop_param is not None and self.pop_param not in names:
                names.append(self.pop_param)
            terms = [zv(params[g]) for g in names]
            try:
                mdl = self.canonical(bad, cfgs[0][0], terms, tuple(c for c, *_ in cfgs[1:]))
            except Unsupported:
                mdl = solver.model()
            at = ", ".join(f"{g} = {value_str(py_value(mdl.eval(t, model_completion=True)), _param(self.model, g).ty)}"
                           for g, t in zip(names, terms))
            return ("fails", at, mdl, enc, cfgs)
        except Unsupported:
            return None

    def _in_scope(self, rows: list[Row]) -> list[Row]:
        """The table rows the proof speaks for: every row, or those of N's given values."""
        return rows if self.pop_values is None else [row for row in rows if row.n in self.pop_values]

    def equivalence(self, rows: list[Row]) -> Verdict:
        rows = self._in_scope(rows)
        general = self._for_all(("a",), lambda cfgs, pop, k: [cfgs[0][1] != cfgs[0][2]])
        if general is not None and general[0] == "proved":
            bad = [row.n for row in rows if row.passes_not_meant or row.meant_not_passes]
            if bad:  # the table and the proof disagree: a bug; never claim a proof then
                return Verdict("unknown", general[1], f"internal disagreement at N = {bad[0]}")
            return Verdict("proved", general[1], "the rule passes exactly when its meant bound holds")
        v = self._equivalence(rows)
        if general is not None and v.status == "proved":  # true at the values, not for every value
            _, at, mdl, enc, [(cfg, r, _, _)] = general
            way = "passes but not meant" if z3.is_true(mdl.eval(r, model_completion=True)) else "meant but does not pass"
            v = dataclasses.replace(v, detail=f"{v.detail}; fails at {at} ({way}): {show_config(mdl, cfg, enc)}")
        return v

    def _equivalence(self, rows: list[Row]) -> Verdict:
        """rule <=> meant with the params at their values."""
        params, enc, [(cfg, r, m, _)], pop, _, facts = self._symbolic(("a",))
        scope = self.scope(enc, self.assumptions(enc))
        solver = self._solver(facts + [r != m])
        res = solver.check()
        if res == z3.unknown:
            return Verdict("unknown", scope, _undecided(solver))
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
            return Verdict("unknown", detail="no support to intersect: no clause measures a count, a sum or a bounded counter")
        if self.kind == "sum":  # NOTE(weighted-quorum) in checker/analysis/quorum.py
            return weighted_quorum(self, show_config)
        rows = self._in_scope(rows)
        general = self._for_all(("a", "b"), lambda cfgs, pop, k: [cfgs[0][1], cfgs[1][1], cfgs[0][3] + cfgs[1][3] - pop < k])
        if general is not None and general[0] == "proved":
            bad = [row.n for row in rows if row.overlap is not None and row.overlap < row.k]
            if bad:
                return Verdict("unknown", general[1], f"internal disagreement at N = {bad[0]}")
            return Verdict("proved", general[1], f"any two passing configurations share at least {_k_words(self)} supporter(s)")
        v = self._quorum(rows)
        if general is not None and v.status == "proved":  # true at the values, not for every value
            _, at, mdl, enc, [(ca, _, _, sa), (cb, _, _, sb)] = general
            pop = zv(enc.const(self.pop_expr))
            shared = max(0, py_value(mdl.eval(sa + sb - pop, model_completion=True)))
            v = dataclasses.replace(v, detail=f"{v.detail}; fails at {at} (they can share {shared}): "
                                              f"{show_config(mdl, ca, enc)}; and {show_config(mdl, cb, enc)}")
        return v

    def _quorum(self, rows: list[Row]) -> Verdict:
        """Quorum intersection with the params at their values."""
        params, enc, [(ca, ra, _, sa), (cb, rb, _, sb)], pop, k, facts = self._symbolic(("a", "b"))
        scope = self.scope(enc, self.assumptions(enc))
        solver = self._solver(facts + [ra, rb, sa + sb - pop < k])
        res = solver.check()
        if res == z3.unknown:
            return Verdict("unknown", scope, _undecided(solver))
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


def _undecided(solver: z3.Solver) -> str:
    """Why a query was left undecided, in words (no solver text in reports)."""
    reason = solver.reason_unknown()
    if "timeout" in reason or "canceled" in reason:
        return f"undecided within the time limit ({TIMEOUT_MS // 1000} s per query)"
    return "undecided: the arithmetic is beyond the solver (nonlinear integer arithmetic)"


def _fraction_between(lo: Fraction, hi: Fraction, qmax: int) -> bool:
    """Is there a fraction a/b with b <= qmax strictly between lo and hi?"""
    for b in range(1, qmax + 1):
        a = (lo * b).__floor__() + 1
        if Fraction(a, b) < hi:
            return True
    return False


def _between(lo: Fraction, hi: Fraction, qmax: int) -> Fraction:
    mid = (lo + hi) / 2
    near = mid.limit_denominator(qmax)
    return near if lo < near < hi else mid


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
                parts.append(f"{v} x ({st.label})")
        if not any(mdl.eval(c, model_completion=True).as_long() for c in counters.values()):
            parts.append(f"no {fam}")
    for (name, path), t in sorted(cfg.globals.items(), key=lambda kv: kv[0]):
        var = next(v for v in enc.model.globals if v.name == name)
        ty = var.ty
        for _ in path:
            ty = ty.value
        parts.append(f"{entry_text(var, name, var.ty, path)} = {value_str(py_value(mdl.eval(t, model_completion=True)), ty)}")
    binders = {b.uid: b for b in _all_binders(enc.model)}
    for uid, t in cfg.tparams.items():
        b = binders.get(uid)
        parts.append(f"{b.name if b else '?'} = {value_str(py_value(mdl.eval(t, model_completion=True)), b.ty if b else None)}")
    return ", ".join(parts)


def _all_binders(model: I.Model):
    for d in model.defs:
        yield from d.params
