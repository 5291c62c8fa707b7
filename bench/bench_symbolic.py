"""Symbolic engines: proof time per property per engine, and BMC seconds per depth.

    python bench/bench_symbolic.py            # both tables (several minutes)
    python bench/bench_symbolic.py --quick    # small sizes, depth 8

Table 1: for every shipped model at a fixed instance, each engine's verdict and seconds per
property (the engines run all properties of an instance together; the time shown is the
engine's time for the instance, and for kind/pdr the moment the property was decided).
Table 2: BMC on models/near_protocol_upgrade.fork: seconds to decide depth k alone (one
fresh solver over the k-step unrolling with every obligation), k = 1..30, stopping once a
depth takes longer than --cap seconds.  Not part of the test run; numbers vary with the
machine's load: compare ratios measured in the same run.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import z3

ROOT = Path(__file__).resolve().parents[1]

from forkproof.engines.symbolic.bmc import obligations
from forkproof.engines.symbolic.engine import check_bmc  # noqa: E402
from forkproof.engines.symbolic.encode import Encoding, SymbolicOptions  # noqa: E402
from forkproof.engines.explicit import ExplicitOptions, check_explicit  # noqa: E402
from forkproof.semantics.instance import instantiate  # noqa: E402
from forkproof.engines.symbolic.engine import check_kind  # noqa: E402
from forkproof.spec.load import load_model  # noqa: E402

INSTANCES = [
    ("libra_framework_upgrade.fork", {"N": 4, "RULE": 1}, "N = 4, RULE = Intended"),
    ("libra_framework_upgrade.fork", {"N": 4, "RULE": 0}, "N = 4, RULE = Code"),
    ("near_protocol_upgrade.fork", {"N": 3, "BLOCKS": 6, "V": 2}, "N = 3, BLOCKS = 6, V = 2"),
]


def engines(depth: int, timeout: float):
    out = [
        ("explicit", lambda inst: check_explicit(inst, ExplicitOptions(symmetry=False))),
        ("bmc", lambda inst: check_bmc(inst, SymbolicOptions(depth=depth, timeout=timeout))),
        ("kind", lambda inst: check_kind(inst, SymbolicOptions(depth=depth, timeout=timeout))),
    ]
    try:
        from forkproof.engines.symbolic.engine import check_pdr

        out.append(("pdr", lambda inst: check_pdr(inst, SymbolicOptions(depth=depth, timeout=timeout))))
    except ImportError:
        pass
    return out


def table_engines(depth: int, timeout: float) -> None:
    print("| model | instance | property | " + " | ".join(n for n, _ in engines(depth, timeout)) + " |")
    print("|---|---|---|" + "---|" * len(engines(depth, timeout)))
    for file, params, scope in INSTANCES:
        model = load_model(str(ROOT / "models" / file))
        rows: dict[str, list[str]] = {}
        for name, run in engines(depth, timeout):
            inst = instantiate(model, params)
            t = time.perf_counter()
            res = run(inst)
            total = time.perf_counter() - t
            for v in res.verdicts:
                word = {"holds (exhaustive)": "holds", "holds up to depth": f"≤{v.depth}"}.get(v.status.value, v.status.value)
                rows.setdefault(v.name, []).append(f"{word} {min(v.seconds, total):.2f}s")
        for prop, cells in rows.items():
            print(f"| {file.removesuffix('.fork')} | {scope} | {prop} | " + " | ".join(cells) + " |")


def table_bmc_depth(max_depth: int, cap: float) -> None:
    model = load_model(str(ROOT / "models" / "near_protocol_upgrade.fork"))
    inst = instantiate(model, {"N": 3, "BLOCKS": 6, "V": 2})
    enc = Encoding(inst)
    props = obligations(enc, True)
    print("| depth k | seconds for depth k | result |")
    print("|---|---|---|")
    xs = [enc.vars(0)]
    path = [enc.init(xs[0]), enc.wf(xs[0])]
    for k in range(1, max_depth + 1):
        xs.append(enc.vars(k))
        path += [enc.trans(xs[k - 1], xs[k], k), enc.wf(xs[k])]
        bad = z3.Or(*[z3.Not(p.pred(xs[k - 1], xs[k]) if p.step else p.pred(xs[k], None)) for p in props])
        solver = z3.Solver()
        solver.set("timeout", int(cap * 1000))
        solver.add(*path, bad)
        t = time.perf_counter()
        res = solver.check()
        took = time.perf_counter() - t
        print(f"| {k} | {took:.2f} | {res} |", flush=True)
        if res == z3.unknown:
            print(f"\nstopped: depth {k} did not finish within {cap:g} s")
            break


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cap", type=float, default=120.0, help="seconds one BMC depth may take")
    args = ap.parse_args()
    depth = 8 if args.quick else 12
    print(f"## engines per property (depth/k up to {depth}), {time.strftime('%Y-%m-%d')}\n")
    table_engines(depth, timeout=300.0)
    print(f"\n## BMC on near_protocol_upgrade.fork (N = 3, BLOCKS = 6, V = 2), seconds per depth\n")
    table_bmc_depth(8 if args.quick else 30, args.cap)


if __name__ == "__main__":
    main()
