"""forkproof next to TLC on the benchmark model of issue 14; not part of the test run.

    .venv/bin/python bench/bench_tlc.py --jar /tmp/tlc/tla2tools.jar              # N = 3, 4, 5
    .venv/bin/python bench/bench_tlc.py --jar /tmp/tlc/tla2tools.jar --n 6 --symmetry off

Checks bench/models/two_proposals.fork with `forkproof check` (explicit engine, deadlock
checking on) and bench/tla/TwoProposals.tla with TLC (`-workers 1`), one process per run,
each under `/usr/bin/time -v`, and prints a markdown table: the distinct-state counts of
both next to the counts issue 14 asks for, and each tool's wall time, CPU time and peak
resident memory.  tla2tools.jar is not in the repository: pass its path with --jar (or
$TLA2TOOLS).  The TLC configuration for each N is written to a temporary directory (N model
values v1..vN, with or without `SYMMETRY Perms`), TLC's state files too.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "bench" / "models" / "two_proposals.fork"
SPEC = ROOT / "bench" / "tla" / "TwoProposals.tla"

# Issue 14's distinct-state counts (explicit engine, deadlock checking on), by N.
TARGET = {
    False: {3: 3_251, 4: 32_923, 5: 259_323, 6: 2_205_563, 7: 20_931_931},
    True: {3: 791, 4: 2_731, 5: 6_211, 6: 13_447, 7: 31_561},
}

CFG = """\\* written by bench/bench_tlc.py: N = {n}, symmetry {sym}
CONSTANT Validators = {{{values}}}
SPECIFICATION Spec
INVARIANT TypeOK ResolvedHadTwoThirdsYes AppliedAResolvedHash NoVotesBeforeProposal NewEpochAfterUpgrade
PROPERTY OnlyRegisteredHashRuns
{symmetry}"""


@dataclass(frozen=True)
class Run:
    states: int | None
    complete: bool  # the whole state space was explored
    ok: bool  # the tool finished and reported no violation
    wall_s: float
    cpu_s: float
    peak_mib: float


def _timed(cmd: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float, float, float]:
    """Run cmd under /usr/bin/time -v: (process, wall s, user + sys CPU s, peak RSS MiB)."""
    with tempfile.NamedTemporaryFile(mode="r", suffix=".time") as tf:
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *cmd], cwd=cwd, capture_output=True, text=True)
        report = tf.read()
    field = lambda name: re.search(rf"{re.escape(name)}.*?: (.+)", report).group(1).strip()  # noqa: E731
    h_m_s = [float(x) for x in field("Elapsed (wall clock) time").split(":")]
    wall = sum(x * 60 ** i for i, x in enumerate(reversed(h_m_s)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return proc, wall, cpu, int(field("Maximum resident set size (kbytes)")) / 1024


def forkproof(n: int, symmetry: bool, timeout: float) -> Run:
    cmd = [sys.executable, "-m", "forkproof", "check", str(MODEL), "--param", f"N={n}", "--format", "json",
           "--symmetry" if symmetry else "--no-symmetry", "--timeout", str(timeout)]
    proc, wall, cpu, mib = _timed(cmd, ROOT)
    report = json.loads(proc.stdout)
    (inst,) = report["models"][0]["instances"]
    return Run(inst["states"], inst["complete"], report["exit_code"] == 0, wall, cpu, mib)


def tlc(jar: Path, n: int, symmetry: bool, java_opts: list[str]) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench_tlc_") as tmp:
        work = Path(tmp)
        shutil.copy(SPEC, work / SPEC.name)
        (work / "MC.cfg").write_text(CFG.format(n=n, sym="on" if symmetry else "off",
                                                values=", ".join(f"v{i}" for i in range(1, n + 1)),
                                                symmetry="SYMMETRY Perms\n" if symmetry else ""))
        cmd = ["java", *java_opts, "-cp", str(jar), "tlc2.TLC", "-workers", "1", "-cleanup",
               "-metadir", str(work / "states"), "-config", "MC.cfg", SPEC.name]
        proc, wall, cpu, mib = _timed(cmd, work)
    out = proc.stdout
    found = re.search(r"([\d,]+) distinct states found, 0 states left on queue", out)
    ok = proc.returncode == 0 and "Model checking completed. No error has been found." in out
    if not ok:
        print(out[-3000:], file=sys.stderr)
    return Run(int(found.group(1).replace(",", "")) if found else None, found is not None, ok, wall, cpu, mib)


def tlc_version(jar: Path) -> str:
    out = subprocess.run(["java", "-cp", str(jar), "tlc2.TLC", "-h"], capture_output=True, text=True).stdout
    m = re.search(r"Version (\S+ of [^\n]*)", out)
    return m.group(1).strip() if m else "unknown version"


def _n(x: int | None, complete: bool = True) -> str:
    return "-" if x is None else f"{x:,}" + ("" if complete else " (incomplete)")


def parse_with_tlc(ap: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """`ap` with the options every TLC comparison takes (--jar, --no-tlc, --java-opt), parsed;
    an error when TLC is to run and the jar is not there."""
    ap.add_argument("--jar", type=Path, default=os.environ.get("TLA2TOOLS"), help="path to tla2tools.jar ($TLA2TOOLS)")
    ap.add_argument("--no-tlc", dest="tlc", action="store_false", help="forkproof alone")
    ap.add_argument("--java-opt", action="append", default=None,
                    help="an option for java, repeatable (default: -XX:+UseParallelGC, as TLC asks)")
    args = ap.parse_args(argv)
    if args.tlc and (args.jar is None or not args.jar.is_file()):
        ap.error("TLC needs --jar PATH/tla2tools.jar (or $TLA2TOOLS), or run with --no-tlc")
    return args


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", default="3,4,5", help="validator counts, comma-separated (default 3,4,5)")
    ap.add_argument("--symmetry", choices=("on", "off", "both"), default="both")
    ap.add_argument("--timeout", type=float, default=7200,
                    help="forkproof's time budget per instance, seconds (default 7200; its own default, 600, "
                         "cuts N = 7 without symmetry short on a busy machine)")
    args = parse_with_tlc(ap, argv)
    syms = {"on": [True], "off": [False], "both": [False, True]}[args.symmetry]
    if args.tlc:
        print(f"TLC {tlc_version(args.jar)}, -workers 1\n")
    print("| N | symmetry | target | forkproof states | TLC states | match | forkproof wall s | forkproof CPU s "
          "| forkproof peak MiB | TLC wall s | TLC CPU s | TLC peak MiB |")
    print("|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    failed = False
    for n in (int(x) for x in args.n.split(",")):
        for sym in syms:
            fp = forkproof(n, sym, args.timeout)
            tl = tlc(args.jar, n, sym, args.java_opt or ["-XX:+UseParallelGC"]) if args.tlc else None
            target = TARGET[sym].get(n)
            runs = [fp] + ([tl] if tl else [])
            match = all(r.states == target and r.complete and r.ok for r in runs)
            failed |= not match
            tcols = (f"{_n(tl.states, tl.complete)} | ", f"{tl.wall_s:.2f} | {tl.cpu_s:.2f} | {tl.peak_mib:.0f} |") if tl \
                else ("- | ", "- | - | - |")
            print(f"| {n} | {'on' if sym else 'off'} | {_n(target)} | {_n(fp.states, fp.complete)} | {tcols[0]}"
                  f"{'yes' if match else 'NO'} | {fp.wall_s:.2f} | {fp.cpu_s:.2f} | {fp.peak_mib:.0f} | {tcols[1]}",
                  flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
