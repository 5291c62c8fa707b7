"""Name resolution and type checking: AST -> IR (`forkproof.spec.ir.Model`).

Errors are collected, not thrown one at a time: each declaration is checked on its own,
so independent mistakes are all reported (codes FP2xx for names, FP3xx for types).  Inside
one expression the first error stops that expression, to avoid cascades.

NOTE(one-namespace): params, enums, enum members, type aliases, families, state variables,
defs, thresholds, actions and properties share one global namespace; process-local
variables live in their family.  Bound names (quantifiers, action and def parameters,
`for`) shadow globals.
"""
from __future__ import annotations

import dataclasses

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, cast

from forkproof.spec import assume
from forkproof.spec import ast as A
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError, Note, Span, closest

BUILTIN_TYPES: dict[str, I.Type] = {"bool": I.BOOL, "int": I.INT, "rat": I.RAT}
RESERVED_FINDINGS = ("deadlock", "runtime")  # names the checkers give their own findings


class _Fail(Exception):
    """Stops checking the current declaration; `diag` is None for a cascade (already reported)."""

    def __init__(self, diag: Diagnostic | None):
        self.diag = diag


def _err(code: str, message: str, span: Span | None, *notes: Note) -> _Fail:
    return _Fail(Diagnostic(code, message, span, tuple(notes)))


@dataclass
class _Global:
    kind: str  # param, enum, member, alias, family, var, def, action, invariant, property
    decl: A.DeclD  # an enum member's decl is its EnumD, a process-local variable's its VarD
    span: Span | None
    # resolved IR object, filled as checking goes: an enum's EnumType, a member's (EnumType,
    # index), a param's Param, a state variable's StateVar
    ir: I.EnumType | tuple[I.EnumType, int] | I.Param | I.StateVar | None = None
    failed: bool = False
    ty: I.Type | None = None  # a state variable's type, known before any expression is checked


@dataclass
class _Ctx:
    """Where an expression sits: what it may mention."""

    const: bool = False  # only params and literals (sizes, bounds, defaults, assumes, inits)
    primes: bool = False  # invariants: x' allowed
    temporal: bool = False  # properties: always/eventually/~> allowed
    what: str = "expression"


def _join_numeric(a: I.Type, b: I.Type) -> I.Type:
    return I.RAT if isinstance(a, I.RatType) or isinstance(b, I.RatType) else I.INT


def _compatible(a: I.Type, b: I.Type) -> bool:
    """Can values of a and b be compared with == (and one stand where the other is expected)?"""
    if I.is_numeric(a) and I.is_numeric(b):
        return True
    if isinstance(a, I.BoolType) and isinstance(b, I.BoolType):
        return True
    if isinstance(a, I.EnumType) and isinstance(b, I.EnumType):
        return a.name == b.name
    if isinstance(a, I.ProcType) and isinstance(b, I.ProcType):
        return a.family == b.family
    return False


def _assignable(target: I.Type, value: I.Type) -> bool:
    if isinstance(target, I.IntType):
        return isinstance(value, I.IntType)
    if isinstance(target, I.RatType):
        return I.is_numeric(value)
    if isinstance(target, I.MapType):
        return False
    return _compatible(target, value)


def _article(t: I.Type) -> str:
    return f"'{t}'"


