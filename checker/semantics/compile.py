"""IR expressions and actions compiled once, per instance, into Python closures.

An expression becomes `f(s, t, env)`: `s` the pre-state tuple, `t` the post-state (read
only by primed references in step invariants, else None), `env` a list indexed by
`Binder.uid` for the binders that stay dynamic.  Params, action arguments and the
variables of small quantifier domains are folded in as constants, so most state reads
become `s[k]` with a fixed `k` (NOTE(layout) in checker/semantics/instance.py).

NOTE(arith): the semantics every engine shares (docs/language.md): `+ - *` exact, `/` an
exact Fraction normalised to int when integral, `div` is Python's `//` and `%` Python's
`%` (floor; the sign of the divisor), comparisons exact between int and Fraction.
Division or modulo by zero and a key outside its map's domain raise EvalError.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from forkproof.spec.errors import Diagnostic, ModelError
from forkproof.spec.ir import (Action, Assign, Binary, BinOp, Binder, BoundRef, Call, Expr, For, If, Index,
                     IntType, Ite, Lit, LocalRef, MapType, Model, ParamRef, Quant, QuantKind,
                     RatType, Stmt, Unary, UnOp, VarRef, expr_str)

if TYPE_CHECKING:
    from forkproof.semantics.instance import Instance

Fn = Callable[[tuple, "tuple | None", list], object]
UNROLL = 16  # quantifier domains up to this size are unrolled with the variable folded in


class EvalError(Exception):
    """A runtime error of the model (not of forkproof); engines report it as a finding."""


class _K:
    """A value known at compile time."""

    __slots__ = ("v",)

    def __init__(self, v: object):
        self.v = v


def normalize(x):
    if type(x) is Fraction and x.denominator == 1:
        return int(x)
    return x


def _div(a, b):
    if b == 0:
        raise EvalError(f"division by zero ({a} / 0)")
    v = Fraction(a) / b
    if v.denominator >= _QUOTIENT_BOUND or abs(v.numerator) >= _QUOTIENT_BOUND:
        raise _too_big(v)
    return normalize(v)


# NOTE(limits): a quotient's parts are products of its operands' parts, so `r / (1 / r)`
# squares as a product does; division does not know the run's `digits`, so it stops at twice
# the largest that `--limit digits` accepts (a product of two values within any limit passes)
_QUOTIENT_BOUND = 10 ** 8000


def _floordiv(a, b):
    if b == 0:
        raise EvalError(f"division by zero ({a} div 0)")
    return a // b


def _mod(a, b):
    if b == 0:
        raise EvalError(f"modulo by zero ({a} % 0)")
    return normalize(a % b)


_SYMBOLS = {BinOp.ADD: "+", BinOp.SUB: "-", BinOp.MUL: "*", BinOp.EQ: "==", BinOp.NE: "!=",
            BinOp.LT: "<", BinOp.LE: "<=", BinOp.GT: ">", BinOp.GE: ">="}
_CALLS = {BinOp.DIV: _div, BinOp.FLOORDIV: _floordiv, BinOp.MOD: _mod}


def _templates(sym: str) -> dict[str, Callable]:
    """Closure factories for one infix operator: fn-fn, fn-const, const-fn, slot-const.
    Generated from a fixed template (no user text) so each closure is a single expression;
    each closure also carries its source (NOTE(fused))."""
    ns: dict = {}
    exec(f"def ff(l, r): return lambda s, t, e: l(s, t, e) {sym} r(s, t, e)\n"
         f"def fk(l, c): return lambda s, t, e: l(s, t, e) {sym} c\n"
         f"def kf(c, r): return lambda s, t, e: c {sym} r(s, t, e)\n"
         f"def sk(k, c): return lambda s, t, e: s[k] {sym} c\n"
         f"def tk(k, c): return lambda s, t, e: t[k] {sym} c\n", ns)
    ff, fk, kf, sk, tk, form = ns["ff"], ns["fk"], ns["kf"], ns["sk"], ns["tk"], f"{{}} {sym} {{}}"
    return {"ff": lambda l, r: _sourced(ff(l, r), form, l, r),
            "fk": lambda l, c: _sourced(fk(l, c), form, l, _K(c)),
            "kf": lambda c, r: _sourced(kf(c, r), form, _K(c), r),
            "sk": lambda k, c: _sourced(sk(k, c), form, _slot_reader(k, False), _K(c)),
            "tk": lambda k, c: _sourced(tk(k, c), form, _slot_reader(k, True), _K(c))}


_OPS = {op: _templates(sym) for op, sym in _SYMBOLS.items()}
_AND, _OR, _PLUS = _templates("and"), _templates("or"), _OPS[BinOp.ADD]


class ValueLimit(Exception):
    """A computed number passed the limit `digits` (NOTE(limits) in spec/limits.py).  Not a
    runtime error of the model (`int` is unbounded): the run cannot go on, and its verdicts
    are unknown."""


def _too_big(v) -> ValueLimit:
    if type(v) is Fraction:
        big = max(abs(v.numerator), v.denominator)
        what = "a fraction's numerator or denominator"
    else:
        big, what = abs(v), "a product"
    digits = len(str(big)) if big < 10 ** 4000 else None
    size = f"{digits:,} digits" if digits is not None else "more than 4,000 digits"
    return ValueLimit(f"{what} has {size}")


def checked_mul(a, b, bound: int):
    """a * b, or ValueLimit when it is `bound` or more in size (for a fraction: its numerator
    or denominator).  Both factors are within `bound` already (every product is checked, and a
    sum grows by a digit per step at most), so the product itself is cheap to make."""
    v = a * b
    if type(v) is Fraction:
        if -bound < v.numerator < bound and v.denominator < bound:
            return v
    elif -bound < v < bound:
        return v
    raise _too_big(v)


def const_binop(op: BinOp, a, b, bound: int | None = None):
    match op:
        case BinOp.ADD: return a + b
        case BinOp.SUB: return a - b
        case BinOp.MUL: return a * b if bound is None else checked_mul(a, b, bound)
        case BinOp.EQ: return a == b
        case BinOp.NE: return a != b
        case BinOp.LT: return a < b
        case BinOp.LE: return a <= b
        case BinOp.GT: return a > b
        case BinOp.GE: return a >= b
    return _CALLS[op](a, b)


def _int_threshold(op: BinOp, q, flipped: bool):
    """An int bound equivalent to the rational `q` when compared with an int by `op`:
    `count > 2/3 * 4` becomes `count > 2`, which avoids Fraction arithmetic per state."""
    if type(q) is not Fraction or op not in (BinOp.LT, BinOp.LE, BinOp.GT, BinOp.GE):
        return q
    floor = q.numerator // q.denominator
    down = (BinOp.LE, BinOp.GT) if not flipped else (BinOp.LT, BinOp.GE)
    return floor if op in down else floor + 1


def fn(x: Fn | _K) -> Fn:
    if isinstance(x, _K):
        v = x.v
        f = lambda s, t, e: v  # noqa: E731
        f.src = _literal(v)
        return f
    return x


# NOTE(fused): the closures above are a tree, one Python call per node: `s[0] == 1 and not
# s[2] and s[12] == 0` costs five calls per evaluation.  Each closure the compiler builds
# from a fixed form also carries its source, `f.src = (text, refs, depth)`: `text` a Python
# expression over `s`, `t` and `e` (the closure's own parameters), `refs` the objects it names
# (constants that are not plain literals, and closures without a source, called as
# `name(s, t, e)`), `depth` how deeply it nests.  `fuse` turns a top-level closure (a guard,
# an assigned value, an invariant: what the engines call per state) into one function
# compiled from that text.  The text is made of the same operations, in the same order, as the
# closures it replaces (the forms below are the closures' own bodies), so a fused function
# returns the same value and raises the same EvalError, in the same cases, as the tree.  A
# subtree deeper than _SRC_DEPTH or longer than _SRC_CHARS becomes a function of its own,
# called by name, so generated text stays far below Python's nesting limits whatever the model.
_SRC_DEPTH, _SRC_CHARS = 24, 4000
FUSE = True  # False: the closure trees as they are (tests/checker/test_fused.py compares the two)
_names = itertools.count()


def _ref(obj: object) -> tuple[str, dict, int]:
    name = f"_r{next(_names)}"
    return name, {name: obj}, 0


def _literal(v: object) -> tuple[str, dict, int]:
    if v is None or type(v) is bool or (type(v) is int and 0 <= v < 1 << 62):
        return repr(v), {}, 0
    if type(v) is int and -(1 << 62) < v < 0:
        return f"({v})", {}, 0
    return _ref(v)


def _src_of(x: Fn | _K) -> tuple[str, dict, int]:
    if isinstance(x, _K):
        return _literal(x.v)
    src = getattr(x, "src", None)
    if src is None:
        name, refs, _ = _ref(x)
        return f"{name}(s, t, e)", refs, 0
    if src[2] >= _SRC_DEPTH or len(src[0]) > _SRC_CHARS:
        name, refs, _ = _ref(_compiled(src))
        return f"{name}(s, t, e)", refs, 0
    return src


def _sourced(f: Fn, form: str, *parts: Fn | _K) -> Fn:
    """f, carrying the source `form` with its parts' sources in place of its `{}`s."""
    texts, refs, depth = [], {}, 0
    for p in parts:
        text, r, d = _src_of(p)
        texts.append(text if d == 0 else f"({text})")
        refs.update(r)
        depth = max(depth, d)
        if not isinstance(p, _K):
            p.src = None  # its text lives on in f's: only the roots keep theirs (a part used again is called by name)
    f.src = (form.format(*texts), refs, depth + 1)
    return f


