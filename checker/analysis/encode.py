"""A threshold rule as a Z3 formula over one configuration of a process family.

NOTE(configuration): `forkproof thresholds` looks at a rule on its own, outside the model's
reachable states.  A configuration is
  - for each process family: how many copies are in each local state (a local state is the
    tuple of a copy's local values), one Int counter >= 0 per local state, summing to the
    family's size (NOTE(symmetry) in checker/engines/explicit.py: copies are interchangeable);
  - every global state variable the rule reads, free within its type (a map: one free
    value per key);
  - every parameter of the threshold, free within its type.
Params are either Python values (bound) or Z3 terms (free: the caller constrains them by
the model's assumptions).  `count`, `sum`, `forall` and `exists` over a family become sums
and conjunctions over local states, so the formula is exact for every family size at once.

Arithmetic follows NOTE(values) in spec/ir.py and Python: `/` exact, `div` floor, `%` with
the sign of the divisor.  Every division is recorded in `guards` as "where it is evaluated,
its divisor is not 0": evaluation is lazy (docs/language.md, 6.8), so the branch of an `if`,
the right side of `and`/`or`/`implies` and the summand of a `count`/`sum` are evaluated only
under their path condition, and a division guarded by `if d == 0 then .. else x / d` (or by
`d > 0 and ..`) has the guard `not (d == 0) implies d != 0`, which holds.  The caller must
prove the guards before trusting an answer (`Unsupported` otherwise).
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from fractions import Fraction

import z3

from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str, value_str

MAX_LOCAL_STATES = 4096


class Unsupported(Exception):
    """The rule uses something this analysis does not translate; the message says what."""


# ---------------------------------------------------------------- inlining


def inline(e: I.Expr, model: I.Model, sub: dict[int, I.Expr] | None = None) -> I.Expr:
    """`e` with every def call replaced by the def's body (arguments substituted)."""
    sub = sub or {}
    match e:
        case I.Call():
            d = model.def_named(e.name)
            args = {p.uid: inline(a, model, sub) for p, a in zip(d.params, e.args)}
            return inline(d.body, model, args)
        case I.BoundRef() if e.binder.uid in sub:
            return sub[e.binder.uid]
        case I.Lit() | I.ParamRef() | I.VarRef() | I.BoundRef():
            return e
        case I.LocalRef():
            return dataclasses.replace(e, proc=inline(e.proc, model, sub))  # keeps its record_keys (NOTE(record-names))
        case I.Index():
            return I.Index(inline(e.base, model, sub), inline(e.key, model, sub), e.ty, e.span)
        case I.Unary():
            return I.Unary(e.op, inline(e.arg, model, sub), e.ty, e.span)
        case I.Binary():
            return I.Binary(e.op, inline(e.left, model, sub), inline(e.right, model, sub), e.ty, e.span)
        case I.Ite():
            return I.Ite(inline(e.cond, model, sub), inline(e.then, model, sub), inline(e.else_, model, sub), e.ty, e.span)
        case I.Quant():
            cond = None if e.cond is None else inline(e.cond, model, sub)
            body = None if e.body is None else inline(e.body, model, sub)
            return I.Quant(e.kind, e.binder, e.domain, cond, body, e.ty, e.span)
    raise Unsupported(f"unexpected expression {type(e).__name__}")


def children(e: I.Expr) -> list[I.Expr]:
    match e:
        case I.LocalRef():
            return [e.proc]
        case I.Index():
            return [e.base, e.key]
        case I.Unary():
            return [e.arg]
        case I.Binary():
            return [e.left, e.right]
        case I.Ite():
            return [e.cond, e.then, e.else_]
        case I.Quant():
            return [x for x in (e.cond, e.body) if x is not None]
        case I.Call():
            return list(e.args)
    return []


def preorder(e: I.Expr):
    yield e
    for c in children(e):
        yield from preorder(c)


