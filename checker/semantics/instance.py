"""A model instance: params bound, assumptions checked, the state laid out as a flat tuple.

NOTE(layout): a state is a tuple with one slot per location.  Globals come first, in
declaration order: a scalar takes one slot, a map one slot per key (keys in domain order,
nested maps row-major).  Then each family, process-major: copy 0's locals, copy 1's, ...
Each copy's chunk has the same shape, so local `name` of copy `p` of family F starts at
`family_base[F] + p * chunk[F] + local offset`.  Engines compute offsets arithmetically.

Every engine sees the same instance: the explicit engine runs on the tuples, symbolic
engines reuse `domain`, `slot_names`, `slot_types` and `slot_bounds`.

NOTE(slot-labels): a slot has two names.  `slot_names` are the engines' (`props.tally.yes[P1]`,
the type checker's variable of a record's field with its keys): Z3 names its constants
after them, so they stay as they are.  `slot_labels` are the model's (`props[P1].tally.yes`,
`StateVar.location`, NOTE(record-names) in spec/ir.py): every state, trace step and message
a person reads names a slot by its label.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterator

from forkproof.semantics.compile import Compiler, EvalError
from forkproof.spec.errors import Diagnostic, ModelError, Span
from forkproof.spec.ir import BoolType, EnumType, Expr, InitAny, IntType, MapType, Model, ProcType, StateVar, Type


@dataclass(frozen=True)
class VarSlots:
    """Where a state variable lives: copy `p` (0 for globals) starts at `base + p * stride`."""

    var: StateVar
    base: int
    width: int  # slots per copy: 1 for a scalar, the number of keys for a map
    stride: int  # family chunk size; 0 for globals
    copies: int  # 1 for globals, the family size for locals


@dataclass
class Instance:
    model: Model
    params: dict[str, object]
    family_sizes: dict[str, int] = field(default_factory=dict)
    family_base: dict[str, int] = field(default_factory=dict)
    chunk: dict[str, int] = field(default_factory=dict)
    globals_at: dict[str, VarSlots] = field(default_factory=dict)
    locals_at: dict[tuple[str, str], VarSlots] = field(default_factory=dict)
    slot_names: list[str] = field(default_factory=list)
    slot_labels: list[str] = field(default_factory=list)  # NOTE(slot-labels)
    slot_types: list[Type] = field(default_factory=list)  # the leaf (non-map) type of each slot
    slot_bounds: list[tuple[int, int] | None] = field(default_factory=list)
    _domains: dict = field(default_factory=dict, repr=False)
    _const_compiler: Compiler | None = field(default=None, repr=False)

    # ------------------------------------------------------------ constants and domains

    def const(self, expr: Expr, what: str = "a constant") -> object:
        """The value of a constant expression (over params); FP404 on a runtime error."""
        if self._const_compiler is None:
            self._const_compiler = Compiler(self, constant=True)
        try:
            return self._const_compiler.run_const(expr)
        except EvalError as e:
            raise ModelError(Diagnostic("FP404", f"{e} while evaluating {what}", span=expr.span)) from None

    def bounds(self, ty: IntType) -> tuple[int, int]:
        lo, hi = (self._int(self.const(b, "a range bound"), b.span) for b in (ty.lo, ty.hi))
        return lo, hi

    def domain(self, ty: Type) -> list:
        """The runtime values of a finite type, in order (an empty range gives [])."""
        got = self._domains.get(ty)
        if got is None:
            match ty:
                case BoolType():
                    got = [False, True]
                case EnumType(members=members):
                    got = list(range(len(members)))
                case IntType() if ty.bounded:
                    lo, hi = self.bounds(ty)
                    if hi - lo + 1 > self.model.limits.domain:
                        self.too_many(hi - lo + 1, f"values in the range {lo}..{hi}", ty.lo.span)
                    got = list(range(lo, hi + 1))
                case ProcType(family=fam):
                    got = list(range(self.family_sizes[fam]))
                case _:
                    raise TypeError(f"not a finite domain: {type(ty).__name__}")
            self._domains[ty] = got
        return got

    def key_index(self, key_ty: Type) -> tuple[int, int]:
        """(offset, count) such that runtime key k sits at position k - offset."""
        dom = self.domain(key_ty)
        return (dom[0] if dom and isinstance(key_ty, IntType) else 0), len(dom)

    def width(self, ty: Type, span: Span | None = None) -> int:
        """The number of slots a value of `ty` takes (`span`: the declaration, for FP408)."""
        n = 1
        while isinstance(ty, MapType):
            n *= len(self.domain(ty.key))
            if n > self.model.limits.domain:
                self.too_many(n, "entries in one map", span)
            ty = ty.value
        return n

    def too_many(self, n: int, what: str, span: Span | None) -> None:
        """FP408: `n` (more than the limit `domain`) things to enumerate (NOTE(limits))."""
        lim = self.model.limits
        where = f" at {self.scope()}" if self.params else ""
        raise ModelError(Diagnostic("FP408", f"{n:,} {what}{where}: more than forkproof enumerates "
                                             f"({lim.raise_hint('domain')})", span=span))

    @staticmethod
    def _int(v: object, span: Span | None) -> int:
        if isinstance(v, Fraction) and v.denominator == 1:
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool):
            raise ModelError(Diagnostic("FP403", f"{display_value(v)} is not an integer", span=span))
        return v

    # ------------------------------------------------------------ display

    def display(self, value: object, ty: Type) -> object:
        return display_value(value, ty)

    def key_str(self, value: object, ty: Type) -> str:
        if isinstance(ty, BoolType):
            return "true" if value else "false"
        return str(display_value(value, ty))

    def display_state(self, state: tuple) -> dict[str, object]:
        return {n: display_value(v, t) for n, v, t in zip(self.slot_labels, state, self.slot_types)}

    def scope(self) -> str:
        """"N = 4, RULE = Code": the params in declaration order, "" when there are none."""
        return ", ".join(f"{p.name} = {_show(display_value(self.params[p.name], p.ty))}"
                         for p in self.model.params)

    # ------------------------------------------------------------ initial states

    def initial_states(self) -> Iterator[tuple]:
        """Every initial state: the cartesian product over the `any` choices.  Raises
        EvalError when an initial value lies outside its variable's range."""
        base: list = [None] * len(self.slot_names)
        choices: list[tuple[int, list]] = []
        for vs in self.all_slots():
            slots = [vs.base + p * vs.stride + i for p in range(vs.copies) for i in range(vs.width)]
            if isinstance(vs.var.init, InitAny):
                dom = self.domain(_leaf(vs.var.init.domain))
                for k in slots[:1]:
                    for v in dom:
                        self.check_slot(k, v, "initial value ")
                choices.extend((k, dom) for k in slots)
                continue
            value = self.const(vs.var.init, f"the initial value of {vs.var.shown}")
            for k in slots:
                self.check_slot(k, value, "initial value ")
                base[k] = value
        keys = [k for k, _ in choices]
        n = 1
        for _, dom in choices:  # NOTE(limits): counted before any is made
            n *= len(dom)
        if n > self.model.limits.domain:
            var = next((vs.var for vs in self.all_slots() if isinstance(vs.var.init, InitAny)), None)
            self.too_many(n, "initial states (the product of the `any` choices)", var.span if var else None)
        for combo in itertools.product(*(dom for _, dom in choices)):
            for k, v in zip(keys, combo):
                base[k] = v
            yield tuple(base)

    def check_slot(self, k: int, value: object, what: str = "value ") -> None:
        b = self.slot_bounds[k]
        if b is not None and not b[0] <= value <= b[1]:
            raise EvalError(f"{what}{value} is outside {b[0]}..{b[1]} for {self.slot_labels[k]}")

    def all_slots(self) -> list[VarSlots]:
        return list(self.globals_at.values()) + list(self.locals_at.values())

    # ------------------------------------------------------------ layout

    def _lay_out(self) -> None:
        # NOTE(limits): the state's size is counted before any slot is made
        total, limit = 0, self.model.limits.domain
        for v in self.model.globals:
            total += self.width(v.ty, v.span)
            if total > limit:
                self.too_many(total, "slots in a state (one per variable, map entry and copy)", v.span)
        for fam in self.model.families:
            for v in fam.locals:
                total += self.family_sizes[fam.name] * self.width(v.ty, v.span or fam.span)
                if total > limit:
                    self.too_many(total, "slots in a state (one per variable, map entry and copy)",
                                  v.span or fam.span)
        for v in self.model.globals:
            self.globals_at[v.name] = self._add_var(v, len(self.slot_names), 0, 1)
        for fam in self.model.families:
            n, base = self.family_sizes[fam.name], len(self.slot_names)
            chunk = sum(self.width(v.ty) for v in fam.locals)
            self.family_base[fam.name], self.chunk[fam.name] = base, chunk
            self.slot_names.extend([""] * (n * chunk))
            self.slot_labels.extend([""] * (n * chunk))
            self.slot_types.extend([None] * (n * chunk))
            self.slot_bounds.extend([None] * (n * chunk))
            off = 0
            for v in fam.locals:
                vs = VarSlots(v, base + off, self.width(v.ty), chunk, n)
                self.locals_at[(fam.name, v.name)] = vs
                for p in range(n):
                    self._name_slots(v, vs.base + p * chunk, f"{fam.name}[{p}].")
                off += vs.width

    def _add_var(self, v: StateVar, base: int, stride: int, copies: int) -> VarSlots:
        width = self.width(v.ty)
        self.slot_names.extend([""] * width)
        self.slot_labels.extend([""] * width)
        self.slot_types.extend([None] * width)
        self.slot_bounds.extend([None] * width)
        self._name_slots(v, base)
        return VarSlots(v, base, width, stride, copies)

    def _name_slots(self, v: StateVar, base: int, owner: str = "") -> None:
        """Name the slots of `v` from `base` on (`owner`: "F[p]." for copy p's local)."""
        keys, ty = self.key_texts(v.ty), v.ty
        while isinstance(ty, MapType):
            ty = ty.value
        bounds = None
        if isinstance(ty, IntType) and ty.bounded:
            bounds = self.bounds(ty)
            if bounds[0] > bounds[1]:
                raise ModelError(Diagnostic(
                    "FP403", f"the range {bounds[0]}..{bounds[1]} of '{v.shown}' is empty", span=v.span))
        for i, ks in enumerate(keys):
            self.slot_names[base + i] = owner + v.name + "".join(f"[{k}]" for k in ks)
            self.slot_labels[base + i] = owner + v.location(ks)
            self.slot_types[base + i], self.slot_bounds[base + i] = ty, bounds

    def key_texts(self, ty: Type) -> list[tuple[str, ...]]:
        """The keys of every entry of a value of `ty`, as text, in slot order (row-major):
        [()] for a scalar, [("P1",), ("P2",)] for a map over {P1, P2}."""
        keys: list[tuple[str, ...]] = [()]
        while isinstance(ty, MapType):
            keys = [k + (self.key_str(x, ty.key),) for k in keys for x in self.domain(ty.key)]
            ty = ty.value
        return keys