def _compiled(src: tuple[str, dict, int]) -> Fn:
    text, refs, _ = src
    return eval(compile(f"lambda s, t, e: {text}", "<forkproof expression>", "eval"), dict(refs))  # noqa: S307


def fuse(f: Fn) -> Fn:
    """One compiled function for the closure tree `f` (NOTE(fused)); `f` when it has no
    source or is a single node already."""
    src = getattr(f, "src", None)
    if src is None or src[2] == 0 or not FUSE:
        return f
    return _compiled(src)


def _raiser(msg: str) -> Fn:
    def f(s, t, e):
        raise EvalError(msg)
    return f


def _slot_reader(k: int, primed: bool) -> Fn:
    f = (lambda s, t, e: t[k]) if primed else (lambda s, t, e: s[k])
    f.slot = (k, primed)
    f.src = (f"{'t' if primed else 's'}[{k}]", {}, 0)
    return f


def _chain(parts: list[Fn], tmpl: dict) -> Fn:
    """parts[0] OP parts[1] OP ... as a balanced tree of closures (left-to-right order kept)."""
    if len(parts) == 1:
        return parts[0]
    mid = len(parts) // 2
    return tmpl["ff"](_chain(parts[:mid], tmpl), _chain(parts[mid:], tmpl))


def walk(node) -> Iterator[object]:
    """Every IR node, type and binder below `node` (itself included)."""
    yield node
    if isinstance(node, tuple):
        for x in node:
            yield from walk(x)
    elif dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            if f.name != "span":
                yield from walk(getattr(node, f.name))


