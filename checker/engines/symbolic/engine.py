"""The symbolic engines' entry points: `check_bmc`, `check_kind` and `check_pdr` run the
engine on the state and step obligations (bmc.py, kind.py, pdr.py), then on the liveness
properties (lasso.py: a bounded lasso search for bmc, NOTE(lasso-search); liveness to safety
for kind and pdr, NOTE(l2s-monitor)).  Each returns every property's verdict for the
instance, like every engine (checker/semantics/verdict.py).

NOTE(budgets) in encode.py: `options.timeout` is seconds per property.  bmc and kind decide
the state and step obligations together, so that phase gets one pool, the budget times the
number of names it decides; PDR gives each obligation its own budget; every liveness
property has its own.  `options.until` caps the whole call (auto's instance budget).
"""
from __future__ import annotations

import time

from forkproof.engines.symbolic.bmc import bmc_safety, obligations
from forkproof.engines.symbolic.encode import Encoding, SymbolicOptions
from forkproof.engines.symbolic.kind import kind_safety
from forkproof.engines.symbolic.lasso import bmc_verdicts, prove_verdicts
from forkproof.engines.symbolic.pdr import pdr_safety
from forkproof.semantics.gcfence import gc_fence
from forkproof.semantics.instance import Instance
from forkproof.semantics.verdict import EngineResult


def _pool(options: SymbolicOptions, enc: Encoding) -> float | None:
    """The deadline of the safety phase of bmc and kind: one budget per name decided together."""
    return options.deadline(len({p.name for p in obligations(enc, options.deadlock)}))


# Each entry point runs inside gc_fence (NOTE(z3-determinism) in checker/semantics/gcfence.py):
# Z3's answers depend on the order in which terms are freed, so the collector may free them
# only at fixed points.

def check_bmc(inst: Instance, options: SymbolicOptions) -> EngineResult:
    with gc_fence():
        start = time.perf_counter()
        enc = Encoding(inst)
        res = bmc_safety(inst, options, enc, start, _pool(options, enc))
        for v in res.verdicts:
            options.landed(v)  # NOTE(streaming): decided together, they land together
        res.verdicts += bmc_verdicts(inst, options.depth, options.until, enc, options)  # the other properties: lassos
        res.seconds = time.perf_counter() - start
        return res


def check_kind(inst: Instance, options: SymbolicOptions) -> EngineResult:
    with gc_fence():
        start = time.perf_counter()
        enc = Encoding(inst)
        res = kind_safety(inst, options, enc, start, _pool(options, enc))  # lands each verdict as it is decided
        res.verdicts += prove_verdicts(inst, "kind", options.depth, options.until, enc=enc, options=options)
        res.seconds = time.perf_counter() - start
        return res


def check_pdr(inst: Instance, options: SymbolicOptions) -> EngineResult:
    with gc_fence():
        start = time.perf_counter()
        enc = Encoding(inst)
        res, known = pdr_safety(inst, options, enc, start, options.until)  # each obligation its own budget
        res.verdicts += prove_verdicts(inst, "pdr", options.depth, options.until, known, enc, options)
        res.seconds = time.perf_counter() - start
        return res