class _Checker:
    def __init__(self, model: A.ModelD, path: str):
        self.ast = model
        self.path = path
        self.diags: list[Diagnostic] = []
        self.globals: dict[str, _Global] = {}
        self.locals: dict[str, dict[str, _Global]] = {}  # family -> local name -> entry
        self.uid = 0
        self.def_stack: list[str] = []
        self.defs_ir: dict[str, I.Def] = {}
        self.set_defs: dict[str, I.Type] = {}  # NOTE(sets): a set-valued def's element type
        self.member_sets: dict[str, str] = {}  # NOTE(sets): a global set of a family's ids -> the family

    # ------------------------------------------------------------ helpers

    def report(self, fail: _Fail) -> None:
        if fail.diag is not None:
            self.diags.append(fail.diag)

    def binder(self, name: str, ty: I.Type, span: Span | None) -> I.Binder:
        self.uid += 1
        return I.Binder(name, ty, self.uid, span)

    def declare(self, name: str, kind: str, decl: A.DeclD, span: Span | None, table: dict[str, _Global] | None = None) -> None:
        table = self.globals if table is None else table
        if name in BUILTIN_TYPES and table is self.globals:
            self.diags.append(Diagnostic("FP201", f"'{name}' is a built-in type and cannot be redefined", span))
            return
        if name in table:
            first = table[name]
            self.diags.append(
                Diagnostic(
                    "FP201",
                    f"'{name}' is already defined (as {_kind_word(first.kind)})",
                    span,
                    (Note(f"first definition of '{name}' is here", first.span),),
                )
            )
            return
        table[name] = _Global(kind, decl, span)

    def reserved(self, d: A.InvariantD | A.PropertyD) -> None:
        if d.name in RESERVED_FINDINGS:
            self.diags.append(Diagnostic("FP210", f"'{d.name}' is the name of a built-in finding; name this property otherwise", d.name_span))

    def unknown(self, name: str, span: Span | None, scope: dict[str, I.Binder], what: str = "name") -> _Fail:
        candidates = list(scope) + list(self.globals) + list(BUILTIN_TYPES)
        near = closest(name, candidates)
        msg = f"unknown {what} '{name}'"
        if near:
            msg += f"; did you mean '{near}'?"
        return _err("FP202", msg, span)

    # ------------------------------------------------------------ types

    def resolve_type(self, e: A.ExprE, scope: dict[str, I.Binder], seen: tuple[str, ...] = ()) -> I.Type:
        if isinstance(e, A.MapTypeE):
            key = self.resolve_type(e.key, scope, seen)
            if not I.is_finite_domain(key):
                raise _err("FP305", f"a map key must be a finite domain (bool, an enum, a range or a process family), not '{key}'", e.key.span)
            value = self.resolve_type(e.value, scope, seen)
            return I.MapType(key, value)
        if isinstance(e, A.IndexE) and isinstance(e.base, A.Name) and e.base.id == "option" and "option" not in self.globals:
            return self.option_type(e.key, scope, seen)  # NOTE(options): `option` is not a keyword either
        if isinstance(e, A.IndexE) and isinstance(e.base, A.Name) and e.base.id == "set" and "set" not in self.globals:
            e = A.SetTypeE(e.key, e.span)  # `set[K]` parses as an index: `set` is not a keyword
        if isinstance(e, A.SetTypeE):
            elem = self.resolve_type(e.elem, scope, seen)
            if not I.is_finite_domain(elem):
                raise _err("FP305", f"a set's elements must come from a finite domain (bool, an enum, a range or a process family), not '{elem}'", e.elem.span)
            return I.MapType(elem, I.BOOL, set=True)
        if isinstance(e, A.RangeE):
            lo = self.expr(e.lo, scope, _Ctx(const=True, what="a range bound"))
            hi = self.expr(e.hi, scope, _Ctx(const=True, what="a range bound"))
            for b, src in ((lo, e.lo), (hi, e.hi)):
                if not isinstance(b.ty, I.IntType):
                    raise _err("FP301", f"a range bound must be an integer, found {_article(b.ty)}", src.span)
            return I.IntType(lo, hi)
        if isinstance(e, A.Name):
            if e.id in BUILTIN_TYPES:
                return BUILTIN_TYPES[e.id]
            g = self.globals.get(e.id)
            if g is None:
                near = closest(e.id, [n for n, x in self.globals.items() if x.kind in ("enum", "alias", "family")] + list(BUILTIN_TYPES))
                raise _err("FP202", f"unknown type '{e.id}'" + (f"; did you mean '{near}'?" if near else ""), e.span)
            if g.failed:
                raise _Fail(None)
            if g.kind == "enum":
                assert isinstance(g.ir, I.EnumType)  # set for every enum before any type is resolved (run)
                return g.ir
            if g.kind == "family":
                return I.ProcType(e.id)
            if g.kind == "record":
                if e.id in seen:
                    raise _err("FP208", f"record '{e.id}' contains itself", e.span)
                assert isinstance(g.decl, A.RecordD)  # a record is declared by its RecordD
                names: dict[str, Span | None] = {}
                fields = []
                for f, t, sp in g.decl.fields:
                    if f in names:
                        raise _err("FP201", f"field '{f}' is listed twice in record {e.id}", sp, Note("first listed here", names[f]))
                    names[f] = sp
                    fields.append((f, self.resolve_type(t, scope, seen + (e.id,))))
                return I.RecordType(e.id, tuple(fields))
            if g.kind == "alias":
                if e.id in seen:
                    raise _err("FP208", f"type alias '{e.id}' refers to itself", e.span)
                assert isinstance(g.decl, A.TypeD)  # an alias is declared by its TypeD
                return self.resolve_type(g.decl.type, scope, seen + (e.id,))
            raise _err("FP306", f"'{e.id}' is {_kind_word(g.kind)}, not a type", e.span, Note(f"'{e.id}' is defined here", g.span))
        raise _err("FP306", "expected a type: bool, int, rat, an enum, a range lo..hi, a process family, [K] V or set[K]", e.span)

    # NOTE(options): `option[T]` is a record (NOTE(records)) of two fields, `some: bool` and
    # `value: T`, marked `option` so that its fields cannot be named.  `none` and `some(v)`
    # become the record literals `{some: false, value: <T's first value>}` and `{some: true,
    # value: v}` where an option is expected (option_literal), so that initial values,
    # assignments and `==` are the records' own; the first value is a checked constant
    # carried by A.TypedE.  Since nothing else writes an option (no field access, no `=
    # any`), a none always holds T's first value, and a model has the states of the same
    # model written by hand with a flag and that rule.  `x == none` reads the flag alone
    # (fewer terms for the solvers; the same value on every reachable state), and
    # `value_or(x, d)` is `if x.some then x.value else d`.  T is a bool, a number type or
    # an enum: a process id has no first value when its family is empty.
    def option_type(self, e: A.ExprE, scope: dict[str, I.Binder], seen: tuple[str, ...]) -> I.RecordType:
        """NOTE(options): `option[T]` is the record of `some: bool` and `value: T`."""
        elem = self.resolve_type(e, scope, seen)
        if not isinstance(elem, (I.BoolType, I.IntType, I.RatType, I.EnumType)):
            if isinstance(elem, I.ProcType):
                hint = f"; for at most one copy, use a set[{elem}] and keep its size at most 1"
            elif isinstance(elem, I.RecordType):
                hint = ("; one option is enough: none already says the value is missing" if elem.option else
                        "; give the record a bool field that says whether it holds a value")
            elif isinstance(elem, I.MapType) and elem.set:
                hint = "; a set already holds no member, one or several"
            else:
                hint = "; a map of options, [K] option[V], has an option per key"
            raise _err("FP330", f"an option holds a bool, a number or an enum value, not {_article(elem)}{hint}", e.span)
        return I.RecordType(f"option[{elem}]", (("some", I.BOOL), ("value", elem)), option=True)

    def is_none(self, e: A.ExprE, scope: dict[str, I.Binder]) -> bool:
        return isinstance(e, A.Name) and e.id == "none" and e.id not in scope and "none" not in self.globals

    def is_some(self, e: A.ExprE) -> bool:
        return isinstance(e, A.CallE) and e.name == "some" and "some" not in self.globals

    def option_literal(self, e: A.ExprE, ty: I.RecordType, scope: dict[str, I.Binder]) -> A.ExprE:
        """NOTE(options): `none` and `some(v)`, where an option of type `ty` stands, as the record
        literals `{some: false, value: <the type's first value>}` and `{some: true, value: v}`;
        anything else as it is."""
        if self.is_none(e, scope):
            value = _none_value(ty.fields[1][1], e.span)
            return A.RecordE((("some", A.BoolLit(False, e.span), e.span), ("value", A.TypedE(value, e.span), e.span)),
                             e.span)
        if isinstance(e, A.CallE) and self.is_some(e):
            if len(e.args) != 1:
                raise _err("FP303", f"'some' takes one value, {len(e.args)} given", e.span)
            return A.RecordE((("some", A.BoolLit(True, e.span), e.span), ("value", e.args[0], e.span)), e.span)
        return e

    def domain(self, e: A.ExprE, scope: dict[str, I.Binder]) -> I.Type:
        t = self.resolve_type(e, scope)
        if not I.is_finite_domain(t):
            raise _err("FP304", f"'{t}' is not a finite domain; use bool, an enum, a range lo..hi or a process family", e.span)
        return t

    # ------------------------------------------------------------ expressions

    def expr(self, e: A.ExprE, scope: dict[str, I.Binder], ctx: _Ctx, primed: bool = False) -> I.Expr:
        match e:
            case A.NumLit(value=v):
                return I.Lit(v, I.INT if isinstance(v, int) else I.RAT, e.span)
            case A.BoolLit(value=v):
                return I.Lit(v, I.BOOL, e.span)
            case A.Name():
                return self.name(e, scope, ctx, primed)
            case A.TypedE():
                return cast(I.Expr, e.expr)  # made by option_literal only: a constant
            case A.FieldE():
                base = self.expr(e.base, scope, ctx)  # `p.x'`: p from the pre-state, x from the post-state
                if isinstance(base.ty, I.RecordType) and base.ty.option:
                    raise _err("FP331", f"an option has no fields: compare it with none or some(v), or read its value "
                               f"with value_or({_src_name(e.base)}, default)", e.span)
                if isinstance(base.ty, I.RecordType):
                    return _field(base, e.name, e.name_span, primed)
                if not isinstance(base.ty, I.ProcType):
                    raise _err("FP307", f"'.{e.name}' needs a process id on its left, found {_article(base.ty)}", e.span)
                fam = base.ty.family
                entry = self.locals.get(fam, {}).get(e.name)
                if entry is None:
                    near = closest(e.name, self.locals.get(fam, {}))
                    raise _err("FP203", f"process {fam} has no variable '{e.name}'" + (f"; did you mean '{near}'?" if near else ""), e.name_span)
                if entry.failed or entry.ty is None:
                    raise _Fail(None)
                if ctx.const:
                    raise _err("FP308", f"{ctx.what} must be a constant, but '{e.name}' is a state variable", e.span)
                return I.LocalRef(fam, e.name, base, entry.ty, primed, e.span)
            case A.IndexE():
                base = self.expr(e.base, scope, ctx, primed)
                if not isinstance(base.ty, I.MapType):
                    raise _err("FP309", f"only maps can be indexed, but this is {_article(base.ty)}", e.base.span)
                key = self.expr(e.key, scope, ctx)
                if not _compatible(base.ty.key, key.ty) or (isinstance(base.ty.key, I.IntType) and not isinstance(key.ty, I.IntType)):
                    raise _err("FP310", f"map key has type {_article(key.ty)}, but the map's keys are {_article(base.ty.key)}", e.key.span)
                return self.entry(base, key, e.span)
            case A.PrimeE():
                if not ctx.primes:
                    raise _err("FP311", f"primed variables (x') are only allowed in invariants, not in {ctx.what}", e.span)
                if primed:
                    raise _err("FP311", "a variable can be primed only once", e.span)
                inner = self.expr(e.base, scope, ctx, primed=True)
                if not _is_state_ref(inner) and not self.names_a_def(e.base):
                    raise _err("FP311", "only state variables and defs can be primed", e.span)
                return inner
            case A.CallE():
                return self.call(e.name, e.args, e.name_span, e.span, scope, ctx, primed)
            case A.UnaryE(op="-"):
                arg = self.expr(e.arg, scope, ctx, primed)
                self.need_numeric(arg, e.arg, "'-'")
                return I.Unary(I.UnOp.NEG, arg, I.INT if isinstance(arg.ty, I.IntType) else I.RAT, e.span)
            case A.UnaryE(op="not"):
                arg = self.expr(e.arg, scope, ctx, primed)
                self.need_bool(arg, e.arg, "'not'")
                return I.Unary(I.UnOp.NOT, arg, I.BOOL, e.span)
            case A.UnaryE(op=op):
                if not ctx.temporal:
                    raise _err("FP312", f"'{op}' is a temporal operator, allowed only in a property" + (
                        " (an invariant already means 'always')" if ctx.primes else ""), e.span)
                arg = self.expr(e.arg, scope, ctx, primed)
                self.need_bool(arg, e.arg, f"'{op}'")
                return I.Unary(I.UnOp.ALWAYS if op == "always" else I.UnOp.EVENTUALLY, arg, I.BOOL, e.span)
            case A.BinaryE():
                return self.binary(e, scope, ctx, primed)
            case A.IteE():
                if any(self.is_none(x, scope) or self.is_some(x) for x in (e.then, e.else_)):
                    raise _ite_option(e.span)
                cond = self.expr(e.cond, scope, ctx, primed)
                self.need_bool(cond, e.cond, "the condition of 'if'")
                a = self.expr(e.then, scope, ctx, primed)
                b = self.expr(e.else_, scope, ctx, primed)
                if _has_option(a.ty) or _has_option(b.ty):
                    raise _ite_option(e.span)
                if _has_record(a.ty) or _has_record(b.ty):
                    raise _err("FP328", "an 'if' cannot give a record: write the 'if' per field, or assign in an 'if' "
                               "statement", e.span)
                if not _compatible(a.ty, b.ty):
                    raise _err("FP302", f"the branches of 'if' have different types: {_article(a.ty)} and {_article(b.ty)}", e.span)
                ty = _join_numeric(a.ty, b.ty) if I.is_numeric(a.ty) else a.ty
                return I.Ite(cond, a, b, ty, e.span)
            case A.QuantE():
                return self.quant(e, scope, ctx, primed)
            case A.RangeE():
                raise _err("FP313", "a range lo..hi is a type or a domain, not a value", e.span)
            case A.MapTypeE() | A.SetTypeE():
                raise _err("FP313", "a type is not a value", e.span)
            case A.SetE() | A.SetCompE():
                raise _set_as_value(e.span)
            case A.RecordE():
                raise _err("FP328", "a record literal stands only as an initial value, on the right of '=' or in '=='/'!='", e.span)
        raise _err("FP399", f"unsupported expression {type(e).__name__}", getattr(e, "span", None))

    def name(self, e: A.Name, scope: dict[str, I.Binder], ctx: _Ctx, primed: bool) -> I.Expr:
        if e.id in scope:
            b = scope[e.id]
            if ctx.const:
                raise _err("FP308", f"{ctx.what} must be a constant, but '{e.id}' is a bound variable", e.span)
            return I.BoundRef(b, b.ty, e.span)
        g = self.globals.get(e.id)
        if g is None and e.id == "none":
            raise _err("FP331", "'none' is an option's value: it stands where an option is expected (an option "
                       "variable's initial value, the right of '=', beside '==' or '!=')", e.span)
        if g is None:
            raise self.unknown(e.id, e.span, scope)
        if g.failed:
            raise _Fail(None)
        if g.kind == "param":
            if g.ir is None:
                raise _err("FP209", f"param '{e.id}' is used before its declaration; declare it first", e.span,
                           Note(f"'{e.id}' is declared here", g.span))
            assert isinstance(g.ir, I.Param)  # a param's ir is only ever its Param (param)
            return I.ParamRef(e.id, g.ir.ty, e.span)
        if g.kind == "member":
            if g.ir is None:  # its enum was a duplicate, already reported
                raise _Fail(None)
            assert isinstance(g.ir, tuple)  # a member's ir is only ever (its EnumType, its index) (run)
            enum_t, index = g.ir
            return I.Lit(index, enum_t, e.span)
        if g.kind == "var":
            if ctx.const:  # before the type: params are checked before any variable's type is resolved
                raise _err("FP308", f"{ctx.what} must be a constant (params and literals), but '{e.id}' is a state variable", e.span)
            if g.ty is None:
                raise _Fail(None)  # its type failed to resolve, already reported
            return I.VarRef(e.id, g.ty, primed, e.span)
        if g.kind == "def":
            return self.call(e.id, (), e.span, e.span, scope, ctx, primed)
        raise _err("FP314", f"'{e.id}' is {_kind_word(g.kind)} and cannot be used as a value", e.span, Note(f"'{e.id}' is defined here", g.span))

    def call(self, name: str, args: tuple[A.ExprE, ...], name_span: Span | None, span: Span | None,
             scope: dict[str, I.Binder], ctx: _Ctx, primed: bool) -> I.Expr:
        g = self.globals.get(name)
        if g is None and name in ("min", "max"):
            return self.min_max(name, args, span, scope, ctx, primed)
        if g is None and name == "value_or":
            return self.value_or(args, span, scope, ctx, primed)
        if g is None and name == "some":
            raise _err("FP331", "'some(v)' is an option's value: it stands where an option is expected (an option "
                       "variable's initial value, the right of '=', beside '==' or '!='); read one with value_or(x, "
                       "default)", span)
        if g is None and name in ("size", "subset"):
            return self.set_call(name, args, span, scope, ctx, primed)
        if g is None and name in SET_BUILDERS:
            raise _set_as_value(span)
        if g is None:
            near = closest(name, [n for n, x in self.globals.items() if x.kind == "def"])
            raise _err("FP202", f"unknown definition '{name}'" + (f"; did you mean '{near}'?" if near else ""), name_span)
        if g.kind != "def":
            raise _err("FP314", f"'{name}' is {_kind_word(g.kind)}, not a definition that can be called", name_span, Note(f"'{name}' is defined here", g.span))
        d = self.check_def(name)
        if d is None:
            raise _Fail(None)
        if name in self.set_defs:
            raise _set_as_value(span, name)
        if ctx.const:
            raise _err("FP308", f"{ctx.what} must be a constant, but '{name}' is a definition over the state", span)
        if len(args) != len(d.params):
            raise _err("FP303", f"'{name}' takes {len(d.params)} argument(s), {len(args)} given", span, Note(f"'{name}' is defined here", g.span))
        ir_args = []
        for a, p in zip(args, d.params):
            x = self.expr(a, scope, ctx, primed)
            if not _compatible(p.ty, x.ty) or (isinstance(p.ty, I.IntType) and not isinstance(x.ty, I.IntType)):
                raise _err("FP302", f"argument '{p.name}' of '{name}' expects {_article(p.ty)}, found {_article(x.ty)}", a.span)
            ir_args.append(x)
        if primed:
            return _primed_body(I.Call(name, tuple(ir_args), d.ty, span), self.defs_ir,
                                lambda b: self.binder(b.name, b.ty, b.span))
        return I.Call(name, tuple(ir_args), d.ty, span)

    def names_a_def(self, e: A.ExprE) -> bool:
        name = e.id if isinstance(e, A.Name) else e.name if isinstance(e, A.CallE) else None
        g = self.globals.get(name) if name is not None else None
        return g is not None and g.kind == "def"

    def min_max(self, name: str, args: tuple[A.ExprE, ...], span: Span | None, scope: dict[str, I.Binder],
                ctx: _Ctx, primed: bool) -> I.Expr:
        """`min(a, b, ...)` / `max(a, b, ...)` of numbers (unless the model defines its own):
        the `if` that picks one, `if a <= b then a else b`, so that every engine has it as it
        has `if` (NOTE(min-max))."""
        if len(args) < 2:
            raise _err("FP303", f"'{name}' takes two or more numbers, {len(args)} given", span)
        xs = []
        for a in args:
            x = self.expr(a, scope, ctx, primed)
            self.need_numeric(x, a, f"'{name}'")
            xs.append(x)
        out = xs[0]
        for x in xs[1:]:
            ty = _join_numeric(out.ty, x.ty)
            pick = I.Binary(I.BinOp.LE if name == "min" else I.BinOp.GE, out, x, I.BOOL, span)
            out = I.Ite(pick, out, x, ty, span)
        return out

    def value_or(self, args: tuple[A.ExprE, ...], span: Span | None, scope: dict[str, I.Binder], ctx: _Ctx,
                 primed: bool) -> I.Expr:
        """NOTE(options): `value_or(x, d)`, the value of option x, or d when x is none."""
        if len(args) != 2:
            raise _err("FP303", f"'value_or' takes an option and a default value, {len(args)} given", span)
        opt = self.expr(args[0], scope, ctx, primed)
        if not (isinstance(opt.ty, I.RecordType) and opt.ty.option):
            raise _err("FP302", f"'value_or' reads an option, not {_article(opt.ty)}", args[0].span)
        elem = opt.ty.fields[1][1]
        d = self.expr(args[1], scope, ctx, primed)
        if not _compatible(elem, d.ty):
            raise _err("FP302", f"the default of value_or is {_article(d.ty)}, but the option holds {_article(elem)}",
                       args[1].span)
        some = _pathed(opt, ".some", I.BOOL, False, span)
        value = _pathed(opt, ".value", elem, False, span)
        ty = _join_numeric(elem, d.ty) if I.is_numeric(elem) else elem
        return I.Ite(some, value, d, ty, span)

    def binary(self, e: A.BinaryE, scope: dict[str, I.Binder], ctx: _Ctx, primed: bool) -> I.Expr:
        op = e.op
        if op == "~>" and not ctx.temporal:
            raise _err("FP312", "'~>' (leads to) is a temporal operator, allowed only in a property", e.span)
        if op == "in":
            x = self.expr(e.left, scope, ctx, primed)
            st = self.set_of(e.right, scope, ctx, primed, x.ty)
            if not _compatible(st.elem, x.ty):
                raise _err("FP302", f"'in' asks whether {_article(x.ty)} is in a set of {st.elem}", e.span)
            return st.member(x, e.span)
        if op in ("==", "!=") and (self.is_set(e.left, scope) or self.is_set(e.right, scope)):
            return self.set_equal(e, scope, ctx, primed)
        if op in ("==", "!=") and (isinstance(e.left, A.RecordE) or isinstance(e.right, A.RecordE)
                                   or self.is_record(e.left, scope) or self.is_record(e.right, scope)
                                   or any(self.is_none(x, scope) or self.is_some(x) for x in (e.left, e.right))):
            return self.record_equal(e, scope, ctx, primed)
        left = self.expr(e.left, scope, ctx, primed)
        right = self.expr(e.right, scope, ctx, primed)
        if op in ("and", "or", "implies", "iff", "~>"):
            self.need_bool(left, e.left, f"'{op}'")
            self.need_bool(right, e.right, f"'{op}'")
            if op == "iff":
                return I.Binary(I.BinOp.EQ, left, right, I.BOOL, e.span)
            return I.Binary(_BOOL_OPS[op], left, right, I.BOOL, e.span)
        if op in ("==", "!="):
            if not _compatible(left.ty, right.ty):
                raise _err("FP302", f"cannot compare {_article(left.ty)} with {_article(right.ty)}", e.span)
            if isinstance(left.ty, I.MapType):
                raise _err("FP302", "whole maps cannot be compared; compare their entries", e.span)
            return I.Binary(_CMP_OPS[op], left, right, I.BOOL, e.span)
        if op in ("<", "<=", ">", ">="):
            for x, src in ((left, e.left), (right, e.right)):
                if isinstance(x.ty, I.ProcType):
                    raise _err("FP315", f"process ids can only be compared with == and != (they are symmetric), not with '{op}'", e.span)
                self.need_numeric(x, src, f"'{op}'")
            return I.Binary(_CMP_OPS[op], left, right, I.BOOL, e.span)
        self.need_numeric(left, e.left, f"'{op}'")
        self.need_numeric(right, e.right, f"'{op}'")
        if op == "/":
            return I.Binary(I.BinOp.DIV, left, right, I.RAT, e.span)
        if op == "div":
            return I.Binary(I.BinOp.FLOORDIV, left, right, I.INT, e.span)
        return I.Binary(_ARITH_OPS[op], left, right, _join_numeric(left.ty, right.ty), e.span)

    def quant(self, e: A.QuantE, scope: dict[str, I.Binder], ctx: _Ctx, primed: bool) -> I.Expr:
        if ctx.const:
            raise _err("FP308", f"{ctx.what} must be a constant; '{e.kind}' reads the state", e.span)
        dom, within = self.source(e.domain, scope, ctx, primed)
        b = self.binder(e.var, dom, e.var_span)
        inner = {**scope, e.var: b}
        cond = body = None
        if e.cond is not None:
            cond = self.expr(e.cond, inner, ctx, primed)
            self.need_bool(cond, e.cond, f"the condition of '{e.kind}'")
        if e.body is not None:
            body = self.expr(e.body, inner, ctx, primed)
        # NOTE(sets): over a set, the quantifier ranges over its element type, kept to members
        mine = within.member(I.BoundRef(b, dom, e.var_span), e.domain.span) if within is not None else None
        kind = I.QuantKind(e.kind)
        if kind in (I.QuantKind.FORALL, I.QuantKind.EXISTS):
            assert body is not None and e.body is not None  # the grammar gives forall/exists a body
            self.need_bool(body, e.body, f"the body of '{e.kind}'")
            if mine is not None:
                op = I.BinOp.IMPLIES if kind is I.QuantKind.FORALL else I.BinOp.AND
                body = I.Binary(op, mine, body, I.BOOL, e.span)
            return I.Quant(kind, b, dom, None, body, I.BOOL, e.span)
        if mine is not None:
            cond = mine if cond is None else I.Binary(I.BinOp.AND, mine, cond, I.BOOL, e.span)
        if kind is I.QuantKind.COUNT:
            return I.Quant(kind, b, dom, cond, None, I.INT, e.span)
        assert body is not None and e.body is not None  # the grammar gives sum a summand
        self.need_numeric(body, e.body, "'sum'")
        return I.Quant(kind, b, dom, cond, body, _join_numeric(body.ty, I.INT), e.span)

    # ------------------------------------------------------------ sets (NOTE(sets))

    def is_set(self, e: A.ExprE, scope: dict[str, I.Binder]) -> bool:
        """Does `e` denote a set (where a domain or a value could stand)?  Never reports."""
        match e:
            case A.SetE() | A.SetCompE():
                return True
            case A.PrimeE():
                return self.is_set(e.base, scope)
            case A.Name() if e.id in scope:
                return False
            case A.Name() | A.CallE():
                name = e.id if isinstance(e, A.Name) else e.name
                g = self.globals.get(name)
                if g is None:
                    return isinstance(e, A.CallE) and name in SET_BUILDERS
                if g.kind == "var":
                    return isinstance(g.ty, I.MapType) and g.ty.set
                if g.kind == "def" and not g.failed and name not in self.def_stack:
                    return self.check_def(name) is not None and name in self.set_defs
                return False
            case A.FieldE() | A.IndexE():
                try:
                    x = self.expr(e, scope, _Ctx(primes=True))
                except _Fail:
                    return False
                return isinstance(x.ty, I.MapType) and x.ty.set
        return False

    def source(self, e: A.ExprE, scope: dict[str, I.Binder], ctx: _Ctx, primed: bool) -> tuple[I.Type, _Set | None]:
        """What a quantifier or `for` ranges over: a finite domain, or a set (its element
        type, and the set whose members it keeps)."""
        if self.is_set(e, scope):
            got = self.set_of(e, scope, ctx, primed)
            return got.elem, got
        return self.domain(e, scope), None

    def set_of(self, e: A.ExprE, scope: dict[str, I.Binder], ctx: _Ctx, primed: bool,
               hint: I.Type | None = None) -> _Set:
        """`e` as a set: its element type and membership (NOTE(sets)).  `hint` is the element
        type the context expects, for `{}`."""
        if ctx.const:
            raise _err("FP308", f"{ctx.what} must be a constant, but a set reads the state", e.span)
        match e:
            case A.SetE(elems=()):
                if hint is None:
                    raise _err("FP323", "cannot tell what '{}' would hold here: write it where the element type "
                               "is known, as in 's == {}', 's = {}' or 'union(s, {})'", e.span)
                return _Set(hint, lambda k, span: I.Lit(False, I.BOOL, span))
            case A.SetE():
                xs = [self.expr(x, scope, ctx, primed) for x in e.elems]
                elem = hint if hint is not None and all(_compatible(hint, x.ty) for x in xs) else xs[0].ty
                for x, src in zip(xs, e.elems):
                    if not _compatible(elem, x.ty):
                        raise _err("FP302", f"a set of {elem} cannot hold {_article(x.ty)}", src.span)
                return _Set(elem, lambda k, span: _any_of([I.Binary(I.BinOp.EQ, k, x, I.BOOL, span) for x in xs], span))
            case A.SetCompE():
                dom, within = self.source(e.domain, scope, ctx, primed)
                b = self.binder(e.var, dom, e.var_span)
                cond = self.expr(e.cond, {**scope, e.var: b}, ctx, primed)
                self.need_bool(cond, e.cond, "the condition of a set comprehension")

                def comp(k: I.Expr, span: Span | None) -> I.Expr:
                    mine = _instantiate(cond, b, k, self.fresh_binder)
                    return mine if within is None else I.Binary(I.BinOp.AND, within.member(k, span), mine, I.BOOL, span)
                return _Set(dom, comp)
            case A.PrimeE():
                if not ctx.primes:
                    raise _err("FP311", f"primed variables (x') are only allowed in invariants, not in {ctx.what}", e.span)
                if primed:
                    raise _err("FP311", "a variable can be primed only once", e.span)
                return self.set_of(e.base, scope, ctx, True, hint)
            case A.CallE() if self.globals.get(e.name) is None and e.name in SET_BUILDERS:
                least = 1 if e.name in ("union", "intersection") else 2
                if len(e.args) < least or (e.name == "difference" and len(e.args) != 2):
                    want = "two sets" if e.name == "difference" else "one or more sets"
                    raise _err("FP303", f"'{e.name}' takes {want}, {len(e.args)} given", e.span)
                known = next((self.set_of(a, scope, ctx, primed, hint) for a in e.args
                              if not (isinstance(a, A.SetE) and not a.elems)), None)
                want_elem = hint if hint is not None else known.elem if known is not None else None
                sets = [self.set_of(a, scope, ctx, primed, want_elem) for a in e.args]
                elem = sets[0].elem
                for one, src in zip(sets, e.args):
                    if not _compatible(elem, one.elem):
                        raise _err("FP302", f"'{e.name}' of a set[{elem}] and a set[{one.elem}]", src.span)
                if e.name == "union":
                    return _Set(elem, lambda k, span: _any_of([one.member(k, span) for one in sets], span))
                if e.name == "intersection":
                    return _Set(elem, lambda k, span: _all_of([one.member(k, span) for one in sets], span))
                left, right = sets
                return _Set(elem, lambda k, span: I.Binary(
                    I.BinOp.AND, left.member(k, span), I.Unary(I.UnOp.NOT, right.member(k, span), I.BOOL, span),
                    I.BOOL, span))
            case A.Name() | A.CallE() if self.is_set(e, scope) and (e.id if isinstance(e, A.Name) else e.name) in self.set_defs:
                name = e.id if isinstance(e, A.Name) else e.name
                args: tuple[A.ExprE, ...] = () if isinstance(e, A.Name) else e.args
                d = self.defs_ir[name]
                if len(args) != len(d.params) - 1:
                    raise _err("FP303", f"'{name}' takes {len(d.params) - 1} argument(s), {len(args)} given", e.span)
                xargs_: list[I.Expr] = []
                for arg, p in zip(args, d.params):
                    got_arg = self.expr(arg, scope, ctx, primed)
                    if not _compatible(p.ty, got_arg.ty) or (isinstance(p.ty, I.IntType) and not isinstance(got_arg.ty, I.IntType)):
                        raise _err("FP302", f"argument '{p.name}' of '{name}' expects {_article(p.ty)}, found {_article(got_arg.ty)}", arg.span)
                    xargs_.append(got_arg)

                def called(k: I.Expr, span: Span | None) -> I.Expr:
                    call = I.Call(name, tuple(xargs_) + (k,), I.BOOL, span)
                    return _primed_body(call, self.defs_ir, self.fresh_binder) if primed else call
                return _Set(self.set_defs[name], called)
        x = self.expr(e, scope, ctx, primed)
        if not (isinstance(x.ty, I.MapType) and x.ty.set):
            raise _err("FP302", f"expected a set (a set variable, a set def, {{a, b}}, {{x in D where ...}}, union(...), "
                       f"...), found {_article(x.ty)}", e.span)
        return _Set(x.ty.key, lambda k, span: self.entry(x, k, span))

    def entry(self, base: I.Expr, key: I.Expr, span: Span | None) -> I.Expr:
        """`base[key]`; for a member set (NOTE(sets)), the flag of copy `key`."""
        if isinstance(base, I.VarRef) and base.name in self.member_sets:
            return I.LocalRef(self.member_sets[base.name], base.name, key, I.BOOL, base.primed, span)
        assert isinstance(base.ty, I.MapType)  # callers index maps only
        return I.Index(base, key, base.ty.value, span)

    # ------------------------------------------------------------ records (NOTE(records))

    def is_record(self, e: A.ExprE, scope: dict[str, I.Binder]) -> bool:
        """Does `e` denote a record (a record variable, or one entry or field of one)?  Never reports."""
        if not isinstance(e, (A.Name, A.FieldE, A.IndexE, A.PrimeE)):
            return False
        try:
            return isinstance(self.expr(e, scope, _Ctx(primes=True)).ty, I.RecordType)
        except _Fail:
            return False

    def leaves(self, e: A.ExprE, ty: I.RecordType | None, scope: dict[str, I.Binder], ctx: _Ctx,
               primed: bool = False, path: str = "") -> tuple[I.RecordType, list[tuple[str, I.Expr]]]:
        """A record's fields, flattened: (".yes", its value) for each, nested records included;
        `e` is a record place or, when `ty` says which record, a literal (whose fields may be
        places: `{x: p, y: {a: 0, b: true}}`); for an option, `none` or `some(v)` (NOTE(options))."""
        if ty is not None and ty.option:
            e = self.option_literal(e, ty, scope)
        elif self.is_none(e, scope) or self.is_some(e):
            raise _err("FP331", "compare none or some(v) with an option variable, not with another literal", e.span)
        if isinstance(e, A.RecordE):
            if ty is None:
                raise _err("FP328", "compare a record literal with a record variable, not with another literal", e.span)
            self.literal_fields(e, ty)
            out: list[tuple[str, I.Expr]] = []
            for f, t in ty.fields:
                part = next(x for g, x, _ in e.fields if g == f)
                if isinstance(t, I.RecordType):
                    out.extend(self.leaves(part, t, scope, ctx, primed, f"{path}.{f}")[1])
                else:
                    out.append((f"{path}.{f}", self.expr(part, scope, ctx, primed)))
            return ty, out
        place = self.expr(e, scope, ctx, primed)
        if not isinstance(place.ty, I.RecordType):
            raise _err("FP302", f"expected a {ty} record, found {_article(place.ty)}" if ty else
                       f"expected a record, found {_article(place.ty)}", e.span)
        if ty is not None and place.ty.name != ty.name:
            raise _err("FP302", f"expected a {ty} record, found a {place.ty}", e.span)
        return place.ty, [(path + p, _pathed(place, p, t, False, e.span)) for p, t in _flat(place.ty)]

    def record_equal(self, e: A.BinaryE, scope: dict[str, I.Binder], ctx: _Ctx, primed: bool) -> I.Expr:
        """`r == s` (`!=`): every field equal."""
        literal = isinstance(e.left, A.RecordE) or self.is_none(e.left, scope) or self.is_some(e.left)
        first, second = (e.right, e.left) if literal else (e.left, e.right)
        ty, a = self.leaves(first, None, scope, ctx, primed)
        if ty.option and self.is_none(second, scope):  # NOTE(options): `x == none` reads the flag alone
            some = dict(a)[".some"]
            return I.Unary(I.UnOp.NOT, some, I.BOOL, e.span) if e.op == "==" else some
        _, b = self.leaves(second, ty, scope, ctx, primed)
        parts: list[I.Expr] = []
        for (path, x), (_, y) in zip(a, b):
            if not _compatible(x.ty, y.ty) or isinstance(x.ty, I.MapType):
                if ty.option and path == ".value":
                    raise _err("FP302", f"cannot compare an {ty} with some(v) where v is {_article(y.ty)}", e.span)
                raise _err("FP302", f"cannot compare field {path[1:]} of {ty}: {_article(x.ty)} with {_article(y.ty)}", e.span)
            parts.append(I.Binary(I.BinOp.EQ, x, y, I.BOOL, e.span))
        same = _all_of(parts, e.span)
        return same if e.op == "==" else I.Unary(I.UnOp.NOT, same, I.BOOL, e.span)

    def record_assign(self, target: I.Expr, value: A.ExprE, scope: dict[str, I.Binder], ctx: _Ctx,
                      assigned: dict[str, Span | None], span: Span | None) -> list[I.Stmt]:
        """`r = {yes: 0, no: 0}` or `r = s`: every field (the body reads the pre-state)."""
        assert isinstance(target.ty, I.RecordType)  # the caller checked it
        _, values = self.leaves(value, target.ty, scope, ctx)
        out: list[I.Stmt] = []
        for path, t in _flat(target.ty):
            place = _pathed(target, path, t, False, span)
            x = dict(values)[path]
            if not _assignable(place.ty, x.ty):
                if target.ty.option and path == ".value":
                    raise _err("FP302", f"cannot assign some(v) where v is {_article(x.ty)} to an {target.ty}", value.span)
                raise _err("FP302", f"cannot assign {_article(x.ty)} to field {path[1:]} of type {_article(place.ty)}", value.span)
            _once(place, assigned, span)
            out.append(I.Assign(place, x, span))
        return out

    def fresh_binder(self, b: I.Binder) -> I.Binder:
        return self.binder(b.name, b.ty, b.span)

    def set_equal(self, e: A.BinaryE, scope: dict[str, I.Binder], ctx: _Ctx, primed: bool) -> I.Expr:
        """`s == t` (`!=`): the same members, element by element."""
        first, second = (e.right, e.left) if isinstance(e.left, A.SetE) and not e.left.elems else (e.left, e.right)
        a = self.set_of(first, scope, ctx, primed)
        c = self.set_of(second, scope, ctx, primed, a.elem)
        if not _compatible(a.elem, c.elem):
            raise _err("FP302", f"cannot compare a set[{a.elem}] with a set[{c.elem}]", e.span)
        b = self.binder("_elem", a.elem, e.span)
        k = I.BoundRef(b, a.elem, e.span)
        same = I.Quant(I.QuantKind.FORALL, b, a.elem, None,
                       I.Binary(I.BinOp.EQ, a.member(k, e.span), c.member(k, e.span), I.BOOL, e.span), I.BOOL, e.span)
        return same if e.op == "==" else I.Unary(I.UnOp.NOT, same, I.BOOL, e.span)

    def set_call(self, name: str, args: tuple[A.ExprE, ...], span: Span | None, scope: dict[str, I.Binder],
                 ctx: _Ctx, primed: bool) -> I.Expr:
        """`size(s)`: how many members; `subset(s, t)`: every member of s is one of t."""
        want = 1 if name == "size" else 2
        if len(args) != want:
            raise _err("FP303", f"'{name}' takes {'one set' if want == 1 else 'two sets'}, {len(args)} given", span)
        a = self.set_of(args[0], scope, ctx, primed)
        b = self.binder("_elem", a.elem, span)
        k = I.BoundRef(b, a.elem, span)
        if name == "size":
            return I.Quant(I.QuantKind.COUNT, b, a.elem, a.member(k, span), None, I.INT, span)
        c = self.set_of(args[1], scope, ctx, primed, a.elem)
        if not _compatible(a.elem, c.elem):
            raise _err("FP302", f"'subset' of a set[{a.elem}] and a set[{c.elem}]", span)
        return I.Quant(I.QuantKind.FORALL, b, a.elem, None,
                       I.Binary(I.BinOp.IMPLIES, a.member(k, span), c.member(k, span), I.BOOL, span), I.BOOL, span)

    def set_assign(self, target: I.Expr, s: A.AssignS, scope: dict[str, I.Binder], ctx: _Ctx,
                   assigned: dict[str, Span | None]) -> I.Stmt:
        """`s = E` for a set: every entry at once, `for k in K { s[k] = k in E }` (the body
        reads the pre-state, so E may read s)."""
        assert isinstance(target.ty, I.MapType)  # the caller checked it is a set
        value = self.set_of(s.value, scope, ctx, False, target.ty.key)
        if not _compatible(target.ty.key, value.elem):
            raise _err("FP302", f"cannot assign a set[{value.elem}] to {_describe_target(target)} of type {target.ty}", s.value.span)
        _once(target, assigned, s.span)
        one = self.one_change(target, s.value, scope, ctx)
        if one is not None:  # s = union(s, {x}) sets one entry: no loop that compares x with every key
            key, on = one
            return I.Assign(self.entry(target, key, s.span), I.Lit(on, I.BOOL, s.span), s.span)
        b = self.binder("_elem", target.ty.key, s.span)
        k = I.BoundRef(b, target.ty.key, s.span)
        return I.For(b, target.ty.key, (I.Assign(self.entry(target, k, s.span), value.member(k, s.span), s.span),), s.span)

    def one_change(self, target: I.Expr, value: A.ExprE, scope: dict[str, I.Binder], ctx: _Ctx
                   ) -> tuple[I.Expr, bool] | None:
        """(x, True) for `s = union(s, {x})` (or union({x}, s)), (x, False) for
        `s = difference(s, {x})`; None otherwise."""
        if not (isinstance(value, A.CallE) and value.name in ("union", "difference") and len(value.args) == 2
                and self.globals.get(value.name) is None):
            return None
        pairs = [value.args] if value.name == "difference" else [value.args, value.args[::-1]]
        for same, single in pairs:
            if isinstance(single, A.SetE) and len(single.elems) == 1:
                try:
                    if self.expr(same, scope, ctx) != target:
                        continue
                except _Fail:
                    return None
                return self.expr(single.elems[0], scope, ctx), value.name == "union"
        return None

    def need_bool(self, x: I.Expr, src: A.ExprE, where: str) -> None:
        if not isinstance(x.ty, I.BoolType):
            raise _err("FP302", f"{where} expects 'bool', found {_article(x.ty)}", src.span)

    def need_numeric(self, x: I.Expr, src: A.ExprE, where: str) -> None:
        if not I.is_numeric(x.ty):
            raise _err("FP302", f"{where} expects a number ('int' or 'rat'), found {_article(x.ty)}", src.span)

    # ------------------------------------------------------------ declarations

    def check_def(self, name: str) -> I.Def | None:
        """Defs are checked on first use (they may be used before they are written)."""
        if name in self.defs_ir:
            return self.defs_ir[name]
        g = self.globals[name]
        if g.failed:
            return None
        d = g.decl
        assert isinstance(d, A.DefD)  # only names declared as defs get here (run, call)
        if name in self.def_stack:
            cycle = " -> ".join(self.def_stack[self.def_stack.index(name):] + [name])
            g.failed = True
            self.diags.append(Diagnostic("FP207", f"definitions may not be recursive: {cycle}", d.name_span))
            return None
        self.def_stack.append(name)
        try:
            scope: dict[str, I.Binder] = {}
            params = []
            for f in d.formals:
                if f.name in scope:
                    raise _err("FP201", f"parameter '{f.name}' is listed twice", f.span)
                t = self.resolve_type(f.type, {})
                b = self.binder(f.name, t, f.span)
                scope[f.name] = b
                params.append(b)
            declared_set = self.resolve_type(d.ret, {}) if d.ret is not None and _names_set_type(d.ret) else None
            if declared_set is not None or self.is_set(d.body, scope):
                # NOTE(sets): `def s: set[K] = E` is the def `s(..., k: K): bool = k in E`
                got = self.set_of(d.body, scope, _Ctx(what=f"definition '{name}'"), False,
                                  declared_set.key if isinstance(declared_set, I.MapType) else None)
                if isinstance(declared_set, I.MapType) and not _compatible(declared_set.key, got.elem):
                    raise _err("FP302", f"'{name}' is declared {declared_set} but its body is set[{got.elem}]", d.body.span)
                if d.is_threshold:
                    raise _err("FP302", f"a threshold must be a condition ('bool'), but '{name}' is a set", d.body.span)
                k = self.binder("_elem", got.elem, d.name_span)
                body = got.member(I.BoundRef(k, got.elem, d.name_span), d.body.span)
                self.set_defs[name] = got.elem
                result = I.Def(name, tuple(params) + (k,), body, I.BOOL, False, d.span)
                self.defs_ir[name] = result
                return result
            body = self.expr(d.body, scope, _Ctx(what=f"definition '{name}'"))
            ty = body.ty
            if _has_option(ty) or any(_has_option(p.ty) for p in params):
                raise _err("FP331", f"a def neither takes nor gives an option ('{name}'): give it the value, or "
                           f"compare the option inside it", d.name_span)
            if _has_record(ty) or any(_has_record(p.ty) for p in params):
                raise _err("FP328", f"a def neither takes nor gives a record ('{name}'): give it the fields it needs",
                           d.name_span)
            if d.ret is not None:
                declared = self.resolve_type(d.ret, {})
                if not _assignable(declared, body.ty) and not _compatible(declared, body.ty):
                    raise _err("FP302", f"'{name}' is declared {_article(declared)} but its body is {_article(body.ty)}", d.body.span)
                ty = declared if not isinstance(declared, I.IntType) or not declared.bounded else I.INT
            if d.is_threshold and not isinstance(body.ty, I.BoolType):
                raise _err("FP302", f"a threshold must be a condition ('bool'), but '{name}' is {_article(body.ty)}", d.body.span)
            meant = None
            if d.meant is not None:
                if not d.is_threshold:
                    self.diags.append(Diagnostic(
                        "FP319", f"'meant' states the intended bound of a threshold, but '{name}' is a def", d.meant_span,
                        (Note(f"declare it as 'threshold {name} = ...' to state what it is meant to be", d.name_span),)))
                else:
                    meant = self.expr(d.meant, scope, _Ctx(what=f"the 'meant' of '{name}'"))
                    self.need_bool(meant, d.meant, "'meant'")
            support = population = None
            if d.support is not None and d.population is not None:
                support = self.expr(d.support, scope, _Ctx(what=f"the support of '{name}'"))
                self.need_numeric(support, d.support, "'measures'")
                population = self.expr(d.population, scope, _Ctx(what=f"the population of '{name}'"))
                self.need_numeric(population, d.population, "'of'")
            result = I.Def(name, tuple(params), body, ty, d.is_threshold, d.span, meant, support, population)
            self.defs_ir[name] = result
            return result
        except _Fail as f:
            g.failed = True
            self.report(f)
            return None
        finally:
            self.def_stack.pop()

    def state_vars(self, v: A.VarD, family: str | None, ty: I.Type | None) -> list[I.StateVar]:
        """The variable; for a record (or a map of records), one per field (NOTE(records))."""
        if ty is None or not _has_record(ty):
            return [self.state_var(v, family, ty)]
        if _has_option(ty) and v.init_kind in ("in", "any"):  # NOTE(options): a none holds one value
            raise _err("FP330", f"an option variable starts at none or some(v), not '{'= any' if v.init_kind == 'any' else 'in D'}'; "
                       "to start anywhere, start at none and add an action that sets it", v.span)
        if v.init_kind == "in":
            raise _err("FP328", "a record variable starts at a record literal ('= {f: value, ...}') or at '= any', "
                       "not 'in D'", v.span)
        out = []
        for path, t in _flat(ty):
            init = v
            if v.init_kind == "expr":
                assert v.init is not None  # the parser gives `= e` its expression
                init = dataclasses.replace(v, init=self.literal_part(v.init, path, ty, v.name))
            sv = self.state_var(dataclasses.replace(init, name=v.name + path), family, t)
            out.append(dataclasses.replace(sv, record_keys=_record_keys(ty, path)))
        return out

    def literal_part(self, e: A.ExprE, path: str, ty: I.Type, name: str) -> A.ExprE:
        """The part of the record literal `e` at `path` (".yes", ".t.no") of a record-typed `ty`."""
        while isinstance(ty, I.MapType):
            ty = ty.value
        for f in path.strip(".").split("."):
            assert isinstance(ty, I.RecordType)  # _flat follows the record's fields
            if ty.option:
                e = self.option_literal(e, ty, {})
                if not isinstance(e, A.RecordE):
                    raise _err("FP302", f"'{name}' holds {ty} values: its initial value is none or some(v)", e.span)
            if not isinstance(e, A.RecordE):
                raise _err("FP302", f"'{name}' holds {ty} records: its initial value is a record literal such as "
                           f"{{{', '.join(x + ': ...' for x, _ in ty.fields)}}}", e.span)
            self.literal_fields(e, ty)
            e = next(x for g, x, _ in e.fields if g == f)
            ty = ty.field(f)  # type: ignore[assignment]
            while isinstance(ty, I.MapType):
                ty = ty.value
        return e

    def literal_fields(self, e: A.RecordE, ty: I.RecordType) -> None:
        got = [f for f, _, _ in e.fields]
        want = [f for f, _ in ty.fields]
        for f, _, sp in e.fields:
            if f not in want:
                near = closest(f, want)
                raise _err("FP329", f"record {ty} has no field '{f}'" + (f"; did you mean '{near}'?" if near else ""), sp)
        missing = [f for f in want if f not in got]
        if missing or len(got) != len(set(got)):
            what = f"misses {', '.join(repr(f) for f in missing)}" if missing else "lists a field twice"
            raise _err("FP329", f"this {ty} literal {what}: a record literal gives every field once", e.span)

    def state_var(self, v: A.VarD, family: str | None, ty: I.Type | None) -> I.StateVar:
        if ty is None:
            raise _Fail(None)  # its type could not be resolved, already reported
        const = _Ctx(const=True, what="an initial value")
        if v.init_kind == "none":
            raise _err("FP316", f"variable '{v.name}' needs an initial value: '= value', '= any' or 'in D'", v.span)
        value_ty = ty.value if isinstance(ty, I.MapType) else ty
        while isinstance(value_ty, I.MapType):
            value_ty = value_ty.value
        init: I.Expr | I.InitAny
        if isinstance(ty, I.MapType) and ty.set and v.init_kind == "expr":
            assert v.init is not None  # the parser gives `= e` its expression
            if not (isinstance(v.init, A.SetE) and not v.init.elems):
                raise _err("FP322", "a set variable starts empty ('= {}') or as any subset ('= any'); add "
                           "the members with an action", v.init.span)
            return I.StateVar(v.name, ty, I.Lit(False, I.BOOL, v.init.span), family, v.span)
        if isinstance(ty, I.MapType) and ty.set and v.init_kind == "in":
            raise _err("FP322", "a set variable starts empty ('= {}') or as any subset ('= any'), not 'in D'", v.span)
        if v.init_kind == "expr":
            assert v.init is not None  # the parser gives `= e` its expression
            init = self.expr(v.init, {}, const)
            if not _assignable(value_ty, init.ty):
                raise _err("FP302", f"'{v.name}' has type {_article(ty)} but its initial value is {_article(init.ty)}", v.init.span)
        elif v.init_kind == "any":
            if not I.is_finite_domain(value_ty):
                raise _err("FP304", f"'= any' needs a finite type, but '{v.name}' is {_article(ty)}", v.span)
            init = I.InitAny(value_ty)
        else:
            assert v.init is not None  # the parser gives `in D` its domain
            dom = self.domain(v.init, {})
            if not _assignable(value_ty, dom) and not _compatible(value_ty, dom):
                raise _err("FP302", f"'{v.name}' has type {_article(ty)} but 'in' gives values of {_article(dom)}", v.init.span)
            init = I.InitAny(dom)
        return I.StateVar(v.name, ty, init, family, v.span)

    def stmts(self, body: tuple[A.StmtS, ...], scope: dict[str, I.Binder], ctx: _Ctx,
              assigned: dict[str, Span | None]) -> tuple[I.Stmt, ...]:
        out: list[I.Stmt] = []
        for s in body:
            match s:
                case A.AssignS():
                    target = self.expr(s.target, scope, ctx)
                    if not _is_state_ref(target):
                        raise _err("FP317", "only state variables (x, p.x, m[k]) can be assigned", s.target.span)
                    if isinstance(target.ty, I.MapType) and target.ty.set:
                        out.append(self.set_assign(target, s, scope, ctx, assigned))
                        continue
                    if isinstance(target.ty, I.RecordType):  # NOTE(records): field by field
                        out.extend(self.record_assign(target, s.value, scope, ctx, assigned, s.span))
                        continue
                    value = self.expr(s.value, scope, ctx)
                    if not _assignable(target.ty, value.ty):
                        if isinstance(target.ty, I.MapType):
                            raise _err("FP302", "a whole map cannot be assigned; assign its entries, e.g. with 'for k in K { m[k] = ... }'", s.span)
                        raise _err("FP302", f"cannot assign {_article(value.ty)} to {_describe_target(target)} of type {_article(target.ty)}", s.value.span)
                    _once(target, assigned, s.span)
                    out.append(I.Assign(target, value, s.span))
                case A.IfS():
                    cond = self.expr(s.cond, scope, ctx)
                    self.need_bool(cond, s.cond, "the condition of 'if'")
                    then = self.stmts(s.then, scope, ctx, dict(assigned))
                    else_ = self.stmts(s.else_, scope, ctx, dict(assigned))
                    out.append(I.If(cond, then, else_, s.span))
                case A.ForS():
                    dom, within = self.source(s.domain, scope, ctx, False)
                    b = self.binder(s.var, dom, s.var_span)
                    inner = self.stmts(s.body, {**scope, s.var: b}, ctx, assigned)
                    if within is not None:  # NOTE(sets): the element type, each member only
                        inner = (I.If(within.member(I.BoundRef(b, dom, s.var_span), s.domain.span), inner, (), s.span),)
                    out.append(I.For(b, dom, inner, s.span))
        return tuple(out)

    def formals(self, formals: tuple[A.Formal, ...], finite: bool) -> dict[str, I.Binder]:
        scope: dict[str, I.Binder] = {}
        for f in formals:
            if f.name in scope:
                raise _err("FP201", f"parameter '{f.name}' is listed twice", f.span)
            t = self.domain(f.type, {}) if finite else self.resolve_type(f.type, {})
            scope[f.name] = self.binder(f.name, t, f.span)
        return scope

    def run(self) -> I.Model:
        decls = self.ast.decls
        # pass 1: every global name, so that order does not matter
        for d in decls:
            match d:
                case A.ParamD():
                    self.declare(d.name, "param", d, d.name_span)
                case A.EnumD():
                    self.declare(d.name, "enum", d, d.name_span)
                    seen: dict[str, Span | None] = {}
                    for m, sp in d.members:
                        if m in seen:
                            self.diags.append(Diagnostic("FP201", f"'{m}' is listed twice in enum {d.name}", sp, (Note("first listed here", seen[m]),)))
                            continue
                        seen[m] = sp
                        self.declare(m, "member", d, sp)
                case A.TypeD():
                    self.declare(d.name, "alias", d, d.name_span)
                case A.RecordD():
                    self.declare(d.name, "record", d, d.name_span)
                case A.ProcessD():
                    self.declare(d.name, "family", d, d.name_span)
                    table: dict[str, _Global] = {}
                    for v in d.vars:
                        self.declare(v.name, "var", v, v.name_span, table)
                    self.locals[d.name] = table
                case A.VarD():
                    self.declare(d.name, "var", d, d.name_span)
                case A.ClockD():
                    self.declare(d.var.name, "var", d.var, d.var.name_span)
                case A.DefD():
                    self.declare(d.name, "def", d, d.name_span)
                case A.ActionD():
                    self.declare(d.name, "action", d, d.name_span)
                case A.InvariantD():
                    self.reserved(d)
                    self.declare(d.name, "invariant", d, d.name_span)
                case A.PropertyD():
                    self.reserved(d)
                    self.declare(d.name, "property", d, d.name_span)
        # enums first: their members are values everywhere
        enums = []
        for d in decls:
            if isinstance(d, A.EnumD):
                members = tuple(dict.fromkeys(m for m, _ in d.members))
                t = I.EnumType(d.name, members)
                if self.globals.get(d.name) and self.globals[d.name].decl is d:
                    self.globals[d.name].ir = t
                    enums.append(t)
                for i, m in enumerate(members):
                    g = self.globals.get(m)
                    if g is not None and g.kind == "member" and g.decl is d:
                        g.ir = (t, i)
        params = []
        for d in decls:
            g = self.globals.get(d.name) if isinstance(d, A.ParamD) else None
            if g is not None and g.decl is d:  # a rejected name (duplicate, built-in type) was reported
                self.guard(g, lambda d=d: params.append(self.param(d)))
        for d in decls:
            if isinstance(d, A.TypeD):
                g = self.globals.get(d.name)
                if g is not None and g.decl is d:
                    self.guard(g, lambda d=d: self.resolve_type(d.type, {}, (d.name,)))
        for g in [*self.globals.values(), *(x for table in self.locals.values() for x in table.values())]:
            if g.kind == "var":
                self.guard(g, lambda g=g: setattr(g, "ty", self.resolve_type(g.decl.type, {})))
        for name, g in self.globals.items():
            vt = g.ty
            if g.kind == "var" and isinstance(vt, I.MapType) and vt.set and isinstance(vt.key, I.ProcType) \
                    and name not in self.locals.get(vt.key.family, {}):
                self.member_sets[name] = vt.key.family
        assumes, families, globals_, actions, invariants, properties = [], [], [], [], [], []
        fairness: list[I.Fairness] = []
        for d in decls:
            if isinstance(d, A.AssumeD):
                self.guard(None, lambda d=d: assumes.append(self.assume(d)))
        for d in decls:
            if isinstance(d, A.ProcessD) and self.globals.get(d.name) and self.globals[d.name].decl is d:
                self.guard(self.globals[d.name], lambda d=d: families.append(self.family(d)))
        clocks: list[tuple[A.ClockD, I.StateVar]] = []
        for d in decls:
            vd = d.var if isinstance(d, A.ClockD) else d
            if isinstance(vd, A.VarD) and self.globals.get(vd.name) and self.globals[vd.name].decl is vd:
                g = self.globals[vd.name]
                self.guard(g, lambda vd=vd, g=g: globals_.extend(self.state_vars(vd, None, g.ty)))
                if isinstance(d, A.ClockD) and not g.failed:
                    self.guard(g, lambda d=d: self.clock_type(d) and self.keep(clocks, (d, globals_[-1])))
        for i, fam in enumerate(families):  # NOTE(sets): a member set is a flag of each copy
            flags = [v for v in globals_ if self.member_sets.get(v.name) == fam.name]
            if flags:
                lifted = tuple(I.StateVar(v.name, I.BOOL, v.init if isinstance(v.init, I.Lit) else I.InitAny(I.BOOL),
                                          fam.name, v.span) for v in flags)
                families[i] = dataclasses.replace(fam, locals=fam.locals + lifted)
                globals_ = [v for v in globals_ if v not in flags]
        for d in decls:
            if isinstance(d, A.DefD) and self.globals.get(d.name) and self.globals[d.name].decl is d:
                self.check_def(d.name)
        for d in decls:
            match d:
                case A.ActionD():
                    self.guard(None, lambda d=d: actions.append(self.action(d)))
                case A.InvariantD():
                    self.guard(None, lambda d=d: invariants.append(self.invariant(d)))
                case A.PropertyD():
                    self.guard(None, lambda d=d: properties.append(self.property(d)))
        action_names = {a.name: a for a in self.ast.decls if isinstance(a, A.ActionD)}
        checked = {a.name: a for a in actions}
        urgent = [d for d in decls if isinstance(d, A.UrgentD)]
        if clocks or urgent:
            self.guard(None, lambda: self.tick(clocks, urgent, action_names, checked, actions, fairness))
        for d in decls:
            if isinstance(d, A.FairD):
                self.guard(None, lambda d=d: fairness.append(self.fair(d, action_names, checked)))
        if not self.diags:  # a declaration that failed must have said why: never drop one silently
            lost = next(((name, g) for name, g in [*self.globals.items(), *(x for t in self.locals.values()
                                                                            for x in t.items())] if g.failed), None)
            if lost is not None:
                self.diags.append(Diagnostic("FP399", f"'{lost[0]}' could not be checked, and no reason was "
                                                      "found: this is a bug in forkproof, please report it", lost[1].span))
        if self.diags:
            self.diags.sort(key=lambda x: (x.span.line, x.span.col) if x.span else (0, 0))
            raise ModelError(self.diags)
        return I.Model(
            name=self.ast.name,
            path=self.path,
            params=tuple(params),
            assumes=tuple(assumes),
            enums=tuple(enums),
            families=tuple(families),
            globals=tuple(globals_),
            defs=tuple(self.defs_ir[d.name] for d in decls if isinstance(d, A.DefD) and d.name in self.defs_ir),
            actions=tuple(actions),
            invariants=tuple(invariants),
            properties=tuple(properties),
            fairness=tuple(fairness),
            library=self.ast.library,
        )

    # ------------------------------------------------------------ clocks (NOTE(clocks))

    @staticmethod
    def keep(into: list, x: object) -> bool:
        into.append(x)
        return True

    def clock_type(self, d: A.ClockD) -> bool:
        g = self.globals[d.var.name]
        if not (isinstance(g.ty, I.IntType) and g.ty.bounded):
            raise _err("FP324", f"a clock counts ticks up to a bound: give '{d.var.name}' a range type such as 0..10, "
                       f"not {_article(g.ty) if g.ty is not None else 'this'}", d.var.type.span)
        return True

    def tick(self, clocks: list[tuple[A.ClockD, I.StateVar]], urgent: list[A.UrgentD],
             action_names: dict[str, A.ActionD], checked: dict[str, I.Action], actions: list[I.Action],
             fairness: list[I.Fairness]) -> None:
        """NOTE(clocks): the built-in action `tick`.  Time advances by one tick: every clock
        whose condition holds and that is below its upper bound counts one more.  It is
        enabled when some clock would count and no urgent action is enabled, and strongly
        fair (time does not stop while it can go on).  A model without clocks has no tick."""
        for u in urgent:
            if u.action not in action_names:
                near = closest(u.action, action_names)
                raise _err("FP202", f"unknown action '{u.action}'" + (f"; did you mean '{near}'?" if near else ""), u.name_span)
            if not clocks:
                raise _err("FP325", f"'urgent action {u.action}' says the action fires before time advances, but the "
                           f"model has no clock: declare one ('clock now: 0..10') or drop 'urgent'", u.span)
        if "tick" in action_names:
            raise _err("FP324", "the clocks' built-in action is named 'tick': rename this action", action_names["tick"].name_span)
        span = clocks[0][0].span
        runs: list[I.Expr] = []
        body: list[I.Stmt] = []
        assigned: dict[str, Span | None] = {}
        for d, v in clocks:
            assert isinstance(v.ty, I.IntType) and v.ty.hi is not None  # clock_type
            ref = I.VarRef(v.name, v.ty, False, d.var.name_span)
            room = I.Binary(I.BinOp.LT, ref, v.ty.hi, I.BOOL, d.span)
            if d.when is not None:
                cond = self.expr(d.when, {}, _Ctx(what=f"the condition of clock '{v.name}'"))
                self.need_bool(cond, d.when, f"'clock {v.name} when'")
                room = I.Binary(I.BinOp.AND, cond, room, I.BOOL, d.span)
            runs.append(room)
            plus = I.Binary(I.BinOp.ADD, ref, I.Lit(1, I.INT, d.span), I.INT, d.span)
            assigned[v.name] = d.var.name_span
            more = self.stmts(d.body, {}, _Ctx(what=f"the tick of clock '{v.name}'"), assigned)
            body.append(I.If(room, (I.Assign(ref, plus, d.span),) + more, (), d.span))
        guard = _any_of(runs, span)
        for u in urgent:
            a = checked.get(u.action)
            if a is None:  # the action failed to check, and was reported
                raise _Fail(None)
            guard = I.Binary(I.BinOp.AND, guard, I.Unary(I.UnOp.NOT, self.enabled(a, u.span), I.BOOL, u.span), I.BOOL, span)
        actions.append(I.Action("tick", (), guard, tuple(body), span))
        fairness.append(I.Fairness("tick", True, (), span))

    def enabled(self, a: I.Action, span: Span | None) -> I.Expr:
        """Some instance of `a` is enabled: its guard under `exists` over its parameters, with
        binders of its own (the action keeps its)."""
        subst: dict[int, I.Expr] = {}
        fresh = []
        for p in a.params:
            b = self.binder(p.name, p.ty, p.span)
            subst[p.uid] = I.BoundRef(b, p.ty, span)
            fresh.append(b)
        out = _rebind(a.guard, subst, self.fresh_binder)
        for b in reversed(fresh):
            out = I.Quant(I.QuantKind.EXISTS, b, b.ty, None, out, I.BOOL, span)
        return out

    def guard(self, g: _Global | None, fn: Callable[..., object]) -> None:
        # `fn` is called with no arguments; it is typed `...` because callers pass lambdas that
        # bind their loop variable as a default (`lambda d=d: ...`), which mypy cannot match
        # against Callable[[], object].
        try:
            fn()
        except _Fail as f:
            if g is not None:
                g.failed = True
            self.report(f)

    def param(self, d: A.ParamD) -> I.Param:
        g = self.globals[d.name]
        ty = self.resolve_type(d.type, {})
        if not isinstance(ty, (I.IntType, I.BoolType, I.RatType, I.EnumType)):
            raise _err("FP318", f"a param must be int, bool, rat, a range or an enum, not {_article(ty)}", d.type.span)
        default = sweep = None
        ctx = _Ctx(const=True, what="a param's default")
        if isinstance(d.default, A.RangeE):
            if not isinstance(ty, I.IntType):
                raise _err("FP318", f"only integer params can sweep a range of values; '{d.name}' is {_article(ty)}", d.default.span)
            lo, hi = self.expr(d.default.lo, {}, ctx), self.expr(d.default.hi, {}, ctx)
            for x, src in ((lo, d.default.lo), (hi, d.default.hi)):
                if not isinstance(x.ty, I.IntType):
                    raise _err("FP301", f"a sweep bound must be an integer, found {_article(x.ty)}", src.span)
            sweep = (lo, hi)
        elif d.default is not None:
            default = self.expr(d.default, {}, ctx)
            if not _assignable(ty, default.ty):
                raise _err("FP302", f"param '{d.name}' has type {_article(ty)} but its default is {_article(default.ty)}", d.default.span)
        result = I.Param(d.name, ty, default, sweep, d.span)
        g.ir = result
        return result

    def assume(self, d: A.AssumeD) -> I.Assume:
        e = self.expr(d.expr, {}, _Ctx(const=True, what="an assumption"))
        self.need_bool(e, d.expr, "'assume'")
        return I.Assume(e, d.span)

    def family(self, d: A.ProcessD) -> I.Family:
        size = self.expr(d.size, {}, _Ctx(const=True, what="a family size"))
        if not isinstance(size.ty, I.IntType):
            raise _err("FP301", f"a family size must be an integer, found {_article(size.ty)}", d.size.span)
        locals_ = []
        for v in d.vars:
            g = self.locals[d.name].get(v.name)
            if g is None or g.decl is not v:
                continue
            try:
                locals_.extend(self.state_vars(v, d.name, g.ty))
            except _Fail as f:
                g.failed = True
                self.report(f)
        return I.Family(d.name, size, tuple(locals_), d.span)

    def action(self, d: A.ActionD) -> I.Action:
        scope = self.formals(d.formals, finite=True)
        ctx = _Ctx(what=f"action '{d.name}'")
        guard: I.Expr = I.Lit(True, I.BOOL, None)
        if d.guard is not None:
            guard = self.expr(d.guard, scope, ctx)
            self.need_bool(guard, d.guard, "'when'")
        body = self.stmts(d.body, scope, ctx, {})
        return I.Action(d.name, tuple(scope.values()), guard, body, d.span)

    def invariant(self, d: A.InvariantD) -> I.Invariant:
        e = self.expr(d.expr, {}, _Ctx(primes=True, what=f"invariant '{d.name}'"))
        self.need_bool(e, d.expr, "an invariant")
        return I.Invariant(d.name, e, _has_primes(e), d.span, self.expect(d.expect))

    def property(self, d: A.PropertyD) -> I.Property:
        e = self.expr(d.expr, {}, _Ctx(temporal=True, what=f"property '{d.name}'"))
        self.need_bool(e, d.expr, "a property")
        if (bad := assume.check(e)) is not None:  # NOTE(assume): assumptions in their one place and shape
            raise _Fail(bad)
        return I.Property(d.name, e, d.span, self.expect(d.expect))

    def expect(self, d: A.ExpectD | None) -> I.Expect | None:
        """NOTE(expect) in spec/ir.py: the condition is a constant over bool and enum params."""
        if d is None:
            return None
        when = None
        if d.when is not None:
            when = self.expr(d.when, {}, _Ctx(const=True, what="the condition of 'expect'"))
            self.need_bool(when, d.when, "'expect violated when'")
            for ref in _param_refs(when):
                if not isinstance(ref.ty, (I.BoolType, I.EnumType)):
                    raise _err("FP320", f"the condition of 'expect' may read only bool and enum params, whose every "
                               f"value the report shows apart; '{ref.name}' is {_article(ref.ty)}", ref.span)
        return I.Expect(d.verdict, when, d.reason, d.span)

    def fair(self, d: A.FairD, actions: dict[str, A.ActionD], checked: dict[str, I.Action]) -> I.Fairness:
        a = actions.get(d.action)
        if a is None:
            near = closest(d.action, actions)
            raise _err("FP202", f"unknown action '{d.action}'" + (f"; did you mean '{near}'?" if near else ""), d.name_span)
        names = [f.name for f in a.formals]
        for p in d.per:
            if p not in names:
                raise _err("FP202", f"action '{d.action}' has no parameter '{p}'" + (f" (it has: {', '.join(names)})" if names else " (it has none)"), d.span)
        when = None
        if d.when is not None:
            # NOTE(fair-when): read in the action's scope, with the same binders as its guard
            action = checked.get(d.action)
            if action is None:  # the action itself failed to check, and was reported
                raise _Fail(None)
            scope = {p.name: p for p in action.params}
            when = self.expr(d.when, scope, _Ctx(what=f"the fairness condition of '{d.action}'"))
            self.need_bool(when, d.when, f"'fair action {d.action} when'")
        return I.Fairness(d.action, d.strong, d.per, d.span, when)


