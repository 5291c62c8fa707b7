"""The exact range of a threshold's rational constant θ (`80%`, `2/3`) for which each
property holds: at each instance by explicit runs per θ cell, for every size by a proof.

NOTE(theta-cells), why finitely many explicit runs decide every θ exactly at one instance:
θ must appear in one comparison `X op θ*C + D` (either side, either factor order, `+ D`/`- D`
optional) where C and D are constants of the instance and X takes finitely many values,
over-approximated from the types: a count over a family (0..size), a sum (between size times
the summand's smallest and largest values), a variable of range type, and `+ - * / div` and
`if` of those (a vote ratio `yes / (yes + no)` takes the values a/b).  Then `X op θ*C + D` is
decided by where θ lies among the points (x - D)/C: every θ in one "cell" (a point, an open
interval between two consecutive points, a ray beyond the ends) gives the comparison the same
value in every state, so the model with θ replaced has the same transitions and verdicts.
One exhaustive explicit run per cell (at the point itself, a midpoint, or a point on the ray)
decides the whole cell, and the union of the holding cells is exact at that instance.

NOTE(theta-monotone), why a ray found at N = 1..K and one proof give the range for every N:
θ's comparison is monotone in θ (`X > θ*C` with C > 0 gets stronger as θ grows) and has a
polarity in the rule; the rule is used only in action guards, always with one polarity (read
through `and`, `or`, `not`, `implies`, the branches of `if`, and the defs that call it).  Then
a θ on one side gives each guard a subset of the transitions of a θ on the other side, so
its reachable states and steps are a subset too, and an invariant (or `always P`) that holds
at θ holds at every θ beyond it: at each N its holding set is a ray, and so is the
intersection R over N = 1..K.  Let b be R's end.  Every θ outside R fails at some N <= K (a
run shows it).  For θ inside R, the model is checked for every N (`check`'s every-size proof,
counters cross-checked by instances) once, with the comparison replaced by a limit that
allows every transition any θ in R allows: θ = b when R contains b; `X > b*C + D` (or
`X >= b*C + D`, by the polarity) when R is open at b; the comparison's weakest value (`true`
or `false`) when R is every θ.  If that proof succeeds, R is the exact range for every N;
otherwise the range is stated for N = 1..K only, with why.  Liveness properties are not
monotone this way (fewer transitions can break them): their ranges are per instance only.
A param without a value is checked at each value 1..min(K, 6) (scope stated); params with
values are used as given.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from fractions import Fraction

from forkproof.analysis.encode import Unsupported, children, inline, preorder
from forkproof.analysis.report import (EVERYTHING, Interval, PropertyRange, RangeGroup, ThetaResult, fraction_str,
                                       intersect, merge)
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.run.check import check_model
from forkproof.run.plan import plan, scope_of
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.instance import Instance, instantiate
from forkproof.semantics.verdict import Status
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError
from forkproof.spec.ir import expr_str, value_str

MAX_STATES = 200_000
MAX_OPEN_SWEEP = 6
MAX_VALUES = 5_000  # values of X followed before the cells are given up
MAX_CELLS = 121  # cells run one by one; beyond, a monotone property's boundary is found by bisection
PROOF_SECONDS = 60.0  # the every-size proof's budget per property
THETA_SECONDS = 60.0  # the explicit runs' budget: sizes not started by then are left out (and said)

_CMP = (I.BinOp.LT, I.BinOp.LE, I.BinOp.GT, I.BinOp.GE, I.BinOp.EQ, I.BinOp.NE)
_FLIP = {I.BinOp.LT: I.BinOp.GT, I.BinOp.LE: I.BinOp.GE, I.BinOp.GT: I.BinOp.LT, I.BinOp.GE: I.BinOp.LE,
         I.BinOp.EQ: I.BinOp.EQ, I.BinOp.NE: I.BinOp.NE}


# ---------------------------------------------------------------- which constant


def _rat_constant(e: I.Expr) -> Fraction | None:
    if isinstance(e, I.Lit) and isinstance(e.ty, I.RatType) and isinstance(e.value, Fraction):
        return e.value
    if isinstance(e, I.Binary) and e.op is I.BinOp.DIV and all(
            isinstance(x, I.Lit) and isinstance(x.value, int) and not isinstance(x.value, bool) for x in (e.left, e.right)) \
            and e.right.value != 0:
        return Fraction(e.left.value, e.right.value)
    return None


def find_constants(body: I.Expr, ints: bool = False) -> list[I.Expr]:
    """Rational constant nodes of a threshold's own body (with `ints`, integer literals too),
    outermost only, left to right."""
    out = []

    def go(e):
        if _rat_constant(e) is not None or (ints and _int_constant(e) is not None):
            out.append(e)
            return
        for c in children(e):
            go(c)

    go(body)
    return out


def _int_constant(e: I.Expr) -> Fraction | None:
    if isinstance(e, I.Lit) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return Fraction(e.value)
    return None


def _value(e: I.Expr) -> Fraction | None:
    v = _rat_constant(e)
    return v if v is not None else _int_constant(e)


def constant_values(d: I.Def) -> list[Fraction]:
    """The values `--theta` can name in this rule: its rational constants and integer literals."""
    return [_value(c) for c in find_constants(d.body, ints=True)]


def parse_theta(text: str) -> Fraction | None:
    """`--theta` values: 4/5, 80%, 0.8, 2."""
    t = text.strip()
    try:
        if t.endswith("%"):
            return Fraction(t[:-1].strip()) / 100
        return Fraction(t)
    except (ValueError, ZeroDivisionError):
        return None


def choose(d: I.Def, wanted: Fraction | None) -> tuple[I.Expr | None, str]:
    """The constant analysed: the one equal to `--theta` (a rational constant or an integer
    literal of the rule), else the rational constant its `meant` bound also uses, else the
    first; with a note naming the others."""
    consts = find_constants(d.body)
    values = [_rat_constant(c) for c in consts]
    others = lambda chosen: ", ".join(fraction_str(v) for c, v in zip(consts, values) if c is not chosen)
    if wanted is not None:
        hit = next((c for c, v in zip(consts, values) if v == wanted), None)
        if hit is None:
            hit = next((c for c in find_constants(d.body, ints=True) if _value(c) == wanted), None)
        if hit is not None:
            return hit, (f"chosen by --theta; the rule also has {others(hit)}" if len(consts) > (hit in consts) else "")
        if not consts:
            return None, ""
        return consts[0], (f"no constant equal to {fraction_str(wanted)} in this rule; analysing {fraction_str(values[0])}"
                           + (f" (it also has {others(consts[0])})" if len(consts) > 1 else ""))
    if not consts:
        return None, ""
    if len(consts) == 1:
        return consts[0], ""
    meant = {_rat_constant(c) for c in find_constants(d.meant)} if d.meant is not None else set()
    hit = next((c for c, v in zip(consts, values) if v in meant), None)
    why = "the one its meant bound uses" if hit is not None else "the first"
    hit = hit if hit is not None else consts[0]
    return hit, f"the rule has {len(consts)} rational constants; this is {why}; --theta VALUE picks {others(hit)}"


# ---------------------------------------------------------------- recognising the form


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
    """`X op θ*C + D` (D may be absent), op as read with X on the left."""

    cmp: I.Binary  # the comparison, as written
    x: I.Expr
    side: I.Expr  # the side holding θ
    c: I.Expr
    d: I.Expr | None
    negate_d: bool
    op: I.BinOp
    polarity: int | None  # +1: the rule is true more often when the comparison is; -1 the reverse; None: both


def recognise(model: I.Model, body: I.Expr, theta: I.Expr) -> Form:
    path = _path(body, theta)
    cmp_at = next((i for i in range(len(path) - 2, -1, -1) if isinstance(path[i], I.Binary) and path[i].op in _CMP), None)
    if cmp_at is None:
        raise Unsupported(f"{expr_str(theta)} is not inside a comparison")
    cmp = path[cmp_at]
    side = path[cmp_at + 1]
    other = cmp.right if side is cmp.left else cmp.left
    op = cmp.op if side is cmp.right else _FLIP[cmp.op]
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
    if d is not None and not _constant_expr(d):
        raise Unsupported(f"in '{expr_str(cmp)}', D = '{expr_str(d)}' is not a constant")
    if not _constant_expr(c) and not _nonneg(model, inline(c, model)):
        raise Unsupported(f"in '{expr_str(cmp)}', C = '{expr_str(c)}' is neither a constant nor a number that is never "
                          f"negative (a count, a sum of weights that are never negative)")
    if any(n is theta for n in preorder(other)):
        raise Unsupported(f"θ is on both sides of '{expr_str(cmp)}'")
    return Form(cmp, other, side, c, d, negate_d, op, _polarity(path[:cmp_at + 1]))


def _polarity(path: list[I.Expr]) -> int | None:
    """The sign with which the last node of `path` (a bool) acts on the first."""
    sign = 1
    for parent, child in zip(path, path[1:]):
        if isinstance(parent, I.Unary) and parent.op is I.UnOp.NOT:
            sign = -sign
        elif isinstance(parent, I.Binary) and parent.op in (I.BinOp.AND, I.BinOp.OR):
            pass
        elif isinstance(parent, I.Binary) and parent.op is I.BinOp.IMPLIES:
            sign = -sign if child is parent.left else sign
        elif isinstance(parent, I.Ite) and child is not parent.cond:
            pass
        elif isinstance(parent, I.Quant) and parent.kind in (I.QuantKind.FORALL, I.QuantKind.EXISTS) and child is parent.body:
            pass
        else:
            return None
    return sign


def _nonneg(model: I.Model, e: I.Expr) -> bool:
    """Is `e` >= 0 in every state of every instance, by its structure alone?"""
    if isinstance(e, I.Lit):
        return not isinstance(e.value, bool) and e.value >= 0
    if isinstance(e, I.Quant) and e.kind is I.QuantKind.COUNT:
        return True
    if isinstance(e, I.Quant) and e.kind is I.QuantKind.SUM and e.body is not None:
        return _nonneg(model, e.body)
    if isinstance(e, (I.VarRef, I.Index, I.LocalRef)) and isinstance(e.ty, I.IntType) and e.ty.bounded:
        return _nonneg(model, e.ty.lo) if isinstance(e.ty.lo, I.Lit) else False
    if isinstance(e, I.Ite):
        return _nonneg(model, e.then) and _nonneg(model, e.else_)
    if isinstance(e, I.Binary) and e.op in (I.BinOp.ADD, I.BinOp.MUL, I.BinOp.DIV, I.BinOp.FLOORDIV):
        return _nonneg(model, e.left) and _nonneg(model, e.right)
    return False


def values(model: I.Model, inst: Instance, e: I.Expr) -> set[Fraction]:
    """A finite superset of the values `e` takes in any state of `inst` (NOTE(theta-cells))."""
    e = inline(e, model)

    def rng(lo, hi) -> set[Fraction]:
        if hi - lo + 1 > MAX_VALUES:
            raise Unsupported(f"'{expr_str(e)}' takes more than {MAX_VALUES} values")
        return {Fraction(v) for v in range(lo, hi + 1)}

    def pair(a, b, f) -> set[Fraction]:
        if len(a) * len(b) > 20 * MAX_VALUES:
            raise Unsupported(f"'{expr_str(e)}' takes too many values to cut θ's line at each")
        out = {f(x, y) for x in a for y in b}
        out.discard(None)
        if len(out) > MAX_VALUES:
            raise Unsupported(f"'{expr_str(e)}' takes more than {MAX_VALUES} values")
        return out

    def go(n: I.Expr) -> set[Fraction]:
        if _constant_expr(n) and not any(isinstance(x, I.Binary) and x.op in _CMP for x in preorder(n)):
            v = inst.const(n)
            if isinstance(v, bool):
                raise Unsupported(f"'{expr_str(n)}' is not a number")
            return {Fraction(v)}
        if isinstance(n, I.Quant) and isinstance(n.domain, I.ProcType):
            size = inst.family_sizes.get(n.domain.family)
            if size is None:
                raise Unsupported(f"cannot bound '{expr_str(n)}'")
            if n.kind is I.QuantKind.COUNT:
                return rng(0, size)
            if n.kind is I.QuantKind.SUM and n.body is not None:
                body = go(n.body)
                if any(v.denominator != 1 for v in body):
                    raise Unsupported(f"'{expr_str(n)}' sums fractions")
                lo, hi = min(min(body), 0), max(max(body), 0)
                return rng(int(lo) * size, int(hi) * size)
        if isinstance(n, (I.VarRef, I.Index, I.LocalRef)) and isinstance(n.ty, I.IntType) and n.ty.bounded:
            return rng(inst.const(n.ty.lo), inst.const(n.ty.hi))
        if isinstance(n, I.Ite):
            return go(n.then) | go(n.else_)
        if isinstance(n, I.Unary) and n.op is I.UnOp.NEG:
            return {-v for v in go(n.arg)}
        if isinstance(n, I.Binary):
            ops = {I.BinOp.ADD: lambda a, b: a + b, I.BinOp.SUB: lambda a, b: a - b, I.BinOp.MUL: lambda a, b: a * b,
                   I.BinOp.DIV: lambda a, b: a / b if b else None,
                   I.BinOp.FLOORDIV: lambda a, b: Fraction(a // b) if b else None}
            if n.op in ops:
                return pair(go(n.left), go(n.right), ops[n.op])
        raise Unsupported(f"cannot bound '{expr_str(n)}': neither a count, a sum, a variable of range type, "
                          f"nor + - * / div or if of those")

    return go(e)


# ---------------------------------------------------------------- where the rule is used


def _calls(model: I.Model, e: I.Expr, name: str, stack: tuple[str, ...] = ()) -> bool:
    """Does `e` call the def `name`, directly or through other defs?"""
    for n in preorder(e):
        if isinstance(n, I.Call) and (n.name == name or (n.name not in stack and _calls(
                model, model.def_named(n.name).body, name, stack + (n.name,)))):
            return True
    return False


def usage_polarity(model: I.Model, name: str) -> tuple[int | None, str]:
    """The one polarity with which the rule `name` acts on the action guards, or None with
    the use that breaks it (NOTE(theta-monotone)).  Invariants and properties that read the
    rule do not change the behaviours; each such property is left out on its own."""
    seen: set[int] = set()
    bad: list[str] = []

    def walk(e: I.Expr, sign: int | None, where: str, stack: tuple[str, ...]):
        if isinstance(e, I.Call):
            if e.name == name:
                if sign is None:
                    bad.append(where)
                else:
                    seen.add(sign)
            elif e.name not in stack:
                walk(model.def_named(e.name).body, sign, where, stack + (e.name,))
            for a in e.args:
                walk(a, None, where, stack)
            return
        for c in children(e):
            s = None if sign is None else _polarity([e, c])
            walk(c, None if s is None else sign * s, where, stack)

    for a in model.actions:
        walk(a.guard, 1, f"the guard of action {a.name}", ())
        for st in _stmts(a.body):
            for e in _stmt_exprs(st):
                walk(e, None, f"the body of action {a.name}", ())
    for v in model.globals + tuple(v for f in model.families for v in f.locals):
        if not isinstance(v.init, I.InitAny):
            walk(v.init, None, f"the initial value of {v.shown}", ())
    if bad:
        return None, f"the rule is used in {bad[0]}"
    if len(seen) != 1:
        return None, ("the rule is used with both polarities in guards" if seen else "the rule is not used in any guard")
    return seen.pop(), ""


def _reads_rule(model: I.Model, prop: str, name: str) -> bool:
    exprs = [i.expr for i in model.invariants if i.name == prop] + [p.expr for p in model.properties if p.name == prop]
    return any(_calls(model, e, name) for e in exprs)


def _stmts(body):
    for st in body:
        yield st
        if isinstance(st, I.If):
            yield from _stmts(st.then)
            yield from _stmts(st.else_)
        elif isinstance(st, I.For):
            yield from _stmts(st.body)


def _stmt_exprs(st):
    if isinstance(st, I.Assign):
        return [st.target, st.value]
    if isinstance(st, I.If):
        return [st.cond]
    return []


# ---------------------------------------------------------------- the runs


def _subst(e: I.Expr, target: I.Expr, new: I.Expr) -> I.Expr:
    """`e` with the node `target` (that very node, not an equal one) replaced by `new`."""
    return I.substitute(e, lambda n: new if n is target else None)


def with_body(model: I.Model, d: I.Def, target: I.Expr, new: I.Expr) -> I.Model:
    nd = dataclasses.replace(d, body=_subst(d.body, target, new))
    return dataclasses.replace(model, defs=tuple(nd if x is d else x for x in model.defs))


def with_theta(model: I.Model, d: I.Def, theta_node: I.Expr, value: Fraction) -> I.Model:
    return with_body(model, d, theta_node, I.Lit(value, I.RAT, theta_node.span))


def cells(points: list[Fraction]) -> list[tuple[Interval, Fraction]]:
    """Every cell of the line cut at `points`, with a representative, from -inf to +inf."""
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


class _Runs:
    """Explicit runs of one instance, one per θ cell, cached."""

    def __init__(self, model, d, theta, combo, res: ThetaResult, deadline: float | None = None):
        self.model, self.d, self.theta, self.combo, self.res = model, d, theta, combo, res
        self.deadline = deadline
        self.cache: dict[Fraction, dict[str, Status]] = {}

    def at(self, rep: Fraction) -> dict[str, Status]:
        if rep not in self.cache:
            if self.deadline is not None and time.monotonic() > self.deadline:
                raise _OutOfTime()
            self.res.runs += 1
            inst = instantiate(with_theta(self.model, self.d, self.theta, rep), self.combo)
            result = check_explicit(inst, ExplicitOptions(deadlock=False, max_states=MAX_STATES))
            self.cache[rep] = {v.name: v.status for v in result.verdicts}
        return self.cache[rep]


def _holds(st: Status | None) -> bool | None:
    if st is Status.HOLDS or st is Status.PROVED:
        return True
    if st is Status.VIOLATED:
        return False
    return None


def _instance_ranges(runs: _Runs, cs, props: list[str], up: dict[str, int | None], reasons: dict[str, str]
                     ) -> dict[str, list[Interval] | None]:
    """Each property's holding set at one instance: every cell run, or (past MAX_CELLS) a
    bisection for a property known to hold on a ray (`up[name]`: +1 towards +inf, -1 -inf)."""
    scope = scope_of(runs.model, runs.combo)
    out: dict[str, list[Interval] | None] = {}
    for n in props:
        if len(cs) <= MAX_CELLS:
            got = [(cell, _holds(runs.at(rep).get(n)), rep) for cell, rep in cs]
        elif up.get(n) is not None:
            order = cs if up[n] == 1 else cs[::-1]  # holding cells are a suffix of `order`
            lo, hi = 0, len(order)  # the first holding index lies in lo..hi
            got = []
            while lo < hi:
                mid = (lo + hi) // 2
                h = _holds(runs.at(order[mid][1]).get(n))
                if h is None:
                    got = [(order[mid][0], None, order[mid][1])]
                    break
                lo, hi = (lo, mid) if h else (mid + 1, hi)
            else:
                got = [(cell, i >= lo, rep) for i, (cell, rep) in enumerate(order)]
        else:
            reasons[n] = reasons[n] or (f"{len(cs)} θ cells at {scope}, too many to run each, and the property is not "
                                        f"monotone in θ")
            out[n] = None
            continue
        bad = next(((cell, rep) for cell, h, rep in got if h is None), None)
        if bad is not None:
            st = runs.at(bad[1]).get(n)
            reasons[n] = reasons[n] or f"at θ = {fraction_str(bad[1])}, {scope}: {st.value if st else 'not checked'}"
            out[n] = None
        else:
            out[n] = merge([cell for cell, h, _ in got if h])
    return out


# ---------------------------------------------------------------- the range


def _shown(value: Fraction) -> str:
    pct = value * 100
    return f"{fraction_str(value)} ({fraction_str(pct) if pct.denominator == 1 else f'{float(pct):.4g}'}%)"


def _is_safety(model: I.Model, name: str) -> bool:
    if any(i.name == name for i in model.invariants):
        return True
    p = next((p for p in model.properties if p.name == name), None)
    return p is not None and isinstance(p.expr, I.Unary) and p.expr.op is I.UnOp.ALWAYS


def _positive(model: I.Model, c: I.Expr, fixed: dict[str, object]) -> bool:
    """Is C > 0 for every value of the params allowed by the assumptions?"""
    if isinstance(c, I.Lit):
        return not isinstance(c.value, bool) and c.value > 0
    import z3  # only here: the explicit runs need no solver
    from forkproof.analysis.encode import Encoder
    params: dict[str, object] = dict(fixed)
    for p in model.params:
        if p.name not in params and isinstance(p.ty, I.IntType):
            params[p.name] = z3.Int(p.name)
    try:
        enc = Encoder(model, params)
        facts = [enc.const(a.expr) for a in model.assumes]
        s = z3.Solver()
        s.set("timeout", 10_000)
        s.add(*facts, enc.const(c) <= 0)
        return s.check() == z3.unsat
    except Unsupported:
        return False


def theta_range(model: I.Model, d: I.Def, bindings: dict[str, list[object]], up_to: int,
                properties: list[str], wanted: Fraction | None = None) -> ThetaResult:
    theta, note = choose(d, wanted)
    if theta is None:
        return ThetaResult(None, None, unknown="no rational constant in the rule")
    value = _value(theta)
    res = ThetaResult(_shown(value), value, note=note)
    try:
        form = recognise(model, d.body, theta)
    except Unsupported as e:
        res.unknown = f"form not recognised: {e}"
        return res
    # NOTE(theta-monotone): s = +1 when the comparison being true allows more transitions
    use, why_not = usage_polarity(model, d.name)
    cdir = {I.BinOp.GT: 1, I.BinOp.GE: 1, I.BinOp.LT: -1, I.BinOp.LE: -1}.get(form.op)
    s = None
    if cdir is None:
        why_not = f"'{expr_str(form.cmp)}' is an equality, not monotone in θ"
    elif form.polarity is None:
        why_not = f"'{expr_str(form.cmp)}' sits where the rule is not monotone in it (a condition, a count)"
    elif use is not None:
        s = form.polarity * use
    open_ints = [p for p in model.params if p.name not in bindings and p.default is None and p.sweep is None
                 and isinstance(p.ty, I.IntType)]
    swept_bindings = dict(bindings)
    for p in open_ints:
        swept_bindings[p.name] = list(range(1, min(up_to, MAX_OPEN_SWEEP) + 1))
    try:
        combos, _ = plan(model, swept_bindings)
    except ModelError as e:
        res.unknown = f"no instance to check: {e.diagnostics[0].message}"
        return res
    open_finite = [p for p in model.params if p.name not in swept_bindings and p.default is None and p.sweep is None
                   and isinstance(p.ty, (I.EnumType, I.BoolType))]
    swept = [p for p in model.params if len({repr(c[p.name]) for c in combos}) > 1 and p not in open_finite]
    groups: dict[str, list[dict]] = {}
    for combo in combos:
        label = ", ".join(f"{p.name} = {value_str(combo[p.name], p.ty)}" for p in open_finite)
        groups.setdefault(label, []).append(combo)
    names = [p.name for p in open_ints]
    level = lambda c: max((c[n] for n in names), default=0)  # the sizes run smallest first, each level whole
    sets = {label: {n: EVERYTHING for n in properties} for label in groups}
    reasons: dict[str, dict[str, str]] = {label: {n: "" for n in properties} for label in groups}
    # the properties whose holding set is a ray when the rule is monotone (NOTE(theta-monotone)): once
    ray = {n for n in properties if _is_safety(model, n) and not _reads_rule(model, n, d.name)}
    deadline = time.monotonic() + THETA_SECONDS
    done = None
    for lv in sorted({level(c) for c in combos}):
        saved = ({k: dict(v) for k, v in sets.items()}, {k: dict(v) for k, v in reasons.items()}, res.runs)
        try:
            _level(model, d, theta, form, s, cdir, properties, ray, groups, lv, level, sets, reasons, res,
                   None if done is None else deadline)
        except _OutOfTime:  # the level is dropped whole, so that every range covers the same sizes
            sets, reasons, res.runs = saved
            res.note = "; ".join(x for x in (res.note, f"the runs stopped after {THETA_SECONDS:.0f} s: "
                                                       f"{', '.join(names)} above {done} not run") if x)
            break
        except Unsupported as e:
            res.unknown = f"form not recognised: {e}"
            return res
        done = lv
    covered = [c for c in combos if level(c) <= done]
    res.scope = _scope(model, covered, [p for p in swept if len({repr(c[p.name]) for c in covered}) > 1], open_ints)
    per_prop = {name: PropertyRange(name) for name in properties}
    for label, group in groups.items():
        mine = [c for c in group if level(c) <= done]
        every = _every_size(model, d, theta, form, s, cdir, bindings, names, mine, open_finite, up_to, sets[label],
                            why_not) if open_ints else {}
        for n in properties:
            scope, why = every.get(n, ("", ""))
            why_ = reasons[label][n]
            per_prop[n].groups.append(RangeGroup(label, None if why_ else sets[label][n], why_, scope, why))
    res.properties = list(per_prop.values())
    res.per_size = bool(open_ints)
    return res


class _OutOfTime(Exception):
    pass


def _level(model, d, theta, form: Form, s, cdir, properties, ray: set[str], groups, lv, level, sets, reasons,
           res: ThetaResult, deadline: float | None) -> None:
    """Run every instance of size level `lv` (every group), narrowing `sets` in place."""
    for label, group in groups.items():
        for combo in (c for c in group if level(c) == lv):
            base = instantiate(model, combo)
            dv = base.const(form.d) if form.d is not None else 0
            dv = -dv if form.negate_d else dv
            cs_ = values(model, base, form.c) - {0}
            xs = values(model, base, form.x) if cs_ else set()
            if len(xs) * len(cs_) > 20 * MAX_VALUES:
                raise Unsupported(f"'{expr_str(form.x)}' and '{expr_str(form.c)}' take too many values together")
            points = list({(x - Fraction(dv)) / cv for x in xs for cv in cs_})
            sign = 1 if all(cv > 0 for cv in cs_) else -1 if all(cv < 0 for cv in cs_) else 0
            up = {n: (cdir * sign * s if s is not None and cdir is not None and sign and n in ray else None)
                  for n in properties}
            got = _instance_ranges(_Runs(model, d, theta, combo, res, deadline), cells(points), properties, up,
                                   reasons[label])
            for n in properties:
                if sets[label][n] is not None:
                    sets[label][n] = None if got[n] is None else intersect(sets[label][n], got[n])


def _every_size(model, d, theta, form: Form, s, cdir, bindings, names: list[str], group, open_finite, up_to, sets,
                why_not: str) -> dict[str, tuple[str, str]]:
    """For each property, (scope, why): "all N ..." when its range at N = 1..K is proved to be
    its range for every N (NOTE(theta-monotone)), else "N = 1..K only" and why."""
    top = max((c[n] for c in group for n in names), default=0)
    only = f"{', '.join(names)} = 1..{top} only"
    out: dict[str, tuple[str, str]] = {}
    fixed = {p.name: group[0][p.name] for p in open_finite}
    fixed.update({k: vs[0] for k, vs in bindings.items() if len(vs) == 1})
    positive = cdir is not None and (_positive(model, form.c, fixed) if _constant_expr(form.c) else _nonneg(model, inline(form.c, model)))
    proofs: dict[tuple, object] = {}
    for n, st in sets.items():
        if st is None:
            continue
        if st == []:  # each θ fails at some size shown: nothing to extend
            out[n] = ("every size", "no θ: each θ breaks it at one of the sizes shown")
            continue
        if not _is_safety(model, n):
            out[n] = (only, "a liveness property: its range is per size (fewer transitions can break it)")
            continue
        if s is None:
            out[n] = (only, f"not monotone in θ: {why_not}")
            continue
        if _reads_rule(model, n, d.name):
            out[n] = (only, f"the property reads the rule {d.name} itself, so it is not monotone in θ")
            continue
        if not positive:
            out[n] = (only, f"not monotone in θ: {expr_str(form.c)} may be 0 or negative")
            continue
        up = cdir * s
        if st == EVERYTHING:
            key, new = ("all",), I.Lit(s == 1, I.BOOL, form.cmp.span)
            target, at = form.cmp, "the comparison always " + ("true" if s == 1 else "false")
        elif len(st) == 1 and (st[0].hi is None if up == 1 else st[0].lo is None):
            b, closed = (st[0].lo, st[0].lo_closed) if up == 1 else (st[0].hi, st[0].hi_closed)
            if closed:
                key, new, target, at = ("at", b), I.Lit(b, I.RAT, theta.span), theta, f"θ = {fraction_str(b)}"
            else:
                if form.op in (I.BinOp.GT, I.BinOp.GE):
                    op = I.BinOp.GT if s == 1 else I.BinOp.GE
                else:
                    op = I.BinOp.LT if s == 1 else I.BinOp.LE
                side = _subst(form.side, theta, I.Lit(b, I.RAT, theta.span))
                new = I.Binary(op, form.x, side, I.BOOL, form.cmp.span) if form.x is form.cmp.left else \
                    I.Binary(_FLIP[op], side, form.x, I.BOOL, form.cmp.span)
                if not _constant_expr(form.c):  # C = 0 leaves the comparison as it is, whatever θ
                    zero = I.Binary(I.BinOp.EQ, form.c, I.Lit(0, I.INT), I.BOOL, form.cmp.span)
                    flat = _subst(form.cmp, theta, I.Lit(b, I.RAT, theta.span))
                    new = I.Binary(I.BinOp.OR, new, I.Binary(I.BinOp.AND, zero, flat, I.BOOL, form.cmp.span), I.BOOL,
                                   form.cmp.span)
                key, target, at = ("limit", b), form.cmp, f"'{expr_str(new)}' (the limit as θ tends to {fraction_str(b)})"
        else:
            out[n] = (only, "the range is not a ray, as monotonicity would make it: not extended to every size")
            continue
        if key not in proofs:
            m2 = with_body(model, d, target, new)
            opts = EngineOptions(engine="explicit", deadlock=False, up_to=1,  # the cells ran N = 1..K already
                                 timeout=PROOF_SECONDS, max_states=MAX_STATES)
            try:
                report = check_model(m2, {**{k: list(v) for k, v in bindings.items()}, **{k: [v] for k, v in fixed.items()}}, opts)
                proofs[key] = {p.verdict.name: p for p in report.properties}
            except ModelError as e:
                proofs[key] = e.diagnostics[0].message
        got = proofs[key]
        p = got.get(n) if isinstance(got, dict) else None
        if p is not None and p.verdict.status is Status.PROVED:
            out[n] = (p.scope, f"proved with {at}")
        else:
            why = got if isinstance(got, str) else (f"{p.verdict.status.value}" + (f": {p.verdict.reason}" if p and p.verdict.reason else "")
                                                      if p else "not checked")
            out[n] = (only, f"every size not proved with {at}: {why}")
    return out


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
    return ", ".join(parts)
