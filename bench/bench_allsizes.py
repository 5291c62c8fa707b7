"""Proofs for every size (counter abstraction) next to the explicit engine at fixed sizes.

    python bench/bench_allsizes.py             # best of 3
    python bench/bench_allsizes.py --repeat 5

For each shipped model, with its size params left open:
  - "all sizes": `forkproof.engines.counters.prove.prove_all_sizes` with the settings `forkproof check` uses
    (k-induction up to k = 1 on the counters, then PDR; every obligation of the model,
    deadlock included), wall seconds for the whole model and per obligation (the moment it
    was decided), best of --repeat runs;
  - "explicit": `check_explicit` (symmetry on, and off) at N = 5, 6, 7, best of --repeat.
Not part of the test run; numbers move with the machine's load: compare ratios measured in
the same run.
"""
from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from forkproof.engines.counters.prove import prove_all_sizes  # noqa: E402
from forkproof.engines.symbolic.encode import SymbolicOptions  # noqa: E402
from forkproof.engines.explicit import ExplicitOptions, check_explicit  # noqa: E402
from forkproof.semantics.instance import instantiate  # noqa: E402
from forkproof.run.sizes import ALL_SIZES_K  # noqa: E402
from bench.timing import best  # noqa: E402
from forkproof.spec.load import load_model, load_model_text  # noqa: E402

LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"
NEAR = ROOT / "models" / "near_protocol_upgrade.fork"


def near_open(blocks_too: bool):
    text = NEAR.read_text().replace("param N: int = 3 ", "param N: int     ")
    if blocks_too:
        text = text.replace("param BLOCKS: int = 6", "param BLOCKS: int")
    return load_model_text(text, str(NEAR))


# (label, model, bound params, open params, fixed-size params for the explicit column)
CASES = [
    ("0L, RULE = Code", lambda: load_model(str(LIBRA)), {"RULE": 0}, ["N"], {"RULE": 0}),
    ("0L, RULE = Intended", lambda: load_model(str(LIBRA)), {"RULE": 1}, ["N"], {"RULE": 1}),
    ("NEAR, BLOCKS = 6, V = 2", lambda: near_open(False), {"BLOCKS": 6, "V": 2}, ["N"], {"BLOCKS": 6, "V": 2}),
    ("NEAR, V = 2 (N, BLOCKS open)", lambda: near_open(True), {"V": 2}, ["N", "BLOCKS"], {"BLOCKS": 6, "V": 2}),
]



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    opts = SymbolicOptions(depth=ALL_SIZES_K, timeout=args.timeout, deadlock=True)
    print("| model | open params | all-sizes s | verdicts | explicit N = 5 / 6 / 7, symmetry on (s) | explicit N = 5 / 6 / 7, symmetry off (s) |")
    print("|---|---|---:|---|---|---|")
    details = []
    for label, load, bound, open_, fixed in CASES:
        model = load()
        prove_all_sizes(model, bound, open_, opts)  # warm-up: imports, Z3 context
        secs, res = best(lambda: prove_all_sizes(model, bound, open_, opts), args.repeat)
        verdicts = ", ".join(f"{v.status.value}" for v in res.verdicts)
        counts: dict[str, int] = {}
        for v in res.verdicts:
            counts[v.status.value] = counts.get(v.status.value, 0) + 1
        verdicts = ", ".join(f"{n} {k}" for k, n in counts.items())
        cols = []
        for sym in (True, False):
            cells = []
            for n in (5, 6, 7):
                inst_params = {**fixed, "N": n}
                s, r = best(lambda: check_explicit(instantiate(model, inst_params), ExplicitOptions(symmetry=sym)),
                            args.repeat)
                cells.append(f"{s:.3f} ({r.states:,} st)")
            cols.append(" / ".join(cells))
        print(f"| {label} | {', '.join(open_)} | {secs:.2f} | {verdicts} | {cols[0]} | {cols[1]} |")
        for v in res.verdicts:
            details.append(f"| {label} | {v.name} | {v.status.value} | {v.engine} | {v.seconds:.2f} |")
    print()
    print("| model | obligation | verdict | engine | decided at s |")
    print("|---|---|---|---|---:|")
    print("\n".join(details))


if __name__ == "__main__":
    main()