_BOOL_OPS = {"and": I.BinOp.AND, "or": I.BinOp.OR, "implies": I.BinOp.IMPLIES, "~>": I.BinOp.LEADSTO}
_CMP_OPS = {"==": I.BinOp.EQ, "!=": I.BinOp.NE, "<": I.BinOp.LT, "<=": I.BinOp.LE, ">": I.BinOp.GT, ">=": I.BinOp.GE}
_ARITH_OPS = {"+": I.BinOp.ADD, "-": I.BinOp.SUB, "*": I.BinOp.MUL, "%": I.BinOp.MOD}


SET_BUILDERS = ("union", "intersection", "difference")  # calls that make a set (NOTE(sets))


def _names_set_type(e: A.ExprE | None) -> bool:
    return isinstance(e, A.SetTypeE) or (isinstance(e, A.IndexE) and isinstance(e.base, A.Name) and e.base.id == "set")


@dataclass(frozen=True)
class _Set:
    """NOTE(sets): a set is known to the checker by its element type and its membership
    test; `member(k, span)` is the bool expression "k is in it", made anew at each use (its
    quantifiers get binders of their own).  Engines never see a set: `set[K]` is the map
    [K] bool, `x in s` its entry (or the test itself, for a literal, a comprehension, a
    union...), `size(s)` a count, a quantifier over s one over K kept to members, and
    `s = E` the loop that sets every entry."""

    elem: I.Type
    member: Callable[[I.Expr, Span | None], I.Expr]


