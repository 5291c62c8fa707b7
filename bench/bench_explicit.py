"""Benchmark of the explicit engine; not part of the test run.

    /work/venv/bin/python bench/bench_explicit.py            # full run, about a minute
    /work/venv/bin/python bench/bench_explicit.py --quick    # smoke run, a few seconds

Runs `instantiate` + `check_explicit` (deadlock checking on) one configuration after
another in this one process: the 0L model at N = 4..7 for RULE = Code and RULE = Intended,
with and without symmetry, then bigger configurations whose state counts are large enough
for a meaningful states-per-second figure.  Prints markdown tables; bench/README.md says
what each column means and which targets they are held against.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from forkproof.semantics.compile import compile_program  # noqa: E402
from forkproof.engines.explicit import ExplicitOptions, ExplicitResult, check_explicit  # noqa: E402
from forkproof.semantics.instance import instantiate  # noqa: E402
from forkproof.run.plan import parse_bindings, plan  # noqa: E402
from forkproof.semantics.verdict import Status  # noqa: E402
from forkproof.spec.load import load_model_text  # noqa: E402

LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"
NEAR = ROOT / "models" / "near_protocol_upgrade.fork"

# The project's targets (bench/README.md).
TARGET_STATES_PER_S = 30_000  # without symmetry, on a configuration big enough to measure
TARGET_N7_SYMMETRY_S = 10.0  # 0L model, N = 7, symmetry on, 2-core machine


@dataclass(frozen=True)
class Config:
    path: Path
    params: tuple[str, ...]  # `--param` style bindings: "N=7", "RULE=Code"
    symmetry: bool

    @property
    def model(self) -> str:
        return {"libra_framework_upgrade": "0L", "near_protocol_upgrade": "NEAR"}.get(self.path.stem, self.path.stem)

    def param(self, name: str) -> str:
        return next((p.split("=", 1)[1] for p in self.params if p.startswith(name + "=")), "")


@dataclass(frozen=True)
class Row:
    config: Config
    states: int
    depth: int
    transitions: int
    complete: bool
    violated: int  # properties violated (deadlock included); the search goes on for the others
    setup_s: float  # instantiate + compile_program, measured on its own
    seconds: float  # instantiate + check_explicit, wall time, best of the repeats
    cpu_s: float  # the same, CPU time of this process: less sensitive to other processes
    peak_mib: float | None  # tracemalloc peak over instantiate + check_explicit

    @property
    def rate(self) -> float:
        return self.states / self.seconds if self.seconds else float("inf")

    @property
    def cpu_rate(self) -> float:
        return self.states / self.cpu_s if self.cpu_s else float("inf")

    @property
    def search_rate(self) -> float | None:
        """States per second of search alone; None when setup is half the run or more, where
        subtracting two noisy millisecond timings means nothing."""
        search = self.seconds - self.setup_s
        return self.states / search if search > self.setup_s else None


_models: dict[Path, object] = {}


def _instance_args(cfg: Config):
    model = _models.get(cfg.path)
    if model is None:
        model = _models[cfg.path] = load_model_text(cfg.path.read_text(encoding="utf-8"), str(cfg.path))
    combos, _ = plan(model, parse_bindings(model, list(cfg.params)))
    assert len(combos) == 1, f"{cfg.params} should bind one instance, got {len(combos)}"
    return model, combos[0]


def _run_once(cfg: Config) -> tuple[float, float, ExplicitResult]:
    """(wall seconds, CPU seconds of this process, result)"""
    model, combo = _instance_args(cfg)
    options = ExplicitOptions(symmetry=cfg.symmetry, deadlock=True)
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = check_explicit(instantiate(model, combo), options)
    return time.perf_counter() - start, time.process_time() - cpu, result


def _setup_seconds(cfg: Config) -> float:
    model, combo = _instance_args(cfg)
    gc.collect()
    start = time.perf_counter()
    compile_program(instantiate(model, combo))
    return time.perf_counter() - start


def _peak_mib(cfg: Config) -> float:
    model, combo = _instance_args(cfg)
    gc.collect()
    tracemalloc.start()
    try:
        check_explicit(instantiate(model, combo), ExplicitOptions(symmetry=cfg.symmetry, deadlock=True))
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(cfg: Config, repeat: int, memory: bool) -> Row:
    runs = [_run_once(cfg) for _ in range(repeat)]
    seconds, _, result = min(runs, key=lambda r: r[0])
    violated = sum(v.status is Status.VIOLATED for v in result.verdicts)
    return Row(cfg, result.states, result.depth, result.transitions, result.complete, violated,
               min(_setup_seconds(cfg) for _ in range(repeat)), seconds, min(r[1] for r in runs),
               _peak_mib(cfg) if memory else None)


# ---------------------------------------------------------------- printing


def _mem(row: Row) -> str:
    return "-" if row.peak_mib is None else f"{row.peak_mib:.1f}"


def _rate(x: float | None) -> str:
    if x is None:
        return "(setup-bound)"
    return "inf" if x == float("inf") else f"{x:,.0f}"


def main_table(rows: list[Row]) -> str:
    out = ["| model | N | RULE | other params | symmetry | distinct states | depth | transitions | setup s "
           "| seconds | states/s | states/s excl. setup | CPU s | states/CPU s | peak MiB (tracemalloc) |",
           "|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        c = r.config
        other = ", ".join(p for p in c.params if not p.startswith(("N=", "RULE="))) or "-"
        states = f"{r.states:,}" + ("" if r.complete else " (incomplete)")
        out.append(f"| {c.model} | {c.param('N')} | {c.param('RULE') or '-'} | {other} | {'on' if c.symmetry else 'off'} "
                   f"| {states} | {r.depth} | {r.transitions:,} | {r.setup_s:.3f} | {r.seconds:.3f} "
                   f"| {_rate(r.rate)} | {_rate(r.search_rate)} | {r.cpu_s:.3f} | {_rate(r.cpu_rate)} | {_mem(r)} |")
    return "\n".join(out)


def speedup_table(rows: list[Row]) -> str:
    """Per (model, params): symmetry off vs on, in time and in states."""
    by_key: dict[tuple, dict[bool, Row]] = {}
    for r in rows:
        by_key.setdefault((r.config.path, r.config.params), {})[r.config.symmetry] = r
    out = ["| model | params | seconds off | seconds on | speed-up (time off / on) | states off | states on "
           "| reduction (states off / on) |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for (path, params), pair in by_key.items():
        if len(pair) < 2:
            continue
        off, on = pair[False], pair[True]
        out.append(f"| {off.config.model} | {', '.join(params)} | {off.seconds:.3f} | {on.seconds:.3f} "
                   f"| {off.seconds / on.seconds:.1f}x | {off.states:,} | {on.states:,} | {off.states / on.states:.1f}x |")
    return "\n".join(out)


def targets(rows: list[Row]) -> str:
    lines = []
    big = [r for r in rows if not r.config.symmetry and r.states >= 10_000]
    if big:
        worst = min(big, key=lambda r: r.rate)
        best = max(big, key=lambda r: r.rate)
        ok = worst.rate >= TARGET_STATES_PER_S
        cpu_worst = min(r.cpu_rate for r in big)
        lines.append(f"- >= {TARGET_STATES_PER_S:,} states/s without symmetry (configurations with >= 10,000 states): "
                     f"{'met' if ok else 'NOT met'}: {_rate(worst.rate)} to {_rate(best.rate)} states/s wall time "
                     f"(lowest: {worst.config.model} {', '.join(worst.config.params)}); "
                     f"lowest per CPU second {_rate(cpu_worst)}")
    else:
        lines.append("- states/s target: no configuration without symmetry reached 10,000 states (run without --quick)")
    n7 = [r for r in rows if r.config.path == LIBRA and r.config.symmetry and r.config.param("N") == "7"]
    if n7:
        slowest = max(n7, key=lambda r: r.seconds)
        ok = slowest.seconds < TARGET_N7_SYMMETRY_S
        lines.append(f"- 0L model at N = 7 with symmetry in < {TARGET_N7_SYMMETRY_S:g} s: {'met' if ok else 'NOT met'}: "
                     f"{slowest.seconds:.3f} s at most ({', '.join(slowest.config.params)})")
    return "\n".join(lines)


def machine() -> str:
    cpus = os.cpu_count()
    return (f"{datetime.date.today().isoformat()}, Python {platform.python_version()} on {platform.system()} "
            f"{platform.machine()}, {cpus} CPU{'s' if cpus != 1 else ''}, {_revision()}")


def _revision() -> str:
    """The commit measured, and whether the engine or the models had uncommitted edits."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "checker", "spec", "models"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "commit unknown"
    return f"commit {head}" + (" with uncommitted changes to checker/, spec/ or models/" if dirty else "")


