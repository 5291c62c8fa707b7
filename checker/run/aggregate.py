"""Many instances' verdicts -> one result per property (and per value of a finite param).

Over a sweep, a property's verdict is its first (smallest) violation with the trace there,
else its first unknown, else the weakest "holds" over every instance, with the scope
summarised ("N = 1..6").  RULE = Code and RULE = Intended (enum or bool params that vary)
are reported apart.
"""
from __future__ import annotations

from dataclasses import replace

from forkproof.run.plan import const_value, sweep_scope
from forkproof.run.results import STRENGTH, Expectation, InstanceRun, PropertyResult
from forkproof.semantics.verdict import Status, Verdict
from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str, value_str


def _varying_scope(model: I.Model, runs: list[InstanceRun]) -> dict[int, str]:
    """Per run, its scope restricted to the params that differ between runs ("N = 2")."""
    varying = [p for p in model.params if len({repr(r.params[p.name]) for r in runs}) > 1]
    return {id(r): ", ".join(f"{p.name} = {value_str(r.params[p.name], p.ty)}" for p in varying) or r.scope for r in runs}


def aggregate(model: I.Model, runs: list[InstanceRun]) -> list[PropertyResult]:
    """One result per property and per value of the finite params (enum, bool) that vary:
    a sweep over N is summarised, RULE = Code and RULE = Intended are reported apart."""
    finite = [p.name for p in model.params if isinstance(p.ty, (I.EnumType, I.BoolType))
              and len({repr(r.params.get(p.name)) for r in runs}) > 1]
    groups: dict[tuple, list[InstanceRun]] = {}
    for r in runs:
        groups.setdefault(tuple(repr(r.params.get(n)) for n in finite), []).append(r)
    out: list[PropertyResult] = []
    for group in groups.values():
        label = ", ".join(f"{p.name} = {value_str(group[0].params[p.name], p.ty)}" for p in model.params
                          if p.name in finite)  # NOTE(report-groups) in checker/run/results.py
        out.extend(replace(p, group=label) for p in aggregate_group(model, group))
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
                             v.reason, v.notes,
                             sum(x.runs or 0 for _, x in per) if v.status is Status.SAMPLED else None)
            out.append(PropertyResult(merged, merged.scope, statuses))
    return with_expectations(model, out, runs[0].params) if runs else out


def with_expectations(model: I.Model, results: list[PropertyResult], params: dict[str, object]) -> list[PropertyResult]:
    """NOTE(expect) in spec/ir.py: each result of an invariant or property that carries an
    `expect` whose condition holds for `params` (the values of the bool and enum params
    every one of these results shares: the condition reads no other) gets that expectation."""
    declared = {d.name: d.expect for d in (*model.invariants, *model.properties) if d.expect is not None}
    out = []
    for p in results:
        e = declared.get(p.verdict.name) if p.verdict.kind in ("invariant", "step invariant", "property") else None
        if e is not None and (e.when is None or const_value(model, e.when, params) is True):
            cond = expr_str(e.when) if e.when is not None else None
            p = replace(p, expect=Expectation(e.verdict, e.reason, cond, e.span))
        out.append(p)
    return out