def _once(target: I.Expr, assigned: dict[str, Span | None], span: Span | None) -> None:
    """A whole variable is written at most once per step (FP206); `assigned` records where."""
    if isinstance(target, I.VarRef):
        if target.name in assigned:
            raise _err("FP206", f"'{target.name}' is assigned twice in one step (assignments are simultaneous)", span,
                       Note("first assignment is here", assigned[target.name]))
        assigned[target.name] = span


def _has_record(ty: I.Type) -> bool:
    while isinstance(ty, I.MapType):
        ty = ty.value
    return isinstance(ty, I.RecordType)


def _has_option(ty: I.Type) -> bool:
    while isinstance(ty, I.MapType):
        ty = ty.value
    return isinstance(ty, I.RecordType) and (ty.option or any(_has_option(t) for _, t in ty.fields))


def _none_value(ty: I.Type, span: Span | None) -> I.Expr:
    """NOTE(options): the value an option of `ty` holds when it is none: the type's first."""
    if isinstance(ty, I.IntType) and ty.lo is not None:
        return ty.lo
    if isinstance(ty, I.BoolType):
        return I.Lit(False, I.BOOL, span)
    if isinstance(ty, I.RatType):
        return I.Lit(Fraction(0), I.RAT, span)
    return I.Lit(0, ty if isinstance(ty, I.EnumType) else I.INT, span)