# ---------------------------------------------------------------- configurations


def configurations(quick: bool) -> tuple[list[Config], list[Config]]:
    ns = (4, 5) if quick else (4, 5, 6, 7)
    grid = [Config(LIBRA, (f"N={n}", f"RULE={rule}"), sym)
            for n in ns for rule in ("Code", "Intended") for sym in (False, True)]
    if quick:
        return grid, []
    big = [Config(LIBRA, ("N=8", "RULE=Code"), False),
           Config(LIBRA, ("N=8", "RULE=Intended"), False),
           Config(LIBRA, ("N=8", "RULE=Code"), True),
           Config(NEAR, ("N=5", "BLOCKS=8", "V=2"), False),
           Config(NEAR, ("N=5", "BLOCKS=8", "V=2"), True),
           # symmetry at sizes where it still has thousands of states to explore
           Config(LIBRA, ("N=12", "RULE=Code"), True),
           Config(LIBRA, ("N=16", "RULE=Code"), True),
           Config(LIBRA, ("N=24", "RULE=Code"), True),
           Config(NEAR, ("N=8", "BLOCKS=12", "V=2"), True)]
    return grid, big


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: N = 4, 5 only, one repeat, no big configurations")
    ap.add_argument("--repeat", type=int, default=None, help="timed runs per configuration, best kept (default 3; 1 with --quick)")
    ap.add_argument("--no-memory", dest="memory", action="store_false",
                    help="skip the extra run under tracemalloc that measures peak memory")
    args = ap.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    grid, big = configurations(args.quick)

    _run_once(grid[0])  # warm up: first-call costs (imports, caches) are not the engine's
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    grid_rows = [measure(c, repeat, args.memory) for c in grid]
    big_rows = [measure(c, repeat, args.memory) for c in big]
    total = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(f"# explicit engine benchmark\n\nmeasured on {machine()}; best of {repeat} run{'s' if repeat > 1 else ''} "
          f"per configuration, deadlock checking on\n")
    print("## 0L model, N x RULE x symmetry\n")
    print(main_table(grid_rows))
    print("\n### symmetry speed-up\n")
    print(speedup_table(grid_rows))
    if big_rows:
        print("\n## bigger configurations (a states/s figure not dominated by setup; symmetry at larger N)\n")
        print(main_table(big_rows))
        print()
        print(speedup_table(big_rows))
    print("\n## targets\n")
    print(targets(grid_rows + big_rows))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at the end {load} (other processes on the machine skew the timings: rerun when "
          f"it is below 1)")
    print(f"wall time {total:.1f} s; process max RSS {rss_before / 1024:.0f} MiB before the runs, "
          f"{rss_after / 1024:.0f} MiB after (ru_maxrss, a high-water mark for the whole process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
