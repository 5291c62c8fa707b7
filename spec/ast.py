"""The AST: what the parser read, untyped and unresolved, every node with its span.

Types are parsed as expressions (a name, a range `lo..hi`) or `MapTypeE`; the type
checker decides what each denotes.  Spans are left out of equality (NOTE(spans)).
"""
from __future__ import annotations

from dataclasses import field
from fractions import Fraction
from typing import Union

from forkproof.spec.errors import Span
from forkproof.spec.nodes import node

# ---------------------------------------------------------------- expressions


@node
class Name:
    id: str
    span: Span | None = field(default=None, compare=False)


@node
class NumLit:
    """An integer, decimal (`0.5`) or percent (`80%`) literal; decimals and percents are
    exact rationals."""

    value: int | Fraction
    text: str
    span: Span | None = field(default=None, compare=False)


@node
class BoolLit:
    value: bool
    span: Span | None = field(default=None, compare=False)


@node
class FieldE:
    base: ExprE
    name: str
    name_span: Span | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@node
class IndexE:
    base: ExprE
    key: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class PrimeE:
    base: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class CallE:
    name: str
    args: tuple[ExprE, ...]
    name_span: Span | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@node
class UnaryE:
    op: str  # "-", "not", "always", "eventually"
    arg: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class BinaryE:
    op: str  # "+", "-", "*", "/", "div", "%", "==", ..., "in", "and", "or", "implies", "iff", "~>"
    left: ExprE
    right: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class IteE:
    cond: ExprE
    then: ExprE
    else_: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class QuantE:
    kind: str  # "forall", "exists", "count", "sum"
    var: str
    domain: ExprE
    cond: ExprE | None
    body: ExprE | None
    var_span: Span | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@node
class RangeE:
    lo: ExprE
    hi: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class MapTypeE:
    key: ExprE
    value: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class SetTypeE:
    """`set[K]`: a finite set of values of the finite domain K."""

    elem: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class SetE:
    """A set literal `{a, b}` (`{}` the empty set)."""

    elems: tuple[ExprE, ...]
    span: Span | None = field(default=None, compare=False)


@node
class SetCompE:
    """A set comprehension `{x in D where cond}` (D a domain or a set)."""

    var: str
    domain: ExprE
    cond: ExprE
    var_span: Span | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@node
class RecordE:
    """A record literal `{yes: 0, no: 0}`."""

    fields: tuple[tuple[str, ExprE, Span | None], ...]
    span: Span | None = field(default=None, compare=False)


@node
class TypedE:
    """An expression the type checker has already checked (`expr`, an IR expression), made
    by the checker only, never by the parser: the value an option holds when it is `none`
    (NOTE(options) in spec/typecheck.py)."""

    expr: object
    span: Span | None = field(default=None, compare=False)


ExprE = Union[Name, NumLit, BoolLit, FieldE, IndexE, PrimeE, CallE, UnaryE, BinaryE, IteE, QuantE, RangeE, MapTypeE,
              SetTypeE, SetE, SetCompE, RecordE, TypedE]

# ---------------------------------------------------------------- statements


@node
class AssignS:
    target: ExprE
    value: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class IfS:
    cond: ExprE
    then: tuple[StmtS, ...]
    else_: tuple[StmtS, ...]
    span: Span | None = field(default=None, compare=False)


@node
class ForS:
    var: str
    domain: ExprE
    body: tuple[StmtS, ...]
    var_span: Span | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


StmtS = Union[AssignS, IfS, ForS]

# ---------------------------------------------------------------- declarations


@node
class Formal:
    name: str
    type: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class ParamD:
    name: str
    type: ExprE
    default: ExprE | None
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)


@node
class AssumeD:
    expr: ExprE
    span: Span | None = field(default=None, compare=False)


@node
class EnumD:
    name: str
    members: tuple[tuple[str, Span | None], ...]
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)


@node
class RecordD:
    """`record Tally { yes: 0..N, no: 0..N }` (NOTE(records))."""

    name: str
    fields: tuple[tuple[str, ExprE, Span | None], ...]
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)


@node
class TypeD:
    name: str
    type: ExprE
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)


@node
class VarD:
    """`init_kind` is "expr" (`= e`), "any" (`= any`), "in" (`in D`) or "none"."""

    name: str
    type: ExprE
    init_kind: str
    init: ExprE | None
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)


@node
class ProcessD:
    name: str
    size: ExprE
    vars: tuple[VarD, ...]
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)


@node
class DefD:
    name: str
    formals: tuple[Formal, ...]
    ret: ExprE | None
    body: ExprE
    is_threshold: bool
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)
    meant: ExprE | None = None  # `meant EXPR`: the bound the rule is intended to express
    meant_span: Span | None = field(default=None, compare=False)  # the whole `meant ...` clause
    support: ExprE | None = None  # `measures SUPPORT of POPULATION`: what the rule counts ...
    population: ExprE | None = None  # ... and out of what
    measures_span: Span | None = field(default=None, compare=False)


@node
class ActionD:
    name: str
    formals: tuple[Formal, ...]
    guard: ExprE | None
    body: tuple[StmtS, ...]
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)


@node
class ExpectD:
    """`expect violated [when CONDITION] ["reason"]` after an invariant or property."""

    verdict: str  # "violated"
    when: ExprE | None
    reason: str | None
    span: Span | None = field(default=None, compare=False)


@node
class InvariantD:
    name: str
    expr: ExprE
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)
    expect: ExpectD | None = None


@node
class PropertyD:
    name: str
    expr: ExprE
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)
    expect: ExpectD | None = None


@node
class FairD:
    action: str
    strong: bool
    per: tuple[str, ...]
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)
    when: ExprE | None = None  # the fairness condition (`fair action relay when nsnt >= T + 1`)


@node
class ClockD:
    """`clock now: 0..H [= e] [when C]` (NOTE(clocks)): `var` is the clock as a variable
    (its init `= 0` when none is written), `when` the condition under which it runs."""

    var: VarD
    when: ExprE | None
    span: Span | None = field(default=None, compare=False)
    body: tuple[StmtS, ...] = ()  # what else happens on a tick that advances it


@node
class UrgentD:
    """`urgent action A`: time does not advance while A is enabled (NOTE(clocks))."""

    action: str
    span: Span | None = field(default=None, compare=False)
    name_span: Span | None = field(default=None, compare=False)


DeclD = Union[ParamD, AssumeD, EnumD, TypeD, VarD, ProcessD, DefD, ActionD, InvariantD, PropertyD, FairD, ClockD,
              UrgentD, RecordD]


@node
class ImportD:
    """`import "PATH"`: a library's declarations, PATH relative to the importing file."""

    path: str
    span: Span | None = field(default=None, compare=False)
    path_span: Span | None = field(default=None, compare=False)  # the quoted path


@node
class ModelD:
    """A file as parsed: `model Name` or `library Name`, its imports (not yet read: they are
    forkproof.spec.load's) and its own declarations."""

    name: str
    decls: tuple[DeclD, ...]
    span: Span | None = field(default=None, compare=False)
    library: bool = False
    imports: tuple[ImportD, ...] = ()
