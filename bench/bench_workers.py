"""States per second of the explicit search on one core and on two (issue 14); not part of
the test run.

    .venv/bin/python bench/bench_workers.py              # N = 8 and 9, 6 pairs each, about a minute
    .venv/bin/python bench/bench_workers.py --n 10 --pairs 4
    .venv/bin/python bench/bench_workers.py --model two --n 5 --n 6 --pairs 2
    .venv/bin/python bench/bench_workers.py --against no-sharing --n 9 --pairs 8

The 0L model (models/libra_framework_upgrade.fork) with RULE = Code, or with `--model two`
issue 14's benchmark model (bench/models/two_proposals.fork), symmetry off, deadlock checking
on, no limits, at each N: `check_explicit` (the one-process search, what
`--workers 1` runs) against `check_parallel` with 2 workers (NOTE(parallel) in
checker/engines/parallel.py).  The model's liveness properties are dropped first: the
parallel search leaves them to one worker, and the one-process search would otherwise spend
its time building the liveness graph, not searching.

Each search runs in a fresh process forked from a parent that has run none, as each
`forkproof check` is its own process: no search inherits another's heap.  The shared machines
this was written on change speed from one minute to the next (at N = 8, six one-process runs
of the same search took 2.0 to 3.5 s within three minutes, the two-worker runs between them
1.8 to 2.0 s), so a best-of-K over the whole run compares one side's lucky minute with the
other's.  The searches are measured in pairs instead, explicit then two workers, then two
workers then explicit (ABBA), and each pair gives a ratio; the median ratio is the result,
printed with the lowest and highest.  Also printed: the CPU seconds of the two workers
together over explicit's (the work the split adds), and the speed-up of a pure CPU loop in
two processes over one before and after ("machine").  A loop touches little memory, so that is
not yet what two copies of a search get: each pair also runs two one-process searches at once
(a third measurement, ABC then CBA) and prints what they do over one ("2 searches at once / 1",
twice the lone search's seconds over the slower copy's), the most a split of this search could
get on this machine at that moment before paying for the split itself, and the two workers'
ratio as a share of it.  `--no-ceiling` skips it (the run then takes about a third less time).

`--against no-sharing` measures, the same way, two workers against two workers that never
borrow from each other's frontiers (NOTE(sharing) in checker/engines/parallel.py).
"""
from __future__ import annotations

import argparse
import ast
import multiprocessing
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from forkproof.engines.explicit import ExplicitOptions, check_explicit  # noqa: E402
from forkproof.engines import parallel  # noqa: E402
from forkproof.engines.parallel import check_parallel  # noqa: E402
from forkproof.semantics.compile import is_temporal  # noqa: E402
from forkproof.semantics.instance import instantiate  # noqa: E402
from forkproof.spec.ir import Model, UnOp, Unary  # noqa: E402
from forkproof.spec.load import load_model  # noqa: E402

LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"
TWO = ROOT / "bench" / "models" / "two_proposals.fork"
TARGET = 1.6  # issue 14: two workers at least 1.6 times the states per second of one


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