def mentions(e: object, names: Iterable[str]) -> list[str]:
    """The params among `names` that `e` reads, sorted."""
    wanted = set(names)
    return sorted({n.name for n in walk(e) if isinstance(n, ParamRef) and n.name in wanted})


def is_temporal(e: Expr) -> bool:
    return any((isinstance(n, Unary) and n.op in (UnOp.ALWAYS, UnOp.EVENTUALLY))
               or (isinstance(n, Binary) and n.op is BinOp.LEADSTO) for n in walk(e))


def has_primes(e: Expr) -> bool:
    return any(isinstance(n, (VarRef, LocalRef)) and n.primed for n in walk(e))


def env_size(model: Model) -> int:
    return 1 + max((n.uid for n in walk(model) if isinstance(n, Binder)), default=0)


class Compiler:
    """Compiles expressions of one instance.  `bound` maps binder uids to values folded in
    as constants; every other binder is read from `env` at run time."""

    def __init__(self, inst: Instance, constant: bool = False, env: int | None = None):
        self.inst = inst
        self.constant = constant
        self._env_size = env  # `env`: env_size(inst.model), known already; else counted when first needed
        # NOTE(limits): `work` counts the nodes compiled, each weighted by how many times one
        # evaluation runs it (the product of the quantifier loops around it); past the limit
        # the instance is refused (FP409) before the closures are built out
        self.work, self.weight, self.work_limit = 0, 1, inst.model.limits.work
        self.bound = inst.model.limits.value_bound

    @property
    def env_size(self) -> int:
        """Slots for the dynamic binders: a walk of the whole model, done once and only when a
        closure needs an env (a constant over params does not: planning 1,000 params read
        each default without walking the model 1,000 times)."""
        if self._env_size is None:
            self._env_size = env_size(self.inst.model)
        return self._env_size

    def run_const(self, e: Expr) -> object:
        x = self.value(e, {})
        return x.v if isinstance(x, _K) else x(None, None, [None] * self.env_size)

    def expr(self, e: Expr, bound: dict[int, object] | None = None) -> Fn:
        return fuse(fn(self.value(e, bound or {})))

    def count(self, n: int, span) -> None:
        """`n` units of work at `span`; FP409 past the limit `work`."""
        self.work += n * self.weight
        if self.work > self.work_limit:
            lim = self.inst.model.limits
            where = f" at {self.inst.scope()}" if self.inst.params else ""
            raise ModelError(Diagnostic(
                "FP409", f"the model's expressions{where}, every def call expanded, every `for` unrolled and each "
                         f"quantifier's body counted once per value, come to more than {self.work_limit:,} "
                         f"nodes; this is where the count passed it ({lim.raise_hint('work')})", span=span))

    def value(self, e: Expr, b: dict[int, object]) -> Fn | _K:
        self.count(1, e.span)
        match e:
            case Lit(value=v):
                return _K(normalize(v))
            case ParamRef(name=name):
                return _K(normalize(self.inst.params[name]))
            case BoundRef(binder=binder):
                if binder.uid in b:
                    return _K(b[binder.uid])
                u = binder.uid
                f = lambda s, t, env: env[u]  # noqa: E731
                f.src = (f"e[{u}]", {}, 0)
                return f
            case VarRef() | LocalRef() | Index():
                return self._read(e, b)
            case Unary(op=UnOp.NOT, arg=arg):
                a = self.value(arg, b)
                return _K(not a.v) if isinstance(a, _K) else _sourced(lambda s, t, env: not a(s, t, env), "not {}", a)
            case Unary(op=UnOp.NEG, arg=arg):
                a = self.value(arg, b)
                return _K(-a.v) if isinstance(a, _K) else _sourced(lambda s, t, env: -a(s, t, env), "-{}", a)
            case Unary():
                raise ValueError(f"temporal operator '{e.op.value}' in a state expression")
            case Binary():
                return self._binary(e, b)
            case Ite(cond=c, then=th, else_=el):
                c, th, el = self.value(c, b), self.value(th, b), self.value(el, b)
                if isinstance(c, _K):
                    return th if c.v else el
                th, el = fn(th), fn(el)
                return _sourced(lambda s, t, env: th(s, t, env) if c(s, t, env) else el(s, t, env),
                                "{} if {} else {}", th, c, el)
            case Quant():
                return self._quant(e, b)
            case Call():
                return self._call(e, b)
        raise TypeError(f"not an expression: {e!r}")

    # ------------------------------------------------------------ state locations

    def loc(self, e: Expr, b: dict) -> tuple[int | Fn | None, bool, str]:
        """(slot offset, primed, description) of a state location; the offset is an int when
        known at compile time, a closure otherwise, None when the key is always out of range."""
        if self.constant:
            raise ModelError(Diagnostic("FP405", "a constant expression cannot read the state", span=e.span))
        inst = self.inst
        match e:
            case VarRef(name=name, primed=primed):
                return inst.globals_at[name].base, primed, name
            case LocalRef(family=fam, name=name, proc=proc, primed=primed):
                vs, p = inst.locals_at[(fam, name)], self.value(proc, b)
                if isinstance(p, _K):
                    return vs.base + p.v * vs.stride, primed, f"{fam}[{p.v}].{name}"
                base, stride = vs.base, vs.stride
                return (lambda s, t, env: base + p(s, t, env) * stride), primed, f"{fam}.{name}"
            case Index(base=m, key=key):
                off, primed, what = self.loc(m, b)
                if off is None:
                    return None, primed, what
                if _of_record(m):  # the map a key indexes, as the model writes it (NOTE(record-names))
                    what = expr_str(m)
                assert isinstance(m.ty, MapType)
                lo, n = inst.key_index(m.ty.key)
                stride = inst.width(m.ty.value)
                k = self.value(key, b)
                checked = isinstance(m.ty.key, IntType)
                if isinstance(k, _K):
                    i = k.v - lo
                    if checked and not 0 <= i < n:
                        return None, primed, f"key {k.v} is outside {lo}..{lo + n - 1} for {what}"
                    if isinstance(off, int):
                        return off + int(i) * stride, primed, f"{what}[{k.v}]"
                    return (lambda s, t, env: off(s, t, env) + i * stride), primed, what
                return self._dynamic_index(off, k, lo, n, stride, checked, what), primed, what
        raise TypeError(f"not a state location: {e!r}")

    @staticmethod
    def _dynamic_index(off, k: Fn, lo: int, n: int, stride: int, checked: bool, what: str) -> Fn:
        hi = lo + n - 1

        def index(s, t, env):
            v = k(s, t, env)
            if checked and not lo <= v <= hi:
                raise EvalError(f"key {v} is outside {lo}..{hi} for {what}")
            return v - lo if stride == 1 else (v - lo) * stride

        if isinstance(off, int):
            if stride == 1 and lo == 0 and not checked:  # bool, enum and process keys
                return lambda s, t, env: off + k(s, t, env)
            return lambda s, t, env: off + index(s, t, env)
        return lambda s, t, env: off(s, t, env) + index(s, t, env)

    def _read(self, e: Expr, b: dict) -> Fn:
        off, primed, what = self.loc(e, b)
        if off is None:
            return _raiser(what)
        if isinstance(off, int):
            return _slot_reader(off, primed)
        if primed:
            return lambda s, t, env: t[off(s, t, env)]
        return lambda s, t, env: s[off(s, t, env)]

    # ------------------------------------------------------------ operators

    def _binary(self, e: Binary, b: dict) -> Fn | _K:
        op = e.op
        left = self.value(e.left, b)
        if op in (BinOp.AND, BinOp.OR, BinOp.IMPLIES):
            return self._logic(op, left, e.right, b)
        if op is BinOp.LEADSTO:
            raise ValueError("temporal operator '~>' in a state expression")
        right = self.value(e.right, b)
        rat = isinstance(e.ty, RatType)
        if isinstance(left, _K) and isinstance(right, _K):
            try:
                return _K(normalize(const_binop(op, left.v, right.v, self.bound)))
            except EvalError as x:
                return _raiser(str(x))
            except ValueLimit as x:
                raise ModelError(Diagnostic("FP107", f"{x}, computed from constants "
                                                     f"({self.inst.model.limits.raise_hint('digits')})",
                                            span=e.span)) from None
        if isinstance(right, _K) and isinstance(e.left.ty, IntType):
            right = _K(_int_threshold(op, right.v, flipped=False))
        elif isinstance(left, _K) and isinstance(e.right.ty, IntType):
            left = _K(_int_threshold(op, left.v, flipped=True))
        if op in _CALLS:
            call, lf, rf = _CALLS[op], fn(left), fn(right)
            return _sourced(lambda s, t, env: call(lf(s, t, env), rf(s, t, env)), "{}({}, {})", _K(call), lf, rf)
        if op is BinOp.MUL and not self._small_product(e):  # NOTE(limits): checked against `digits`
            lf, rf, bound = fn(left), fn(right), self.bound
            if rat:
                return _sourced(lambda s, t, env: normalize(checked_mul(lf(s, t, env), rf(s, t, env), bound)),
                                "{}({}({}, {}, {}))", _K(normalize), _K(checked_mul), lf, rf, _K(bound))
            return _sourced(lambda s, t, env: checked_mul(lf(s, t, env), rf(s, t, env), bound),
                            "{}({}, {}, {})", _K(checked_mul), lf, rf, _K(bound))
        tmpl = _OPS[op]
        if isinstance(right, _K):
            slot = getattr(left, "slot", None)
            if slot is not None:
                f = tmpl["tk" if slot[1] else "sk"](slot[0], right.v)
            else:
                f = tmpl["fk"](left, right.v)
        elif isinstance(left, _K):
            f = tmpl["kf"](left.v, right)
        else:
            f = tmpl["ff"](left, right)
        if rat and op in (BinOp.ADD, BinOp.SUB, BinOp.MUL):
            g = f
            return _sourced(lambda s, t, env: normalize(g(s, t, env)), "{}({})", _K(normalize), g)
        return f

    def _small_product(self, e: Binary) -> bool:
        """Whether the product `e` stays under `digits` whatever the state, by its operands'
        ranges: then it needs no check per evaluation (`3 * count(...)`, `x * y` over ranges),
        and only products of unbounded ints or of rats pay for one (NOTE(limits))."""
        if isinstance(e.ty, RatType):
            return False
        a, b = self._magnitude(e.left), self._magnitude(e.right)
        return a is not None and b is not None and a * b < self.bound

    def _magnitude(self, e: Expr) -> int | None:
        """A bound on |value| of the int expression `e` from literals, params, ranges and
        domain sizes; None when there is none (an `int` variable, a rat)."""
        match e:
            case Lit(value=v):
                return abs(v) if type(v) is int else None
            case ParamRef(name=name):
                v = self.inst.params[name]
                return abs(v) if type(v) is int else None
            case Unary(op=UnOp.NEG, arg=arg):
                return self._magnitude(arg)
            case Binary(op=BinOp.ADD | BinOp.SUB | BinOp.MUL, left=l, right=r):
                x, y = self._magnitude(l), self._magnitude(r)
                if x is None or y is None:
                    return None
                return x * y if e.op is BinOp.MUL else x + y
            case Ite(then=th, else_=el):
                x, y = self._magnitude(th), self._magnitude(el)
                return None if x is None or y is None else max(x, y)
            case Quant(kind=QuantKind.COUNT, domain=dom):
                return len(self.inst.domain(dom))
            case Quant(kind=QuantKind.SUM, domain=dom, body=body):
                x = self._magnitude(body)
                return None if x is None else len(self.inst.domain(dom)) * x
        ty = e.ty
        if isinstance(ty, IntType) and ty.bounded:
            try:
                lo, hi = self.inst.bounds(ty)
            except ModelError:
                return None
            return max(abs(lo), abs(hi))
        return None

    def _logic(self, op: BinOp, left: Fn | _K, right_e: Expr, b: dict) -> Fn | _K:
        right = self.value(right_e, b)
        if op is BinOp.IMPLIES:
            left = _K(not left.v) if isinstance(left, _K) else \
                _sourced(lambda s, t, env, f=left: not f(s, t, env), "not {}", left)
            op = BinOp.OR
        short = op is BinOp.OR  # the value of the left side that decides the result
        if isinstance(left, _K):
            return _K(short) if bool(left.v) == short else right
        if isinstance(right, _K):
            if bool(right.v) != short:
                return left
            # `p or true`, `p and false`: p still runs first (it may raise)
            if short:
                return _sourced(lambda s, t, env: left(s, t, env) or True, "{} or True", left)
            return _sourced(lambda s, t, env: left(s, t, env) and False, "{} and False", left)
        return (_OR if short else _AND)["ff"](left, right)

    def _quant(self, q: Quant, b: dict) -> Fn | _K:
        dom = self.inst.domain(q.domain)
        kind, u = q.kind, q.binder.uid
        if len(dom) > UNROLL:
            return self._quant_loop(q, dom, b)
        rat = isinstance(q.ty, RatType)
        parts: list[Fn | _K] = []
        for v in dom:
            bv = {**b, u: v}
            if kind is QuantKind.FORALL or kind is QuantKind.EXISTS:
                parts.append(self.value(q.body, bv))
            elif kind is QuantKind.COUNT:
                parts.append(self.value(q.cond, bv))
            else:
                c = _K(True) if q.cond is None else self.value(q.cond, bv)
                if isinstance(c, _K):
                    if c.v:
                        parts.append(self.value(q.body, bv))
                    continue
                body = fn(self.value(q.body, bv))
                parts.append(_sourced(lambda s, t, env, c=c, body=body: body(s, t, env) if c(s, t, env) else 0,
                                      "{} if {} else 0", body, c))
        if kind is QuantKind.FORALL or kind is QuantKind.EXISTS:
            short = kind is QuantKind.EXISTS
            dyn = []
            for p in parts:
                if isinstance(p, _K):
                    if bool(p.v) == short:
                        if not dyn:
                            return _K(short)
                        dyn.append(fn(_K(short)))
                        break
                    continue
                dyn.append(p)
            return _chain(dyn, _OR if short else _AND) if dyn else _K(not short)
        total = sum((p.v for p in parts if isinstance(p, _K)), 0)
        dyn = [p for p in parts if not isinstance(p, _K)]
        if not dyn:
            return _K(normalize(total))
        f = _chain(dyn, _PLUS)
        if total != 0:
            f = _PLUS["fk"](f, total)
        elif kind is QuantKind.COUNT:
            f = _PLUS["fk"](f, 0)  # a count is an int, never a bool
        if rat:
            g = f
            return _sourced(lambda s, t, env: normalize(g(s, t, env)), "{}({})", _K(normalize), g)
        return f

    def _quant_loop(self, q: Quant, dom: list, b: dict) -> Fn:
        u = q.binder.uid
        outer = self.weight
        self.weight = outer * len(dom)  # the body runs once per value (NOTE(limits))
        try:
            body = self.expr(q.body, b) if q.body is not None else None
            cond = self.expr(q.cond, b) if q.cond is not None else None
        finally:
            self.weight = outer
        match q.kind:
            case QuantKind.FORALL:
                def f(s, t, env):
                    for v in dom:
                        env[u] = v
                        if not body(s, t, env):
                            return False
                    return True
            case QuantKind.EXISTS:
                def f(s, t, env):
                    for v in dom:
                        env[u] = v
                        if body(s, t, env):
                            return True
                    return False
            case QuantKind.COUNT:
                def f(s, t, env):
                    n = 0
                    for v in dom:
                        env[u] = v
                        if cond(s, t, env):
                            n += 1
                    return n
            case QuantKind.SUM:
                def f(s, t, env):
                    total = 0
                    for v in dom:
                        env[u] = v
                        if cond is None or cond(s, t, env):
                            total += body(s, t, env)
                    return normalize(total)
        return f

    def _call(self, c: Call, b: dict) -> Fn | _K:
        d = self.inst.model.def_named(c.name)
        args = [self.value(a, b) for a in c.args]
        inner = {p.uid: a.v for p, a in zip(d.params, args) if isinstance(a, _K)}
        dyn = [(p.uid, a) for p, a in zip(d.params, args) if not isinstance(a, _K)]
        body = self.value(d.body, inner)
        if not dyn or isinstance(body, _K):
            return body
        if len(dyn) == 1:
            (u, a), = dyn

            def call1(s, t, env):
                env[u] = a(s, t, env)
                return body(s, t, env)
            return call1

        def call(s, t, env):
            vals = [a(s, t, env) for _, a in dyn]  # every argument first, then bind
            for (u, _), v in zip(dyn, vals):
                env[u] = v
            return body(s, t, env)
        return call


