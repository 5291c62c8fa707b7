"""Planning and running a check: params -> instances -> engine runs -> one verdict per property.

A param gets its value from `--param` (a value or a range `lo..hi`), else from its default
(`= 4`), else from its declared sweep (`= 1..6`).  Every combination of swept values is an
instance, checked in increasing order; a property's verdict over a sweep is the first
(smallest) violation with its trace, else unknown if any instance is unknown, else holds
for every instance.  Assumptions that exclude a swept value skip it (and say so); an
explicitly bound value that breaks an assumption is an error (exit 2).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from fractions import Fraction

from forkproof.cli import progress
from forkproof.run.portfolio import EngineOptions, run_engine
from forkproof.semantics.verdict import EngineResult
from forkproof.semantics.instance import Instance, instantiate
from forkproof.semantics.verdict import Status, Verdict
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError
from forkproof.spec.pretty import value_str


@dataclass(frozen=True)
class InstanceRun:
    params: dict[str, object]  # runtime values, declaration order
    scope: str
    result: EngineResult


@dataclass(frozen=True)
class PropertyResult:
    """The verdict of one property over every instance checked."""

    verdict: Verdict  # the deciding instance's verdict (first violation, first unknown, or last holds)
    scope: str  # what the verdict covers, e.g. "N = 2" or "N = 1..6"
    per_instance: tuple[tuple[str, Status], ...]


@dataclass(frozen=True)
class CheckReport:
    model: I.Model
    engine: str
    instances: tuple[InstanceRun, ...]
    properties: tuple[PropertyResult, ...]
    notes: tuple[str, ...]
    seconds: float


# ---------------------------------------------------------------- params


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
            from forkproof.spec.errors import closest

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


def _const(model: I.Model, expr: I.Expr, env: dict[str, object]) -> object:
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
        combos = grown
    notes: list[str] = []
    kept = []
    from forkproof.engines.counters.abstraction import mentions

    assumes = [a for a in model.assumes if not mentions(a.expr, skip)]
    for combo in combos:
        broken = [a for a in assumes if not _const(model, a.expr, combo)]
        if not broken:
            kept.append(combo)
            continue
        if len(combos) == 1:
            from forkproof.spec.pretty import expr_str

            raise ModelError(Diagnostic("FP402", f"the parameters {scope_of(model, combo)} violate the assumption '{expr_str(broken[0].expr)}'", broken[0].span))
        notes.append(f"skipped {scope_of(model, combo)}: violates 'assume' at line {broken[0].span.line if broken[0].span else '?'}")
    if not kept:
        from forkproof.spec.pretty import expr_str

        first = next(a for a in assumes if not _const(model, a.expr, combos[0]))
        raise ModelError(Diagnostic("FP402", f"no parameter values satisfy the model's assumptions: "
                                    f"{scope_of(model, combos[0])} (the first) violate the assumption "
                                    f"'{expr_str(first.expr)}'", first.span))
    return kept, notes


def _values(model: I.Model, p: I.Param, bindings: dict[str, list[object]], env: dict[str, object]) -> list[object]:
    """The values of param p given the earlier params in env, each checked against p's type."""
    if p.name in bindings:
        values, origin = bindings[p.name], "--param"
    elif p.default is not None:
        values, origin = [_const(model, p.default, env)], "default"
    elif p.sweep is not None:
        lo, hi = _const(model, p.sweep[0], env), _const(model, p.sweep[1], env)
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
        lo, hi = _const(model, p.ty.lo, env), _const(model, p.ty.hi, env)
        for v in values:
            if not lo <= v <= hi:
                raise ModelError(Diagnostic("FP406", f"param {p.name} = {v} ({origin}) is outside its type {lo}..{hi}", p.span))
    return values


def scope_of(model: I.Model, params: dict[str, object]) -> str:
    return ", ".join(f"{p.name} = {value_str(params[p.name], p.ty)}" for p in model.params if p.name in params)


def sweep_scope(model: I.Model, runs: list[dict[str, object]]) -> str:
    """"N = 1..6" when one int param varies over consecutive values, else a list."""
    if len(runs) == 1:
        return scope_of(model, runs[0])
    parts = []
    for p in model.params:
        vals = [r[p.name] for r in runs]
        distinct = list(dict.fromkeys(vals))
        if len(distinct) == 1:
            parts.append(f"{p.name} = {value_str(distinct[0], p.ty)}")
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in distinct) and distinct == list(range(distinct[0], distinct[-1] + 1)):
            parts.append(f"{p.name} = {distinct[0]}..{distinct[-1]}")
        else:
            parts.append(f"{p.name} in {{{', '.join(value_str(v, p.ty) for v in distinct)}}}")
    return ", ".join(parts)


# ---------------------------------------------------------------- running


CheckOptions = EngineOptions  # what `check` takes: the engine and its options


def symbolic_params(model: I.Model, bindings: dict[str, list[object]]) -> list[str]:
    """The int params with no value at all (no --param, default or sweep): "every value"."""
    return [p.name for p in model.params if isinstance(p.ty, I.IntType) and p.name not in bindings
            and p.default is None and p.sweep is None]