def _ite_option(span: Span | None) -> _Fail:
    return _err("FP331", "an 'if' cannot give an option: assign in an 'if' statement ('if c { x = some(v) } "
                "else { x = none }'), or compare in each branch", span)


def _src_name(e: A.ExprE) -> str:
    return e.id if isinstance(e, A.Name) else "x"


def _flat(ty: I.Type, path: str = "") -> list[tuple[str, I.Type]]:
    """NOTE(records): the variables a record-typed one is made of: (".yes", 0..N) for a field,
    maps distributed over records (`[K] Tally` is `.yes: [K] 0..N` and `.no: [K] 0..N`)."""
    if isinstance(ty, I.RecordType):
        return [x for f, t in ty.fields for x in _flat(t, f"{path}.{f}")]
    if isinstance(ty, I.MapType) and _has_record(ty.value):
        return [(p, I.MapType(ty.key, t)) for p, t in _flat(ty.value, path)]
    return [(path, ty)]


def _record_keys(ty: I.Type, path: str) -> tuple[int, ...]:
    """NOTE(record-names) in spec/ir.py: for the field `path` (".tally.yes") of a variable of
    type `ty` (`[Proposal] Prop`), how many of its keys follow each part of its name but the
    last: (1, 0), written `props[P1].tally.yes`."""
    out = []
    for f in path.strip(".").split("."):
        n = 0
        while isinstance(ty, I.MapType):
            n, ty = n + 1, ty.value
        assert isinstance(ty, I.RecordType)  # `path` follows the record's fields (_flat)
        out.append(n)
        ty = ty.field(f)  # type: ignore[assignment]
    return tuple(out)


