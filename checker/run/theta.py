"""The exact range of a threshold's rational constant θ (`80%`, `2/3`) for which a property holds.

NOTE(theta-cells), why finitely many explicit runs decide every θ exactly: θ must appear
only in comparisons `X op θ*C + D` (either side, either factor order, `+ D`/`- D` optional)
where C and D are constants of the instance and X is integer-valued with bounds lo..hi
(a count over a family: 0..size; a variable or map entry of range type: its range).  Then
`X op θ*C + D` is decided by where θ*C lies relative to the values x - D for x in lo..hi:
every θ in one "cell" (a point (x - D)/C, an open interval between two consecutive points,
or a ray beyond the first or last point, x ranging over lo-1..hi+1) gives every comparison
the same value in every state, so the model with θ replaced has the same transitions and
the same verdicts.  One explicit run per cell (at the point itself, a midpoint, or a point
on the ray) therefore decides the whole cell, and the union of the holding cells is exact.
A param without a value is checked at each value 1..min(K, 6) and the ranges intersected
(scope stated); params with values are used as given.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate
from forkproof.run.plan import plan, scope_of
from forkproof.analysis.report import EVERYTHING, Interval, PropertyRange, ThetaResult, fraction_str, intersect, merge
from forkproof.analysis.encode import Unsupported, children, inline, preorder
from forkproof.semantics.verdict import Status
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError
from forkproof.spec.ir import expr_str, value_str

MAX_STATES = 200_000
MAX_OPEN_SWEEP = 6


# ---------------------------------------------------------------- recognising the form


def _rat_constant(e: I.Expr) -> Fraction | None:
    if isinstance(e, I.Lit) and isinstance(e.ty, I.RatType) and isinstance(e.value, Fraction):
        return e.value
    if isinstance(e, I.Binary) and e.op is I.BinOp.DIV and all(
            isinstance(x, I.Lit) and isinstance(x.value, int) and not isinstance(x.value, bool) for x in (e.left, e.right)) \
            and e.right.value != 0:
        return Fraction(e.left.value, e.right.value)
    return None


def find_constants(body: I.Expr) -> list[I.Expr]:
    """Rational constant nodes of a threshold's own body, outermost only, left to right."""
    out = []

    def go(e):
        if _rat_constant(e) is not None:
            out.append(e)
            return
        for c in children(e):
            go(c)

    go(body)
    return out


def _path(e: I.Expr, target: I.Expr) -> list[I.Expr] | None:
    if e is target:
        return [e]
    for c in children(e):
        p = _path(c, target)
        if p is not None:
            return [e] + p
    return None


def _constant_expr(e: I.Expr) -> bool:
    return all(isinstance(n, (I.Lit, I.ParamRef, I.Binary, I.Unary)) for n in preorder(e))


@dataclass(frozen=True)
class Form:
    """`X op θ*C + D` (D may be a literal 0)."""

    x: I.Expr
    c: I.Expr
    d: I.Expr | None
    negate_d: bool


def recognise(model: I.Model, body: I.Expr, theta: I.Expr) -> Form:
    path = _path(body, theta)
    cmp_at = next((i for i in range(len(path) - 2, -1, -1) if isinstance(path[i], I.Binary)
                   and path[i].op in (I.BinOp.LT, I.BinOp.LE, I.BinOp.GT, I.BinOp.GE, I.BinOp.EQ, I.BinOp.NE)), None)
    if cmp_at is None:
        raise Unsupported(f"{expr_str(theta)} is not inside a comparison")
    cmp = path[cmp_at]
    side = path[cmp_at + 1]
    other = cmp.right if side is cmp.left else cmp.left
    inner = path[cmp_at + 1:]
    d, negate_d = None, False
    if len(inner) >= 2 and isinstance(inner[0], I.Binary) and inner[0].op in (I.BinOp.ADD, I.BinOp.SUB):
        top = inner[0]
        d = top.right if top.left is inner[1] else top.left
        if top.op is I.BinOp.SUB and top.left is not inner[1]:
            raise Unsupported(f"'{expr_str(cmp)}': θ is subtracted")
        negate_d = top.op is I.BinOp.SUB
        inner = inner[1:]
    if len(inner) == 1:
        c = I.Lit(1, I.INT)
    elif len(inner) == 2 and isinstance(inner[0], I.Binary) and inner[0].op is I.BinOp.MUL:
        c = inner[0].right if inner[0].left is theta else inner[0].left
    else:
        raise Unsupported(f"'{expr_str(cmp)}' is not of the form X op θ * C (+ D)")
    for what, x in (("C", c), ("D", d)):
        if x is not None and not _constant_expr(x):
            raise Unsupported(f"in '{expr_str(cmp)}', {what} = '{expr_str(x)}' is not a constant")
    if not isinstance(other.ty, I.IntType):
        raise Unsupported(f"in '{expr_str(cmp)}', '{expr_str(other)}' is not an integer")
    return Form(other, c, d, negate_d)


