"""States per second of the explicit search on one core and on two (issue 14); not part of
the test run.

    .venv/bin/python bench/bench_workers.py              # N = 7 and 8, best of 3, about a minute
    .venv/bin/python bench/bench_workers.py --n 7 --repeat 5

The 0L model (models/libra_framework_upgrade.fork) with RULE = Code, symmetry off, deadlock
checking on, no limits, at each N: `check_explicit` (one process), `check_parallel` with 1
worker and with 2 (NOTE(parallel) in checker/engines/parallel.py).  The model's liveness
properties are dropped first: the parallel search leaves them to one worker, and the
one-process search would otherwise spend its time building the liveness graph, not
searching.  The runs of one N are interleaved (explicit, 1, 2, explicit, 1, 2, ...) and the
best of --repeat kept, so that a burst of load elsewhere hits all three alike; the ratios
are measured in the same run.

The machine may be shared: the load average is printed before and after, and so is the
speed-up of a pure CPU loop in two processes over one ("machine"), measured just before: the
most any two-process search could get on this machine at this moment; and, at the largest N,
the same for two one-process searches run at once ("ceiling"): what two cores give this very
work when nothing has to be shared.  The last column,
CPU seconds of the two workers together over explicit's (best runs), is the work the split
adds; explicit's states/s times 2 over it is what two idle cores would give.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from forkproof.engines.explicit import ExplicitOptions, check_explicit  # noqa: E402
from forkproof.engines.parallel import check_parallel  # noqa: E402
from forkproof.semantics.compile import is_temporal  # noqa: E402
from forkproof.semantics.instance import instantiate  # noqa: E402
from forkproof.spec.ir import Model, UnOp, Unary  # noqa: E402
from forkproof.spec.load import load_model  # noqa: E402

LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"
TARGET = 1.6  # issue 14: two workers at least 1.6 times one worker's states per second


def safety_only(model: Model) -> Model:
    """The model without its liveness properties (those other than `always P`)."""
    return replace(model, properties=tuple(p for p in model.properties if isinstance(p.expr, Unary)
                                           and p.expr.op is UnOp.ALWAYS and not is_temporal(p.expr.arg)))


def _spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def machine_speedup(n: int = 4_000_000, repeat: int = 3) -> float:
    """Two processes spinning, against one: best of `repeat`."""
    ctx = multiprocessing.get_context("fork")
    one = two = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        p = ctx.Process(target=_spin, args=(n,))
        p.start()
        p.join()
        one = min(one, time.perf_counter() - t)
        t = time.perf_counter()
        ps = [ctx.Process(target=_spin, args=(n,)) for _ in range(2)]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        two = min(two, time.perf_counter() - t)
    return 2 * one / two


def ceiling(inst, opts: ExplicitOptions) -> float:
    """Two one-process searches at once, against one (each in a forked child)."""
    ctx = multiprocessing.get_context("fork")

    def run(k: int) -> float:
        t = time.perf_counter()
        ps = [ctx.Process(target=check_explicit, args=(inst, opts)) for _ in range(k)]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        return time.perf_counter() - t

    return 2 * run(1) / run(2)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, action="append", help="validator counts (default 7 and 8)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = args.n or [7, 8]
    model = safety_only(load_model(str(LIBRA)))
    opts = ExplicitOptions(symmetry=False)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load average (1 / 5 / 15 min) before: {load()}")
    machine = machine_speedup()
    print(f"machine: two spinning processes do {machine:.2f}x the work of one right now\n")
    print("| N | states | depth | explicit s | 1 worker s | 2 workers s | explicit states/s | 2 workers states/s "
          "| 2 workers / explicit | 2 workers / 1 worker | CPU 2 workers / explicit |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for n in sizes:
        inst = instantiate(model, {"N": n, "RULE": 0})
        runs = {"explicit": lambda: check_explicit(inst, opts), 1: lambda: check_parallel(inst, opts, 1),
                2: lambda: check_parallel(inst, opts, 2)}
        best: dict = {k: float("inf") for k in runs}
        cpu: dict = {k: float("inf") for k in runs}
        states: dict = {}
        for _ in range(args.repeat):
            for k, fn in runs.items():
                c, t = os.times(), time.perf_counter()
                r = fn()
                best[k] = min(best[k], time.perf_counter() - t)
                d = os.times()
                cpu[k] = min(cpu[k], sum(d[:4]) - sum(c[:4]))  # user + system, this process and its children
                states[k] = (r.states, r.depth, r.transitions)
        if len(set(states.values())) != 1:
            sys.exit(f"N = {n}: the searches disagree: {states}")
        count, depth, _ = states["explicit"]
        ratio = best["explicit"] / best[2]
        ratios.append(ratio)
        print(f"| {n} | {count:,} | {depth} | {best['explicit']:.2f} | {best[1]:.2f} | {best[2]:.2f} "
              f"| {count / best['explicit']:,.0f} | {count / best[2]:,.0f} | {ratio:.2f}x | {best[1] / best[2]:.2f}x "
              f"| {cpu[2] / cpu['explicit']:.2f} |",
              flush=True)
    print(f"\nceiling at N = {sizes[-1]}: two one-process searches at once do {ceiling(inst, opts):.2f}x the work of one")
    print(f"load average after: {load()}; machine: {machine_speedup():.2f}x; target: {TARGET}x "
          f"({'met' if min(ratios) >= TARGET else 'not met'} at every N, "
          f"smallest {min(ratios):.2f}x)")


if __name__ == "__main__":
    main()