def _field(base: I.Expr, name: str, span: Span | None, primed: bool) -> I.Expr:
    """`base.name` for a record-typed place (NOTE(records))."""
    assert isinstance(base.ty, I.RecordType)  # the caller checked it
    t = base.ty.field(name)
    if t is None:
        near = closest(name, [f for f, _ in base.ty.fields])
        raise _err("FP203", f"record {base.ty} has no field '{name}'" + (f"; did you mean '{near}'?" if near else ""), span)
    return _pathed(base, f".{name}", t, primed, span)


def _pathed(node: I.Expr, suffix: str, ty: I.Type, primed: bool, span: Span | None) -> I.Expr:
    """The variable (or entry) that holds field `suffix` of the record at `node`: the record
    variable's name gets the suffix, and the keys applied to the record apply to it."""
    match node:
        case I.VarRef():
            return I.VarRef(node.name + suffix, ty, node.primed or primed, span)
        case I.LocalRef():
            return I.LocalRef(node.family, node.name + suffix, node.proc, ty, node.primed or primed, span)
        case I.Index():
            assert isinstance(node.base.ty, I.MapType)  # an Index indexes a map
            inner = _pathed(node.base, suffix, I.MapType(node.base.ty.key, ty), primed, span)
            return I.Index(inner, node.key, ty, span)
    raise _err("FP328", "only a record variable, or an entry of a map of records, has fields here; "
               "an 'if' or a def cannot give a record", span)


