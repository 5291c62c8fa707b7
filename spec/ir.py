"""The IR: a typed transition system, the contract between the language and the engines.

Produced by `forkproof.spec.typecheck`, consumed by `checker/`.  Every name is resolved and every
expression carries its type.  Nothing here depends on parameter values: ranges and family
sizes are expressions over params, evaluated when a checker instantiates the model.

NOTE(values): runtime values are plain Python values shared by every engine:
  bool -> bool, int/range -> int, rat -> fractions.Fraction (or int when integral),
  enum -> int (index of the member in `EnumType.members`), process id -> int in 0..size-1.
NOTE(simultaneous): action bodies read the pre-state only; primes appear only in
  invariants ("step invariants", checked on every transition).

The IR's text form is here too (`expr_str`, `value_str`): forkproof source text with just the
parentheses precedence needs, for types in messages (`str(IntType)` prints its bounds), the
IR dump, threshold tables and invariants shown to people in the language they wrote.
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import field
from fractions import Fraction
from typing import Callable, Sequence, Union, assert_never

from forkproof.spec.limits import DEFAULT as DEFAULT_LIMITS, Limits
from forkproof.spec.errors import Span
from forkproof.spec.nodes import node

# ---------------------------------------------------------------- types


@node
class BoolType:
    def __str__(self) -> str:
        return "bool"


@node
class IntType:
    """`int`, or the range `lo..hi` (inclusive) when both bounds are given."""

    lo: Expr | None = None
    hi: Expr | None = None

    @property
    def bounded(self) -> bool:
        return self.lo is not None and self.hi is not None

    def __str__(self) -> str:
        if self.lo is not None and self.hi is not None:  # self.bounded, spelt so that mypy narrows lo and hi
            return f"{expr_str(self.lo)}..{expr_str(self.hi)}"
        return "int"


@node
class RatType:
    def __str__(self) -> str:
        return "rat"


@node
class EnumType:
    name: str
    members: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


@node
class ProcType:
    """The identity of one copy of a process family."""

    family: str

    def __str__(self) -> str:
        return self.family


@node
class MapType:
    """`[K] V`: a total map from the finite domain K to V."""

    key: Type
    value: Type
    # NOTE(sets): `set[K]` is the map [K] bool (a key maps to true when it is in the set);
    # only the type checker and the type's text know the difference
    set: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        return f"set[{self.key}]" if self.set else f"[{self.key}] {self.value}"


@node
class RecordType:
    """`record R { f: T, ... }`, known to the type checker only (NOTE(records) in
    spec/typecheck.py): a variable of a record type is one variable per field, so no model
    that leaves the checker holds one."""

    name: str
    fields: tuple[tuple[str, "Type"], ...]
    option: bool = False  # `option[T]`: the fields `some: bool` and `value: T` (NOTE(options) in spec/typecheck.py)

    def __str__(self) -> str:
        return self.name

    def field(self, name: str) -> "Type | None":
        return next((t for f, t in self.fields if f == name), None)


Type = Union[BoolType, IntType, RatType, EnumType, ProcType, MapType, RecordType]

BOOL = BoolType()
INT = IntType()
RAT = RatType()


def is_numeric(t: Type) -> bool:
    return isinstance(t, (IntType, RatType))


def is_finite_domain(t: Type) -> bool:
    """Types that can be quantified over, index maps and type action parameters."""
    return isinstance(t, (BoolType, EnumType, ProcType)) or (isinstance(t, IntType) and t.bounded)


# ---------------------------------------------------------------- expressions


class UnOp(enum.Enum):
    NEG = "-"
    NOT = "not"
    ALWAYS = "always"
    EVENTUALLY = "eventually"


class BinOp(enum.Enum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"  # exact rational division
    FLOORDIV = "div"  # Python's //: floor of the exact quotient
    MOD = "%"  # Python's %: result has the sign of the divisor
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    AND = "and"
    OR = "or"
    IMPLIES = "implies"
    LEADSTO = "~>"


class QuantKind(enum.Enum):
    FORALL = "forall"
    EXISTS = "exists"
    COUNT = "count"
    SUM = "sum"


@node
class Binder:
    """A bound name: quantifier variable, action parameter, def parameter or `for` variable.
    `uid` is unique within a model, so engines can give each binder its own slot."""

    name: str
    ty: Type
    uid: int
    span: Span | None = field(default=None, compare=False)


@node
class Lit:
    value: bool | int | Fraction
    ty: Type
    span: Span | None = field(default=None, compare=False)


@node
class ParamRef:
    name: str
    ty: Type
    span: Span | None = field(default=None, compare=False)


@node
class VarRef:
    """A global state variable (scalar or map); `primed` reads the post-state."""

    name: str
    ty: Type
    primed: bool = False
    span: Span | None = field(default=None, compare=False)
    record_keys: tuple[int, ...] | None = field(default=None, compare=False)  # NOTE(record-names)


@node
class LocalRef:
    """`proc.name`: the local variable `name` of the copy `proc` of `family`."""

    family: str
    name: str
    proc: Expr
    ty: Type
    primed: bool = False
    span: Span | None = field(default=None, compare=False)
    record_keys: tuple[int, ...] | None = field(default=None, compare=False)  # NOTE(record-names)


@node
class Index:
    """`base[key]` where base has a MapType."""

    base: Expr
    key: Expr
    ty: Type
    span: Span | None = field(default=None, compare=False)


@node
class BoundRef:
    binder: Binder
    ty: Type
    span: Span | None = field(default=None, compare=False)


@node
class Unary:
    op: UnOp
    arg: Expr
    ty: Type
    span: Span | None = field(default=None, compare=False)


@node
class Binary:
    op: BinOp
    left: Expr
    right: Expr
    ty: Type
    span: Span | None = field(default=None, compare=False)


@node
class Ite:
    cond: Expr
    then: Expr
    else_: Expr
    ty: Type
    span: Span | None = field(default=None, compare=False)


@node
class Quant:
    """forall/exists: `body` is the predicate, `cond` is None.
    count: `cond` is the predicate, `body` is None.
    sum: `cond` filters (None = all), `body` is the summand."""

    kind: QuantKind
    binder: Binder
    domain: Type
    cond: Expr | None
    body: Expr | None
    ty: Type
    span: Span | None = field(default=None, compare=False)


@node
class Call:
    """A call of a `def` or `threshold` with parameters (inlined by engines)."""

    name: str
    args: tuple[Expr, ...]
    ty: Type
    span: Span | None = field(default=None, compare=False)


Expr = Union[Lit, ParamRef, VarRef, LocalRef, Index, BoundRef, Unary, Binary, Ite, Quant, Call]

# ---------------------------------------------------------------- statements


@node
class Assign:
    """`target = value`; target is a VarRef, LocalRef or Index (unprimed)."""

    target: Expr
    value: Expr
    span: Span | None = field(default=None, compare=False)


@node
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    else_: tuple[Stmt, ...]
    span: Span | None = field(default=None, compare=False)


@node
class For:
    """Runs `body` once for every value of the domain, all writes simultaneous."""

    binder: Binder
    domain: Type
    body: tuple[Stmt, ...]
    span: Span | None = field(default=None, compare=False)


Stmt = Union[Assign, If, For]

# ---------------------------------------------------------------- declarations


@node
class Param:
    """A model parameter.  `default` is a constant expression; `sweep` a (lo, hi) pair of
    constant expressions meaning "check every value lo..hi" unless the user binds it."""

    name: str
    ty: Type
    default: Expr | None
    sweep: tuple[Expr, Expr] | None
    span: Span | None = field(default=None, compare=False)


@node
class Assume:
    expr: Expr
    span: Span | None = field(default=None, compare=False)


@node
class InitAny:
    """Nondeterministic initial value: any value of the finite `domain`."""

    domain: Type


@node
class StateVar:
    """A state variable; `family` is set for process-local variables.  `init` is an
    expression (may read params and, for locals, nothing else state-dependent) or InitAny.
    For a map-typed variable an expression init of the value type sets every key."""

    name: str
    ty: Type
    init: Expr | InitAny
    family: str | None = None
    span: Span | None = field(default=None, compare=False)
    record_keys: tuple[int, ...] | None = field(default=None, compare=False)  # NOTE(record-names)

    def location(self, keys: Sequence[str] = ()) -> str:
        """The entry at `keys` as the model writes it (NOTE(record-names))."""
        return location(self.name, self.record_keys, keys)

    @property
    def shown(self) -> str:
        """The variable as a whole, in messages: its name, or for a field of a map of records
        the field of every entry (`props[*].tally.yes`, NOTE(record-names))."""
        return self.name if self.record_keys is None else location(self.name, self.record_keys, ["*"] * sum(self.record_keys))


def location(name: str, record_keys: tuple[int, ...] | None, keys: Sequence[str] = (), primed: bool = False) -> str:
    """NOTE(record-names): the entry at `keys` (their text, outermost first) of the variable
    `name`, as the model writes it; the one rendering of a location every report uses
    (slots, traces, messages, expressions).  The type checker makes a variable of each field
    of a record (NOTE(records) in spec/typecheck.py): `var props: [Proposal] Prop` gives
    `props.tally.yes: [Proposal] 0..N`, whose entry P1 the model writes `props[P1].tally.yes`,
    the keys after the record variable's name and before the field path.  `record_keys`
    says how many keys follow each part of the name but the last, which takes the rest
    ((1, 0) here; None for a variable that is no record's field).  The IR alone cannot
    tell (`var s: R` with `record R { v: [K] bool }` and `var s: [K] R` with `record R { v:
    bool }` both give `s.v: [K] bool`): the type checker sets it on the variable, from the
    record's type, and on every reference to it.  A name part is a NAME, which has no
    dot (grammar.lark), so the dots in a name are the record's.  Keys that end before the
    field give the map they index (`props` for none); `primed` primes the variable's own
    name (`props'[P1].tally.yes`, as `last'.yes` is written)."""
    tick = "'" if primed else ""
    parts = name.split(".")
    if record_keys is None or len(record_keys) != len(parts) - 1:
        return name + tick + "".join(f"[{k}]" for k in keys)
    out, at = [], 0
    for i, part in enumerate(parts):
        n = record_keys[i] if i < len(record_keys) else len(keys)
        mine, at = keys[at:at + n], at + n
        out.append(part + (tick if i == 0 else "") + "".join(f"[{k}]" for k in mine))
        if len(mine) < n:
            break
    return ".".join(out)


@node
class Family:
    """`process Name[size] { var ... }`: `size` symmetric copies with local variables."""

    name: str
    size: Expr
    locals: tuple[StateVar, ...]
    span: Span | None = field(default=None, compare=False)


@node
class Def:
    """A `def` or `threshold`.  `meant` (thresholds only) is the declared intended bound, a
    bool expression over the same scope as `body`; engines ignore it, `forkproof thresholds`
    compares the rule with it.  `support` and `population` (thresholds only, both or
    neither) are the stated `measures SUPPORT of POPULATION`, numbers over the same scope:
    what the rule counts and out of what, for `forkproof thresholds` (engines ignore them)."""

    name: str
    params: tuple[Binder, ...]
    body: Expr
    ty: Type
    is_threshold: bool = False
    span: Span | None = field(default=None, compare=False)
    meant: Expr | None = None
    support: Expr | None = None
    population: Expr | None = None


@node
class Action:
    name: str
    params: tuple[Binder, ...]
    guard: Expr
    body: tuple[Stmt, ...]
    span: Span | None = field(default=None, compare=False)


@node
class Expect:
    """NOTE(expect): the verdict the author expects of an invariant or property, `violated`,
    in the scopes where `when` (a constant condition over bool and enum params only, so
    that it has one value per reported result) holds; None means every scope."""

    verdict: str  # "violated"
    when: Expr | None
    reason: str | None
    span: Span | None = field(default=None, compare=False)


@node
class Invariant:
    """A safety property over states; `step` when it reads primed variables, in which
    case it is checked on every transition (pre-state unprimed, post-state primed)."""

    name: str
    expr: Expr
    step: bool = False
    span: Span | None = field(default=None, compare=False)
    expect: Expect | None = None


@node
class Property:
    """A temporal property (always / eventually / ~>)."""

    name: str
    expr: Expr
    span: Span | None = field(default=None, compare=False)
    expect: Expect | None = None


@node
class Fairness:
    action: str
    strong: bool
    per: tuple[str, ...] = ()  # action parameters fairness applies to separately
    span: Span | None = field(default=None, compare=False)
    # NOTE(fair-when) in checker/semantics/temporal.py: the condition after `when`, over the
    # state and the action's parameters (its binders); None: the guard alone
    when: Expr | None = None


@node
class Model:
    name: str
    path: str
    params: tuple[Param, ...]
    assumes: tuple[Assume, ...]
    enums: tuple[EnumType, ...]
    families: tuple[Family, ...]
    globals: tuple[StateVar, ...]
    defs: tuple[Def, ...]
    actions: tuple[Action, ...]
    invariants: tuple[Invariant, ...]
    properties: tuple[Property, ...]
    fairness: tuple[Fairness, ...]
    # a `library` file (NOTE(imports) in spec/load.py): params, assumptions, enums, types, defs
    # and thresholds only, nothing to explore; `check` says so instead of running an engine
    library: bool = False
    # NOTE(limits) in spec/limits.py: what the run that loaded the model may take on; its
    # instances and compilers read them.  Not part of the model's meaning (nor of --dump-ir).
    limits: Limits = field(default=DEFAULT_LIMITS, compare=False, metadata={"dump": False})

    @property
    def header(self) -> str:
        """`model Name` or `library Name`, as the file starts."""
        return f"{'library' if self.library else 'model'} {self.name}"

    def def_named(self, name: str) -> Def:
        for d in self.defs:
            if d.name == name:
                return d
        raise KeyError(name)

    def family_named(self, name: str) -> Family:
        for f in self.families:
            if f.name == name:
                return f
        raise KeyError(name)


# ---------------------------------------------------------------- rewriting

EXPR_NODES = (Lit, ParamRef, VarRef, LocalRef, Index, BoundRef, Unary, Binary, Ite, Quant, Call)


def substitute(e: Expr, fn: Callable[[Expr], Expr | None]) -> Expr:
    """`e` with every node for which `fn` returns an Expr replaced by it (`fn` returns None
    to go on below).  Types and binders are left as they are; unchanged nodes are shared."""
    got = fn(e)
    if got is not None:
        return got
    if not isinstance(e, EXPR_NODES):
        return e
    changes: dict[str, object] = {}
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, tuple) and v and all(isinstance(x, EXPR_NODES) for x in v):
            changes[f.name] = tuple(substitute(x, fn) for x in v)
        elif isinstance(v, EXPR_NODES) and f.name != "ty":
            changes[f.name] = substitute(v, fn)
    changes = {k: v for k, v in changes.items() if v is not getattr(e, k)}
    return dataclasses.replace(e, **changes) if changes else e  # type: ignore[arg-type]


# ---------------------------------------------------------------- text form

# Binding strength, loosest first (mirrors grammar.lark).
_PREC = {
    BinOp.LEADSTO: 1, BinOp.IMPLIES: 2, BinOp.OR: 3, BinOp.AND: 4,
    BinOp.EQ: 6, BinOp.NE: 6, BinOp.LT: 6, BinOp.LE: 6, BinOp.GT: 6, BinOp.GE: 6,
    BinOp.ADD: 8, BinOp.SUB: 8,
    BinOp.MUL: 9, BinOp.DIV: 9, BinOp.FLOORDIV: 9, BinOp.MOD: 9,
}
_PREFIX = 5  # not / always / eventually / if / forall / exists
_UNARY_MINUS = 10
_ATOM = 11


def value_str(value: object, ty: Type | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(ty, EnumType) and isinstance(value, int):
        return ty.members[value]
    if isinstance(ty, ProcType) and isinstance(value, int):
        return f"{ty.family}[{value}]"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return str(value)


def expr_str(e: Expr) -> str:
    return _fmt(e)[0]


def _wrap(pair: tuple[str, int], need: int) -> str:
    text, prec = pair
    return f"({text})" if prec < need else text


def _ref(e: Expr) -> str:
    keys: list[Expr] = []
    base = e
    while isinstance(base, Index):
        keys.insert(0, base.key)
        base = base.base
    if isinstance(base, (VarRef, LocalRef)) and base.record_keys is not None:  # NOTE(record-names)
        text = location(base.name, base.record_keys, [expr_str(k) for k in keys], base.primed)
        return f"{_wrap(_fmt(base.proc), _ATOM)}.{text}" if isinstance(base, LocalRef) else text
    match e:
        case VarRef():
            return e.name + ("'" if e.primed else "")
        case LocalRef():
            return f"{_wrap(_fmt(e.proc), _ATOM)}.{e.name}" + ("'" if e.primed else "")
        case Index():
            return f"{_ref(e.base) if isinstance(e.base, (VarRef, LocalRef, Index)) else _wrap(_fmt(e.base), _ATOM)}[{expr_str(e.key)}]"
    raise TypeError(e)


def _fmt(e: Expr) -> tuple[str, int]:
    match e:
        case Lit():
            if isinstance(e.value, Fraction) and e.value.denominator != 1:
                return f"{e.value.numerator}/{e.value.denominator}", 9
            return value_str(e.value, e.ty), _ATOM
        case ParamRef():
            return e.name, _ATOM
        case VarRef() | LocalRef() | Index():
            return _ref(e), _ATOM
        case BoundRef():
            return e.binder.name, _ATOM
        case Unary(op=UnOp.NEG):
            return "-" + _wrap(_fmt(e.arg), _UNARY_MINUS), _UNARY_MINUS
        case Unary():
            return f"{e.op.value} {_wrap(_fmt(e.arg), _PREFIX)}", _PREFIX
        case Binary(op=BinOp.DIV, left=Lit(value=int() as num), right=Lit(value=int() as den)) if not isinstance(num, bool):
            return f"{num}/{den}", 9  # a literal fraction reads best unspaced
        case Binary():
            p = _PREC[e.op]
            # comparisons are non-associative; arithmetic is left-associative; implies is right-assoc
            left_need = p + 1 if p == 6 or e.op is BinOp.IMPLIES else p
            right_need = p if e.op is BinOp.IMPLIES else p + 1
            if e.op in (BinOp.AND, BinOp.OR, BinOp.ADD, BinOp.MUL):
                right_need = p + 1
            return f"{_wrap(_fmt(e.left), left_need)} {e.op.value} {_wrap(_fmt(e.right), right_need)}", p
        case Ite():
            return f"if {expr_str(e.cond)} then {expr_str(e.then)} else {expr_str(e.else_)}", _PREFIX
        case Quant():
            dom = str(e.domain)
            b = e.binder.name
            if e.kind in (QuantKind.FORALL, QuantKind.EXISTS):
                assert e.body is not None  # forall/exists: the predicate is the body (ir.Quant)
                return f"{e.kind.value} {b} in {dom}: {expr_str(e.body)}", _PREFIX
            if e.kind is QuantKind.COUNT:
                assert e.cond is not None  # count: the predicate is the cond (ir.Quant)
                return f"count({b} in {dom} where {expr_str(e.cond)})", _ATOM
            where = f" where {expr_str(e.cond)}" if e.cond is not None else ""
            assert e.body is not None  # sum: the body is the summand (ir.Quant)
            return f"sum({b} in {dom}{where}: {expr_str(e.body)})", _ATOM
        case Call():
            if not e.args:
                return e.name, _ATOM
            return f"{e.name}({', '.join(expr_str(a) for a in e.args)})", _ATOM
        case _:
            assert_never(e)