def instantiate(model: Model, params: dict[str, object]) -> Instance:
    """Bind every param, check the assumptions and lay out the state (FP401-FP404)."""
    for p in model.params:
        if p.name not in params:
            raise ModelError(Diagnostic("FP401", f"no value for the parameter '{p.name}'", span=p.span))
    inst = Instance(model, {p.name: params[p.name] for p in model.params})
    for a in model.assumes:
        if not inst.const(a.expr, "an assumption"):
            raise ModelError(Diagnostic("FP402", f"the parameters {inst.scope()} violate this assumption",
                                        span=a.span or a.expr.span))
    for fam in model.families:
        n = inst._int(inst.const(fam.size, f"the size of {fam.name}"), fam.size.span)
        if n < 0:
            raise ModelError(Diagnostic("FP403", f"the family {fam.name} would have {n} copies", span=fam.span))
        if n > model.limits.domain:
            inst.too_many(n, f"copies of {fam.name}", fam.size.span or fam.span)
        inst.family_sizes[fam.name] = n
    inst._lay_out()
    return inst


def display_value(value: object, ty: Type | None = None) -> object:
    """NOTE(display) in checker/semantics/verdict.py."""
    match ty:
        case EnumType(members=members):
            return members[value]
        case ProcType(family=fam):
            return f"{fam}[{value}]"
        case BoolType():
            return bool(value)
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return value


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def _leaf(ty: Type) -> Type:
    while isinstance(ty, MapType):
        ty = ty.value
    return ty