# ---------------------------------------------------------------- actions


@dataclass(frozen=True)
class ActionInstance:
    """One action with its parameters bound: `guard` (None = always enabled) and `update`,
    which returns the successor tuple or raises EvalError; `writes`, the slots the update may
    assign (None: a slot it picks at run time, so any)."""

    action: Action
    args: tuple[object, ...]
    guard: Fn | None
    update: Callable[[tuple, list], tuple]
    writes: frozenset[int] | None = None


@dataclass(frozen=True)
class Program:
    """An instance compiled: every action instance, in model order, and the env size."""

    inst: Instance
    compiler: Compiler
    actions: tuple[ActionInstance, ...]
    env_size: int

    def new_env(self) -> list:
        return [None] * self.env_size


def compile_program(inst: Instance) -> Program:
    comp = Compiler(inst)
    out: list[ActionInstance] = []
    for a in inst.model.actions:
        n = 1
        for p in a.params:
            n *= len(inst.domain(p.ty))
            if n > inst.model.limits.domain:
                inst.too_many(n, f"argument tuples of action {a.name}", p.span or a.span)
        for args in itertools.product(*(inst.domain(p.ty) for p in a.params)):
            bound = {p.uid: v for p, v in zip(a.params, args)}
            guard = comp.value(a.guard, bound)
            if isinstance(guard, _K) and not guard.v:
                continue  # never enabled
            items: list = []
            _flatten(comp, a.body, bound, items)
            update = _compile_body(comp, a, items)
            out.append(ActionInstance(a, args, None if isinstance(guard, _K) else fuse(guard), update, _writes(items)))
    return Program(inst, comp, tuple(out), comp.env_size)


