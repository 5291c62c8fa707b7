"""Liveness next to safety on the same instance (issue 5): the explicit engine, no symmetry.

    python -m bench.bench_liveness            # 0L N = 8 and 9, NEAR N = 6, BLOCKS = 8 (about 3 minutes)
    python -m bench.bench_liveness --repeat 3
    python -m bench.bench_liveness --symmetry # issue 16: symmetry on, 0L RULE = Code at N = 9

For each instance: "safety" is `check_explicit` on the model with its liveness properties
removed (invariants, always P, deadlock; symmetry off, so that both runs explore the same
states); "with liveness" is `check_explicit` on the whole model, which also builds the
state graph and searches it for fair lassos (checker/engines/liveness.py).  The liveness cost is
the difference; the ratio liveness / safety is the issue's target (at most 3).  Best of
--repeat runs.  Not part of the test run.

With --symmetry both runs use symmetry reduction, as `forkproof check` does by default: the
safety search explores one state per orbit, and so does the liveness graph when the fairness
is the same for every copy (NOTE(symmetric-liveness) in checker/engines/liveness.py); issue 16
asks for the whole check within 2x of the safety-only one on 0L at N = 9, RULE = Code.  The
last column is then (with liveness) / safety, the whole time's ratio.
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
SYMMETRIC_CASES = [
    ("0L, RULE = Code", "libra_framework_upgrade.fork", {"N": 9, "RULE": 0}),
    ("0L, RULE = Intended", "libra_framework_upgrade.fork", {"N": 12, "RULE": 1}),
    ("NEAR (fairness per copy: whole graph)", "near_protocol_upgrade.fork", {"N": 4, "BLOCKS": 6, "V": 2}),
]


def safety_only(model: I.Model) -> I.Model:
    keep = tuple(p for p in model.properties
                 if isinstance(p.expr, I.Unary) and p.expr.op is I.UnOp.ALWAYS and not is_temporal(p.expr.arg))
    return dataclasses.replace(model, properties=keep)



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--symmetry", action="store_true", help="symmetry on (issue 16)")
    args = ap.parse_args()
    opts = ExplicitOptions(symmetry=args.symmetry)
    cases = SYMMETRIC_CASES if args.symmetry else CASES
    last = "with liveness / safety" if args.symmetry else "liveness / safety"
    print(f"| instance | params | states | safety s | with liveness s | liveness s | {last} | liveness verdicts |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for label, file, params in cases:
        model = load_model(str(ROOT / "models" / file))
        safe = safety_only(model)
        ts, rs = best(lambda: check_explicit(instantiate(safe, params), opts), args.repeat)
        tf, rf = best(lambda: check_explicit(instantiate(model, params), opts), args.repeat)
        names = {p.name for p in model.properties} - {p.name for p in safe.properties}
        verdicts = ", ".join(f"{v.name}: {v.status.value}" for v in rf.verdicts if v.name in names)
        shown = ", ".join(f"{k} = {v}" for k, v in params.items())
        print(f"| {label} | {shown} | {rs.states:,} | {ts:.2f} | {tf:.2f} | {tf - ts:.2f} | {(tf / ts if args.symmetry else (tf - ts) / ts):.2f} | {verdicts} |")


if __name__ == "__main__":
    main()