def x_bounds(model: I.Model, x: I.Expr) -> tuple[I.Expr, I.Expr]:
    x = inline(x, model)
    if isinstance(x, I.Quant) and x.kind is I.QuantKind.COUNT:
        size = model.family_named(x.domain.family).size if isinstance(x.domain, I.ProcType) else None
        if size is None:
            raise Unsupported(f"cannot bound '{expr_str(x)}'")
        return I.Lit(0, I.INT), size
    if isinstance(x, (I.VarRef, I.Index, I.LocalRef)) and isinstance(x.ty, I.IntType) and x.ty.bounded:
        return x.ty.lo, x.ty.hi
    raise Unsupported(f"cannot bound '{expr_str(x)}': it is neither a count nor a variable of range type")


# ---------------------------------------------------------------- the runs


def _subst(e, target, new):
    if e is target:
        return new
    if isinstance(e, tuple):
        items = tuple(_subst(x, target, new) for x in e)
        return e if all(a is b for a, b in zip(items, e)) else items
    if dataclasses.is_dataclass(e) and not isinstance(e, type) and not isinstance(e, (I.Binder,)):
        changes = {}
        for f in dataclasses.fields(e):
            v = getattr(e, f.name)
            if isinstance(v, (tuple,)) or (dataclasses.is_dataclass(v) and not isinstance(v, type)):
                nv = _subst(v, target, new)
                if nv is not v:
                    changes[f.name] = nv
        return dataclasses.replace(e, **changes) if changes else e
    return e


def with_theta(model: I.Model, d: I.Def, theta_node: I.Expr, value: Fraction) -> I.Model:
    lit = I.Lit(value, I.RAT, theta_node.span)
    nd = dataclasses.replace(d, body=_subst(d.body, theta_node, lit))
    return dataclasses.replace(model, defs=tuple(nd if x is d else x for x in model.defs))


def cells(points: list[Fraction]) -> list[tuple[Interval, Fraction]]:
    """Every cell of the line cut at `points`, with a representative."""
    ps = sorted(set(points))
    if not ps:
        return [(EVERYTHING[0], Fraction(0))]
    out = [(Interval(None, False, ps[0], False), ps[0] - 1)]
    for i, p in enumerate(ps):
        out.append((Interval(p, True, p, True), p))
        if i + 1 < len(ps):
            out.append((Interval(p, False, ps[i + 1], False), (p + ps[i + 1]) / 2))
    out.append((Interval(ps[-1], False, None, False), ps[-1] + 1))
    return out