def free_binders(e: I.Expr, bound: frozenset[int] = frozenset()) -> set[int]:
    if isinstance(e, I.BoundRef):
        return set() if e.binder.uid in bound else {e.binder.uid}
    if isinstance(e, I.Quant):
        bound = bound | {e.binder.uid}
    out: set[int] = set()
    for c in children(e):
        out |= free_binders(c, bound)
    return out


def defs_used(e: I.Expr, model: I.Model, out: list[str] | None = None) -> list[str]:
    """Names of the defs `e` calls, directly or through others, first use first."""
    out = [] if out is None else out
    for n in preorder(e):
        if isinstance(n, I.Call) and n.name not in out:
            out.append(n.name)
            defs_used(model.def_named(n.name).body, model, out)
    return out


def params_used(e: I.Expr, model: I.Model) -> set[str]:
    """Params that `e` reads, also through the sizes and ranges of what it ranges over."""
    out: set[str] = set()
    todo = [e]
    seen_types: set = set()
    while todo:
        x = todo.pop()
        for n in preorder(x):
            if isinstance(n, I.ParamRef):
                out.add(n.name)
            types = []
            if isinstance(n, I.Quant):
                types.append(n.domain)
            if isinstance(n, (I.VarRef, I.Index, I.BoundRef)):
                types.append(n.ty)
            for t in types:
                while isinstance(t, I.MapType):
                    todo.extend(b for b in (getattr(t.key, "lo", None), getattr(t.key, "hi", None)) if b is not None)
                    t = t.value
                if isinstance(t, I.IntType) and t.bounded and t not in seen_types:
                    seen_types.add(t)
                    todo += [t.lo, t.hi]
                if isinstance(t, I.ProcType):
                    todo.append(model.family_named(t.family).size)
    return out


# ---------------------------------------------------------------- values


def zv(v) -> z3.ExprRef:
    """A Python value (NOTE(values)) or Z3 term as a Z3 term."""
    if isinstance(v, z3.ExprRef):
        return v
    if isinstance(v, bool):
        return z3.BoolVal(v)
    if isinstance(v, Fraction):
        return z3.RealVal(v.numerator) / z3.RealVal(v.denominator) if v.denominator != 1 else z3.IntVal(v.numerator)
    if isinstance(v, int):
        return z3.IntVal(v)
    raise Unsupported(f"value {v!r}")


def _is_real(x: z3.ExprRef) -> bool:
    return x.sort() == z3.RealSort()


def _num2(a, b):
    a, b = zv(a), zv(b)
    if _is_real(a) or _is_real(b):
        return (z3.ToReal(a) if not _is_real(a) else a), (z3.ToReal(b) if not _is_real(b) else b)
    return a, b


def _nonzero(x: z3.ExprRef) -> bool:
    """A numeral other than 0 (a division by it needs no guard)."""
    return (x.as_fraction() if z3.is_rational_value(x) else x.as_long()) != 0


def _const_int(x: z3.ExprRef) -> int | None:
    x = z3.simplify(x)
    return x.as_long() if z3.is_int_value(x) else None


@dataclass(frozen=True)
class LocalState:
    family: str
    values: tuple  # one Python value per local slot, in `slots` order
    slots: tuple[str, ...]  # "ballot", "m[k]" ...
    show: str  # "ballot = Yes", in Z3's names of the counters
    label: str = ""  # the same for people, locations as the model writes them (NOTE(record-names))


def entry_text(var: I.StateVar | None, name: str, ty: I.Type, path: tuple) -> str:
    """The entry `path` (runtime keys) of the variable `name` of type `ty`, as the model
    writes it (NOTE(record-names)): `props[P1].tally.yes`, `votes[Yes]`."""
    texts = []
    for k in path:
        assert isinstance(ty, I.MapType)  # a path has a key per map level
        texts.append(value_str(k, ty.key))
        ty = ty.value
    return I.location(name, var.record_keys if var is not None else None, texts)


class Copy:
    """A family binder bound to one local state (inside count/sum/forall/exists)."""

    __slots__ = ("state",)

    def __init__(self, state: LocalState):
        self.state = state