def _set_as_value(span: Span | None, name: str | None = None) -> _Fail:
    what = f"'{name}' is a set, and a set" if name else "a set"
    return _err("FP321", f"{what} is not a value here: use it with 'x in s', 'size(s)', 'subset(s, t)', "
                f"'s == t', or as what forall, exists, count, sum or for range over", span)


def _any_of(xs: list[I.Expr], span: Span | None) -> I.Expr:
    if not xs:
        return I.Lit(False, I.BOOL, span)
    out = xs[0]
    for x in xs[1:]:
        out = I.Binary(I.BinOp.OR, out, x, I.BOOL, span)
    return out


def _all_of(xs: list[I.Expr], span: Span | None) -> I.Expr:
    out = xs[0]
    for x in xs[1:]:
        out = I.Binary(I.BinOp.AND, out, x, I.BOOL, span)
    return out


def _instantiate(body: I.Expr, b: I.Binder, value: I.Expr, fresh: Callable[[I.Binder], I.Binder]) -> I.Expr:
    """`body` with `value` in place of the bound `b`, and fresh binders for its quantifiers
    (one copy per use, as for NOTE(primed-def))."""
    return _rebind(body, {b.uid: value}, fresh)


def _rebind(body: I.Expr, values: dict[int, I.Expr], fresh: Callable[[I.Binder], I.Binder],
            more: Callable[[I.Expr, Callable[[I.Expr], I.Expr | None]], I.Expr | None] | None = None) -> I.Expr:
    """`body` with each bound name whose uid is in `values` replaced, and fresh binders for
    its quantifiers; `more(e, go)` rewrites other nodes (None: go on below)."""
    subst: dict[int, I.Expr] = dict(values)

    def go(e: I.Expr) -> I.Expr | None:
        if isinstance(e, I.BoundRef) and e.binder.uid in subst:
            return subst[e.binder.uid]
        if isinstance(e, I.Quant):
            nb = fresh(e.binder)
            subst[e.binder.uid] = I.BoundRef(nb, e.binder.ty, None)
            sub = lambda x: None if x is None else I.substitute(x, go)
            return dataclasses.replace(e, binder=nb, cond=sub(e.cond), body=sub(e.body))
        return more(e, go) if more is not None else None

    return I.substitute(body, go)