def theta_range(model: I.Model, d: I.Def, bindings: dict[str, list[object]], up_to: int,
                properties: list[str]) -> ThetaResult:
    consts = find_constants(d.body)
    if not consts:
        return ThetaResult(None, None, unknown="no rational constant in the rule")
    theta = consts[0]
    value = _rat_constant(theta)
    pct = value * 100
    shown = f"{fraction_str(value)} ({fraction_str(pct) if pct.denominator == 1 else f'{float(pct):.4g}'}%)"
    res = ThetaResult(shown, value)
    if len(consts) > 1:
        res.note = f"the rule has {len(consts)} rational constants; this is the first, {expr_str(theta)}"
    try:
        form = recognise(model, d.body, theta)
        lo_e, hi_e = x_bounds(model, form.x)
    except Unsupported as e:
        res.unknown = f"form not recognised: {e}"
        return res
    open_ints = [p for p in model.params if p.name not in bindings and p.default is None and p.sweep is None
                 and isinstance(p.ty, I.IntType)]
    bindings = dict(bindings)
    for p in open_ints:
        bindings[p.name] = list(range(1, min(up_to, MAX_OPEN_SWEEP) + 1))
    try:
        combos, _ = plan(model, bindings)
    except ModelError as e:
        res.unknown = f"no instance to check: {e.diagnostics[0].message}"
        return res
    open_finite = [p for p in model.params if p.name not in bindings and p.default is None and p.sweep is None
                   and isinstance(p.ty, (I.EnumType, I.BoolType))]
    swept = [p for p in model.params if len({repr(c[p.name]) for c in combos}) > 1 and p not in open_finite]
    res.scope = _scope(model, combos, swept, open_ints)
    groups: dict[str, list[dict]] = {}
    for combo in combos:
        label = ", ".join(f"{p.name} = {value_str(combo[p.name], p.ty)}" for p in open_finite)
        groups.setdefault(label, []).append(combo)
    per_prop = {name: PropertyRange(name) for name in properties}
    for label, group in groups.items():
        sets: dict[str, list[Interval] | None] = {n: EVERYTHING for n in properties}
        reasons: dict[str, str] = {n: "" for n in properties}
        for combo in group:
            base = instantiate(model, combo)
            c, dv = base.const(form.c), (base.const(form.d) if form.d is not None else 0)
            lo, hi = base.const(lo_e), base.const(hi_e)
            dv = -dv if form.negate_d else dv
            points = [] if c == 0 else [Fraction(x - dv) / Fraction(c) for x in range(lo - 1, hi + 2)]
            holding: dict[str, list[Interval]] = {n: [] for n in properties}
            for cell, rep in cells(points):
                res.runs += 1
                verdicts = _run(model, d, theta, rep, combo)
                for n in properties:
                    st = verdicts.get(n)
                    if st is Status.HOLDS or st is Status.PROVED:
                        holding[n].append(cell)
                    elif st is not Status.VIOLATED:
                        reasons[n] = reasons[n] or f"at θ = {fraction_str(rep)}, {scope_of(model, combo)}: {st.value if st else 'not checked'}"
            for n in properties:
                if sets[n] is not None:
                    sets[n] = intersect(sets[n], merge(holding[n]))
        for n in properties:
            per_prop[n].groups.append((label, None if reasons[n] else sets[n], reasons[n]))
    res.properties = list(per_prop.values())
    return res


def _scope(model, combos, swept, open_ints) -> str:
    parts = []
    for p in model.params:
        vals = list(dict.fromkeys(c[p.name] for c in combos))
        if p in swept:
            ints = all(isinstance(v, int) for v in vals)
            parts.append(f"{p.name} = {vals[0]}..{vals[-1]}" if ints and vals == list(range(vals[0], vals[-1] + 1))
                         else f"{p.name} in {{{', '.join(value_str(v, p.ty) for v in vals)}}}")
        elif len(vals) == 1:
            parts.append(f"{p.name} = {value_str(vals[0], p.ty)}")
    text = ", ".join(parts)
    if open_ints:
        text += f" ({', '.join(p.name for p in open_ints)}: no value in the model, so checked at these values only)"
    return text


def _run(model, d, theta, rep: Fraction, combo) -> dict[str, Status]:
    m = with_theta(model, d, theta, rep)
    inst = instantiate(m, combo)
    result = check_explicit(inst, ExplicitOptions(deadlock=False, max_states=MAX_STATES))
    return {v.name: v.status for v in result.verdicts}