@dataclass
class Config:
    """One configuration (NOTE(configuration)): the Z3 constants that describe it."""

    tag: str
    counters: dict[str, dict[LocalState, z3.ArithRef]] = field(default_factory=dict)
    globals: dict[tuple[str, tuple], z3.ExprRef] = field(default_factory=dict)  # (var, key path) -> term
    tparams: dict[int, z3.ExprRef] = field(default_factory=dict)  # threshold param uid -> term
    wf: list[z3.BoolRef] = field(default_factory=list)  # counters >= 0 and sum, types of free values
    population: z3.ExprRef | None = None  # the measure's population in this configuration, when it varies


class Encoder:
    """Translates inlined IR expressions over configurations.  `params` maps every param to
    a Python value or a Z3 term; `domain_of` lists finite domains (needs concrete bounds)."""

    def __init__(self, model: I.Model, params: dict[str, object]):
        self.model = model
        self.params = params
        self.guards: list[z3.BoolRef] = []
        self._path: list[z3.BoolRef] = []  # the conditions under which the current node is evaluated
        self._sums: dict[tuple[str, str], z3.ExprRef] = {}  # (config, text) -> a count/sum with no guard inside
        self._texts: dict[int, tuple[I.Expr, str]] = {}
        self._states: dict[str, list[LocalState]] = {}

    # ---------------------------------------------------------- constants and domains

    def const(self, e: I.Expr) -> z3.ExprRef:
        """A constant expression (over params) as a term."""
        return self.expr(e, Config("const"), {})

    def concrete(self, e: I.Expr, what: str) -> int:
        v = _const_int(self.const(e))
        if v is None:
            raise Unsupported(f"{what} '{expr_str(e)}' depends on a param without a value")
        return v

    def domain(self, ty: I.Type) -> list:
        match ty:
            case I.BoolType():
                return [False, True]
            case I.EnumType(members=m):
                return list(range(len(m)))
            case I.IntType() if ty.bounded:
                return list(range(self.concrete(ty.lo, "the range bound"), self.concrete(ty.hi, "the range bound") + 1))
        raise Unsupported(f"'{ty}' is not a finite domain")

    def size(self, family: str) -> z3.ArithRef:
        return zv(self.const(self.model.family_named(family).size))

    def locals_of(self, family: str) -> list[tuple[str, I.Type]]:
        """The locals whose values make a copy's local state (name, type)."""
        return [(v.name, v.ty) for v in self.model.family_named(family).locals]

    def local_states(self, family: str) -> list[LocalState]:
        got = self._states.get(family)
        if got is not None:
            return got
        slots, doms, labels = [], [], []
        own = {v.name: v for v in self.model.family_named(family).locals} if \
            any(f.name == family for f in self.model.families) else {}
        for name, ty in self.locals_of(family):
            paths: list[tuple[tuple, I.Type]] = [((), ty)]
            while isinstance(paths[0][1], I.MapType):
                paths = [(p + (k,), t.value) for p, t in paths if isinstance(t, I.MapType) for k in self.domain(t.key)]
            for path, leaf in paths:
                slots.append((name, path))
                doms.append((leaf, self.domain(leaf)))
                labels.append(entry_text(own.get(name), name, ty, path))
        total = 1
        for _, d in doms:
            total *= len(d)
        if total > MAX_LOCAL_STATES:
            raise Unsupported(f"{family} has {total} local states (more than {MAX_LOCAL_STATES})")
        out = []
        names = tuple(n + "".join(f"[{k}]" for k in p) for n, p in slots)
        for combo in itertools.product(*(d for _, d in doms)):
            show = ", ".join(f"{n} = {value_str(x, t)}" for n, x, (t, _) in zip(names, combo, doms))
            label = ", ".join(f"{n} = {value_str(x, t)}" for n, x, (t, _) in zip(labels, combo, doms))
            out.append(LocalState(family, tuple(combo), tuple(slots), show or "(no locals)", label or "(no locals)"))
        self._states[family] = out
        return out

    # ---------------------------------------------------------- configurations

    def counters(self, cfg: Config, family: str) -> dict[LocalState, z3.ArithRef]:
        got = cfg.counters.get(family)
        if got is None:
            states = self.local_states(family)
            got = {s: z3.Int(f"#{family}[{s.show}]@{cfg.tag}") for s in states}
            cfg.counters[family] = got
            cfg.wf.extend(c >= 0 for c in got.values())
            cfg.wf.append(z3.Sum(list(got.values())) == self.size(family) if got else self.size(family) == 0)
        return got

    def free_value(self, name: str, ty: I.Type, cfg: Config) -> z3.ExprRef:
        match ty:
            case I.BoolType():
                return z3.Bool(name)
            case I.RatType():
                return z3.Real(name)
            case I.EnumType(members=m):
                x = z3.Int(name)
                cfg.wf.append(z3.And(x >= 0, x < len(m)))
                return x
            case I.IntType():
                x = z3.Int(name)
                if ty.lo is not None:
                    cfg.wf.append(x >= self.const(ty.lo))
                if ty.hi is not None:
                    cfg.wf.append(x <= self.const(ty.hi))
                return x
        raise Unsupported(f"a free value of type '{ty}'")

    def global_leaf(self, cfg: Config, var: I.StateVar, path: tuple) -> z3.ExprRef:
        key = (var.name, path)
        got = cfg.globals.get(key)
        if got is None:
            ty = var.ty
            for _ in path:
                ty = ty.value
            got = self.free_value(f"{var.name}{''.join(f'[{k}]' for k in path)}@{cfg.tag}", ty, cfg)
            cfg.globals[key] = got
        return got

    def tparam(self, cfg: Config, b: I.Binder) -> z3.ExprRef:
        got = cfg.tparams.get(b.uid)
        if got is None:
            if isinstance(b.ty, (I.ProcType, I.MapType)):
                raise Unsupported(f"a threshold parameter of type '{b.ty}'")
            got = self.free_value(f"{b.name}@{cfg.tag}", b.ty, cfg)
            cfg.tparams[b.uid] = got
        return got

    # ---------------------------------------------------------- expressions

    def expr(self, e: I.Expr, cfg: Config, env: dict[int, object]):
        """`e` (inlined: no calls) in configuration `cfg`; `env` binds quantifier variables
        to terms or `Copy`s.  Unbound BoundRefs are the threshold's parameters.  A map value
        is returned as a `_Map`."""
        match e:
            case I.Lit(value=v):
                return zv(v)
            case I.ParamRef(name=n):
                if n not in self.params:
                    raise Unsupported(f"param '{n}' has no value")
                return zv(self.params[n])
            case I.VarRef(primed=True) | I.LocalRef(primed=True):
                raise Unsupported("a primed variable")
            case I.VarRef():
                var = next(v for v in self.model.globals if v.name == e.name)
                if isinstance(var.ty, I.MapType):
                    return _Map(self, var.ty, lambda path, cfg=cfg, var=var: self.global_leaf(cfg, var, path), ())
                return self.global_leaf(cfg, var, ())
            case I.LocalRef():
                if not isinstance(e.proc, I.BoundRef) or not isinstance(env.get(e.proc.binder.uid), Copy):
                    raise Unsupported(f"'{expr_str(e)}' reads a copy that is not bound by count/sum/forall/exists")
                st = env[e.proc.binder.uid].state
                fam = self.model.family_named(e.family)
                var = next(v for v in fam.locals if v.name == e.name)
                lookup = {s: x for s, x in zip(st.slots, st.values)}
                if isinstance(var.ty, I.MapType):
                    return _Map(self, var.ty, lambda path: zv(lookup[(var.name, path)]), ())
                return zv(lookup[(var.name, ())])
            case I.Index():
                base = self.expr(e.base, cfg, env)
                if not isinstance(base, _Map):
                    raise Unsupported(f"indexing '{expr_str(e.base)}'")
                return base.get(self.expr(e.key, cfg, env))
            case I.BoundRef():
                uid = e.binder.uid
                if uid in env:
                    v = env[uid]
                    if isinstance(v, Copy):
                        raise Unsupported(f"the process id '{e.binder.name}' used as a value")
                    return v
                return self.tparam(cfg, e.binder)
            case I.Unary(op=I.UnOp.NEG):
                return -zv(self.expr(e.arg, cfg, env))
            case I.Unary(op=I.UnOp.NOT):
                return z3.Not(self.expr(e.arg, cfg, env))
            case I.Unary():
                raise Unsupported(f"the temporal operator '{e.op.value}'")
            case I.Binary():
                return self.binary(e, cfg, env)
            case I.Ite():
                c = self.expr(e.cond, cfg, env)
                a, b = self._under(c, e.then, cfg, env), self._under(z3.Not(c), e.else_, cfg, env)
                if a.sort() != b.sort() and z3.is_arith(a):
                    a, b = _num2(a, b)
                return z3.If(c, a, b)
            case I.Quant():
                return self.quant(e, cfg, env)
            case I.Call():
                raise Unsupported("a def call (inline first)")
        raise Unsupported(f"expression {type(e).__name__}")

    def _under(self, cond: z3.BoolRef, e: I.Expr, cfg: Config, env):
        """`e`, evaluated only where `cond` holds (its divisions are guarded by it)."""
        self._path.append(cond)
        try:
            return self.expr(e, cfg, env)
        finally:
            self._path.pop()

    def binary(self, e: I.Binary, cfg: Config, env):
        op = e.op
        a = self.expr(e.left, cfg, env)
        match op:  # lazy: the right side is evaluated only where the left does not decide
            case I.BinOp.AND | I.BinOp.IMPLIES:
                b = self._under(a, e.right, cfg, env)
            case I.BinOp.OR:
                b = self._under(z3.Not(a), e.right, cfg, env)
            case _:
                b = self.expr(e.right, cfg, env)
        match op:
            case I.BinOp.AND:
                return z3.And(a, b)
            case I.BinOp.OR:
                return z3.Or(a, b)
            case I.BinOp.IMPLIES:
                return z3.Implies(a, b)
            case I.BinOp.LEADSTO:
                raise Unsupported("the temporal operator '~>'")
            case I.BinOp.EQ | I.BinOp.NE:
                if z3.is_arith(a):
                    a, b = _num2(a, b)
                return a == b if op is I.BinOp.EQ else a != b
        a, b = _num2(a, b)
        match op:
            case I.BinOp.ADD:
                return a + b
            case I.BinOp.SUB:
                return a - b
            case I.BinOp.MUL:
                return a * b
            case I.BinOp.LT:
                return a < b
            case I.BinOp.LE:
                return a <= b
            case I.BinOp.GT:
                return a > b
            case I.BinOp.GE:
                return a >= b
        divisor = z3.simplify(b)
        if not ((z3.is_int_value(divisor) or z3.is_rational_value(divisor)) and _nonzero(divisor)):
            self.guards.append(z3.Implies(z3.And(self._path), b != 0) if self._path else b != 0)
        if op is I.BinOp.DIV:
            return (a if _is_real(a) else z3.ToReal(a)) / (b if _is_real(b) else z3.ToReal(b))
        if _is_real(a):  # floor of the exact quotient
            q = z3.ToInt(a / b)
        else:  # SMT-LIB div rounds so that the remainder is >= 0: floor only for b > 0
            q = z3.If(b > 0, a / b, (-a) / (-b))
        if op is I.BinOp.FLOORDIV:
            return q
        return a - b * (z3.ToReal(q) if _is_real(a) else q)  # MOD: the sign of the divisor, like Python

    def quant(self, e: I.Quant, cfg: Config, env):
        """A quantifier; a top-level count or sum is encoded once per configuration (inlining
        repeats them: `perbill(ayes, ayes + nays)` reads ayes three times)."""
        if env or e.kind not in (I.QuantKind.COUNT, I.QuantKind.SUM):
            return self._quant(e, cfg, env)
        got = self._texts.get(id(e))
        if got is None:
            got = self._texts[id(e)] = (e, expr_str(e))
        key = (cfg.tag, got[1])
        if key in self._sums:
            return self._sums[key]
        before = len(self.guards)
        term = self._quant(e, cfg, env)
        if len(self.guards) == before:  # with a guard inside, the path matters: encode again
            self._sums[key] = term
        return term

    def _quant(self, e: I.Quant, cfg: Config, env):
        if isinstance(e.domain, I.ProcType):
            counters = self.counters(cfg, e.domain.family)
            items = [(Copy(s), c) for s, c in counters.items()]
        else:
            items = [(zv(v), None) for v in self.domain(e.domain)]
        terms = []
        for value, count in items:
            inner = {**env, e.binder.uid: value}
            present = z3.BoolVal(True) if count is None else count >= 1
            self._path.append(present)  # a local state nobody is in is not evaluated
            try:
                cond = self.expr(e.cond, cfg, inner) if e.cond is not None else z3.BoolVal(True)
            finally:
                self._path.pop()
            match e.kind:
                case I.QuantKind.FORALL | I.QuantKind.EXISTS:
                    body = self._under(present, e.body, cfg, inner)
                    terms.append(z3.Implies(present, body) if e.kind is I.QuantKind.FORALL else z3.And(present, body))
                case I.QuantKind.COUNT:
                    terms.append(z3.If(cond, count if count is not None else z3.IntVal(1), 0))
                case I.QuantKind.SUM:
                    body = zv(self._under(z3.And(present, cond), e.body, cfg, inner))
                    weight = body if count is None else count * body
                    zero = z3.RealVal(0) if _is_real(body) else z3.IntVal(0)
                    terms.append(z3.If(cond, weight, zero))
        match e.kind:
            case I.QuantKind.FORALL:
                return z3.And(terms) if terms else z3.BoolVal(True)
            case I.QuantKind.EXISTS:
                return z3.Or(terms) if terms else z3.BoolVal(False)
        if not terms:
            return z3.RealVal(0) if isinstance(e.ty, I.RatType) else z3.IntVal(0)
        if isinstance(e.ty, I.RatType):
            terms = [z3.ToReal(t) if not _is_real(t) else t for t in terms]
        return z3.Sum(terms)