def _flatten(comp: Compiler, stmts: tuple[Stmt, ...], b: dict, out: list) -> None:
    """Assignments as ("set", offset, value) and dynamic branches as ("if", cond, then, else);
    `for` loops are unrolled and constant conditions resolved."""
    for st in stmts:
        match st:
            case Assign(target=target, value=value):
                off, _, what = comp.loc(target, b)
                v = comp.value(value, b)
                out.append(("set", off if off is not None else _raiser(what), v if isinstance(v, _K) else fuse(v)))
            case If(cond=cond, then=then, else_=else_):
                c = comp.value(cond, b)
                if isinstance(c, _K):
                    _flatten(comp, then if c.v else else_, b, out)
                else:
                    th: list = []
                    el: list = []
                    _flatten(comp, then, b, th)
                    _flatten(comp, else_, b, el)
                    out.append(("if", fuse(c), th, el))
            case For(binder=binder, domain=domain, body=body, span=span):
                for v in comp.inst.domain(domain):
                    comp.count(1, span)  # NOTE(limits): an empty body is unrolled too
                    _flatten(comp, body, {**b, binder.uid: v}, out)


def _writes(items: list) -> frozenset[int] | None:
    """The slots a flattened body may assign; None if one is picked at run time."""
    out: set[int] = set()
    for it in items:
        if it[0] == "set":
            if not isinstance(it[1], int):
                return None
            out.add(it[1])
        else:
            for branch in (it[2], it[3]):
                sub = _writes(branch)
                if sub is None:
                    return None
                out |= sub
    return frozenset(out)


