"""Liveness next to safety on the same instance (issue 5): the explicit engine, no symmetry.

    python bench/bench_liveness.py            # 0L N = 8 and 9, NEAR N = 6, BLOCKS = 8 (about 3 minutes)
    python bench/bench_liveness.py --repeat 3

For each instance: "safety" is `check_explicit` on the model with its liveness properties
removed (invariants, always P, deadlock; symmetry off, so that both runs explore the same
states); "with liveness" is `check_explicit` on the whole model, which also builds the
state graph and searches it for fair lassos (checker/engines/liveness.py).  The liveness cost is
the difference; the ratio liveness / safety is the issue's target (at most 3).  Best of
--repeat runs.  Not part of the test run.
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from forkproof.semantics.compile import is_temporal  # noqa: E402
from forkproof.engines.explicit import ExplicitOptions, check_explicit  # noqa: E402
from forkproof.semantics.instance import instantiate  # noqa: E402
from forkproof.spec import ir as I  # noqa: E402
from bench.timing import best  # noqa: E402
from forkproof.spec.load import load_model  # noqa: E402

CASES = [
    ("0L, RULE = Code", "libra_framework_upgrade.fork", {"N": 8, "RULE": 0}),
    ("0L, RULE = Intended", "libra_framework_upgrade.fork", {"N": 9, "RULE": 1}),
    ("NEAR", "near_protocol_upgrade.fork", {"N": 6, "BLOCKS": 8, "V": 2}),
]


def safety_only(model: I.Model) -> I.Model:
    keep = tuple(p for p in model.properties
                 if isinstance(p.expr, I.Unary) and p.expr.op is I.UnOp.ALWAYS and not is_temporal(p.expr.arg))
    return dataclasses.replace(model, properties=keep)



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    opts = ExplicitOptions(symmetry=False)
    print("| instance | params | states | safety s | with liveness s | liveness s | liveness / safety | liveness verdicts |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for label, file, params in CASES:
        model = load_model(str(ROOT / "models" / file))
        safe = safety_only(model)
        ts, rs = best(lambda: check_explicit(instantiate(safe, params), opts), args.repeat)
        tf, rf = best(lambda: check_explicit(instantiate(model, params), opts), args.repeat)
        names = {p.name for p in model.properties} - {p.name for p in safe.properties}
        verdicts = ", ".join(f"{v.name}: {v.status.value}" for v in rf.verdicts if v.name in names)
        shown = ", ".join(f"{k} = {v}" for k, v in params.items())
        print(f"| {label} | {shown} | {rs.states:,} | {ts:.2f} | {tf:.2f} | {tf - ts:.2f} | {(tf - ts) / ts:.2f} | {verdicts} |")


if __name__ == "__main__":
    main()
