"""IR -> forkproof source text, with just the parentheses precedence needs.

Used for types in messages, the IR dump, threshold tables and (later) invariants found by
the symbolic engines, which are shown to people in the language they wrote.
"""
from __future__ import annotations

from fractions import Fraction
from typing import assert_never

from forkproof.spec import ir as I

# Binding strength, loosest first (mirrors grammar.lark).
_PREC = {
    I.BinOp.LEADSTO: 1, I.BinOp.IMPLIES: 2, I.BinOp.OR: 3, I.BinOp.AND: 4,
    I.BinOp.EQ: 6, I.BinOp.NE: 6, I.BinOp.LT: 6, I.BinOp.LE: 6, I.BinOp.GT: 6, I.BinOp.GE: 6,
    I.BinOp.ADD: 8, I.BinOp.SUB: 8,
    I.BinOp.MUL: 9, I.BinOp.DIV: 9, I.BinOp.FLOORDIV: 9, I.BinOp.MOD: 9,
}
_PREFIX = 5  # not / always / eventually / if / forall / exists
_UNARY_MINUS = 10
_ATOM = 11


def value_str(value: object, ty: I.Type | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(ty, I.EnumType) and isinstance(value, int):
        return ty.members[value]
    if isinstance(ty, I.ProcType) and isinstance(value, int):
        return f"{ty.family}[{value}]"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return str(value)


def expr_str(e: I.Expr) -> str:
    return _fmt(e)[0]


def _wrap(pair: tuple[str, int], need: int) -> str:
    text, prec = pair
    return f"({text})" if prec < need else text


def _ref(e: I.Expr) -> str:
    match e:
        case I.VarRef():
            return e.name + ("'" if e.primed else "")
        case I.LocalRef():
            return f"{_wrap(_fmt(e.proc), _ATOM)}.{e.name}" + ("'" if e.primed else "")
        case I.Index():
            return f"{_ref(e.base) if isinstance(e.base, (I.VarRef, I.LocalRef, I.Index)) else _wrap(_fmt(e.base), _ATOM)}[{expr_str(e.key)}]"
    raise TypeError(e)


def _fmt(e: I.Expr) -> tuple[str, int]:
    match e:
        case I.Lit():
            if isinstance(e.value, Fraction) and e.value.denominator != 1:
                return f"{e.value.numerator}/{e.value.denominator}", 9
            return value_str(e.value, e.ty), _ATOM
        case I.ParamRef():
            return e.name, _ATOM
        case I.VarRef() | I.LocalRef() | I.Index():
            return _ref(e), _ATOM
        case I.BoundRef():
            return e.binder.name, _ATOM
        case I.Unary(op=I.UnOp.NEG):
            return "-" + _wrap(_fmt(e.arg), _UNARY_MINUS), _UNARY_MINUS
        case I.Unary():
            return f"{e.op.value} {_wrap(_fmt(e.arg), _PREFIX)}", _PREFIX
        case I.Binary(op=I.BinOp.DIV, left=I.Lit(value=int() as num), right=I.Lit(value=int() as den)) if not isinstance(num, bool):
            return f"{num}/{den}", 9  # a literal fraction reads best unspaced
        case I.Binary():
            p = _PREC[e.op]
            # comparisons are non-associative; arithmetic is left-associative; implies is right-assoc
            left_need = p + 1 if p == 6 or e.op is I.BinOp.IMPLIES else p
            right_need = p if e.op is I.BinOp.IMPLIES else p + 1
            if e.op in (I.BinOp.AND, I.BinOp.OR, I.BinOp.ADD, I.BinOp.MUL):
                right_need = p + 1
            return f"{_wrap(_fmt(e.left), left_need)} {e.op.value} {_wrap(_fmt(e.right), right_need)}", p
        case I.Ite():
            return f"if {expr_str(e.cond)} then {expr_str(e.then)} else {expr_str(e.else_)}", _PREFIX
        case I.Quant():
            dom = str(e.domain)
            b = e.binder.name
            if e.kind in (I.QuantKind.FORALL, I.QuantKind.EXISTS):
                assert e.body is not None  # forall/exists: the predicate is the body (ir.Quant)
                return f"{e.kind.value} {b} in {dom}: {expr_str(e.body)}", _PREFIX
            if e.kind is I.QuantKind.COUNT:
                assert e.cond is not None  # count: the predicate is the cond (ir.Quant)
                return f"count({b} in {dom} where {expr_str(e.cond)})", _ATOM
            where = f" where {expr_str(e.cond)}" if e.cond is not None else ""
            assert e.body is not None  # sum: the body is the summand (ir.Quant)
            return f"sum({b} in {dom}{where}: {expr_str(e.body)})", _ATOM
        case I.Call():
            if not e.args:
                return e.name, _ATOM
            return f"{e.name}({', '.join(expr_str(a) for a in e.args)})", _ATOM
        case _:
            assert_never(e)
