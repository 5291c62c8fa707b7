"""Params -> instances: `--param` values, defaults and sweeps, assumptions, and the scope
text ("N = 2, RULE = Code") every report uses.

A param gets its value from `--param` (a value or a range `lo..hi`), else from its default
(`= 4`), else from its declared sweep (`= 1..6`).  Every combination of swept values is an
instance, checked in increasing order.  Assumptions that exclude a swept value skip it (and
say so); an explicitly bound value that breaks an assumption is an error (exit 2).
"""
from __future__ import annotations

from fractions import Fraction

from forkproof.semantics.compile import mentions
from forkproof.semantics.instance import Instance
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError, closest
from forkproof.spec.ir import expr_str, value_str


def parse_value(text: str, ty: I.Type, name: str) -> object:
    """A `--param` value as the runtime value of `ty` (NOTE(values))."""
    t = text.strip()
    if isinstance(ty, I.BoolType):
        if t in ("true", "false"):
            return t == "true"
    elif isinstance(ty, I.EnumType):
        if t in ty.members:
            return ty.members.index(t)
        raise ModelError(Diagnostic("FP501", f"--param {name}={text}: expected one of {', '.join(ty.members)}"))
    elif isinstance(ty, I.IntType):
        try:
            return int(t)
        except ValueError:
            pass
    elif isinstance(ty, I.RatType):
        try:
            if t.endswith("%"):
                return _norm(Fraction(t[:-1]) / 100)
            return _norm(Fraction(t))
        except (ValueError, ZeroDivisionError):
            pass
    raise ModelError(Diagnostic("FP501", f"--param {name}={text}: expected a value of type {ty}"))


def _norm(v: Fraction) -> int | Fraction:
    return v.numerator if v.denominator == 1 else v


def parse_bindings(model: I.Model, items: list[str]) -> dict[str, list[object]]:
    """`K=V` / `K=lo..hi` strings -> candidate values per param."""
    by_name = {p.name: p for p in model.params}
    out: dict[str, list[object]] = {}
    for item in items:
        if "=" not in item:
            raise ModelError(Diagnostic("FP502", f"--param expects NAME=VALUE or NAME=LO..HI, got '{item}'"))
        key, _, text = item.partition("=")
        key = key.strip()
        if key not in by_name:
            near = closest(key, by_name)
            known = ", ".join(by_name) or "none"
            raise ModelError(Diagnostic("FP503", f"--param {key}: the model has no param '{key}'" + (
                f"; did you mean '{near}'?" if near else f" (its params: {known})")))
        ty = by_name[key].ty
        if ".." in text and isinstance(ty, I.IntType):
            lo_s, _, hi_s = text.partition("..")
            lo, hi = parse_value(lo_s, ty, key), parse_value(hi_s, ty, key)
            if lo > hi:
                raise ModelError(Diagnostic("FP501", f"--param {key}={text}: empty range"))
            out[key] = list(range(lo, hi + 1))
        else:
            out[key] = [parse_value(text, ty, key)]
    return out


def const_value(model: I.Model, expr: I.Expr, env: dict[str, object]) -> object:
    """A constant expression over the params bound so far (no state layout needed)."""
    return Instance(model, dict(env)).const(expr)


def plan(model: I.Model, bindings: dict[str, list[object]], skip: tuple[str, ...] = ()) -> tuple[list[dict[str, object]], list[str]]:
    """Every param combination to check, in increasing order, and notes on skipped ones.
    A default or sweep may read earlier params; it is evaluated for each of their values.
    Params in `skip` get no value, and assumptions that mention them are not checked here."""
    combos: list[dict[str, object]] = [{}]
    for p in model.params:
        if p.name in skip:
            continue
        grown = []
        for env in combos:
            for value in _values(model, p, bindings, env):
                grown.append({**env, p.name: value})
            if len(grown) > model.limits.domain:  # NOTE(limits) in spec/limits.py
                raise ModelError(Diagnostic(
                    "FP408", f"the params up to {p.name} have more than {model.limits.domain:,} combinations of "
                             f"values: more instances than forkproof enumerates "
                             f"({model.limits.raise_hint('domain')})", p.span))
        combos = grown
    notes: list[str] = []
    kept = []
    assumes = [a for a in model.assumes if not mentions(a.expr, skip)]
    for combo in combos:
        broken = [a for a in assumes if not const_value(model, a.expr, combo)]
        if not broken:
            kept.append(combo)
            continue
        if len(combos) == 1:
            raise ModelError(Diagnostic("FP402", f"the parameters {scope_of(model, combo)} violate the assumption '{expr_str(broken[0].expr)}'", broken[0].span))
        notes.append(f"skipped {scope_of(model, combo)}: violates 'assume' at {broken[0].span.where() if broken[0].span else 'line ?'}")
    if not kept:
        first = next(a for a in assumes if not const_value(model, a.expr, combos[0]))
        raise ModelError(Diagnostic("FP402", f"no parameter values satisfy the model's assumptions: "
                                    f"{scope_of(model, combos[0])} (the first) violate the assumption "
                                    f"'{expr_str(first.expr)}'", first.span))
    return kept, notes


