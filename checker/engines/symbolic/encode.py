"""The one translator from the IR to Z3, for an instance (params bound, families sized).

A state is the instance's flat slot layout (NOTE(layout) in checker/semantics/instance.py): slot i at
step t is the Z3 constant `<location>@t`.  Every engine that reasons symbolically builds on
`Encoding`: `init(s)`, `trans(s, t)`, `wf(s)` (every slot inside its domain) and a list of
safety obligations `props`, one per invariant, `always P` property, the deadlock check and
the runtime-error check.

NOTE(same-semantics): the encoding means exactly what checker/semantics/compile.py computes:
  - `div` and `%` are Python's floor division and modulo (Z3's div/mod are Euclidean);
    `/` is exact rational division; comparisons mix Int and Real exactly;
  - evaluation errors (division by zero, a key outside a map's domain, a value outside a
    range, two writes to one slot in a step) are tracked as definedness conditions that
    follow Python's short-circuit order (`and`, `or`, `implies`, `if`, `forall`, `exists`);
  - an action whose guard is true but whose update fails has no successor and raises a
    runtime error; a guard that fails to evaluate counts as enabled (for deadlock) and
    raises a runtime error; an invariant that fails to evaluate raises a runtime error and
    is not itself violated there.
Values follow NOTE(values) in spec/ir.py: enums and process ids are Ints.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Union

import z3

from forkproof.semantics.compile import EvalError, const_binop, normalize, is_temporal
from forkproof.semantics.control import Control
from forkproof.semantics.instance import Instance
from forkproof.spec import ir as I

Val = Union[bool, int, Fraction, z3.ExprRef]
Ok = Union[bool, z3.BoolRef]
Pred = Callable[[list, list | None], z3.BoolRef]


# ---------------------------------------------------------------- small helpers


def zval(v: Val) -> z3.ExprRef:
    if isinstance(v, z3.ExprRef):
        return v
    if isinstance(v, bool):
        return z3.BoolVal(v)
    if isinstance(v, Fraction):
        return z3.RealVal(v.numerator) / v.denominator if v.denominator != 1 else z3.IntVal(v.numerator)
    return z3.IntVal(v)


def _real(v: Val) -> z3.ExprRef:
    if isinstance(v, z3.ExprRef):
        return z3.ToReal(v) if v.is_int() else v
    if isinstance(v, Fraction):
        return z3.Q(v.numerator, v.denominator)
    return z3.RealVal(int(v))


def conj(*xs: Ok) -> Ok:
    parts = []
    for x in xs:
        if x is True:
            continue
        if x is False:
            return False
        parts.append(x)
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else z3.And(*parts)


def disj(*xs: Ok) -> Ok:
    parts = []
    for x in xs:
        if x is False:
            continue
        if x is True:
            return True
        parts.append(x)
    if not parts:
        return False
    return parts[0] if len(parts) == 1 else z3.Or(*parts)


def neg(x: Ok) -> Ok:
    if isinstance(x, bool):
        return not x
    return z3.Not(x)


def implies(a: Ok, b: Ok) -> Ok:
    if a is False or b is True:
        return True
    if a is True:
        return b
    return z3.Implies(a, b) if b is not False else z3.Not(a)


def ite(c: Ok, a: Val, b: Val) -> Val:
    if c is True:
        return a
    if c is False:
        return b
    if not isinstance(a, z3.ExprRef) and not isinstance(b, z3.ExprRef) and a == b and type(a) is type(b):
        return a
    za, zb = zval(a), zval(b)
    if za.sort() != zb.sort() and z3.is_arith(za) and z3.is_arith(zb):
        za, zb = _real(za), _real(zb)
    return z3.If(c, za, zb)


def as_bool(x: Ok) -> z3.BoolRef:
    return z3.BoolVal(x) if isinstance(x, bool) else x


# ---------------------------------------------------------------- the encoding


@dataclass(frozen=True)
class SymbolicOptions:
    """Options shared by the symbolic engines (bmc, kind, pdr).

    NOTE(budgets): `timeout` is seconds per property.  Obligations an engine decides together
    (bmc's unrolling and k-induction's mutual induction over the state and step obligations)
    share one pool of `timeout` times their number; PDR gives each obligation its own
    `timeout`, and every liveness property has its own.  `until` (a time.perf_counter()
    value) caps the whole call: the `auto` portfolio's budget is per instance.  A budget that
    runs out gives `unknown` with how far the engine got (FP701), never a proof."""

    depth: int = 20  # BMC unrolling; the largest k for k-induction
    timeout: float | None = None  # seconds per property (NOTE(budgets))
    deadlock: bool = True
    certificate: str | None = None  # pdr: write the proof obligations as SMT-LIB2 here
    until: float | None = None  # an absolute cap on the whole call (time.perf_counter())
    control: Control | None = None  # NOTE(streaming) in checker/semantics/control.py

    def deadline(self, n: int = 1) -> float | None:
        """The deadline of n properties decided together, starting now."""
        d = time.perf_counter() + self.timeout * max(1, n) if self.timeout else None
        if self.until is not None:
            d = self.until if d is None else min(d, self.until)
        return d

    def budget_text(self, n: int = 1) -> str:
        """"60 s per property" or "60 s per property, 240 s for the 4 decided together"."""
        if not self.timeout:
            return "the instance's time budget" if self.until is not None else "no time budget"
        text = f"{self.timeout:g} s per property"
        return text + (f", {self.timeout * n:g} s for the {n} decided together" if n > 1 else "")

    def working(self, what: str) -> None:
        if self.control is not None:
            self.control.working(what)

    def landed(self, verdict) -> None:
        if self.control is not None:
            self.control.landed(verdict)


def out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() >= deadline


@dataclass(frozen=True)
class SymProp:
    """A safety obligation: `pred(s, t)` must hold in every reachable state (t is None) or,
    when `step`, on every transition (s, t)."""

    name: str
    kind: str  # "invariant" | "step invariant" | "property" | "deadlock" | "runtime"
    step: bool
    pred: Pred


@dataclass(frozen=True)
class ActionEnc:
    """One action instance: `enabled(s)` (its guard, true or failing), `fires(s, t)`
    (guard true, update defined, t its successor) and `error(s)` (a runtime error here)."""

    label: str
    action: str
    args: tuple
    enabled: Callable[[list], Ok]
    fires: Callable[[list, list], Ok]
    error: Callable[[list], Ok]
    step: Callable[[list], tuple[Ok, dict[int, Val]]]  # (fires at all, slot -> next value)


class Encoding:
    def __init__(self, inst: Instance):
        self.inst = inst
        self.n = len(inst.slot_names)
        self.sorts = [self._sort(t) for t in inst.slot_types]
        self.actions = self._actions()
        self.props = self._props()

    # ------------------------------------------------------------ states

    @staticmethod
    def _sort(t: I.Type) -> z3.SortRef:
        if isinstance(t, I.BoolType):
            return z3.BoolSort()
        if isinstance(t, I.RatType):
            return z3.RealSort()
        return z3.IntSort()

    def vars(self, step: int | str) -> list[z3.ExprRef]:
        """The state at step `step`: one constant per slot, named `location@step`."""
        return [z3.Const(f"{name}@{step}", sort) for name, sort in zip(self.inst.slot_names, self.sorts)]

    def wf(self, s: list) -> z3.BoolRef:
        """Every slot holds a value of its domain (true of every reachable state)."""
        parts = []
        for k, (ty, bounds) in enumerate(zip(self.inst.slot_types, self.inst.slot_bounds)):
            if bounds is not None:
                parts.append(z3.And(s[k] >= bounds[0], s[k] <= bounds[1]))
            elif isinstance(ty, I.EnumType):
                parts.append(z3.And(s[k] >= 0, s[k] < len(ty.members)))
            elif isinstance(ty, I.ProcType):
                parts.append(z3.And(s[k] >= 0, s[k] < self.inst.family_sizes[ty.family]))
        return z3.And(*parts) if parts else z3.BoolVal(True)

    def init(self, s: list) -> z3.BoolRef:
        """The initial states (an out-of-range initial value is an instance error, raised
        by `Instance.initial_states` before any engine runs)."""
        parts = []
        for vs in self.inst.all_slots():
            v = vs.var
            for copy in range(vs.copies):
                base = vs.base + copy * vs.stride
                for j in range(vs.width):
                    k = base + j
                    if isinstance(v.init, I.InitAny):
                        dom = self.inst.domain(v.init.domain)
                        parts.append(z3.Or(*[s[k] == zval(x) for x in dom]) if dom else z3.BoolVal(False))
                    else:
                        parts.append(s[k] == zval(self.inst.const(v.init, f"the initial value of {v.shown}")))
        return z3.And(*parts) if parts else z3.BoolVal(True)

    def same(self, s: list, t: list) -> z3.BoolRef:
        return z3.And(*[a == b for a, b in zip(s, t)]) if s else z3.BoolVal(True)

    def trans(self, s: list, t: list, tag: object = None) -> z3.BoolRef:
        """One step: an action instance, chosen by the Int `action@tag`, is enabled in s, its
        update is defined, and t is its result.  Functional form: every slot of t equals an
        If-chain over the actions that write it, so a solver branches on the choice only.
        (`tag` defaults to the name of t's first slot, which carries its step.)"""
        if not self.actions:
            return z3.BoolVal(False)
        choice = self.choice_var(t if tag is None else tag)
        valid = []
        nxt: list[Val] = list(s)
        for i, a in reversed(list(enumerate(self.actions))):
            ok, writes = a.step(s)
            valid.append(conj(choice == i, ok))
            for k, v in writes.items():
                nxt[k] = ite(choice == i, v, nxt[k])
        eqs = [t[k] == zval(nxt[k]) for k in range(self.n)]
        return z3.And(choice >= 0, choice < len(self.actions), as_bool(disj(*valid)), *eqs)

    def choice_var(self, tag: object) -> z3.ArithRef:
        if isinstance(tag, list):
            tag = str(tag[0]).rsplit("@", 1)[-1] if tag else "0"
        return z3.Int(f"action@{tag}")

    def decode(self, model: z3.ModelRef, s: list) -> tuple:
        out = []
        for x, sort in zip(s, self.sorts):
            v = model.eval(x, model_completion=True)
            if sort == z3.BoolSort():
                out.append(z3.is_true(v))
            elif sort == z3.IntSort():
                out.append(v.as_long())
            else:
                out.append(normalize(Fraction(v.numerator_as_long(), v.denominator_as_long())))
        return tuple(out)

    # ------------------------------------------------------------ expressions

    def expr(self, e: I.Expr, s: list, t: list | None, b: dict[int, Val]) -> tuple[Val, Ok]:
        """(value, defined): `defined` is when evaluating e raises no error."""
        match e:
            case I.Lit():
                return e.value, True
            case I.ParamRef():
                return self.inst.params[e.name], True
            case I.BoundRef():
                return b[e.binder.uid], True
            case I.VarRef() | I.LocalRef() | I.Index():
                alts, ok = self.location(e, s, t, b)
                state = t if getattr(_root(e), "primed", False) else s
                value: Val = state[alts[-1][0]]
                for off, cond in reversed(alts[:-1]):
                    value = ite(cond, state[off], value)
                return value, ok
            case I.Unary(op=I.UnOp.NEG):
                v, ok = self.expr(e.arg, s, t, b)
                return (-v if not isinstance(v, bool) else v), ok
            case I.Unary(op=I.UnOp.NOT):
                v, ok = self.expr(e.arg, s, t, b)
                return neg(v), ok
            case I.Binary(op=I.BinOp.AND | I.BinOp.OR | I.BinOp.IMPLIES):
                return self._logic(e, s, t, b)
            case I.Binary() if e.op in _COMPARISONS and (self._div_shaped(e.left) or self._div_shaped(e.right)):
                return self._compare_quotient(e, s, t, b)
            case I.Binary():
                lv, lok = self.expr(e.left, s, t, b)
                rv, rok = self.expr(e.right, s, t, b)
                v, vok = self._arith(e.op, lv, rv)
                return v, conj(lok, rok, vok)
            case I.Ite():
                c, cok = self.expr(e.cond, s, t, b)
                x, xok = self.expr(e.then, s, t, b)
                y, yok = self.expr(e.else_, s, t, b)
                return ite(c, x, y), conj(cok, ite(c, xok, yok) if not (xok is True and yok is True) else True)
            case I.Quant():
                return self._quant(e, s, t, b)
            case I.Call():
                d = self.inst.model.def_named(e.name)
                inner, oks = {}, []
                for p, a in zip(d.params, e.args):
                    v, ok = self.expr(a, s, t, b)
                    inner[p.uid] = v
                    oks.append(ok)
                v, ok = self.expr(d.body, s, t, inner)
                return v, conj(*oks, ok)
        raise ValueError(f"cannot encode {type(e).__name__}")

    # ------------------------------------------------------------ division by a value that is not a constant

    def _div_shaped(self, e: I.Expr) -> bool:
        """Whether e is `x div y`, possibly as the body of a def (NOTE(div-param))."""
        seen = 0
        while isinstance(e, I.Call) and seen < 64:
            e, seen = self.inst.model.def_named(e.name).body, seen + 1
        return isinstance(e, I.Binary) and e.op is I.BinOp.FLOORDIV

    def _div_parts(self, e: I.Expr, s, t, b) -> tuple[Val, Val, Ok] | None:
        """(x, y, defined) for e = `x div y` (through defs, evaluated as `expr` would), or
        None when e has another shape."""
        if not self._div_shaped(e):
            return None
        oks: list[Ok] = []
        while isinstance(e, I.Call):
            d = self.inst.model.def_named(e.name)
            inner = {}
            for p, a in zip(d.params, e.args):
                v, ok = self.expr(a, s, t, b)
                inner[p.uid] = v
                oks.append(ok)
            e, b = d.body, inner
        x, xok = self.expr(e.left, s, t, b)
        y, yok = self.expr(e.right, s, t, b)
        return x, y, conj(*oks, xok, yok)

    def _compare_quotient(self, e: I.Binary, s, t, b) -> tuple[Val, Ok]:
        """A comparison with `x div y` on a side: without the division (NOTE(div-param)) when
        y is not a constant and the other side is a number; evaluated as usual otherwise."""
        sides: list[tuple] = []  # (x, y, defined) of a quotient kept for now, or (None, value, defined)
        for side in (e.left, e.right):
            parts = self._div_parts(side, s, t, b)
            if parts is None:
                sides.append((None, *self.expr(side, s, t, b)))
            elif not isinstance(parts[1], z3.ExprRef):  # by a constant: as `expr` makes it
                v, vok = self._arith(I.BinOp.FLOORDIV, parts[0], parts[1])
                sides.append((None, v, conj(parts[2], vok)))
            else:
                sides.append((parts, None, None))
        (lp, lv, lok), (rp, rv, rok) = sides
        for parts, other, ook, op in ((lp, rv, rok, e.op), (rp, lv, lok, _FLIPPED.get(e.op, e.op))):
            if parts is not None and _number(other):
                x, y, ok = parts
                return _floor_compare(op, zval(x), zval(y), Fraction(other)), conj(ok, zval(y) != 0, ook)
        if lp is not None:
            lv, vok = self._arith(I.BinOp.FLOORDIV, lp[0], lp[1])
            lok = conj(lp[2], vok)
        if rp is not None:
            rv, vok = self._arith(I.BinOp.FLOORDIV, rp[0], rp[1])
            rok = conj(rp[2], vok)
        v, vok = self._arith(e.op, lv, rv)
        return v, conj(lok, rok, vok)

    def _quotient(self, x: z3.ExprRef, y: z3.ExprRef) -> z3.ExprRef:
        """`x div y` (Python's floor division) for y not a constant: Z3's `div` (Euclidean)
        turned round for y < 0.  Non-linear: CounterEncoding makes it a fresh variable
        instead (NOTE(div-param))."""
        if x.is_int() and y.is_int():
            return z3.If(y > 0, x / y, (-x) / (-y))
        return z3.ToInt(_real(x) / _real(y))

    def _logic(self, e: I.Binary, s, t, b) -> tuple[Val, Ok]:
        lv, lok = self.expr(e.left, s, t, b)
        rv, rok = self.expr(e.right, s, t, b)
        if e.op is I.BinOp.AND:
            return conj(lv, rv), conj(lok, implies(lv, rok))
        if e.op is I.BinOp.OR:
            return disj(lv, rv), conj(lok, implies(neg(lv), rok))
        return implies(lv, rv), conj(lok, implies(lv, rok))

    def _arith(self, op: I.BinOp, a: Val, b: Val) -> tuple[Val, Ok]:
        if not isinstance(a, z3.ExprRef) and not isinstance(b, z3.ExprRef):
            try:
                return normalize(const_binop(op, a, b)), True
            except EvalError:
                return 0, False
            except ZeroDivisionError:
                return 0, False
        za, zb = zval(a), zval(b)
        if op in (I.BinOp.EQ, I.BinOp.NE):
            if za.sort() != zb.sort() and z3.is_arith(za) and z3.is_arith(zb):
                za, zb = _real(za), _real(zb)
            return (za == zb) if op is I.BinOp.EQ else (za != zb), True
        if op in (I.BinOp.LT, I.BinOp.LE, I.BinOp.GT, I.BinOp.GE):
            cleared = _clear_division(op, za, zb)
            if cleared is not None:
                return cleared, True
        match op:
            case I.BinOp.ADD:
                return za + zb, True
            case I.BinOp.SUB:
                return za - zb, True
            case I.BinOp.MUL:
                return za * zb, True
            case I.BinOp.LT:
                return za < zb, True
            case I.BinOp.LE:
                return za <= zb, True
            case I.BinOp.GT:
                return za > zb, True
            case I.BinOp.GE:
                return za >= zb, True
        nonzero: Ok = True if not isinstance(b, z3.ExprRef) and b != 0 else (zb != 0)
        if not isinstance(b, z3.ExprRef) and b == 0:
            return 0, False
        if op is I.BinOp.DIV:
            return _real(za) / _real(zb), nonzero
        both_int = za.is_int() and zb.is_int()
        if isinstance(b, z3.ExprRef):
            q = self._quotient(za, zb)
        elif both_int:
            # Z3's integer division is Euclidean; Python's // is floor: they agree for b > 0
            q = za / zb if b > 0 else (-za) / (-zb)
        else:
            q = z3.ToInt(_real(za) / _real(zb))
        if op is I.BinOp.FLOORDIV:
            return q, nonzero
        if op is I.BinOp.MOD:
            return (za - zb * q) if both_int else (_real(za) - _real(zb) * q), nonzero
        raise ValueError(f"operator {op} in a state expression")

    def _quant(self, q: I.Quant, s, t, b) -> tuple[Val, Ok]:
        dom = self.inst.domain(q.domain)
        u = q.binder.uid
        if q.kind in (I.QuantKind.FORALL, I.QuantKind.EXISTS):
            # evaluated in domain order, stopping at the first value that decides
            exists = q.kind is I.QuantKind.EXISTS
            value: Ok = exists is False
            ok: Ok = True
            for v in reversed(dom):
                bv, bok = self.expr(q.body, s, t, {**b, u: v})
                decides = bv if exists else neg(bv)
                ok = conj(bok, implies(neg(decides), ok))
                value = disj(bv, value) if exists else conj(bv, value)
            return value, ok
        total: Val = 0
        oks: list[Ok] = []
        for v in dom:
            bv = {**b, u: v}
            if q.kind is I.QuantKind.COUNT:
                c, cok = self.expr(q.cond, s, t, bv)
                total = _add(total, ite(c, 1, 0))
                oks.append(cok)
            else:
                c, cok = (True, True) if q.cond is None else self.expr(q.cond, s, t, bv)
                x, xok = self.expr(q.body, s, t, bv)
                total = _add(total, ite(c, x, 0))
                oks.extend((cok, implies(c, xok)))
        return total, conj(*oks)

    # ------------------------------------------------------------ locations

    def location(self, e: I.Expr, s, t, b) -> tuple[list[tuple[int, Ok]], Ok]:
        """Where a state reference points: alternatives (slot, condition), the last one the
        fallback, and when the reference is defined (keys inside their domains)."""
        inst = self.inst
        match e:
            case I.VarRef():
                return [(inst.globals_at[e.name].base, True)], True
            case I.LocalRef():
                vs = inst.locals_at[(e.family, e.name)]
                p, ok = self.expr(e.proc, s, t, b)
                if not isinstance(p, z3.ExprRef):
                    return [(vs.base + p * vs.stride, True)], ok
                alts = [(vs.base + i * vs.stride, p == i) for i in range(vs.copies)]
                return alts, ok
            case I.Index():
                base_alts, bok = self.location(e.base, s, t, b)
                key_ty = e.base.ty.key
                width = inst.width(e.ty)
                dom = inst.domain(key_ty)
                key, kok = self.expr(e.key, s, t, b)
                if not isinstance(key, z3.ExprRef):
                    if key not in dom:
                        return [(base_alts[-1][0], True)], False
                    pos = dom.index(key)
                    return [(off + pos * width, c) for off, c in base_alts], conj(bok, kok)
                alts = [(off + i * width, conj(c, key == zval(kv))) for off, c in base_alts for i, kv in enumerate(dom)]
                inside = True if not isinstance(key_ty, I.IntType) else z3.Or(*[key == kv for kv in dom])
                return alts, conj(bok, kok, inside)
        raise ValueError(f"not a state reference: {type(e).__name__}")

    # ------------------------------------------------------------ actions

    def _actions(self) -> list[ActionEnc]:
        out = []
        for a in self.inst.model.actions:
            for args in itertools.product(*(self.inst.domain(p.ty) for p in a.params)):
                b = {p.uid: v for p, v in zip(a.params, args)}
                label = a.name + (f"({', '.join(str(x) for x in args)})" if args else "")
                out.append(self._action(a, args, b, label))
        return out

    def _action(self, a: I.Action, args: tuple, b: dict, label: str) -> ActionEnc:
        enc = self

        def parts(s: list):
            g, gok = enc.expr(a.guard, s, None, b)
            writes: list[tuple[int, Ok, Val]] = []
            oks: list[Ok] = []
            enc._stmts(a.body, s, b, True, writes, oks)
            errs: list[Ok] = [neg(x) for x in oks]
            bounds = enc.inst.slot_bounds
            by_slot: dict[int, list[tuple[Ok, Val]]] = {}
            for k, c, v in writes:
                by_slot.setdefault(k, []).append((c, v))
                if bounds[k] is not None:
                    lo, hi = bounds[k]
                    inside = (lo <= v <= hi) if not isinstance(v, z3.ExprRef) else z3.And(v >= lo, v <= hi)
                    errs.append(conj(c, neg(inside)))
            for k, ws in by_slot.items():
                for (c1, _), (c2, _) in itertools.combinations(ws, 2):
                    errs.append(conj(c1, c2))
            body_err = disj(*errs)
            return g, gok, by_slot, body_err

        cache: dict[int, tuple] = {}

        def get(s):
            key = id(s)
            if key not in cache:
                cache.clear()
                cache[key] = (s, parts(s))
            return cache[key][1]

        def enabled(s):
            g, gok, _, _ = get(s)
            return disj(neg(gok), g)

        def error(s):
            g, gok, _, body_err = get(s)
            return disj(neg(gok), conj(g, body_err))

        def fires(s, t):
            g, gok, by_slot, body_err = get(s)
            eqs = []
            for k in range(enc.n):
                ws = by_slot.get(k)
                if not ws:
                    eqs.append(t[k] == s[k])
                    continue
                nxt: Val = s[k]
                for c, v in reversed(ws):
                    nxt = ite(c, v, nxt)
                eqs.append(t[k] == zval(nxt))
            return conj(gok, g, neg(body_err), *eqs)

        def step(s):
            g, gok, by_slot, body_err = get(s)
            writes: dict[int, Val] = {}
            for k, ws in by_slot.items():
                nxt: Val = s[k]
                for c, v in reversed(ws):
                    nxt = ite(c, v, nxt)
                writes[k] = nxt
            return conj(gok, g, neg(body_err)), writes

        return ActionEnc(label, a.name, args, enabled, fires, error, step)

    def _stmts(self, stmts, s, b, pc: Ok, writes: list, oks: list) -> None:
        for st in stmts:
            match st:
                case I.Assign():
                    alts, lok = self.location(st.target, s, None, b)
                    v, vok = self.expr(st.value, s, None, b)
                    oks.append(implies(pc, conj(lok, vok)))
                    if len(alts) == 1:
                        writes.append((alts[0][0], pc, v))
                    else:
                        for off, c in alts:
                            writes.append((off, conj(pc, c), v))
                case I.If():
                    c, cok = self.expr(st.cond, s, None, b)
                    oks.append(implies(pc, cok))
                    if c is not False:
                        self._stmts(st.then, s, b, conj(pc, c), writes, oks)
                    if c is not True:
                        self._stmts(st.else_, s, b, conj(pc, neg(c)), writes, oks)
                case I.For():
                    for v in self.inst.domain(st.domain):
                        self._stmts(st.body, s, {**b, st.binder.uid: v}, pc, writes, oks)

    # ------------------------------------------------------------ obligations

    def _props(self) -> list[SymProp]:
        out: list[SymProp] = []
        checks: list[tuple[str, str, bool, I.Expr]] = [(i.name, "step invariant" if i.step else "invariant", i.step, i.expr)
                                                       for i in self.inst.model.invariants]
        for p in self.inst.model.properties:
            if isinstance(p.expr, I.Unary) and p.expr.op is I.UnOp.ALWAYS and not is_temporal(p.expr.arg):
                checks.append((p.name, "property", False, p.expr.arg))
        for name, kind, step, expr in checks:
            def pred(s, t, expr=expr):
                v, ok = self.expr(expr, s, t, {})
                return as_bool(implies(ok, v))  # an evaluation error is a runtime finding, not a violation
            out.append(SymProp(name, kind, step, pred))

        def no_deadlock(s, t=None):
            return as_bool(disj(*[a.enabled(s) for a in self.actions]))

        state_checks = [(expr, step) for _, _, step, expr in checks]

        def no_runtime_error(s, t=None):
            errs = [a.error(s) for a in self.actions]
            for expr, step in state_checks:
                if not step:
                    _, ok = self.expr(expr, s, None, {})
                    errs.append(neg(ok))
            return as_bool(neg(disj(*errs)))

        def no_step_error(s, t):
            errs = []
            for expr, step in state_checks:
                if step:
                    _, ok = self.expr(expr, s, t, {})
                    errs.append(neg(ok))
            return as_bool(neg(disj(*errs)))

        out.append(SymProp("deadlock", "deadlock", False, no_deadlock))
        out.append(SymProp("runtime", "runtime", False, no_runtime_error))
        if any(step for _, step in state_checks):
            out.append(SymProp("runtime", "runtime", True, no_step_error))
        return out


def _add(a: Val, b: Val) -> Val:
    if not isinstance(a, z3.ExprRef) and not isinstance(b, z3.ExprRef):
        return a + b
    if isinstance(a, int) and not isinstance(a, bool) and a == 0:
        return b
    return zval(a) + zval(b)


def _root(e: I.Expr) -> I.Expr:
    while isinstance(e, I.Index):
        e = e.base
    return e


# NOTE(div-compare): a vote ratio compared with a constant, `yes / (yes + no) > 1/2` or
# `stake / total * 100 >= 95`, is a division by a state-dependent number: nonlinear for the
# solvers, and Spacer (PDR, the every-size proof) refuses it outright.  With k and c
# numerals and y not, `k * (x / y) op c` is, for y > 0, `k * x op c * y`, and for y < 0 the
# same with the comparison turned round: linear either way.  (c any term, `6 / x >= x - 1`,
# would make c * y a product that Spacer takes here, but the θ analysis of
# checker/run/theta.py then spends its budget on products: 79 s instead of 4 s on Aragon.)  At y = 0 the division is a
# runtime error, which the comparison's definedness (`ok`, y != 0) reports wherever it is
# evaluated; the value there is taken as false.  A comparison of a guarded ratio,
# `(if y == 0 then 0 else x / y) >= c` (the ledger's `x %? y` in the Cardano model), is the
# `if` of the two comparisons, each cleared where it has this shape.  Only these shapes are
# rewritten; anything else keeps the division as it is.
_FLIPPED = {I.BinOp.LT: I.BinOp.GT, I.BinOp.LE: I.BinOp.GE, I.BinOp.GT: I.BinOp.LT, I.BinOp.GE: I.BinOp.LE}
_COMPARISONS = frozenset(_FLIPPED) | {I.BinOp.EQ, I.BinOp.NE}


def _numeral(t) -> bool:
    """A number, possibly written as a division of numbers (`1/2` built from a fraction)."""
    if z3.is_to_real(t):
        return _numeral(t.arg(0))
    return z3.is_int_value(t) or z3.is_rational_value(t) or (z3.is_div(t) and all(_numeral(a) for a in t.children()))


def _ratio(t):
    """(k, x, y) when `t` is k * (x / y) (or x / y, or (x / y) * k) with y not a numeral; k is None for 1."""
    k = None  # 1, made only when needed: a term made here would change Spacer's search (NOTE(z3-determinism))
    if z3.is_mul(t) and t.num_args() == 2:
        a, b = t.arg(0), t.arg(1)
        if _numeral(a) and z3.is_div(b):
            k, t = a, b
        elif _numeral(b) and z3.is_div(a):
            k, t = b, a
        else:
            return None
    if not z3.is_div(t) or _numeral(t.arg(1)):
        return None
    return k, t.arg(0), t.arg(1)


def _compare(op: I.BinOp, a, b):
    return {I.BinOp.LT: a < b, I.BinOp.LE: a <= b, I.BinOp.GT: a > b, I.BinOp.GE: a >= b}[op]


def _clear_division(op: I.BinOp, za, zb):
    """NOTE(div-compare): the comparison without its division, or None when it has another shape."""
    if _numeral(zb):
        got, c = _ratio(za), zb
    elif _numeral(za):
        got, c, op = _ratio(zb), za, _FLIPPED[op]
    else:
        return None
    if got is None:
        t = zb if _numeral(za) else za
        if z3.is_app_of(t, z3.Z3_OP_ITE) and _divides(t):  # a guarded ratio, `if y == 0 then 0 else x / y`
            return z3.If(t.arg(0), _compare_cleared(op, t.arg(1), c), _compare_cleared(op, t.arg(2), c))
        return None
    k, x, y = got
    x, y, c = _real(x), _real(y), _real(c)
    kx = x if k is None else _real(k) * x
    return z3.If(y > 0, _compare(op, kx, c * y), z3.If(y < 0, _compare(_FLIPPED[op], kx, c * y), z3.BoolVal(False)))


def _divides(t) -> bool:
    """Does term `t` divide by a term that is not a numeral?  (Each shared subterm once.)"""
    seen: set[int] = set()
    todo = [t]
    while todo:
        u = todo.pop()
        if u.get_id() in seen:
            continue
        seen.add(u.get_id())
        if z3.is_div(u) and not _numeral(u.arg(1)):
            return True
        todo.extend(u.children())
    return False


def _compare_cleared(op: I.BinOp, t, c):
    """`t op c` (c a numeral), the division cleared where `t` has the shape of NOTE(div-compare)."""
    cleared = _clear_division(op, t, c)
    if cleared is not None:
        return cleared
    if t.sort() != c.sort() and z3.is_arith(t):
        t, c = _real(t), _real(c)
    return _compare(op, t, c)


# ---------------------------------------------------------------- NOTE(div-param)
#
# `x div y` and `x % y` with y not a constant: y an int param with no value on the counter
# abstraction (checker/engines/counters/abstraction.py, the proof for every N), or state.  Z3's
# `div` by a term is non-linear, and Spacer (PDR, the every-size proof) rejects it outright
# ("Uninterpreted 'div'", FP703).  Two encodings avoid it, both exact:
#   1. compared with a number k (the usual threshold rule, `(yes * 100) div N >= 67`): for
#      an integer k, floor(x / y) >= k iff x / y >= k iff x >= k * y when y > 0 and
#      x <= k * y when y < 0, which is linear; > k, <= k, < k, == k and != k follow from it
#      (`_floor_compare`), and a rational k is rounded (floor(z) >= k iff floor(z) >= ceil(k)).
#      No quotient is made at all.  At y == 0 the comparison is a runtime error (its
#      definedness says y != 0) and its value there is taken as false.
#   2. anywhere else, CounterEncoding `_quotient` makes the quotient a fresh Int q, defined by
#          y > 0 implies y*q <= x < y*q + y,   y < 0 implies y*q >= x > y*q + y,   y == 0 implies q == 0,
#      which has exactly one solution q = floor(x / y) for every x and y (at y == 0 the
#      value does not matter: the expression is undefined there).  So a formula F over q,
#      conjoined with that definition D, means F with the quotient itself, whether F is used
#      as a fact or negated, as long as D is asserted as a fact of every query that mentions
#      q: then `exists q. D and F` is `F[x div y]` (D defines q) and so is `forall q. D
#      implies F`.  That is why `defs(s)` is part of `init(s)` and of `trans(s, t)` (for s and
#      t), and every obligation reads `defs implies pred` (negated: `defs and not pred`):
#      every state of every query is an initial state, an end of a step, or a state whose
#      obligation is negated, so its definitions are facts of the query; in Spacer's Horn
#      clauses q is a variable of the clause's body, never an argument of Inv, so it is
#      existentially quantified there.  `x % y` is x - y*q with the same q.  y*q is
#      non-linear when y is a param; Spacer copes with it when y is a constant of the run.
#   Each q belongs to one state: it is named `quot!i@tag`, i the shape of (x, y) with the
#   state's tag taken out (its "template"), so the same quotient of the same state is the
#   same constant in every formula, each BMC step and k-induction state has its own, and
#   `defs(s)` instantiates every template for s.  Two helps for the solvers, both implied
#   by the definitions: where the assumptions make y > 0 (`assume N >= 1`), the y < 0 case
#   is left out (y <= 0 implies q == 0 keeps exactly one solution everywhere); and each step
#   says that equal operands in s and t give equal quotients (`same_quotients`), which
#   otherwise takes non-linear reasoning (a 20 s timeout became 0.4 s).  A quotient of values from two states (a
#   step invariant dividing x' - x by N) has no state to belong to: outside the abstraction.


def _number(v) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _floor_compare(op: I.BinOp, x: z3.ExprRef, y: z3.ExprRef, c: Fraction) -> z3.BoolRef:
    """NOTE(div-param): `x div y op c` without the division (y != 0)."""
    def at_least(k: int) -> z3.BoolRef:  # floor(x / y) >= k
        return z3.If(y > 0, x >= k * y, z3.If(y < 0, x <= k * y, z3.BoolVal(False)))

    lo, hi = math.floor(c), math.ceil(c)
    if op is I.BinOp.GE:
        return at_least(hi)
    if op is I.BinOp.GT:
        return at_least(lo + 1)
    if op is I.BinOp.LE:
        return z3.Not(at_least(lo + 1))
    if op is I.BinOp.LT:
        return z3.Not(at_least(hi))
    equal = z3.And(at_least(lo), z3.Not(at_least(lo + 1))) if lo == hi else z3.BoolVal(False)
    return equal if op is I.BinOp.EQ else z3.Not(equal)
