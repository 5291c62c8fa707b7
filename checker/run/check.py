"""Running a check: params -> instances -> engine runs -> one verdict per property.

A property's verdict over a sweep is the first (smallest) violation with its trace, else
unknown if any instance is unknown, else holds for every instance.  An int param with no
value at all goes to forkproof.run.sizes (every size at once).
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from forkproof.run.aggregate import aggregate
from forkproof.run.plan import plan, scope_of, symbolic_params
from forkproof.run.distribute import submit
from forkproof.run.portfolio import EngineOptions
from forkproof.run.results import CheckReport, InstanceRun, Selection
from forkproof.run.select import select
from forkproof.semantics.control import Control
from forkproof.spec import ir as I
from forkproof.spec.ir import value_str


def check_model(model: I.Model, bindings: dict[str, list[object]], options: EngineOptions,
                only: Sequence[str] = (), skip: Sequence[str] = (), also_known: Iterable[str] = (),
                liveness: bool = True) -> CheckReport:
    """Every instance the bindings give, with the chosen engine; one result per property.
    `only` / `skip` / `liveness`: --property / --skip / --no-liveness (forkproof.run.select; ModelError FP520, FP521).
    Cancellation and progress go through `options.control` (a fresh one when None: NOTE(interrupt))."""
    start = time.perf_counter()
    if options.control is None:
        options = replace(options, control=Control())
    model, selection, deadlock = select(model, only, skip, options.deadlock, also_known, liveness)
    if deadlock != options.deadlock:
        options = replace(options, deadlock=deadlock)
    if model.library:  # NOTE(imports) in spec/load.py: no state, so nothing for an engine to explore
        note = (f"library {model.name} has nothing to check on its own: it is checked with each model that imports "
                "it, and `forkproof thresholds` analyses its rules")
        return CheckReport(model, options.engine, (), (), (note,), time.perf_counter() - start, Selection(()),
                           options.budget)
    symbolic = symbolic_params(model, bindings)
    if symbolic:
        from forkproof.run.sizes import ALL_SIZES_SECONDS, check_all_sizes  # z3: only for open params (NOTE(lazy-engines))
        budget = replace(options.budget, every_size=options.timeout or ALL_SIZES_SECONDS)
        return replace(check_all_sizes(model, bindings, symbolic, options, start), selection=selection, budget=budget)
    with options.control.front("planning the instances", options.timeout, options.memory):
        combos, notes = plan(model, bindings)  # NOTE(phase-budget) in checker/semantics/control.py
    jobs = [(combo, replace(options, certificate=certificate_path(model, options.certificate, combo))
             if options.certificate and len(combos) > 1 else options)  # one certificate file per instance
            for combo in combos]
    runs: list[InstanceRun] = submit(model, jobs, options.ray).results()
    if len(runs) < len(combos):  # NOTE(interrupt) in checker/semantics/control.py
        notes.append(f"interrupted (Ctrl-C): {scope_of(model, combos[len(runs)])} and later instances were not checked")
    for run in runs:
        notes.extend(n for n in run.result.notes if n not in notes)
    return CheckReport(model, options.engine, tuple(runs), tuple(aggregate(model, runs)), tuple(notes),
                       time.perf_counter() - start, selection, options.budget)


def certificate_path(model: I.Model, path: str, params: dict[str, object]) -> str:
    """cert.smt2 -> cert.N4_RULEIntended.smt2 for the instance N = 4, RULE = Intended."""
    p = Path(path)
    tag = "_".join(f"{q.name}{value_str(params[q.name], q.ty)}" for q in model.params)
    return str(p.with_name(f"{p.stem}.{tag}{p.suffix}"))