def _values(model: I.Model, p: I.Param, bindings: dict[str, list[object]], env: dict[str, object]) -> list[object]:
    """The values of param p given the earlier params in env, each checked against p's type."""
    if p.name in bindings:
        values, origin = bindings[p.name], "--param"
    elif p.default is not None:
        values, origin = [const_value(model, p.default, env)], "default"
    elif p.sweep is not None:
        lo, hi = const_value(model, p.sweep[0], env), const_value(model, p.sweep[1], env)
        values, origin = list(range(lo, hi + 1)), "sweep"
        if not values:
            raise ModelError(Diagnostic("FP403", f"param {p.name} sweeps the empty range {lo}..{hi}", p.span))
    elif isinstance(p.ty, I.EnumType):
        values, origin = list(range(len(p.ty.members))), "every value"  # a finite param left open: check each value
    elif isinstance(p.ty, I.BoolType):
        values, origin = [False, True], "every value"
    else:
        raise ModelError(Diagnostic("FP401", f"param '{p.name}' has no value: give one with --param {p.name}=VALUE", p.span))
    if isinstance(p.ty, I.IntType) and p.ty.bounded:
        lo, hi = const_value(model, p.ty.lo, env), const_value(model, p.ty.hi, env)
        for v in values:
            if not lo <= v <= hi:
                raise ModelError(Diagnostic("FP406", f"param {p.name} = {v} ({origin}) is outside its type {lo}..{hi}", p.span))
    return values


def scope_of(model: I.Model, params: dict[str, object]) -> str:
    return ", ".join(f"{p.name} = {value_str(params[p.name], p.ty)}" for p in model.params if p.name in params)


def sweep_scope(model: I.Model, runs: list[dict[str, object]]) -> str:
    """"N = 1..6" when an int param varies over consecutive values, else a list ("RULE in
    {Code, Intended}": an enum's values are ints at run time, but not a range).  A param no
    run binds is left out."""
    if len(runs) == 1:
        return scope_of(model, runs[0])
    parts = []
    for p in model.params:
        distinct = list(dict.fromkeys(r[p.name] for r in runs if p.name in r))
        if not distinct:
            continue
        if len(distinct) == 1:
            parts.append(f"{p.name} = {value_str(distinct[0], p.ty)}")
        elif isinstance(p.ty, I.IntType) and distinct == list(range(distinct[0], distinct[-1] + 1)):
            parts.append(f"{p.name} = {distinct[0]}..{distinct[-1]}")
        else:
            parts.append(f"{p.name} in {{{', '.join(value_str(v, p.ty) for v in distinct)}}}")
    return ", ".join(parts)


def symbolic_params(model: I.Model, bindings: dict[str, list[object]]) -> list[str]:
    """The int params with no value at all (no --param, default or sweep): "every value"."""
    return [p.name for p in model.params if isinstance(p.ty, I.IntType) and p.name not in bindings
            and p.default is None and p.sweep is None]


def join_scopes(scopes: list[str]) -> str:
    """["N = 2", "N = 3"] -> "N = 2, 3"; scopes over several params are joined with " | "."""
    heads = {s.split(" = ", 1)[0] for s in scopes}
    if len(heads) == 1 and all(s.count(" = ") == 1 for s in scopes):
        return f"{heads.pop()} = " + ", ".join(s.split(" = ", 1)[1] for s in scopes)
    return " | ".join(scopes)