def _kind_word(kind: str) -> str:
    return {
        "param": "a param", "enum": "an enum", "member": "an enum member", "alias": "a type alias",
        "family": "a process family", "var": "a state variable", "def": "a definition",
        "action": "an action", "invariant": "an invariant", "property": "a property",
    }.get(kind, kind)


def _primed_body(call: I.Call, defs: dict[str, I.Def], fresh: Callable[[I.Binder], I.Binder]) -> I.Expr:
    """NOTE(primed-def): `d'` (or `d(a)'`) in a step invariant is the def evaluated in the
    post-state: its body with the arguments (already primed) in place of its parameters and
    every state read primed, keys and copy ids included, and the defs it calls inlined the
    same way.  So no engine needs a primed call; a trace shows the body.  The copy's
    quantifiers get binders of their own (`fresh`): the def's, read before the step where
    it is called unprimed, are not shared with the copy read after it."""
    d = defs[call.name]

    def prime(e: I.Expr, go: Callable[[I.Expr], I.Expr | None]) -> I.Expr | None:
        if isinstance(e, I.VarRef):
            return dataclasses.replace(e, primed=True)
        if isinstance(e, I.LocalRef):
            return dataclasses.replace(e, primed=True, proc=I.substitute(e.proc, go))
        if isinstance(e, I.Call):
            return _primed_body(dataclasses.replace(e, args=tuple(I.substitute(a, go) for a in e.args)), defs, fresh)
        return None

    return _rebind(d.body, {b.uid: a for b, a in zip(d.params, call.args)}, fresh, prime)


def _is_state_ref(e: I.Expr) -> bool:
    if isinstance(e, (I.VarRef, I.LocalRef)):
        return True
    return isinstance(e, I.Index) and _is_state_ref(e.base)


def _describe_target(e: I.Expr) -> str:
    if isinstance(e, I.VarRef):
        return f"'{e.name}'"
    if isinstance(e, I.LocalRef):
        return f"'{e.family}.{e.name}'"
    return "this map entry"


def _has_primes(e: I.Expr) -> bool:
    if isinstance(e, (I.VarRef, I.LocalRef)) and e.primed:
        return True
    for name in getattr(e, "__slots__", ()):
        child = getattr(e, name)
        if isinstance(child, (I.Lit, I.ParamRef, I.VarRef, I.LocalRef, I.Index, I.BoundRef, I.Unary, I.Binary, I.Ite, I.Quant, I.Call)):
            if _has_primes(child):
                return True
        elif isinstance(child, tuple):
            if any(_has_primes(c) for c in child if not isinstance(c, (str, int))):
                return True
    return False


def _param_refs(e: object) -> list[I.ParamRef]:
    """Every param an (IR) expression reads."""
    if isinstance(e, I.ParamRef):
        return [e]
    out: list[I.ParamRef] = []
    for name in getattr(e, "__slots__", ()):
        child = getattr(e, name)
        for c in child if isinstance(child, tuple) else (child,):
            if isinstance(c, (I.Lit, I.ParamRef, I.VarRef, I.LocalRef, I.Index, I.BoundRef, I.Unary, I.Binary, I.Ite,
                              I.Quant, I.Call)):
                out.extend(_param_refs(c))
    return out


def check(model: A.ModelD, path: str) -> I.Model:
    """Resolve and type-check a parsed model whose imports forkproof.spec.load has merged
    into its declarations; raises ModelError with every independent error."""
    assert not model.imports, "imports are read and merged by forkproof.spec.load before type checking"
    return _with_record_keys(_Checker(model, path).run())


# ---------------------------------------------------------------- record fields as written


def _with_record_keys(model: I.Model) -> I.Model:
    """`model` with `record_keys` on every reference to a variable of a record's field
    (NOTE(record-names) in spec/ir.py), copied from the variable (set by `state_vars`, which
    knows the record's type: `var s: R` with `record R { v: [K] bool }` and `var s: [K] R`
    with `record R { v: bool }` both give `s.v: [K] bool`)."""
    known: dict[tuple[str | None, str], tuple[int, ...]] = {
        (None, v.name): v.record_keys for v in model.globals if v.record_keys is not None}
    known.update({(f.name, v.name): v.record_keys for f in model.families for v in f.locals if v.record_keys is not None})
    return _refs_with_record_keys(model, known) if known else model


def _refs_with_record_keys(model: I.Model, known: dict[tuple[str | None, str], tuple[int, ...]]) -> I.Model:
    """`model` with `record_keys` on every reference to a variable of a record's field, so
    that an expression prints as the model writes it without the model at hand."""

    def ref(e: I.Expr) -> I.Expr | None:
        if isinstance(e, I.VarRef) and (None, e.name) in known:
            return dataclasses.replace(e, record_keys=known[(None, e.name)])
        if isinstance(e, I.LocalRef):
            return dataclasses.replace(e, proc=expr(e.proc), record_keys=known.get((e.family, e.name)))
        return None

    def expr(e: I.Expr) -> I.Expr:
        return I.substitute(e, ref)

    def opt(e: I.Expr | None) -> I.Expr | None:
        return None if e is None else expr(e)

    def stmts(body: tuple[I.Stmt, ...]) -> tuple[I.Stmt, ...]:
        out: list[I.Stmt] = []
        for st in body:
            match st:
                case I.Assign():
                    out.append(dataclasses.replace(st, target=expr(st.target), value=expr(st.value)))
                case I.If():
                    out.append(dataclasses.replace(st, cond=expr(st.cond), then=stmts(st.then), else_=stmts(st.else_)))
                case I.For():
                    out.append(dataclasses.replace(st, body=stmts(st.body)))
        return tuple(out)

    return dataclasses.replace(
        model,
        actions=tuple(dataclasses.replace(a, guard=expr(a.guard), body=stmts(a.body)) for a in model.actions),
        invariants=tuple(dataclasses.replace(x, expr=expr(x.expr)) for x in model.invariants),
        properties=tuple(dataclasses.replace(x, expr=expr(x.expr)) for x in model.properties),
        fairness=tuple(dataclasses.replace(x, when=opt(x.when)) for x in model.fairness),
        defs=tuple(dataclasses.replace(d, body=expr(d.body), meant=opt(d.meant), support=opt(d.support),
                                       population=opt(d.population)) for d in model.defs))