class _Map:
    """A map value: `leaf(path)` gives the term at a full key path."""

    def __init__(self, enc: Encoder, ty: I.MapType, leaf, path: tuple):
        self.enc, self.ty, self.leaf, self.path = enc, ty, leaf, path

    def get(self, key: z3.ExprRef):
        keys = self.enc.domain(self.ty.key)
        k = _const_int(key) if z3.is_arith(key) else None
        if z3.is_bool(key):
            s = z3.simplify(key)
            k = True if z3.is_true(s) else False if z3.is_false(s) else None
        if k is not None and k not in keys:
            raise Unsupported(f"the key {k} is outside the map's keys")
        pick = [k] if k is not None else keys
        out = None
        for kv in reversed(pick):
            v = self._at(kv)
            out = v if out is None else z3.If(key == zv(kv), v, out)
        if out is None:
            raise Unsupported("a map over an empty domain")
        return out

    def _at(self, k):
        if isinstance(self.ty.value, I.MapType):
            return _Map(self.enc, self.ty.value, self.leaf, self.path + (k,))
        return self.leaf(self.path + (k,))


def py_value(t: z3.ExprRef):
    """A constant Z3 term as its runtime value (NOTE(values)): int, Fraction or bool."""
    t = z3.simplify(t)
    if z3.is_int_value(t):
        return t.as_long()
    if z3.is_rational_value(t):
        f = Fraction(t.numerator_as_long(), t.denominator_as_long())
        return f.numerator if f.denominator == 1 else f
    if z3.is_true(t) or z3.is_false(t):
        return z3.is_true(t)
    raise Unsupported(f"'{t}' is not a constant")