def _compile_body(comp: Compiler, a: Action, items: list) -> Callable[[tuple, list], tuple]:
    inst = comp.inst
    names, bounds = inst.slot_labels, inst.slot_bounds  # NOTE(slot-labels): in messages

    def twice(k: int) -> EvalError:
        return EvalError(f"two assignments to {names[k]} in one step of action {a.name}")

    def out_of_range(k: int, v) -> EvalError:
        return EvalError(f"value {v} is outside {bounds[k][0]}..{bounds[k][1]} for {names[k]}")

    if all(it[0] == "set" and isinstance(it[1], int) for it in items):
        slots = [it[1] for it in items]
        dup = next((k for i, k in enumerate(slots) if k in slots[:i]), None)
        if dup is not None:
            return _raiser_update(twice(dup))
        dyn = tuple((k, fn(v)) for _, k, v in items if not isinstance(v, _K))
        consts = tuple((k, v.v) for _, k, v in items if isinstance(v, _K))
        checks = tuple((k, *bounds[k]) for k, _ in dyn if bounds[k] is not None)
        for k, v in consts:
            if bounds[k] is not None and not bounds[k][0] <= v <= bounds[k][1]:
                return _raiser_update(out_of_range(k, v))
        return _straight_update(dyn, consts, checks, out_of_range)

    def collect(its: list, s: tuple, env: list, out: list) -> None:
        for it in its:
            if it[0] == "set":
                off, v = it[1], it[2]
                out.append((off if isinstance(off, int) else off(s, None, env),
                            v.v if isinstance(v, _K) else v(s, None, env)))
            else:
                c = it[1]
                collect(it[2] if c(s, None, env) else it[3], s, env, out)

    def update(s: tuple, env: list) -> tuple:
        writes: list = []
        collect(items, s, env, writes)
        new, seen = list(s), set()
        for k, v in writes:
            if k in seen:
                raise twice(k)
            seen.add(k)
            bk = bounds[k]
            if bk is not None and not bk[0] <= v <= bk[1]:
                raise out_of_range(k, v)
            new[k] = v
        return tuple(new)
    return update


def _raiser_update(err: EvalError):
    def update(s, env):
        raise EvalError(str(err))
    return update


def _straight_update(dyn: tuple, consts: tuple, checks: tuple, out_of_range):
    """The common case: assignments to fixed, distinct slots."""
    if len(dyn) == 1 and not consts:
        (k, f), = dyn
        if checks:
            _, lo, hi = checks[0]

            def update1c(s, env):
                v = f(s, None, env)
                if v < lo or v > hi:
                    raise out_of_range(k, v)
                return s[:k] + (v,) + s[k + 1:]
            return update1c
        return lambda s, env: s[:k] + (f(s, None, env),) + s[k + 1:]

    def update(s, env):
        new = list(s)
        for k, f in dyn:
            new[k] = f(s, None, env)
        for k, v in consts:
            new[k] = v
        for k, lo, hi in checks:
            v = new[k]
            if v < lo or v > hi:
                raise out_of_range(k, v)
        return tuple(new)
    return update


def _of_record(e: Expr) -> bool:
    """Whether `e` is (an entry of) a variable made of a record's field (NOTE(record-names))."""
    while isinstance(e, Index):
        e = e.base
    return isinstance(e, (VarRef, LocalRef)) and e.record_keys is not None