def _timed(job, copies: int = 1) -> tuple[float, float, tuple]:
    """`job()` in a forked child (`copies` children at once, each running it): the wall and CPU
    seconds of the slowest and (states, depth, transitions)."""
    kids = []
    for _ in range(copies):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: measure, report, leave without running the parent's cleanup
            try:
                os.close(r)
                c, t = os.times(), time.perf_counter()
                res = job()
                wall, d = time.perf_counter() - t, os.times()
                cpu = sum(d[:4]) - sum(c[:4])  # user + system, this process and its workers
                os.write(w, repr((wall, cpu, (res.states, res.depth, res.transitions))).encode())
            finally:
                os._exit(0)
        os.close(w)
        kids.append((pid, r))
    got = []
    for pid, r in kids:
        with os.fdopen(r, "rb") as f:
            data = f.read()
        os.waitpid(pid, 0)
        if not data:
            sys.exit("a measured search failed")
        got.append(ast.literal_eval(data.decode()))  # our own child's repr of floats and ints
    return max(got)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, action="append", help="validator counts (default 8 and 9)")
    ap.add_argument("--pairs", type=int, default=6, help="measured pairs per N (default 6)")
    ap.add_argument("--model", choices=["libra", "two"], default="libra",
                    help="the 0L model, RULE = Code (default), or the two-proposal benchmark model")
    ap.add_argument("--against", choices=["explicit", "no-sharing"], default="explicit",
                    help="one process (default), or two workers that never borrow (NOTE(sharing))")
    ap.add_argument("--no-ceiling", action="store_true",
                    help="skip the two one-process searches run at once (the machine's ceiling for this search)")
    args = ap.parse_args()
    base = "explicit" if args.against == "explicit" else "2 not sharing"
    sizes = args.n or ([8, 9] if args.model == "libra" else [4, 5])
    model = safety_only(load_model(str(LIBRA if args.model == "libra" else TWO)))
    params = {"RULE": 0} if args.model == "libra" else {}
    opts = ExplicitOptions(symmetry=False)
    print(f"model {model.name}; python {platform.python_version()}, {os.cpu_count()} cores, load average (1 / 5 / 15 min) before: {load()}")
    print(f"machine: two spinning processes do {machine_speedup():.2f}x the work of one right now\n")
    ceiling = args.against == "explicit" and not args.no_ceiling
    print(f"| N | states | depth | pairs | {base} s (median) | 2 workers s (median) | {base} states/s | 2 workers states/s "
          f"| 2 workers / {base}: median | lowest | highest | CPU 2 workers / {base} (median) |"
          + (" 2 searches at once / 1: median (lowest-highest) | 2 workers / that (median) |" if ceiling else ""))
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if ceiling else ""))
    medians = []
    for n in sizes:
        inst = instantiate(model, {"N": n, **params})
        two = lambda: check_parallel(inst, opts, 2)  # noqa: E731
        if args.against == "explicit":
            one = lambda: check_explicit(inst, opts)  # noqa: E731
        else:
            def one(inst=inst):
                parallel.LEND = 10**15  # in the measured child only: no chunk is ever that long
                return check_parallel(inst, opts, 2)
        ratios, cpus, walls1, walls2, ceilings, seen = [], [], [], [], [], set()
        for i in range(args.pairs):
            both = None
            if i % 2 == 0:
                a, b = _timed(one), _timed(two)
                if ceiling:
                    both = _timed(one, copies=2)
            else:
                if ceiling:
                    both = _timed(one, copies=2)
                b, a = _timed(two), _timed(one)
            seen |= {a[2], b[2]}
            walls1.append(a[0])
            walls2.append(b[0])
            ratios.append(a[0] / b[0])
            cpus.append(b[1] / a[1])
            if both is not None:
                seen.add(both[2])
                ceilings.append(2 * a[0] / both[0])
        if len(seen) != 1:
            sys.exit(f"N = {n}: the searches disagree: {seen}")
        count, depth, _ = seen.pop()
        med = statistics.median(ratios)
        medians.append(med)
        e, p = statistics.median(walls1), statistics.median(walls2)
        row = (f"| {n} | {count:,} | {depth} | {args.pairs} | {e:.2f} | {p:.2f} | {count / e:,.0f} | {count / p:,.0f} "
               f"| {med:.2f}x | {min(ratios):.2f}x | {max(ratios):.2f}x | {statistics.median(cpus):.2f} |")
        if ceiling:
            fractions = [r / c for r, c in zip(ratios, ceilings)]
            row += (f" {statistics.median(ceilings):.2f}x ({min(ceilings):.2f}-{max(ceilings):.2f}x) "
                    f"| {statistics.median(fractions):.0%} |")
        print(row, flush=True)
    target = (f"; target: {TARGET}x ({'met' if min(medians) >= TARGET else 'not met'} at every N, smallest median "
              f"{min(medians):.2f}x)") if args.against == "explicit" else ""
    print(f"\nload average after: {load()}; machine: {machine_speedup():.2f}x{target}")


if __name__ == "__main__":
    main()
