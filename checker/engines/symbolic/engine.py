"""The symbolic engines' entry points: `check_bmc`, `check_kind` and `check_pdr` run the
engine on the state and step obligations (bmc.py, kind.py, pdr.py), then on the liveness
properties (lasso.py: a bounded lasso search for bmc, NOTE(lasso-search); liveness to safety
for kind and pdr, NOTE(l2s-monitor)), within one time budget.  Each returns every property's
verdict for the instance, like every engine (checker/semantics/verdict.py).
"""
from __future__ import annotations

import time

from forkproof.engines.symbolic.bmc import bmc_safety
from forkproof.engines.symbolic.encode import Encoding, SymbolicOptions
from forkproof.engines.symbolic.kind import kind_safety
from forkproof.engines.symbolic.lasso import bmc_verdicts, prove_verdicts
from forkproof.engines.symbolic.pdr import pdr_safety
from forkproof.semantics.gcfence import gc_fence
from forkproof.semantics.instance import Instance
from forkproof.semantics.verdict import EngineResult


def _budget(options: SymbolicOptions) -> tuple[float, float | None]:
    start = time.perf_counter()
    return start, (start + options.timeout if options.timeout else None)


# Each entry point runs inside gc_fence (NOTE(z3-determinism) in checker/semantics/gcfence.py):
# Z3's answers depend on the order in which terms are freed, so the collector may free them
# only at fixed points.

def check_bmc(inst: Instance, options: SymbolicOptions) -> EngineResult:
    with gc_fence():
        start, deadline = _budget(options)
        enc = Encoding(inst)
        res = bmc_safety(inst, options, enc, start, deadline)
        res.verdicts += bmc_verdicts(inst, options.depth, deadline, enc)  # the other properties: lassos
        res.seconds = time.perf_counter() - start
        return res


def check_kind(inst: Instance, options: SymbolicOptions) -> EngineResult:
    with gc_fence():
        start, deadline = _budget(options)
        enc = Encoding(inst)
        res = kind_safety(inst, options, enc, start, deadline)
        res.verdicts += prove_verdicts(inst, "kind", options.depth, deadline, enc=enc)
        res.seconds = time.perf_counter() - start
        return res


def check_pdr(inst: Instance, options: SymbolicOptions) -> EngineResult:
    with gc_fence():
        start, deadline = _budget(options)
        enc = Encoding(inst)
        res, known = pdr_safety(inst, options, enc, start, deadline)
        res.verdicts += prove_verdicts(inst, "pdr", options.depth, deadline, known, enc)
        res.seconds = time.perf_counter() - start
        return res