def check_model(model: I.Model, bindings: dict[str, list[object]], options: EngineOptions) -> CheckReport:
    start = time.perf_counter()
    symbolic = symbolic_params(model, bindings)
    if symbolic:
        from forkproof.run.sizes import check_all_sizes

        return check_all_sizes(model, bindings, symbolic, options, start)
    combos, notes = plan(model, bindings)
    runs: list[InstanceRun] = []
    for combo in combos:
        if progress.interrupted:  # NOTE(interrupt) in checker/cli/progress.py
            notes.append(f"interrupted (Ctrl-C): {scope_of(model, combo)} and later instances were not checked")
            break
        if options.progress is not None and hasattr(options.progress, "scope"):
            options.progress.scope = scope_of(model, combo)
        inst: Instance = instantiate(model, combo)
        opts = options
        if options.certificate and len(combos) > 1:  # one certificate file per instance
            opts = replace(options, certificate=certificate_path(model, options.certificate, combo))
        res = run_engine(inst, opts)
        runs.append(InstanceRun(combo, scope_of(model, combo), res))
        notes.extend(n for n in res.notes if n not in notes)
    return CheckReport(model, options.engine, tuple(runs), tuple(_aggregate(model, runs)), tuple(notes),
                       time.perf_counter() - start)


def certificate_path(model: I.Model, path: str, params: dict[str, object]) -> str:
    """cert.smt2 -> cert.N4_RULEIntended.smt2 for the instance N = 4, RULE = Intended."""
    from pathlib import Path

    p = Path(path)
    tag = "_".join(f"{q.name}{value_str(params[q.name], q.ty)}" for q in model.params)
    return str(p.with_name(f"{p.stem}.{tag}{p.suffix}"))


def _varying_scope(model: I.Model, runs: list[InstanceRun]) -> dict[int, str]:
    """Per run, its scope restricted to the params that differ between runs ("N = 2")."""
    varying = [p for p in model.params if len({repr(r.params[p.name]) for r in runs}) > 1]
    return {id(r): ", ".join(f"{p.name} = {value_str(r.params[p.name], p.ty)}" for p in varying) or r.scope for r in runs}


def _aggregate(model: I.Model, runs: list[InstanceRun]) -> list[PropertyResult]:
    """One result per property and per value of the finite params (enum, bool) that vary:
    a sweep over N is summarised, RULE = Code and RULE = Intended are reported apart."""
    finite = [p.name for p in model.params if isinstance(p.ty, (I.EnumType, I.BoolType))
              and len({repr(r.params.get(p.name)) for r in runs}) > 1]
    groups: dict[tuple, list[InstanceRun]] = {}
    for r in runs:
        groups.setdefault(tuple(repr(r.params.get(n)) for n in finite), []).append(r)
    out: list[PropertyResult] = []
    for group in groups.values():
        out.extend(aggregate_group(model, group))
    if len(groups) > 1:  # property by property, each property's groups together
        order = {}
        for p in out:
            order.setdefault(p.verdict.name, len(order))
        out.sort(key=lambda p: order[p.verdict.name])
    return out


def aggregate_group(model: I.Model, runs: list[InstanceRun]) -> list[PropertyResult]:
    short = _varying_scope(model, runs)
    names: list[tuple[str, str]] = []
    for run in runs:
        for v in run.result.verdicts:
            if (v.name, v.kind) not in names:
                names.append((v.name, v.kind))
    out = []
    for name, kind in names:
        per = [(run, v) for run in runs for v in run.result.verdicts if v.name == name and v.kind == kind]
        statuses = tuple((short[id(run)], v.status) for run, v in per)
        violated = [(r, v) for r, v in per if v.status is Status.VIOLATED]
        unknown = [(r, v) for r, v in per if v.status is Status.UNKNOWN]
        if violated:
            run, v = violated[0]
            out.append(PropertyResult(v, run.scope, statuses))
        elif unknown:
            run, v = unknown[0]
            out.append(PropertyResult(v, run.scope, statuses))
        else:
            v = min((x for _, x in per), key=lambda x: STRENGTH.get(x.status, 0))  # the weakest verdict speaks for all
            total = sum(x.states or 0 for _, x in per)
            depth = max((x.depth or 0) for _, x in per)
            engines = list(dict.fromkeys(x.engine for _, x in per))
            merged = Verdict(v.name, v.kind, v.status, sweep_scope(model, [r.params for r, _ in per]), ", ".join(engines),
                             total if v.status is Status.HOLDS else None, depth, sum(x.seconds for _, x in per), None,
                             v.reason, v.notes)
            out.append(PropertyResult(merged, merged.scope, statuses))
    return out


# ---------------------------------------------------------------- exit codes

STRENGTH = {Status.PROVED: 3, Status.HOLDS: 2, Status.BOUNDED: 1}
REQUIRE = {"proof": 3, "exhaustive": 2, "bounded": 1}


def exit_code(reports: list[CheckReport], require: str = "exhaustive") -> int:
    """NOTE(exit-codes): 0 nothing violated and every verdict at least as strong as
    `require`; 1 a property is violated; 3 inconclusive (unknown, or weaker than required).
    2 (bad model or command line) is decided by the CLI before any check runs."""
    results = [p for r in reports for p in r.properties]
    if any(p.verdict.status is Status.VIOLATED for p in results):
        return 1
    need = REQUIRE[require]
    if any(STRENGTH.get(p.verdict.status, 0) < need for p in results):
        return 3
    return 0
